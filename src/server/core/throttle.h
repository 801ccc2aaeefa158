/*
 * throttle.h - throttling of failed password checks (API.md), with the
 * counters in the database so that every node sees the same.
 */
#ifndef JOTD_THROTTLE_H
#define JOTD_THROTTLE_H

#include "jotd.h"

/*
 * The gate in front of a password check for (user_key, ip) at now (ms):
 * JOTD_OK when it may run; JOTD_ERR_THROTTLED when it must wait, with
 * *retry_after the seconds to wait (>= 1), the refusal recorded in the
 * audit trail ("throttled"); JOTD_ERR_UNAVAILABLE when the database
 * failed.  A refusal is not itself a failure.
 */
jotd_err jotd_throttle_gate(jotd_store *st, const struct jotd_config *cfg,
                            const char *user_key, const char *ip,
                            int64_t now, int64_t *retry_after);

/* Counts a failed password check for (user_key, ip), for ip and for
 * user_key. */
void jotd_throttle_fail(jotd_store *st, const struct jotd_config *cfg,
                        const char *user_key, const char *ip, int64_t now);

/* A success clears the (user_key, ip) count and marks ip known to the
 * account (exempt from the account-wide count). */
void jotd_throttle_success(jotd_store *st, const char *user_key,
                           const char *ip, int64_t now);

#endif /* JOTD_THROTTLE_H */
