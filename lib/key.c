/*
 * key.c - the algorithm-bound key: building, checking, reference counting.
 *
 * A key is bound to one algorithm at birth and checked against it then
 * (type, curve, size), so that signing and verifying never have to ask
 * which algorithm a key is for, and a token's header can never change it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "internal.h"

jot_err
jot__key_new(jot_alg alg, jot_key **out)
{
    const struct alg_info *info = jot__alg_info(alg);
    jot_key *key;

    *out = NULL;
    if (info == NULL)
        return JOT_ERR_ALG;
    key = calloc(1, sizeof *key);
    if (key == NULL)
        return JOT_ERR_NOMEM;
    atomic_init(&key->refs, 1);
    key->alg = alg;
    key->info = info;
    if (info->md != NULL) {
        key->md = EVP_MD_fetch(NULL, info->md, NULL);
        if (key->md == NULL) {
            free(key);
            return JOT_ERR_CRYPTO;
        }
    }
    *out = key;
    return JOT_OK;
}

/*
 * A public exponent of 1 makes every "signature" equal to its message
 * and an even one is no RSA key; OpenSSL imports both (from a JWK or a
 * PEM file) without a word, so they are refused here.
 */
static jot_err
check_rsa_exponent(const EVP_PKEY *pkey)
{
    BIGNUM *e = NULL;
    jot_err err = JOT_ERR_WEAK_KEY;

    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
        return JOT_ERR_MALFORMED;
    if (BN_is_odd(e) && !BN_is_one(e))
        err = JOT_OK;
    BN_free(e);
    return err;
}

/* Checks that pkey is the kind of key key->alg needs. */
static jot_err
check_pkey(const jot_key *key, EVP_PKEY *pkey)
{
    char group[32];
    size_t group_len;

    switch (key->info->family) {
    case FAM_RSA:
    case FAM_PSS:
        /* An "RSA-PSS" restricted key is refused too: its parameters
         * could disagree with the JWS ones. */
        if (!EVP_PKEY_is_a(pkey, "RSA"))
            return JOT_ERR_ALG;
        if (EVP_PKEY_get_bits(pkey) < JOT_RSA_MIN_BITS)
            return JOT_ERR_WEAK_KEY;
        return check_rsa_exponent(pkey);
    case FAM_EC:
        if (!EVP_PKEY_is_a(pkey, "EC"))
            return JOT_ERR_ALG;
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof group, &group_len))
            return JOT_ERR_ALG;
        /* RFC 7518 §3.4: each ES algorithm names exactly one curve. */
        if (strcmp(group, key->info->group) != 0 &&
            !(key->alg == JOT_ALG_ES256 && strcmp(group, "prime256v1") == 0) &&
            !(key->alg == JOT_ALG_ES384 && strcmp(group, "secp384r1") == 0) &&
            !(key->alg == JOT_ALG_ES512 && strcmp(group, "secp521r1") == 0))
            return JOT_ERR_ALG;
        return JOT_OK;
    case FAM_ED:
        return EVP_PKEY_is_a(pkey, "ED25519") ? JOT_OK : JOT_ERR_ALG;
    case FAM_HMAC:
    case FAM_NONE:
        break;
    }
    return JOT_ERR_ALG;
}

/*
 * A private key must sign what its own public half verifies.  An RSA key
 * whose d, primes or CRT values disagree with n and e imports without
 * complaint and would sign tokens nobody can verify (or leak its factors
 * through faulty signatures), so one signature is made and checked at
 * import.  EC and Ed25519 pairs are checked as they are decoded.
 */
static jot_err
self_test(const jot_key *key)
{
    static const char msg[] = "jot key self-test";
    unsigned char sig[2048];
    size_t sig_len = 0;

    if (key->info->family != FAM_RSA && key->info->family != FAM_PSS)
        return JOT_OK;
    if (jot_key_sign(key, msg, sizeof msg - 1, sig, sizeof sig, &sig_len) !=
            JOT_OK ||
        jot_key_verify(key, msg, sizeof msg - 1, sig, sig_len) != JOT_OK) {
        ERR_clear_error();
        return JOT_ERR_MALFORMED;
    }
    return JOT_OK;
}

jot_err
jot__key_set_pkey(jot_key *key, EVP_PKEY *pkey, int is_private)
{
    jot_err err = check_pkey(key, pkey);

    if (err != JOT_OK) {
        EVP_PKEY_free(pkey);
        return err;
    }
    EVP_PKEY_free(key->pkey);
    key->pkey = pkey;
    key->is_private = is_private;
    err = jot__key_prepare(key);
    if (err == JOT_OK && is_private)
        err = self_test(key);
    return err;
}

