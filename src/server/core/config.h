/*
 * config.h - jotd's configuration: defaults, then the file, then JOTD_*
 * environment variables, then --key=value flags (later wins).
 */
#ifndef JOTD_CONFIG_H
#define JOTD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jot/jot.h>

#include "util.h"

enum jotd_registration { JOTD_REG_OPEN, JOTD_REG_ADMIN, JOTD_REG_OFF };
enum jotd_hash { JOTD_HASH_ARGON2ID, JOTD_HASH_BCRYPT };
enum jotd_log_format { JOTD_LOG_TEXT, JOTD_LOG_JSON };
/* The metrics key: served on the main listener, not at all, or only on
 * a listener of its own (metrics_host:metrics_port). */
enum jotd_metrics_mode { JOTD_METRICS_ON, JOTD_METRICS_OFF, JOTD_METRICS_ADDR };

#define JOTD_MAX_AUDIENCES 8
#define JOTD_MAX_ORIGINS 16
#define JOTD_MAX_PROXIES 16
#define JOTD_HOST_MAX 256        /* a listen host, NUL included */

/* An IPv4 or IPv6 network, for trusted_proxies. */
struct jotd_cidr {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned prefix;            /* bits */
};

/*
 * The one host addr (4 octets for AF_INET, 16 for AF_INET6) as a
 * network of all its bits.  An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * becomes the IPv4 address it maps, so that the two spellings of one
 * peer, in trusted_proxies or on a socket, are one peer.
 */
void jotd_cidr_host(int family, const void *addr, struct jotd_cidr *out);

struct jotd_config {
    char listen_host[JOTD_HOST_MAX];    /* "127.0.0.1"; IPv6 without
                                           brackets */
    unsigned listen_port;       /* 8080 */
    char db[1024];              /* "sqlite:data/jot.db" */
    char db_listen[1024];       /* "": db; "off"; or postgresql://... */
    char issuer[512];           /* "http(s)://<listen>" by default (https
                                   when TLS is set) */
    char audience_raw[1024];    /* as configured, comma-separated */
    char audiences[JOTD_MAX_AUDIENCES][256];
    size_t n_audiences;         /* 0: the issuer */
    /* client_id of tokens not asked for by an OAuth client ("jot") */
    char default_client_id[JOTD_CLIENT_ID_MAX + 1];
    jot_alg alg;                /* access-token algorithm, ES256 */
    int64_t access_ttl;         /* 900 */
    int64_t refresh_ttl;        /* 1209600 */
    int64_t session_max_age;    /* 7776000 */
    double refresh_reuse_grace; /* 10 seconds, may be fractional */
    int refresh_cookie;         /* 1 */
    char allowed_origins_raw[2048];
    /* lower-cased, without the scheme's default port */
    char allowed_origins[JOTD_MAX_ORIGINS][256];
    size_t n_allowed_origins;
    enum jotd_registration registration;   /* open */
    enum jotd_hash password_hash;          /* argon2id */
    unsigned bcrypt_cost;                  /* 12 */
    size_t max_body;                       /* 16384 */
    unsigned threads;                      /* 0 = number of cores */
    unsigned max_connections_per_ip;       /* 1024; 0 = no limit */
    int64_t header_timeout;                /* 20 s for a whole header */
    unsigned hash_workers;                 /* 0 = number of cores */
    unsigned db_workers;                   /* 0 = cores + 2 */
    int64_t revocation_sync;               /* 2 */
    int64_t key_sync;                      /* 10 */
    int64_t jwks_max_age;                  /* 300 */
    int64_t leeway;                        /* 0 */
    int64_t clock_skew;                    /* 60 */
    int64_t audit_retention;               /* 7776000: 90 days */
    int64_t session_retention;             /* 2592000: 30 days */
    int verify_cache;                      /* 1: remember verified tokens */
    unsigned login_max_failures;           /* 5 */
    int64_t login_window;                  /* 900 */
    unsigned signup_max;                   /* 20 per address; 0: no limit */
    int64_t signup_window;                 /* 3600 */
    char trusted_proxies_raw[1024];
    struct jotd_cidr trusted_proxies[JOTD_MAX_PROXIES];
    size_t n_trusted_proxies;
    char tls_cert[1024];
    char tls_key[1024];
    enum jotd_log_format log_format;       /* text */
    enum jotd_metrics_mode metrics;        /* on: GET /metrics is served */
    char metrics_host[JOTD_HOST_MAX];      /* with JOTD_METRICS_ADDR */
    unsigned metrics_port;
    char secret_file[1024];     /* "" = <data dir of db>/secret */
    char secret[256];           /* JOTD_SECRET or --secret; never logged;
                                   wipe cfg with jot_wipe when done */
    char config_file[1024];     /* the file read, if any */
};

