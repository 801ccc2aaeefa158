/*
 * framing.c - what jotd refuses of a request before routing it: a
 * message whose length two readers could take differently (RFC 9112
 * §6), a transfer coding libmicrohttpd cannot read, a body over the
 * limit announced up front, two sets of credentials, and a path whose
 * escapes would change its meaning once decoded.
 *
 * Each of these is answered at once, on the handler's first call, and
 * the connection is closed after the answer: whatever follows on it is
 * of unknown framing and is never read as a request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/internal.h"

/*
 * A body over max_body that is announced without Expect: 100-continue
 * is still read, and thrown away, up to this size before the 413: such
 * a client sends its body before it reads an answer, and a connection
 * closed under it would reset before the 413 is read (RFC 9112 §9.6).
 * A larger one is refused at once, unread.
 */
#define DRAIN_MAX ((size_t)1 << 20)

/* What one pass over the header fields counts. */
struct fields {
    unsigned n_length, n_coding, n_auth;
    int blank_name;             /* a name with a blank in it */
    int expect_continue;        /* Expect: 100-continue */
    const char *length, *coding;
};

static enum MHD_Result
count_field(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
    struct fields *f = cls;

    (void)kind;
    if (strcspn(key, " \t") != strlen(key))
        f->blank_name = 1;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->n_length++;
        f->length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->n_coding++;
        f->coding = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0) {
        f->n_auth++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_EXPECT) == 0 &&
               strcasecmp(value, "100-continue") == 0) {
        f->expect_continue = 1;
    }
    return MHD_YES;
}

/* 1 when the Content-Length value (digits only, as libmicrohttpd has
 * already checked) is over max. */
static int
length_over(const char *value, size_t max)
{
    uint64_t n = 0;
    const char *p;

    for (p = value; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - 9) / 10)
            return 1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return n > max;
}

jotd_err
jotd_req_framing(struct MHD_Connection *conn, size_t max_body,
                 const char **why)
{
    struct fields f;

    memset(&f, 0, sizeof f);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_field, &f);
    /* RFC 9112 §5.1: a blank before the colon is refused, since a reader
     * that drops it and one that keeps it see different fields. */
    if (f.blank_name) {
        *why = "whitespace in a header field name";
        return JOTD_ERR_INVALID;
    }
    /* RFC 9112 §6.3: several lengths, or a length and a coding, make
     * the end of the body ambiguous: the classic way to smuggle a
     * request past a proxy that reads the other one. */
    if (f.n_length > 1) {
        *why = "conflicting Content-Length headers";
        return JOTD_ERR_INVALID;
    }
    if (f.n_coding > 0 && f.n_length > 0) {
        *why = "both Content-Length and Transfer-Encoding";
        return JOTD_ERR_INVALID;
    }
    if (f.n_coding > 1) {
        *why = "more than one Transfer-Encoding header";
        return JOTD_ERR_INVALID;
    }
    /* RFC 9112 §6.1: a coding the server does not understand is 501.
     * libmicrohttpd reads "chunked" alone (the same comparison as its
     * own); anything else it would read until the client closes. */
    if (f.n_coding == 1 && strcasecmp(f.coding, "chunked") != 0) {
        *why = "unsupported transfer coding";
        return JOTD_ERR_UNSUPPORTED;
    }
    /* RFC 6750 §2: one request, one set of credentials. */
    if (f.n_auth > 1) {
        *why = "more than one Authorization header";
        return JOTD_ERR_INVALID;
    }
    /* Refused before a byte of it is read, and before 100 Continue. */
    if (f.n_length == 1 && length_over(f.length, max_body) &&
        (f.expect_continue || length_over(f.length, DRAIN_MAX))) {
        *why = "the body is over the size limit";
        return JOTD_ERR_TOO_LARGE;
    }
    return JOTD_OK;
}

int
jotd_path_unsafe(const char *target)
{
    size_t len = strcspn(target, "?"), i;

    /* An encoded NUL cuts the decoded path short ("/v1/me%00.json" is
     * /v1/me), and an encoded slash adds a segment the raw path does not
     * have: either way the route matched is not the one the client, or
     * a cache in front, saw. */
    for (i = 0; i + 2 < len; i++) {
        if (target[i] != '%')
            continue;
        if (target[i + 1] == '0' && target[i + 2] == '0')
            return 1;
        if (target[i + 1] == '2' &&
            (target[i + 2] == 'f' || target[i + 2] == 'F'))
            return 1;
    }
    return 0;
}
