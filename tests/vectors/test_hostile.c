/*
 * test_hostile.c - hostile compact JWS/JWT tokens
 * (tests/vectors/hostile/jws_hostile.json) through jot_jwt_verify.
 *
 * Each case names a key of the file, the algorithms the verifier allows
 * and, for the claim cases, a clock, an issuer, an audience and a typ.
 * The harness turns that into what a libjot user would build:
 *   - a key set holding the key once per allowed algorithm, imported with
 *     jot_jwk_parse bound to that algorithm.  An import refused with
 *     JOT_ERR_ALG (the key does not fit that algorithm) is left out; one
 *     refused with JOT_ERR_WEAK_KEY is the answer of the case, since weak
 *     keys are refused when they are imported, never used;
 *   - every key gets the key's name in the file ("rs256", "hs256") as its
 *     kid, so a token carrying kid "rs256" finds it and one carrying
 *     another kid does not;
 *   - allowed_algs is the allow-list, expected_iss/aud/typ the issuer,
 *     audience and typ, and "now" an injected clock.  With "now", "sub"
 *     is also required; without it the real clock runs (the valid
 *     tokens expire in 2100).
 * The file says only "valid" or "reject".  The table below also fixes the
 * error code of each refusal, following the order of checks documented
 * in jws.h and jwt.h, so a token refused for the wrong reason fails too.
 * A few cases of our own follow the file's.
 */
#include "testutil.h"

#define HOSTILE_FILE "tests/vectors/hostile/jws_hostile.json"

/* How a case departs from running the file's token as given. */
enum variant {
    AS_GIVEN,
    LIMIT_64K,          /* opts.max_token_len raised to 64 KiB */
    REFRESH_TYP,        /* a token signed here with typ "refresh+jwt" */
    REFRESH_TYP_MATCH   /* the same, expected typ "refresh+jwt" */
};

struct row {
    const char *id;
    jot_err want;
    enum variant variant;
    const char *base;   /* for our own cases: the file case reused */
};

/*
 * The expected code of every case.  Where the choice needed thought:
 *   alg-none, -None, -NONE, -nOnE: these tokens end in an empty signature
 *     segment, which jws.h looks at only after the alg (step 4), so they
 *     are refused as an unknown alg, like alg-none-keep-sig;
 *   null-signature: an RS256 header and an empty signature: the alg is
 *     known and allowed, and the empty signature is malformed;
 *   alg-missing, alg-not-string: the header is a well-formed JSON object
 *     but names no algorithm (RFC 7515 §4.1.1 makes alg REQUIRED); that
 *     is the check of step 4, "alg" is a known algorithm name, so
 *     JOT_ERR_ALG like an unknown name.  (A kid that is not a string is
 *     JOT_ERR_MALFORMED instead: a kid is optional, and jws.h requires
 *     it to be a string when present.)
 *   broken-signature: dropping 4 characters leaves 338, whose last one
 *     has non-zero unused bits: non-canonical base64url, so
 *     JOT_ERR_MALFORMED before the length is ever compared;
 *   key-confusion-*: the HS256 token finds no key bound to HS256 (the
 *     RSA or EC key does not fit HS256 and is not in the set);
 *   alg-swap-rs-to-ps: the RSA key is in the set bound to PS256 too, so
 *     the PKCS#1 v1.5 signature is checked as PSS and fails;
 *   b64-false: the unencoded payload holds dots, so the token has four
 *     segments and fails the shape check before "crit" is looked at;
 *   payload-not-object: claims must be a JSON object (RFC 7519 §7.2);
 *   aud-number: "aud" of the wrong type is a bad claim, like exp-string,
 *     not a mismatching audience; aud-empty-array has the right type but
 *     does not contain the audience;
 *   exp-overflow: 1e400 is not a finite number; jansson refuses it while
 *     parsing, so the claims are malformed JSON.
 */
