/*
 * jws.c - compact JWS (RFC 7515 §7.1): parse, pick the key, verify, sign.
 * The order of the checks is the contract in jws.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* The three segments of a compact token, located without decoding. */
struct segments {
    const char *h, *p, *s;
    size_t h_len, p_len, s_len;
};

/* Splits tok at its two dots; anything but three non-empty segments is
 * malformed.  memchr keeps this linear however many dots there are. */
static jot_err
split(const char *tok, size_t tok_len, struct segments *seg)
{
    const char *end = tok + tok_len, *d1, *d2;

    d1 = memchr(tok, '.', tok_len);
    if (d1 == NULL)
        return JOT_ERR_MALFORMED;
    d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
    if (d2 == NULL || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) != NULL)
        return JOT_ERR_MALFORMED;
    seg->h = tok;
    seg->h_len = (size_t)(d1 - tok);
    seg->p = d1 + 1;
    seg->p_len = (size_t)(d2 - d1 - 1);
    seg->s = d2 + 1;
    seg->s_len = (size_t)(end - d2 - 1);
    /* An empty signature is refused later, once the header has been
     * read: "alg":"none" then gets the more telling JOT_ERR_ALG. */
    if (seg->h_len == 0 || seg->p_len == 0)
        return JOT_ERR_MALFORMED;
    return JOT_OK;
}

/* Reads and checks the protected header: alg, crit, b64, kid. */
static jot_err
read_header(json_t *header, jot_alg *alg, const json_t **kid)
{
    const json_t *a = json_object_get(header, "alg");

    if (!json_is_string(a))
        return JOT_ERR_ALG;     /* RFC 7515 §4.1.1: alg is REQUIRED */
    if (jot_alg_from_name(json_string_value(a), json_string_length(a),
                          alg) != JOT_OK)
        return JOT_ERR_ALG;
    /* RFC 7515 §4.1.11: a recipient MUST reject a JWS whose crit names
     * an extension it does not understand; libjot understands none, and
     * an empty or ill-typed crit is invalid anyway.  RFC 7797 "b64" is an
     * extension too: its payload would be read differently. */
    if (json_object_get(header, "crit") != NULL ||
        json_object_get(header, "b64") != NULL)
        return JOT_ERR_CRIT;
    *kid = json_object_get(header, "kid");
    if (*kid != NULL && !json_is_string(*kid))
        return JOT_ERR_MALFORMED;
    return JOT_OK;
}

static int
alg_allowed(const struct jot_verify_opts *opts, jot_alg alg)
{
    size_t i;

    if (opts == NULL || opts->n_algs == 0)
        return 1;
    for (i = 0; i < opts->n_algs; i++)
        if (opts->algs[i] == alg)
            return 1;
    return 0;
}

/* Finds the key for the token and checks the signature with it. */
static jot_err
verify_signature(const jot_keyset *keys, jot_alg alg, const json_t *kid,
                 const char *input, size_t input_len,
                 const unsigned char *sig, size_t sig_len, jot_key **used)
{
    size_t i, n = jot_keyset_count(keys), kid_len = 0;
    const char *kid_s = NULL;
    jot_err err = n ? JOT_ERR_ALG : JOT_ERR_KEY_NOT_FOUND;
    int kid_seen = 0;

    *used = NULL;
    if (kid != NULL) {
        kid_s = json_string_value(kid);
        kid_len = json_string_length(kid);
        err = JOT_ERR_KEY_NOT_FOUND;
    }
    for (i = 0; i < n; i++) {
        jot_key *key = (jot_key *)jot_keyset_get(keys, i);
        if (kid_s != NULL) {
            if (key->kid == NULL || strlen(key->kid) != kid_len ||
                memcmp(key->kid, kid_s, kid_len) != 0)
                continue;
            kid_seen = 1;
            err = JOT_ERR_ALG;
        }
        /* The algorithm comes from the key; the header only has to agree
         * with it (RFC 8725 §3.1). */
        if (key->alg != alg)
            continue;
        err = jot_key_verify(key, input, input_len, sig, sig_len);
        if (err == JOT_OK) {
            *used = jot_key_ref(key);
            return JOT_OK;
        }
        if (kid_seen)
            return err;         /* (kid, alg) names one key only */
    }
    return err;
}

