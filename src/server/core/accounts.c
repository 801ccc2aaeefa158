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

int
jotd_role_ok(const char *role)
{
    size_t len = strlen(role), i;

    if (len == 0 || len > JOTD_ROLE_MAX || !jotd_utf8_valid(role, len) ||
        role[0] == ' ' || role[len - 1] == ' ')
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char)role[i] < 0x20 || role[i] == 0x7f ||
            role[i] == ',')
            return 0;
    return 1;
}

/* 1 when role is one of the n_roles of roles. */
static int
listed(const char *const *roles, size_t n_roles, const char *role)
{
    size_t i;

    for (i = 0; i < n_roles; i++)
        if (strcmp(roles[i], role) == 0)
            return 1;
    return 0;
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
        if (!jotd_role_ok(roles[i]) || listed(roles, i, roles[i])) {
            err = JOTD_ERR_INVALID;
            goto out;
        }
        if (json_array_append_new(a, json_string(roles[i])) != 0)
            goto out;
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

int
jotd_account_has_role(const struct jotd_user *u, const char *role)
{
    json_t *roles = jotd_roles_json(u), *v;
    size_t i;
    int found = 0;

    json_array_foreach(roles, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), role) == 0)
            found = 1;
    }
    json_decref(roles);
    return found;
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
jotd_account_change(const struct jotd_op *op, struct jotd_user *u,
                    const struct jotd_account_change *c, size_t *n_revoked)
{
    struct jotd_user next;
    char hash[JOTD_HASH_MAX];
    const char *reason = NULL, *keep = NULL;
    size_t n = 0;
    jotd_err err = JOTD_OK;

    if (n_revoked != NULL)
        *n_revoked = 0;
    memset(&next, 0, sizeof next);
    /* The hash first: it takes long, and the row is read after it so
     * that the update stores nothing older than the change. */
    if (c->password != NULL)
        err = jotd_password_hash_bounded(op->j, op->cfg, c->password,
                                         c->password_len, hash);
    if (err == JOTD_OK)
        err = fresh(op, u, &next);
    if (err == JOTD_OK && c->set_roles)
        err = jotd_roles_text(c->roles, c->n_roles, next.roles,
                              sizeof next.roles);
    if (err == JOTD_OK && c->password != NULL)
        memcpy(next.password_hash, hash, sizeof hash);
    jot_wipe(hash, sizeof hash);
    if (err != JOTD_OK) {
        jot_wipe(&next, sizeof next);
        return err;
    }
    if (c->disabled >= 0)
        next.disabled = c->disabled != 0;
    err = update(op, u, &next);
    if (err != JOTD_OK)
        return err;
    if (c->disabled == 1) {
        reason = "disabled";
    } else if (c->password != NULL) {
        reason = "password";
        keep = c->keep_sid;
    }
    if (reason != NULL)
        err = jotd_err_of_store(op->st->ops->session_revoke_user(
            op->st, u->id, keep, reason, op->now, jotd_revoked_add_cb,
            op->j, &n));
    if (err == JOTD_OK && reason != NULL)
        jotd_metrics_revoked(&op->j->metrics, reason, n);
    if (n_revoked != NULL)
        *n_revoked = n;
    return err;
}

jotd_err
jotd_account_set_disabled(const struct jotd_op *op, struct jotd_user *u,
                          int disabled, size_t *n_revoked)
{
    struct jotd_account_change c = {.disabled = disabled != 0};

    return jotd_account_change(op, u, &c, n_revoked);
}

jotd_err
jotd_account_set_roles(const struct jotd_op *op, struct jotd_user *u,
                       const char *const *roles, size_t n_roles)
{
    struct jotd_account_change c = {
        .set_roles = 1, .roles = roles, .n_roles = n_roles, .disabled = -1};

    return jotd_account_change(op, u, &c, NULL);
}

jotd_err
jotd_account_set_password(const struct jotd_op *op, struct jotd_user *u,
                          const char *pw, size_t pw_len,
                          const char *keep_sid)
{
    struct jotd_account_change c = {.disabled = -1,
                                    .password = pw,
                                    .password_len = pw_len,
                                    .keep_sid = keep_sid};

    return jotd_account_change(op, u, &c, NULL);
}

