/*
 * admin_keys.c - the signing keys as the administration sees them:
 * their listing with states and dates, and rotation (API.md
 * "Administration"), over core/keys.c, which "jotd keys" uses too.
 */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/audit.h"
#include "core/keys.h"

/* An RFC 3339 time, or null for 0 ("never"). */
static json_t *
when(int64_t ms)
{
    char text[32];

    if (ms == 0)
        return json_null();
    jotd_rfc3339(ms, text);
    return json_string(text);
}

/*
 * A stored key as the listing shows it: its public JWK (none for an
 * HMAC key, whose only half is secret) with its state and dates.
 */
static json_t *
key_json(const struct jotd_config *cfg, const struct jotd_signing_key *k,
         int64_t now)
{
    json_t *o = NULL;
    int64_t expires;
    const char *state = jotd_key_state(cfg, k, now, &expires);

    if (k->public_jwk != NULL)
        o = json_loads(k->public_jwk, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    if (o != NULL &&
        (json_object_set_new(o, "kid", json_string(k->kid)) ||
         json_object_set_new(o, "alg", json_string(k->alg)) ||
         json_object_set_new(o, "status", json_string(state)) ||
         json_object_set_new(o, "created_at", when(k->created_at)) ||
         json_object_set_new(o, "activated_at", when(k->activated_at)) ||
         json_object_set_new(o, "retired_at", when(k->retired_at)) ||
         json_object_set_new(o, "expires_at", when(expires)))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

struct listing {
    const struct jotd_config *cfg;
    int64_t now;
    json_t *keys;
    const char *kid;            /* only this one, or NULL: all */
};

static int
add_key(void *ctx, const struct jotd_signing_key *k)
{
    struct listing *l = ctx;

    if (l->kid != NULL && strcmp(l->kid, k->kid) != 0)
        return 0;
    return json_array_append_new(l->keys, key_json(l->cfg, k, l->now)) != 0;
}

/* The keys (only kid when not NULL) as a JSON array into l->keys. */
static jotd_err
list_keys(struct jotd_req *r, jotd_store *st, const char *kid,
          struct listing *l)
{
    l->cfg = r->cfg;
    l->now = jotd_now_ms();
    l->kid = kid;
    l->keys = json_array();
    if (l->keys == NULL)
        return JOTD_ERR_NOMEM;
    return jotd_keys_each(st, add_key, l);
}

void
jotd_h_admin_keys(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    struct listing l;
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0)
        return;
    err = list_keys(r, st, NULL, &l);
    if (err != JOTD_OK) {
        json_decref(l.keys);
        jotd_resp_fail(r, err, NULL);
        return;
    }
    jotd_resp_json(r, 200, json_pack("{s:o}", "keys", l.keys));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

void
jotd_h_admin_keys_rotate(struct jotd_req *r, jotd_store *st)
{
    jot_alg alg = r->cfg->alg;
    char kid[128], err_text[256], detail[192];
    const char *name;
    struct jotd_op op;
    struct listing l = {0};
    size_t len;
    jotd_err err;
    int bad = 0, n;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0)
        return;
    name = r->json != NULL ? jotd_req_string(r, "alg", &len, &bad) : NULL;
    if (bad)
        return;
    if (name != NULL && jot_alg_from_name(name, len, &alg) != JOT_OK) {
        jotd_resp_fail(r, JOTD_ERR_INVALID, "alg is not a JWS algorithm "
                                            "jotd signs with");
        return;
    }
    err = jotd_keys_rotate(r->j, st, alg, kid, err_text, sizeof err_text);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, NULL);
        return;
    }
    n = snprintf(detail, sizeof detail, "{\"by\":\"%s\",\"kid\":\"%s\"}",
                 r->who.sub, kid);
    jotd_audit(st, r->ip, "key_rotated", r->who.sub, NULL,
               n > 0 && (size_t)n < sizeof detail ? detail : NULL);
    /* This node signs with the new key from now on; the others load it
     * when they hear of the key change (within key_sync seconds).  If
     * this load fails, the sync thread's next one does it. */
    (void)jotd_keys_load(r->j, st, 0, err_text, sizeof err_text);
    err = list_keys(r, st, kid, &l);
    if (err != JOTD_OK || json_array_size(l.keys) != 1) {
        json_decref(l.keys);
        jotd_resp_fail(r, err != JOTD_OK ? err : JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_resp_json(r, 201, json_incref(json_array_get(l.keys, 0)));
    json_decref(l.keys);
    jotd_resp_header(r, "Cache-Control", "no-store");
}
