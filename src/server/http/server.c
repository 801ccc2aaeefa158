/*
 * server.c - libmicrohttpd glue: the daemon, and one access handler for
 * every route.
 *
 * A request goes through the handler several times: the first call only
 * sets up (libmicrohttpd 0.9.75 would close a keep-alive connection if a
 * response were queued then), the next ones bring the body, and the last
 * one (no more data) answers.  Handlers that block (password hashing,
 * database calls) run on the worker pool: the connection is suspended,
 * the worker writes the response into the request and resumes it, and
 * the handler's next call queues what the worker wrote.
 */
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/internal.h"
#include "http/workers.h"

static int64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the handler ---------------------------------------------------- */

static enum MHD_Result
queue(struct jotd_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t i;

    if (r->resp.status == 0)
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "no answer");
    /* Counted before the client can read the answer, so that a scrape
     * after it always sees it. */
    if (r->metrics_route != SIZE_MAX)
        jotd_metrics_request(&r->j->metrics, r->metrics_route,
                             r->resp.status, now_us() - r->started_us);
    resp = MHD_create_response_from_buffer(r->resp.body_len, r->resp.body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        return MHD_NO;
    r->resp.body = NULL;        /* now owned by resp */
    if (r->resp.content_type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->resp.content_type);
    /* libmicrohttpd 0.9.75 drops a header with an empty value; one blank
     * is the same field on the wire (RFC 9110 §5.5: a value excludes
     * the blanks around it), so "X-Auth-Roles:" is still sent empty. */
    for (i = 0; i < r->resp.n_hdr; i++)
        MHD_add_response_header(resp, r->resp.hdr[i].name,
                                r->resp.hdr[i].value[0] != '\0'
                                    ? r->resp.hdr[i].value
                                    : " ");
    jotd_cors_headers(r, resp);
    ret = MHD_queue_response(r->conn, r->resp.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/*
 * What the answer of a request that ran on a worker says of the
 * database: a 503 logs the engine's cause (rate-limited, never in the
 * answer), a 2xx shows it answered, and one of a method that writes
 * that writes work.  A 503 with no cause from the store is no database
 * failure (a full queue, no free hashing slot).
 */
static void
note_db(struct jotd_req *r, jotd_store *st)
{
    char cause[JOTD_DB_CAUSE_MAX], where[96];
    int write = strcmp(r->method, "GET") != 0 &&
                strcmp(r->method, "HEAD") != 0;
    int n;

    st->ops->last_error(st, cause, sizeof cause);
    if (r->resp.status >= 200 && r->resp.status < 300) {
        jotd_db_answered(&r->j->db, write);
        return;
    }
    if (r->resp.status != 503 || cause[0] == '\0')
        return;
    n = snprintf(where, sizeof where, "%s %s answered 503", r->method,
                 r->route->pattern);
    if (n < 0 || (size_t)n >= sizeof where)
        where[0] = '\0';
    jotd_db_failed(&r->j->db, where, cause, write, jotd_now_ms());
}

static void
run_job(void *arg, jotd_store *st)
{
    struct jotd_req *r = arg;
    char stale[8];

    if (st == NULL) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
    } else {
        /* Only this request's failure may be its cause. */
        st->ops->last_error(st, stale, sizeof stale);
        r->route->fn(r, st);
        note_db(r, st);
    }
    atomic_store_explicit(&r->done, 1, memory_order_release);
    MHD_resume_connection(r->conn);
}

/* Everything between the last byte of the body and the answer. */
static enum MHD_Result
dispatch(struct jotd_req *r)
{
    unsigned flags = r->route->flags;

    if (r->body_too_large) {
        jotd_resp_fail(r, JOTD_ERR_TOO_LARGE,
                        "the body is over the size limit");
        return queue(r);
    }
    if (jotd_req_parse_body(r) != 0)
        return queue(r);
    if (r->route->guard != NULL && r->route->guard(r) != 0)
        return queue(r);
    if (!(flags & JOTD_ROUTE_ASYNC)) {
        r->route->fn(r, NULL);
        return queue(r);
    }
    MHD_suspend_connection(r->conn);
    /* Hashing has its own lane, so that a flood of it never holds up
     * the routes that only talk to the database. */
    if (jotd_workers_submit(r->j->workers,
                            flags & JOTD_ROUTE_HASH ? JOTD_LANE_HASH
                                                    : JOTD_LANE_DB,
                            run_job, r) != 0) {
        MHD_resume_connection(r->conn);
        jotd_resp_fail(r, JOTD_ERR_BUSY, NULL);
        atomic_store_explicit(&r->done, 1, memory_order_release);
    }
    return MHD_YES;
}

/* The mark the URI log callback leaves in *con_cls for a request whose
 * raw path jotd_path_unsafe refuses; the handler's first call reads it
 * (libmicrohttpd decodes the path before that call). */
static char unsafe_path;

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    return jotd_path_unsafe(uri) ? &unsafe_path : NULL;
}

