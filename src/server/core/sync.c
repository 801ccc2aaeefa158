/*
 * sync.c - the sync thread.  A logout or a key rotation on another node
 * reaches this one through the database only.  Each change there takes
 * a number of the database's revocation or key sequence (store.h), and
 * this thread learns of a new number at once: on PostgreSQL a
 * listening connection of its own hears the NOTIFY that the change
 * sent at commit; on SQLite, which cannot tell one process of
 * another's commit, it reads the counters every tick (a local file).
 * Then it reads only the revocations after the last number it applied,
 * or the keys again.  Notifications are lost while the listening
 * connection is down (a failover, a restart), so the thread still
 * reads everything on a timer, revocation_sync and key_sync, and at
 * once when the connection is back; with db_listen = off that timer is
 * all there is.  Connecting may take up to the connect timeout, so each
 * attempt runs on a short-lived thread of its own (struct opener) and
 * hands the connection over when it is ready: the tick never waits for
 * more than its wait for a notification.  It also does the housekeeping that must not run on a
 * request: freeing replaced snapshots, writing buffered log lines and
 * counted audit events, and pruning old rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/keys.h"
#include "core/log.h"
#include "core/retention.h"
#include "core/revocation.h"
#include "core/sync.h"

/* A pruning pass every PRUNE_EVERY_MS; one that found a full batch is
 * followed by another at the next tick, until the backlog is gone. */
#define PRUNE_EVERY_MS 10000
#define TICK_MS 100
/* The wait before connecting the listening connection again, doubled
 * after each failure up to the bound. */
#define RETRY_MIN_MS 250
#define RETRY_MAX_MS 10000

/* One attempt at the listening connection, on a thread of its own:
 * the sync thread reads st, r and err only once done is set, and then
 * owns st. */
struct opener {
    pthread_t thread;
    char url[sizeof ((struct jotd_config *)0)->db_listen];  /* wiped */
    jotd_store *st;
    enum jotd_store_result r;
    char err[256];
    atomic_int done;
};

/* How the thread hears of a change made elsewhere. */
enum hearing {
    HEAR_LISTEN,                /* notifications, on lst */
    HEAR_COUNTERS,              /* the counters, read every tick */
    HEAR_OFF                    /* neither: the timers alone */
};

struct jotd_sync {
    struct jotd *j;
    jotd_store *st;
    jotd_store *lst;            /* the listening connection, or NULL */
    struct opener *op;          /* the attempt under way, or NULL */
    enum hearing hear;
    int64_t retry_at, retry_ms; /* when to connect lst again, and then */
    int lost;                   /* lst was lost, and that was logged */
    int failing;                /* a catch-up failed, and that was logged */
    unsigned pending;           /* jotd_store_change bits not applied */
    int64_t keys_seq;           /* the key number last loaded (counters) */
    pthread_t thread;
};

/* What a task of the thread does to the database. */
enum task {
    T_READ,
    /* It writes every time: the revocation sync raises the largest
     * access_ttl (setting_raise updates its row even when the value
     * stays), so writes that work again show within revocation_sync
     * seconds with no request at all.  (On a full disk, a write that
     * fits the room the WAL file has works, and one that needs more
     * fails: /healthz then tells the last one.) */
    T_WRITE,
    T_PRUNE             /* may write nothing: a success proves nothing */
};

/*
 * Reports how a database task of the thread went, what it is, to the
 * health record: a failure with the engine's cause (logged once per
 * outage and cause, not every tick), or what a success proves.
 */
static void
report(struct jotd *j, jotd_store *st, const char *what, int failed,
       enum task task)
{
    char cause[JOTD_DB_CAUSE_MAX];

    st->ops->last_error(st, cause, sizeof cause);
    if (failed && cause[0] == '\0')    /* not the database's fault */
        jotd_log_message("jotd", "%s failed", what);
    else if (failed)
        jotd_db_failed(&j->db, what, cause, task != T_READ, jotd_now_ms());
    else if (task != T_PRUNE)
        jotd_db_answered(&j->db, task == T_WRITE);
}

/* Drops what an earlier task left as the store's last failure, so that
 * the next report names its own cause only. */
static void
forget(jotd_store *st)
{
    char stale[8];

    st->ops->last_error(st, stale, sizeof stale);
}

/* A failed key sync: err is keys.c's message (a key that does not
 * unseal is no database failure, but is logged as rarely). */
static void
report_keys(struct jotd *j, jotd_store *st, const char *err)
{
    char cause[JOTD_DB_CAUSE_MAX], what[JOTD_DB_CAUSE_MAX + 16];
    int n;

    st->ops->last_error(st, cause, sizeof cause);
    if (cause[0] == '\0') {
        jotd_log_message("jotd", "key sync failed: %s", err);
        return;
    }
    n = snprintf(what, sizeof what, "key sync: %s", err);
    if (n < 0 || (size_t)n >= sizeof what)
        what[0] = '\0';
    jotd_db_failed(&j->db, what, cause, 0, jotd_now_ms());
}

