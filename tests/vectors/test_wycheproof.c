/*
 * test_wycheproof.c - Project Wycheproof vectors (tests/vectors/wycheproof/)
 * through the low-level jot_key_verify and jot_key_sign, every key
 * imported through jot_jwk_parse.
 *
 * A test's "msg" is the JWS signing input and its "sig" (or "tag") the
 * decoded JWS signature: the Wycheproof P1363 ECDSA, Ed25519, PKCS#1 v1.5
 * and PSS formats are exactly the JWS ones.  Every "valid" case must
 * verify (JOT_OK) and every "invalid" one must be refused with exactly
 * JOT_ERR_BAD_SIGNATURE.  The JWS profile narrows a few groups further
 * (see tests/vectors/wycheproof/README.md):
 *   - HMAC (RFC 7518 §3.2): only full-length tags count, so a group with
 *     a truncated tagSize is refused as a whole, and a key shorter than
 *     the hash is refused at import with JOT_ERR_WEAK_KEY;
 *   - PSS (RFC 7518 §3.5): MGF1 with the message hash and a salt of the
 *     hash length.  A group with other parameters is run with the PSxxx
 *     of its hash and every signature in it must be refused;
 *   - groups hashing with SHA-1 or SHA-224 are skipped: no JWS
 *     algorithm uses those hashes;
 *   - libjot has no Ed448 (RFC 8037 EdDSA is Ed25519 only here): the
 *     Ed448 keys must be refused by jot_jwk_parse with JOT_ERR_ALG and
 *     their cases are skipped.
 * ECDSA high-S signatures are valid: JWS does not require low-S (RFC 7515
 * A.3's own signature is high-S).
 *
 * Each test case counts once.  A line per file gives its tally, and the
 * last line "N passed, M failed" the totals.  A mismatch prints tcId,
 * comment, flags, the expected and the actual answer.
 */
#include <dirent.h>

#include "testutil.h"

#define WP_DIR "tests/vectors/wycheproof/"
#define SIG_CAP 2048    /* jot_alg_sig_max of RSA: a 16384-bit modulus */

enum kind {
    K_ECDSA,        /* EcdsaP1363Verify */
    K_EDDSA,        /* EddsaVerify */
    K_HMAC,         /* MacTest */
    K_RSA_PKCS1,    /* RsassaPkcs1Verify */
    K_RSA_PSS,      /* RsassaPssVerify */
    K_RSA_SIGN      /* RsassaPkcs1Generate: sign and compare */
};

struct wfile {
    const char *name;
    enum kind kind;
};

static struct wfile files[] = {
    { "ecdsa_secp256r1_sha256_p1363_test.json", K_ECDSA },
    { "ecdsa_secp384r1_sha384_p1363_test.json", K_ECDSA },
    { "ecdsa_secp521r1_sha512_p1363_test.json", K_ECDSA },
    { "ed25519_test.json", K_EDDSA },
    { "ed448_test.json", K_EDDSA },
    { "hmac_sha256_test.json", K_HMAC },
    { "hmac_sha384_test.json", K_HMAC },
    { "hmac_sha512_test.json", K_HMAC },
    { "rsa_pkcs1_2048_sig_gen_test.json", K_RSA_SIGN },
    { "rsa_pkcs1_3072_sig_gen_test.json", K_RSA_SIGN },
    { "rsa_pkcs1_4096_sig_gen_test.json", K_RSA_SIGN },
    { "rsa_pss_2048_sha256_mgf1_32_test.json", K_RSA_PSS },
    { "rsa_pss_2048_sha384_mgf1_48_test.json", K_RSA_PSS },
    { "rsa_pss_3072_sha256_mgf1_32_test.json", K_RSA_PSS },
    { "rsa_pss_4096_sha256_mgf1_32_test.json", K_RSA_PSS },
    { "rsa_pss_4096_sha384_mgf1_48_test.json", K_RSA_PSS },
    { "rsa_pss_4096_sha512_mgf1_64_test.json", K_RSA_PSS },
    { "rsa_pss_misc_test.json", K_RSA_PSS },
    { "rsa_signature_2048_sha256_test.json", K_RSA_PKCS1 },
    { "rsa_signature_2048_sha384_test.json", K_RSA_PKCS1 },
    { "rsa_signature_2048_sha512_test.json", K_RSA_PKCS1 },
    { "rsa_signature_3072_sha256_test.json", K_RSA_PKCS1 },
    { "rsa_signature_3072_sha384_test.json", K_RSA_PKCS1 },
    { "rsa_signature_3072_sha512_test.json", K_RSA_PKCS1 },
    { "rsa_signature_4096_sha256_test.json", K_RSA_PKCS1 },
    { "rsa_signature_4096_sha384_test.json", K_RSA_PKCS1 },
    { "rsa_signature_4096_sha512_test.json", K_RSA_PKCS1 },
};

