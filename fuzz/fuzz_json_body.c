/*
 * fuzz_json_body.c - a JSON body as jotd reads it, and claims as libjot
 * signs and reads them.
 *
 * jotd's own body check (jotd_json_body of src/server/http/request.c:
 * libjot's depth check, then jansson with JSON_REJECT_DUPLICATES, an
 * object required) must agree with jansson alone on the input; and
 * libjot's strict JSON rules are compared with jansson too: the input is
 * signed as the claims of a token with jot_jwt_sign, and the token read
 * back through jot_jwt_decode, jot_jwt_verify and every claim accessor.
 *
 * The "username" member of the body, and the input itself as raw bytes,
 * also go through jotd_username_key, which jotd applies to the names of
 * signup and login.
 *
 * Properties (any failure aborts): jot_jwt_sign accepts exactly the
 * inputs of at most JOT_MAX_TOKEN_LEN octets that jansson (rejecting
 * duplicates) reads as an object nested at most JOT_MAX_JSON_DEPTH deep;
 * the token it makes decodes and verifies (up to claim checks) with
 * the payload byte for byte the input and the claims equal to jansson's
 * reading; each accessor agrees with jansson on every member.  A name
 * jotd_username_key accepts is 1 to JOTD_USERNAME_MAX octets of UTF-8
 * (as jansson sees it) without control characters, and its key is the
 * name with A-Z lowered; a valid UTF-8 name of that length whose every
 * octet is a printable character of ASCII is always accepted.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "http/http.h"

static jot_key *hs256;
static jot_keyset *keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hs256 = fuzz_key(FUZZ_JWK_HS256, JOT_ALG_HS256);
    CHECK(jot_keyset_new(&keys) == JOT_OK);
    CHECK(jot_keyset_add(keys, hs256) == JOT_OK);
    return 0;
}

/* jotd_username_key on name (len octets), against the rules above. */
static void
check_username(const char *name, size_t len)
{
    char *key = malloc(JOTD_USERNAME_MAX + 1);
    json_t *as_json = json_stringn(name, len);  /* NULL if not UTF-8 */
    size_t i;
    int printable = len > 0 && len <= JOTD_USERNAME_MAX;

    CHECK(key != NULL);
    for (i = 0; i < len; i++)
        printable &= name[i] >= 0x20 && name[i] < 0x7f;
    if (jotd_username_key(name, len, key) == 0) {
        CHECK(len > 0 && len <= JOTD_USERNAME_MAX);
        CHECK(as_json != NULL);
        for (i = 0; i < len; i++) {
            unsigned char c = (unsigned char)name[i];
            unsigned char k = (unsigned char)key[i];

            CHECK(c >= 0x20 && c != 0x7f);
            CHECK(k == (c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
        CHECK(key[len] == '\0');
    } else {
        CHECK(!printable);
    }
    json_decref(as_json);
    free(key);
}

/* The nesting depth of j: containers, the top level counting 1. */
static size_t
depth(const json_t *j)
{
    const char *name;
    const json_t *v;
    size_t i, d, max = 0;

    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, name, v) {
            d = depth(v);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            d = depth(v);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    return 0;
}

/* Each accessor on member name agrees with jansson's value v. */
static void
check_member(const jot_jwt *jwt, const char *name, const json_t *v)
{
    const char *s;
    int64_t t;
    size_t i, n;
    int all_strings = json_is_array(v);

    if (json_is_string(v)) {
        CHECK(jot_jwt_claim_string(jwt, name, &s) == JOT_OK);
        CHECK(strcmp(s, json_string_value(v)) == 0);
    } else {
        CHECK(jot_jwt_claim_string(jwt, name, &s) == JOT_ERR_CLAIM);
        CHECK(s == NULL);
    }
    if (json_is_integer(v)) {
        CHECK(jot_jwt_claim_int(jwt, name, &t) == JOT_OK);
        CHECK(t == json_integer_value(v));
    } else if (json_is_real(v) && fabs(json_real_value(v)) < 9.2e18) {
        CHECK(jot_jwt_claim_int(jwt, name, &t) == JOT_OK);
        CHECK(t == (int64_t)json_real_value(v));
    } else if (!json_is_real(v)) {
        CHECK(jot_jwt_claim_int(jwt, name, &t) == JOT_ERR_CLAIM);
    }
    if (json_is_array(v)) {
        const json_t *e;

        json_array_foreach(v, i, e)
            all_strings &= json_is_string(e);
    }
    if (all_strings) {
        CHECK(jot_jwt_claim_array_len(jwt, name, &n) == JOT_OK);
        CHECK(n == json_array_size(v));
        for (i = 0; i < n; i++) {
            CHECK(jot_jwt_claim_array_string(jwt, name, i, &s) == JOT_OK);
            CHECK(strcmp(s, json_string_value(json_array_get(v, i))) == 0);
        }
        CHECK(jot_jwt_claim_array_string(jwt, name, n, &s) ==
              JOT_ERR_CLAIM);
    } else {
        CHECK(jot_jwt_claim_array_len(jwt, name, &n) == JOT_ERR_CLAIM);
    }
}

/* The claims of jwt are the input, and jansson's reading of it. */
static void
check_claims(const jot_jwt *jwt, const char *body, size_t len,
             const json_t *root)
{
    const unsigned char *payload;
    size_t payload_len;
    char *claims = NULL;
    const char *name;
    json_t *again, *v;

    jot_jws_payload(jot_jwt_jws(jwt), &payload, &payload_len);
    CHECK(payload_len == len && memcmp(payload, body, len) == 0);
    CHECK(jot_jwt_claims_json(jwt, &claims) == JOT_OK);
    again = json_loads(claims, JSON_REJECT_DUPLICATES, NULL);
    CHECK(again != NULL && json_equal(again, root));
    json_decref(again);
    jot_free(claims);
    json_object_foreach((json_t *)root, name, v)
        check_member(jwt, name, v);
    CHECK(jot_jwt_claim_string(jwt, "\x01 not a member", &name) ==
          JOT_ERR_CLAIM);
}

/*
 * Reads the token made from the claims back.  Claims of up to
 * JOT_MAX_TOKEN_LEN octets make a token longer than that, which
 * jot_jwt_decode refuses; jot_jwt_verify is then told the length.
 */
static void
check_token(const char *tok, const char *body, size_t len, const json_t *root)
{
    struct jot_verify_opts opts = {
        .flags = JOT_VERIFY_EXP_OPTIONAL | JOT_VERIFY_IGNORE_TIME,
    };
    size_t tok_len = strlen(tok);
    jot_jwt *jwt = NULL;
    jot_err err;

    err = jot_jwt_decode(tok, tok_len, &jwt);
    if (tok_len <= JOT_MAX_TOKEN_LEN) {
        CHECK(err == JOT_OK);
        check_claims(jwt, body, len, root);
    } else {
        CHECK(err == JOT_ERR_TOO_LARGE);
        opts.max_token_len = tok_len;
    }
    jot_jwt_free(jwt);

    /* Signed by the key of the set: only the claim types can fail. */
    jwt = NULL;
    err = jot_jwt_verify(keys, &opts, tok, tok_len, &jwt);
    CHECK(err == JOT_OK || err == JOT_ERR_CLAIM);
    CHECK((err == JOT_OK) == (jwt != NULL));
    if (jwt != NULL)
        check_claims(jwt, body, len, root);
    jot_jwt_free(jwt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    json_error_t error;
    json_t *root;
    char *tok = NULL;
    int acceptable;
    jot_err err;

    /* jansson with duplicates refused, then the depth rule: jotd's own
     * body check (jotd_json_body) must agree with it exactly. */
    root = json_loadb(body, size, JSON_REJECT_DUPLICATES, &error);
    {
        const char *why = NULL;
        json_t *mine = jotd_json_body(body, size, &why);
        int want = json_is_object(root) && depth(root) <= 32;

        CHECK((mine != NULL) == want);
        CHECK(mine == NULL ? why != NULL : json_equal(mine, root));
        json_decref(mine);
    }
    acceptable = json_is_object(root) && depth(root) <= JOT_MAX_JSON_DEPTH &&
                 size <= JOT_MAX_TOKEN_LEN;

    err = jot_jwt_sign(hs256, "JWT", body, size, &tok);
    if (acceptable) {
        const json_t *name = json_object_get(root, "username");

        CHECK(err == JOT_OK);
        check_token(tok, body, size, root);
        if (json_is_string(name))
            check_username(json_string_value(name),
                           json_string_length(name));
    } else {
        CHECK(err != JOT_OK && tok == NULL);
        if (root == NULL && size <= JOT_MAX_TOKEN_LEN &&
            json_error_code(&error) == json_error_duplicate_key)
            CHECK(err == JOT_ERR_DUPLICATE || err == JOT_ERR_DEPTH);
    }
    jot_free(tok);
    json_decref(root);
    check_username(body, size);
    return 0;
}
