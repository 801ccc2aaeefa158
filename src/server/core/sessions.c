/*
 * sessions.c - sessions: opening, refreshing with rotation and reuse
 * detection (API.md "Tokens"), and revoking.
 */
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/audit.h"
#include "core/revocation.h"
#include "core/sessions.h"
#include "core/tokens.h"

/* A refresh that loses the compare-and-set reads and judges again; past
 * this many losses something is hammering the session: reuse. */
#define ROTATE_TRIES 3

enum jotd_refresh_verdict
jotd_session_judge(const struct jotd_config *cfg,
                   const struct jotd_session *s, int64_t gen, int64_t now)
{
    if (gen == s->gen)
        return JOTD_REFRESH_ROTATE;
    /* API.md: one generation behind and within the grace period is a
     * race between two requests of the same client, not a theft.  A
     * request may have read the clock before the rotation it lost to
     * (now < rotated_at): within any grace, never with none. */
    if (gen == s->gen - 1 && cfg->refresh_reuse_grace > 0 &&
        (double)(now - s->rotated_at) < cfg->refresh_reuse_grace * 1000.0)
        return JOTD_REFRESH_GRACE;
    return JOTD_REFRESH_REUSE;
}

/* Copies the NUL-terminated src into dst (cap bytes), cut short when it
 * does not fit: for the user agent a session records. */
