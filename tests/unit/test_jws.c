/*
 * test_jws.c - compact JWS (jws.h): signing and the exact header it
 * writes, each step of verification in its documented order (size,
 * shape, header JSON, alg, crit, allow-list, key selection, signature,
 * typ), jot_jws_decode and the header accessors.
 *
 * Tokens with hand-made headers are assembled here with jot_key_sign and
 * jot_b64url_encode, so that each one differs from a valid token in one
 * way only.  One 2048-bit RSA key serves every RSA algorithm.
 */
#include <pthread.h>
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SIG_CAP 2048            /* more than any jot_alg_sig_max() */

static const jot_alg all_algs[] = {
    JOT_ALG_HS256, JOT_ALG_HS384, JOT_ALG_HS512, JOT_ALG_RS256,
    JOT_ALG_RS384, JOT_ALG_RS512, JOT_ALG_PS256, JOT_ALG_PS384,
    JOT_ALG_PS512, JOT_ALG_ES256, JOT_ALG_ES384, JOT_ALG_ES512,
    JOT_ALG_EDDSA,
};

static const char payload[] = "{\"sub\":\"jot\",\"n\":1}";
#define PAYLOAD_LEN (sizeof payload - 1)

static char *rsa_jwk;           /* private, without "alg" */

/* ---- keys and tokens ---------------------------------------------- */

static int
is_rsa(jot_alg alg)
{
    return alg >= JOT_ALG_RS256 && alg <= JOT_ALG_PS512;
}

/* A new private key for alg with kid (NULL: none). */
static jot_key *
new_key(jot_alg alg, const char *kid)
{
    jot_key *k = NULL;

    if (is_rsa(alg))
        tu_assert_err(JOT_OK, jot_jwk_parse(rsa_jwk, strlen(rsa_jwk), alg,
                                            &k));
    else
        tu_assert_err(JOT_OK, jot_key_generate(alg, &k));
    if (kid != NULL)
        tu_assert_err(JOT_OK, jot_key_set_kid(k, kid));
    return k;
}

/* The public half of key (a new key), or a new reference for HMAC. */
static jot_key *
public_of(jot_key *key)
{
    char *jwk = NULL;
    jot_key *pub = NULL;

    if (jot_alg_is_hmac(jot_key_alg(key)))
        return jot_key_ref(key);
    tu_assert_err(JOT_OK, jot_jwk_export(key, JOT_JWK_PUBLIC, &jwk));
    tu_assert_err(JOT_OK, jot_jwk_parse(jwk, strlen(jwk), JOT_ALG_INVALID,
                                        &pub));
    jot_free(jwk);
    return pub;
}

/* A key set of n keys (each gets a new reference). */
static jot_keyset *
set_of(jot_key *const *keys, size_t n)
{
    jot_keyset *set = NULL;
    size_t i;

    tu_assert_err(JOT_OK, jot_keyset_new(&set));
    for (i = 0; i < n; i++)
        tu_assert_err(JOT_OK, jot_keyset_add(set, keys[i]));
    return set;
}

static char *
b64(const void *p, size_t n)
{
    char *s = NULL;

    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(p, n, &s));
    return s;
}

/*
 * The compact JWS of header (text, as is) and body, signed by key over
 * the signing input; malloc'd, NUL-terminated.
 */
static char *
make_token_n(const jot_key *key, const char *header, const void *body,
             size_t body_len)
{
    char *h = b64(header, strlen(header)), *p = b64(body, body_len), *s;
    char *tok;
    size_t hl = strlen(h), pl = strlen(p), sl, sig_len = 0;
    unsigned char sig[SIG_CAP];

    tok = malloc(hl + pl + 2 + jot_b64url_encoded_len(SIG_CAP) + 1);
    assert_non_null(tok);
    memcpy(tok, h, hl);
    tok[hl] = '.';
    memcpy(tok + hl + 1, p, pl);
    tu_assert_err(JOT_OK, jot_key_sign(key, tok, hl + 1 + pl, sig,
                                       sizeof sig, &sig_len));
    s = b64(sig, sig_len);
    sl = strlen(s);
    tok[hl + 1 + pl] = '.';
    memcpy(tok + hl + pl + 2, s, sl + 1);
    jot_free(h);
    jot_free(p);
    jot_free(s);
    return tok;
}

static char *
make_token(const jot_key *key, const char *header)
{
    return make_token_n(key, header, payload, PAYLOAD_LEN);
}

/* A header {"alg":<key's alg><extra>} (extra starts with ',' or is ""). */
static char *
make_token_x(const jot_key *key, const char *extra)
{
    char header[512];
    int n = snprintf(header, sizeof header, "{\"alg\":\"%s\"%s}",
                     jot_alg_name(jot_key_alg(key)), extra);

    assert_true(n > 0 && (size_t)n < sizeof header);
    return make_token(key, header);
}

/* The decoded first segment of tok, NUL-terminated; jot_free() it. */
static char *
header_of(const char *tok)
{
    const char *dot = strchr(tok, '.');
    unsigned char *h = NULL;
    size_t len;

    assert_non_null(dot);
    tu_assert_err(JOT_OK, jot_b64url_decode_alloc(tok, (size_t)(dot - tok),
                                                  &h, &len));
    return (char *)h;
}

/* Changes one character inside the signature, keeping it base64url. */
static void
break_sig(char *tok)
{
    char *c = tok + strlen(tok) - 3;

    *c = *c == 'A' ? 'B' : 'A';
}

static jot_err
verify(const jot_keyset *set, const struct jot_verify_opts *opts,
       const char *tok, size_t len, jot_jws **out)
{
    jot_jws *jws = (jot_jws *)&jws;
    jot_err err = jot_jws_verify(set, opts, tok, len, &jws);

    if (err != JOT_OK)
        assert_null(jws);
    if (out != NULL)
        *out = err == JOT_OK ? jws : NULL;
    else
        jot_jws_free(err == JOT_OK ? jws : NULL);
    return err;
}

/* A header {"alg":"HS256","x":[[...1...]]} nested depth levels in all. */
static char *
deep_header(size_t depth, int objects)
{
    static const char head[] = "{\"alg\":\"HS256\",\"x\":";
    size_t h = sizeof head - 1, inner = depth - 1, i, off;
    char *s = malloc(h + inner * 6 + 3);

    assert_non_null(s);
    memcpy(s, head, h);
    off = h;
    for (i = 0; i < inner; i++) {
        if (objects) {
            memcpy(s + off, "{\"a\":", 5);
            off += 5;
        } else {
            s[off++] = '[';
        }
    }
    s[off++] = '1';
    for (i = 0; i < inner; i++)
        s[off++] = objects ? '}' : ']';
    memcpy(s + off, "}", 2);
    return s;
}

