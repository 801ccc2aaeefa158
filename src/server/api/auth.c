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

/* Answers a failed password check or hash; 0 when there was none. */
static int
password_error(struct jotd_req *r, jotd_err err)
{
    if (err == JOTD_OK)
        return 0;
    jotd_resp_fail(r, err, NULL);
    return -1;
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
    const struct jotd_config *cfg = r->cfg;
    struct jotd_user u;
    const char *name, *pw;
    size_t name_len, pw_len;
    enum jotd_store_result sr;

    if (credentials(r, &name, &name_len, &pw, &pw_len) != 0)
        return;
    memset(&u, 0, sizeof u);
    if (jotd_username_key(name, name_len, u.username_key) != 0) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                        "username must be 1-64 bytes of UTF-8 text");
        return;
    }
    memcpy(u.username, name, name_len);
    if (password_error(r, jotd_password_check(cfg, pw, pw_len)) != 0 ||
        password_error(r, jotd_password_hash_bounded(r->j, cfg, pw, pw_len,
                                                  u.password_hash)) != 0)
        return;
    if (jotd_uuid(u.id) != 0) {
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "no randomness");
        return;
    }
    snprintf(u.roles, sizeof u.roles, "[\"user\"]");
    u.created_at = u.updated_at = jotd_now_ms();
    sr = st->ops->user_create(st, &u);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (sr == JOTD_STORE_CONFLICT) {
        jotd_resp_fail(r, JOTD_ERR_CONFLICT, "username already taken");
        return;
    }
    if (sr != JOTD_STORE_OK) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_audit(st, r->ip, "user_created", u.id, NULL, NULL);
    jotd_resp_json(r, 201, jotd_user_json(&u));
}

/* ---- POST /v1/auth/login ------------------------------------------- */

/* Checks the password of the user named key, or spends the same time on
 * a dummy when there is no such user.  1 when the login may proceed. */
static int
check_login(struct jotd_req *r, jotd_store *st, const char *key,
            const char *pw, size_t pw_len, struct jotd_user *u, int *db_down)
{
    enum jotd_store_result sr = st->ops->user_get_by_name(st, key, u);
    int ok = 0;

    *db_down = sr == JOTD_STORE_ERROR;
    if (*db_down)
        return 0;
    if (sr == JOTD_STORE_OK)
        ok = jotd_password_verify_bounded(r->j, u->password_hash, pw,
                                          pw_len) == JOTD_OK;
    else
        jotd_password_dummy_verify_bounded(r->j, r->cfg, pw, pw_len);
    /* A disabled account fails like a wrong password, after the same
     * work, so the answer tells nothing about which it was. */
    return ok && !u->disabled;
}

/* Rehashes a password stored with other parameters (DESIGN.md). */
static void
maybe_rehash(struct jotd_req *r, jotd_store *st, struct jotd_user *u,
             const char *pw, size_t pw_len, int64_t now)
{
    char hash[JOTD_HASH_MAX];

    if (!jotd_password_needs_rehash(r->cfg, u->password_hash) ||
        jotd_password_check(r->cfg, pw, pw_len) != JOTD_OK ||
        jotd_password_hash_bounded(r->j, r->cfg, pw, pw_len, hash) != JOTD_OK)
        return;
    snprintf(u->password_hash, sizeof u->password_hash, "%s", hash);
    if (st->ops->user_update(st, u, now) == JOTD_STORE_OK)
        jotd_audit(st, r->ip, "password_rehashed", u->id, NULL, NULL);
    jot_wipe(hash, sizeof hash);
}

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
    const struct jotd_config *cfg = r->cfg;
    char key[JOTD_USERNAME_MAX + 1];
    const char *name, *pw;
    size_t name_len, pw_len;
    struct jotd_user u;
    struct jotd_session s;
    int64_t now = jotd_now_ms(), retry;
    jotd_err err;
    int db_down;

    if (credentials(r, &name, &name_len, &pw, &pw_len) != 0)
        return;
    if (jotd_username_key(name, name_len, key) != 0 ||
        pw_len > JOTD_PASSWORD_MAX) {
        jotd_resp_fail(r, JOTD_ERR_CREDENTIALS,
                        "invalid username or password");
        return;
    }
    err = jotd_throttle_gate(st, cfg, key, r->ip, now, &retry);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err, NULL, retry);
        return;
    }
    memset(&u, 0, sizeof u);
    if (!check_login(r, st, key, pw, pw_len, &u, &db_down)) {
        if (db_down) {
            jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
            return;
        }
        jotd_throttle_fail(st, cfg, key, r->ip, now);
        jotd_audit(st, r->ip, "login_failed", u.id[0] ? u.id : NULL, NULL, NULL);
        jotd_resp_fail(r, JOTD_ERR_CREDENTIALS,
                        "invalid username or password");
        return;
    }
    jotd_throttle_success(st, key, r->ip, now);
    maybe_rehash(r, st, &u, pw, pw_len, now);
    if (new_session(r, st, &u, now, &s) != 0) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_audit(st, r->ip, "login", u.id, s.id, NULL);
    answer_tokens(r, &u, &s, now);
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
