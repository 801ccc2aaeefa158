/*
 * test_jwk.c - algorithms, keys and key sets (jwk.h): generation, JWK
 * export and import, algorithm binding, weak and malformed keys, PEM
 * import checked against OpenSSL, RFC 7638 thumbprints, the low-level
 * sign/verify, and key sets (JWKS) with their reference counting.
 *
 * One 2048-bit RSA key is generated for the whole suite (in the group
 * setup) and bound to each RSA algorithm in turn by parsing its JWK.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct alg_info {
    jot_alg alg;
    const char *name;
    const char *kty;
    const char *crv;        /* NULL for RSA and oct */
    size_t sig_len;         /* signature length with a generated key */
    size_t size;            /* octets of "k" (oct), "x" (EC, OKP), "n" */
} algs[] = {
    { JOT_ALG_HS256, "HS256", "oct", NULL, 32, 32 },
    { JOT_ALG_HS384, "HS384", "oct", NULL, 48, 48 },
    { JOT_ALG_HS512, "HS512", "oct", NULL, 64, 64 },
    { JOT_ALG_RS256, "RS256", "RSA", NULL, 256, 256 },
    { JOT_ALG_RS384, "RS384", "RSA", NULL, 256, 256 },
    { JOT_ALG_RS512, "RS512", "RSA", NULL, 256, 256 },
    { JOT_ALG_PS256, "PS256", "RSA", NULL, 256, 256 },
    { JOT_ALG_PS384, "PS384", "RSA", NULL, 256, 256 },
    { JOT_ALG_PS512, "PS512", "RSA", NULL, 256, 256 },
    { JOT_ALG_ES256, "ES256", "EC", "P-256", 64, 32 },
    { JOT_ALG_ES384, "ES384", "EC", "P-384", 96, 48 },
    { JOT_ALG_ES512, "ES512", "EC", "P-521", 132, 66 },
    { JOT_ALG_EDDSA, "EdDSA", "OKP", "Ed25519", 64, 32 },
};

static const char input[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0";
#define INPUT_LEN (sizeof input - 1)
#define SIG_CAP 2048            /* more than any jot_alg_sig_max() */

/* OpenSSL keys of the PEM tests; PK_RSA is the suite's RSA key. */
enum pk { PK_RSA, PK_P256, PK_P384, PK_P521, PK_ED, PK_RSA1024, PK_K256,
          PK_N };

static jot_key *rsa_key;        /* jot_key_generate(JOT_ALG_RS256) */
static char *rsa_jwk_noalg;     /* its private JWK without "alg" */
static EVP_PKEY *pkeys[PK_N];

static const struct alg_info *
info(jot_alg alg)
{
    size_t i;

    for (i = 0; i < N_ELEMS(algs); i++) {
        if (algs[i].alg == alg)
            return &algs[i];
    }
    fail_msg("no alg %d", (int)alg);
    return NULL;
}

static int
is_rsa(jot_alg alg)
{
    return alg >= JOT_ALG_RS256 && alg <= JOT_ALG_PS512;
}

static int
is_ps(jot_alg alg)
{
    return alg >= JOT_ALG_PS256 && alg <= JOT_ALG_PS512;
}

static int
is_es(jot_alg alg)
{
    return alg >= JOT_ALG_ES256 && alg <= JOT_ALG_ES512;
}

static const EVP_MD *
alg_md(jot_alg alg)
{
    switch (alg) {
    case JOT_ALG_HS256: case JOT_ALG_RS256: case JOT_ALG_PS256:
    case JOT_ALG_ES256:
        return EVP_sha256();
    case JOT_ALG_HS384: case JOT_ALG_RS384: case JOT_ALG_PS384:
    case JOT_ALG_ES384:
        return EVP_sha384();
    case JOT_ALG_HS512: case JOT_ALG_RS512: case JOT_ALG_PS512:
    case JOT_ALG_ES512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

/* ---- JSON and base64url ------------------------------------------- */

static json_t *
jparse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);

    if (j == NULL)
        fail_msg("bad JSON (%s): %s", e.text, s);
    return j;
}

/* Compact JSON, members in their order; free with free(). */
static char *
jdump(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    assert_non_null(s);
    return s;
}

static const char *
jstr(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));

    if (s == NULL)
        fail_msg("no string member \"%s\"", name);
    return s;
}

static char *
b64(const void *p, size_t n)
{
    char *s = NULL;

    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(p, n, &s));
    return s;
}

static unsigned char *
unb64(const char *s, size_t *len)
{
    unsigned char *p = NULL;

    tu_assert_err(JOT_OK, jot_b64url_decode_alloc(s, strlen(s), &p, len));
    return p;
}

/* Size in octets of the base64url member name of the JWK object. */
static size_t
member_size(const json_t *obj, const char *name)
{
    size_t n;
    unsigned char *p = unb64(jstr(obj, name), &n);

    jot_free(p);
    return n;
}

/* Frees a string that may hold secrets. */
static void
free_secret(char *s)
{
    if (s != NULL) {
        jot_wipe(s, strlen(s));
        jot_free(s);
    }
}

/* The JWK text with member name set to value (stolen), or removed. */
static char *
jwk_edit(const char *jwk, const char *name, json_t *value)
{
    json_t *j = jparse(jwk);
    char *s;

    if (value == NULL)
        json_object_del(j, name);
    else
        json_object_set_new(j, name, value);
    s = jdump(j);
    json_decref(j);
    return s;
}

/* ---- keys --------------------------------------------------------- */

static char *
export_key(const jot_key *key, unsigned flags)
{
    char *s = NULL;

    tu_assert_err(JOT_OK, jot_jwk_export(key, flags, &s));
    assert_non_null(s);
    return s;
}

static jot_key *
parse_ok(const char *jwk, jot_alg alg)
{
    jot_key *k = NULL;

    tu_assert_err(JOT_OK, jot_jwk_parse(jwk, strlen(jwk), alg, &k));
    assert_non_null(k);
    return k;
}

/*
 * Parses jwk bound to alg and checks the result is want (a failure leaves
 * *out NULL).  Returns 1 on a mismatch, else 0.
 */
static int
parse_check(const char *jwk, size_t len, jot_alg alg, jot_err want,
            const char *what)
{
    jot_key *k = (jot_key *)&k;     /* any non-NULL value */
    jot_err err = jot_jwk_parse(jwk, len, alg, &k);

    if (err == JOT_OK)
        jot_key_free(k);
    else
        assert_null(k);
    return mismatch(want, err, "%s", what);
}

/* Like parse_check, but stops the test on a mismatch. */
static void
parse_fails(const char *jwk, size_t len, jot_alg alg, jot_err want,
            const char *what)
{
    if (parse_check(jwk, len, alg, want, what) != 0)
        fail_msg("%s", what);
}

/* A new private key for alg; RSA algorithms share the suite's key. */
static jot_key *
new_key(jot_alg alg)
{
    jot_key *k = NULL;

    if (is_rsa(alg))
        return parse_ok(rsa_jwk_noalg, alg);
    tu_assert_err(JOT_OK, jot_key_generate(alg, &k));
    assert_non_null(k);
    return k;
}

static char *
thumbprint(const jot_key *key)
{
    char *s = NULL;

    tu_assert_err(JOT_OK, jot_jwk_thumbprint(key, &s));
    assert_non_null(s);
    return s;
}

/* The RFC 7638 thumbprint computed here from the JWK text. */
static char *
thumbprint_of(const char *jwk)
{
    json_t *j = jparse(jwk);
    const char *kty = jstr(j, "kty");
    char canon[4096];
    unsigned char md[32];
    unsigned md_len = 0;
    int n;

    if (strcmp(kty, "RSA") == 0)
        n = snprintf(canon, sizeof canon,
                     "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                     jstr(j, "e"), jstr(j, "n"));
    else if (strcmp(kty, "EC") == 0)
        n = snprintf(canon, sizeof canon,
                     "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\","
                     "\"y\":\"%s\"}", jstr(j, "crv"), jstr(j, "x"),
                     jstr(j, "y"));
    else if (strcmp(kty, "OKP") == 0)
        n = snprintf(canon, sizeof canon,
                     "{\"crv\":\"%s\",\"kty\":\"OKP\",\"x\":\"%s\"}",
                     jstr(j, "crv"), jstr(j, "x"));
    else
        n = snprintf(canon, sizeof canon, "{\"k\":\"%s\",\"kty\":\"oct\"}",
                     jstr(j, "k"));
    if (n < 0 || (size_t)n >= sizeof canon)
        fail_msg("canonical JWK too long");
    assert_int_equal(EVP_Digest(canon, (size_t)n, md, &md_len, EVP_sha256(),
                                NULL), 1);
    json_decref(j);
    jot_wipe(canon, sizeof canon);
    return b64(md, md_len);
}

/* ---- OpenSSL side ------------------------------------------------- */

/* Half the length of an ECDSA signature of alg. */
static size_t
ec_half(jot_alg alg)
{
    return info(alg)->sig_len / 2;
}

/*
 * Signs with OpenSSL and returns the signature in JWS form in out.
 * pss_salt is the PSS salt length; -1 means the hash length.
 */
static size_t
ossl_sign(EVP_PKEY *pk, jot_alg alg, int pss_salt, unsigned char *out,
          size_t cap)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char der[1024];
    const unsigned char *p = der;
    size_t der_len = sizeof der, half;
    ECDSA_SIG *es;

    assert_non_null(md);
    assert_int_equal(EVP_DigestSignInit(md, &pctx, alg_md(alg), NULL, pk),
                     1);
    if (is_ps(alg)) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
                                                      RSA_PKCS1_PSS_PADDING),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(
                             pctx, pss_salt < 0 ? RSA_PSS_SALTLEN_DIGEST
                                                : pss_salt), 1);
    }
    assert_int_equal(EVP_DigestSign(md, der, &der_len,
                                    (const unsigned char *)input,
                                    INPUT_LEN), 1);
    EVP_MD_CTX_free(md);
    if (!is_es(alg)) {
        assert_true(der_len <= cap);
        memcpy(out, der, der_len);
        return der_len;
    }
    half = ec_half(alg);
    assert_true(2 * half <= cap);
    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(es);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)half),
                     (int)half);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), out + half,
                                  (int)half), (int)half);
    ECDSA_SIG_free(es);
    return 2 * half;
}

/* The DER form of a raw R || S signature; free with OPENSSL_free(). */
static unsigned char *
ecdsa_der(const unsigned char *sig, size_t sig_len, size_t *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(sig_len / 2), NULL);
    BIGNUM *s = BN_bin2bn(sig + sig_len / 2, (int)(sig_len / 2), NULL);
    unsigned char *der = NULL;
    int n;

    assert_non_null(es);
    assert_non_null(r);
    assert_non_null(s);
    assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
    n = i2d_ECDSA_SIG(es, &der);
    assert_true(n > 0);
    ECDSA_SIG_free(es);
    *der_len = (size_t)n;
    return der;
}

/* 1 when OpenSSL verifies the JWS-form signature sig of input. */
static int
ossl_verify(EVP_PKEY *pk, jot_alg alg, const unsigned char *sig,
            size_t sig_len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    size_t der_len = sig_len;
    int ok;

    assert_non_null(md);
    if (is_es(alg))
        der = ecdsa_der(sig, sig_len, &der_len);
    assert_int_equal(EVP_DigestVerifyInit(md, &pctx, alg_md(alg), NULL,
                                          pk), 1);
    if (is_ps(alg)) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
                                                      RSA_PKCS1_PSS_PADDING),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(
                             pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    }
    ok = EVP_DigestVerify(md, der != NULL ? der : sig, der_len,
                          (const unsigned char *)input, INPUT_LEN) == 1;
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    return ok;
}

static BIGNUM *
member_bn(const json_t *obj, const char *name)
{
    size_t n;
    unsigned char *bin = unb64(jstr(obj, name), &n);
    BIGNUM *bn = BN_bin2bn(bin, (int)n, NULL);

    assert_non_null(bn);
    jot_wipe(bin, n);
    jot_free(bin);
    return bn;
}

/* An OpenSSL RSA key made from a private RSA JWK, checked for sanity. */
static EVP_PKEY *
rsa_pkey_from_jwk(const char *jwk)
{
    static const char *const members[] = { "n", "e", "d", "p", "q", "dp",
                                           "dq", "qi" };
    static const char *const params[] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    json_t *j = jparse(jwk);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn[N_ELEMS(members)];
    OSSL_PARAM *p;
    EVP_PKEY_CTX *ctx;
    EVP_PKEY *pk = NULL;
    size_t i;

    assert_non_null(bld);
    for (i = 0; i < N_ELEMS(members); i++) {
        bn[i] = member_bn(j, members[i]);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, params[i], bn[i]), 1);
    }
    p = OSSL_PARAM_BLD_to_param(bld);
    assert_non_null(p);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, p), 1);
    EVP_PKEY_CTX_free(ctx);
    /* The exported CRT members must describe one consistent key. */
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_check(ctx), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(bld);
    for (i = 0; i < N_ELEMS(members); i++)
        BN_clear_free(bn[i]);
    json_decref(j);
    return pk;
}

