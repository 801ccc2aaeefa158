/*
 * fuzz_jwk.c - one JWK, as a key server or a configuration file gives it.
 *
 * The input goes through jot_jwk_parse bound to every algorithm, and to
 * JOT_ALG_INVALID (the JWK's "alg" or curve decides) and two values out
 * of range.  Whatever parses is exported, public and private, and
 * thumbprinted.
 *
 * Properties (any failure aborts): a parsed key has the algorithm it was
 * bound to; its export parses back, bound to the same algorithm, into a
 * key with the same export and the same thumbprint (43 characters); a
 * private key signs, and its signature verifies under the key and under
 * its exported public half; a token jot_jws_sign makes with it, whatever
 * its kid, verifies against a set holding it.
 */
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

static int
is_rsa(jot_alg alg)
{
    return alg >= JOT_ALG_RS256 && alg <= JOT_ALG_PS512;
}

/* Parses json bound to alg; the key, or NULL. */
static jot_key *
parse(const char *json, size_t len, jot_alg alg)
{
    jot_key *key = NULL;
    jot_err err = jot_jwk_parse(json, len, alg, &key);

    CHECK((err == JOT_OK) == (key != NULL));
    return key;
}

/* The export of key under flags, parsed back and exported again. */
static void
round_trip(const jot_key *key, unsigned flags, const char *thumb)
{
    char *json = NULL, *again = NULL, *thumb2 = NULL;
    jot_key *key2;
    jot_err err = jot_jwk_export(key, flags, &json);

    /* Only an RSA key imported without its CRT members cannot give them
     * back. */
    if (flags == JOT_JWK_PRIVATE && jot_key_is_private(key))
        CHECK(err == JOT_OK || is_rsa(jot_key_alg(key)));
    if (err != JOT_OK) {
        CHECK(json == NULL);
        return;
    }
    key2 = parse(json, strlen(json), jot_key_alg(key));
    CHECK(key2 != NULL);
    CHECK(jot_key_is_private(key2) == (flags == JOT_JWK_PRIVATE));
    CHECK(jot_jwk_export(key2, flags, &again) == JOT_OK);
    CHECK(strcmp(json, again) == 0);
    CHECK(jot_jwk_thumbprint(key2, &thumb2) == JOT_OK);
    CHECK(strcmp(thumb, thumb2) == 0);
    jot_wipe(json, strlen(json));
    jot_wipe(again, strlen(again));
    jot_free(json);
    jot_free(again);
    jot_free(thumb2);
    jot_key_free(key2);
}

/* A private key signs; the signature verifies under the key and under
 * its public half. */
static void
sign_verify(const jot_key *key)
{
    static const char input[] = "eyJhbGciOiJub25lIn0.e30";
    unsigned char sig[2048];
    size_t sig_len = 0;
    char *pub_json = NULL;
    jot_key *pub;

    CHECK(jot_key_sign(key, input, sizeof input - 1, sig, sizeof sig,
                       &sig_len) == JOT_OK);
    CHECK(sig_len > 0 && sig_len <= jot_alg_sig_max(jot_key_alg(key)));
    CHECK(jot_key_verify(key, input, sizeof input - 1, sig, sig_len) ==
          JOT_OK);
    if (jot_alg_is_hmac(jot_key_alg(key)))
        return;
    CHECK(jot_jwk_export(key, JOT_JWK_PUBLIC, &pub_json) == JOT_OK);
    pub = parse(pub_json, strlen(pub_json), jot_key_alg(key));
    CHECK(pub != NULL);
    CHECK(jot_key_verify(pub, input, sizeof input - 1, sig, sig_len) ==
          JOT_OK);
    /* One flipped bit, anywhere, is refused. */
    sig[sig_len / 2] ^= 0x01;
    CHECK(jot_key_verify(pub, input, sizeof input - 1, sig, sig_len) ==
          JOT_ERR_BAD_SIGNATURE);
    jot_key_free(pub);
    jot_free(pub_json);
}

/* The length of the header jot_jws_sign writes for key:
 * {"alg":"ES256","typ":"JWT","kid":"..."}, the kid quoted by jansson. */
static size_t
header_len(const jot_key *key)
{
    size_t len = strlen("{\"alg\":\"\",\"typ\":\"JWT\"}") +
                 strlen(jot_alg_name(jot_key_alg(key)));
    json_t *kid;
    char *quoted;

    if (jot_key_kid(key) == NULL)
        return len;
    kid = json_string(jot_key_kid(key));
    CHECK(kid != NULL);
    quoted = json_dumps(kid, JSON_ENCODE_ANY);
    CHECK(quoted != NULL);
    len += strlen(",\"kid\":") + strlen(quoted);
    free(quoted);
    json_decref(kid);
    return len;
}

/* A token jot_jws_sign makes with the key (whatever its kid) verifies
 * against a set holding the key, and its header names the key; only a
 * header over 1024 octets is refused. */
static void
sign_token(jot_key *key)
{
    static const char payload[] = "{\"sub\":\"fuzz\"}";
    jot_keyset *set = NULL;
    jot_jws *jws = NULL;
    const char *kid = NULL;
    char *tok = NULL;
    jot_err err;

    err = jot_jws_sign(key, "JWT", payload, sizeof payload - 1, &tok);
    if (header_len(key) > 1024) {
        CHECK(err == JOT_ERR_TOO_LARGE && tok == NULL);
        return;
    }
    CHECK(err == JOT_OK);
    CHECK(jot_keyset_new(&set) == JOT_OK);
    CHECK(jot_keyset_add(set, key) == JOT_OK);
    CHECK(jot_jws_verify(set, NULL, tok, strlen(tok), &jws) == JOT_OK);
    CHECK(jot_jws_key(jws) == key);
    if (jot_key_kid(key) != NULL) {
        CHECK(jot_jws_header_string(jws, "kid", &kid) == JOT_OK);
        CHECK(strcmp(kid, jot_key_kid(key)) == 0);
    } else {
        CHECK(jot_jws_header_string(jws, "kid", &kid) != JOT_OK);
    }
    jot_jws_free(jws);
    jot_keyset_free(set);
    jot_free(tok);
}

static void
check_key(jot_key *key, jot_alg alg)
{
    char *thumb = NULL, *json = NULL;

    if (alg != JOT_ALG_INVALID)
        CHECK(jot_key_alg(key) == alg);
    CHECK(jot_alg_name(jot_key_alg(key)) != NULL);
    CHECK(jot_jwk_thumbprint(key, &thumb) == JOT_OK);
    CHECK(strlen(thumb) == 43);
    if (jot_alg_is_hmac(jot_key_alg(key))) {
        CHECK(jot_jwk_export(key, JOT_JWK_PUBLIC, &json) == JOT_ERR_KEY);
        CHECK(json == NULL);
    } else {
        round_trip(key, JOT_JWK_PUBLIC, thumb);
    }
    round_trip(key, JOT_JWK_PRIVATE, thumb);
    if (jot_key_is_private(key)) {
        sign_verify(key);
        sign_token(key);
    }
    jot_free(thumb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    int a;

    for (a = JOT_ALG_INVALID; a <= JOT_ALG_LAST + 1; a++) {
        jot_key *key = parse(json, size, (jot_alg)a);

        if (key == NULL)
            continue;
        CHECK(a < JOT_ALG_LAST);
        check_key(key, (jot_alg)a);
        jot_key_free(key);
    }
    return 0;
}