/* Compares typ values as RFC 7515 §4.1.9 asks: case-insensitively, with
 * an "application/" prefix optional. */
static int
typ_matches(const char *got, size_t got_len, const char *want)
{
    static const char prefix[] = "application/";
    size_t pre = sizeof prefix - 1, want_len = strlen(want);

    if (got_len > pre && strncasecmp(got, prefix, pre) == 0) {
        got += pre;
        got_len -= pre;
    }
    if (want_len > pre && strncasecmp(want, prefix, pre) == 0) {
        want += pre;
        want_len -= pre;
    }
    return got_len == want_len && strncasecmp(got, want, got_len) == 0;
}

static jot_err
check_typ(const json_t *header, const char *want)
{
    const json_t *typ = json_object_get(header, "typ");

    if (want == NULL)
        return JOT_OK;
    if (!json_is_string(typ) ||
        !typ_matches(json_string_value(typ), json_string_length(typ), want))
        return JOT_ERR_TYPE;
    return JOT_OK;
}

static jot_err build_header(const jot_key *key, const char *typ, char *hdr,
                            size_t hdr_cap, size_t *hdr_len);

/*
 * The fast path for the common case: when the header is byte for byte
 * the one jot_jws_sign writes for one of the keys that have a kid (with
 * the expected typ), its content is known without parsing it, and that
 * key is the one the full path would find (a (kid, alg) pair names one
 * key).  Anything else, however slightly different, takes the full path.
 * Returns the key, or NULL.
 */
static jot_key *
known_header(const jot_keyset *keys, const struct jot_verify_opts *opts,
             const unsigned char *hdr, size_t hdr_len)
{
    size_t i, n = jot_keyset_count(keys), want_len;
    char want[1024];

    /* A token's header names its alg first: {"alg":"XXXXX" */
    if (hdr_len < 16 || memcmp(hdr, "{\"alg\":\"", 8) != 0)
        return NULL;
    for (i = 0; i < n && i < 8; i++) {
        jot_key *key = (jot_key *)jot_keyset_get(keys, i);
        if (key->kid == NULL || !alg_allowed(opts, key->alg) ||
            memcmp(hdr + 8, key->info->name, strlen(key->info->name)) != 0)
            continue;
        if (build_header(key, opts ? opts->typ : NULL, want, sizeof want,
                         &want_len) == JOT_OK &&
            want_len == hdr_len && memcmp(want, hdr, hdr_len) == 0)
            return key;
    }
    return NULL;
}

jot_err
jot__jws_parse(const jot_keyset *keys, const struct jot_verify_opts *opts,
               int verify, const char *tok, size_t tok_len, jot_jws **out)
{
    size_t max = opts && opts->max_token_len ? opts->max_token_len
                                             : JOT_MAX_TOKEN_LEN;
    struct segments seg;
    jot_jws *jws = NULL;
    const json_t *kid = NULL;
    json_t *header = NULL;
    jot_key *key;
    unsigned char *hdr, *sig;
    size_t hdr_len, sig_len, cap;
    jot_err err;

    *out = NULL;
    if (tok == NULL || (verify && keys == NULL))
        return JOT_ERR_INVAL;
    if (tok_len > max)
        return JOT_ERR_TOO_LARGE;      /* before any decoding */
    err = split(tok, tok_len, &seg);
    if (err != JOT_OK)
        return err;
    /* One allocation holds the result and the three decoded segments:
     * header | sig | payload.  Each decoded segment is shorter than its
     * encoding, so tok_len + 3 bounds them. */
    cap = tok_len + 3;
    jws = malloc(sizeof *jws + cap);
    if (jws == NULL)
        return JOT_ERR_NOMEM;
    memset(jws, 0, sizeof *jws);
    hdr = jws->buf;
    err = jot_b64url_decode(seg.h, seg.h_len, hdr, cap, &hdr_len);
    if (err != JOT_OK)
        goto out;
    sig = hdr + hdr_len;
    err = jot_b64url_decode(seg.s, seg.s_len, sig, cap - hdr_len, &sig_len);
    if (err != JOT_OK)
        goto out;
    jws->payload = sig + sig_len;
    err = jot_b64url_decode(seg.p, seg.p_len, (unsigned char *)jws->payload,
                            cap - hdr_len - sig_len, &jws->payload_len);
    if (err != JOT_OK)
        goto out;
    jws->hdr = hdr;
    jws->hdr_len = hdr_len;
    if (verify && (key = known_header(keys, opts, hdr, hdr_len)) != NULL) {
        /* Steps 3-7 and 9 hold by construction; the header is parsed
         * later only if someone asks for it. */
        jws->alg = key->alg;
        err = sig_len == 0 ? JOT_ERR_MALFORMED
                           : jot_key_verify(key, tok, seg.h_len + 1 +
                                                          seg.p_len,
                                            sig, sig_len);
        if (err == JOT_OK)
            jws->key = jot_key_ref(key);
        goto out;
    }
    err = jot__json_object(hdr, hdr_len, &header);
    if (err != JOT_OK)
        goto out;
    atomic_init(&jws->header, header);
    err = read_header(header, &jws->alg, &kid);
    if (!verify) {
        /* Decoding shows even an alg of "none", but not a token without
         * a signature, which is not a JWS at all. */
        err = sig_len ? JOT_OK : JOT_ERR_MALFORMED;
        goto out;
    }
    if (err != JOT_OK)
        goto out;
    if (!alg_allowed(opts, jws->alg)) {
        err = JOT_ERR_ALG;
        goto out;
    }
    if (sig_len == 0) {
        err = JOT_ERR_MALFORMED;        /* RFC 7515 §7.1: no unsecured JWS */
        goto out;
    }
    err = verify_signature(keys, jws->alg, kid, tok,
                           seg.h_len + 1 + seg.p_len, sig, sig_len,
                           &jws->key);
    if (err != JOT_OK)
        goto out;
    err = check_typ(header, opts ? opts->typ : NULL);
out:
    if (err != JOT_OK) {
        jot_jws_free(jws);
        return err;
    }
    *out = jws;
    return JOT_OK;
}

