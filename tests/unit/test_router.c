/*
 * test_router.c - route matching (http/router.c): literal and {name}
 * segments, parameters, 404 against 405 and the Allow list, HEAD taken
 * by GET, trailing slashes and empty segments; and the real table of
 * api/routes.c has only patterns the router takes.
 */
#include "testutil.h"
#include "api/routes.h"
#include "http/router.h"

static const struct jotd_route table[] = {
    {"GET", "/v1/me", NULL, NULL, 0},                               /* 0 */
    {"POST", "/v1/me/password", NULL, NULL, 0},                     /* 1 */
    {"GET", "/v1/me/sessions", NULL, NULL, 0},                      /* 2 */
    {"DELETE", "/v1/me/sessions/{id}", NULL, NULL, 0},              /* 3 */
    {"GET", "/v1/admin/users/me", NULL, NULL, 0},                   /* 4 */
    {"GET", "/v1/admin/users/{id}", NULL, NULL, 0},                 /* 5 */
    {"PATCH", "/v1/admin/users/{id}", NULL, NULL, 0},               /* 6 */
    {"DELETE", "/v1/admin/users/{id}", NULL, NULL, 0},              /* 7 */
    {"DELETE", "/v1/admin/users/{id}/sessions/{sid}", NULL, NULL, 0},
    {"PUT", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", NULL, NULL, 0},     /* 9 */
    {"OPTIONS", "/v1/me", NULL, NULL, 0},                           /* 10 */
};
#define N_TABLE (sizeof table / sizeof *table)

/* Long for its table of cases, one line each. */
static void
test_match(void **state)
{
    static const struct {
        const char *method, *path;
        int route;              /* index in table, -1 for none */
        const char *allow;      /* when none */
        const char *params;     /* "name=value " each, in order */
    } cases[] = {
        {"GET", "/v1/me", 0, "", ""},
        {"HEAD", "/v1/me", 0, "", ""},
        {"OPTIONS", "/v1/me", 10, "", ""},
        {"POST", "/v1/me", -1, "GET, OPTIONS", ""},
        {"PUT", "/v1/me/password", -1, "POST", ""},
        {"HEAD", "/v1/me/password", -1, "POST", ""},
        {"get", "/v1/me", -1, "GET, OPTIONS", ""},
        {"GET", "/v1/me/", -1, "", ""},                 /* trailing / */
        {"GET", "/v1/me/sessions/", -1, "", ""},        /* empty {id} */
        {"DELETE", "/v1/me/sessions/", -1, "", ""},
        {"DELETE", "/v1/me/sessions//x", -1, "", ""},
        {"DELETE", "/v1/me/sessions/abc/", -1, "", ""},
        {"DELETE", "/v1/me/sessions/abc/def", -1, "", ""},
        {"DELETE", "/v1/me/sessions/abc", 3, "", "id=abc "},
        {"GET", "/v1/me/sessions/abc", -1, "DELETE", ""},
        {"DELETE", "/v1/me/sessions/%2F", 3, "", "id=%2F "},
        {"GET", "/v1/admin/users/me", 4, "", ""},       /* literal first */
        {"GET", "/v1/admin/users/u1", 5, "", "id=u1 "},
        {"HEAD", "/v1/admin/users/u1", 5, "", "id=u1 "},
        {"PATCH", "/v1/admin/users/u1", 6, "", "id=u1 "},
        {"POST", "/v1/admin/users/u1", -1, "GET, PATCH, DELETE", ""},
        {"POST", "/v1/admin/users/me", -1, "GET, PATCH, DELETE", ""},
        {"DELETE", "/v1/admin/users/u1/sessions/s2", 8, "",
         "id=u1 sid=s2 "},
        {"GET", "/v1/admin/users/u1/sessions/s2", -1, "DELETE", ""},
        {"DELETE", "/v1/admin/users//sessions/s2", -1, "", ""},
        {"DELETE", "/v1/admin/users/u1/sessions", -1, "", ""},
        {"PUT", "/1/2/3/4/5/6/7/8", 9, "",
         "a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 "},
        {"PUT", "/1/2/3/4/5/6/7", -1, "", ""},
        {"PUT", "/1/2/3/4/5/6/7/8/9", -1, "", ""},
        {"GET", "/v1/nope", -1, "", ""},
        {"GET", "", -1, "", ""},
        {"GET", "/", -1, "", ""},
        {"GET", "v1/me", -1, "", ""},
    };
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct jotd_params p;
        char allow[128], got[512];
        const struct jotd_route *rt;
        size_t used = 0;

        rt = jotd_route_find(table, N_TABLE, cases[i].method, cases[i].path,
                             &p, allow, sizeof allow);
        if (rt != (cases[i].route < 0 ? NULL : &table[cases[i].route]))
            fail_msg("%s %s: expected route %d, got %d", cases[i].method,
                     cases[i].path, cases[i].route,
                     rt ? (int)(rt - table) : -1);
        if (strcmp(allow, cases[i].allow) != 0)
            fail_msg("%s %s: expected Allow '%s', got '%s'", cases[i].method,
                     cases[i].path, cases[i].allow, allow);
        got[0] = '\0';
        for (k = 0; rt != NULL && k < p.n; k++) {
            int n = snprintf(got + used, sizeof got - used, "%.*s=%s ",
                             (int)p.at[k].name_len, p.at[k].name,
                             p.buf + p.at[k].value_off);
            assert_true(n > 0 && (size_t)n < sizeof got - used);
            used += (size_t)n;
        }
        if (strcmp(got, cases[i].params) != 0)
            fail_msg("%s %s: expected params '%s', got '%s'",
                     cases[i].method, cases[i].path, cases[i].params, got);
    }
}

