/*
 * accounts.c - user accounts: creation, roles, disabling, and the
 * password checks and changes, behind the throttle and the hash slots.
 */
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/audit.h"
#include "core/password.h"
#include "core/revocation.h"
#include "core/throttle.h"

/* A rehash writes the new hash straight into the user's row. */
_Static_assert(sizeof ((struct jotd_user *)0)->password_hash ==
                   JOTD_HASH_MAX,
               "a stored password hash holds JOTD_HASH_MAX bytes");

static const char *const default_roles[] = {"user"};

jotd_err
jotd_err_of_store(enum jotd_store_result sr)
{
    switch (sr) {
    case JOTD_STORE_OK: return JOTD_OK;
    case JOTD_STORE_NOT_FOUND: return JOTD_ERR_NOT_FOUND;
    case JOTD_STORE_CONFLICT: return JOTD_ERR_CONFLICT;
    case JOTD_STORE_ERROR: break;
    }
    return JOTD_ERR_UNAVAILABLE;
}

jotd_err
jotd_roles_text(const char *const *roles, size_t n_roles, char *out,
                size_t out_len)
{
    json_t *a = json_array();
    char *text = NULL;
    jotd_err err = JOTD_ERR_NOMEM;
    size_t i, len;

    if (roles == NULL) {
        roles = default_roles;
        n_roles = 1;
    }
    for (i = 0; a != NULL && i < n_roles; i++) {
        /* json_string refuses what is not UTF-8; set_new takes NULL. */
        if (json_array_append_new(a, json_string(roles[i])) != 0) {
            err = JOTD_ERR_INVALID;
            goto out;
        }
    }
    text = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
    if (text == NULL)
        goto out;
    len = strlen(text);
    err = JOTD_ERR_INVALID;
    if (len >= out_len)
        goto out;
    memcpy(out, text, len + 1);
    err = JOTD_OK;
out:
    free(text);
    json_decref(a);
    return err;
}

json_t *
jotd_roles_json(const struct jotd_user *u)
{
    json_t *roles = json_loads(u->roles, JSON_REJECT_DUPLICATES, NULL);

    if (json_is_array(roles))
        return roles;
    json_decref(roles);
    return json_array();
}

json_t *
jotd_account_json(const struct jotd_user *u)
{
    char created[32];

    jotd_rfc3339(u->created_at, created);
    /* "o" takes the roles, and a NULL one fails the whole pack. */
    return json_pack("{s:s, s:s, s:o, s:s}", "id", u->id, "username",
                     u->username, "roles", jotd_roles_json(u), "created_at",
                     created);
}

jotd_err
jotd_account_create(const struct jotd_op *op, const char *name,
                    size_t name_len, const char *pw, size_t pw_len,
                    const char *const *roles, size_t n_roles,
                    struct jotd_user *out)
{
    struct jotd_user u;
    jotd_err err;

    memset(out, 0, sizeof *out);
    memset(&u, 0, sizeof u);
    err = jotd_username_key(name, name_len, u.username_key);
    if (err == JOTD_OK)
        err = jotd_roles_text(roles, n_roles, u.roles, sizeof u.roles);
    if (err == JOTD_OK)
        err = jotd_password_hash_bounded(op->j, op->cfg, pw, pw_len,
                                         u.password_hash);
    if (err == JOTD_OK)
        err = jotd_uuid(u.id);
    if (err == JOTD_OK) {
        memcpy(u.username, name, name_len);     /* checked: <= 64 */
        u.created_at = u.updated_at = op->now;
        err = jotd_err_of_store(op->st->ops->user_create(op->st, &u));
    }
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err == JOTD_OK)
        *out = u;
    return err;
}

jotd_err
jotd_account_get(const struct jotd_op *op, const char *id,
                 struct jotd_user *out)
{
    return jotd_err_of_store(op->st->ops->user_get(op->st, id, out));
}

