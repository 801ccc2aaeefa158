/*
 * store.h - jotd's storage, behind one table of functions.
 *
 * Engines: store/sqlite.c ("sqlite:PATH") and store/pg.c
 * ("postgresql://..." or "postgres://...").  Nothing outside an engine knows which one runs:
 * no SQL and no engine type leaves store/.  What an engine needs to
 * build a jotd_store is in store/engine.h, which only engines include.
 *
 * A jotd_store is one connection and is NOT thread-safe: each thread
 * that touches the database opens its own with jotd_store_open.  Every
 * call is one transaction (or a single statement) and is durable when it
 * returns JOTD_STORE_OK.
 *
 * Times are milliseconds since the Unix epoch (int64_t); 0 means "none"
 * (e.g. revoked_at of a live session).  Ids are 36-character lowercase
 * UUID strings (random, version 4), made by the caller.
 *
 * Change sequences.  The database keeps two counters that only go up:
 * the revocation sequence and the key sequence.  Every call that revokes
 * at least one session (session_revoke, session_revoke_user, user_delete)
 * takes the next revocation number, in the same transaction, and stamps
 * it on every session it revoked; key_insert and key_activate take the
 * next key number.  The counter is one row, locked until the commit, so
 * transactions commit in the order of their numbers: a reader that has
 * seen number N never sees a smaller one commit later, and can ask for
 * "what came after N" (revoked_after) without missing anything.  An
 * engine that can push changes (PostgreSQL's NOTIFY, sent only when the
 * transaction commits) also announces each new number on listening
 * connections (listen, wait).
 */
#ifndef JOTD_STORE_H
#define JOTD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum jotd_store_result {
    JOTD_STORE_OK = 0,
    JOTD_STORE_NOT_FOUND,   /* no such row */
    JOTD_STORE_CONFLICT,    /* unique key taken, or compare-and-set lost */
    JOTD_STORE_ERROR        /* the database failed or is unreachable */
};


struct jotd_user {
    char id[JOTD_ID_LEN + 1];
    char username[JOTD_USERNAME_MAX + 1];
    /* The username with ASCII letters lower-cased: the unique key. */
    char username_key[JOTD_USERNAME_MAX + 1];
    char password_hash[256];
    char roles[512];                /* JSON array text: ["user"] */
    int disabled;
    int64_t created_at;
    int64_t updated_at;
};

struct jotd_session {
    char id[JOTD_ID_LEN + 1];
    char user_id[JOTD_ID_LEN + 1];
    int64_t gen;                    /* current refresh generation, from 1 */
    int64_t rotated_at;             /* when gen last moved (ms) */
    int64_t created_at;
    int64_t last_used_at;
    int64_t expires_at;             /* refresh expiry, sliding */
    int64_t revoked_at;             /* 0 while live */
    char revoked_reason[32];        /* "logout", "reuse", "password", ... */
    char user_agent[256];           /* truncated */
    char ip[64];
    char client_id[JOTD_CLIENT_ID_MAX + 1]; /* of its token request */
};

struct jotd_signing_key {
    char kid[128];
    char alg[16];                   /* JWS name */
    char *public_jwk;               /* JSON text, NULL for HMAC keys */
    char *private_enc;              /* sealed private JWK (sealing.h) */
    int64_t created_at;
    int64_t activated_at;           /* 0: never active */
    int64_t retired_at;             /* 0: not retired */
};

/* Frees the strings of a key filled by the store (not k itself). */
void jotd_signing_key_clear(struct jotd_signing_key *k);

/* A throttling bucket: its count within its window, the time (ms) of
 * the first count of the window and of the last. */
struct jotd_failure {
    int64_t count, first_at, last_at;
};

typedef struct jotd_store jotd_store;

/* Callbacks for listings; return non-zero to stop early. */
typedef int (*jotd_user_cb)(void *ctx, const struct jotd_user *u);
typedef int (*jotd_session_cb)(void *ctx, const struct jotd_session *s);
typedef int (*jotd_key_cb)(void *ctx, const struct jotd_signing_key *k);
typedef int (*jotd_revoked_cb)(void *ctx, const char *session_id,
                               int64_t revoked_at);
