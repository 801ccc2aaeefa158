/*
 * bench/bench.h - the pieces the libjot microbenchmark shares between its
 * files: the keys every contender uses, the floor (the least any verifier
 * must do, written directly over OpenSSL and jansson) and the libjwt peer.
 */
#ifndef JOT_BENCH_H
#define JOT_BENCH_H

#include <stddef.h>

#include <openssl/evp.h>

#include <jot/jot.h>

#define BENCH_SECRET_LEN 32
#define BENCH_KID_MAX 64

/*
 * One signing key and everything derived from it: the same key reaches
 * every contender, as a parsed EVP_PKEY (the floor), as PEM (libjwt, and
 * libjot's import) or as the raw secret (HMAC).
 */
struct bench_key {
    const char *name;                   /* JWS name, "ES256" */
    jot_alg alg;
    int hmac;
    unsigned char secret[BENCH_SECRET_LEN]; /* HMAC only */
    EVP_PKEY *priv;                     /* generated key; NULL for HMAC */
    EVP_PKEY *pub;                      /* public half, parsed from pub_pem */
    char *priv_pem;                     /* PKCS#8 "PRIVATE KEY" */
    size_t priv_pem_len;
    char *pub_pem;                      /* SPKI "PUBLIC KEY" */
    size_t pub_pem_len;
    char kid[BENCH_KID_MAX];
};

/* Prints "bench: <message>" to stderr, with OpenSSL's error queue, and
   exits 1. */
void bench_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Makes a key for alg (HS256, RS256, PS256, ES256 or EdDSA) with its
   PEMs and kid (a random one for HMAC; libjot sets the thumbprint of the
   others); bench_key_free wipes and frees what it holds. */
void bench_key_make(struct bench_key *k, const char *name, jot_alg alg);
void bench_key_free(struct bench_key *k);

/* The claims of a typical access token (API.md), as compact JSON that the
   caller frees with free(). */
char *bench_claims(const char *issuer, int64_t now, int64_t ttl);

/* base64url without padding.  Encode returns the encoded length; dst must
   hold 4 * ceil(n / 3) + 1 bytes (NUL-terminated).  Decode returns 1 and
   the length in *out_len, or 0 for a character outside the alphabet, an
   impossible length or a too small dst. */
size_t bench_b64_encode(const void *src, size_t n, char *dst);
int bench_b64_decode(const char *src, size_t n, unsigned char *dst,
                     size_t cap, size_t *out_len);

/* The floor.  header and claims are the JSON texts that floor_sign signs
   (copied); key is borrowed and must outlive the floor. */
struct floor;
struct floor *floor_new(const struct bench_key *key, const char *header,
                        const char *claims);
void floor_free(struct floor *f);
/* 1 when tok (tok_len octets) has a good signature and two JSON parts. */
int floor_verify(struct floor *f, const char *tok, size_t tok_len);
/* Writes a NUL-terminated compact JWS to out; returns its length, 0 on
   failure. */
size_t floor_sign(struct floor *f, char *out, size_t cap);

/* The libjwt 1.10.2 peer. */
struct peer;
/* NULL when libjwt has no such algorithm.  Every pointer is borrowed and
   must outlive the peer. */
struct peer *peer_new(const struct bench_key *key, const char *claims,
                      const char *issuer, const char *audience);
void peer_free(struct peer *p);
/* 1 when libjwt accepts tok (NUL-terminated) and its iss, aud and exp
   are as a verifier wants them. */
int peer_verify(struct peer *p, const char *tok);
/* A new token (free with free()), or NULL. */
char *peer_sign(struct peer *p);

#endif /* JOT_BENCH_H */