#define N_FILES (sizeof files / sizeof files[0])

/*
 * How libjot answers the "acceptable" cases, by flag.  Each is asserted.
 *   MissingNull     (rsa_signature_*) refused with JOT_ERR_BAD_SIGNATURE:
 *                   the PKCS#1 v1.5 DigestInfo must carry the NULL
 *                   parameter; OpenSSL 3 compares the whole encoding.
 *   SmallPublicKey  (rsa_pkcs1_*_sig_gen, e = 3) accepted: RFC 7518 sets
 *                   a minimum modulus size, not a minimum exponent, so
 *                   the key imports and signing reproduces "sig" byte
 *                   for byte.  (The rsa_signature_* files hold e = 3
 *                   keys too, as "valid" cases.)
 *   WeakHash        (SHA-1 groups of the sig_gen files) never reached:
 *                   skipped with their group, JWS has no SHA-1 alg.
 * A flag missing from this table fails the case, to be looked at.
 */
static const struct {
    const char *flag;
    int accept;
} acceptable_policy[] = {
    { "MissingNull", 0 },
    { "SmallPublicKey", 1 },
};

struct tally {
    unsigned cases;
    unsigned valid_ok;
    unsigned invalid_refused;
    unsigned acc_accepted;
    unsigned acc_refused;
    unsigned rule_refused;      /* refused by a JWS rule (see the top) */
    unsigned key_checks;        /* unsupported keys refused (Ed448) */
    unsigned skipped;           /* SHA-1/SHA-224 groups, Ed448 cases */
    unsigned mismatches;
};

static struct tally grand;
static unsigned n_skipped_hash, n_skipped_ed448;

/* What a case is expected to do, and under which heading it counts. */
enum cls { C_VALID, C_INVALID, C_ACC_ACCEPT, C_ACC_REFUSE, C_RULE };

/* One test group once its key has been imported (or refused). */
struct group {
    const char *file;
    jot_alg alg;
    int hash_bits;
    int rule;               /* the JWS profile refuses the whole group */
    jot_key *pub;           /* verifies */
    jot_key *priv;          /* signs (sig_gen files) */
    jot_err import_err;     /* result of importing the key(s) */
    jot_err want_import;    /* what that import must give */
};

/* ---- helpers ---- */

static const char *
str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    if (s == NULL)
        fail_msg("missing string member \"%s\"", name);
    return s;
}

/* "SHA-256" -> 256, and 0 for the hashes no JWS algorithm uses. */
static int
sha_bits(const char *sha)
{
    if (strcmp(sha, "SHA-256") == 0)
        return 256;
    if (strcmp(sha, "SHA-384") == 0)
        return 384;
    if (strcmp(sha, "SHA-512") == 0)
        return 512;
    return 0;
}

static jot_alg
alg_named(const char *name)
{
    jot_alg alg = JOT_ALG_INVALID;

    tu_assert_err(JOT_OK, jot_alg_from_name(name, strlen(name), &alg));
    return alg;
}

