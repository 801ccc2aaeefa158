/*
 * test_jwt.c - JWT claims (jwt.h): time validation against an injected
 * clock, boundaries, leeway and overflow, claim types, issuer, audience,
 * required claims, the JSON limits of the claims, the accessors, and
 * jot_jwt_sign / jot_jwt_decode.
 */
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* 2023-11-14T22:13:20Z, the "now" of most cases. */
#define T 1700000000
#define TS "1700000000"
#define ISS "https://auth.example"

static jot_key *key;            /* HS256, signs every token */
static jot_keyset *keys;        /* holds key */

static int64_t
fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

/* A token of the raw payload bytes (not checked by jot_jwt_sign). */
static char *
sign_raw(const char *payload)
{
    char *tok = NULL;

    tu_assert_err(JOT_OK, jot_jws_sign(key, "JWT", payload, strlen(payload),
                                       &tok));
    return tok;
}

static char *
sign_claims(const char *claims)
{
    char *tok = NULL;

    tu_assert_err(JOT_OK, jot_jwt_sign(key, "JWT", claims, strlen(claims),
                                       &tok));
    return tok;
}

/* Changes one character inside the signature, keeping it base64url. */
static void
break_sig(char *tok)
{
    char *c = tok + strlen(tok) - 3;

    *c = *c == 'A' ? 'B' : 'A';
}

static jot_err
verify(const struct jot_verify_opts *opts, const char *tok, jot_jwt **out)
{
    jot_jwt *jwt = (jot_jwt *)&jwt;
    jot_err err = jot_jwt_verify(keys, opts, tok, strlen(tok), &jwt);

    if (err != JOT_OK)
        assert_null(jwt);
    if (out != NULL)
        *out = err == JOT_OK ? jwt : NULL;
    else
        jot_jwt_free(err == JOT_OK ? jwt : NULL);
    return err;
}

/* Claims {"exp":<far>,"x":[[...1...]]} nested depth levels in all. */
static char *
deep_claims(size_t depth)
{
    static const char head[] = "{\"exp\":4102444800,\"x\":";
    size_t h = sizeof head - 1, inner = depth - 1;
    char *s = malloc(h + 2 * inner + 3);

    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, '[', inner);
    s[h + inner] = '1';
    memset(s + h + inner + 1, ']', inner);
    memcpy(s + h + 2 * inner + 1, "}", 2);
    return s;
}

static int
group_setup(void **state)
{
    (void)state;
    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_HS256, &key));
    tu_assert_err(JOT_OK, jot_keyset_new(&keys));
    tu_assert_err(JOT_OK, jot_keyset_add(keys, key));
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    jot_keyset_free(keys);
    jot_key_free(key);
    return 0;
}

/* ---- the claims table --------------------------------------------- */

