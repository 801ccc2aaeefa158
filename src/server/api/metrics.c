/*
 * metrics.c - GET /metrics: the counters of core/metrics.h in the
 * Prometheus text format, with the gauges read at scrape time.
 */
#include <stdlib.h>

#include "api/routes.h"
#include "core/keys.h"
#include "core/revocation.h"
#include "http/workers.h"

/* The exposition format's version 0.0.4 names itself so. */
#define TEXT_0_0_4 "text/plain; version=0.0.4; charset=utf-8"

static void
scrape(struct jotd_req *r)
{
    struct jotd_metrics_name names[JOTD_METRICS_MAX_ROUTES];
    struct jotd_metrics_gauges g = {0};
    const struct jotd_keys *keys = jotd_keys_current(r->j);
    size_t i, n = jotd_n_routes, len = 0;
    char *text = NULL;

    /* The counters are numbered by the main table's routes. */
    for (i = 0; i < n && i < JOTD_METRICS_MAX_ROUTES; i++) {
        names[i].method = jotd_routes[i].method;
        names[i].pattern = jotd_routes[i].pattern;
    }
    g.hash_queued = jotd_workers_queued(r->j->workers, JOTD_LANE_HASH);
    jotd_db_failures(&r->j->db, &g.db_errors_read, &g.db_errors_write);
    g.revoked_set = jotd_revoked_count(jotd_revoked_current(r->j));
    if (keys != NULL && keys->signer != NULL && keys->active_at > 0) {
        int64_t age = jotd_now_ms() - keys->active_at;

        g.have_key = 1;
        g.key_age = age > 0 ? (double)age / 1000.0 : 0.0;
    }
    if (jotd_metrics_render(&r->j->metrics, names, n, &g, &text, &len) !=
        JOTD_OK) {
        jotd_resp_fail(r, JOTD_ERR_NOMEM, NULL);
        return;
    }
    jotd_resp_clear(&r->resp);
    r->resp.status = 200;
    r->resp.body = text;
    r->resp.body_len = len;
    r->resp.content_type = TEXT_0_0_4;
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* GET /metrics on the main listener: with metrics = off, or on a
 * listener of its own, the same 404 as a path no route has. */
void
jotd_h_metrics(struct jotd_req *r, jotd_store *st)
{
    (void)st;
    if (r->cfg->metrics != JOTD_METRICS_ON) {
        jotd_resp_fail(r, JOTD_ERR_NOT_FOUND, "no such resource");
        return;
    }
    scrape(r);
}

/* GET /metrics on the listener of metrics = ADDR. */
void
jotd_h_metrics_only(struct jotd_req *r, jotd_store *st)
{
    (void)st;
    scrape(r);
}