jot_err
jot_jws_verify(const jot_keyset *keys, const struct jot_verify_opts *opts,
               const char *tok, size_t tok_len, jot_jws **out)
{
    return jot__jws_parse(keys, opts, 1, tok, tok_len, out);
}

jot_err
jot_jws_decode(const char *tok, size_t tok_len, jot_jws **out)
{
    return jot__jws_parse(NULL, NULL, 0, tok, tok_len, out);
}

/*
 * Writes s as a JSON string (with its quotes) to *out: s itself when it
 * needs no escaping, else a copy jansson quoted, which *to_free holds.
 */
static jot_err
quote(const char *s, const char **out, size_t *out_len, char **to_free)
{
    const unsigned char *c;
    json_t *j;

    *to_free = NULL;
    for (c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            break;
    if (*c == '\0') {
        *out = s;
        *out_len = (size_t)(c - (const unsigned char *)s);
        return JOT_OK;
    }
    j = json_string(s);
    if (j == NULL)
        return JOT_ERR_MALFORMED;       /* not UTF-8 */
    *to_free = json_dumps(j, JSON_ENCODE_ANY);
    json_decref(j);
    if (*to_free == NULL)
        return JOT_ERR_NOMEM;
    /* Drop the quotes jansson added; the caller writes its own. */
    *out = *to_free + 1;
    *out_len = strlen(*to_free) - 2;
    return JOT_OK;
}

/* Appends n octets to buf at *len, within cap. */
static jot_err
put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (n > cap - *len)
        return JOT_ERR_TOO_LARGE;
    memcpy(buf + *len, s, n);
    *len += n;
    return JOT_OK;
}

/* Builds {"alg":..,"typ":..,"kid":..} into hdr (hdr_cap octets). */
static jot_err
build_header(const jot_key *key, const char *typ, char *hdr, size_t hdr_cap,
             size_t *hdr_len)
{
    const char *q;
    char *typ_free = NULL, *kid_free = NULL;
    size_t q_len, len = 0;
    jot_err err;

    err = put(hdr, hdr_cap, &len, "{\"alg\":\"", 8);
    if (err == JOT_OK)
        err = put(hdr, hdr_cap, &len, key->info->name,
                  strlen(key->info->name));
    if (err == JOT_OK)
        err = put(hdr, hdr_cap, &len, "\"", 1);
    if (err == JOT_OK && typ != NULL) {
        err = quote(typ, &q, &q_len, &typ_free);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, ",\"typ\":\"", 8);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, q, q_len);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, "\"", 1);
    }
    if (err == JOT_OK && key->kid != NULL) {
        err = quote(key->kid, &q, &q_len, &kid_free);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, ",\"kid\":\"", 8);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, q, q_len);
        if (err == JOT_OK)
            err = put(hdr, hdr_cap, &len, "\"", 1);
    }
    if (err == JOT_OK)
        err = put(hdr, hdr_cap, &len, "}", 1);
    free(typ_free);
    free(kid_free);
    *hdr_len = len;
    return err;
}

