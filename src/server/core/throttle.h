/*
 * throttle.h - throttling of failed password checks (API.md), with the
 * counters in the database so that every node sees the same.
 */
#ifndef JOTD_THROTTLE_H
#define JOTD_THROTTLE_H

#include "jotd.h"

/* Room for an address as jotd_throttle_addr writes it. */
#define JOTD_THROTTLE_ADDR_LEN 64

/*
 * The address ip (borrowed) as the per-address counts see it, in out:
 * an IPv6 address as its /64 ("2001:db8:1:2::/64"), an IPv4-mapped one
 * as its IPv4 address, an IPv4 address as it is; any other text as it
 * is.  JOTD_ERR_INTERNAL when it does not fit.
 */
jotd_err jotd_throttle_addr(const char *ip, char out[JOTD_THROTTLE_ADDR_LEN]);

/*
 * Before a password check for (user_key, ip) at now (ms): reserves its
 * place in the counts of the pair, the address and the account, each in
 * one compare-and-set, so that concurrent checks cannot pass a limit
 * together.  JOTD_OK when the check may run: then it must be settled
 * with jotd_throttle_settle.  JOTD_ERR_THROTTLED when it must wait, with
 * *retry_after the seconds to wait (>= 1), nothing counted and the
 * refusal recorded in the audit trail ("throttled"): a refusal is not
 * itself a failure.  JOTD_ERR_UNAVAILABLE when the database failed.
 */
jotd_err jotd_throttle_reserve(jotd_store *st, const struct jotd_config *cfg,
                               const char *user_key, const char *ip,
                               int64_t now, int64_t *retry_after);

/*
 * Settles a reserved check by its result: JOTD_ERR_CREDENTIALS leaves it
 * counted as a failure; JOTD_OK clears the pair's count, gives back the
 * address's and account's places and marks ip known to the account
 * (exempt from the account-wide count); any other result (no check was
 * made) gives back every place.
 */
void jotd_throttle_settle(jotd_store *st, const struct jotd_config *cfg,
                          const char *user_key, const char *ip, int64_t now,
                          jotd_err result);

/*
 * Counts a sign-up attempt from ip at now (ms), signup_max of them per
 * signup_window seconds, in one compare-and-set (signup_max 0: no
 * limit).  JOTD_OK when it may go on; JOTD_ERR_THROTTLED with
 * *retry_after the seconds until the address's window is over (>= 1),
 * recorded in the audit trail ("signup_throttled");
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_throttle_signup(jotd_store *st, const struct jotd_config *cfg,
                              const char *ip, int64_t now,
                              int64_t *retry_after);

#endif /* JOTD_THROTTLE_H */
