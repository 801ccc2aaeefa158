/*
 * audit.c - audit events, to the database and the log.
 *
 * A flood of refused logins is one 429 after another, and a row and a
 * log line each would grow the database and the log by megabytes a
 * minute: those events are counted in memory per (kind, address) and
 * written once an interval.  The counters are process-wide, like the
 * logger, because jotd_audit is called with no struct jotd at hand
 * (core/throttle.c); a mutex guards them, held only to count.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/log.h"

/* The kinds that are counted rather than written one by one. */
static const char *const counted[] = {"throttled", "signup_throttled"};

struct slot {
    char kind[24];
    char ip[64];
    int64_t first_at;
    uint64_t count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[JOTD_AUDIT_COUNT_SLOTS];
static size_t n_slots;
static int64_t since;           /* start of the interval, 0: none yet */

static int
is_counted(const char *kind, const char *user_id, const char *session_id,
           const char *detail)
{
    size_t i;

    if (user_id != NULL || session_id != NULL || detail != NULL)
        return 0;               /* an event with more to it is its own */
    for (i = 0; i < sizeof counted / sizeof *counted; i++)
        if (strcmp(kind, counted[i]) == 0)
            return 1;
    return 0;
}

/* Copies s into dst (cap bytes), cut to fit. */
static void
put(char *dst, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);

    memcpy(dst, s, n);
    dst[n] = '\0';
}

static struct slot *
find(const char *kind, const char *ip)
{
    size_t i;

    for (i = 0; i < n_slots; i++)
        if (strcmp(slots[i].kind, kind) == 0 && strcmp(slots[i].ip, ip) == 0)
            return &slots[i];
    return NULL;
}

/*
 * Counts one event; the caller holds the lock.  The last slot is kept
 * for the address "*": once the others are taken, every new address
 * counts there, so that a flood from many addresses still writes a
 * bounded number of rows.
 */
static void
count(const char *ip_in, const char *kind_in, int64_t now)
{
    char ip[sizeof slots[0].ip], kind[sizeof slots[0].kind];
    struct slot *s;

    put(ip, sizeof ip, ip_in != NULL ? ip_in : "-");
    put(kind, sizeof kind, kind_in);
    s = find(kind, ip);
    if (s == NULL && n_slots >= JOTD_AUDIT_COUNT_SLOTS - 1) {
        put(ip, sizeof ip, "*");
        s = find(kind, ip);
    }
    if (s == NULL && n_slots < JOTD_AUDIT_COUNT_SLOTS) {
        s = &slots[n_slots++];
        put(s->kind, sizeof s->kind, kind);
        put(s->ip, sizeof s->ip, ip);
        s->first_at = now;
        s->count = 0;
    }
    if (s == NULL)
        s = &slots[JOTD_AUDIT_COUNT_SLOTS - 1];
    s->count++;
    if (since == 0)
        since = now;
}

void
jotd_audit(jotd_store *st, const char *ip, const char *kind,
           const char *user_id, const char *session_id, const char *detail)
{
    if (is_counted(kind, user_id, session_id, detail)) {
        pthread_mutex_lock(&lock);
        count(ip, kind, jotd_now_ms());
        pthread_mutex_unlock(&lock);
        return;
    }
    jotd_log_audit(kind, user_id, session_id, ip, detail);
    if (st != NULL)
        (void)st->ops->audit(st, jotd_now_ms(), kind, user_id, session_id,
                             ip, detail);
}

void
jotd_audit_routine(const char *ip, const char *kind, const char *user_id,
                   const char *session_id)
{
    jotd_log_audit_routine(kind, user_id, session_id, ip);
}

void
jotd_audit_flush(jotd_store *st, int64_t now, int force)
{
    /* Static: there is one flusher (the sync thread, then its stop). */
    static struct slot out[JOTD_AUDIT_COUNT_SLOTS];
    char first[32], detail[96];
    size_t i, n = 0;
    int len;

    /* Copied out under the lock, written without it: a flood's 429s
     * never wait on the database. */
    pthread_mutex_lock(&lock);
    if (since != 0 && (force || now - since >= JOTD_AUDIT_COUNT_MS)) {
        for (i = 0; i < n_slots; i++)
            out[n++] = slots[i];
        memset(slots, 0, sizeof slots);
        n_slots = 0;
        since = 0;
    }
    pthread_mutex_unlock(&lock);
    for (i = 0; i < n; i++) {
        jotd_rfc3339(out[i].first_at, first);
        len = snprintf(detail, sizeof detail,
                       "{\"count\":%llu,\"first\":\"%s\"}",
                       (unsigned long long)out[i].count, first);
        if (len < 0 || (size_t)len >= sizeof detail)
            continue;           /* cannot happen: both parts are bounded */
        jotd_log_audit(out[i].kind, NULL, NULL, out[i].ip, detail);
        if (st != NULL)
            (void)st->ops->audit(st, now, out[i].kind, NULL, NULL,
                                 out[i].ip, detail);
    }
}
