/*
 * bench/keys.c - the keys and the claims of the benchmark.  OpenSSL makes
 * each key; it is then exported as PEM and the public PEM parsed back, so
 * that every contender holds the very same key in the form it takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "bench.h"

static char *
bio_text(BIO *bio, size_t *len)
{
    char *data, *s;
    long n;

    n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        bench_die("empty PEM");
    s = malloc((size_t)n + 1);
    if (s == NULL)
        bench_die("out of memory");
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

static EVP_PKEY *
generate(jot_alg alg)
{
    switch (alg) {
    case JOT_ALG_RS256:
    case JOT_ALG_PS256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case JOT_ALG_ES256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case JOT_ALG_EDDSA:
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    default:
        return NULL;
    }
}

/* Makes the key with OpenSSL, exports it as PEM and parses the public PEM
   back, so every contender holds the same key in its own form. */
void
bench_key_make(struct bench_key *k, const char *name, jot_alg alg)
{
    unsigned char rnd[32];
    BIO *bio;

    memset(k, 0, sizeof *k);
    k->name = name;
    k->alg = alg;
    k->hmac = jot_alg_is_hmac(alg);
    if (k->hmac) {
        /* API.md: an HMAC key gets a random kid, not a thumbprint. */
        if (RAND_bytes(k->secret, sizeof k->secret) != 1 ||
            RAND_bytes(rnd, sizeof rnd) != 1)
            bench_die("RAND_bytes failed");
        bench_b64_encode(rnd, sizeof rnd, k->kid);
        return;
    }
    k->priv = generate(alg);
    if (k->priv == NULL)
        bench_die("%s: key generation failed", name);
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL ||
        !PEM_write_bio_PrivateKey(bio, k->priv, NULL, NULL, 0, NULL, NULL))
        bench_die("%s: cannot write the private PEM", name);
    k->priv_pem = bio_text(bio, &k->priv_pem_len);
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PUBKEY(bio, k->priv))
        bench_die("%s: cannot write the public PEM", name);
    k->pub_pem = bio_text(bio, &k->pub_pem_len);
    BIO_free(bio);
    bio = BIO_new_mem_buf(k->pub_pem, (int)k->pub_pem_len);
    k->pub = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    if (k->pub == NULL)
        bench_die("%s: cannot read the public PEM back", name);
    BIO_free(bio);
}

void
bench_key_free(struct bench_key *k)
{
    OPENSSL_cleanse(k->secret, sizeof k->secret);
    EVP_PKEY_free(k->priv);
    EVP_PKEY_free(k->pub);
    if (k->priv_pem != NULL)
        OPENSSL_cleanse(k->priv_pem, k->priv_pem_len);
    free(k->priv_pem);
    free(k->pub_pem);
}

/* A uuid-like random id, 36 characters. */
static void
uuid(char *out, size_t cap)
{
    unsigned char b[16];
    int n;

    if (RAND_bytes(b, sizeof b) != 1)
        bench_die("RAND_bytes failed");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    n = snprintf(out, cap,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                 b[10], b[11], b[12], b[13], b[14], b[15]);
    if (n < 0 || (size_t)n >= cap)
        bench_die("uuid: buffer too small");
}

char *
bench_claims(const char *issuer, int64_t now, int64_t ttl)
{
    char sub[40], sid[40], jti[32], *s;
    unsigned char rnd[16];
    size_t cap = 512;
    int n;

    uuid(sub, sizeof sub);
    uuid(sid, sizeof sid);
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        bench_die("RAND_bytes failed");
    bench_b64_encode(rnd, sizeof rnd, jti);
    s = malloc(cap);
    if (s == NULL)
        bench_die("out of memory");
    n = snprintf(s, cap,
                 "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\","
                 "\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,\"jti\":\"%s\","
                 "\"sid\":\"%s\",\"roles\":[\"user\"]}",
                 issuer, sub, issuer, (long long)(now + ttl), (long long)now,
                 (long long)now, jti, sid);
    if (n < 0 || (size_t)n >= cap)
        bench_die("claims: buffer too small");
    return s;
}