jot_err
jot__key_set_secret(jot_key *key, const void *secret, size_t len)
{
    OSSL_PARAM params[2];
    EVP_MAC *mac = NULL;
    jot_err err = JOT_ERR_CRYPTO;

    if (key->info->family != FAM_HMAC)
        return JOT_ERR_ALG;
    /* RFC 7518 §3.2: a key of the same size as the hash output or
     * larger.  OpenSSL itself accepts even an empty key. */
    if (len < key->info->hash_len)
        return JOT_ERR_WEAK_KEY;
    key->secret = malloc(len);
    if (key->secret == NULL)
        return JOT_ERR_NOMEM;
    memcpy(key->secret, secret, len);
    key->secret_len = len;
    key->is_private = 1;

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL)
        goto out;
    key->mac = EVP_MAC_CTX_new(mac);
    if (key->mac == NULL)
        goto out;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)key->info->md, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(key->mac, key->secret, key->secret_len, params))
        goto out;
    err = JOT_OK;
out:
    EVP_MAC_free(mac);
    return err;
}

jot_err
jot_key_from_secret(const void *secret, size_t secret_len, jot_alg alg,
                    jot_key **out)
{
    jot_key *key = NULL;
    jot_err err;

    *out = NULL;
    if (secret == NULL && secret_len > 0)
        return JOT_ERR_INVAL;
    err = jot__key_new(alg, &key);
    if (err != JOT_OK)
        return err;
    err = jot__key_set_secret(key, secret, secret_len);
    if (err != JOT_OK)
        goto out;
    *out = key;
    key = NULL;
out:
    jot_key_free(key);
    return err;
}

jot_err
jot_key_generate(jot_alg alg, jot_key **out)
{
    const struct alg_info *info = jot__alg_info(alg);
    unsigned char secret[64];
    EVP_PKEY *pkey = NULL;
    jot_key *key = NULL;
    jot_err err;

    *out = NULL;
    if (info == NULL)
        return JOT_ERR_ALG;
    err = jot__key_new(alg, &key);
    if (err != JOT_OK)
        return err;
    switch (info->family) {
    case FAM_HMAC:
        if (RAND_bytes(secret, (int)info->hash_len) != 1) {
            err = JOT_ERR_CRYPTO;
            goto out;
        }
        err = jot__key_set_secret(key, secret, info->hash_len);
        jot_wipe(secret, sizeof secret);
        goto out;
    case FAM_RSA:
    case FAM_PSS:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)JOT_RSA_MIN_BITS);
        break;
    case FAM_EC:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", info->group);
        break;
    case FAM_ED:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case FAM_NONE:
        break;
    }
    if (pkey == NULL) {
        err = JOT_ERR_CRYPTO;
        goto out;
    }
    err = jot__key_set_pkey(key, pkey, 1);
out:
    if (err != JOT_OK) {
        jot_key_free(key);
        return err;
    }
    *out = key;
    return JOT_OK;
}

jot_key *
jot_key_ref(jot_key *key)
{
    if (key != NULL)
        atomic_fetch_add_explicit(&key->refs, 1, memory_order_relaxed);
    return key;
}

void
jot_key_free(jot_key *key)
{
    if (key == NULL)
        return;
    /* The last reference frees; acq_rel orders every earlier use of the
     * key before the free on whichever thread does it. */
    if (atomic_fetch_sub_explicit(&key->refs, 1, memory_order_acq_rel) != 1)
        return;
    EVP_MAC_CTX_free(key->mac);
    EVP_MD_CTX_free(key->verify_tmpl);
    EVP_MD_CTX_free(key->sign_tmpl);
    jot_free_wiped(key->secret, key->secret_len);
    EVP_PKEY_free(key->pkey);
    EVP_MD_free(key->md);
    free(key->kid);
    free(key);
}

jot_alg
jot_key_alg(const jot_key *key)
{
    return key ? key->alg : JOT_ALG_INVALID;
}

const char *
jot_key_kid(const jot_key *key)
{
    return key ? key->kid : NULL;
}

int
jot_key_is_private(const jot_key *key)
{
    return key != NULL && key->is_private;
}

jot_err
jot_key_set_kid(jot_key *key, const char *kid)
{
    char *copy = NULL;

    if (key == NULL)
        return JOT_ERR_INVAL;
    if (kid != NULL) {
        copy = strdup(kid);
        if (copy == NULL)
            return JOT_ERR_NOMEM;
    }
    free(key->kid);
    key->kid = copy;
    return JOT_OK;
}
