/*
 * pem.c - PEM key import, for keys made by openssl(1) and friends.
 */
#include <openssl/decoder.h>
#include <openssl/err.h>

#include "internal.h"

/* Encrypted PEM is not supported: refuse rather than prompt on a tty. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Decodes pem as a key of the given selection, or returns NULL. */
static EVP_PKEY *
decode(const char *pem, size_t pem_len, int selection)
{
    const unsigned char *p = (const unsigned char *)pem;
    size_t len = pem_len;
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *pkey = NULL;

    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL, selection,
                                         NULL, NULL);
    if (dctx == NULL)
        return NULL;
    OSSL_DECODER_CTX_set_pem_password_cb(dctx, no_passphrase, NULL);
    if (OSSL_DECODER_from_data(dctx, &p, &len) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

jot_err
jot_key_from_pem(const char *pem, size_t pem_len, jot_alg alg, jot_key **out)
{
    jot_key *key = NULL;
    EVP_PKEY *pkey;
    int is_private = 1;
    jot_err err;

    *out = NULL;
    if (pem == NULL)
        return JOT_ERR_INVAL;
    if (pem_len > JOT_MAX_JWK_LEN)
        return JOT_ERR_TOO_LARGE;
    err = jot__key_new(alg, &key);
    if (err != JOT_OK)
        return err;
    if (key->info->family == FAM_HMAC) {
        err = JOT_ERR_ALG;      /* a PEM key is never an HMAC secret */
        goto out;
    }
    pkey = decode(pem, pem_len, EVP_PKEY_KEYPAIR);
    if (pkey == NULL) {
        is_private = 0;
        pkey = decode(pem, pem_len, EVP_PKEY_PUBLIC_KEY);
    }
    ERR_clear_error();
    if (pkey == NULL) {
        err = JOT_ERR_MALFORMED;
        goto out;
    }
    err = jot__key_set_pkey(key, pkey, is_private);
    if (err != JOT_OK)
        goto out;
    *out = key;
    key = NULL;
out:
    jot_key_free(key);
    return err;
}
