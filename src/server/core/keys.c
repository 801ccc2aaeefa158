/*
 * keys.c - signing keys: creation, sealing, loading, rotation.
 *
 * Every node reads the same table, so every node signs with the same
 * active key and publishes the same JWKS.  A retired key stays in the
 * verification set and the JWKS for access_ttl + jwks_max_age after its
 * retirement: long enough for every token it signed to expire and for
 * every cached copy of the JWKS to be refreshed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"

struct jotd_keys *
jotd_keys_current(struct jotd *j)
{
    return atomic_load_explicit(&j->keys, memory_order_acquire);
}

void
jotd_keys_free(void *p)
{
    struct jotd_keys *k = p;

    if (k == NULL)
        return;
    jot_key_free(k->signer);
    jot_keyset_free(k->verify);
    free(k->jwks);
    free(k);
}

/* A key that retired longer ago than this is gone from every cache. */
static int64_t
retention_ms(const struct jotd_config *cfg)
{
    return (cfg->access_ttl + cfg->jwks_max_age) * 1000;
}

const char *
jotd_key_state(const struct jotd_config *cfg,
               const struct jotd_signing_key *k, int64_t now,
               int64_t *expires_at)
{
    int64_t until = 0;
    const char *state;

    if (k->activated_at == 0) {
        state = "inactive";
    } else if (k->retired_at == 0) {
        state = "active";
    } else {
        until = k->retired_at + retention_ms(cfg);
        state = until <= now ? "expired" : "retired";
    }
    if (expires_at != NULL)
        *expires_at = until;
    return state;
}

jotd_err
jotd_keys_each(jotd_store *st, jotd_key_cb cb, void *ctx)
{
    return st->ops->key_list(st, cb, ctx) == JOTD_STORE_OK
               ? JOTD_OK
               : JOTD_ERR_UNAVAILABLE;
}

jotd_err
jotd_keys_rotate(struct jotd *j, jotd_store *st, jot_alg alg,
                 char kid_out[128], char *err, size_t err_len)
{
    struct jotd_signing_key row;
    jot_key *key = NULL;
    char *priv = NULL, *pub = NULL, *sealed = NULL;
    int64_t now = jotd_now_ms();
    jotd_err rc = JOTD_ERR_INTERNAL;
    int n;

    memset(&row, 0, sizeof row);
    if (jot_key_generate(alg, &key) != JOT_OK) {
        jotd_errf(err, err_len, "cannot generate a %s key",
                  jot_alg_name(alg));
        goto out;
    }
    /* API.md: the kid is the RFC 7638 thumbprint, except for HMAC keys,
     * whose thumbprint would be a hash of the secret; HMAC keys have no
     * public half to publish. */
    if (jot_key_assign_kid(key) != JOT_OK)
        goto fail_msg;
    if (!jot_alg_is_hmac(alg) &&
        jot_jwk_export(key, JOT_JWK_PUBLIC, &pub) != JOT_OK)
        goto fail_msg;
    if (jot_jwk_export(key, JOT_JWK_PRIVATE, &priv) != JOT_OK ||
        jotd_secret_seal(j->seal_key, priv, strlen(priv), jot_key_kid(key),
                         &sealed) != JOTD_OK)
        goto fail_msg;
    n = snprintf(row.kid, sizeof row.kid, "%s", jot_key_kid(key));
    if (n < 0 || (size_t)n >= sizeof row.kid)
        goto fail_msg;          /* a cut kid would not open its seal */
    n = snprintf(row.alg, sizeof row.alg, "%s", jot_alg_name(alg));
    if (n < 0 || (size_t)n >= sizeof row.alg)
        goto fail_msg;
    row.public_jwk = pub;
    row.private_enc = sealed;
    row.created_at = now;
    if (st->ops->key_insert(st, &row) != JOTD_STORE_OK ||
        st->ops->key_activate(st, row.kid, now) != JOTD_STORE_OK) {
        jotd_errf(err, err_len, "cannot store the new key");
        rc = JOTD_ERR_UNAVAILABLE;
        goto out;
    }
    /* row.kid has 128 bytes too, so the copy is whole. */
    if (kid_out != NULL)
        memcpy(kid_out, row.kid, 128);
    rc = JOTD_OK;
    goto out;
fail_msg:
    jotd_errf(err, err_len, "cannot prepare the new %s key",
              jot_alg_name(alg));
out:
    jot_free_secret(priv);
    jot_free(pub);
    free(sealed);
    jot_key_free(key);
    return rc;
}

struct load {
    struct jotd *j;
    int64_t now;
    struct jotd_keys *keys;
    jot_alg active_alg;
    int64_t active_at;
    size_t fp_len;
    int fp_full;                /* the fingerprint could not hold them all */
    int failed;
    char *err;
    size_t err_len;
};

