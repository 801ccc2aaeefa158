/*
 * test_accounts.c - the account rules of core/accounts.c on a real
 * SQLite store: roles as stored text and as JSON, creation and its
 * refusals, the login check (unknown, wrong, disabled alike, and the
 * throttle), disabling, and the password change with the sessions it
 * revokes.  Each test works in a fresh directory under /tmp.
 */
#include "test_core.h"
#include "core/revocation.h"

#define PW "correct horse battery"
#define PW_LEN (sizeof PW - 1)

struct fx {
    struct core_fx c;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    core_fx_open(&f->c, "accounts");
    f->c.cfg.login_max_failures = 2;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    core_fx_close(&f->c);
    free(f);
    return 0;
}

/* A live session of user_id, made through the store. */
static void
session(struct fx *f, const char *user_id, struct jotd_session *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(jotd_uuid(s->id), JOTD_OK);
    memcpy(s->user_id, user_id, sizeof s->user_id);
    s->gen = 1;
    s->created_at = s->last_used_at = s->rotated_at = T0;
    s->expires_at = T0 + 86400000;
    assert_int_equal(f->c.op.st->ops->session_create(f->c.op.st, s),
                     JOTD_STORE_OK);
}

static int64_t
revoked_at(struct fx *f, const char *sid)
{
    struct jotd_session s;

    assert_int_equal(f->c.op.st->ops->session_get(f->c.op.st, sid, &s),
                     JOTD_STORE_OK);
    return s.revoked_at;
}

static void
test_roles_text(void **state)
{
    static const char *const admin_user[] = {"admin", "user"};
    static const char *const bad_utf8[] = {"ad\xffmin"};
    static const char *const twice[] = {"ops", "user", "ops"};
    static const char *const comma[] = {"user,admin"};
    static const struct {
        const char *const *roles;
        size_t n;
        size_t cap;
        jotd_err want;
        const char *text;
    } cases[] = {
        {NULL, 0, 512, JOTD_OK, "[\"user\"]"},
        {admin_user, 0, 512, JOTD_OK, "[]"},
        {admin_user, 2, 512, JOTD_OK, "[\"admin\",\"user\"]"},
        {admin_user, 1, 10, JOTD_OK, "[\"admin\"]"},
        {admin_user, 1, 9, JOTD_ERR_INVALID, NULL},
        {bad_utf8, 1, 512, JOTD_ERR_INVALID, NULL},
        {twice, 3, 512, JOTD_ERR_INVALID, NULL},
        {twice, 2, 512, JOTD_OK, "[\"ops\",\"user\"]"},
        {comma, 1, 512, JOTD_ERR_INVALID, NULL},
    };
    char out[512];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jotd_err err = jotd_roles_text(cases[i].roles, cases[i].n, out,
                                       cases[i].cap);

        if (err != cases[i].want)
            fail_msg("case %zu: expected %s, got %s", i,
                     jotd_strerror(cases[i].want), jotd_strerror(err));
        if (cases[i].text != NULL)
            assert_string_equal(out, cases[i].text);
    }
}

static void
test_roles_json(void **state)
{
    static const struct {
        const char *stored, *json;
    } cases[] = {
        {"[\"user\"]", "[\"user\"]"},
        {"[]", "[]"},
        {"garbage", "[]"},
        {"{\"a\":1}", "[]"},
        {"", "[]"},
    };
    struct jotd_user u;
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        json_t *j;
        char *text;

        memset(&u, 0, sizeof u);
        memcpy(u.roles, cases[i].stored, strlen(cases[i].stored) + 1);
        j = jotd_roles_json(&u);
        assert_non_null(j);
        text = json_dumps(j, JSON_COMPACT);
        assert_non_null(text);
        if (strcmp(text, cases[i].json) != 0)
            fail_msg("%s: expected %s, got %s", cases[i].stored,
                     cases[i].json, text);
        free(text);
        json_decref(j);
    }
}

