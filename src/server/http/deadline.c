/*
 * deadline.c - a deadline for a whole request header, however slowly
 * it trickles in.
 *
 * libmicrohttpd's connection timeout is an idle timeout: every byte
 * resets it, so a client sending one header byte every few seconds
 * holds its connection for ever (slowloris).  Its other hooks do not
 * help: the URI log callback comes after the request line, the
 * handler's first call after the whole header, and a per-connection
 * timeout (MHD_CONNECTION_OPTION_TIMEOUT) is the same idle timeout.
 *
 * So every connection is watched from libmicrohttpd's notice of its
 * start (MHD_OPTION_NOTIFY_CONNECTION): its header must be complete
 * within header_timeout of that start, or of the end of its previous
 * answer on a kept-alive connection.  The handler's first call lifts
 * the deadline (a request being read or answered is not cut), the end
 * of the request sets the next one.  A thread looks over the watched
 * connections twice a second and shuts down the socket of any past its
 * deadline; libmicrohttpd then sees the end of the stream and closes the
 * connection as it would any other.
 *
 * The list is locked; the sweep holds the lock while it shuts a socket
 * down, and libmicrohttpd's notice of a closed connection takes it
 * before the socket is closed, so the descriptor shut down is always
 * the connection's own and never a reused one.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http/internal.h"

#define SWEEP_NS 500000000L     /* how often the watcher looks */

/* One watched connection: its socket_context. */
struct jotd_watched {
    struct jotd_watched *prev, *next;
    int fd;
    _Atomic int64_t deadline_us;    /* 0: none, a request is under way */
    int cut;                        /* shut down already */
};

static int64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sweep(struct jotd_watch *w)
{
    int64_t now = now_us(), d;
    struct jotd_watched *c;

    for (c = w->head; c != NULL; c = c->next) {
        d = atomic_load_explicit(&c->deadline_us, memory_order_relaxed);
        if (d != 0 && now >= d && !c->cut) {
            shutdown(c->fd, SHUT_RDWR);
            c->cut = 1;
        }
    }
}

static void *
watch_main(void *arg)
{
    struct jotd_watch *w = arg;
    struct timespec until;

    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SWEEP_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        if (!w->stop)
            sweep(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int
jotd_watch_start(struct jotd_watch *w, int64_t header_timeout)
{
    pthread_condattr_t attr;

    w->head = NULL;
    w->stop = 0;
    w->timeout_us = header_timeout * 1000000;
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return -1;
    /* The waits are measured on the monotonic clock, like deadlines. */
    if (pthread_condattr_init(&attr) != 0 ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&w->wake, &attr) != 0) {
        pthread_mutex_destroy(&w->lock);
        return -1;
    }
    pthread_condattr_destroy(&attr);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        return -1;
    }
    w->running = 1;
    return 0;
}

void
jotd_watch_stop(struct jotd_watch *w)
{
    if (!w->running)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    w->running = 0;
}

/* Starts watching conn; out of memory, it is refused (shut down) rather
 * than left without a deadline. */
static void
watch_add(struct jotd_watch *w, struct MHD_Connection *conn, void **ctx)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct jotd_watched *c;

    *ctx = NULL;
    if (ci == NULL)
        return;
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        shutdown(ci->connect_fd, SHUT_RDWR);
        return;
    }
    c->fd = ci->connect_fd;
    atomic_init(&c->deadline_us, now_us() + w->timeout_us);
    pthread_mutex_lock(&w->lock);
    c->next = w->head;
    if (w->head != NULL)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->lock);
    *ctx = c;
}

static void
watch_remove(struct jotd_watch *w, void **ctx)
{
    struct jotd_watched *c = *ctx;

    if (c == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->lock);
    free(c);
    *ctx = NULL;
}

void
jotd_watch_notify(void *cls, struct MHD_Connection *conn, void **ctx,
                  enum MHD_ConnectionNotificationCode code)
{
    struct jotd_watch *w = cls;

    switch (code) {
    case MHD_CONNECTION_NOTIFY_STARTED:
        watch_add(w, conn, ctx);
        return;
    case MHD_CONNECTION_NOTIFY_CLOSED:
        watch_remove(w, ctx);
        return;
    }
}

/* The watched entry of conn, or NULL. */
static struct jotd_watched *
watched(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

void
jotd_watch_header_done(struct MHD_Connection *conn)
{
    struct jotd_watched *c = watched(conn);

    if (c != NULL)
        atomic_store_explicit(&c->deadline_us, 0, memory_order_relaxed);
}

void
jotd_watch_request_done(const struct jotd_watch *w,
                        struct MHD_Connection *conn)
{
    struct jotd_watched *c = watched(conn);

    if (c != NULL)
        atomic_store_explicit(&c->deadline_us, now_us() + w->timeout_us,
                              memory_order_relaxed);
}
