/*
 * main.c - jotd: the auth server, and its administration subcommands.
 *
 *   jotd [serve] [--key=value]...     run the server (the default)
 *   jotd --print-config                show the effective configuration
 *   jotd --version                     print the version
 *   jotd user|keys|migrate ...         administration (see admin.c)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "http/http.h"
#include "core/keys.h"
#include "core/log.h"
#include "core/reload.h"
#include "core/revocation.h"
#include "core/sync.h"
#include "api/routes.h"
#include "http/workers.h"

#define MAX_ARGS 64

static void
help(void)
{
    printf("usage: jotd [serve] [--KEY=VALUE]...\n"
           "       jotd --print-config [--KEY=VALUE]...\n"
           "       jotd --version\n");
    jotd_cmd_usage(stdout, "       ");
    printf("\n"
           "Every configuration key (see jotd.conf.example) can be given as\n"
           "--key=value, as JOTD_KEY in the environment, or in the file named\n"
           "by --config; flags win over the environment, which wins over the\n"
           "file.  The server secret comes from JOTD_SECRET or secret_file.\n");
}

static unsigned
cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (unsigned)n : 1;
}

/* The hashing lane: as many threads as hashes may run at once, and a
 * short queue (at some 40 ms a hash, 256 is seconds of work); the
 * database lane: by default a few more threads than cores, as they wait
 * on the database, and a long queue.  Each thread owns one connection,
 * so db_workers + hash_workers + the sync thread's is the node's
 * connection pool and its bound. */
static void
lane_sizes(const struct jotd_config *cfg,
           struct jotd_lane_size sizes[JOTD_N_LANES])
{
    sizes[JOTD_LANE_DB].n_threads = cfg->db_workers ? cfg->db_workers
                                                    : cores() + 2;
    sizes[JOTD_LANE_DB].queue_max = 1024;
    sizes[JOTD_LANE_HASH].n_threads = cfg->hash_workers ? cfg->hash_workers
                                                        : cores();
    sizes[JOTD_LANE_HASH].queue_max = 256;
}

/* SIGHUP: the configuration, then the TLS files, which the daemon holds
 * itself (keys and revocations follow on the sync thread). */
static void
reload(struct jotd *j)
{
    jotd_reload(j);
    jotd_http_reload_tls(j);
}

/* The listeners: the main one, and with metrics = HOST:PORT the one of
 * GET /metrics alone.  -1 with a message in err, none left running. */
static int
start_http(struct jotd *j, char *err, size_t err_len)
{
    const struct jotd_config *cfg = jotd_cfg(j);

    if (jotd_http_start(j, jotd_routes, jotd_n_routes, err, err_len) != 0)
        return -1;
    if (cfg->metrics == JOTD_METRICS_ADDR &&
        jotd_http_start_extra(j, cfg->metrics_host, cfg->metrics_port,
                              jotd_metrics_routes, jotd_n_metrics_routes,
                              err, err_len) != 0) {
        /* As at shutdown: no connection may stay suspended. */
        jotd_workers_stop(j->workers);
        jotd_http_destroy(j);
        return -1;
    }
    return 0;
}

