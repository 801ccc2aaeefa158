/*
 * workers.c - fixed pools of threads fed by bounded queues, one pool per
 * lane.
 *
 * The queues are bounded so that a flood of slow requests (logins cost a
 * 19 MiB, 40 ms hash each) is refused with 503 instead of growing
 * without limit; the threads are few so that memory stays bounded too.
 * Password hashing has a lane of its own, so that a flood of sign-ups or
 * logins fills only its queue and its threads: a refresh or /v1/me, on
 * the database lane, never waits behind a hash.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/workers.h"

struct job {
    jotd_job_fn fn;
    void *arg;
};

struct lane {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct job *queue;          /* ring of queue_max jobs */
    size_t queue_max, head, n_jobs;
    int stopping;
    size_t n_threads;           /* started */
    size_t n_alloc;             /* slots in threads and stores */
    pthread_t *threads;
    jotd_store **stores;
    int inited;                 /* lock and ready initialised */
};

struct jotd_workers {
    struct lane lanes[JOTD_N_LANES];
};

static void *
run(void *p)
{
    struct lane *w = p;
    jotd_store *st;
    struct job job;
    size_t self;

    pthread_mutex_lock(&w->lock);
    for (self = 0; self < w->n_threads; self++)
        if (pthread_equal(w->threads[self], pthread_self()))
            break;
    pthread_mutex_unlock(&w->lock);
    st = self < w->n_threads ? w->stores[self] : NULL;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (w->n_jobs == 0 && !w->stopping)
            pthread_cond_wait(&w->ready, &w->lock);
        if (w->n_jobs == 0) {
            pthread_mutex_unlock(&w->lock);
            return NULL;
        }
        job = w->queue[w->head];
        w->head = (w->head + 1) % w->queue_max;
        w->n_jobs--;
        pthread_mutex_unlock(&w->lock);
        job.fn(job.arg, st);
    }
}

/* Starts one lane of n_threads, each with its own store; -1 with a
 * message in err (what was started is freed by lane_free). */
static int
lane_start(struct lane *w, size_t n_threads, size_t queue_max,
           const char *db_url, char *err, size_t err_len)
{
    size_t i;

    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->ready, NULL);
    w->inited = 1;
    w->queue_max = queue_max;
    w->queue = calloc(queue_max, sizeof *w->queue);
    w->threads = calloc(n_threads, sizeof *w->threads);
    w->stores = calloc(n_threads, sizeof *w->stores);
    if (w->queue == NULL || w->threads == NULL || w->stores == NULL)
        return -1;
    w->n_alloc = n_threads;
    for (i = 0; i < n_threads; i++) {
        w->stores[i] = jotd_store_open(db_url, err, err_len);
        if (w->stores[i] == NULL)
            return -1;
    }
    /* Hold the lock while starting, so each thread finds its own slot
     * (and store) filled in before it looks. */
    pthread_mutex_lock(&w->lock);
    for (i = 0; i < n_threads; i++) {
        if (pthread_create(&w->threads[i], NULL, run, w) != 0) {
            pthread_mutex_unlock(&w->lock);
            jotd_errf(err, err_len, "cannot start worker threads");
            return -1;
        }
        w->n_threads++;
    }
    pthread_mutex_unlock(&w->lock);
    return 0;
}

static void
lane_stop(struct lane *w)
{
    size_t i, n;

    if (!w->inited)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    n = w->n_threads;
    w->n_threads = 0;           /* a second stop joins nothing */
    pthread_cond_broadcast(&w->ready);
    pthread_mutex_unlock(&w->lock);
    for (i = 0; i < n; i++)
        pthread_join(w->threads[i], NULL);
}

static void
lane_free(struct lane *w)
{
    size_t i;

    if (!w->inited)
        return;
    lane_stop(w);
    for (i = 0; w->stores != NULL && i < w->n_alloc; i++)
        jotd_store_close(w->stores[i]);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->ready);
    free(w->stores);
    free(w->threads);
    free(w->queue);
}

struct jotd_workers *
jotd_workers_start(const struct jotd_lane_size sizes[JOTD_N_LANES],
                   const char *db_url, char *err, size_t err_len)
{
    struct jotd_workers *w = calloc(1, sizeof *w);
    size_t i;

    if (w == NULL)
        return NULL;
    for (i = 0; i < JOTD_N_LANES; i++) {
        if (sizes[i].n_threads == 0 || sizes[i].queue_max == 0 ||
            lane_start(&w->lanes[i], sizes[i].n_threads, sizes[i].queue_max,
                       db_url, err, err_len) != 0) {
            jotd_workers_free(w);
            return NULL;
        }
    }
    return w;
}

jotd_err
jotd_workers_submit(struct jotd_workers *workers, enum jotd_lane lane,
                    jotd_job_fn fn, void *arg)
{
    struct lane *w = &workers->lanes[lane];

    pthread_mutex_lock(&w->lock);
    if (w->n_jobs == w->queue_max || w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return JOTD_ERR_BUSY;
    }
    w->queue[(w->head + w->n_jobs) % w->queue_max] = (struct job){fn, arg};
    w->n_jobs++;
    pthread_cond_signal(&w->ready);
    pthread_mutex_unlock(&w->lock);
    return JOTD_OK;
}

size_t
jotd_workers_queued(struct jotd_workers *workers, enum jotd_lane lane)
{
    struct lane *w;
    size_t n;

    if (workers == NULL)
        return 0;
    w = &workers->lanes[lane];
    pthread_mutex_lock(&w->lock);
    n = w->n_jobs;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void
jotd_workers_stop(struct jotd_workers *w)
{
    size_t i;

    if (w == NULL)
        return;
    for (i = 0; i < JOTD_N_LANES; i++)
        lane_stop(&w->lanes[i]);
}

void
jotd_workers_free(struct jotd_workers *w)
{
    size_t i;

    if (w == NULL)
        return;
    for (i = 0; i < JOTD_N_LANES; i++)
        lane_free(&w->lanes[i]);
    free(w);
}