static jot_alg
alg_of(const char *family, int bits)
{
    char name[16];
    int n = snprintf(name, sizeof name, "%s%d", family, bits);

    assert_true(n > 0 && (size_t)n < sizeof name);
    return alg_named(name);
}

/*
 * Hex to base64url.  width 0 strips leading zero octets (an RSA modulus
 * or exponent, RFC 7518 §6.3.1.1); otherwise the octets are left-padded
 * or stripped to exactly width (an EC coordinate, RFC 7518 §6.2.1.2).
 */
static char *
hex_b64u(const char *hex, size_t width)
{
    unsigned char *raw, *pad = NULL;
    size_t len, skip = 0;
    char *out = NULL;

    raw = tu_unhex(hex, &len);
    while (skip < len && raw[skip] == 0 && (width == 0 || len - skip > width))
        skip++;
    if (width != 0 && len - skip < width) {
        pad = calloc(1, width);
        assert_non_null(pad);
        memcpy(pad + width - (len - skip), raw + skip, len - skip);
        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(pad, width, &out));
    } else {
        assert_true(width == 0 || len - skip == width);
        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(raw + skip,
                                                      len - skip, &out));
    }
    free(pad);
    free(raw);
    return out;
}

static jot_err
parse_jwk(const json_t *jwk, jot_alg alg, jot_key **out)
{
    char *text = json_dumps(jwk, JSON_COMPACT);
    jot_err err;

    assert_non_null(text);
    err = jot_jwk_parse(text, strlen(text), alg, out);
    free(text);
    return err;
}

/* A JWK built from a group's raw "publicKey" when it has no JWK. */
static json_t *
jwk_from_raw(const json_t *g, enum kind kind)
{
    const json_t *pk = json_object_get(g, "publicKey");
    json_t *jwk;
    char *a, *b;

    if (kind == K_ECDSA) {
        const char *curve = str(pk, "curve");
        const char *crv;
        size_t width;

        if (strcmp(curve, "secp256r1") == 0) {
            crv = "P-256";
            width = 32;
        } else if (strcmp(curve, "secp384r1") == 0) {
            crv = "P-384";
            width = 48;
        } else if (strcmp(curve, "secp521r1") == 0) {
            crv = "P-521";
            width = 66;
        } else {
            fail_msg("unexpected curve %s", curve);
            return NULL;
        }
        a = hex_b64u(str(pk, "wx"), width);
        b = hex_b64u(str(pk, "wy"), width);
        jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", crv,
                        "x", a, "y", b);
    } else {
        a = hex_b64u(str(pk, "modulus"), 0);
        b = hex_b64u(str(pk, "publicExponent"), 0);
        jwk = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", a, "e", b);
    }
    assert_non_null(jwk);
    jot_free(a);
    jot_free(b);
    return jwk;
}

static void
print_flags(const json_t *tc)
{
    const json_t *flags = json_object_get(tc, "flags");
    size_t i;

    fprintf(stderr, "[");
    for (i = 0; i < json_array_size(flags); i++) {
        fprintf(stderr, "%s%s", i ? "," : "",
                json_string_value(json_array_get(flags, i)));
    }
    fprintf(stderr, "]");
}

static void
report_mismatch(struct tally *t, const char *file, const json_t *tc,
         const char *expected, const char *got)
{
    t->mismatches++;
    fprintf(stderr, "MISMATCH %s tcId %lld \"%s\" flags ", file,
            (long long)json_integer_value(json_object_get(tc, "tcId")),
            json_string_value(json_object_get(tc, "comment")));
    print_flags(tc);
    fprintf(stderr, " result %s: expected %s, got %s\n",
            json_string_value(json_object_get(tc, "result")), expected, got);
}

