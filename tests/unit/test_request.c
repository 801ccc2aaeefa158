/*
 * test_request.c - request bodies (http/request.c).  JSON bodies
 * (jotd_json_body): the one-member fast path and jansson agree on every
 * body, and what API.md refuses is refused with the right description.
 */
#include "testutil.h"
#include "http/http.h"

/* What jansson alone makes of body: the reference for the fast path. */
static json_t *
reference(const char *body)
{
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, NULL);

    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void
test_agrees_with_jansson(void **state)
{
    static const char *const bodies[] = {
        "{\"refresh_token\":\"eyJhbGciOiJIUzI1NiJ9.e30.abc-_\"}",
        "{\"a\":\"\"}",
        "{\"\":\"x\"}",
        "{\"a\":\"b c ~!#$%&'()*+,-./:;<=>?@[]^`{|}\"}",
        "{\"a\":\"\\u0041\"}",              /* escaped: jansson's */
        "{\"a\":\"caf\xc3\xa9\"}",          /* UTF-8: jansson's */
        "{\"a\":\"b\"} ",                   /* trailing blank */
        " {\"a\":\"b\"}",
        "{\"a\" : \"b\"}",
        "{\"refresh_token\": \"x.y.z\"}",  /* Python's json.dumps */
        "\r\n{ \"a\"\t:\n\"b\" }\r\n",
        "{\"a\":\"b\"}\f",                  /* not a JSON blank */
        "{\"a\":\"b\"} x",
        "{\"a\":\"b\" \"c\"}",
        "{\"a\" \"b\"}",
        "{\"a\"::\"b\"}",
        "{\"a\":\"b\",}",
        "{\"a\":\"b\",\"c\":\"d\"}",
        "{\"a\":1}",
        "{\"a\":\"b\"}}",
        "{\"a\":\"b\"",
        "{\"a\":\"b}",
        "{\"a\":\"b\"}x",
        "{\"a\":\"\xff\"}",                 /* not UTF-8 */
        "{\"a\":\"tab\there\"}",            /* raw control character */
        "{\"a\":\"b\",\"a\":\"c\"}",        /* duplicate */
        "[\"a\",\"b\"]",
        "\"a\"",
        "{}",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        const char *why = NULL;
        json_t *got = jotd_json_body(bodies[i], strlen(bodies[i]), &why);
        json_t *want = reference(bodies[i]);

        if ((got == NULL) != (want == NULL) ||
            (got != NULL && !json_equal(got, want)))
            fail_msg("body %zu (%s): jotd_json_body and jansson differ", i,
                     bodies[i]);
        if (got == NULL && why == NULL)
            fail_msg("body %zu: refused without a description", i);
        json_decref(got);
        json_decref(want);
    }
}

/* A NUL after the object is not a blank: refused, as jansson does. */
static void
test_nul_after_object(void **state)
{
    static const char body[] = "{\"a\":\"b\"}\0";
    const char *why = NULL;
    json_t *j;

    (void)state;
    assert_null(jotd_json_body(body, sizeof body - 1, &why));
    assert_string_equal(why, "malformed JSON");
    j = jotd_json_body(body, sizeof body - 2, &why);  /* without it */
    assert_non_null(j);
    json_decref(j);
}

/* The fast path's value is exactly the octets between the quotes. */
static void
test_fast_path_value(void **state)
{
    static const char body[] = "{\"refresh_token\":\"x.y.z\"}";
    const char *why = NULL;
    json_t *j = jotd_json_body(body, sizeof body - 1, &why);

    (void)state;
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(
        json_string_value(json_object_get(j, "refresh_token")), "x.y.z");
    json_decref(j);
}

static void
test_refusals(void **state)
{
    static const struct {
        const char *body, *why;
    } cases[] = {
        {"{\"a\":\"b\",\"a\":\"c\"}", "malformed JSON"},
        {"[1]", "the body must be a JSON object"},
        {"{\"a\":\"b\"", "malformed JSON"},
        {"", "malformed JSON"},
    };
    char deep[80];
    const char *why;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        why = NULL;
        assert_null(jotd_json_body(cases[i].body, strlen(cases[i].body),
                                   &why));
        assert_string_equal(why, cases[i].why);
    }
    /* 33 levels: one more than API.md allows. */
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    deep[0] = '{';
    memcpy(deep + 1, "\"a\":", 4);
    memset(deep + 5, '[', 32);
    memset(deep + 37, ']', 32);
    deep[69] = '}';
    deep[70] = '\0';
    why = NULL;
    assert_null(jotd_json_body(deep, strlen(deep), &why));
    assert_string_equal(why, "JSON nested too deeply");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_jansson),
        cmocka_unit_test(test_fast_path_value),
        cmocka_unit_test(test_nul_after_object),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
