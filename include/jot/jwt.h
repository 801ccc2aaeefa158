/*
 * jot/jwt.h - JSON Web Tokens (RFC 7519): a verified JWS whose payload is
 * a JSON object of claims, validated against a policy.
 *
 * After the signature (see jws.h), the header must have no "cty" (RFC
 * 7519 §5.2, RFC 8725 §2.8: libjot reads no nested JWT), and the claims
 * must be a UTF-8 JSON object no deeper than JOT_MAX_JSON_DEPTH with no
 * duplicate member names, and:
 *   - "exp" present (unless JOT_VERIFY_EXP_OPTIONAL), "exp", "nbf" and
 *     "iat" finite numbers when present; now < exp + leeway and
 *     now + leeway >= nbf (unless JOT_VERIFY_IGNORE_TIME);
 *   - "iss", "sub" and "jti" strings when present; "aud" a string or an
 *     array of strings when present;
 *   - opts->issuer equal to "iss", opts->audience equal to "aud" or one of
 *     its elements, every name of opts->required present.
 */
#ifndef JOT_JWT_H
#define JOT_JWT_H

#include "jws.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A verified (or merely decoded) JWT: header and claims. */
typedef struct jot_jwt jot_jwt;

/*
 * Verifies tok (borrowed) against keys and opts (NULL: defaults).  On
 * success *out holds the token, freed with jot_jwt_free().  Errors are
 * those of jot_jws_verify plus JOT_ERR_CTY, JOT_ERR_EXPIRED,
 * JOT_ERR_NOT_YET_VALID, JOT_ERR_ISSUER, JOT_ERR_AUDIENCE and
 * JOT_ERR_CLAIM.
 */
JOT_API JOT_NODISCARD jot_err jot_jwt_verify(const jot_keyset *keys,
                                             const struct jot_verify_opts *opts,
                                             const char *tok, size_t tok_len,
                                             jot_jwt **out);

/*
 * Decodes tok WITHOUT verifying its signature or claims; the header and
 * the claims must still be well-formed JSON objects.
 * WARNING: nothing in the result can be trusted; for display only.
 */
JOT_API JOT_NODISCARD jot_err jot_jwt_decode(const char *tok, size_t tok_len,
                                             jot_jwt **out);

/*
 * Signs the claims (claims_json, borrowed, a JSON object of at most
 * JOT_MAX_TOKEN_LEN octets) with key; the header is as jot_jws_sign
 * makes it.  The claims are signed byte for byte as given once they have
 * been checked to be a JSON object without duplicates.  Caller frees *out
 * with jot_free().
 */
JOT_API JOT_NODISCARD jot_err jot_jwt_sign(const jot_key *key, const char *typ,
                                           const char *claims_json,
                                           size_t claims_len, char **out);

/* A string claim (borrowed from jwt); JOT_ERR_CLAIM if absent or not one. */
JOT_API jot_err jot_jwt_claim_string(const jot_jwt *jwt, const char *name,
                                     const char **out);

/*
 * An integer claim (a NumericDate with a fraction is truncated);
 * JOT_ERR_CLAIM if absent, not a number, or out of int64 range.
 */
JOT_API jot_err jot_jwt_claim_int(const jot_jwt *jwt, const char *name,
                                  int64_t *out);

/*
 * The number of elements of an array claim whose elements are all
 * strings; JOT_ERR_CLAIM if absent or not such an array.
 */
JOT_API jot_err jot_jwt_claim_array_len(const jot_jwt *jwt, const char *name,
                                        size_t *out);

/* Element i of such an array claim (borrowed from jwt). */
JOT_API jot_err jot_jwt_claim_array_string(const jot_jwt *jwt,
                                           const char *name, size_t i,
                                           const char **out);

/* The claims as compact JSON; caller frees *out with jot_free(). */
JOT_API JOT_NODISCARD jot_err jot_jwt_claims_json(const jot_jwt *jwt,
                                                  char **out);

/*
 * The time claims of a token, kept so that a token verified once can be
 * checked against the clock again later without being verified anew
 * (a cache of verified tokens).  A NumericDate may be an integer or a
 * finite real (RFC 7519 §2); both are kept as they were.
 */
struct jot_time_claim {
    int present;
    int is_real;
    int64_t i;
    double r;
};

struct jot_times {
    struct jot_time_claim exp;
    struct jot_time_claim nbf;
};

/* The "exp" and "nbf" claims of jwt; JOT_ERR_CLAIM if one is present but
 * not a finite number. */
JOT_API jot_err jot_jwt_times(const jot_jwt *jwt, struct jot_times *out);

/*
 * The time rule of jot_jwt_verify, alone: JOT_ERR_EXPIRED when now -
 * leeway is at or past exp, JOT_ERR_NOT_YET_VALID when now + leeway is
 * before nbf, JOT_ERR_INVAL for a negative leeway, else JOT_OK.  Absent
 * claims pass (whether exp is required is the verifier's business).
 */
JOT_API JOT_NODISCARD jot_err jot_times_check(const struct jot_times *t,
                                              int64_t now, int64_t leeway);

/* The underlying JWS (borrowed from jwt): header, alg, key. */
JOT_API const jot_jws *jot_jwt_jws(const jot_jwt *jwt);

/* Frees jwt; jot_jwt_free(NULL) is a no-op. */
JOT_API void jot_jwt_free(jot_jwt *jwt);

#ifdef __cplusplus
}
#endif

#endif /* JOT_JWT_H */
