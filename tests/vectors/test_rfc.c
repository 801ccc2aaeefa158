/*
 * test_rfc.c - the worked examples of RFC 7515, 7517, 7520, 7638 and 8037
 * (tests/vectors/rfc/) through the public libjot API.
 *
 * Each JWS example is checked both ways.  Where the algorithm is
 * deterministic (HS*, RS*, EdDSA) the private key must reproduce the
 * printed signature byte for byte; the public key must verify it, low
 * level over the signing input and as the compact JWS exactly as printed
 * (RFC 7515 A.1-A.3 carry CRLF inside the header and payload, so nothing
 * may be re-serialised).  Then every valid token gets tampered twins that
 * must fail with one exact error code: a flipped bit, "alg" swapped within
 * its family or set to "none", a kid that names no key, trailing garbage,
 * '=' padding, non-canonical base64url and an extra segment.
 *
 * The tokens are JWS, not JWTs with usable claims (their "exp" is in
 * 2011), so they go through jot_jws_verify.
 */
#include "testutil.h"

#define RFC_DIR "tests/vectors/rfc/"
#define SIG_CAP 2048    /* jot_alg_sig_max of RSA: a 16384-bit modulus */

/*
 * The checks of one vector.  A failing check is printed and counted and
 * the vector goes on, so one run shows every twin that went wrong.
 */
struct run {
    const char *id;
    unsigned n_checks;
    unsigned n_failed;
};

static void
check_err(struct run *r, const char *what, jot_err want, jot_err got)
{
    r->n_checks++;
    if (want == got)
        return;
    r->n_failed++;
    fprintf(stderr, "%s: %s: expected %s, got %s\n", r->id, what,
            jot_err_name(want), jot_err_name(got));
}

static void
check_true(struct run *r, const char *what, int ok)
{
    r->n_checks++;
    if (ok)
        return;
    r->n_failed++;
    fprintf(stderr, "%s: %s: check failed\n", r->id, what);
}

static void
check_bytes(struct run *r, const char *what, const void *want,
            size_t want_len, const void *got, size_t got_len)
{
    r->n_checks++;
    if (want_len == got_len && memcmp(want, got, want_len) == 0)
        return;
    r->n_failed++;
    fprintf(stderr, "%s: %s: bytes differ\n", r->id, what);
    tu_print_hex("expected", want, want_len);
    tu_print_hex("got     ", got, got_len);
}

static void
check_str(struct run *r, const char *what, const char *want,
          const char *got)
{
    r->n_checks++;
    if (got != NULL && strcmp(want, got) == 0)
        return;
    r->n_failed++;
    fprintf(stderr, "%s: %s: expected \"%s\", got \"%s\"\n", r->id, what,
            want, got != NULL ? got : "(null)");
}

static void
finish(struct run *r)
{
    printf("%s: %u checks, %u failed\n", r->id, r->n_checks, r->n_failed);
    if (r->n_failed != 0)
        fail_msg("%s: %u of %u checks failed", r->id, r->n_failed,
                 r->n_checks);
}

/* ---- small helpers over jansson and base64url ---- */

static json_t *
load(const char *name)
{
    char path[256];
    int n = snprintf(path, sizeof path, "%s%s", RFC_DIR, name);

    if (n < 0 || (size_t)n >= sizeof path)
        fail_msg("path too long: %s", name);
    return tu_load_json(path);
}

/* A required string member. */
static const char *
member(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    if (s == NULL)
        fail_msg("vector has no string member \"%s\"", name);
    return s;
}

static jot_err
jwk_parse_json(const json_t *jwk, jot_alg alg, jot_key **out)
{
    char *text = json_dumps(jwk, JSON_COMPACT);
    jot_err err;

    assert_non_null(text);
    err = jot_jwk_parse(text, strlen(text), alg, out);
    free(text);
    return err;
}

static jot_key *
must_key(const json_t *jwk, jot_alg alg)
{
    jot_key *key = NULL;

    tu_assert_err(JOT_OK, jwk_parse_json(jwk, alg, &key));
    assert_non_null(key);
    return key;
}

static jot_alg
must_alg(const char *name)
{
    jot_alg alg = JOT_ALG_INVALID;

    tu_assert_err(JOT_OK, jot_alg_from_name(name, strlen(name), &alg));
    return alg;
}

static unsigned char *
b64d(const char *s, size_t *len)
{
    unsigned char *out = NULL;
    jot_err err = jot_b64url_decode_alloc(s, strlen(s), &out, len);

    if (err != JOT_OK)
        fail_msg("cannot decode \"%s\": %s", s, jot_err_name(err));
    return out;
}

static char *
b64e(const void *p, size_t n)
{
    char *out = NULL;

    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(p, n, &out));
    return out;
}

