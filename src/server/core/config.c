/*
 * config.c - jotd's configuration: one table of keys, each with its
 * parser and its printer, applied in order from the defaults, the file,
 * the environment and the command line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/config.h"
#include "jotd.h"
#include "core/seal.h"

#define LINE_MAX_LEN 4096       /* longest line of the file */
#define WHY_LEN 384             /* the reason part of a message */
#define ECHO_LEN 64             /* most of a bad value a message repeats */
#define NAME_MAX_LEN 64         /* longest key or flag name */
#define TTL_MAX 315360000       /* ten years, in seconds */
#define GRACE_MAX_US 300000000  /* refresh_reuse_grace: 300 s */
#define MASK "********"

enum kind {
    K_I64,          /* int64_t between min and max */
    K_UINT,         /* unsigned between min and max */
    K_SIZE,         /* size_t between min and max */
    K_BOOL,         /* int, 0 or 1: on/off, true/false, 1/0 */
    K_STR,          /* char[size], one line of text */
    K_FN            /* its own parse and format functions */
};

/* Keys that only the environment and the command line may set. */
#define NOT_IN_FILE 1u

struct key {
    const char *name;
    enum kind kind;
    size_t off;                 /* offsetof the field */
    size_t size;                /* K_STR: sizeof the field */
    int64_t min, max;           /* numbers */
    int (*parse)(struct jotd_config *, const char *, char *, size_t);
    void (*format)(const struct jotd_config *, char *, size_t);
    unsigned flags;
};

/*
 * Copies what a message may repeat of a bad value (s, len bytes) into
 * buf: printable ASCII only (anything else becomes '?'), at most
 * ECHO_LEN characters, so a message stays one short, harmless line.
 */
static const char *
echo_n(const char *s, size_t len, char *buf, size_t buf_len)
{
    size_t i, limit = buf_len - 4;

    if (limit > ECHO_LEN)
        limit = ECHO_LEN;
    for (i = 0; i < len && i < limit; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (i < len) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

static const char *
echo(const char *s, char *buf, size_t buf_len)
{
    return echo_n(s, strlen(s), buf, buf_len);
}

/* Copies s into dst (dst_len bytes); -1 when it does not fit. */
static int
copy(char *dst, size_t dst_len, const char *s, size_t s_len)
{
    if (s_len >= dst_len)
        return -1;
    memcpy(dst, s, s_len);
    dst[s_len] = '\0';
    return 0;
}

static int
set_str(char *dst, size_t dst_len, const char *v, char *why, size_t why_len)
{
    if (copy(dst, dst_len, v, strlen(v)) != 0) {
        jotd_errf(why, why_len, "longer than %zu bytes", dst_len - 1);
        return -1;
    }
    return 0;
}

/* 1 when s has a control character (a value is one line of text). */
static int
has_ctl(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    }
    return 0;
}

/*
 * Parses a decimal integer: an optional '-', then digits and nothing
 * else (no blanks, no '+', no hexadecimal), between min and max.
 */
static int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out, char *why,
          size_t why_len)
{
    char buf[ECHO_LEN + 4];
    const char *d = s[0] == '-' ? s + 1 : s;
    char *end;
    long long v;

    if (!isdigit((unsigned char)d[0])) {
        jotd_errf(why, why_len, "not a number: '%s'",
                  echo(s, buf, sizeof buf));
        return -1;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end != '\0') {
        jotd_errf(why, why_len, "not a number: '%s'",
                  echo(s, buf, sizeof buf));
        return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
        jotd_errf(why, why_len, "out of range %lld..%lld: '%s'",
                  (long long)min, (long long)max, echo(s, buf, sizeof buf));
        return -1;
    }
    *out = v;
    return 0;
}

/* Parses a port number, 1..65535. */
static int
parse_port(const char *s, unsigned *out, char *why, size_t why_len)
{
    int64_t v;

    if (parse_i64(s, 1, 65535, &v, why, why_len) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Case-insensitive lookup of s in names (NULL-terminated); -1 if absent. */
static int
pick(const char *s, const char *const *names)
{
    int i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return i;
    }
    return -1;
}

/* 1 when s is empty or only blanks. */
static int
blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

/*
 * Walks a comma-separated list: each call yields the next item with its
 * surrounding blanks trimmed (possibly empty, as in "a,,b"), or returns
 * 0 at the end.  Start with *p = the list, or NULL for no items.
 */
static int
next_item(const char **p, const char **item, size_t *item_len)
{
    const char *s = *p, *e;

    if (s == NULL)
        return 0;
    e = strchr(s, ',');
    *p = e != NULL ? e + 1 : NULL;
    if (e == NULL)
        e = s + strlen(s);
    s += strspn(s, " \t");
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *item = s;
    *item_len = (size_t)(e - s);
    return 1;
}

/* --- listen ------------------------------------------------------------ */

static int
hostname_ok(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
            return 0;
    }
    return 1;
}

