/*
 * jot/jwk.h - algorithms, keys and key sets: JWK (RFC 7517) and JWKS
 * import and export, PEM import, generation, RFC 7638 thumbprints, and the
 * low-level sign/verify of a signing input.
 *
 * Every key is bound to exactly one algorithm when it is built.  A key is
 * never used with another algorithm: an RSA key bound to RS256 does not
 * verify PS256, and no asymmetric key ever verifies an HMAC token.
 *
 * Keys and key sets are reference counted and immutable once built (the
 * only mutator, jot_key_set_kid, is for a key nobody else holds yet), so
 * any number of threads may use them at once without locks.
 */
#ifndef JOT_JWK_H
#define JOT_JWK_H

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* JWS algorithms (RFC 7518 §3, RFC 8037).  There is no "none". */
typedef enum jot_alg {
    JOT_ALG_INVALID = 0,
    JOT_ALG_HS256,
    JOT_ALG_HS384,
    JOT_ALG_HS512,
    JOT_ALG_RS256,
    JOT_ALG_RS384,
    JOT_ALG_RS512,
    JOT_ALG_PS256,
    JOT_ALG_PS384,
    JOT_ALG_PS512,
    JOT_ALG_ES256,
    JOT_ALG_ES384,
    JOT_ALG_ES512,
    JOT_ALG_EDDSA,          /* Ed25519 only */
    JOT_ALG_LAST            /* not an algorithm */
} jot_alg;

/* The JWS name ("ES256", "EdDSA"); NULL for JOT_ALG_INVALID or junk. */
JOT_API const char *jot_alg_name(jot_alg alg);

/*
 * Looks up an algorithm by its exact, case-sensitive JWS name (name is
 * borrowed, name_len octets).  "none" and unknown names give
 * JOT_ERR_ALG.
 */
JOT_API JOT_NODISCARD jot_err jot_alg_from_name(const char *name,
                                                size_t name_len,
                                                jot_alg *out);

/* 1 for HS256/384/512, else 0. */
JOT_API int jot_alg_is_hmac(jot_alg alg);

/* Largest signature, in octets, that alg produces (0 for an invalid alg). */
JOT_API size_t jot_alg_sig_max(jot_alg alg);

typedef struct jot_key jot_key;
typedef struct jot_keyset jot_keyset;

/* Flags for export. */
#define JOT_JWK_PUBLIC 0u       /* public members only (refused for oct) */
#define JOT_JWK_PRIVATE 1u      /* include private or symmetric members */

/*
 * Parses one JWK (json is borrowed, json_len octets, no NUL needed).
 *
 * alg binds the key: JOT_ALG_INVALID takes the algorithm from the JWK's
 * "alg" member, or from its curve when that names exactly one algorithm
 * (P-256 -> ES256, Ed25519 -> EdDSA); otherwise alg must agree with
 * "alg" when the JWK has one.  kty, crv and size must fit the algorithm.
 *
 * Refused with JOT_ERR_WEAK_KEY: RSA under 2048 bits, HMAC keys shorter
 * than the hash output (RFC 7518 §3.2).  JOT_ERR_ALG when no algorithm
 * can be bound or it does not fit the key.  JOT_ERR_MALFORMED for bad
 * JSON, bad base64url, missing members, or an EC point not on its curve.
 * Unknown members are ignored.  A private JWK gives a key that can sign
 * (and verify); a public one verifies only.
 *
 * On success *out holds a new key (one reference) that the caller frees
 * with jot_key_free().
 */
JOT_API JOT_NODISCARD jot_err jot_jwk_parse(const char *json, size_t json_len,
                                            jot_alg alg, jot_key **out);

/*
 * Imports a PEM key (public "PUBLIC KEY", "RSA PUBLIC KEY", or private
 * "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"), bound to alg, which
 * must be given and fit the key.  Same refusals as jot_jwk_parse.  The key
 * has no kid.  Caller frees *out with jot_key_free().
 */
JOT_API JOT_NODISCARD jot_err jot_key_from_pem(const char *pem, size_t pem_len,
                                               jot_alg alg, jot_key **out);

/*
 * Builds an HMAC key from secret (borrowed, copied) for alg (HS*).
 * JOT_ERR_WEAK_KEY when secret_len is shorter than the hash output.
 */
JOT_API JOT_NODISCARD jot_err jot_key_from_secret(const void *secret,
                                                  size_t secret_len,
                                                  jot_alg alg, jot_key **out);

/*
 * Generates a new private key for alg: HS* get hash-length random
 * secrets, RS and PS 2048-bit RSA (e = 65537), ES* their curve, EdDSA an
 * Ed25519 key.  The key has no kid.  Caller frees *out with jot_key_free().
 */
JOT_API JOT_NODISCARD jot_err jot_key_generate(jot_alg alg, jot_key **out);

/*
 * Takes one more reference to key (which may be NULL) and returns it.
 */
JOT_API jot_key *jot_key_ref(jot_key *key);

/*
 * Drops one reference; the last one wipes the private parts and frees the
 * key.  jot_key_free(NULL) is a no-op.
 */
JOT_API void jot_key_free(jot_key *key);

/* The algorithm the key is bound to. */
JOT_API jot_alg jot_key_alg(const jot_key *key);

/* The key's kid (borrowed, lives as long as the key), or NULL. */
JOT_API const char *jot_key_kid(const jot_key *key);

