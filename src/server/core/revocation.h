/*
 * revocation.h - the set of sessions revoked within the last access_ttl
 * seconds, so that an access token of a revoked session is refused
 * without a database call per request.
 */
#ifndef JOTD_REVOCATION_H
#define JOTD_REVOCATION_H

#include "jotd.h"

/* The current set (borrowed: valid while the caller holds the pin it
 * took before this call, see core/snapshot.h). */
const struct jotd_revoked *jotd_revoked_current(struct jotd *j);

/* 1 when session id sid is in set (NULL: an empty set). */
int jotd_revoked_contains(const struct jotd_revoked *set, const char *sid);

/* Rebuilds the set from the database.  JOTD_ERR_UNAVAILABLE when the
 * database failed, JOTD_ERR_NOMEM (the old set stays either way).  It
 * reads jotd_cfg(j): call it under a pin, or before other threads
 * start. */
jotd_err jotd_revoked_sync(struct jotd *j, jotd_store *st);

/* Adds sid at once, for a revocation made on this node; needs no pin
 * (the set is read under the writers' lock). */
void jotd_revoked_add(struct jotd *j, const char *sid);

/* Frees a set (for the snapshot layer; NULL: nothing). */
void jotd_revoked_free(void *set);

#endif /* JOTD_REVOCATION_H */