/* Adds one stored key to the snapshot being built. */
static int
add_key(void *ctx, const struct jotd_signing_key *row)
{
    struct load *l = ctx;
    unsigned char *jwk = NULL;
    size_t jwk_len = 0;
    jot_key *key = NULL;
    const char *state;
    jot_alg alg;
    int n;

    state = jotd_key_state(jotd_cfg(l->j), row, l->now, NULL);
    /* Never active: nothing was signed with it; expired: every token it
     * signed has expired and every cached JWKS has been refreshed. */
    if (strcmp(state, "inactive") == 0 || strcmp(state, "expired") == 0)
        return 0;
    if (jot_alg_from_name(row->alg, strlen(row->alg), &alg) != JOT_OK ||
        jotd_secret_open(l->j->seal_key, row->private_enc, row->kid, &jwk,
                         &jwk_len) != 0 ||
        jot_jwk_parse((const char *)jwk, jwk_len, alg, &key) != JOT_OK ||
        jot_keyset_add(l->keys->verify, key) != JOT_OK) {
        jotd_errf(l->err, l->err_len,
                  "signing key %s cannot be opened (wrong server secret?)",
                  row->kid);
        l->failed = 1;
        goto out;
    }
    if (row->retired_at == 0 && row->activated_at >= l->active_at) {
        jot_key_free(l->keys->signer);
        l->keys->signer = jot_key_ref(key);
        l->active_alg = alg;
        l->active_at = row->activated_at;
        l->keys->active_at = row->activated_at;
    }
    n = snprintf(l->keys->fingerprint + l->fp_len,
                 sizeof l->keys->fingerprint - l->fp_len, "%.20s:%d,",
                 row->kid, row->retired_at != 0);
    if (n < 0 || (size_t)n >= sizeof l->keys->fingerprint - l->fp_len)
        l->fp_full = 1;         /* too many keys to tell apart */
    else
        l->fp_len += (size_t)n;
out:
    jot_free_wiped(jwk, jwk_len);
    jot_key_free(key);
    return l->failed;
}

/* 1 when next holds the keys cur holds: nothing to publish.  An empty
 * fingerprint (too many keys for it) never matches. */
static int
same_keys(void *ctx, const void *cur, void *next)
{
    const struct jotd_keys *old = cur, *keys = next;

    (void)ctx;
    return old != NULL && keys->fingerprint[0] != '\0' &&
           strcmp(old->fingerprint, keys->fingerprint) == 0;
}

/* One pass of jotd_keys_load: the stored keys as a snapshot in l. */
static jotd_err
read_keys(struct jotd *j, jotd_store *st, struct load *l, char *err,
          size_t err_len)
{
    memset(l, 0, sizeof *l);
    l->j = j;
    l->now = jotd_now_ms();
    l->err = err;
    l->err_len = err_len;
    l->keys = calloc(1, sizeof *l->keys);
    if (l->keys == NULL || jot_keyset_new(&l->keys->verify) != JOT_OK) {
        jotd_errf(err, err_len, "out of memory");
        return JOTD_ERR_NOMEM;
    }
    if (st->ops->key_list(st, add_key, l) != JOTD_STORE_OK && !l->failed) {
        jotd_errf(err, err_len, "cannot read the signing keys");
        return JOTD_ERR_UNAVAILABLE;
    }
    return l->failed ? JOTD_ERR_INTERNAL : JOTD_OK;
}

jotd_err
jotd_keys_load(struct jotd *j, jotd_store *st, int ensure, char *err,
               size_t err_len)
{
    jot_alg want = jotd_cfg(j)->alg;
    struct load l;
    char kid[128];
    jotd_err rc;

    for (;;) {
        rc = read_keys(j, st, &l, err, err_len);
        if (rc != JOTD_OK) {
            jotd_keys_free(l.keys);
            return rc;
        }
        if (!ensure || (l.keys->signer != NULL && l.active_alg == want))
            break;
        jotd_keys_free(l.keys);
        rc = jotd_keys_rotate(j, st, want, kid, err, err_len);
        if (rc != JOTD_OK)
            return rc;
        ensure = 0;             /* the next pass finds it */
    }
    if (l.keys->signer == NULL) {
        jotd_keys_free(l.keys);
        jotd_errf(err, err_len, "no active signing key");
        return JOTD_ERR_INTERNAL;
    }
    if (jot_jwks_export(l.keys->verify, JOT_JWK_PUBLIC, &l.keys->jwks) !=
        JOT_OK) {
        jotd_keys_free(l.keys);
        jotd_errf(err, err_len, "cannot build the JWKS");
        return JOTD_ERR_NOMEM;
    }
    if (l.fp_full)
        l.keys->fingerprint[0] = '\0';   /* published each time */
    rc = jotd_snapshot_publish(j, JOTD_SNAP_KEYS, l.keys, same_keys, NULL);
    if (rc == JOTD_ERR_CONFLICT)
        return JOTD_OK;         /* the same keys: nothing to publish */
    if (rc != JOTD_OK)
        jotd_errf(err, err_len, "out of memory");
    return rc;
}
