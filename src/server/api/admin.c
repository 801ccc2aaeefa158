/*
 * admin.c - the administration of users and their sessions (API.md
 * "Administration"), over core/accounts.c and core/sessions.c, the
 * same functions the "jotd user" subcommands call.  Every route here
 * has passed jotd_guard_admin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/guards.h"
#include "api/routes.h"
#include "core/audit.h"
#include "core/sessions.h"

#define DEFAULT_LIMIT 100       /* users in a page when limit is absent */
#define MAX_BODY_ROLES 64       /* more than the stored text can hold */

/* ---- what every handler shares ------------------------------------- */

int
jotd_admin_caller(struct jotd_req *r, const struct jotd_op *op)
{
    struct jotd_user me;
    jotd_err err = jotd_account_get(op, r->who.sub, &me);
    int disabled = err == JOTD_OK && me.disabled;
    int admin = err == JOTD_OK && jotd_account_has_role(&me, "admin");

    jot_wipe(&me, sizeof me);
    /* The guard read the roles of the token, which may be up to
     * access_ttl old: an admin who was disabled or demoted since holds
     * no power over others from then on. */
    if (err == JOTD_ERR_UNAVAILABLE) {
        jotd_resp_fail(r, err, NULL);
        return -1;
    }
    if (err != JOTD_OK || disabled) {
        jotd_guard_refuse(r, "account unavailable");
        return -1;
    }
    if (!admin) {
        jotd_resp_fail(r, JOTD_ERR_SCOPE, "the admin role is required");
        return -1;
    }
    return 0;
}

/* Who did it, for the audit detail: {"by":"<admin id>"}. */
static void
by_whom(const struct jotd_req *r, char out[64])
{
    int n = snprintf(out, 64, "{\"by\":\"%s\"}", r->who.sub);

    if (n < 0 || n >= 64)
        out[0] = '\0';          /* an id always fits */
}

/* An account as the administration shows it: /v1/me's members, whether
 * it is disabled, and when it last changed. */
static json_t *
admin_json(const struct jotd_user *u)
{
    json_t *o = jotd_account_json(u);
    char updated[32];

    jotd_rfc3339(u->updated_at ? u->updated_at : u->created_at, updated);
    if (o != NULL &&
        (json_object_set_new(o, "disabled", json_boolean(u->disabled)) ||
         json_object_set_new(o, "updated_at", json_string(updated)))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* 200 or 201 with an account, never kept by a cache. */
static void
answer_user(struct jotd_req *r, unsigned status, const struct jotd_user *u)
{
    jotd_resp_json(r, status, admin_json(u));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* The user of the path's {id}; answers and returns -1 when there is
 * none. */
static int
path_user(struct jotd_req *r, const struct jotd_op *op, struct jotd_user *u)
{
    const char *id = jotd_req_param(r, "id");
    jotd_err err = JOTD_ERR_NOT_FOUND;

    if (id != NULL && jotd_is_id(id))
        err = jotd_account_get(op, id, u);
    if (err == JOTD_OK)
        return 0;
    jotd_resp_fail(r, err, err == JOTD_ERR_NOT_FOUND ? "no such user" : NULL);
    return -1;
}

static const char roles_rule[] =
    "roles must be an array of distinct strings of 1-64 octets, "
    "without control characters or commas";

/*
 * The "roles" member of the body into roles (borrowed from the body):
 * 0 with *present 0 when absent; -1 when it has answered 400.
 */
static int
body_roles(struct jotd_req *r, const char **roles, size_t *n, int *present)
{
    json_t *a = json_object_get(r->json, "roles"), *v;
    size_t i;

    *n = 0;
    *present = a != NULL;
    if (a == NULL)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > MAX_BODY_ROLES)
        goto bad;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            goto bad;
        roles[(*n)++] = json_string_value(v);
    }
    return 0;
bad:
    jotd_resp_fail(r, JOTD_ERR_INVALID, roles_rule);
    return -1;
}

/* The description of a failed account change. */
static const char *
change_failed(jotd_err err)
{
    switch (err) {
    case JOTD_ERR_INVALID: return roles_rule;
    case JOTD_ERR_NOT_FOUND: return "no such user";
    case JOTD_ERR_CONFLICT: return "username already taken";
    default: return NULL;
    }
}

/* ---- GET /v1/admin/users?limit=&after= ----------------------------- */

/* The limit of the query (DEFAULT_LIMIT when absent), or 0 when it is
 * not a number from 1 to JOTD_ACCOUNT_PAGE_MAX. */
static size_t
query_limit(const char *s)
{
    unsigned long long v;
    char *end;

    if (s == NULL)
        return DEFAULT_LIMIT;
    if (*s < '0' || *s > '9')
        return 0;               /* strtoull takes blanks and signs */
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > JOTD_ACCOUNT_PAGE_MAX)
        return 0;
    return (size_t)v;
}

