/*
 * sign.c - the low-level signature of a JWS signing input, in JWS form
 * (RFC 7518 §3), under the algorithm the key is bound to.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "internal.h"

/* DER of an ECDSA-Sig-Value for P-521 is at most 139 octets. */
#define DER_SIG_MAX 160

static jot_err
hmac(const jot_key *key, const void *input, size_t input_len,
     unsigned char *mac, size_t *mac_len)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(key->mac);
    jot_err err = JOT_ERR_CRYPTO;

    if (ctx == NULL)
        return JOT_ERR_NOMEM;
    if (EVP_MAC_update(ctx, input, input_len) &&
        EVP_MAC_final(ctx, mac, mac_len, EVP_MAX_MD_SIZE))
        err = JOT_OK;
    EVP_MAC_CTX_free(ctx);
    return err;
}

/* Sets the RSASSA-PSS parameters JWS fixes: MGF1 with the message hash,
 * and a salt as long as the hash (RFC 7518 §3.5).  OpenSSL's verifier
 * would otherwise accept any salt length. */
static int
set_pss(const jot_key *key, EVP_PKEY_CTX *pctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, key->md) > 0;
}

/*
 * Sets up ctx for a sign (sign = 1) or verify operation with key.  A key
 * keeps a verify context (and, when private, a sign context) set up at
 * birth (jot__key_prepare): copying one skips OpenSSL 3's algorithm
 * fetch, which walks shared name maps under a lock on every call.  The
 * templates are only ever read, so copies may be taken from any number
 * of threads at once.
 */
static jot_err
digest_init(const jot_key *key, EVP_MD_CTX *ctx, int sign)
{
    const EVP_MD_CTX *tmpl = sign ? key->sign_tmpl : key->verify_tmpl;
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    if (tmpl != NULL) {
        if (EVP_MD_CTX_copy_ex(ctx, tmpl) != 1)
            return JOT_ERR_CRYPTO;
        /* A copy is used once: without this flag, the final step would
         * duplicate the key context to keep the copy reusable. */
        EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
        return JOT_OK;
    }
    if (sign)
        ok = EVP_DigestSignInit(ctx, &pctx, key->md, NULL, key->pkey);
    else
        ok = EVP_DigestVerifyInit(ctx, &pctx, key->md, NULL, key->pkey);
    if (ok != 1)
        return JOT_ERR_CRYPTO;
    if (key->info->family == FAM_PSS && !set_pss(key, pctx))
        return JOT_ERR_CRYPTO;
    return JOT_OK;
}

/* A fresh context set up by digest_init, for *slot (freeing the old). */
static jot_err
make_template(const jot_key *key, int sign, EVP_MD_CTX **slot)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL)
        return JOT_ERR_NOMEM;
    EVP_MD_CTX_free(*slot);
    *slot = NULL;               /* so that digest_init starts from scratch */
    if (digest_init(key, ctx, sign) != JOT_OK) {
        EVP_MD_CTX_free(ctx);
        return JOT_ERR_CRYPTO;
    }
    *slot = ctx;
    return JOT_OK;
}

jot_err
jot__key_prepare(jot_key *key)
{
    jot_err err;

    /* EdDSA has no streaming interface, so no context can be copied. */
    if (key->pkey == NULL || key->info->family == FAM_ED)
        return JOT_OK;
    err = make_template(key, 0, &key->verify_tmpl);
    if (err == JOT_OK && key->is_private)
        err = make_template(key, 1, &key->sign_tmpl);
    return err;
}

/* Turns a DER ECDSA signature into the fixed-length R || S of JWS. */
static jot_err
der_to_raw(const jot_key *key, const unsigned char *der, size_t der_len,
           unsigned char *sig, size_t *sig_len)
{
    size_t n = key->info->coord_len;
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    const BIGNUM *r, *s;
    jot_err err = JOT_ERR_CRYPTO;

    if (es == NULL)
        return JOT_ERR_CRYPTO;
    ECDSA_SIG_get0(es, &r, &s);
    if (BN_bn2binpad(r, sig, (int)n) == (int)n &&
        BN_bn2binpad(s, sig + n, (int)n) == (int)n) {
        *sig_len = 2 * n;
        err = JOT_OK;
    }
    ECDSA_SIG_free(es);
    return err;
}

/*
 * Turns the R || S of JWS into DER for OpenSSL.  Anything but exactly
 * 2 * coord_len octets is refused (RFC 7518 §3.4), as is r or s = 0:
 * OpenSSL refuses those too, but a zero signature is the classic
 * "psychic signature" forgery (CVE-2022-21449), so it never gets there.
 */