static void
test_create(void **state)
{
    static const char *const admin[] = {"admin"};
    struct fx *f = *state;
    struct jotd_user u, got;
    static const char zero[sizeof u.password_hash];

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "Alice", 5, PW, PW_LEN,
                                            NULL, 0, &u));
    assert_true(jotd_is_id(u.id));
    assert_string_equal(u.username, "Alice");
    assert_string_equal(u.username_key, "alice");
    assert_string_equal(u.roles, "[\"user\"]");
    assert_int_equal(u.created_at, T0);
    assert_memory_equal(u.password_hash, zero, sizeof zero);
    assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
    assert_err(JOTD_OK, jotd_password_verify(got.password_hash, PW, PW_LEN));
    assert_err(JOTD_OK, jotd_account_find(&f->c.op, "ALICE", 5, &got));
    assert_string_equal(got.id, u.id);

    assert_err(JOTD_ERR_CONFLICT, jotd_account_create(&f->c.op, "alice", 5, PW,
                                                      PW_LEN, NULL, 0, &u));
    assert_true(u.id[0] == '\0');           /* untouched on failure */
    assert_err(JOTD_ERR_USERNAME, jotd_account_create(&f->c.op, "", 0, PW,
                                                      PW_LEN, NULL, 0, &u));
    assert_err(JOTD_ERR_PASSWORD_SHORT,
               jotd_account_create(&f->c.op, "bob", 3, "short", 5, NULL, 0, &u));
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_find(&f->c.op, "bob", 3, &u));
    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "boss", 4, PW, PW_LEN,
                                            admin, 1, &u));
    assert_string_equal(u.roles, "[\"admin\"]");
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_find(&f->c.op, "\x01", 1, &u));
}

static void
test_authenticate(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;
    int64_t retry = -1;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "carol", 5, PW, PW_LEN,
                                            NULL, 0, &u));
    assert_err(JOTD_OK, jotd_account_authenticate(&f->c.op, "Carol", 5, PW,
                                                  PW_LEN, &got, &retry));
    assert_string_equal(got.id, u.id);
    assert_int_equal(retry, 0);
    /* Unknown, wrong and impossible all fail alike. */
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "nobody", 6, PW, PW_LEN,
                                         &got, &retry));
    assert_true(got.id[0] == '\0');
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "carol", 5, "wrong pw", 8,
                                         &got, &retry));
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "", 0, PW, PW_LEN, &got,
                                         &retry));
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "carol", 5, "wrong pw", 8,
                                         &got, &retry));
    /* Two failures of the pair: the next attempt waits, right or not. */
    assert_err(JOTD_ERR_THROTTLED,
               jotd_account_authenticate(&f->c.op, "carol", 5, PW, PW_LEN,
                                         &got, &retry));
    assert_true(retry >= 1);
    /* Another address is not held up by this one's failures. */
    f->c.op.ip = "192.0.2.2";
    assert_err(JOTD_OK, jotd_account_authenticate(&f->c.op, "carol", 5, PW,
                                                  PW_LEN, &got, &retry));
}

static void
test_disable(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;
    struct jotd_session s1, s2;
    size_t n = 0;
    int64_t retry;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "dave", 4, PW, PW_LEN,
                                            NULL, 0, &u));
    session(f, u.id, &s1);
    session(f, u.id, &s2);
    assert_err(JOTD_OK, jotd_account_set_disabled(&f->c.op, &u, 1, &n));
    assert_int_equal(n, 2);
    assert_int_equal(u.disabled, 1);
    assert_true(revoked_at(f, s1.id) != 0 && revoked_at(f, s2.id) != 0);
    assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
    assert_int_equal(got.disabled, 1);
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "dave", 4, PW, PW_LEN, &got,
                                         &retry));
    assert_err(JOTD_OK, jotd_account_set_disabled(&f->c.op, &u, 0, NULL));
    assert_err(JOTD_OK, jotd_account_authenticate(&f->c.op, "dave", 4, PW,
                                                  PW_LEN, &got, &retry));
}

