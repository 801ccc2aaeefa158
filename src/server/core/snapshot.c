/*
 * snapshot.c - publishing the values readers load without locks, and
 * freeing the ones replaced, never while a reader may hold them.
 *
 * The rule is epoch-based reclamation with counted readers:
 *
 *   - A global reclamation epoch E only grows.  A reader pins by adding
 *     one to the counter of E (n[E % 3]) and checking that E did not
 *     move meanwhile; otherwise it takes the count back and tries again.
 *     Only then does it load snapshot pointers.  Unpinning subtracts
 *     the one again, from whatever thread.
 *   - A writer swaps the pointer, then retires the old value tagged with
 *     E as it reads it after the swap (under j->swap_lock, which every
 *     change of E and of the retired list also holds).  A reader that
 *     pinned in a later epoch saw E move after the swap, so it loads the
 *     new pointer: only readers pinned in epochs up to the tag can hold
 *     the old one.
 *   - E moves from e to e + 1 only when no reader is pinned in e - 1.
 *     Once E is past e, nobody pins in e any more (the check fails), so
 *     when E reaches tag + 2 every reader of the tag's epoch and of the
 *     ones before it has gone: the value is freed.  Three counters are
 *     enough, since only E and E - 1 can have readers.
 *
 * However many swaps happen, a value is freed only after the readers
 * that could see it have left; a reader that stays pinned (a request
 * suspended on a worker) delays the freeing of everything retired since,
 * and the list grows meanwhile, without a bound but only for as long.
 *
 * There is no grace period and no cap: the pins alone decide, so a burst
 * of swaps (each logout publishes a new revoked set) frees as it goes
 * and never frees early.  Every reader must pin: the HTTP requests (from
 * their first callback to their completion, http/server.c), the sync
 * thread, and the main thread only where it is the sole writer.
 */
#include <stdlib.h>

#include "core/keys.h"
#include "core/reload.h"
#include "core/revocation.h"

struct jotd_retired {
    void *p;
    enum jotd_snapshot_kind kind;
    uint64_t epoch;             /* E when it was retired */
    struct jotd_retired *next;
};

void
jotd_snapshot_init(struct jotd *j)
{
    struct jotd_snapshots *s = &j->snap;
    size_t i, k;

    atomic_init(&s->epoch, 1);
    for (i = 0; i < JOTD_SNAP_STRIPES; i++)
        for (k = 0; k < 3; k++)
            atomic_init(&s->stripe[i].n[k], 0);
    s->retired = s->newest = NULL;
    s->n_retired = 0;
    pthread_mutex_init(&j->swap_lock, NULL);
}

/* Each kind's free function; no default, so a new kind needs one. */
static void
free_value(enum jotd_snapshot_kind kind, void *p)
{
    switch (kind) {
    case JOTD_SNAP_CONFIG:
        jotd_config_free(p);
        return;
    case JOTD_SNAP_KEYS:
        jotd_keys_free(p);
        return;
    case JOTD_SNAP_REVOKED:
        jotd_revoked_free(p);
        return;
    }
}

/* 1 when what a reader of kind verified must be verified again. */
static int
forgets(enum jotd_snapshot_kind kind)
{
    switch (kind) {
    case JOTD_SNAP_CONFIG:
    case JOTD_SNAP_KEYS:
        return 1;
    case JOTD_SNAP_REVOKED:
        /* Revocation is checked on every request, cached or not. */
        return 0;
    }
    return 1;
}

static void *
exchange(struct jotd *j, enum jotd_snapshot_kind kind, void *next)
{
    switch (kind) {
    case JOTD_SNAP_CONFIG:
        return atomic_exchange(&j->cfg, next);
    case JOTD_SNAP_KEYS:
        return atomic_exchange(&j->keys, next);
    case JOTD_SNAP_REVOKED:
        return atomic_exchange(&j->revoked, next);
    }
    return NULL;
}

/* The current value; the caller holds j->swap_lock, so it stays. */
static const void *
current(struct jotd *j, enum jotd_snapshot_kind kind)
{
    switch (kind) {
    case JOTD_SNAP_CONFIG:
        return atomic_load(&j->cfg);
    case JOTD_SNAP_KEYS:
        return atomic_load(&j->keys);
    case JOTD_SNAP_REVOKED:
        return atomic_load(&j->revoked);
    }
    return NULL;
}

