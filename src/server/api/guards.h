/*
 * auth.h - bearer authentication (RFC 6750) of requests.
 */
#ifndef JOTD_AUTH_H
#define JOTD_AUTH_H

#include "http/http.h"

/*
 * Checks the request's Authorization: Bearer access token: signature,
 * claims, and that its session is not in the revoked set.  0 with *who
 * filled, or -1 with the 401 answer (and its WWW-Authenticate) set.
 */
int jotd_auth_bearer(struct jotd_req *r, struct jotd_principal *who);

/*
 * The token of an Authorization header that uses the Bearer scheme (the
 * scheme name in any case), or NULL; *len gets its length.
 */
const char *jotd_auth_bearer_token(const char *header, size_t *len);

/* The error_description of API.md for a failed token check. */
const char *jotd_auth_describe(jot_err err);

/*
 * Fills who from a verified access token.  -1 when sub or sid is not a
 * session or user id, or a role holds a character that cannot go into
 * an HTTP header (the token is then refused).
 */
int jotd_auth_principal(const jot_jwt *jwt, struct jotd_principal *who);

/* Answers 401 invalid_token with RFC 6750's WWW-Authenticate; a NULL
 * description means no credentials were sent. */
void jotd_auth_refuse(struct jotd_req *r, const char *description);

#endif /* JOTD_AUTH_H */