/* Concatenates up to five strings (NULL ends the list early). */
static char *
cat(const char *a, const char *b, const char *c, const char *d,
    const char *e)
{
    const char *parts[5] = { a, b, c, d, e };
    size_t len = 0, i, n;
    char *out, *p;

    for (i = 0; i < 5 && parts[i] != NULL; i++)
        len += strlen(parts[i]);
    out = malloc(len + 1);
    assert_non_null(out);
    p = out;
    for (i = 0; i < 5 && parts[i] != NULL; i++) {
        n = strlen(parts[i]);
        memcpy(p, parts[i], n);
        p += n;
    }
    *p = '\0';
    return out;
}

static jot_keyset *
set_of(jot_key *key)
{
    jot_keyset *set = NULL;

    tu_assert_err(JOT_OK, jot_keyset_new(&set));
    tu_assert_err(JOT_OK, jot_keyset_add(set, key));
    return set;
}

/*
 * Verifies tok with opts and returns the code.  On failure the result
 * must have been left NULL (out-parameters are written only on success).
 */
static jot_err
jws_try(struct run *r, const jot_keyset *set,
        const struct jot_verify_opts *opts, const char *tok)
{
    jot_jws *jws = NULL;
    jot_err err = jot_jws_verify(set, opts, tok, strlen(tok), &jws);

    if (err != JOT_OK)
        check_true(r, "result left NULL on failure", jws == NULL);
    jot_jws_free(jws);
    return err;
}

/* Header JSON text with "alg" replaced (members and order otherwise kept). */
static char *
header_with_alg(const char *header_text, const char *alg)
{
    json_error_t e;
    json_t *h = json_loads(header_text, 0, &e);
    char *text;

    if (h == NULL)
        fail_msg("header: %s", e.text);
    assert_int_equal(json_object_set_new(h, "alg", json_string(alg)), 0);
    text = json_dumps(h, JSON_COMPACT);
    assert_non_null(text);
    json_decref(h);
    return text;
}

/* header.payload.signature with the header given as JSON text. */
static char *
token_with_header(const char *header_json, const char *payload_b64u,
                  const char *sig_b64u)
{
    char *h = b64e(header_json, strlen(header_json));
    char *tok = cat(h, ".", payload_b64u, ".", sig_b64u);

    jot_free(h);
    return tok;
}

/*
 * A token over header_json and payload_b64u signed with key through the
 * low-level signer: the tampered twins that need a valid signature.
 */
static char *
resign(const jot_key *key, const char *header_json, const char *payload_b64u)
{
    unsigned char sig[SIG_CAP];
    size_t sig_len = 0;
    char *h = b64e(header_json, strlen(header_json));
    char *input = cat(h, ".", payload_b64u, NULL, NULL);
    char *s, *tok;

    tu_assert_err(JOT_OK, jot_key_sign(key, input, strlen(input), sig,
                                       sizeof sig, &sig_len));
    s = b64e(sig, sig_len);
    tok = cat(input, ".", s, NULL, NULL);
    jot_free(h);
    jot_free(s);
    free(input);
    return tok;
}

/* ---- the JWS examples ---- */

/*
 * Algorithms of the same family (and one of another) that a token's "alg"
 * is swapped to.  The key stays bound to the original, so each swap must
 * be refused with JOT_ERR_ALG before any signature check.
 */
struct swap {
    const char *alg;
    const char *to[3];
};

static const struct swap swaps[] = {
    { "HS256", { "HS384", "HS512", "RS256" } },
    { "RS256", { "RS384", "PS256", "HS256" } },
    { "PS384", { "PS256", "RS384", "HS384" } },
    { "ES256", { "ES384", "ES512", "HS256" } },
    { "ES512", { "ES256", "ES384", "HS512" } },
    { "EdDSA", { "ES256", "HS256", NULL } },
};

