/*
 * tokens.c - the claims of jotd's tokens, and their verification.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/accounts.h"
#include "core/jsonbuf.h"
#include "core/keys.h"
#include "core/tokens.h"

/* The "aud" claim: the one audience as a string, several as an array. */
static void
add_audience(struct jotd_jsonbuf *b, const struct jotd_config *cfg)
{
    json_t *a;
    size_t i;

    if (cfg->n_audiences <= 1) {
        jotd_jsonbuf_string(b, "aud", cfg->n_audiences ? cfg->audiences[0]
                                                       : cfg->issuer);
        return;
    }
    a = json_array();
    for (i = 0; a != NULL && i < cfg->n_audiences; i++)
        json_array_append_new(a, json_string(cfg->audiences[i]));
    jotd_jsonbuf_value(b, "aud", a);    /* a NULL a fails the buffer */
    json_decref(a);
}

static char *
sign(const jot_key *key, const char *typ, char *claims)
{
    char *tok = NULL;

    if (claims != NULL &&
        jot_jws_sign(key, typ, claims, strlen(claims), &tok) != JOT_OK)
        tok = NULL;
    free(claims);
    return tok;
}

int64_t
jotd_tokens_refresh_expiry(const struct jotd_config *cfg, int64_t created_at,
                           int64_t now)
{
    int64_t sliding = now + cfg->refresh_ttl * 1000;
    int64_t absolute = created_at + cfg->session_max_age * 1000;

    return sliding < absolute ? sliding : absolute;
}

/* The claims of an access token (API.md "Tokens"), as JSON text. */
static char *
access_claims_text(const struct jotd_config *cfg, const struct jotd_user *u,
                   const struct jotd_session *s, int64_t iat,
                   const char *jti)
{
    struct jotd_jsonbuf b = {0};
    json_t *roles = jotd_roles_json(u);

    jotd_jsonbuf_string(&b, "iss", cfg->issuer);
    jotd_jsonbuf_string(&b, "sub", u->id);
    add_audience(&b, cfg);
    jotd_jsonbuf_int(&b, "exp", iat + cfg->access_ttl);
    jotd_jsonbuf_int(&b, "iat", iat);
    jotd_jsonbuf_int(&b, "nbf", iat);
    jotd_jsonbuf_string(&b, "jti", jti);
    jotd_jsonbuf_string(&b, "sid", s->id);
    jotd_jsonbuf_value(&b, "roles", roles);
    json_decref(roles);
    /* RFC 9068 §2.2: the client the token was issued to.  A session
     * opened by /v1/auth/login (or before sessions kept it) has none. */
    jotd_jsonbuf_string(&b, "client_id", s->client_id[0] != '\0'
                                             ? s->client_id
                                             : cfg->default_client_id);
    return jotd_jsonbuf_finish(&b);
}

/* The claims of a refresh token, for jotd alone. */
static char *
refresh_claims_text(const struct jotd_config *cfg, const struct jotd_user *u,
                    const struct jotd_session *s, int64_t iat,
                    const char *jti)
{
    struct jotd_jsonbuf b = {0};

    jotd_jsonbuf_string(&b, "iss", cfg->issuer);
    jotd_jsonbuf_string(&b, "sub", u->id);
    jotd_jsonbuf_string(&b, "aud", cfg->issuer);
    jotd_jsonbuf_int(&b, "exp", s->expires_at / 1000);
    jotd_jsonbuf_int(&b, "iat", iat);
    jotd_jsonbuf_string(&b, "jti", jti);
    jotd_jsonbuf_string(&b, "sid", s->id);
    jotd_jsonbuf_int(&b, "gen", s->gen);
    return jotd_jsonbuf_finish(&b);
}

/* Two jti of 128 random bits each, from one call to the generator. */
static int
new_jtis(char a[32], char b[32])
{
    unsigned char r[32];
    size_t n;

    if (RAND_bytes(r, sizeof r) != 1)
        return -1;
    return jot_b64url_encode(r, 16, a, 32, &n) == JOT_OK &&
                   jot_b64url_encode(r + 16, 16, b, 32, &n) == JOT_OK
               ? 0
               : -1;
}

