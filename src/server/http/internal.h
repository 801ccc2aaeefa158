/*
 * http/internal.h - what the files of http/ share and nothing above
 * them sees: the daemon's state, TLS material, the body readers and
 * the client address.
 */
#ifndef JOTD_HTTP_INTERNAL_H
#define JOTD_HTTP_INTERNAL_H

#include "http/http.h"
#include "http/router.h"

/* The TLS material of the daemon, in memory as libmicrohttpd wants it. */
struct jotd_tls {
    char *key_pem;              /* NUL-terminated; wiped when freed */
    char *cert_pem;
};

/* The running daemon, owned by struct jotd (j->http). */
struct jotd_http {
    const struct jotd_route *routes;    /* the table it serves */
    size_t n_routes;
    struct MHD_Daemon *daemon;
    int listen_fd;              /* -1 when closed */
    struct jotd_tls tls;
};

/*
 * tls.c: reads cfg's tls_cert and tls_key into tls (both NULL when TLS
 * is off).  JOTD_ERR_INVALID with a message in err; tls is then
 * empty.
 */
jotd_err jotd_tls_load(const struct jotd_config *cfg, struct jotd_tls *tls,
                       char *err, size_t err_len);

/* Wipes the key, frees both PEMs and empties tls. */
void jotd_tls_clear(struct jotd_tls *tls);

struct sockaddr;

/* request.c: 1 when the peer sa is in one of cfg's trusted_proxies
 * networks, whose X-Forwarded-For is then believed. */
int jotd_req_trusted_peer(const struct jotd_config *cfg,
                          const struct sockaddr *sa);

/*
 * request.c: the client address of the X-Forwarded-For lines (n_lines,
 * borrowed, in the order received) of a request from a trusted proxy:
 * the right-most address over all lines that is not in trusted_proxies,
 * or, when all are, the left-most; an entry that is not an address ends
 * the walk at the last address reached.  Written to out (cap octets);
 * -1 when no address was reached (then the peer is the client).
 */
int jotd_req_forwarded_client(const struct jotd_config *cfg,
                              const char *const *lines, size_t n_lines,
                              char *out, size_t cap);

/* request.c: sets r->ip from the connection (and trusted proxies). */
void jotd_req_client_ip(struct jotd_req *r);

/* Appends an uploaded chunk to r->body; -1 when out of memory.  Over
 * max_body it only marks r->body_too_large, to answer 413 at the end. */
int jotd_req_add_body(struct jotd_req *r, const char *data, size_t size);

/* Parses the body as the route's flags ask; -1 when it has answered. */
int jotd_req_parse_body(struct jotd_req *r);

/* Frees what the request holds besides its response. */
void jotd_req_release(struct jotd_req *r);

#endif /* JOTD_HTTP_INTERNAL_H */
