/*
 * keys.h - the access-token signing keys: kept in the database, private
 * parts sealed under the server secret, loaded into an immutable
 * snapshot that request threads read without locks.
 */
#ifndef JOTD_KEYS_H
#define JOTD_KEYS_H

#include "jotd.h"

/* An immutable snapshot of the keys. */
struct jotd_keys {
    jot_key *signer;            /* the active key (private) */
    jot_keyset *verify;         /* active and recently retired keys */
    char *jwks;                 /* {"keys":[...]}: public JWKs only */
    char fingerprint[512];      /* kids and states, to notice changes */
    int64_t active_at;          /* ms the signer was activated (0: none) */
};

/* The current snapshot (borrowed: valid while the caller holds the pin
 * it took before this call, see core/snapshot.h). */
struct jotd_keys *jotd_keys_current(struct jotd *j);

/*
 * Reads the keys from st and swaps in a new snapshot when they changed.
 * With ensure set, first creates and activates a key of cfg.alg when
 * there is no active key or the active one is of another algorithm.
 * A jotd_err with a message in err.  It reads jotd_cfg(j): call it
 * under a pin (core/snapshot.h), or before other threads start.
 */
jotd_err jotd_keys_load(struct jotd *j, jotd_store *st, int ensure, char *err,
                        size_t err_len);

/*
 * Creates a key of alg, stores it sealed, and makes it the active one
 * (the previous active key is retired).  Its kid goes to kid_out.
 * JOTD_ERR_INTERNAL or JOTD_ERR_UNAVAILABLE with a message in err.
 */
jotd_err jotd_keys_rotate(struct jotd *j, jotd_store *st, jot_alg alg,
                          char kid_out[128], char *err, size_t err_len);

/*
 * The state of stored key k at now (ms) under cfg, as the listings name
 * it (static): "active" (signs), "retired" (no longer signs, still
 * verifies and is published), "expired" (retired longer ago than
 * access_ttl + jwks_max_age: gone from the JWKS) or "inactive" (never
 * activated, so nothing was signed with it).  *expires_at (may be NULL)
 * gets when a retired key leaves the JWKS (ms), else 0.  The snapshot
 * keeps exactly the active and retired keys.
 */
const char *jotd_key_state(const struct jotd_config *cfg,
                           const struct jotd_signing_key *k, int64_t now,
                           int64_t *expires_at);

/* Calls cb with each stored key, oldest first (see store.h's
 * listings).  JOTD_ERR_UNAVAILABLE. */
jotd_err jotd_keys_each(jotd_store *st, jotd_key_cb cb, void *ctx);

/* Frees a snapshot (for the snapshot layer; NULL: nothing). */
void jotd_keys_free(void *keys);

#endif /* JOTD_KEYS_H */
