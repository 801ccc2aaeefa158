/*
 * test_core.h - the fixture the suites of core/ rules share: a struct
 * jotd, a configuration that hashes quickly, and a migrated SQLite
 * store in a fresh directory under /tmp, with the operation context a
 * request would build (struct jotd_op).  Header-only, like testutil.h.
 */
#ifndef JOT_TEST_CORE_H
#define JOT_TEST_CORE_H

#include <unistd.h>

#include "testutil.h"
#include "core/accounts.h"
#include "core/password.h"
#include "core/snapshot.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1700000000000LL          /* a fixed "now", in ms */

#define assert_err(want, got)                                             \
    do {                                                                  \
        jotd_err ae_w = (want), ae_g = (got);                             \
        if (ae_w != ae_g)                                                 \
            fail_msg("expected %s, got %s", jotd_strerror(ae_w),          \
                     jotd_strerror(ae_g));                                \
    } while (0)

struct core_fx {
    char dir[64];
    struct jotd j;
    struct jotd_config cfg;
    struct jotd_op op;
};

static inline void
core_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);

    assert_true(n > 0 && (size_t)n < cap);
}

/* Opens the fixture; name tells the directories of two suites apart. */
static inline void
core_fx_open(struct core_fx *f, const char *name)
{
    char url[128], err[256];
    int n, version;

    n = snprintf(f->dir, sizeof f->dir, "/tmp/jot-%s-XXXXXX", name);
    assert_true(n > 0 && (size_t)n < sizeof f->dir);
    assert_non_null(mkdtemp(f->dir));
    n = snprintf(url, sizeof url, "sqlite:%s/jot.db", f->dir);
    assert_true(n > 0 && (size_t)n < sizeof url);
    jotd_config_defaults(&f->cfg);
    f->cfg.password_hash = JOTD_HASH_BCRYPT;    /* cost 10: quick */
    f->cfg.bcrypt_cost = 10;
    jotd_hash_slots_init(&f->j, 1);
    jotd_snapshot_init(&f->j);
    f->op.j = &f->j;
    f->op.cfg = &f->cfg;
    f->op.ip = "192.0.2.1";
    f->op.now = T0;
    f->op.st = jotd_store_open(url, err, sizeof err);
    if (f->op.st == NULL)
        fail_msg("store: %s", err);
    assert_int_equal(f->op.st->ops->migrate(f->op.st, &version),
                     JOTD_STORE_OK);
}

/* Closes the store, removes its files and frees the snapshots. */
static inline void
core_fx_close(struct core_fx *f)
{
    static const char *const files[] = {"jot.db", "jot.db-wal",
                                        "jot.db-shm"};
    char path[128];
    size_t i;

    jotd_store_close(f->op.st);
    for (i = 0; i < N_ELEMS(files); i++) {
        core_path(path, sizeof path, f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    jotd_snapshot_finish(&f->j);
    sem_destroy(&f->j.hash_slots);
}

#endif /* JOT_TEST_CORE_H */
