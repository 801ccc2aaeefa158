/*
 * test_jsonbuf.c - the fixed-shape JSON writer (jsonbuf.h): what it
 * writes byte for byte, that jansson reads back exactly the values
 * given, escaping of everything that is not plain ASCII, growth past
 * the first allocation, and failure on text that is not UTF-8.
 */
#include "testutil.h"
#include "core/jsonbuf.h"

/* Parses text with jansson, strictly, and fails the test if it is not an
 * object. */
static json_t *
reread(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

    if (!json_is_object(j))
        fail_msg("not a JSON object: %s (%s)", text, e.text);
    return j;
}

static void
test_exact_text(void **state)
{
    struct jotd_jsonbuf b = {0};
    json_t *roles = json_pack("[ss]", "user", "admin");
    char *text;

    (void)state;
    jotd_jsonbuf_string(&b, "sub", "e175b8d0-552a-4287-ac20-9bd9f93aa862");
    jotd_jsonbuf_int(&b, "exp", 1795395929);
    jotd_jsonbuf_int(&b, "neg", INT64_MIN);
    jotd_jsonbuf_value(&b, "roles", roles);
    text = jotd_jsonbuf_finish(&b);
    assert_non_null(text);
    assert_string_equal(text,
                        "{\"sub\":\"e175b8d0-552a-4287-ac20-9bd9f93aa862\","
                        "\"exp\":1795395929,"
                        "\"neg\":-9223372036854775808,"
                        "\"roles\":[\"user\",\"admin\"]}");
    assert_null(b.text);
    json_decref(roles);
    free(text);
}

static void
test_empty_object(void **state)
{
    struct jotd_jsonbuf b = {0};
    char *text;

    (void)state;
    text = jotd_jsonbuf_finish(&b);
    assert_string_equal(text, "{}");
    free(text);
}

/* Strings that need escaping come back from jansson unchanged. */
static void
test_escaping_round_trips(void **state)
{
    static const char *const values[] = {
        "quote \" here", "back\\slash", "line\nfeed", "tab\tand\x01",
        "del \x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
        "</script>", "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof values / sizeof *values; i++) {
        struct jotd_jsonbuf b = {0};
        char *text;
        json_t *j;

        jotd_jsonbuf_string(&b, "v", values[i]);
        jotd_jsonbuf_int(&b, "n", (int64_t)i);
        text = jotd_jsonbuf_finish(&b);
        assert_non_null(text);
        j = reread(text);
        assert_string_equal(json_string_value(json_object_get(j, "v")),
                            values[i]);
        assert_int_equal(json_integer_value(json_object_get(j, "n")), i);
        assert_int_equal(json_object_size(j), 2);
        json_decref(j);
        free(text);
    }
}

/* A value far past the first allocation (2 KiB) arrives whole. */
static void
test_grows(void **state)
{
    struct jotd_jsonbuf b = {0};
    char big[20000], *text;
    json_t *j;

    (void)state;
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[7000] = '"';            /* and one that must be escaped */
    jotd_jsonbuf_string(&b, "first", "x");
    jotd_jsonbuf_string(&b, "big", big);
    jotd_jsonbuf_string(&b, "last", "y");
    text = jotd_jsonbuf_finish(&b);
    assert_non_null(text);
    j = reread(text);
    assert_string_equal(json_string_value(json_object_get(j, "big")), big);
    assert_string_equal(json_string_value(json_object_get(j, "last")), "y");
    json_decref(j);
    free(text);
}

/* Text that is not UTF-8 cannot be written as a JSON string: the whole
 * object fails rather than carrying it. */
static void
test_bad_utf8_fails(void **state)
{
    struct jotd_jsonbuf b = {0};

    (void)state;
    jotd_jsonbuf_string(&b, "ok", "fine");
    jotd_jsonbuf_string(&b, "bad", "\xff\xfe");
    jotd_jsonbuf_int(&b, "after", 1);
    assert_null(jotd_jsonbuf_finish(&b));
    assert_null(b.text);
}

static void
test_null_value_fails(void **state)
{
    struct jotd_jsonbuf b = {0};

    (void)state;
    jotd_jsonbuf_value(&b, "v", NULL);
    assert_null(jotd_jsonbuf_finish(&b));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_text),
        cmocka_unit_test(test_empty_object),
        cmocka_unit_test(test_escaping_round_trips),
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_bad_utf8_fails),
        cmocka_unit_test(test_null_value_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