/* host:port or [IPv6]:port into host_out (JOTD_HOST_MAX bytes). */
static int
parse_hostport(const char *v, char *host_out, unsigned *port_out,
               char *why, size_t why_len)
{
    char buf[ECHO_LEN + 4], host[JOTD_HOST_MAX];
    unsigned char a6[16];
    const char *h, *colon;
    size_t h_len;
    unsigned port;

    if (v[0] == '[') {
        const char *close = strchr(v, ']');

        if (close == NULL || close[1] != ':') {
            jotd_errf(why, why_len, "expected [IPv6]:port: '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        h = v + 1;
        h_len = (size_t)(close - h);
        colon = close + 1;
        if (copy(host, sizeof host, h, h_len) != 0 ||
            inet_pton(AF_INET6, host, a6) != 1) {
            jotd_errf(why, why_len, "not an IPv6 address: '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
    } else {
        colon = strrchr(v, ':');
        if (colon == NULL) {
            jotd_errf(why, why_len, "expected host:port: '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        h = v;
        h_len = (size_t)(colon - h);
        if (memchr(h, ':', h_len) != NULL) {
            jotd_errf(why, why_len, "an IPv6 address goes in brackets, as in "
                      "[::1]:8080: '%s'", echo(v, buf, sizeof buf));
            return -1;
        }
        if (!hostname_ok(h, h_len) || copy(host, sizeof host, h, h_len)) {
            jotd_errf(why, why_len, "bad host: '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
    }
    if (parse_port(colon + 1, &port, why, why_len) != 0) {
        jotd_errf(why, why_len, "bad port, expected 1..65535: '%s'",
                  echo(v, buf, sizeof buf));
        return -1;
    }
    memcpy(host_out, host, sizeof host);
    *port_out = port;
    return 0;
}

static int
parse_listen(struct jotd_config *cfg, const char *v, char *why,
             size_t why_len)
{
    return parse_hostport(v, cfg->listen_host, &cfg->listen_port, why,
                          why_len);
}

static void
format_listen(const struct jotd_config *cfg, char *out, size_t out_len)
{
    int v6 = strchr(cfg->listen_host, ':') != NULL;

    /* The host is at most 255 bytes, so this fits the caller's buffer. */
    jotd_errf(out, out_len, "%s%s%s:%u", v6 ? "[" : "", cfg->listen_host,
              v6 ? "]" : "", cfg->listen_port);
}

/* on, off, or the address of a listener of its own. */
static int
parse_metrics(struct jotd_config *cfg, const char *v, char *why,
              size_t why_len)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
        cfg->metrics = v[1] == 'n' ? JOTD_METRICS_ON : JOTD_METRICS_OFF;
        return 0;
    }
    if (parse_hostport(v, cfg->metrics_host, &cfg->metrics_port, why,
                       why_len) != 0)
        return -1;
    cfg->metrics = JOTD_METRICS_ADDR;
    return 0;
}

static void
format_metrics(const struct jotd_config *cfg, char *out, size_t out_len)
{
    int v6 = strchr(cfg->metrics_host, ':') != NULL;

    if (cfg->metrics != JOTD_METRICS_ADDR)
        jotd_errf(out, out_len, "%s",
                  cfg->metrics == JOTD_METRICS_ON ? "on" : "off");
    else
        jotd_errf(out, out_len, "%s%s%s:%u", v6 ? "[" : "",
                  cfg->metrics_host, v6 ? "]" : "", cfg->metrics_port);
}

/* --- db and issuer ----------------------------------------------------- */

static int
is_postgres(const char *v)
{
    /* libpq takes both spellings of its URL scheme. */
    return strncmp(v, "postgresql://", 13) == 0 ||
           strncmp(v, "postgres://", 11) == 0;
}

/* The message does not repeat the value: it may hold a password. */
static int
parse_db(struct jotd_config *cfg, const char *v, char *why, size_t why_len)
{
    if (!((strncmp(v, "sqlite:", 7) == 0 && v[7] != '\0') ||
          is_postgres(v)) || has_ctl(v, strlen(v))) {
        jotd_errf(why, why_len, "expected sqlite:PATH or postgresql://...");
        return -1;
    }
    return set_str(cfg->db, sizeof cfg->db, v, why, why_len);
}

/* Appends n bytes of s to out at *pos, as much as fits. */
static void
add(char *out, size_t out_len, size_t *pos, const char *s, size_t n)
{
    if (*pos + 1 >= out_len)
        return;
    if (n > out_len - 1 - *pos)
        n = out_len - 1 - *pos;
    memcpy(out + *pos, s, n);
    *pos += n;
    out[*pos] = '\0';
}

/*
 * Prints the database URL v with its passwords masked: the one in the
 * URL's user info ("postgresql://user:PASSWORD@host/db") and the values
 * of the password and sslpassword parameters of its query.
 */
static void
mask_url(const char *v, char *out, size_t out_len)
{
    const char *auth, *end, *at = NULL, *colon, *p;
    size_t pos = 0;

    out[0] = '\0';
    if (!is_postgres(v)) {
        add(out, out_len, &pos, v, strlen(v));
        return;
    }
    auth = strstr(v, "://") + 3;
    end = auth + strcspn(auth, "/?#");
    for (p = auth; p < end; p++) {
        if (*p == '@')
            at = p;             /* the last '@': a password may hold one */
    }
    colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL) {
        add(out, out_len, &pos, v, (size_t)(colon + 1 - v));
        add(out, out_len, &pos, MASK, strlen(MASK));
        p = at;
    } else {
        p = v;
    }
    end = strchr(p, '?');
    if (end == NULL) {
        add(out, out_len, &pos, p, strlen(p));
        return;
    }
    add(out, out_len, &pos, p, (size_t)(end + 1 - p));
    for (p = end + 1; *p != '\0';) {
        size_t n = strcspn(p, "&");

        if (strncmp(p, "password=", 9) == 0 ||
            strncmp(p, "sslpassword=", 12) == 0) {
            size_t name = (size_t)(strchr(p, '=') + 1 - p);

            add(out, out_len, &pos, p, name);
            add(out, out_len, &pos, MASK, strlen(MASK));
        } else {
            add(out, out_len, &pos, p, n);
        }
        p += n;
        if (*p == '&')
            add(out, out_len, &pos, p++, 1);
    }
}

static void
format_db(const struct jotd_config *cfg, char *out, size_t out_len)
{
    mask_url(cfg->db, out, out_len);
}

/*
 * Where the sync thread listens for changes (PostgreSQL's LISTEN, which
 * a pooler in transaction mode does not pass on): "" on db itself,
 * "off" nowhere (it polls), or a postgresql:// URL of the same database
 * reached directly.  As for db, the message never repeats the value.
 */
static int
parse_db_listen(struct jotd_config *cfg, const char *v, char *why,
                size_t why_len)
{
    if (!(v[0] == '\0' || strcmp(v, "off") == 0 || is_postgres(v)) ||
        has_ctl(v, strlen(v))) {
        jotd_errf(why, why_len, "expected \"\", off or postgresql://...");
        return -1;
    }
    return set_str(cfg->db_listen, sizeof cfg->db_listen, v, why, why_len);
}

static void
format_db_listen(const struct jotd_config *cfg, char *out, size_t out_len)
{
    mask_url(cfg->db_listen, out, out_len);
}

/*
 * RFC 8414 §2: the issuer is a URL with a host and neither query nor
 * fragment; tokens carry it exactly as configured.  Empty means "derive
 * it from listen".
 */
static int
parse_issuer(struct jotd_config *cfg, const char *v, char *why,
             size_t why_len)
{
    char buf[ECHO_LEN + 4];
    const char *h;

    if (v[0] == '\0') {
        cfg->issuer[0] = '\0';
        return 0;
    }
    if (strncmp(v, "https://", 8) == 0)
        h = v + 8;
    else if (strncmp(v, "http://", 7) == 0)
        h = v + 7;
    else
        h = NULL;
    if (h == NULL || *h == '\0' || *h == '/' || strpbrk(v, "?# ") != NULL ||
        has_ctl(v, strlen(v))) {
        jotd_errf(why, why_len, "expected an http(s) URL without query or "
                  "fragment: '%s'", echo(v, buf, sizeof buf));
        return -1;
    }
    return set_str(cfg->issuer, sizeof cfg->issuer, v, why, why_len);
}

/* --- lists: audience, allowed_origins, trusted_proxies ------------------ */

static int
parse_audience(struct jotd_config *cfg, const char *v, char *why,
               size_t why_len)
{
    char list[JOTD_MAX_AUDIENCES][256];
    char buf[ECHO_LEN + 4];
    const char *p = blank(v) ? NULL : v, *item;
    size_t len, n = 0;

    if (strlen(v) >= sizeof cfg->audience_raw) {
        jotd_errf(why, why_len, "longer than %zu bytes",
                  sizeof cfg->audience_raw - 1);
        return -1;
    }
    while (next_item(&p, &item, &len)) {
        if (len == 0) {
            jotd_errf(why, why_len, "empty item in '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        if (n == JOTD_MAX_AUDIENCES) {
            jotd_errf(why, why_len, "more than %d audiences",
                      JOTD_MAX_AUDIENCES);
            return -1;
        }
        if (has_ctl(item, len) || copy(list[n], sizeof list[n], item, len)) {
            jotd_errf(why, why_len, "bad audience in '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        n++;
    }
    memcpy(cfg->audiences, list, n * sizeof list[0]);
    cfg->n_audiences = n;
    return set_str(cfg->audience_raw, sizeof cfg->audience_raw, v, why,
                   why_len);
}

/*
 * An origin as browsers send it (RFC 6454 §6.2): scheme "://" host
 * [":" port], nothing after it, not even a slash.  Written to out as
 * browsers serialise it: in lower case, without the scheme's default
 * port, so that a plain string comparison with the Origin header works.
 */
static int
parse_origin(const char *s, size_t len, char *out, size_t out_len,
             char *why, size_t why_len)
{
    char item[256], buf[ECHO_LEN + 4], host[INET6_ADDRSTRLEN], num[8];
    unsigned char a6[16];
    const char *p, *h, *end;
    size_t i, n;
    unsigned port;

    if (copy(item, sizeof item, s, len) != 0) {
        jotd_errf(why, why_len, "origin longer than %zu bytes",
                  sizeof item - 1);
        return -1;
    }
    for (i = 0; item[i] != '\0'; i++)
        item[i] = (char)tolower((unsigned char)item[i]);
    p = item;
    if (!isalpha((unsigned char)*p))
        goto bad;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0)
        goto bad;
    h = p + 3;
    if (*h == '[') {
        end = strchr(h, ']');
        if (end == NULL ||
            copy(host, sizeof host, h + 1, (size_t)(end - h - 1)) != 0 ||
            inet_pton(AF_INET6, host, a6) != 1)
            goto bad;
        end++;
    } else {
        end = h + strspn(h, "abcdefghijklmnopqrstuvwxyz0123456789.-");
        if (end == h)
            goto bad;
    }
    n = (size_t)(end - item);
    if (*end == ':') {
        i = strspn(end + 1, "0123456789");
        if (i == 0 || copy(num, sizeof num, end + 1, i) != 0 ||
            parse_port(num, &port, why, why_len) != 0)
            goto bad;
        /* RFC 6454 §6.2: the default port is left out. */
        if (!((port == 443 && strncmp(item, "https:", 6) == 0) ||
              (port == 80 && strncmp(item, "http:", 5) == 0)))
            n += 1 + i;
        end += 1 + i;
    }
    if (*end == '/') {
        jotd_errf(why, why_len, "an origin has no path, not even '/': '%s'",
                  echo(item, buf, sizeof buf));
        return -1;
    }
    if (*end != '\0')
        goto bad;
    return copy(out, out_len, item, n);
bad:
    jotd_errf(why, why_len, "not an origin (scheme://host[:port]): '%s'",
              echo_n(s, len, buf, sizeof buf));
    return -1;
}

static int
parse_origins(struct jotd_config *cfg, const char *v, char *why,
              size_t why_len)
{
    char list[JOTD_MAX_ORIGINS][256];
    char buf[ECHO_LEN + 4];
    const char *p = blank(v) ? NULL : v, *item;
    size_t len, n = 0;

    if (strlen(v) >= sizeof cfg->allowed_origins_raw) {
        jotd_errf(why, why_len, "longer than %zu bytes",
                  sizeof cfg->allowed_origins_raw - 1);
        return -1;
    }
    while (next_item(&p, &item, &len)) {
        if (len == 0) {
            jotd_errf(why, why_len, "empty item in '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        if (n == JOTD_MAX_ORIGINS) {
            jotd_errf(why, why_len, "more than %d origins", JOTD_MAX_ORIGINS);
            return -1;
        }
        if (parse_origin(item, len, list[n], sizeof list[n], why,
                         why_len) != 0)
            return -1;
        n++;
    }
    memcpy(cfg->allowed_origins, list, n * sizeof list[0]);
    cfg->n_allowed_origins = n;
    return set_str(cfg->allowed_origins_raw, sizeof cfg->allowed_origins_raw,
                   v, why, why_len);
}

int
jotd_config_origin_listed(const struct jotd_config *cfg, const char *origin)
{
    size_t i;

    if (origin == NULL)
        return 0;
    for (i = 0; i < cfg->n_allowed_origins; i++) {
        if (strcmp(cfg->allowed_origins[i], origin) == 0)
            return 1;
    }
    return 0;
}

static const unsigned char v4mapped[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Clears the bits of c->addr past its prefix. */
static void
mask_host_bits(struct jotd_cidr *c)
{
    size_t n = c->family == AF_INET ? 4 : 16, i;

    for (i = 0; i < n; i++) {
        if (c->prefix <= 8 * i)
            c->addr[i] = 0;
        else if (c->prefix < 8 * (i + 1))
            c->addr[i] &= (unsigned char)(0xff << (8 * (i + 1) - c->prefix));
    }
}

void
jotd_cidr_host(int family, const void *addr, struct jotd_cidr *out)
{
    const unsigned char *a = addr;

    memset(out, 0, sizeof *out);
    if (family == AF_INET6 && memcmp(a, v4mapped, sizeof v4mapped) == 0) {
        family = AF_INET;
        a += sizeof v4mapped;
    }
    out->family = family;
    out->prefix = family == AF_INET ? 32 : 128;
    memcpy(out->addr, a, family == AF_INET ? 4 : 16);
}

/* Parses an address into *c (prefix: all its bits), as jotd_cidr_host. */
static int
parse_addr(const char *s, struct jotd_cidr *c)
{
    unsigned char buf[16];

    if (inet_pton(AF_INET, s, buf) == 1) {
        jotd_cidr_host(AF_INET, buf, c);
        return 0;
    }
    if (inet_pton(AF_INET6, s, buf) != 1)
        return -1;
    jotd_cidr_host(AF_INET6, buf, c);
    return 0;
}

/*
 * One item of trusted_proxies: an address, or a network ADDR/BITS.  Bits
 * past the prefix are ignored.  An IPv4-mapped network (::ffff:a.b.c.d/N,
 * N >= 96) becomes the IPv4 network it maps.
 */
static int
parse_cidr(const char *s, size_t len, struct jotd_cidr *out, char *why,
           size_t why_len)
{
    char item[INET6_ADDRSTRLEN + 8], buf[ECHO_LEN + 4];
    struct jotd_cidr c;
    char *slash;
    int64_t bits;

    if (copy(item, sizeof item, s, len) != 0)
        goto bad;
    slash = strchr(item, '/');
    if (slash != NULL)
        *slash = '\0';
    if (parse_addr(item, &c) != 0)
        goto bad;
    if (slash != NULL) {
        int mapped = c.family == AF_INET && strchr(item, ':') != NULL;
        unsigned max = c.family == AF_INET ? 32 : 128;

        if (parse_i64(slash + 1, 0, 128, &bits, why, why_len) != 0)
            goto bad;
        if (mapped) {
            if (bits < 96)
                goto bad;
            bits -= 96;
        }
        if (bits > max)
            goto bad;
        c.prefix = (unsigned)bits;
    }
    mask_host_bits(&c);
    *out = c;
    return 0;
bad:
    jotd_errf(why, why_len, "not an address or CIDR block: '%s'",
              echo_n(s, len, buf, sizeof buf));
    return -1;
}

static int
parse_proxies(struct jotd_config *cfg, const char *v, char *why,
              size_t why_len)
{
    struct jotd_cidr list[JOTD_MAX_PROXIES];
    char buf[ECHO_LEN + 4];
    const char *p = blank(v) ? NULL : v, *item;
    size_t len, n = 0;

    if (strlen(v) >= sizeof cfg->trusted_proxies_raw) {
        jotd_errf(why, why_len, "longer than %zu bytes",
                  sizeof cfg->trusted_proxies_raw - 1);
        return -1;
    }
    while (next_item(&p, &item, &len)) {
        if (len == 0) {
            jotd_errf(why, why_len, "empty item in '%s'",
                      echo(v, buf, sizeof buf));
            return -1;
        }
        if (n == JOTD_MAX_PROXIES) {
            jotd_errf(why, why_len, "more than %d networks", JOTD_MAX_PROXIES);
            return -1;
        }
        if (parse_cidr(item, len, &list[n], why, why_len) != 0)
            return -1;
        n++;
    }
    memcpy(cfg->trusted_proxies, list, n * sizeof list[0]);
    cfg->n_trusted_proxies = n;
    return set_str(cfg->trusted_proxies_raw, sizeof cfg->trusted_proxies_raw,
                   v, why, why_len);
}

/* --- alg, refresh_reuse_grace and the enumerations ---------------------- */

static int
parse_alg(struct jotd_config *cfg, const char *v, char *why, size_t why_len)
{
    char buf[ECHO_LEN + 4];
    jot_alg alg;

    if (jot_alg_from_name(v, strlen(v), &alg) != JOT_OK) {
        jotd_errf(why, why_len, "unknown algorithm '%s'",
                  echo(v, buf, sizeof buf));
        return -1;
    }
    cfg->alg = alg;
    return 0;
}

static void
format_alg(const struct jotd_config *cfg, char *out, size_t out_len)
{
    const char *name = jot_alg_name(cfg->alg);

    jotd_errf(out, out_len, "%s", name != NULL ? name : "");
}

/*
 * Seconds with at most six decimals ("10", "0.5", "0.25"), read by hand
 * rather than with strtod, whose decimal point follows the locale and
 * which takes "inf", "nan" and hexadecimal.
 */
static int
parse_grace(struct jotd_config *cfg, const char *v, char *why,
            size_t why_len)
{
    char buf[ECHO_LEN + 4], ipart[16];
    const char *dot = strchr(v, '.');
    size_t i_len = dot != NULL ? (size_t)(dot - v) : strlen(v);
    size_t f_len = dot != NULL ? strlen(dot + 1) : 0;
    int64_t secs, us = 0;
    size_t i;

    if (i_len == 0 || strspn(v, "0123456789") != i_len ||
        (dot != NULL && (f_len == 0 ||
                         strspn(dot + 1, "0123456789") != f_len))) {
        jotd_errf(why, why_len, "not a number: '%s'",
                  echo(v, buf, sizeof buf));
        return -1;
    }
    if (f_len > 6) {
        jotd_errf(why, why_len, "at most 6 decimals: '%s'",
                  echo(v, buf, sizeof buf));
        return -1;
    }
    if (copy(ipart, sizeof ipart, v, i_len) != 0 ||
        parse_i64(ipart, 0, GRACE_MAX_US / 1000000, &secs, why,
                  why_len) != 0) {
        jotd_errf(why, why_len, "out of range 0..%d: '%s'",
                  GRACE_MAX_US / 1000000,
                  echo(v, buf, sizeof buf));
        return -1;
    }
    for (i = 0; i < 6; i++)
        us = us * 10 + (i < f_len ? dot[1 + i] - '0' : 0);
    if (secs * 1000000 + us > GRACE_MAX_US) {
        jotd_errf(why, why_len, "out of range 0..%d: '%s'",
                  GRACE_MAX_US / 1000000,
                  echo(v, buf, sizeof buf));
        return -1;
    }
    cfg->refresh_reuse_grace = (double)secs + (double)us / 1e6;
    return 0;
}

/* Prints the grace the way parse_grace reads it, whatever the locale. */
static void
format_grace(const struct jotd_config *cfg, char *out, size_t out_len)
{
    long long us = (long long)(cfg->refresh_reuse_grace * 1e6 + 0.5);
    char frac[8];
    int k = 6;

    jotd_errf(frac, sizeof frac, "%06lld", us % 1000000);
    while (k > 0 && frac[k - 1] == '0')
        frac[--k] = '\0';
    jotd_errf(out, out_len, "%lld%s%s", us / 1000000, k > 0 ? "." : "", frac);
}

static const char *const bool_names[] = {
    "off", "on", "false", "true", "0", "1", NULL
};

/* In the order of enum jotd_registration, jotd_hash and jotd_log_format. */
static const char *const reg_names[] = { "open", "admin", "off", NULL };
static const char *const hash_names[] = { "argon2id", "bcrypt", NULL };
static const char *const log_names[] = { "text", "json", NULL };

static int
parse_registration(struct jotd_config *cfg, const char *v, char *why,
                   size_t why_len)
{
    int i = pick(v, reg_names);

    if (i < 0) {
        jotd_errf(why, why_len, "must be open, admin or off");
        return -1;
    }
    cfg->registration = (enum jotd_registration)i;
    return 0;
}

static void
format_registration(const struct jotd_config *cfg, char *out, size_t out_len)
{
    jotd_errf(out, out_len, "%s", reg_names[cfg->registration]);
}

static int
parse_hash(struct jotd_config *cfg, const char *v, char *why, size_t why_len)
{
    int i = pick(v, hash_names);

    if (i < 0) {
        jotd_errf(why, why_len, "must be argon2id or bcrypt");
        return -1;
    }
    cfg->password_hash = (enum jotd_hash)i;
    return 0;
}

static void
format_hash(const struct jotd_config *cfg, char *out, size_t out_len)
{
    jotd_errf(out, out_len, "%s", hash_names[cfg->password_hash]);
}

static int
parse_log(struct jotd_config *cfg, const char *v, char *why, size_t why_len)
{
    int i = pick(v, log_names);

    if (i < 0) {
        jotd_errf(why, why_len, "must be text or json");
        return -1;
    }
    cfg->log_format = (enum jotd_log_format)i;
    return 0;
}

static void
format_log(const struct jotd_config *cfg, char *out, size_t out_len)
{
    jotd_errf(out, out_len, "%s", log_names[cfg->log_format]);
}

/* --- secrets and paths ------------------------------------------------- */

/* The message never repeats any of the secret. */
static int
parse_secret(struct jotd_config *cfg, const char *v, char *why,
             size_t why_len)
{
    size_t len = strlen(v);

    if (len >= sizeof cfg->secret) {
        jotd_errf(why, why_len, "longer than %zu bytes",
                  sizeof cfg->secret - 1);
        return -1;
    }
    jot_wipe(cfg->secret, sizeof cfg->secret);
    memcpy(cfg->secret, v, len);
    return 0;
}

static void
format_secret(const struct jotd_config *cfg, char *out, size_t out_len)
{
    jotd_errf(out, out_len, "%s", cfg->secret[0] != '\0' ? MASK : "");
}

static int
parse_config(struct jotd_config *cfg, const char *v, char *why,
             size_t why_len)
{
    if (v[0] == '\0') {
        jotd_errf(why, why_len, "empty path");
        return -1;
    }
    return set_str(cfg->config_file, sizeof cfg->config_file, v, why,
                   why_len);
}

/* RFC 6749 Appendix A: a client_id is printable ASCII; it is put in
 * every access token as RFC 9068 §2.2 asks. */
static int
parse_client_id(struct jotd_config *cfg, const char *v, char *why,
                size_t why_len)
{
    if (jotd_client_id_check(v, strlen(v)) != JOTD_OK) {
        jotd_errf(why, why_len, "1 to %d printable ASCII characters",
                  JOTD_CLIENT_ID_MAX);
        return -1;
    }
    return set_str(cfg->default_client_id, sizeof cfg->default_client_id,
                   v, why, why_len);
}

/* --- the table --------------------------------------------------------- */

#define I64(name, lo, hi) \
    { #name, K_I64, offsetof(struct jotd_config, name), 0, lo, hi, \
      NULL, NULL, 0 }
#define UINT(name, lo, hi) \
    { #name, K_UINT, offsetof(struct jotd_config, name), 0, lo, hi, \
      NULL, NULL, 0 }
#define BOOL(name) \
    { #name, K_BOOL, offsetof(struct jotd_config, name), 0, 0, 0, NULL, \
      NULL, 0 }
#define STR(name, field) \
    { #name, K_STR, offsetof(struct jotd_config, field), \
      sizeof ((struct jotd_config *)0)->field, 0, 0, NULL, NULL, 0 }
#define FN(name, parse, format, flags) \
    { #name, K_FN, 0, 0, 0, 0, parse, format, flags }
/* A key printed as the text it was given, kept in field. */
#define FNS(name, parse, field, flags) \
    { #name, K_FN, offsetof(struct jotd_config, field), 0, 0, 0, parse, \
      NULL, flags }

/* Every key, in the order jotd_config_print shows them. */
static const struct key keys[] = {
    FNS(config, parse_config, config_file, NOT_IN_FILE),
    FN(listen, parse_listen, format_listen, 0),
    FN(db, parse_db, format_db, 0),
    FN(db_listen, parse_db_listen, format_db_listen, 0),
    FNS(issuer, parse_issuer, issuer, 0),
    FNS(audience, parse_audience, audience_raw, 0),
    FNS(default_client_id, parse_client_id, default_client_id, 0),
    FN(alg, parse_alg, format_alg, 0),
    I64(access_ttl, 1, 86400),
    I64(refresh_ttl, 1, TTL_MAX),
    I64(session_max_age, 1, TTL_MAX),
    FN(refresh_reuse_grace, parse_grace, format_grace, 0),
    BOOL(refresh_cookie),
    FNS(allowed_origins, parse_origins, allowed_origins_raw, 0),
    FN(registration, parse_registration, format_registration, 0),
    FN(password_hash, parse_hash, format_hash, 0),
    UINT(bcrypt_cost, 10, 15),
    { "max_body", K_SIZE, offsetof(struct jotd_config, max_body), 0,
      1024, 1048576, NULL, NULL, 0 },
    UINT(threads, 0, 256),
    UINT(max_connections_per_ip, 0, 100000),
    I64(header_timeout, 1, 3600),
    UINT(hash_workers, 0, 64),
    UINT(db_workers, 0, 256),
    I64(revocation_sync, 1, 60),
    I64(key_sync, 1, 3600),
    I64(jwks_max_age, 0, 86400),
    I64(leeway, 0, 300),
    I64(clock_skew, 0, 3600),
    I64(audit_retention, 60, TTL_MAX),
    I64(session_retention, 60, TTL_MAX),
    BOOL(verify_cache),
    UINT(login_max_failures, 1, 1000),
    I64(login_window, 1, 86400),
    UINT(signup_max, 0, 100000),
    I64(signup_window, 1, 86400),
    FNS(trusted_proxies, parse_proxies, trusted_proxies_raw, 0),
    STR(tls_cert, tls_cert),
    STR(tls_key, tls_key),
    FN(log_format, parse_log, format_log, 0),
    FN(metrics, parse_metrics, format_metrics, 0),
    STR(secret_file, secret_file),
    FN(secret, parse_secret, format_secret, NOT_IN_FILE),
};

#define N_KEYS (sizeof keys / sizeof keys[0])

/* Finds a key by name; in a flag, '-' stands for '_' ("--access-ttl"). */
static const struct key *
lookup(const char *name, size_t len, int dashes)
{
    size_t i, j;

    for (i = 0; i < N_KEYS; i++) {
        const char *k = keys[i].name;

        if (strlen(k) != len)
            continue;
        for (j = 0; j < len; j++) {
            if (name[j] != k[j] && !(dashes && name[j] == '-' && k[j] == '_'))
                break;
        }
        if (j == len)
            return &keys[i];
    }
    return NULL;
}

/* Applies value to k; on error the field is unchanged and why says why. */
static int
apply(struct jotd_config *cfg, const struct key *k, const char *value,
      char *why, size_t why_len)
{
    char *field = (char *)cfg + k->off;
    int64_t v;

    switch (k->kind) {
    case K_I64:
        if (parse_i64(value, k->min, k->max, &v, why, why_len) != 0)
            return -1;
        memcpy(field, &v, sizeof v);
        return 0;
    case K_UINT: {
        unsigned u;

        if (parse_i64(value, k->min, k->max, &v, why, why_len) != 0)
            return -1;
        u = (unsigned)v;
        memcpy(field, &u, sizeof u);
        return 0;
    }
    case K_SIZE: {
        size_t z;

        if (parse_i64(value, k->min, k->max, &v, why, why_len) != 0)
            return -1;
        z = (size_t)v;
        memcpy(field, &z, sizeof z);
        return 0;
    }
    case K_BOOL: {
        char buf[ECHO_LEN + 4];
        int i = pick(value, bool_names);

        if (i < 0) {
            jotd_errf(why, why_len,
                      "must be on or off (or true, false, 1, 0): "
                      "'%s'", echo(value, buf, sizeof buf));
            return -1;
        }
        i %= 2;
        memcpy(field, &i, sizeof i);
        return 0;
    }
    case K_STR:
        if (has_ctl(value, strlen(value))) {
            jotd_errf(why, why_len, "control character in value");
            return -1;
        }
        return set_str(field, k->size, value, why, why_len);
    case K_FN:
        return k->parse(cfg, value, why, why_len);
    }
    jotd_errf(why, why_len, "internal error");
    return -1;
}

/* Applies value to k, naming the source in the message on error. */
static int
apply_from(struct jotd_config *cfg, const struct key *k, const char *value,
           const char *source, char *err, size_t err_len)
{
    char why[WHY_LEN];

    if (apply(cfg, k, value, why, sizeof why) == 0)
        return 0;
    if (source != NULL)
        jotd_errf(err, err_len, "%s: %s: %s", source, k->name, why);
    else
        jotd_errf(err, err_len, "%s: %s", k->name, why);
    return -1;
}

/* The message for a key that a configuration file may not set. */
static void
not_in_file(const struct key *k, const char *source, char *err,
            size_t err_len)
{
    const char *why = strcmp(k->name, "secret") == 0 ?
        "secret must not be set in a configuration file; "
        "use JOTD_SECRET or secret_file" :
        "config cannot be set in a configuration file";

    if (source != NULL)
        jotd_errf(err, err_len, "%s: %s", source, why);
    else
        jotd_errf(err, err_len, "%s", why);
}

void
jotd_config_defaults(struct jotd_config *cfg)
{
    jot_wipe(cfg, sizeof *cfg);
    memcpy(cfg->listen_host, "127.0.0.1", sizeof "127.0.0.1");
    cfg->listen_port = 8080;
    memcpy(cfg->db, "sqlite:data/jot.db", sizeof "sqlite:data/jot.db");
    cfg->db_listen[0] = '\0';         /* listen on db itself */
    cfg->alg = JOT_ALG_ES256;
    memcpy(cfg->default_client_id, "jot", sizeof "jot");
    cfg->access_ttl = 900;
    cfg->refresh_ttl = 1209600;
    cfg->session_max_age = 7776000;
    cfg->refresh_reuse_grace = 10.0;
    cfg->refresh_cookie = 1;
    cfg->registration = JOTD_REG_OPEN;
    cfg->password_hash = JOTD_HASH_ARGON2ID;
    cfg->bcrypt_cost = 12;
    cfg->max_body = 16384;
    cfg->threads = 0;
    cfg->max_connections_per_ip = 1024;
    cfg->header_timeout = 20;
    cfg->hash_workers = 0;
    cfg->db_workers = 0;
    cfg->revocation_sync = 2;
    cfg->key_sync = 10;
    cfg->jwks_max_age = 300;
    cfg->leeway = 0;
    cfg->clock_skew = 60;
    cfg->audit_retention = 7776000;
    cfg->session_retention = 2592000;
    cfg->verify_cache = 1;
    cfg->login_max_failures = 5;
    cfg->login_window = 900;
    cfg->signup_max = 20;
    cfg->signup_window = 3600;
    cfg->log_format = JOTD_LOG_TEXT;
    cfg->metrics = JOTD_METRICS_ON;
}

jotd_err
jotd_config_set(struct jotd_config *cfg, const char *key, const char *value,
                char *err, size_t err_len)
{
    char buf[ECHO_LEN + 4];
    const struct key *k = lookup(key, strlen(key), 0);

    if (k == NULL) {
        jotd_errf(err, err_len, "unknown key '%s'",
                  echo(key, buf, sizeof buf));
        return JOTD_ERR_INVALID;
    }
    if (k->flags & NOT_IN_FILE) {
        not_in_file(k, NULL, err, err_len);
        return JOTD_ERR_INVALID;
    }
    return apply_from(cfg, k, value, NULL, err, err_len) == 0
               ? JOTD_OK
               : JOTD_ERR_INVALID;
}

/* --- the file ---------------------------------------------------------- */

/*
 * Splits one line in place into key and value.  Returns 1 for a
 * setting, 0 for a blank or comment line, -1 with a reason in why.
 *
 * A value is everything after '=', less surrounding blanks and less a
 * comment: a '#' that starts the value or follows a blank.  Or it is
 * written in double quotes, which keep blanks and '#' (a quoted value
 * cannot hold '"').
 */
static int
split_line(char *line, char **key, char **value, char *why, size_t why_len)
{
    char *s = line, *eq, *e, *v;

    s += strspn(s, " \t");
    if (*s == '\0' || *s == '#')
        return 0;
    eq = strchr(s, '=');
    if (eq == NULL) {
        jotd_errf(why, why_len, "expected key = value");
        return -1;
    }
    e = eq;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (e == s) {
        jotd_errf(why, why_len, "expected key = value");
        return -1;
    }
    *e = '\0';
    v = eq + 1;
    v += strspn(v, " \t");
    if (*v == '"') {
        char *close = strchr(v + 1, '"');

        if (close == NULL) {
            jotd_errf(why, why_len, "%s: unterminated quote", s);
            return -1;
        }
        *close = '\0';
        e = close + 1 + strspn(close + 1, " \t");
        if (*e != '\0' && *e != '#') {
            jotd_errf(why, why_len, "%s: text after the closing quote", s);
            return -1;
        }
        v++;
    } else {
        for (e = v; *e != '\0'; e++) {
            if (*e == '#' && (e == v || e[-1] == ' ' || e[-1] == '\t'))
                break;
        }
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        *e = '\0';
    }
    *key = s;
    *value = v;
    return 1;
}

/* Applies one line of a configuration file (source names it in
 * messages); 0 for a blank line or a comment too. */
static int
apply_line(struct jotd_config *cfg, char *s, const char *source, char *err,
           size_t err_len)
{
    char buf[ECHO_LEN + 4], why[WHY_LEN];
    char *key, *value;
    const struct key *k;
    int r = split_line(s, &key, &value, why, sizeof why);

    if (r < 0) {
        jotd_errf(err, err_len, "%s: %s", source, why);
        return -1;
    }
    if (r == 0)
        return 0;
    k = lookup(key, strlen(key), 0);
    if (k == NULL) {
        jotd_errf(err, err_len, "%s: unknown key '%s'", source,
                  echo(key, buf, sizeof buf));
        return -1;
    }
    if (k->flags & NOT_IN_FILE) {
        not_in_file(k, source, err, err_len);
        return -1;
    }
    return apply_from(cfg, k, value, source, err, err_len);
}

static int
read_file(struct jotd_config *cfg, const char *path, char *err,
          size_t err_len)
{
    char source[1100];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    FILE *f;
    int rc = -1;

    f = fopen(path, "r");
    if (f == NULL) {
        jotd_errf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) != -1) {
        char *s = line;

        lineno++;
        jotd_errf(source, sizeof source, "%s:%lu", path, lineno);
        if ((size_t)n > LINE_MAX_LEN) {
            jotd_errf(err, err_len, "%s: line longer than %d bytes", source,
                      LINE_MAX_LEN);
            goto out;
        }
        if (strlen(line) != (size_t)n) {
            jotd_errf(err, err_len, "%s: NUL byte in line", source);
            goto out;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (lineno == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3;                 /* a UTF-8 byte order mark */
        if (apply_line(cfg, s, source, err, err_len) != 0)
            goto out;
    }
    if (ferror(f)) {
        jotd_errf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    /* A line may have held a database password. */
    if (line != NULL)
        jot_free_wiped(line, cap);
    fclose(f);
    return rc;
}

/* --- the command line and the environment ------------------------------ */

/* The flags that are not keys: jotd's own and its subcommands'. */
static const char *const words[] = {
    "--help", "--print-config", "--version", "--role", NULL,
};

static int
is_word(const char *a)
{
    size_t i;

    for (i = 0; words[i] != NULL; i++) {
        if (strcmp(a, words[i]) == 0)
            return 1;
    }
    return 0;
}

/*
 * Walks argv.  With apply_flags 0, only finds --config (its value goes
 * to *config, when set); with 1, applies every other setting and fills
 * rest.  Both walks split the arguments the same way, so a value given
 * as "--key value" is never taken for a flag.
 */
static int
walk_argv(struct jotd_config *cfg, int argc, char **argv, int apply_flags,
          const char **config, char **rest, size_t *n_rest, char *err,
          size_t err_len)
{
    char source[NAME_MAX_LEN + 3];
    int i, done = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *name = a + 2, *eq = NULL, *value;
        const struct key *k = NULL;
        size_t len = 0;

        if (!done && strcmp(a, "--") == 0) {
            done = 1;               /* the rest are not flags */
            continue;
        }
        if (!done && strncmp(a, "--", 2) == 0) {
            eq = strchr(name, '=');
            len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            if (len <= NAME_MAX_LEN)
                k = lookup(name, len, 1);
        }
        if (k == NULL) {
            /* A mistyped key ("--acess_ttl=5") must not run with the
             * defaults: only the words jotd and its subcommands take
             * pass through to rest. */
            if (!done && strncmp(a, "--", 2) == 0 &&
                (eq != NULL || !is_word(a))) {
                len = eq != NULL ? (size_t)(eq - a) : strlen(a);
                jotd_errf(err, err_len,
                          "unknown option '%s' (see jotd --help)",
                          echo_n(a, len, source, sizeof source));
                return -1;
            }
            if (apply_flags)
                rest[(*n_rest)++] = argv[i];
            continue;
        }
        jotd_errf(source, sizeof source, "--%.*s", (int)len, name);
        if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            jotd_errf(err, err_len, "%s: missing value", source);
            return -1;
        }
        if (strcmp(k->name, "config") == 0) {
            if (!apply_flags)
                *config = value;
            continue;
        }
        if (apply_flags &&
            apply_from(cfg, k, value, source, err, err_len) != 0)
            return -1;
    }
    return 0;
}

/* JOTD_ and the key in upper case: "JOTD_ACCESS_TTL". */
static void
env_name(const struct key *k, char *out, size_t out_len)
{
    size_t i;

    jotd_errf(out, out_len, "JOTD_%s", k->name);
    for (i = 5; out[i] != '\0'; i++)
        out[i] = (char)toupper((unsigned char)out[i]);
}

jotd_err
jotd_config_load(struct jotd_config *cfg, int argc, char **argv,
                 char **rest, size_t *n_rest, char *err, size_t err_len)
{
    char name[NAME_MAX_LEN + 8];
    const char *path = getenv("JOTD_CONFIG"), *source = "JOTD_CONFIG";
    const char *flag_path = NULL;
    size_t i;

    *n_rest = 0;
    if (err_len > 0)
        err[0] = '\0';
    jotd_config_defaults(cfg);
    if (walk_argv(cfg, argc, argv, 0, &flag_path, NULL, NULL, err,
                  err_len) != 0)
        return JOTD_ERR_INVALID;
    if (flag_path != NULL) {
        path = flag_path;
        source = "--config";
    }
    if (path != NULL) {
        if (apply_from(cfg, lookup("config", 6, 0), path, source, err,
                       err_len) != 0)
            return JOTD_ERR_INVALID;
        if (read_file(cfg, cfg->config_file, err, err_len) != 0)
            return JOTD_ERR_INVALID;
    }
    /* Only known names are looked up: other JOTD_* variables are left
     * alone, as the environment is shared with other programs. */
    for (i = 0; i < N_KEYS; i++) {
        const char *v;

        if (strcmp(keys[i].name, "config") == 0)
            continue;
        env_name(&keys[i], name, sizeof name);
        v = getenv(name);
        if (v != NULL &&
            apply_from(cfg, &keys[i], v, name, err, err_len) != 0)
            return JOTD_ERR_INVALID;
    }
    if (walk_argv(cfg, argc, argv, 1, NULL, rest, n_rest, err,
                  err_len) != 0)
        return JOTD_ERR_INVALID;
    return jotd_config_finish(cfg, err, err_len);
}

jotd_err
jotd_config_finish(struct jotd_config *cfg, char *err, size_t err_len)
{
    char listen[300];
    int n;

    if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
        jotd_errf(err, err_len, "tls_cert, tls_key: set both or neither");
        return JOTD_ERR_INVALID;
    }
    if (cfg->secret[0] != '\0' && strlen(cfg->secret) < JOTD_SECRET_MIN) {
        jotd_errf(err, err_len, "secret: must be at least %d bytes",
                  JOTD_SECRET_MIN);
        return JOTD_ERR_INVALID;
    }
    if (is_postgres(cfg->db_listen) && !is_postgres(cfg->db)) {
        jotd_errf(err, err_len,
                  "db_listen: a postgresql:// URL needs a postgresql:// db");
        return JOTD_ERR_INVALID;
    }
    if (cfg->refresh_ttl < cfg->access_ttl) {
        jotd_errf(err, err_len,
                  "refresh_ttl: must be at least access_ttl (%lld)",
                  (long long)cfg->access_ttl);
        return JOTD_ERR_INVALID;
    }
    if (cfg->issuer[0] == '\0') {
        /* The issuer is where clients reach this server: https when it
         * serves TLS itself. */
        format_listen(cfg, listen, sizeof listen);
        n = snprintf(cfg->issuer, sizeof cfg->issuer, "%s://%s",
                     cfg->tls_cert[0] != '\0' ? "https" : "http", listen);
        if (n < 0 || (size_t)n >= sizeof cfg->issuer) {
            cfg->issuer[0] = '\0';
            jotd_errf(err, err_len, "issuer: the default made from listen is "
                      "too long; set issuer");
            return JOTD_ERR_INVALID;
        }
    }
    return JOTD_OK;
}

void
jotd_config_warn(const struct jotd_config *cfg,
                 void (*say)(const char *part, const char *fmt, ...))
{
    const struct {
        const char *name;
        int64_t v;
    } ttls[] = {
        {"access_ttl", cfg->access_ttl},
        {"refresh_ttl", cfg->refresh_ttl},
        {"session_max_age", cfg->session_max_age},
    };
    size_t i;

    for (i = 0; i < sizeof ttls / sizeof ttls[0]; i++) {
        if (ttls[i].v < JOTD_TTL_WARN)
            say("jotd", "warning: %s = %lld s, under %d s: "
                             "for tests of expiry, not for production",
                             ttls[i].name, (long long)ttls[i].v,
                             JOTD_TTL_WARN);
    }
}

/* --- printing ---------------------------------------------------------- */

/*
 * Writes "key = value", quoting a value the file syntax would otherwise
 * change: blanks at either end, a leading '"' or '#', or " #".
 */
static void
put(FILE *f, const char *name, const char *v)
{
    size_t len = strlen(v);
    int quote = len > 0 &&
        (v[0] == ' ' || v[0] == '\t' || v[0] == '"' || v[0] == '#' ||
         v[len - 1] == ' ' || v[len - 1] == '\t' ||
         strstr(v, " #") != NULL || strstr(v, "\t#") != NULL);

    fprintf(f, quote ? "%s = \"%s\"\n" : "%s = %s\n", name, v);
}

void
jotd_config_db_shown(const struct jotd_config *cfg, char *out,
                     size_t out_len)
{
    if (out_len > 0)
        format_db(cfg, out, out_len);
}

void
jotd_config_print(const struct jotd_config *cfg, FILE *f)
{
    char buf[2 * sizeof cfg->db];
    size_t i;

    for (i = 0; i < N_KEYS; i++) {
        const struct key *k = &keys[i];
        const char *field = (const char *)cfg + k->off;
        int64_t v = 0;

        switch (k->kind) {
        case K_I64:
            memcpy(&v, field, sizeof v);
            fprintf(f, "%s = %lld\n", k->name, (long long)v);
            break;
        case K_UINT: {
            unsigned u;

            memcpy(&u, field, sizeof u);
            fprintf(f, "%s = %u\n", k->name, u);
            break;
        }
        case K_SIZE: {
            size_t z;

            memcpy(&z, field, sizeof z);
            fprintf(f, "%s = %zu\n", k->name, z);
            break;
        }
        case K_BOOL: {
            int b;

            memcpy(&b, field, sizeof b);
            fprintf(f, "%s = %s\n", k->name, b ? "on" : "off");
            break;
        }
        case K_STR:
            put(f, k->name, field);
            break;
        case K_FN:
            if (k->format != NULL) {
                k->format(cfg, buf, sizeof buf);
                put(f, k->name, buf);
            } else {
                put(f, k->name, field);
            }
            break;
        }
    }
}
