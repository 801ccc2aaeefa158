/*
 * test_sessions.c - the session rules of core/sessions.c: the refresh
 * judge (rotate, grace, reuse), the logout scopes and what each revokes,
 * and revoking one's own session, on a real SQLite store in a fresh
 * directory under /tmp.
 */
#include "test_core.h"
#include "core/revocation.h"
#include "core/sessions.h"

struct fx {
    struct core_fx c;
    struct jotd_user u, other;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    core_fx_open(&f->c, "sessions");
    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "alice", 5, "password",
                                            8, NULL, 0, &f->u));
    assert_err(JOTD_OK, jotd_account_create(&f->c.op, "bob", 3, "password",
                                            8, NULL, 0, &f->other));
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

static const char *
verdict_name(enum jotd_refresh_verdict v)
{
    switch (v) {
    case JOTD_REFRESH_ROTATE: return "ROTATE";
    case JOTD_REFRESH_GRACE: return "GRACE";
    case JOTD_REFRESH_REUSE: return "REUSE";
    }
    return "?";
}

static void
test_judge(void **state)
{
    static const struct {
        double grace;           /* seconds */
        int64_t gen, since;     /* presented gen; ms since the rotation */
        enum jotd_refresh_verdict want;
    } cases[] = {
        {10, 5, 0, JOTD_REFRESH_ROTATE},
        {10, 5, 999999, JOTD_REFRESH_ROTATE},
        {10, 4, 0, JOTD_REFRESH_GRACE},
        {10, 4, 9999, JOTD_REFRESH_GRACE},
        {10, 4, 10000, JOTD_REFRESH_REUSE},
        {0.5, 4, 499, JOTD_REFRESH_GRACE},
        {0.5, 4, 500, JOTD_REFRESH_REUSE},
        {0, 4, 0, JOTD_REFRESH_REUSE},
        /* the clock read before the rotation it lost to */
        {0, 4, -3, JOTD_REFRESH_REUSE},
        {10, 4, -3, JOTD_REFRESH_GRACE},
        {10, 3, 0, JOTD_REFRESH_REUSE},
        {10, 6, 0, JOTD_REFRESH_REUSE},
        {10, 0, 0, JOTD_REFRESH_REUSE},
    };
    struct jotd_config cfg;
    struct jotd_session s;
    size_t i;

    (void)state;
    memset(&s, 0, sizeof s);
    s.gen = 5;
    s.rotated_at = T0;
    for (i = 0; i < N_ELEMS(cases); i++) {
        enum jotd_refresh_verdict v;

        cfg.refresh_reuse_grace = cases[i].grace;
        v = jotd_session_judge(&cfg, &s, cases[i].gen, T0 + cases[i].since);
        if (v != cases[i].want)
            fail_msg("case %zu: expected %s, got %s", i,
                     verdict_name(cases[i].want), verdict_name(v));
    }
}

static void
test_scope_of(void **state)
{
    static const struct {
        const char *name;
        jotd_err want;
        enum jotd_logout_scope scope;
    } cases[] = {
        {NULL, JOTD_OK, JOTD_LOGOUT_LOCAL},
        {"local", JOTD_OK, JOTD_LOGOUT_LOCAL},
        {"global", JOTD_OK, JOTD_LOGOUT_GLOBAL},
        {"others", JOTD_OK, JOTD_LOGOUT_OTHERS},
        {"", JOTD_ERR_INVALID, JOTD_LOGOUT_LOCAL},
        {"Global", JOTD_ERR_INVALID, JOTD_LOGOUT_LOCAL},
        {"all", JOTD_ERR_INVALID, JOTD_LOGOUT_LOCAL},
    };
    enum jotd_logout_scope scope;
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        assert_err(cases[i].want, jotd_logout_scope_of(cases[i].name, &scope));
        assert_int_equal(scope, cases[i].scope);
    }
}

