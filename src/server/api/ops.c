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

/*
 * GET /healthz: 200 while the database takes reads and writes; 503 when
 * it does not answer, refuses writes (a lock held by another process, a
 * standby), or a write failed lately and none worked since (a full
 * disk, which no probe sees: SQLite writes into the room its WAL file
 * has, and fails only when that file must grow).
 */
void
jotd_h_health(struct jotd_req *r, jotd_store *st)
{
    const char *why = NULL;

    if (st->ops->ping(st) != JOTD_STORE_OK)
        why = "database unreachable";
    else if (st->ops->writable(st) != JOTD_STORE_OK ||
             jotd_db_write_failing(&r->j->db, jotd_now_ms()))
        why = "database refuses writes";
    if (why == NULL) {
        jotd_resp_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "db",
                                         "ok"));
        return;
    }
    jotd_resp_json(r, 503, json_pack("{s:s, s:s, s:s, s:s}", "status",
                                     "unavailable", "db", "down", "error",
                                     "unavailable", "error_description",
                                     why));
    /* API.md: every 503 says when to come back. */
    jotd_resp_header(r, "Retry-After", "1");
}