/* Counts a case whose answer was the expected one. */
static void
count_ok(struct tally *t, enum cls cls)
{
    switch (cls) {
    case C_VALID:
        t->valid_ok++;
        break;
    case C_INVALID:
        t->invalid_refused++;
        break;
    case C_ACC_ACCEPT:
        t->acc_accepted++;
        break;
    case C_ACC_REFUSE:
        t->acc_refused++;
        break;
    case C_RULE:
        t->rule_refused++;
        break;
    }
}

/* Checks want against got; on a mismatch prints both error names. */
static int
expect_err(struct tally *t, const char *file, const json_t *tc,
           jot_err want, jot_err got)
{
    if (want == got)
        return 1;
    report_mismatch(t, file, tc, jot_err_name(want), jot_err_name(got));
    return 0;
}

/*
 * Signs msg with key and checks the result against want (or, with
 * prefix set, that want is a prefix of it: a truncated HMAC tag).
 */
static int
sign_matches(struct tally *t, const char *file, const json_t *tc,
             const jot_key *key, const unsigned char *msg, size_t msg_len,
             const unsigned char *want, size_t want_len, int prefix)
{
    unsigned char sig[SIG_CAP];
    size_t sig_len = 0;
    jot_err err = jot_key_sign(key, msg, msg_len, sig, sizeof sig, &sig_len);

    if (err != JOT_OK) {
        report_mismatch(t, file, tc, "jot_key_sign ok", jot_err_name(err));
        return 0;
    }
    if (prefix ? sig_len >= want_len && memcmp(sig, want, want_len) == 0
               : sig_len == want_len && memcmp(sig, want, want_len) == 0)
        return 1;
    report_mismatch(t, file, tc, prefix ? "a signature starting with sig"
                                 : "sig reproduced", "other bytes");
    tu_print_hex("expected", want, want_len);
    tu_print_hex("got     ", sig, sig_len);
    return 0;
}

/* The class of a case, or -1 when no policy covers an acceptable one. */
static int
classify(const struct group *gr, const json_t *tc)
{
    const char *result = str(tc, "result");
    const json_t *flags = json_object_get(tc, "flags");
    size_t i, j;

    if (strcmp(result, "invalid") == 0)
        return C_INVALID;
    if (gr->rule)
        return C_RULE;
    if (strcmp(result, "valid") == 0)
        return C_VALID;
    assert_string_equal(result, "acceptable");
    for (i = 0; i < json_array_size(flags); i++) {
        const char *f = json_string_value(json_array_get(flags, i));

        for (j = 0; j < sizeof acceptable_policy /
                        sizeof acceptable_policy[0]; j++) {
            if (strcmp(f, acceptable_policy[j].flag) == 0)
                return acceptable_policy[j].accept ? C_ACC_ACCEPT
                                                   : C_ACC_REFUSE;
        }
    }
    return -1;
}

/* ---- one test case ---- */

static void
run_case(struct group *gr, enum kind kind, const json_t *tc,
         struct tally *t)
{
    const char *file = gr->file;
    unsigned char *msg, *sig;
    size_t msg_len, sig_len;
    jot_key *hkey = NULL;
    int c = classify(gr, tc);
    jot_err want, got;
    enum cls cls;

    if (c < 0) {
        report_mismatch(t, file, tc, "a policy for this acceptable flag", "none");
        return;
    }
    cls = (enum cls)c;
    want = cls == C_VALID || cls == C_ACC_ACCEPT ? JOT_OK
                                                 : JOT_ERR_BAD_SIGNATURE;
    msg = tu_unhex(str(tc, "msg"), &msg_len);
    sig = tu_unhex(str(tc, kind == K_HMAC ? "tag" : "sig"), &sig_len);

