/*
 * oauth.c - the OAuth 2.0 endpoints of API.md "OAuth 2.0 compatibility":
 * the token endpoint with the password and refresh_token grants (RFC
 * 6749 §4.3, §6), revocation (RFC 7009) and introspection (RFC 7662).
 * Each goes through the same core functions as /v1/auth/...: a password
 * grant is a login, throttle included, and a refresh_token grant is a
 * refresh, rotation and reuse detection included.  Bodies are
 * x-www-form-urlencoded, parsed by http/request.c (JOTD_ROUTE_FORM).
 */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/sessions.h"
#include "core/tokeninfo.h"
#include "core/tokens.h"

/* An error of RFC 6749 §5.2, whose codes are not those of the one
 * table of http/response.c. */
static void
oauth_fail(struct jotd_req *r, unsigned status, const char *code,
           const char *description)
{
    jotd_resp_json(r, status,
                   json_pack("{s:s, s:s}", "error", code,
                             "error_description", description));
    jotd_resp_header(r, "Cache-Control", "no-store");
    jotd_resp_header(r, "Pragma", "no-cache");
}

/*
 * The client of a request (RFC 6749 §2.3, §3.2.1): jotd serves public
 * clients only (token_endpoint_auth_methods_supported ["none"]), which
 * may name themselves with client_id.  *client_id gets it, or NULL.
 * -1 when it has answered: a client that tries to authenticate, or a
 * client_id that is no RFC 6749 client_id.
 */
static int
client_of(struct jotd_req *r, const char **client_id)
{
    size_t len = 0;

    *client_id = NULL;
    /* RFC 6749 §5.2: a client that authenticated with the Authorization
     * header is told 401, with the scheme it used. */
    if (jotd_req_header(r, "Authorization") != NULL) {
        oauth_fail(r, 401, "invalid_client",
                   "client authentication is not supported: "
                   "public clients send client_id only");
        jotd_resp_header(r, "WWW-Authenticate", "Basic realm=\"jot\"");
        return -1;
    }
    if (jotd_req_form(r, "client_secret", &len) != NULL) {
        oauth_fail(r, 400, "invalid_client",
                   "client authentication is not supported: "
                   "public clients send client_id only");
        return -1;
    }
    *client_id = jotd_req_form(r, "client_id", &len);
    if (*client_id != NULL &&
        jotd_client_id_check(*client_id, len) != JOTD_OK) {
        *client_id = NULL;
        oauth_fail(r, 400, "invalid_client",
                   "client_id must be 1 to 128 printable ASCII characters");
        return -1;
    }
    return 0;
}

/* A required form parameter; NULL when it has answered 400. */
static const char *
required(struct jotd_req *r, const char *name, size_t *len)
{
    const char *v = jotd_req_form(r, name, len);
    char why[64];
    int n;

    if (v != NULL)
        return v;
    n = snprintf(why, sizeof why, "%s is required", name);
    oauth_fail(r, 400, "invalid_request",
               n > 0 && (size_t)n < sizeof why ? why : "missing parameter");
    return NULL;
}

/* A core failure of the token endpoint: a refused grant is RFC 6749's
 * 400 invalid_grant; the rest (429 with its wait, 503, 500) as the
 * /v1/auth routes answer them. */
static void
grant_fail(struct jotd_req *r, jotd_err err, const char *why,
           int64_t retry_after)
{
    if (err == JOTD_ERR_GRANT || err == JOTD_ERR_CREDENTIALS) {
        oauth_fail(r, 400, "invalid_grant",
                   why != NULL ? why : jotd_strerror(err));
        return;
    }
    jotd_answer_fail(r, err, why, retry_after);
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* RFC 6749 §5.1: the token response, never cached.  No refresh cookie:
 * an OAuth client keeps its tokens itself. */
static void
answer_tokens(struct jotd_req *r, const struct jotd_user *u,
              const struct jotd_session *s, int64_t now)
{
    struct jotd_token_pair pair;

    if (jotd_tokens_issue(r->j, r->cfg, u, s, now, &pair) != JOTD_OK) {
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "cannot issue tokens");
        return;
    }
    jotd_resp_json_text(r, 200, jotd_tokens_response(&pair, s->id));
    jotd_resp_header(r, "Cache-Control", "no-store");
    jotd_resp_header(r, "Pragma", "no-cache");
    jotd_tokens_clear(&pair);
}