static int
add_user(void *ctx, const struct jotd_user *u)
{
    return json_array_append_new(ctx, admin_json(u)) != 0;
}

void
jotd_h_admin_users(struct jotd_req *r, jotd_store *st)
{
    const char *after = jotd_req_query(r, "after");
    size_t limit = query_limit(jotd_req_query(r, "limit"));
    char next[JOTD_ID_LEN + 1], text[96];
    json_t *list = NULL;
    struct jotd_op op;
    jotd_err err;
    int n;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0)
        return;
    if (limit == 0) {
        n = snprintf(text, sizeof text,
                     "limit must be an integer from 1 to %d",
                     JOTD_ACCOUNT_PAGE_MAX);
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       n > 0 && (size_t)n < sizeof text ? text : NULL);
        return;
    }
    if (after == NULL)
        after = "";
    if (after[0] != '\0' && !jotd_is_id(after)) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       "after must be the id of a user (the next of a page)");
        return;
    }
    list = json_array();
    err = list != NULL ? jotd_account_page(&op, after, limit, add_user, list,
                                           next)
                       : JOTD_ERR_NOMEM;
    if (err != JOTD_OK) {
        json_decref(list);
        jotd_resp_fail(r, err, NULL);
        return;
    }
    jotd_resp_json(r, 200,
                   json_pack("{s:o, s:o}", "users", list, "next",
                             next[0] ? json_string(next) : json_null()));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

/* ---- POST /v1/admin/users ------------------------------------------ */

void
jotd_h_admin_users_create(struct jotd_req *r, jotd_store *st)
{
    const char *roles[MAX_BODY_ROLES], *name, *pw;
    size_t name_len, pw_len, n_roles;
    char detail[64];
    struct jotd_user u;
    struct jotd_op op;
    int bad = 0, has_roles;
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0)
        return;
    name = jotd_req_string(r, "username", &name_len, &bad);
    pw = bad ? NULL : jotd_req_string(r, "password", &pw_len, &bad);
    if (bad || body_roles(r, roles, &n_roles, &has_roles) != 0)
        return;
    if (name == NULL || pw == NULL) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                       "username and password are required");
        return;
    }
    err = jotd_account_create(&op, name, name_len, pw, pw_len,
                              has_roles ? roles : NULL, n_roles, &u);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, change_failed(err));
        return;
    }
    by_whom(r, detail);
    jotd_audit(st, r->ip, "user_created", u.id, NULL, detail);
    answer_user(r, 201, &u);
}

/* ---- GET, PATCH, DELETE /v1/admin/users/{id} ----------------------- */

void
jotd_h_admin_user(struct jotd_req *r, jotd_store *st)
{
    struct jotd_user u;
    struct jotd_op op;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0 || path_user(r, &op, &u) != 0)
        return;
    jot_wipe(u.password_hash, sizeof u.password_hash);
    answer_user(r, 200, &u);
}

/*
 * The change a PATCH body asks for into c (roles borrowed from the
 * body); -1 when it has answered 400.  Unknown members are refused here,
 * unlike elsewhere: a misspelt "disabled" that changed nothing would
 * leave an account open that its admin believes closed.
 */
static int
patch_of(struct jotd_req *r, const char **roles,
         struct jotd_account_change *c)
{
    const char *key;
    json_t *v;
    int bad = 0;

    memset(c, 0, sizeof *c);
    c->disabled = -1;
    json_object_foreach(r->json, key, v) {
        if (strcmp(key, "roles") != 0 && strcmp(key, "disabled") != 0 &&
            strcmp(key, "password") != 0) {
            jotd_resp_fail(r, JOTD_ERR_INVALID,
                           "only roles, disabled and password can be "
                           "changed");
            return -1;
        }
    }
    v = json_object_get(r->json, "disabled");
    if (v != NULL && !json_is_boolean(v)) {
        jotd_resp_fail(r, JOTD_ERR_INVALID, "disabled must be true or false");
        return -1;
    }
    if (v != NULL)
        c->disabled = json_is_true(v);
    c->password = jotd_req_string(r, "password", &c->password_len, &bad);
    if (bad || body_roles(r, roles, &c->n_roles, &c->set_roles) != 0)
        return -1;
    c->roles = roles;
    return 0;
}

