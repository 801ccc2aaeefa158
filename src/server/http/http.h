/*
 * http.h - jotd's HTTP layer over libmicrohttpd: requests, responses,
 * routing, and handing blocking work to the worker pool.
 */
#ifndef JOTD_HTTP_H
#define JOTD_HTTP_H

#include <microhttpd.h>

#include "core/access.h"
#include "core/snapshot.h"
#include "jotd.h"

#define JOTD_MAX_RESP_HEADERS 8
#define JOTD_MAX_PATH 255       /* octets of a path a route can match */
#define JOTD_MAX_PARAMS 8       /* {name} segments in one pattern */

struct jotd_resp {
    unsigned status;            /* 0 until a handler answers */
    char *body;                 /* malloc'd, or NULL */
    size_t body_len;
    const char *content_type;   /* static string, or NULL */
    size_t n_hdr;
    struct {
        const char *name;       /* static */
        char *value;            /* malloc'd */
    } hdr[JOTD_MAX_RESP_HEADERS];
};

struct jotd_route;

#define JOTD_MAX_FORM_FIELDS 32 /* parameters of a form body */

/* An application/x-www-form-urlencoded body, decoded. */
struct jotd_form {
    size_t n;
    struct {
        const char *name;       /* in buf, NUL-terminated */
        const char *value;      /* in buf, NUL-terminated, never empty */
        size_t name_len, value_len;
    } at[JOTD_MAX_FORM_FIELDS];
    char *buf;                  /* malloc'd; wiped when cleared */
    size_t buf_len;
};

/* The {name} segments of the matched pattern and their values. */
struct jotd_params {
    size_t n;
    struct {
        const char *name;       /* in the pattern; not NUL-terminated */
        size_t name_len;
        size_t value_off;       /* in buf, NUL-terminated */
    } at[JOTD_MAX_PARAMS];
    char buf[JOTD_MAX_PATH + 1];
};

struct jotd_req {
    struct jotd *j;
    struct jotd_snap_pin pin;   /* holds what the request loads */
    uint64_t epoch;             /* j->epoch, loaded before cfg */
    const struct jotd_config *cfg;  /* as it was when the request came */
    struct MHD_Connection *conn;
    const struct jotd_route *route;
    size_t metrics_route;       /* its counters in j->metrics (the route's
                                 * number, JOTD_METRICS_MAX_ROUTES for
                                 * none); SIZE_MAX: not counted */
    const char *method;
    char path[JOTD_MAX_PATH + 1];   /* for the log; may be cut short */
    struct jotd_params params;  /* of the route's pattern */
    char *body;
    size_t body_len;
    int body_too_large;
    json_t *json;               /* the parsed body of JSON routes */
    struct jotd_form form;      /* the parsed body of form routes */
    char ip[64];                /* client address (see trusted_proxies) */
    int64_t started_us;
    atomic_int done;            /* set by a worker when resp is ready */
    struct jotd_principal who;  /* after a successful bearer check */
    struct jotd_resp resp;
};

typedef void (*jotd_handler)(struct jotd_req *r, jotd_store *st);
/* Runs before the handler: 0 to go on, -1 when it has answered. */
typedef int (*jotd_guard)(struct jotd_req *r);

#define JOTD_ROUTE_ASYNC 1u     /* runs on a worker, may use st */
#define JOTD_ROUTE_JSON 2u      /* needs a JSON object body */
#define JOTD_ROUTE_JSON_OPT 4u  /* takes a JSON object body if one is sent */
#define JOTD_ROUTE_FORM 8u      /* takes an x-www-form-urlencoded body */
#define JOTD_ROUTE_HASH 16u     /* with ASYNC: hashes a password, so runs
                                 * on the hashing lane of the workers */

/* One line of the table: see http/router.h for the patterns. */
struct jotd_route {
    const char *method;         /* "GET", "DELETE", ...; GET takes HEAD */
    const char *pattern;        /* "/v1/me/sessions/{id}" */
    jotd_handler fn;
    jotd_guard guard;           /* NULL: none */
    unsigned flags;
};

/*
 * Starts the daemon on j->cfg.listen_host:listen_port, serving the
 * n_routes routes of routes (borrowed: kept until jotd_http_destroy;
 * the table of api/routes.c).  JOTD_ERR_INVALID with a message in err
 * (address in use, bad address, TLS files unreadable, a pattern of the
 * table the router cannot take), JOTD_ERR_NOMEM.
 */