/* PEM text of pk (malloc'd, NUL-terminated). */
static char *
pem_of(EVP_PKEY *pk, int private, const char *structure)
{
    OSSL_ENCODER_CTX *ctx;
    unsigned char *data = NULL;
    size_t len = 0;
    char *s;

    ctx = OSSL_ENCODER_CTX_new_for_pkey(pk, private ? EVP_PKEY_KEYPAIR
                                                    : EVP_PKEY_PUBLIC_KEY,
                                        "PEM", structure, NULL);
    assert_non_null(ctx);
    assert_int_equal(OSSL_ENCODER_to_data(ctx, &data, &len), 1);
    s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, data, len);
    s[len] = '\0';
    OPENSSL_clear_free(data, len);
    OSSL_ENCODER_CTX_free(ctx);
    return s;
}

/* A base64url big-number parameter of an OpenSSL key. */
static char *
bn_param_b64(EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;
    char *s;

    assert_int_equal(EVP_PKEY_get_bn_param(pk, param, &bn), 1);
    n = BN_bn2bin(bn, buf);
    assert_true(n > 0);
    s = b64(buf, (size_t)n);
    BN_clear_free(bn);
    return s;
}

/* The public JWK of an OpenSSL RSA key, with "alg" when alg != NULL. */
static char *
rsa_public_jwk(EVP_PKEY *pk, const char *alg)
{
    char *n = bn_param_b64(pk, OSSL_PKEY_PARAM_RSA_N);
    char *e = bn_param_b64(pk, OSSL_PKEY_PARAM_RSA_E);
    json_t *j = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "n", n, "e", e);
    char *s;

    assert_non_null(j);
    if (alg != NULL)
        json_object_set_new(j, "alg", json_string(alg));
    s = jdump(j);
    json_decref(j);
    jot_free(n);
    jot_free(e);
    return s;
}

static int
group_setup(void **state)
{
    char *priv;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_RS256, &rsa_key));
    priv = export_key(rsa_key, JOT_JWK_PRIVATE);
    rsa_jwk_noalg = jwk_edit(priv, "alg", NULL);
    pkeys[PK_RSA] = rsa_pkey_from_jwk(priv);
    free_secret(priv);
    pkeys[PK_P256] = EVP_EC_gen("P-256");
    pkeys[PK_P384] = EVP_EC_gen("P-384");
    pkeys[PK_P521] = EVP_EC_gen("P-521");
    pkeys[PK_ED] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    pkeys[PK_RSA1024] = EVP_RSA_gen(1024);
    pkeys[PK_K256] = EVP_EC_gen("secp256k1");
    return 0;
}

static int
group_teardown(void **state)
{
    size_t i;

    (void)state;
    jot_key_free(rsa_key);
    jot_wipe(rsa_jwk_noalg, strlen(rsa_jwk_noalg));
    free(rsa_jwk_noalg);
    for (i = 0; i < PK_N; i++)
        EVP_PKEY_free(pkeys[i]);
    return 0;
}

/* ---- algorithms --------------------------------------------------- */

static void
test_alg_names(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        jot_alg got = JOT_ALG_INVALID;
        const char *name = jot_alg_name(algs[i].alg);

        assert_non_null(name);
        assert_string_equal(name, algs[i].name);
        tu_assert_err(JOT_OK, jot_alg_from_name(algs[i].name,
                                                strlen(algs[i].name), &got));
        assert_int_equal(got, algs[i].alg);
        assert_int_equal(jot_alg_is_hmac(algs[i].alg),
                         strcmp(algs[i].kty, "oct") == 0);
    }
    assert_null(jot_alg_name(JOT_ALG_INVALID));
    assert_null(jot_alg_name(JOT_ALG_LAST));
    assert_null(jot_alg_name((jot_alg)99));
    assert_null(jot_alg_name((jot_alg)-1));
    assert_int_equal(jot_alg_is_hmac(JOT_ALG_INVALID), 0);
}

static void
test_alg_from_name_refused(void **state)
{
    static const struct {
        const char *name;
        size_t len;             /* 0: strlen(name) */
    } bad[] = {
        { "none", 0 }, { "None", 0 }, { "NONE", 0 }, { "", 0 },
        { "hs256", 0 }, { "Hs256", 0 }, { "es256", 0 }, { "EDDSA", 0 },
        { "eddsa", 0 }, { "Ed25519", 0 }, { "ES256K", 0 }, { "HS2", 0 },
        { "HS256 ", 0 }, { " HS256", 0 }, { "HS256\0", 6 },
        { "RSA-OAEP", 0 }, { "A128KW", 0 }, { "dir", 0 }, { "HS1", 0 },
        { "RS1", 0 }, { "HS256x", 4 }, { "ES512", 4 },
    };
    size_t i;
    int n_bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(bad); i++) {
        jot_alg got = JOT_ALG_ES256;
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].name);
        jot_err err = jot_alg_from_name(bad[i].name, len, &got);

        n_bad += mismatch(JOT_ERR_ALG, err, "\"%.*s\"", (int)len,
                          bad[i].name);
        assert_int_equal(got, JOT_ALG_INVALID);
    }
    no_mismatch(n_bad);
}

/* Only name_len octets are read. */
static void
test_alg_from_name_len(void **state)
{
    jot_alg got = JOT_ALG_INVALID;

    (void)state;
    tu_assert_err(JOT_OK, jot_alg_from_name("HS256x", 5, &got));
    assert_int_equal(got, JOT_ALG_HS256);
    tu_assert_err(JOT_OK, jot_alg_from_name("EdDSAEdDSA", 5, &got));
    assert_int_equal(got, JOT_ALG_EDDSA);
}

static void
test_alg_sig_max(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        size_t max = jot_alg_sig_max(algs[i].alg);

        if (is_rsa(algs[i].alg))
            assert_true(max >= 256);
        else
            assert_int_equal(max, algs[i].sig_len);
    }
    assert_int_equal(jot_alg_sig_max(JOT_ALG_INVALID), 0);
    assert_int_equal(jot_alg_sig_max(JOT_ALG_LAST), 0);
    assert_int_equal(jot_alg_sig_max((jot_alg)99), 0);
}

/* ---- generation, export, parse ------------------------------------ */

/* Member names of a JWK between "kty" and "kid"/"alg"/"use". */
static const char *
key_members(const char *kty, int private)
{
    if (strcmp(kty, "RSA") == 0)
        return private ? " n e d p q dp dq qi " : " n e ";
    if (strcmp(kty, "EC") == 0)
        return private ? " crv x y d " : " crv x y ";
    if (strcmp(kty, "OKP") == 0)
        return private ? " crv x d " : " crv x ";
    return " k ";
}

/*
 * Checks an exported JWK: "kty" first, then exactly the key members of
 * its type, then "kid" (when kid is not NULL), "alg" and "use":"sig".
 */
static void
check_jwk(const char *jwk, const struct alg_info *a, int private,
          const char *kid)
{
    static const char *const secret[] = { "d", "p", "q", "dp", "dq", "qi",
                                          "k" };
    json_t *j = jparse(jwk);
    const char *names[16];
    const char *expect = key_members(a->kty, private);
    size_t n = 0, i, tail = kid != NULL ? 3 : 2, n_expect = 0;
    void *it;
    char word[64];
    int w;

    for (it = json_object_iter(j); it != NULL;
         it = json_object_iter_next(j, it)) {
        assert_true(n < N_ELEMS(names));
        names[n++] = json_object_iter_key(it);
    }
    assert_true(n >= 1 + tail);
    assert_string_equal(names[0], "kty");
    assert_string_equal(jstr(j, "kty"), a->kty);
    if (kid != NULL) {
        assert_string_equal(names[n - 3], "kid");
        assert_string_equal(jstr(j, "kid"), kid);
    }
    assert_string_equal(names[n - 2], "alg");
    assert_string_equal(jstr(j, "alg"), a->name);
    assert_string_equal(names[n - 1], "use");
    assert_string_equal(jstr(j, "use"), "sig");
    for (i = 1; i < n - tail; i++) {
        w = snprintf(word, sizeof word, " %s ", names[i]);
        assert_true(w > 0 && (size_t)w < sizeof word);
        if (strstr(expect, word) == NULL)
            fail_msg("%s: unexpected member \"%s\" in %s", a->name,
                     names[i], private ? "private JWK" : "public JWK");
    }
    for (i = 0; expect[i] != '\0'; i++)
        n_expect += expect[i] == ' ' && expect[i + 1] != '\0';
    assert_int_equal(n - 1 - tail, n_expect);
    if (!private) {
        for (i = 0; i < N_ELEMS(secret); i++) {
            if (json_object_get(j, secret[i]) != NULL)
                fail_msg("%s: public JWK has \"%s\"", a->name, secret[i]);
        }
    }
    if (a->crv != NULL)
        assert_string_equal(jstr(j, "crv"), a->crv);
    if (strcmp(a->kty, "oct") == 0) {
        assert_int_equal(member_size(j, "k"), a->size);
    } else if (strcmp(a->kty, "RSA") == 0) {
        assert_int_equal(member_size(j, "n"), a->size);
        assert_string_equal(jstr(j, "e"), "AQAB");
    } else {
        assert_int_equal(member_size(j, "x"), a->size);
        if (strcmp(a->kty, "EC") == 0)
            assert_int_equal(member_size(j, "y"), a->size);
        if (private)
            assert_int_equal(member_size(j, "d"), a->size);
    }
    json_decref(j);
}

/* Signs input with key into sig, which holds SIG_CAP octets. */
static void
sign_ok(const jot_key *key, unsigned char *sig, size_t *sig_len)
{
    assert_true(jot_alg_sig_max(jot_key_alg(key)) <= SIG_CAP);
    tu_assert_err(JOT_OK, jot_key_sign(key, input, INPUT_LEN, sig, SIG_CAP,
                                       sig_len));
}

/*
 * A buffer of exactly jot_alg_sig_max() octets is enough, as jwk.h
 * promises; one octet less is refused (for fixed-length signatures).
 */
static void
test_sign_cap(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        jot_key *k = new_key(algs[i].alg);
        size_t max = jot_alg_sig_max(algs[i].alg), len = 0;
        unsigned char *sig = malloc(max);
        jot_err err;

        assert_non_null(sig);
        err = jot_key_sign(k, input, INPUT_LEN, sig, max, &len);
        bad += mismatch(JOT_OK, err, "%s: sig_cap = jot_alg_sig_max() = %zu",
                        algs[i].name, max);
        if (err == JOT_OK) {
            assert_int_equal(len, algs[i].sig_len);
            tu_assert_err(JOT_OK, jot_key_verify(k, input, INPUT_LEN, sig,
                                                 len));
        }
        if (!is_rsa(algs[i].alg)) {
            err = jot_key_sign(k, input, INPUT_LEN, sig, max - 1, &len);
            bad += mismatch(JOT_ERR_TOO_LARGE, err, "%s: sig_cap = %zu",
                            algs[i].name, max - 1);
        }
        free(sig);
        jot_key_free(k);
    }
    no_mismatch(bad);
}

/*
 * For every algorithm: generate, export the private JWK, parse it, export
 * again byte for byte; the public JWK has no private member, parses to a
 * key that verifies but cannot sign, and has the same thumbprint.
 */