/* A pruning pass when one is due; returns when the next one is. */
static int64_t
prune(struct jotd *j, jotd_store *st, int64_t now)
{
    size_t n;
    int more = 0, failed;

    forget(st);
    failed = jotd_retention_pass(jotd_cfg(j), st, now,
                                 jotd_revoked_window_current(j),
                                 JOTD_PRUNE_BATCH, &n, &more) != JOTD_OK;
    report(j, st, "pruning", failed, T_PRUNE);
    if (failed)
        more = 0;
    return more ? now : now + PRUNE_EVERY_MS;
}

static void *
opener_main(void *p)
{
    struct opener *o = p;

    o->r = JOTD_STORE_ERROR;
    o->st = jotd_store_open(o->url, o->err, sizeof o->err);
    if (o->st != NULL)
        o->r = o->st->ops->listen(o->st);
    atomic_store(&o->done, 1);
    return NULL;
}

/* Waits for the attempt o (NULL: none) to end, and frees it with the
 * connection it made. */
static void
opener_free(struct opener *o)
{
    if (o == NULL)
        return;
    pthread_join(o->thread, NULL);
    jotd_store_close(o->st);
    jot_free_wiped(o, sizeof *o);       /* the URL may hold a password */
}

/* Starts an attempt at the listening connection, on db_listen or db;
 * under a pin (it reads the configuration). */
static void
hear_start(struct jotd_sync *c, int64_t now)
{
    const struct jotd_config *cfg = jotd_cfg(c->j);
    const char *url = cfg->db_listen[0] != '\0' ? cfg->db_listen : cfg->db;
    struct opener *o = calloc(1, sizeof *o);
    int n;

    c->retry_at = now + c->retry_ms;
    c->retry_ms = c->retry_ms * 2 < RETRY_MAX_MS ? c->retry_ms * 2
                                                 : RETRY_MAX_MS;
    if (o == NULL)
        return;
    n = snprintf(o->url, sizeof o->url, "%s", url);
    atomic_init(&o->done, 0);
    if (n < 0 || (size_t)n >= sizeof o->url ||
        pthread_create(&o->thread, NULL, opener_main, o) != 0) {
        jot_free_wiped(o, sizeof *o);
        return;
    }
    c->op = o;
}

/*
 * Takes the outcome of the finished attempt: the listening connection,
 * or the knowledge that this engine pushes nothing (then the counters
 * are read instead), or a failure, logged once and tried again later,
 * each time a little later.  Returns 1 when the connection is back
 * after a loss, when changes may have been missed: read everything.
 */
static int
hear_finish(struct jotd_sync *c)
{
    struct opener *o = c->op;
    int back = c->lost;

    c->op = NULL;
    pthread_join(o->thread, NULL);
    if (o->r == JOTD_STORE_OK) {
        if (c->lost)
            jotd_log_message("jotd", "listening connection back: changes "
                             "on other nodes reach this one at once");
        c->lst = o->st;
        c->lost = 0;
        c->retry_ms = RETRY_MIN_MS;
        /* What committed before the LISTEN was not announced to us. */
        c->pending |= JOTD_CHANGE_REVOKED | JOTD_CHANGE_KEYS;
    } else {
        jotd_store_close(o->st);
        back = 0;
        if (o->r == JOTD_STORE_NOT_FOUND) {
            c->hear = HEAR_COUNTERS;    /* this engine pushes nothing */
        } else {
            if (!c->lost)
                jotd_log_message("jotd", "no listening connection (%s): "
                                 "changes on other nodes reach this one "
                                 "every revocation_sync s until there is "
                                 "one", o->err[0] ? o->err : "cannot listen");
            c->lost = 1;
        }
    }
    jot_free_wiped(o, sizeof *o);
    return back;
}

/* The tick's wait: for a notification on lst when there is one. */
static void
hear_wait(struct jotd_sync *c)
{
    struct timespec tick = {0, TICK_MS * 1000 * 1000};
    unsigned changes = 0;

    if (c->lst == NULL) {
        nanosleep(&tick, NULL);
        return;
    }
    if (c->lst->ops->wait(c->lst, TICK_MS, &changes) == JOTD_STORE_OK) {
        c->pending |= changes;
        return;
    }
    jotd_store_close(c->lst);
    c->lst = NULL;
    c->lost = 1;
    c->retry_at = 0;            /* at once, then backing off */
    c->retry_ms = RETRY_MIN_MS;
    jotd_log_message("jotd", "listening connection lost: changes on other "
                     "nodes reach this one every revocation_sync s until "
                     "it is back");
}

/* With counters: what moved since this node last applied it; *known
 * gets the revocation number read. */
