/*
 * jwk.c - JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2): import into
 * an algorithm-bound key, export, RFC 7638 thumbprints and key ids.
 *
 * Export builds its JSON by hand rather than through jansson, so that
 * every buffer that held private material is ours to wipe.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "internal.h"

/* ---- import ---------------------------------------------------------- */

static const char *
kty_of(enum alg_family family)
{
    switch (family) {
    case FAM_HMAC: return "oct";
    case FAM_RSA:
    case FAM_PSS: return "RSA";
    case FAM_EC: return "EC";
    case FAM_ED: return "OKP";
    case FAM_NONE: break;
    }
    return NULL;
}

/* The algorithm a curve name alone implies, or JOT_ALG_INVALID. */
static jot_alg
alg_of_curve(const char *crv)
{
    if (strcmp(crv, "P-256") == 0)
        return JOT_ALG_ES256;
    if (strcmp(crv, "P-384") == 0)
        return JOT_ALG_ES384;
    if (strcmp(crv, "P-521") == 0)
        return JOT_ALG_ES512;
    if (strcmp(crv, "Ed25519") == 0)
        return JOT_ALG_EDDSA;
    return JOT_ALG_INVALID;
}

/* Decides which algorithm the JWK is bound to (see jwk.h). */
static jot_err
bind_alg(const json_t *jwk, jot_alg want, jot_alg *out)
{
    const json_t *a = json_object_get(jwk, "alg");
    const json_t *crv = json_object_get(jwk, "crv");
    jot_alg named = JOT_ALG_INVALID;
    jot_err err;

    *out = JOT_ALG_INVALID;
    if (a != NULL) {
        if (!json_is_string(a))
            return JOT_ERR_MALFORMED;
        err = jot_alg_from_name(json_string_value(a), json_string_length(a),
                                &named);
        if (err != JOT_OK)
            return err;         /* "none", "A128KW", ...: not for JWS */
    }
    if (want != JOT_ALG_INVALID) {
        if (named != JOT_ALG_INVALID && named != want)
            return JOT_ERR_ALG;
        *out = want;
    } else if (named != JOT_ALG_INVALID) {
        *out = named;
    } else if (json_is_string(crv)) {
        *out = alg_of_curve(json_string_value(crv));
    }
    return *out == JOT_ALG_INVALID ? JOT_ERR_ALG : JOT_OK;
}

/* Decodes a base64url member into a BIGNUM; NULL member gives NULL. */
static jot_err
member_bn(const json_t *jwk, const char *name, int secret, BIGNUM **out)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    jot_err err;

    *out = NULL;
    err = jot__json_b64(jwk, name, &bytes, &len);
    if (err != JOT_OK)
        return err;
    if (len == 0 || len > 2048)
        err = JOT_ERR_MALFORMED;
    else if ((*out = BN_bin2bn(bytes, (int)len, NULL)) == NULL)
        err = JOT_ERR_NOMEM;
    if (secret)
        jot_free_wiped(bytes, len);
    else
        free(bytes);
    return err;
}

/* Builds an EVP_PKEY of type from params. */
static jot_err
pkey_from_params(const char *type, int selection, OSSL_PARAM_BLD *bld,
                 EVP_PKEY **out)
{
    EVP_PKEY_CTX *ctx = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld), *p;
    jot_err err = JOT_ERR_MALFORMED;

    *out = NULL;
    if (params == NULL)
        return JOT_ERR_NOMEM;
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) {
        err = JOT_ERR_CRYPTO;
        goto out;
    }
    if (EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, out, selection, params) == 1)
        err = JOT_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    /* OpenSSL 3.0 has no OSSL_PARAM_clear_free: the parameters may hold
     * private numbers, so wipe them by hand. */
    for (p = params; p->key != NULL; p++)
        jot_wipe(p->data, p->data_size);
    OSSL_PARAM_free(params);
    return err;
}

static const char *const rsa_private_names[] = {"p", "q", "dp", "dq", "qi"};
static const char *const rsa_private_params[] = {
    OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};
#define N_RSA_PRIVATE 5