/* For revoked_after: seq is the revocation number of the session. */
typedef int (*jotd_revoked_seq_cb)(void *ctx, const char *session_id,
                                   int64_t revoked_at, int64_t seq);

/* The change sequences (see the top of this file): the last numbers
 * taken, 0 before the first. */
struct jotd_seqs {
    int64_t revoked;
    int64_t keys;
};

/* What wait reports, as bits. */
enum jotd_store_change {
    JOTD_CHANGE_REVOKED = 1,        /* a revocation committed */
    JOTD_CHANGE_KEYS = 2            /* a key was added or activated */
};

struct jotd_store_ops {
    const char *name;               /* "sqlite", "postgresql" */
    void (*close)(jotd_store *st);
    /* Applies every migration not yet applied, in one transaction each.
     * *version gets the schema version afterwards. */
    enum jotd_store_result (*migrate)(jotd_store *st, int *version);
    /* A cheap round trip, for /healthz. */
    enum jotd_store_result (*ping)(jotd_store *st);

    /* Users.  CONFLICT when username_key is taken. */
    enum jotd_store_result (*user_create)(jotd_store *st,
                                          const struct jotd_user *u);
    enum jotd_store_result (*user_get)(jotd_store *st, const char *id,
                                       struct jotd_user *out);
    enum jotd_store_result (*user_get_by_name)(jotd_store *st,
                                               const char *username_key,
                                               struct jotd_user *out);
    /* Users ordered by id, with id > after ("" for the first page), at
     * most limit of them. */
    enum jotd_store_result (*user_list)(jotd_store *st, const char *after,
                                        size_t limit, jotd_user_cb cb,
                                        void *ctx);
    /* Sets password_hash, roles and disabled from u (found by u->id) and
     * updated_at = now.  NOT_FOUND for an unknown id. */
    enum jotd_store_result (*user_update)(jotd_store *st,
                                          const struct jotd_user *u,
                                          int64_t now);
    /* Deletes the user and revokes (not deletes) their sessions, taking
     * a revocation number when it revoked any. */
    enum jotd_store_result (*user_delete)(jotd_store *st, const char *id,
                                          int64_t now);

    /* Sessions. */
    enum jotd_store_result (*session_create)(jotd_store *st,
                                             const struct jotd_session *s);
    enum jotd_store_result (*session_get)(jotd_store *st, const char *id,
                                          struct jotd_session *out);
    /*
     * The rotation compare-and-set: when the session is live (not
     * revoked, and expires_at > now) and its gen
     * is from_gen, sets gen = from_gen + 1, rotated_at = last_used_at =
     * now and expires_at = new_expires_at, and returns OK; otherwise
     * CONFLICT (NOT_FOUND for an unknown id).  One atomic statement, so
     * of two racing
     * rotations exactly one wins, on any number of nodes.
     */
    enum jotd_store_result (*session_rotate)(jotd_store *st, const char *id,
                                             int64_t from_gen, int64_t now,
                                             int64_t new_expires_at);
    /* Marks a live session revoked at now with reason, under the next
     * revocation number; NOT_FOUND when it does not exist, OK when it
     * was already revoked (idempotent: no number is taken). */
    enum jotd_store_result (*session_revoke)(jotd_store *st, const char *id,
                                             const char *reason, int64_t now);
    /* Revokes every live session of user_id except except_id (NULL: all);
     * *n_revoked (may be NULL) gets the count, and cb (may be NULL) each
     * id revoked, with now, so that the caller can refuse their tokens at
     * once.  cb must not call into st; its result is ignored.  One
     * revocation number covers every session the call revoked; none is
     * taken when it revoked none. */
    enum jotd_store_result (*session_revoke_user)(jotd_store *st,
                                                  const char *user_id,
                                                  const char *except_id,
                                                  const char *reason,
                                                  int64_t now,
                                                  jotd_revoked_cb cb,
                                                  void *ctx,
                                                  size_t *n_revoked);
    /* Live sessions of a user, newest first. */
    enum jotd_store_result (*session_list_user)(jotd_store *st,
                                                const char *user_id,
                                                int64_t now,
                                                jotd_session_cb cb, void *ctx);
    /* Sessions revoked at or after since (for the revocation set). */
    enum jotd_store_result (*revoked_since)(jotd_store *st, int64_t since,
                                            jotd_revoked_cb cb, void *ctx);
    /*
     * Sessions whose revocation number is above after, by number (then
     * id): the ones with the smallest numbers, at least limit of them
     * when there are that many, and never part of one number, so that
     * the last number passed to cb is complete and the next page starts
     * above it (a page passes limit by the rest of its last number).
     * Sessions revoked before the numbers existed (number 0) and pruned
     * ones are never listed.
     */
    enum jotd_store_result (*revoked_after)(jotd_store *st, int64_t after,
                                            size_t limit,
                                            jotd_revoked_seq_cb cb,
                                            void *ctx);
    /* The current change sequences into *out (all 0 on failure): one
     * cheap read. */
    enum jotd_store_result (*seqs_get)(jotd_store *st,
                                       struct jotd_seqs *out);

