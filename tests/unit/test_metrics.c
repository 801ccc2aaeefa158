/*
 * test_metrics.c - the counters of /metrics and their text rendering
 * (core/metrics.c): label escaping, which bucket and status a request
 * lands in, cumulative buckets consistent with _count and _sum, the
 * revocation reasons, and the lines of a whole scrape.
 */
#include <stdlib.h>

#include "testutil.h"
#include "core/metrics.h"

static void
test_escape(void **state)
{
    static const struct {
        const char *in, *out;   /* out NULL: does not fit in cap */
        size_t cap;
    } cases[] = {
        {"/v1/me", "/v1/me", 64},
        {"", "", 1},
        {"a\"b", "a\\\"b", 64},
        {"a\\b", "a\\\\b", 64},
        {"a\nb", "a\\nb", 64},
        {"\"\\\n", "\\\"\\\\\\n", 64},
        {"tab\tstays", "tab\tstays", 64},
        {"abc", "abc", 4},          /* exactly fits with the NUL */
        {"abcd", NULL, 4},
        {"a\"", NULL, 3},           /* the escape does not fit */
        {"a", NULL, 0},
    };
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = jotd_metrics_escape(cases[i].in, out, cases[i].cap);

        if (cases[i].out == NULL) {
            if (rc != -1)
                fail_msg("case %zu: expected -1, got %d (\"%s\")", i, rc,
                         out);
            if (cases[i].cap > 0 && out[0] != '\0')
                fail_msg("case %zu: out not emptied: \"%s\"", i, out);
            continue;
        }
        if (rc != 0 || strcmp(out, cases[i].out) != 0)
            fail_msg("case %zu: expected \"%s\", got %d \"%s\"", i,
                     cases[i].out, rc, out);
    }
}

static void
test_buckets(void **state)
{
    static const struct {
        int64_t us;
        size_t bucket;
    } cases[] = {
        {0, 0}, {1, 0}, {1000, 0},          /* le is "<=" */
        {1001, 1}, {2500, 1}, {2501, 2},
        {100000, 6}, {100001, 7},
        {10000000, 12}, {10000001, JOTD_METRICS_N_BUCKETS},
        {INT64_MAX, JOTD_METRICS_N_BUCKETS},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = jotd_metrics_bucket_of(cases[i].us);

        if (got != cases[i].bucket)
            fail_msg("%lld us: expected bucket %zu, got %zu",
                     (long long)cases[i].us, cases[i].bucket, got);
    }
    assert_int_equal(jotd_metrics_status_of(200), 0);
    assert_int_equal(jotd_metrics_status_of(503),
                     JOTD_METRICS_N_STATUSES - 1);
    assert_int_equal(jotd_metrics_status_of(418), JOTD_METRICS_N_STATUSES);
    assert_int_equal(jotd_metrics_status_of(0), JOTD_METRICS_N_STATUSES);
}

static const struct jotd_metrics_name names[] = {
    {"POST", "/v1/auth/login"},
    {"DELETE", "/v1/me/sessions/{id}"},
    {"GET", "/odd\"pattern\\"},
};
#define N_NAMES (sizeof names / sizeof names[0])

static char *
render(const struct jotd_metrics *m, const struct jotd_metrics_gauges *g)
{
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(jotd_metrics_render(m, names, N_NAMES, g, &text, &len),
                     JOTD_OK);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void
has_line(const char *text, const char *line)
{
    const char *p = text;
    size_t n = strlen(line);

    while ((p = strstr(p, line)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
        p++;
    }
    fail_msg("line missing: %s\n--- in ---\n%s", line, text);
}

static void
no_text(const char *text, const char *what)
{
    if (strstr(text, what) != NULL)
        fail_msg("unexpected in the output: %s", what);
}

static void
test_render_requests(void **state)
{
    struct jotd_metrics *m = calloc(1, sizeof *m);
    struct jotd_metrics_gauges g = {0};
    char *text;

    (void)state;
    assert_non_null(m);
    jotd_metrics_request(m, 0, 200, 500);          /* bucket 0.001 */
    jotd_metrics_request(m, 0, 200, 2000);         /* 0.0025 */
    jotd_metrics_request(m, 0, 401, 30000);        /* 0.05 */
    jotd_metrics_request(m, 0, 429, 20000000);     /* +Inf only */
    jotd_metrics_request(m, 1, 418, -5);           /* other; 0 s */
    jotd_metrics_request(m, 99, 404, 100);         /* no route */
    jotd_metrics_request(m, JOTD_METRICS_MAX_ROUTES, 405, 100);
    text = render(m, &g);
    has_line(text, "# TYPE jotd_http_requests_total counter");
    has_line(text, "jotd_http_requests_total{route=\"/v1/auth/login\","
                   "method=\"POST\",status=\"200\"} 2");
    has_line(text, "jotd_http_requests_total{route=\"/v1/auth/login\","
                   "method=\"POST\",status=\"401\"} 1");
    has_line(text, "jotd_http_requests_total{route=\"/v1/auth/login\","
                   "method=\"POST\",status=\"429\"} 1");
    has_line(text, "jotd_http_requests_total{route=\"/v1/me/sessions/{id}\","
                   "method=\"DELETE\",status=\"other\"} 1");
    has_line(text, "jotd_http_requests_total{route=\"unmatched\","
                   "method=\"\",status=\"404\"} 1");
    has_line(text, "jotd_http_requests_total{route=\"unmatched\","
                   "method=\"\",status=\"405\"} 1");
    /* A status a route never answered has no series. */
    no_text(text, "method=\"POST\",status=\"500\"");
    /* Buckets are cumulative, +Inf equals _count, _sum in seconds. */
#define L "{route=\"/v1/auth/login\",method=\"POST\""
    has_line(text, "# TYPE jotd_http_request_duration_seconds histogram");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"0.001\"} 1");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"0.0025\"} 2");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"0.025\"} 2");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"0.05\"} 3");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"10\"} 3");
    has_line(text, "jotd_http_request_duration_seconds_bucket" L
                   ",le=\"+Inf\"} 4");
    has_line(text, "jotd_http_request_duration_seconds_count" L "} 4");
    has_line(text, "jotd_http_request_duration_seconds_sum" L
                   "} 20.032500");