static const struct claims_case {
    const char *claims;
    int64_t now;
    int64_t leeway;
    unsigned flags;
    const char *issuer;
    const char *audience;
    jot_err want;
} claims_cases[] = {
    /* exp: valid while now < exp + leeway */
    { "{\"exp\":" TS "}", T - 1, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":" TS "}", T, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":" TS "}", T + 1, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":" TS "}", T - 1000, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":" TS "}", T + 9, 10, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":" TS "}", T + 10, 10, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":" TS "}", 0, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":0}", T, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":0}", 0, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":-1}", T, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    /* a fractional NumericDate is compared as it is */
    { "{\"exp\":1700000000.5}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1700000000.5}", T + 1, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":1700000000.0}", T, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":1700000000.0}", T - 1, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1.7e9}", T - 1, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1.7e9}", T, 0, 0, NULL, NULL, JOT_ERR_EXPIRED },
    /* extremes: no overflow, no undefined behaviour */
    { "{\"exp\":9223372036854775807}", T, 10, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":9223372036854775807}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":9223372036854775807}", INT64_MAX - 1, 0, 0, NULL, NULL,
      JOT_OK },
    { "{\"exp\":9223372036854775807}", INT64_MAX, 0, 0, NULL, NULL,
      JOT_ERR_EXPIRED },
    { "{\"exp\":9223372036854775807}", INT64_MAX, 10, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":-9223372036854775808}", T, 10, 0, NULL, NULL,
      JOT_ERR_EXPIRED },
    { "{\"exp\":-9223372036854775808}", INT64_MIN, 0, 0, NULL, NULL,
      JOT_ERR_EXPIRED },
    { "{\"exp\":1}", T, INT64_MAX, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1e19}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1e300}", T, 10, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":-1e300}", T, 10, 0, NULL, NULL, JOT_ERR_EXPIRED },
    { "{\"exp\":9.3e18}", INT64_MAX, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":1e400}", T, 0, 0, NULL, NULL, JOT_ERR_MALFORMED },
    /* exp of another type, or missing */
    { "{\"exp\":\"" TS "\"}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":\"\"}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":true}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":false}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":null}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":[" TS "]}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":{}}", T - 1, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"sub\":\"a\"}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"EXP\":4102444800}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{}", T, 0, JOT_VERIFY_EXP_OPTIONAL, NULL, NULL, JOT_OK },
    { "{\"sub\":\"a\"}", T, 0, JOT_VERIFY_EXP_OPTIONAL, NULL, NULL, JOT_OK },
    /* EXP_OPTIONAL does not make a present exp optional */
    { "{\"exp\":" TS "}", T, 0, JOT_VERIFY_EXP_OPTIONAL, NULL, NULL,
      JOT_ERR_EXPIRED },
    { "{\"exp\":\"x\"}", T, 0, JOT_VERIFY_EXP_OPTIONAL, NULL, NULL,
      JOT_ERR_CLAIM },
    /* IGNORE_TIME skips exp and nbf but not their types */
    { "{\"exp\":" TS "}", T + 1000, 0, JOT_VERIFY_IGNORE_TIME, NULL, NULL,
      JOT_OK },
    { "{\"exp\":0,\"nbf\":9999999999}", T, 0, JOT_VERIFY_IGNORE_TIME, NULL,
      NULL, JOT_OK },
    { "{\"exp\":\"" TS "\"}", T, 0, JOT_VERIFY_IGNORE_TIME, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":0,\"nbf\":null}", T, 0, JOT_VERIFY_IGNORE_TIME, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":0,\"iss\":\"x\"}", T, 0, JOT_VERIFY_IGNORE_TIME, ISS, NULL,
      JOT_ERR_ISSUER },
    /* nbf: valid once now + leeway >= nbf */
    { "{\"exp\":4102444800,\"nbf\":" TS "}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":" TS "}", T + 1, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":" TS "}", T - 1, 0, 0, NULL, NULL,
      JOT_ERR_NOT_YET_VALID },
    { "{\"exp\":4102444800,\"nbf\":" TS "}", T - 5, 5, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":" TS "}", T - 6, 5, 0, NULL, NULL,
      JOT_ERR_NOT_YET_VALID },
    { "{\"exp\":4102444800,\"nbf\":1700000000.5}", T, 0, 0, NULL, NULL,
      JOT_ERR_NOT_YET_VALID },
    { "{\"exp\":4102444800,\"nbf\":1700000000.5}", T + 1, 0, 0, NULL, NULL,
      JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":9223372036854775807}", T, 10, 0, NULL,
      NULL, JOT_ERR_NOT_YET_VALID },
    { "{\"exp\":4102444800,\"nbf\":-9223372036854775808}", T, 10, 0, NULL,
      NULL, JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":1e300}", T, 10, 0, NULL, NULL,
      JOT_ERR_NOT_YET_VALID },
    { "{\"nbf\":0}", INT64_MAX, 10, JOT_VERIFY_EXP_OPTIONAL, NULL, NULL,
      JOT_OK },
    { "{\"nbf\":0}", INT64_MAX, INT64_MAX, JOT_VERIFY_EXP_OPTIONAL, NULL,
      NULL, JOT_OK },
    { "{\"exp\":4102444800,\"nbf\":\"" TS "\"}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"nbf\":null}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"nbf\":true}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    /* both: the window [nbf, exp) */
    { "{\"nbf\":" TS ",\"exp\":1700000010}", T + 5, 0, 0, NULL, NULL,
      JOT_OK },
    { "{\"nbf\":" TS ",\"exp\":1700000010}", T - 1, 0, 0, NULL, NULL,
      JOT_ERR_NOT_YET_VALID },
    { "{\"nbf\":" TS ",\"exp\":1700000010}", T + 10, 0, 0, NULL, NULL,
      JOT_ERR_EXPIRED },
    /* iat: a number when present */
    { "{\"exp\":4102444800,\"iat\":" TS "}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"iat\":1700000000.25}", T, 0, 0, NULL, NULL,
      JOT_OK },
    { "{\"exp\":4102444800,\"iat\":\"" TS "\"}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"iat\":null}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"iat\":[]}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    /* iss: a string, equal to the issuer byte for byte */
    { "{\"exp\":4102444800,\"iss\":\"" ISS "\"}", T, 0, 0, ISS, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"iss\":\"" ISS "/\"}", T, 0, 0, ISS, NULL,
      JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"https://auth.exampl\"}", T, 0, 0, ISS,
      NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"https://auth.example.evil\"}", T, 0, 0,
      ISS, NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"evil.https://auth.example\"}", T, 0, 0,
      ISS, NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"HTTPS://AUTH.EXAMPLE\"}", T, 0, 0, ISS,
      NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"https://Auth.example\"}", T, 0, 0, ISS,
      NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\" " ISS "\"}", T, 0, 0, ISS, NULL,
      JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"\"}", T, 0, 0, ISS, NULL,
      JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":\"" ISS "\\u0000x\"}", T, 0, 0, ISS, NULL,
      JOT_ERR_MALFORMED },
    { "{\"exp\":4102444800}", T, 0, 0, ISS, NULL, JOT_ERR_ISSUER },
    { "{\"exp\":4102444800,\"iss\":5}", T, 0, 0, ISS, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"iss\":[\"" ISS "\"]}", T, 0, 0, ISS, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"iss\":null}", T, 0, 0, ISS, NULL, JOT_ERR_CLAIM },
    /* the type is checked even when no issuer is asked for */
    { "{\"exp\":4102444800,\"iss\":5}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"iss\":\"anyone\"}", T, 0, 0, NULL, NULL, JOT_OK },
    /* sub and jti: strings when present */
    { "{\"exp\":4102444800,\"sub\":\"\"}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"sub\":5}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"sub\":null}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"sub\":{\"id\":1}}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"jti\":\"abc\"}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"jti\":[]}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"jti\":7}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"jti\":false}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    /* aud: a string or an array of strings, holding the audience */
    { "{\"exp\":4102444800,\"aud\":\"api\"}", T, 0, 0, NULL, "api", JOT_OK },
    { "{\"exp\":4102444800,\"aud\":[\"x\",\"api\"]}", T, 0, 0, NULL, "api",
      JOT_OK },
    { "{\"exp\":4102444800,\"aud\":[\"api\"]}", T, 0, 0, NULL, "api", JOT_OK },
    { "{\"exp\":4102444800,\"aud\":\"api2\"}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":\"ap\"}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":\"API\"}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":\"x api\"}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[\"x\",\"y\"]}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[]}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[\"ap\"]}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[\"apix\",\"API\"]}", T, 0, 0, NULL,
      "api", JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[\"\"]}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":\"\"}", T, 0, 0, NULL, "api",
      JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800}", T, 0, 0, NULL, "api", JOT_ERR_AUDIENCE },
    { "{\"exp\":4102444800,\"aud\":[\"api\",1]}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":[1,\"api\"]}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":[[\"api\"]]}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":[null]}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":5}", T, 0, 0, NULL, "api", JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":null}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":{\"api\":1}}", T, 0, 0, NULL, "api",
      JOT_ERR_CLAIM },
    /* without an audience asked for, aud is only type-checked */
    { "{\"exp\":4102444800,\"aud\":[]}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"aud\":\"x\"}", T, 0, 0, NULL, NULL, JOT_OK },
    { "{\"exp\":4102444800,\"aud\":[\"x\",2]}", T, 0, 0, NULL, NULL,
      JOT_ERR_CLAIM },
    { "{\"exp\":4102444800,\"aud\":7}", T, 0, 0, NULL, NULL, JOT_ERR_CLAIM },
    /* issuer and audience together */
    { "{\"iss\":\"" ISS "\",\"aud\":[\"api\"],\"exp\":1700000001}", T, 0, 0,
      ISS, "api", JOT_OK },
    /* other claims of any type are left alone */
    { "{\"exp\":4102444800,\"roles\":[\"a\",1,null,{}],\"gen\":-3.5,"
      "\"x\":null}", T, 0, 0, NULL, NULL, JOT_OK },
};

static void
test_claims(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(claims_cases); i++) {
        const struct claims_case *c = &claims_cases[i];
        struct jot_verify_opts opts;
        int64_t now = c->now;
        char *tok = sign_raw(c->claims);

        memset(&opts, 0, sizeof opts);
        opts.clock = fixed_clock;
        opts.clock_ctx = &now;
        opts.leeway = c->leeway;
        opts.flags = c->flags;
        opts.issuer = c->issuer;
        opts.audience = c->audience;
        bad += mismatch(c->want, verify(&opts, tok, NULL),
                        "case %zu: %s at %lld", i, c->claims,
                        (long long)c->now);
        /* signature first: nothing about the claims shows through */
        break_sig(tok);
        bad += mismatch(JOT_ERR_BAD_SIGNATURE,
                        verify(&opts, tok, NULL),
                        "case %zu with a bad signature", i);
        jot_free(tok);
    }
    no_mismatch(bad);
}

/* Payloads that are not a JSON object of unique members. */
static void
test_payload_json(void **state)
{
    static const struct {
        const char *payload;
        jot_err want;
    } cases[] = {
        { "[]", JOT_ERR_MALFORMED },
        { "[{\"exp\":4102444800}]", JOT_ERR_MALFORMED },
        { "\"exp\"", JOT_ERR_MALFORMED },
        { "1", JOT_ERR_MALFORMED },
        { "null", JOT_ERR_MALFORMED },
        { "true", JOT_ERR_MALFORMED },
        { "{", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800}x", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800}{}", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800,}", JOT_ERR_MALFORMED },
        { "{\"exp\":Infinity}", JOT_ERR_MALFORMED },
        { "{\"exp\":NaN}", JOT_ERR_MALFORMED },
        { "{\"exp\":0x10}", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800,\"s\":\"\xff\"}", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800,\"s\":\"\xc0\xaf\"}", JOT_ERR_MALFORMED },
        { "{\"exp\":4102444800,\"exp\":4102444800}", JOT_ERR_DUPLICATE },
        { "{\"exp\":4102444800,\"exp\":1}", JOT_ERR_DUPLICATE },
        { "{\"exp\":4102444800,\"sub\":\"a\",\"sub\":\"b\"}",
          JOT_ERR_DUPLICATE },
        { "{\"exp\":4102444800,\"aud\":\"x\",\"aud\":\"api\"}",
          JOT_ERR_DUPLICATE },
        { "{\"exp\":4102444800,\"x\":{\"a\":1,\"a\":2}}", JOT_ERR_DUPLICATE },
        { "{\"exp\":4102444800,\"x\":[{\"a\":1,\"a\":1}]}",
          JOT_ERR_DUPLICATE },
        /* white space is JSON */
        { " { \"exp\" : 4102444800 } \n", JOT_OK },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *tok = sign_raw(cases[i].payload);
        jot_jwt *jwt = (jot_jwt *)&jwt;
        jot_err err;

        bad += mismatch(cases[i].want, verify(NULL, tok, NULL),
                        "verify case %zu", i);
        err = jot_jwt_decode(tok, strlen(tok), &jwt);
        bad += mismatch(cases[i].want, err, "decode case %zu", i);
        if (err == JOT_OK)
            jot_jwt_free(jwt);
        else
            assert_null(jwt);
        jot_free(tok);
    }
    no_mismatch(bad);
}

static void
test_claims_depth(void **state)
{
    static const struct {
        size_t depth;
        jot_err want;
    } cases[] = {
        { 2, JOT_OK },
        { JOT_MAX_JSON_DEPTH, JOT_OK },
        { JOT_MAX_JSON_DEPTH + 1, JOT_ERR_DEPTH },
        { 3000, JOT_ERR_DEPTH },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *claims = deep_claims(cases[i].depth);
        char *tok = sign_raw(claims);
        jot_jwt *jwt = NULL;
        jot_err err;

        bad += mismatch(cases[i].want, verify(NULL, tok, NULL),
                        "verify depth %zu", cases[i].depth);
        err = jot_jwt_decode(tok, strlen(tok), &jwt);
        bad += mismatch(cases[i].want, err, "decode depth %zu",
                        cases[i].depth);
        jot_jwt_free(err == JOT_OK ? jwt : NULL);
        jot_free(tok);
        free(claims);
    }
    no_mismatch(bad);
}

static void
test_required(void **state)
{
    static const char *const sub_jti[] = { "sub", "jti" };
    static const char *const exp_only[] = { "exp" };
    static const char *const roles[] = { "roles" };
    static const char *const cased[] = { "Sub" };
    static const struct {
        const char *claims;
        const char *const *required;
        size_t n;
        jot_err want;
    } cases[] = {
        { "{\"exp\":4102444800,\"sub\":\"a\",\"jti\":\"b\"}", sub_jti, 2,
          JOT_OK },
        { "{\"exp\":4102444800,\"jti\":\"b\",\"sub\":\"a\",\"x\":1}", sub_jti,
          2, JOT_OK },
        { "{\"exp\":4102444800,\"sub\":\"a\"}", sub_jti, 2, JOT_ERR_CLAIM },
        { "{\"exp\":4102444800,\"jti\":\"b\"}", sub_jti, 2, JOT_ERR_CLAIM },
        { "{\"exp\":4102444800}", sub_jti, 2, JOT_ERR_CLAIM },
        { "{\"exp\":4102444800,\"sub\":\"a\"}", sub_jti, 1, JOT_OK },
        { "{\"exp\":4102444800}", sub_jti, 0, JOT_OK },
        { "{\"exp\":4102444800}", exp_only, 1, JOT_OK },
        { "{\"exp\":4102444800,\"roles\":[\"admin\"]}", roles, 1, JOT_OK },
        { "{\"exp\":4102444800,\"roles\":[]}", roles, 1, JOT_OK },
        { "{\"exp\":4102444800,\"role\":[\"admin\"]}", roles, 1,
          JOT_ERR_CLAIM },
        { "{\"exp\":4102444800,\"sub\":\"a\"}", cased, 1, JOT_ERR_CLAIM },
    };
    size_t i;
    int bad = 0;
    int64_t now = T;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        struct jot_verify_opts opts;
        char *tok = sign_raw(cases[i].claims);

        memset(&opts, 0, sizeof opts);
        opts.clock = fixed_clock;
        opts.clock_ctx = &now;
        opts.required = cases[i].required;
        opts.n_required = cases[i].n;
        bad += mismatch(cases[i].want, verify(&opts, tok, NULL),
                        "required case %zu", i);
        jot_free(tok);
    }
    no_mismatch(bad);
}

/* With no clock (or no opts at all) the real time is used. */
static void
test_default_clock(void **state)
{
    char *future = sign_claims("{\"exp\":4102444800}");   /* 2100 */
    char *past = sign_claims("{\"exp\":946684800}");      /* 2000 */
    char *later = sign_claims("{\"exp\":4102444800,\"nbf\":4102444000}");
    char *none = sign_claims("{\"sub\":\"a\"}");
    struct jot_verify_opts opts;

    (void)state;
    memset(&opts, 0, sizeof opts);
    tu_assert_err(JOT_OK, verify(NULL, future, NULL));
    tu_assert_err(JOT_OK, verify(&opts, future, NULL));
    tu_assert_err(JOT_ERR_EXPIRED, verify(NULL, past, NULL));
    tu_assert_err(JOT_ERR_EXPIRED, verify(&opts, past, NULL));
    tu_assert_err(JOT_ERR_NOT_YET_VALID, verify(NULL, later, NULL));
    tu_assert_err(JOT_ERR_CLAIM, verify(NULL, none, NULL));
    opts.leeway = 3600;
    tu_assert_err(JOT_ERR_EXPIRED, verify(&opts, past, NULL));
    jot_free(future);
    jot_free(past);
    jot_free(later);
    jot_free(none);
}

/* jot_jwt_verify runs every check of jot_jws_verify first. */
static void
test_jws_checks(void **state)
{
    jot_key *other = NULL;
    char *tok = NULL;
    struct jot_verify_opts opts;
    static const jot_alg es_only[] = { JOT_ALG_ES256 };

    (void)state;
    memset(&opts, 0, sizeof opts);
    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_HS256, &other));
    tu_assert_err(JOT_OK, jot_jwt_sign(other, NULL, "{\"exp\":4102444800}",
                                       18, &tok));
    tu_assert_err(JOT_ERR_BAD_SIGNATURE, verify(NULL, tok, NULL));
    jot_free(tok);
    tu_assert_err(JOT_OK, jot_key_set_kid(other, "k"));
    tu_assert_err(JOT_OK, jot_jwt_sign(other, NULL, "{\"exp\":4102444800}",
                                       18, &tok));
    tu_assert_err(JOT_ERR_KEY_NOT_FOUND, verify(NULL, tok, NULL));
    jot_free(tok);
    tok = sign_claims("{\"exp\":4102444800}");
    opts.typ = "at+jwt";
    tu_assert_err(JOT_ERR_TYPE, verify(&opts, tok, NULL));
    opts.typ = "jwt";
    tu_assert_err(JOT_OK, verify(&opts, tok, NULL));
    opts.algs = es_only;
    opts.n_algs = 1;
    tu_assert_err(JOT_ERR_ALG, verify(&opts, tok, NULL));
    memset(&opts, 0, sizeof opts);
    opts.max_token_len = strlen(tok) - 1;
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(&opts, tok, NULL));
    jot_free(tok);
    jot_key_free(other);
}