static void
test_roles_and_password(void **state)
{
    static const char *const roles[] = {"admin", "ops"};
    struct fx *f = *state;
    struct jotd_user u, got;
    struct jotd_session keep, other;
    int64_t retry;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "erin", 4, PW, PW_LEN,
                                            NULL, 0, &u));
    assert_err(JOTD_OK, jotd_account_set_roles(&f->c.op, &u, roles, 2));
    assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
    assert_string_equal(got.roles, "[\"admin\",\"ops\"]");

    session(f, u.id, &keep);
    session(f, u.id, &other);
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_change_password(&f->c.op, &got, "not it!", 7,
                                            "new password", 12, keep.id,
                                            &retry));
    assert_int_equal(revoked_at(f, other.id), 0);
    assert_err(JOTD_ERR_PASSWORD_SHORT,
               jotd_account_change_password(&f->c.op, &got, PW, PW_LEN, "new",
                                            3, keep.id, &retry));
    assert_err(JOTD_OK,
               jotd_account_change_password(&f->c.op, &got, PW, PW_LEN,
                                            "new password", 12, keep.id,
                                            &retry));
    assert_int_equal(revoked_at(f, keep.id), 0);
    assert_true(revoked_at(f, other.id) != 0);
    f->c.op.ip = "192.0.2.3";
    assert_err(JOTD_ERR_CREDENTIALS,
               jotd_account_authenticate(&f->c.op, "erin", 4, PW, PW_LEN, &got,
                                         &retry));
    assert_err(JOTD_OK, jotd_account_authenticate(&f->c.op, "erin", 4,
                                                  "new password", 12, &got,
                                                  &retry));
    /* An administrator's reset revokes every session. */
    assert_err(JOTD_OK, jotd_account_set_password(&f->c.op, &got, PW, PW_LEN,
                                                  NULL));
    assert_true(revoked_at(f, keep.id) != 0);
}

static void
test_role_ok(void **state)
{
    static const struct {
        const char *role;
        int ok;
    } cases[] = {
        {"admin", 1}, {"ops:read", 1}, {"r\xc3\xb4le", 1}, {"two words", 1},
        {"", 0}, {"a,b", 0}, {"a\nb", 0}, {"a\tb", 0}, {"del\x7f", 0},
        {" lead", 0}, {"trail ", 0}, {"bad\xff", 0},
        {"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", 1},
        {"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++)
        if (jotd_role_ok(cases[i].role) != cases[i].ok)
            fail_msg("case %zu (\"%s\"): expected %d", i, cases[i].role,
                     cases[i].ok);
}

static int
revoked_here(struct fx *f, const char *sid)
{
    return jotd_revoked_contains(jotd_revoked_current(&f->c.j), sid);
}

/* A change is stored whole or not at all, and revokes as it says. */
static void
test_change(void **state)
{
    static const char *const ops[] = {"ops"};
    static const char *const bad[] = {"a,b"};
    struct fx *f = *state;
    struct jotd_account_change c = {.disabled = -1};
    struct jotd_session s1, s2;
    struct jotd_user u, got;
    size_t n = 9;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "frank", 5, PW, PW_LEN,
                                            NULL, 0, &u));
    session(f, u.id, &s1);
    session(f, u.id, &s2);
    /* A refused role keeps the new password out too. */
    c.set_roles = 1;
    c.roles = bad;
    c.n_roles = 1;
    c.password = "another password";
    c.password_len = 16;
    assert_err(JOTD_ERR_INVALID, jotd_account_change(&f->c.op, &u, &c, &n));
    assert_int_equal(n, 0);
    assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
    assert_err(JOTD_OK, jotd_password_verify(got.password_hash, PW, PW_LEN));
    assert_string_equal(got.roles, "[\"user\"]");
    assert_int_equal(revoked_at(f, s1.id), 0);
    /* Roles and password at once, keeping one session. */
    c.roles = ops;
    c.keep_sid = s1.id;
    assert_err(JOTD_OK, jotd_account_change(&f->c.op, &u, &c, &n));
    assert_int_equal(n, 1);
    assert_string_equal(u.roles, "[\"ops\"]");
    assert_int_equal(revoked_at(f, s1.id), 0);
    assert_true(revoked_at(f, s2.id) != 0);
    assert_true(revoked_here(f, s2.id));
    assert_false(revoked_here(f, s1.id));
    assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
    assert_err(JOTD_OK, jotd_password_verify(got.password_hash,
                                             "another password", 16));
    /* Disabling with a new password revokes every session, the kept one
     * too. */
    c.set_roles = 0;
    c.disabled = 1;
    assert_err(JOTD_OK, jotd_account_change(&f->c.op, &u, &c, &n));
    assert_int_equal(n, 1);
    assert_true(revoked_here(f, s1.id));
    assert_int_equal(u.disabled, 1);
    assert_string_equal(u.roles, "[\"ops\"]");
    memset(&got, 0, sizeof got);
    memcpy(got.id, "00000000-0000-4000-8000-000000000000", JOTD_ID_LEN + 1);
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_change(&f->c.op, &got, &c,
                                                       NULL));
}

