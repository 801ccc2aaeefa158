/*
 * accounts.h - the rules of a user account, once: creating one, its
 * roles, disabling it, checking and changing its password.  The HTTP
 * handlers and the "jotd user" subcommands both come here.
 */
#ifndef JOTD_ACCOUNTS_H
#define JOTD_ACCOUNTS_H

#include "jotd.h"

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
 * role is not UTF-8 text or the list does not fit.
 */
jotd_err jotd_roles_text(const char *const *roles, size_t n_roles,
                         char *out, size_t out_len);

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
