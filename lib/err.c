/*
 * err.c - error messages and the memory helpers every module uses.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

const char *
jot_strerror(jot_err err)
{
    /* No default: the compiler points at any code without a message. */
    switch (err) {
    case JOT_OK: return "success";
    case JOT_ERR_NOMEM: return "out of memory";
    case JOT_ERR_INVAL: return "invalid argument";
    case JOT_ERR_MALFORMED: return "malformed input";
    case JOT_ERR_TOO_LARGE: return "input too large";
    case JOT_ERR_ALG: return "algorithm not allowed";
    case JOT_ERR_BAD_SIGNATURE: return "bad signature";
    case JOT_ERR_EXPIRED: return "token expired";
    case JOT_ERR_NOT_YET_VALID: return "token not yet valid";
    case JOT_ERR_ISSUER: return "wrong issuer";
    case JOT_ERR_AUDIENCE: return "wrong audience";
    case JOT_ERR_TYPE: return "wrong token type";
    case JOT_ERR_KEY_NOT_FOUND: return "key not found";
    case JOT_ERR_CRIT: return "unsupported critical header";
    case JOT_ERR_DUPLICATE: return "duplicate member name";
    case JOT_ERR_CLAIM: return "missing or invalid claim";
    case JOT_ERR_WEAK_KEY: return "key too weak";
    case JOT_ERR_KEY: return "key unusable for this operation";
    case JOT_ERR_CRYPTO: return "cryptographic library failure";
    case JOT_ERR_DEPTH: return "JSON nested too deeply";
    case JOT_ERR_REVOKED: return "token revoked";
    case JOT_ERR_CTY: return "content type header not supported";
    case JOT_ERR_LAST: break;
    }
    return "unknown error";
}

const char *
jot_err_name(jot_err err)
{
    switch (err) {
    case JOT_OK: return "ok";
    case JOT_ERR_NOMEM: return "nomem";
    case JOT_ERR_INVAL: return "inval";
    case JOT_ERR_MALFORMED: return "malformed";
    case JOT_ERR_TOO_LARGE: return "too_large";
    case JOT_ERR_ALG: return "alg";
    case JOT_ERR_BAD_SIGNATURE: return "bad_signature";
    case JOT_ERR_EXPIRED: return "expired";
    case JOT_ERR_NOT_YET_VALID: return "not_yet_valid";
    case JOT_ERR_ISSUER: return "issuer";
    case JOT_ERR_AUDIENCE: return "audience";
    case JOT_ERR_TYPE: return "type";
    case JOT_ERR_KEY_NOT_FOUND: return "key_not_found";
    case JOT_ERR_CRIT: return "crit";
    case JOT_ERR_DUPLICATE: return "duplicate";
    case JOT_ERR_CLAIM: return "claim";
    case JOT_ERR_WEAK_KEY: return "weak_key";
    case JOT_ERR_KEY: return "key";
    case JOT_ERR_CRYPTO: return "crypto";
    case JOT_ERR_DEPTH: return "depth";
    case JOT_ERR_REVOKED: return "revoked";
    case JOT_ERR_CTY: return "cty";
    case JOT_ERR_LAST: break;
    }
    return "unknown";
}

void
jot_free(void *p)
{
    free(p);
}

void
jot_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0)
        OPENSSL_cleanse(p, len);
}

void
jot_free_secret(char *s)
{
    if (s != NULL)
        jot_free_wiped(s, strlen(s));
}

void
jot_free_wiped(void *p, size_t len)
{
    if (p == NULL)
        return;
    jot_wipe(p, len);
    free(p);
}

int
jot_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
