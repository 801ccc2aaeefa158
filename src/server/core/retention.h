/*
 * retention.h - pruning by age of what would otherwise grow for ever:
 * audit rows, throttling buckets whose window is over, and sessions
 * long revoked or expired.  The sync thread runs it, a bounded batch at
 * a time.
 */
#ifndef JOTD_RETENTION_H
#define JOTD_RETENTION_H

#include "jotd.h"

/* Rows each kind of pass deletes at most: a few hundred, so that one
 * pass never holds the database's write lock for long. */
#define JOTD_PRUNE_BATCH 200

/*
 * One pass at now (ms) with cfg (borrowed): deletes at most limit audit
 * rows older than audit_retention, limit throttling buckets whose last
 * failure is older than their window, and limit sessions revoked or
 * expired longer ago than session_retention, but never a revoked session
 * within revoked_window_ms (jotd_revoked_window_ms: one of its access
 * tokens may still be accepted; 0, no set built yet: no session is
 * pruned).  *n_deleted gets the rows deleted in all; when it reaches
 * limit for one kind, *more is set: call again soon.  JOTD_OK, or
 * JOTD_ERR_UNAVAILABLE when the database failed (what was deleted
 * stays deleted).
 */
jotd_err jotd_retention_pass(const struct jotd_config *cfg, jotd_store *st,
                             int64_t now, int64_t revoked_window_ms,
                             size_t limit, size_t *n_deleted, int *more);

#endif /* JOTD_RETENTION_H */
