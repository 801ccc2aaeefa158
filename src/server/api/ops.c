/*
 * ops.c - the routes of operations: the health check, and the verify
 * endpoint that reverse proxies ask before letting a request through.
 */
#include "api/routes.h"

/* GET /v1/verify: for nginx auth_request and forward-auth proxies; the
 * bearer check already ran, with no database call.  X-Auth-Roles is
 * sent even when empty (API.md: "empty when the user has no role"). */
void
jotd_h_verify(struct jotd_req *r, jotd_store *st)
{
    (void)st;
    jotd_resp_empty(r, 200);
    jotd_resp_header(r, "X-Auth-Subject", r->who.sub);
    jotd_resp_header(r, "X-Auth-Session", r->who.sid);
    jotd_resp_header(r, "X-Auth-Roles", r->who.roles);
    /* The headers name the user and the session: never cached. */
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* GET /healthz: 200 while the database answers, 503 when it does not. */
void
jotd_h_health(struct jotd_req *r, jotd_store *st)
{
    if (st->ops->ping(st) == JOTD_STORE_OK) {
        jotd_resp_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "db",
                                         "ok"));
        return;
    }
    jotd_resp_json(r, 503, json_pack("{s:s, s:s, s:s, s:s}", "status",
                                     "unavailable", "db", "down", "error",
                                     "unavailable", "error_description",
                                     "database unreachable"));
}
