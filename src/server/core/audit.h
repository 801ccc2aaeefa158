/*
 * audit.h - the audit trail: security events (logins, failures,
 * revocations, password changes) as rows of the database and lines of
 * the log.  No HTTP here: the client is its address, as a string.
 */
#ifndef JOTD_AUDIT_H
#define JOTD_AUDIT_H

#include "store/store.h"

/* How often counted events are written (ms), and how many (kind,
 * address) pairs are counted apart in between, the last of them under
 * the address "*" for every address that found no slot. */
#define JOTD_AUDIT_COUNT_MS 10000
#define JOTD_AUDIT_COUNT_SLOTS 256

/*
 * Records the event kind ("login", "login_failed", "refresh_reuse", ...)
 * in the log and, when st is not NULL, as a row of the database (a
 * failed write is not reported: the event has happened either way).
 * ip is the client's address, user_id, session_id and detail (short JSON
 * text or a word) may be NULL; all borrowed.
 *
 * Events that a flood repeats by the thousand ("throttled": every 429)
 * are counted instead, per (kind, address), and written by
 * jotd_audit_flush as one row and one log line per pair and interval,
 * with detail {"count":N,"first":"<RFC 3339>"}.
 */
void jotd_audit(jotd_store *st, const char *ip, const char *kind,
                const char *user_id, const char *session_id,
                const char *detail);

/*
 * A routine event that goes to the log only, with no row (a refresh:
 * the session row records its use): the same line as jotd_audit's, but
 * through the calling thread's log buffer, as request lines are, rather
 * than a write(2) of its own on the busiest path.  All borrowed.
 */
void jotd_audit_routine(const char *ip, const char *kind,
                        const char *user_id, const char *session_id);

/*
 * Writes the counted events to st (borrowed) and the log, and starts a
 * new interval, when JOTD_AUDIT_COUNT_MS have passed since the current
 * one began at now (ms), or at once when force.  The sync thread calls
 * it every tick, and with force as jotd stops.
 */
void jotd_audit_flush(jotd_store *st, int64_t now, int force);

#endif /* JOTD_AUDIT_H */
