/*
 * alg.c - the JWS algorithms of RFC 7518 §3 and RFC 8037, and what each
 * needs from a key.
 */
#include <string.h>

#include "internal.h"

static const struct alg_info algs[JOT_ALG_LAST] = {
    [JOT_ALG_HS256] = {"HS256", FAM_HMAC, "SHA256", 32, NULL, NULL, 0, 32},
    [JOT_ALG_HS384] = {"HS384", FAM_HMAC, "SHA384", 48, NULL, NULL, 0, 48},
    [JOT_ALG_HS512] = {"HS512", FAM_HMAC, "SHA512", 64, NULL, NULL, 0, 64},
    /* RSA signatures are as long as the modulus; 16384 bits is the
     * largest modulus OpenSSL accepts. */
    [JOT_ALG_RS256] = {"RS256", FAM_RSA, "SHA256", 32, NULL, NULL, 0, 2048},
    [JOT_ALG_RS384] = {"RS384", FAM_RSA, "SHA384", 48, NULL, NULL, 0, 2048},
    [JOT_ALG_RS512] = {"RS512", FAM_RSA, "SHA512", 64, NULL, NULL, 0, 2048},
    [JOT_ALG_PS256] = {"PS256", FAM_PSS, "SHA256", 32, NULL, NULL, 0, 2048},
    [JOT_ALG_PS384] = {"PS384", FAM_PSS, "SHA384", 48, NULL, NULL, 0, 2048},
    [JOT_ALG_PS512] = {"PS512", FAM_PSS, "SHA512", 64, NULL, NULL, 0, 2048},
    [JOT_ALG_ES256] = {"ES256", FAM_EC, "SHA256", 32, "P-256", "P-256", 32,
                       64},
    [JOT_ALG_ES384] = {"ES384", FAM_EC, "SHA384", 48, "P-384", "P-384", 48,
                       96},
    [JOT_ALG_ES512] = {"ES512", FAM_EC, "SHA512", 64, "P-521", "P-521", 66,
                       132},
    [JOT_ALG_EDDSA] = {"EdDSA", FAM_ED, NULL, 0, "Ed25519", NULL, 32, 64},
};

const struct alg_info *
jot__alg_info(jot_alg alg)
{
    if (alg <= JOT_ALG_INVALID || alg >= JOT_ALG_LAST)
        return NULL;
    return &algs[alg];
}

const char *
jot_alg_name(jot_alg alg)
{
    const struct alg_info *info = jot__alg_info(alg);

    return info ? info->name : NULL;
}

jot_err
jot_alg_from_name(const char *name, size_t name_len, jot_alg *out)
{
    int a;

    *out = JOT_ALG_INVALID;
    if (name == NULL)
        return JOT_ERR_ALG;
    /* Exact, case-sensitive match (RFC 7515 §4.1.1): "none", "None" and
     * "hs256" are all unknown names here. */
    for (a = JOT_ALG_INVALID + 1; a < JOT_ALG_LAST; a++) {
        if (strlen(algs[a].name) == name_len &&
            memcmp(algs[a].name, name, name_len) == 0) {
            *out = (jot_alg)a;
            return JOT_OK;
        }
    }
    return JOT_ERR_ALG;
}

int
jot_alg_is_hmac(jot_alg alg)
{
    const struct alg_info *info = jot__alg_info(alg);

    return info != NULL && info->family == FAM_HMAC;
}

size_t
jot_alg_sig_max(jot_alg alg)
{
    const struct alg_info *info = jot__alg_info(alg);

    return info ? info->sig_max : 0;
}
