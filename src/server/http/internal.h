/*
 * http/internal.h - what the files of http/ share and nothing above
 * them sees: the daemon's state, TLS material, the body readers and
 * the client address.
 */
#ifndef JOTD_HTTP_INTERNAL_H
#define JOTD_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "http/http.h"
#include "http/router.h"

struct jotd_tls_pair;

/* The TLS files of the daemon and the pairs read from them. */
struct jotd_tls {
    int on;                     /* 0: plain HTTP */
    char cert_path[1024];       /* tls_cert, tls_key at start */
    char key_path[1024];
    struct jotd_tls_pair *pairs;    /* the current one, then older */
};

struct jotd_watched;

/* deadline.c: the connections whose header has a deadline. */
struct jotd_watch {
    pthread_mutex_t lock;       /* guards the list and stop */
    pthread_cond_t wake;
    pthread_t thread;
    int running, stop;
    int64_t timeout_us;         /* header_timeout */
    struct jotd_watched *head;
};

/* The running daemon, owned by struct jotd (j->http). */
struct jotd_http {
    struct jotd *j;
    const struct jotd_route *routes;    /* the table it serves */
    size_t n_routes;
    struct MHD_Daemon *daemon;
    int listen_fd;              /* -1 when closed */
    struct jotd_tls tls;
    struct jotd_watch watch;
    int counted;                /* its requests go to j->metrics */
    struct jotd_http *extra;    /* jotd_http_start_extra's, or NULL */
};

/*
 * deadline.c: starts the thread that cuts off connections whose header
 * is not complete header_timeout seconds after the connection started,
 * or after its previous answer; 0, or -1 when it cannot.  Connections
 * are watched through jotd_watch_notify, the daemon's
 * MHD_OPTION_NOTIFY_CONNECTION callback with w as its argument.
 */
int jotd_watch_start(struct jotd_watch *w, int64_t header_timeout);

/* Stops the thread; after the daemon, once no connection is left.  Does
 * nothing when it was not started. */
void jotd_watch_stop(struct jotd_watch *w);

void jotd_watch_notify(void *cls, struct MHD_Connection *conn, void **ctx,
                       enum MHD_ConnectionNotificationCode code);

/* The header of conn's request is complete: no deadline while it is
 * read and answered. */
void jotd_watch_header_done(struct MHD_Connection *conn);

/* conn's request is over: the next header is due header_timeout from
 * now. */
void jotd_watch_request_done(const struct jotd_watch *w,
                             struct MHD_Connection *conn);

/*
 * tls.c: reads cfg's tls_cert and tls_key into tls and makes them the
 * pair jotd_tls_retrieve hands out (tls->on stays 0 when TLS is off).
 * The key must be the certificate's.  JOTD_ERR_INVALID with a message
 * in err; tls is then empty.
 */
jotd_err jotd_tls_load(const struct jotd_config *cfg, struct jotd_tls *tls,
                       char *err, size_t err_len);

/*
 * Reads tls's files again; when they hold a valid pair, new handshakes
 * use it.  Otherwise JOTD_ERR_INVALID with a message in err, and the
 * pair in use stays.  Nothing to do (JOTD_OK) when TLS is off.  One
 * caller at a time.
 */
jotd_err jotd_tls_reload(struct jotd_tls *tls, char *err, size_t err_len);

/* Frees every pair read, after the daemon has stopped, and empties
 * tls. */
void jotd_tls_clear(struct jotd_tls *tls);

/* The daemon's MHD_OPTION_HTTPS_CERT_CALLBACK: the current pair. */
int jotd_tls_retrieve(gnutls_session_t session,
                      const gnutls_datum_t *req_ca_dn, int n_req_ca_dn,
                      const gnutls_pk_algorithm_t *pk_algos, int n_pk_algos,
                      gnutls_pcert_st **pcert, unsigned int *pcert_length,
                      gnutls_privkey_t *privkey);

/*
 * cors.c: answers r, when it is a CORS preflight from a listed origin
 * for a path whose methods are allow (the router's Allow list, empty for
 * no such path), with 204 and the CORS headers of a preflight; 1 then,
 * else 0 and r is untouched.
 */
int jotd_cors_preflight(struct jotd_req *r, const char *allow);

/* Adds to resp, r's answer, the CORS headers r's Origin is due (none
 * for an origin that is not listed) and Vary: Origin. */
void jotd_cors_headers(struct jotd_req *r, struct MHD_Response *resp);

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

/*
 * framing.c: what the request's header fields (of conn, borrowed) make
 * of it before routing.  JOTD_OK when it may go on; else the error to
 * answer with at once, closing the connection, and *why (static) its
 * description: JOTD_ERR_INVALID for an ambiguous length (RFC 9112
 * §6.3), a blank in a field name or two Authorization headers,
 * JOTD_ERR_UNSUPPORTED for a transfer coding other than chunked, and
 * JOTD_ERR_TOO_LARGE for a Content-Length over max_body that comes with
 * Expect: 100-continue or is over 1 MiB (a smaller one is read, and
 * answered 413 once read, for clients that send before they listen).
 */
jotd_err jotd_req_framing(struct MHD_Connection *conn, size_t max_body,
                          const char **why);

/* framing.c: 1 when the path of the raw request target (borrowed, as
 * sent, before libmicrohttpd decodes it) holds an encoded NUL or slash
 * (%00, %2F, %2f), which decoding would turn into another path. */
int jotd_path_unsafe(const char *target);

/* Frees what the request holds besides its response. */
void jotd_req_release(struct jotd_req *r);

#endif /* JOTD_HTTP_INTERNAL_H */