static int
count(void *ctx, const struct jotd_session *s)
{
    (void)s;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t
live(struct fx *f, const struct jotd_user *u)
{
    size_t n = 0;

    assert_err(JOTD_OK, jotd_session_list(&f->c.op, u->id, count, &n));
    return n;
}

static int
revoked_here(struct fx *f, const char *sid)
{
    return jotd_revoked_contains(jotd_revoked_current(&f->c.j), sid);
}

static void
test_open_and_revoke_own(void **state)
{
    struct fx *f = *state;
    struct jotd_session s, theirs, got;

    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->u, "agent/1", &s));
    assert_true(jotd_is_id(s.id));
    assert_int_equal(s.gen, 1);
    assert_string_equal(s.user_agent, "agent/1");
    assert_string_equal(s.ip, "192.0.2.1");
    assert_true(s.expires_at > T0);
    assert_int_equal(f->c.op.st->ops->session_get(f->c.op.st, s.id, &got),
                     JOTD_STORE_OK);
    assert_string_equal(got.user_id, f->u.id);
    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->other, NULL, &theirs));
    assert_string_equal(theirs.user_agent, "");
    assert_int_equal(live(f, &f->u), 1);

    assert_err(JOTD_ERR_NOT_FOUND,
               jotd_session_revoke_own(&f->c.op, f->u.id, theirs.id));
    assert_err(JOTD_ERR_NOT_FOUND,
               jotd_session_revoke_own(&f->c.op, f->u.id, "short"));
    assert_false(revoked_here(f, theirs.id));
    assert_err(JOTD_OK, jotd_session_revoke_own(&f->c.op, f->u.id, s.id));
    assert_true(revoked_here(f, s.id));
    assert_int_equal(live(f, &f->u), 0);
    /* Revoked once, it is gone. */
    assert_err(JOTD_ERR_NOT_FOUND,
               jotd_session_revoke_own(&f->c.op, f->u.id, s.id));
    assert_int_equal(live(f, &f->other), 1);
}

/* An admin's revocation: anyone's session, idempotent, 404 only for
 * what never was. */
static void
test_revoke_any(void **state)
{
    struct fx *f = *state;
    struct jotd_session s, theirs, got;

    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->u, NULL, &s));
    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->other, NULL, &theirs));
    assert_err(JOTD_OK, jotd_session_revoke_any(&f->c.op, theirs.id, NULL));
    assert_true(revoked_here(f, theirs.id));
    assert_int_equal(f->c.op.st->ops->session_get(f->c.op.st, theirs.id,
                                                  &got), JOTD_STORE_OK);
    assert_string_equal(got.revoked_reason, "admin");
    assert_int_equal(live(f, &f->other), 0);
    assert_int_equal(live(f, &f->u), 1);
    assert_err(JOTD_OK, jotd_session_revoke_any(&f->c.op, theirs.id, NULL));
    assert_err(JOTD_ERR_NOT_FOUND,
               jotd_session_revoke_any(&f->c.op,
                                       "00000000-0000-4000-8000-000000000000",
                                       NULL));
    assert_err(JOTD_ERR_NOT_FOUND,
               jotd_session_revoke_any(&f->c.op, "short", NULL));
    assert_false(revoked_here(f, s.id));
}

static void
test_logout_scopes(void **state)
{
    struct fx *f = *state;
    struct jotd_session a, b, c, theirs;

    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->u, NULL, &a));
    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->u, NULL, &b));
    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->u, NULL, &c));
    assert_err(JOTD_OK, jotd_session_open(&f->c.op, &f->other, NULL, &theirs));

    assert_err(JOTD_OK, jotd_session_logout(&f->c.op, f->u.id, a.id,
                                            JOTD_LOGOUT_LOCAL));
    assert_true(revoked_here(f, a.id));
    assert_int_equal(live(f, &f->u), 2);
    /* others: every session but b; b stays usable here. */
    assert_err(JOTD_OK, jotd_session_logout(&f->c.op, f->u.id, b.id,
                                            JOTD_LOGOUT_OTHERS));
    assert_false(revoked_here(f, b.id));
    assert_int_equal(live(f, &f->u), 1);
    assert_err(JOTD_OK, jotd_session_logout(&f->c.op, f->u.id, b.id,
                                            JOTD_LOGOUT_GLOBAL));
    assert_true(revoked_here(f, b.id));
    assert_int_equal(live(f, &f->u), 0);
    assert_int_equal(live(f, &f->other), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_scope_of),
        cmocka_unit_test_setup_teardown(test_open_and_revoke_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revoke_any, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logout_scopes, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
