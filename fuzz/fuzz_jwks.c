/*
 * fuzz_jwks.c - a JWK Set, as a remote /.well-known/jwks.json serves it.
 *
 * The input goes through jot_jwks_parse; a set that parses is exported,
 * public and private.
 *
 * Properties (any failure aborts): a parsed set holds at most
 * JOT_MAX_KEYS keys, each with an algorithm; its public export leaves out
 * exactly the HMAC keys and parses back into a set whose public export
 * is the same text; a private export, when every key is private, parses
 * back the same way.
 */
#include <string.h>

#include "fuzz.h"

/* Exports set under flags, parses the text back and compares. */
static void
round_trip(const jot_keyset *set, unsigned flags, size_t n_expected)
{
    char *json = NULL, *again = NULL;
    jot_keyset *set2 = NULL;

    if (jot_jwks_export(set, flags, &json) != JOT_OK) {
        CHECK(json == NULL);
        return;
    }
    CHECK(jot_jwks_parse(json, strlen(json), &set2) == JOT_OK);
    CHECK(jot_keyset_count(set2) == n_expected);
    CHECK(jot_jwks_export(set2, flags, &again) == JOT_OK);
    CHECK(strcmp(json, again) == 0);
    jot_wipe(json, strlen(json));
    jot_wipe(again, strlen(again));
    jot_free(json);
    jot_free(again);
    jot_keyset_free(set2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jot_keyset *set = NULL;
    size_t i, n, n_public = 0, n_private = 0;
    char *json = NULL;
    jot_err err = jot_jwks_parse((const char *)data, size, &set);

    CHECK((err == JOT_OK) == (set != NULL));
    if (set == NULL)
        return 0;
    n = jot_keyset_count(set);
    CHECK(n <= JOT_MAX_KEYS);
    CHECK(jot_keyset_get(set, n) == NULL);
    for (i = 0; i < n; i++) {
        const jot_key *key = jot_keyset_get(set, i);

        CHECK(key != NULL);
        CHECK(jot_alg_name(jot_key_alg(key)) != NULL);
        n_public += !jot_alg_is_hmac(jot_key_alg(key));
        n_private += jot_key_is_private(key) != 0;
    }
    round_trip(set, JOT_JWK_PUBLIC, n_public);
    if (n_private == n) {
        round_trip(set, JOT_JWK_PRIVATE, n);
    } else {
        CHECK(jot_jwks_export(set, JOT_JWK_PRIVATE, &json) == JOT_ERR_KEY);
        CHECK(json == NULL);
    }
    jot_keyset_free(set);
    return 0;
}
