/*
 * bench/floor.c - the floor: what any JWS verifier must do at the least,
 * written straight over OpenSSL and jansson on an already parsed key.
 *
 * Verify: split the token, base64url-decode its three segments, check the
 * signature with the parsed key, and parse header and payload as JSON.
 * Sign: the JSON texts already exist, so encode them, sign, and encode
 * the signature.  No limits, no policy, no error detail: a library that
 * does its job properly can only be slower than this, and the point of
 * measuring it is to know by how much.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "bench.h"

/* Decoded segments of a token of at most JOT_MAX_TOKEN_LEN octets. */
#define SEG_MAX (JOT_MAX_TOKEN_LEN / 4 * 3 + 3)
#define ES256_LEN 32
#define SIG_MAX 512                 /* RSA up to 4096 bits */

struct floor {
    const struct bench_key *key;
    EVP_MAC_CTX *mac;           /* HMAC keyed once, duplicated per call */
    EVP_MD *md;                 /* SHA-256, fetched once; NULL for EdDSA */
    int pss;
    int ecdsa;
    char *header;
    char *claims;
};

static const char enc_tab[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static signed char dec_tab[256];
static int dec_tab_ready;

static void
init_dec_tab(void)
{
    size_t i;

    memset(dec_tab, -1, sizeof dec_tab);
    for (i = 0; i < 64; i++)
        dec_tab[(unsigned char)enc_tab[i]] = (signed char)i;
    dec_tab_ready = 1;
}

size_t
bench_b64_encode(const void *src, size_t n, char *dst)
{
    const unsigned char *s = src;
    size_t i, o = 0;
    unsigned long v;

    for (i = 0; i + 3 <= n; i += 3) {
        v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
            s[i + 2];
        dst[o++] = enc_tab[v >> 18];
        dst[o++] = enc_tab[(v >> 12) & 63];
        dst[o++] = enc_tab[(v >> 6) & 63];
        dst[o++] = enc_tab[v & 63];
    }
    if (n - i == 1) {
        v = (unsigned long)s[i] << 16;
        dst[o++] = enc_tab[v >> 18];
        dst[o++] = enc_tab[(v >> 12) & 63];
    } else if (n - i == 2) {
        v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8;
        dst[o++] = enc_tab[v >> 18];
        dst[o++] = enc_tab[(v >> 12) & 63];
        dst[o++] = enc_tab[(v >> 6) & 63];
    }
    dst[o] = '\0';
    return o;
}

int
bench_b64_decode(const char *src, size_t n, unsigned char *dst, size_t cap,
                 size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i, o = 0;
    long a, b, c, d;

    if (!dec_tab_ready)
        init_dec_tab();
    if (n % 4 == 1 || n / 4 * 3 + 2 > cap)
        return 0;
    for (i = 0; i + 4 <= n; i += 4) {
        a = dec_tab[s[i]];
        b = dec_tab[s[i + 1]];
        c = dec_tab[s[i + 2]];
        d = dec_tab[s[i + 3]];
        if ((a | b | c | d) < 0)
            return 0;
        dst[o++] = (unsigned char)(a << 2 | b >> 4);
        dst[o++] = (unsigned char)(b << 4 | c >> 2);
        dst[o++] = (unsigned char)(c << 6 | d);
    }
    if (n - i >= 2) {
        a = dec_tab[s[i]];
        b = dec_tab[s[i + 1]];
        c = n - i == 3 ? dec_tab[s[i + 2]] : 0;
        if ((a | b | c) < 0)
            return 0;
        dst[o++] = (unsigned char)(a << 2 | b >> 4);
        if (n - i == 3)
            dst[o++] = (unsigned char)(b << 4 | c >> 2);
    }
    *out_len = o;
    return 1;
}

struct floor *
floor_new(const struct bench_key *key, const char *header,
          const char *claims)
{
    struct floor *f;
    EVP_MAC *mac = NULL;
    OSSL_PARAM params[2];

    f = calloc(1, sizeof *f);
    if (f == NULL)
        bench_die("out of memory");
    f->key = key;
    f->header = strdup(header);
    f->claims = strdup(claims);
    if (f->header == NULL || f->claims == NULL)
        bench_die("out of memory");
    if (key->alg != JOT_ALG_EDDSA) {
        f->md = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (f->md == NULL)
            bench_die("floor: no SHA-256");
    }
    f->pss = key->alg == JOT_ALG_PS256;
    f->ecdsa = key->alg == JOT_ALG_ES256;
    if (key->hmac) {
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        f->mac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *)"SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();
        if (f->mac == NULL ||
            !EVP_MAC_init(f->mac, key->secret, sizeof key->secret, params))
            bench_die("floor: cannot key HMAC");
        EVP_MAC_free(mac);
    }
    return f;
}

void
floor_free(struct floor *f)
{
    if (f == NULL)
        return;
    EVP_MAC_CTX_free(f->mac);
    EVP_MD_free(f->md);
    free(f->header);
    free(f->claims);
    free(f);
}

static int
hmac(struct floor *f, const char *in, size_t in_len, unsigned char *md,
     size_t *md_len)
{
    EVP_MAC_CTX *c;
    int ok;

    c = EVP_MAC_CTX_dup(f->mac);
    ok = c != NULL && EVP_MAC_update(c, (const unsigned char *)in, in_len) &&
         EVP_MAC_final(c, md, md_len, EVP_MAX_MD_SIZE);
    EVP_MAC_CTX_free(c);
    return ok;
}

