/*
 * workers.h - the pools that run blocking work (password hashing,
 * database calls) off the HTTP event loops, one per lane.  Each worker
 * has its own database connection.
 */
#ifndef JOTD_WORKERS_H
#define JOTD_WORKERS_H

#include <stddef.h>

#include "store/store.h"

struct jotd_workers;

typedef void (*jotd_job_fn)(void *arg, jotd_store *st);

/* The lanes: each has its own threads and queue, so that work on one
 * never waits behind work on the other. */
enum jotd_lane {
    JOTD_LANE_DB,               /* database calls only */
    JOTD_LANE_HASH,             /* requests that hash a password */
    JOTD_N_LANES                /* not a lane */
};

struct jotd_lane_size {
    size_t n_threads, queue_max;    /* both >= 1 */
};

/*
 * Starts the lanes, sizes[lane] threads and queue for each, every thread
 * opening db_url (sizes borrowed).  NULL with a message in err on
 * failure (a zero size: NULL, err untouched).
 */
struct jotd_workers *jotd_workers_start(
    const struct jotd_lane_size sizes[JOTD_N_LANES], const char *db_url,
    char *err, size_t err_len);

/* Queues fn(arg, st) on some worker of lane.  JOTD_ERR_BUSY when that
 * lane's queue is full or the pool is stopping. */
jotd_err jotd_workers_submit(struct jotd_workers *w, enum jotd_lane lane,
                             jotd_job_fn fn, void *arg);

/* The jobs of lane waiting for a worker now (NULL: 0). */
size_t jotd_workers_queued(struct jotd_workers *w, enum jotd_lane lane);

/*
 * Runs every queued job of every lane, then stops and joins the workers; later submits
 * fail.  The pool stays allocated, so threads that may still submit (the
 * HTTP threads) can do so safely until they are stopped too.  NULL: no-op.
 */
void jotd_workers_stop(struct jotd_workers *w);

/* Stops the pool if needed and frees it.  NULL: no-op. */
void jotd_workers_free(struct jotd_workers *w);

#endif /* JOTD_WORKERS_H */
