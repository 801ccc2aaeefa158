/*
 * dbhealth.h - what jotd knows of its database's health, shared by the
 * threads that call it: the engines' causes of failures, logged once per
 * cause every few seconds however many requests fail, a line when the
 * database answers again, and whether writes fail, which /healthz
 * reports even when reads work (a full disk shows no other way).
 *
 * Requests (http/server.c, after a handler ran on a worker) and the sync
 * thread report here; nothing of it reaches an HTTP answer.
 */
#ifndef JOTD_DBHEALTH_H
#define JOTD_DBHEALTH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define JOTD_DB_CAUSES 4            /* distinct causes remembered */
#define JOTD_DB_CAUSE_MAX 256
/* How long one cause stays quiet after it was logged. */
#define JOTD_DB_LOG_EVERY_MS 5000
/*
 * How long a failed write keeps /healthz at 503 when no write succeeds
 * meanwhile: long enough to cover the gaps between writes under load,
 * short enough that a node no one sends writes to (a balancer took it
 * out on its 503) comes back by itself once its probe passes.
 */
#define JOTD_DB_WRITE_MEMORY_MS 5000

struct jotd_db_cause {
    char text[JOTD_DB_CAUSE_MAX];
    int64_t logged_at;              /* ms; 0: free slot */
    unsigned long n_quiet;          /* failures since, not logged */
};

struct jotd_dbhealth {
    pthread_mutex_t lock;
    int read_down;                  /* a read failed, none worked since */
    int64_t write_failed_at;        /* ms; 0: no write failed since one
                                     * worked */
    struct jotd_db_cause causes[JOTD_DB_CAUSES];
    /* Every failure reported, logged or not, for /metrics. */
    uint64_t n_read_failed, n_write_failed;
};

/* What a report asks to be logged ("" for nothing). */
struct jotd_db_line {
    char text[JOTD_DB_CAUSE_MAX + 128];
};

void jotd_dbhealth_init(struct jotd_dbhealth *h);
void jotd_dbhealth_destroy(struct jotd_dbhealth *h);

/*
 * A database call failed at now (ms): where is what failed ("POST
 * /v1/auth/login", "revocation sync"), cause the engine's text (may be
 * "" when it has none: where is then the cause), write whether the
 * call wrote or would have.  Logs the cause unless the same one was
 * logged less than JOTD_DB_LOG_EVERY_MS ago (then counts it, and the
 * next line says how many were not logged).  Strings are borrowed.
 */
void jotd_db_failed(struct jotd_dbhealth *h, const char *where,
                    const char *cause, int write, int64_t now);

/* A database call worked; wrote: it was a write that committed.  Logs
 * once that the database answers again when it had failed. */
void jotd_db_answered(struct jotd_dbhealth *h, int wrote);

/* 1 when a write failed less than JOTD_DB_WRITE_MEMORY_MS before now
 * and none worked since. */
int jotd_db_write_failing(struct jotd_dbhealth *h, int64_t now);

/* The failures reported so far, reads and writes. */
void jotd_db_failures(struct jotd_dbhealth *h, uint64_t *reads,
                      uint64_t *writes);

/* The same two, without the lock or the log: line gets what to log.
 * For the tests. */
void jotd_db_failed_line(struct jotd_dbhealth *h, const char *where,
                         const char *cause, int write, int64_t now,
                         struct jotd_db_line *line);
void jotd_db_answered_line(struct jotd_dbhealth *h, int wrote,
                           struct jotd_db_line *line);

#endif /* JOTD_DBHEALTH_H */
