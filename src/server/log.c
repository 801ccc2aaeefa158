/*
 * log.c - log lines, written whole so that lines from different threads
 * never interleave.  Audit events and messages are written at once, one
 * write(2) each.  Request lines, one per request, would cost a system
 * call per request on the hottest paths, so each thread gathers them in
 * a buffer of its own, written when it fills and by jotd_log_flush(),
 * which the server calls every tenth of a second and when it stops.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static enum jotd_log_format format = JOTD_LOG_TEXT;

void
jotd_log_init(enum jotd_log_format f)
{
    format = f;
}

/* The time as 2026-01-02T03:04:05.678Z; the part down to the second is
 * formatted once a second per thread. */
static void
stamp(char out[40])
{
    static _Thread_local time_t base_sec = -1;
    static _Thread_local char base[24];
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != base_sec) {
        gmtime_r(&ts.tv_sec, &tm);
        strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        base_sec = ts.tv_sec;
    }
    snprintf(out, 40, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static void
emit(const char *line, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(STDERR_FILENO, line, len);
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

/*
 * A thread's request lines not yet written.  Its size keeps each write
 * within PIPE_BUF, so that whole lines reach a pipe (a log collector)
 * in one piece.  The lock is the owner's almost always; the flusher
 * takes it ten times a second.
 */
struct line_buf {
    pthread_mutex_t lock;
    size_t len;
    char data[4096];
    struct line_buf *next;
};

static pthread_mutex_t bufs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct line_buf *bufs;
static _Thread_local struct line_buf *my_buf;

/* This thread's buffer, registered on first use; NULL without memory. */
static struct line_buf *
thread_buf(void)
{
    struct line_buf *b = my_buf;

    if (b != NULL)
        return b;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_lock(&bufs_lock);
    b->next = bufs;
    bufs = b;
    pthread_mutex_unlock(&bufs_lock);
    my_buf = b;
    return b;
}

/* Adds a whole line to this thread's buffer, writing what the buffer
 * holds first when the line does not fit. */
static void
emit_buffered(const char *line, size_t len)
{
    struct line_buf *b = thread_buf();

    if (b == NULL || len > sizeof b->data) {
        emit(line, len);
        return;
    }
    pthread_mutex_lock(&b->lock);
    if (len > sizeof b->data - b->len) {
        emit(b->data, b->len);
        b->len = 0;
    }
    memcpy(b->data + b->len, line, len);
    b->len += len;
    pthread_mutex_unlock(&b->lock);
}

void
jotd_log_flush(void)
{
    struct line_buf *b;

    pthread_mutex_lock(&bufs_lock);
    for (b = bufs; b != NULL; b = b->next) {
        pthread_mutex_lock(&b->lock);
        emit(b->data, b->len);
        b->len = 0;
        pthread_mutex_unlock(&b->lock);
    }
    pthread_mutex_unlock(&bufs_lock);
}

void
jotd_log_shutdown(void)
{
    struct line_buf *b, *next;

    jotd_log_flush();
    pthread_mutex_lock(&bufs_lock);
    for (b = bufs; b != NULL; b = next) {
        next = b->next;
        pthread_mutex_destroy(&b->lock);
        free(b);
    }
    bufs = NULL;
    pthread_mutex_unlock(&bufs_lock);
}

/* Writes obj as one JSON line (json format), through this thread's
 * buffer when buffered, and frees it. */
static void
emit_json(json_t *obj, int buffered)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    size_t len;

    json_decref(obj);
    if (text == NULL)
        return;
    len = strlen(text);
    text[len] = '\n';           /* the NUL becomes the line end */
    if (buffered)
        emit_buffered(text, len + 1);
    else
        emit(text, len + 1);
    free(text);
}

/* Copies s into out with control characters, blanks and backslashes
 * written as \xHH, so that a request path (decoded from %0d%0a by the
 * HTTP layer) cannot forge log lines or fields. */
static const char *
escaped(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (; *s != '\0' && o + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c == 0x7f || c == '\\') {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

void
jotd_log_request(const char *method, const char *path, unsigned status,
                 int64_t duration_us, const char *ip)
{
    char ts[40], line[512], safe_method[64], safe_path[320];
    int n;

    stamp(ts);
    if (format == JOTD_LOG_JSON) {
        emit_json(json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s}", "ts", ts,
                            "event", "request", "method", method, "path",
                            path, "status", (int)status, "ms",
                            (double)duration_us / 1000.0, "ip", ip), 1);
        return;
    }
    n = snprintf(line, sizeof line, "%s %s %s %u %.3fms %s\n", ts,
                 escaped(method, safe_method, sizeof safe_method),
                 escaped(path, safe_path, sizeof safe_path), status,
                 (double)duration_us / 1000.0, ip);
    if (n > 0)
        emit_buffered(line, (size_t)n < sizeof line ? (size_t)n
                                                    : sizeof line - 1);
}

void
jotd_log_audit(const char *kind, const char *user_id, const char *session_id,
               const char *ip, const char *detail)
{
    char ts[40], line[512];
    int n;

    stamp(ts);
    if (format == JOTD_LOG_JSON) {
        emit_json(json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "ts",
                            ts, "event", "audit", "kind", kind, "user",
                            user_id, "session", session_id, "ip", ip,
                            "detail", detail), 0);
        return;
    }
    n = snprintf(line, sizeof line, "%s audit %s user=%s session=%s ip=%s%s%s\n",
                 ts, kind, user_id ? user_id : "-",
                 session_id ? session_id : "-", ip ? ip : "-",
                 detail ? " " : "", detail ? detail : "");
    if (n > 0)
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void
jotd_log_vmessage(const char *part, const char *fmt, va_list ap)
{
    char ts[40], msg[400], line[512];
    int n;

    stamp(ts);
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    /* libmicrohttpd ends its messages with a newline; we add our own. */
    msg[strcspn(msg, "\n")] = '\0';
    if (format == JOTD_LOG_JSON) {
        emit_json(json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "event",
                            "message", "part", part, "message", msg), 0);
        return;
    }
    n = snprintf(line, sizeof line, "%s %s: %s\n", ts, part, msg);
    if (n > 0)
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void
jotd_log_message(const char *part, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    jotd_log_vmessage(part, fmt, ap);
    va_end(ap);
}