jotd_err
jotd_account_find(const struct jotd_op *op, const char *name,
                  size_t name_len, struct jotd_user *out)
{
    char key[JOTD_USERNAME_MAX + 1];

    /* What is not a name names no one. */
    if (jotd_username_key(name, name_len, key) != JOTD_OK)
        return JOTD_ERR_NOT_FOUND;
    return jotd_err_of_store(op->st->ops->user_get_by_name(op->st, key,
                                                           out));
}

/*
 * The row of u as stored now, for a change: user_update writes the
 * password hash, the roles and the disabled flag all at once, and a
 * caller's copy may be stale or have its hash wiped (jotd_account_create
 * wipes it).
 */
static jotd_err
fresh(const struct jotd_op *op, const struct jotd_user *u,
      struct jotd_user *next)
{
    return jotd_account_get(op, u->id, next);
}

/* Stores next as u's row, and takes it into *u when stored; next is
 * wiped either way. */
static jotd_err
update(const struct jotd_op *op, struct jotd_user *u,
       struct jotd_user *next)
{
    jotd_err err = jotd_err_of_store(op->st->ops->user_update(op->st, next,
                                                              op->now));

    if (err == JOTD_OK) {
        *u = *next;
        u->updated_at = op->now;
    }
    jot_wipe(next, sizeof *next);
    return err;
}

jotd_err
jotd_account_set_disabled(const struct jotd_op *op, struct jotd_user *u,
                          int disabled, size_t *n_revoked)
{
    struct jotd_user next;
    size_t n = 0;
    jotd_err err = fresh(op, u, &next);

    if (err == JOTD_OK) {
        next.disabled = disabled != 0;
        err = update(op, u, &next);
    }
    if (err == JOTD_OK && disabled)
        err = jotd_err_of_store(op->st->ops->session_revoke_user(
            op->st, u->id, NULL, "disabled", op->now, jotd_revoked_add_cb,
            op->j, &n));
    if (err == JOTD_OK && disabled)
        jotd_metrics_revoked(&op->j->metrics, "disabled", n);
    if (n_revoked != NULL)
        *n_revoked = n;
    return err;
}

jotd_err
jotd_account_set_roles(const struct jotd_op *op, struct jotd_user *u,
                       const char *const *roles, size_t n_roles)
{
    struct jotd_user next;
    jotd_err err = fresh(op, u, &next);

    if (err == JOTD_OK)
        err = jotd_roles_text(roles, n_roles, next.roles, sizeof next.roles);
    if (err == JOTD_OK)
        return update(op, u, &next);
    jot_wipe(&next, sizeof next);
    return err;
}

jotd_err
jotd_account_set_password(const struct jotd_op *op, struct jotd_user *u,
                          const char *pw, size_t pw_len,
                          const char *keep_sid)
{
    struct jotd_user next;
    size_t n;
    jotd_err err = fresh(op, u, &next);

    if (err == JOTD_OK)
        err = jotd_password_hash_bounded(op->j, op->cfg, pw, pw_len,
                                         next.password_hash);
    if (err != JOTD_OK) {
        jot_wipe(&next, sizeof next);
        return err;
    }
    err = update(op, u, &next);
    if (err == JOTD_OK)
        err = jotd_err_of_store(op->st->ops->session_revoke_user(
            op->st, u->id, keep_sid, "password", op->now,
            jotd_revoked_add_cb, op->j, &n));
    if (err == JOTD_OK)
        jotd_metrics_revoked(&op->j->metrics, "password", n);
    return err;
}