jotd_err jotd_http_start(struct jotd *j, const struct jotd_route *routes,
                         size_t n_routes, char *err, size_t err_len);

/* SIGHUP: reads tls_cert and tls_key again for new handshakes; a pair
 * that cannot be used is logged and the one in use kept.  From one
 * thread at a time; nothing when TLS is off. */
void jotd_http_reload_tls(struct jotd *j);

/*
 * Starts a second daemon, on host:port (borrowed), once jotd_http_start
 * has started the first: plain HTTP, one thread, serving only the
 * n_routes routes of routes (borrowed, kept), and its requests are not
 * counted in j->metrics (the route numbers are the first table's).  For
 * a scrape listener (the metrics key).  Stopped with the first by
 * jotd_http_destroy.  Errors as jotd_http_start's.
 */
jotd_err jotd_http_start_extra(struct jotd *j, const char *host,
                               unsigned port,
                               const struct jotd_route *routes,
                               size_t n_routes, char *err, size_t err_len);

/* Stops the daemon and frees j->http; call once the workers have
 * finished their jobs.  Does nothing when it is not running. */
void jotd_http_destroy(struct jotd *j);

/* Frees what resp holds and empties it. */
void jotd_resp_clear(struct jotd_resp *resp);

/* Response helpers: each replaces any answer given before. */
void jotd_resp_json(struct jotd_req *r, unsigned status, json_t *body);
/* The same with the body's JSON text already made (the answer takes it;
 * NULL, for out of memory, gives 500). */
void jotd_resp_json_text(struct jotd_req *r, unsigned status, char *text);
/* The error answer of err (status and code from the one table in
 * response.c); description NULL: jotd_strerror(err). */
void jotd_resp_fail(struct jotd_req *r, jotd_err err,
                    const char *description);
void jotd_resp_empty(struct jotd_req *r, unsigned status);
/* Adds a header (value copied). */
void jotd_resp_header(struct jotd_req *r, const char *name,
                      const char *value);

/* Request accessors (borrowed strings, valid during the request). */
const char *jotd_req_header(struct jotd_req *r, const char *name);
const char *jotd_req_cookie(struct jotd_req *r, const char *name);
const char *jotd_req_query(struct jotd_req *r, const char *name);
/* The value of the route pattern's {name} segment ("id" for
 * "/v1/me/sessions/{id}"), NUL-terminated; NULL when it has none. */
const char *jotd_req_param(struct jotd_req *r, const char *name);

/*
 * Parses a request body (len octets, borrowed) as API.md asks: a JSON
 * object, no duplicate member names, nested no deeper than 32
 * containers (the top level is 1).  The object (caller decrefs), or
 * NULL with *why set to the error_description of the 400 answer.
 */
json_t *jotd_json_body(const char *body, size_t len, const char **why);

/*
 * Parses an application/x-www-form-urlencoded body (len octets,
 * borrowed) into out, as the OAuth endpoints need it (RFC 6749 §3.1,
 * §4.3, §6): name=value pairs split at '&', '+' read as a space, then
 * %XX decoded.  A parameter without a value ("a=" or "a") counts as
 * omitted (RFC 6749 §3.1) and an empty pair ("&&") as nothing.  Refused
 * with JOTD_ERR_INVALID and *why set to the error_description: an
 * invalid escape, a NUL, a name or value that is not UTF-8, an empty
 * name, a repeated parameter, more than JOTD_MAX_FORM_FIELDS.  Also
 * JOTD_ERR_NOMEM.  On failure out is empty; on success clear it with
 * jotd_form_clear().
 */
jotd_err jotd_form_parse(const char *body, size_t len, struct jotd_form *out,
                         const char **why);

/* Wipes and frees what f holds, and empties it.  Safe on an empty f. */
void jotd_form_clear(struct jotd_form *f);

/* The value of the parameter name in f (borrowed), *len its length; NULL
 * when absent. */
const char *jotd_form_get(const struct jotd_form *f, const char *name,
                          size_t *len);

/* The same for the body of a JOTD_ROUTE_FORM route. */
const char *jotd_req_form(struct jotd_req *r, const char *name,
                          size_t *len);

/*
 * A string member of the JSON body.  NULL when absent; when present but
 * not a string, answers 400 and sets *bad.
 */
const char *jotd_req_string(struct jotd_req *r, const char *name,
                            size_t *len, int *bad);

#endif /* JOTD_HTTP_H */