    /*
     * Notifications.  listen makes st a listening connection: from then
     * on wait(st, ...) reports the changes committed by any connection.
     * NOT_FOUND when the engine pushes nothing (SQLite): then seqs_get is
     * cheap enough to read often, and that is how to notice a change.
     * ERROR when the database failed.
     *
     * wait blocks up to timeout_ms (>= 0) until a change comes, and ORs
     * the enum jotd_store_change bits of every change that came into
     * *changes (0 when none came).  ERROR when the connection was lost
     * or reset since listen (it may be opened again or listen called
     * again later): changes may have been missed meanwhile, so read
     * everything again.  On an engine that pushes nothing it sleeps
     * timeout_ms and reports none.
     *
     * WARNING: another call on a listening connection is allowed (the
     * changes that arrive meanwhile are kept for wait), but one that
     * reconnects it ends the listening: wait says so with ERROR.
     */
    enum jotd_store_result (*listen)(jotd_store *st);
    enum jotd_store_result (*wait)(jotd_store *st, int timeout_ms,
                                   unsigned *changes);

    /* Stores value under name (borrowed) unless a larger value is stored
     * there already, and gives the stored value afterwards in *out (0 on
     * failure): a maximum shared by every node, such as the largest
     * access_ttl ever in force.  Values never go down. */
    enum jotd_store_result (*setting_raise)(jotd_store *st, const char *name,
                                            int64_t value, int64_t *out);

    /*
     * Throttling buckets ("a:<user key>|<ip>", "i:<ip>", ..., see
     * core/throttle.c).
     * failure_add counts one failure at now in bucket, restarting the
     * count when the previous window (window_ms from the first failure)
     * is over; *count and *last_at get the bucket's state afterwards.
     * failure_get reads it (count 0 when absent or the window is over).
     * failure_clear deletes the bucket.
     */
    enum jotd_store_result (*failure_add)(jotd_store *st, const char *bucket,
                                          int64_t now, int64_t window_ms,
                                          int64_t *count, int64_t *last_at);
    enum jotd_store_result (*failure_get)(jotd_store *st, const char *bucket,
                                          int64_t now, int64_t window_ms,
                                          int64_t *count, int64_t *last_at);
    enum jotd_store_result (*failure_clear)(jotd_store *st,
                                            const char *bucket);
    /*
     * failure_take counts one at now in bucket like failure_add, but
     * only when the bucket's count (0 when absent or its window over) is
     * still expect: a compare-and-set, so that of callers that read the
     * same count only one counts, on every node.  *taken is 1 when it
     * counted; *out gets the bucket's state afterwards either way (all 0
     * when absent or over).  failure_undo takes one back from bucket's
     * count, never below 0 (a reservation that was no failure).
     */
    enum jotd_store_result (*failure_take)(jotd_store *st, const char *bucket,
                                           int64_t now, int64_t window_ms,
                                           int64_t expect, int *taken,
                                           struct jotd_failure *out);
    enum jotd_store_result (*failure_undo)(jotd_store *st,
                                           const char *bucket);

