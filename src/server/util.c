/*
 * util.c - results, time, ids, usernames, whole writes, wiped frees.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <jot/jot.h>

#include "util.h"

const char *
jotd_strerror(jotd_err err)
{
    switch (err) {
    case JOTD_OK: return "success";
    case JOTD_ERR_NOMEM: return "out of memory";
    case JOTD_ERR_INTERNAL: return "internal error";
    case JOTD_ERR_UNAVAILABLE: return "database unavailable";
    case JOTD_ERR_BUSY: return "server busy, retry later";
    case JOTD_ERR_INVALID: return "invalid request";
    case JOTD_ERR_USERNAME:
        return "username must be 1-64 bytes of UTF-8 text";
    case JOTD_ERR_PASSWORD_SHORT: return "password too short";
    case JOTD_ERR_PASSWORD_LONG: return "password too long";
    case JOTD_ERR_CREDENTIALS: return "invalid username or password";
    case JOTD_ERR_TOKEN: return "invalid token";
    case JOTD_ERR_GRANT: return "invalid grant";
    case JOTD_ERR_FORBIDDEN: return "forbidden";
    case JOTD_ERR_SCOPE: return "the admin role is required";
    case JOTD_ERR_NOT_FOUND: return "no such resource";
    case JOTD_ERR_METHOD: return "method not allowed";
    case JOTD_ERR_CONFLICT: return "conflict";
    case JOTD_ERR_TOO_LARGE: return "the body is over the size limit";
    case JOTD_ERR_MEDIA_TYPE: return "the body must be application/json";
    case JOTD_ERR_THROTTLED: return "too many failed attempts, retry later";
    case JOTD_ERR_UNSUPPORTED: return "not implemented";
    case JOTD_ERR_LAST: break;
    }
    return "unknown error";
}

void
jotd_errf(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || err_len == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err[0] = '\0';
        return;
    }
    if ((size_t)n >= err_len && err_len > 4)
        memcpy(err + err_len - 4, "...", 4);
}

int64_t
jotd_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
jotd_rfc3339(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

jotd_err
jotd_uuid(char out[JOTD_ID_LEN + 1])
{
    unsigned char b[16];
    int n;

    if (RAND_bytes(b, sizeof b) != 1)
        return JOTD_ERR_INTERNAL;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    n = snprintf(out, JOTD_ID_LEN + 1,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                 b[10], b[11], b[12], b[13], b[14], b[15]);
    return n == JOTD_ID_LEN ? JOTD_OK : JOTD_ERR_INTERNAL;
}

int
jotd_is_id(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              s[i] == '-'))
            return 0;
    return i == JOTD_ID_LEN;
}

size_t
jotd_fmt_uint(char *p, uint64_t v, size_t width)
{
    char digits[24];
    size_t n = 0, i;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 || (n < width && n < sizeof digits));
    for (i = 0; i < n; i++)
        p[i] = digits[n - 1 - i];
    return n;
}

jotd_err
jotd_random_b64(size_t n, char *out, size_t cap)
{
    unsigned char b[64];
    size_t len;

    if (n > sizeof b || RAND_bytes(b, (int)n) != 1)
        return JOTD_ERR_INTERNAL;
    return jot_b64url_encode(b, n, out, cap, &len) == JOT_OK
               ? JOTD_OK
               : JOTD_ERR_INTERNAL;
}

jotd_err
jotd_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return JOTD_ERR_INTERNAL;
        if (n == 0) {
            errno = EIO;
            return JOTD_ERR_INTERNAL;
        }
        p += n;
        len -= (size_t)n;
    }
    return JOTD_OK;
}

/* Length of the UTF-8 sequence at s (at most len bytes), or 0 when it is
 * not valid UTF-8 (overlong forms, surrogates and > U+10FFFF included). */
static size_t
utf8_len(const unsigned char *s, size_t len, unsigned *cp)
{
    size_t n, i;
    unsigned c = s[0], min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

size_t
jotd_utf8_char(const char *s, size_t len, unsigned *cp)
{
    *cp = 0;
    return len > 0 ? utf8_len((const unsigned char *)s, len, cp) : 0;
}

int
jotd_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n;
    unsigned cp;

    while (i < len) {
        n = utf8_len(u + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

jotd_err
jotd_username_key(const char *name, size_t len,
                  char key[JOTD_USERNAME_MAX + 1])
{
    const unsigned char *s = (const unsigned char *)name;
    size_t i = 0, n;
    unsigned cp;

    if (len == 0 || len > JOTD_USERNAME_MAX)
        return JOTD_ERR_USERNAME;
    while (i < len) {
        n = utf8_len(s + i, len - i, &cp);
        /* C0 and C1 controls and DEL are never part of a name. */
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return JOTD_ERR_USERNAME;
        i += n;
    }
    for (i = 0; i < len; i++)
        key[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    key[len] = '\0';
    return JOTD_OK;
}

jotd_err
jotd_client_id_check(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > JOTD_CLIENT_ID_MAX)
        return JOTD_ERR_INVALID;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return JOTD_ERR_INVALID;
    return JOTD_OK;
}
