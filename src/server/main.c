/*
 * main.c - jotd: the auth server, and its administration subcommands.
 *
 *   jotd [serve] [--key=value]...     run the server (the default)
 *   jotd --print-config                show the effective configuration
 *   jotd user|keys|migrate ...         administration (see admin.c)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "http/http.h"
#include "core/keys.h"
#include "core/log.h"
#include "core/revocation.h"
#include "api/routes.h"
#include "http/workers.h"

#define MAX_ARGS 64

static void
help(void)
{
    printf("usage: jotd [serve] [--KEY=VALUE]...\n"
           "       jotd --print-config [--KEY=VALUE]...\n"
           "       jotd user add NAME [--role ROLE]...\n"
           "       jotd user list | user disable NAME\n"
           "       jotd keys list | keys rotate [--alg ALG]\n"
           "       jotd migrate\n"
           "\n"
           "Every configuration key (see jotd.conf.example) can be given as\n"
           "--key=value, as JOTD_KEY in the environment, or in the file named\n"
           "by --config; flags win over the environment, which wins over the\n"
           "file.  The server secret comes from JOTD_SECRET or secret_file.\n");
}

/* Derives the sealing key and the refresh-token key from the secret. */
static int
setup_secrets(struct jotd *j, char *err, size_t err_len)
{
    unsigned char secret[1024], refresh[JOTD_DERIVED_LEN];
    size_t secret_len = 0;
    jot_key *key = NULL;
    int created = 0, rc = -1;

    if (jotd_secret_load(jotd_cfg(j), secret, sizeof secret, &secret_len,
                         &created, err, err_len) != 0)
        return -1;
    if (created)
        jotd_log_message("jotd", "generated a new server secret in %s",
                         jotd_cfg(j)->secret_file[0] ? jotd_cfg(j)->secret_file
                                               : "the data directory");
    if (jotd_secret_derive(secret, secret_len, "jotd key sealing v1",
                           j->seal_key) != 0 ||
        jotd_secret_derive(secret, secret_len, "jotd refresh hmac v1",
                           refresh) != 0 ||
        jot_key_from_secret(refresh, sizeof refresh, JOT_ALG_HS256, &key) !=
            JOT_OK ||
        jot_key_set_kid(key, "refresh-v1") != JOT_OK ||
        jot_keyset_new(&j->refresh_keys) != JOT_OK ||
        jot_keyset_add(j->refresh_keys, key) != JOT_OK) {
        snprintf(err, err_len, "cannot derive keys from the server secret");
        goto out;
    }
    j->refresh_key = jot_keyset_get(j->refresh_keys, 0);
    rc = 0;
out:
    jot_key_free(key);
    jot_wipe(secret, sizeof secret);
    jot_wipe(refresh, sizeof refresh);
    return rc;
}

/* The sync thread: revocations every revocation_sync seconds, keys every
 * key_sync seconds, and the freeing of replaced snapshots. */
struct sync_ctx {
    struct jotd *j;
    jotd_store *st;
};

static void *
sync_main(void *p)
{
    struct sync_ctx *c = p;
    struct jotd *j = c->j;
    int64_t now, next_rev = 0, next_keys = 0;
    struct timespec tick = {0, 100 * 1000 * 1000};
    char err[256];

    while (!atomic_load(&j->stopping)) {
        now = jotd_now_ms();
        if (atomic_exchange(&j->reload, 0))
            next_rev = next_keys = now;
        if (now >= next_rev) {
            if (jotd_revoked_sync(j, c->st) != 0)
                jotd_log_message("jotd", "revocation sync failed");
            next_rev = now + jotd_cfg(j)->revocation_sync * 1000;
        }
        if (now >= next_keys) {
            if (jotd_keys_load(j, c->st, 0, err, sizeof err) != 0)
                jotd_log_message("jotd", "key sync failed: %s", err);
            next_keys = now + jotd_cfg(j)->key_sync * 1000;
        }
        jotd_defer_collect(0);
        jotd_log_flush();
        nanosleep(&tick, NULL);
    }
    return NULL;
}

/* Config keys a running server cannot change: the listening socket,
 * the thread pools, the database, and the secret its keys are sealed
 * under.  A reload keeps their running values and says so. */
static void
keep_fixed(const struct jotd_config *old, struct jotd_config *cfg)
{
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
    KEEP_NUM(threads);
    KEEP_NUM(hash_workers);
    KEEP_STR(tls_cert);
    KEEP_STR(tls_key);
    KEEP_STR(secret);
    KEEP_STR(secret_file);
#undef KEEP_STR
#undef KEEP_NUM
#undef KEEP
}

static void
free_config(void *p)
{
    struct jotd_config *cfg = p;

    jot_wipe(cfg->secret, sizeof cfg->secret);
    free(cfg);
}