/* A token of header (JSON text, as is) and claims, signed by key. */
static char *
sign_header(const char *header, const char *claims)
{
    char *h = NULL, *p = NULL, *sg = NULL, *tok;
    unsigned char sig[512];
    size_t hl, pl, sl, sig_len = 0;

    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(header, strlen(header),
                                                  &h));
    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(claims, strlen(claims),
                                                  &p));
    hl = strlen(h);
    pl = strlen(p);
    tok = malloc(hl + pl + 2 + jot_b64url_encoded_len(sizeof sig) + 1);
    assert_non_null(tok);
    memcpy(tok, h, hl);
    tok[hl] = '.';
    memcpy(tok + hl + 1, p, pl);
    tu_assert_err(JOT_OK, jot_key_sign(key, tok, hl + 1 + pl, sig,
                                       sizeof sig, &sig_len));
    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(sig, sig_len, &sg));
    sl = strlen(sg);
    tok[hl + 1 + pl] = '.';
    memcpy(tok + hl + pl + 2, sg, sl + 1);
    jot_free(h);
    jot_free(p);
    jot_free(sg);
    return tok;
}

/*
 * RFC 7519 §5.2, RFC 8725 §2.8: a header with cty declares a nested token
 * (or other content) in the payload.  Reading the outer claims as if they
 * were the token's would let a token signed for another purpose, with
 * another token inside, pass as an access token: any cty is refused, a
 * good signature or not, and without it the same token verifies.
 */