static void
test_round_trip(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        const struct alg_info *a = &algs[i];
        jot_key *k = new_key(a->alg), *k2, *k3, *pub = NULL;
        char *priv1, *priv2, *pub1 = NULL, *pub2, *out, *tp1, *tp2, *tp3;
        unsigned char sig[SIG_CAP];
        size_t sig_len = 0;

        assert_int_equal(jot_key_alg(k), a->alg);
        assert_int_equal(jot_key_is_private(k), 1);
        assert_null(jot_key_kid(k));
        priv1 = export_key(k, JOT_JWK_PRIVATE);
        check_jwk(priv1, a, 1, NULL);
        k2 = parse_ok(priv1, JOT_ALG_INVALID);
        assert_int_equal(jot_key_alg(k2), a->alg);
        assert_int_equal(jot_key_is_private(k2), 1);
        priv2 = export_key(k2, JOT_JWK_PRIVATE);
        assert_string_equal(priv1, priv2);
        k3 = parse_ok(priv1, a->alg);       /* the same alg, explicit */
        assert_int_equal(jot_key_alg(k3), a->alg);

        sign_ok(k, sig, &sig_len);
        assert_int_equal(sig_len, a->sig_len);
        tu_assert_err(JOT_OK, jot_key_verify(k2, input, INPUT_LEN, sig,
                                             sig_len));
        tu_assert_err(JOT_OK, jot_key_verify(k3, input, INPUT_LEN, sig,
                                             sig_len));

        tp1 = thumbprint(k);
        tp2 = thumbprint(k2);
        assert_int_equal(strlen(tp1), 43);
        assert_string_equal(tp1, tp2);
        tp3 = thumbprint_of(priv1);
        assert_string_equal(tp1, tp3);

        out = (char *)&out;
        if (strcmp(a->kty, "oct") == 0) {
            tu_assert_err(JOT_ERR_KEY, jot_jwk_export(k, JOT_JWK_PUBLIC,
                                                      &out));
            assert_null(out);
        } else {
            pub1 = export_key(k, JOT_JWK_PUBLIC);
            check_jwk(pub1, a, 0, NULL);
            pub = parse_ok(pub1, JOT_ALG_INVALID);
            assert_int_equal(jot_key_alg(pub), a->alg);
            assert_int_equal(jot_key_is_private(pub), 0);
            pub2 = export_key(pub, JOT_JWK_PUBLIC);
            assert_string_equal(pub1, pub2);
            jot_free(pub2);
            tu_assert_err(JOT_ERR_KEY, jot_jwk_export(pub, JOT_JWK_PRIVATE,
                                                      &out));
            assert_null(out);
            tu_assert_err(JOT_OK, jot_key_verify(pub, input, INPUT_LEN, sig,
                                                 sig_len));
            sig_len = 77;
            tu_assert_err(JOT_ERR_KEY,
                          jot_key_sign(pub, input, INPUT_LEN, sig,
                                       sizeof sig, &sig_len));
            jot_free(tp2);
            tp2 = thumbprint(pub);
            assert_string_equal(tp1, tp2);
        }
        jot_free(tp1);
        jot_free(tp2);
        jot_free(tp3);
        free_secret(priv1);
        free_secret(priv2);
        jot_free(pub1);
        jot_key_free(k);
        jot_key_free(k2);
        jot_key_free(k3);
        jot_key_free(pub);
    }
}

/* Two generated keys of one algorithm differ. */
static void
test_generate_distinct(void **state)
{
    static const jot_alg gen[] = { JOT_ALG_HS256, JOT_ALG_HS512,
                                   JOT_ALG_ES256, JOT_ALG_ES512,
                                   JOT_ALG_EDDSA };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(gen); i++) {
        jot_key *a = new_key(gen[i]), *b = new_key(gen[i]);
        char *ta = thumbprint(a), *tb = thumbprint(b);

        assert_string_not_equal(ta, tb);
        jot_free(ta);
        jot_free(tb);
        jot_key_free(a);
        jot_key_free(b);
    }
}

static void
test_generate_invalid(void **state)
{
    static const jot_alg bad[] = { JOT_ALG_INVALID, JOT_ALG_LAST,
                                   (jot_alg)99 };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(bad); i++) {
        jot_key *k = (jot_key *)&k;

        assert_int_not_equal(jot_key_generate(bad[i], &k), JOT_OK);
        assert_null(k);
    }
}

/* An HMAC key signs exactly HMAC(secret, input), from a copied secret. */
static void
test_from_secret(void **state)
{
    static const jot_alg hs[] = { JOT_ALG_HS256, JOT_ALG_HS384,
                                  JOT_ALG_HS512 };
    unsigned char secret[80], want[64], sig[64];
    unsigned want_len = 0;
    size_t i, sig_len = 0, len;

    (void)state;
    for (i = 0; i < N_ELEMS(hs); i++) {
        jot_key *k = NULL;

        len = info(hs[i])->size + i;    /* longer than needed is fine */
        memset(secret, (int)(0x30 + i), sizeof secret);
        tu_assert_err(JOT_OK, jot_key_from_secret(secret, len, hs[i], &k));
        assert_int_equal(jot_key_alg(k), hs[i]);
        assert_int_equal(jot_key_is_private(k), 1);
        assert_null(jot_key_kid(k));
        assert_non_null(HMAC(alg_md(hs[i]), secret, (int)len,
                             (const unsigned char *)input, INPUT_LEN, want,
                             &want_len));
        memset(secret, 0, sizeof secret);   /* the key kept a copy */
        tu_assert_err(JOT_OK, jot_key_sign(k, input, INPUT_LEN, sig,
                                           sizeof sig, &sig_len));
        tu_assert_bytes(want, (size_t)want_len, sig, sig_len);
        jot_key_free(k);
    }
}

/* ---- binding a JWK to one algorithm ------------------------------- */

enum base { B_RSA, B_P256, B_P384, B_P521, B_ED, B_OCT32, B_OCT64, B_N };

/* The JWKs the binding and malformed tables start from, without "alg". */
struct bases {
    char *jwk[B_N];
};

static void
bases_make(struct bases *b)
{
    static const jot_alg gen[] = {
        [B_P256] = JOT_ALG_ES256, [B_P384] = JOT_ALG_ES384,
        [B_P521] = JOT_ALG_ES512, [B_ED] = JOT_ALG_EDDSA,
    };
    unsigned char secret[64];
    jot_key *k;
    char *s;
    size_t i;

    for (i = 0; i < B_N; i++) {
        if (i == B_RSA) {
            k = jot_key_ref(rsa_key);
        } else if (i == B_OCT32 || i == B_OCT64) {
            memset(secret, (int)i, sizeof secret);
            tu_assert_err(JOT_OK, jot_key_from_secret(
                                      secret, i == B_OCT32 ? 32 : 64,
                                      JOT_ALG_HS256, &k));
        } else {
            k = new_key(gen[i]);
        }
        s = export_key(k, i >= B_OCT32 ? JOT_JWK_PRIVATE : JOT_JWK_PUBLIC);
        b->jwk[i] = jwk_edit(s, "alg", NULL);
        free_secret(s);
        jot_key_free(k);
    }
}

static void
bases_free(struct bases *b)
{
    size_t i;

    for (i = 0; i < B_N; i++)
        free(b->jwk[i]);
}

static void
test_binding(void **state)
{
    static const struct {
        enum base base;
        const char *alg_member; /* NULL: no "alg" member */
        jot_alg arg;
        jot_err want;
        jot_alg bound;
    } cases[] = {
        { B_RSA, NULL, JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_RSA, NULL, JOT_ALG_RS256, JOT_OK, JOT_ALG_RS256 },
        { B_RSA, NULL, JOT_ALG_PS512, JOT_OK, JOT_ALG_PS512 },
        { B_RSA, "RS256", JOT_ALG_INVALID, JOT_OK, JOT_ALG_RS256 },
        { B_RSA, "PS384", JOT_ALG_INVALID, JOT_OK, JOT_ALG_PS384 },
        { B_RSA, "RS256", JOT_ALG_RS256, JOT_OK, JOT_ALG_RS256 },
        { B_RSA, "RS256", JOT_ALG_PS256, JOT_ERR_ALG, 0 },
        { B_RSA, "RS256", JOT_ALG_RS384, JOT_ERR_ALG, 0 },
        { B_RSA, "PS256", JOT_ALG_RS256, JOT_ERR_ALG, 0 },
        { B_RSA, NULL, JOT_ALG_ES256, JOT_ERR_ALG, 0 },
        { B_RSA, NULL, JOT_ALG_HS256, JOT_ERR_ALG, 0 },
        { B_RSA, NULL, JOT_ALG_EDDSA, JOT_ERR_ALG, 0 },
        { B_RSA, "none", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_RSA, "none", JOT_ALG_RS256, JOT_ERR_ALG, 0 },
        { B_RSA, "rs256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_RSA, "ES256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_RSA, "HS256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_RSA, "", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P256, NULL, JOT_ALG_INVALID, JOT_OK, JOT_ALG_ES256 },
        { B_P384, NULL, JOT_ALG_INVALID, JOT_OK, JOT_ALG_ES384 },
        { B_P521, NULL, JOT_ALG_INVALID, JOT_OK, JOT_ALG_ES512 },
        { B_ED, NULL, JOT_ALG_INVALID, JOT_OK, JOT_ALG_EDDSA },
        { B_P256, "ES256", JOT_ALG_INVALID, JOT_OK, JOT_ALG_ES256 },
        { B_P256, "ES256", JOT_ALG_ES256, JOT_OK, JOT_ALG_ES256 },
        { B_P256, "ES384", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P256, "ES512", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P256, NULL, JOT_ALG_ES384, JOT_ERR_ALG, 0 },
        { B_P256, NULL, JOT_ALG_EDDSA, JOT_ERR_ALG, 0 },
        { B_P256, NULL, JOT_ALG_RS256, JOT_ERR_ALG, 0 },
        { B_P256, NULL, JOT_ALG_HS256, JOT_ERR_ALG, 0 },
        { B_P256, "ES256", JOT_ALG_ES384, JOT_ERR_ALG, 0 },
        { B_P256, "none", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P256, "RS256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P384, "ES256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_P521, NULL, JOT_ALG_ES384, JOT_ERR_ALG, 0 },
        { B_ED, NULL, JOT_ALG_ES256, JOT_ERR_ALG, 0 },
        { B_ED, "ES256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_ED, "EdDSA", JOT_ALG_EDDSA, JOT_OK, JOT_ALG_EDDSA },
        { B_OCT32, NULL, JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_OCT32, NULL, JOT_ALG_HS256, JOT_OK, JOT_ALG_HS256 },
        { B_OCT32, "HS256", JOT_ALG_INVALID, JOT_OK, JOT_ALG_HS256 },
        { B_OCT32, NULL, JOT_ALG_RS256, JOT_ERR_ALG, 0 },
        { B_OCT32, NULL, JOT_ALG_ES256, JOT_ERR_ALG, 0 },
        { B_OCT32, NULL, JOT_ALG_EDDSA, JOT_ERR_ALG, 0 },
        { B_OCT32, "RS256", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_OCT32, "none", JOT_ALG_INVALID, JOT_ERR_ALG, 0 },
        { B_OCT32, "none", JOT_ALG_HS256, JOT_ERR_ALG, 0 },
        { B_OCT64, NULL, JOT_ALG_HS256, JOT_OK, JOT_ALG_HS256 },
        { B_OCT64, NULL, JOT_ALG_HS512, JOT_OK, JOT_ALG_HS512 },
        { B_OCT64, "HS256", JOT_ALG_HS512, JOT_ERR_ALG, 0 },
        { B_OCT64, "HS512", JOT_ALG_HS384, JOT_ERR_ALG, 0 },
    };
    struct bases b;
    size_t i;
    int bad = 0;

    (void)state;
    bases_make(&b);
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *jwk = cases[i].alg_member == NULL
                        ? jwk_edit(b.jwk[cases[i].base], "alg", NULL)
                        : jwk_edit(b.jwk[cases[i].base], "alg",
                                   json_string(cases[i].alg_member));
        jot_key *k = (jot_key *)&k;
        jot_err err = jot_jwk_parse(jwk, strlen(jwk), cases[i].arg, &k);

        bad += mismatch(cases[i].want, err, "case %zu", i);
        if (err == JOT_OK && cases[i].want == JOT_OK)
            assert_int_equal(jot_key_alg(k), cases[i].bound);
        if (err != JOT_OK)
            assert_null(k);
        jot_key_free(err == JOT_OK ? k : NULL);
        free_secret(jwk);
    }
    bases_free(&b);
    no_mismatch(bad);
}

/* ---- weak keys ---------------------------------------------------- */

static void
test_weak_hmac(void **state)
{
    static const struct {
        size_t len;
        jot_alg alg;
        jot_err want;
    } cases[] = {
        { 0, JOT_ALG_HS256, JOT_ERR_WEAK_KEY },
        { 1, JOT_ALG_HS256, JOT_ERR_WEAK_KEY },
        { 16, JOT_ALG_HS256, JOT_ERR_WEAK_KEY },
        { 31, JOT_ALG_HS256, JOT_ERR_WEAK_KEY },
        { 32, JOT_ALG_HS256, JOT_OK },
        { 33, JOT_ALG_HS256, JOT_OK },
        { 32, JOT_ALG_HS384, JOT_ERR_WEAK_KEY },
        { 47, JOT_ALG_HS384, JOT_ERR_WEAK_KEY },
        { 48, JOT_ALG_HS384, JOT_OK },
        { 48, JOT_ALG_HS512, JOT_ERR_WEAK_KEY },
        { 63, JOT_ALG_HS512, JOT_ERR_WEAK_KEY },
        { 64, JOT_ALG_HS512, JOT_OK },
        { 100, JOT_ALG_HS512, JOT_OK },
    };
    unsigned char secret[100];
    size_t i;
    int bad = 0;

    (void)state;
    memset(secret, 0x42, sizeof secret);
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *k = (jot_key *)&k;
        jot_err err;
        char *k64, jwk[256];
        int n;

        /* jot_key_from_secret */
        err = jot_key_from_secret(secret, cases[i].len, cases[i].alg, &k);
        bad += mismatch(cases[i].want, err, "secret case %zu", i);
        if (err == JOT_OK)
            jot_key_free(k);
        else
            assert_null(k);

        /* the same secret as an oct JWK, alg as argument and as member */
        if (cases[i].len == 0)
            continue;
        k64 = b64(secret, cases[i].len);
        n = snprintf(jwk, sizeof jwk, "{\"kty\":\"oct\",\"k\":\"%s\"}", k64);
        assert_true(n > 0 && (size_t)n < sizeof jwk);
        k = (jot_key *)&k;
        err = jot_jwk_parse(jwk, (size_t)n, cases[i].alg, &k);
        bad += mismatch(cases[i].want, err, "JWK case %zu", i);
        jot_key_free(err == JOT_OK ? k : NULL);
        n = snprintf(jwk, sizeof jwk,
                     "{\"kty\":\"oct\",\"k\":\"%s\",\"alg\":\"%s\"}", k64,
                     jot_alg_name(cases[i].alg));
        assert_true(n > 0 && (size_t)n < sizeof jwk);
        k = (jot_key *)&k;
        err = jot_jwk_parse(jwk, (size_t)n, JOT_ALG_INVALID, &k);
        bad += mismatch(cases[i].want, err, "JWK alg case %zu", i);
        jot_key_free(err == JOT_OK ? k : NULL);
        jot_free(k64);
    }
    no_mismatch(bad);
}

