/*
 * test_snapshot.c - the freeing of replaced snapshots (core/snapshot.c).
 *
 * The attack this guards against is an ordinary burst of logouts: each
 * one publishes a new revoked set, and the old scheme freed the oldest
 * replaced value once 256 waited, whether or not a request still read
 * it.  Here reader threads do what a bearer check does (pin, load the
 * revoked set and bsearch it, read the keys and the configuration) and
 * hold what they loaded for a while, as a request waiting on a worker
 * does, while a writer makes 10,000 logouts and swaps keys and
 * configuration between them.  Every value carries its generation in
 * two places, so a reader that holds freed or reused memory sees a
 * mismatch; under ASan it is a use-after-free report.
 *
 * Counts are bounded and nothing is timed: the readers stop when the
 * writer is done, or after READ_MAX rounds, or after TIME_MAX_MS.
 */
#include <pthread.h>
#include <time.h>

#include "testutil.h"
#include "core/keys.h"
#include "core/reload.h"
#include "core/revocation.h"
#include "jotd.h"

#define LOGOUTS 10000
#define SWAP_EVERY 100          /* a key and a config swap per 100 */
#define READERS 2
#define READ_MAX 2000000
#define HOLD_EVERY 64           /* one round in 64 holds what it loaded */
#define HOLD_SWAPS 300          /* ... until this many more logouts */
#define HOLD_POLLS 5000         /* ... or this many 200 us naps */
#define TIME_MAX_MS 120000

static struct jotd j;
static atomic_uint n_added;     /* ids below it are in every later set */
static atomic_int writer_done;
static atomic_uint n_bad;

static void
make_id(unsigned i, char id[JOTD_ID_LEN + 1])
{
    int n = snprintf(id, JOTD_ID_LEN + 1, "%08x-0000-4000-8000-%012x", i, i);

    assert_true(n == JOTD_ID_LEN);
}

static struct jotd_keys *
make_keys(unsigned gen)
{
    struct jotd_keys *k = calloc(1, sizeof *k);
    int n;

    assert_non_null(k);
    assert_int_equal(jot_keyset_new(&k->verify), JOT_OK);
    n = snprintf(k->fingerprint, sizeof k->fingerprint, "keys-%u", gen);
    assert_true(n > 0 && (size_t)n < sizeof k->fingerprint);
    k->jwks = strdup(k->fingerprint);
    assert_non_null(k->jwks);
    return k;
}

static struct jotd_config *
make_config(unsigned gen)
{
    struct jotd_config *cfg = calloc(1, sizeof *cfg);
    int n;

    assert_non_null(cfg);
    n = snprintf(cfg->issuer, sizeof cfg->issuer, "cfg-%u", gen);
    assert_true(n > 0 && (size_t)n < sizeof cfg->issuer);
    cfg->access_ttl = gen;
    return cfg;
}

static void
setup_jotd(void)
{
    memset(&j, 0, sizeof j);
    jotd_snapshot_init(&j);
    atomic_store(&j.cfg, make_config(0));
    assert_int_equal(jotd_snapshot_publish(&j, JOTD_SNAP_KEYS, make_keys(0),
                                           NULL, NULL), JOTD_OK);
    atomic_store(&n_added, 0);
    atomic_store(&writer_done, 0);
    atomic_store(&n_bad, 0);
}

/* 1 when what a reader holds is whole: each id known added is in the
 * set, and keys and configuration agree with themselves. */
static int
intact(const struct jotd_revoked *set, const struct jotd_keys *keys,
       const struct jotd_config *cfg, unsigned k, unsigned round)
{
    char id[JOTD_ID_LEN + 1], want[32];
    unsigned probe[3] = {0, k / 2, round % (k ? k : 1)};
    size_t i;
    int n;

    for (i = 0; k > 0 && i < 3; i++) {
        make_id(probe[i], id);
        if (!jotd_revoked_contains(set, id))
            return 0;
    }
    if (strcmp(keys->jwks, keys->fingerprint) != 0)
        return 0;
    n = snprintf(want, sizeof want, "cfg-%lld", (long long)cfg->access_ttl);
    return n > 0 && (size_t)n < sizeof want && strcmp(want, cfg->issuer) == 0;
}

/* Waits, bounded, until the writer has made HOLD_SWAPS more logouts
 * than k (more than the old scheme's 256 deferred values) or is done. */
static void
hold_across_swaps(unsigned k)
{
    struct timespec nap = {0, 200 * 1000};
    unsigned polls;

    for (polls = 0; polls < HOLD_POLLS && !atomic_load(&writer_done) &&
                    atomic_load(&n_added) < k + HOLD_SWAPS;
         polls++)
        nanosleep(&nap, NULL);
}

static void *
reader(void *arg)
{
    int64_t until = jotd_now_ms() + TIME_MAX_MS;
    const struct jotd_revoked *set;
    const struct jotd_keys *keys;
    const struct jotd_config *cfg;
    unsigned round, k;

    (void)arg;
    for (round = 0; round < READ_MAX && !atomic_load(&writer_done) &&
                    jotd_now_ms() < until;
         round++) {
        struct jotd_snap_pin pin = {NULL};

        jotd_snapshot_enter(&j, &pin);
        k = atomic_load(&n_added);
        set = jotd_revoked_current(&j);
        keys = jotd_keys_current(&j);
        cfg = jotd_cfg(&j);
        if (!intact(set, keys, cfg, k, round))
            atomic_fetch_add(&n_bad, 1);
        if (round % HOLD_EVERY == 0) {
            /* Held across many swaps: it must still be what it was. */
            hold_across_swaps(k);
            if (!intact(set, keys, cfg, k, round))
                atomic_fetch_add(&n_bad, 1);
        }
        jotd_snapshot_leave(&pin);
    }
    return NULL;
}

