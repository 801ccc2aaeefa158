/*
 * routes_auth.c - sign-up, login, refresh and logout (API.md "Accounts
 * and sessions").  These run on the worker pool: they hash passwords or
 * talk to the database.
 */
#include <stdio.h>
#include <string.h>

#include "api/guards.h"
#include "core/password.h"
#include "core/revocation.h"
#include "api/routes.h"
#include "core/audit.h"
#include "core/throttle.h"
#include "core/tokens.h"

#define REFRESH_COOKIE "jot_refresh"

/* ---- shared pieces ------------------------------------------------- */

/* Reads {"username","password"}; answers 400 and returns -1 if absent. */
static int
credentials(struct jotd_req *r, const char **user, size_t *user_len,
            const char **pw, size_t *pw_len)
{
    int bad = 0;

    *user = jotd_req_string(r, "username", user_len, &bad);
    *pw = bad ? NULL : jotd_req_string(r, "password", pw_len, &bad);
    if (bad)
        return -1;
    if (*user == NULL || *pw == NULL) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                        "username and password are required");
        return -1;
    }
    return 0;
}

/* The refresh cookie of API.md; max_age 0 clears it. */
static void
set_cookie(struct jotd_req *r, const char *token, int64_t max_age)
{
    char cookie[JOT_MAX_TOKEN_LEN + 128];
    int n;

    if (!r->cfg->refresh_cookie)
        return;
    n = snprintf(cookie, sizeof cookie,
                 REFRESH_COOKIE "=%s; Path=/v1/auth; Max-Age=%lld; HttpOnly;"
                 " Secure; SameSite=Strict", token, (long long)max_age);
    if (n > 0 && (size_t)n < sizeof cookie)
        jotd_resp_header(r, "Set-Cookie", cookie);
}

/* 200 with the token response, the cookie, and no caching. */
static int
answer_tokens(struct jotd_req *r, const struct jotd_user *u,
              const struct jotd_session *s, int64_t now)
{
    struct jotd_token_pair pair;

    if (jotd_tokens_issue(r->j, r->cfg, u, s, now, &pair) != 0) {
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "cannot issue tokens");
        return -1;
    }
    jotd_resp_json_text(r, 200, jotd_tokens_response(&pair, s->id));
    jotd_resp_header(r, "Cache-Control", "no-store");
    jotd_resp_header(r, "Pragma", "no-cache");
    set_cookie(r, pair.refresh, pair.refresh_expires_in);
    jotd_tokens_clear(&pair);
    return 0;
}

/* ---- POST /v1/users ------------------------------------------------ */

void
jotd_h_users_create(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    struct jotd_user u;
    const char *name, *pw;
    size_t name_len, pw_len;
    jotd_err err;

    if (credentials(r, &name, &name_len, &pw, &pw_len) != 0)
        return;
    jotd_op_of(r, st, &op);
    err = jotd_account_create(&op, name, name_len, pw, pw_len, NULL, 0, &u);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err,
                         err == JOTD_ERR_CONFLICT ? "username already taken"
                                                  : NULL,
                         0);
        return;
    }
    jotd_audit(st, r->ip, "user_created", u.id, NULL, NULL);
    jotd_resp_json(r, 201, jotd_account_json(&u));
}

/* ---- POST /v1/auth/login ------------------------------------------- */

static int
new_session(struct jotd_req *r, jotd_store *st, const struct jotd_user *u,
            int64_t now, struct jotd_session *s)
{
    const char *ua = jotd_req_header(r, "User-Agent");

    memset(s, 0, sizeof *s);
    if (jotd_uuid(s->id) != 0)
        return -1;
    memcpy(s->user_id, u->id, sizeof s->user_id);
    s->gen = 1;
    s->created_at = s->last_used_at = s->rotated_at = now;
    s->expires_at = jotd_tokens_refresh_expiry(r->cfg, now, now);
    snprintf(s->user_agent, sizeof s->user_agent, "%s", ua ? ua : "");
    snprintf(s->ip, sizeof s->ip, "%s", r->ip);
    return st->ops->session_create(st, s) == JOTD_STORE_OK ? 0 : -1;
}

