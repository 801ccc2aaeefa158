/*
 * jot/err.h - error codes and the few helpers every libjot user needs.
 *
 * Every public function that can fail returns a jot_err.  Results come
 * back through out-parameters, which are cleared on entry and written
 * only on success.
 */
#ifndef JOT_ERR_H
#define JOT_ERR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define JOT_API __attribute__((visibility("default")))
#define JOT_NODISCARD __attribute__((warn_unused_result))
#else
#define JOT_API
#define JOT_NODISCARD
#endif

/* Ceilings, checked before anything is allocated. */
#define JOT_MAX_TOKEN_LEN 8192     /* default token size limit, octets */
#define JOT_MAX_JSON_DEPTH 32      /* containers; the top level counts 1 */
#define JOT_MAX_JWK_LEN 65536      /* one JWK or one JWKS document */
#define JOT_MAX_KEYS 256           /* keys in one key set */

typedef enum jot_err {
    JOT_OK = 0,
    JOT_ERR_NOMEM,
    JOT_ERR_INVAL,          /* the caller passed something impossible */
    JOT_ERR_MALFORMED,      /* input is not a well-formed token, key or JSON */
    JOT_ERR_TOO_LARGE,      /* input over its documented limit */
    JOT_ERR_ALG,            /* algorithm unknown, "none", or not the key's */
    JOT_ERR_BAD_SIGNATURE,
    JOT_ERR_EXPIRED,
    JOT_ERR_NOT_YET_VALID,  /* nbf (or iat) in the future */
    JOT_ERR_ISSUER,
    JOT_ERR_AUDIENCE,
    JOT_ERR_TYPE,           /* header typ is not the expected one */
    JOT_ERR_KEY_NOT_FOUND,  /* no key with the token's kid and alg */
    JOT_ERR_CRIT,           /* crit header present: no extension is known */
    JOT_ERR_DUPLICATE,      /* a JSON member name appears twice */
    JOT_ERR_CLAIM,          /* a claim is missing or has the wrong type */
    JOT_ERR_WEAK_KEY,       /* key refused: too short or too small */
    JOT_ERR_KEY,            /* key unusable for this operation */
    JOT_ERR_CRYPTO,         /* the crypto library failed unexpectedly */
    JOT_ERR_DEPTH,          /* JSON nested deeper than JOT_MAX_JSON_DEPTH */
    JOT_ERR_REVOKED,        /* the token's session or status says revoked */
    JOT_ERR_CTY,            /* JWT header has cty: nested tokens unsupported */
    /* new codes go here, at the end; never renumber or reuse one */
    JOT_ERR_LAST            /* not a code */
} jot_err;

/*
 * A short English description of err ("bad signature", "token expired").
 * Never NULL; the string is static.  It never contains input data.
 */
JOT_API const char *jot_strerror(jot_err err);

/*
 * A stable lowercase identifier of err ("bad_signature", "expired"), for
 * logs and machine-readable output.  Never NULL; the string is static.
 */
JOT_API const char *jot_err_name(jot_err err);

/*
 * Checks that the JSON text at buf (len octets, borrowed, no NUL needed)
 * nests no deeper than JOT_MAX_JSON_DEPTH containers, the top level
 * counting 1: the ceiling libjot applies to headers, claims and keys,
 * for callers that hand other JSON to jansson themselves.  One linear
 * scan, before any parser recurses; it does not check that buf is JSON.
 * Returns JOT_OK or JOT_ERR_DEPTH.
 */
JOT_API JOT_NODISCARD jot_err jot_json_depth_check(const void *buf,
                                                   size_t len);

/* Frees a string or buffer returned by libjot.  jot_free(NULL) is a no-op. */
JOT_API void jot_free(void *p);

/* Overwrites len bytes at p with zeros in a way the compiler keeps. */
JOT_API void jot_wipe(void *p, size_t len);

/*
 * Wipes and frees a NUL-terminated string that libjot returned and that
 * may hold a secret (a private JWK export, a signed token): every octet
 * up to the NUL is overwritten with zeros, then the string is freed as
 * by jot_free().  jot_free_secret(NULL) is a no-op.
 * WARNING: only the octets before the first NUL are wiped.  A buffer
 * that may hold a NUL inside, or whose length is known, goes through
 * jot_free_wiped instead.
 */
JOT_API void jot_free_secret(char *s);

/*
 * Wipes len octets at p, then frees p (malloc'd by the caller or by
 * libjot): the one way to free a buffer that held a secret, so that the
 * wipe cannot be forgotten.  jot_free_wiped(NULL, n) is a no-op.
 */
JOT_API void jot_free_wiped(void *p, size_t len);

/*
 * Compares len bytes of a and b in time that depends only on len.
 * Returns 1 when equal, 0 otherwise.  For MACs, hashes and secrets.
 */
JOT_API int jot_ct_equal(const void *a, const void *b, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* JOT_ERR_H */
