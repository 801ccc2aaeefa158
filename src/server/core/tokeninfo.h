/*
 * tokeninfo.h - what the OAuth endpoints do with a token they are
 * handed: revoke its session (RFC 7009) or tell whether it is active
 * and what it says (RFC 7662).  Both read the database, so a session
 * revoked on any node shows at once; neither ever rotates or judges a
 * refresh token, so looking at an old one is not a reuse.
 */
#ifndef JOTD_TOKENINFO_H
#define JOTD_TOKENINFO_H

#include "core/accounts.h"

/* RFC 7009 §2.1 / RFC 7662 §2.1 token_type_hint: where to look first. */
enum jotd_token_hint {
    JOTD_HINT_NONE,             /* absent or unknown: access first */
    JOTD_HINT_ACCESS,           /* "access_token" */
    JOTD_HINT_REFRESH           /* "refresh_token" */
};

/* The hint named name (NULL or a value jotd does not know: NONE; the
 * RFCs let a server ignore the hint). */
enum jotd_token_hint jotd_token_hint_of(const char *name);

/*
 * Revokes the session of tok (len octets, borrowed), an access token
 * that has not expired or a refresh token of any generation, with reason
 * "revoked", audited as "token_revoked"; this node refuses its tokens at
 * once.  JOTD_OK too for a token that is no token of jotd's, expired,
 * or whose session is gone already (RFC 7009 §2.2: nothing to do).
 * JOTD_ERR_UNAVAILABLE, JOTD_ERR_NOMEM, JOTD_ERR_INTERNAL.
 */
jotd_err jotd_token_revoke(const struct jotd_op *op, const char *tok,
                           size_t len, enum jotd_token_hint hint);

/*
 * The RFC 7662 §2.2 answer for tok (len octets, borrowed), into *out
 * (the caller decrefs): {"active":true,"token_type":"access_token" or
 * "refresh_token", "client_id", "username", and the token's claims}
 * when its signature, type and times verify, its session is live in
 * the database, its user enabled, and (a refresh token) its generation
 * is the session's current one; {"active":false} for anything else.
 * JOTD_ERR_UNAVAILABLE, JOTD_ERR_NOMEM, JOTD_ERR_INTERNAL.
 */
jotd_err jotd_token_introspect(const struct jotd_op *op, const char *tok,
                               size_t len, enum jotd_token_hint hint,
                               json_t **out);

#endif /* JOTD_TOKENINFO_H */
