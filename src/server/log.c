/*
 * log.c - log lines, each written with one write(2) so that lines from
 * different threads never interleave.
 */
#include <stdio.h>
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

static void
stamp(char out[40])
{
    struct timespec ts;
    struct tm tm;
    char base[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
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

/* Writes obj as one JSON line (json format) and frees it. */
static void
emit_json(json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    size_t len;

    json_decref(obj);
    if (text == NULL)
        return;
    len = strlen(text);
    text[len] = '\n';           /* the NUL becomes the line end */
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
                            (double)duration_us / 1000.0, "ip", ip));
        return;
    }
    n = snprintf(line, sizeof line, "%s %s %s %u %.3fms %s\n", ts,
                 escaped(method, safe_method, sizeof safe_method),
                 escaped(path, safe_path, sizeof safe_path), status,
                 (double)duration_us / 1000.0, ip);
    if (n > 0)
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
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
                            "detail", detail));
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
                            "message", "part", part, "message", msg));
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
