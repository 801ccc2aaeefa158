/*
 * accounts.h - the rules of a user account, once: creating one, its
 * roles, disabling it, checking and changing its password.  The HTTP
 * handlers and the "jotd user" subcommands both come here.
 */
#ifndef JOTD_ACCOUNTS_H
#define JOTD_ACCOUNTS_H

#include "jotd.h"

#define JOTD_ROLE_MAX 64            /* octets of one role */

/*
 * What an account or session operation runs with; every pointer is
 * borrowed for the call.  A handler fills it from its request, a
 * subcommand from the command line (ip "").
 */
struct jotd_op {
    struct jotd *j;             /* hash slots, keys, the revoked set */
    const struct jotd_config *cfg;  /* as the request found it */
    jotd_store *st;             /* this thread's connection */
    const char *ip;             /* the client's address, for audit rows */
    uint64_t epoch;             /* j->epoch, loaded before cfg */
    int64_t now;                /* ms */
};

/* The jotd_err of a store result: NOT_FOUND and CONFLICT as they are,
 * a database failure JOTD_ERR_UNAVAILABLE. */
jotd_err jotd_err_of_store(enum jotd_store_result sr);

/*
 * The stored text of a list of roles, into out (out_len bytes, the size
 * of struct jotd_user's roles): roles NULL means the default ["user"],
 * n_roles 0 with roles not NULL means none.  JOTD_ERR_INVALID when a
 * role is not one (jotd_role_ok), a role is listed twice, or the list
 * does not fit.
 */
jotd_err jotd_roles_text(const char *const *roles, size_t n_roles,
                         char *out, size_t out_len);

/*
 * 1 when role (NUL-terminated) may be a role: 1-64 octets of UTF-8 with
 * no control character, no comma (X-Auth-Roles joins roles with commas,
 * and a token whose role holds one is refused) and no blank at either
 * end (a header value loses those).
 */
int jotd_role_ok(const char *role);

/* 1 when u's stored roles hold role. */
int jotd_account_has_role(const struct jotd_user *u, const char *role);

/*
 * u's roles as a JSON array (the caller decrefs); [] when the stored
 * text is anything else; NULL only without memory.
 */
json_t *jotd_roles_json(const struct jotd_user *u);

/* {"id","username","roles","created_at"} of u (the caller decrefs;
 * NULL without memory). */
json_t *jotd_account_json(const struct jotd_user *u);

/*
 * Creates the user name (name_len octets) with password pw (pw_len
 * octets) and roles (as jotd_roles_text reads them), at op->now.
 * *out gets the new user, its password hash wiped.  JOTD_ERR_USERNAME,
 * JOTD_ERR_INVALID (roles), JOTD_ERR_PASSWORD_SHORT/LONG,
 * JOTD_ERR_CONFLICT when the name is taken, JOTD_ERR_UNAVAILABLE,
 * JOTD_ERR_INTERNAL or JOTD_ERR_NOMEM.  Writes no audit row: the caller
 * knows who asked.
 */
jotd_err jotd_account_create(const struct jotd_op *op, const char *name,
                             size_t name_len, const char *pw, size_t pw_len,
                             const char *const *roles, size_t n_roles,
                             struct jotd_user *out);

/* The user of id, or named name (name_len octets), disabled or not:
 * JOTD_ERR_NOT_FOUND, JOTD_ERR_UNAVAILABLE. */
jotd_err jotd_account_get(const struct jotd_op *op, const char *id,
                          struct jotd_user *out);
jotd_err jotd_account_find(const struct jotd_op *op, const char *name,
                           size_t name_len, struct jotd_user *out);

/*
 * One change of an account, all of it stored at once or none of it.
 * Fields left at their "unchanged" value are kept.
 */
struct jotd_account_change {
    int set_roles;              /* 1: roles replace the stored ones */
    const char *const *roles;   /* as jotd_roles_text reads them */
    size_t n_roles;
    int disabled;               /* -1 unchanged, 0 enable, 1 disable */
    const char *password;       /* NULL: unchanged */
    size_t password_len;
    const char *keep_sid;       /* kept when the password changes; NULL */
};

/*
 * Applies c to u (re-read from the store first, so a stale copy loses
 * nothing) and stores it in one update; *u gets the row as stored.
 * Disabling revokes every session of the user (reason "disabled"), a
 * new password every one but c->keep_sid (reason "password"); *n_revoked
 * (may be NULL) gets how many.  This node refuses their access tokens
 * at once, the other nodes when they hear of the revocation (its
 * number; within revocation_sync seconds at worst).  Nothing is stored
 * when a role or the password is refused.  JOTD_ERR_INVALID (roles),
 * the password errors of jotd_password_hash, JOTD_ERR_NOT_FOUND,
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_change(const struct jotd_op *op, struct jotd_user *u,
                             const struct jotd_account_change *c,
                             size_t *n_revoked);

/*
 * Why actor_id may not make change c to u, or deleting it (deleting 1),
 * through the administration API, or NULL when it may: an admin cannot
 * disable or delete their own account nor take the admin role from
 * themselves, so that the API never locks out the admin who calls it
 * (the "jotd user" subcommands, which an operator runs on the database,
 * may).  A static description for a 409 conflict.
 */
