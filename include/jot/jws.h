/*
 * jot/jws.h - compact JWS (RFC 7515) signing and verification.
 *
 * Verification is strict and happens in this order, stopping at the
 * first failure:
 *   1. the token is no longer than the limit (before any decoding);
 *   2. exactly three segments of canonical base64url, the header and
 *      payload non-empty (an empty signature is refused after step 6);
 *   3. the header is a UTF-8 JSON object, no deeper than
 *      JOT_MAX_JSON_DEPTH, with no duplicate member names;
 *   4. "alg" is a known algorithm name ("none" never is);
 *   5. no "crit" (libjot understands no extension, RFC 7515 §4.1.11)
 *      and no "b64" (RFC 7797);
 *   6. "alg" is in the caller's allow-list, if one is given;
 *   7. the key.  A token with a "kid" (which must be a string) uses the
 *      keys whose kid is exactly that string: none is
 *      JOT_ERR_KEY_NOT_FOUND, none of the token's alg is JOT_ERR_ALG.  A
 *      token without a "kid" uses the keys bound to its alg, trying each
 *      in turn: none at all is JOT_ERR_ALG (or JOT_ERR_KEY_NOT_FOUND for
 *      an empty set).  A key without a kid never matches a token that
 *      has one.  "jwk", "jku", "x5u" and "x5c" headers are never used to
 *      find a key;
 *   8. the signature, under the key's own algorithm;
 *   9. the expected "typ", if one is given.
 * Until step 8 succeeds the payload is only bytes.
 */
#ifndef JOT_JWS_H
#define JOT_JWS_H

#include "jwk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of struct jot_verify_opts. */
#define JOT_VERIFY_EXP_OPTIONAL 1u  /* a JWT without "exp" is accepted */
#define JOT_VERIFY_IGNORE_TIME 2u   /* skip exp/nbf checks (types still
                                       checked); for a presented, possibly
                                       expired token whose signature alone
                                       matters */

/*
 * What a verification requires.  Zero-initialise it and set what you
 * need; a NULL opts pointer means all defaults.  Every pointer is
 * borrowed for the duration of the call only.  Immutable once filled, it
 * may be shared between threads.
 */
struct jot_verify_opts {
    const jot_alg *algs;        /* allow-list of n_algs; 0 = the keys' */
    size_t n_algs;
    const char *issuer;         /* exact "iss", or NULL for no check */
    const char *audience;       /* must be "aud" or be in it, or NULL */
    const char *typ;            /* expected header "typ", compared
                                   case-insensitively after removing an
                                   "application/" prefix; NULL: no check */
    const char *const *required; /* claims that must be present */
    size_t n_required;
    int64_t leeway;             /* seconds of clock skew for exp/nbf */
    int64_t (*clock)(void *clock_ctx); /* current Unix time; NULL: time() */
    void *clock_ctx;
    size_t max_token_len;       /* 0: JOT_MAX_TOKEN_LEN */
    unsigned flags;             /* JOT_VERIFY_* */
};

/* A verified (or merely decoded) JWS: its header and payload. */
typedef struct jot_jws jot_jws;

/*
 * Verifies the compact JWS tok (borrowed, tok_len octets, no NUL needed)
 * against keys under opts (steps 1-9 above; no claim is looked at).
 * On success *out holds the result, freed with jot_jws_free().
 * Errors: JOT_ERR_TOO_LARGE, JOT_ERR_MALFORMED, JOT_ERR_DEPTH,
 * JOT_ERR_DUPLICATE, JOT_ERR_ALG, JOT_ERR_CRIT, JOT_ERR_KEY_NOT_FOUND,
 * JOT_ERR_BAD_SIGNATURE, JOT_ERR_TYPE, JOT_ERR_NOMEM.
 */
JOT_API JOT_NODISCARD jot_err jot_jws_verify(const jot_keyset *keys,
                                             const struct jot_verify_opts *opts,
                                             const char *tok, size_t tok_len,
                                             jot_jws **out);

/*
 * Decodes tok WITHOUT verifying anything but its shape (steps 1-3, and a
 * non-empty signature); the header may name any algorithm, even "none".
 * WARNING: nothing in the result can be trusted; for display only.
 */
JOT_API JOT_NODISCARD jot_err jot_jws_decode(const char *tok, size_t tok_len,
                                             jot_jws **out);

/*
 * Signs payload (borrowed) with key (private) and writes the compact
 * serialisation, NUL-terminated, to *out (free with jot_free()).  The
 * header is {"alg":<key's alg>,"typ":typ,"kid":<key's kid>}, "typ" left
 * out when typ is NULL and "kid" when the key has none.  The header must
 * fit 1024 octets (JOT_ERR_TOO_LARGE), which bounds kid and typ.
 */
JOT_API JOT_NODISCARD jot_err jot_jws_sign(const jot_key *key, const char *typ,
                                           const void *payload,
                                           size_t payload_len, char **out);

/* The payload (borrowed from jws, not NUL-terminated) and its length. */
JOT_API void jot_jws_payload(const jot_jws *jws, const unsigned char **out,
                             size_t *out_len);

/*
 * A string member of the header (borrowed from jws).  JOT_ERR_MALFORMED
 * when it is absent or not a string.
 */
JOT_API jot_err jot_jws_header_string(const jot_jws *jws, const char *name,
                                      const char **out);

/* The header as compact JSON; caller frees *out with jot_free(). */
JOT_API JOT_NODISCARD jot_err jot_jws_header_json(const jot_jws *jws,
                                                  char **out);

/* The header's algorithm. */
JOT_API jot_alg jot_jws_alg(const jot_jws *jws);

/*
 * The key that verified the signature (borrowed from jws), or NULL for a
 * decoded token.
 */
JOT_API const jot_key *jot_jws_key(const jot_jws *jws);

/* Frees jws; jot_jws_free(NULL) is a no-op. */
JOT_API void jot_jws_free(jot_jws *jws);

#ifdef __cplusplus
}
#endif

#endif /* JOT_JWS_H */