void
jotd_h_login(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    const char *name, *pw;
    size_t name_len, pw_len;
    struct jotd_user u;
    struct jotd_session s;
    int64_t retry;
    jotd_err err;

    if (credentials(r, &name, &name_len, &pw, &pw_len) != 0)
        return;
    jotd_op_of(r, st, &op);
    err = jotd_account_authenticate(&op, name, name_len, pw, pw_len, &u,
                                    &retry);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err, NULL, retry);
        return;
    }
    if (new_session(r, st, &u, op.now, &s) != 0) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_audit(st, r->ip, "login", u.id, s.id, NULL);
    answer_tokens(r, &u, &s, op.now);
}

/* ---- POST /v1/auth/refresh ----------------------------------------- */

static int
origin_allowed(const struct jotd_config *cfg, const char *origin)
{
    size_t i;

    for (i = 0; i < cfg->n_allowed_origins; i++)
        if (strcmp(cfg->allowed_origins[i], origin) == 0)
            return 1;
    return 0;
}

/* Finds the refresh token (body, then cookie) and applies the CSRF
 * guard to a cookie-only request.  NULL when it has answered. */
static const char *
refresh_token(struct jotd_req *r, size_t *len)
{
    const char *tok, *origin, *xrw;
    int bad = 0;

    tok = jotd_req_string(r, "refresh_token", len, &bad);
    if (bad)
        return NULL;
    if (tok != NULL)
        return tok;
    tok = jotd_req_cookie(r, REFRESH_COOKIE);
    if (tok == NULL || *tok == '\0') {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                        "refresh_token is required");
        return NULL;
    }
    /* A cookie is sent by the browser on its own: make sure the page
     * that asked is ours (API.md, CSRF guard). */
    origin = jotd_req_header(r, "Origin");
    xrw = jotd_req_header(r, "X-Requested-With");
    if (origin != NULL ? !origin_allowed(r->cfg, origin)
                       : (xrw == NULL || *xrw == '\0')) {
        jotd_resp_fail(r, JOTD_ERR_FORBIDDEN, "cross-site request refused");
        return NULL;
    }
    *len = strlen(tok);
    return tok;
}

/* API.md: a presented access token must verify (expired or not) and
 * belong to the same session and user.  -1 when it does not. */
static int
presented_access_ok(struct jotd_req *r, const char *sid, const char *sub)
{
    struct jotd_access_view v;
    struct jotd_principal who;
    const char *tok;
    size_t len;

    tok = jotd_bearer_token(jotd_req_header(r, "Authorization"), &len);
    if (tok == NULL)
        return 0;               /* absent, or another scheme: ignored */
    jotd_access_view_now(r->j, r->epoch, r->cfg, &v);
    v.revoked = NULL;           /* the session row is read next anyway */
    if (jotd_access_check(&v, tok, len, jotd_now_ms() / 1000,
                          JOTD_ACCESS_IGNORE_TIME, &who) != JOT_OK)
        return -1;
    return strcmp(who.sid, sid) == 0 && strcmp(who.sub, sub) == 0 ? 0 : -1;
}

static void
invalid_grant(struct jotd_req *r, const char *why)
{
    jotd_resp_fail(r, JOTD_ERR_GRANT, why);
}

/*
 * Decides what a refresh token of generation gen gets from session s:
 * 1 rotate, 0 answer with the current generation (grace), -1 reuse.
 */
static int
judge(const struct jotd_config *cfg, const struct jotd_session *s,
      int64_t gen, int64_t now)
{
    if (gen == s->gen)
        return 1;
    /* API.md: one generation behind and within the grace period is a
     * race between two requests of the same client, not a theft. */
    if (gen == s->gen - 1 &&
        (double)(now - s->rotated_at) < cfg->refresh_reuse_grace * 1000.0)
        return 0;
    return -1;
}