const char *jotd_account_self_lockout(const char *actor_id,
                                      const struct jotd_user *u,
                                      const struct jotd_account_change *c,
                                      int deleting);

/*
 * Adds (add 1) or removes role to or from u's roles and stores them;
 * adding a role u has or removing one it lacks changes nothing and is
 * JOTD_OK.  JOTD_ERR_INVALID (not a role, or too many),
 * JOTD_ERR_NOT_FOUND, JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_edit_role(const struct jotd_op *op,
                                struct jotd_user *u, const char *role,
                                int add);

/*
 * Deletes the user of id after revoking every session of theirs
 * (reason "user_deleted"), this node refusing their access tokens at
 * once, the others when they hear of it; *n_revoked (may be NULL) gets
 * how many.  JOTD_ERR_NOT_FOUND, JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_delete(const struct jotd_op *op, const char *id,
                             size_t *n_revoked);

#define JOTD_ACCOUNT_PAGE_MAX 500   /* users in one page of a listing */

/*
 * One page of the users, by id: at most limit (1 to
 * JOTD_ACCOUNT_PAGE_MAX) of those with an id above after ("" for the
 * first page), passed to cb.  next gets the id to ask the next page
 * after, or "" when this page is the last.  JOTD_ERR_INVALID for a
 * limit out of bounds or an after that is neither "" nor an id,
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_page(const struct jotd_op *op, const char *after,
                           size_t limit, jotd_user_cb cb, void *ctx,
                           char next[JOTD_ID_LEN + 1]);

/*
 * Disables (disabled 1) or enables u and stores it; disabling revokes
 * every session of the user (reason "disabled"), *n_revoked getting
 * how many (may be NULL).  Every node, this one included, refuses their
 * access tokens within revocation_sync seconds.  JOTD_ERR_NOT_FOUND,
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_set_disabled(const struct jotd_op *op,
                                   struct jotd_user *u, int disabled,
                                   size_t *n_revoked);

/* Replaces u's roles (as jotd_roles_text reads them) and stores it:
 * JOTD_ERR_INVALID, JOTD_ERR_NOT_FOUND, JOTD_ERR_UNAVAILABLE. */
jotd_err jotd_account_set_roles(const struct jotd_op *op,
                                struct jotd_user *u,
                                const char *const *roles, size_t n_roles);

/*
 * Sets u's password to pw (pw_len octets) and revokes every session of
 * the user but keep_sid (NULL: all of them, reason "password").  The
 * password errors of jotd_password_hash, JOTD_ERR_NOT_FOUND,
 * JOTD_ERR_UNAVAILABLE.
 */
jotd_err jotd_account_set_password(const struct jotd_op *op,
                                   struct jotd_user *u, const char *pw,
                                   size_t pw_len, const char *keep_sid);

/*
 * A password change by the user: the current password is checked
 * behind the throttle, like a login (JOTD_ERR_THROTTLED with
 * *retry_after; a wrong one is JOTD_ERR_CREDENTIALS, counted and
 * audited as "password_change_failed"), then the new one is set as
 * jotd_account_set_password does, keeping session sid, and audited as
 * "password_changed".
 */
jotd_err jotd_account_change_password(const struct jotd_op *op,
                                      struct jotd_user *u, const char *cur,
                                      size_t cur_len, const char *next,
                                      size_t next_len, const char *sid,
                                      int64_t *retry_after);

/*
 * The password check of a login for the user named name, behind the
 * throttle: JOTD_OK with *out the user; JOTD_ERR_CREDENTIALS for an
 * unknown user, a wrong password or a disabled account alike (after the
 * same work, counted and audited as "login_failed");
 * JOTD_ERR_THROTTLED with *retry_after; JOTD_ERR_UNAVAILABLE,
 * JOTD_ERR_NOMEM, JOTD_ERR_INTERNAL.  A password stored with other
 * parameters than the configured ones is rehashed.
 */
jotd_err jotd_account_authenticate(const struct jotd_op *op,
                                   const char *name, size_t name_len,
                                   const char *pw, size_t pw_len,
                                   struct jotd_user *out,
                                   int64_t *retry_after);

#endif /* JOTD_ACCOUNTS_H */