static void
test_cty_refused(void **state)
{
    static const char *const headers[] = {
        "{\"alg\":\"HS256\",\"cty\":\"JWT\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"cty\":\"jwt\"}",
        "{\"alg\":\"HS256\",\"cty\":\"application/json\"}",
        "{\"alg\":\"HS256\",\"cty\":\"\"}",
        "{\"alg\":\"HS256\",\"cty\":null}",
        "{\"alg\":\"HS256\",\"cty\":1}",
    };
    size_t i;
    char *tok;

    (void)state;
    for (i = 0; i < N_ELEMS(headers); i++) {
        tok = sign_header(headers[i], "{\"exp\":4102444800}");
        if (verify(NULL, tok, NULL) != JOT_ERR_CTY)
            fail_msg("%s: expected cty, got %s", headers[i],
                     jot_err_name(verify(NULL, tok, NULL)));
        break_sig(tok);
        tu_assert_err(JOT_ERR_BAD_SIGNATURE, verify(NULL, tok, NULL));
        free(tok);
    }
    tok = sign_header("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                      "{\"exp\":4102444800}");
    tu_assert_err(JOT_OK, verify(NULL, tok, NULL));
    free(tok);
}

/* ---- accessors ---------------------------------------------------- */

static const char accessor_claims[] =
    "{\"exp\":4102444800,\"iss\":\"" ISS "\",\"sub\":\"s\",\"n\":42,"
    "\"neg\":-7,\"zero\":0,\"frac\":1700000000.5,\"nfrac\":-1.5,"
    "\"big\":9223372036854775807,\"small\":-9223372036854775808,"
    "\"huge\":1e19,\"nhuge\":-1e19,\"p63\":9223372036854775808.0,"
    "\"str\":\"x\",\"empty_str\":\"\",\"utf8\":\"\\u00e9\","
    "\"arr\":[\"a\",\"b\",\"c\"],\"one\":[\"only\"],\"none\":[],"
    "\"mixed\":[\"a\",1],\"nested\":[[\"a\"]],\"obj\":{\"a\":1},"
    "\"t\":true,\"nul\":null}";

static jot_jwt *
accessor_jwt(void)
{
    char *tok = sign_claims(accessor_claims);
    jot_jwt *jwt = NULL;

    tu_assert_err(JOT_OK, verify(NULL, tok, &jwt));
    jot_free(tok);
    return jwt;
}

static void
test_claim_string(void **state)
{
    static const struct {
        const char *name;
        const char *want;       /* NULL: JOT_ERR_CLAIM */
    } cases[] = {
        { "iss", ISS }, { "sub", "s" }, { "str", "x" }, { "empty_str", "" },
        { "utf8", "\xc3\xa9" },
        { "n", NULL }, { "frac", NULL }, { "arr", NULL }, { "obj", NULL },
        { "t", NULL }, { "nul", NULL }, { "missing", NULL }, { "SUB", NULL },
        { "", NULL },
    };
    jot_jwt *jwt = accessor_jwt();
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        const char *s = "sentinel";
        jot_err err = jot_jwt_claim_string(jwt, cases[i].name, &s);

        bad += mismatch(cases[i].want ? JOT_OK : JOT_ERR_CLAIM, err,
                        "claim_string(\"%s\")", cases[i].name);
        if (err == JOT_OK && cases[i].want != NULL &&
            strcmp(s, cases[i].want) != 0) {
            fprintf(stderr, "claim_string(\"%s\"): expected \"%s\", got "
                            "\"%s\"\n", cases[i].name, cases[i].want, s);
            bad++;
        }
        if (err != JOT_OK && s != NULL) {
            fprintf(stderr, "claim_string(\"%s\"): out not cleared\n",
                    cases[i].name);
            bad++;
        }
    }
    jot_jwt_free(jwt);
    no_mismatch(bad);
}

