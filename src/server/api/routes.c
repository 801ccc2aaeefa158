/*
 * routes.c - the routing table: each route's method, path pattern,
 * handler, guard and flags (see http/http.h and http/router.h).
 */
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "api/guards.h"
#include "core/log.h"
#include "api/routes.h"
#include "core/throttle.h"

#define ASYNC JOTD_ROUTE_ASYNC
#define JSON JOTD_ROUTE_JSON
#define JSON_OPT JOTD_ROUTE_JSON_OPT

const struct jotd_route jotd_routes[] = {
    {"POST", "/v1/users", jotd_h_users_create, jotd_guard_signup,
     ASYNC | JSON},
    {"POST", "/v1/auth/login", jotd_h_login, NULL, ASYNC | JSON},
    {"POST", "/v1/auth/refresh", jotd_h_refresh, NULL, ASYNC | JSON_OPT},
    {"POST", "/v1/auth/logout", jotd_h_logout, jotd_guard_bearer, ASYNC},
    {"GET", "/v1/me", jotd_h_me, jotd_guard_bearer, ASYNC},
    {"POST", "/v1/me/password", jotd_h_password, jotd_guard_bearer,
     ASYNC | JSON},
    {"GET", "/v1/me/sessions", jotd_h_sessions, jotd_guard_bearer, ASYNC},
    {"DELETE", "/v1/me/sessions/{id}", jotd_h_session_delete,
     jotd_guard_bearer, ASYNC},
    {"GET", "/v1/verify", jotd_h_verify, jotd_guard_bearer, 0},
    {"GET", "/.well-known/jwks.json", jotd_h_jwks, NULL, 0},
    {"GET", "/.well-known/openid-configuration", jotd_h_discovery, NULL, 0},
    {"GET", "/.well-known/oauth-authorization-server", jotd_h_discovery,
     NULL, 0},
    {"GET", "/healthz", jotd_h_health, NULL, ASYNC},
};
const size_t jotd_n_routes = sizeof jotd_routes / sizeof *jotd_routes;

/* ---- shared helpers ------------------------------------------------ */

static sem_t hash_slots;

void
jotd_hash_slots_init(unsigned n)
{
    sem_init(&hash_slots, 0, n ? n : 1);
}

void
jotd_hash_slot_take(void)
{
    while (sem_wait(&hash_slots) != 0)
        ;                       /* EINTR */
}

void
jotd_hash_slot_give(void)
{
    sem_post(&hash_slots);
}

int
jotd_throttle_gate(struct jotd_req *r, jotd_store *st, const char *user_key,
                   int64_t now)
{
    char retry_s[32];
    int64_t retry;
    int rc = jotd_throttle_check(st, r->cfg, user_key, r->ip, now, &retry);

    if (rc == 0)
        return 0;
    if (rc < 0) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return -1;
    }
    snprintf(retry_s, sizeof retry_s, "%lld", (long long)retry);
    jotd_resp_fail(r, JOTD_ERR_THROTTLED,
                    "too many failed attempts, retry later");
    jotd_resp_header(r, "Retry-After", retry_s);
    jotd_audit(st, r, "throttled", NULL, NULL, NULL);
    return -1;
}

json_t *
jotd_user_json(const struct jotd_user *u)
{
    json_error_t e;
    json_t *roles = json_loads(u->roles, 0, &e);
    char created[32];

    if (!json_is_array(roles)) {
        json_decref(roles);
        roles = json_array();
    }
    jotd_rfc3339(u->created_at, created);
    return json_pack("{s:s, s:s, s:o, s:s}", "id", u->id, "username",
                     u->username, "roles", roles, "created_at", created);
}

void
jotd_audit(jotd_store *st, struct jotd_req *r, const char *kind,
           const char *user_id, const char *session_id, const char *detail)
{
    jotd_log_audit(kind, user_id, session_id, r->ip, detail);
    if (st != NULL)
        st->ops->audit(st, jotd_now_ms(), kind, user_id, session_id, r->ip,
                       detail);
}
