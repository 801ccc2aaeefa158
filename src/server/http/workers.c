/*
 * workers.c - a fixed pool of threads fed by a bounded queue.
 *
 * The queue is bounded so that a flood of slow requests (logins cost a
 * 19 MiB, 40 ms hash each) is refused with 503 instead of growing
 * without limit; the threads are few so that memory stays bounded too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/workers.h"

struct job {
    jotd_job_fn fn;
    void *arg;
};

struct jotd_workers {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct job *queue;          /* ring of queue_max jobs */
    size_t queue_max, head, n_jobs;
    int stopping;
    size_t n_threads;           /* started */
    size_t n_alloc;             /* slots in threads and stores */
    pthread_t *threads;
    jotd_store **stores;
};

static void *
run(void *p)
{
    struct jotd_workers *w = p;
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

struct jotd_workers *
jotd_workers_start(size_t n_threads, size_t queue_max, const char *db_url,
                   char *err, size_t err_len)
{
    struct jotd_workers *w = calloc(1, sizeof *w);
    size_t i;

    if (w == NULL || n_threads == 0 || queue_max == 0) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->ready, NULL);
    w->queue_max = queue_max;
    w->queue = calloc(queue_max, sizeof *w->queue);
    w->threads = calloc(n_threads, sizeof *w->threads);
    w->stores = calloc(n_threads, sizeof *w->stores);
    if (w->queue == NULL || w->threads == NULL || w->stores == NULL)
        goto fail;
    w->n_alloc = n_threads;
    for (i = 0; i < n_threads; i++) {
        w->stores[i] = jotd_store_open(db_url, err, err_len);
        if (w->stores[i] == NULL)
            goto fail;
    }
    /* Hold the lock while starting, so each thread finds its own slot
     * (and store) filled in before it looks. */
    pthread_mutex_lock(&w->lock);
    for (i = 0; i < n_threads; i++) {
        if (pthread_create(&w->threads[i], NULL, run, w) != 0) {
            pthread_mutex_unlock(&w->lock);
            jotd_errf(err, err_len, "cannot start worker threads");
            goto fail;
        }
        w->n_threads++;
    }
    pthread_mutex_unlock(&w->lock);
    return w;
fail:
    if (w != NULL && w->queue == NULL)
        free(w);
    else
        jotd_workers_free(w);
    return NULL;
}

jotd_err
jotd_workers_submit(struct jotd_workers *w, jotd_job_fn fn, void *arg)
{
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

void
jotd_workers_stop(struct jotd_workers *w)
{
    size_t i, n;

    if (w == NULL)
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

void
jotd_workers_free(struct jotd_workers *w)
{
    size_t i;

    if (w == NULL)
        return;
    jotd_workers_stop(w);
    for (i = 0; w->stores != NULL && i < w->n_alloc; i++)
        jotd_store_close(w->stores[i]);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->ready);
    free(w->stores);
    free(w->threads);
    free(w->queue);
    free(w);
}