static int
group_setup(void **state)
{
    jot_key *k = NULL;
    char *jwk = NULL;
    json_t *j;
    json_error_t e;

    (void)state;
    tu_assert_err(JOT_OK, jot_key_generate(JOT_ALG_RS256, &k));
    tu_assert_err(JOT_OK, jot_jwk_export(k, JOT_JWK_PRIVATE, &jwk));
    j = json_loads(jwk, 0, &e);
    assert_non_null(j);
    json_object_del(j, "alg");
    rsa_jwk = json_dumps(j, JSON_COMPACT);
    assert_non_null(rsa_jwk);
    json_decref(j);
    jot_wipe(jwk, strlen(jwk));
    jot_free(jwk);
    jot_key_free(k);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    jot_wipe(rsa_jwk, strlen(rsa_jwk));
    free(rsa_jwk);
    return 0;
}

/* ---- signing ------------------------------------------------------ */

/*
 * Every algorithm: sign with jot_jws_sign, check the header text, verify
 * with the public half, and read everything back.
 */
static void
test_round_trip(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(all_algs); i++) {
        const char *name = jot_alg_name(all_algs[i]);
        jot_key *k, *pub;
        jot_keyset *set;
        jot_jws *jws = NULL;
        char kid[32], want[128], *tok = NULL, *hdr, *json = NULL;
        const unsigned char *pl;
        const char *s;
        size_t pl_len, j, dots = 0;
        int n;

        n = snprintf(kid, sizeof kid, "kid-%s", name);
        assert_true(n > 0 && (size_t)n < sizeof kid);
        k = new_key(all_algs[i], kid);
        pub = public_of(k);
        set = set_of(&pub, 1);
        tu_assert_err(JOT_OK, jot_jws_sign(k, "JWT", payload, PAYLOAD_LEN,
                                           &tok));
        for (j = 0; tok[j] != '\0'; j++) {
            dots += tok[j] == '.';
            if (tok[j] != '.' && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
                                        "klmnopqrstuvwxyz0123456789-_",
                                        tok[j]) == NULL)
                fail_msg("%s: character 0x%02x in token", name, tok[j]);
        }
        assert_int_equal(dots, 2);
        n = snprintf(want, sizeof want,
                     "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", name,
                     kid);
        assert_true(n > 0 && (size_t)n < sizeof want);
        hdr = header_of(tok);
        assert_string_equal(hdr, want);

        tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), &jws));
        jot_jws_payload(jws, &pl, &pl_len);
        tu_assert_bytes(payload, PAYLOAD_LEN, pl, pl_len);
        assert_int_equal(jot_jws_alg(jws), all_algs[i]);
        assert_ptr_equal(jot_jws_key(jws), pub);
        tu_assert_err(JOT_OK, jot_jws_header_string(jws, "alg", &s));
        assert_string_equal(s, name);
        tu_assert_err(JOT_OK, jot_jws_header_string(jws, "kid", &s));
        assert_string_equal(s, kid);
        tu_assert_err(JOT_OK, jot_jws_header_string(jws, "typ", &s));
        assert_string_equal(s, "JWT");
        tu_assert_err(JOT_OK, jot_jws_header_json(jws, &json));
        assert_string_equal(json, want);
        jot_free(json);
        jot_jws_free(jws);
        jot_free(hdr);
        jot_free(tok);
        jot_keyset_free(set);
        jot_key_free(pub);
        jot_key_free(k);
    }
}

/* "typ" is left out when NULL, "kid" when the key has none. */
static void
test_header_forms(void **state)
{
    static const struct {
        const char *typ;
        const char *kid;
        const char *want;
    } cases[] = {
        { NULL, NULL, "{\"alg\":\"HS256\"}" },
        { "JWT", NULL, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}" },
        { "at+jwt", NULL, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}" },
        { NULL, "k1", "{\"alg\":\"HS256\",\"kid\":\"k1\"}" },
        { "refresh+jwt", "k1",
          "{\"alg\":\"HS256\",\"typ\":\"refresh+jwt\",\"kid\":\"k1\"}" },
        { NULL, "a\"b\\c", "{\"alg\":\"HS256\",\"kid\":\"a\\\"b\\\\c\"}" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *k = new_key(JOT_ALG_HS256, cases[i].kid);
        jot_keyset *set = set_of(&k, 1);
        char *tok = NULL, *hdr;
        jot_jws *jws = NULL;
        const char *s = "sentinel";

        tu_assert_err(JOT_OK, jot_jws_sign(k, cases[i].typ, payload,
                                           PAYLOAD_LEN, &tok));
        hdr = header_of(tok);
        assert_string_equal(hdr, cases[i].want);
        tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), &jws));
        if (cases[i].typ == NULL) {
            tu_assert_err(JOT_ERR_MALFORMED,
                          jot_jws_header_string(jws, "typ", &s));
        }
        if (cases[i].kid == NULL) {
            tu_assert_err(JOT_ERR_MALFORMED,
                          jot_jws_header_string(jws, "kid", &s));
        } else {
            tu_assert_err(JOT_OK, jot_jws_header_string(jws, "kid", &s));
            assert_string_equal(s, cases[i].kid);
        }
        jot_jws_free(jws);
        jot_free(hdr);
        jot_free(tok);
        jot_keyset_free(set);
        jot_key_free(k);
    }
}

/* Arbitrary bytes, NUL and 0xff included, survive as the payload. */
static void
test_binary_payload(void **state)
{
    static const unsigned char bin[] = { 0, 1, 0xff, 0xfe, 0, '.', '=', 0x80,
                                         '\n', 0 };
    jot_key *k = new_key(JOT_ALG_ES256, NULL);
    jot_keyset *set = set_of(&k, 1);
    char *tok = NULL;
    jot_jws *jws = NULL;
    const unsigned char *pl;
    size_t pl_len;

    (void)state;
    tu_assert_err(JOT_OK, jot_jws_sign(k, NULL, bin, sizeof bin, &tok));
    tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), &jws));
    jot_jws_payload(jws, &pl, &pl_len);
    tu_assert_bytes(bin, sizeof bin, pl, pl_len);
    jot_jws_free(jws);
    jot_free(tok);
    jot_keyset_free(set);
    jot_key_free(k);
}

/* A public key cannot sign. */
static void
test_sign_public(void **state)
{
    jot_key *k = new_key(JOT_ALG_EDDSA, "p"), *pub = public_of(k);
    char *tok = (char *)&tok;

    (void)state;
    tu_assert_err(JOT_ERR_KEY, jot_jws_sign(pub, NULL, payload, PAYLOAD_LEN,
                                            &tok));
    assert_null(tok);
    jot_key_free(pub);
    jot_key_free(k);
}

/* ---- step 1: size ------------------------------------------------- */