jotd_err
jotd_account_change_password(const struct jotd_op *op, struct jotd_user *u,
                             const char *cur, size_t cur_len,
                             const char *next, size_t next_len,
                             const char *sid, int64_t *retry_after)
{
    jotd_err err;

    /* A wrong current password is a failed password check like a failed
     * login, and is throttled the same way (API.md). */
    err = jotd_throttle_reserve(op->st, op->cfg, u->username_key, op->ip,
                                op->now, retry_after);
    if (err != JOTD_OK)
        return err;
    err = jotd_password_verify_bounded(op->j, u->password_hash, cur,
                                       cur_len);
    jotd_throttle_settle(op->st, op->cfg, u->username_key, op->ip, op->now,
                         err);
    if (err == JOTD_ERR_CREDENTIALS)
        jotd_audit(op->st, op->ip, "password_change_failed", u->id, sid,
                   NULL);
    if (err != JOTD_OK)
        return err;
    err = jotd_account_set_password(op, u, next, next_len, sid);
    if (err == JOTD_OK)
        jotd_audit(op->st, op->ip, "password_changed", u->id, sid, NULL);
    return err;
}

/* Checks the password of the user named key, or spends the same time on
 * a dummy when there is no such user. */
static jotd_err
check_password(const struct jotd_op *op, const char *key, const char *pw,
               size_t pw_len, struct jotd_user *u)
{
    enum jotd_store_result sr = op->st->ops->user_get_by_name(op->st, key,
                                                              u);
    jotd_err err;

    if (sr == JOTD_STORE_ERROR)
        return JOTD_ERR_UNAVAILABLE;
    if (sr != JOTD_STORE_OK) {
        memset(u, 0, sizeof *u);
        jotd_password_dummy_verify_bounded(op->j, op->cfg, pw, pw_len);
        return JOTD_ERR_CREDENTIALS;
    }
    err = jotd_password_verify_bounded(op->j, u->password_hash, pw, pw_len);
    /* A disabled account fails like a wrong password, after the same
     * work, so the answer tells nothing about which it was. */
    if (err == JOTD_OK && u->disabled)
        err = JOTD_ERR_CREDENTIALS;
    return err;
}

/* Rehashes a password stored with other parameters (DESIGN.md); a
 * failure leaves the old hash, which still verifies. */
static void
maybe_rehash(const struct jotd_op *op, struct jotd_user *u, const char *pw,
             size_t pw_len)
{
    char hash[JOTD_HASH_MAX];

    if (!jotd_password_needs_rehash(op->cfg, u->password_hash) ||
        jotd_password_hash_bounded(op->j, op->cfg, pw, pw_len, hash) !=
            JOTD_OK)
        return;
    memcpy(u->password_hash, hash, sizeof hash);
    jot_wipe(hash, sizeof hash);
    if (op->st->ops->user_update(op->st, u, op->now) == JOTD_STORE_OK)
        jotd_audit(op->st, op->ip, "password_rehashed", u->id, NULL, NULL);
}

jotd_err
jotd_account_authenticate(const struct jotd_op *op, const char *name,
                          size_t name_len, const char *pw, size_t pw_len,
                          struct jotd_user *out, int64_t *retry_after)
{
    char key[JOTD_USERNAME_MAX + 1];
    struct jotd_user u;
    jotd_err err;

    memset(out, 0, sizeof *out);
    *retry_after = 0;
    /* Neither can be an account's: refused before any work, like a
     * wrong password. */
    if (jotd_username_key(name, name_len, key) != JOTD_OK ||
        pw_len > JOTD_PASSWORD_MAX)
        return JOTD_ERR_CREDENTIALS;
    err = jotd_throttle_reserve(op->st, op->cfg, key, op->ip, op->now,
                                retry_after);
    if (err != JOTD_OK)
        return err;
    err = check_password(op, key, pw, pw_len, &u);
    jotd_throttle_settle(op->st, op->cfg, key, op->ip, op->now, err);
    if (err == JOTD_ERR_CREDENTIALS)
        jotd_audit(op->st, op->ip, "login_failed", u.id[0] ? u.id : NULL,
                   NULL, NULL);
    if (err != JOTD_OK)
        return err;
    maybe_rehash(op, &u, pw, pw_len);
    *out = u;
    return JOTD_OK;
}
