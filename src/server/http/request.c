/*
 * request.c - what a handler reads of its request: headers, cookies,
 * the query, the body, and the address of the client.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/internal.h"

/* ---- accessors ------------------------------------------------------ */

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
jotd_req_param(struct jotd_req *r, const char *name)
{
    return jotd_params_get(&r->params, name);
}

const char *
jotd_req_string(struct jotd_req *r, const char *name, size_t *len, int *bad)
{
    const json_t *v = r->json ? json_object_get(r->json, name) : NULL;
    char msg[128];
    int n;

    *len = 0;
    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        /* The names are the handlers' own short literals. */
        n = snprintf(msg, sizeof msg, "%s must be a string", name);
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       n < 0 || (size_t)n >= sizeof msg ? NULL : msg);
        *bad = 1;
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

/* ---- the client address ------------------------------------------- */

/* The address of sa with all its bits (see jotd_cidr_host). */
static int
peer_addr(const struct sockaddr *sa, struct jotd_cidr *c)
{
    if (sa->sa_family == AF_INET)
        jotd_cidr_host(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                       c);
    else if (sa->sa_family == AF_INET6)
        jotd_cidr_host(AF_INET6,
                       &((const struct sockaddr_in6 *)sa)->sin6_addr, c);
    else
        return -1;
    return 0;
}

static int
in_network(const struct jotd_cidr *net, const struct jotd_cidr *a)
{
    unsigned full = net->prefix / 8, bits = net->prefix % 8;

    if (net->family != a->family)
        return 0;
    if (memcmp(net->addr, a->addr, full) != 0)
        return 0;
    if (bits == 0)
        return 1;
    return ((net->addr[full] ^ a->addr[full]) &
            (unsigned char)(0xff << (8 - bits))) == 0;
}

/* 1 when a is in one of cfg's trusted_proxies networks. */
static int
trusted_addr(const struct jotd_config *cfg, const struct jotd_cidr *a)
{
    size_t i;

    for (i = 0; i < cfg->n_trusted_proxies; i++) {
        if (in_network(&cfg->trusted_proxies[i], a))
            return 1;
    }
    return 0;
}

int
jotd_req_trusted_peer(const struct jotd_config *cfg,
                      const struct sockaddr *sa)
{
    struct jotd_cidr a;

    if (sa == NULL || peer_addr(sa, &a) != 0)
        return 0;
    return trusted_addr(cfg, &a);
}

/* The text s (len octets) as an address: its spelling in txt and its
 * bits in c; -1 when it is none (a port, brackets, "unknown", ...). */
static int
parse_addr(const char *s, size_t len, char *txt, size_t cap,
           struct jotd_cidr *c)
{
    unsigned char buf[16];

    if (len == 0 || len >= cap)
        return -1;
    memcpy(txt, s, len);
    txt[len] = '\0';
    if (inet_pton(AF_INET, txt, buf) == 1)
        jotd_cidr_host(AF_INET, buf, c);
    else if (inet_pton(AF_INET6, txt, buf) == 1)
        jotd_cidr_host(AF_INET6, buf, c);
    else
        return -1;
    return 0;
}

/*
 * Each proxy appends the address it saw, so the list is read from the
 * right: the addresses of our own proxies are skipped, and the first
 * one that is not ours is the client, whatever it wrote further left.
 * An entry that is no address ends the walk, leaving the last address
 * reached: nothing left of it can be believed.
 */