/* RFC 6749 §4.3.2: the resource owner's password, as a login. */
static void
password_grant(struct jotd_req *r, jotd_store *st, const char *client_id)
{
    const char *name, *pw;
    size_t name_len, pw_len;
    struct jotd_session s;
    struct jotd_user u;
    struct jotd_op op;
    int64_t retry = 0;
    jotd_err err;

    name = required(r, "username", &name_len);
    pw = name != NULL ? required(r, "password", &pw_len) : NULL;
    if (pw == NULL)
        return;
    jotd_op_of(r, st, &op);
    err = jotd_session_login(&op, name, name_len, pw, pw_len,
                             jotd_req_header(r, "User-Agent"), client_id,
                             &u, &s, &retry);
    if (err != JOTD_OK) {
        grant_fail(r, err, NULL, retry);
        return;
    }
    answer_tokens(r, &u, &s, op.now);
}

/* RFC 6749 §6: a refresh, rotation and reuse rules as API.md's. */
static void
refresh_grant(struct jotd_req *r, jotd_store *st, const char *client_id)
{
    enum jotd_refresh_verdict verdict;
    struct jotd_session s;
    struct jotd_user u;
    struct jotd_op op;
    const char *tok, *why = NULL;
    size_t len;
    jotd_err err;

    tok = required(r, "refresh_token", &len);
    if (tok == NULL)
        return;
    jotd_op_of(r, st, &op);
    err = jotd_session_refresh_client(&op, tok, len, NULL, 0, client_id, &u,
                                      &s, &verdict, &why);
    if (err != JOTD_OK) {
        grant_fail(r, err, why, 0);
        return;
    }
    answer_tokens(r, &u, &s, op.now);
}

/* ---- POST /oauth/token --------------------------------------------- */

void
jotd_h_oauth_token(struct jotd_req *r, jotd_store *st)
{
    const char *client_id, *grant;
    size_t len;

    if (client_of(r, &client_id) != 0)
        return;
    grant = required(r, "grant_type", &len);
    if (grant == NULL)
        return;
    if (strcmp(grant, "password") == 0)
        password_grant(r, st, client_id);
    else if (strcmp(grant, "refresh_token") == 0)
        refresh_grant(r, st, client_id);
    else
        oauth_fail(r, 400, "unsupported_grant_type",
                   "grant_type must be password or refresh_token");
}

/* ---- POST /oauth/revoke -------------------------------------------- */

/* RFC 7009 §2.2: 200 whether or not the token was anyone's, so that the
 * answer tells nothing about it. */
void
jotd_h_oauth_revoke(struct jotd_req *r, jotd_store *st)
{
    const char *client_id, *tok;
    struct jotd_op op;
    size_t len, hint_len;
    jotd_err err;

    if (client_of(r, &client_id) != 0)
        return;
    tok = required(r, "token", &len);
    if (tok == NULL)
        return;
    jotd_op_of(r, st, &op);
    err = jotd_token_revoke(&op, tok, len,
                            jotd_token_hint_of(jotd_req_form(
                                r, "token_type_hint", &hint_len)));
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err, NULL, 0);
        return;
    }
    jotd_resp_empty(r, 200);
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* ---- POST /oauth/introspect ---------------------------------------- */

/* RFC 7662 §2: the caller is an admin (the route's guard); the answer
 * comes from the database and is never cached. */
void
jotd_h_oauth_introspect(struct jotd_req *r, jotd_store *st)
{
    const char *tok;
    struct jotd_op op;
    size_t len, hint_len;
    json_t *doc = NULL;
    jotd_err err;

    jotd_op_of(r, st, &op);
    /* As on the admin routes: the database, not the token's roles,
     * says whether the caller is still an admin. */
    if (jotd_admin_caller(r, &op) != 0)
        return;
    tok = required(r, "token", &len);
    if (tok == NULL)
        return;
    err = jotd_token_introspect(&op, tok, len,
                                jotd_token_hint_of(jotd_req_form(
                                    r, "token_type_hint", &hint_len)),
                                &doc);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err, NULL, 0);
        return;
    }
    jotd_resp_json(r, 200, doc);
    jotd_resp_header(r, "Cache-Control", "no-store");
    jotd_resp_header(r, "Pragma", "no-cache");
}
