/*
 * swap.c - deferred freeing of values that readers load without locks.
 *
 * The key set and the revoked-session set are replaced whole; a request
 * that loaded the old pointer a moment earlier may still be reading it.
 * Rather than count references on the hot path, a replaced value waits
 * here for DEFER_MS, far longer than any request holds it, and is then
 * freed by the sync thread.
 */
#include <stdlib.h>
#include <string.h>

#include "jotd.h"

#define DEFER_MAX 256
#define DEFER_MS 10000

struct deferred {
    void *p;
    void (*free_fn)(void *);
    int64_t at;
};

static struct deferred queue[DEFER_MAX];
static size_t n_queued;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void
jotd_defer_free(void *p, void (*free_fn)(void *))
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&lock);
    if (n_queued == DEFER_MAX) {
        /* Full: the oldest has waited longest; free it now. */
        queue[0].free_fn(queue[0].p);
        memmove(queue, queue + 1, (DEFER_MAX - 1) * sizeof *queue);
        n_queued--;
    }
    queue[n_queued].p = p;
    queue[n_queued].free_fn = free_fn;
    queue[n_queued].at = jotd_now_ms();
    n_queued++;
    pthread_mutex_unlock(&lock);
}

void
jotd_defer_collect(int force)
{
    int64_t now = jotd_now_ms();
    size_t i = 0;

    pthread_mutex_lock(&lock);
    while (i < n_queued && (force || now - queue[i].at >= DEFER_MS)) {
        queue[i].free_fn(queue[i].p);
        i++;
    }
    memmove(queue, queue + i, (n_queued - i) * sizeof *queue);
    n_queued -= i;
    pthread_mutex_unlock(&lock);
}
