/*
 * sync.c - the sync thread.  A logout or a key rotation on another node
 * reaches this one through the database only, so the thread reads both
 * again on a timer; it also does the housekeeping that must not run on
 * a request: freeing replaced snapshots, writing buffered log lines and
 * counted audit events, and pruning old rows.
 */
#include <stdio.h>
#include <stdlib.h>
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

struct jotd_sync {
    struct jotd *j;
    jotd_store *st;
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
sync_main(void *p)
{
    struct jotd_sync *c = p;
    struct jotd *j = c->j;
    int64_t now, next_rev = 0, next_keys = 0, next_prune = 0;
    struct timespec tick = {0, 100 * 1000 * 1000};
    struct jotd_snap_pin pin = {NULL};
    char err[256];

    while (!atomic_load(&j->stopping)) {
        /* Pinned while it reads the configuration and the sets; the
         * pin is dropped before collecting, which it would hold up. */
        jotd_snapshot_enter(j, &pin);
        now = jotd_now_ms();
        if (atomic_exchange(&j->reload, 0))
            next_rev = next_keys = now;
        if (now >= next_rev) {
            forget(c->st);
            report(j, c->st, "revocation sync",
                   jotd_revoked_sync(j, c->st) != 0, T_WRITE);
            next_rev = now + jotd_cfg(j)->revocation_sync * 1000;
        }
        if (now >= next_keys) {
            forget(c->st);
            if (jotd_keys_load(j, c->st, 0, err, sizeof err) != 0) {
                /* Its message says what of the keys failed; the
                 * engine's cause, when there is one, says why. */
                report_keys(j, c->st, err);
            } else {
                report(j, c->st, "key sync", 0, T_READ);
            }
            next_keys = now + jotd_cfg(j)->key_sync * 1000;
        }
        if (now >= next_prune)
            next_prune = prune(j, c->st, now);
        jotd_snapshot_leave(&pin);
        jotd_audit_flush(c->st, now, 0);
        jotd_snapshot_collect(j);
        jotd_log_flush();
        nanosleep(&tick, NULL);
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
    /* The HTTP layer is gone: the last counted events are final. */
    jotd_audit_flush(s->st, jotd_now_ms(), 1);
    free(s);
}