/* 1 when the key holds private or symmetric material, else 0. */
JOT_API int jot_key_is_private(const jot_key *key);

/*
 * Sets or replaces the key's kid (copied); NULL removes it.
 * WARNING: keys are shared between threads without locks.  Call this only
 * on a key you have just built, before it is added to a key set or handed
 * to another thread.
 */
JOT_API jot_err jot_key_set_kid(jot_key *key, const char *kid);

/*
 * Exports the key as a JWK, compact JSON with members in a fixed order
 * ("kty", key members, then "kid", "alg", "use":"sig").  flags is
 * JOT_JWK_PUBLIC or JOT_JWK_PRIVATE.  A public export of an HMAC key is
 * JOT_ERR_KEY (a symmetric key has no public half); a private export of
 * a public key is JOT_ERR_KEY.  Caller frees *out with jot_free();
 * WARNING: a private export holds secrets: wipe it before freeing.
 */
JOT_API JOT_NODISCARD jot_err jot_jwk_export(const jot_key *key,
                                             unsigned flags, char **out);

/*
 * The RFC 7638 JWK thumbprint (SHA-256 of the canonical JSON of the
 * required public members), base64url-encoded, 43 characters.  For an
 * HMAC key the canonical JSON holds the secret, so the result must not
 * be published.  Caller frees *out with jot_free().
 */
JOT_API JOT_NODISCARD jot_err jot_jwk_thumbprint(const jot_key *key,
                                                 char **out);

/*
 * Gives key the key id jot assigns to the keys it makes (API.md): the
 * RFC 7638 thumbprint of an asymmetric key, as jot_jwk_thumbprint(), so
 * that anyone holding the public key can compute it; for an HMAC key,
 * whose thumbprint would be a hash of the secret, 16 random octets in
 * base64url (22 characters) instead.  Replaces any kid the key had.
 * JOT_ERR_INVAL for a NULL key, JOT_ERR_CRYPTO when no randomness is
 * available, JOT_ERR_NOMEM; on failure the key keeps its old kid.
 * WARNING: like jot_key_set_kid, only on a key nobody else holds yet.
 */
JOT_API JOT_NODISCARD jot_err jot_key_assign_kid(jot_key *key);

/*
 * Low level: signs the signing input (borrowed) with key, which must be
 * private.  The signature is written in its JWS form (ECDSA as raw
 * R || S of fixed length, RFC 7518 §3.4) to sig (sig_cap octets, at least
 * jot_alg_sig_max(jot_key_alg(key))) and its length to *sig_len.
 */
JOT_API JOT_NODISCARD jot_err jot_key_sign(const jot_key *key,
                                           const void *input,
                                           size_t input_len,
                                           unsigned char *sig, size_t sig_cap,
                                           size_t *sig_len);

/*
 * Low level: checks sig (JWS form, borrowed) over input (borrowed) with
 * key, under the key's own algorithm.  JOT_OK when it verifies,
 * JOT_ERR_BAD_SIGNATURE otherwise (including a wrong length, an ECDSA
 * signature in DER form, r or s zero or out of range, and a PSS salt that
 * is not the hash length).  HMAC tags are compared in constant time and
 * must be full length.
 */
JOT_API JOT_NODISCARD jot_err jot_key_verify(const jot_key *key,
                                             const void *input,
                                             size_t input_len,
                                             const unsigned char *sig,
                                             size_t sig_len);

/* Makes a new empty key set.  Caller frees *out with jot_keyset_free(). */
JOT_API JOT_NODISCARD jot_err jot_keyset_new(jot_keyset **out);

/*
 * Adds key to set, taking a new reference (the caller keeps its own).
 * JOT_ERR_TOO_LARGE past JOT_MAX_KEYS.  Two keys may share a kid only if
 * their algorithms differ.
 * WARNING: like jot_key_set_kid, only before the set is shared.
 */
JOT_API JOT_NODISCARD jot_err jot_keyset_add(jot_keyset *set, jot_key *key);

/*
 * Parses a JWK Set (RFC 7517 §5).  Keys whose "use" is not "sig", whose
 * kty or crv is not supported, or that cannot be bound to one algorithm
 * are skipped, as §5 asks; a supported key that is malformed or weak
 * fails the whole set.  Caller frees *out with jot_keyset_free().
 */
JOT_API JOT_NODISCARD jot_err jot_jwks_parse(const char *json,
                                             size_t json_len,
                                             jot_keyset **out);

/*
 * Exports the set as {"keys":[...]} with each key exported as by
 * jot_jwk_export.  With JOT_JWK_PUBLIC, HMAC keys are left out (they have
 * no public half).  Caller frees *out with jot_free().
 */
JOT_API JOT_NODISCARD jot_err jot_jwks_export(const jot_keyset *set,
                                              unsigned flags, char **out);

/* Number of keys in set. */
JOT_API size_t jot_keyset_count(const jot_keyset *set);

/* The i-th key (borrowed, lives as long as the set), or NULL. */
JOT_API const jot_key *jot_keyset_get(const jot_keyset *set, size_t i);

/* Takes one more reference to set (may be NULL) and returns it. */
JOT_API jot_keyset *jot_keyset_ref(jot_keyset *set);

/* Drops one reference; jot_keyset_free(NULL) is a no-op. */
JOT_API void jot_keyset_free(jot_keyset *set);

#ifdef __cplusplus
}
#endif

#endif /* JOT_JWK_H */
