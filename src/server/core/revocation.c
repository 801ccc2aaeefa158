/*
 * revocation.c - recently revoked sessions, as a sorted array of ids.
 *
 * A session revoked longer ago than jotd_revoked_window_ms has no access
 * token left that verification would accept, and can leave the set.
 * A revocation made here (any of them: logout, password change,
 * disabling) is added at once.  One made on another node reaches this
 * one through the database's revocation sequence (store.h): the set
 * remembers the last number it holds, and jotd_revoked_catch_up adds
 * the sessions revoked under later numbers, which the sync thread does
 * as soon as it hears of one.  Every revocation_sync seconds the sync
 * thread also rebuilds the set whole (jotd_revoked_sync): the safety
 * net for a change it did not hear of, and what drops expired ids.
 * Both paths and the local one change the set in one place, merge().
 */
#include <stdlib.h>
#include <string.h>

#include "core/revocation.h"

struct jotd_revoked {
    size_t n, cap;
    char (*ids)[JOTD_ID_LEN + 1];
    int64_t window_ms;          /* what it was built with */
    int64_t seq;                /* it holds every revocation numbered up
                                   to this one (store.h) */
};

size_t
jotd_revoked_count(const struct jotd_revoked *set)
{
    return set != NULL ? set->n : 0;
}

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
    int64_t seq;                /* the largest number collected */
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

/* collect, for revoked_after. */
static int
collect_seq(void *ctx, const char *sid, int64_t revoked_at, int64_t seq)
{
    struct collecting *c = ctx;

    if (seq > c->seq)
        c->seq = seq;
    return collect(ctx, sid, revoked_at);
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
    struct jotd_seqs q;
    int64_t max_ttl = 0, since;

    /* Tokens of an access_ttl no longer configured, here or on another
     * node, may still be live: the store keeps the largest. */
    if (st->ops->setting_raise(st, JOTD_SETTING_MAX_ACCESS_TTL,
                               cfg->access_ttl, &max_ttl) != JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    if (max_ttl < cfg->access_ttl)
        max_ttl = cfg->access_ttl;
    /* The number first: every revocation up to it committed before the
     * read below, which therefore finds it. */
    if (st->ops->seqs_get(st, &q) != JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return JOTD_ERR_NOMEM;
    r->window_ms = jotd_revoked_window_ms(max_ttl, cfg->leeway,
                                          cfg->clock_skew);
    r->seq = q.revoked;
    since = jotd_now_ms();
    since = since > INT64_MIN + r->window_ms ? since - r->window_ms
                                             : INT64_MIN;
    c.set = r;
    c.out_of_memory = 0;
    c.seq = 0;
    if (st->ops->revoked_since(st, since, collect, &c) != JOTD_STORE_OK ||
        c.out_of_memory) {
        jotd_revoked_free(r);
        return c.out_of_memory ? JOTD_ERR_NOMEM : JOTD_ERR_UNAVAILABLE;
    }
    if (r->n > 1)
        qsort(r->ids, r->n, sizeof *r->ids, cmp_id);
    return jotd_snapshot_publish(j, JOTD_SNAP_REVOKED, r, NULL, NULL);
}

/* What merge adds: n ids, sorted, and the number they bring the set
 * to (0: no new number). */
struct adding {
    const char (*ids)[JOTD_ID_LEN + 1];
    size_t n;
    int64_t seq;
};

/*
 * Makes next the current set plus the ids of ctx, in order, with the
 * larger of the two numbers; 1 (keep the current set) when that adds
 * nothing or memory runs out.  Under the writers' lock: two changes at
 * once cannot lose one.
 */
static int
merge(void *ctx, const void *cur_p, void *next_p)
{
    const struct jotd_revoked *cur = cur_p;
    struct jotd_revoked *r = next_p;
    const struct adding *a = ctx;
    size_t n = cur != NULL ? cur->n : 0, i = 0, k = 0;
    int64_t seq = cur != NULL ? cur->seq : 0;
    int c;

    if (a->n > SIZE_MAX - n || grow(r, n + a->n) != 0)
        return 1;
    /* Two sorted runs into one: each logout copies the set once and
     * never sorts it again. */
    while (i < n || k < a->n) {
        c = i == n ? 1 : k == a->n ? -1 : strcmp(cur->ids[i], a->ids[k]);
        if (c <= 0)
            memcpy(r->ids[r->n++], cur->ids[i++], sizeof *r->ids);
        else
            memcpy(r->ids[r->n++], a->ids[k++], sizeof *r->ids);
        if (c == 0)
            k++;                /* already in the set */
    }
    r->window_ms = cur != NULL ? cur->window_ms : 0;
    r->seq = a->seq > seq ? a->seq : seq;
    return r->n == n && r->seq == seq;
}

void
jotd_revoked_add(struct jotd *j, const char *sid)
{
    char one[1][JOTD_ID_LEN + 1];
    struct adding a = {.ids = (const char (*)[JOTD_ID_LEN + 1])one, .n = 1};
    struct jotd_revoked *r;

    if (strlen(sid) != JOTD_ID_LEN)
        return;
    memcpy(one[0], sid, JOTD_ID_LEN + 1);
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return;                 /* the next sync will have it */
    (void)jotd_snapshot_publish(j, JOTD_SNAP_REVOKED, r, merge, &a);
}

jotd_err
jotd_revoked_catch_up(struct jotd *j, jotd_store *st, int64_t known,
                      int *more)
{
    const struct jotd_revoked *cur = jotd_revoked_current(j);
    struct jotd_revoked *add = NULL, *r = NULL;
    struct collecting c;
    struct adding a;
    jotd_err err;

    *more = 0;
    add = calloc(1, sizeof *add);
    if (add == NULL)
        return JOTD_ERR_NOMEM;
    c.set = add;
    c.out_of_memory = 0;
    c.seq = 0;
    if (st->ops->revoked_after(st, cur != NULL ? cur->seq : 0,
                               JOTD_CATCH_UP_BATCH, collect_seq,
                               &c) != JOTD_STORE_OK || c.out_of_memory) {
        jotd_revoked_free(add);
        return c.out_of_memory ? JOTD_ERR_NOMEM : JOTD_ERR_UNAVAILABLE;
    }
    /* A full page may have more behind it; otherwise every number up to
     * known, read before the listing, has been seen. */
    *more = add->n >= JOTD_CATCH_UP_BATCH;
    if (!*more && known > c.seq)
        c.seq = known;
    if (add->n > 1)
        qsort(add->ids, add->n, sizeof *add->ids, cmp_id);
    a.ids = (const char (*)[JOTD_ID_LEN + 1])add->ids;
    a.n = add->n;
    a.seq = c.seq;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        jotd_revoked_free(add);
        return JOTD_ERR_NOMEM;
    }
    err = jotd_snapshot_publish(j, JOTD_SNAP_REVOKED, r, merge, &a);
    jotd_revoked_free(add);
    return err == JOTD_ERR_CONFLICT ? JOTD_OK : err;
}

int64_t
jotd_revoked_seq(struct jotd *j)
{
    const struct jotd_revoked *r = jotd_revoked_current(j);

    return r != NULL ? r->seq : 0;
}

int
jotd_revoked_add_cb(void *ctx, const char *sid, int64_t revoked_at)
{
    (void)revoked_at;
    if (ctx != NULL)
        jotd_revoked_add(ctx, sid);
    return 0;
}
