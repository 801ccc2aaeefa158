/*
 * vcache.h - a small per-thread cache of verified access tokens.
 *
 * A token seen before skips the signature check: the cache holds what
 * the check established (subject, session, roles, exp, nbf) keyed by the
 * whole token (slot chosen by a keyed hash, token compared in constant
 * time) and the epoch it was verified in: the epoch moves whenever the
 * keys or the configuration change.  Expiry and revocation are still
 * checked on every request by the caller.
 */
#ifndef JOTD_VCACHE_H
#define JOTD_VCACHE_H

#include "core/access.h"

struct jotd_vcache_hit {
    struct jotd_principal who;
    struct jot_times times;     /* exp and nbf, for jot_times_check */
};

/*
 * Looks tok up in this thread's cache; 1 with *hit filled when it was
 * verified before in the same epoch (see struct jotd), else 0.
 */
int jotd_vcache_get(uint64_t epoch, const char *tok, size_t len,
                    struct jotd_vcache_hit *hit);

/* Remembers a token whose signature and claims just verified. */
void jotd_vcache_put(uint64_t epoch, const char *tok, size_t len,
                     const struct jotd_vcache_hit *hit);

#endif /* JOTD_VCACHE_H */
