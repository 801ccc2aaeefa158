/*
 * log.c - log lines, written whole so that lines from different threads
 * never interleave.  Audit events and messages are written at once, one
 * write(2) each.  Request lines, one per request, and the audit lines of
 * routine refreshes would cost a system call per request on the hottest
 * paths, so each thread gathers them in
 * a buffer of its own, written when it fills and by jotd_log_flush(),
 * which the server calls every tenth of a second and when it stops.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jotd.h"
#include "core/log.h"

/*
 * The logger is process-wide, on purpose: it runs before struct jotd
 * exists (configuration errors, the secret's creation), and
 * libmicrohttpd's message callback reaches it with no jotd at hand.
 * The format is atomic because a SIGHUP reload changes it while other
 * threads log.
 */
static _Atomic enum jotd_log_format format = JOTD_LOG_TEXT;

void
jotd_log_init(enum jotd_log_format f)
{
    atomic_store_explicit(&format, f, memory_order_relaxed);
}

static int
json_lines(void)
{
    return atomic_load_explicit(&format, memory_order_relaxed) ==
           JOTD_LOG_JSON;
}

/* The time as 2026-01-02T03:04:05.678Z; the part down to the second is
 * formatted once a second per thread, since this runs for every request
 * line (the thread-local statics are that per-thread memo). */
static void
stamp(char out[40])
{
    static _Thread_local time_t base_sec = -1;
    static _Thread_local char base[24];
    static _Thread_local size_t base_len;
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != base_sec) {
        gmtime_r(&ts.tv_sec, &tm);
        base_len = strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S.", &tm);
        base_sec = ts.tv_sec;
    }
    memcpy(out, base, base_len);
    n = base_len +
        jotd_fmt_uint(out + base_len, (uint64_t)ts.tv_nsec / 1000000, 3);
    out[n++] = 'Z';
    out[n] = '\0';
}

/* A log line that cannot be written has nowhere else to go: dropped. */
static void
emit(const char *line, size_t len)
{
    (void)jotd_write_all(STDERR_FILENO, line, len);
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

/* Every thread's buffer, for the flusher, and the calling thread's own:
 * process-wide like the logger they belong to. */
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

/*
 * A string jansson accepts: s itself when it is valid UTF-8, else a copy
 * in buf (cap bytes) with each octet that is not part of a valid
 * character written as \xHH, cut to what fits.  jansson refuses a
 * string that is not UTF-8, and a request path is raw octets from the
 * client: without this, such a request would leave no log line at all.
 * NULL stays NULL.
 */
static const char *
as_utf8(const char *s, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t len, i = 0, o = 0, n;
    unsigned cp;

    if (s == NULL)
        return NULL;
    len = strlen(s);
    if (jotd_utf8_valid(s, len))
        return s;
    while (i < len) {
        n = jotd_utf8_char(s + i, len - i, &cp);
        if (n == 0 && cap - o > 4) {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[(unsigned char)s[i] >> 4];
            buf[o++] = hex[(unsigned char)s[i] & 15];
            i++;
        } else if (n > 0 && cap - o > n) {
            memcpy(buf + o, s + i, n);
            o += n;
            i += n;
        } else {
            break;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* Writes obj as one JSON line (json format), through this thread's
 * buffer when buffered, and frees it. */
static void
emit_json(json_t *obj, int buffered, size_t precision)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT |
                                           JSON_REAL_PRECISION(precision))
                     : NULL;
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

/* Writes the n octets snprintf put in line (cap bytes), through this
 * thread's buffer when buffered: a line that did not fit is cut, and
 * still ends with its newline. */
static void
emit_line_via(char *line, size_t cap, int n, int buffered)
{
    size_t len;

    if (n <= 0 || cap < 2)
        return;
    len = (size_t)n;
    if (len >= cap) {
        len = cap - 1;
        line[len - 1] = '\n';
    }
    if (buffered)
        emit_buffered(line, len);
    else
        emit(line, len);
}

static void
emit_line(char *line, size_t cap, int n)
{
    emit_line_via(line, cap, n, 0);
}

/* A text line being put together; what does not fit is cut. */
struct line {
    char text[512];
    size_t len;
};

static void
add(struct line *l, const char *s, size_t n)
{
    if (n > sizeof l->text - 1 - l->len)    /* keep room for the '\n' */
        n = sizeof l->text - 1 - l->len;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void
add_str(struct line *l, const char *s)
{
    add(l, s, strlen(s));
}

/* Adds s with control characters, blanks and backslashes written as
 * \xHH, so that a request path (decoded from %0d%0a by the HTTP layer)
 * cannot forge log lines or fields.  At most max octets of s are
 * looked at. */
static void
add_escaped(struct line *l, const char *s, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    char esc[4] = {'\\', 'x', 0, 0};
    const char *run = s;

    for (; *s != '\0' && max > 0; s++, max--) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c == 0x7f || c == '\\') {
            add(l, run, (size_t)(s - run));
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            add(l, esc, sizeof esc);
            run = s + 1;
        }
    }
    add(l, run, (size_t)(s - run));
}

static void
add_uint(struct line *l, uint64_t v, size_t width)
{
    char num[24];

    add(l, num, jotd_fmt_uint(num, v, width));
}

/*
 * The significant digits that print us microseconds as milliseconds
 * with at most three decimals: the digits of the whole milliseconds,
 * plus three.  A duration is a whole number of microseconds, so "%.*g"
 * with that many digits rounds the double back to its short decimal
 * (42486 us is 42.486, not 42.485999999999997).
 */
static size_t
ms_digits(uint64_t us)
{
    size_t n = 1;
    uint64_t ms;

    for (ms = us / 1000; ms >= 10; ms /= 10)
        n++;
    return n + 3 > 31 ? 31 : n + 3;     /* JSON_REAL_PRECISION's most */
}

void
jotd_log_request(const char *method, const char *path, unsigned status,
                 int64_t duration_us, const char *ip)
{
    uint64_t us = duration_us > 0 ? (uint64_t)duration_us : 0;
    struct line l = {.len = 0};
    char ts[40];

    stamp(ts);
    if (json_lines()) {
        char m[64], p[1200];

        emit_json(json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s}", "ts", ts,
                            "event", "request", "method",
                            as_utf8(method, m, sizeof m), "path",
                            as_utf8(path, p, sizeof p), "status",
                            (int)status, "ms", (double)us / 1000.0,
                            "ip", ip), 1, ms_digits(us));
        return;
    }
    /* ts method path status 1.234ms ip, without printf: this runs for
     * every request. */
    add_str(&l, ts);
    add(&l, " ", 1);
    add_escaped(&l, method, 15);
    add(&l, " ", 1);
    add_escaped(&l, path, 300);
    add(&l, " ", 1);
    add_uint(&l, status, 1);
    add(&l, " ", 1);
    add_uint(&l, us / 1000, 1);
    add(&l, ".", 1);
    add_uint(&l, us % 1000, 3);
    add(&l, "ms ", 3);
    add_str(&l, ip);
    l.text[l.len++] = '\n';
    emit_buffered(l.text, l.len);
}