/* Refuses, with err and why, a request before its body is read.  The
 * answer is queued on this first call, which makes libmicrohttpd close
 * the connection after it (and send no 100 Continue); Connection: close
 * says so, and covers a request without a body too. */
static enum MHD_Result
refuse(struct jotd_req *r, jotd_err err, const char *why)
{
    /* A body over the limit on a path with no route: its 404 or 405. */
    if (err != JOTD_ERR_TOO_LARGE || r->route != NULL)
        jotd_resp_fail(r, err, why);
    r->route = NULL;
    jotd_resp_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    return queue(r);
}

/* The handler's first call: the request and its route.  Refused at once
 * when its framing or path is unsafe; else answered on a later call,
 * which keeps the connection alive. */
static enum MHD_Result
begin(struct jotd_http *h, struct MHD_Connection *conn, const char *url,
      const char *method, void **con_cls)
{
    struct jotd *j = h->j;
    int unsafe = *con_cls == &unsafe_path;
    struct jotd_req *r = calloc(1, sizeof *r);
    const char *why = NULL;
    char allow[128];
    jotd_err err;
    int n;

    *con_cls = r;
    jotd_watch_header_done(conn);
    if (r == NULL)
        return MHD_NO;
    r->j = j;
    /* The pin covers the whole request, from its first callback to its
     * completion (on a worker too): r->cfg and what the guard and
     * handler load are all read under it. */
    jotd_snapshot_enter(r->j, &r->pin);
    r->epoch = atomic_load_explicit(&r->j->epoch, memory_order_acquire);
    r->cfg = jotd_cfg(r->j);
    r->conn = conn;
    r->method = method;
    r->started_us = now_us();
    /* Cut short for the log when longer: such a path matches no route
     * anyway. */
    n = snprintf(r->path, sizeof r->path, "%s", url);
    if (n < 0)
        r->path[0] = '\0';
    jotd_req_client_ip(r);
    r->route = jotd_route_find(h->routes, h->n_routes, method,
                               url, &r->params, allow, sizeof allow);
    r->metrics_route = !h->counted ? SIZE_MAX
                       : r->route != NULL ? (size_t)(r->route - h->routes)
                                          : JOTD_METRICS_MAX_ROUTES;
    if (r->route == NULL && jotd_cors_preflight(r, allow)) {
        /* Answered: a preflight is no request for the method. */
    } else if (r->route == NULL && allow[0] != '\0') {
        jotd_resp_fail(r, JOTD_ERR_METHOD, "method not allowed");
        jotd_resp_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    } else if (r->route == NULL) {
        jotd_resp_fail(r, JOTD_ERR_NOT_FOUND, "no such resource");
    }
    if (unsafe)
        return refuse(r, JOTD_ERR_INVALID,
                      "encoded NUL or slash in the path");
    err = jotd_req_framing(conn, r->cfg->max_body, &why);
    if (err != JOTD_OK)
        return refuse(r, err, why);
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct jotd_req *r = *con_cls;

    (void)version;
    if (r == NULL || *con_cls == &unsafe_path)
        return begin(cls, conn, url, method, con_cls);
    if (*upload_size > 0) {
        if (r->route != NULL && jotd_req_add_body(r, upload, *upload_size) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->route == NULL || atomic_load_explicit(&r->done,
                                                 memory_order_acquire))
        return queue(r);
    return dispatch(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct jotd_http *h = cls;
    struct jotd_req *r = *con_cls;

    (void)toe;
    jotd_watch_request_done(&h->watch, conn);
    if (r == NULL || *con_cls == &unsafe_path)
        return;
    jotd_log_request(r->method, r->path, r->resp.status,
                     now_us() - r->started_us, r->ip);
    jotd_resp_clear(&r->resp);
    jotd_req_release(r);
    jotd_snapshot_leave(&r->pin);
    free(r);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages go through our log. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    jotd_log_vmessage("http", fmt, ap);
}

static int
open_listener(const char *host, unsigned listen_port, char *err,
              size_t err_len)
{
    struct addrinfo hints, *ai = NULL;
    char port[16];
    int fd = -1, one = 1, rc, n;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    n = snprintf(port, sizeof port, "%u", listen_port);
    if (n < 0 || (size_t)n >= sizeof port) {
        jotd_errf(err, err_len, "listen port %u: out of range",
                  listen_port);
        return -1;
    }
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        jotd_errf(err, err_len, "listen %s: %s", host,
                  gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        jotd_errf(err, err_len, "listen %s:%u: %s", host,
                  listen_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Every pattern of the table is one the router takes, or jotd does not
 * start: a typo in a pattern would otherwise only show as a 404. */
static int
check_routes(const struct jotd_route *routes, size_t n_routes, char *err,
             size_t err_len)
{
    size_t i;

    for (i = 0; i < n_routes; i++) {
        if (!jotd_route_pattern_ok(routes[i].pattern)) {
            jotd_errf(err, err_len, "route %s %s: bad pattern",
                      routes[i].method, routes[i].pattern);
            return -1;
        }
    }
    return 0;
}

/* The daemon on h's listening socket, with h's TLS material if any. */
static struct MHD_Daemon *
start_daemon(struct jotd *j, struct jotd_http *h, unsigned threads)
{
    const struct jotd_config *cfg = jotd_cfg(j);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;

    if (h->tls.on)
        flags |= MHD_USE_TLS;
    /* The TLS options come last and only when set: an option list cannot
     * be built conditionally, so the end marker stands in for them. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
        MHD_OPTION_NOTIFY_CONNECTION, jotd_watch_notify, &h->watch,
        /* Counted over the whole thread pool (libmicrohttpd 0.9.75
         * keeps the count in the master daemon); over it, a connection
         * is closed as soon as it is accepted. */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip,
        /* An idle connection is cut off after 30 s, a slow header by
         * deadline.c however it trickles.  Headers up to 16 KiB fit the
         * pool; it is no larger, since libmicrohttpd clears all of it for
         * every request (with 64 KiB that was a third of a cached
         * verify). */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(24 * 1024),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
        /* The pair is asked for at each handshake, so that a reload
         * can change it (tls.c). */
        h->tls.on ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END,
        jotd_tls_retrieve,
        MHD_OPTION_END);
}

/* Stops h's daemon (and its extra one) and frees it; NULL: nothing. */
static void
http_free(struct jotd_http *h)
{
    if (h == NULL)
        return;
    http_free(h->extra);
    if (h->daemon != NULL)
        MHD_stop_daemon(h->daemon);
    jotd_watch_stop(&h->watch);     /* after the daemon's last notice */
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    jotd_tls_clear(&h->tls);
    free(h);
}

/* Starts a daemon on host:port serving routes into *out.  The primary
 * one has the TLS material of the configuration, if any, and its pool of
 * threads, and its requests are counted in j->metrics; another (a
 * scrape listener) is plain HTTP on one thread, not counted. */
static jotd_err
start(struct jotd *j, const char *host, unsigned port, int primary,
      const struct jotd_route *routes, size_t n_routes,
      struct jotd_http **out, char *err, size_t err_len)
{
    const struct jotd_config *cfg = jotd_cfg(j);
    unsigned threads = cfg->threads;
    struct jotd_http *h;

    *out = NULL;
    if (threads == 0)
        threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads == 0 || !primary)
        threads = 1;
    if (check_routes(routes, n_routes, err, err_len) != 0)
        return JOTD_ERR_INVALID;
    h = calloc(1, sizeof *h);
    if (h == NULL) {
        jotd_errf(err, err_len, "out of memory");
        return JOTD_ERR_NOMEM;
    }
    h->j = j;
    h->counted = primary;   /* the route numbers are its table's */
    h->routes = routes;
    h->n_routes = n_routes;
    h->listen_fd = -1;
    if (primary && jotd_tls_load(cfg, &h->tls, err, err_len) != 0)
        goto fail;
    h->listen_fd = open_listener(host, port, err, err_len);
    if (h->listen_fd < 0)
        goto fail;
    if (jotd_watch_start(&h->watch, cfg->header_timeout) != 0) {
        jotd_errf(err, err_len, "cannot start the header deadline thread");
        goto fail;
    }
    h->daemon = start_daemon(j, h, threads);
    if (h->daemon == NULL) {
        jotd_errf(err, err_len, "cannot start the HTTP server");
        goto fail;
    }
    *out = h;
    return JOTD_OK;
fail:
    http_free(h);
    return JOTD_ERR_INVALID;
}

jotd_err
jotd_http_start(struct jotd *j, const struct jotd_route *routes,
                size_t n_routes, char *err, size_t err_len)
{
    const struct jotd_config *cfg = jotd_cfg(j);

    /* Each route has its own counters (core/metrics.h). */
    if (n_routes > JOTD_METRICS_MAX_ROUTES) {
        jotd_errf(err, err_len, "more than %d routes",
                  JOTD_METRICS_MAX_ROUTES);
        return JOTD_ERR_INVALID;
    }
    return start(j, cfg->listen_host, cfg->listen_port, 1, routes,
                 n_routes, &j->http, err, err_len);
}

jotd_err
jotd_http_start_extra(struct jotd *j, const char *host, unsigned port,
                      const struct jotd_route *routes, size_t n_routes,
                      char *err, size_t err_len)
{
    if (j->http == NULL || j->http->extra != NULL) {
        jotd_errf(err, err_len, "no main listener, or an extra one already");
        return JOTD_ERR_INVALID;
    }
    return start(j, host, port, 0, routes, n_routes, &j->http->extra, err,
                 err_len);
}

void
jotd_http_reload_tls(struct jotd *j)
{
    char err[512];

    if (j->http == NULL || !j->http->tls.on)
        return;
    if (jotd_tls_reload(&j->http->tls, err, sizeof err) != JOTD_OK)
        jotd_log_message("http", "reload: TLS certificate and key kept: %s",
                         err);
    else
        jotd_log_message("http", "reload: TLS certificate and key "
                                 "reloaded");
}

void
jotd_http_destroy(struct jotd *j)
{
    http_free(j->http);
    j->http = NULL;
}