static void
test_claim_int(void **state)
{
    static const struct {
        const char *name;
        jot_err want;
        int64_t value;
    } cases[] = {
        { "exp", JOT_OK, 4102444800 },
        { "n", JOT_OK, 42 },
        { "neg", JOT_OK, -7 },
        { "zero", JOT_OK, 0 },
        { "frac", JOT_OK, 1700000000 },     /* truncated */
        { "nfrac", JOT_OK, -1 },            /* toward zero */
        { "big", JOT_OK, INT64_MAX },
        { "small", JOT_OK, INT64_MIN },
        { "huge", JOT_ERR_CLAIM, 0 },
        { "nhuge", JOT_ERR_CLAIM, 0 },
        { "p63", JOT_ERR_CLAIM, 0 },        /* 2^63: one past INT64_MAX */
        { "str", JOT_ERR_CLAIM, 0 },
        { "t", JOT_ERR_CLAIM, 0 },
        { "nul", JOT_ERR_CLAIM, 0 },
        { "arr", JOT_ERR_CLAIM, 0 },
        { "obj", JOT_ERR_CLAIM, 0 },
        { "missing", JOT_ERR_CLAIM, 0 },
    };
    jot_jwt *jwt = accessor_jwt();
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        int64_t v = 12345;
        jot_err err = jot_jwt_claim_int(jwt, cases[i].name, &v);

        bad += mismatch(cases[i].want, err, "claim_int(\"%s\")",
                        cases[i].name);
        if (err == JOT_OK && cases[i].want == JOT_OK &&
            v != cases[i].value) {
            fprintf(stderr, "claim_int(\"%s\"): expected %lld, got %lld\n",
                    cases[i].name, (long long)cases[i].value, (long long)v);
            bad++;
        }
        if (err != JOT_OK && v != 0) {
            fprintf(stderr, "claim_int(\"%s\"): out not cleared\n",
                    cases[i].name);
            bad++;
        }
    }
    jot_jwt_free(jwt);
    no_mismatch(bad);
}

