/*
 * audit.h - the audit trail: security events (logins, failures,
 * revocations, password changes) as rows of the database and lines of
 * the log.  No HTTP here: the client is its address, as a string.
 */
#ifndef JOTD_AUDIT_H
#define JOTD_AUDIT_H

#include "store/store.h"

/*
 * Records the event kind ("login", "login_failed", "refresh_reuse", ...)
 * in the log and, when st is not NULL, as a row of the database (a
 * failed write is not reported: the event has happened either way).
 * ip is the client's address, user_id, session_id and detail (short JSON
 * text or a word) may be NULL; all borrowed.
 */
void jotd_audit(jotd_store *st, const char *ip, const char *kind,
                const char *user_id, const char *session_id,
                const char *detail);

#endif /* JOTD_AUDIT_H */
