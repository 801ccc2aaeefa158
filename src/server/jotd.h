/*
 * jotd.h - the state a running jotd shares between its threads, and the
 * small helpers every module uses.
 */
#ifndef JOTD_JOTD_H
#define JOTD_JOTD_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <jot/jot.h>

#include "core/config.h"
#include "core/dbhealth.h"
#include "core/metrics.h"
#include "core/seal.h"
#include "core/snapshot.h"
#include "store/store.h"
#include "util.h"

struct jotd_keys;       /* keys.c: the signing and verification keys */
struct jotd_revoked;    /* revocation.c: recently revoked sessions */
struct jotd_workers;    /* workers.c: the pool for blocking work */
struct jotd_http;       /* http/server.c: the daemon and its socket */

struct jotd {
    /* The configuration, replaced whole by a SIGHUP reload: read it with
     * jotd_cfg(), once per request (struct jotd_req keeps it), under a
     * pin (core/snapshot.h). */
    _Atomic(struct jotd_config *) cfg;
    unsigned char seal_key[JOTD_DERIVED_LEN];   /* seals private keys */
    jot_keyset *refresh_keys;   /* the internal HS256 key, alone */
    const jot_key *refresh_key;
    /* Swapped whole by the sync thread; readers load them without locks
     * under a pin (core/snapshot.h says how old values are freed). */
    _Atomic(struct jotd_keys *) keys;
    _Atomic(struct jotd_revoked *) revoked;
    pthread_mutex_t swap_lock;  /* serialises writers of the three above
                                 * and guards snap's retired list; only
                                 * snapshot.c takes it */
    struct jotd_snapshots snap; /* what was replaced, and its readers */
    struct jotd_workers *workers;
    /* Bounds the password hashes computed at once, each argon2id hash
     * holding 19 MiB (password.c takes and gives them). */
    sem_t hash_slots;
    struct jotd_http *http;     /* set by jotd_http_start */
    /* Moves whenever the keys or the configuration are replaced, so
     * that what was verified under the old ones is verified again. */
    atomic_uint_fast64_t epoch;
    atomic_int stopping;
    atomic_int reload;          /* set by SIGHUP */
    struct jotd_dbhealth db;    /* the database's failures, for the log
                                 * and /healthz (core/dbhealth.h) */
    struct jotd_metrics metrics;    /* for GET /metrics (core/metrics.h) */
    int argc;                   /* the command line, for reloads */
    char **argv;
};

/* The current configuration (borrowed: valid while the caller holds
 * the pin it took before this call, see core/snapshot.h). */
static inline const struct jotd_config *
jotd_cfg(struct jotd *j)
{
    return atomic_load_explicit(&j->cfg, memory_order_acquire);
}

#endif /* JOTD_JOTD_H */
