/*
 * test_framing.c - the raw request targets jotd refuses before routing
 * (http/framing.c, jotd_path_unsafe).
 *
 * libmicrohttpd decodes the path before jotd routes it, so an encoded
 * NUL cuts it short ("/v1/me%00.json" routes as /v1/me, the setup of
 * web-cache deception: a cache keeps the account as a static .json) and
 * an encoded slash makes a segment the raw path does not have.  The
 * table holds both cases and their neighbours that stay allowed: other
 * escapes, escapes in the query, a cut-off escape.  The header checks
 * of the same file need a live connection: the strict_http integration
 * group covers them.
 */
#include "testutil.h"
#include "http/internal.h"

static void
test_unsafe_paths(void **state)
{
    static const struct {
        const char *target;
        int unsafe;
    } cases[] = {
        {"/v1/me", 0},
        {"/v1/me%00.json", 1},
        {"/v1/me%00", 1},
        {"%00", 1},
        {"/v1/me%2Fsessions", 1},
        {"/v1/me%2fsessions", 1},
        {"/v1%2Fme", 1},
        {"/v1/me/sessions%2F", 1},
        {"/v1/me%252F", 0},         /* "%25" is the escape: a "%2F" text */
        {"/v1/me%20x", 0},
        {"/v1/me%2", 0},            /* cut off: not a slash */
        {"/v1/me%0", 0},
        {"/v1/me%", 0},
        {"/v1/me%3F", 0},
        {"/v1/me%2E%2E", 0},        /* dots: decoded, then no route */
        {"/v1/verify?role=a%2Fb", 0},   /* the query may hold them */
        {"/v1/verify?x=%00", 0},
        {"/v1/verify%2F?x=1", 1},
        {"?%2F", 0},
        {"", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (jotd_path_unsafe(cases[i].target) != cases[i].unsafe)
            fail_msg("'%s': expected %d, got %d", cases[i].target,
                     cases[i].unsafe, jotd_path_unsafe(cases[i].target));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsafe_paths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
