/*
 * dbhealth.c - the database's health as the requests and the sync thread
 * see it (dbhealth.h).
 *
 * During an outage every request fails the same way, hundreds a second:
 * the log gets the cause once, then again every JOTD_DB_LOG_EVERY_MS
 * with the count of the failures in between, so that it says why without
 * drowning what else it says.  A few distinct causes are remembered at
 * once (a lock and a full disk may alternate), the oldest making room.
 */
#include <stdio.h>
#include <string.h>

#include "core/dbhealth.h"
#include "core/log.h"
#include "util.h"

void
jotd_dbhealth_init(struct jotd_dbhealth *h)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
}

void
jotd_dbhealth_destroy(struct jotd_dbhealth *h)
{
    pthread_mutex_destroy(&h->lock);
}

/* The slot of key, else a free one, else the one logged longest ago
 * (emptied). */
static struct jotd_db_cause *
slot_of(struct jotd_dbhealth *h, const char *key)
{
    struct jotd_db_cause *c, *pick = NULL;
    size_t i;

    for (i = 0; i < JOTD_DB_CAUSES; i++) {
        c = &h->causes[i];
        if (c->logged_at != 0 && strcmp(c->text, key) == 0)
            return c;
        if (pick == NULL || c->logged_at < pick->logged_at)
            pick = c;
    }
    memset(pick, 0, sizeof *pick);
    jotd_errf(pick->text, sizeof pick->text, "%s", key);
    return pick;
}

/*
 * The cause without the operation the engines name first ("user_create:
 * database is locked"): the same lock met by sign-up and by login is one
 * cause, logged once.
 */
static const char *
cause_key(const char *cause)
{
    size_t n = strspn(cause, "abcdefghijklmnopqrstuvwxyz_ ");

    if (n > 0 && cause[n] == ':' && cause[n + 1] == ' ')
        return cause + n + 2;
    return cause;
}

void
jotd_db_failed_line(struct jotd_dbhealth *h, const char *where,
                    const char *cause, int write, int64_t now,
                    struct jotd_db_line *line)
{
    const char *key = cause != NULL && cause[0] != '\0' ? cause_key(cause)
                                                       : where;
    struct jotd_db_cause *c;

    line->text[0] = '\0';
    if (write) {
        h->write_failed_at = now > 0 ? now : 1;
        h->n_write_failed++;
    } else {
        h->read_down = 1;
        h->n_read_failed++;
    }
    c = slot_of(h, key);
    if (c->logged_at != 0 && now - c->logged_at < JOTD_DB_LOG_EVERY_MS) {
        c->n_quiet++;
        return;
    }
    jotd_errf(line->text, sizeof line->text, "database failure (%s)%s%s",
              where, key == where ? "" : ": ", key == where ? "" : cause);
    if (c->n_quiet > 0) {
        size_t n = strlen(line->text);

        jotd_errf(line->text + n, sizeof line->text - n,
                  " (and %lu more not logged)", c->n_quiet);
    }
    c->logged_at = now > 0 ? now : 1;
    c->n_quiet = 0;
}

void
jotd_db_answered_line(struct jotd_dbhealth *h, int wrote,
                      struct jotd_db_line *line)
{
    int was_down = h->read_down || h->write_failed_at != 0;

    line->text[0] = '\0';
    h->read_down = 0;
    /* A read that works says nothing of writes: a locked or full SQLite
     * file still serves reads. */
    if (wrote)
        h->write_failed_at = 0;
    if (!was_down || h->write_failed_at != 0)
        return;
    jotd_errf(line->text, sizeof line->text, "the database answers again");
    /* The next outage logs its cause at once, even the same one. */
    memset(h->causes, 0, sizeof h->causes);
}

void
jotd_db_failed(struct jotd_dbhealth *h, const char *where,
               const char *cause, int write, int64_t now)
{
    struct jotd_db_line line;

    pthread_mutex_lock(&h->lock);
    jotd_db_failed_line(h, where, cause, write, now, &line);
    pthread_mutex_unlock(&h->lock);
    if (line.text[0] != '\0')
        jotd_log_message("jotd", "%s", line.text);
}

void
jotd_db_answered(struct jotd_dbhealth *h, int wrote)
{
    struct jotd_db_line line;

    pthread_mutex_lock(&h->lock);
    /* The common case, nothing failed, takes no more than the lock. */
    if (!h->read_down && h->write_failed_at == 0) {
        pthread_mutex_unlock(&h->lock);
        return;
    }
    jotd_db_answered_line(h, wrote, &line);
    pthread_mutex_unlock(&h->lock);
    if (line.text[0] != '\0')
        jotd_log_message("jotd", "%s", line.text);
}

int
jotd_db_write_failing(struct jotd_dbhealth *h, int64_t now)
{
    int failing;

    pthread_mutex_lock(&h->lock);
    failing = h->write_failed_at != 0 &&
              now - h->write_failed_at < JOTD_DB_WRITE_MEMORY_MS;
    pthread_mutex_unlock(&h->lock);
    return failing;
}

void
jotd_db_failures(struct jotd_dbhealth *h, uint64_t *reads, uint64_t *writes)
{
    pthread_mutex_lock(&h->lock);
    *reads = h->n_read_failed;
    *writes = h->n_write_failed;
    pthread_mutex_unlock(&h->lock);
}
