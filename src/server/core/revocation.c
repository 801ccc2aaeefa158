/*
 * revocation.c - recently revoked sessions, as a sorted array of ids.
 *
 * An access token lives at most access_ttl seconds, so a session revoked
 * longer ago than that has no live access token left and can leave the
 * set.  The set is rebuilt from the database every revocation_sync
 * seconds by the sync thread, which is how a logout on one node reaches
 * all of them; a revocation made here is added at once.
 */
#include <stdlib.h>
#include <string.h>

#include "core/revocation.h"

struct jotd_revoked {
    size_t n, cap;
    char (*ids)[JOTD_ID_LEN + 1];
};

void
jotd_revoked_free(void *p)
{
    struct jotd_revoked *r = p;

    if (r != NULL)
        free(r->ids);
    free(r);
}

static int
cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

const struct jotd_revoked *
jotd_revoked_current(struct jotd *j)
{
    return atomic_load_explicit(&j->revoked, memory_order_acquire);
}

int
jotd_revoked_contains(const struct jotd_revoked *r, const char *sid)
{
    if (r == NULL || r->n == 0 || strlen(sid) != JOTD_ID_LEN)
        return 0;
    return bsearch(sid, r->ids, r->n, sizeof *r->ids, cmp_id) != NULL;
}

static int
grow(struct jotd_revoked *r, size_t want)
{
    char (*ids)[JOTD_ID_LEN + 1];
    size_t cap = r->cap ? r->cap : 64;

    if (want <= r->cap)
        return 0;
    while (cap < want)
        cap *= 2;
    ids = realloc(r->ids, cap * sizeof *ids);
    if (ids == NULL)
        return -1;
    r->ids = ids;
    r->cap = cap;
    return 0;
}

struct collecting {
    struct jotd_revoked *set;
    int out_of_memory;
};

static int
collect(void *ctx, const char *sid, int64_t revoked_at)
{
    struct collecting *c = ctx;
    struct jotd_revoked *r = c->set;

    (void)revoked_at;
    if (strlen(sid) != JOTD_ID_LEN)
        return 0;               /* not an id of ours: nothing to refuse */
    /* A set missing one revoked id would let its tokens through: stop,
     * and keep the old set. */
    if (grow(r, r->n + 1) != 0) {
        c->out_of_memory = 1;
        return 1;
    }
    memcpy(r->ids[r->n++], sid, JOTD_ID_LEN + 1);
    return 0;
}

jotd_err
jotd_revoked_sync(struct jotd *j, jotd_store *st)
{
    struct jotd_revoked *r = calloc(1, sizeof *r);
    struct collecting c;
    /* A margin past access_ttl covers clock skew between nodes. */
    int64_t since = jotd_now_ms() - (jotd_cfg(j)->access_ttl + 60) * 1000;

    if (r == NULL)
        return JOTD_ERR_NOMEM;
    c.set = r;
    c.out_of_memory = 0;
    if (st->ops->revoked_since(st, since, collect, &c) != JOTD_STORE_OK ||
        c.out_of_memory) {
        jotd_revoked_free(r);
        return c.out_of_memory ? JOTD_ERR_NOMEM : JOTD_ERR_UNAVAILABLE;
    }
    if (r->n > 1)
        qsort(r->ids, r->n, sizeof *r->ids, cmp_id);
    return jotd_snapshot_publish(j, JOTD_SNAP_REVOKED, r, NULL, NULL);
}

/* Makes next the current set plus sid, in order; 1 (keep the current
 * set) when sid is in it already or memory runs out. */
static int
with_sid(void *ctx, const void *cur_p, void *next_p)
{
    const struct jotd_revoked *cur = cur_p;
    struct jotd_revoked *r = next_p;
    const char *sid = ctx;
    size_t n = cur != NULL ? cur->n : 0, lo = 0, hi = n, mid;

    if (jotd_revoked_contains(cur, sid) || grow(r, n + 1) != 0)
        return 1;
    /* The place of sid: a copy in two parts keeps the set sorted
     * without sorting it again, for each logout. */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (strcmp(cur->ids[mid], sid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0)
        memcpy(r->ids, cur->ids, lo * sizeof *r->ids);
    memcpy(r->ids[lo], sid, JOTD_ID_LEN + 1);
    if (n > lo)
        memcpy(r->ids + lo + 1, cur->ids + lo, (n - lo) * sizeof *r->ids);
    r->n = n + 1;
    return 0;
}

void
jotd_revoked_add(struct jotd *j, const char *sid)
{
    struct jotd_revoked *r;

    if (strlen(sid) != JOTD_ID_LEN)
        return;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return;                 /* the next sync will have it */
    /* The set is read and replaced under one lock, so that two logouts
     * at once cannot lose one. */
    (void)jotd_snapshot_publish(j, JOTD_SNAP_REVOKED, r, with_sid,
                                (void *)sid);
}