/* A token of exactly len octets (HS256, no kid). */
static char *
token_of_len(const jot_key *k, size_t len)
{
    static const char *const typs[] = { NULL, "J", "JW", "JWT" };
    size_t t, fixed, p;
    char *probe = NULL, *tok = NULL, *body;

    for (t = 0; t < N_ELEMS(typs) && tok == NULL; t++) {
        tu_assert_err(JOT_OK, jot_jws_sign(k, typs[t], "x", 1, &probe));
        fixed = strlen(probe) - jot_b64url_encoded_len(1);
        jot_free(probe);
        for (p = (len - fixed) * 3 / 4 - 2; p <= (len - fixed) * 3 / 4 + 2;
             p++) {
            if (fixed + jot_b64url_encoded_len(p) != len)
                continue;
            body = malloc(p);
            assert_non_null(body);
            memset(body, 'a', p);
            tu_assert_err(JOT_OK, jot_jws_sign(k, typs[t], body, p, &tok));
            free(body);
            break;
        }
    }
    assert_non_null(tok);
    assert_int_equal(strlen(tok), len);
    return tok;
}

static void
test_size_limit(void **state)
{
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    struct jot_verify_opts opts;
    char *at = token_of_len(k, JOT_MAX_TOKEN_LEN);
    char *over = token_of_len(k, JOT_MAX_TOKEN_LEN + 1);
    char *small = token_of_len(k, 200);
    char *garbage = malloc(100000);
    jot_jws *jws = (jot_jws *)&jws;

    (void)state;
    assert_non_null(garbage);
    memset(&opts, 0, sizeof opts);
    /* the default limit, JOT_MAX_TOKEN_LEN */
    tu_assert_err(JOT_OK, verify(set, NULL, at, strlen(at), NULL));
    tu_assert_err(JOT_OK, verify(set, &opts, at, strlen(at), NULL));
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(set, NULL, over, strlen(over),
                                            NULL));
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(set, &opts, over, strlen(over),
                                            NULL));
    tu_assert_err(JOT_ERR_TOO_LARGE, jot_jws_decode(over, strlen(over),
                                                    &jws));
    assert_null(jws);
    /* a limit of the caller's, exactly at and one octet under */
    opts.max_token_len = 200;
    tu_assert_err(JOT_OK, verify(set, &opts, small, 200, NULL));
    opts.max_token_len = 199;
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(set, &opts, small, 200, NULL));
    /* a larger limit of the caller's lets a larger token through */
    opts.max_token_len = JOT_MAX_TOKEN_LEN + 1;
    tu_assert_err(JOT_OK, verify(set, &opts, over, strlen(over), NULL));
    /* the size comes first: garbage is not even looked at */
    memset(garbage, '.', 100000);
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(set, NULL, garbage, 100000,
                                            NULL));
    opts.max_token_len = 10;
    tu_assert_err(JOT_ERR_TOO_LARGE, verify(set, &opts, garbage, 11, NULL));
    free(garbage);
    jot_free(at);
    jot_free(over);
    jot_free(small);
    jot_keyset_free(set);
    jot_key_free(k);
}

/* ---- steps 2 and 3: shape and header JSON ------------------------- */

static void
test_shape(void **state)
{
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    char *tok = make_token_x(k, "");
    char *h, *p, *s, *d1, *d2;
    char buf[4096];
    size_t i;
    int bad = 0;
    /* Each case is a format over the segments H, P and S of tok. */
    static const struct {
        const char *fmt;    /* %1$s H, %2$s P, %3$s S */
        size_t extra;       /* octets past the string (a NUL) */
    } cases[] = {
        { "", 0 }, { ".", 0 }, { "..", 0 }, { "...", 0 },
        { "H..S", 0 }, { "H.P.", 0 }, { ".P.S", 0 }, { "H.P", 0 },
        { "H", 0 }, { "H.P.S.", 0 }, { "H.P.S.S", 0 }, { "H.P.S..", 0 },
        { ".H.P.S", 0 }, { "H..P.S", 0 }, { "H.P..S", 0 },
        { "H.P.S ", 0 }, { " H.P.S", 0 }, { "H.P.S\n", 0 }, { "H .P.S", 0 },
        { "H.P.S=", 0 }, { "H=.P.S", 0 }, { "H.P=.S", 0 }, { "H.P.S==", 0 },
        { "H.P.S", 1 },         /* a NUL after the signature */
        { "H.P+.S", 0 }, { "H.P.S/", 0 },
    };

    (void)state;
    d1 = strchr(tok, '.');
    d2 = strchr(d1 + 1, '.');
    h = strndup(tok, (size_t)(d1 - tok));
    p = strndup(d1 + 1, (size_t)(d2 - d1 - 1));
    s = strdup(d2 + 1);
    assert_non_null(h);
    assert_non_null(p);
    assert_non_null(s);
    tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), NULL));
    for (i = 0; i < N_ELEMS(cases); i++) {
        const char *f;
        size_t len = 0, add;
        jot_jws *jws = (jot_jws *)&jws;
        jot_err err;

        for (f = cases[i].fmt; *f != '\0'; f++) {
            const char *part = *f == 'H' ? h : *f == 'P' ? p
                             : *f == 'S' ? s : NULL;

            add = part != NULL ? strlen(part) : 1;
            assert_true(len + add < sizeof buf);
            memcpy(buf + len, part != NULL ? part : f, add);
            len += add;
        }
        buf[len] = '\0';
        len += cases[i].extra;
        err = verify(set, NULL, buf, len, NULL);
        bad += mismatch(JOT_ERR_MALFORMED, err, "verify \"%s\"",
                        cases[i].fmt);
        err = jot_jws_decode(buf, len, &jws);
        bad += mismatch(JOT_ERR_MALFORMED, err, "decode \"%s\"",
                        cases[i].fmt);
        if (err == JOT_OK)
            jot_jws_free(jws);
        else
            assert_null(jws);
    }
    /* A signature one character off its canonical form. */
    {
        size_t sl = strlen(s);
        char last = s[sl - 1];
        int n;

        /* HS256: 32 octets, 43 characters, the last holds 2 unused bits */
        assert_int_equal(sl, 43);
        s[sl - 1] = (char)(last == 'A' ? 'B' : last ^ 1);
        n = snprintf(buf, sizeof buf, "%s.%s.%s", h, p, s);
        assert_true(n > 0 && (size_t)n < sizeof buf);
        bad += mismatch(JOT_ERR_MALFORMED,
                        verify(set, NULL, buf, (size_t)n, NULL),
                        "non-canonical signature");
    }
    free(h);
    free(p);
    free(s);
    free(tok);
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/*
 * An empty signature is refused once the header has been read (after
 * step 6 of jws.h), so a header that is wrong on its own says so first:
 * "none" is JOT_ERR_ALG, crit JOT_ERR_CRIT.  jot_jws_decode refuses an
 * empty signature as malformed.
 */
