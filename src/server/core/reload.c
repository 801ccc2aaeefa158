/*
 * reload.c - the reload policy: which configuration keys a running
 * server can take from a SIGHUP, and which wait for a restart.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/reload.h"

/* Config keys a running server cannot change: the listening socket
 * and what its daemon was started with, the thread pools, the database,
 * and the secret its keys are sealed under.  A reload keeps their
 * running values and says so. */
static int
keep_fixed(void *ctx, const void *cur, void *next)
{
    const struct jotd_config *old = cur;
    struct jotd_config *cfg = next;

    (void)ctx;
#define KEEP(field, differ)                                              \
    if (differ) {                                                         \
        jotd_log_message("jotd", "reload: %s needs a restart; unchanged", \
                         #field);                                         \
        memcpy(&cfg->field, &old->field, sizeof cfg->field);              \
    }
#define KEEP_NUM(field) KEEP(field, old->field != cfg->field)
#define KEEP_STR(field) KEEP(field, strcmp(old->field, cfg->field) != 0)
    KEEP_STR(listen_host);
    KEEP_NUM(listen_port);
    KEEP_STR(db);
    KEEP_STR(db_listen);
    KEEP_NUM(threads);
    KEEP_NUM(max_connections_per_ip);
    KEEP_NUM(header_timeout);
    KEEP_NUM(hash_workers);
    KEEP_STR(tls_cert);
    KEEP_STR(tls_key);
    /* on and off are read per request; a listener of its own is not. */
    KEEP(metrics, (old->metrics == JOTD_METRICS_ADDR) !=
                      (cfg->metrics == JOTD_METRICS_ADDR));
    KEEP_STR(metrics_host);
    KEEP_NUM(metrics_port);
    KEEP_STR(secret);
    KEEP_STR(secret_file);
#undef KEEP_STR
#undef KEEP_NUM
#undef KEEP
    return 0;
}

void
jotd_config_free(void *p)
{
    struct jotd_config *cfg = p;

    /* Wholly, not only its secret: a database URL may hold a
     * password. */
    jot_free_wiped(cfg, sizeof *cfg);
}

void
jotd_reload(struct jotd *j)
{
    struct jotd_config *cfg = calloc(1, sizeof *cfg);
    char **rest = calloc((size_t)j->argc + 1, sizeof *rest);
    char err[512];
    size_t n_rest = 0;
    enum jotd_log_format format;

    if (cfg == NULL || rest == NULL ||
        jotd_config_load(cfg, j->argc, j->argv, rest, &n_rest, err,
                         sizeof err) != 0) {
        jotd_log_message("jotd", "reload refused, configuration kept: %s",
                         cfg && rest ? err : "out of memory");
        jotd_config_free(cfg);
        free(rest);
        return;
    }
    free(rest);
    jotd_config_warn(cfg, jotd_log_message);
    format = cfg->log_format;   /* cfg belongs to the snapshots now */
    if (jotd_snapshot_publish(j, JOTD_SNAP_CONFIG, cfg, keep_fixed, NULL) ==
        JOTD_ERR_NOMEM) {
        jotd_log_message("jotd", "reload refused, configuration kept: "
                                 "out of memory");
        return;
    }
    jotd_log_init(format);
    jotd_log_message("jotd", "configuration reloaded");
    atomic_store(&j->reload, 1);    /* keys and revocations too */
}