/* SIGHUP: reads the configuration again, from the same sources. */
static void
reload_config(struct jotd *j, int argc, char **argv)
{
    struct jotd_config *cfg = calloc(1, sizeof *cfg), *old;
    char *rest[MAX_ARGS], err[512];
    size_t n_rest = 0;

    if (cfg == NULL ||
        jotd_config_load(cfg, argc, argv, rest, &n_rest, err,
                         sizeof err) != 0) {
        jotd_log_message("jotd", "reload refused, configuration kept: %s",
                         cfg ? err : "out of memory");
        free(cfg);
        return;
    }
    pthread_mutex_lock(&j->swap_lock);
    old = atomic_load(&j->cfg);
    keep_fixed(old, cfg);
    atomic_store_explicit(&j->cfg, cfg, memory_order_release);
    atomic_fetch_add(&j->epoch, 1);
    jotd_defer_free(old, free_config);
    pthread_mutex_unlock(&j->swap_lock);
    jotd_log_init(cfg->log_format);
    jotd_log_message("jotd", "configuration reloaded");
}

static unsigned
cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (unsigned)n : 1;
}

static int
serve(struct jotd *j, jotd_store *st, sigset_t *signals)
{
    struct sync_ctx sc = {j, st};
    pthread_t sync_thread;
    unsigned workers = jotd_cfg(j)->hash_workers ? jotd_cfg(j)->hash_workers
                                           : cores() + 2;
    char err[256];
    int sig;

    if (jotd_keys_load(j, st, 1, err, sizeof err) != 0 ||
        jotd_revoked_sync(j, st) != 0) {
        fprintf(stderr, "jotd: %s\n",
                err[0] ? err : "cannot read revoked sessions");
        return 1;
    }
    /* Hashing is bounded by cores (each argon2id hash holds 19 MiB);
     * the extra workers keep database-only requests moving meanwhile. */
    jotd_hash_slots_init(cores());
    j->workers = jotd_workers_start(workers, 1024, jotd_cfg(j)->db, err,
                                    sizeof err);
    if (j->workers == NULL) {
        fprintf(stderr, "jotd: %s\n", err);
        return 1;
    }
    if (jotd_http_start(j, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        jotd_workers_free(j->workers);
        return 1;
    }
    pthread_create(&sync_thread, NULL, sync_main, &sc);
    jotd_log_message("jotd", "listening on %s (%s, %s)", jotd_cfg(j)->issuer,
                     jotd_cfg(j)->db, jot_alg_name(jotd_cfg(j)->alg));
    for (;;) {
        if (sigwait(signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_config(j, j->argc, j->argv);
            atomic_store(&j->reload, 1);    /* keys and revocations too */
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
    pthread_join(sync_thread, NULL);
    jotd_log_shutdown();
    return 0;
}

int
main(int argc, char **argv)
{
    static struct jotd j;
    struct jotd_config *cfg;
    char *rest[MAX_ARGS], err[512];
    size_t n_rest = 0, i;
    jotd_store *st = NULL;
    sigset_t signals;
    int version = 0, print = 0, rc = 2;

    if (argc > MAX_ARGS) {
        fprintf(stderr, "jotd: too many arguments\n");
        return 2;
    }
    /* Signals are taken by sigwait in the main thread only: block them
     * before any thread starts, so every thread inherits the mask. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL)
        return 2;
    if (jotd_config_load(cfg, argc, argv, rest, &n_rest, err,
                         sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        free_config(cfg);
        return 2;
    }
    atomic_init(&j.cfg, cfg);
    j.argc = argc;
    j.argv = argv;
    for (i = 0; i < n_rest; i++) {
        if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
            help();
            rc = 0;
            goto out;
        }
        if (strcmp(rest[i], "--print-config") == 0)
            print = 1;
    }
    if (print) {
        jotd_config_print(cfg, stdout);
        rc = 0;
        goto out;
    }
    if (n_rest > 0 && strcmp(rest[0], "serve") != 0 &&
        strcmp(rest[0], "user") != 0 && strcmp(rest[0], "keys") != 0 &&
        strcmp(rest[0], "migrate") != 0) {
        fprintf(stderr, "jotd: unknown command or option '%s' "
                        "(see jotd --help)\n", rest[0]);
        goto out;
    }
    jotd_log_init(cfg->log_format);
    pthread_mutex_init(&j.swap_lock, NULL);
    st = jotd_store_open(cfg->db, err, sizeof err);
    if (st == NULL) {
        fprintf(stderr, "jotd: %s\n", err);
        rc = 1;
        goto out;
    }
    if (st->ops->migrate(st, &version) != JOTD_STORE_OK) {
        fprintf(stderr, "jotd: %s: cannot migrate the database\n", cfg->db);
        rc = 1;
        goto out;
    }
    if (setup_secrets(&j, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        rc = 1;
        goto out;
    }
    if (n_rest > 0 && strcmp(rest[0], "migrate") == 0)
        printf("schema version %d\n", version);
    if (n_rest == 0 || strcmp(rest[0], "serve") == 0)
        rc = serve(&j, st, &signals);
    else
        rc = jotd_admin_run(&j, st, rest, n_rest);
out:
    jotd_keys_free(atomic_load(&j.keys));
    jotd_revoked_free(atomic_load(&j.revoked));
    jotd_defer_collect(1);
    jot_keyset_free(j.refresh_keys);
    jot_wipe(j.seal_key, sizeof j.seal_key);
    jotd_store_close(st);
    free_config(atomic_load(&j.cfg));
    return rc;
}