    if (kind == K_HMAC) {
        /* Each HMAC case brings its own key. */
        size_t key_len;
        unsigned char *raw = tu_unhex(str(tc, "key"), &key_len);
        char *k64 = NULL;
        json_t *jwk;

        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(raw, key_len, &k64));
        jwk = json_pack("{s:s, s:s}", "kty", "oct", "k", k64);
        assert_non_null(jwk);
        jot_free(k64);
        free(raw);
        gr->import_err = parse_jwk(jwk, gr->alg, &hkey);
        json_decref(jwk);
        gr->pub = hkey;
    }

    if (gr->import_err != gr->want_import) {
        expect_err(t, file, tc, gr->want_import, gr->import_err);
        goto out;
    }
    if (gr->want_import != JOT_OK) {
        /* The key is refused at import: that is the group's answer. */
        count_ok(t, cls);
        goto out;
    }

    got = jot_key_verify(gr->pub, msg, msg_len, sig, sig_len);
    if (!expect_err(t, file, tc, want, got))
        goto out;

    /* Deterministic algorithms: the signer must give the same bytes. */
    if (kind == K_RSA_SIGN && want == JOT_OK) {
        if (!sign_matches(t, file, tc, gr->priv, msg, msg_len, sig, sig_len,
                          0))
            goto out;
    }
    if (kind == K_HMAC && strcmp(str(tc, "result"), "valid") == 0) {
        /* Full tags are reproduced; truncated ones are a prefix. */
        if (!sign_matches(t, file, tc, gr->pub, msg, msg_len, sig, sig_len,
                          gr->rule))
            goto out;
    }
    count_ok(t, cls);
out:
    if (kind == K_HMAC) {
        jot_key_free(hkey);
        gr->pub = NULL;
    }
    free(sig);
    free(msg);
}

/* ---- one test group ---- */

