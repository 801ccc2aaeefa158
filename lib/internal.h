/*
 * internal.h - the private header of libjot.  Nothing here is API: these
 * names are hidden by -fvisibility=hidden and may change at any time.
 */
#ifndef JOT_INTERNAL_H
#define JOT_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "jot/jot.h"

/* How an algorithm signs: RFC 7518 §3.1. */
enum alg_family {
    FAM_NONE = 0,
    FAM_HMAC,       /* HS*: EVP_MAC "HMAC" */
    FAM_RSA,        /* RS*: RSASSA-PKCS1-v1_5 */
    FAM_PSS,        /* PS*: RSASSA-PSS, MGF1 with the same hash, salt = hash */
    FAM_EC,         /* ES*: ECDSA, raw R || S */
    FAM_ED          /* EdDSA: Ed25519 */
};

struct alg_info {
    const char *name;       /* JWS name */
    enum alg_family family;
    const char *md;         /* digest name, NULL for EdDSA */
    size_t hash_len;        /* digest output; the HMAC key minimum */
    const char *crv;        /* JWK curve name (EC, OKP) */
    const char *group;      /* OpenSSL group name (EC) */
    size_t coord_len;       /* EC coordinate and scalar octets */
    size_t sig_max;         /* largest JWS signature */
};

/* The table entry of alg, or NULL for an invalid value. */
const struct alg_info *jot__alg_info(jot_alg alg);

/* Smallest RSA modulus accepted, RFC 7518 §3.3. */
#define JOT_RSA_MIN_BITS 2048

struct jot_key {
    atomic_size_t refs;
    jot_alg alg;
    const struct alg_info *info;
    char *kid;                  /* NUL-terminated, or NULL */
    int is_private;
    EVP_PKEY *pkey;             /* RSA, EC, Ed25519; NULL for HMAC */
    EVP_MD *md;                 /* fetched once; NULL for EdDSA */
    unsigned char *secret;      /* HMAC key, wiped on free */
    size_t secret_len;
    /* HMAC: a context already keyed with secret.  Each operation works on
     * a duplicate, so the key schedule is computed once per key and the
     * template is only ever read, which is safe between threads. */
    EVP_MAC_CTX *mac;
    /* RSA and ECDSA: a verify context already set up for this key and
     * algorithm, copied by each verification (sign.c); and for a private
     * key a sign context, copied by each signature. */
    EVP_MD_CTX *verify_tmpl;
    EVP_MD_CTX *sign_tmpl;
};

/* Sets up key->verify_tmpl (and sign_tmpl for a private key) once the
 * key's pkey is in place. */
jot_err jot__key_prepare(jot_key *key);

/* Allocates a key of alg with one reference and nothing else set. */
jot_err jot__key_new(jot_alg alg, jot_key **out);

/*
 * Takes ownership of pkey (freed on error too) and binds it to key, after
 * checking that its type, curve and size fit key->alg.
 */
jot_err jot__key_set_pkey(jot_key *key, EVP_PKEY *pkey, int is_private);

/* Copies secret into key (an HMAC key), after the length check. */
jot_err jot__key_set_secret(jot_key *key, const void *secret, size_t len);

/*
 * Parses buf (len octets, borrowed) as a JSON object: at most
 * JOT_MAX_JSON_DEPTH deep, no duplicate member names, valid UTF-8.
 * Errors: JOT_ERR_DEPTH, JOT_ERR_DUPLICATE, JOT_ERR_MALFORMED.
 */
jot_err jot__json_object(const void *buf, size_t len, json_t **out);

/* 1 when buf nests no deeper than max containers, else 0. */
int jot__json_depth_ok(const unsigned char *buf, size_t len, size_t max);

/* Dumps j compactly into a new string (jot_free). */
jot_err jot__json_dump(const json_t *j, char **out);

/* Decodes the base64url member name of obj into a new buffer. */
jot_err jot__json_b64(const json_t *obj, const char *name,
                      unsigned char **out, size_t *out_len);

/*
 * Builds a key from a parsed JWK, bound as jot_jwk_parse describes.
 * JOT_ERR_ALG and JOT_ERR_KEY mean "not a key for JWS signatures" (which
 * a JWKS skips); any other error is a broken key.
 */
jot_err jot__jwk_from_json(const json_t *jwk, jot_alg want, jot_key **out);


struct jot_jws {
    /* The parsed header; NULL until first asked for when the fast path
     * of jws.c knew the header without parsing it (see header_of). */
    _Atomic(json_t *) header;
    const unsigned char *hdr;   /* the decoded header, in buf */
    size_t hdr_len;
    jot_alg alg;
    jot_key *key;               /* one reference, NULL when only decoded */
    const unsigned char *payload;
    size_t payload_len;
    unsigned char buf[];        /* the decoded segments */
};

/*
 * The shared core of jot_jws_verify (verify = 1) and jot_jws_decode
 * (verify = 0).
 */
jot_err jot__jws_parse(const jot_keyset *keys,
                       const struct jot_verify_opts *opts, int verify,
                       const char *tok, size_t tok_len, jot_jws **out);

#endif /* JOT_INTERNAL_H */
