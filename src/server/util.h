/*
 * util.h - the ground floor of jotd: the result type every layer above
 * the store speaks, time, ids, usernames and number formatting.  It
 * includes nothing of jotd, so every layer may include it.  It also
 * holds the two I/O and memory helpers every layer needs: writing a
 * whole buffer and freeing a wiped one.
 */
#ifndef JOTD_UTIL_H
#define JOTD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define JOTD_ID_LEN 36              /* a lowercase UUID */
#define JOTD_USERNAME_MAX 64        /* octets */
#define JOTD_CLIENT_ID_MAX 128      /* octets of an OAuth client_id */

/*
 * What a jotd operation came to.  Core functions return it, cmd/ prints
 * jotd_strerror() of it, and http/response.c holds the one table from
 * each code to an HTTP status and an API.md error code.  Switches over
 * it have no default, so that the compiler names a missing case.
 */
typedef enum jotd_err {
    JOTD_OK = 0,
    JOTD_ERR_NOMEM,             /* 500 server_error */
    JOTD_ERR_INTERNAL,          /* 500 server_error: crypto, randomness */
    JOTD_ERR_UNAVAILABLE,       /* 503 unavailable: the database failed */
    JOTD_ERR_BUSY,              /* 503 unavailable: no worker is free */
    JOTD_ERR_INVALID,           /* 400 invalid_request */
    JOTD_ERR_USERNAME,          /* 400 invalid_request: not a username */
    JOTD_ERR_PASSWORD_SHORT,    /* 400 invalid_request */
    JOTD_ERR_PASSWORD_LONG,     /* 400 invalid_request */
    JOTD_ERR_CREDENTIALS,       /* 401 invalid_credentials */
    JOTD_ERR_TOKEN,             /* 401 invalid_token */
    JOTD_ERR_GRANT,             /* 401 invalid_grant */
    JOTD_ERR_FORBIDDEN,         /* 403 forbidden */
    JOTD_ERR_SCOPE,             /* 403 insufficient_scope */
    JOTD_ERR_NOT_FOUND,         /* 404 not_found */
    JOTD_ERR_METHOD,            /* 405 method_not_allowed */
    JOTD_ERR_CONFLICT,          /* 409 conflict */
    JOTD_ERR_TOO_LARGE,         /* 413 payload_too_large */
    JOTD_ERR_MEDIA_TYPE,        /* 415 unsupported_media_type */
    JOTD_ERR_THROTTLED,         /* 429 rate_limited */
    JOTD_ERR_UNSUPPORTED,       /* 501 not_implemented: a transfer coding */
    JOTD_ERR_LAST               /* not a code */
} jotd_err;

/* The default description of err, as API.md words it (static). */
const char *jotd_strerror(jotd_err err);

/*
 * The one message formatter: writes a message to err (err_len bytes);
 * one too long ends in "...".  For the messages of start-up and of the
 * subcommands, which go to a person, never to a client.
 */
void jotd_errf(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds since the Unix epoch. */
int64_t jotd_now_ms(void);

/* Formats ms as RFC 3339 UTC ("2026-01-02T03:04:05Z") into out. */
void jotd_rfc3339(int64_t ms, char out[32]);

/* A random version-4 UUID, lowercase, NUL-terminated. */
jotd_err jotd_uuid(char out[JOTD_ID_LEN + 1]);

/* 1 when s is a lowercase UUID as jotd_uuid makes them. */
int jotd_is_id(const char *s);

/* Writes v in decimal at p, without printf (hot paths), at least width
 * digits (at most 20 when padded); returns how many, with no NUL. */
size_t jotd_fmt_uint(char *p, uint64_t v, size_t width);

/* n random bytes as base64url into out (cap bytes). */
jotd_err jotd_random_b64(size_t n, char *out, size_t cap);

/* 1 when s (len octets) is valid UTF-8: no overlong forms, surrogates,
 * or code points past U+10FFFF. */
int jotd_utf8_valid(const char *s, size_t len);

/* The UTF-8 character at s (len > 0 octets, borrowed): its length, with
 * its code point in *cp, or 0 when the octets there are not valid UTF-8
 * (as jotd_utf8_valid judges). */
size_t jotd_utf8_char(const char *s, size_t len, unsigned *cp);

/*
 * Writes all len bytes of buf (borrowed) to fd, again after a short
 * write or EINTR.  JOTD_OK when every byte was written;
 * JOTD_ERR_INTERNAL with errno set
 * otherwise (EIO when write(2) wrote nothing without saying why).
 */
jotd_err jotd_write_all(int fd, const void *buf, size_t len);


/*
 * Checks a username (API.md: 1-64 bytes of valid UTF-8, no control
 * characters) and writes its unique key (ASCII letters lower-cased) to
 * key.  JOTD_ERR_USERNAME when it is not one.
 */
jotd_err jotd_username_key(const char *name, size_t len,
                           char key[JOTD_USERNAME_MAX + 1]);

/*
 * JOTD_OK when s (len octets, borrowed) is a client_id jotd accepts:
 * 1 to JOTD_CLIENT_ID_MAX characters of RFC 6749 Appendix A's VSCHAR
 * (printable ASCII and space); JOTD_ERR_INVALID otherwise.  The
 * default_client_id key and the client_id of /oauth/ requests.
 */
jotd_err jotd_client_id_check(const char *s, size_t len);

#endif /* JOTD_UTIL_H */