static const struct swap *
swap_for(const char *alg)
{
    size_t i;

    for (i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        if (strcmp(swaps[i].alg, alg) == 0)
            return &swaps[i];
    }
    fail_msg("no swap list for %s", alg);
    return NULL;
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Low level: the printed signature verifies with the public key, the
 * private key reproduces it (deterministic algorithms) or makes a new one
 * that verifies, and damaged signatures or input are refused.
 */
static void
key_checks(struct run *r, const json_t *v, const jot_key *priv,
           const jot_key *pub, int deterministic)
{
    const char *input = member(v, "signing_input");
    size_t input_len = strlen(input);
    unsigned char sig[SIG_CAP], bad[SIG_CAP + 1];
    unsigned char *want;
    size_t want_len, sig_len = 0;
    char *other;
    jot_err err;

    want = b64d(member(v, "signature_b64u"), &want_len);
    assert_true(want_len <= SIG_CAP);
    check_true(r, "signature no longer than jot_alg_sig_max",
               want_len <= jot_alg_sig_max(jot_key_alg(pub)));
    check_err(r, "jot_key_verify of the RFC signature", JOT_OK,
              jot_key_verify(pub, input, input_len, want, want_len));
    check_err(r, "jot_key_verify of the RFC signature, private key",
              JOT_OK, jot_key_verify(priv, input, input_len, want,
                                     want_len));

    err = jot_key_sign(priv, input, input_len, sig, sizeof sig, &sig_len);
    check_err(r, "jot_key_sign over signing_input", JOT_OK, err);
    if (err == JOT_OK) {
        if (deterministic) {
            check_bytes(r, "signature reproduced", want, want_len, sig,
                        sig_len);
        } else {
            check_true(r, "new signature has the JWS length",
                       sig_len == want_len);
            check_err(r, "new signature verifies", JOT_OK,
                      jot_key_verify(pub, input, input_len, sig, sig_len));
        }
    }

    /* A signature over other input verifies there and only there. */
    other = cat(input, "x", NULL, NULL, NULL);
    err = jot_key_sign(priv, other, strlen(other), sig, sizeof sig,
                       &sig_len);
    check_err(r, "sign other input", JOT_OK, err);
    if (err == JOT_OK) {
        check_err(r, "sign-then-verify", JOT_OK,
                  jot_key_verify(pub, other, strlen(other), sig, sig_len));
        check_err(r, "signature of other input on signing_input",
                  JOT_ERR_BAD_SIGNATURE,
                  jot_key_verify(pub, input, input_len, sig, sig_len));
    }
    free(other);

    if (!jot_key_is_private(pub)) {
        check_err(r, "sign with a public key", JOT_ERR_KEY,
                  jot_key_sign(pub, input, input_len, sig, sizeof sig,
                               &sig_len));
    }

    /* Damaged signatures. */
    memcpy(bad, want, want_len);
    bad[0] ^= 0x01;
    check_err(r, "low level: first bit flipped", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len, bad, want_len));
    memcpy(bad, want, want_len);
    bad[want_len - 1] ^= 0x80;
    check_err(r, "low level: last byte flipped", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len, bad, want_len));
    check_err(r, "low level: one octet short", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len, want, want_len - 1));
    memcpy(bad, want, want_len);
    bad[want_len] = 0;
    check_err(r, "low level: one octet more", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len, bad, want_len + 1));
    check_err(r, "low level: empty signature", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len, want, 0));
    check_err(r, "low level: input one octet short", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(pub, input, input_len - 1, want, want_len));
    jot_free(want);
}

