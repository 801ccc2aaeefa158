/*
 * fuzz_verify.c - a token from the network, verified.
 *
 * The input is a compact token.  It goes through jot_jwt_verify against
 * a set holding one key of each family (HS256, RS256, ES256, EdDSA),
 * under a strict policy (issuer, audience, typ, a required claim, a fixed
 * clock) and a lax one (an allow-list, exp optional, leeway), and
 * through jot_jwt_decode and the claim accessors.
 *
 * The fuzzer cannot forge signatures, so the claim checks would only
 * ever see the seeds.  Hence a second pass: the input's first two
 * segments are signed again with the HS256 key and that token is
 * verified too.
 *
 * Properties (any failure aborts): an OK result names a key of the set
 * whose algorithm is the header's, and the token's signature verifies
 * under that key on its own; an OK strict result meets the policy; a
 * token signed again with the HS256 key never fails with a bad
 * signature when its header names that key.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"

#define NOW 1700000100          /* the clock of the hostile vectors */
#define LEEWAY 300

static jot_keyset *keys;
static jot_key *hs256;

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return NOW;
}

static const char *const strict_required[] = {"sub"};
static const struct jot_verify_opts strict = {
    .issuer = "https://jotd.test",
    .audience = "jotd-api",
    .typ = "at+jwt",
    .required = strict_required,
    .n_required = 1,
    .clock = fixed_clock,
};

static const jot_alg lax_algs[] = {
    JOT_ALG_HS256, JOT_ALG_RS256, JOT_ALG_PS256, JOT_ALG_ES256,
    JOT_ALG_EDDSA,
};
static const struct jot_verify_opts lax = {
    .algs = lax_algs,
    .n_algs = sizeof lax_algs / sizeof lax_algs[0],
    .leeway = LEEWAY,
    .clock = fixed_clock,
    .max_token_len = 16384,
    .flags = JOT_VERIFY_EXP_OPTIONAL,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const struct {
        const char *jwk;
        jot_alg alg;
    } fixed[] = {
        {FUZZ_JWK_HS256, JOT_ALG_HS256},
        {FUZZ_JWK_RS256, JOT_ALG_RS256},
        {FUZZ_JWK_ES256, JOT_ALG_ES256},
        {FUZZ_JWK_EDDSA, JOT_ALG_EDDSA},
    };
    size_t i;

    (void)argc;
    (void)argv;
    CHECK(jot_keyset_new(&keys) == JOT_OK);
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        jot_key *key = fuzz_key(fixed[i].jwk, fixed[i].alg);

        CHECK(jot_keyset_add(keys, key) == JOT_OK);
        jot_key_free(key);
    }
    hs256 = fuzz_key(FUZZ_JWK_HS256, JOT_ALG_HS256);
    return 0;
}

/* Reads every claim accessor once; nothing in a decoded token is
 * trusted, but reading it must be safe. */
static void
read_claims(const jot_jwt *jwt)
{
    const jot_jws *jws = jot_jwt_jws(jwt);
    const unsigned char *payload;
    const char *s;
    char *json = NULL;
    int64_t t;
    size_t i, n;

    CHECK(jws != NULL);
    jot_jws_payload(jws, &payload, &n);
    CHECK(payload != NULL || n == 0);
    CHECK(jot_jwt_claims_json(jwt, &json) == JOT_OK);
    jot_free(json);
    CHECK(jot_jws_header_json(jws, &json) == JOT_OK);
    jot_free(json);
    (void)jot_jws_header_string(jws, "typ", &s);
    (void)jot_jwt_claim_string(jwt, "sub", &s);
    (void)jot_jwt_claim_int(jwt, "exp", &t);
    if (jot_jwt_claim_array_len(jwt, "aud", &n) == JOT_OK) {
        for (i = 0; i < n; i++)
            CHECK(jot_jwt_claim_array_string(jwt, "aud", i, &s) == JOT_OK &&
                  s != NULL);
        CHECK(jot_jwt_claim_array_string(jwt, "aud", n, &s) != JOT_OK);
    }
}

/* The policy's audience is "aud" or one of its elements. */
static int
has_audience(const jot_jwt *jwt, const char *want)
{
    const char *s;
    size_t i, n;

    if (jot_jwt_claim_string(jwt, "aud", &s) == JOT_OK)
        return strcmp(s, want) == 0;
    if (jot_jwt_claim_array_len(jwt, "aud", &n) != JOT_OK)
        return 0;
    for (i = 0; i < n; i++) {
        if (jot_jwt_claim_array_string(jwt, "aud", i, &s) == JOT_OK &&
            strcmp(s, want) == 0)
            return 1;
    }
    return 0;
}

