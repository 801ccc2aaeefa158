/*
 * jwt.c - JSON Web Tokens (RFC 7519): the claims of a verified JWS, and
 * their validation (RFC 7519 §7.2, RFC 8725 §3).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct jot_jwt {
    jot_jws *jws;
    json_t *claims;
};

static jot_err
read_date(const json_t *claims, const char *name, struct jot_time_claim *d)
{
    const json_t *v = json_object_get(claims, name);

    memset(d, 0, sizeof *d);
    if (v == NULL)
        return JOT_OK;
    d->present = 1;
    if (json_is_integer(v)) {
        d->i = json_integer_value(v);
        return JOT_OK;
    }
    if (json_is_real(v) && isfinite(json_real_value(v))) {
        d->is_real = 1;
        d->r = json_real_value(v);
        return JOT_OK;
    }
    return JOT_ERR_CLAIM;       /* a string, a boolean, null, ... */
}

/* 1 when now + leeway is at or past d, without overflow. */
static int
reached(int64_t now, int64_t leeway, const struct jot_time_claim *d,
        int after_exp)
{
    int64_t t;

    if (d->is_real) {
        /* exp: now - leeway >= exp; nbf: now + leeway >= nbf */
        double x = (double)now + (after_exp ? -(double)leeway
                                            : (double)leeway);
        return x >= d->r;
    }
    if (after_exp) {
        /* now >= exp + leeway, i.e. now - leeway >= exp */
        if (__builtin_sub_overflow(now, leeway, &t))
            return 0;
        return t >= d->i;
    }
    /* nbf: valid once now + leeway >= nbf */
    if (__builtin_add_overflow(now, leeway, &t))
        return 1;
    return t >= d->i;
}

jot_err
jot_times_check(const struct jot_times *t, int64_t now, int64_t leeway)
{
    if (t == NULL || leeway < 0)
        return JOT_ERR_INVAL;
    if (t->exp.present && reached(now, leeway, &t->exp, 1))
        return JOT_ERR_EXPIRED;
    if (t->nbf.present && !reached(now, leeway, &t->nbf, 0))
        return JOT_ERR_NOT_YET_VALID;
    return JOT_OK;
}

static int
is_string_or_absent(const json_t *claims, const char *name)
{
    const json_t *v = json_object_get(claims, name);

    return v == NULL || json_is_string(v);
}

/* "aud": a string or an array of strings (RFC 7519 §4.1.3). */
static jot_err
check_aud(const json_t *claims, const char *want)
{
    const json_t *aud = json_object_get(claims, "aud"), *v;
    size_t i;
    int found = 0;

    if (aud == NULL)
        return want ? JOT_ERR_AUDIENCE : JOT_OK;
    if (json_is_string(aud))
        return !want || strcmp(json_string_value(aud), want) == 0
                   ? JOT_OK : JOT_ERR_AUDIENCE;
    if (!json_is_array(aud))
        return JOT_ERR_CLAIM;
    json_array_foreach(aud, i, v) {
        if (!json_is_string(v))
            return JOT_ERR_CLAIM;
        if (want && strcmp(json_string_value(v), want) == 0)
            found = 1;
    }
    return !want || found ? JOT_OK : JOT_ERR_AUDIENCE;
}

static jot_err
validate(const json_t *claims, const struct jot_verify_opts *opts)
{
    struct jot_verify_opts none;
    struct jot_times times;
    struct jot_time_claim iat;
    const json_t *iss;
    int64_t now;
    size_t i;
    jot_err err;

    if (opts == NULL) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    if (opts->leeway < 0)
        return JOT_ERR_INVAL;
    if ((err = read_date(claims, "exp", &times.exp)) != JOT_OK ||
        (err = read_date(claims, "nbf", &times.nbf)) != JOT_OK ||
        (err = read_date(claims, "iat", &iat)) != JOT_OK)
        return err;
    if (!times.exp.present && !(opts->flags & JOT_VERIFY_EXP_OPTIONAL))
        return JOT_ERR_CLAIM;
    if (!is_string_or_absent(claims, "iss") ||
        !is_string_or_absent(claims, "sub") ||
        !is_string_or_absent(claims, "jti"))
        return JOT_ERR_CLAIM;
    for (i = 0; i < opts->n_required; i++)
        if (json_object_get(claims, opts->required[i]) == NULL)
            return JOT_ERR_CLAIM;
    if (!(opts->flags & JOT_VERIFY_IGNORE_TIME)) {
        now = opts->clock ? opts->clock(opts->clock_ctx) : (int64_t)time(NULL);
        if ((err = jot_times_check(&times, now, opts->leeway)) != JOT_OK)
            return err;
    }
    if (opts->issuer != NULL) {
        iss = json_object_get(claims, "iss");
        if (!json_is_string(iss) ||
            strcmp(json_string_value(iss), opts->issuer) != 0)
            return JOT_ERR_ISSUER;
    }
    return check_aud(claims, opts->audience);
}

/*
 * RFC 7519 §5.2 and RFC 8725 §2.8: cty says the payload is itself a
 * token (a nested JWT) or some other content.  libjot reads no nested
 * token, so a JWT that declares a content type is refused rather than
 * having its inner token's claims taken for its own.  The fast path of
 * jws.c leaves the header unparsed only when it is one jot_jws_sign
 * writes, which never has cty.
 */
static jot_err
check_cty(const jot_jws *jws)
{
    const json_t *header = atomic_load(&jws->header);

    if (header != NULL && json_object_get(header, "cty") != NULL)
        return JOT_ERR_CTY;
    return JOT_OK;
}