static void
run_group(const struct wfile *f, const json_t *g, struct tally *t)
{
    const json_t *tests = json_object_get(g, "tests");
    const json_t *jwk = NULL;
    json_t *built = NULL;
    struct group gr;
    size_t i, n = json_array_size(tests);
    const char *sha;

    memset(&gr, 0, sizeof gr);
    gr.file = f->name;
    gr.import_err = JOT_OK;
    gr.want_import = JOT_OK;
    t->cases += (unsigned)n;
    sha = json_string_value(json_object_get(g, "sha"));
    gr.hash_bits = sha != NULL ? sha_bits(sha) : 0;

    switch (f->kind) {
    case K_ECDSA: {
        static const struct {
            const char *crv;
            int bits;
        } curves[] = { { "P-256", 256 }, { "P-384", 384 }, { "P-521", 512 } };
        const char *crv;
        size_t k;

        jwk = json_object_get(g, "publicKeyJwk");
        if (jwk == NULL)
            jwk = built = jwk_from_raw(g, K_ECDSA);
        crv = str(jwk, "crv");
        for (k = 0; k < 3; k++) {
            if (strcmp(curves[k].crv, crv) == 0)
                break;
        }
        assert_true(k < 3);
        /* ES256/384/512 pair each curve with one hash (RFC 7518 §3.4). */
        if (gr.hash_bits != curves[k].bits) {
            t->skipped += (unsigned)n;
            n_skipped_hash += (unsigned)n;
            goto out;
        }
        gr.alg = alg_of("ES", gr.hash_bits);
        gr.import_err = parse_jwk(jwk, gr.alg, &gr.pub);
        break;
    }
    case K_EDDSA:
        jwk = json_object_get(g, "publicKeyJwk");
        assert_non_null(jwk);
        if (strcmp(str(jwk, "crv"), "Ed448") == 0) {
            jot_key *key = NULL;
            jot_err e1 = parse_jwk(jwk, JOT_ALG_INVALID, &key);
            jot_err e2;

            jot_key_free(key);
            key = NULL;
            e2 = parse_jwk(jwk, JOT_ALG_EDDSA, &key);
            jot_key_free(key);
            if (e1 == JOT_ERR_ALG && e2 == JOT_ERR_ALG) {
                t->key_checks++;
            } else {
                t->mismatches++;
                fprintf(stderr, "MISMATCH %s: Ed448 key: expected alg/alg, "
                        "got %s/%s\n", f->name, jot_err_name(e1),
                        jot_err_name(e2));
            }
            t->skipped += (unsigned)n;
            n_skipped_ed448 += (unsigned)n;
            goto out;
        }
        gr.alg = JOT_ALG_EDDSA;
        gr.import_err = parse_jwk(jwk, gr.alg, &gr.pub);
        break;
    case K_HMAC: {
        const char *type = json_string_value(json_object_get(g, "type"));
        long long key_size = json_integer_value(json_object_get(g,
                                                                "keySize"));
        long long tag_size = json_integer_value(json_object_get(g,
                                                                "tagSize"));
        int bits = strstr(f->name, "sha256") ? 256
                   : strstr(f->name, "sha384") ? 384 : 512;

        assert_string_equal(type, "MacTest");
        gr.alg = alg_of("HS", bits);
        gr.hash_bits = bits;
        if (key_size < bits)
            gr.want_import = JOT_ERR_WEAK_KEY;  /* RFC 7518 §3.2 */
        if (key_size < bits || tag_size != bits)
            gr.rule = 1;
        break;
    }
    case K_RSA_PKCS1:
    case K_RSA_SIGN:
        if (gr.hash_bits == 0) {
            t->skipped += (unsigned)n;
            n_skipped_hash += (unsigned)n;
            goto out;
        }
        gr.alg = alg_of("RS", gr.hash_bits);
        jwk = json_object_get(g, "keyJwk");
        assert_non_null(jwk);
        gr.import_err = parse_jwk(jwk, gr.alg, &gr.pub);
        if (gr.import_err == JOT_OK && f->kind == K_RSA_SIGN) {
            gr.import_err = parse_jwk(json_object_get(g, "privateKeyJwk"),
                                      gr.alg, &gr.priv);
        }
        break;
    case K_RSA_PSS: {
        const char *mgf_sha = str(g, "mgfSha");
        long long slen = json_integer_value(json_object_get(g, "sLen"));

        if (gr.hash_bits == 0) {
            t->skipped += (unsigned)n;
            n_skipped_hash += (unsigned)n;
            goto out;
        }
        gr.alg = alg_of("PS", gr.hash_bits);
        /* RFC 7518 §3.5: MGF1 with the same hash, salt = hash length. */
        if (strcmp(str(g, "mgf"), "MGF1") != 0 ||
            strcmp(mgf_sha, sha) != 0 || slen != gr.hash_bits / 8)
            gr.rule = 1;
        jwk = json_object_get(g, "publicKeyJwk");
        if (jwk == NULL)
            jwk = built = jwk_from_raw(g, K_RSA_PSS);
        gr.import_err = parse_jwk(jwk, gr.alg, &gr.pub);
        break;
    }
    }

    /* HMAC keys come with each case and are imported there. */
    if (f->kind != K_HMAC && gr.import_err != gr.want_import) {
        fprintf(stderr, "%s: key import: expected %s, got %s\n", f->name,
                jot_err_name(gr.want_import), jot_err_name(gr.import_err));
    } else if (gr.pub != NULL) {
        if (jot_key_alg(gr.pub) != gr.alg) {
            t->mismatches++;
            fprintf(stderr, "MISMATCH %s: key bound to %s, not %s\n",
                    f->name, jot_alg_name(jot_key_alg(gr.pub)),
                    jot_alg_name(gr.alg));
        }
    }
    for (i = 0; i < n; i++)
        run_case(&gr, f->kind, json_array_get(tests, i), t);
out:
    jot_key_free(gr.priv);
    jot_key_free(gr.pub);
    json_decref(built);
}

