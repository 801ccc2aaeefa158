/*
 * metrics.c - the counters of GET /metrics and their text rendering
 * (the Prometheus exposition format 0.0.4: "# HELP", "# TYPE", then one
 * "name{label="value",...} number" line per series).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static const int64_t bucket_us[JOTD_METRICS_N_BUCKETS] = {
    JOTD_METRICS_BUCKETS_US};
static const unsigned statuses[JOTD_METRICS_N_STATUSES] = {
    JOTD_METRICS_STATUSES};
static const char *const reasons[JOTD_METRICS_N_REASONS] = {
    JOTD_METRICS_REASONS};
static const char *const reuse_causes[JOTD_N_REUSE] = {
    [JOTD_REUSE_SUPERSEDED] = "superseded",
    [JOTD_REUSE_REVOKED] = "revoked",
    [JOTD_REUSE_EXPIRED] = "expired",
};

size_t
jotd_metrics_bucket_of(int64_t duration_us)
{
    size_t i;

    /* Prometheus buckets are "less than or equal to" their bound. */
    for (i = 0; i < JOTD_METRICS_N_BUCKETS; i++) {
        if (duration_us <= bucket_us[i])
            return i;
    }
    return JOTD_METRICS_N_BUCKETS;
}

size_t
jotd_metrics_status_of(unsigned status)
{
    size_t i;

    for (i = 0; i < JOTD_METRICS_N_STATUSES; i++) {
        if (statuses[i] == status)
            return i;
    }
    return JOTD_METRICS_N_STATUSES;
}

void
jotd_metrics_request(struct jotd_metrics *m, size_t route, unsigned status,
                     int64_t duration_us)
{
    struct jotd_metrics_route *r =
        &m->routes[route < JOTD_METRICS_MAX_ROUTES ? route
                                                   : JOTD_METRICS_MAX_ROUTES];

    if (duration_us < 0)
        duration_us = 0;
    jotd_metric_inc(&r->by_status[jotd_metrics_status_of(status)]);
    jotd_metric_inc(&r->buckets[jotd_metrics_bucket_of(duration_us)]);
    jotd_metric_add(&r->sum_us, (uint64_t)duration_us);
    if (status == 429)
        jotd_metric_inc(&m->throttled);
}

void
jotd_metrics_revoked(struct jotd_metrics *m, const char *reason, uint64_t n)
{
    size_t i;

    for (i = 0; i + 1 < JOTD_METRICS_N_REASONS; i++) {
        if (strcmp(reasons[i], reason) == 0)
            break;
    }
    jotd_metric_add(&m->revoked[i], n);
}

int
jotd_metrics_escape(const char *value, char *out, size_t cap)
{
    size_t o = 0;

    for (; *value != '\0'; value++) {
        const char *rep = *value == '\\' ? "\\\\"
                          : *value == '"' ? "\\\""
                          : *value == '\n' ? "\\n"
                                           : NULL;
        size_t n = rep != NULL ? 2 : 1;

        if (cap == 0 || o + n >= cap) {
            if (cap > 0)
                out[0] = '\0';
            return -1;
        }
        if (rep != NULL)
            memcpy(out + o, rep, 2);
        else
            out[o] = *value;
        o += n;
    }
    if (cap == 0)
        return -1;
    out[o] = '\0';
    return 0;
}

/* ---- the text --------------------------------------------------------- */

struct text {
    char *buf;
    size_t len, cap;
    int failed;
};

static void
put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        if (t->cap > SIZE_MAX / 2 - (size_t)n) {
            t->failed = 1;
            return;
        }
        {
            size_t cap = t->cap * 2 + (size_t)n;
            char *p = realloc(t->buf, cap);

            if (p == NULL) {
                t->failed = 1;
                return;
            }
            t->buf = p;
            t->cap = cap;
        }
    }
}

