/*
 * me.c - the caller's own account: /v1/me, its password and its
 * sessions.  Every route here has passed the bearer check.
 */
#include <stdio.h>
#include <string.h>

#include "api/guards.h"
#include "api/routes.h"
#include "core/sessions.h"

/* Loads the caller's user row; answers and returns -1 when it cannot. */
static int
load_me(struct jotd_req *r, const struct jotd_op *op, struct jotd_user *u)
{
    jotd_err err = jotd_account_get(op, r->who.sub, u);

    if (err == JOTD_OK && !u->disabled)
        return 0;
    if (err == JOTD_ERR_UNAVAILABLE)
        jotd_resp_fail(r, err, NULL);
    else
        jotd_guard_refuse(r, "account unavailable");
    return -1;
}

void
jotd_h_me(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    struct jotd_user u;

    jotd_op_of(r, st, &op);
    if (load_me(r, &op, &u) != 0)
        return;
    jotd_resp_json(r, 200, jotd_account_json(&u));
    /* RFC 9111 §5.2.2.5: an account is never kept by a cache, whatever
     * it makes of the path (web-cache deception). */
    jotd_resp_header(r, "Cache-Control", "no-store");
}

void
jotd_h_password(struct jotd_req *r, jotd_store *st)
{
    const char *cur, *next;
    size_t cur_len, next_len;
    struct jotd_op op;
    struct jotd_user u;
    int64_t retry;
    jotd_err err;
    int bad = 0;

    cur = jotd_req_string(r, "current_password", &cur_len, &bad);
    next = bad ? NULL : jotd_req_string(r, "new_password", &next_len, &bad);
    if (bad)
        return;
    if (cur == NULL || next == NULL) {
        jotd_resp_fail(r, JOTD_ERR_INVALID,
                        "current_password and new_password are required");
        return;
    }
    jotd_op_of(r, st, &op);
    if (load_me(r, &op, &u) != 0)
        return;
    err = jotd_account_change_password(&op, &u, cur, cur_len, next,
                                       next_len, r->who.sid, &retry);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err != JOTD_OK) {
        jotd_answer_fail(r, err,
                         err == JOTD_ERR_CREDENTIALS
                             ? "current password is wrong"
                             : NULL,
                         retry);
        return;
    }
    jotd_resp_empty(r, 204);
}

struct listing {
    json_t *list;
    const char *current;
};

static int
add_session(void *ctx, const struct jotd_session *s)
{
    struct listing *l = ctx;
    char created[32], used[32];

    jotd_rfc3339(s->created_at, created);
    jotd_rfc3339(s->last_used_at, used);
    json_array_append_new(
        l->list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", s->id,
                           "created_at", created, "last_used_at", used,
                           "user_agent", s->user_agent, "ip", s->ip,
                           "current", strcmp(s->id, l->current) == 0));
    return 0;
}

void
jotd_h_sessions(struct jotd_req *r, jotd_store *st)
{
    struct listing l = {json_array(), r->who.sid};
    struct jotd_op op;

    jotd_op_of(r, st, &op);
    if (l.list == NULL ||
        jotd_session_list(&op, r->who.sub, add_session, &l) != JOTD_OK) {
        json_decref(l.list);
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_resp_json(r, 200, json_pack("{s:o}", "sessions", l.list));
    jotd_resp_header(r, "Cache-Control", "no-store");
}

void
jotd_h_session_delete(struct jotd_req *r, jotd_store *st)
{
    struct jotd_op op;
    jotd_err err;

    jotd_op_of(r, st, &op);
    err = jotd_session_revoke_own(&op, r->who.sub, jotd_req_param(r, "id"));
    if (err != JOTD_OK)
        jotd_resp_fail(r, err,
                       err == JOTD_ERR_NOT_FOUND ? "no such session" : NULL);
    else
        jotd_resp_empty(r, 204);
}