static void
test_empty_signature(void **state)
{
    static const struct {
        const char *header;
        jot_alg allow;          /* allow-list of one, or none */
        jot_err want;
    } cases[] = {
        { "{\"alg\":\"HS256\"}", JOT_ALG_INVALID, JOT_ERR_MALFORMED },
        { "{\"alg\":\"none\"}", JOT_ALG_INVALID, JOT_ERR_ALG },
        { "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", JOT_ALG_INVALID,
          JOT_ERR_CRIT },
        { "{\"alg\":\"HS256\",\"kid\":\"unknown\"}", JOT_ALG_INVALID,
          JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\"}", JOT_ALG_ES256, JOT_ERR_ALG },
        { "{\"alg\":\"HS256\",\"typ\":\"x\"}", JOT_ALG_INVALID,
          JOT_ERR_MALFORMED },
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        struct jot_verify_opts opts;
        char *tok = make_token(k, cases[i].header);
        jot_jws *jws = (jot_jws *)&jws;
        jot_err err;

        strrchr(tok, '.')[1] = '\0';
        memset(&opts, 0, sizeof opts);
        opts.algs = &cases[i].allow;
        opts.n_algs = cases[i].allow != JOT_ALG_INVALID;
        opts.typ = "JWT";
        bad += mismatch(cases[i].want,
                        verify(set, &opts, tok, strlen(tok), NULL),
                        "verify %s.<payload>.", cases[i].header);
        err = jot_jws_decode(tok, strlen(tok), &jws);
        bad += mismatch(JOT_ERR_MALFORMED, err, "decode %s.<payload>.",
                        cases[i].header);
        if (err == JOT_OK)
            jot_jws_free(jws);
        else
            assert_null(jws);
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* Headers that are not a valid JSON object (each token correctly signed). */
static void
test_header_json(void **state)
{
    static const struct {
        const char *header;
        jot_err want;
    } cases[] = {
        { "", JOT_ERR_MALFORMED },
        { "{", JOT_ERR_MALFORMED },
        { "[\"HS256\"]", JOT_ERR_MALFORMED },
        { "\"HS256\"", JOT_ERR_MALFORMED },
        { "null", JOT_ERR_MALFORMED },
        { "1", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\"", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\"}x", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\"}{}", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\",}", JOT_ERR_MALFORMED },
        { "{'alg':'HS256'}", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\",\"x\":\"\xff\"}", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\",\"x\":\"\xc3\"}", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\",\"x\":\"\xed\xa0\x80\"}", JOT_ERR_MALFORMED },
        { "\xef\xbb\xbf{\"alg\":\"HS256\"}", JOT_ERR_MALFORMED },
        { "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", JOT_ERR_DUPLICATE },
        { "{\"alg\":\"HS256\",\"alg\":\"none\"}", JOT_ERR_DUPLICATE },
        { "{\"alg\":\"HS256\",\"kid\":\"a\",\"kid\":\"b\"}",
          JOT_ERR_DUPLICATE },
        { "{\"alg\":\"HS256\",\"x\":{\"y\":1,\"y\":2}}", JOT_ERR_DUPLICATE },
        /* white space around and inside is JSON, not an error */
        { " {\"alg\" : \"HS256\"}\n", JOT_OK },
        { "{\"alg\":\"HS256\",\"x\":{\"y\":[1,{\"z\":null}]}}", JOT_OK },
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *tok = make_token(k, cases[i].header);
        jot_jws *jws = (jot_jws *)&jws;
        jot_err err = verify(set, NULL, tok, strlen(tok), NULL);

        bad += mismatch(cases[i].want, err, "verify case %zu", i);
        err = jot_jws_decode(tok, strlen(tok), &jws);
        bad += mismatch(cases[i].want, err, "decode case %zu", i);
        if (err == JOT_OK)
            jot_jws_free(jws);
        else
            assert_null(jws);
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* Depth 32 (the top level counts 1) passes, 33 is JOT_ERR_DEPTH. */
static void
test_header_depth(void **state)
{
    static const struct {
        size_t depth;
        int objects;
        jot_err want;
    } cases[] = {
        { 2, 0, JOT_OK },
        { JOT_MAX_JSON_DEPTH, 0, JOT_OK },
        { JOT_MAX_JSON_DEPTH, 1, JOT_OK },
        { JOT_MAX_JSON_DEPTH + 1, 0, JOT_ERR_DEPTH },
        { JOT_MAX_JSON_DEPTH + 1, 1, JOT_ERR_DEPTH },
        { 1000, 0, JOT_ERR_DEPTH },
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *hdr = deep_header(cases[i].depth, cases[i].objects);
        char *tok = make_token(k, hdr);
        jot_jws *jws = (jot_jws *)&jws;
        jot_err err;

        bad += mismatch(cases[i].want,
                        verify(set, NULL, tok, strlen(tok), NULL),
                        "verify depth %zu%s", cases[i].depth,
                        cases[i].objects ? " (objects)" : "");
        err = jot_jws_decode(tok, strlen(tok), &jws);
        bad += mismatch(cases[i].want, err, "decode depth %zu%s",
                        cases[i].depth, cases[i].objects ? " (objects)" : "");
        if (err == JOT_OK)
            jot_jws_free(jws);
        free(tok);
        free(hdr);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* ---- steps 4 to 6: alg, crit, allow-list -------------------------- */

static void
test_alg_header(void **state)
{
    static const struct {
        const char *header;
        jot_err want;
    } cases[] = {
        { "{\"alg\":\"none\"}", JOT_ERR_ALG },
        { "{\"alg\":\"None\"}", JOT_ERR_ALG },
        { "{\"alg\":\"NONE\"}", JOT_ERR_ALG },
        { "{\"alg\":\"hs256\"}", JOT_ERR_ALG },
        { "{\"alg\":\"HS256 \"}", JOT_ERR_ALG },
        { "{\"alg\":\"\"}", JOT_ERR_ALG },
        { "{\"alg\":\"HS\"}", JOT_ERR_ALG },
        { "{\"alg\":\"RSA-OAEP\"}", JOT_ERR_ALG },
        /* an alg that is not a string, or none at all */
        { "{\"alg\":256}", JOT_ERR_ALG },
        { "{\"alg\":null}", JOT_ERR_ALG },
        { "{\"alg\":[\"HS256\"]}", JOT_ERR_ALG },
        { "{}", JOT_ERR_ALG },
        { "{\"typ\":\"JWT\"}", JOT_ERR_ALG },
        /* a known alg the set has no key for (no kid) */
        { "{\"alg\":\"HS384\"}", JOT_ERR_ALG },
        { "{\"alg\":\"RS256\"}", JOT_ERR_ALG },
        { "{\"alg\":\"EdDSA\"}", JOT_ERR_ALG },
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *tok = make_token(k, cases[i].header);

        bad += mismatch(cases[i].want,
                        verify(set, NULL, tok, strlen(tok), NULL),
                        "%s", cases[i].header);
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* jot_jws_decode stops after step 3: unknown or "none" algs decode. */
static void
test_decode(void **state)
{
    jot_key *k = new_key(JOT_ALG_ES384, "nobody"), *hk;
    char *tok = NULL, *none;
    jot_jws *jws = NULL;
    const unsigned char *pl;
    size_t pl_len;
    const char *s;

    (void)state;
    tu_assert_err(JOT_OK, jot_jws_sign(k, "JWT", payload, PAYLOAD_LEN,
                                       &tok));
    tu_assert_err(JOT_OK, jot_jws_decode(tok, strlen(tok), &jws));
    assert_null(jot_jws_key(jws));
    assert_int_equal(jot_jws_alg(jws), JOT_ALG_ES384);
    jot_jws_payload(jws, &pl, &pl_len);
    tu_assert_bytes(payload, PAYLOAD_LEN, pl, pl_len);
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "kid", &s));
    assert_string_equal(s, "nobody");
    jot_jws_free(jws);

    /* A signature that does not verify is not looked at. */
    break_sig(tok);
    tu_assert_err(JOT_OK, jot_jws_decode(tok, strlen(tok), &jws));
    assert_null(jot_jws_key(jws));
    jot_jws_free(jws);

    /* "none" is not an algorithm, but decoding does not ask. */
    hk = new_key(JOT_ALG_HS256, NULL);
    none = make_token(hk, "{\"alg\":\"none\"}");
    tu_assert_err(JOT_OK, jot_jws_decode(none, strlen(none), &jws));
    assert_int_equal(jot_jws_alg(jws), JOT_ALG_INVALID);
    assert_null(jot_jws_key(jws));
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "alg", &s));
    assert_string_equal(s, "none");
    jot_jws_free(jws);
    jot_jws_free(NULL);
    free(none);
    jot_free(tok);
    jot_key_free(hk);
    jot_key_free(k);
}

static void
test_crit(void **state)
{
    static const struct {
        const char *extra;
        const char *kid;        /* kid of the key in the set */
        jot_err want;
    } cases[] = {
        { ",\"crit\":[\"exp\"]", NULL, JOT_ERR_CRIT },
        { ",\"crit\":[\"b64\"],\"b64\":false", NULL, JOT_ERR_CRIT },
        { ",\"crit\":[]", NULL, JOT_ERR_CRIT },
        { ",\"crit\":\"exp\"", NULL, JOT_ERR_CRIT },
        { ",\"crit\":null", NULL, JOT_ERR_CRIT },
        /* RFC 7797 b64, even without crit */
        { ",\"b64\":false", NULL, JOT_ERR_CRIT },
        { ",\"b64\":true", NULL, JOT_ERR_CRIT },
        /* crit comes before the key: an unknown kid does not matter */
        { ",\"kid\":\"zz\",\"crit\":[\"exp\"]", "a", JOT_ERR_CRIT },
        /* unknown headers without crit are fine */
        { ",\"exp\":1,\"zip\":\"x\",\"x5u\":\"https://x/\"", NULL, JOT_OK },
        { ",\"jku\":\"https://evil.example/jwks\",\"jwk\":{\"kty\":\"oct\","
          "\"k\":\"AAAA\"}", NULL, JOT_OK },
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *k = new_key(JOT_ALG_HS256, cases[i].kid);
        jot_keyset *set = set_of(&k, 1);
        char *tok = make_token_x(k, cases[i].extra);

        bad += mismatch(cases[i].want,
                        verify(set, NULL, tok, strlen(tok), NULL),
                        "%s", cases[i].extra);
        /* with a broken signature the answer is the same */
        break_sig(tok);
        if (cases[i].want != JOT_OK)
            bad += mismatch(cases[i].want,
                            verify(set, NULL, tok, strlen(tok), NULL),
                            "%s, bad signature", cases[i].extra);
        free(tok);
        jot_keyset_free(set);
        jot_key_free(k);
    }
    no_mismatch(bad);
}

static void
test_allow_list(void **state)
{
    static const struct {
        jot_alg algs[3];
        size_t n_algs;
        const char *extra;      /* for the HS256 token's header */
        jot_err want;
    } cases[] = {
        { { JOT_ALG_HS256 }, 1, "", JOT_OK },
        { { JOT_ALG_HS384, JOT_ALG_HS256 }, 2, "", JOT_OK },
        { { JOT_ALG_ES256, JOT_ALG_HS512, JOT_ALG_HS256 }, 3, "", JOT_OK },
        { { JOT_ALG_ES256 }, 1, "", JOT_ERR_ALG },
        { { JOT_ALG_HS384 }, 1, "", JOT_ERR_ALG },
        { { JOT_ALG_HS384, JOT_ALG_HS512 }, 2, "", JOT_ERR_ALG },
        { { JOT_ALG_HS256 }, 0, "", JOT_OK },   /* 0: the keys' algs */
        /* the allow-list comes before the key and the signature */
        { { JOT_ALG_ES256 }, 1, ",\"kid\":\"unknown\"", JOT_ERR_ALG },
        /* and after crit */
        { { JOT_ALG_ES256 }, 1, ",\"crit\":[\"x\"]", JOT_ERR_CRIT },
    };
    jot_key *hs = new_key(JOT_ALG_HS256, NULL);
    jot_key *es = new_key(JOT_ALG_ES256, "e");
    jot_key *keys[2];
    jot_keyset *set;
    size_t i;
    int bad = 0;

    (void)state;
    keys[0] = hs;
    keys[1] = es;
    set = set_of(keys, 2);
    for (i = 0; i < N_ELEMS(cases); i++) {
        struct jot_verify_opts opts;
        char *tok = make_token_x(hs, cases[i].extra);

        memset(&opts, 0, sizeof opts);
        opts.algs = cases[i].algs;
        opts.n_algs = cases[i].n_algs;
        bad += mismatch(cases[i].want,
                        verify(set, &opts, tok, strlen(tok), NULL),
                        "case %zu", i);
        if (cases[i].want == JOT_ERR_ALG) {
            break_sig(tok);                 /* the signature is not read */
            bad += mismatch(cases[i].want,
                            verify(set, &opts, tok, strlen(tok), NULL),
                            "case %zu, bad signature", i);
        }
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(hs);
    jot_key_free(es);
    no_mismatch(bad);
}

/* ---- step 7: key selection ---------------------------------------- */

/* The keys of the selection table, by index. */
enum {
    K_A,        /* HS256, kid "a" */
    K_B,        /* HS256, kid "b" */
    K_N1,       /* HS256, no kid */
    K_N2,       /* HS256, no kid */
    K_N3,       /* HS256, no kid, never in a set */
    K_EA,       /* ES256, kid "a" */
    K_E,        /* ES256, kid "e" */
    K_H384,     /* HS384, kid "h" */
    K_N
};

#define S(k) (1u << (k))

static void
test_key_selection(void **state)
{
    static const struct {
        unsigned set;           /* bit mask of keys */
        int signer;
        const char *kid;        /* token's kid; NULL: none */
        jot_err want;
        int key;                /* the key that verifies, on success */
    } cases[] = {
        /* with a kid: the keys of exactly that kid */
        { S(K_A) | S(K_B), K_B, "b", JOT_OK, K_B },
        { S(K_A) | S(K_B), K_A, "a", JOT_OK, K_A },
        { S(K_A) | S(K_B), K_B, "a", JOT_ERR_BAD_SIGNATURE, 0 },
        { S(K_A), K_A, "zz", JOT_ERR_KEY_NOT_FOUND, 0 },
        { S(K_A), K_A, "A", JOT_ERR_KEY_NOT_FOUND, 0 },
        { S(K_A), K_A, "a ", JOT_ERR_KEY_NOT_FOUND, 0 },
        { S(K_A), K_A, "", JOT_ERR_KEY_NOT_FOUND, 0 },
        { S(K_A), K_A, "aa", JOT_ERR_KEY_NOT_FOUND, 0 },
        { 0, K_A, "a", JOT_ERR_KEY_NOT_FOUND, 0 },
        /* one kid, two algorithms: the token's alg picks */
        { S(K_A) | S(K_EA), K_EA, "a", JOT_OK, K_EA },
        { S(K_A) | S(K_EA), K_A, "a", JOT_OK, K_A },
        /* the kid exists, but not for the token's alg */
        { S(K_E), K_A, "e", JOT_ERR_ALG, 0 },
        { S(K_A) | S(K_EA), K_H384, "a", JOT_ERR_ALG, 0 },
        { S(K_H384), K_A, "h", JOT_ERR_ALG, 0 },
        /* a key without a kid never matches a token with one */
        { S(K_N1), K_N1, "x", JOT_ERR_KEY_NOT_FOUND, 0 },
        { S(K_N1) | S(K_N2), K_N2, "x", JOT_ERR_KEY_NOT_FOUND, 0 },
        /* without a kid: every key of the token's alg, in turn */
        { S(K_N1) | S(K_N2), K_N1, NULL, JOT_OK, K_N1 },
        { S(K_N1) | S(K_N2), K_N2, NULL, JOT_OK, K_N2 },
        { S(K_A) | S(K_B), K_B, NULL, JOT_OK, K_B },
        { S(K_A) | S(K_N1) | S(K_E), K_A, NULL, JOT_OK, K_A },
        { S(K_N1) | S(K_N2) | S(K_E), K_N2, NULL, JOT_OK, K_N2 },
        { S(K_N1) | S(K_N2), K_N3, NULL, JOT_ERR_BAD_SIGNATURE, 0 },
        { S(K_E), K_N1, NULL, JOT_ERR_ALG, 0 },
        { S(K_H384), K_N1, NULL, JOT_ERR_ALG, 0 },
        { S(K_N1) | S(K_E), K_H384, NULL, JOT_ERR_ALG, 0 },
        { 0, K_N1, NULL, JOT_ERR_KEY_NOT_FOUND, 0 },
    };
    static const struct {
        jot_alg alg;
        const char *kid;
    } spec[K_N] = {
        [K_A] = { JOT_ALG_HS256, "a" }, [K_B] = { JOT_ALG_HS256, "b" },
        [K_N1] = { JOT_ALG_HS256, NULL }, [K_N2] = { JOT_ALG_HS256, NULL },
        [K_N3] = { JOT_ALG_HS256, NULL }, [K_EA] = { JOT_ALG_ES256, "a" },
        [K_E] = { JOT_ALG_ES256, "e" }, [K_H384] = { JOT_ALG_HS384, "h" },
    };
    jot_key *keys[K_N];
    size_t i, j;
    int bad = 0;

    (void)state;
    for (j = 0; j < K_N; j++)
        keys[j] = new_key(spec[j].alg, spec[j].kid);
    for (i = 0; i < N_ELEMS(cases); i++) {
        jot_key *members[K_N];
        size_t n = 0;
        jot_keyset *set;
        jot_jws *jws = NULL;
        char extra[64], *tok;
        jot_err err;
        int w = 0;

        for (j = 0; j < K_N; j++) {
            if (cases[i].set & S(j))
                members[n++] = keys[j];
        }
        if (cases[i].kid != NULL)
            w = snprintf(extra, sizeof extra, ",\"kid\":\"%s\"",
                         cases[i].kid);
        else
            extra[0] = '\0';
        assert_true(w >= 0 && (size_t)w < sizeof extra);
        set = set_of(members, n);
        tok = make_token_x(keys[cases[i].signer], extra);
        err = verify(set, NULL, tok, strlen(tok), &jws);
        bad += mismatch(cases[i].want, err, "case %zu", i);
        if (err == JOT_OK && cases[i].want == JOT_OK &&
            jot_jws_key(jws) != keys[cases[i].key]) {
            fprintf(stderr, "case %zu: verified by the wrong key\n", i);
            bad++;
        }
        jot_jws_free(jws);
        free(tok);
        jot_keyset_free(set);
    }
    for (j = 0; j < K_N; j++)
        jot_key_free(keys[j]);
    no_mismatch(bad);
}

/* A kid that is not a string is refused, whatever the keys. */
static void
test_kid_not_string(void **state)
{
    static const char *const extras[] = {
        ",\"kid\":1", ",\"kid\":null", ",\"kid\":[\"a\"]",
        ",\"kid\":{\"a\":1}", ",\"kid\":true",
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(extras); i++) {
        char *tok = make_token_x(k, extras[i]);
        jot_err err = verify(set, NULL, tok, strlen(tok), NULL);

        if (err == JOT_OK) {
            fprintf(stderr, "%s: accepted\n", extras[i]);
            bad++;
        } else {
            bad += mismatch(JOT_ERR_MALFORMED, err, "%s", extras[i]);
        }
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* ---- step 8: signature -------------------------------------------- */

static void
test_signature(void **state)
{
    static const jot_alg algs[] = { JOT_ALG_HS256, JOT_ALG_RS256,
                                    JOT_ALG_PS384, JOT_ALG_ES256,
                                    JOT_ALG_ES512, JOT_ALG_EDDSA };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(algs); i++) {
        jot_key *k = new_key(algs[i], NULL), *other = NULL;
        jot_key *pub = public_of(k);
        jot_keyset *set = set_of(&pub, 1);
        char *tok = NULL, *alt = NULL, *mix;
        const char *name = jot_alg_name(algs[i]);
        size_t len, d2;

        tu_assert_err(JOT_OK, jot_jws_sign(k, NULL, payload, PAYLOAD_LEN,
                                           &tok));
        len = strlen(tok);
        d2 = (size_t)(strrchr(tok, '.') - tok);
        tu_assert_err(JOT_OK, verify(set, NULL, tok, len, NULL));
        /* a flipped bit in the first character of the signature */
        tok[d2 + 1] = tok[d2 + 1] == 'A' ? 'Q' : 'A';
        bad += mismatch(JOT_ERR_BAD_SIGNATURE,
                        verify(set, NULL, tok, len, NULL), "%s: flipped",
                        name);
        jot_free(tok);
        /* another payload under this signature */
        tu_assert_err(JOT_OK, jot_jws_sign(k, NULL, payload, PAYLOAD_LEN,
                                           &tok));
        tu_assert_err(JOT_OK, jot_jws_sign(k, NULL, "{}", 2, &alt));
        mix = malloc(strlen(tok) + strlen(alt) + 1);
        assert_non_null(mix);
        memcpy(mix, alt, (size_t)(strrchr(alt, '.') - alt));
        memcpy(mix + (strrchr(alt, '.') - alt), strrchr(tok, '.'),
               strlen(strrchr(tok, '.')) + 1);
        bad += mismatch(JOT_ERR_BAD_SIGNATURE,
                        verify(set, NULL, mix, strlen(mix), NULL),
                        "%s: signature of another payload", name);
        free(mix);
        jot_free(alt);
        jot_free(tok);
        /* a key of the same alg that did not sign */
        other = new_key(algs[i], NULL);
        tu_assert_err(JOT_OK, jot_jws_sign(other, NULL, payload, PAYLOAD_LEN,
                                           &tok));
        if (is_rsa(algs[i])) {
            /* the suite has one RSA key: the same key verifies */
            tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), NULL));
        } else {
            bad += mismatch(JOT_ERR_BAD_SIGNATURE,
                            verify(set, NULL, tok, strlen(tok), NULL),
                            "%s: another key", name);
        }
        jot_free(tok);
        jot_key_free(other);
        jot_keyset_free(set);
        jot_key_free(pub);
        jot_key_free(k);
    }
    no_mismatch(bad);
}

/* ---- step 9: typ -------------------------------------------------- */

static void
test_typ(void **state)
{
    static const struct {
        const char *extra;      /* the token's typ member, or "" */
        const char *want_typ;   /* opts.typ */
        jot_err want;
    } cases[] = {
        { ",\"typ\":\"JWT\"", "JWT", JOT_OK },
        { ",\"typ\":\"jwt\"", "JWT", JOT_OK },
        { ",\"typ\":\"JwT\"", "jwt", JOT_OK },
        { ",\"typ\":\"application/jwt\"", "JWT", JOT_OK },
        { ",\"typ\":\"application/JWT\"", "jwt", JOT_OK },
        { ",\"typ\":\"at+jwt\"", "at+jwt", JOT_OK },
        { ",\"typ\":\"AT+JWT\"", "at+jwt", JOT_OK },
        { ",\"typ\":\"application/at+jwt\"", "at+jwt", JOT_OK },
        { ",\"typ\":\"application/at+JWT\"", "AT+jwt", JOT_OK },
        { ",\"typ\":\"JWT\"", "at+jwt", JOT_ERR_TYPE },
        { ",\"typ\":\"at+jwt\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"refresh+jwt\"", "at+jwt", JOT_ERR_TYPE },
        { ",\"typ\":\"at+jwt\"", "refresh+jwt", JOT_ERR_TYPE },
        { ",\"typ\":\"JWTx\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"JW\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"application/\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"text/jwt\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"application/application/jwt\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\" JWT\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":\"application/jwt\\u0000\"", "JWT", JOT_ERR_MALFORMED },
        { "", "JWT", JOT_ERR_TYPE },
        { ",\"cty\":\"JWT\"", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":1", "JWT", JOT_ERR_TYPE },
        { ",\"typ\":null", "JWT", JOT_ERR_TYPE },
        /* no expected typ: anything goes */
        { ",\"typ\":\"anything\"", NULL, JOT_OK },
        { "", NULL, JOT_OK },
    };
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        struct jot_verify_opts opts;
        char *tok = make_token_x(k, cases[i].extra);

        memset(&opts, 0, sizeof opts);
        opts.typ = cases[i].want_typ;
        bad += mismatch(cases[i].want,
                        verify(set, &opts, tok, strlen(tok), NULL),
                        "typ case %zu (%s)", i, cases[i].extra);
        /* typ is the last step: a bad signature is reported first */
        break_sig(tok);
        if (cases[i].want != JOT_ERR_MALFORMED)
            bad += mismatch(JOT_ERR_BAD_SIGNATURE,
                            verify(set, &opts, tok, strlen(tok), NULL),
                            "typ case %zu, bad signature", i);
        free(tok);
    }
    jot_keyset_free(set);
    jot_key_free(k);
    no_mismatch(bad);
}

/* ---- accessors ---------------------------------------------------- */

static void
test_header_accessors(void **state)
{
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    char *tok = make_token(k, " { \"alg\" : \"HS256\" , \"n\" : 1 , "
                              "\"o\" : { \"p\" : [ 1 , \"q\" ] } , "
                              "\"s\" : \"t\\u00e9\" , \"e\" : \"\" } ");
    jot_jws *jws = NULL;
    char *json = (char *)&json;
    const char *s = "sentinel";
    static const char *const not_strings[] = { "n", "o", "missing", "ALG",
                                               "" };
    size_t i;

    (void)state;
    tu_assert_err(JOT_OK, verify(set, NULL, tok, strlen(tok), &jws));
    assert_int_equal(jot_jws_alg(jws), JOT_ALG_HS256);
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "alg", &s));
    assert_string_equal(s, "HS256");
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "s", &s));
    assert_string_equal(s, "t\xc3\xa9");
    tu_assert_err(JOT_OK, jot_jws_header_string(jws, "e", &s));
    assert_string_equal(s, "");
    for (i = 0; i < N_ELEMS(not_strings); i++) {
        s = "sentinel";
        tu_assert_err(JOT_ERR_MALFORMED,
                      jot_jws_header_string(jws, not_strings[i], &s));
        assert_null(s);
    }
    tu_assert_err(JOT_OK, jot_jws_header_json(jws, &json));
    assert_string_equal(json, "{\"alg\":\"HS256\",\"n\":1,\"o\":{\"p\":[1,"
                              "\"q\"]},\"s\":\"t\xc3\xa9\",\"e\":\"\"}");
    jot_free(json);
    jot_jws_free(jws);
    free(tok);
    jot_keyset_free(set);
    jot_key_free(k);
}

