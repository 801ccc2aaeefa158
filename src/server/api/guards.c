/*
 * auth.c - bearer tokens: finding them, checking them, and answering
 * RFC 6750 style when they fail.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/guards.h"
#include "core/revocation.h"
#include "core/tokens.h"
#include "core/vcache.h"

const char *
jotd_auth_bearer_token(const char *header, size_t *len)
{
    *len = 0;
    if (header == NULL || strncasecmp(header, "Bearer", 6) != 0 ||
        (header[6] != ' ' && header[6] != '\t'))
        return NULL;
    header += 7;
    while (*header == ' ' || *header == '\t')
        header++;
    *len = strcspn(header, " \t");
    /* Trailing blanks are allowed; anything after them is not a token. */
    if (header[*len + strspn(header + *len, " \t")] != '\0') {
        *len = 0;
        return NULL;
    }
    return *len ? header : NULL;
}

/* The one table from a failed check to the words a client sees. */
const char *
jotd_auth_describe(jot_err err)
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
    default: return "malformed token";
    }
}

/* 401 with the WWW-Authenticate of RFC 6750 §3; no description means
 * no credentials were sent, and then no error attribute either. */
void
jotd_auth_refuse(struct jotd_req *r, const char *description)
{
    char challenge[256];

    if (description == NULL) {
        jotd_resp_error(r, 401, "invalid_token", "missing bearer token");
        jotd_resp_header(r, "WWW-Authenticate", "Bearer realm=\"jot\"");
        return;
    }
    snprintf(challenge, sizeof challenge,
             "Bearer realm=\"jot\", error=\"invalid_token\", "
             "error_description=\"%s\"", description);
    jotd_resp_error(r, 401, "invalid_token", description);
    jotd_resp_header(r, "WWW-Authenticate", challenge);
}

/* 1 when s is a lowercase UUID as jotd makes them. */
static int
is_id(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              s[i] == '-'))
            return 0;
    return i == JOTD_ID_LEN;
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

int
jotd_auth_principal(const jot_jwt *jwt, struct jotd_principal *who)
{
    const char *s = NULL;
    size_t i, n = 0, used = 0;
    int w;

    memset(who, 0, sizeof *who);
    if (jot_jwt_claim_string(jwt, "sub", &s) != JOT_OK || !is_id(s))
        return -1;
    memcpy(who->sub, s, JOTD_ID_LEN + 1);
    if (jot_jwt_claim_string(jwt, "sid", &s) != JOT_OK || !is_id(s))
        return -1;
    memcpy(who->sid, s, JOTD_ID_LEN + 1);
    if (jot_jwt_claim_array_len(jwt, "roles", &n) != JOT_OK)
        n = 0;
    for (i = 0; i < n; i++) {
        if (jot_jwt_claim_array_string(jwt, "roles", i, &s) != JOT_OK ||
            !header_safe(s))
            return -1;
        if (strcmp(s, "admin") == 0)
            who->is_admin = 1;
        w = snprintf(who->roles + used, sizeof who->roles - used, "%s%s",
                     used ? "," : "", s);
        if (w < 0 || (size_t)w >= sizeof who->roles - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}

int
jotd_auth_bearer(struct jotd_req *r, struct jotd_principal *who)
{
    const char *header = jotd_req_header(r, "Authorization");
    struct jotd_vcache_hit hit;
    const char *tok;
    jot_jwt *jwt = NULL;
    uint64_t epoch;
    int64_t now;
    size_t len;
    jot_err err;

    /* API.md: an Authorization header over 8 KiB is refused unparsed. */
    if (header != NULL && strlen(header) > JOT_MAX_TOKEN_LEN + 7) {
        jotd_auth_refuse(r, "token too large");
        return -1;
    }
    tok = jotd_auth_bearer_token(header, &len);
    if (tok == NULL) {
        jotd_auth_refuse(r, NULL);
        return -1;
    }
    epoch = atomic_load(&r->j->epoch);
    if (r->cfg->verify_cache && jotd_vcache_get(epoch, tok, len, &hit)) {
        /* Seen and verified before: only time can have changed. */
        now = time(NULL);
        if (now - r->cfg->leeway >= hit.exp) {
            jotd_auth_refuse(r, "token expired");
            return -1;
        }
        if (now + r->cfg->leeway < hit.nbf) {
            jotd_auth_refuse(r, "token not yet valid");
            return -1;
        }
        *who = hit.who;
    } else {
        err = jotd_tokens_verify_access(r->j, tok, len, 0, &jwt);
        if (err != JOT_OK) {
            jotd_auth_refuse(r, jotd_auth_describe(err));
            return -1;
        }
        if (jotd_auth_principal(jwt, who) != 0 ||
            jot_jwt_claim_int(jwt, "exp", &hit.exp) != JOT_OK) {
            jot_jwt_free(jwt);
            jotd_auth_refuse(r, "missing or invalid claim");
            return -1;
        }
        if (jot_jwt_claim_int(jwt, "nbf", &hit.nbf) != JOT_OK)
            hit.nbf = 0;
        jot_jwt_free(jwt);
        hit.who = *who;
        if (r->cfg->verify_cache)
            jotd_vcache_put(epoch, tok, len, &hit);
    }
    if (jotd_revoked_has(r->j, who->sid)) {
        jotd_auth_refuse(r, "session revoked");
        return -1;
    }
    return 0;
}