jotd_err
jotd_tokens_issue(struct jotd *j, const struct jotd_config *cfg,
                  const struct jotd_user *u, const struct jotd_session *s,
                  int64_t now, struct jotd_token_pair *out)
{
    struct jotd_keys *keys = jotd_keys_current(j);
    char jti_a[32], jti_r[32];
    int64_t iat = now / 1000;

    memset(out, 0, sizeof *out);
    /* API.md: jti of at least 128 random bits. */
    if (new_jtis(jti_a, jti_r) != 0)
        return JOTD_ERR_INTERNAL;
    out->access = sign(keys->signer, JOTD_TYP_ACCESS,
                       access_claims_text(cfg, u, s, iat, jti_a));
    out->refresh = sign(j->refresh_key, JOTD_TYP_REFRESH,
                        refresh_claims_text(cfg, u, s, iat, jti_r));
    out->expires_in = cfg->access_ttl;
    out->refresh_expires_in = s->expires_at / 1000 - iat;
    if (out->access == NULL || out->refresh == NULL) {
        jotd_tokens_clear(out);
        return JOTD_ERR_INTERNAL;
    }
    return JOTD_OK;
}

void
jotd_tokens_clear(struct jotd_token_pair *p)
{
    jot_free(p->access);
    jot_free(p->refresh);
    p->access = p->refresh = NULL;
}

char *
jotd_tokens_response(const struct jotd_token_pair *p, const char *session_id)
{
    struct jotd_jsonbuf b = {0};

    jotd_jsonbuf_string(&b, "access_token", p->access);
    jotd_jsonbuf_string(&b, "token_type", "Bearer");
    jotd_jsonbuf_int(&b, "expires_in", p->expires_in);
    jotd_jsonbuf_string(&b, "refresh_token", p->refresh);
    jotd_jsonbuf_int(&b, "refresh_expires_in", p->refresh_expires_in);
    jotd_jsonbuf_string(&b, "session_id", session_id);
    return jotd_jsonbuf_finish(&b);
}

/* Claims jotd puts in every token it issues. */
static const char *const access_claims[] = {"sub", "sid", "jti", "iat"};
static const char *const refresh_claims[] = {"sub", "sid", "jti", "gen"};

/*
 * A token of the other kind fails at its key (the two kinds are signed
 * by different keys) before its typ is compared; name the real reason.
 * Reading the unverified header is safe here: the token is refused
 * whatever it says, and only the description changes.
 */
static jot_err
explain(jot_err err, const char *tok, size_t len, const char *other_typ)
{
    jot_jws *jws = NULL;
    const char *typ;

    if (err != JOT_ERR_KEY_NOT_FOUND && err != JOT_ERR_ALG &&
        err != JOT_ERR_BAD_SIGNATURE)
        return err;
    if (jot_jws_decode(tok, len, &jws) == JOT_OK &&
        jot_jws_header_string(jws, "typ", &typ) == JOT_OK &&
        strcmp(typ, other_typ) == 0)
        err = JOT_ERR_TYPE;
    jot_jws_free(jws);
    return err;
}

/* The clock of jot_verify_opts, reading the caller's "now". */
static int64_t
fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

jot_err
jotd_tokens_verify_access(const struct jotd_config *cfg,
                          const struct jotd_keys *keys, const char *tok,
                          size_t len, int64_t now, int ignore_time,
                          jot_jwt **out)
{
    struct jot_verify_opts opts;

    memset(&opts, 0, sizeof opts);
    opts.issuer = cfg->issuer;
    opts.audience = cfg->n_audiences ? cfg->audiences[0] : cfg->issuer;
    opts.typ = JOTD_TYP_ACCESS;
    opts.required = access_claims;
    opts.n_required = sizeof access_claims / sizeof *access_claims;
    opts.leeway = cfg->leeway;
    opts.flags = ignore_time ? JOT_VERIFY_IGNORE_TIME : 0;
    opts.clock = fixed_clock;
    opts.clock_ctx = &now;
    return explain(jot_jwt_verify(keys->verify, &opts, tok, len, out), tok,
                   len, JOTD_TYP_REFRESH);
}

jot_err
jotd_tokens_verify_refresh(struct jotd *j, const struct jotd_config *cfg,
                           const char *tok, size_t len, jot_jwt **out)
{
    struct jot_verify_opts opts;

    memset(&opts, 0, sizeof opts);
    opts.issuer = cfg->issuer;
    opts.audience = cfg->issuer;
    opts.typ = JOTD_TYP_REFRESH;
    opts.required = refresh_claims;
    opts.n_required = sizeof refresh_claims / sizeof *refresh_claims;
    opts.leeway = cfg->leeway;
    return explain(jot_jwt_verify(j->refresh_keys, &opts, tok, len, out),
                   tok, len, JOTD_TYP_ACCESS);
}