void
jotd_snapshot_enter(struct jotd *j, struct jotd_snap_pin *pin)
{
    struct jotd_snapshots *s = &j->snap;
    /* The stripe comes from the pin's address: pins on different
     * threads' stacks or in different requests spread over the lines. */
    uintptr_t h = (uintptr_t)pin * (uintptr_t)0x9e3779b97f4a7c15ull;
    unsigned k = (unsigned)(h >> (sizeof h * 8 - 4)) % JOTD_SNAP_STRIPES;
    atomic_long *count;
    uint64_t e;

    for (;;) {
        e = atomic_load(&s->epoch);
        count = &s->stripe[k].n[e % 3];
        atomic_fetch_add(count, 1);
        /* E moves only once n[(E - 1) % 3] is zero, so while this count
         * stands E is at most e + 1 and the loop ends at the next try. */
        if (atomic_load(&s->epoch) == e)
            break;
        atomic_fetch_sub(count, 1);
    }
    pin->count = count;
}

void
jotd_snapshot_leave(struct jotd_snap_pin *pin)
{
    if (pin->count == NULL)
        return;
    /* Release: what the reader read happens before the free that sees
     * the count drop. */
    atomic_fetch_sub_explicit(pin->count, 1, memory_order_release);
    pin->count = NULL;
}

/* 1 when no reader is pinned in epoch e. */
static int
drained(struct jotd_snapshots *s, uint64_t e)
{
    size_t i;

    for (i = 0; i < JOTD_SNAP_STRIPES; i++)
        if (atomic_load(&s->stripe[i].n[e % 3]) != 0)
            return 0;
    return 1;
}

/* Frees, oldest first, what no reader can hold once the epoch is e; the
 * caller holds j->swap_lock. */
static void
free_ready(struct jotd_snapshots *s, uint64_t e)
{
    struct jotd_retired *r;

    while ((r = s->retired) != NULL && r->epoch + 2 <= e) {
        s->retired = r->next;
        if (s->retired == NULL)
            s->newest = NULL;
        s->n_retired--;
        free_value(r->kind, r->p);
        free(r);
    }
}

/* Moves the epoch as far as the readers allow (at most twice: that is
 * enough for everything retired so far) and frees what it can. */
static void
reclaim(struct jotd *j)
{
    struct jotd_snapshots *s = &j->snap;
    uint64_t e = atomic_load(&s->epoch);
    int moves;

    for (moves = 0;; moves++) {
        free_ready(s, e);
        if (s->retired == NULL || s->newest->epoch + 2 <= e || moves == 2 ||
            !drained(s, e - 1))
            return;
        e = atomic_fetch_add(&s->epoch, 1) + 1;
    }
}

void
jotd_snapshot_collect(struct jotd *j)
{
    pthread_mutex_lock(&j->swap_lock);
    reclaim(j);
    pthread_mutex_unlock(&j->swap_lock);
}

jotd_err
jotd_snapshot_publish(struct jotd *j, enum jotd_snapshot_kind kind,
                      void *next, jotd_snapshot_admit admit, void *ctx)
{
    struct jotd_snapshots *s = &j->snap;
    struct jotd_retired *r = calloc(1, sizeof *r);
    jotd_err rc = JOTD_ERR_NOMEM;

    pthread_mutex_lock(&j->swap_lock);
    if (r == NULL)
        goto out;
    if (admit != NULL && admit(ctx, current(j, kind), next) != 0) {
        rc = JOTD_ERR_CONFLICT;
        goto out;
    }
    r->p = exchange(j, kind, next);
    next = NULL;
    /* After the swap, as access.c expects: a request that loaded the
     * old epoch may cache what it verified under the new value, never
     * the reverse. */
    if (forgets(kind))
        atomic_fetch_add(&j->epoch, 1);
    if (r->p != NULL) {
        r->kind = kind;
        r->epoch = atomic_load(&s->epoch);
        if (s->newest != NULL)
            s->newest->next = r;
        else
            s->retired = r;
        s->newest = r;
        s->n_retired++;
        r = NULL;
    }
    reclaim(j);
    rc = JOTD_OK;
out:
    pthread_mutex_unlock(&j->swap_lock);
    free(r);
    if (next != NULL)
        free_value(kind, next);
    return rc;
}

void
jotd_snapshot_finish(struct jotd *j)
{
    struct jotd_snapshots *s = &j->snap;
    struct jotd_retired *r;

    while ((r = s->retired) != NULL) {
        s->retired = r->next;
        free_value(r->kind, r->p);
        free(r);
    }
    s->newest = NULL;
    s->n_retired = 0;
    jotd_config_free(exchange(j, JOTD_SNAP_CONFIG, NULL));
    jotd_keys_free(exchange(j, JOTD_SNAP_KEYS, NULL));
    jotd_revoked_free(exchange(j, JOTD_SNAP_REVOKED, NULL));
    pthread_mutex_destroy(&j->swap_lock);
}
