/*
 * routes.h - the handlers of the routing table, and what they share.
 */
#ifndef JOTD_ROUTES_H
#define JOTD_ROUTES_H

#include "http/http.h"

/* routes_auth.c */
void jotd_h_users_create(struct jotd_req *r, jotd_store *st);
void jotd_h_login(struct jotd_req *r, jotd_store *st);
void jotd_h_refresh(struct jotd_req *r, jotd_store *st);
void jotd_h_logout(struct jotd_req *r, jotd_store *st);

/* routes_me.c */
void jotd_h_me(struct jotd_req *r, jotd_store *st);
void jotd_h_password(struct jotd_req *r, jotd_store *st);
void jotd_h_sessions(struct jotd_req *r, jotd_store *st);
void jotd_h_session_delete(struct jotd_req *r, jotd_store *st);

/* ops.c */
void jotd_h_verify(struct jotd_req *r, jotd_store *st);
void jotd_h_health(struct jotd_req *r, jotd_store *st);

/* wellknown.c */
void jotd_h_jwks(struct jotd_req *r, jotd_store *st);
void jotd_h_discovery(struct jotd_req *r, jotd_store *st);

/* Limits the password hashes computed at once (each argon2id hash holds
 * 19 MiB): n slots, set once at start. */
void jotd_hash_slots_init(unsigned n);
void jotd_hash_slot_take(void);
void jotd_hash_slot_give(void);

/*
 * The throttle in front of a password check of user_key from the
 * request's address: 0 when it may go on, -1 when it has answered (429
 * with Retry-After, or 503).
 */
int jotd_throttle_gate(struct jotd_req *r, jotd_store *st,
                       const char *user_key, int64_t now);

/* {"id","username","roles","created_at"} of u. */
json_t *jotd_user_json(const struct jotd_user *u);

/* Records an audit event in the database and the log. */
void jotd_audit(jotd_store *st, struct jotd_req *r, const char *kind,
                const char *user_id, const char *session_id,
                const char *detail);

#endif /* JOTD_ROUTES_H */
