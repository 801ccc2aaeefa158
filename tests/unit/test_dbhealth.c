/*
 * test_dbhealth.c - the database's health record (core/dbhealth.c):
 * which failures are logged (one line per cause every few seconds, the
 * operation's name aside), the line when the database answers again,
 * and how long a failed write keeps /healthz at 503.
 */
#include "testutil.h"
#include "core/dbhealth.h"

#define T0 1700000000000LL

/* One report and the line it must give ("" for none). */
struct step {
    int answered;               /* 0: a failure; 1: a read; 2: a write */
    const char *where, *cause;
    int write;
    int64_t at;                 /* ms after T0 */
    const char *line;
};

static void
run_steps(const struct step *steps, size_t n)
{
    struct jotd_dbhealth h;
    struct jotd_db_line line;
    size_t i;

    jotd_dbhealth_init(&h);
    for (i = 0; i < n; i++) {
        const struct step *s = &steps[i];

        if (s->answered)
            jotd_db_answered_line(&h, s->answered == 2, &line);
        else
            jotd_db_failed_line(&h, s->where, s->cause, s->write,
                                T0 + s->at, &line);
        if (strcmp(line.text, s->line) != 0)
            fail_msg("step %zu: expected \"%s\", got \"%s\"", i, s->line,
                     line.text);
    }
    jotd_dbhealth_destroy(&h);
}

#define LOCKED_A "user_create: database is locked"
#define LOCKED_B "failure_take: database is locked"
#define FULL "session_rotate: database or disk is full"

/* The same cause, met by two operations, is logged once in the window,
 * then again with the count of those not logged. */
static void
test_once_per_cause(void **state)
{
    static const struct step steps[] = {
        {0, "POST /v1/users", LOCKED_A, 1, 0,
         "database failure (POST /v1/users): " LOCKED_A},
        {0, "POST /v1/auth/login", LOCKED_B, 1, 100, ""},
        {0, "POST /v1/users", LOCKED_A, 1, 4999, ""},
        {0, "POST /v1/users", LOCKED_A, 1, 5000,
         "database failure (POST /v1/users): " LOCKED_A
         " (and 2 more not logged)"},
        {0, "POST /v1/users", LOCKED_A, 1, 5001, ""},
    };

    (void)state;
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* Distinct causes each get their line; one with no engine text is
 * known by where it happened. */
static void
test_distinct_causes(void **state)
{
    static const struct step steps[] = {
        {0, "POST /v1/users", LOCKED_A, 1, 0,
         "database failure (POST /v1/users): " LOCKED_A},
        {0, "POST /v1/auth/refresh", FULL, 1, 10,
         "database failure (POST /v1/auth/refresh): " FULL},
        {0, "revocation sync", "", 0, 20,
         "database failure (revocation sync)"},
        {0, "revocation sync", NULL, 0, 30, ""},
        {0, "POST /v1/auth/refresh", FULL, 1, 40, ""},
    };

    (void)state;
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* More causes than remembered: the oldest makes room, and is logged
 * again when it comes back. */
static void
test_causes_evicted(void **state)
{
    static const struct step steps[] = {
        {0, "a", "a: one", 0, 0, "database failure (a): a: one"},
        {0, "b", "b: two", 0, 1, "database failure (b): b: two"},
        {0, "c", "c: three", 0, 2, "database failure (c): c: three"},
        {0, "d", "d: four", 0, 3, "database failure (d): d: four"},
        {0, "e", "e: five", 0, 4, "database failure (e): e: five"},
        {0, "a", "a: one", 0, 5, "database failure (a): a: one"},
        {0, "e", "e: five", 0, 6, ""},
    };

    (void)state;
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* "Answers again" once, when nothing fails any more: a read clears a
 * failed read, only a write clears a failed write; the next outage logs
 * its cause at once. */
static void
test_answers_again(void **state)
{
    static const struct step steps[] = {
        {1, NULL, NULL, 0, 0, ""},                  /* nothing failed */
        {0, "GET /v1/me", "user_get: no route", 0, 0,
         "database failure (GET /v1/me): user_get: no route"},
        {1, NULL, NULL, 0, 0, "the database answers again"},
        {1, NULL, NULL, 0, 0, ""},
        {0, "POST /v1/users", LOCKED_A, 1, 100,
         "database failure (POST /v1/users): " LOCKED_A},
        {1, NULL, NULL, 0, 0, ""},                  /* reads work */
        {2, NULL, NULL, 0, 0, "the database answers again"},
        {0, "POST /v1/users", LOCKED_A, 1, 200,
         "database failure (POST /v1/users): " LOCKED_A},
    };

    (void)state;
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* A failed write keeps writes failing for JOTD_DB_WRITE_MEMORY_MS after
 * the last one, or until a write works. */
static void
test_write_memory(void **state)
{
    struct jotd_dbhealth h;
    struct jotd_db_line line;

    (void)state;
    jotd_dbhealth_init(&h);
    assert_false(jotd_db_write_failing(&h, T0));
    jotd_db_failed_line(&h, "GET /v1/me", "x: y", 0, T0, &line);
    assert_false(jotd_db_write_failing(&h, T0));
    jotd_db_failed_line(&h, "POST /v1/users", FULL, 1, T0, &line);
    assert_true(jotd_db_write_failing(&h, T0));
    assert_true(jotd_db_write_failing(&h, T0 + JOTD_DB_WRITE_MEMORY_MS - 1));
    assert_false(jotd_db_write_failing(&h, T0 + JOTD_DB_WRITE_MEMORY_MS));
    jotd_db_failed_line(&h, "POST /v1/users", FULL, 1, T0 + 10, &line);
    jotd_db_answered_line(&h, 0, &line);
    assert_true(jotd_db_write_failing(&h, T0 + 10));
    jotd_db_answered_line(&h, 1, &line);
    assert_false(jotd_db_write_failing(&h, T0 + 10));
    /* The locked wrappers agree. */
    jotd_db_failed(&h, "POST /v1/users", FULL, 1, T0 + 20);
    assert_true(jotd_db_write_failing(&h, T0 + 20));
    jotd_db_answered(&h, 1);
    assert_false(jotd_db_write_failing(&h, T0 + 20));
    jotd_dbhealth_destroy(&h);
}

/* /metrics counts every failure, the ones the log keeps quiet too. */
static void
test_failures_counted(void **state)
{
    struct jotd_dbhealth h;
    struct jotd_db_line line;
    uint64_t reads = 9, writes = 9;

    (void)state;
    jotd_dbhealth_init(&h);
    jotd_db_failures(&h, &reads, &writes);
    assert_int_equal(reads, 0);
    assert_int_equal(writes, 0);
    jotd_db_failed_line(&h, "GET /v1/me", "gone", 0, T0, &line);
    jotd_db_failed_line(&h, "GET /v1/me", "gone", 0, T0 + 1, &line);
    assert_string_equal(line.text, "");     /* quiet, yet counted */
    jotd_db_failed_line(&h, "POST /v1/users", "full", 1, T0 + 2, &line);
    jotd_db_answered_line(&h, 1, &line);    /* answers clear no count */
    jotd_db_failures(&h, &reads, &writes);
    assert_int_equal(reads, 2);
    assert_int_equal(writes, 1);
    jotd_dbhealth_destroy(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_per_cause),
        cmocka_unit_test(test_distinct_causes),
        cmocka_unit_test(test_causes_evicted),
        cmocka_unit_test(test_answers_again),
        cmocka_unit_test(test_write_memory),
        cmocka_unit_test(test_failures_counted),
    };

    return cmocka_run_group_tests_name("dbhealth", tests, NULL, NULL);
}
