/*
 * revocation.c - recently revoked sessions, as a sorted array of ids.
 *
 * A session revoked longer ago than jotd_revoked_window_ms has no access
 * token left that verification would accept, and can leave the set.
 * The set is rebuilt from the database every revocation_sync seconds by
 * the sync thread, which is how a logout on one node reaches all of
 * them; a revocation made here (any of them: logout, password change,
 * disabling) is added at once.
 */
#include <stdlib.h>
#include <string.h>

#include "core/revocation.h"

struct jotd_revoked {
    size_t n, cap;
    char (*ids)[JOTD_ID_LEN + 1];
    int64_t window_ms;          /* what it was built with */
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

int64_t
jotd_revoked_window_ms(int64_t max_access_ttl, int64_t leeway,
                       int64_t clock_skew)
{
    int64_t sum, ms;

    if (max_access_ttl < 0)
        max_access_ttl = 0;
    if (leeway < 0)
        leeway = 0;
    if (clock_skew < 0)
        clock_skew = 0;
    if (__builtin_add_overflow(max_access_ttl, leeway, &sum) ||
        __builtin_add_overflow(sum, clock_skew, &sum) ||
        __builtin_mul_overflow(sum, 1000, &ms))
        return INT64_MAX;
    return ms;
}

int64_t
jotd_revoked_window_current(struct jotd *j)
{
    const struct jotd_revoked *r = jotd_revoked_current(j);

    return r != NULL ? r->window_ms : 0;
}

jotd_err
jotd_revoked_sync(struct jotd *j, jotd_store *st)
{
    const struct jotd_config *cfg = jotd_cfg(j);
    struct jotd_revoked *r = NULL;
    struct collecting c;
    int64_t max_ttl = 0, since;

    /* Tokens of an access_ttl no longer configured, here or on another
     * node, may still be live: the store keeps the largest. */
    if (st->ops->setting_raise(st, JOTD_SETTING_MAX_ACCESS_TTL,
                               cfg->access_ttl, &max_ttl) != JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    if (max_ttl < cfg->access_ttl)
        max_ttl = cfg->access_ttl;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return JOTD_ERR_NOMEM;
    r->window_ms = jotd_revoked_window_ms(max_ttl, cfg->leeway,
                                          cfg->clock_skew);
    since = jotd_now_ms();
    since = since > INT64_MIN + r->window_ms ? since - r->window_ms
                                             : INT64_MIN;
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
    r->window_ms = cur != NULL ? cur->window_ms : 0;
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

int
jotd_revoked_add_cb(void *ctx, const char *sid, int64_t revoked_at)
{
    (void)revoked_at;
    if (ctx != NULL)
        jotd_revoked_add(ctx, sid);
    return 0;
}
