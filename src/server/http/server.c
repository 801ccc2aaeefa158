/*
 * http.c - libmicrohttpd glue: one access handler for every route.
 *
 * A request goes through the handler several times: the first call only
 * sets up (libmicrohttpd 0.9.75 would close a keep-alive connection if a
 * response were queued then), the next ones bring the body, and the last
 * one (no more data) answers.  Handlers that block (password hashing,
 * database calls) run on the worker pool: the connection is suspended,
 * the worker writes the response into the request and resumes it, and
 * the handler's next call queues what the worker wrote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "core/log.h"
#include "http/workers.h"

static struct MHD_Daemon *daemon_;
static int listen_fd = -1;

static int64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request accessors --------------------------------------------- */

const char *
jotd_req_header(struct jotd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
jotd_req_cookie(struct jotd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *
jotd_req_query(struct jotd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
jotd_req_string(struct jotd_req *r, const char *name, size_t *len, int *bad)
{
    const json_t *v = r->json ? json_object_get(r->json, name) : NULL;
    char msg[128];

    *len = 0;
    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        snprintf(msg, sizeof msg, "%s must be a string", name);
        jotd_resp_fail(r, JOTD_ERR_INVALID, msg);
        *bad = 1;
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

/* ---- the client address ------------------------------------------- */

/* The last address of X-Forwarded-For, when it is a valid address. */
static int
last_forwarded(const char *xff, char *out, size_t cap)
{
    const char *start = strrchr(xff, ',');
    unsigned char buf[16];
    size_t len;

    start = start ? start + 1 : xff;
    while (*start == ' ' || *start == '\t')
        start++;
    len = strcspn(start, " \t");
    if (len == 0 || len >= cap)
        return -1;
    memcpy(out, start, len);
    out[len] = '\0';
    if (inet_pton(AF_INET, out, buf) != 1 &&
        inet_pton(AF_INET6, out, buf) != 1)
        return -1;
    return 0;
}

static void
client_ip(struct jotd_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const char *xff;
    char fwd[64];

    snprintf(r->ip, sizeof r->ip, "unknown");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip,
                  sizeof r->ip);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  r->ip, sizeof r->ip);
    /* API.md: X-Forwarded-For counts only from a trusted proxy, and then
     * only its last address, the one that proxy itself saw. */
    xff = jotd_req_header(r, "X-Forwarded-For");
    if (xff != NULL && jotd_config_is_trusted_proxy(r->cfg, r->ip) &&
        last_forwarded(xff, fwd, sizeof fwd) == 0)
        memcpy(r->ip, fwd, strlen(fwd) + 1);
}

/* ---- routing -------------------------------------------------------- */

/* Finds the route of method and path; for a known path with another
 * method, writes the allowed methods to allow and returns NULL. */
static const struct jotd_route *
route_find(const char *method, const char *path, const char **param,
           char *allow, size_t allow_cap)
{
    size_t i, plen, used = 0;
    int is_head = strcmp(method, "HEAD") == 0;

    allow[0] = '\0';
    *param = NULL;
    for (i = 0; i < jotd_n_routes; i++) {
        const struct jotd_route *rt = &jotd_routes[i];
        const char *p = NULL;
        plen = strlen(rt->path);
        if (rt->flags & JOTD_ROUTE_PARAM) {
            /* prefix "/v1/me/sessions/" then one non-empty segment */
            if (strncmp(path, rt->path, plen) != 0 || path[plen] == '\0' ||
                strchr(path + plen, '/') != NULL)
                continue;
            p = path + plen;
        } else if (strcmp(path, rt->path) != 0) {
            continue;
        }
        if (strcmp(method, rt->method) == 0 ||
            (is_head && strcmp(rt->method, "GET") == 0)) {
            *param = p;
            return rt;
        }
        if (used + strlen(rt->method) + 3 < allow_cap) {
            used += (size_t)snprintf(allow + used, allow_cap - used, "%s%s",
                                     used ? ", " : "", rt->method);
        }
    }
    return NULL;
}

/* ---- bodies --------------------------------------------------------- */

/* 1 when the Content-Type is application/json (any parameters). */
static int
is_json(const char *ctype)
{
    size_t n = strlen("application/json");

    if (ctype == NULL || strncasecmp(ctype, "application/json", n) != 0)
        return 0;
    return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

/* Parses the body of a JSON route; answers 4xx and returns -1 if bad. */
static int
parse_body(struct jotd_req *r)
{
    unsigned flags = r->route->flags;
    const char *why;

    if (!(flags & (JOTD_ROUTE_JSON | JOTD_ROUTE_JSON_OPT)))
        return 0;
    if (r->body_len == 0 && (flags & JOTD_ROUTE_JSON_OPT))
        return 0;
    if (r->body_len > 0 && !is_json(jotd_req_header(r, "Content-Type"))) {
        jotd_resp_fail(r, JOTD_ERR_MEDIA_TYPE,
                        "the body must be application/json");
        return -1;
    }
    r->json = jotd_json_body(r->body ? r->body : "", r->body_len, &why);
    if (r->json == NULL) {
        jotd_resp_fail(r, JOTD_ERR_INVALID, why);
        return -1;
    }
    return 0;
}

static int
add_body(struct jotd_req *r, const char *data, size_t size)
{
    size_t max = r->cfg->max_body;
    char *grown;

    if (r->body_too_large || size > max - r->body_len) {
        r->body_too_large = 1;  /* keep reading, answer 413 at the end */
        return 0;
    }
    if (r->body == NULL) {
        /* One allocation of the largest body allowed would be simplest,
         * but most bodies are tiny: grow to the limit instead. */
        grown = malloc(size + 1 > 1024 ? size + 1 : 1024);
    } else {
        grown = realloc(r->body, r->body_len + size + 1);
    }
    if (grown == NULL)
        return -1;
    r->body = grown;
    memcpy(r->body + r->body_len, data, size);
    r->body_len += size;
    r->body[r->body_len] = '\0';
    return 0;
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
    resp = MHD_create_response_from_buffer(r->resp.body_len, r->resp.body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        return MHD_NO;
    r->resp.body = NULL;        /* now owned by resp */
    if (r->resp.content_type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->resp.content_type);
    for (i = 0; i < r->resp.n_hdr; i++)
        MHD_add_response_header(resp, r->resp.hdr[i].name,
                                r->resp.hdr[i].value);
    ret = MHD_queue_response(r->conn, r->resp.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void
run_job(void *arg, jotd_store *st)
{
    struct jotd_req *r = arg;

    if (st == NULL)
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
    else
        r->route->fn(r, st);
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
    if (parse_body(r) != 0)
        return queue(r);
    if (r->route->guard != NULL && r->route->guard(r) != 0)
        return queue(r);
    if (!(flags & JOTD_ROUTE_ASYNC)) {
        r->route->fn(r, NULL);
        return queue(r);
    }
    MHD_suspend_connection(r->conn);
    if (jotd_workers_submit(r->j->workers, run_job, r) != 0) {
        MHD_resume_connection(r->conn);
        jotd_resp_fail(r, JOTD_ERR_BUSY, NULL);
        atomic_store_explicit(&r->done, 1, memory_order_release);
    }
    return MHD_YES;
}

static enum MHD_Result
count_length(void *cls, enum MHD_ValueKind kind, const char *key,
             const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        (*(unsigned *)cls)++;
    return MHD_YES;
}

/* RFC 9112 §6.3: several Content-Length fields make the message length
 * ambiguous, the classic way to smuggle a request past a proxy that
 * reads the other one.  Such a request is refused and the connection
 * closed. */
static int
ambiguous_length(struct MHD_Connection *conn)
{
    unsigned n = 0;

    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_length, &n);
    return n > 1;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct jotd_req *r = *con_cls;
    char allow[128];

    (void)version;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        r->j = cls;
        r->epoch = atomic_load_explicit(&r->j->epoch, memory_order_acquire);
        r->cfg = jotd_cfg(r->j);
        r->conn = conn;
        r->method = method;
        r->started_us = now_us();
        snprintf(r->path, sizeof r->path, "%s", url);
        client_ip(r);
        r->route = route_find(method, url, &r->param, allow, sizeof allow);
        if (ambiguous_length(conn)) {
            r->route = NULL;    /* answer below, read nothing */
            jotd_resp_fail(r, JOTD_ERR_INVALID,
                            "conflicting Content-Length headers");
            jotd_resp_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
        } else if (r->route == NULL && allow[0] != '\0') {
            jotd_resp_fail(r, JOTD_ERR_METHOD,
                            "method not allowed");
            jotd_resp_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        } else if (r->route == NULL) {
            jotd_resp_fail(r, JOTD_ERR_NOT_FOUND, "no such resource");
        }
        *con_cls = r;
        return MHD_YES;         /* answer on a later call: keep-alive */
    }
    if (*upload_size > 0) {
        if (r->route != NULL && add_body(r, upload, *upload_size) != 0)
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
    struct jotd_req *r = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (r == NULL)
        return;
    jotd_log_request(r->method, r->path, r->resp.status,
                     now_us() - r->started_us, r->ip);
    jotd_resp_clear(&r->resp);
    json_decref(r->json);
    free(r->body);
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
open_listener(const struct jotd_config *cfg, char *err, size_t err_len)
{
    struct addrinfo hints, *ai = NULL;
    char port[16];
    int fd = -1, one = 1, rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", cfg->listen_port);
    rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, err_len, "listen %s: %s", cfg->listen_host,
                 gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, err_len, "listen %s:%u: %s", cfg->listen_host,
                 cfg->listen_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Reads a PEM file for libmicrohttpd (which wants it in memory), NUL-
 * terminated, at most 1 MiB.  NULL with a message on failure. */
static char *
read_pem(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 20, len;
    char *buf;

    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf = malloc(cap + 1);
    len = buf ? fread(buf, 1, cap + 1, f) : 0;
    fclose(f);
    if (buf == NULL || len == 0 || len > cap) {
        snprintf(err, err_len, "%s: empty, unreadable or over 1 MiB", path);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static char *tls_key_pem, *tls_cert_pem;

int
jotd_http_start(struct jotd *j, char *err, size_t err_len)
{
    const struct jotd_config *cfg = jotd_cfg(j);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    unsigned threads = cfg->threads;

    if (threads == 0)
        threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads == 0)
        threads = 1;
    if (cfg->tls_cert[0] != '\0') {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            snprintf(err, err_len, "this libmicrohttpd has no TLS support");
            return -1;
        }
        tls_cert_pem = read_pem(cfg->tls_cert, err, err_len);
        tls_key_pem = tls_cert_pem ? read_pem(cfg->tls_key, err, err_len)
                                   : NULL;
        if (tls_key_pem == NULL) {
            free(tls_cert_pem);
            tls_cert_pem = NULL;
            return -1;
        }
        flags |= MHD_USE_TLS;
    }
    listen_fd = open_listener(cfg, err, err_len);
    if (listen_fd < 0)
        return -1;
    /* The TLS options come last and only when set: an option list cannot
     * be built conditionally, so the end marker stands in for them. */
    daemon_ = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, j,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, j,
        /* Slow clients are cut off.  Headers up to 16 KiB fit the pool;
         * it is no larger, since libmicrohttpd clears all of it for every
         * request (with 64 KiB that was a third of a cached verify). */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(24 * 1024),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
        tls_key_pem ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls_key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, tls_cert_pem,
        MHD_OPTION_END);
    if (daemon_ == NULL) {
        snprintf(err, err_len, "cannot start the HTTP server%s",
                 tls_key_pem ? " (are tls_cert and tls_key a valid pair?)"
                             : "");
        jotd_http_destroy();
        return -1;
    }
    return 0;
}

void
jotd_http_destroy(void)
{
    if (daemon_ != NULL)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    if (listen_fd >= 0)
        close(listen_fd);
    listen_fd = -1;
    if (tls_key_pem != NULL)
        jot_wipe(tls_key_pem, strlen(tls_key_pem));
    free(tls_key_pem);
    free(tls_cert_pem);
    tls_key_pem = tls_cert_pem = NULL;
}
