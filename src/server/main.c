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

#include "admin.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "revocation.h"
#include "routes.h"
#include "workers.h"

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

    if (jotd_secret_load(&j->cfg, secret, sizeof secret, &secret_len,
                         &created, err, err_len) != 0)
        return -1;
    if (created)
        jotd_log_message("jotd", "generated a new server secret in %s",
                         j->cfg.secret_file[0] ? j->cfg.secret_file
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
            next_rev = now + j->cfg.revocation_sync * 1000;
        }
        if (now >= next_keys) {
            if (jotd_keys_load(j, c->st, 0, err, sizeof err) != 0)
                jotd_log_message("jotd", "key sync failed: %s", err);
            next_keys = now + j->cfg.key_sync * 1000;
        }
        jotd_defer_collect(0);
        nanosleep(&tick, NULL);
    }
    return NULL;
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
    unsigned workers = j->cfg.hash_workers ? j->cfg.hash_workers
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
    j->workers = jotd_workers_start(workers, 1024, j->cfg.db, err,
                                    sizeof err);
    if (j->workers == NULL) {
        fprintf(stderr, "jotd: %s\n", err);
        return 1;
    }
    if (jotd_http_start(j, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        jotd_workers_stop(j->workers);
        return 1;
    }
    pthread_create(&sync_thread, NULL, sync_main, &sc);
    jotd_log_message("jotd", "listening on %s (%s, %s)", j->cfg.issuer,
                     j->cfg.db, jot_alg_name(j->cfg.alg));
    for (;;) {
        if (sigwait(signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            jotd_log_message("jotd", "SIGHUP: reloading keys");
            atomic_store(&j->reload, 1);
            continue;
        }
        break;
    }
    jotd_log_message("jotd", "shutting down");
    atomic_store(&j->stopping, 1);
    jotd_http_stop();
    jotd_workers_stop(j->workers);
    jotd_http_destroy();
    pthread_join(sync_thread, NULL);
    return 0;
}

int
main(int argc, char **argv)
{
    static struct jotd j;
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

    if (jotd_config_load(&j.cfg, argc, argv, rest, &n_rest, err,
                         sizeof err) != 0 ||
        jotd_config_finish(&j.cfg, err, sizeof err) != 0) {
        fprintf(stderr, "jotd: %s\n", err);
        return 2;
    }
    for (i = 0; i < n_rest; i++) {
        if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
            help();
            return 0;
        }
        if (strcmp(rest[i], "--print-config") == 0)
            print = 1;
    }
    if (print) {
        jotd_config_print(&j.cfg, stdout);
        return 0;
    }
    if (n_rest > 0 && strcmp(rest[0], "serve") != 0 &&
        strcmp(rest[0], "user") != 0 && strcmp(rest[0], "keys") != 0 &&
        strcmp(rest[0], "migrate") != 0) {
        fprintf(stderr, "jotd: unknown command or option '%s' "
                        "(see jotd --help)\n", rest[0]);
        return 2;
    }
    jotd_log_init(j.cfg.log_format);
    pthread_mutex_init(&j.swap_lock, NULL);
    st = jotd_store_open(j.cfg.db, err, sizeof err);
    if (st == NULL) {
        fprintf(stderr, "jotd: %s\n", err);
        return 1;
    }
    if (st->ops->migrate(st, &version) != JOTD_STORE_OK) {
        fprintf(stderr, "jotd: %s: cannot migrate the database\n", j.cfg.db);
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
    return rc;
}
