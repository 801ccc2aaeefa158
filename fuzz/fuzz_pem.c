/*
 * fuzz_pem.c - a PEM key file, as an operator hands it to jot or jotd.
 *
 * The input goes through jot_key_from_pem bound to every asymmetric
 * algorithm (and, to check the refusal, to HS256 and JOT_ALG_INVALID).
 * Whatever parses is exported and thumbprinted.
 *
 * Properties (any failure aborts): an HMAC or invalid algorithm is never
 * bound to a PEM key; a parsed key has the algorithm it was bound to and
 * no kid; its public export parses back as a JWK with the same
 * thumbprint.
 *
 * OpenSSL's PEM decoder is slow and does not depend on the algorithm, so
 * once it has found no key at all for one algorithm (JOT_ERR_MALFORMED)
 * the others are not tried.
 */
#include <string.h>

#include "fuzz.h"

static void
check_key(const jot_key *key, jot_alg alg)
{
    char *thumb = NULL, *thumb2 = NULL, *json = NULL;
    jot_key *key2 = NULL;

    CHECK(jot_key_alg(key) == alg);
    CHECK(jot_key_kid(key) == NULL);
    CHECK(jot_jwk_thumbprint(key, &thumb) == JOT_OK);
    CHECK(jot_jwk_export(key, JOT_JWK_PUBLIC, &json) == JOT_OK);
    CHECK(jot_jwk_parse(json, strlen(json), alg, &key2) == JOT_OK);
    CHECK(jot_jwk_thumbprint(key2, &thumb2) == JOT_OK);
    CHECK(strcmp(thumb, thumb2) == 0);
    jot_free(json);
    json = NULL;
    if (jot_key_is_private(key) &&
        jot_jwk_export(key, JOT_JWK_PRIVATE, &json) == JOT_OK) {
        jot_wipe(json, strlen(json));
        jot_free(json);
    }
    jot_free(thumb);
    jot_free(thumb2);
    jot_key_free(key2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *pem = (const char *)data;
    int a;

    for (a = JOT_ALG_INVALID; a < JOT_ALG_LAST; a++) {
        jot_key *key = NULL;
        jot_err err = jot_key_from_pem(pem, size, (jot_alg)a, &key);

        CHECK((err == JOT_OK) == (key != NULL));
        if (err == JOT_ERR_MALFORMED)
            break;
        if (key == NULL)
            continue;
        CHECK(a != JOT_ALG_INVALID && !jot_alg_is_hmac((jot_alg)a));
        check_key(key, (jot_alg)a);
        jot_key_free(key);
    }
    return 0;
}