/* RSA under 2048 bits, as JWK (alg argument or member) and as PEM. */
static void
test_weak_rsa(void **state)
{
    char *jwk = rsa_public_jwk(pkeys[PK_RSA1024], NULL);
    char *jwk_alg = rsa_public_jwk(pkeys[PK_RSA1024], "RS256");
    char *pub = pem_of(pkeys[PK_RSA1024], 0, "SubjectPublicKeyInfo");
    char *priv = pem_of(pkeys[PK_RSA1024], 1, "PrivateKeyInfo");
    jot_key *k = (jot_key *)&k;

    (void)state;
    parse_fails(jwk, strlen(jwk), JOT_ALG_RS256, JOT_ERR_WEAK_KEY,
                "RSA 1024 JWK, RS256");
    parse_fails(jwk, strlen(jwk), JOT_ALG_PS256, JOT_ERR_WEAK_KEY,
                "RSA 1024 JWK, PS256");
    parse_fails(jwk_alg, strlen(jwk_alg), JOT_ALG_INVALID, JOT_ERR_WEAK_KEY,
                "RSA 1024 JWK with alg");
    tu_assert_err(JOT_ERR_WEAK_KEY, jot_key_from_pem(pub, strlen(pub),
                                                     JOT_ALG_RS256, &k));
    assert_null(k);
    k = (jot_key *)&k;
    tu_assert_err(JOT_ERR_WEAK_KEY, jot_key_from_pem(priv, strlen(priv),
                                                     JOT_ALG_PS256, &k));
    assert_null(k);
    free(jwk);
    free(jwk_alg);
    free(pub);
    free(priv);
}

/* ---- malformed keys ----------------------------------------------- */

static void
test_malformed_text(void **state)
{
    static const struct {
        const char *json;
        jot_alg alg;
        jot_err want;
    } cases[] = {
        { "", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { " ", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "[]", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "[{\"kty\":\"oct\"}]", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "\"kty\"", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "42", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "null", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "true", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{}{}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{'kty':'oct'}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":5}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":null}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A=\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "+\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "B\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },  /* trailing bits */
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\"} x", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\",}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\",\"x\":\"\xff\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"kty\":5,\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
          JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { "{\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
          JOT_ALG_HS256, JOT_ERR_MALFORMED },
        /* RFC 7517 §4: kty and the members are case-sensitive */
        { "{\"kty\":\"OCT\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\"}", JOT_ALG_HS256, JOT_ERR_ALG },
        { "{\"KTY\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\"}", JOT_ALG_HS256, JOT_ERR_MALFORMED },
        /* duplicate member names, even with one value */
        { "{\"kty\":\"oct\",\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAA"
          "AAAAAAAAAAAAAAAAAAAAAA\"}", JOT_ALG_HS256, JOT_ERR_DUPLICATE },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\",\"alg\":\"HS256\",\"alg\":\"none\"}", JOT_ALG_INVALID,
          JOT_ERR_DUPLICATE },
        { "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "A\",\"x\":1,\"x\":2}", JOT_ALG_HS256, JOT_ERR_DUPLICATE },
    };
    size_t i;
    char what[64];
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        int n = snprintf(what, sizeof what, "case %zu", i);

        assert_true(n > 0 && (size_t)n < sizeof what);
        bad += parse_check(cases[i].json, strlen(cases[i].json),
                           cases[i].alg, cases[i].want, what);
    }
    no_mismatch(bad);
}

/* How a member of a valid base JWK is spoilt. */
enum spoil {
    SP_DELETE,      /* remove the member */
    SP_JSON,        /* replace it with the JSON text in value */
    SP_FLIP,        /* flip the last bit of the decoded value */
    SP_ZERO,        /* all-zero bytes of the same length */
    SP_SHORT,       /* drop the first byte */
    SP_LONG,        /* prepend a zero byte */
    SP_PAD,         /* append "=" */
};

static const char *const spoil_names[] = {
    [SP_DELETE] = "deleted", [SP_JSON] = "replaced", [SP_FLIP] = "flipped",
    [SP_ZERO] = "zeroed", [SP_SHORT] = "shortened", [SP_LONG] = "lengthened",
    [SP_PAD] = "padded",
};

static json_t *
spoilt_value(const char *b64val, enum spoil how, const char *value)
{
    size_t n;
    unsigned char *bin, *buf;
    char *s;
    json_t *j;
    json_error_t e;

    if (how == SP_JSON) {
        j = json_loads(value, JSON_DECODE_ANY, &e);
        assert_non_null(j);
        return j;
    }
    if (how == SP_PAD) {
        size_t len = strlen(b64val);

        s = malloc(len + 2);
        assert_non_null(s);
        memcpy(s, b64val, len);
        memcpy(s + len, "=", 2);
        j = json_string(s);
        free(s);
        return j;
    }
    bin = unb64(b64val, &n);
    buf = calloc(1, n + 1);
    assert_non_null(buf);
    memcpy(buf + 1, bin, n);        /* buf[0] = 0 for SP_LONG */
    switch (how) {
    case SP_FLIP:
        buf[n] ^= 1;
        s = b64(buf + 1, n);
        break;
    case SP_ZERO:
        memset(buf, 0, n + 1);
        s = b64(buf, n);
        break;
    case SP_SHORT:
        s = b64(buf + 2, n - 1);
        break;
    default:
        s = b64(buf, n + 1);
        break;
    }
    j = json_string(s);
    jot_free(s);
    jot_free(bin);
    free(buf);
    return j;
}

