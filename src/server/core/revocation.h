/*
 * revocation.h - the set of recently revoked sessions (for as long as
 * one of their access tokens can be accepted, jotd_revoked_window_ms),
 * so that an access token of a revoked session is refused without a
 * database call per request.
 */
#ifndef JOTD_REVOCATION_H
#define JOTD_REVOCATION_H

#include "jotd.h"

/* The current set (borrowed: valid while the caller holds the pin it
 * took before this call, see core/snapshot.h). */
const struct jotd_revoked *jotd_revoked_current(struct jotd *j);

/* 1 when session id sid is in set (NULL: an empty set). */
int jotd_revoked_contains(const struct jotd_revoked *set, const char *sid);

/* Records the configured access_ttl in the store (setting_raise) and
 * rebuilds the set from the database, with the window of the largest
 * access_ttl recorded.  JOTD_ERR_UNAVAILABLE when the database failed,
 * JOTD_ERR_NOMEM (the old set stays either way).  It reads jotd_cfg(j):
 * call it under a pin, or before other threads start. */
jotd_err jotd_revoked_sync(struct jotd *j, jotd_store *st);

/* Adds sid at once, for a revocation made on this node; needs no pin
 * (the set is read under the writers' lock). */
void jotd_revoked_add(struct jotd *j, const char *sid);

/*
 * A jotd_revoked_cb (store.h) for session_revoke_user: adds each session
 * id revoked to the set of ctx, a struct jotd (NULL: nothing), at once,
 * as jotd_revoked_add does.  Always returns 0.
 */
int jotd_revoked_add_cb(void *ctx, const char *sid, int64_t revoked_at);

/* The name under which the store keeps the largest access_ttl ever in
 * force (setting_raise). */
#define JOTD_SETTING_MAX_ACCESS_TTL "max_access_ttl"

/*
 * How long (ms) a revoked session stays in the set: as long as one of
 * its access tokens can still be accepted.  A token issued before the
 * revocation expires at most max_access_ttl seconds after it (the
 * largest access_ttl ever in force, so a lower one after a restart does
 * not shorten the wait), is accepted until leeway seconds past that, and
 * the node that revoked it may run clock_skew seconds ahead of this one.
 * All three are seconds, >= 0; the sum saturates rather than wraps.
 */
int64_t jotd_revoked_window_ms(int64_t max_access_ttl, int64_t leeway,
                               int64_t clock_skew);

/* The window the current set was built with (0: no set yet). */
int64_t jotd_revoked_window_current(struct jotd *j);

/* Frees a set (for the snapshot layer; NULL: nothing). */
void jotd_revoked_free(void *set);

#endif /* JOTD_REVOCATION_H */