/* What an OK result promises (see the top of the file). */
static void
check_ok(const char *tok, size_t len, const struct jot_verify_opts *opts,
         const jot_jwt *jwt)
{
    const jot_jws *jws = jot_jwt_jws(jwt);
    const jot_key *key = jot_jws_key(jws);
    const char *d1, *d2, *s;
    unsigned char *sig = NULL;
    size_t i, sig_len = 0;
    int64_t t;
    int in_set = 0;

    CHECK(key != NULL);
    CHECK(jot_key_alg(key) == jot_jws_alg(jws));
    for (i = 0; i < jot_keyset_count(keys); i++)
        in_set |= jot_keyset_get(keys, i) == key;
    CHECK(in_set);
    if (jot_jws_header_string(jws, "kid", &s) == JOT_OK)
        CHECK(jot_key_kid(key) != NULL && strcmp(jot_key_kid(key), s) == 0);

    /* The signature verifies under that key, checked apart from the
     * verifier: the signing input is everything before the second dot. */
    d1 = memchr(tok, '.', len);
    CHECK(d1 != NULL);
    d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok));
    CHECK(d2 != NULL);
    CHECK(jot_b64url_decode_alloc(d2 + 1, len - (size_t)(d2 + 1 - tok), &sig,
                                  &sig_len) == JOT_OK);
    CHECK(jot_key_verify(key, tok, (size_t)(d2 - tok), sig, sig_len) ==
          JOT_OK);
    jot_free(sig);

    if (opts->n_algs > 0) {
        int allowed = 0;

        for (i = 0; i < opts->n_algs; i++)
            allowed |= opts->algs[i] == jot_jws_alg(jws);
        CHECK(allowed);
    }
    if (opts->issuer != NULL)
        CHECK(jot_jwt_claim_string(jwt, "iss", &s) == JOT_OK &&
              strcmp(s, opts->issuer) == 0);
    if (opts->audience != NULL)
        CHECK(has_audience(jwt, opts->audience));
    if (opts->typ != NULL)
        CHECK(jot_jws_header_string(jws, "typ", &s) == JOT_OK);
    /* A NumericDate with a fraction reads truncated: exp > now gives
     * at least now, nbf <= now at most now. */
    if (jot_jwt_claim_int(jwt, "exp", &t) == JOT_OK)
        CHECK(t >= NOW - opts->leeway);
    else if (!(opts->flags & JOT_VERIFY_EXP_OPTIONAL))
        CHECK(jot_jwt_claim_string(jwt, "exp", &s) != JOT_OK);
    if (jot_jwt_claim_int(jwt, "nbf", &t) == JOT_OK)
        CHECK(t <= NOW + opts->leeway);
    read_claims(jwt);
}

/* Verifies tok under opts; returns the error. */
static jot_err
verify(const char *tok, size_t len, const struct jot_verify_opts *opts)
{
    jot_jwt *jwt = NULL;
    jot_err err = jot_jwt_verify(keys, opts, tok, len, &jwt);

    if (err == JOT_OK)
        check_ok(tok, len, opts, jwt);
    else
        CHECK(jwt == NULL);
    jot_jwt_free(jwt);
    return err;
}

/* 1 when tok's header names the HS256 key: alg HS256 and no kid or the
 * key's own. */
static int
names_hs256(const char *tok, size_t len)
{
    jot_jws *jws = NULL;
    const char *kid;
    int yes = 0;

    if (jot_jws_decode(tok, len, &jws) != JOT_OK)
        return 0;
    if (jot_jws_alg(jws) == JOT_ALG_HS256) {
        if (jot_jws_header_string(jws, "kid", &kid) == JOT_OK)
            yes = strcmp(kid, "hs256") == 0;
        else
            yes = 1;
    }
    jot_jws_free(jws);
    return yes;
}

/* Signs the input's signing input again with the HS256 key. */
static void
resign(const char *tok, size_t len)
{
    unsigned char mac[64];
    const char *d1, *d2;
    char *enc = NULL, *tok2 = NULL;
    size_t input_len, mac_len = 0, enc_len;
    jot_err err;

    d1 = memchr(tok, '.', len);
    if (d1 == NULL)
        return;
    d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok));
    input_len = d2 != NULL ? (size_t)(d2 - tok) : len;
    CHECK(jot_key_sign(hs256, tok, input_len, mac, sizeof mac, &mac_len) ==
          JOT_OK);
    CHECK(mac_len == 32);
    CHECK(jot_b64url_encode_alloc(mac, mac_len, &enc) == JOT_OK);
    enc_len = strlen(enc);
    tok2 = malloc(input_len + 1 + enc_len);
    CHECK(tok2 != NULL);
    memcpy(tok2, tok, input_len);
    tok2[input_len] = '.';
    memcpy(tok2 + input_len + 1, enc, enc_len);
    len = input_len + 1 + enc_len;

    err = verify(tok2, len, &strict);
    if (names_hs256(tok2, len))
        CHECK(err != JOT_ERR_BAD_SIGNATURE);
    err = verify(tok2, len, &lax);
    if (names_hs256(tok2, len))
        CHECK(err != JOT_ERR_BAD_SIGNATURE);
    jot_free(enc);
    free(tok2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *tok = (const char *)data;
    jot_jwt *jwt = NULL;
    jot_jws *jws = NULL;

    (void)verify(tok, size, &strict);
    (void)verify(tok, size, &lax);

    if (jot_jwt_decode(tok, size, &jwt) == JOT_OK) {
        CHECK(jot_jws_key(jot_jwt_jws(jwt)) == NULL);
        read_claims(jwt);
    }
    jot_jwt_free(jwt);
    if (jot_jws_decode(tok, size, &jws) == JOT_OK)
        CHECK(jot_jws_key(jws) == NULL);
    jot_jws_free(jws);

    resign(tok, size);
    return 0;
}
