/*
 * test_revocation.c - the set of revoked sessions (core/revocation.c):
 * how long a revoked session stays in it, and what the sync builds.
 *
 * The attack: a token is accepted until exp + leeway, and exp is set by
 * the access_ttl in force when the token was issued.  A set that keeps a
 * session for the current access_ttl + a fixed margin only lets a
 * logged-out token back in once the session leaves the set: with
 * leeway = 120 for 64 s after the logout, and after a restart with a
 * lower access_ttl for most of the old lifetime.  Revoking a user's
 * other sessions (password change, logout of the others, disabling)
 * must also reach this node's set at once, not at the next sync.
 *
 * The catch-up: revocations made elsewhere (here, straight through the
 * store, as another node would) join the set by their numbers alone,
 * with what this node added meanwhile kept, and the set sorted.
 */
#include <stdlib.h>
#include <string.h>

#include "test_core.h"
#include "core/revocation.h"

struct fx {
    struct core_fx c;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    core_fx_open(&f->c, "revocation");
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

/* Publishes cfg as the configuration the sync reads. */
static void
use_config(struct fx *f, int64_t access_ttl, int64_t leeway, int64_t skew)
{
    struct jotd_config *cfg = malloc(sizeof *cfg);

    assert_non_null(cfg);
    *cfg = f->c.cfg;
    cfg->access_ttl = access_ttl;
    cfg->leeway = leeway;
    cfg->clock_skew = skew;
    assert_int_equal(jotd_snapshot_publish(&f->c.j, JOTD_SNAP_CONFIG, cfg,
                                           NULL, NULL), JOTD_OK);
}

/* A session of user uid, revoked at revoked_at (0: live), into id. */
static void
session(struct fx *f, const char *uid, int64_t revoked_at,
        char id[JOTD_ID_LEN + 1])
{
    jotd_store *st = f->c.op.st;
    struct jotd_session s;

    memset(&s, 0, sizeof s);
    assert_int_equal(jotd_uuid(id), JOTD_OK);
    memcpy(s.id, id, JOTD_ID_LEN + 1);
    memcpy(s.user_id, uid, JOTD_ID_LEN + 1);
    s.gen = 1;
    s.created_at = s.rotated_at = s.last_used_at = jotd_now_ms() - 1000000;
    s.expires_at = jotd_now_ms() + 1000000;
    assert_int_equal(st->ops->session_create(st, &s), JOTD_STORE_OK);
    if (revoked_at != 0)
        assert_int_equal(st->ops->session_revoke(st, id, "logout",
                                                 revoked_at),
                         JOTD_STORE_OK);
}

static void
test_window(void **state)
{
    static const struct {
        int64_t ttl, leeway, skew, want_ms;
    } cases[] = {
        {900, 0, 60, 960000},       /* the defaults */
        {2, 5, 0, 7000},
        {2, 120, 60, 182000},       /* the leeway counts */
        {86400, 300, 3600, 90300000},
        {0, 0, 0, 0},
        {-5, -1, -1, 0},            /* nonsense is no window, not < 0 */
        {INT64_MAX, 1, 0, INT64_MAX},
        {INT64_MAX / 1000, 0, 1000, INT64_MAX},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        int64_t got = jotd_revoked_window_ms(cases[i].ttl, cases[i].leeway,
                                             cases[i].skew);
        if (got != cases[i].want_ms)
            fail_msg("case %zu: ttl %lld leeway %lld skew %lld: expected "
                     "%lld ms, got %lld", i, (long long)cases[i].ttl,
                     (long long)cases[i].leeway, (long long)cases[i].skew,
                     (long long)cases[i].want_ms, (long long)got);
    }
}

/*
 * With leeway 120, a session revoked 100 s ago still has a token that
 * is accepted (exp up to 2 s after the logout, + 120 s): the sync keeps
 * it, where access_ttl + 60 would have dropped it after 62 s.  One
 * revoked before the whole window is gone.
 */
static void
test_sync_counts_leeway(void **state)
{
    struct fx *f = *state;
    char uid[JOTD_ID_LEN + 1], recent[JOTD_ID_LEN + 1];
    char old[JOTD_ID_LEN + 1], live[JOTD_ID_LEN + 1];
    int64_t now = jotd_now_ms();

    assert_int_equal(jotd_uuid(uid), JOTD_OK);
    session(f, uid, now - 100000, recent);
    session(f, uid, now - 130000, old);
    session(f, uid, 0, live);
    use_config(f, 2, 120, 0);
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, f->c.op.st));
    assert_int_equal(jotd_revoked_window_current(&f->c.j), 122000);
    assert_true(jotd_revoked_contains(jotd_revoked_current(&f->c.j),
                                      recent));
    assert_false(jotd_revoked_contains(jotd_revoked_current(&f->c.j), old));
    assert_false(jotd_revoked_contains(jotd_revoked_current(&f->c.j),
                                       live));
}

/*
 * A restart with access_ttl lowered from 900 to 2: tokens issued before
 * it live up to 900 s, so the window stays that of 900, on every node
 * (the store keeps the largest access_ttl ever recorded).
 */