static void
test_self_lockout(void **state)
{
    static const char *const admin[] = {"user", "admin"};
    static const char *const user[] = {"user"};
    static const char me[] = "11111111-1111-4111-8111-111111111111";
    static const char other[] = "22222222-2222-4222-8222-222222222222";
    static const struct {
        const char *target;
        int set_roles;
        const char *const *roles;
        size_t n_roles;
        int disabled, deleting, refused;
    } cases[] = {
        {me, 0, NULL, 0, 1, 0, 1},      /* disabling oneself */
        {me, 0, NULL, 0, -1, 1, 1},     /* deleting oneself */
        {me, 1, user, 1, -1, 0, 1},     /* dropping one's admin role */
        {me, 1, NULL, 0, -1, 0, 1},     /* the default roles: no admin */
        {me, 1, admin, 0, -1, 0, 1},    /* none at all */
        {me, 1, admin, 2, -1, 0, 0},    /* keeping admin */
        {me, 0, NULL, 0, 0, 0, 0},      /* enabling oneself */
        {me, 0, NULL, 0, -1, 0, 0},     /* a new password */
        {other, 0, NULL, 0, 1, 0, 0},
        {other, 0, NULL, 0, -1, 1, 0},
        {other, 1, user, 1, -1, 0, 0},
    };
    struct jotd_account_change c;
    struct jotd_user u;
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        const char *why;

        memset(&u, 0, sizeof u);
        memcpy(u.id, cases[i].target, JOTD_ID_LEN + 1);
        memset(&c, 0, sizeof c);
        c.set_roles = cases[i].set_roles;
        c.roles = cases[i].roles;
        c.n_roles = cases[i].n_roles;
        c.disabled = cases[i].disabled;
        why = jotd_account_self_lockout(me, &u, &c, cases[i].deleting);
        if ((why != NULL) != cases[i].refused)
            fail_msg("case %zu: expected %s, got %s", i,
                     cases[i].refused ? "refused" : "allowed",
                     why ? why : "allowed");
    }
}

static void
test_edit_role(void **state)
{
    static const struct {
        const char *role;
        int add;
        jotd_err want;
        const char *roles;
    } steps[] = {
        {"ops", 1, JOTD_OK, "[\"user\",\"ops\"]"},
        {"ops", 1, JOTD_OK, "[\"user\",\"ops\"]"},      /* held */
        {"user", 0, JOTD_OK, "[\"ops\"]"},
        {"user", 0, JOTD_OK, "[\"ops\"]"},               /* lacked */
        {"a,b", 1, JOTD_ERR_INVALID, "[\"ops\"]"},
        {"ops", 0, JOTD_OK, "[]"},
        {"admin", 1, JOTD_OK, "[\"admin\"]"},
    };
    struct fx *f = *state;
    struct jotd_user u, got;
    size_t i;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "gina", 4, PW, PW_LEN,
                                            NULL, 0, &u));
    for (i = 0; i < N_ELEMS(steps); i++) {
        jotd_err err = jotd_account_edit_role(&f->c.op, &u, steps[i].role,
                                              steps[i].add);

        if (err != steps[i].want)
            fail_msg("step %zu: expected %s, got %s", i,
                     jotd_strerror(steps[i].want), jotd_strerror(err));
        assert_err(JOTD_OK, jotd_account_get(&f->c.op, u.id, &got));
        if (strcmp(got.roles, steps[i].roles) != 0)
            fail_msg("step %zu: expected %s, got %s", i, steps[i].roles,
                     got.roles);
    }
}