/* The compact token as printed, and its tampered twins. */
static void
jws_checks(struct run *r, const json_t *v, const jot_key *priv,
           const json_t *pub_jwk, jot_key *pub, jot_alg alg)
{
    const char *alg_name = member(v, "alg");
    const char *compact = member(v, "compact");
    const char *h = member(v, "protected_b64u");
    const char *p = member(v, "payload_b64u");
    const char *s = member(v, "signature_b64u");
    const char *header_text = member(v, "protected_header_text");
    const char *payload_text = member(v, "payload_text");
    const struct swap *sw = swap_for(alg_name);
    struct jot_verify_opts opts;
    jot_keyset *set = set_of(pub), *set_kid = NULL;
    jot_key *pub_kid = NULL;
    jot_jws *jws = NULL;
    jot_alg other_alg;
    unsigned char *raw, *sig;
    size_t raw_len, sig_len, i, n;
    char *tok, *hj, *seg, *tmp;
    const char *typ;
    jot_err err;
    char what[96];

    /* The file is consistent with itself. */
    tok = cat(h, ".", p, ".", s);
    check_str(r, "compact is header.payload.signature", compact, tok);
    free(tok);
    tok = cat(h, ".", p, NULL, NULL);
    check_str(r, "signing_input is header.payload",
              member(v, "signing_input"), tok);
    free(tok);
    raw = b64d(h, &raw_len);
    check_bytes(r, "header segment decodes to the header text",
                header_text, strlen(header_text), raw, raw_len);
    jot_free(raw);

    /* The token exactly as received. */
    err = jot_jws_verify(set, NULL, compact, strlen(compact), &jws);
    check_err(r, "jot_jws_verify of the compact token", JOT_OK, err);
    if (err == JOT_OK) {
        const unsigned char *pl = NULL;
        size_t pl_len = 0;

        jot_jws_payload(jws, &pl, &pl_len);
        check_bytes(r, "verified payload", payload_text,
                    strlen(payload_text), pl, pl_len);
        check_true(r, "jot_jws_alg", jot_jws_alg(jws) == alg);
        check_true(r, "jot_jws_key is the verifying key",
                   jot_jws_key(jws) == pub);
    }
    jot_jws_free(jws);

    /* Allow-list (step 6), typ (step 9) and the size limit (step 1). */
    memset(&opts, 0, sizeof opts);
    opts.algs = &alg;
    opts.n_algs = 1;
    check_err(r, "allow-list naming the alg", JOT_OK,
              jws_try(r, set, &opts, compact));
    other_alg = must_alg(sw->to[0]);
    opts.algs = &other_alg;
    check_err(r, "allow-list without the alg", JOT_ERR_ALG,
              jws_try(r, set, &opts, compact));
    memset(&opts, 0, sizeof opts);
    opts.max_token_len = strlen(compact);
    check_err(r, "max_token_len = token length", JOT_OK,
              jws_try(r, set, &opts, compact));
    opts.max_token_len = strlen(compact) - 1;
    check_err(r, "max_token_len = token length - 1", JOT_ERR_TOO_LARGE,
              jws_try(r, set, &opts, compact));
    memset(&opts, 0, sizeof opts);
    raw = b64d(h, &raw_len);
    {
        json_t *hdr = json_loadb((const char *)raw, raw_len, 0, NULL);

        assert_non_null(hdr);
        typ = json_string_value(json_object_get(hdr, "typ"));
        if (typ != NULL) {
            opts.typ = "jwt";       /* compared case-insensitively */
            check_err(r, "expected typ \"jwt\"", JOT_OK,
                      jws_try(r, set, &opts, compact));
        }
        json_decref(hdr);
    }
    jot_free(raw);
    opts.typ = "at+jwt";
    check_err(r, "expected typ \"at+jwt\"", JOT_ERR_TYPE,
              jws_try(r, set, &opts, compact));
    memset(&opts, 0, sizeof opts);

    /* A flipped signature bit, first and last octet. */
    sig = b64d(s, &sig_len);
    for (i = 0; i < 2; i++) {
        size_t at = i == 0 ? 0 : sig_len - 1;

        sig[at] ^= 0x01;
        seg = b64e(sig, sig_len);
        sig[at] ^= 0x01;
        tok = cat(h, ".", p, ".", seg);
        snprintf(what, sizeof what, "signature octet %zu bit flipped", at);
        check_err(r, what, JOT_ERR_BAD_SIGNATURE, jws_try(r, set, NULL, tok));
        free(tok);
        jot_free(seg);
    }

    /* A flipped payload bit. */
    raw = b64d(p, &raw_len);
    raw[0] ^= 0x01;
    seg = b64e(raw, raw_len);
    tok = cat(h, ".", seg, ".", s);
    check_err(r, "payload bit flipped", JOT_ERR_BAD_SIGNATURE,
              jws_try(r, set, NULL, tok));
    free(tok);
    jot_free(seg);
    jot_free(raw);

    /* alg swapped (RFC 8725 §2.1): the key is bound to its own alg. */
    for (i = 0; i < 3 && sw->to[i] != NULL; i++) {
        hj = header_with_alg(header_text, sw->to[i]);
        tok = token_with_header(hj, p, s);
        snprintf(what, sizeof what, "alg swapped to %s", sw->to[i]);
        check_err(r, what, JOT_ERR_ALG, jws_try(r, set, NULL, tok));
        free(tok);
        free(hj);
    }

    /*
     * alg "none" is an unknown algorithm (step 4), with the signature
     * kept or removed: an empty signature is only looked at after it.
     */
    hj = header_with_alg(header_text, "none");
    tok = token_with_header(hj, p, s);
    check_err(r, "alg none, signature kept", JOT_ERR_ALG,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = token_with_header(hj, p, "");
    check_err(r, "alg none, signature removed", JOT_ERR_ALG,
              jws_try(r, set, NULL, tok));
    free(tok);
    free(hj);

    /*
     * kid: a fresh copy of the public key gets kid "rfc-key".  A re-signed
     * token naming that kid verifies, one without a kid finds the key by
     * its alg, and one naming another kid finds no key.
     */
    pub_kid = must_key(pub_jwk, alg);
    tu_assert_err(JOT_OK, jot_key_set_kid(pub_kid, "rfc-key"));
    set_kid = set_of(pub_kid);
    tmp = cat("{\"alg\":\"", alg_name, "\",\"kid\":\"rfc-key\"}", NULL, NULL);
    tok = resign(priv, tmp, p);
    check_err(r, "re-signed, kid of the key", JOT_OK,
              jws_try(r, set_kid, NULL, tok));
    free(tok);
    free(tmp);
    tmp = cat("{\"alg\":\"", alg_name, "\"}", NULL, NULL);
    tok = resign(priv, tmp, p);
    check_err(r, "re-signed, no kid", JOT_OK,
              jws_try(r, set_kid, NULL, tok));
    free(tok);
    free(tmp);
    tmp = cat("{\"alg\":\"", alg_name, "\",\"kid\":\"rfc-key-2\"}", NULL,
              NULL);
    tok = resign(priv, tmp, p);
    check_err(r, "re-signed, another kid", JOT_ERR_KEY_NOT_FOUND,
              jws_try(r, set_kid, NULL, tok));
    free(tok);
    free(tmp);
    if (jot_key_kid(pub) == NULL) {
        /* A key without a kid never matches a token that has one. */
        tmp = cat("{\"alg\":\"", alg_name, "\",\"kid\":\"rfc-key\"}", NULL,
                  NULL);
        tok = resign(priv, tmp, p);
        check_err(r, "kid in token, key without kid",
                  JOT_ERR_KEY_NOT_FOUND, jws_try(r, set, NULL, tok));
        free(tok);
        free(tmp);
    }

    /* Trailing and leading garbage, padding, extra or empty segments. */
    {
        static const char *const suffixes[] = {
            "=", "==", "!", " ", "\n", ".", ".AAAA", "\r\n",
        };

        for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            tok = cat(compact, suffixes[i], NULL, NULL, NULL);
            snprintf(what, sizeof what, "suffix #%zu", i);
            check_err(r, what, JOT_ERR_MALFORMED,
                      jws_try(r, set, NULL, tok));
            free(tok);
        }
    }
    tok = cat(compact, ".", s, NULL, NULL);
    check_err(r, "signature repeated as a fourth segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(" ", compact, NULL, NULL, NULL);
    check_err(r, "leading space", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(h, "=.", p, ".", s);
    check_err(r, "'=' after the header segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(h, ".", p, "=.", s);
    check_err(r, "'=' after the payload segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(".", p, ".", s, NULL);
    check_err(r, "empty header segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(h, "..", s, NULL, NULL);
    check_err(r, "empty payload segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(h, ".", p, ".", NULL);
    check_err(r, "empty signature segment", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);
    tok = cat(h, ".", p, NULL, NULL);
    check_err(r, "two segments", JOT_ERR_MALFORMED,
              jws_try(r, set, NULL, tok));
    free(tok);

    /*
     * Non-canonical base64url: the same octets with a non-zero unused
     * trailing bit (RFC 4648 §3.5), possible when the signature length
     * is not a multiple of 3.
     */
    if (sig_len % 3 != 0) {
        size_t last = strlen(s) - 1;
        const char *pos = strchr(b64url_alphabet, s[last]);

        assert_non_null(pos);
        tmp = cat(s, NULL, NULL, NULL, NULL);
        tmp[last] = b64url_alphabet[(pos - b64url_alphabet) | 1];
        tok = cat(h, ".", p, ".", tmp);
        check_err(r, "non-zero trailing bits in the signature",
                  JOT_ERR_MALFORMED, jws_try(r, set, NULL, tok));
        free(tok);
        free(tmp);
    }

    /* The standard alphabet ('+', '/') in place of '-', '_'. */
    n = 0;
    for (i = 0; compact[i] != '\0'; i++) {
        if (compact[i] != '-' && compact[i] != '_')
            continue;
        tok = cat(compact, NULL, NULL, NULL, NULL);
        tok[i] = compact[i] == '-' ? '+' : '/';
        snprintf(what, sizeof what, "standard alphabet at offset %zu", i);
        check_err(r, what, JOT_ERR_MALFORMED, jws_try(r, set, NULL, tok));
        free(tok);
        if (++n == 2)
            break;
    }

    jot_free(sig);
    jot_keyset_free(set_kid);
    jot_key_free(pub_kid);
    jot_keyset_free(set);
}

static void
test_jws_vector(void **state)
{
    const char *file = *state;
    json_t *v = load(file);
    const json_t *priv_jwk = json_object_get(v, "jwk");
    const json_t *pub_jwk = json_object_get(v, "jwk_public");
    jot_alg alg = must_alg(member(v, "alg"));
    int deterministic = json_is_true(json_object_get(v, "deterministic"));
    jot_key *priv, *pub;
    struct run r = { member(v, "id"), 0, 0 };

    assert_string_equal(member(v, "expect"), "valid");
    /* Symmetric keys have no public half: the same JWK verifies. */
    if (pub_jwk == NULL)
        pub_jwk = priv_jwk;
    priv = must_key(priv_jwk, alg);
    pub = must_key(pub_jwk, alg);
    check_true(&r, "private JWK gives a private key",
               jot_key_is_private(priv) == 1);
    check_true(&r, "key bound to the vector's alg",
               jot_key_alg(priv) == alg && jot_key_alg(pub) == alg);
    check_true(&r, "deterministic exactly for HS*, RS*, EdDSA",
               deterministic == (alg != JOT_ALG_PS384 &&
                                 alg != JOT_ALG_ES256 &&
                                 alg != JOT_ALG_ES512));

    key_checks(&r, v, priv, pub, deterministic);
    jws_checks(&r, v, priv, pub_jwk, pub, alg);

    jot_key_free(pub);
    jot_key_free(priv);
    finish(&r);
    json_decref(v);
}

/* RFC 7515 A.5: the unsecured JWS is never accepted. */
static void
test_7515_a5_none(void **state)
{
    json_t *v = load("rfc7515_A5_none.json");
    json_t *a1 = load("rfc7515_A1_hs256.json");
    const char *compact = member(v, "compact");
    struct run r = { member(v, "id"), 0, 0 };
    jot_alg alg = JOT_ALG_HS256;
    jot_key *key;
    jot_keyset *set;
    char *tok;

    (void)state;
    assert_string_equal(member(v, "expect"), "reject");
    check_err(&r, "jot_alg_from_name(\"none\")", JOT_ERR_ALG,
              jot_alg_from_name("none", 4, &alg));
    check_true(&r, "out cleared by jot_alg_from_name",
               alg == JOT_ALG_INVALID);
    key = must_key(json_object_get(a1, "jwk"), JOT_ALG_HS256);
    set = set_of(key);
    /* As printed, "header.payload." with an empty signature: the alg
     * is refused before the missing signature is. */
    check_err(&r, "A.5 as printed", JOT_ERR_ALG,
              jws_try(&r, set, NULL, compact));
    /* With some signature attached the alg itself is refused. */
    tok = cat(compact, member(a1, "signature_b64u"), NULL, NULL, NULL);
    check_err(&r, "A.5 with a signature attached", JOT_ERR_ALG,
              jws_try(&r, set, NULL, tok));
    free(tok);
    tok = cat(compact, "AAAA", NULL, NULL, NULL);
    check_err(&r, "A.5 with junk signature", JOT_ERR_ALG,
              jws_try(&r, set, NULL, tok));
    free(tok);
    jot_keyset_free(set);
    jot_key_free(key);
    finish(&r);
    json_decref(a1);
    json_decref(v);
}

/*
 * RFC 7520 4.5: detached content.  The signature is right over
 * header.BASE64URL(payload), but the compact form "header..signature" is
 * not a JWS libjot accepts: its payload segment is empty.
 */
static void
test_7520_4_5_detached(void **state)
{
    json_t *v = load("rfc7520_4_5_hs256.json");
    const char *compact = member(v, "compact");
    const char *h = member(v, "protected_b64u");
    const char *p = member(v, "payload_b64u");
    const char *s = member(v, "signature_b64u");
    const char *input = member(v, "signing_input");
    struct run r = { member(v, "id"), 0, 0 };
    unsigned char sig[SIG_CAP];
    unsigned char *want;
    size_t want_len, sig_len = 0;
    jot_key *key;
    jot_keyset *set;
    char *tok;
    jot_err err;

    (void)state;
    assert_true(json_is_true(json_object_get(v, "detached")));
    key = must_key(json_object_get(v, "jwk"), JOT_ALG_HS256);
    set = set_of(key);
    want = b64d(s, &want_len);
    err = jot_key_sign(key, input, strlen(input), sig, sizeof sig, &sig_len);
    check_err(&r, "sign signing_input", JOT_OK, err);
    if (err == JOT_OK)
        check_bytes(&r, "signature reproduced", want, want_len, sig, sig_len);
    check_err(&r, "verify signing_input", JOT_OK,
              jot_key_verify(key, input, strlen(input), want, want_len));
    tok = cat(h, "..", s, NULL, NULL);
    check_str(&r, "compact is header..signature", compact, tok);
    free(tok);
    check_err(&r, "detached compact refused", JOT_ERR_MALFORMED,
              jws_try(&r, set, NULL, compact));
    /* Put back, the payload makes an ordinary valid JWS. */
    tok = cat(h, ".", p, ".", s);
    check_err(&r, "payload re-attached", JOT_OK, jws_try(&r, set, NULL, tok));
    free(tok);
    jot_free(want);
    jot_keyset_free(set);
    jot_key_free(key);
    finish(&r);
    json_decref(v);
}

/* RFC 7638 §3.1: the thumbprint of the example RSA key. */
static void
test_7638_thumbprint(void **state)
{
    json_t *v = load("rfc7638_3_1_thumbprint.json");
    const json_t *jwk = json_object_get(v, "jwk");
    struct run r = { member(v, "id"), 0, 0 };
    jot_key *key = NULL;
    char *tp = NULL;

    (void)state;
    /* The JWK's "alg" binds the key; another alg disagrees with it. */
    key = must_key(jwk, JOT_ALG_INVALID);
    check_true(&r, "bound to RS256 by its \"alg\"",
               jot_key_alg(key) == JOT_ALG_RS256);
    check_str(&r, "kid", "2011-04-29", jot_key_kid(key));
    check_err(&r, "jot_jwk_thumbprint", JOT_OK, jot_jwk_thumbprint(key, &tp));
    check_str(&r, "thumbprint", member(v, "thumbprint_b64u"), tp);
    jot_free(tp);
    jot_key_free(key);
    key = NULL;
    check_err(&r, "bound to PS256 against its \"alg\"", JOT_ERR_ALG,
              jwk_parse_json(jwk, JOT_ALG_PS256, &key));
    check_true(&r, "no key on failure", key == NULL);
    jot_key_free(key);
    finish(&r);
    json_decref(v);
}

/* RFC 8037 A.2/A.3: thumbprint of the Ed25519 key, from either half. */
static void
test_8037_thumbprint(void **state)
{
    json_t *v = load("rfc8037_A_ed25519.json");
    const char *want = member(v, "jwk_thumbprint_sha256_b64u");
    struct run r = { "rfc8037-A.3", 0, 0 };
    jot_key *pub, *priv;
    char *tp = NULL;

    (void)state;
    pub = must_key(json_object_get(v, "jwk_public"), JOT_ALG_INVALID);
    priv = must_key(json_object_get(v, "jwk"), JOT_ALG_INVALID);
    check_true(&r, "Ed25519 binds EdDSA", jot_key_alg(pub) == JOT_ALG_EDDSA &&
                                          jot_key_alg(priv) == JOT_ALG_EDDSA);
    check_err(&r, "thumbprint of the public JWK", JOT_OK,
              jot_jwk_thumbprint(pub, &tp));
    check_str(&r, "public thumbprint", want, tp);
    jot_free(tp);
    tp = NULL;
    check_err(&r, "thumbprint of the private JWK", JOT_OK,
              jot_jwk_thumbprint(priv, &tp));
    check_str(&r, "private thumbprint", want, tp);
    jot_free(tp);
    jot_key_free(priv);
    jot_key_free(pub);
    finish(&r);
    json_decref(v);
}

static jot_err
jwks_parse_json(const json_t *set_json, jot_keyset **out)
{
    char *text = json_dumps(set_json, JSON_COMPACT);
    jot_err err;

    assert_non_null(text);
    err = jot_jwks_parse(text, strlen(text), out);
    free(text);
    return err;
}

/*
 * RFC 7517 A.1-A.3.  Keys that are not for signatures ("use":"enc"), or
 * that are bound to no JWS algorithm, are skipped (RFC 7517 §5):
 *   A.1, A.2: the EC key has "use":"enc"; the RSA key (RS256) is kept.
 *   A.3: the first key is for A128KW, not a JWS alg; the second, an
 *        HMAC key without "alg", could be any of HS256/384/512, so it
 *        cannot be bound to one algorithm either and is skipped.  Parsed
 *        on its own with an explicit HS256 it is the RFC 7515 A.1 key.
 */
static void
test_7517_jwks(void **state)
{
    json_t *v = load("rfc7517_A_jwks.json");
    json_t *a1 = load("rfc7515_A1_hs256.json");
    const json_t *sets = json_object_get(v, "sets");
    const json_t *a3_keys;
    struct run r = { member(v, "id"), 0, 0 };
    static const char *const names[] = { "A.1", "A.2" };
    jot_keyset *set = NULL;
    const jot_key *k;
    jot_key *key = NULL;
    size_t i;
    jot_err err;

    (void)state;
    for (i = 0; i < 2; i++) {
        err = jwks_parse_json(json_object_get(sets, names[i]), &set);
        check_err(&r, names[i], JOT_OK, err);
        if (err != JOT_OK)
            continue;
        check_true(&r, "one signing key", jot_keyset_count(set) == 1);
        k = jot_keyset_get(set, 0);
        check_true(&r, "jot_keyset_get(0)", k != NULL);
        if (k != NULL) {
            check_str(&r, "kid", "2011-04-29", jot_key_kid(k));
            check_true(&r, "RS256", jot_key_alg(k) == JOT_ALG_RS256);
            check_true(&r, "private only in A.2",
                       jot_key_is_private(k) == (int)i);
        }
        check_true(&r, "jot_keyset_get past the end",
                   jot_keyset_get(set, 1) == NULL);
        jot_keyset_free(set);
        set = NULL;
    }

    err = jwks_parse_json(json_object_get(sets, "A.3"), &set);
    check_err(&r, "A.3", JOT_OK, err);
    if (err == JOT_OK)
        check_true(&r, "A.3 has no JWS key", jot_keyset_count(set) == 0);
    jot_keyset_free(set);
    set = NULL;

    a3_keys = json_object_get(json_object_get(sets, "A.3"), "keys");
    check_err(&r, "A.3 A128KW key as a JWS key", JOT_ERR_ALG,
              jwk_parse_json(json_array_get(a3_keys, 0), JOT_ALG_INVALID,
                             &key));
    jot_key_free(key);
    key = NULL;
    check_err(&r, "A.3 HMAC key without alg", JOT_ERR_ALG,
              jwk_parse_json(json_array_get(a3_keys, 1), JOT_ALG_INVALID,
                             &key));
    jot_key_free(key);
    key = NULL;
    err = jwk_parse_json(json_array_get(a3_keys, 1), JOT_ALG_HS256, &key);
    check_err(&r, "A.3 HMAC key as HS256", JOT_OK, err);
    if (err == JOT_OK) {
        const char *compact = member(a1, "compact");

        check_str(&r, "A.3 kid", "HMACkeyusedinJWSspecAppendixA.1example",
                  jot_key_kid(key));
        set = set_of(key);
        check_err(&r, "A.3 HMAC key verifies RFC 7515 A.1", JOT_OK,
                  jws_try(&r, set, NULL, compact));
        jot_keyset_free(set);
    }
    jot_key_free(key);
    finish(&r);
    json_decref(a1);
    json_decref(v);
}

/*
 * RFC 7520 §3: the cookbook keys.  Each private key matches its public
 * half (same thumbprint, and what one signs the other verifies).
 */
static void
test_7520_keys(void **state)
{
    json_t *v = load("rfc7520_3_keys.json");
    const json_t *keys = json_object_get(v, "keys");
    struct run r = { member(v, "id"), 0, 0 };
    jot_key *ec_pub, *ec_priv, *rsa_pub, *rsa_priv, *hmac, *key = NULL;
    char *tp1 = NULL, *tp2 = NULL;
    unsigned char sig[SIG_CAP];
    size_t sig_len = 0;
    static const char msg[] = "The Fellowship of the Ring";

    (void)state;
    ec_pub = must_key(json_object_get(keys, "3.1 EC public key (P-521)"),
                      JOT_ALG_INVALID);
    ec_priv = must_key(json_object_get(keys, "3.2 EC private key (P-521)"),
                       JOT_ALG_INVALID);
    check_true(&r, "P-521 binds ES512", jot_key_alg(ec_pub) == JOT_ALG_ES512 &&
                                        jot_key_alg(ec_priv) == JOT_ALG_ES512);
    check_true(&r, "3.1 is public, 3.2 private",
               !jot_key_is_private(ec_pub) && jot_key_is_private(ec_priv));
    check_str(&r, "3.1 kid", "bilbo.baggins@hobbiton.example",
              jot_key_kid(ec_pub));

    /* RSA cannot be bound without "alg": RS* and PS* all fit. */
    check_err(&r, "3.3 without an alg", JOT_ERR_ALG,
              jwk_parse_json(json_object_get(keys, "3.3 RSA public key (2048)"),
                             JOT_ALG_INVALID, &key));
    jot_key_free(key);
    rsa_pub = must_key(json_object_get(keys, "3.3 RSA public key (2048)"),
                       JOT_ALG_PS384);
    rsa_priv = must_key(json_object_get(keys, "3.4 RSA private key (2048)"),
                        JOT_ALG_PS384);
    hmac = must_key(json_object_get(keys,
                                    "3.5 symmetric key (MAC computation)"),
                    JOT_ALG_INVALID);
    check_true(&r, "3.5 bound to HS256 by its \"alg\"",
               jot_key_alg(hmac) == JOT_ALG_HS256 && jot_key_is_private(hmac));

    check_err(&r, "thumbprint 3.1", JOT_OK, jot_jwk_thumbprint(ec_pub, &tp1));
    check_err(&r, "thumbprint 3.2", JOT_OK, jot_jwk_thumbprint(ec_priv, &tp2));
    check_true(&r, "EC halves share a thumbprint",
               tp1 != NULL && tp2 != NULL && strcmp(tp1, tp2) == 0);
    jot_free(tp1);
    jot_free(tp2);
    tp1 = tp2 = NULL;
    check_err(&r, "thumbprint 3.3", JOT_OK, jot_jwk_thumbprint(rsa_pub, &tp1));
    check_err(&r, "thumbprint 3.4", JOT_OK, jot_jwk_thumbprint(rsa_priv, &tp2));
    check_true(&r, "RSA halves share a thumbprint",
               tp1 != NULL && tp2 != NULL && strcmp(tp1, tp2) == 0);
    jot_free(tp1);
    jot_free(tp2);

    check_err(&r, "ES512 sign with 3.2", JOT_OK,
              jot_key_sign(ec_priv, msg, sizeof msg - 1, sig, sizeof sig,
                           &sig_len));
    check_true(&r, "ES512 signature is 132 octets", sig_len == 132);
    check_err(&r, "ES512 verify with 3.1", JOT_OK,
              jot_key_verify(ec_pub, msg, sizeof msg - 1, sig, sig_len));
    check_err(&r, "PS384 sign with 3.4", JOT_OK,
              jot_key_sign(rsa_priv, msg, sizeof msg - 1, sig, sizeof sig,
                           &sig_len));
    check_true(&r, "PS384 signature is 256 octets", sig_len == 256);
    check_err(&r, "PS384 verify with 3.3", JOT_OK,
              jot_key_verify(rsa_pub, msg, sizeof msg - 1, sig, sig_len));
    check_err(&r, "HMAC key refuses the RSA signature", JOT_ERR_BAD_SIGNATURE,
              jot_key_verify(hmac, msg, sizeof msg - 1, sig, sig_len));

    jot_key_free(hmac);
    jot_key_free(rsa_priv);
    jot_key_free(rsa_pub);
    jot_key_free(ec_priv);
    jot_key_free(ec_pub);
    finish(&r);
    json_decref(v);
}

#define JWS_VECTOR(file) { file, test_jws_vector, NULL, NULL, (void *)file }

int
main(void)
{
    const struct CMUnitTest tests[] = {
        JWS_VECTOR("rfc7515_A1_hs256.json"),
        JWS_VECTOR("rfc7515_A2_rs256.json"),
        JWS_VECTOR("rfc7515_A3_es256.json"),
        JWS_VECTOR("rfc7515_A4_es512.json"),
        JWS_VECTOR("rfc7520_4_1_rs256.json"),
        JWS_VECTOR("rfc7520_4_2_ps384.json"),
        JWS_VECTOR("rfc7520_4_3_es512.json"),
        JWS_VECTOR("rfc7520_4_4_hs256.json"),
        JWS_VECTOR("rfc8037_A_ed25519.json"),
        cmocka_unit_test(test_7515_a5_none),
        cmocka_unit_test(test_7520_4_5_detached),
        cmocka_unit_test(test_7638_thumbprint),
        cmocka_unit_test(test_8037_thumbprint),
        cmocka_unit_test(test_7517_jwks),
        cmocka_unit_test(test_7520_keys),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
