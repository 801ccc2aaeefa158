/*
 * tokens.c - the claims of jotd's tokens, and their verification.
 */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "tokens.h"

/* The "aud" claim: a string, or an array when several are configured. */
static json_t *
audience(const struct jotd_config *cfg)
{
    json_t *a;
    size_t i;

    if (cfg->n_audiences == 0)
        return json_string(cfg->issuer);
    if (cfg->n_audiences == 1)
        return json_string(cfg->audiences[0]);
    a = json_array();
    for (i = 0; a != NULL && i < cfg->n_audiences; i++)
        json_array_append_new(a, json_string(cfg->audiences[i]));
    return a;
}

static char *
sign(const jot_key *key, const char *typ, json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT), *tok = NULL;

    if (text != NULL &&
        jot_jws_sign(key, typ, text, strlen(text), &tok) != JOT_OK)
        tok = NULL;
    free(text);
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

int
jotd_tokens_issue(struct jotd *j, const struct jotd_user *u,
                  const struct jotd_session *s, int64_t now,
                  struct jotd_token_pair *out)
{
    struct jotd_keys *keys = jotd_keys_current(j);
    const struct jotd_config *cfg = jotd_cfg(j);
    json_t *at = NULL, *rt = NULL, *roles;
    json_error_t e;
    char jti_a[32], jti_r[32];
    int64_t iat = now / 1000, rexp = s->expires_at / 1000;

    memset(out, 0, sizeof *out);
    roles = json_loads(u->roles, 0, &e);
    if (!json_is_array(roles)) {
        json_decref(roles);
        roles = json_array();
    }
    /* API.md: jti of at least 128 random bits. */
    if (jotd_random_b64(16, jti_a, sizeof jti_a) != 0 ||
        jotd_random_b64(16, jti_r, sizeof jti_r) != 0) {
        json_decref(roles);
        return -1;
    }
    at = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:s, s:s, s:o}",
                   "iss", cfg->issuer, "sub", u->id, "aud", audience(cfg),
                   "exp", (json_int_t)(iat + cfg->access_ttl),
                   "iat", (json_int_t)iat, "nbf", (json_int_t)iat,
                   "jti", jti_a, "sid", s->id, "roles", roles);
    rt = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:I}",
                   "iss", cfg->issuer, "sub", u->id, "aud", cfg->issuer,
                   "exp", (json_int_t)rexp, "iat", (json_int_t)iat,
                   "jti", jti_r, "sid", s->id, "gen", (json_int_t)s->gen);
    if (at != NULL && rt != NULL) {
        out->access = sign(keys->signer, JOTD_TYP_ACCESS, at);
        out->refresh = sign(j->refresh_key, JOTD_TYP_REFRESH, rt);
    }
    json_decref(at);
    json_decref(rt);
    out->expires_in = cfg->access_ttl;
    out->refresh_expires_in = rexp - iat;
    if (out->access == NULL || out->refresh == NULL) {
        jotd_tokens_clear(out);
        return -1;
    }
    return 0;
}

void
jotd_tokens_clear(struct jotd_token_pair *p)
{
    jot_free(p->access);
    jot_free(p->refresh);
    p->access = p->refresh = NULL;
}

json_t *
jotd_tokens_response(const struct jotd_token_pair *p, const char *session_id)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}",
                     "access_token", p->access, "token_type", "Bearer",
                     "expires_in", (json_int_t)p->expires_in,
                     "refresh_token", p->refresh,
                     "refresh_expires_in", (json_int_t)p->refresh_expires_in,
                     "session_id", session_id);
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

jot_err
jotd_tokens_verify_access(struct jotd *j, const char *tok, size_t len,
                          int ignore_time, jot_jwt **out)
{
    struct jotd_keys *keys = jotd_keys_current(j);
    const struct jotd_config *cfg = jotd_cfg(j);
    struct jot_verify_opts opts;

    memset(&opts, 0, sizeof opts);
    opts.issuer = cfg->issuer;
    opts.audience = cfg->n_audiences ? cfg->audiences[0] : cfg->issuer;
    opts.typ = JOTD_TYP_ACCESS;
    opts.required = access_claims;
    opts.n_required = sizeof access_claims / sizeof *access_claims;
    opts.leeway = cfg->leeway;
    opts.flags = ignore_time ? JOT_VERIFY_IGNORE_TIME : 0;
    return explain(jot_jwt_verify(keys->verify, &opts, tok, len, out), tok,
                   len, JOTD_TYP_REFRESH);
}

jot_err
jotd_tokens_verify_refresh(struct jotd *j, const char *tok, size_t len,
                           jot_jwt **out)
{
    const struct jotd_config *cfg = jotd_cfg(j);
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