static int
serve(struct jotd *j, jotd_store *st, sigset_t *signals)
{
    struct jotd_sync *sync;
    struct jotd_lane_size sizes[JOTD_N_LANES];
    char err[256], db[2 * sizeof jotd_cfg(j)->db];
    int sig;

    if (jotd_keys_load(j, st, 1, err, sizeof err) != 0 ||
        jotd_revoked_sync(j, st) != 0) {
        fprintf(stderr, "jotd: %s\n",
                err[0] ? err : "cannot read revoked sessions");
        return 1;
    }
    /* Hashing is bounded by cores (each argon2id hash holds 19 MiB). */
    jotd_hash_slots_init(j, cores());
    lane_sizes(jotd_cfg(j), sizes);
    j->workers = jotd_workers_start(sizes, jotd_cfg(j)->db, err,
                                    sizeof err);
    if (j->workers == NULL) {
        fprintf(stderr, "jotd: cannot connect to the database: %s\n", err);
        return 1;
    }
    if (start_http(j, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        jotd_workers_free(j->workers);
        return 1;
    }
    sync = jotd_sync_start(j, st, err, sizeof err);
    if (sync == NULL) {
        fprintf(stderr, "jotd: %s\n", err);
        atomic_store(&j->stopping, 1);
        jotd_workers_stop(j->workers);
        jotd_http_destroy(j);
        jotd_workers_free(j->workers);
        return 1;
    }
    jotd_config_db_shown(jotd_cfg(j), db, sizeof db);
    jotd_log_message("jotd", "listening on %s (%s, %s)", jotd_cfg(j)->issuer,
                     db, jot_alg_name(jotd_cfg(j)->alg));
    for (;;) {
        if (sigwait(signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload(j);
            continue;
        }
        break;
    }
    jotd_log_message("jotd", "shutting down");
    atomic_store(&j->stopping, 1);
    /* The workers finish their jobs first, resuming every suspended
     * connection, since the daemon must not stop with one suspended;
     * requests arriving meanwhile get 503.  (Not MHD_quiesce_daemon:
     * with an epoll thread pool libmicrohttpd 0.9.75 sometimes aborts in
     * it, "Failed to remove listen FD from epoll set".) */
    jotd_workers_stop(j->workers);
    jotd_http_destroy(j);
    jotd_workers_free(j->workers);
    jotd_sync_stop(sync);
    jotd_log_shutdown();
    return 0;
}

/* Signals are taken by sigwait in the main thread only: block them
 * before any thread starts, so every thread inherits the mask. */
static void
block_signals(sigset_t *signals)
{
    sigemptyset(signals);
    sigaddset(signals, SIGTERM);
    sigaddset(signals, SIGINT);
    sigaddset(signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (RLIMIT_FSIZE) reached is then a failed write,
     * which the database reports and a request answers with 503, rather
     * than the end of the process. */
    signal(SIGXFSZ, SIG_IGN);
}

/*
 * What the command line asks before any database is opened: --help,
 * --print-config, or a command that does not exist.  -1 to go on, else
 * the exit status.
 */
static int
answer_early(const struct jotd_config *cfg, char **rest, size_t n_rest)
{
    int print = 0;
    size_t i;

    for (i = 0; i < n_rest; i++) {
        if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
            help();
            return 0;
        }
        if (strcmp(rest[i], "--version") == 0) {
            printf("jotd %s\n", JOT_VERSION);
            return 0;
        }
        if (strcmp(rest[i], "--print-config") == 0)
            print = 1;
    }
    if (print) {
        jotd_config_print(cfg, stdout);
        return 0;
    }
    if (n_rest > 0 && strcmp(rest[0], "serve") != 0 &&
        !jotd_cmd_known(rest[0])) {
        fprintf(stderr, "jotd: unknown command or option '%s' "
                        "(see jotd --help)\n", rest[0]);
        return 2;
    }
    if (n_rest > 1 && strcmp(rest[0], "serve") == 0) {
        fprintf(stderr, "jotd: serve: unexpected argument '%s' "
                        "(see jotd --help)\n", rest[1]);
        return 2;
    }
    return -1;
}

/* The engine's cause without the name of the operation it gave, when
 * the message names it already. */
static const char *
cause_of(const char *cause, const char *op)
{
    size_t n = strlen(op);

    if (cause[0] == '\0')
        return "unknown cause";
    return strncmp(cause, op, n) == 0 ? cause + n : cause;
}

/* Opens and migrates the database, derives the server's keys; then
 * serves or runs the subcommand of rest.  The exit status. */
static int
run(struct jotd *j, char **rest, size_t n_rest, sigset_t *signals)
{
    const struct jotd_config *cfg = jotd_cfg(j);
    jotd_store *st;
    char err[512], db[2 * sizeof cfg->db];
    int version = 0, rc = 1;

    /* Down at start, jotd exits with the reason rather than wait: its
     * supervisor restarts it, and says why in its own log meanwhile. */
    st = jotd_store_open(cfg->db, err, sizeof err);
    if (st == NULL) {
        fprintf(stderr, "jotd: cannot connect to the database: %s\n", err);
        return 1;
    }
    if (st->ops->migrate(st, &version) != JOTD_STORE_OK) {
        jotd_config_db_shown(cfg, db, sizeof db);
        st->ops->last_error(st, err, sizeof err);
        fprintf(stderr, "jotd: %s: cannot migrate the database: %s\n", db,
                cause_of(err, "migrate: "));
    } else if (jotd_secrets_setup(j, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
    } else if (n_rest == 0 || strcmp(rest[0], "serve") == 0) {
        jotd_config_warn(cfg, jotd_log_message);
        rc = serve(j, st, signals);
    } else {
        if (strcmp(rest[0], "migrate") == 0)
            printf("schema version %d\n", version);
        rc = jotd_admin_run(j, st, rest, n_rest);
    }
    jotd_store_close(st);
    return rc;
}

int
main(int argc, char **argv)
{
    static struct jotd j;
    struct jotd_config *cfg;
    char *rest[MAX_ARGS], err[512];
    size_t n_rest = 0;
    sigset_t signals;
    int rc;

    if (argc > MAX_ARGS) {
        fprintf(stderr, "jotd: too many arguments\n");
        return 2;
    }
    block_signals(&signals);
    cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL)
        return 2;
    if (jotd_config_load(cfg, argc, argv, rest, &n_rest, err,
                         sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        jotd_config_free(cfg);
        return 2;
    }
    jotd_snapshot_init(&j);
    jotd_dbhealth_init(&j.db);
    atomic_init(&j.cfg, cfg);
    j.argc = argc;
    j.argv = argv;
    rc = answer_early(cfg, rest, n_rest);
    if (rc < 0) {
        jotd_log_init(cfg->log_format);
        rc = run(&j, rest, n_rest, &signals);
    }
    jotd_snapshot_finish(&j);
    jotd_dbhealth_destroy(&j.db);
    jot_keyset_free(j.refresh_keys);
    jot_wipe(j.seal_key, sizeof j.seal_key);
    return rc;
}
