/*
 * workers.h - the pool that runs blocking work (password hashing,
 * database calls) off the HTTP event loops.  Each worker has its own
 * database connection.
 */
#ifndef JOTD_WORKERS_H
#define JOTD_WORKERS_H

#include <stddef.h>

#include "store/store.h"

struct jotd_workers;

typedef void (*jotd_job_fn)(void *arg, jotd_store *st);

/*
 * Starts n_threads workers, each opening db_url; a queue of at most
 * queue_max jobs.  NULL with a message in err on failure.
 */
struct jotd_workers *jotd_workers_start(size_t n_threads, size_t queue_max,
                                        const char *db_url, char *err,
                                        size_t err_len);

/* Queues fn(arg, st) on some worker.  JOTD_ERR_BUSY when the queue is
 * full or the pool is stopping. */
jotd_err jotd_workers_submit(struct jotd_workers *w, jotd_job_fn fn, void *arg);

/*
 * Runs every queued job, then stops and joins the workers; later submits
 * fail.  The pool stays allocated, so threads that may still submit (the
 * HTTP threads) can do so safely until they are stopped too.  NULL: no-op.
 */
void jotd_workers_stop(struct jotd_workers *w);

/* Stops the pool if needed and frees it.  NULL: no-op. */
void jotd_workers_free(struct jotd_workers *w);

#endif /* JOTD_WORKERS_H */