static const struct row rows[] = {
    { "control-rs256", JOT_OK, AS_GIVEN, NULL },
    { "control-hs256", JOT_OK, AS_GIVEN, NULL },
    { "control-es256", JOT_OK, AS_GIVEN, NULL },
    { "control-eddsa", JOT_OK, AS_GIVEN, NULL },
    { "control-ps256", JOT_OK, AS_GIVEN, NULL },
    { "alg-none", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-None", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-NONE", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-nOnE", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-none-keep-sig", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-missing", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-not-string", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "null-signature", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "two-segments", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "broken-signature", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "hs-truncated-mac", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "hs-empty-key", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "key-confusion-rs-spki-pem", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-rs-pkcs1-pem", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-rs-spki-der", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-rs-openssh", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-rs-jwk-json", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-rs-modulus-bytes", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-es-spki-pem", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "key-confusion-es-x962-point", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-swap-rs-to-ps", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "alg-swap-ps-to-rs", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "alg-not-allowed", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-case", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "alg-curve-mismatch", JOT_ERR_ALG, AS_GIVEN, NULL },
    { "embedded-jwk", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "jku-spoof", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "x5u-spoof", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "x5c-selfsigned", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "kid-blank", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-traversal-devnull", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-devnull", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-invalid-path", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-sqli", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-cmd", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-unknown", JOT_ERR_KEY_NOT_FOUND, AS_GIVEN, NULL },
    { "kid-not-string", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "psychic-zero", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "psychic-der", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "ecdsa-r-s-eq-n", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "ecdsa-der-encoded", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "ecdsa-short", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "ecdsa-padded", JOT_ERR_BAD_SIGNATURE, AS_GIVEN, NULL },
    { "ecdsa-high-s-valid", JOT_OK, AS_GIVEN, NULL },
    { "crit-unknown", JOT_ERR_CRIT, AS_GIVEN, NULL },
    { "crit-empty", JOT_ERR_CRIT, AS_GIVEN, NULL },
    { "crit-not-array", JOT_ERR_CRIT, AS_GIVEN, NULL },
    { "b64-false", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "dup-header-alg", JOT_ERR_DUPLICATE, AS_GIVEN, NULL },
    { "dup-claim-sub", JOT_ERR_DUPLICATE, AS_GIVEN, NULL },
    { "header-not-object", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "payload-not-object", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "header-utf16", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "header-bad-utf8", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "payload-deep-nesting", JOT_ERR_TOO_LARGE, AS_GIVEN, NULL },
    { "many-dots", JOT_ERR_TOO_LARGE, AS_GIVEN, NULL },
    { "oversize", JOT_ERR_TOO_LARGE, AS_GIVEN, NULL },
    { "empty-string", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "four-segments", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "jwe-five-segments", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "b64-padding", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "b64-std-alphabet", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "b64-whitespace", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "b64-junk-suffix", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "b64-nonzero-trailing-bits", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "exp-past", JOT_ERR_EXPIRED, AS_GIVEN, NULL },
    { "nbf-future", JOT_ERR_NOT_YET_VALID, AS_GIVEN, NULL },
    { "exp-string", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "exp-bool", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "exp-missing", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "iss-wrong", JOT_ERR_ISSUER, AS_GIVEN, NULL },
    { "iss-prefix", JOT_ERR_ISSUER, AS_GIVEN, NULL },
    { "aud-wrong", JOT_ERR_AUDIENCE, AS_GIVEN, NULL },
    { "aud-empty-array", JOT_ERR_AUDIENCE, AS_GIVEN, NULL },
    { "aud-array-other", JOT_ERR_AUDIENCE, AS_GIVEN, NULL },
    { "aud-number", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "sub-missing", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "jti-not-string", JOT_ERR_CLAIM, AS_GIVEN, NULL },
    { "exp-overflow", JOT_ERR_MALFORMED, AS_GIVEN, NULL },
    { "exp-negative", JOT_ERR_EXPIRED, AS_GIVEN, NULL },
    { "typ-wrong", JOT_ERR_TYPE, AS_GIVEN, NULL },
    { "typ-ok", JOT_OK, AS_GIVEN, NULL },
    { "typ-application-prefix", JOT_OK, AS_GIVEN, NULL },
    { "rsa-1024", JOT_ERR_WEAK_KEY, AS_GIVEN, NULL },
    { "hmac-short-key", JOT_ERR_WEAK_KEY, AS_GIVEN, NULL },

    /*
     * Our own.  10000 nested arrays under a raised size limit reach the
     * JSON depth ceiling (JOT_MAX_JSON_DEPTH) and must be refused there,
     * without recursing 10000 deep.  60000 dots under that limit are
     * refused by the shape check without a segment table of that size.
     */
    { "deep-nesting-64k-limit", JOT_ERR_DEPTH, LIMIT_64K,
      "payload-deep-nesting" },
    { "many-dots-64k-limit", JOT_ERR_MALFORMED, LIMIT_64K, "many-dots" },
    /*
     * A refresh token (typ "refresh+jwt", validly signed) presented where
     * an access token ("at+jwt") is expected; and, as the control, where
     * a refresh token is expected.
     */
    { "refresh-typ-as-access", JOT_ERR_TYPE, REFRESH_TYP, "typ-ok" },
    { "refresh-typ-as-refresh", JOT_OK, REFRESH_TYP_MATCH, "typ-ok" },
};