/* RFC 7518 §3.4: the JWS form R || S becomes the DER that OpenSSL wants. */
static int
es256_to_der(const unsigned char *sig, unsigned char *der, size_t *der_len)
{
    ECDSA_SIG *es;
    BIGNUM *r, *s;
    unsigned char *p = der;
    int n;

    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, ES256_LEN, NULL);
    s = BN_bin2bn(sig + ES256_LEN, ES256_LEN, NULL);
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return 0;
    }
    n = i2d_ECDSA_SIG(es, &p);
    ECDSA_SIG_free(es);
    if (n <= 0)
        return 0;
    *der_len = (size_t)n;
    return 1;
}

static int
der_to_es256(const unsigned char *der, size_t der_len, unsigned char *sig)
{
    const unsigned char *p = der;
    const BIGNUM *r, *s;
    ECDSA_SIG *es;
    int ok;

    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (es == NULL)
        return 0;
    ECDSA_SIG_get0(es, &r, &s);
    ok = BN_bn2binpad(r, sig, ES256_LEN) == ES256_LEN &&
         BN_bn2binpad(s, sig + ES256_LEN, ES256_LEN) == ES256_LEN;
    ECDSA_SIG_free(es);
    return ok;
}

static int
set_pss(struct floor *f, EVP_PKEY_CTX *pc)
{
    /* RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash. */
    return !f->pss ||
           (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0);
}

static int
check_sig(struct floor *f, const char *in, size_t in_len,
          const unsigned char *sig, size_t sig_len)
{
    unsigned char md[EVP_MAX_MD_SIZE], der[80];
    size_t md_len;
    EVP_MD_CTX *mc;
    EVP_PKEY_CTX *pc = NULL;
    int ok;

    if (f->mac != NULL) {
        return hmac(f, in, in_len, md, &md_len) && md_len == sig_len &&
               CRYPTO_memcmp(md, sig, sig_len) == 0;
    }
    if (f->ecdsa) {
        if (sig_len != 2 * ES256_LEN || !es256_to_der(sig, der, &sig_len))
            return 0;
        sig = der;
    }
    mc = EVP_MD_CTX_new();
    ok = mc != NULL &&
         EVP_DigestVerifyInit(mc, &pc, f->md, NULL, f->key->pub) == 1 &&
         set_pss(f, pc) &&
         EVP_DigestVerify(mc, sig, sig_len, (const unsigned char *)in,
                          in_len) == 1;
    EVP_MD_CTX_free(mc);
    return ok;
}

static int
is_json_object(const unsigned char *s, size_t n)
{
    json_error_t e;
    json_t *j;
    int ok;

    j = json_loadb((const char *)s, n, 0, &e);
    ok = json_is_object(j);
    json_decref(j);
    return ok;
}

int
floor_verify(struct floor *f, const char *tok, size_t tok_len)
{
    unsigned char hdr[SEG_MAX], pay[SEG_MAX], sig[SEG_MAX];
    size_t hdr_len, pay_len, sig_len;
    const char *d1, *d2, *end = tok + tok_len;

    d1 = memchr(tok, '.', tok_len);
    if (d1 == NULL)
        return 0;
    d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
    if (d2 == NULL || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) != NULL)
        return 0;
    if (!bench_b64_decode(tok, (size_t)(d1 - tok), hdr, sizeof hdr,
                          &hdr_len) ||
        !bench_b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), pay, sizeof pay,
                          &pay_len) ||
        !bench_b64_decode(d2 + 1, (size_t)(end - d2 - 1), sig, sizeof sig,
                          &sig_len))
        return 0;
    if (!check_sig(f, tok, (size_t)(d2 - tok), sig, sig_len))
        return 0;
    return is_json_object(hdr, hdr_len) && is_json_object(pay, pay_len);
}

static int
make_sig(struct floor *f, const char *in, size_t in_len, unsigned char *sig,
         size_t *sig_len)
{
    unsigned char der[SIG_MAX];
    size_t der_len = sizeof der;
    EVP_MD_CTX *mc;
    EVP_PKEY_CTX *pc = NULL;
    int ok;

    if (f->mac != NULL)
        return hmac(f, in, in_len, sig, sig_len);
    mc = EVP_MD_CTX_new();
    ok = mc != NULL &&
         EVP_DigestSignInit(mc, &pc, f->md, NULL, f->key->priv) == 1 &&
         set_pss(f, pc) &&
         EVP_DigestSign(mc, der, &der_len, (const unsigned char *)in,
                        in_len) == 1;
    EVP_MD_CTX_free(mc);
    if (!ok)
        return 0;
    if (f->ecdsa) {
        *sig_len = 2 * ES256_LEN;
        return der_to_es256(der, der_len, sig);
    }
    memcpy(sig, der, der_len);
    *sig_len = der_len;
    return 1;
}

size_t
floor_sign(struct floor *f, char *out, size_t cap)
{
    unsigned char sig[SIG_MAX];
    size_t hl = strlen(f->header), cl = strlen(f->claims), n, sig_len;

    /* Each part grows by 4/3 rounded up; two dots and the NUL. */
    if ((hl + 2) / 3 * 4 + (cl + 2) / 3 * 4 + (SIG_MAX + 2) / 3 * 4 + 3 > cap)
        return 0;
    n = bench_b64_encode(f->header, hl, out);
    out[n++] = '.';
    n += bench_b64_encode(f->claims, cl, out + n);
    if (!make_sig(f, out, n, sig, &sig_len))
        return 0;
    out[n++] = '.';
    n += bench_b64_encode(sig, sig_len, out + n);
    return n;
}
