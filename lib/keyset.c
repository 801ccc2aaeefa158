/*
 * keyset.c - sets of keys, and JWK Sets (RFC 7517 §5).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct jot_keyset {
    atomic_size_t refs;
    size_t n_keys;
    jot_key *keys[JOT_MAX_KEYS];
};

jot_err
jot_keyset_new(jot_keyset **out)
{
    jot_keyset *set = calloc(1, sizeof *set);

    *out = NULL;
    if (set == NULL)
        return JOT_ERR_NOMEM;
    atomic_init(&set->refs, 1);
    *out = set;
    return JOT_OK;
}

jot_err
jot_keyset_add(jot_keyset *set, jot_key *key)
{
    size_t i;

    if (set == NULL || key == NULL)
        return JOT_ERR_INVAL;
    if (set->n_keys == JOT_MAX_KEYS)
        return JOT_ERR_TOO_LARGE;
    /* A (kid, alg) pair must name one key, or a verifier could not tell
     * which one a token means. */
    for (i = 0; i < set->n_keys; i++) {
        const jot_key *k = set->keys[i];
        if (k->alg == key->alg && k->kid != NULL && key->kid != NULL &&
            strcmp(k->kid, key->kid) == 0)
            return JOT_ERR_INVAL;
    }
    set->keys[set->n_keys++] = jot_key_ref(key);
    return JOT_OK;
}

size_t
jot_keyset_count(const jot_keyset *set)
{
    return set ? set->n_keys : 0;
}

const jot_key *
jot_keyset_get(const jot_keyset *set, size_t i)
{
    return set != NULL && i < set->n_keys ? set->keys[i] : NULL;
}

jot_keyset *
jot_keyset_ref(jot_keyset *set)
{
    if (set != NULL)
        atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
    return set;
}

void
jot_keyset_free(jot_keyset *set)
{
    size_t i;

    if (set == NULL)
        return;
    if (atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (i = 0; i < set->n_keys; i++)
        jot_key_free(set->keys[i]);
    free(set);
}

jot_err
jot_jwks_parse(const char *json, size_t json_len, jot_keyset **out)
{
    json_t *root = NULL, *keys, *jwk;
    jot_keyset *set = NULL;
    jot_key *key = NULL;
    size_t i;
    jot_err err;

    *out = NULL;
    if (json == NULL)
        return JOT_ERR_INVAL;
    if (json_len > JOT_MAX_JWK_LEN)
        return JOT_ERR_TOO_LARGE;
    err = jot__json_object(json, json_len, &root);
    if (err != JOT_OK)
        return err;
    keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        err = JOT_ERR_MALFORMED;
        goto out;
    }
    err = jot_keyset_new(&set);
    if (err != JOT_OK)
        goto out;
    json_array_foreach(keys, i, jwk) {
        err = jot__jwk_from_json(jwk, JOT_ALG_INVALID, &key);
        if (err == JOT_ERR_ALG || err == JOT_ERR_KEY)
            continue;           /* not a JWS signing key: skip, §5 */
        if (err != JOT_OK)
            goto out;
        err = jot_keyset_add(set, key);
        jot_key_free(key);
        key = NULL;
        if (err != JOT_OK)
            goto out;
    }
    err = JOT_OK;
    *out = set;
    set = NULL;
out:
    jot_keyset_free(set);
    json_decref(root);
    return err;
}

jot_err
jot_jwks_export(const jot_keyset *set, unsigned flags, char **out)
{
    size_t i, len = 0, cap = 64, n;
    char *buf = NULL, *jwk = NULL, *grown;
    jot_err err = JOT_OK;
    int first = 1;

    *out = NULL;
    if (set == NULL)
        return JOT_ERR_INVAL;
    buf = malloc(cap);
    if (buf == NULL)
        return JOT_ERR_NOMEM;
    memcpy(buf, "{\"keys\":[", 9);
    len = 9;
    for (i = 0; i < set->n_keys; i++) {
        const jot_key *key = set->keys[i];
        if (!(flags & JOT_JWK_PRIVATE) && key->info->family == FAM_HMAC)
            continue;           /* a secret has no public half */
        err = jot_jwk_export(key, flags, &jwk);
        if (err != JOT_OK)
            goto out;
        n = strlen(jwk);
        if (len + n + 4 > cap) {
            cap = (len + n + 4) * 2;
            grown = malloc(cap);
            if (grown == NULL) {
                err = JOT_ERR_NOMEM;
                goto out;
            }
            memcpy(grown, buf, len);
            jot_free_wiped(buf, len);
            buf = grown;
        }
        if (!first)
            buf[len++] = ',';
        memcpy(buf + len, jwk, n);
        len += n;
        first = 0;
        jot_free_wiped(jwk, n);
        jwk = NULL;
    }
    memcpy(buf + len, "]}", 3);
    *out = buf;
    buf = NULL;
out:
    if (jwk != NULL)
        jot_free_wiped(jwk, strlen(jwk));
    if (buf != NULL)
        jot_free_wiped(buf, len);
    return err;
}
