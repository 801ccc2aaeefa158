/*
 * test_log.c - the request lines of core/log.c: a duration, a whole
 * number of microseconds, is written in milliseconds with at most three
 * decimals, in JSON ("ms":42.486, never 42.485999999999997) as in text.
 * The lines go to standard error, which each test points at a file.
 */
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"
#include "core/log.h"

static const struct {
    int64_t us;
    const char *json, *text;
} cases[] = {
    {42486, "\"ms\":42.486,", " 42.486ms "},
    {0, "\"ms\":0.0,", " 0.000ms "},
    {1, "\"ms\":0.001,", " 0.001ms "},
    {5, "\"ms\":0.005,", " 0.005ms "},
    {100, "\"ms\":0.1,", " 0.100ms "},
    {999, "\"ms\":0.999,", " 0.999ms "},
    {1000, "\"ms\":1.0,", " 1.000ms "},
    {12345, "\"ms\":12.345,", " 12.345ms "},
    {999999, "\"ms\":999.999,", " 999.999ms "},
    {123456789, "\"ms\":123456.789,", " 123456.789ms "},
    {-3, "\"ms\":0.0,", " 0.000ms "},      /* a clock that went back */
};

/* Logs one request of us microseconds in format; what was written. */
static char *
logged(enum jotd_log_format format, int64_t us)
{
    char path[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    char *text;

    assert_true(fd >= 0 && saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    jotd_log_init(format);
    jotd_log_request("GET", "/v1/verify", 200, us, "127.0.0.1");
    jotd_log_flush();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fd);
    text = tu_read_file(path, NULL);
    unlink(path);
    return text;
}

static void
test_durations(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = logged(JOTD_LOG_JSON, cases[i].us);
        char *text = logged(JOTD_LOG_TEXT, cases[i].us);

        if (strstr(json, cases[i].json) == NULL)
            fail_msg("%lld us: expected %s in the JSON line, got %s",
                     (long long)cases[i].us, cases[i].json, json);
        if (strstr(text, cases[i].text) == NULL)
            fail_msg("%lld us: expected '%s' in the text line, got %s",
                     (long long)cases[i].us, cases[i].text, text);
        free(json);
        free(text);
    }
}

/* The line stays one JSON object, and "ms" reads back as the same
 * number. */
static void
test_json_line_whole(void **state)
{
    char *json = logged(JOTD_LOG_JSON, 42486);
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);

    (void)state;
    if (o == NULL)
        fail_msg("not JSON: %s (%s)", json, e.text);
    assert_string_equal(json_string_value(json_object_get(o, "event")),
                        "request");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
    assert_true(json_is_real(json_object_get(o, "ms")));
    assert_true(json_real_value(json_object_get(o, "ms")) == 42.486);
    json_decref(o);
    free(json);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_json_line_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