static void
audit_line(const char *kind, const char *user_id, const char *session_id,
           const char *ip, const char *detail, int buffered)
{
    char ts[40], line[512];
    int n;

    stamp(ts);
    if (json_lines()) {
        char d[600];

        emit_json(json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "ts",
                            ts, "event", "audit", "kind", kind, "user",
                            user_id, "session", session_id, "ip", ip,
                            "detail", as_utf8(detail, d, sizeof d)),
                  buffered, 0);
        return;
    }
    n = snprintf(line, sizeof line,
                 "%s audit %s user=%s session=%s ip=%s%s%s\n", ts, kind,
                 user_id ? user_id : "-", session_id ? session_id : "-",
                 ip ? ip : "-", detail ? " " : "", detail ? detail : "");
    emit_line_via(line, sizeof line, n, buffered);
}

void
jotd_log_audit(const char *kind, const char *user_id, const char *session_id,
               const char *ip, const char *detail)
{
    audit_line(kind, user_id, session_id, ip, detail, 0);
}

void
jotd_log_audit_routine(const char *kind, const char *user_id,
                       const char *session_id, const char *ip)
{
    audit_line(kind, user_id, session_id, ip, NULL, 1);
}

void
jotd_log_vmessage(const char *part, const char *fmt, va_list ap)
{
    char ts[40], msg[400], line[512];
    int n;

    stamp(ts);
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;                 /* a message that is too long is cut */
    /* libmicrohttpd ends its messages with a newline; we add our own. */
    msg[strcspn(msg, "\n")] = '\0';
    if (json_lines()) {
        char m[sizeof msg * 4];

        emit_json(json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "event",
                            "message", "part", part, "message",
                            as_utf8(msg, m, sizeof m)), 0, 0);
        return;
    }
    n = snprintf(line, sizeof line, "%s %s: %s\n", ts, part, msg);
    emit_line(line, sizeof line, n);
}

void
jotd_log_message(const char *part, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    jotd_log_vmessage(part, fmt, ap);
    va_end(ap);
}
