/*
 * tokeninfo.c - revocation (RFC 7009) and introspection (RFC 7662) of
 * jotd's two tokens, over the session rows of the database.
 */
#include <string.h>

#include "core/access.h"
#include "core/audit.h"
#include "core/revocation.h"
#include "core/tokeninfo.h"
#include "core/tokens.h"

enum kind { NOT_OURS, ACCESS, REFRESH };

enum jotd_token_hint
jotd_token_hint_of(const char *name)
{
    if (name == NULL)
        return JOTD_HINT_NONE;
    if (strcmp(name, "access_token") == 0)
        return JOTD_HINT_ACCESS;
    if (strcmp(name, "refresh_token") == 0)
        return JOTD_HINT_REFRESH;
    return JOTD_HINT_NONE;
}

/* The jotd_err of a failed verification: the token's fault is no
 * failure at all (the token is simply not ours), the server's is. */
static jotd_err
failure_of(jot_err err)
{
    if (err == JOT_OK || jotd_access_describe(err) != NULL)
        return JOTD_OK;
    return err == JOT_ERR_NOMEM ? JOTD_ERR_NOMEM : JOTD_ERR_INTERNAL;
}

static jotd_err
try_kind(const struct jotd_op *op, enum kind k, const char *tok, size_t len,
         jot_jwt **jwt)
{
    struct jotd_access_view v;
    jot_err err;

    if (k == ACCESS) {
        jotd_access_view_now(op->j, op->epoch, op->cfg, &v);
        err = jotd_tokens_verify_access(v.cfg, v.keys, tok, len,
                                        op->now / 1000, 0, jwt);
    } else {
        err = jotd_tokens_verify_refresh(op->j, op->cfg, tok, len, jwt);
    }
    if (err != JOT_OK)
        *jwt = NULL;
    return failure_of(err);
}

/*
 * Which of jotd's tokens tok is, verified (signature, typ, times), the
 * hinted kind tried first (RFC 7009 §2.1: then the others).  *jwt (the
 * caller frees) is NULL with NOT_OURS.
 */
static jotd_err
identify(const struct jotd_op *op, const char *tok, size_t len,
         enum jotd_token_hint hint, enum kind *kind, jot_jwt **jwt)
{
    enum kind order[2] = {ACCESS, REFRESH};
    jotd_err err = JOTD_OK;
    size_t i;

    *kind = NOT_OURS;
    *jwt = NULL;
    if (hint == JOTD_HINT_REFRESH) {
        order[0] = REFRESH;
        order[1] = ACCESS;
    }
    for (i = 0; i < 2 && err == JOTD_OK && *jwt == NULL; i++) {
        err = try_kind(op, order[i], tok, len, jwt);
        if (*jwt != NULL)
            *kind = order[i];
    }
    return err;
}

/*
 * The session of a verified token and whether it is live: its row
 * exists, belongs to the token's sub, is neither revoked nor expired.
 * *live 0 with JOTD_OK when it is not; JOTD_ERR_UNAVAILABLE.
 */
static jotd_err
session_of(const struct jotd_op *op, const jot_jwt *jwt,
           struct jotd_session *s, int *live)
{
    const char *sid, *sub;
    enum jotd_store_result sr;

    *live = 0;
    if (jot_jwt_claim_string(jwt, "sid", &sid) != JOT_OK ||
        jot_jwt_claim_string(jwt, "sub", &sub) != JOT_OK ||
        strlen(sid) != JOTD_ID_LEN)
        return JOTD_OK;
    sr = op->st->ops->session_get(op->st, sid, s);
    if (sr == JOTD_STORE_ERROR)
        return JOTD_ERR_UNAVAILABLE;
    *live = sr == JOTD_STORE_OK && strcmp(s->user_id, sub) == 0 &&
            s->revoked_at == 0 && op->now < s->expires_at;
    return JOTD_OK;
}

jotd_err
jotd_token_revoke(const struct jotd_op *op, const char *tok, size_t len,
                  enum jotd_token_hint hint)
{
    struct jotd_session s;
    jot_jwt *jwt = NULL;
    enum kind kind;
    int live = 0;
    jotd_err err;

    err = identify(op, tok, len, hint, &kind, &jwt);
    if (err == JOTD_OK && kind != NOT_OURS)
        err = session_of(op, jwt, &s, &live);
    if (err == JOTD_OK && live) {
        /* Whoever holds any token of a session may end it: a refresh
         * token already superseded included, for it could be reused. */
        err = jotd_err_of_store(
            op->st->ops->session_revoke(op->st, s.id, "revoked", op->now));
        if (err == JOTD_ERR_NOT_FOUND)
            err = JOTD_OK;          /* pruned meanwhile: nothing to do */
        else if (err == JOTD_OK) {
            jotd_revoked_add(op->j, s.id);
            jotd_audit(op->st, op->ip, "token_revoked", s.user_id, s.id,
                       kind == ACCESS ? "access_token" : "refresh_token");
        }
    }
    jot_jwt_free(jwt);
    return err;
}

/* {"active":true,...} of a live token: the claims, its type, its
 * client and its user's name.  NULL without memory. */
static json_t *
active_doc(const jot_jwt *jwt, enum kind kind, const struct jotd_session *s,
           const struct jotd_user *u, const char *default_client)
{
    json_t *doc = NULL, *claims = NULL;
    char *text = NULL;

    if (jot_jwt_claims_json(jwt, &text) != JOT_OK)
        return NULL;
    claims = json_loads(text, 0, NULL);
    jot_free(text);
    doc = json_pack("{s:b, s:s, s:s, s:s}", "active", 1, "token_type",
                    kind == ACCESS ? "access_token" : "refresh_token",
                    "client_id",
                    s->client_id[0] != '\0' ? s->client_id : default_client,
                    "username", u->username);
    /* The names above win over claims of the same name. */
    if (doc == NULL || claims == NULL ||
        json_object_update_missing(doc, claims) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    json_decref(claims);
    return doc;
}

jotd_err
jotd_token_introspect(const struct jotd_op *op, const char *tok, size_t len,
                      enum jotd_token_hint hint, json_t **out)
{
    struct jotd_session s;
    struct jotd_user u;
    jot_jwt *jwt = NULL;
    int64_t gen = 0;
    enum kind kind;
    int live = 0;
    jotd_err err;

    *out = NULL;
    err = identify(op, tok, len, hint, &kind, &jwt);
    if (err == JOTD_OK && kind != NOT_OURS)
        err = session_of(op, jwt, &s, &live);
    /* RFC 7662 §2.2 and API.md: a superseded refresh token is inactive,
     * and saying so is all; it is no reuse, the session stays. */
    if (err == JOTD_OK && live && kind == REFRESH)
        live = jot_jwt_claim_int(jwt, "gen", &gen) == JOT_OK &&
               gen == s.gen;
    if (err == JOTD_OK && live) {
        err = jotd_account_get(op, s.user_id, &u);
        live = err == JOTD_OK && !u.disabled;
        if (err == JOTD_ERR_NOT_FOUND)
            err = JOTD_OK;
    }
    if (err == JOTD_OK) {
        *out = live ? active_doc(jwt, kind, &s, &u,
                                 op->cfg->default_client_id)
                    : json_pack("{s:b}", "active", 0);
        if (*out == NULL)
            err = JOTD_ERR_NOMEM;
    }
    jot_wipe(&u, sizeof u);
    jot_jwt_free(jwt);
    return err;
}