int
jotd_req_forwarded_client(const struct jotd_config *cfg,
                          const char *const *lines, size_t n_lines,
                          char *out, size_t cap)
{
    char txt[64];
    struct jotd_cidr a;
    int found = 0;
    size_t i = n_lines;

    while (i-- > 0) {
        const char *line = lines[i], *end = line + strlen(line);

        while (end > line) {
            const char *s = end, *e = end;

            while (s > line && s[-1] != ',')
                s--;
            end = s > line ? s - 1 : line;
            while (s < e && (*s == ' ' || *s == '\t'))
                s++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (s == e)
                continue;       /* an empty list element (RFC 9110 §5.6.1) */
            if (parse_addr(s, (size_t)(e - s), txt, sizeof txt, &a) != 0 ||
                strlen(txt) >= cap)
                return found ? 0 : -1;
            memcpy(out, txt, strlen(txt) + 1);
            found = 1;
            if (!trusted_addr(cfg, &a))
                return 0;
        }
    }
    return found ? 0 : -1;
}

/* The X-Forwarded-For lines of a request, the last XFF_LINES kept. */
#define XFF_LINES 16

struct xff_lines {
    const char *at[XFF_LINES];  /* a ring: line n is at[n % XFF_LINES] */
    size_t n;
};

static enum MHD_Result
collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
    struct xff_lines *x = cls;

    (void)kind;
    if (key != NULL && value != NULL &&
        strcasecmp(key, "X-Forwarded-For") == 0)
        x->at[x->n++ % XFF_LINES] = value;
    return MHD_YES;
}

/* The client address the trusted proxies report, over all the request's
 * X-Forwarded-For lines in order (libmicrohttpd's lookup would give the
 * first line alone, which the client itself may have sent). */
static int
forwarded(struct jotd_req *r, char *out, size_t cap)
{
    struct xff_lines x;
    const char *lines[XFF_LINES];
    size_t i, n, first;

    x.n = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_xff, &x);
    n = x.n < XFF_LINES ? x.n : XFF_LINES;
    first = x.n - n;
    for (i = 0; i < n; i++)
        lines[i] = x.at[(first + i) % XFF_LINES];
    return jotd_req_forwarded_client(r->cfg, lines, n, out, cap);
}

void
jotd_req_client_ip(struct jotd_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    char fwd[64];

    memcpy(r->ip, "unknown", sizeof "unknown");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip,
                  sizeof r->ip);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  r->ip, sizeof r->ip);
    /* API.md: X-Forwarded-For counts only from a trusted proxy. */
    if (jotd_req_trusted_peer(r->cfg, sa) &&
        forwarded(r, fwd, sizeof fwd) == 0)
        memcpy(r->ip, fwd, strlen(fwd) + 1);
}

/* ---- bodies --------------------------------------------------------- */

int
jotd_req_add_body(struct jotd_req *r, const char *data, size_t size)
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

/* ---- JSON bodies -------------------------------------------------- */

/* Octets of a name or value that JSON reads as themselves: no escape,
 * no quote, nothing beyond ASCII (so no UTF-8 to check). */
static size_t
plain_run(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            break;
    }
    return i;
}

/* A cursor over a body, for the one-member shape below. */
struct scan {
    const char *p, *end;
};

/* Skips JSON's blanks (RFC 8259 §2). */
static void
skip_blanks(struct scan *sc)
{
    while (sc->p < sc->end &&
           (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' ||
            *sc->p == '\r'))
        sc->p++;
}

/* Skips blanks, then takes c if it comes next. */
static int
take(struct scan *sc, char c)
{
    skip_blanks(sc);
    if (sc->p == sc->end || *sc->p != c)
        return 0;
    sc->p++;
    return 1;
}

/* A string with nothing to unescape: its octets and length, after the
 * opening quote has been taken; 0 when it is anything else. */
static int
take_plain_string(struct scan *sc, const char **s, size_t *len)
{
    *s = sc->p;
    *len = plain_run(sc->p, (size_t)(sc->end - sc->p));
    sc->p += *len;
    return sc->p < sc->end && *sc->p++ == '"';
}

/*
 * The commonest body, {"name":"value"} with nothing to unescape (a
 * refresh token, say), taken without the lexer: jansson checks a long
 * string octet by octet, which costs more than the HMAC that verifies
 * the token.  Such a body has one member, so no duplicate; anything
 * else returns NULL for jansson to read.
 */