static void
test_malformed_members(void **state)
{
    static const struct {
        enum base base;
        const char *member;
        enum spoil how;
        const char *value;      /* for SP_JSON */
        jot_alg alg;
        jot_err want;
    } cases[] = {
        /* EC points not on the curve */
        { B_P256, "y", SP_FLIP, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_FLIP, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "y", SP_ZERO, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_ZERO, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P384, "y", SP_FLIP, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P521, "y", SP_FLIP, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        /* coordinates of the wrong length (RFC 7518 §6.2.1.2) */
        { B_P256, "x", SP_SHORT, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_LONG, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "y", SP_SHORT, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "y", SP_LONG, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P521, "x", SP_SHORT, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P384, "crv", SP_JSON, "\"P-256\"", JOT_ALG_INVALID,
          JOT_ERR_MALFORMED },
        { B_ED, "x", SP_SHORT, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_ED, "x", SP_LONG, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        /* missing members, wrong types, bad base64url */
        { B_P256, "y", SP_DELETE, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_DELETE, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "crv", SP_DELETE, NULL, JOT_ALG_ES256, JOT_ERR_MALFORMED },
        { B_P256, "kty", SP_DELETE, NULL, JOT_ALG_ES256, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_JSON, "5", JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "y", SP_JSON, "\"\"", JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_P256, "x", SP_PAD, NULL, JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { B_ED, "x", SP_DELETE, NULL, JOT_ALG_EDDSA, JOT_ERR_MALFORMED },
        { B_ED, "x", SP_PAD, NULL, JOT_ALG_EDDSA, JOT_ERR_MALFORMED },
        { B_RSA, "n", SP_DELETE, NULL, JOT_ALG_RS256, JOT_ERR_MALFORMED },
        { B_RSA, "e", SP_DELETE, NULL, JOT_ALG_RS256, JOT_ERR_MALFORMED },
        { B_RSA, "n", SP_PAD, NULL, JOT_ALG_RS256, JOT_ERR_MALFORMED },
        { B_RSA, "n", SP_JSON, "[]", JOT_ALG_RS256, JOT_ERR_MALFORMED },
        { B_RSA, "e", SP_JSON, "65537", JOT_ALG_RS256, JOT_ERR_MALFORMED },
        { B_RSA, "kty", SP_DELETE, NULL, JOT_ALG_RS256, JOT_ERR_MALFORMED },
        /* public exponents that make the key worthless */
        { B_RSA, "e", SP_JSON, "\"AQ\"", JOT_ALG_RS256, JOT_ERR_WEAK_KEY },
        { B_RSA, "e", SP_JSON, "\"Ag\"", JOT_ALG_RS256, JOT_ERR_WEAK_KEY },
        { B_RSA, "e", SP_JSON, "\"AQAA\"", JOT_ALG_RS256, JOT_ERR_WEAK_KEY },
        { B_RSA, "e", SP_JSON, "\"Aw\"", JOT_ALG_RS256, JOT_OK },
        { B_OCT32, "k", SP_DELETE, NULL, JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { B_OCT32, "k", SP_PAD, NULL, JOT_ALG_HS256, JOT_ERR_MALFORMED },
        { B_OCT32, "k", SP_JSON, "\"a+b/\"", JOT_ALG_HS256,
          JOT_ERR_MALFORMED },
        /* a key type that does not fit the algorithm */
        { B_OCT32, "kty", SP_JSON, "\"EC\"", JOT_ALG_HS256, JOT_ERR_ALG },
        { B_P256, "kty", SP_JSON, "\"oct\"", JOT_ALG_ES256, JOT_ERR_ALG },
        { B_P256, "kty", SP_JSON, "\"RSA\"", JOT_ALG_ES256, JOT_ERR_ALG },
        { B_ED, "crv", SP_JSON, "\"P-256\"", JOT_ALG_EDDSA, JOT_ERR_ALG },
        { B_P256, "crv", SP_JSON, "\"Ed25519\"", JOT_ALG_ES256, JOT_ERR_ALG },
        /* unknown members are ignored */
        { B_P256, "zzz", SP_JSON, "{\"a\":[1,2,{}]}", JOT_ALG_INVALID,
          JOT_OK },
        { B_RSA, "use", SP_JSON, "\"sig\"", JOT_ALG_RS256, JOT_OK },
    };
    struct bases b;
    size_t i;
    char what[64];
    int bad = 0;

    (void)state;
    bases_make(&b);
    for (i = 0; i < N_ELEMS(cases); i++) {
        json_t *base = jparse(b.jwk[cases[i].base]), *v = NULL;
        char *jwk;
        int n;

        if (cases[i].how != SP_DELETE) {
            const char *old = json_string_value(json_object_get(
                base, cases[i].member));

            v = spoilt_value(old, cases[i].how, cases[i].value);
        }
        jwk = jwk_edit(b.jwk[cases[i].base], cases[i].member, v);
        n = snprintf(what, sizeof what, "case %zu (\"%s\" %s)", i,
                     cases[i].member, spoil_names[cases[i].how]);
        assert_true(n > 0 && (size_t)n < sizeof what);
        bad += parse_check(jwk, strlen(jwk), cases[i].alg, cases[i].want,
                           what);
        json_decref(base);
        free_secret(jwk);
    }
    bases_free(&b);
    no_mismatch(bad);
}

/*
 * A private JWK whose public members are not those of its private key is
 * refused: it would sign tokens its own public half cannot verify.
 */
static void
test_mismatched_pair(void **state)
{
    static const struct {
        jot_alg alg;
        const char *member;     /* taken from another key */
    } cases[] = {
        { JOT_ALG_ES256, "x" }, { JOT_ALG_ES256, "y" },
        { JOT_ALG_ES256, "d" }, { JOT_ALG_ES384, "d" },
        { JOT_ALG_ES512, "x" }, { JOT_ALG_EDDSA, "x" },
        { JOT_ALG_EDDSA, "d" },
    };
    size_t i;
    int bad = 0;
    char what[64];

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *a = new_key(cases[i].alg), *b = new_key(cases[i].alg);
        char *ja = export_key(a, JOT_JWK_PRIVATE);
        char *jb = export_key(b, JOT_JWK_PRIVATE);
        json_t *ob = jparse(jb);
        char *mixed;
        int n;

        if (strcmp(cases[i].member, "x") == 0 &&
            cases[i].alg != JOT_ALG_EDDSA) {
            /* the whole public point of b, so that it is on the curve */
            char *tmp = jwk_edit(ja, "x", json_copy(json_object_get(ob,
                                                                    "x")));
            mixed = jwk_edit(tmp, "y", json_copy(json_object_get(ob, "y")));
            free_secret(tmp);
        } else {
            mixed = jwk_edit(ja, cases[i].member,
                             json_copy(json_object_get(ob, cases[i].member)));
        }
        n = snprintf(what, sizeof what, "%s with another key's %s",
                     jot_alg_name(cases[i].alg), cases[i].member);
        assert_true(n > 0 && (size_t)n < sizeof what);
        bad += parse_check(mixed, strlen(mixed), JOT_ALG_INVALID,
                           JOT_ERR_MALFORMED, what);
        json_decref(ob);
        free_secret(mixed);
        free_secret(ja);
        free_secret(jb);
        jot_key_free(a);
        jot_key_free(b);
    }
    no_mismatch(bad);
}

/* json_len bounds the input: a NUL or garbage after it is not read. */
static void
test_parse_len(void **state)
{
    struct bases b;
    char *buf;
    size_t len;
    jot_key *k = NULL;

    (void)state;
    bases_make(&b);
    len = strlen(b.jwk[B_P256]);
    buf = malloc(len + 8);
    assert_non_null(buf);
    memcpy(buf, b.jwk[B_P256], len);
    memcpy(buf + len, "garbage", 8);
    tu_assert_err(JOT_OK, jot_jwk_parse(buf, len, JOT_ALG_INVALID, &k));
    assert_int_equal(jot_key_alg(k), JOT_ALG_ES256);
    jot_key_free(k);
    parse_fails(buf, len + 7, JOT_ALG_INVALID, JOT_ERR_MALFORMED,
                "trailing garbage in json_len");
    buf[len] = '\0';
    parse_fails(buf, len + 1, JOT_ALG_INVALID, JOT_ERR_MALFORMED,
                "NUL in json_len");
    parse_fails(buf, len - 1, JOT_ALG_INVALID, JOT_ERR_MALFORMED,
                "truncated by one");
    free(buf);
    bases_free(&b);
}

/* Text of an oct JWK padded with an unknown member to exactly len. */
static char *
padded_jwk(size_t len)
{
    static const char head[] = "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAA\",\"alg\":\"HS256\","
                               "\"pad\":\"";
    size_t h = sizeof head - 1;
    char *s = malloc(len + 1);

    assert_true(len >= h + 2);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, 'a', len - h - 2);
    memcpy(s + len - 2, "\"}", 3);
    return s;
}

static void
test_size_limit(void **state)
{
    char *at = padded_jwk(JOT_MAX_JWK_LEN);
    char *over = padded_jwk(JOT_MAX_JWK_LEN + 1);
    jot_key *k = NULL;

    (void)state;
    assert_int_equal(strlen(at), JOT_MAX_JWK_LEN);
    tu_assert_err(JOT_OK, jot_jwk_parse(at, JOT_MAX_JWK_LEN, JOT_ALG_INVALID,
                                        &k));
    assert_int_equal(jot_key_alg(k), JOT_ALG_HS256);
    jot_key_free(k);
    parse_fails(over, JOT_MAX_JWK_LEN + 1, JOT_ALG_INVALID,
                JOT_ERR_TOO_LARGE, "one octet over JOT_MAX_JWK_LEN");
    /* The limit comes before parsing: not even JSON is looked at. */
    memset(over, '{', JOT_MAX_JWK_LEN + 1);
    parse_fails(over, JOT_MAX_JWK_LEN + 1, JOT_ALG_INVALID,
                JOT_ERR_TOO_LARGE, "oversize garbage");
    free(at);
    free(over);
}

/* An oct JWK with an unknown member nested depth levels in total. */
static char *
deep_jwk(size_t depth)
{
    static const char head[] = "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAA\",\"alg\":\"HS256\","
                               "\"x\":";
    size_t h = sizeof head - 1, inner = depth - 1, len = h + 2 * inner + 2;
    char *s = malloc(len + 1);

    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, '[', inner);
    s[h + inner] = '1';
    memset(s + h + inner + 1, ']', inner);
    memcpy(s + h + 2 * inner + 1, "}", 2);
    return s;
}

static void
test_depth(void **state)
{
    char *ok = deep_jwk(JOT_MAX_JSON_DEPTH);
    char *deep = deep_jwk(JOT_MAX_JSON_DEPTH + 1);
    char *very = deep_jwk(5000);

    (void)state;
    jot_key_free(parse_ok(ok, JOT_ALG_INVALID));
    parse_fails(deep, strlen(deep), JOT_ALG_INVALID, JOT_ERR_DEPTH,
                "depth 33");
    parse_fails(very, strlen(very), JOT_ALG_INVALID, JOT_ERR_DEPTH,
                "depth 5000");
    free(ok);
    free(deep);
    free(very);
}

/* ---- PEM ---------------------------------------------------------- */

static void
test_pem_import(void **state)
{
    static const struct {
        enum pk pk;
        int private;
        const char *structure;
        const char *label;
        jot_alg alg;
    } cases[] = {
        { PK_RSA, 0, "SubjectPublicKeyInfo", "PUBLIC KEY", JOT_ALG_RS256 },
        { PK_RSA, 0, "type-specific", "RSA PUBLIC KEY", JOT_ALG_PS256 },
        { PK_RSA, 1, "PrivateKeyInfo", "PRIVATE KEY", JOT_ALG_RS512 },
        { PK_RSA, 1, "PrivateKeyInfo", "PRIVATE KEY", JOT_ALG_PS256 },
        { PK_RSA, 1, "type-specific", "RSA PRIVATE KEY", JOT_ALG_PS384 },
        { PK_RSA, 1, "type-specific", "RSA PRIVATE KEY", JOT_ALG_RS256 },
        { PK_P256, 0, "SubjectPublicKeyInfo", "PUBLIC KEY", JOT_ALG_ES256 },
        { PK_P256, 1, "PrivateKeyInfo", "PRIVATE KEY", JOT_ALG_ES256 },
        { PK_P256, 1, "type-specific", "EC PRIVATE KEY", JOT_ALG_ES256 },
        { PK_P384, 0, "SubjectPublicKeyInfo", "PUBLIC KEY", JOT_ALG_ES384 },
        { PK_P384, 1, "type-specific", "EC PRIVATE KEY", JOT_ALG_ES384 },
        { PK_P521, 1, "PrivateKeyInfo", "PRIVATE KEY", JOT_ALG_ES512 },
        { PK_P521, 1, "type-specific", "EC PRIVATE KEY", JOT_ALG_ES512 },
        { PK_ED, 0, "SubjectPublicKeyInfo", "PUBLIC KEY", JOT_ALG_EDDSA },
        { PK_ED, 1, "PrivateKeyInfo", "PRIVATE KEY", JOT_ALG_EDDSA },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *pem = pem_of(pkeys[cases[i].pk], cases[i].private,
                           cases[i].structure);
        char begin[64];
        unsigned char sig[SIG_CAP];
        size_t sig_len = 0;
        jot_key *k = NULL;
        jot_err err;
        int n;

        n = snprintf(begin, sizeof begin, "-----BEGIN %s-----\n",
                     cases[i].label);
        assert_true(n > 0 && (size_t)n < sizeof begin);
        if (strncmp(pem, begin, (size_t)n) != 0)
            fail_msg("case %zu: PEM does not start with %s", i, begin);
        err = jot_key_from_pem(pem, strlen(pem), cases[i].alg, &k);
        if (err != JOT_OK)
            fail_msg("case %zu (%s, %s): %s", i, cases[i].label,
                     jot_alg_name(cases[i].alg), jot_err_name(err));
        assert_int_equal(jot_key_alg(k), cases[i].alg);
        assert_int_equal(jot_key_is_private(k), cases[i].private);
        assert_null(jot_key_kid(k));

        /* OpenSSL signs, libjot verifies. */
        sig_len = ossl_sign(pkeys[cases[i].pk], cases[i].alg, -1, sig,
                            sizeof sig);
        tu_assert_err(JOT_OK, jot_key_verify(k, input, INPUT_LEN, sig,
                                             sig_len));
        /* libjot signs (private keys only), OpenSSL verifies. */
        if (cases[i].private) {
            sign_ok(k, sig, &sig_len);
            if (!ossl_verify(pkeys[cases[i].pk], cases[i].alg, sig, sig_len))
                fail_msg("case %zu: OpenSSL does not verify", i);
        } else {
            tu_assert_err(JOT_ERR_KEY, jot_key_sign(k, input, INPUT_LEN, sig,
                                                    sizeof sig, &sig_len));
        }
        jot_key_free(k);
        jot_wipe(pem, strlen(pem));
        free(pem);
    }
}

/* The PEM key of the suite's RSA key is the same key: same thumbprint. */
static void
test_pem_same_key(void **state)
{
    char *pem = pem_of(pkeys[PK_RSA], 0, "SubjectPublicKeyInfo");
    jot_key *k = NULL;
    char *t1, *t2;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_from_pem(pem, strlen(pem), JOT_ALG_RS256,
                                           &k));
    t1 = thumbprint(k);
    t2 = thumbprint(rsa_key);
    assert_string_equal(t1, t2);
    jot_free(t1);
    jot_free(t2);
    jot_key_free(k);
    free(pem);
}

static void
test_pem_wrong_alg(void **state)
{
    static const struct {
        enum pk pk;
        jot_alg alg;
    } cases[] = {
        { PK_RSA, JOT_ALG_INVALID }, { PK_RSA, JOT_ALG_ES256 },
        { PK_RSA, JOT_ALG_HS256 }, { PK_RSA, JOT_ALG_EDDSA },
        { PK_P256, JOT_ALG_INVALID }, { PK_P256, JOT_ALG_ES384 },
        { PK_P256, JOT_ALG_ES512 }, { PK_P256, JOT_ALG_RS256 },
        { PK_P256, JOT_ALG_PS256 }, { PK_P256, JOT_ALG_HS256 },
        { PK_P256, JOT_ALG_EDDSA }, { PK_P384, JOT_ALG_ES256 },
        { PK_P521, JOT_ALG_ES384 }, { PK_ED, JOT_ALG_INVALID },
        { PK_ED, JOT_ALG_ES256 }, { PK_ED, JOT_ALG_HS512 },
        { PK_K256, JOT_ALG_ES256 },     /* secp256k1 is not P-256 */
    };
    size_t i;
    int private;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        for (private = 0; private <= 1; private++) {
            char *pem = pem_of(pkeys[cases[i].pk], private,
                               private ? "PrivateKeyInfo"
                                       : "SubjectPublicKeyInfo");
            jot_key *k = (jot_key *)&k;
            jot_err err = jot_key_from_pem(pem, strlen(pem), cases[i].alg,
                                           &k);

            bad += mismatch(JOT_ERR_ALG, err, "case %zu (%s)", i,
                            private ? "private" : "public");
            assert_null(k);
            jot_wipe(pem, strlen(pem));
            free(pem);
        }
    }
    no_mismatch(bad);
}

