/*
 * tokens.h - issuing and checking jotd's two tokens (API.md "Tokens").
 */
#ifndef JOTD_TOKENS_H
#define JOTD_TOKENS_H

#include "jotd.h"

#define JOTD_TYP_ACCESS "at+jwt"
#define JOTD_TYP_REFRESH "refresh+jwt"

struct jotd_token_pair {
    char *access;               /* jot_free */
    char *refresh;              /* jot_free */
    int64_t expires_in;         /* seconds */
    int64_t refresh_expires_in; /* seconds */
};

/*
 * Issues an access token and a refresh token of generation s->gen for
 * user u's session s at now (ms).  The refresh token expires with the
 * session (s->expires_at).  JOTD_ERR_INTERNAL when signing fails.
 */
jotd_err jotd_tokens_issue(struct jotd *j, const struct jotd_config *cfg,
                           const struct jotd_user *u,
                           const struct jotd_session *s, int64_t now,
                           struct jotd_token_pair *out);

/* Frees the tokens of a pair. */
void jotd_tokens_clear(struct jotd_token_pair *p);

/* The token response body of API.md, as JSON text (the caller frees),
 * or NULL without memory. */
char *jotd_tokens_response(const struct jotd_token_pair *p,
                           const char *session_id);

struct jotd_keys;

/*
 * Verifies an access token under cfg and keys (both borrowed, as the
 * caller's request holds them): signature, typ at+jwt, issuer,
 * audience, exp/nbf at now (seconds) with the configured leeway unless
 * ignore_time, and the claims jotd puts in it.  The session's
 * revocation is not checked here (see core/access.h).
 */
jot_err jotd_tokens_verify_access(const struct jotd_config *cfg,
                                  const struct jotd_keys *keys,
                                  const char *tok, size_t len, int64_t now,
                                  int ignore_time, jot_jwt **out);

/* Verifies a refresh token with the internal key (typ refresh+jwt),
 * under cfg (borrowed). */
jot_err jotd_tokens_verify_refresh(struct jotd *j,
                                   const struct jotd_config *cfg,
                                   const char *tok, size_t len,
                                   jot_jwt **out);

/*
 * The refresh expiry of a session at now: the smaller of now +
 * refresh_ttl and created_at + session_max_age (ms).
 */
int64_t jotd_tokens_refresh_expiry(const struct jotd_config *cfg,
                                   int64_t created_at, int64_t now);

#endif /* JOTD_TOKENS_H */
