/*
 * routes_me.c - the caller's own account: /v1/me, its password and its
 * sessions.  Every route here has passed the bearer check.
 */
#include <stdio.h>
#include <string.h>

#include "api/guards.h"
#include "core/password.h"
#include "core/revocation.h"
#include "api/routes.h"
#include "core/throttle.h"

/* Loads the caller's user row; answers and returns -1 when it cannot. */
static int
load_me(struct jotd_req *r, jotd_store *st, struct jotd_user *u)
{
    enum jotd_store_result sr = st->ops->user_get(st, r->who.sub, u);

    if (sr == JOTD_STORE_OK && !u->disabled)
        return 0;
    if (sr == JOTD_STORE_ERROR)
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
    else
        jotd_guard_refuse(r, "account unavailable");
    return -1;
}

void
jotd_h_me(struct jotd_req *r, jotd_store *st)
{
    struct jotd_user u;

    if (load_me(r, st, &u) == 0)
        jotd_resp_json(r, 200, jotd_user_json(&u));
}

void
jotd_h_password(struct jotd_req *r, jotd_store *st)
{
    const struct jotd_config *cfg = r->cfg;
    const char *cur, *next;
    size_t cur_len, next_len, n;
    struct jotd_user u;
    int64_t now = jotd_now_ms();
    enum jotd_pw_result pr;
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
    if (load_me(r, st, &u) != 0)
        return;
    /* A wrong current password is a failed password check like a failed
     * login, and is throttled the same way (API.md). */
    if (jotd_throttle_gate(r, st, u.username_key, now) != 0)
        return;
    jotd_hash_slot_take();
    pr = cur_len <= JOTD_PASSWORD_MAX
             ? jotd_password_verify(u.password_hash, cur, cur_len)
             : JOTD_PW_MISMATCH;
    jotd_hash_slot_give();
    if (pr != JOTD_PW_OK) {
        jotd_throttle_fail(st, cfg, u.username_key, r->ip, now);
        jotd_audit(st, r, "password_change_failed", u.id, r->who.sid, NULL);
        jotd_resp_fail(r, JOTD_ERR_CREDENTIALS,
                        "current password is wrong");
        return;
    }
    jotd_throttle_success(st, u.username_key, r->ip, now);
    pr = jotd_password_check(cfg, next, next_len);
    if (pr == JOTD_PW_OK) {
        jotd_hash_slot_take();
        pr = jotd_password_hash(cfg, next, next_len, u.password_hash);
        jotd_hash_slot_give();
    }
    if (pr != JOTD_PW_OK) {
        jotd_resp_fail(r, pr == JOTD_PW_TOO_SHORT  ? JOTD_ERR_PASSWORD_SHORT
                          : pr == JOTD_PW_TOO_LONG ? JOTD_ERR_PASSWORD_LONG
                                                   : JOTD_ERR_INTERNAL,
                       pr == JOTD_PW_ERROR ? "cannot hash the password"
                                           : NULL);
        return;
    }
    if (st->ops->user_update(st, &u, now) != JOTD_STORE_OK ||
        st->ops->session_revoke_user(st, u.id, r->who.sid, "password", now,
                                     &n) != JOTD_STORE_OK) {
        jot_wipe(u.password_hash, sizeof u.password_hash);
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jot_wipe(u.password_hash, sizeof u.password_hash);
    jotd_audit(st, r, "password_changed", u.id, r->who.sid, NULL);
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

    if (l.list == NULL ||
        st->ops->session_list_user(st, r->who.sub, jotd_now_ms(), add_session,
                                   &l) != JOTD_STORE_OK) {
        json_decref(l.list);
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_resp_json(r, 200, json_pack("{s:o}", "sessions", l.list));
}

void
jotd_h_session_delete(struct jotd_req *r, jotd_store *st)
{
    const char *id = jotd_req_param(r, "id");
    struct jotd_session s;
    enum jotd_store_result sr;

    sr = strlen(id) == JOTD_ID_LEN
             ? st->ops->session_get(st, id, &s)
             : JOTD_STORE_NOT_FOUND;
    if (sr == JOTD_STORE_ERROR) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    /* Someone else's session is as absent as a session that never was. */
    if (sr != JOTD_STORE_OK || strcmp(s.user_id, r->who.sub) != 0 ||
        s.revoked_at != 0) {
        jotd_resp_fail(r, JOTD_ERR_NOT_FOUND, "no such session");
        return;
    }
    if (st->ops->session_revoke(st, s.id, "logout", jotd_now_ms()) !=
        JOTD_STORE_OK) {
        jotd_resp_fail(r, JOTD_ERR_UNAVAILABLE, NULL);
        return;
    }
    jotd_revoked_add(r->j, s.id);
    jotd_audit(st, r, "session_revoked", r->who.sub, s.id, NULL);
    jotd_resp_empty(r, 204);
}