const char *
jotd_account_self_lockout(const char *actor_id, const struct jotd_user *u,
                          const struct jotd_account_change *c, int deleting)
{
    if (strcmp(actor_id, u->id) != 0)
        return NULL;
    if (deleting)
        return "an admin cannot delete their own account";
    if (c->disabled == 1)
        return "an admin cannot disable their own account";
    /* roles NULL is the default ["user"]: no admin either. */
    if (c->set_roles &&
        (c->roles == NULL || !listed(c->roles, c->n_roles, "admin")))
        return "an admin cannot remove their own admin role";
    return NULL;
}

#define MAX_ROLES 64            /* more than 512 octets of text can hold */

jotd_err
jotd_account_edit_role(const struct jotd_op *op, struct jotd_user *u,
                       const char *role, int add)
{
    const char *roles[MAX_ROLES + 1];
    struct jotd_user cur;
    json_t *stored = NULL, *v;
    size_t i, n = 0;
    jotd_err err;

    if (!jotd_role_ok(role))
        return JOTD_ERR_INVALID;
    err = fresh(op, u, &cur);
    if (err != JOTD_OK)
        return err;
    stored = jotd_roles_json(&cur);
    err = JOTD_ERR_NOMEM;
    if (stored == NULL)
        goto out;
    err = JOTD_ERR_INVALID;
    json_array_foreach(stored, i, v) {
        if (!json_is_string(v) || n == MAX_ROLES)
            goto out;
        if (add || strcmp(json_string_value(v), role) != 0)
            roles[n++] = json_string_value(v);
    }
    if (add ? listed(roles, n, role) : n == json_array_size(stored)) {
        *u = cur;               /* nothing to change */
        err = JOTD_OK;
        goto out;
    }
    if (add)
        roles[n++] = role;
    err = jotd_account_set_roles(op, u, roles, n);
out:
    json_decref(stored);
    jot_wipe(&cur, sizeof cur);
    return err;
}

jotd_err
jotd_account_delete(const struct jotd_op *op, const char *id,
                    size_t *n_revoked)
{
    size_t n = 0;
    jotd_err err;

    if (n_revoked != NULL)
        *n_revoked = 0;
    if (!jotd_is_id(id))
        return JOTD_ERR_NOT_FOUND;
    /* user_delete revokes the sessions too, but names none of them:
     * revoking them first puts each in this node's set at once.  A
     * login between the two calls is revoked by user_delete, under a
     * revocation number, so every node still hears of it. */
    err = jotd_err_of_store(op->st->ops->session_revoke_user(
        op->st, id, NULL, "user_deleted", op->now, jotd_revoked_add_cb,
        op->j, &n));
    if (err == JOTD_OK)
        jotd_metrics_revoked(&op->j->metrics, "deleted", n);
    if (err == JOTD_OK)
        err = jotd_err_of_store(op->st->ops->user_delete(op->st, id,
                                                         op->now));
    if (n_revoked != NULL)
        *n_revoked = n;
    return err;
}

struct page {
    jotd_user_cb cb;
    void *ctx;
    size_t limit, seen;
    char last[JOTD_ID_LEN + 1];
    char *next;
    int stopped;
};

static int
page_user(void *ctx, const struct jotd_user *u)
{
    struct page *p = ctx;

    /* The one row past the page only tells that there is a next one. */
    if (p->seen == p->limit) {
        memcpy(p->next, p->last, sizeof p->last);
        return 1;
    }
    p->seen++;
    memcpy(p->last, u->id, sizeof p->last);
    if (p->cb(p->ctx, u) != 0) {
        p->stopped = 1;
        return 1;
    }
    return 0;
}

jotd_err
jotd_account_page(const struct jotd_op *op, const char *after,
                  size_t limit, jotd_user_cb cb, void *ctx,
                  char next[JOTD_ID_LEN + 1])
{
    struct page p = {cb, ctx, limit, 0, "", next, 0};
    jotd_err err;

    next[0] = '\0';
    if (limit < 1 || limit > JOTD_ACCOUNT_PAGE_MAX ||
        (after[0] != '\0' && !jotd_is_id(after)))
        return JOTD_ERR_INVALID;
    err = jotd_err_of_store(op->st->ops->user_list(op->st, after, limit + 1,
                                                   page_user, &p));
    if (err == JOTD_OK && p.stopped)
        err = JOTD_ERR_NOMEM;
    if (err != JOTD_OK)
        next[0] = '\0';
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
