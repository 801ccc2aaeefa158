/*
 * auth.c - sign-up, login, refresh and logout (API.md "Accounts
 * and sessions").  These run on the worker pool: they hash passwords or
 * talk to the database, through core/accounts.c and core/sessions.c.
 */
#include <stdio.h>
#include <string.h>

#include "api/guards.h"
#include "api/routes.h"
#include "core/audit.h"
#include "core/sessions.h"
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
static void
answer_tokens(struct jotd_req *r, const struct jotd_user *u,
              const struct jotd_session *s, int64_t now)
{
    struct jotd_token_pair pair;

    if (jotd_tokens_issue(r->j, r->cfg, u, s, now, &pair) != 0) {
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "cannot issue tokens");
        return;
    }
    jotd_resp_json_text(r, 200, jotd_tokens_response(&pair, s->id));
    jotd_resp_header(r, "Cache-Control", "no-store");
    jotd_resp_header(r, "Pragma", "no-cache");
    set_cookie(r, pair.refresh, pair.refresh_expires_in);
    jotd_tokens_clear(&pair);
}

/* ---- POST /v1/users ------------------------------------------------ */

void
jotd_h_users_create(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    struct jotd_user u;
    const char *name, *pw;
    size_t name_len, pw_len;
    int64_t retry = 0;
    jotd_err err;

    if (credentials(r, &name, &name_len, &pw, &pw_len) != 0)
        return;
    jotd_op_of(r, st, &op);
    /* Open sign-up is counted per address before any hash is made, so
     * that a flood of it, and the 409 that tells a taken name, cost one
     * place of signup_max each.  With registration = admin only an
     * admin gets this far. */
    err = r->cfg->registration == JOTD_REG_OPEN
              ? jotd_throttle_signup(st, r->cfg, r->ip, op.now, &retry)
              : JOTD_OK;
    if (err == JOTD_OK)
        err = jotd_account_create(&op, name, name_len, pw, pw_len, NULL, 0,
                                  &u);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err,
                         err == JOTD_ERR_CONFLICT ? "username already taken"
                                                  : NULL,
                         retry);
        return;
    }
    jotd_audit(st, r->ip, "user_created", u.id, NULL, NULL);
    jotd_resp_json(r, 201, jotd_account_json(&u));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* ---- POST /v1/auth/login ------------------------------------------- */

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
    err = jotd_session_login(&op, name, name_len, pw, pw_len,
                             jotd_req_header(r, "User-Agent"), NULL, &u,
                             &s, &retry);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err, NULL, retry);
        return;
    }
    answer_tokens(r, &u, &s, op.now);
}

/* ---- POST /v1/auth/refresh ----------------------------------------- */

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
    if (origin != NULL ? !jotd_config_origin_listed(r->cfg, origin)
                       : (xrw == NULL || *xrw == '\0')) {
        jotd_resp_fail(r, JOTD_ERR_FORBIDDEN, "cross-site request refused");
        return NULL;
    }
    *len = strlen(tok);
    return tok;
}

void
jotd_h_refresh(struct jotd_req *r, jotd_store *st)
{
    enum jotd_refresh_verdict verdict;
    const char *tok, *access, *why;
    struct jotd_session s;
    struct jotd_user u;
    struct jotd_op op;
    size_t len, access_len;
    jotd_err err;

    tok = refresh_token(r, &len);
    if (tok == NULL)
        return;
    /* Absent, or another scheme: no access token is presented. */
    access = jotd_bearer_token(jotd_req_header(r, "Authorization"),
                               &access_len);
    jotd_op_of(r, st, &op);
    err = jotd_session_refresh(&op, tok, len, access, access_len, &u, &s,
                               &verdict, &why);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, why);
        return;
    }
    answer_tokens(r, &u, &s, op.now);
}

/* ---- POST /v1/auth/logout ------------------------------------------ */

void
jotd_h_logout(struct jotd_req *r, jotd_store *st)
{
    enum jotd_logout_scope scope;
    struct jotd_op op;
    jotd_err err;

    if (jotd_logout_scope_of(jotd_req_query(r, "scope"), &scope) !=
        JOTD_OK) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       "scope must be local, global or others");
        return;
    }
    jotd_op_of(r, st, &op);
    err = jotd_session_logout(&op, r->who.sub, r->who.sid, scope);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, NULL);
        return;
    }
    jotd_resp_empty(r, 204);
    set_cookie(r, "", 0);
}