static void
test_logout_burst_under_readers(void **state)
{
    pthread_t t[READERS];
    char id[JOTD_ID_LEN + 1];
    unsigned i;
    size_t r;

    (void)state;
    setup_jotd();
    for (r = 0; r < READERS; r++)
        assert_int_equal(pthread_create(&t[r], NULL, reader, NULL), 0);
    for (i = 0; i < LOGOUTS; i++) {
        make_id(i, id);
        jotd_revoked_add(&j, id);   /* what a logout does */
        atomic_store(&n_added, i + 1);
        if (i % SWAP_EVERY == 0) {
            assert_true(jotd_snapshot_publish(&j, JOTD_SNAP_KEYS,
                                              make_keys(i + 1), NULL,
                                              NULL) == JOTD_OK);
            assert_true(jotd_snapshot_publish(&j, JOTD_SNAP_CONFIG,
                                              make_config(i + 1), NULL,
                                              NULL) == JOTD_OK);
        }
    }
    atomic_store(&writer_done, 1);
    for (r = 0; r < READERS; r++)
        pthread_join(t[r], NULL);
    if (atomic_load(&n_bad) != 0)
        fail_msg("readers saw %u damaged snapshots", atomic_load(&n_bad));
    for (i = 0; i < LOGOUTS; i++) {
        make_id(i, id);
        assert_true(jotd_revoked_contains(jotd_revoked_current(&j), id));
    }
    /* With no reader left, everything retired is freed. */
    jotd_snapshot_collect(&j);
    if (j.snap.n_retired != 0)
        fail_msg("%zu values still retired, expected none",
                 j.snap.n_retired);
    jotd_snapshot_finish(&j);
}

/* One pin, held while far more than 256 values are replaced, keeps the
 * one it loaded; once dropped, the backlog is freed. */
static void
test_pin_outlives_many_swaps(void **state)
{
    struct jotd_snap_pin pin = {NULL};
    const struct jotd_revoked *held;
    char id[JOTD_ID_LEN + 1];
    unsigned i;

    (void)state;
    setup_jotd();
    make_id(0, id);
    jotd_revoked_add(&j, id);
    jotd_snapshot_enter(&j, &pin);
    held = jotd_revoked_current(&j);
    for (i = 1; i <= 1000; i++) {
        make_id(i, id);
        jotd_revoked_add(&j, id);
    }
    make_id(0, id);
    assert_true(jotd_revoked_contains(held, id));
    make_id(1, id);
    assert_false(jotd_revoked_contains(held, id));
    if (j.snap.n_retired < 1000)
        fail_msg("only %zu values retired: some were freed under a pin",
                 j.snap.n_retired);
    jotd_snapshot_leave(&pin);
    jotd_snapshot_leave(&pin);      /* a second leave does nothing */
    jotd_snapshot_collect(&j);
    if (j.snap.n_retired != 0)
        fail_msg("%zu values still retired, expected none",
                 j.snap.n_retired);
    jotd_snapshot_finish(&j);
}

static void *
leave_elsewhere(void *pin)
{
    jotd_snapshot_leave(pin);
    return NULL;
}

/* A request pins on one thread and finishes on another. */
static void
test_pin_left_on_another_thread(void **state)
{
    struct jotd_snap_pin pin = {NULL};
    char id[JOTD_ID_LEN + 1];
    pthread_t t;
    unsigned i;

    (void)state;
    setup_jotd();
    jotd_snapshot_enter(&j, &pin);
    for (i = 0; i < 600; i++) {
        make_id(i, id);
        jotd_revoked_add(&j, id);
    }
    assert_true(j.snap.n_retired >= 599);   /* the first replaced none */
    assert_int_equal(pthread_create(&t, NULL, leave_elsewhere, &pin), 0);
    pthread_join(t, NULL);
    assert_null(pin.count);
    jotd_snapshot_collect(&j);
    assert_int_equal(j.snap.n_retired, 0);
    jotd_snapshot_finish(&j);
}

/* Publishing what admit refuses keeps the current value. */
static int
refuse(void *ctx, const void *cur, void *next)
{
    (void)ctx;
    (void)next;
    return cur != NULL;
}

static void
test_admit_refuses(void **state)
{
    const struct jotd_keys *before;
    uint64_t epoch;

    (void)state;
    setup_jotd();
    before = jotd_keys_current(&j);
    epoch = atomic_load(&j.epoch);
    assert_int_equal(jotd_snapshot_publish(&j, JOTD_SNAP_KEYS, make_keys(7),
                                           refuse, NULL), JOTD_ERR_CONFLICT);
    assert_ptr_equal(jotd_keys_current(&j), before);
    assert_true(atomic_load(&j.epoch) == epoch);
    assert_int_equal(jotd_snapshot_publish(&j, JOTD_SNAP_CONFIG,
                                           make_config(8), NULL, NULL),
                     JOTD_OK);
    assert_true(atomic_load(&j.epoch) == epoch + 1);
    jotd_snapshot_finish(&j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admit_refuses),
        cmocka_unit_test(test_pin_outlives_many_swaps),
        cmocka_unit_test(test_pin_left_on_another_thread),
        cmocka_unit_test(test_logout_burst_under_readers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