static void
test_delete(void **state)
{
    struct fx *f = *state;
    struct jotd_session s1, s2;
    struct jotd_user u, got;
    size_t n = 0;

    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "hank", 4, PW, PW_LEN,
                                            NULL, 0, &u));
    session(f, u.id, &s1);
    session(f, u.id, &s2);
    assert_err(JOTD_OK, jotd_account_delete(&f->c.op, u.id, &n));
    assert_int_equal(n, 2);
    assert_true(revoked_here(f, s1.id) && revoked_here(f, s2.id));
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_get(&f->c.op, u.id, &got));
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_delete(&f->c.op, u.id, &n));
    assert_int_equal(n, 0);
    assert_err(JOTD_ERR_NOT_FOUND, jotd_account_delete(&f->c.op, "x", &n));
    /* The name is free again. */
    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "hank", 4, PW, PW_LEN,
                                            NULL, 0, &u));
}

struct seen {
    char ids[8][JOTD_ID_LEN + 1];
    size_t n;
};

static int
seen_user(void *ctx, const struct jotd_user *u)
{
    struct seen *s = ctx;

    assert_true(s->n < N_ELEMS(s->ids));
    memcpy(s->ids[s->n++], u->id, JOTD_ID_LEN + 1);
    return 0;
}

/* Five users in pages of two: 2, 2, 1, each after the one before, and
 * next empty exactly on the last page. */
static void
test_page(void **state)
{
    struct fx *f = *state;
    char name[8], next[JOTD_ID_LEN + 1], after[JOTD_ID_LEN + 1] = "";
    struct seen all = {0}, page;
    struct jotd_user u;
    size_t i, pages = 0;

    for (i = 0; i < 5; i++) {
        name[0] = 'u';
        name[1] = (char)('0' + i);
        assert_err(JOTD_OK, jotd_account_create(&f->c.op, name, 2, PW,
                                                PW_LEN, NULL, 0, &u));
    }
    do {
        memset(&page, 0, sizeof page);
        assert_err(JOTD_OK, jotd_account_page(&f->c.op, after, 2, seen_user,
                                              &page, next));
        assert_int_equal(page.n, pages < 2 ? 2 : 1);
        if (next[0] != '\0')
            assert_string_equal(next, page.ids[page.n - 1]);
        for (i = 0; i < page.n; i++) {
            if (all.n > 0)
                assert_true(strcmp(all.ids[all.n - 1], page.ids[i]) < 0);
            memcpy(all.ids[all.n++], page.ids[i], JOTD_ID_LEN + 1);
        }
        memcpy(after, next, sizeof after);
        pages++;
    } while (next[0] != '\0' && pages < 10);
    assert_int_equal(pages, 3);
    assert_int_equal(all.n, 5);
    /* A page that ends exactly at the last user has no next. */
    memset(&page, 0, sizeof page);
    assert_err(JOTD_OK, jotd_account_page(&f->c.op, "", 5, seen_user, &page,
                                          next));
    assert_int_equal(page.n, 5);
    assert_string_equal(next, "");
    assert_err(JOTD_ERR_INVALID, jotd_account_page(&f->c.op, "", 0,
                                                   seen_user, &page, next));
    assert_err(JOTD_ERR_INVALID,
               jotd_account_page(&f->c.op, "", JOTD_ACCOUNT_PAGE_MAX + 1,
                                 seen_user, &page, next));
    assert_err(JOTD_ERR_INVALID, jotd_account_page(&f->c.op, "u1", 2,
                                                   seen_user, &page, next));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_text),
        cmocka_unit_test(test_roles_json),
        cmocka_unit_test(test_role_ok),
        cmocka_unit_test(test_self_lockout),
        cmocka_unit_test_setup_teardown(test_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_password, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
