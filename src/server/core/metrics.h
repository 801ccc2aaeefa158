/*
 * metrics.h - the counters behind GET /metrics, and their rendering in
 * the Prometheus text exposition format (version 0.0.4).
 *
 * Every counter is a C11 atomic bumped with relaxed ordering: a scrape
 * needs no lock and no request waits for one, and a scrape that runs
 * while requests complete may see one counter a step ahead of another,
 * which Prometheus tolerates.  Nothing here knows of HTTP: the request
 * hook (http/server.c, as an answer is queued) hands in a route number,
 * a status and a duration, and the
 * handler (api/metrics.c) hands in the route names and the gauges it
 * read, so the rendering is a pure function the unit tests can drive.
 *
 * No label carries a user id, a session id, a username or a token: the
 * labels are route patterns, methods, status codes and fixed words.
 */
#ifndef JOTD_METRICS_H
#define JOTD_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Routes a table may have; jotd_http_start refuses a larger one. */
#define JOTD_METRICS_MAX_ROUTES 64

/* The latency buckets, upper bounds in microseconds (+Inf follows). */
#define JOTD_METRICS_BUCKETS_US \
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, \
        1000000, 2500000, 5000000, 10000000
#define JOTD_METRICS_N_BUCKETS 13

/* The statuses counted on their own; others are counted as "other". */
#define JOTD_METRICS_STATUSES \
    200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 413, \
        415, 429, 431, 500, 501, 503
#define JOTD_METRICS_N_STATUSES 20

/* Why a refresh token was a reuse (API.md "Tokens"). */
enum jotd_reuse_cause {
    JOTD_REUSE_SUPERSEDED,  /* an older generation, past the grace */
    JOTD_REUSE_REVOKED,     /* a token of a revoked session */
    JOTD_REUSE_EXPIRED,     /* a token of an expired session */
    JOTD_N_REUSE            /* not a cause */
};

/* The revocation reasons of the store, by name; others are "other". */
#define JOTD_METRICS_REASONS "logout", "reuse", "disabled", "password", \
    "deleted", "admin", "other"
#define JOTD_METRICS_N_REASONS 7

typedef atomic_uint_fast64_t jotd_counter;

/* The counters of one route (or of the requests no route matched). */
struct jotd_metrics_route {
    jotd_counter by_status[JOTD_METRICS_N_STATUSES + 1];   /* + other */
    jotd_counter buckets[JOTD_METRICS_N_BUCKETS + 1];      /* + +Inf;
                                                            * not
                                                            * cumulative */
    jotd_counter sum_us;
};

struct jotd_metrics {
    /* [JOTD_METRICS_MAX_ROUTES]: no route matched (404, 405, refused). */
    struct jotd_metrics_route routes[JOTD_METRICS_MAX_ROUTES + 1];
    jotd_counter logins_ok, logins_failed;
    jotd_counter refreshes, grace;
    jotd_counter reuse[JOTD_N_REUSE];
    jotd_counter revoked[JOTD_METRICS_N_REASONS];
    jotd_counter throttled;
    /* Gauges kept as two counters, so that neither goes below zero
     * however the threads interleave: now = started - finished. */
    jotd_counter hash_started, hash_finished;
    jotd_counter hash_waits, hash_waited;
};

/* A route's name in the output (both borrowed, static). */
struct jotd_metrics_name {
    const char *method;
    const char *pattern;
};

/* What the handler reads for a scrape, besides the counters. */
struct jotd_metrics_gauges {
    uint64_t hash_queued;       /* HASH lane jobs waiting for a worker */
    uint64_t db_errors_read, db_errors_write;
    uint64_t revoked_set;       /* sessions in this node's revoked set */
    int have_key;               /* 0: no signing key (key age left out) */
    double key_age;             /* seconds since the signer was activated */
};

static inline void
jotd_metric_add(jotd_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline void
jotd_metric_inc(jotd_counter *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* A request is done: route number route (JOTD_METRICS_MAX_ROUTES or
 * above for none), its status, and how long it took (us; below 0 is
 * taken as 0).  A 429 also counts as a throttle hit. */
void jotd_metrics_request(struct jotd_metrics *m, size_t route,
                          unsigned status, int64_t duration_us);

/* n sessions were revoked for reason (a store reason: "logout", ...). */
void jotd_metrics_revoked(struct jotd_metrics *m, const char *reason,
                          uint64_t n);

/* The index of a bucket for duration_us (JOTD_METRICS_N_BUCKETS for
 * +Inf), of a status (JOTD_METRICS_N_STATUSES for other): for tests. */
size_t jotd_metrics_bucket_of(int64_t duration_us);
size_t jotd_metrics_status_of(unsigned status);

/*
 * Escapes a label value (RFC-less, the exposition format's rule: '\\',
 * '"' and newline become \\, \" and \n) into out (cap bytes,
 * NUL-terminated).  -1 when it does not fit (out is then "").
 */
int jotd_metrics_escape(const char *value, char *out, size_t cap);

/*
 * Renders m, the names of its n_routes routes (borrowed; n_routes at
 * most JOTD_METRICS_MAX_ROUTES) and g into *out (malloc'd,
 * NUL-terminated; the caller frees it), *out_len its length.
 * JOTD_ERR_NOMEM, JOTD_ERR_INVALID for too many routes.
 */
jotd_err jotd_metrics_render(const struct jotd_metrics *m,
                             const struct jotd_metrics_name *names,
                             size_t n_routes,
                             const struct jotd_metrics_gauges *g,
                             char **out, size_t *out_len);

#endif /* JOTD_METRICS_H */