void
jotd_h_admin_user_patch(struct jotd_req *r, jotd_store *st)
{
    const char *roles[MAX_BODY_ROLES], *lockout;
    struct jotd_account_change c;
    struct jotd_user u;
    struct jotd_op op;
    char detail[64];
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0 || patch_of(r, roles, &c) != 0 ||
        path_user(r, &op, &u) != 0)
        return;
    lockout = jotd_account_self_lockout(r->who.sub, &u, &c, 0);
    if (lockout != NULL) {
        jot_wipe(&u, sizeof u);
        jotd_resp_fail(r, JOTD_ERR_CONFLICT, lockout);
        return;
    }
    /* An admin setting their own password keeps the session that asked,
     * as /v1/me/password does; every other session ends. */
    if (strcmp(u.id, r->who.sub) == 0)
        c.keep_sid = r->who.sid;
    err = jotd_account_change(&op, &u, &c, NULL);
    if (err == JOTD_OK) {
        by_whom(r, detail);
        jotd_audit(st, r->ip, "user_changed", u.id, NULL, detail);
    }
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err != JOTD_OK)
        jotd_resp_fail(r, err, change_failed(err));
    else
        answer_user(r, 200, &u);
}

void
jotd_h_admin_user_delete(struct jotd_req *r, jotd_store *st)
{
    struct jotd_account_change none = {.disabled = -1};
    const char *lockout;
    struct jotd_user u;
    struct jotd_op op;
    char detail[64];
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0 || path_user(r, &op, &u) != 0)
        return;
    jot_wipe(u.password_hash, sizeof u.password_hash);
    lockout = jotd_account_self_lockout(r->who.sub, &u, &none, 1);
    if (lockout != NULL) {
        jotd_resp_fail(r, JOTD_ERR_CONFLICT, lockout);
        return;
    }
    err = jotd_account_delete(&op, u.id, NULL);
    if (err != JOTD_OK) {
        jotd_resp_fail(r, err, change_failed(err));
        return;
    }
    by_whom(r, detail);
    jotd_audit(st, r->ip, "user_deleted", u.id, NULL, detail);
    jotd_resp_empty(r, 204);
}

/* ---- sessions ------------------------------------------------------ */

static int
add_session(void *ctx, const struct jotd_session *s)
{
    char created[32], used[32], expires[32];

    jotd_rfc3339(s->created_at, created);
    jotd_rfc3339(s->last_used_at, used);
    jotd_rfc3339(s->expires_at, expires);
    return json_array_append_new(
               ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", s->id,
                              "created_at", created, "last_used_at", used,
                              "expires_at", expires, "user_agent",
                              s->user_agent, "ip", s->ip)) != 0;
}

void
jotd_h_admin_user_sessions(struct jotd_req *r, jotd_store *st)
{
    json_t *list = NULL;
    struct jotd_user u;
    struct jotd_op op;
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0 || path_user(r, &op, &u) != 0)
        return;
    jot_wipe(u.password_hash, sizeof u.password_hash);
    list = json_array();
    err = list != NULL ? jotd_session_list(&op, u.id, add_session, list)
                       : JOTD_ERR_NOMEM;
    if (err != JOTD_OK) {
        json_decref(list);
        jotd_resp_fail(r, err, NULL);
        return;
    }
    jotd_resp_json(r, 200, json_pack("{s:o}", "sessions", list));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

void
jotd_h_admin_session_delete(struct jotd_req *r, jotd_store *st)
{
    const char *sid = jotd_req_param(r, "id");
    struct jotd_op op;
    char detail[64];
    jotd_err err;

    jotd_op_of(r, st, &op);
    if (jotd_admin_caller(r, &op) != 0)
        return;
    by_whom(r, detail);
    err = jotd_session_revoke_any(&op, sid != NULL ? sid : "", detail);
    if (err != JOTD_OK)
        jotd_resp_fail(r, err,
                       err == JOTD_ERR_NOT_FOUND ? "no such session" : NULL);
    else
        jotd_resp_empty(r, 204);
}