#undef L
    has_line(text, "jotd_http_request_duration_seconds_sum{route="
                   "\"/v1/me/sessions/{id}\",method=\"DELETE\"} 0.000000");
    /* A label value is escaped. */
    has_line(text, "jotd_http_request_duration_seconds_count{route="
                   "\"/odd\\\"pattern\\\\\",method=\"GET\"} 0");
    has_line(text, "jotd_throttled_total 1");
    free(text);
    free(m);
}

static void
test_render_events(void **state)
{
    struct jotd_metrics *m = calloc(1, sizeof *m);
    struct jotd_metrics_gauges g = {0};
    char *text;

    (void)state;
    assert_non_null(m);
    jotd_metric_inc(&m->logins_ok);
    jotd_metric_add(&m->logins_failed, 3);
    jotd_metric_inc(&m->refreshes);
    jotd_metric_inc(&m->grace);
    jotd_metric_inc(&m->reuse[JOTD_REUSE_SUPERSEDED]);
    jotd_metric_add(&m->reuse[JOTD_REUSE_EXPIRED], 2);
    jotd_metrics_revoked(m, "logout", 2);
    jotd_metrics_revoked(m, "reuse", 1);
    jotd_metrics_revoked(m, "password", 0);
    jotd_metrics_revoked(m, "something new", 5);
    jotd_metric_add(&m->hash_started, 5);
    jotd_metric_add(&m->hash_finished, 3);
    jotd_metric_add(&m->hash_waits, 4);
    jotd_metric_add(&m->hash_waited, 3);
    g.hash_queued = 2;
    g.db_errors_read = 7;
    g.db_errors_write = 1;
    g.revoked_set = 12;
    text = render(m, &g);
    has_line(text, "jotd_logins_total{result=\"ok\"} 1");
    has_line(text, "jotd_logins_total{result=\"failed\"} 3");
    has_line(text, "jotd_refreshes_total 1");
    has_line(text, "jotd_refresh_grace_total 1");
    has_line(text, "jotd_refresh_reuse_total{cause=\"superseded\"} 1");
    has_line(text, "jotd_refresh_reuse_total{cause=\"revoked\"} 0");
    has_line(text, "jotd_refresh_reuse_total{cause=\"expired\"} 2");
    has_line(text, "jotd_sessions_revoked_total{reason=\"logout\"} 2");
    has_line(text, "jotd_sessions_revoked_total{reason=\"reuse\"} 1");
    has_line(text, "jotd_sessions_revoked_total{reason=\"password\"} 0");
    has_line(text, "jotd_sessions_revoked_total{reason=\"other\"} 5");
    has_line(text, "jotd_password_hashes_in_flight 2");
    has_line(text, "jotd_password_hashes_queued 3");     /* 2 + 1 */
    has_line(text, "jotd_db_errors_total{op=\"read\"} 7");
    has_line(text, "jotd_db_errors_total{op=\"write\"} 1");
    has_line(text, "jotd_revoked_sessions 12");
    /* No signing key: no key age at all rather than a made-up one. */
    no_text(text, "jotd_signing_key_age_seconds");
    free(text);
    g.have_key = 1;
    g.key_age = 90.5;
    text = render(m, &g);
    has_line(text, "# TYPE jotd_signing_key_age_seconds gauge");
    has_line(text, "jotd_signing_key_age_seconds 90.500");
    free(text);
    free(m);
}

static void
test_render_limits(void **state)
{
    struct jotd_metrics *m = calloc(1, sizeof *m);
    struct jotd_metrics_gauges g = {0};
    char *text = (char *)"x";
    size_t len = 1;

    (void)state;
    assert_non_null(m);
    assert_int_equal(jotd_metrics_render(m, names,
                                         JOTD_METRICS_MAX_ROUTES + 1, &g,
                                         &text, &len),
                     JOTD_ERR_INVALID);
    assert_null(text);
    assert_int_equal(len, 0);
    free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_render_requests),
        cmocka_unit_test(test_render_events),
        cmocka_unit_test(test_render_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