static void
test_sync_remembers_longer_ttl(void **state)
{
    struct fx *f = *state;
    char uid[JOTD_ID_LEN + 1], sid[JOTD_ID_LEN + 1];
    int64_t now = jotd_now_ms();

    assert_int_equal(jotd_uuid(uid), JOTD_OK);
    use_config(f, 900, 0, 0);
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, f->c.op.st));
    assert_int_equal(jotd_revoked_window_current(&f->c.j), 900000);
    session(f, uid, now - 300000, sid);
    use_config(f, 2, 0, 0);
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, f->c.op.st));
    assert_int_equal(jotd_revoked_window_current(&f->c.j), 900000);
    assert_true(jotd_revoked_contains(jotd_revoked_current(&f->c.j), sid));
}

/* Revoking a user's other sessions puts each of them in this node's set
 * at once, with no sync in between; the kept one stays out. */
static void
test_revoke_user_adds_at_once(void **state)
{
    struct fx *f = *state;
    jotd_store *st = f->c.op.st;
    char uid[JOTD_ID_LEN + 1], keep[JOTD_ID_LEN + 1];
    char a[JOTD_ID_LEN + 1], b[JOTD_ID_LEN + 1];
    size_t n = 0;

    assert_int_equal(jotd_uuid(uid), JOTD_OK);
    session(f, uid, 0, keep);
    session(f, uid, 0, a);
    session(f, uid, 0, b);
    use_config(f, 900, 0, 60);
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, st));
    assert_false(jotd_revoked_contains(jotd_revoked_current(&f->c.j), a));
    assert_int_equal(st->ops->session_revoke_user(st, uid, keep, "password",
                                                  jotd_now_ms(),
                                                  jotd_revoked_add_cb,
                                                  &f->c.j, &n),
                     JOTD_STORE_OK);
    assert_int_equal(n, 2);
    assert_true(jotd_revoked_contains(jotd_revoked_current(&f->c.j), a));
    assert_true(jotd_revoked_contains(jotd_revoked_current(&f->c.j), b));
    assert_false(jotd_revoked_contains(jotd_revoked_current(&f->c.j),
                                       keep));
    /* An added id keeps the window of the set it joined. */
    assert_int_equal(jotd_revoked_window_current(&f->c.j), 960000);
}

/* Whether every id of ids is in the current set, which is sorted. */
static void
assert_set(struct fx *f, char (*ids)[JOTD_ID_LEN + 1], size_t n, int in)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (jotd_revoked_contains(jotd_revoked_current(&f->c.j), ids[i]) !=
            in)
            fail_msg("%s: expected %s the set", ids[i], in ? "in" : "out of");
    }
}

static void
test_catch_up(void **state)
{
    struct fx *f = *state;
    jotd_store *st = f->c.op.st;
    char uid[JOTD_ID_LEN + 1], ids[6][JOTD_ID_LEN + 1];
    char local[JOTD_ID_LEN + 1];
    int64_t now = jotd_now_ms();
    size_t i, n = 0;
    int more = 1;

    assert_int_equal(jotd_uuid(uid), JOTD_OK);
    for (i = 0; i < 6; i++)
        session(f, uid, 0, ids[i]);
    session(f, uid, now - 5000, local);     /* number 1 */
    use_config(f, 900, 0, 60);
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, st));
    assert_int_equal(jotd_revoked_seq(&f->c.j), 1);
    assert_set(f, &local, 1, 1);

    /* Nothing new: the same set, and no batch left behind. */
    assert_err(JOTD_OK, jotd_revoked_catch_up(&f->c.j, st, 0, &more));
    assert_int_equal(more, 0);
    assert_int_equal(jotd_revoked_seq(&f->c.j), 1);

    /* Another node revokes ids[0] (number 2) and ids[1..3] (number 3);
     * this one adds ids[5] by itself, which the catch-up must keep. */
    assert_int_equal(st->ops->session_revoke(st, ids[0], "logout", now),
                     JOTD_STORE_OK);
    assert_int_equal(st->ops->session_revoke(st, ids[5], "logout", now),
                     JOTD_STORE_OK);
    jotd_revoked_add(&f->c.j, ids[5]);
    assert_int_equal(jotd_revoked_seq(&f->c.j), 1);     /* a local add */
    assert_int_equal(st->ops->session_revoke_user(st, uid, ids[4], "password",
                                                  now, NULL, NULL, &n),
                     JOTD_STORE_OK);
    assert_int_equal(n, 3);
    assert_set(f, ids, 5, 0);
    assert_err(JOTD_OK, jotd_revoked_catch_up(&f->c.j, st, 0, &more));
    assert_int_equal(more, 0);
    assert_int_equal(jotd_revoked_seq(&f->c.j), 4);
    assert_set(f, ids, 4, 1);
    assert_set(f, &ids[4], 1, 0);
    assert_set(f, &ids[5], 1, 1);
    assert_set(f, &local, 1, 1);
    assert_int_equal(jotd_revoked_window_current(&f->c.j), 960000);

    /* A number read before, with nothing left to list, is reached. */
    assert_err(JOTD_OK, jotd_revoked_catch_up(&f->c.j, st, 9, &more));
    assert_int_equal(jotd_revoked_seq(&f->c.j), 9);
    /* And the full sync takes the store's number again. */
    assert_err(JOTD_OK, jotd_revoked_sync(&f->c.j, st));
    assert_int_equal(jotd_revoked_seq(&f->c.j), 4);
    assert_set(f, ids, 4, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window),
        cmocka_unit_test_setup_teardown(test_sync_counts_leeway, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_remembers_longer_ttl,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_user_adds_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
    };

    return cmocka_run_group_tests_name("revocation", tests, NULL, NULL);
}
