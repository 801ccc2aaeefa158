/*
 * audit.c - audit events, to the database and the log.
 */
#include "core/audit.h"
#include "core/log.h"

void
jotd_audit(jotd_store *st, const char *ip, const char *kind,
           const char *user_id, const char *session_id, const char *detail)
{
    jotd_log_audit(kind, user_id, session_id, ip, detail);
    if (st != NULL)
        (void)st->ops->audit(st, jotd_now_ms(), kind, user_id, session_id,
                             ip, detail);
}
