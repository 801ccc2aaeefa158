/*
 * routes.h - the handlers of the routing table, and what they share.
 */
#ifndef JOTD_ROUTES_H
#define JOTD_ROUTES_H

#include "core/accounts.h"
#include "core/password.h"    /* jotd_hash_slots_init, for main.c */
#include "http/http.h"

/* routes.c: the one routing table, handed to jotd_http_start. */
extern const struct jotd_route jotd_routes[];
extern const size_t jotd_n_routes;
/* The table of the metrics = ADDR listener: GET /metrics alone. */
extern const struct jotd_route jotd_metrics_routes[];
extern const size_t jotd_n_metrics_routes;

/* auth.c */
void jotd_h_users_create(struct jotd_req *r, jotd_store *st);
void jotd_h_login(struct jotd_req *r, jotd_store *st);
void jotd_h_refresh(struct jotd_req *r, jotd_store *st);
void jotd_h_logout(struct jotd_req *r, jotd_store *st);

/* me.c */
void jotd_h_me(struct jotd_req *r, jotd_store *st);
void jotd_h_password(struct jotd_req *r, jotd_store *st);
void jotd_h_sessions(struct jotd_req *r, jotd_store *st);
void jotd_h_session_delete(struct jotd_req *r, jotd_store *st);

/* oauth.c */
void jotd_h_oauth_token(struct jotd_req *r, jotd_store *st);
void jotd_h_oauth_revoke(struct jotd_req *r, jotd_store *st);
void jotd_h_oauth_introspect(struct jotd_req *r, jotd_store *st);

/* admin.c */
void jotd_h_admin_users(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_users_create(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_user(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_user_patch(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_user_delete(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_user_sessions(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_session_delete(struct jotd_req *r, jotd_store *st);

/* admin_keys.c */
void jotd_h_admin_keys(struct jotd_req *r, jotd_store *st);
void jotd_h_admin_keys_rotate(struct jotd_req *r, jotd_store *st);

/*
 * The database's word on the caller of an administration route, whose
 * token jotd_guard_admin accepted: 0 when the account still exists, is
 * enabled and has the admin role; else -1 with the request answered
 * (401 account unavailable, 403 insufficient_scope, 503).
 */
int jotd_admin_caller(struct jotd_req *r, const struct jotd_op *op);

/* The core operation context of a request, for handlers on st. */
void jotd_op_of(struct jotd_req *r, jotd_store *st, struct jotd_op *out);

/* ops.c */
void jotd_h_verify(struct jotd_req *r, jotd_store *st);
void jotd_h_health(struct jotd_req *r, jotd_store *st);

/* metrics.c */
void jotd_h_metrics(struct jotd_req *r, jotd_store *st);
void jotd_h_metrics_only(struct jotd_req *r, jotd_store *st);

/* wellknown.c */
void jotd_h_jwks(struct jotd_req *r, jotd_store *st);
void jotd_h_discovery(struct jotd_req *r, jotd_store *st);

/*
 * Answers err (the one table of http/response.c; description NULL:
 * jotd_strerror's words), and for JOTD_ERR_THROTTLED the Retry-After of
 * retry_after seconds.
 */
void jotd_answer_fail(struct jotd_req *r, jotd_err err,
                      const char *description, int64_t retry_after);

#endif /* JOTD_ROUTES_H */