/* Only tok_len octets are read; the token needs no NUL. */
static void
test_token_len(void **state)
{
    jot_key *k = new_key(JOT_ALG_HS256, NULL);
    jot_keyset *set = set_of(&k, 1);
    char *tok = NULL, *buf;
    size_t len;

    (void)state;
    tu_assert_err(JOT_OK, jot_jws_sign(k, NULL, payload, PAYLOAD_LEN, &tok));
    len = strlen(tok);
    buf = malloc(len + 5);
    assert_non_null(buf);
    memcpy(buf, tok, len);
    memcpy(buf + len, ".xyz", 4);       /* not NUL-terminated */
    tu_assert_err(JOT_OK, verify(set, NULL, buf, len, NULL));
    tu_assert_err(JOT_ERR_MALFORMED, verify(set, NULL, buf, len + 4, NULL));
    /* Three octets short, the signature still decodes (40 characters,
     * 30 octets) and is refused for its length.  (One short, whether it
     * decodes depends on the bits of its last character, so the answer
     * would change with the random key.) */
    tu_assert_err(JOT_ERR_BAD_SIGNATURE,
                  verify(set, NULL, buf, len - 3, NULL));
    free(buf);
    jot_free(tok);
    jot_keyset_free(set);
    jot_key_free(k);
}