static jot_err
rsa_from_jwk(jot_key *key, const json_t *jwk)
{
    BIGNUM *n = NULL, *e = NULL, *d = NULL, *crt[N_RSA_PRIVATE] = {NULL};
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    int is_private = json_object_get(jwk, "d") != NULL;
    size_t i, n_crt = 0;
    jot_err err;

    if (bld == NULL)
        return JOT_ERR_NOMEM;
    err = member_bn(jwk, "n", 0, &n);
    if (err == JOT_OK)
        err = member_bn(jwk, "e", 0, &e);
    if (err != JOT_OK)
        goto out;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
        err = JOT_ERR_NOMEM;
        goto out;
    }
    if (is_private) {
        err = member_bn(jwk, "d", 1, &d);
        if (err != JOT_OK)
            goto out;
        if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d)) {
            err = JOT_ERR_NOMEM;
            goto out;
        }
        /* RFC 7518 §6.3.2: the CRT members come all together or not. */
        for (i = 0; i < N_RSA_PRIVATE; i++)
            n_crt += json_object_get(jwk, rsa_private_names[i]) != NULL;
        if (n_crt != 0 && n_crt != N_RSA_PRIVATE) {
            err = JOT_ERR_MALFORMED;
            goto out;
        }
        for (i = 0; i < n_crt; i++) {
            err = member_bn(jwk, rsa_private_names[i], 1, &crt[i]);
            if (err != JOT_OK)
                goto out;
            if (!OSSL_PARAM_BLD_push_BN(bld, rsa_private_params[i], crt[i])) {
                err = JOT_ERR_NOMEM;
                goto out;
            }
        }
    }
    err = pkey_from_params("RSA", is_private ? EVP_PKEY_KEYPAIR
                                             : EVP_PKEY_PUBLIC_KEY,
                           bld, &pkey);
    if (err == JOT_OK)
        err = jot__key_set_pkey(key, pkey, is_private);
out:
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    for (i = 0; i < N_RSA_PRIVATE; i++)
        BN_clear_free(crt[i]);
    OSSL_PARAM_BLD_free(bld);
    return err;
}

/* Decodes member name, which must be exactly len octets long. */
static jot_err
member_fixed(const json_t *jwk, const char *name, size_t len,
             unsigned char **out)
{
    size_t got = 0;
    jot_err err = jot__json_b64(jwk, name, out, &got);

    if (err == JOT_OK && got != len) {
        jot_free_wiped(*out, got);
        *out = NULL;
        err = JOT_ERR_MALFORMED;
    }
    return err;
}

static jot_err
ec_from_jwk(jot_key *key, const json_t *jwk)
{
    size_t n = key->info->coord_len;
    unsigned char *x = NULL, *y = NULL, *d = NULL, point[1 + 2 * 66];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *priv = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *check = NULL;
    int is_private = json_object_get(jwk, "d") != NULL;
    jot_err err;

    if (bld == NULL)
        return JOT_ERR_NOMEM;
    /* RFC 7518 §6.2.1.2: coordinates are full length, leading zeros
     * included; anything else is not this curve's encoding. */
    err = member_fixed(jwk, "x", n, &x);
    if (err == JOT_OK)
        err = member_fixed(jwk, "y", n, &y);
    if (err == JOT_OK && is_private)
        err = member_fixed(jwk, "d", n, &d);
    if (err != JOT_OK)
        goto out;
    point[0] = 0x04;            /* uncompressed SEC 1 point */
    memcpy(point + 1, x, n);
    memcpy(point + 1 + n, y, n);
    err = JOT_ERR_NOMEM;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         key->info->group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                          point, 1 + 2 * n))
        goto out;
    if (is_private) {
        priv = BN_bin2bn(d, (int)n, NULL);
        if (priv == NULL ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
            goto out;
    }
    err = pkey_from_params("EC", is_private ? EVP_PKEY_KEYPAIR
                                            : EVP_PKEY_PUBLIC_KEY,
                           bld, &pkey);
    if (err != JOT_OK)
        goto out;
    /* The point must be on the curve and not the identity (invalid-curve
     * attacks); for a private key, d must match it. */
    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1 ||
        (is_private && EVP_PKEY_pairwise_check(check) != 1)) {
        EVP_PKEY_free(pkey);
        err = JOT_ERR_MALFORMED;
        goto out;
    }
    err = jot__key_set_pkey(key, pkey, is_private);
out:
    EVP_PKEY_CTX_free(check);
    free(x);
    free(y);
    jot_free_wiped(d, n);
    BN_clear_free(priv);
    OSSL_PARAM_BLD_free(bld);
    return err;
}