#define N_ROWS (sizeof rows / sizeof rows[0])
#define N_OWN 4             /* our own rows, at the end of the table */

static json_t *doc;
static unsigned n_passed, n_failed;

static int
load_doc(void **state)
{
    (void)state;
    doc = tu_load_json(HOSTILE_FILE);
    return 0;
}

static int
print_totals(void **state)
{
    (void)state;
    json_decref(doc);
    doc = NULL;
    printf("%u passed, %u failed\n", n_passed, n_failed);
    return 0;
}

static const json_t *
find_case(const char *id)
{
    const json_t *cases = json_object_get(doc, "cases");
    size_t i;

    for (i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);

        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
            return c;
    }
    return NULL;
}

static int64_t
fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

/*
 * Builds the key set of verify.key for verify.allowed_algs.  Returns
 * JOT_OK, or JOT_ERR_WEAK_KEY when the key is refused at import.
 */
static jot_err
build_keys(const json_t *verify, jot_alg *algs, size_t *n_algs,
           jot_keyset **out, jot_key **signer)
{
    const char *name = json_string_value(json_object_get(verify, "key"));
    const json_t *allowed = json_object_get(verify, "allowed_algs");
    const json_t *jwk = json_object_get(json_object_get(doc, "keys"), name);
    char *text;
    jot_keyset *set = NULL;
    jot_err err = JOT_OK;
    size_t i;

    assert_non_null(name);
    assert_non_null(jwk);
    assert_true(json_array_size(allowed) > 0 && json_array_size(allowed) <= 8);
    text = json_dumps(jwk, JSON_COMPACT);
    assert_non_null(text);
    tu_assert_err(JOT_OK, jot_keyset_new(&set));
    *n_algs = 0;
    for (i = 0; i < json_array_size(allowed); i++) {
        const char *an = json_string_value(json_array_get(allowed, i));
        jot_key *key = NULL;
        jot_err e;

        assert_non_null(an);
        tu_assert_err(JOT_OK, jot_alg_from_name(an, strlen(an),
                                                &algs[*n_algs]));
        e = jot_jwk_parse(text, strlen(text), algs[*n_algs], &key);
        (*n_algs)++;
        if (e == JOT_ERR_ALG)
            continue;           /* the key does not fit this alg */
        if (e == JOT_ERR_WEAK_KEY) {
            err = e;
            break;
        }
        tu_assert_err(JOT_OK, e);
        tu_assert_err(JOT_OK, jot_key_set_kid(key, name));
        tu_assert_err(JOT_OK, jot_keyset_add(set, key));
        if (signer != NULL && *signer == NULL && jot_key_is_private(key))
            *signer = jot_key_ref(key);
        jot_key_free(key);
    }
    free(text);
    if (err != JOT_OK) {
        jot_keyset_free(set);
        set = NULL;
    }
    *out = set;
    return err;
}

/* A refresh token over valid claims, signed with the case's HMAC key. */
static char *
refresh_token(const jot_key *signer)
{
    static const char claims[] =
        "{\"iss\":\"https://jotd.test\",\"sub\":\"alice\","
        "\"aud\":\"jotd-api\",\"iat\":1700000000,\"nbf\":1700000000,"
        "\"exp\":4102444800,\"jti\":\"r0001\"}";
    char *tok = NULL;

    assert_non_null(signer);
    tu_assert_err(JOT_OK, jot_jwt_sign(signer, "refresh+jwt", claims,
                                       sizeof claims - 1, &tok));
    return tok;
}

