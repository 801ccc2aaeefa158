/*
 * sync.h - the sync thread of a serving jotd: it brings the revoked set
 * and the signing keys up to date with the database, frees replaced
 * snapshots, and flushes the request log.
 */
#ifndef JOTD_SYNC_H
#define JOTD_SYNC_H

#include "jotd.h"

struct jotd_sync;

/*
 * Starts the thread: revocations every revocation_sync seconds, keys
 * every key_sync seconds, both at once after a reload (j->reload), a
 * pruning pass (core/retention.h) every 10 s, and the collection of
 * retired snapshots, the log flush and that of the counted audit events
 * (core/audit.h) every tenth of a second.  st (borrowed) is the thread's own store, used until
 * jotd_sync_stop returns.  NULL with a message in err.
 */
struct jotd_sync *jotd_sync_start(struct jotd *j, jotd_store *st, char *err,
                                  size_t err_len);

/* Waits for the thread, which ends within a tick of j->stopping being
 * set, writes the audit events still counted, and frees s (NULL:
 * nothing).  Call it once nothing else can record an event. */
void jotd_sync_stop(struct jotd_sync *s);

#endif /* JOTD_SYNC_H */