    /* Signing keys.  key_insert and key_activate (when it found kid)
     * take the next key number. */
    enum jotd_store_result (*key_insert)(jotd_store *st,
                                         const struct jotd_signing_key *k);
    /* Every key, oldest first. */
    enum jotd_store_result (*key_list)(jotd_store *st, jotd_key_cb cb,
                                       void *ctx);
    /* In one transaction: retire (retired_at = now) every active key that
     * is not kid, and activate kid (activated_at = now). */
    enum jotd_store_result (*key_activate)(jotd_store *st, const char *kid,
                                           int64_t now);

    /* Audit trail; detail is short JSON text or NULL. */
    enum jotd_store_result (*audit)(jotd_store *st, int64_t at,
                                    const char *kind, const char *user_id,
                                    const char *session_id, const char *ip,
                                    const char *detail);

    /*
     * Pruning by age, a bounded batch at a time: each deletes at most
     * limit rows (the oldest first where it says so), in one short
     * statement, and *n_deleted gets how many; fewer than limit means
     * nothing older is left.  The caller decides what "old" is.
     *
     * audit_prune: audit rows with at < before, oldest first.
     * session_prune: sessions revoked before before (revoked_at <
     * before), and live ones that expired before it (expires_at <
     * before).  A revoked session must be kept for as long as any of its
     * access tokens could be accepted: before is the caller's to choose
     * accordingly.
     * failure_prune: throttling buckets whose name starts with prefix
     * ("" for all, borrowed) and whose last failure was before before,
     * oldest first.
     */
    enum jotd_store_result (*audit_prune)(jotd_store *st, int64_t before,
                                          size_t limit, size_t *n_deleted);
    enum jotd_store_result (*session_prune)(jotd_store *st, int64_t before,
                                            size_t limit, size_t *n_deleted);
    enum jotd_store_result (*failure_prune)(jotd_store *st,
                                            const char *prefix,
                                            int64_t before, size_t limit,
                                            size_t *n_deleted);

    /*
     * Outages.  writable: OK when the database would take a write now;
     * ERROR when it does not answer, or answers but refuses writes: a
     * SQLite file locked by another process (after a short wait, not
     * the whole busy timeout), a PostgreSQL standby or a read-only
     * database.  It writes nothing: a full disk shows only when a write
     * fails.  last_error copies into out (cap bytes, always
     * NUL-terminated) the engine's own words for this connection's last
     * failure ("database is locked", libpq's first line), "" when there
     * was none since the previous call, and forgets it.  The text names
     * no password and no URL; it is for the log, never for an answer.
     */
    enum jotd_store_result (*writable)(jotd_store *st);
    void (*last_error)(jotd_store *st, char *out, size_t cap);

    /*
     * Optional (NULL when an engine gains nothing by them): group_begin
     * opens one write transaction for the few operations that follow, up
     * to group_end, so that they take the database's locks once rather
     * than each on its own; group_end commits it when commit is non-zero
     * and rolls it back otherwise.  Only reads and single-statement
     * writes (session_get, session_rotate, user_get, ...) may run in
     * between, never an operation with a transaction of its own.  ERROR
     * from group_end means that nothing in the group took effect.
     */
    enum jotd_store_result (*group_begin)(jotd_store *st);
    enum jotd_store_result (*group_end)(jotd_store *st, int commit);
};

/*
 * Every engine's connection value starts with this struct, so that a
 * jotd_store pointer and the engine's own pointer convert (engine.h).
 */
struct jotd_store {
    const struct jotd_store_ops *ops;
};

/*
 * Opens a connection for url: "sqlite:PATH" (the file and its directory
 * are created when missing, the file with mode 0600; WAL mode, a busy
 * timeout, foreign keys on) or "postgresql://..." (any URL libpq
 * takes, its multi-host form included; a connect_timeout that keeps an
 * attempt over every host within 4 s unless the URL sets one, TCP
 * keepalives, statement_timeout 5 s).  Does not migrate.  Returns
 * NULL with a message in err (no secret in it).
 */
jotd_store *jotd_store_open(const char *url, char *err, size_t err_len);

/* Closes st; NULL is a no-op. */
void jotd_store_close(jotd_store *st);

/*
 * WARNING for every listing: the rows passed to a callback (strings
 * included) are borrowed for that call only; a callback may call other
 * operations of the same store but not the running listing itself.
 */

#endif /* JOTD_STORE_H */