/* Runs one row and returns the code jot_jwt_verify (or the import) gave. */
static jot_err
run_row(const struct row *row, const json_t *c, int *claims_ok)
{
    static const char *const required[] = { "sub" };
    const json_t *verify = json_object_get(c, "verify");
    const json_t *now_j = json_object_get(verify, "now");
    struct jot_verify_opts opts;
    jot_alg algs[8];
    size_t n_algs = 0;
    jot_keyset *set = NULL;
    jot_key *signer = NULL;
    jot_jwt *jwt = NULL;
    char *own = NULL;
    const char *tok;
    size_t tok_len;
    int64_t now = 0;
    jot_err err;

    *claims_ok = 1;
    err = build_keys(verify, algs, &n_algs, &set,
                     row->variant == REFRESH_TYP ||
                     row->variant == REFRESH_TYP_MATCH ? &signer : NULL);
    if (err != JOT_OK)
        return err;

    memset(&opts, 0, sizeof opts);
    opts.algs = algs;
    opts.n_algs = n_algs;
    if (now_j != NULL) {
        assert_true(json_is_integer(now_j));
        now = json_integer_value(now_j);
        opts.clock = fixed_clock;
        opts.clock_ctx = &now;
        opts.required = required;
        opts.n_required = 1;
    }
    opts.leeway = json_integer_value(json_object_get(verify, "leeway"));
    opts.issuer = json_string_value(json_object_get(verify, "expected_iss"));
    opts.audience = json_string_value(json_object_get(verify,
                                                      "expected_aud"));
    opts.typ = json_string_value(json_object_get(verify, "expected_typ"));

    tok = json_string_value(json_object_get(c, "token"));
    assert_non_null(tok);
    tok_len = json_string_length(json_object_get(c, "token"));
    switch (row->variant) {
    case AS_GIVEN:
        break;
    case LIMIT_64K:
        opts.max_token_len = 65536;
        assert_true(tok_len <= opts.max_token_len);
        break;
    case REFRESH_TYP_MATCH:
        opts.typ = "refresh+jwt";
        /* fall through */
    case REFRESH_TYP:
        own = refresh_token(signer);
        tok = own;
        tok_len = strlen(own);
        break;
    }

    err = jot_jwt_verify(set, &opts, tok, tok_len, &jwt);
    if (err == JOT_OK) {
        /* An accepted token must also read back right. */
        const char *sub = NULL;

        *claims_ok = jwt != NULL &&
                     jot_jwt_claim_string(jwt, "sub", &sub) == JOT_OK &&
                     sub != NULL && strcmp(sub, "alice") == 0;
    } else {
        /* Out-parameters are written only on success. */
        *claims_ok = jwt == NULL;
    }
    jot_jwt_free(jwt);
    jot_free(own);
    jot_key_free(signer);
    jot_keyset_free(set);
    return err;
}

static void
test_row(void **state)
{
    const struct row *row = *state;
    const json_t *c = find_case(row->base != NULL ? row->base : row->id);
    const char *expect;
    int claims_ok = 0;
    jot_err got;

    if (c == NULL) {
        n_failed++;
        fail_msg("%s: no such case in %s", row->base ? row->base : row->id,
                 HOSTILE_FILE);
    }
    /* The table and the file agree on valid/reject. */
    expect = json_string_value(json_object_get(c, "expect"));
    if (row->base == NULL &&
        (expect == NULL ||
         strcmp(expect, row->want == JOT_OK ? "valid" : "reject") != 0)) {
        n_failed++;
        fail_msg("%s: the file expects %s, the table says %s", row->id,
                 expect ? expect : "(none)", jot_err_name(row->want));
    }
    got = run_row(row, c, &claims_ok);
    printf("%-32s expected %-15s got %-15s %s\n", row->id,
           jot_err_name(row->want), jot_err_name(got),
           got == row->want && claims_ok ? "ok" : "MISMATCH");
    fflush(stdout);
    if (got != row->want || !claims_ok) {
        n_failed++;
        if (!claims_ok)
            fail_msg("%s: result or claims wrong", row->id);
        fail_msg("%s: expected %s, got %s", row->id,
                 jot_err_name(row->want), jot_err_name(got));
    }
    n_passed++;
}

/* Every case of the file has a row, so none is silently left out. */
static void
test_every_case_has_a_row(void **state)
{
    const json_t *cases = json_object_get(doc, "cases");
    unsigned missing = 0;
    size_t i, j;

    (void)state;
    assert_true(json_array_size(cases) > 0);
    for (i = 0; i < json_array_size(cases); i++) {
        const char *id = json_string_value(
            json_object_get(json_array_get(cases, i), "id"));

        for (j = 0; j < N_ROWS; j++) {
            if (rows[j].base == NULL && strcmp(rows[j].id, id) == 0)
                break;
        }
        if (j == N_ROWS) {
            fprintf(stderr, "case %s has no expected code\n", id);
            missing++;
        }
    }
    if (json_array_size(cases) != N_ROWS - N_OWN)
        missing++;
    if (missing != 0) {
        n_failed += missing;
        fail_msg("%u cases without a row (file %zu cases, table %zu)",
                 missing, json_array_size(cases), N_ROWS - N_OWN);
    }
}

int
main(void)
{
    struct CMUnitTest tests[N_ROWS + 1];
    size_t i;

    memset(tests, 0, sizeof tests);
    tests[0].name = "every case has a row";
    tests[0].test_func = test_every_case_has_a_row;
    for (i = 0; i < N_ROWS; i++) {
        tests[i + 1].name = rows[i].id;
        tests[i + 1].test_func = test_row;
        tests[i + 1].initial_state = (void *)&rows[i];
    }
    return cmocka_run_group_tests(tests, load_doc, print_totals);
}
