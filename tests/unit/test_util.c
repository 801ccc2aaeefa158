/*
 * test_util.c - the ground floor of jotd (util.c): usernames and their
 * keys, ids, decimal formatting, and the one message formatter.
 */
#include "testutil.h"
#include "util.h"

static void
test_username_key(void **state)
{
    static const struct {
        const char *name;
        const char *key;        /* NULL: refused */
    } cases[] = {
        {"alice", "alice"}, {"Alice", "alice"}, {"ALICE-01", "alice-01"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"\xc3\x89t\xc3\xa9", "\xc3\x89t\xc3\xa9"},  /* not lowered */
        {"a b", "a b"}, {"", NULL}, {"a\tb", NULL}, {"a\x7f", NULL},
        {"\xc2\x85", NULL},                     /* C1 control */
        {"\xc0\xaf", NULL},                     /* overlong */
        {"\xed\xa0\x80", NULL},                 /* surrogate */
        {"\xf4\x90\x80\x80", NULL},             /* over U+10FFFF */
        {"\xe2\x82", NULL},                     /* cut short */
        {"\xff", NULL},
    };
    char key[JOTD_USERNAME_MAX + 1], long_name[JOTD_USERNAME_MAX + 2];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        jotd_err err = jotd_username_key(cases[i].name,
                                         strlen(cases[i].name), key);
        if (cases[i].key == NULL) {
            if (err != JOTD_ERR_USERNAME)
                fail_msg("'%s': expected a refusal", cases[i].name);
        } else if (err != JOTD_OK || strcmp(key, cases[i].key) != 0) {
            fail_msg("'%s': expected key '%s'", cases[i].name, cases[i].key);
        }
    }
    memset(long_name, 'a', sizeof long_name);
    assert_int_equal(jotd_username_key(long_name, JOTD_USERNAME_MAX, key),
                     JOTD_OK);
    assert_int_equal(jotd_username_key(long_name, JOTD_USERNAME_MAX + 1,
                                       key),
                     JOTD_ERR_USERNAME);
}

static void
test_ids(void **state)
{
    char id[JOTD_ID_LEN + 1];

    (void)state;
    assert_int_equal(jotd_uuid(id), JOTD_OK);
    assert_int_equal(strlen(id), JOTD_ID_LEN);
    assert_true(jotd_is_id(id));
    assert_int_equal(id[14], '4');          /* version 4 */
    assert_true(jotd_is_id("00000000-0000-4000-8000-000000000000"));
    assert_false(jotd_is_id("00000000-0000-4000-8000-00000000000"));
    assert_false(jotd_is_id("00000000-0000-4000-8000-0000000000000"));
    assert_false(jotd_is_id("00000000-0000-4000-8000-00000000000A"));
    assert_false(jotd_is_id(""));
}

static void
test_fmt_uint(void **state)
{
    static const struct {
        uint64_t v;
        size_t width;
        const char *want;
    } cases[] = {
        {0, 0, "0"}, {7, 3, "007"}, {1234, 2, "1234"},
        {UINT64_MAX, 0, "18446744073709551615"},
    };
    char buf[32];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        n = jotd_fmt_uint(buf, cases[i].v, cases[i].width);
        buf[n] = '\0';
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%zu: expected '%s', got '%s'", i, cases[i].want, buf);
    }
}

/* A message too long for its buffer ends in "...", and fits. */
static void
test_errf(void **state)
{
    char err[12];

    (void)state;
    jotd_errf(err, sizeof err, "%s", "short");
    assert_string_equal(err, "short");
    jotd_errf(err, sizeof err, "%s %d", "a long message", 42);
    assert_string_equal(err, "a long m...");
    jotd_errf(NULL, 0, "%s", "nothing");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username_key),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_fmt_uint),
        cmocka_unit_test(test_errf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