static void
copy_cut(char *dst, size_t cap, const char *src)
{
    size_t len = strnlen(src, cap - 1);

    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* jotd_session_open for client_id (NULL: the default client). */
static jotd_err
open_for(const struct jotd_op *op, const struct jotd_user *u,
         const char *user_agent, const char *client_id,
         struct jotd_session *out)
{
    struct jotd_session s;
    jotd_err err;

    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    err = jotd_uuid(s.id);
    if (err != JOTD_OK)
        return err;
    memcpy(s.user_id, u->id, sizeof s.user_id);
    s.gen = 1;
    s.created_at = s.last_used_at = s.rotated_at = op->now;
    s.expires_at = jotd_tokens_refresh_expiry(op->cfg, op->now, op->now);
    copy_cut(s.user_agent, sizeof s.user_agent,
             user_agent != NULL ? user_agent : "");
    copy_cut(s.ip, sizeof s.ip, op->ip);
    copy_cut(s.client_id, sizeof s.client_id,
             client_id != NULL ? client_id : "");
    err = jotd_err_of_store(op->st->ops->session_create(op->st, &s));
    if (err == JOTD_OK)
        *out = s;
    return err;
}

jotd_err
jotd_session_open(const struct jotd_op *op, const struct jotd_user *u,
                  const char *user_agent, struct jotd_session *out)
{
    return open_for(op, u, user_agent, NULL, out);
}

jotd_err
jotd_session_login(const struct jotd_op *op, const char *name,
                   size_t name_len, const char *pw, size_t pw_len,
                   const char *user_agent, const char *client_id,
                   struct jotd_user *u_out, struct jotd_session *s_out,
                   int64_t *retry_after)
{
    jotd_err err;

    memset(s_out, 0, sizeof *s_out);
    err = jotd_account_authenticate(op, name, name_len, pw, pw_len, u_out,
                                    retry_after);
    if (err == JOTD_OK)
        err = open_for(op, u_out, user_agent, client_id, s_out);
    if (err == JOTD_OK)
        jotd_audit(op->st, op->ip, "login", u_out->id, s_out->id, NULL);
    if (err == JOTD_OK || err == JOTD_ERR_CREDENTIALS)
        jotd_metric_inc(err == JOTD_OK ? &op->j->metrics.logins_ok
                                       : &op->j->metrics.logins_failed);
    return err;
}

/* The jotd_err of a refused token: the token's fault is a refused grant,
 * the server's (out of memory, the crypto library) its own. */
static jotd_err
refused(jot_err err, const char **why)
{
    *why = jotd_access_describe(err);
    if (*why != NULL)
        return JOTD_ERR_GRANT;
    *why = "cannot check the token";
    return err == JOT_ERR_NOMEM ? JOTD_ERR_NOMEM : JOTD_ERR_INTERNAL;
}

/* API.md: a presented access token must verify (expired or not) and
 * belong to the same session and user. */
static jotd_err
presented_access(const struct jotd_op *op, const char *access,
                 size_t access_len, const char *sid, const char *sub,
                 const char **why)
{
    struct jotd_access_view v;
    struct jotd_principal who;
    jot_err err;

    if (access == NULL)
        return JOTD_OK;
    jotd_access_view_now(op->j, op->epoch, op->cfg, &v);
    v.revoked = NULL;           /* the session row is read next anyway */
    err = jotd_access_check(&v, access, access_len, op->now / 1000,
                            JOTD_ACCESS_IGNORE_TIME, &who);
    if (err != JOT_OK && jotd_access_describe(err) == NULL)
        return refused(err, why);       /* the server's failure */
    if (err == JOT_OK && strcmp(who.sid, sid) == 0 &&
        strcmp(who.sub, sub) == 0)
        return JOTD_OK;
    *why = "access token does not match the refresh token";
    return JOTD_ERR_GRANT;
}

/* Reads session sid and checks that it is sub's and live. */
static jotd_err
live_session(const struct jotd_op *op, const char *sid, const char *sub,
             struct jotd_session *s, const char **why)
{
    enum jotd_store_result sr = op->st->ops->session_get(op->st, sid, s);

    if (sr == JOTD_STORE_ERROR)
        return JOTD_ERR_UNAVAILABLE;
    *why = NULL;
    if (sr != JOTD_STORE_OK || strcmp(s->user_id, sub) != 0) {
        *why = "unknown session";
    } else if (s->revoked_at != 0) {
        *why = "session revoked";
        jotd_metric_inc(&op->j->metrics.reuse[JOTD_REUSE_REVOKED]);
    } else if (op->now >= s->expires_at) {
        *why = "session expired";
        jotd_metric_inc(&op->j->metrics.reuse[JOTD_REUSE_EXPIRED]);
    }
    return *why != NULL ? JOTD_ERR_GRANT : JOTD_OK;
}

/*
 * Reads, judges, and rotates with a compare-and-set; a lost race means
 * another request rotated first, so read again and judge anew.
 */
static jotd_err
rotate(const struct jotd_op *op, const char *sid, const char *sub,
       int64_t gen, const char *client_id, struct jotd_session *s,
       enum jotd_refresh_verdict *verdict, const char **why)
{
    enum jotd_store_result sr;
    int64_t expires;
    jotd_err err;
    int tries;

    for (tries = 0; tries < ROTATE_TRIES; tries++) {
        err = live_session(op, sid, sub, s, why);
        if (err != JOTD_OK)
            return err;
        *verdict = jotd_session_judge(op->cfg, s, gen, op->now);
        /* RFC 6749 §6: a refresh token is bound to its client.  Reuse
         * stays reuse whoever presents it; a current token presented by
         * another client is refused before it rotates, so that a
         * mistaken client_id costs the session nothing. */
        if (*verdict != JOTD_REFRESH_REUSE && client_id != NULL &&
            strcmp(client_id, s->client_id[0] != '\0'
                                  ? s->client_id
                                  : op->cfg->default_client_id) != 0) {
            *why = "refresh token was issued to another client";
            return JOTD_ERR_GRANT;
        }
        if (*verdict != JOTD_REFRESH_ROTATE)
            return JOTD_OK;
        expires = jotd_tokens_refresh_expiry(op->cfg, s->created_at,
                                             op->now);
        sr = op->st->ops->session_rotate(op->st, sid, gen, op->now,
                                         expires);
        if (sr == JOTD_STORE_OK) {
            s->gen = gen + 1;
            s->rotated_at = s->last_used_at = op->now;
            s->expires_at = expires;
            return JOTD_OK;
        }
        if (sr == JOTD_STORE_ERROR)
            return JOTD_ERR_UNAVAILABLE;
    }
    *verdict = JOTD_REFRESH_REUSE;
    return JOTD_OK;
}

/* The user of a session that may be refreshed: live and enabled. */
static jotd_err
refresh_user(const struct jotd_op *op, const char *sub,
             struct jotd_user *u, const char **why)
{
    jotd_err err = jotd_account_get(op, sub, u);

    if (err == JOTD_ERR_UNAVAILABLE)
        return err;
    if (err != JOTD_OK || u->disabled) {
        *why = "account unavailable";
        return JOTD_ERR_GRANT;
    }
    return JOTD_OK;
}

/*
 * The rotation and the read of its user, in one transaction of the
 * store where it has them (group_begin): the refresh path's reads and
 * its one write then take the database's locks once.  The rotation is
 * committed before the caller answers, and a failed commit is
 * UNAVAILABLE with nothing changed, so an acknowledged rotation is as
 * durable as the engine makes a single write.  A refused user (disabled,
 * deleted) keeps the rotation, as it did with separate writes.
 */
static jotd_err
judge_and_rotate(const struct jotd_op *op, const char *sid, const char *sub,
                 int64_t gen, const char *client_id, struct jotd_session *s,
                 struct jotd_user *u, enum jotd_refresh_verdict *verdict,
                 const char **why)
{
    const struct jotd_store_ops *ops = op->st->ops;
    int grouped = ops->group_begin != NULL && ops->group_end != NULL;
    jotd_err err;

    if (grouped && ops->group_begin(op->st) != JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    err = rotate(op, sid, sub, gen, client_id, s, verdict, why);
    if (err == JOTD_OK && *verdict != JOTD_REFRESH_REUSE)
        err = refresh_user(op, sub, u, why);
    if (grouped &&
        ops->group_end(op->st, err != JOTD_ERR_UNAVAILABLE) != JOTD_STORE_OK)
        err = JOTD_ERR_UNAVAILABLE;
    return err;
}

jotd_err
jotd_session_refresh(const struct jotd_op *op, const char *token,
                     size_t token_len, const char *access, size_t access_len,
                     struct jotd_user *u_out, struct jotd_session *s_out,
                     enum jotd_refresh_verdict *verdict, const char **why)
{
    return jotd_session_refresh_client(op, token, token_len, access,
                                       access_len, NULL, u_out, s_out,
                                       verdict, why);
}

jotd_err
jotd_session_refresh_client(const struct jotd_op *op, const char *token,
                            size_t token_len, const char *access,
                            size_t access_len, const char *client_id,
                            struct jotd_user *u_out,
                            struct jotd_session *s_out,
                            enum jotd_refresh_verdict *verdict,
                            const char **why)
{
    const char *sid = NULL, *sub = NULL;
    jot_jwt *jwt = NULL;
    int64_t gen = 0;
    jot_err jerr;
    jotd_err err;

    memset(u_out, 0, sizeof *u_out);
    memset(s_out, 0, sizeof *s_out);
    *verdict = JOTD_REFRESH_REUSE;
    *why = NULL;
    jerr = jotd_tokens_verify_refresh(op->j, op->cfg, token, token_len,
                                      &jwt);
    if (jerr != JOT_OK)
        return refused(jerr, why);
    err = JOTD_ERR_GRANT;
    *why = "missing or invalid claim";
    if (jot_jwt_claim_string(jwt, "sid", &sid) != JOT_OK ||
        jot_jwt_claim_string(jwt, "sub", &sub) != JOT_OK ||
        jot_jwt_claim_int(jwt, "gen", &gen) != JOT_OK)
        goto out;
    *why = NULL;
    err = presented_access(op, access, access_len, sid, sub, why);
    if (err == JOTD_OK)
        err = judge_and_rotate(op, sid, sub, gen, client_id, s_out, u_out,
                               verdict, why);
    if (err == JOTD_OK && *verdict == JOTD_REFRESH_REUSE) {
        /* API.md: reuse revokes the whole session, newest token too. */
        if (op->st->ops->session_revoke(op->st, sid, "reuse", op->now) ==
            JOTD_STORE_OK)
            jotd_metrics_revoked(&op->j->metrics, "reuse", 1);
        jotd_metric_inc(&op->j->metrics.reuse[JOTD_REUSE_SUPERSEDED]);
        jotd_revoked_add(op->j, sid);
        jotd_audit(op->st, op->ip, "refresh_reuse", sub, sid, NULL);
        *why = "refresh token reuse detected";
        err = JOTD_ERR_GRANT;
    }
    /* A routine refresh goes to the log only, buffered: an audit row
     * would be a second write transaction on the busiest write path, and
     * the session row already records when it was last used. */
    if (err == JOTD_OK)
        jotd_audit_routine(op->ip,
                           *verdict == JOTD_REFRESH_ROTATE ? "refresh"
                                                           : "refresh_grace",
                           sub, sid);
    if (err == JOTD_OK)
        jotd_metric_inc(*verdict == JOTD_REFRESH_ROTATE
                            ? &op->j->metrics.refreshes
                            : &op->j->metrics.grace);
out:
    if (err != JOTD_OK) {
        memset(u_out, 0, sizeof *u_out);
        memset(s_out, 0, sizeof *s_out);
    }
    jot_jwt_free(jwt);
    return err;
}

static const char *const scope_names[] = {
    [JOTD_LOGOUT_LOCAL] = "local",
    [JOTD_LOGOUT_GLOBAL] = "global",
    [JOTD_LOGOUT_OTHERS] = "others",
};

jotd_err
jotd_logout_scope_of(const char *name, enum jotd_logout_scope *out)
{
    size_t i;

    *out = JOTD_LOGOUT_LOCAL;
    if (name == NULL)
        return JOTD_OK;
    for (i = 0; i < sizeof scope_names / sizeof *scope_names; i++) {
        if (strcmp(name, scope_names[i]) == 0) {
            *out = (enum jotd_logout_scope)i;
            return JOTD_OK;
        }
    }
    return JOTD_ERR_INVALID;
}

jotd_err
jotd_session_logout(const struct jotd_op *op, const char *user_id,
                    const char *sid, enum jotd_logout_scope scope)
{
    jotd_store *st = op->st;
    enum jotd_store_result sr = JOTD_STORE_ERROR;
    size_t n = 0;

    switch (scope) {
    case JOTD_LOGOUT_LOCAL:
        sr = st->ops->session_revoke(st, sid, "logout", op->now);
        n = sr == JOTD_STORE_OK;
        break;
    case JOTD_LOGOUT_GLOBAL:
        sr = st->ops->session_revoke_user(st, user_id, NULL, "logout",
                                          op->now, jotd_revoked_add_cb,
                                          op->j, &n);
        break;
    case JOTD_LOGOUT_OTHERS:
        /* Each session revoked joins this node's set at once, not at
         * the next sync: their tokens are refused here from now on. */
        sr = st->ops->session_revoke_user(st, user_id, sid, "logout",
                                          op->now, jotd_revoked_add_cb,
                                          op->j, &n);
        break;
    }
    /* Only a failed database fails a logout: a session already gone is
     * as logged out as can be. */
    if (sr == JOTD_STORE_ERROR)
        return JOTD_ERR_UNAVAILABLE;
    jotd_metrics_revoked(&op->j->metrics, "logout", n);
    if (scope != JOTD_LOGOUT_OTHERS)
        jotd_revoked_add(op->j, sid);
    jotd_audit(st, op->ip, "logout", user_id, sid, scope_names[scope]);
    return JOTD_OK;
}

jotd_err
jotd_session_revoke_own(const struct jotd_op *op, const char *user_id,
                        const char *sid)
{
    struct jotd_session s;
    jotd_err err = JOTD_ERR_NOT_FOUND;

    if (strlen(sid) == JOTD_ID_LEN)
        err = jotd_err_of_store(op->st->ops->session_get(op->st, sid, &s));
    if (err == JOTD_OK &&
        (strcmp(s.user_id, user_id) != 0 || s.revoked_at != 0))
        err = JOTD_ERR_NOT_FOUND;
    if (err == JOTD_OK)
        err = jotd_err_of_store(op->st->ops->session_revoke(op->st, s.id,
                                                            "logout",
                                                            op->now));
    if (err != JOTD_OK)
        return err;
    jotd_metrics_revoked(&op->j->metrics, "logout", 1);
    jotd_revoked_add(op->j, s.id);
    jotd_audit(op->st, op->ip, "session_revoked", user_id, s.id, NULL);
    return JOTD_OK;
}

jotd_err
jotd_session_revoke_any(const struct jotd_op *op, const char *sid,
                        const char *detail)
{
    struct jotd_session s;
    jotd_err err = JOTD_ERR_NOT_FOUND;

    if (jotd_is_id(sid))
        err = jotd_err_of_store(op->st->ops->session_get(op->st, sid, &s));
    if (err == JOTD_OK && s.revoked_at != 0)
        return JOTD_OK;
    if (err == JOTD_OK)
        err = jotd_err_of_store(op->st->ops->session_revoke(op->st, s.id,
                                                            "admin",
                                                            op->now));
    if (err != JOTD_OK)
        return err;
    jotd_metrics_revoked(&op->j->metrics, "admin", 1);
    jotd_revoked_add(op->j, s.id);
    jotd_audit(op->st, op->ip, "session_revoked", s.user_id, s.id, detail);
    return JOTD_OK;
}

jotd_err
jotd_session_list(const struct jotd_op *op, const char *user_id,
                  jotd_session_cb cb, void *ctx)
{
    return jotd_err_of_store(op->st->ops->session_list_user(
        op->st, user_id, op->now, cb, ctx));
}
