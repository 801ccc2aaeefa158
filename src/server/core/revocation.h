/*
 * revocation.h - the set of recently revoked sessions (for as long as
 * one of their access tokens can be accepted, jotd_revoked_window_ms),
 * so that an access token of a revoked session is refused without a
 * database call per request.  The set also knows the last revocation
 * number (store.h) it holds, so that it can catch up with the database
 * by reading only what came after.
 */
#ifndef JOTD_REVOCATION_H
#define JOTD_REVOCATION_H

#include "jotd.h"

/* The current set (borrowed: valid while the caller holds the pin it
 * took before this call, see core/snapshot.h). */
const struct jotd_revoked *jotd_revoked_current(struct jotd *j);

/* How many sessions set holds (NULL: an empty set). */
size_t jotd_revoked_count(const struct jotd_revoked *set);

/* 1 when session id sid is in set (NULL: an empty set). */
int jotd_revoked_contains(const struct jotd_revoked *set, const char *sid);

/* Records the configured access_ttl in the store (setting_raise) and
 * rebuilds the set from the database, with the window of the largest
 * access_ttl recorded, and the revocation number read just before.
 * JOTD_ERR_UNAVAILABLE when the database failed, JOTD_ERR_NOMEM (the
 * old set stays either way).  It reads jotd_cfg(j): call it under a
 * pin, or before other threads start. */
jotd_err jotd_revoked_sync(struct jotd *j, jotd_store *st);

/* How many revoked sessions jotd_revoked_catch_up reads at a time. */
#define JOTD_CATCH_UP_BATCH 1000

/*
 * Adds the sessions revoked under numbers above the set's, at least
 * JOTD_CATCH_UP_BATCH of them when there are that many (revoked_after),
 * and moves the set's number to the last one read.  known is a number
 * read from the store before this call (0: none): when nothing more is
 * listed, the set's number moves up to it.  *more is 1 when a full
 * batch came and more may follow.  Only one thread may call it (the
 * sync thread; local additions may run meanwhile), under a pin.
 * JOTD_ERR_UNAVAILABLE or JOTD_ERR_NOMEM, the set unchanged.
 */
jotd_err jotd_revoked_catch_up(struct jotd *j, jotd_store *st, int64_t known,
                               int *more);

/* The last revocation number the current set holds (0: none). */
int64_t jotd_revoked_seq(struct jotd *j);

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