static void
test_pem_garbage(void **state)
{
    char *real = pem_of(pkeys[PK_P256], 0, "SubjectPublicKeyInfo");
    char *corrupt = strdup(real);
    const char *cases[] = {
        "",
        "hello",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "A\"}",
        corrupt,
    };
    size_t i, len = strlen(real);
    int bad = 0;

    (void)state;
    assert_non_null(corrupt);
    corrupt[len / 2] = corrupt[len / 2] == 'A' ? 'B' : 'A';
    corrupt[len / 2 + 1] = '*';
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *k = (jot_key *)&k;
        jot_err err = jot_key_from_pem(cases[i], strlen(cases[i]),
                                       JOT_ALG_ES256, &k);

        bad += mismatch(JOT_ERR_MALFORMED, err, "case %zu", i);
        assert_null(k);
    }
    /* A truncated PEM; then a whole one given with a shorter length. */
    for (i = 1; i < 3; i++) {
        jot_key *k = (jot_key *)&k;

        tu_assert_err(JOT_ERR_MALFORMED,
                      jot_key_from_pem(real, len * i / 3, JOT_ALG_ES256, &k));
        assert_null(k);
    }
    free(real);
    free(corrupt);
    no_mismatch(bad);
}

/* An encrypted private key PEM (PKCS #8 or traditional); malloc'd. */
static char *
pem_encrypted(EVP_PKEY *pk, const char *structure)
{
    OSSL_ENCODER_CTX *ctx;
    unsigned char *data = NULL;
    size_t len = 0;
    char *s;

    ctx = OSSL_ENCODER_CTX_new_for_pkey(pk, EVP_PKEY_KEYPAIR, "PEM",
                                        structure, NULL);
    assert_non_null(ctx);
    assert_int_equal(OSSL_ENCODER_CTX_set_cipher(ctx, "AES-256-CBC", NULL),
                     1);
    assert_int_equal(OSSL_ENCODER_CTX_set_passphrase(
                         ctx, (const unsigned char *)"test-passphrase", 15),
                     1);
    assert_int_equal(OSSL_ENCODER_to_data(ctx, &data, &len), 1);
    s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, data, len);
    s[len] = '\0';
    OPENSSL_clear_free(data, len);
    OSSL_ENCODER_CTX_free(ctx);
    return s;
}

/*
 * Encrypted PEM is refused (never a passphrase prompt), DER is not PEM,
 * and PEM input has the JWK ceiling.
 */
static void
test_pem_refused(void **state)
{
    char *enc8 = pem_encrypted(pkeys[PK_P256], "PrivateKeyInfo");
    char *enc_trad = pem_encrypted(pkeys[PK_RSA], "type-specific");
    char *pem = pem_of(pkeys[PK_P256], 0, "SubjectPublicKeyInfo");
    char *big = malloc(JOT_MAX_JWK_LEN + 2);
    OSSL_ENCODER_CTX *ctx;
    unsigned char *der = NULL;
    size_t der_len = 0, len = strlen(pem);
    jot_key *k = (jot_key *)&k;

    (void)state;
    assert_non_null(big);
    assert_non_null(strstr(enc8, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_non_null(strstr(enc_trad, "ENCRYPTED"));
    tu_assert_err(JOT_ERR_MALFORMED, jot_key_from_pem(enc8, strlen(enc8),
                                                      JOT_ALG_ES256, &k));
    assert_null(k);
    k = (jot_key *)&k;
    tu_assert_err(JOT_ERR_MALFORMED,
                  jot_key_from_pem(enc_trad, strlen(enc_trad), JOT_ALG_RS256,
                                   &k));
    assert_null(k);

    ctx = OSSL_ENCODER_CTX_new_for_pkey(pkeys[PK_P256], EVP_PKEY_PUBLIC_KEY,
                                        "DER", "SubjectPublicKeyInfo", NULL);
    assert_non_null(ctx);
    assert_int_equal(OSSL_ENCODER_to_data(ctx, &der, &der_len), 1);
    OSSL_ENCODER_CTX_free(ctx);
    k = (jot_key *)&k;
    tu_assert_err(JOT_ERR_MALFORMED,
                  jot_key_from_pem((const char *)der, der_len, JOT_ALG_ES256,
                                   &k));
    assert_null(k);
    OPENSSL_free(der);

    /* A valid PEM followed by blank lines, one octet over the limit. */
    memcpy(big, pem, len);
    memset(big + len, '\n', JOT_MAX_JWK_LEN + 1 - len);
    big[JOT_MAX_JWK_LEN + 1] = '\0';
    k = (jot_key *)&k;
    tu_assert_err(JOT_ERR_TOO_LARGE,
                  jot_key_from_pem(big, JOT_MAX_JWK_LEN + 1, JOT_ALG_ES256,
                                   &k));
    assert_null(k);
    free(big);
    free(pem);
    free(enc8);
    free(enc_trad);
}

/* ---- low-level sign and verify ------------------------------------ */

enum tamper {
    T_FLIP_FIRST, T_FLIP_LAST, T_TRUNC, T_EXTEND, T_EMPTY, T_INPUT,
    T_OTHER_KEY,
    T_N
};

static void
test_verify_tampered(void **state)
{
    size_t i;
    int t;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        jot_key *k = new_key(algs[i].alg);
        jot_key *other = NULL;
        unsigned char good[SIG_CAP], sig[SIG_CAP + 1];
        size_t good_len = 0, len;

        sign_ok(k, good, &good_len);
        tu_assert_err(JOT_OK, jot_key_verify(k, input, INPUT_LEN, good,
                                             good_len));
        for (t = 0; t < T_N; t++) {
            const jot_key *vk = k;
            size_t in_len = INPUT_LEN;
            jot_err err;

            memcpy(sig, good, good_len);
            len = good_len;
            switch (t) {
            case T_FLIP_FIRST: sig[0] ^= 0x80; break;
            case T_FLIP_LAST: sig[len - 1] ^= 0x01; break;
            case T_TRUNC: len--; break;
            case T_EXTEND: sig[len++] = 0; break;
            case T_EMPTY: len = 0; break;
            case T_INPUT: in_len--; break;
            default:
                if (is_rsa(algs[i].alg)) {
                    /* The same RSA key under another algorithm. */
                    other = parse_ok(rsa_jwk_noalg,
                                     algs[i].alg == JOT_ALG_RS256
                                         ? JOT_ALG_PS256
                                         : JOT_ALG_RS256);
                } else {
                    other = new_key(algs[i].alg);
                }
                vk = other;
                break;
            }
            err = jot_key_verify(vk, input, in_len, sig, len);
            bad += mismatch(JOT_ERR_BAD_SIGNATURE, err, "%s tamper %d",
                            algs[i].name, t);
        }
        jot_key_free(other);
        jot_key_free(k);
    }
    no_mismatch(bad);
}

/* An RSA key bound to RS* does not verify PS* signatures, and back. */
static void
test_verify_rs_ps(void **state)
{
    static const jot_alg pairs[][2] = {
        { JOT_ALG_RS256, JOT_ALG_PS256 }, { JOT_ALG_PS256, JOT_ALG_RS256 },
        { JOT_ALG_RS384, JOT_ALG_PS384 }, { JOT_ALG_PS512, JOT_ALG_RS512 },
        { JOT_ALG_RS256, JOT_ALG_RS512 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(pairs); i++) {
        jot_key *s = new_key(pairs[i][0]), *v = new_key(pairs[i][1]);
        unsigned char sig[SIG_CAP];
        size_t sig_len = 0;

        sign_ok(s, sig, &sig_len);
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(v, input, INPUT_LEN, sig, sig_len));
        jot_key_free(s);
        jot_key_free(v);
    }
}

/* ECDSA in DER form, r or s zero or too big: all bad signatures. */
static void
test_verify_ecdsa_forms(void **state)
{
    static const jot_alg es[] = { JOT_ALG_ES256, JOT_ALG_ES384,
                                  JOT_ALG_ES512 };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(es); i++) {
        jot_key *k = new_key(es[i]);
        unsigned char good[SIG_CAP], sig[SIG_CAP], *der;
        size_t len = 0, der_len, half = ec_half(es[i]);

        sign_ok(k, good, &len);
        der = ecdsa_der(good, len, &der_len);
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, der, der_len));
        OPENSSL_free(der);
        memcpy(sig, good, len);
        memset(sig, 0, half);                        /* r = 0 */
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, sig, len));
        memcpy(sig, good, len);
        memset(sig + half, 0, half);                 /* s = 0 */
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, sig, len));
        memset(sig, 0, len);                         /* r = s = 0 */
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, sig, len));
        memcpy(sig, good, len);
        memset(sig, 0xff, half);                     /* r > n */
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, sig, len));
        memcpy(sig, good, len);
        memset(sig + half, 0xff, half);              /* s > n */
        tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                      jot_key_verify(k, input, INPUT_LEN, sig, len));
        jot_key_free(k);
    }
}

/* PSS signatures whose salt is not the hash length are refused. */
static void
test_verify_pss_salt(void **state)
{
    static const struct {
        jot_alg alg;
        int salt;
        jot_err want;
    } cases[] = {
        { JOT_ALG_PS256, 32, JOT_OK },
        { JOT_ALG_PS256, 0, JOT_ERR_BAD_SIGNATURE },
        { JOT_ALG_PS256, 20, JOT_ERR_BAD_SIGNATURE },
        { JOT_ALG_PS256, 64, JOT_ERR_BAD_SIGNATURE },
        { JOT_ALG_PS384, 48, JOT_OK },
        { JOT_ALG_PS384, 32, JOT_ERR_BAD_SIGNATURE },
        { JOT_ALG_PS512, 64, JOT_OK },
        { JOT_ALG_PS512, 0, JOT_ERR_BAD_SIGNATURE },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *k = new_key(cases[i].alg);
        unsigned char sig[512];
        size_t len = ossl_sign(pkeys[PK_RSA], cases[i].alg, cases[i].salt,
                               sig, sizeof sig);
        jot_err err = jot_key_verify(k, input, INPUT_LEN, sig, len);

        bad += mismatch(cases[i].want, err, "case %zu", i);
        jot_key_free(k);
    }
    no_mismatch(bad);
}

/* ---- kid and reference counting ----------------------------------- */

static void
test_set_kid(void **state)
{
    jot_key *k = new_key(JOT_ALG_ES256);
    char kid[] = "key-1";
    char *jwk, *tp1, *tp2;
    jot_key *back;

    (void)state;
    tp1 = thumbprint(k);
    tu_assert_err(JOT_OK, jot_key_set_kid(k, kid));
    kid[0] = 'X';                           /* the kid was copied */
    assert_string_equal(jot_key_kid(k), "key-1");
    jwk = export_key(k, JOT_JWK_PUBLIC);
    check_jwk(jwk, info(JOT_ALG_ES256), 0, "key-1");
    back = parse_ok(jwk, JOT_ALG_INVALID);
    assert_string_equal(jot_key_kid(back), "key-1");
    tp2 = thumbprint(k);                    /* kid is not in it */
    assert_string_equal(tp1, tp2);
    jot_key_free(back);
    jot_free(jwk);

    tu_assert_err(JOT_OK, jot_key_set_kid(k, "a\"b\\c/\xc3\xa9"));
    assert_string_equal(jot_key_kid(k), "a\"b\\c/\xc3\xa9");
    jwk = export_key(k, JOT_JWK_PUBLIC);
    back = parse_ok(jwk, JOT_ALG_INVALID);
    assert_string_equal(jot_key_kid(back), "a\"b\\c/\xc3\xa9");
    jot_key_free(back);
    jot_free(jwk);

    tu_assert_err(JOT_OK, jot_key_set_kid(k, NULL));
    assert_null(jot_key_kid(k));
    jwk = export_key(k, JOT_JWK_PUBLIC);
    check_jwk(jwk, info(JOT_ALG_ES256), 0, NULL);
    jot_free(jwk);
    jot_free(tp1);
    jot_free(tp2);
    jot_key_free(k);
}

/* 1 when s is n or more base64url characters and nothing else. */
static int
is_b64url(const char *s, size_t n)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-_", s[i]) == NULL)
            return 0;
    }
    return i >= n;
}

/*
 * jot_key_assign_kid (API.md): an asymmetric key's kid is its RFC 7638
 * thumbprint; an HMAC key's is random, since its thumbprint would be a
 * hash of the secret and publishing it would give an offline oracle.
 */