/* The parameter accessor, by name; an unknown name is NULL. */
static void
test_params_get(void **state)
{
    struct jotd_params p;
    char allow[128];

    (void)state;
    assert_ptr_equal(jotd_route_find(table, N_TABLE, "DELETE",
                                     "/v1/admin/users/u1/sessions/s2", &p,
                                     allow, sizeof allow),
                     &table[8]);
    assert_string_equal(jotd_params_get(&p, "id"), "u1");
    assert_string_equal(jotd_params_get(&p, "sid"), "s2");
    assert_null(jotd_params_get(&p, "si"));
    assert_null(jotd_params_get(&p, "sids"));
    assert_null(jotd_params_get(&p, ""));
}

/* A path of JOTD_MAX_PATH octets is matched; one more is not. */
static void
test_path_limit(void **state)
{
    static const char prefix[] = "/v1/me/sessions/";
    char path[JOTD_MAX_PATH + 2], allow[128];
    struct jotd_params p;
    size_t n = sizeof prefix - 1;

    (void)state;
    memcpy(path, prefix, n);
    memset(path + n, 'a', JOTD_MAX_PATH - n);
    path[JOTD_MAX_PATH] = '\0';
    assert_ptr_equal(jotd_route_find(table, N_TABLE, "DELETE", path, &p,
                                     allow, sizeof allow),
                     &table[3]);
    assert_int_equal(strlen(jotd_params_get(&p, "id")), JOTD_MAX_PATH - n);
    path[JOTD_MAX_PATH] = 'a';
    path[JOTD_MAX_PATH + 1] = '\0';
    assert_null(jotd_route_find(table, N_TABLE, "DELETE", path, &p, allow,
                                sizeof allow));
    assert_string_equal(allow, "");
}

static void
test_patterns(void **state)
{
    static const struct {
        const char *pattern;
        int ok;
    } cases[] = {
        {"/", 1}, {"/v1/me", 1}, {"/v1/me/sessions/{id}", 1},
        {"/v1/admin/users/{id}/sessions/{sid}", 1},
        {"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", 1},
        {"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", 0},   /* nine */
        {"", 0}, {"v1/me", 0}, {"/v1/{}", 0}, {"/v1/x{id}", 0},
        {"/v1/{id}x", 0}, {"/v1/{id", 0}, {"/v1/id}", 0}, {"/v1/{a{b}}", 0},
        {"/v1/{a/b}", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (jotd_route_pattern_ok(cases[i].pattern) != cases[i].ok)
            fail_msg("pattern '%s': expected %d", cases[i].pattern,
                     cases[i].ok);
    }
    for (i = 0; i < jotd_n_routes; i++) {
        if (!jotd_route_pattern_ok(jotd_routes[i].pattern))
            fail_msg("route %s %s: bad pattern", jotd_routes[i].method,
                     jotd_routes[i].pattern);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_params_get),
        cmocka_unit_test(test_path_limit),
        cmocka_unit_test(test_patterns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