static void
test_claim_array(void **state)
{
    static const struct {
        const char *name;
        jot_err want;
        size_t len;
    } cases[] = {
        { "arr", JOT_OK, 3 }, { "one", JOT_OK, 1 }, { "none", JOT_OK, 0 },
        { "mixed", JOT_ERR_CLAIM, 0 }, { "nested", JOT_ERR_CLAIM, 0 },
        { "str", JOT_ERR_CLAIM, 0 }, { "obj", JOT_ERR_CLAIM, 0 },
        { "n", JOT_ERR_CLAIM, 0 }, { "nul", JOT_ERR_CLAIM, 0 },
        { "missing", JOT_ERR_CLAIM, 0 },
    };
    static const char *const arr[] = { "a", "b", "c" };
    jot_jwt *jwt = accessor_jwt();
    size_t i;
    const char *s;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        size_t n = 99;
        jot_err err = jot_jwt_claim_array_len(jwt, cases[i].name, &n);

        bad += mismatch(cases[i].want, err,
                        "claim_array_len(\"%s\")", cases[i].name);
        if (err == JOT_OK && n != cases[i].len) {
            fprintf(stderr, "claim_array_len(\"%s\"): expected %zu, got "
                            "%zu\n", cases[i].name, cases[i].len, n);
            bad++;
        }
        if (cases[i].want != JOT_OK) {
            s = "sentinel";
            bad += mismatch(JOT_ERR_CLAIM,
                            jot_jwt_claim_array_string(jwt, cases[i].name, 0,
                                                       &s),
                            "claim_array_string(\"%s\", 0)", cases[i].name);
        }
    }
    for (i = 0; i < N_ELEMS(arr); i++) {
        s = NULL;
        tu_assert_err(JOT_OK, jot_jwt_claim_array_string(jwt, "arr", i, &s));
        assert_string_equal(s, arr[i]);
    }
    tu_assert_err(JOT_OK, jot_jwt_claim_array_string(jwt, "one", 0, &s));
    assert_string_equal(s, "only");
    /* past the end */
    bad += mismatch(JOT_ERR_CLAIM,
                    jot_jwt_claim_array_string(jwt, "arr", 3, &s),
                    "claim_array_string(\"arr\", 3)");
    bad += mismatch(JOT_ERR_CLAIM,
                    jot_jwt_claim_array_string(jwt, "arr", (size_t)-1, &s),
                    "claim_array_string(\"arr\", SIZE_MAX)");
    bad += mismatch(JOT_ERR_CLAIM,
                    jot_jwt_claim_array_string(jwt, "none", 0, &s),
                    "claim_array_string(\"none\", 0)");
    jot_jwt_free(jwt);
    no_mismatch(bad);
}

static void
test_claims_json(void **state)
{
    char *tok = sign_claims(" { \"sub\" : \"a\" , \"exp\" : 4102444800 , "
                            "\"r\" : [ 1 , \"x\" , { } ] } ");
    jot_jwt *jwt = NULL;
    char *json = NULL;
    const jot_jws *jws;
    const char *s;

    (void)state;
    tu_assert_err(JOT_OK, verify(NULL, tok, &jwt));
    tu_assert_err(JOT_OK, jot_jwt_claims_json(jwt, &json));
    assert_string_equal(json, "{\"sub\":\"a\",\"exp\":4102444800,"
                              "\"r\":[1,\"x\",{}]}");
    jot_free(json);
    jws = jot_jwt_jws(jwt);
    assert_non_null(jws);
    assert_int_equal(jot_jws_alg(jws), JOT_ALG_HS256);
    assert_ptr_equal(jot_jws_key(jws), key);
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "typ", &s));
    assert_string_equal(s, "JWT");
    jot_jwt_free(jwt);
    jot_jwt_free(NULL);
    jot_free(tok);
}

/* ---- signing and decoding ----------------------------------------- */