/*
 * The header jot_jws_sign writes is recognised without parsing it (see
 * known_header in jws.c).  The answers must be exactly those of the full
 * path: the same key, the same errors, and a header that the accessors
 * still show, even when two threads ask for it at once.
 */
struct header_reader {
    const jot_jws *jws;
    const char *kid;
    int ok;
};

static void *
read_header_kid(void *p)
{
    struct header_reader *hr = p;
    const char *kid = NULL;
    char *json = NULL;

    hr->ok = jot_jws_header_string(hr->jws, "kid", &kid) == JOT_OK &&
             strcmp(kid, hr->kid) == 0 &&
             jot_jws_header_json(hr->jws, &json) == JOT_OK &&
             strstr(json, "\"typ\":\"at+jwt\"") != NULL;
    jot_free(json);
    return NULL;
}

static void
test_known_header(void **state)
{
    jot_key *k = new_key(JOT_ALG_ES256, "k1"), *other = new_key(JOT_ALG_ES256,
                                                                "k2");
    jot_key *keys[2] = {other, k}, *stranger;
    jot_keyset *set = set_of(keys, 2);
    struct jot_verify_opts opts;
    struct header_reader hr[2];
    pthread_t t[2];
    const jot_alg only_hs = JOT_ALG_HS256;
    jot_jws *jws = NULL;
    char *tok = NULL, *spaced;
    size_t i;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.typ = "at+jwt";
    tu_assert_err(JOT_OK, jot_jws_sign(k, "at+jwt", payload, PAYLOAD_LEN,
                                       &tok));
    /* the known header: the right key, and a header on demand */
    tu_assert_err(JOT_OK, verify(set, &opts, tok, strlen(tok), &jws));
    assert_ptr_equal(jot_jws_key(jws), k);
    assert_int_equal(jot_jws_alg(jws), JOT_ALG_ES256);
    for (i = 0; i < 2; i++) {
        hr[i].jws = jws;
        hr[i].kid = "k1";
        assert_int_equal(pthread_create(&t[i], NULL, read_header_kid,
                                        &hr[i]), 0);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_true(hr[i].ok);
    }
    jot_jws_free(jws);
    /* another expected typ, or none: the full path, same answer */
    opts.typ = NULL;
    tu_assert_err(JOT_OK, verify(set, &opts, tok, strlen(tok), NULL));
    opts.typ = "refresh+jwt";
    tu_assert_err(JOT_ERR_TYPE, verify(set, &opts, tok, strlen(tok), NULL));
    /* the allow-list still applies */
    opts.typ = "at+jwt";
    opts.algs = &only_hs;
    opts.n_algs = 1;
    tu_assert_err(JOT_ERR_ALG, verify(set, &opts, tok, strlen(tok), NULL));
    opts.n_algs = 0;
    /* a bad or missing signature under a known header */
    break_sig(tok);
    tu_assert_err(JOT_ERR_BAD_SIGNATURE, verify(set, &opts, tok, strlen(tok),
                                                NULL));
    strrchr(tok, '.')[1] = '\0';
    tu_assert_err(JOT_ERR_MALFORMED, verify(set, &opts, tok, strlen(tok),
                                            NULL));
    /* the same content spelled differently takes the full path */
    spaced = make_token(k, "{\"alg\":\"ES256\", \"typ\":\"at+jwt\","
                           "\"kid\":\"k1\"}");
    tu_assert_err(JOT_OK, verify(set, &opts, spaced, strlen(spaced), &jws));
    assert_ptr_equal(jot_jws_key(jws), k);
    jot_jws_free(jws);
    free(spaced);
    /* the header of a key that is not in the set */
    jot_free(tok);
    tok = NULL;
    stranger = new_key(JOT_ALG_ES256, "k3");
    tu_assert_err(JOT_OK, jot_jws_sign(stranger, "at+jwt", payload,
                                       PAYLOAD_LEN, &tok));
    tu_assert_err(JOT_ERR_KEY_NOT_FOUND, verify(set, &opts, tok,
                                                strlen(tok), NULL));
    jot_free(tok);
    jot_keyset_free(set);
    jot_key_free(k);
    jot_key_free(other);
    jot_key_free(stranger);
}