static void
test_assign_kid(void **state)
{
    static const struct {
        jot_alg alg;
        int random;             /* 1: a random kid, 0: the thumbprint */
    } cases[] = {
        { JOT_ALG_ES256, 0 }, { JOT_ALG_ES384, 0 }, { JOT_ALG_ES512, 0 },
        { JOT_ALG_EDDSA, 0 }, { JOT_ALG_RS256, 0 }, { JOT_ALG_PS384, 0 },
        { JOT_ALG_HS256, 1 }, { JOT_ALG_HS384, 1 }, { JOT_ALG_HS512, 1 },
    };
    jot_key *a, *b;
    char *tp_a, *tp_b;
    size_t i;

    (void)state;
    tu_assert_err(JOT_ERR_INVAL, jot_key_assign_kid(NULL));
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = jot_alg_name(cases[i].alg);

        a = new_key(cases[i].alg);
        b = new_key(cases[i].alg);
        tu_assert_err(JOT_OK, jot_key_set_kid(a, "old"));
        tu_assert_err(JOT_OK, jot_key_assign_kid(a));
        tu_assert_err(JOT_OK, jot_key_assign_kid(b));
        assert_non_null(jot_key_kid(a));
        assert_non_null(jot_key_kid(b));
        tp_a = thumbprint(a);
        tp_b = thumbprint(b);
        if (!cases[i].random) {
            if (strcmp(jot_key_kid(a), tp_a) != 0)
                fail_msg("%s: kid %s, expected the thumbprint %s", name,
                         jot_key_kid(a), tp_a);
        } else {
            if (!is_b64url(jot_key_kid(a), 22) ||
                !is_b64url(jot_key_kid(b), 22))
                fail_msg("%s: kids %s and %s, expected 22 or more "
                         "base64url characters", name, jot_key_kid(a),
                         jot_key_kid(b));
            if (strcmp(jot_key_kid(a), jot_key_kid(b)) == 0)
                fail_msg("%s: two keys got the same kid %s", name,
                         jot_key_kid(a));
            if (strcmp(jot_key_kid(a), tp_a) == 0 ||
                strcmp(jot_key_kid(b), tp_b) == 0)
                fail_msg("%s: the kid is the secret's thumbprint", name);
        }
        jot_free(tp_a);
        jot_free(tp_b);
        jot_key_free(a);
        jot_key_free(b);
    }
}

static void
test_key_ref(void **state)
{
    jot_key *k = new_key(JOT_ALG_HS256);
    unsigned char sig[64];
    size_t len;

    (void)state;
    assert_ptr_equal(jot_key_ref(k), k);
    assert_null(jot_key_ref(NULL));
    jot_key_free(k);                        /* one reference left */
    tu_assert_err(JOT_OK, jot_key_sign(k, input, INPUT_LEN, sig, sizeof sig,
                                       &len));
    jot_key_free(k);
    jot_key_free(NULL);
}

/* ---- key sets ----------------------------------------------------- */

static jot_keyset *
set_new(void)
{
    jot_keyset *set = NULL;

    tu_assert_err(JOT_OK, jot_keyset_new(&set));
    assert_non_null(set);
    return set;
}

static void
test_keyset_basic(void **state)
{
    static const jot_alg gen[] = { JOT_ALG_HS256, JOT_ALG_ES256,
                                   JOT_ALG_EDDSA };
    jot_keyset *set = set_new();
    jot_key *k[N_ELEMS(gen)];
    size_t i;

    (void)state;
    assert_int_equal(jot_keyset_count(set), 0);
    assert_null(jot_keyset_get(set, 0));
    for (i = 0; i < N_ELEMS(gen); i++) {
        k[i] = new_key(gen[i]);
        tu_assert_err(JOT_OK, jot_keyset_add(set, k[i]));
        assert_int_equal(jot_keyset_count(set), i + 1);
    }
    for (i = 0; i < N_ELEMS(gen); i++)
        assert_ptr_equal(jot_keyset_get(set, i), k[i]);
    assert_null(jot_keyset_get(set, N_ELEMS(gen)));
    assert_null(jot_keyset_get(set, (size_t)-1));
    assert_ptr_equal(jot_keyset_ref(set), set);
    assert_null(jot_keyset_ref(NULL));
    jot_keyset_free(set);
    assert_int_equal(jot_keyset_count(set), N_ELEMS(gen));
    jot_keyset_free(set);
    jot_keyset_free(NULL);
    for (i = 0; i < N_ELEMS(gen); i++)
        jot_key_free(k[i]);
}

/* The set holds its own reference: the caller's key may go first. */
static void
test_keyset_refcount(void **state)
{
    jot_keyset *set = set_new();
    jot_key *k = new_key(JOT_ALG_ES256);
    jot_key *pub;
    const jot_key *held;
    unsigned char sig[SIG_CAP];
    size_t len = 0;
    char *jwk;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_set_kid(k, "held"));
    jwk = export_key(k, JOT_JWK_PUBLIC);
    pub = parse_ok(jwk, JOT_ALG_INVALID);
    tu_assert_err(JOT_OK, jot_keyset_add(set, k));
    jot_key_free(k);
    held = jot_keyset_get(set, 0);
    assert_non_null(held);
    assert_string_equal(jot_key_kid(held), "held");
    tu_assert_err(JOT_OK, jot_key_sign(held, input, INPUT_LEN, sig,
                                       sizeof sig, &len));
    tu_assert_err(JOT_OK, jot_key_verify(pub, input, INPUT_LEN, sig, len));
    tu_assert_err(JOT_OK, jot_key_verify(held, input, INPUT_LEN, sig, len));
    jot_keyset_free(set);
    /* A key outlives a set it was added to. */
    set = set_new();
    tu_assert_err(JOT_OK, jot_keyset_add(set, pub));
    jot_keyset_free(set);
    tu_assert_err(JOT_OK, jot_key_verify(pub, input, INPUT_LEN, sig, len));
    jot_key_free(pub);
    jot_free(jwk);
}

static void
test_keyset_limit(void **state)
{
    jot_keyset *set = set_new();
    unsigned char secret[32];
    char kid[16];
    size_t i;
    int n;

    (void)state;
    memset(secret, 7, sizeof secret);
    for (i = 0; i <= JOT_MAX_KEYS; i++) {
        jot_key *k = NULL;

        tu_assert_err(JOT_OK, jot_key_from_secret(secret, sizeof secret,
                                                  JOT_ALG_HS256, &k));
        n = snprintf(kid, sizeof kid, "k%zu", i);
        assert_true(n > 0 && (size_t)n < sizeof kid);
        tu_assert_err(JOT_OK, jot_key_set_kid(k, kid));
        tu_assert_err(i < JOT_MAX_KEYS ? JOT_OK : JOT_ERR_TOO_LARGE,
                      jot_keyset_add(set, k));
        jot_key_free(k);
    }
    assert_int_equal(jot_keyset_count(set), JOT_MAX_KEYS);
    jot_keyset_free(set);
}

/* Two keys may share a kid only when their algorithms differ. */
static void
test_keyset_kid_clash(void **state)
{
    jot_keyset *set = set_new();
    jot_key *a = new_key(JOT_ALG_ES256), *b = new_key(JOT_ALG_ES256);
    jot_key *c = new_key(JOT_ALG_HS256);

    (void)state;
    tu_assert_err(JOT_OK, jot_key_set_kid(a, "same"));
    tu_assert_err(JOT_OK, jot_key_set_kid(b, "same"));
    tu_assert_err(JOT_OK, jot_key_set_kid(c, "same"));
    tu_assert_err(JOT_OK, jot_keyset_add(set, a));
    assert_int_not_equal(jot_keyset_add(set, b), JOT_OK);
    assert_int_equal(jot_keyset_count(set), 1);
    tu_assert_err(JOT_OK, jot_keyset_add(set, c));
    assert_int_equal(jot_keyset_count(set), 2);
    jot_keyset_free(set);
    jot_key_free(a);
    jot_key_free(b);
    jot_key_free(c);
}

/* One JWK text with members replaced; for JWKS documents. */
static char *
public_jwk(jot_alg alg, const char *kid)
{
    jot_key *k = new_key(alg);
    char *s, *copy;

    if (kid != NULL)
        tu_assert_err(JOT_OK, jot_key_set_kid(k, kid));
    s = export_key(k, jot_alg_is_hmac(alg) ? JOT_JWK_PRIVATE
                                           : JOT_JWK_PUBLIC);
    copy = strdup(s);
    assert_non_null(copy);
    free_secret(s);
    jot_key_free(k);
    return copy;
}

static char *
jwks_of(json_t *keys)
{
    json_t *doc = json_pack("{s:o}", "keys", keys);
    char *s;

    assert_non_null(doc);
    s = jdump(doc);
    json_decref(doc);
    return s;
}

static void
test_jwks_parse_skips(void **state)
{
    static const struct {
        const char *kid;
        jot_alg alg;
    } kept[] = {
        { "e1", JOT_ALG_ES256 }, { "r1", JOT_ALG_RS256 },
        { "ed", JOT_ALG_EDDSA }, { "h1", JOT_ALG_HS256 },
        { "nouse", JOT_ALG_ES384 },
    };
    json_t *keys = json_array();
    char *s, *doc;
    json_t *j;
    jot_keyset *set = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(kept); i++) {
        s = public_jwk(kept[i].alg, kept[i].kid);
        j = jparse(s);
        if (strcmp(kept[i].kid, "nouse") == 0)
            json_object_del(j, "use");      /* "use" is optional */
        json_array_append_new(keys, j);
        free_secret(s);
        /* skipped: the same key for encryption */
        s = public_jwk(kept[i].alg, "enc");
        j = jparse(s);
        json_object_set_new(j, "use", json_string("enc"));
        json_array_append_new(keys, j);
        free_secret(s);
    }
    /* skipped: unknown kty, unsupported curves, RSA without alg */
    json_array_append_new(keys, jparse("{\"kty\":\"foo\",\"kid\":\"x\"}"));
    json_array_append_new(keys, jparse(
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"x\","
        "\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"}"));
    s = rsa_public_jwk(pkeys[PK_RSA], NULL);
    json_array_append_new(keys, jparse(s));
    free(s);
    {
        char *x = bn_param_b64(pkeys[PK_K256], OSSL_PKEY_PARAM_EC_PUB_X);
        char *y = bn_param_b64(pkeys[PK_K256], OSSL_PKEY_PARAM_EC_PUB_Y);

        json_array_append_new(keys, json_pack("{s:s,s:s,s:s,s:s}", "kty",
                                              "EC", "crv", "secp256k1", "x",
                                              x, "y", y));
        jot_free(x);
        jot_free(y);
    }
    doc = jwks_of(keys);
    tu_assert_err(JOT_OK, jot_jwks_parse(doc, strlen(doc), &set));
    assert_int_equal(jot_keyset_count(set), N_ELEMS(kept));
    for (i = 0; i < N_ELEMS(kept); i++) {
        const jot_key *k = jot_keyset_get(set, i);

        assert_non_null(k);
        assert_string_equal(jot_key_kid(k), kept[i].kid);
        assert_int_equal(jot_key_alg(k), kept[i].alg);
        assert_int_equal(jot_key_is_private(k), kept[i].alg ==
                                                JOT_ALG_HS256);
    }
    jot_keyset_free(set);
    jot_wipe(doc, strlen(doc));
    free(doc);
}

/* A public P-256 JWK whose point is not on the curve; malloc'd. */
static char *
off_curve_jwk(void)
{
    char *jwk = public_jwk(JOT_ALG_ES256, "off");
    json_t *j = jparse(jwk);
    char *bad = jwk_edit(jwk, "y", spoilt_value(jstr(j, "y"), SP_FLIP, NULL));

    json_decref(j);
    free(jwk);
    return bad;
}

/* A supported key that is malformed or weak fails the whole set. */
static void
test_jwks_parse_refused(void **state)
{
    char *good = public_jwk(JOT_ALG_ES256, "good");
    char *off_curve = off_curve_jwk();
    char *weak_rsa = rsa_public_jwk(pkeys[PK_RSA1024], "RS256");
    const struct {
        const char *text;       /* a JWK, or the whole document */
        int whole;
        jot_err want;
    } cases[] = {
        { off_curve, 0, JOT_ERR_MALFORMED },
        { weak_rsa, 0, JOT_ERR_WEAK_KEY },
        { "{\"kty\":\"oct\",\"alg\":\"HS256\","
          "\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}", 0, JOT_ERR_WEAK_KEY },
        { "{\"kty\":\"oct\",\"alg\":\"HS256\"}", 0, JOT_ERR_MALFORMED },
        { "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kty\":\"oct\"}", 0,
          JOT_ERR_DUPLICATE },
        { "", 1, JOT_ERR_MALFORMED },
        { "[]", 1, JOT_ERR_MALFORMED },
        { "{}", 1, JOT_ERR_MALFORMED },
        { "{\"keys\":{}}", 1, JOT_ERR_MALFORMED },
        { "{\"keys\":\"x\"}", 1, JOT_ERR_MALFORMED },
        { "{\"keys\":[]", 1, JOT_ERR_MALFORMED },
        { "{\"keys\":[],\"keys\":[]}", 1, JOT_ERR_DUPLICATE },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_keyset *set = (jot_keyset *)&set;
        char *doc;
        jot_err err;

        if (cases[i].whole) {
            doc = strdup(cases[i].text);
            assert_non_null(doc);
        } else {
            /* The offending key comes after a good one, as text. */
            size_t cap = strlen(good) + strlen(cases[i].text) + 16;
            int n;

            doc = malloc(cap);
            assert_non_null(doc);
            n = snprintf(doc, cap, "{\"keys\":[%s,%s]}", good,
                         cases[i].text);
            assert_true(n > 0 && (size_t)n < cap);
        }
        err = jot_jwks_parse(doc, strlen(doc), &set);
        bad += mismatch(cases[i].want, err, "case %zu", i);
        if (err == JOT_OK)
            jot_keyset_free(set);
        else
            assert_null(set);
        free(doc);
    }
    free(off_curve);
    free(weak_rsa);
    free(good);
    no_mismatch(bad);
}