static jot_err
okp_from_jwk(jot_key *key, const json_t *jwk)
{
    unsigned char *x = NULL, *d = NULL, pub[32];
    size_t pub_len = sizeof pub;
    EVP_PKEY *pkey = NULL;
    int is_private = json_object_get(jwk, "d") != NULL;
    jot_err err;

    err = member_fixed(jwk, "x", 32, &x);
    if (err == JOT_OK && is_private)
        err = member_fixed(jwk, "d", 32, &d);
    if (err != JOT_OK)
        goto out;
    if (is_private)
        pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, 32);
    else
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, 32);
    if (pkey == NULL) {
        err = JOT_ERR_MALFORMED;
        goto out;
    }
    /* RFC 8037 §2: x is the public key of d; a pair that disagrees would
     * sign tokens its own public half cannot verify. */
    if (is_private &&
        (EVP_PKEY_get_raw_public_key(pkey, pub, &pub_len) != 1 ||
         pub_len != 32 || memcmp(pub, x, 32) != 0)) {
        EVP_PKEY_free(pkey);
        err = JOT_ERR_MALFORMED;
        goto out;
    }
    err = jot__key_set_pkey(key, pkey, is_private);
out:
    free(x);
    jot_free_wiped(d, 32);
    return err;
}

static jot_err
oct_from_jwk(jot_key *key, const json_t *jwk)
{
    unsigned char *k = NULL;
    size_t len = 0;
    jot_err err = jot__json_b64(jwk, "k", &k, &len);

    if (err == JOT_OK)
        err = jot__key_set_secret(key, k, len);
    jot_free_wiped(k, len);
    return err;
}

jot_err
jot__jwk_from_json(const json_t *jwk, jot_alg want, jot_key **out)
{
    const json_t *kty = json_object_get(jwk, "kty");
    const json_t *crv = json_object_get(jwk, "crv");
    const json_t *kid = json_object_get(jwk, "kid");
    const json_t *use = json_object_get(jwk, "use");
    jot_key *key = NULL;
    jot_alg alg;
    jot_err err;

    *out = NULL;
    if (!json_is_object(jwk) || !json_is_string(kty) ||
        (kid != NULL && !json_is_string(kid)) ||
        (use != NULL && !json_is_string(use)) ||
        (crv != NULL && !json_is_string(crv)))
        return JOT_ERR_MALFORMED;
    if (use != NULL && strcmp(json_string_value(use), "sig") != 0)
        return JOT_ERR_KEY;     /* RFC 7517 §4.2: e.g. an encryption key */
    err = bind_alg(jwk, want, &alg);
    if (err != JOT_OK)
        return err;
    err = jot__key_new(alg, &key);
    if (err != JOT_OK)
        return err;
    if (strcmp(json_string_value(kty), kty_of(key->info->family)) != 0) {
        err = JOT_ERR_ALG;      /* RFC 7518 §3.1: alg fixes the key type */
        goto out;
    }
    if (key->info->crv != NULL && crv == NULL) {
        err = JOT_ERR_MALFORMED;        /* RFC 7518 §6.2.1.1: REQUIRED */
        goto out;
    }
    if (key->info->crv != NULL &&
        strcmp(json_string_value(crv), key->info->crv) != 0) {
        err = JOT_ERR_ALG;
        goto out;
    }
    switch (key->info->family) {
    case FAM_HMAC: err = oct_from_jwk(key, jwk); break;
    case FAM_RSA:
    case FAM_PSS: err = rsa_from_jwk(key, jwk); break;
    case FAM_EC: err = ec_from_jwk(key, jwk); break;
    case FAM_ED: err = okp_from_jwk(key, jwk); break;
    case FAM_NONE: err = JOT_ERR_ALG; break;
    }
    if (err == JOT_OK && kid != NULL)
        err = jot_key_set_kid(key, json_string_value(kid));
    if (err != JOT_OK)
        goto out;
    *out = key;
    key = NULL;
out:
    jot_key_free(key);
    return err;
}

jot_err
jot_jwk_parse(const char *json, size_t json_len, jot_alg alg, jot_key **out)
{
    json_t *root = NULL;
    jot_err err;

    *out = NULL;
    if (json == NULL)
        return JOT_ERR_INVAL;
    if (json_len > JOT_MAX_JWK_LEN)
        return JOT_ERR_TOO_LARGE;
    err = jot__json_object(json, json_len, &root);
    if (err == JOT_OK)
        err = jot__jwk_from_json(root, alg, out);
    json_decref(root);
    return err;
}

