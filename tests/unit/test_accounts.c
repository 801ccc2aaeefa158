/*
 * test_accounts.c - the account rules of core/accounts.c on a real
 * SQLite store: roles as stored text and as JSON, creation and its
 * refusals, the login check (unknown, wrong, disabled alike, and the
 * throttle), disabling, and the password change with the sessions it
 * revokes.  Each test works in a fresh directory under /tmp.
 */
#include "test_core.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_text),
        cmocka_unit_test(test_roles_json),
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_password, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
