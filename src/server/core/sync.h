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
 * Starts the thread.  It hears of a revocation or a key change on any
 * node at once: on PostgreSQL through a listening connection of its own
 * (on db_listen, or db), on SQLite by reading the change counters every
 * tick; then it reads only the new revocations, or the keys again.  It
 * also reads the revocations whole every revocation_sync seconds and
 * the keys every key_sync seconds (the safety net, and all there is
 * with db_listen = off), both at once after a reload (j->reload) or
 * once the listening connection is back; a pruning pass
 * (core/retention.h) every 10 s; and the collection of retired
 * snapshots, the log flush and that of the counted audit events
 * (core/audit.h) every tenth of a second.  st (borrowed) is the
 * thread's own store, used until jotd_sync_stop returns.  NULL with a
 * message in err.
 */
struct jotd_sync *jotd_sync_start(struct jotd *j, jotd_store *st, char *err,
                                  size_t err_len);

/* Waits for the thread, which ends within a tick of j->stopping being
 * set, writes the audit events still counted, and frees s (NULL:
 * nothing).  Call it once nothing else can record an event. */
void jotd_sync_stop(struct jotd_sync *s);

#endif /* JOTD_SYNC_H */