/* The claims are signed byte for byte as given. */
static void
test_sign_bytes(void **state)
{
    static const char *const claims[] = {
        "{\"exp\":4102444800}",
        " { \"sub\" : \"a\" ,\n\t\"exp\" : 4102444800 } ",
        "{\"exp\":4102444800,\"z\":1,\"a\":2,\"f\":1.50}",
        "{\"exp\":4102444800,\"u\":\"\\u00e9\\/\"}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(claims); i++) {
        char *tok = sign_claims(claims[i]);
        jot_jwt *jwt = NULL;
        const unsigned char *pl;
        size_t pl_len;

        tu_assert_err(JOT_OK, verify(NULL, tok, &jwt));
        jot_jws_payload(jot_jwt_jws(jwt), &pl, &pl_len);
        tu_assert_bytes(claims[i], strlen(claims[i]), pl, pl_len);
        jot_jwt_free(jwt);
        jot_free(tok);
    }
}

static void
test_sign_refused(void **state)
{
    static const struct {
        const char *claims;
        jot_err want;
    } cases[] = {
        { "", JOT_ERR_MALFORMED },
        { "[]", JOT_ERR_MALFORMED },
        { "[{}]", JOT_ERR_MALFORMED },
        { "1", JOT_ERR_MALFORMED },
        { "\"claims\"", JOT_ERR_MALFORMED },
        { "null", JOT_ERR_MALFORMED },
        { "{", JOT_ERR_MALFORMED },
        { "{}x", JOT_ERR_MALFORMED },
        { "{}{}", JOT_ERR_MALFORMED },
        { "{\"a\":\"\xff\"}", JOT_ERR_MALFORMED },
        { "{\"exp\":1,\"exp\":1}", JOT_ERR_DUPLICATE },
        { "{\"sub\":\"a\",\"sub\":\"b\"}", JOT_ERR_DUPLICATE },
        { "{\"x\":{\"y\":1,\"y\":1}}", JOT_ERR_DUPLICATE },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *tok = (char *)&tok;
        jot_err err = jot_jwt_sign(key, "JWT", cases[i].claims,
                                   strlen(cases[i].claims), &tok);

        bad += mismatch(cases[i].want, err, "sign case %zu", i);
        if (err == JOT_OK)
            jot_free(tok);
        else
            assert_null(tok);
    }
    no_mismatch(bad);
}

/* Claims of at most JOT_MAX_TOKEN_LEN octets; a public key cannot sign. */
static void
test_sign_limits(void **state)
{
    size_t n = JOT_MAX_TOKEN_LEN + 1;
    char *claims = malloc(n + 1), *tok = (char *)&tok, *jwk = NULL;
    jot_key *es = NULL, *pub = NULL;

    (void)state;
    assert_non_null(claims);
    /* {"p":"aaa...a"} of exactly JOT_MAX_TOKEN_LEN octets */
    memcpy(claims, "{\"p\":\"", 6);
    memset(claims + 6, 'a', JOT_MAX_TOKEN_LEN - 8);
    memcpy(claims + JOT_MAX_TOKEN_LEN - 2, "\"}", 3);
    assert_int_equal(strlen(claims), JOT_MAX_TOKEN_LEN);
    tu_assert_err(JOT_OK, jot_jwt_sign(key, NULL, claims, JOT_MAX_TOKEN_LEN,
                                       &tok));
    jot_free(tok);
    memcpy(claims + JOT_MAX_TOKEN_LEN - 2, "a\"}", 4);
    assert_int_equal(strlen(claims), n);
    tok = (char *)&tok;
    tu_assert_err(JOT_ERR_TOO_LARGE, jot_jwt_sign(key, NULL, claims, n,
                                                  &tok));
    assert_null(tok);

    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_ES256, &es));
    tu_assert_err(JOT_OK, jot_jwk_export(es, JOT_JWK_PUBLIC, &jwk));
    tu_assert_err(JOT_OK, jot_jwk_parse(jwk, strlen(jwk), JOT_ALG_INVALID,
                                        &pub));
    tok = (char *)&tok;
    tu_assert_err(JOT_ERR_KEY, jot_jwt_sign(pub, NULL, "{}", 2, &tok));
    assert_null(tok);
    jot_free(jwk);
    jot_key_free(pub);
    jot_key_free(es);
    free(claims);
}

/* The header jot_jwt_sign writes is that of jot_jws_sign. */
static void
test_sign_header(void **state)
{
    jot_key *k = NULL;
    char *tok = NULL;
    jot_jwt *jwt = NULL;
    char *hdr = NULL;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_EDDSA, &k));
    tu_assert_err(JOT_OK, jot_key_set_kid(k, "ed-1"));
    tu_assert_err(JOT_OK, jot_jwt_sign(k, "at+jwt", "{\"exp\":1}", 9, &tok));
    tu_assert_err(JOT_OK, jot_jwt_decode(tok, strlen(tok), &jwt));
    tu_assert_err(JOT_OK, jot_jws_header_json(jot_jwt_jws(jwt), &hdr));
    assert_string_equal(hdr, "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\","
                             "\"kid\":\"ed-1\"}");
    jot_free(hdr);
    jot_jwt_free(jwt);
    jot_free(tok);
    jot_key_free(k);
}