/* ---- export ---------------------------------------------------------- */

/* A growing string that is wiped when freed: it may hold private keys. */
struct sb {
    char *p;
    size_t len, cap;
    jot_err err;
};

static void
sb_add(struct sb *sb, const char *s, size_t n)
{
    char *grown;
    size_t cap;

    if (sb->err != JOT_OK)
        return;
    if (sb->len + n + 1 > sb->cap) {
        cap = (sb->len + n + 1) * 2;
        grown = malloc(cap);
        if (grown == NULL) {
            sb->err = JOT_ERR_NOMEM;
            return;
        }
        if (sb->p != NULL)
            memcpy(grown, sb->p, sb->len);
        jot_free_wiped(sb->p, sb->cap);
        sb->p = grown;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void
sb_str(struct sb *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

/* Appends "name":"value" (value needs no escaping), with a comma first
 * unless it opens the object. */
static void
sb_member(struct sb *sb, const char *name, const char *value)
{
    if (sb->len > 1)
        sb_str(sb, ",");
    sb_str(sb, "\"");
    sb_str(sb, name);
    sb_str(sb, "\":\"");
    sb_str(sb, value);
    sb_str(sb, "\"");
}

/* Encodes n octets into a member and wipes the encoding. */
static void
sb_member_bytes(struct sb *sb, const char *name, const unsigned char *b,
                size_t n)
{
    char *enc = NULL;
    jot_err err = jot_b64url_encode_alloc(b, n, &enc);

    if (err != JOT_OK) {
        if (sb->err == JOT_OK)
            sb->err = err;
        return;
    }
    sb_member(sb, name, enc);
    jot_free_wiped(enc, strlen(enc));
}

/* Appends a BIGNUM parameter of the key as a base64url member, padded to
 * pad octets (0: its natural length). */
static void
sb_member_bn(struct sb *sb, const jot_key *key, const char *name,
             const char *param, size_t pad)
{
    unsigned char buf[2048];
    BIGNUM *bn = NULL;
    int len;

    if (sb->err != JOT_OK)
        return;
    if (EVP_PKEY_get_bn_param(key->pkey, param, &bn) != 1) {
        sb->err = JOT_ERR_KEY;
        return;
    }
    len = pad ? (int)pad : BN_num_bytes(bn);
    if (len <= 0 || (size_t)len > sizeof buf ||
        BN_bn2binpad(bn, buf, len) != len)
        sb->err = JOT_ERR_CRYPTO;
    else
        sb_member_bytes(sb, name, buf, (size_t)len);
    jot_wipe(buf, sizeof buf);
    BN_clear_free(bn);
}

static void
sb_member_raw(struct sb *sb, const jot_key *key, const char *name, int priv)
{
    unsigned char buf[32];
    size_t len = sizeof buf;
    int ok = priv ? EVP_PKEY_get_raw_private_key(key->pkey, buf, &len)
                  : EVP_PKEY_get_raw_public_key(key->pkey, buf, &len);

    if (ok != 1)
        sb->err = sb->err ? sb->err : JOT_ERR_KEY;
    else
        sb_member_bytes(sb, name, buf, len);
    jot_wipe(buf, sizeof buf);
}

/*
 * Appends the key members proper.  canonical = 1 writes only the members
 * RFC 7638 §3.2 requires, in its order, with "kty" among them;
 * otherwise "kty" comes first and priv adds the private members.
 */
static void
sb_key_members(struct sb *sb, const jot_key *key, int canonical, int priv)
{
    size_t i, n = key->info->coord_len;

    switch (key->info->family) {
    case FAM_HMAC:
        if (canonical) {
            sb_member_bytes(sb, "k", key->secret, key->secret_len);
            sb_member(sb, "kty", "oct");
        } else {
            sb_member(sb, "kty", "oct");
            sb_member_bytes(sb, "k", key->secret, key->secret_len);
        }
        return;
    case FAM_RSA:
    case FAM_PSS:
        if (!canonical)
            sb_member(sb, "kty", "RSA");
        sb_member_bn(sb, key, "e", OSSL_PKEY_PARAM_RSA_E, 0);
        if (canonical)
            sb_member(sb, "kty", "RSA");
        sb_member_bn(sb, key, "n", OSSL_PKEY_PARAM_RSA_N, 0);
        if (!priv)
            return;
        sb_member_bn(sb, key, "d", OSSL_PKEY_PARAM_RSA_D, 0);
        for (i = 0; i < N_RSA_PRIVATE; i++)
            sb_member_bn(sb, key, rsa_private_names[i],
                         rsa_private_params[i], 0);
        return;
    case FAM_EC:
        if (!canonical)
            sb_member(sb, "kty", "EC");
        sb_member(sb, "crv", key->info->crv);
        if (canonical)
            sb_member(sb, "kty", "EC");
        sb_member_bn(sb, key, "x", OSSL_PKEY_PARAM_EC_PUB_X, n);
        sb_member_bn(sb, key, "y", OSSL_PKEY_PARAM_EC_PUB_Y, n);
        if (priv)
            sb_member_bn(sb, key, "d", OSSL_PKEY_PARAM_PRIV_KEY, n);
        return;
    case FAM_ED:
        if (!canonical)
            sb_member(sb, "kty", "OKP");
        sb_member(sb, "crv", "Ed25519");
        if (canonical)
            sb_member(sb, "kty", "OKP");
        sb_member_raw(sb, key, "x", 0);
        if (priv)
            sb_member_raw(sb, key, "d", 1);
        return;
    case FAM_NONE:
        break;
    }
    sb->err = JOT_ERR_KEY;
}

jot_err
jot_jwk_export(const jot_key *key, unsigned flags, char **out)
{
    struct sb sb = {NULL, 0, 0, JOT_OK};
    int priv = (flags & JOT_JWK_PRIVATE) != 0;
    char *kid = NULL;

    *out = NULL;
    if (key == NULL)
        return JOT_ERR_INVAL;
    if (priv ? !key->is_private : key->info->family == FAM_HMAC)
        return JOT_ERR_KEY;
    sb_str(&sb, "{");
    sb_key_members(&sb, key, 0, priv);
    if (key->kid != NULL) {
        /* A kid is any string: let jansson quote it. */
        json_t *s = json_string(key->kid);
        kid = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        json_decref(s);
        if (kid == NULL) {
            sb.err = sb.err ? sb.err : JOT_ERR_MALFORMED;
        } else {
            sb_str(&sb, ",\"kid\":");
            sb_str(&sb, kid);
        }
        free(kid);
    }
    sb_member(&sb, "alg", key->info->name);
    sb_member(&sb, "use", "sig");
    sb_str(&sb, "}");
    if (sb.err != JOT_OK) {
        jot_free_wiped(sb.p, sb.cap);
        return sb.err;
    }
    *out = sb.p;
    return JOT_OK;
}

jot_err
jot_jwk_thumbprint(const jot_key *key, char **out)
{
    struct sb sb = {NULL, 0, 0, JOT_OK};
    unsigned char hash[32];
    unsigned int hash_len = 0;
    jot_err err;

    *out = NULL;
    if (key == NULL)
        return JOT_ERR_INVAL;
    sb_str(&sb, "{");
    sb_key_members(&sb, key, 1, 0);
    sb_str(&sb, "}");
    err = sb.err;
    if (err == JOT_OK &&
        EVP_Digest(sb.p, sb.len, hash, &hash_len, EVP_sha256(), NULL) != 1)
        err = JOT_ERR_CRYPTO;
    jot_free_wiped(sb.p, sb.cap);
    if (err != JOT_OK)
        return err;
    return jot_b64url_encode_alloc(hash, hash_len, out);
}

/* 16 octets: a kid as hard to guess as a UUID, and short. */
#define RANDOM_KID_LEN 16

jot_err
jot_key_assign_kid(jot_key *key)
{
    unsigned char rnd[RANDOM_KID_LEN];
    char *kid = NULL;
    jot_err err;

    if (key == NULL)
        return JOT_ERR_INVAL;
    if (!jot_alg_is_hmac(jot_key_alg(key))) {
        err = jot_jwk_thumbprint(key, &kid);
    } else if (RAND_bytes(rnd, sizeof rnd) != 1) {
        err = JOT_ERR_CRYPTO;
    } else {
        /* The bytes are public once they are the kid, but they came
         * from the same generator as the secrets: do not leave them. */
        err = jot_b64url_encode_alloc(rnd, sizeof rnd, &kid);
        jot_wipe(rnd, sizeof rnd);
    }
    if (err == JOT_OK)
        err = jot_key_set_kid(key, kid);
    jot_free(kid);
    return err;
}