static void
hear_counters(struct jotd_sync *c, int64_t *known)
{
    struct jotd_seqs q;

    *known = 0;
    if (c->st->ops->seqs_get(c->st, &q) != JOTD_STORE_OK)
        return;                 /* the timers still run */
    *known = q.revoked;
    if (q.revoked > jotd_revoked_seq(c->j))
        c->pending |= JOTD_CHANGE_REVOKED;
    if (q.keys != c->keys_seq) {
        c->pending |= JOTD_CHANGE_KEYS;
        c->keys_seq = q.keys;
    }
}

/* The new revocations, a batch at a time; a failure is logged once
 * until one succeeds (the full read on the timer logs its own). */
static void
catch_up(struct jotd_sync *c, int64_t known)
{
    int more = 0;

    c->pending &= ~(unsigned)JOTD_CHANGE_REVOKED;
    if (jotd_revoked_catch_up(c->j, c->st, known, &more) != JOTD_OK) {
        if (!c->failing)
            jotd_log_message("jotd", "revocation catch-up failed");
        c->failing = 1;
        return;
    }
    c->failing = 0;
    if (more)
        c->pending |= JOTD_CHANGE_REVOKED;
}

/* Each tick, every duty in turn; the wait for a notification ends it. */
static void *
sync_main(void *p)
{
    struct jotd_sync *c = p;
    struct jotd *j = c->j;
    int64_t now, known, next_rev = 0, next_keys = 0, next_prune = 0;
    struct jotd_snap_pin pin = {NULL};
    char err[256];

    while (!atomic_load(&j->stopping)) {
        /* Pinned while it reads the configuration and the sets; the
         * pin is dropped before collecting, which it would hold up. */
        jotd_snapshot_enter(j, &pin);
        now = jotd_now_ms();
        if (atomic_exchange(&j->reload, 0))
            next_rev = next_keys = now;
        if (c->op != NULL && atomic_load(&c->op->done) && hear_finish(c))
            next_rev = next_keys = now;
        if (c->hear == HEAR_LISTEN && c->lst == NULL && c->op == NULL &&
            now >= c->retry_at)
            hear_start(c, now);
        known = 0;
        if (c->hear == HEAR_COUNTERS)
            hear_counters(c, &known);
        if (now >= next_rev) {
            c->pending &= ~(unsigned)JOTD_CHANGE_REVOKED;
            forget(c->st);
            report(j, c->st, "revocation sync",
                   jotd_revoked_sync(j, c->st) != 0, T_WRITE);
            next_rev = now + jotd_cfg(j)->revocation_sync * 1000;
        } else if (c->pending & JOTD_CHANGE_REVOKED) {
            catch_up(c, known);
        }
        if (now >= next_keys || (c->pending & JOTD_CHANGE_KEYS)) {
            c->pending &= ~(unsigned)JOTD_CHANGE_KEYS;
            forget(c->st);
            if (jotd_keys_load(j, c->st, 0, err, sizeof err) != 0) {
                /* Its message says what of the keys failed; the
                 * engine's cause, when there is one, says why. */
                report_keys(j, c->st, err);
            } else {
                report(j, c->st, "key sync", 0, T_READ);
            }
            if (now >= next_keys)
                next_keys = now + jotd_cfg(j)->key_sync * 1000;
        }
        if (now >= next_prune)
            next_prune = prune(j, c->st, now);
        jotd_snapshot_leave(&pin);
        jotd_audit_flush(c->st, now, 0);
        jotd_snapshot_collect(j);
        jotd_log_flush();
        hear_wait(c);
    }
    return NULL;
}

struct jotd_sync *
jotd_sync_start(struct jotd *j, jotd_store *st, char *err, size_t err_len)
{
    struct jotd_sync *s = calloc(1, sizeof *s);

    if (s == NULL) {
        jotd_errf(err, err_len, "out of memory");
        return NULL;
    }
    s->j = j;
    s->st = st;
    /* db_listen is fixed until a restart (core/reload.c). */
    s->hear = strcmp(jotd_cfg(j)->db_listen, "off") == 0 ? HEAR_OFF
                                                          : HEAR_LISTEN;
    s->retry_ms = RETRY_MIN_MS;
    s->keys_seq = -1;
    if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
        jotd_errf(err, err_len, "cannot start the sync thread");
        free(s);
        return NULL;
    }
    return s;
}

void
jotd_sync_stop(struct jotd_sync *s)
{
    if (s == NULL)
        return;
    pthread_join(s->thread, NULL);
    /* An attempt under way ends within its connect timeout. */
    opener_free(s->op);
    jotd_store_close(s->lst);
    /* The HTTP layer is gone: the last counted events are final. */
    jotd_audit_flush(s->st, jotd_now_ms(), 1);
    free(s);
}