/* jot_jwt_decode checks the shape only: no signature, no claims. */
static void
test_decode(void **state)
{
    char *tok = sign_raw("{\"exp\":\"soon\",\"aud\":5,\"sub\":\"who\"}");
    jot_jwt *jwt = NULL;
    const char *s;
    int64_t v;

    (void)state;
    tu_assert_err(JOT_ERR_CLAIM, verify(NULL, tok, NULL));
    break_sig(tok);
    tu_assert_err(JOT_ERR_BAD_SIGNATURE, verify(NULL, tok, NULL));
    tu_assert_err(JOT_OK, jot_jwt_decode(tok, strlen(tok), &jwt));
    assert_null(jot_jws_key(jot_jwt_jws(jwt)));
    tu_assert_err(JOT_OK, jot_jwt_claim_string(jwt, "sub", &s));
    assert_string_equal(s, "who");
    tu_assert_err(JOT_OK, jot_jwt_claim_string(jwt, "exp", &s));
    assert_string_equal(s, "soon");
    tu_assert_err(JOT_ERR_CLAIM, jot_jwt_claim_int(jwt, "exp", &v));
    jot_jwt_free(jwt);
    jot_free(tok);

    /* an expired token decodes */
    tok = sign_claims("{\"exp\":1}");
    tu_assert_err(JOT_ERR_EXPIRED, verify(NULL, tok, NULL));
    tu_assert_err(JOT_OK, jot_jwt_decode(tok, strlen(tok), &jwt));
    tu_assert_err(JOT_OK, jot_jwt_claim_int(jwt, "exp", &v));
    assert_int_equal(v, 1);
    jot_jwt_free(jwt);
    jot_free(tok);

    /* the header must still be an object */
    {
        char *h = NULL, *p = NULL, buf[256];
        int n;
        jot_jwt *out = (jot_jwt *)&out;

        tu_assert_err(JOT_OK, jot_b64url_encode_alloc("[]", 2, &h));
        tu_assert_err(JOT_OK, jot_b64url_encode_alloc("{}", 2, &p));
        n = snprintf(buf, sizeof buf, "%s.%s.AAAA", h, p);
        assert_true(n > 0 && (size_t)n < sizeof buf);
        tu_assert_err(JOT_ERR_MALFORMED, jot_jwt_decode(buf, (size_t)n,
                                                        &out));
        assert_null(out);
        jot_free(h);
        jot_free(p);
    }
}

/* jot_jwt_times and jot_times_check: the time rule alone, for a token
 * verified earlier (jotd's cache), agreeing with jot_jwt_verify. */
static void
test_times_check(void **state)
{
    struct {
        const char *claims;
        int64_t now, leeway;
        jot_err want;
    } cases[] = {
        {"{\"exp\":100}", 99, 0, JOT_OK},
        {"{\"exp\":100}", 100, 0, JOT_ERR_EXPIRED},
        {"{\"exp\":100}", 109, 10, JOT_OK},
        {"{\"exp\":100}", 110, 10, JOT_ERR_EXPIRED},
        {"{\"exp\":100.5}", 100, 0, JOT_OK},
        {"{\"exp\":100.5}", 101, 0, JOT_ERR_EXPIRED},
        {"{\"exp\":1000,\"nbf\":50}", 49, 0, JOT_ERR_NOT_YET_VALID},
        {"{\"exp\":1000,\"nbf\":50}", 50, 0, JOT_OK},
        {"{\"exp\":1000,\"nbf\":50}", 45, 5, JOT_OK},
        {"{\"exp\":1000,\"nbf\":50}", 44, 5, JOT_ERR_NOT_YET_VALID},
        {"{\"exp\":-9223372036854775807}", INT64_MIN + 1, 5, JOT_OK},
        {"{\"exp\":9223372036854775807,\"nbf\":9223372036854775807}",
         INT64_MAX, 5,
         JOT_OK},
        {"{\"exp\":100}", 50, -1, JOT_ERR_INVAL},
        {"{\"sub\":\"x\"}", 50, 0, JOT_OK},
    };
    struct jot_times t;
    jot_jwt *jwt = NULL;
    size_t i;
    char *tok;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        tok = sign_claims(cases[i].claims);
        tu_assert_err(JOT_OK, jot_jwt_decode(tok, strlen(tok), &jwt));
        tu_assert_err(JOT_OK, jot_jwt_times(jwt, &t));
        if (jot_times_check(&t, cases[i].now, cases[i].leeway) !=
            cases[i].want)
            fail_msg("case %zu %s now=%lld leeway=%lld: want %s, got %s", i,
                     cases[i].claims, (long long)cases[i].now,
                     (long long)cases[i].leeway, jot_err_name(cases[i].want),
                     jot_err_name(jot_times_check(&t, cases[i].now,
                                                  cases[i].leeway)));
        jot_jwt_free(jwt);
        jot_free(tok);
    }
    /* a date that is not a number is refused, and nothing is left */
    tok = sign_claims("{\"exp\":1,\"nbf\":\"soon\"}");
    tu_assert_err(JOT_OK, jot_jwt_decode(tok, strlen(tok), &jwt));
    memset(&t, 0xff, sizeof t);
    tu_assert_err(JOT_ERR_CLAIM, jot_jwt_times(jwt, &t));
    assert_int_equal(t.exp.present, 0);
    jot_jwt_free(jwt);
    jot_free(tok);
    tu_assert_err(JOT_ERR_INVAL, jot_times_check(NULL, 0, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_payload_json),
        cmocka_unit_test(test_claims_depth),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_default_clock),
        cmocka_unit_test(test_jws_checks),
        cmocka_unit_test(test_cty_refused),
        cmocka_unit_test(test_claim_string),
        cmocka_unit_test(test_claim_int),
        cmocka_unit_test(test_claim_array),
        cmocka_unit_test(test_claims_json),
        cmocka_unit_test(test_sign_bytes),
        cmocka_unit_test(test_sign_refused),
        cmocka_unit_test(test_sign_limits),
        cmocka_unit_test(test_sign_header),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_times_check),
    };

    return cmocka_run_group_tests_name("jwt", tests, group_setup,
                                       group_teardown);
}
