/*
 * sessions.h - the rules of a session, once: opening one at login, the
 * refresh (its judge, the rotation compare-and-set, reuse detection),
 * and the revocations of logout.  The HTTP handlers and, in time, the
 * OAuth token endpoint come here; none of them touches the store.
 */
#ifndef JOTD_SESSIONS_H
#define JOTD_SESSIONS_H

#include "core/accounts.h"

/* What a refresh token of some generation gets from its session. */
enum jotd_refresh_verdict {
    JOTD_REFRESH_ROTATE,    /* the current generation: rotated */
    JOTD_REFRESH_GRACE,     /* one behind, within refresh_reuse_grace: a
                               race, answered with the current one */
    JOTD_REFRESH_REUSE      /* anything else: the session is revoked */
};

/*
 * The verdict for a refresh token of generation gen against session s
 * at now (ms), under cfg's refresh_reuse_grace (API.md).
 */
enum jotd_refresh_verdict jotd_session_judge(const struct jotd_config *cfg,
                                             const struct jotd_session *s,
                                             int64_t gen, int64_t now);

/*
 * Opens a session of u at op->now from op->ip with user_agent (NULL:
 * none; truncated to fit); *out gets it.  JOTD_ERR_UNAVAILABLE,
 * JOTD_ERR_INTERNAL.
 */
jotd_err jotd_session_open(const struct jotd_op *op,
                           const struct jotd_user *u, const char *user_agent,
                           struct jotd_session *out);

/*
 * A login: jotd_account_authenticate, then a new session for client_id
 * (NULL: none asked, so default_client_id; else checked by the caller
 * with jotd_client_id_check), audited as "login".  *u_out and *s_out
 * get the user and the session on success; the errors are those of
 * jotd_account_authenticate and jotd_session_open.  /v1/auth/login and
 * /oauth/token's password grant both come here.
 */
jotd_err jotd_session_login(const struct jotd_op *op, const char *name,
                            size_t name_len, const char *pw, size_t pw_len,
                            const char *user_agent, const char *client_id,
                            struct jotd_user *u_out,
                            struct jotd_session *s_out,
                            int64_t *retry_after);

/*
 * A refresh with token (token_len octets): verifies it, checks a
 * presented access token (access, access_len; NULL when none was sent)
 * belongs to the same session and user, expired or not, then reads,
 * judges and rotates the session with a compare-and-set, so that of
 * racing refreshes on any number of nodes exactly one rotates.  Reuse
 * revokes the whole session, on this node at once.  On success *u_out
 * and *s_out get the user and the session as it now is (its current
 * generation, for the new token pair) and *verdict ROTATE or GRACE.
 * JOTD_ERR_GRANT with *why (static) for a token that gets nothing,
 * JOTD_ERR_UNAVAILABLE, JOTD_ERR_INTERNAL and JOTD_ERR_NOMEM (*why set
 * too).
 */
jotd_err jotd_session_refresh(const struct jotd_op *op, const char *token,
                              size_t token_len, const char *access,
                              size_t access_len, struct jotd_user *u_out,
                              struct jotd_session *s_out,
                              enum jotd_refresh_verdict *verdict,
                              const char **why);

/*
 * jotd_session_refresh for the OAuth client client_id (NULL: any), as
 * /oauth/token's refresh_token grant asks: a current token of a session
 * opened for another client (or, with none recorded, for other than
 * default_client_id) is JOTD_ERR_GRANT and does not rotate; a reused
 * one revokes the session whoever presents it.
 */
jotd_err jotd_session_refresh_client(const struct jotd_op *op,
                                     const char *token, size_t token_len,
                                     const char *access, size_t access_len,
                                     const char *client_id,
                                     struct jotd_user *u_out,
                                     struct jotd_session *s_out,
                                     enum jotd_refresh_verdict *verdict,
                                     const char **why);

/* What a logout revokes (API.md: ?scope=). */
enum jotd_logout_scope {
    JOTD_LOGOUT_LOCAL,      /* this session */
    JOTD_LOGOUT_GLOBAL,     /* every session of the user */
    JOTD_LOGOUT_OTHERS      /* every session of the user but this one */
};

/* The scope named name (NULL: local); JOTD_ERR_INVALID for another. */
jotd_err jotd_logout_scope_of(const char *name,
                              enum jotd_logout_scope *out);

/*
 * Logs session sid of user_id out in scope, audited as "logout".  When
 * sid itself is revoked, this node refuses its access tokens at once
 * (its revoked set), the other nodes within revocation_sync seconds.
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_session_logout(const struct jotd_op *op, const char *user_id,
                             const char *sid, enum jotd_logout_scope scope);

/*
 * Revokes session sid of user_id (reason "logout"), audited as
 * "session_revoked".  JOTD_ERR_NOT_FOUND for a session that is not the
 * user's or not live (someone else's is as absent as one that never
 * was), JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_session_revoke_own(const struct jotd_op *op,
                                 const char *user_id, const char *sid);

/*
 * Revokes session sid, whoever's it is (reason "admin"), audited as
 * "session_revoked" with detail (short JSON text or NULL, borrowed):
 * this node refuses its access tokens at once, the others when they
 * hear of it.  A session revoked already is JOTD_OK, as a second DELETE
 * of it should be; JOTD_ERR_NOT_FOUND for an unknown id,
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_session_revoke_any(const struct jotd_op *op, const char *sid,
                                 const char *detail);

/* Calls cb with each live session of user_id, newest first (see
 * store.h's listings).  JOTD_ERR_UNAVAILABLE. */
jotd_err jotd_session_list(const struct jotd_op *op, const char *user_id,
                           jotd_session_cb cb, void *ctx);

#endif /* JOTD_SESSIONS_H */
