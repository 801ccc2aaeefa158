/*
 * access.h - the check of an access token presented as a bearer
 * credential (RFC 6750): one function, with no HTTP in it, which the
 * route guards and the refresh handler's presented-token check share.
 */
#ifndef JOTD_ACCESS_H
#define JOTD_ACCESS_H

#include "jotd.h"

/* Who a valid bearer access token speaks for. */
struct jotd_principal {
    char sub[JOTD_ID_LEN + 1];
    char sid[JOTD_ID_LEN + 1];
    char roles[512];            /* comma-separated */
    int is_admin;
};

/*
 * What one check reads, taken once per request so that a reload or a
 * key rotation in the middle of it cannot mix two configurations.  All
 * borrowed; revoked may be NULL (no revocation check).
 */
struct jotd_access_view {
    const struct jotd_config *cfg;
    const struct jotd_keys *keys;
    const struct jotd_revoked *revoked;
    uint64_t epoch;             /* of cfg and keys, for the cache */
};

/*
 * The view of a request that loaded epoch, then cfg (in that order),
 * with the keys and the revoked set of the moment.
 */
void jotd_access_view_now(struct jotd *j, uint64_t epoch,
                          const struct jotd_config *cfg,
                          struct jotd_access_view *out);

#define JOTD_ACCESS_IGNORE_TIME 1u  /* an expired token still matches */

/*
 * Checks tok (len octets, borrowed): signature under v->keys, typ
 * at+jwt, issuer, audience, exp/nbf at now (seconds) with the
 * configured leeway unless JOTD_ACCESS_IGNORE_TIME, the ids and roles
 * jotd puts in it, and that its session is not in v->revoked.  A token
 * verified before in the same epoch comes from this thread's cache
 * (when verify_cache is on), and only its time and revocation are
 * checked again.  JOT_OK with *who filled; JOT_ERR_REVOKED for a
 * revoked session; JOT_ERR_NOMEM and JOT_ERR_CRYPTO are the server's
 * failures, every other code the token's.
 */
JOT_NODISCARD jot_err jotd_access_check(const struct jotd_access_view *v,
                                        const char *tok, size_t len,
                                        int64_t now, unsigned flags,
                                        struct jotd_principal *who);

/*
 * The error_description of API.md for a refused token.  NULL for the
 * codes that are the server's failure, not the token's (answer 500).
 */
const char *jotd_access_describe(jot_err err);

#endif /* JOTD_ACCESS_H */