void
jotd_h_refresh(struct jotd_req *r, jotd_store *st)
{
    const char *tok, *sid = NULL, *sub = NULL;
    struct jotd_session s;
    struct jotd_user u;
    jot_jwt *jwt = NULL;
    int64_t gen = 0, now = jotd_now_ms();
    enum jotd_store_result sr;
    size_t len;
    jot_err err;
    int tries, verdict = -1;

    tok = refresh_token(r, &len);
    if (tok == NULL)
        return;
    err = jotd_tokens_verify_refresh(r->j, r->cfg, tok, len, &jwt);
    if (err != JOT_OK) {
        if (jotd_access_describe(err) == NULL)
            jotd_resp_fail(r, JOTD_ERR_INTERNAL, "cannot check the token");
        else
            invalid_grant(r, jotd_access_describe(err));
        return;
    }
    if (jot_jwt_claim_string(jwt, "sid", &sid) != JOT_OK ||
        jot_jwt_claim_string(jwt, "sub", &sub) != JOT_OK ||
        jot_jwt_claim_int(jwt, "gen", &gen) != JOT_OK) {
        invalid_grant(r, "missing or invalid claim");
        goto out;
    }
    if (presented_access_ok(r, sid, sub) != 0) {
        invalid_grant(r, "access token does not match the refresh token");
        goto out;
    }
    /* Read, judge, and rotate with a compare-and-set; a lost race means
     * another request rotated first, so read again and judge anew. */
    for (tries = 0; tries < 3; tries++) {
        sr = st->ops->session_get(st, sid, &s);
        if (sr == JOTD_STORE_ERROR) {
            jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
            goto out;
        }
        if (sr != JOTD_STORE_OK || strcmp(s.user_id, sub) != 0) {
            invalid_grant(r, "unknown session");
            goto out;
        }
        if (s.revoked_at != 0) {
            invalid_grant(r, "session revoked");
            goto out;
        }
        if (now >= s.expires_at) {
            invalid_grant(r, "session expired");
            goto out;
        }
        verdict = judge(r->cfg, &s, gen, now);
        if (verdict <= 0)
            break;
        sr = st->ops->session_rotate(st, sid, gen, now,
                                     jotd_tokens_refresh_expiry(
                                         r->cfg, s.created_at, now));
        if (sr == JOTD_STORE_OK) {
            s.gen = gen + 1;
            s.rotated_at = s.last_used_at = now;
            s.expires_at = jotd_tokens_refresh_expiry(r->cfg,
                                                      s.created_at, now);
            break;
        }
        if (sr == JOTD_STORE_ERROR) {
            jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
            goto out;
        }
        verdict = -1;           /* lost the race: judge again */
    }
    if (verdict < 0) {
        /* API.md: reuse revokes the whole session, newest token too. */
        st->ops->session_revoke(st, sid, "reuse", now);
        jotd_revoked_add(r->j, sid);
        jotd_audit(st, r->ip, "refresh_reuse", sub, sid, NULL);
        invalid_grant(r, "refresh token reuse detected");
        goto out;
    }
    sr = st->ops->user_get(st, sub, &u);
    if (sr != JOTD_STORE_OK || u.disabled) {
        if (sr == JOTD_STORE_ERROR)
            jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        else
            invalid_grant(r, "account unavailable");
        goto out;
    }
    /* A routine refresh goes to the log only: an audit row would be a
     * second write transaction on the busiest write path, and the
     * session row already records when it was last used. */
    jotd_audit(NULL, r->ip, verdict ? "refresh" : "refresh_grace", sub, sid,
               NULL);
    answer_tokens(r, &u, &s, now);
out:
    jot_jwt_free(jwt);
}

/* ---- POST /v1/auth/logout ------------------------------------------ */

void
jotd_h_logout(struct jotd_req *r, jotd_store *st)
{
    const char *scope = jotd_req_query(r, "scope");
    int64_t now = jotd_now_ms();
    enum jotd_store_result sr;
    size_t n = 0;

    if (scope == NULL)
        scope = "local";
    if (strcmp(scope, "local") == 0)
        sr = st->ops->session_revoke(st, r->who.sid, "logout", now);
    else if (strcmp(scope, "global") == 0)
        sr = st->ops->session_revoke_user(st, r->who.sub, NULL, "logout",
                                          now, &n);
    else if (strcmp(scope, "others") == 0)
        sr = st->ops->session_revoke_user(st, r->who.sub, r->who.sid,
                                          "logout", now, &n);
    else {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                        "scope must be local, global or others");
        return;
    }
    if (sr == JOTD_STORE_ERROR) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    /* This node refuses the session's tokens at once; the others within
     * revocation_sync seconds. */
    if (strcmp(scope, "others") != 0)
        jotd_revoked_add(r->j, r->who.sid);
    jotd_audit(st, r->ip, "logout", r->who.sub, r->who.sid, scope);
    jotd_resp_empty(r, 204);
    set_cookie(r, "", 0);
}