/* Parses the payload of jws into a JWT, which then owns jws. */
static jot_err
to_jwt(jot_jws *jws, jot_jwt **out)
{
    jot_jwt *jwt;
    jot_err err;

    jwt = calloc(1, sizeof *jwt);
    if (jwt == NULL) {
        jot_jws_free(jws);
        return JOT_ERR_NOMEM;
    }
    jwt->jws = jws;
    /* RFC 7519 §7.2 step 10: the claims are a JSON object. */
    err = jot__json_object(jws->payload, jws->payload_len, &jwt->claims);
    if (err != JOT_OK) {
        jot_jwt_free(jwt);
        return err;
    }
    *out = jwt;
    return JOT_OK;
}

jot_err
jot_jwt_verify(const jot_keyset *keys, const struct jot_verify_opts *opts,
               const char *tok, size_t tok_len, jot_jwt **out)
{
    jot_jws *jws = NULL;
    jot_jwt *jwt = NULL;
    jot_err err;

    *out = NULL;
    err = jot__jws_parse(keys, opts, 1, tok, tok_len, &jws);
    if (err != JOT_OK)
        return err;
    err = check_cty(jws);
    if (err != JOT_OK) {
        jot_jws_free(jws);
        return err;
    }
    err = to_jwt(jws, &jwt);
    if (err != JOT_OK)
        return err;
    err = validate(jwt->claims, opts);
    if (err != JOT_OK) {
        jot_jwt_free(jwt);
        return err;
    }
    *out = jwt;
    return JOT_OK;
}

jot_err
jot_jwt_decode(const char *tok, size_t tok_len, jot_jwt **out)
{
    jot_jws *jws = NULL;
    jot_err err;

    *out = NULL;
    err = jot__jws_parse(NULL, NULL, 0, tok, tok_len, &jws);
    if (err != JOT_OK)
        return err;
    return to_jwt(jws, out);
}

jot_err
jot_jwt_sign(const jot_key *key, const char *typ, const char *claims_json,
             size_t claims_len, char **out)
{
    json_t *claims = NULL;
    jot_err err;

    *out = NULL;
    if (key == NULL || claims_json == NULL)
        return JOT_ERR_INVAL;
    if (claims_len > JOT_MAX_TOKEN_LEN)
        return JOT_ERR_TOO_LARGE;
    /* Sign only what a strict verifier will accept back. */
    err = jot__json_object(claims_json, claims_len, &claims);
    json_decref(claims);
    if (err != JOT_OK)
        return err;
    return jot_jws_sign(key, typ, claims_json, claims_len, out);
}

jot_err
jot_jwt_claim_string(const jot_jwt *jwt, const char *name, const char **out)
{
    const json_t *v = jwt ? json_object_get(jwt->claims, name) : NULL;

    *out = NULL;
    if (!json_is_string(v))
        return JOT_ERR_CLAIM;
    *out = json_string_value(v);
    return JOT_OK;
}

jot_err
jot_jwt_claim_int(const jot_jwt *jwt, const char *name, int64_t *out)
{
    const json_t *v = jwt ? json_object_get(jwt->claims, name) : NULL;
    double r;

    *out = 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return JOT_OK;
    }
    if (!json_is_real(v))
        return JOT_ERR_CLAIM;
    r = json_real_value(v);
    /* 2^63 is exactly representable; anything at or past it is not an
     * int64, nor is anything below -2^63. */
    if (!isfinite(r) || r >= 9223372036854775808.0 ||
        r < -9223372036854775808.0)
        return JOT_ERR_CLAIM;
    *out = (int64_t)r;
    return JOT_OK;
}

/* The array claim name if all its elements are strings, else NULL. */
static const json_t *
string_array(const jot_jwt *jwt, const char *name)
{
    const json_t *a = jwt ? json_object_get(jwt->claims, name) : NULL, *v;
    size_t i;

    if (!json_is_array(a))
        return NULL;
    json_array_foreach(a, i, v)
        if (!json_is_string(v))
            return NULL;
    return a;
}

jot_err
jot_jwt_claim_array_len(const jot_jwt *jwt, const char *name, size_t *out)
{
    const json_t *a = string_array(jwt, name);

    *out = 0;
    if (a == NULL)
        return JOT_ERR_CLAIM;
    *out = json_array_size(a);
    return JOT_OK;
}

jot_err
jot_jwt_claim_array_string(const jot_jwt *jwt, const char *name, size_t i,
                           const char **out)
{
    const json_t *a = string_array(jwt, name);

    *out = NULL;
    if (a == NULL || i >= json_array_size(a))
        return JOT_ERR_CLAIM;
    *out = json_string_value(json_array_get(a, i));
    return JOT_OK;
}

jot_err
jot_jwt_claims_json(const jot_jwt *jwt, char **out)
{
    *out = NULL;
    if (jwt == NULL)
        return JOT_ERR_INVAL;
    return jot__json_dump(jwt->claims, out);
}

const jot_jws *
jot_jwt_jws(const jot_jwt *jwt)
{
    return jwt ? jwt->jws : NULL;
}

void
jot_jwt_free(jot_jwt *jwt)
{
    if (jwt == NULL)
        return;
    json_decref(jwt->claims);
    jot_jws_free(jwt->jws);
    free(jwt);
}

jot_err
jot_jwt_times(const jot_jwt *jwt, struct jot_times *out)
{
    jot_err err;

    memset(out, 0, sizeof *out);
    if (jwt == NULL)
        return JOT_ERR_INVAL;
    err = read_date(jwt->claims, "exp", &out->exp);
    if (err == JOT_OK)
        err = read_date(jwt->claims, "nbf", &out->nbf);
    if (err != JOT_OK)
        memset(out, 0, sizeof *out);
    return err;
}