jot_err
jot_jws_sign(const jot_key *key, const char *typ, const void *payload,
             size_t payload_len, char **out)
{
    char hdr[1024];
    unsigned char sig[2048];
    size_t hdr_len, sig_len, len, n, total;
    char *tok = NULL;
    jot_err err;

    *out = NULL;
    if (key == NULL || (payload == NULL && payload_len > 0))
        return JOT_ERR_INVAL;
    if (!key->is_private)
        return JOT_ERR_KEY;
    if (payload_len > JOT_MAX_JWK_LEN * 16)
        return JOT_ERR_TOO_LARGE;
    err = build_header(key, typ, hdr, sizeof hdr, &hdr_len);
    if (err != JOT_OK)
        return err;
    total = jot_b64url_encoded_len(hdr_len) + 1 +
            jot_b64url_encoded_len(payload_len) + 1 +
            jot_b64url_encoded_len(sizeof sig) + 1;
    tok = malloc(total);
    if (tok == NULL)
        return JOT_ERR_NOMEM;
    err = jot_b64url_encode(hdr, hdr_len, tok, total, &len);
    if (err != JOT_OK)
        goto out;
    tok[len++] = '.';
    err = jot_b64url_encode(payload, payload_len, tok + len, total - len, &n);
    if (err != JOT_OK)
        goto out;
    len += n;
    err = jot_key_sign(key, tok, len, sig, sizeof sig, &sig_len);
    if (err != JOT_OK)
        goto out;
    tok[len++] = '.';
    err = jot_b64url_encode(sig, sig_len, tok + len, total - len, &n);
    if (err != JOT_OK)
        goto out;
    *out = tok;
    tok = NULL;
out:
    free(tok);
    return err;
}

void
jot_jws_payload(const jot_jws *jws, const unsigned char **out,
                size_t *out_len)
{
    *out = jws ? jws->payload : NULL;
    *out_len = jws ? jws->payload_len : 0;
}

/*
 * The parsed header, parsing it now if the fast path skipped it.  Two
 * threads reading one result may both parse; one of them installs its
 * copy and the other frees its own, so the result stays safe to share.
 */
static const json_t *
header_of(const jot_jws *jws)
{
    jot_jws *w = (jot_jws *)jws;    /* the header is a cache: logically
                                       constant */
    json_t *h = atomic_load_explicit(&w->header, memory_order_acquire);
    json_t *none = NULL;

    if (h != NULL || jot__json_object(w->hdr, w->hdr_len, &h) != JOT_OK)
        return h;
    if (!atomic_compare_exchange_strong(&w->header, &none, h)) {
        json_decref(h);
        return none;
    }
    return h;
}

jot_err
jot_jws_header_string(const jot_jws *jws, const char *name,
                      const char **out)
{
    const json_t *v = jws ? json_object_get(header_of(jws), name) : NULL;

    *out = NULL;
    if (!json_is_string(v))
        return JOT_ERR_MALFORMED;
    *out = json_string_value(v);
    return JOT_OK;
}

jot_err
jot_jws_header_json(const jot_jws *jws, char **out)
{
    *out = NULL;
    if (jws == NULL)
        return JOT_ERR_INVAL;
    if (header_of(jws) == NULL)
        return JOT_ERR_MALFORMED;
    return jot__json_dump(header_of(jws), out);
}

jot_alg
jot_jws_alg(const jot_jws *jws)
{
    return jws ? jws->alg : JOT_ALG_INVALID;
}

const jot_key *
jot_jws_key(const jot_jws *jws)
{
    return jws ? jws->key : NULL;
}

void
jot_jws_free(jot_jws *jws)
{
    if (jws == NULL)
        return;
    json_decref(atomic_load(&jws->header));
    jot_key_free(jws->key);
    free(jws);
}