/*
 * Keys and key sets are shared between threads without locks: many
 * threads verifying with one key at once (each copying the key's
 * prepared context) must all succeed, and a bad signature must fail in
 * every thread too.
 */
struct hammer {
    const jot_keyset *set;
    const char *good, *bad;
    int failures;
};

static void *
hammer_run(void *p)
{
    struct hammer *h = p;
    int i;

    for (i = 0; i < 200; i++) {
        if (verify(h->set, NULL, h->good, strlen(h->good), NULL) != JOT_OK)
            h->failures++;
        if (verify(h->set, NULL, h->bad, strlen(h->bad), NULL) !=
            JOT_ERR_BAD_SIGNATURE)
            h->failures++;
    }
    return NULL;
}

static void
test_shared_between_threads(void **state)
{
    static const jot_alg algs[] = {JOT_ALG_ES256, JOT_ALG_RS256,
                                   JOT_ALG_PS256, JOT_ALG_HS256,
                                   JOT_ALG_EDDSA};
    struct hammer h[4];
    pthread_t t[4];
    size_t a, i;

    (void)state;
    for (a = 0; a < N_ELEMS(algs); a++) {
        jot_key *k = new_key(algs[a], "shared");
        jot_keyset *set = set_of(&k, 1);
        char *good = make_token_x(k, ",\"kid\":\"shared\"");
        char *bad = strdup(good);

        assert_non_null(bad);
        break_sig(bad);
        for (i = 0; i < 4; i++) {
            h[i] = (struct hammer){set, good, bad, 0};
            assert_int_equal(pthread_create(&t[i], NULL, hammer_run, &h[i]),
                             0);
        }
        for (i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            if (h[i].failures != 0)
                fail_msg("%s: %d failures in thread %zu",
                         jot_alg_name(algs[a]), h[i].failures, i);
        }
        free(good);
        free(bad);
        jot_keyset_free(set);
        jot_key_free(k);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_binary_payload),
        cmocka_unit_test(test_sign_public),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_empty_signature),
        cmocka_unit_test(test_header_json),
        cmocka_unit_test(test_header_depth),
        cmocka_unit_test(test_alg_header),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_crit),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_key_selection),
        cmocka_unit_test(test_kid_not_string),
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_typ),
        cmocka_unit_test(test_header_accessors),
        cmocka_unit_test(test_token_len),
        cmocka_unit_test(test_known_header),
        cmocka_unit_test(test_shared_between_threads),
    };

    return cmocka_run_group_tests_name("jws", tests, group_setup,
                                       group_teardown);
}