static uint64_t
get(const jotd_counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static void
head(struct text *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The labels of route i: route="...",method="..." (escaped). */
static void
route_labels(const struct jotd_metrics_name *names, size_t n_routes,
             size_t i, char *out, size_t cap)
{
    char pat[2 * 256 + 1], meth[2 * 16 + 1];
    int n;

    if (i >= n_routes ||
        jotd_metrics_escape(names[i].pattern, pat, sizeof pat) != 0 ||
        jotd_metrics_escape(names[i].method, meth, sizeof meth) != 0) {
        /* No route matched: the raw path would be unbounded, and may
         * hold ids, so it is never a label. */
        memcpy(pat, "unmatched", sizeof "unmatched");
        meth[0] = '\0';
    }
    n = snprintf(out, cap, "route=\"%s\",method=\"%s\"", pat, meth);
    if (n < 0 || (size_t)n >= cap)
        out[0] = '\0';
}

static void
requests(struct text *t, const struct jotd_metrics *m,
         const struct jotd_metrics_name *names, size_t n_routes)
{
    char labels[1200];
    size_t i, s, slot;

    head(t, "jotd_http_requests_total", "counter",
         "HTTP requests answered, by route pattern, method and status.");
    for (i = 0; i <= n_routes; i++) {
        slot = i < n_routes ? i : JOTD_METRICS_MAX_ROUTES;
        route_labels(names, n_routes, i, labels, sizeof labels);
        for (s = 0; s <= JOTD_METRICS_N_STATUSES; s++) {
            uint64_t v = get(&m->routes[slot].by_status[s]);
            char code[16];
            int n;

            if (v == 0)
                continue;   /* a status a route never answered */
            n = s < JOTD_METRICS_N_STATUSES
                    ? snprintf(code, sizeof code, "%u", statuses[s])
                    : snprintf(code, sizeof code, "other");
            if (n < 0 || (size_t)n >= sizeof code)
                continue;
            put(t, "jotd_http_requests_total{%s,status=\"%s\"} %llu\n",
                labels, code, (unsigned long long)v);
        }
    }
}

/* One histogram per route: the buckets are kept apart and summed here,
 * and _count is the +Inf bucket, so that a scrape is always consistent
 * in itself even while requests complete. */
static void
latency(struct text *t, const struct jotd_metrics *m,
        const struct jotd_metrics_name *names, size_t n_routes)
{
    const char *name = "jotd_http_request_duration_seconds";
    char labels[1200];
    size_t i, b, slot;

    head(t, name, "histogram",
         "Time from the request's header to its answer.");
    for (i = 0; i <= n_routes; i++) {
        uint64_t cum = 0;

        slot = i < n_routes ? i : JOTD_METRICS_MAX_ROUTES;
        route_labels(names, n_routes, i, labels, sizeof labels);
        for (b = 0; b < JOTD_METRICS_N_BUCKETS; b++) {
            cum += get(&m->routes[slot].buckets[b]);
            put(t, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels,
                (double)bucket_us[b] / 1e6, (unsigned long long)cum);
        }
        cum += get(&m->routes[slot].buckets[JOTD_METRICS_N_BUCKETS]);
        put(t, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
            (unsigned long long)cum);
        put(t, "%s_sum{%s} %.6f\n", name, labels,
            (double)get(&m->routes[slot].sum_us) / 1e6);
        put(t, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
    }
}

static void
counter(struct text *t, const char *name, const char *help,
        const jotd_counter *c)
{
    head(t, name, "counter", help);
    put(t, "%s %llu\n", name, (unsigned long long)get(c));
}

static void
gauge(struct text *t, const char *name, const char *help, uint64_t v)
{
    head(t, name, "gauge", help);
    put(t, "%s %llu\n", name, (unsigned long long)v);
}

/* started - finished, never below 0 (the two are read apart). */
static uint64_t
now_of(const jotd_counter *started, const jotd_counter *finished)
{
    uint64_t f = get(finished), s = get(started);

    return s > f ? s - f : 0;
}

static void
events(struct text *t, const struct jotd_metrics *m,
       const struct jotd_metrics_gauges *g)
{
    size_t i;

    head(t, "jotd_logins_total", "counter",
         "Logins, by result (failed: wrong credentials).");
    put(t, "jotd_logins_total{result=\"ok\"} %llu\n",
        (unsigned long long)get(&m->logins_ok));
    put(t, "jotd_logins_total{result=\"failed\"} %llu\n",
        (unsigned long long)get(&m->logins_failed));
    counter(t, "jotd_refreshes_total",
            "Refresh tokens rotated.", &m->refreshes);
    counter(t, "jotd_refresh_grace_total",
            "Refreshes answered with the current pair within the grace.",
            &m->grace);
    head(t, "jotd_refresh_reuse_total", "counter",
         "Refresh tokens presented that can no longer be used, by cause.");
    for (i = 0; i < JOTD_N_REUSE; i++)
        put(t, "jotd_refresh_reuse_total{cause=\"%s\"} %llu\n",
            reuse_causes[i], (unsigned long long)get(&m->reuse[i]));
    head(t, "jotd_sessions_revoked_total", "counter",
         "Sessions revoked on this node, by reason.");
    for (i = 0; i < JOTD_METRICS_N_REASONS; i++)
        put(t, "jotd_sessions_revoked_total{reason=\"%s\"} %llu\n",
            reasons[i], (unsigned long long)get(&m->revoked[i]));
    counter(t, "jotd_throttled_total",
            "Requests refused with 429 by a rate limit.", &m->throttled);
    gauge(t, "jotd_password_hashes_in_flight",
          "Password hashes being computed now.",
          now_of(&m->hash_started, &m->hash_finished));
    gauge(t, "jotd_password_hashes_queued",
          "Password hashes waiting for a worker or a hashing slot.",
          g->hash_queued + now_of(&m->hash_waits, &m->hash_waited));
    head(t, "jotd_db_errors_total", "counter",
         "Database calls that failed, by kind.");
    put(t, "jotd_db_errors_total{op=\"read\"} %llu\n",
        (unsigned long long)g->db_errors_read);
    put(t, "jotd_db_errors_total{op=\"write\"} %llu\n",
        (unsigned long long)g->db_errors_write);
    gauge(t, "jotd_revoked_sessions",
          "Sessions in this node's set of recently revoked sessions.",
          g->revoked_set);
    if (g->have_key) {
        head(t, "jotd_signing_key_age_seconds", "gauge",
             "Seconds since the active signing key was activated.");
        put(t, "jotd_signing_key_age_seconds %.3f\n", g->key_age);
    }
}

jotd_err
jotd_metrics_render(const struct jotd_metrics *m,
                    const struct jotd_metrics_name *names, size_t n_routes,
                    const struct jotd_metrics_gauges *g, char **out,
                    size_t *out_len)
{
    struct text t = {NULL, 0, 0, 0};

    *out = NULL;
    *out_len = 0;
    if (n_routes > JOTD_METRICS_MAX_ROUTES)
        return JOTD_ERR_INVALID;
    t.cap = 16384;
    t.buf = malloc(t.cap);
    if (t.buf == NULL)
        return JOTD_ERR_NOMEM;
    t.buf[0] = '\0';
    requests(&t, m, names, n_routes);
    latency(&t, m, names, n_routes);
    events(&t, m, g);
    if (t.failed) {
        free(t.buf);
        return JOTD_ERR_NOMEM;
    }
    *out = t.buf;
    *out_len = t.len;
    return JOTD_OK;
}
