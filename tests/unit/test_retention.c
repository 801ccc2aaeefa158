/*
 * test_retention.c - what the pruning pass (core/retention.c) deletes.
 *
 * The attack it must not allow: deleting a revoked session while one of
 * its access tokens can still be accepted drops it from the revoked
 * set, and the logged-out token works again.  So a revoked session
 * outlives session_retention when the revoked set's window is longer,
 * and nothing is pruned before the set has been built once.
 */
#include <stdlib.h>
#include <string.h>

#include "test_core.h"
#include "core/retention.h"

#define S 1000LL                /* a second, in ms */

struct fx {
    struct core_fx c;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    core_fx_open(&f->c, "retention");
    f->c.cfg.session_retention = 60;
    f->c.cfg.audit_retention = 60;
    f->c.cfg.login_window = 60;
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

/* A session revoked at revoked_at, into id. */
static void
revoked_session(struct fx *f, int64_t revoked_at, char id[JOTD_ID_LEN + 1])
{
    jotd_store *st = f->c.op.st;
    struct jotd_session s;

    memset(&s, 0, sizeof s);
    assert_int_equal(jotd_uuid(id), JOTD_OK);
    memcpy(s.id, id, JOTD_ID_LEN + 1);
    assert_int_equal(jotd_uuid(s.user_id), JOTD_OK);
    s.gen = 1;
    s.created_at = s.rotated_at = s.last_used_at = revoked_at - 10 * S;
    s.expires_at = T0 + 86400 * S;
    assert_int_equal(st->ops->session_create(st, &s), JOTD_STORE_OK);
    assert_int_equal(st->ops->session_revoke(st, id, "logout", revoked_at),
                     JOTD_STORE_OK);
}

static int
exists(struct fx *f, const char *id)
{
    struct jotd_session s;

    return f->c.op.st->ops->session_get(f->c.op.st, id, &s) ==
           JOTD_STORE_OK;
}

static void
test_revoked_kept_for_window(void **state)
{
    struct fx *f = *state;
    char a[JOTD_ID_LEN + 1], b[JOTD_ID_LEN + 1];
    size_t n;
    int more;

    revoked_session(f, T0 - 100 * S, a);    /* past retention (60 s) */
    revoked_session(f, T0 - 1000 * S, b);   /* past both */
    /* No set built yet: no session is pruned. */
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, f->c.op.st, T0, 0,
                                            JOTD_PRUNE_BATCH, &n, &more));
    assert_true(exists(f, a));
    assert_true(exists(f, b));
    /* A 900 s window keeps a, revoked 100 s ago, past its retention. */
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, f->c.op.st, T0,
                                            900 * S, JOTD_PRUNE_BATCH, &n,
                                            &more));
    assert_int_equal(n, 1);
    assert_false(more);
    assert_true(exists(f, a));
    assert_false(exists(f, b));
    /* A window shorter than the retention: the retention decides. */
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, f->c.op.st, T0,
                                            30 * S, JOTD_PRUNE_BATCH, &n,
                                            &more));
    assert_false(exists(f, a));
}

/* A pass deletes at most limit rows of a kind, and says when it did. */
static void
test_batches(void **state)
{
    struct fx *f = *state;
    jotd_store *st = f->c.op.st;
    size_t n, i;
    int more;

    for (i = 0; i < 5; i++)
        assert_int_equal(st->ops->audit(st, T0 - 1000 * S, "old", NULL,
                                        NULL, NULL, NULL), JOTD_STORE_OK);
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, st, T0, 0, 3, &n,
                                            &more));
    assert_int_equal(n, 3);
    assert_true(more);
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, st, T0, 0, 3, &n,
                                            &more));
    assert_int_equal(n, 2);
    assert_false(more);
}

/* A bucket's count, read as the throttle reads it. */
static int64_t
count_of(struct fx *f, const char *bucket, int64_t window_s)
{
    int64_t count = -1, last_at;

    assert_int_equal(f->c.op.st->ops->failure_get(f->c.op.st, bucket, T0,
                                                  window_s * S, &count,
                                                  &last_at),
                     JOTD_STORE_OK);
    return count;
}

/* Each kind of bucket lives as long as its own window: a sign-up count
 * (signup_window) outlives the login window, or an address could sign
 * up again as soon as its failures were pruned. */
static void
test_buckets_by_window(void **state)
{
    struct fx *f = *state;
    jotd_store *st = f->c.op.st;
    int64_t count, last_at;
    size_t n;
    int more;

    f->c.cfg.login_window = 60;
    f->c.cfg.signup_window = 3600;
    assert_int_equal(st->ops->failure_add(st, "i:192.0.2.1", T0 - 120 * S,
                                          60 * S, &count, &last_at),
                     JOTD_STORE_OK);
    assert_int_equal(st->ops->failure_add(st, "s:192.0.2.1", T0 - 120 * S,
                                          3600 * S, &count, &last_at),
                     JOTD_STORE_OK);
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, st, T0, 0,
                                            JOTD_PRUNE_BATCH, &n, &more));
    assert_int_equal(count_of(f, "i:192.0.2.1", 3600), 0);   /* pruned */
    assert_int_equal(count_of(f, "s:192.0.2.1", 3600), 1);   /* kept */
    f->c.cfg.signup_window = 60;
    assert_err(JOTD_OK, jotd_retention_pass(&f->c.cfg, st, T0, 0,
                                            JOTD_PRUNE_BATCH, &n, &more));
    assert_int_equal(count_of(f, "s:192.0.2.1", 3600), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_revoked_kept_for_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_by_window, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("retention", tests, NULL, NULL);
}