static json_t *
single_member(const char *body, size_t len)
{
    struct scan sc = {body, body + len};
    const char *n, *v;
    size_t n_len, v_len;
    char name[64];
    json_t *obj;

    if (!take(&sc, '{') || !take(&sc, '"') ||
        !take_plain_string(&sc, &n, &n_len) || n_len >= sizeof name ||
        !take(&sc, ':') || !take(&sc, '"') ||
        !take_plain_string(&sc, &v, &v_len) || !take(&sc, '}'))
        return NULL;
    skip_blanks(&sc);           /* and nothing else may follow */
    if (sc.p != sc.end)
        return NULL;
    memcpy(name, n, n_len);
    name[n_len] = '\0';
    obj = json_object();
    /* set_new takes the value even when it fails, NULL included. */
    if (obj == NULL ||
        json_object_set_new_nocheck(obj, name,
                                    json_stringn_nocheck(v, v_len)) != 0) {
        json_decref(obj);
        return NULL;            /* out of memory: jansson will say so */
    }
    return obj;
}

json_t *
jotd_json_body(const char *body, size_t len, const char **why)
{
    json_error_t e;
    json_t *j = single_member(body, len);

    if (j != NULL)
        return j;

    /* libjot's ceiling, which is API.md's: 32 containers. */
    if (jot_json_depth_check(body, len) != JOT_OK) {
        *why = "JSON nested too deeply";
        return NULL;
    }
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(j)) {
        *why = j ? "the body must be a JSON object" : "malformed JSON";
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---- form bodies -------------------------------------------------- */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n octets of one name or value at src into dst, returning the
 * decoded length; *why set (and 0 returned) when it is refused. */
static size_t
form_decode(const char *src, size_t n, char *dst, const char **why)
{
    size_t i, w = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        char c = src[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            hi = i + 2 < n ? hex_value(src[i + 1]) : -1;
            lo = hi >= 0 ? hex_value(src[i + 2]) : -1;
            if (lo < 0) {
                *why = "invalid percent-encoding in the form body";
                return 0;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0') {
            *why = "NUL in the form body";
            return 0;
        }
        dst[w++] = c;
    }
    if (!jotd_utf8_valid(dst, w)) {
        *why = "the form body is not UTF-8";
        return 0;
    }
    return w;
}

/* Adds the decoded pair at f->buf + *w (name, NUL, value, NUL); a pair
 * without a value is dropped.  -1 with *why when it is refused. */
static int
form_add(struct jotd_form *f, size_t *w, size_t name_len, size_t value_len,
         const char **why)
{
    char *name = f->buf + *w;
    size_t i;

    if (name_len == 0) {
        *why = "a form parameter has no name";
        return -1;
    }
    if (value_len == 0)
        return 0;               /* RFC 6749 §3.1: as if omitted */
    for (i = 0; i < f->n; i++) {
        if (f->at[i].name_len == name_len &&
            memcmp(f->at[i].name, name, name_len) == 0) {
            /* RFC 6749 §3.1: no parameter more than once. */
            *why = "a form parameter is repeated";
            return -1;
        }
    }
    if (f->n == JOTD_MAX_FORM_FIELDS) {
        *why = "too many form parameters";
        return -1;
    }
    f->at[f->n].name = name;
    f->at[f->n].name_len = name_len;
    f->at[f->n].value = name + name_len + 1;
    f->at[f->n].value_len = value_len;
    f->n++;
    *w += name_len + value_len + 2;
    return 0;
}

/* Decodes the pair at pair (n octets, not empty) into f. */
static int
form_pair(struct jotd_form *f, const char *pair, size_t n, size_t *w,
          const char **why)
{
    const char *eq = memchr(pair, '=', n);
    size_t name_in = eq ? (size_t)(eq - pair) : n, name_len, value_len = 0;
    char *dst = f->buf + *w;

    *why = NULL;
    name_len = form_decode(pair, name_in, dst, why);
    if (*why != NULL)
        return -1;
    dst[name_len] = '\0';
    if (eq != NULL) {
        value_len = form_decode(eq + 1, n - name_in - 1,
                                dst + name_len + 1, why);
        if (*why != NULL)
            return -1;
    }
    dst[name_len + 1 + value_len] = '\0';
    return form_add(f, w, name_len, value_len, why);
}

jotd_err
jotd_form_parse(const char *body, size_t len, struct jotd_form *out,
                const char **why)
{
    size_t i = 0, n, w = 0;
    const char *amp;

    memset(out, 0, sizeof *out);
    *why = NULL;
    if (len > SIZE_MAX - 2)
        return JOTD_ERR_TOO_LARGE;
    /* Decoding only shrinks, and the '=' and '&' of a pair make room
     * for its two NULs: the body's length and two more always do. */
    out->buf = malloc(len + 2);
    if (out->buf == NULL)
        return JOTD_ERR_NOMEM;
    out->buf_len = len + 2;
    while (i < len) {
        amp = memchr(body + i, '&', len - i);
        n = amp ? (size_t)(amp - (body + i)) : len - i;
        if (n > 0 && form_pair(out, body + i, n, &w, why) != 0) {
            jotd_form_clear(out);
            return JOTD_ERR_INVALID;
        }
        i += n + 1;
    }
    return JOTD_OK;
}

void
jotd_form_clear(struct jotd_form *f)
{
    jot_free_wiped(f->buf, f->buf_len);
    memset(f, 0, sizeof *f);
}

const char *
jotd_form_get(const struct jotd_form *f, const char *name, size_t *len)
{
    size_t i, n = strlen(name);

    *len = 0;
    for (i = 0; i < f->n; i++) {
        if (f->at[i].name_len == n && memcmp(f->at[i].name, name, n) == 0) {
            *len = f->at[i].value_len;
            return f->at[i].value;
        }
    }
    return NULL;
}

const char *
jotd_req_form(struct jotd_req *r, const char *name, size_t *len)
{
    return jotd_form_get(&r->form, name, len);
}

/* 1 when the Content-Type is the media type type (any parameters). */
static int
media_is(const char *ctype, const char *type)
{
    size_t n = strlen(type);

    if (ctype == NULL || strncasecmp(ctype, type, n) != 0)
        return 0;
    return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

/* The body of a JOTD_ROUTE_FORM route; -1 when it has answered. */
static int
parse_form(struct jotd_req *r)
{
    const char *why = NULL;
    jotd_err err;

    /* API.md: the /oauth/ endpoints answer any other body, JSON
     * included, 400 invalid_request as RFC 6749 §5.2 would. */
    if (r->body_len > 0 &&
        !media_is(jotd_req_header(r, "Content-Type"),
                  "application/x-www-form-urlencoded")) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       "the body must be "
                       "application/x-www-form-urlencoded");
        return -1;
    }
    err = jotd_form_parse(r->body ? r->body : "", r->body_len, &r->form,
                          &why);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, why);
        return -1;
    }
    return 0;
}

int
jotd_req_parse_body(struct jotd_req *r)
{
    unsigned flags = r->route->flags;
    const char *why;

    if (flags & JOTD_ROUTE_FORM)
        return parse_form(r);
    if (!(flags & (JOTD_ROUTE_JSON | JOTD_ROUTE_JSON_OPT)))
        return 0;
    if (r->body_len == 0 && (flags & JOTD_ROUTE_JSON_OPT))
        return 0;
    if (r->body_len > 0 &&
        !media_is(jotd_req_header(r, "Content-Type"), "application/json")) {
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

void
jotd_req_release(struct jotd_req *r)
{
    json_decref(r->json);
    r->json = NULL;
    jotd_form_clear(&r->form);
    /* Bodies carry passwords and refresh tokens. */
    jot_free_wiped(r->body, r->body_len);
    r->body = NULL;
    r->body_len = 0;
}
