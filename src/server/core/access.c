/*
 * access.c - the bearer check of an access token, and what a refused
 * token is told.
 *
 * A token seen before in this thread and epoch skips the signature: the
 * cache (vcache.c) holds what the first check established, and the time
 * and revocation rules, which can change their answer between two
 * requests, run again on every request through the library's own time
 * check.
 */
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/keys.h"
#include "core/revocation.h"
#include "core/tokens.h"
#include "core/vcache.h"

void
jotd_access_view_now(struct jotd *j, uint64_t epoch,
                     const struct jotd_config *cfg,
                     struct jotd_access_view *out)
{
    /* The epoch was loaded before cfg and the keys: a swap after it
     * moves the epoch again, so what is verified under a newer snapshot
     * is cached under an epoch already gone, never the reverse. */
    out->epoch = epoch;
    out->cfg = cfg;
    out->keys = jotd_keys_current(j);
    out->revoked = jotd_revoked_current(j);
}

/* The one table from a refused token to the words a client sees; no
 * default, so that a new library code must be given its words. */
const char *
jotd_access_describe(jot_err err)
{
    switch (err) {
    case JOT_ERR_TOO_LARGE: return "token too large";
    case JOT_ERR_EXPIRED: return "token expired";
    case JOT_ERR_NOT_YET_VALID: return "token not yet valid";
    case JOT_ERR_BAD_SIGNATURE: return "bad signature";
    case JOT_ERR_TYPE: return "wrong token type";
    case JOT_ERR_ALG: return "algorithm not allowed";
    case JOT_ERR_KEY_NOT_FOUND: return "unknown signing key";
    case JOT_ERR_ISSUER: return "wrong issuer";
    case JOT_ERR_AUDIENCE: return "wrong audience";
    case JOT_ERR_CRIT: return "unsupported critical header";
    case JOT_ERR_CLAIM: return "missing or invalid claim";
    case JOT_ERR_DUPLICATE: return "duplicate member name";
    case JOT_ERR_DEPTH: return "token nested too deeply";
    case JOT_ERR_REVOKED: return "session revoked";
    case JOT_ERR_CTY: return "nested token not supported";
    case JOT_ERR_MALFORMED:
    case JOT_ERR_WEAK_KEY:      /* a token names no key of its own */
    case JOT_ERR_KEY:
        return "malformed token";
    case JOT_OK:
    case JOT_ERR_NOMEM:
    case JOT_ERR_INVAL:
    case JOT_ERR_CRYPTO:
    case JOT_ERR_LAST:
        break;
    }
    return NULL;
}

/* 1 when s can go into an HTTP header value as it is. */
static int
header_safe(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ',')
            return 0;
    return 1;
}

/*
 * Fills who from a verified access token.  JOT_ERR_CLAIM when sub or
 * sid is not a user or session id, exp is not a time jotd could have
 * issued (an int64 of seconds: 1e300 is a valid NumericDate but no
 * token of ours), or a role holds a character that cannot go into an
 * HTTP header.
 */
static jot_err
principal(const jot_jwt *jwt, struct jotd_principal *who)
{
    const char *s = NULL;
    size_t i, n = 0, used = 0;
    int64_t exp;
    int w;

    memset(who, 0, sizeof *who);
    if (jot_jwt_claim_int(jwt, "exp", &exp) != JOT_OK)
        return JOT_ERR_CLAIM;
    if (jot_jwt_claim_string(jwt, "sub", &s) != JOT_OK || !jotd_is_id(s))
        return JOT_ERR_CLAIM;
    memcpy(who->sub, s, JOTD_ID_LEN + 1);
    if (jot_jwt_claim_string(jwt, "sid", &s) != JOT_OK || !jotd_is_id(s))
        return JOT_ERR_CLAIM;
    memcpy(who->sid, s, JOTD_ID_LEN + 1);
    if (jot_jwt_claim_array_len(jwt, "roles", &n) != JOT_OK)
        n = 0;
    for (i = 0; i < n; i++) {
        if (jot_jwt_claim_array_string(jwt, "roles", i, &s) != JOT_OK ||
            !header_safe(s))
            return JOT_ERR_CLAIM;
        if (strcmp(s, "admin") == 0)
            who->is_admin = 1;
        w = snprintf(who->roles + used, sizeof who->roles - used, "%s%s",
                     used ? "," : "", s);
        if (w < 0 || (size_t)w >= sizeof who->roles - used)
            return JOT_ERR_CLAIM;
        used += (size_t)w;
    }
    return JOT_OK;
}

/* The full check: signature and claims, then what the cache keeps. */
static jot_err
verify(const struct jotd_access_view *v, const char *tok, size_t len,
       int64_t now, unsigned flags, struct jotd_vcache_hit *hit)
{
    jot_jwt *jwt = NULL;
    jot_err err;

    err = jotd_tokens_verify_access(v->cfg, v->keys, tok, len, now,
                                    (flags & JOTD_ACCESS_IGNORE_TIME) != 0,
                                    &jwt);
    if (err == JOT_OK)
        err = principal(jwt, &hit->who);
    if (err == JOT_OK)
        err = jot_jwt_times(jwt, &hit->times);
    jot_jwt_free(jwt);
    return err;
}

jot_err
jotd_access_check(const struct jotd_access_view *v, const char *tok,
                  size_t len, int64_t now, unsigned flags,
                  struct jotd_principal *who)
{
    struct jotd_vcache_hit hit;
    int cache = v->cfg->verify_cache && !(flags & JOTD_ACCESS_IGNORE_TIME);
    jot_err err;

    memset(who, 0, sizeof *who);
    if (cache && jotd_vcache_get(v->epoch, tok, len, &hit)) {
        /* Verified before: only the clock can have changed. */
        err = jot_times_check(&hit.times, now, v->cfg->leeway);
        if (err != JOT_OK)
            return err;
    } else {
        err = verify(v, tok, len, now, flags, &hit);
        if (err != JOT_OK)
            return err;
        if (cache)
            jotd_vcache_put(v->epoch, tok, len, &hit);
    }
    if (v->revoked != NULL &&
        jotd_revoked_contains(v->revoked, hit.who.sid))
        return JOT_ERR_REVOKED;
    *who = hit.who;
    return JOT_OK;
}
