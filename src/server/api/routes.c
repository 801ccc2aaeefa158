/*
 * routes.c - the routing table: each route's method, path pattern,
 * handler, guard and flags (see http/http.h and http/router.h).
 */
#include "api/guards.h"
#include "api/routes.h"

#define ASYNC JOTD_ROUTE_ASYNC
#define JSON JOTD_ROUTE_JSON
#define JSON_OPT JOTD_ROUTE_JSON_OPT
#define HASH JOTD_ROUTE_HASH
#define FORM JOTD_ROUTE_FORM

const struct jotd_route jotd_routes[] = {
    {"POST", "/v1/users", jotd_h_users_create, jotd_guard_signup,
     ASYNC | HASH | JSON},
    {"POST", "/v1/auth/login", jotd_h_login, NULL, ASYNC | HASH | JSON},
    {"POST", "/v1/auth/refresh", jotd_h_refresh, NULL, ASYNC | JSON_OPT},
    {"POST", "/v1/auth/logout", jotd_h_logout, jotd_guard_bearer, ASYNC},
    {"GET", "/v1/me", jotd_h_me, jotd_guard_bearer, ASYNC},
    {"POST", "/v1/me/password", jotd_h_password, jotd_guard_bearer,
     ASYNC | HASH | JSON},
    {"GET", "/v1/me/sessions", jotd_h_sessions, jotd_guard_bearer, ASYNC},
    {"DELETE", "/v1/me/sessions/{id}", jotd_h_session_delete,
     jotd_guard_bearer, ASYNC},
    {"GET", "/v1/verify", jotd_h_verify, jotd_guard_bearer, 0},
    {"GET", "/.well-known/jwks.json", jotd_h_jwks, NULL, 0},
    {"GET", "/.well-known/openid-configuration", jotd_h_discovery, NULL, 0},
    {"GET", "/.well-known/oauth-authorization-server", jotd_h_discovery,
     NULL, 0},
    {"GET", "/healthz", jotd_h_health, NULL, ASYNC},
    /* The password grant hashes, so the endpoint runs on that lane. */
    {"POST", "/oauth/token", jotd_h_oauth_token, NULL, ASYNC | HASH | FORM},
    {"POST", "/oauth/revoke", jotd_h_oauth_revoke, NULL, ASYNC | FORM},
    {"POST", "/oauth/introspect", jotd_h_oauth_introspect, jotd_guard_admin,
     ASYNC | FORM},
    {"GET", "/v1/admin/users", jotd_h_admin_users, jotd_guard_admin, ASYNC},
    {"POST", "/v1/admin/users", jotd_h_admin_users_create, jotd_guard_admin,
     ASYNC | HASH | JSON},
    {"GET", "/v1/admin/users/{id}", jotd_h_admin_user, jotd_guard_admin,
     ASYNC},
    {"PATCH", "/v1/admin/users/{id}", jotd_h_admin_user_patch,
     jotd_guard_admin, ASYNC | HASH | JSON},
    {"DELETE", "/v1/admin/users/{id}", jotd_h_admin_user_delete,
     jotd_guard_admin, ASYNC},
    {"GET", "/v1/admin/users/{id}/sessions", jotd_h_admin_user_sessions,
     jotd_guard_admin, ASYNC},
    {"DELETE", "/v1/admin/sessions/{id}", jotd_h_admin_session_delete,
     jotd_guard_admin, ASYNC},
    {"GET", "/v1/admin/keys", jotd_h_admin_keys, jotd_guard_admin, ASYNC},
    {"POST", "/v1/admin/keys/rotate", jotd_h_admin_keys_rotate,
     jotd_guard_admin, ASYNC | JSON_OPT},
    {"GET", "/metrics", jotd_h_metrics, NULL, 0},
};
const size_t jotd_n_routes = sizeof jotd_routes / sizeof *jotd_routes;

const struct jotd_route jotd_metrics_routes[] = {
    {"GET", "/metrics", jotd_h_metrics_only, NULL, 0},
};
const size_t jotd_n_metrics_routes =
    sizeof jotd_metrics_routes / sizeof *jotd_metrics_routes;