static jot_err
raw_to_der(const jot_key *key, const unsigned char *sig, size_t sig_len,
           unsigned char *der, size_t *der_len)
{
    size_t n = key->info->coord_len;
    BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG *es = NULL;
    unsigned char *p = der;
    jot_err err = JOT_ERR_BAD_SIGNATURE;
    int len;

    if (sig_len != 2 * n)
        return JOT_ERR_BAD_SIGNATURE;
    r = BN_bin2bn(sig, (int)n, NULL);
    s = BN_bin2bn(sig + n, (int)n, NULL);
    if (r == NULL || s == NULL) {
        err = JOT_ERR_NOMEM;
        goto out;
    }
    if (BN_is_zero(r) || BN_is_zero(s))
        goto out;
    es = ECDSA_SIG_new();
    if (es == NULL || !ECDSA_SIG_set0(es, r, s)) {
        err = JOT_ERR_NOMEM;
        goto out;
    }
    r = s = NULL;               /* now owned by es */
    /* DER_SIG_MAX holds the largest encoding: no sizing call needed. */
    len = i2d_ECDSA_SIG(es, &p);
    if (len <= 0 || (size_t)len > DER_SIG_MAX) {
        err = JOT_ERR_CRYPTO;
        goto out;
    }
    *der_len = (size_t)len;
    err = JOT_OK;
out:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return err;
}

jot_err
jot_key_sign(const jot_key *key, const void *input, size_t input_len,
             unsigned char *sig, size_t sig_cap, size_t *sig_len)
{
    unsigned char der[DER_SIG_MAX];
    EVP_MD_CTX *ctx = NULL;
    size_t len;
    jot_err err;

    *sig_len = 0;
    if (key == NULL || (input == NULL && input_len > 0) || sig == NULL)
        return JOT_ERR_INVAL;
    if (!key->is_private)
        return JOT_ERR_KEY;
    if (key->info->family == FAM_HMAC) {
        if (sig_cap < key->info->hash_len)
            return JOT_ERR_TOO_LARGE;
        return hmac(key, input, input_len, sig, sig_len);
    }
    /* RSA needs the modulus size; ECDSA and EdDSA their fixed JWS size
     * (EVP_PKEY_get_size would give the larger DER size of ECDSA). */
    if (sig_cap < (key->info->family == FAM_RSA ||
                           key->info->family == FAM_PSS
                       ? (size_t)EVP_PKEY_get_size(key->pkey)
                       : key->info->sig_max))
        return JOT_ERR_TOO_LARGE;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return JOT_ERR_NOMEM;
    err = digest_init(key, ctx, 1);
    if (err != JOT_OK)
        goto out;
    err = JOT_ERR_CRYPTO;
    if (key->info->family == FAM_EC) {
        len = sizeof der;
        if (EVP_DigestSign(ctx, der, &len, input, input_len) != 1)
            goto out;
        err = der_to_raw(key, der, len, sig, sig_len);
    } else {
        len = sig_cap;
        if (EVP_DigestSign(ctx, sig, &len, input, input_len) != 1)
            goto out;
        *sig_len = len;
        err = JOT_OK;
    }
out:
    EVP_MD_CTX_free(ctx);
    return err;
}

jot_err
jot_key_verify(const jot_key *key, const void *input, size_t input_len,
               const unsigned char *sig, size_t sig_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE], der[DER_SIG_MAX];
    EVP_MD_CTX *ctx = NULL;
    size_t mac_len = 0;
    jot_err err;

    if (key == NULL || (input == NULL && input_len > 0) ||
        (sig == NULL && sig_len > 0))
        return JOT_ERR_INVAL;
    if (key->info->family == FAM_HMAC) {
        /* JWS takes the whole tag: a truncated one is a forgery aid. */
        if (sig_len != key->info->hash_len)
            return JOT_ERR_BAD_SIGNATURE;
        err = hmac(key, input, input_len, mac, &mac_len);
        if (err == JOT_OK && !jot_ct_equal(mac, sig, sig_len))
            err = JOT_ERR_BAD_SIGNATURE;
        jot_wipe(mac, sizeof mac);
        return err;
    }
    if (key->info->family == FAM_EC) {
        err = raw_to_der(key, sig, sig_len, der, &sig_len);
        if (err != JOT_OK)
            return err;
        sig = der;
    } else if (key->info->family != FAM_ED &&
               sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
        return JOT_ERR_BAD_SIGNATURE;   /* RSA: exactly the modulus size */
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return JOT_ERR_NOMEM;
    err = digest_init(key, ctx, 0);
    if (err == JOT_OK &&
        EVP_DigestVerify(ctx, sig, sig_len, input, input_len) != 1) {
        /* A refusal is an answer, not a library failure: leave no error
         * behind in this thread's OpenSSL queue. */
        ERR_clear_error();
        err = JOT_ERR_BAD_SIGNATURE;
    }
    EVP_MD_CTX_free(ctx);
    return err;
}
