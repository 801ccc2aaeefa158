/*
 * snapshot.h - values that every thread reads without a lock and that
 * are replaced whole: the configuration, the signing keys and the set of
 * revoked sessions.  A writer publishes a new value; the one it replaces
 * is freed only once no reader can still hold it (see snapshot.c for the
 * rule).
 *
 * A reader pins before it loads any of them (jotd_cfg(),
 * jotd_keys_current(), jotd_revoked_current()) and unpins when it no
 * longer uses what it loaded.  A pin is an object, not a thread: it may
 * be taken on one thread and dropped on another, so a request can hold
 * one from its first callback to its completion, across a worker.
 *
 * WARNING: a pointer loaded from j->cfg, j->keys or j->revoked is only
 * valid while the pin taken before the load is held.  Code that keeps
 * one past jotd_snapshot_leave() reads freed memory, maybe ten seconds
 * later, maybe at once.
 */
#ifndef JOTD_SNAPSHOT_H
#define JOTD_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct jotd;
struct jotd_retired;

/* Reader counts are spread over this many cache lines, so that threads
 * pinning at once seldom write the same line. */
#define JOTD_SNAP_STRIPES 16

/* A reader's hold on the snapshots of one moment; zero it before use. */
struct jotd_snap_pin {
    atomic_long *count;         /* the counter entered, NULL: not held */
};

/* Reclamation state, a member of struct jotd (no locks of its own: the
 * retired list is guarded by j->swap_lock). */
struct jotd_snapshots {
    /* The reclamation epoch (not j->epoch, which is the cache's). */
    atomic_uint_fast64_t epoch;
    struct {
        atomic_long n[3];       /* readers pinned in epoch e: n[e % 3] */
        char pad[64 - 3 * sizeof(atomic_long)];
    } stripe[JOTD_SNAP_STRIPES];
    struct jotd_retired *retired;   /* oldest first */
    struct jotd_retired *newest;
    size_t n_retired;
};

/* What a publish replaces; each kind has its free function and says
 * whether the verified-token cache must forget (snapshot.c). */
enum jotd_snapshot_kind {
    JOTD_SNAP_CONFIG,           /* j->cfg, struct jotd_config */
    JOTD_SNAP_KEYS,             /* j->keys, struct jotd_keys */
    JOTD_SNAP_REVOKED           /* j->revoked, struct jotd_revoked */
};

/* Initialises j->snap and j->swap_lock; before any thread starts. */
void jotd_snapshot_init(struct jotd *j);

/*
 * Frees every retired value and the current configuration, keys and
 * revoked set, and destroys j->swap_lock.  Only once every other thread
 * has stopped.
 */
void jotd_snapshot_finish(struct jotd *j);

/*
 * Pins the snapshots published so far: until jotd_snapshot_leave(pin),
 * nothing loaded after this call is freed.  Pins nest and are cheap
 * (two atomic additions in all); *pin must not be held already.  Any
 * thread may leave a pin that another entered.
 */
void jotd_snapshot_enter(struct jotd *j, struct jotd_snap_pin *pin);

/* Drops the pin; a pin not held is left alone, so this may be called
 * on every path. */
void jotd_snapshot_leave(struct jotd_snap_pin *pin);

/*
 * Decides, under j->swap_lock, whether next replaces cur (the current
 * value, NULL before the first publish), and may complete next from cur.
 * 0 to publish next, anything else to keep cur.
 */
typedef int (*jotd_snapshot_admit)(void *ctx, const void *cur, void *next);

/*
 * The one way to replace a snapshot.  Under j->swap_lock: runs admit
 * (NULL: always publish), swaps next in, moves j->epoch when kind is
 * the configuration or the keys (what was verified under the old ones
 * must be verified again), and retires the old value, which is freed
 * once no pin can hold it.  next is kept in every case: freed at once
 * when admit refuses it or memory runs out.  JOTD_OK when published,
 * JOTD_ERR_CONFLICT when admit kept the current value, JOTD_ERR_NOMEM
 * (the current value kept).
 */
jotd_err jotd_snapshot_publish(struct jotd *j, enum jotd_snapshot_kind kind,
                               void *next, jotd_snapshot_admit admit,
                               void *ctx);

/* Frees what no pin can hold any more; the sync thread calls it every
 * tick, and publish after each swap. */
void jotd_snapshot_collect(struct jotd *j);

#endif /* JOTD_SNAPSHOT_H */
