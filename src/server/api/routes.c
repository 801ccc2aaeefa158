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
    {"GET", "/metrics", jotd_h_metrics, NULL, 0},
};
const size_t jotd_n_routes = sizeof jotd_routes / sizeof *jotd_routes;

const struct jotd_route jotd_metrics_routes[] = {
    {"GET", "/metrics", jotd_h_metrics_only, NULL, 0},
};
const size_t jotd_n_metrics_routes =
    sizeof jotd_metrics_routes / sizeof *jotd_metrics_routes;