/* Two keys of one kid and one alg in a JWKS: the set is refused. */
static void
test_jwks_kid_clash(void **state)
{
    char *a = public_jwk(JOT_ALG_ES256, "same");
    char *b = public_jwk(JOT_ALG_ES256, "same");
    char *c = public_jwk(JOT_ALG_ES384, "same");
    json_t *keys = json_array();
    jot_keyset *set = NULL;
    char *doc;

    (void)state;
    json_array_append_new(keys, jparse(a));
    json_array_append_new(keys, jparse(c));
    doc = jwks_of(json_deep_copy(keys));
    tu_assert_err(JOT_OK, jot_jwks_parse(doc, strlen(doc), &set));
    assert_int_equal(jot_keyset_count(set), 2);
    jot_keyset_free(set);
    free(doc);
    json_array_append_new(keys, jparse(b));
    doc = jwks_of(keys);
    set = (jot_keyset *)&set;
    assert_int_not_equal(jot_jwks_parse(doc, strlen(doc), &set), JOT_OK);
    assert_null(set);
    free(doc);
    free(a);
    free(b);
    free(c);
}

/* A JWKS of n HMAC keys with distinct kids. */
static char *
jwks_of_n(size_t n, size_t pad_to)
{
    char *doc, *padded;
    json_t *keys = json_array();
    size_t i, len;
    char kid[16];
    int w;

    for (i = 0; i < n; i++) {
        w = snprintf(kid, sizeof kid, "k%zu", i);
        assert_true(w > 0 && (size_t)w < sizeof kid);
        json_array_append_new(keys, json_pack(
            "{s:s,s:s,s:s,s:s}", "kty", "oct", "kid", kid, "alg", "HS256",
            "k", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    }
    doc = jwks_of(keys);
    len = strlen(doc);
    if (pad_to == 0)
        return doc;
    /* Pad with spaces before the closing brace to exactly pad_to. */
    assert_true(pad_to >= len);
    padded = malloc(pad_to + 1);
    assert_non_null(padded);
    memcpy(padded, doc, len - 1);
    memset(padded + len - 1, ' ', pad_to - len);
    memcpy(padded + pad_to - 1, "}", 2);
    free(doc);
    return padded;
}

static void
test_jwks_limits(void **state)
{
    jot_keyset *set = NULL;
    char *doc;

    (void)state;
    doc = jwks_of_n(JOT_MAX_KEYS, 0);
    tu_assert_err(JOT_OK, jot_jwks_parse(doc, strlen(doc), &set));
    assert_int_equal(jot_keyset_count(set), JOT_MAX_KEYS);
    jot_keyset_free(set);
    free(doc);

    doc = jwks_of_n(JOT_MAX_KEYS + 1, 0);
    set = (jot_keyset *)&set;
    tu_assert_err(JOT_ERR_TOO_LARGE, jot_jwks_parse(doc, strlen(doc), &set));
    assert_null(set);
    free(doc);

    doc = jwks_of_n(1, JOT_MAX_JWK_LEN);
    assert_int_equal(strlen(doc), JOT_MAX_JWK_LEN);
    tu_assert_err(JOT_OK, jot_jwks_parse(doc, JOT_MAX_JWK_LEN, &set));
    assert_int_equal(jot_keyset_count(set), 1);
    jot_keyset_free(set);
    free(doc);

    doc = jwks_of_n(1, JOT_MAX_JWK_LEN + 1);
    set = (jot_keyset *)&set;
    tu_assert_err(JOT_ERR_TOO_LARGE,
                  jot_jwks_parse(doc, JOT_MAX_JWK_LEN + 1, &set));
    assert_null(set);
    free(doc);
}

static void
test_jwks_export(void **state)
{
    jot_keyset *set = set_new(), *back = NULL;
    jot_key *es = new_key(JOT_ALG_ES256), *rs = jot_key_ref(rsa_key);
    jot_key *hs = new_key(JOT_ALG_HS256), *ed = new_key(JOT_ALG_EDDSA);
    char *pub_es, *pub_rs, *pub_ed, *priv[4], *out = NULL, want[16384];
    jot_key *all[4];
    size_t i, off;
    int n;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_set_kid(es, "es"));
    tu_assert_err(JOT_OK, jot_key_set_kid(hs, "hs"));
    all[0] = es;
    all[1] = hs;
    all[2] = rs;
    all[3] = ed;
    for (i = 0; i < 4; i++)
        tu_assert_err(JOT_OK, jot_keyset_add(set, all[i]));

    /* Public: HMAC keys left out, the others exactly as one by one. */
    pub_es = export_key(es, JOT_JWK_PUBLIC);
    pub_rs = export_key(rs, JOT_JWK_PUBLIC);
    pub_ed = export_key(ed, JOT_JWK_PUBLIC);
    n = snprintf(want, sizeof want, "{\"keys\":[%s,%s,%s]}", pub_es, pub_rs,
                 pub_ed);
    assert_true(n > 0 && (size_t)n < sizeof want);
    tu_assert_err(JOT_OK, jot_jwks_export(set, JOT_JWK_PUBLIC, &out));
    assert_string_equal(out, want);
    tu_assert_err(JOT_OK, jot_jwks_parse(out, strlen(out), &back));
    assert_int_equal(jot_keyset_count(back), 3);
    assert_int_equal(jot_key_is_private(jot_keyset_get(back, 0)), 0);
    jot_keyset_free(back);
    jot_free(out);

    /* Private: every key. */
    off = (size_t)snprintf(want, sizeof want, "{\"keys\":[");
    for (i = 0; i < 4; i++) {
        priv[i] = export_key(all[i], JOT_JWK_PRIVATE);
        n = snprintf(want + off, sizeof want - off, "%s%s", i ? "," : "",
                     priv[i]);
        assert_true(n > 0 && (size_t)n < sizeof want - off);
        off += (size_t)n;
        free_secret(priv[i]);
    }
    n = snprintf(want + off, sizeof want - off, "]}");
    assert_true(n > 0 && (size_t)n < sizeof want - off);
    tu_assert_err(JOT_OK, jot_jwks_export(set, JOT_JWK_PRIVATE, &out));
    assert_string_equal(out, want);
    tu_assert_err(JOT_OK, jot_jwks_parse(out, strlen(out), &back));
    assert_int_equal(jot_keyset_count(back), 4);
    assert_string_equal(jot_key_kid(jot_keyset_get(back, 1)), "hs");
    assert_int_equal(jot_key_is_private(jot_keyset_get(back, 1)), 1);
    jot_keyset_free(back);
    free_secret(out);
    jot_wipe(want, sizeof want);

    jot_keyset_free(set);
    jot_free(pub_es);
    jot_free(pub_rs);
    jot_free(pub_ed);
    for (i = 0; i < 4; i++)
        jot_key_free(all[i]);
}

static void
test_jwks_export_empty(void **state)
{
    jot_keyset *set = set_new();
    jot_key *hs = new_key(JOT_ALG_HS512);
    char *out = NULL;

    (void)state;
    tu_assert_err(JOT_OK, jot_jwks_export(set, JOT_JWK_PUBLIC, &out));
    assert_string_equal(out, "{\"keys\":[]}");
    jot_free(out);
    tu_assert_err(JOT_OK, jot_keyset_add(set, hs));
    tu_assert_err(JOT_OK, jot_jwks_export(set, JOT_JWK_PUBLIC, &out));
    assert_string_equal(out, "{\"keys\":[]}");
    jot_free(out);
    jot_keyset_free(set);
    jot_key_free(hs);
}

/*
 * Regressions found by fuzz_pem and fuzz_jwk: an RSA public exponent of
 * 1 (every "signature" equals its message) or an even one is refused from
 * a PEM file as from a JWK, and an RSA private key (n, e, d) whose d
 * disagrees with n and e (it would sign what its public half cannot
 * verify) is refused at import.
 */
static void
test_rsa_consistency(void **state)
{
    static const char *const pems[] = {
        "tests/keys/test-rsa-public-e1.pem",
        "tests/keys/test-rsa-public-e-even.pem",
    };
    json_t *v = tu_load_json("tests/vectors/rfc/rfc7515_A2_rs256.json");
    json_t *jwk = json_deep_copy(json_object_get(v, "jwk"));
    const char *d;
    char *bad_d, *text, *pem;
    jot_key *k = NULL;
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof pems / sizeof *pems; i++) {
        pem = tu_read_file(pems[i], &len);
        tu_assert_err(JOT_ERR_WEAK_KEY,
                      jot_key_from_pem(pem, len, JOT_ALG_RS256, &k));
        assert_null(k);
        free(pem);
    }
    /* the untouched private key imports (and passes its self-test) */
    text = json_dumps(jwk, JSON_COMPACT);
    tu_assert_err(JOT_OK, jot_jwk_parse(text, strlen(text), JOT_ALG_RS256,
                                        &k));
    jot_key_free(k);
    k = NULL;
    free(text);
    /* one character of d changed: still valid base64url, wrong key.  The
     * CRT members go first: with them OpenSSL signs without d. */
    for (i = 0; i < 5; i++)
        json_object_del(jwk, (const char *[]){"p", "q", "dp", "dq",
                                              "qi"}[i]);
    d = json_string_value(json_object_get(jwk, "d"));
    bad_d = strdup(d);
    assert_non_null(bad_d);
    bad_d[10] = bad_d[10] == 'A' ? 'B' : 'A';
    json_object_set_new(jwk, "d", json_string(bad_d));
    text = json_dumps(jwk, JSON_COMPACT);
    tu_assert_err(JOT_ERR_MALFORMED, jot_jwk_parse(text, strlen(text),
                                                   JOT_ALG_RS256, &k));
    assert_null(k);
    free(text);
    free(bad_d);
    json_decref(jwk);
    json_decref(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alg_names),
        cmocka_unit_test(test_alg_from_name_refused),
        cmocka_unit_test(test_alg_from_name_len),
        cmocka_unit_test(test_alg_sig_max),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_sign_cap),
        cmocka_unit_test(test_generate_distinct),
        cmocka_unit_test(test_generate_invalid),
        cmocka_unit_test(test_from_secret),
        cmocka_unit_test(test_binding),
        cmocka_unit_test(test_weak_hmac),
        cmocka_unit_test(test_weak_rsa),
        cmocka_unit_test(test_malformed_text),
        cmocka_unit_test(test_malformed_members),
        cmocka_unit_test(test_mismatched_pair),
        cmocka_unit_test(test_parse_len),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_pem_import),
        cmocka_unit_test(test_pem_same_key),
        cmocka_unit_test(test_pem_wrong_alg),
        cmocka_unit_test(test_pem_garbage),
        cmocka_unit_test(test_pem_refused),
        cmocka_unit_test(test_verify_tampered),
        cmocka_unit_test(test_verify_rs_ps),
        cmocka_unit_test(test_verify_ecdsa_forms),
        cmocka_unit_test(test_verify_pss_salt),
        cmocka_unit_test(test_set_kid),
        cmocka_unit_test(test_assign_kid),
        cmocka_unit_test(test_key_ref),
        cmocka_unit_test(test_keyset_basic),
        cmocka_unit_test(test_keyset_refcount),
        cmocka_unit_test(test_keyset_limit),
        cmocka_unit_test(test_keyset_kid_clash),
        cmocka_unit_test(test_jwks_parse_skips),
        cmocka_unit_test(test_jwks_parse_refused),
        cmocka_unit_test(test_jwks_kid_clash),
        cmocka_unit_test(test_jwks_limits),
        cmocka_unit_test(test_jwks_export),
        cmocka_unit_test(test_jwks_export_empty),
        cmocka_unit_test(test_rsa_consistency),
    };

    return cmocka_run_group_tests_name("jwk", tests, group_setup,
                                       group_teardown);
}