/* Fills cfg with the defaults. */
void jotd_config_defaults(struct jotd_config *cfg);

/*
 * Builds the effective configuration: defaults, then the file named by
 * --config=PATH or JOTD_CONFIG (none by default; a file that was named
 * but cannot be read is an error), then the environment (JOTD_<KEY>, the
 * key upper-cased; unknown JOTD_ variables are ignored), then the flags
 * in argv (--key=value or --key value, dashes or underscores; argv[0] is
 * not looked at; "--" ends the flags and is dropped).  Arguments that are
 * not configuration flags go to rest (room for argc entries), in order.
 * Ends by calling jotd_config_finish.  On error writes one line naming
 * the source, the key and the reason to err and returns
 * JOTD_ERR_INVALID: unknown key
 * in the file, bad number, out of range, unknown enum value, a secret
 * (JOTD_SECRET or --secret) shorter than 32 bytes, ...  The "secret" key
 * is accepted from the environment and flags only, never from the file.
 */
jotd_err jotd_config_load(struct jotd_config *cfg, int argc, char **argv,
                          char **rest, size_t *n_rest, char *err,
                          size_t err_len);

/*
 * Applies one key = value setting (as from the file), with the same
 * checks; for tests and for SIGHUP reloads.  "secret" and "config" are
 * refused; a list is replaced whole; on error the field is unchanged and
 * JOTD_ERR_INVALID is returned with a message.
 */
jotd_err jotd_config_set(struct jotd_config *cfg, const char *key,
                         const char *value, char *err, size_t err_len);

/*
 * Checks the cross-key rules once everything is set (e.g. the issuer
 * default from listen).  JOTD_ERR_INVALID with a message.
 */
jotd_err jotd_config_finish(struct jotd_config *cfg, char *err,
                            size_t err_len);

/*
 * Calls say (jotd_log_message: config.c does not log itself) with a
 * warning for each lifetime (access_ttl, refresh_ttl, session_max_age)
 * under JOTD_TTL_WARN seconds: short lifetimes are for tests of expiry,
 * and in production end sessions within the minute.
 */
#define JOTD_TTL_WARN 60
void jotd_config_warn(const struct jotd_config *cfg,
                      void (*say)(const char *part, const char *fmt, ...)
                          __attribute__((format(printf, 2, 3))));

/*
 * 1 when origin (an Origin header, NUL-terminated; NULL: none) is one
 * of allowed_origins.  The list is kept as browsers serialise an origin,
 * so the comparison is exact: the refresh cookie's CSRF guard and CORS
 * both ask here.
 */
int jotd_config_origin_listed(const struct jotd_config *cfg,
                              const char *origin);

/*
 * Prints every key = value line of the effective configuration to f, in
 * a fixed order, with secrets (and a database URL's password) masked as
 * "********" when set.
 */
void jotd_config_print(const struct jotd_config *cfg, FILE *f);

/* cfg->db as it may be shown (a log line, an error): its passwords
 * masked as jotd --print-config masks them.  out_len bytes. */
void jotd_config_db_shown(const struct jotd_config *cfg, char *out,
                          size_t out_len);

#endif /* JOTD_CONFIG_H */