static void
test_file(void **state)
{
    const struct wfile *f = *state;
    char path[256];
    int n = snprintf(path, sizeof path, "%s%s", WP_DIR, f->name);
    json_t *doc;
    const json_t *groups;
    struct tally t;
    size_t i;
    long long declared;

    assert_true(n > 0 && (size_t)n < sizeof path);
    doc = tu_load_json(path);
    groups = json_object_get(doc, "testGroups");
    memset(&t, 0, sizeof t);
    for (i = 0; i < json_array_size(groups); i++)
        run_group(f, json_array_get(groups, i), &t);
    declared = json_integer_value(json_object_get(doc, "numberOfTests"));
    json_decref(doc);

    printf("%s: %u cases: %u valid ok, %u invalid refused, "
           "%u acceptable (%u accepted, %u refused), "
           "%u refused by JWS rules, %u skipped",
           f->name, t.cases, t.valid_ok, t.invalid_refused,
           t.acc_accepted + t.acc_refused, t.acc_accepted, t.acc_refused,
           t.rule_refused, t.skipped);
    if (t.key_checks != 0)
        printf(" (Ed448 unsupported: %u keys refused)", t.key_checks);
    printf(", %u mismatches\n", t.mismatches);

    grand.cases += t.cases;
    grand.valid_ok += t.valid_ok;
    grand.invalid_refused += t.invalid_refused;
    grand.acc_accepted += t.acc_accepted;
    grand.acc_refused += t.acc_refused;
    grand.rule_refused += t.rule_refused;
    grand.key_checks += t.key_checks;
    grand.skipped += t.skipped;
    grand.mismatches += t.mismatches;

    if ((long long)t.cases != declared) {
        grand.mismatches++;
        fail_msg("%s: ran %u cases, the file declares %lld", f->name,
                 t.cases, declared);
    }
    if (t.mismatches == 0 &&
        t.valid_ok + t.invalid_refused + t.acc_accepted + t.acc_refused +
                t.rule_refused + t.skipped != t.cases) {
        grand.mismatches++;
        fail_msg("%s: cases do not add up", f->name);
    }
    if (t.mismatches != 0)
        fail_msg("%s: %u mismatches", f->name, t.mismatches);
}

/* Every JSON file of the directory is in the table above. */
static void
test_every_file_listed(void **state)
{
    DIR *d = opendir(WP_DIR);
    struct dirent *e;
    unsigned unknown = 0;
    size_t i, len;

    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        for (i = 0; i < N_FILES; i++) {
            if (strcmp(files[i].name, e->d_name) == 0)
                break;
        }
        if (i == N_FILES) {
            fprintf(stderr, "%s%s is not run by this suite\n", WP_DIR,
                    e->d_name);
            unknown++;
        }
    }
    closedir(d);
    if (unknown != 0) {
        grand.mismatches += unknown;
        fail_msg("%u files not run", unknown);
    }
}

static int
print_totals(void **state)
{
    unsigned passed = grand.valid_ok + grand.invalid_refused +
                      grand.acc_accepted + grand.acc_refused +
                      grand.rule_refused + grand.key_checks;

    (void)state;
    printf("totals: %u cases in %zu files: %u valid ok, %u invalid refused, "
           "%u acceptable (%u accepted, %u refused), "
           "%u refused by JWS rules, %u Ed448 keys refused, "
           "%u skipped (%u SHA-1/SHA-224, %u Ed448)\n",
           grand.cases, N_FILES, grand.valid_ok, grand.invalid_refused,
           grand.acc_accepted + grand.acc_refused, grand.acc_accepted,
           grand.acc_refused, grand.rule_refused, grand.key_checks,
           grand.skipped, n_skipped_hash, n_skipped_ed448);
    printf("%u passed, %u failed, %u skipped\n", passed, grand.mismatches,
           grand.skipped);
    return 0;
}

int
main(void)
{
    struct CMUnitTest tests[N_FILES + 1];
    size_t i;

    memset(tests, 0, sizeof tests);
    tests[0].name = "every file is listed";
    tests[0].test_func = test_every_file_listed;
    for (i = 0; i < N_FILES; i++) {
        tests[i + 1].name = files[i].name;
        tests[i + 1].test_func = test_file;
        tests[i + 1].initial_state = &files[i];
    }
    return cmocka_run_group_tests(tests, NULL, print_totals);
}
