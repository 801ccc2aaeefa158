/*
 * guards.h - what a route demands before its handler runs: a valid
 * bearer access token (RFC 6750), the admin role, open registration.
 * A route of api/routes.c carries its guard; http/ calls it without
 * knowing what it checks.
 */
#ifndef JOTD_GUARDS_H
#define JOTD_GUARDS_H

#include "http/http.h"

/*
 * Each guard returns 0 when the request may go on (r->who filled when
 * it checked a token), or -1 when it has answered the request (401 with
 * RFC 6750's WWW-Authenticate, 403, or 500 for a server failure).
 */
int jotd_guard_bearer(struct jotd_req *r);
int jotd_guard_admin(struct jotd_req *r);
/* POST /v1/users: registration open, or admin-only and an admin asks. */
int jotd_guard_signup(struct jotd_req *r);

/*
 * The token of an Authorization header that uses the Bearer scheme (the
 * scheme name in any case), or NULL; *len gets its length.
 */
const char *jotd_bearer_token(const char *header, size_t *len);

/* Answers 401 invalid_token with RFC 6750's WWW-Authenticate; a NULL
 * description means no credentials were sent. */
void jotd_guard_refuse(struct jotd_req *r, const char *description);

#endif /* JOTD_GUARDS_H */
