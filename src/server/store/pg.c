/*
 * pg.c - the PostgreSQL engine of store.h ("postgresql://..." or
 * "postgres://...", through libpq).
 *
 * One engine value is one connection (PGconn), never shared between
 * threads.  The whole URL goes to libpq, so its multi-host URIs and
 * target_session_attrs work; connect_timeout, application_name,
 * client_encoding and the TCP keepalives get defaults that the URL's
 * own values override.
 *
 * Every statement is parameterised and unnamed (PQexecParams): no SQL is
 * built from input, and no prepared statement outlives its call, so the
 * engine also runs behind pgbouncer in transaction mode.  Every call is
 * one statement, which PostgreSQL runs as one transaction; only a
 * migration takes several statements, inside BEGIN ... COMMIT.
 *
 * Failures.  A lost connection or a failed statement is
 * JOTD_STORE_ERROR, and the next call reconnects (PQreset); a failed
 * reconnection makes the calls of the next second fail at once, and
 * every wait is bounded (connect, statement, a silent peer: see
 * CONNECT_BUDGET_S and the keepalives), so an unreachable database is a
 * 503 within 5 s, never a hang.  A
 * serialization failure or a deadlock (SQLSTATE 40001, 40P01) is run
 * again, a few times, after a short random pause, before it is an
 * error.  A unique key taken (23505) is JOTD_STORE_CONFLICT.  Messages
 * never hold the URL nor its password.
 *
 * Schema notes, as in sqlite.c: times are BIGINT milliseconds, 0 for
 * "none"; sessions.user_id has no foreign key, so that deleting a user
 * revokes its sessions and keeps their rows.
 *
 * The change sequences (store.h) are rows of counters, never SEQUENCEs:
 * the statement that revokes or changes keys also bumps its row, whose
 * lock it holds until it commits, so numbers commit in order (nextval()
 * values commit out of order, and a reader could pass one that commits
 * later).  The same statement calls pg_notify, which PostgreSQL delivers
 * at commit and only then, on CHANNEL_REVOKED or CHANNEL_KEYS with the
 * number as payload.  Listening takes a session-level LISTEN, so a
 * listening connection must reach the server directly, not through a
 * pooler in transaction mode (jotd's db_listen).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "store/engine.h"
#include "util.h"

/*
 * A request that meets an unreachable database answers 503 within the
 * 5 s of API.md, so a connection attempt over every host of the URL
 * takes at most CONNECT_BUDGET_S in all: libpq's connect_timeout is per
 * host (and at least 2 s), so each of n hosts gets budget / n of it,
 * unless the URL sets connect_timeout itself.
 */
#define CONNECT_BUDGET_S 4
#define CONNECT_MIN_S 2             /* libpq reads less as 2 */
/*
 * After a failed reconnection, the calls of the next RECONNECT_PAUSE_MS
 * fail at once with its cause, rather than each wait out a connection
 * attempt of its own while requests queue behind it.
 */
#define RECONNECT_PAUSE_MS 1000
/*
 * A server that dies without a word (its host gone, a cable cut) is
 * noticed within about 4 s: a keepalive probe after 2 s of silence,
 * then 2 more a second apart, and TCP_USER_TIMEOUT for data sent but
 * never acknowledged.  A live server's kernel answers the probes, so a
 * long statement is not cut.
 */
#define KEEPALIVES_IDLE "2"
#define KEEPALIVES_INTERVAL "1"
#define KEEPALIVES_COUNT "2"
#define TCP_USER_TIMEOUT "4000"     /* ms */
#define STATEMENT_TIMEOUT_MS 5000
#define MAX_TRIES 5                 /* for 40001 and 40P01 */
#define TEXT_MAX 65536              /* ceiling on any text argument */
#define MAX_ARGS 12
#define REASON_USER_DELETED "user_deleted"
#define CHANNEL_REVOKED "jot_revoked"   /* the NOTIFY channels */
#define CHANNEL_KEYS "jot_keys"
#define REASON_MAX (sizeof ((struct jotd_session *)0)->revoked_reason - 1)
/*
 * The key of the transaction-scoped advisory lock that migrations hold,
 * so that nodes starting together on an empty database apply each
 * migration once ("jotdmigr" in ASCII).
 */
#define MIGRATE_LOCK "6a6f74646d696772"
#define MIGRATE_TIMEOUT "'600s'"   /* a migration's statement_timeout */

/*
 * Migrations, applied in order, each in its own transaction; migration
 * i brings the schema to version i + 1.  The same schema as sqlite.c's,
 * version for version.  Never edit one that has shipped: append.
 */
static const char *const migrations[] = {
    /* 1: the tables of DESIGN.md. */
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " username TEXT NOT NULL,"
    " username_key TEXT NOT NULL UNIQUE,"
    " password_hash TEXT NOT NULL,"
    " roles TEXT NOT NULL DEFAULT '[]',"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL,"
    " gen BIGINT NOT NULL,"
    " rotated_at BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " last_used_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " revoked_at BIGINT NOT NULL DEFAULT 0,"
    " revoked_reason TEXT NOT NULL DEFAULT '',"
    " user_agent TEXT NOT NULL DEFAULT '',"
    " ip TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX sessions_user_id ON sessions (user_id, revoked_at);"
    "CREATE INDEX sessions_revoked_at ON sessions (revoked_at)"
    " WHERE revoked_at <> 0;"
    "CREATE TABLE login_failures ("
    " bucket TEXT PRIMARY KEY NOT NULL,"
    " count BIGINT NOT NULL,"
    " first_at BIGINT NOT NULL,"
    " last_at BIGINT NOT NULL);"
    /* seq keeps the order of insertion, SQLite's rowid. */
    "CREATE TABLE signing_keys ("
    " kid TEXT PRIMARY KEY NOT NULL,"
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " alg TEXT NOT NULL,"
    " public_jwk TEXT,"
    " private_enc TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " activated_at BIGINT NOT NULL DEFAULT 0,"
    " retired_at BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE audit_events ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " at BIGINT NOT NULL,"
    " kind TEXT NOT NULL,"
    " user_id TEXT,"
    " session_id TEXT,"
    " ip TEXT,"
    " detail TEXT);"
    "CREATE INDEX audit_events_at ON audit_events (at);",
    /* 2: settings that outlive a configuration (setting_raise). */
    "CREATE TABLE settings ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " value BIGINT NOT NULL);",
    /* 3: what the pruning passes look up by age. */
    "CREATE INDEX sessions_expires_at ON sessions (expires_at)"
    " WHERE revoked_at = 0;"
    "CREATE INDEX login_failures_last_at ON login_failures (last_at);",
    /* 4: the change sequences, as in sqlite.c. */
    "CREATE TABLE counters ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " value BIGINT NOT NULL);"
    "INSERT INTO counters (name, value) VALUES ('revoked', 0), ('keys', 0);"
    "ALTER TABLE sessions ADD COLUMN revoked_seq BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX sessions_revoked_seq ON sessions (revoked_seq)"
    " WHERE revoked_seq <> 0;",
    /* 5: the client_id of a session, as in sqlite.c. */
    "ALTER TABLE sessions ADD COLUMN client_id TEXT NOT NULL DEFAULT '';",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

#define USER_COLS                                                         \
    "id, username, username_key, password_hash, roles, disabled, "       \
    "created_at, updated_at"
#define SESSION_COLS                                                      \
    "id, user_id, gen, rotated_at, created_at, last_used_at, "           \
    "expires_at, revoked_at, revoked_reason, user_agent, ip, client_id"
#define KEY_COLS                                                          \
    "kid, alg, public_jwk, private_enc, created_at, activated_at, "      \
    "retired_at"

/* The statements; the casts settle each parameter's type where its use
 * alone would not. */
#define SQL_VERSION_TABLE                                                 \
    "CREATE TABLE IF NOT EXISTS schema_version ("                         \
    " version INTEGER PRIMARY KEY NOT NULL,"                              \
    " applied_at BIGINT NOT NULL)"
#define SQL_VERSION "SELECT COALESCE(MAX(version), 0) FROM schema_version"
#define SQL_VERSION_ADD                                                   \
    "INSERT INTO schema_version (version, applied_at) "                   \
    "VALUES ($1::integer, $2::bigint)"
#define SQL_USER_INSERT                                                   \
    "INSERT INTO users (" USER_COLS ") "                                  \
    "VALUES ($1, $2, $3, $4, $5, $6::integer, $7::bigint, $8::bigint)"
#define SQL_USER_GET "SELECT " USER_COLS " FROM users WHERE id = $1"
#define SQL_USER_BY_NAME                                                  \
    "SELECT " USER_COLS " FROM users WHERE username_key = $1"
/* COLLATE "C" orders ids by octets, as SQLite does. */
#define SQL_USER_LIST                                                     \
    "SELECT " USER_COLS " FROM users WHERE id COLLATE \"C\" > $1 "        \
    "ORDER BY id COLLATE \"C\" LIMIT $2::bigint"
#define SQL_USER_UPDATE                                                   \
    "UPDATE users SET password_hash = $2, roles = $3, "                   \
    "disabled = $4::integer, updated_at = $5::bigint WHERE id = $1"
/*
 * A revocation in one statement, after the CTE t that picks the sessions
 * and locks them (FOR UPDATE: a racing revocation of one of them waits,
 * then no longer finds it live).  Its count(*) reads t whole before c
 * bumps the counter, so every revocation locks its sessions first and
 * the counter row last: two revocations never wait for each other in a
 * cycle.  c takes a number only when t found a session; n announces it.
 */
#define REVOKE_T(where)                                                   \
    "t AS (SELECT id FROM sessions WHERE " where " AND revoked_at = 0 "   \
    "FOR UPDATE), "                                                       \
    "c AS (UPDATE counters SET value = value + 1 WHERE name = 'revoked' " \
    "AND (SELECT count(*) FROM t) > 0 RETURNING value), "                 \
    "n AS (SELECT pg_notify('" CHANNEL_REVOKED "', value::text) "         \
    "FROM c), "                                                           \
    "u AS (UPDATE sessions SET revoked_at = $2::bigint, "                 \
    "revoked_reason = $3, revoked_seq = (SELECT value FROM c) "           \
    "WHERE id IN (SELECT id FROM t) RETURNING id) "
/* The user and the revocation of their sessions in one statement. */
#define SQL_USER_DELETE                                                   \
    "WITH d AS (DELETE FROM users WHERE id = $1 RETURNING id), "          \
    REVOKE_T("user_id = $1 AND EXISTS (SELECT 1 FROM d)")                 \
    "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM n), "         \
    "(SELECT count(*) FROM u)"
#define SQL_SESSION_INSERT                                                \
    "INSERT INTO sessions (" SESSION_COLS ") "                            \
    "VALUES ($1, $2, $3::bigint, $4::bigint, $5::bigint, $6::bigint, "    \
    "$7::bigint, $8::bigint, $9, $10, $11, $12)"
#define SQL_SESSION_GET "SELECT " SESSION_COLS " FROM sessions WHERE id = $1"
/*
 * The compare-and-set of refresh rotation, one statement: a racing
 * UPDATE of the same row waits for the first to commit, then reads the
 * row again and no longer matches its gen, so exactly one wins.  The
 * second column tells a lost race (the row exists) from an unknown id.
 */
#define SQL_SESSION_ROTATE                                                \
    "WITH u AS (UPDATE sessions SET gen = gen + 1, "                      \
    "rotated_at = $3::bigint, last_used_at = $3::bigint, "                \
    "expires_at = $4::bigint WHERE id = $1 AND gen = $2::bigint "         \
    "AND revoked_at = 0 AND expires_at > $3::bigint RETURNING 1) "        \
    "SELECT (SELECT count(*) FROM u), "                                   \
    "EXISTS (SELECT 1 FROM sessions WHERE id = $1)"
/* Idempotent: the second column says whether the session exists. */
#define SQL_SESSION_REVOKE                                                \
    "WITH " REVOKE_T("id = $1")                                           \
    "SELECT (SELECT count(*) FROM u), "                                   \
    "EXISTS (SELECT 1 FROM sessions WHERE id = $1), "                     \
    "(SELECT count(*) FROM n)"
#define SQL_SESSION_REVOKE_USER                                           \
    "WITH " REVOKE_T("user_id = $1 AND ($4::text IS NULL OR id <> $4::text)") \
    "SELECT id, (SELECT count(*) FROM n) FROM u"
#define SQL_SESSION_LIST_USER                                             \
    "SELECT " SESSION_COLS " FROM sessions "                              \
    "WHERE user_id = $1 AND revoked_at = 0 AND expires_at > $2::bigint "  \
    "ORDER BY created_at DESC, id COLLATE \"C\" DESC"
#define SQL_REVOKED_SINCE                                                 \
    "SELECT id, revoked_at FROM sessions "                                \
    "WHERE revoked_at <> 0 AND revoked_at >= $1::bigint "                 \
    "ORDER BY revoked_at, id COLLATE \"C\""
/* As sqlite.c's: up to the number of the $2-th session, that one whole. */
#define SQL_REVOKED_AFTER                                                 \
    "SELECT id, revoked_at, revoked_seq FROM sessions "                   \
    "WHERE revoked_seq <> 0 AND revoked_seq > $1::bigint "                \
    "AND revoked_seq <= "                                                 \
    "(SELECT max(revoked_seq) FROM (SELECT revoked_seq FROM sessions "    \
    "WHERE revoked_seq <> 0 AND revoked_seq > $1::bigint "                \
    "ORDER BY revoked_seq "                                               \
    "LIMIT $2::bigint) p) "                                               \
    "ORDER BY revoked_seq, id COLLATE \"C\""
#define SQL_SEQS                                                          \
    "SELECT (SELECT value FROM counters WHERE name = 'revoked'), "        \
    "(SELECT value FROM counters WHERE name = 'keys')"
#define SQL_LISTEN "LISTEN " CHANNEL_REVOKED "; LISTEN " CHANNEL_KEYS
/* One statement that always gives the stored maximum. */
#define SQL_SETTING_RAISE                                                 \
    "INSERT INTO settings AS s (name, value) VALUES ($1, $2::bigint) "    \
    "ON CONFLICT (name) DO UPDATE SET "                                   \
    "value = greatest(s.value, excluded.value) RETURNING value"
/* As sqlite.c: in the UPDATE, f's columns are the row before it. */
#define FAILURE_SET                                                       \
    "ON CONFLICT (bucket) DO UPDATE SET "                                 \
    "count = CASE WHEN $2::bigint - f.first_at >= $3::bigint THEN 1 "     \
    "ELSE f.count + 1 END, "                                              \
    "first_at = CASE WHEN $2::bigint - f.first_at >= $3::bigint "         \
    "THEN $2::bigint ELSE f.first_at END, last_at = $2::bigint "
#define SQL_FAILURE_ADD                                                   \
    "INSERT INTO login_failures AS f (bucket, count, first_at, last_at) " \
    "VALUES ($1, 1, $2::bigint, $2::bigint) " FAILURE_SET                 \
    "RETURNING count, first_at, last_at"
#define SQL_FAILURE_READ                                                  \
    "SELECT count, first_at, last_at FROM login_failures "                \
    "WHERE bucket = $1 AND $2::bigint - first_at < $3::bigint"
#define SQL_FAILURE_CLEAR "DELETE FROM login_failures WHERE bucket = $1"
/*
 * SQL_FAILURE_ADD counting only when the live count is $4: a new row
 * only when $4 is 0 (the SELECT gives a row to conflict with when the
 * bucket exists), an update only when the row's count (0 when its
 * window is over) is $4.  A racing insert of the same bucket waits for
 * the first and then takes the update path against its row.
 */
#define SQL_FAILURE_TAKE                                                  \
    "INSERT INTO login_failures AS f (bucket, count, first_at, last_at) " \
    "SELECT $1, 1, $2::bigint, $2::bigint WHERE $4::bigint = 0 OR "       \
    "EXISTS (SELECT 1 FROM login_failures WHERE bucket = $1) "            \
    FAILURE_SET                                                           \
    "WHERE (CASE WHEN $2::bigint - f.first_at >= $3::bigint THEN 0 "      \
    "ELSE f.count END) = $4::bigint "                                     \
    "RETURNING count, first_at, last_at"
#define SQL_FAILURE_UNDO                                                  \
    "UPDATE login_failures SET count = greatest(count - 1, 0) "           \
    "WHERE bucket = $1"
/* The key number and its announcement, when the change k (a CTE)
 * changed a row. */
#define KEY_SEQ                                                           \
    "c AS (UPDATE counters SET value = value + 1 WHERE name = 'keys' "    \
    "AND EXISTS (SELECT 1 FROM k) RETURNING value), "                     \
    "n AS (SELECT pg_notify('" CHANNEL_KEYS "', value::text) FROM c) "
#define SQL_KEY_INSERT                                                    \
    "WITH k AS (INSERT INTO signing_keys (" KEY_COLS ") "                 \
    "VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7::bigint) "        \
    "RETURNING 1), " KEY_SEQ "SELECT count(*) FROM n"
#define SQL_KEY_LIST                                                      \
    "SELECT " KEY_COLS " FROM signing_keys ORDER BY created_at, seq"
/*
 * Activates kid (clearing its retired_at) and retires every other
 * active key, in one statement; no row changes when kid is unknown.
 */
#define SQL_KEY_ACTIVATE                                                  \
    "WITH k AS (UPDATE signing_keys SET "                                 \
    "activated_at = CASE WHEN kid = $1 THEN $2::bigint "                  \
    "ELSE activated_at END, "                                             \
    "retired_at = CASE WHEN kid = $1 THEN 0 ELSE $2::bigint END "         \
    "WHERE (kid = $1 OR (activated_at <> 0 AND retired_at = 0)) "         \
    "AND EXISTS (SELECT 1 FROM signing_keys WHERE kid = $1) "             \
    "RETURNING 1), " KEY_SEQ                                              \
    "SELECT (SELECT count(*) FROM k), (SELECT count(*) FROM n)"
#define SQL_AUDIT                                                         \
    "INSERT INTO audit_events (at, kind, user_id, session_id, ip, detail) " \
    "VALUES ($1::bigint, $2, $3, $4, $5, $6)"
/* The pruning deletes: at most $2 rows each, oldest first. */
#define SQL_AUDIT_PRUNE                                                   \
    "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events "  \
    "WHERE at < $1::bigint ORDER BY at LIMIT $2::bigint)"
#define SQL_SESSION_PRUNE                                                 \
    "DELETE FROM sessions WHERE id IN ("                                  \
    "SELECT id FROM sessions WHERE revoked_at <> 0 "                      \
    "AND revoked_at < $1::bigint UNION ALL "                              \
    "SELECT id FROM sessions WHERE revoked_at = 0 "                       \
    "AND expires_at < $1::bigint LIMIT $2::bigint)"
/* A standby, or a database set read-only, refuses every write. */
#define SQL_WRITABLE                                                      \
    "SELECT NOT pg_is_in_recovery() AND "                                 \
    "current_setting('transaction_read_only') = 'off'"
#define SQL_FAILURE_PRUNE                                                 \
    "DELETE FROM login_failures WHERE bucket IN ("                        \
    "SELECT bucket FROM login_failures WHERE last_at < $1::bigint "       \
    "AND left(bucket, length($3::text)) = $3::text "                      \
    "ORDER BY last_at LIMIT $2::bigint)"

/* The listings, each of which a callback must not re-enter. */
enum listing {
    L_USERS = 1,
    L_SESSIONS = 2,
    L_REVOKED = 4,
    L_KEYS = 8
};

struct pg {
    jotd_store base;            /* first, so the two pointers convert */
    PGconn *conn;
    int in_tx;                  /* inside migrate's BEGIN ... COMMIT */
    int retry;                  /* the last failure may pass if re-run */
    int broken;                 /* the server ended the connection */
    int listening;              /* LISTEN holds on this connection */
    unsigned listing;           /* enum listing bits now running */
    char err[256];              /* the last failure (last_error) */
    int64_t retry_at;           /* monotonic ms; 0: may reconnect now */
    char down[256];             /* why the last reconnection failed */
};

/*
 * The arguments of one statement, as text.  v[i] is NULL for SQL NULL;
 * numbers are formatted into num.  bad is set when a required argument
 * is NULL or one is longer than its ceiling: the statement is not run.
 * WARNING: v points into the struct itself, which must not be copied.
 */
struct args {
    const char *v[MAX_ARGS];
    char num[MAX_ARGS][24];
    char lossy[256];            /* the one argument made valid UTF-8 */
    int n;
    int bad;
};

static const struct jotd_store_ops pg_ops;

static struct pg *
pg_of(jotd_store *st)
{
    return (struct pg *)st;
}

static void
arg_opt(struct args *a, const char *s, size_t max)
{
    if (a->n >= MAX_ARGS || (s != NULL && strnlen(s, max + 1) > max)) {
        a->bad = 1;
        return;
    }
    a->v[a->n++] = s;
}

static void
arg_str(struct args *a, const char *s, size_t max)
{
    if (s == NULL)
        a->bad = 1;
    arg_opt(a, s, max);
}

/* A fixed-size char array of a struct, which must hold its NUL. */
#define arg_field(a, f) arg_str((a), (f), sizeof(f) - 1)

static void
arg_i64(struct args *a, int64_t x)
{
    int k;

    if (a->n >= MAX_ARGS) {
        a->bad = 1;
        return;
    }
    k = snprintf(a->num[a->n], sizeof a->num[a->n], "%lld", (long long)x);
    if (k < 0 || (size_t)k >= sizeof a->num[a->n]) {
        a->bad = 1;
        return;
    }
    a->v[a->n] = a->num[a->n];
    a->n++;
}

static void
arg_size(struct args *a, size_t x)
{
    arg_i64(a, x > INT64_MAX ? INT64_MAX : (int64_t)x);
}

/*
 * A text that is kept only in part anyway (a user agent, from a request
 * header): PostgreSQL refuses text that is not UTF-8, where SQLite keeps
 * the octets, so each octet that does not start a valid character is
 * stored as '?'.  A valid text is stored as it is.
 */
static void
arg_lossy(struct args *a, const char *s, size_t max)
{
    size_t len, i = 0, o = 0, k;
    unsigned cp;

    if (s == NULL || (len = strnlen(s, max + 1)) > max ||
        len >= sizeof a->lossy) {
        a->bad = 1;
        return;
    }
    while (i < len) {
        k = jotd_utf8_char(s + i, len - i, &cp);
        if (k == 0) {
            a->lossy[o++] = '?';
            i++;
            continue;
        }
        memcpy(a->lossy + o, s + i, k);
        o += k;
        i += k;
    }
    a->lossy[o] = '\0';
    arg_opt(a, a->lossy, max);
}

/* Ignores the server's notices (e.g. "relation already exists, skipping")
 * that libpq would print on stderr. */
static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The first line of msg, into dst (a libpq message ends in a newline). */
static void
first_line(char *dst, size_t cap, const char *what, const char *msg)
{
    size_t len = msg != NULL ? strcspn(msg, "\r\n") : 0;

    if (len > INT_MAX)
        len = INT_MAX;
    jotd_errf(dst, cap, "%s: %.*s", what, (int)len, msg != NULL ? msg : "");
}

/* Records why the connection failed; the next call resets it. */
static void
conn_failed(struct pg *p, const char *what)
{
    first_line(p->err, sizeof p->err, what, PQerrorMessage(p->conn));
}

/* Settings of each connection, after every (re)connection.  Also a
 * round trip that proves the connection works. */
static int
configure(struct pg *p)
{
    PGresult *res;
    char q[64];
    int n, ok;

    n = snprintf(q, sizeof q, "SET statement_timeout = %d",
                 STATEMENT_TIMEOUT_MS);
    if (n < 0 || (size_t)n >= sizeof q)
        return -1;
    res = PQexec(p->conn, q);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        conn_failed(p, "configure");
    PQclear(res);
    return ok ? 0 : -1;
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Connects again (PQreset, bounded by the connect_timeout of open),
 * unless the last attempt failed less than RECONNECT_PAUSE_MS ago: then
 * fails at once with that attempt's cause.  Either way a failure leaves
 * the connection broken, so the next call tries again.
 */
static int
reconnect(struct pg *p, const char *what)
{
    if (p->retry_at != 0 && mono_ms() < p->retry_at) {
        jotd_errf(p->err, sizeof p->err, "%s: %s", what, p->down);
        return -1;
    }
    PQreset(p->conn);
    p->broken = 0;
    p->listening = 0;           /* a new session: its LISTEN is gone */
    if (PQstatus(p->conn) == CONNECTION_OK && configure(p) == 0) {
        p->retry_at = 0;
        return 0;
    }
    /* The cause without the name of the call that met it: the calls
     * that fail fast on it are others. */
    first_line(p->down, sizeof p->down, "reconnect",
               PQerrorMessage(p->conn));
    jotd_errf(p->err, sizeof p->err, "%s: %s", what, p->down);
    p->broken = 1;
    p->retry_at = mono_ms() + RECONNECT_PAUSE_MS;
    return -1;
}

/*
 * Makes the connection usable before a statement: reconnects when it was
 * lost (not inside a transaction, which went with it), and ends what a
 * failure left of a transaction.
 */
static int
ready(struct pg *p, const char *what)
{
    PGresult *res;

    if (p->broken || PQstatus(p->conn) != CONNECTION_OK) {
        if (p->in_tx) {
            conn_failed(p, what);
            return -1;
        }
        if (reconnect(p, what) != 0)
            return -1;
    }
    if (!p->in_tx && PQtransactionStatus(p->conn) != PQTRANS_IDLE) {
        res = PQexec(p->conn, "ROLLBACK");
        PQclear(res);
    }
    return 0;
}

/*
 * A short random pause before trying again, longer each time (at most
 * 20, 40, 80 then 160 ms), so that the transactions that collided do
 * not collide again in step.  The draw is RAND_bytes', not a clock's
 * low digits: on a host whose clock steps by whole milliseconds those
 * are all zeros, and every node would pause 1 ms, in step.  The clock
 * serves only if RAND_bytes fails.
 */
static void
backoff(int attempt)
{
    struct timespec now, ts;
    unsigned char b[4];
    unsigned long draw;
    long ms;

    if (RAND_bytes(b, sizeof b) == 1) {
        draw = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
               (unsigned long)b[2] << 8 | b[3];
    } else {
        clock_gettime(CLOCK_MONOTONIC, &now);
        draw = (unsigned long)now.tv_nsec;
    }
    ms = 1 + (long)(draw % (10UL << attempt));
    ts.tv_sec = 0;
    ts.tv_nsec = ms * 1000000L;
    nanosleep(&ts, NULL);
}

/*
 * Maps a failed result to a store result and records why: 23505 (a
 * unique key taken) is CONFLICT, anything else ERROR; p->retry is set
 * for 40001 and 40P01.  The message is the server's primary one, which
 * holds no argument of ours but a key's name.
 *
 * A failure with no SQLSTATE, of class 08 (connection exception) or
 * 57P0x (the server shutting down or ending this backend) marks the
 * connection broken, so the next call resets it: libpq may hand over
 * the server's last words (57P01) before it has seen the socket close,
 * with PQstatus still CONNECTION_OK.
 */
static enum jotd_store_result
failed(struct pg *p, const PGresult *res, const char *what)
{
    const char *state = NULL, *msg = NULL;

    p->retry = 0;
    if (res != NULL) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    }
    if (state == NULL || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P0", 4) == 0)
        p->broken = 1;
    if (msg == NULL) {
        conn_failed(p, what);
        return JOTD_STORE_ERROR;
    }
    jotd_errf(p->err, sizeof p->err, "%s: %s (%s)", what, msg,
              state != NULL ? state : "?");
    if (state == NULL)
        return JOTD_STORE_ERROR;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        p->retry = 1;
    return strcmp(state, "23505") == 0 ? JOTD_STORE_CONFLICT
                                       : JOTD_STORE_ERROR;
}

/*
 * Runs sql with a's arguments (NULL: none).  OK with the result in *out
 * (the caller PQclears it), or CONFLICT or ERROR with *out NULL.  A
 * statement outside a transaction that failed on a serialization
 * failure or a deadlock is run again, up to MAX_TRIES times.
 */
static enum jotd_store_result
run(struct pg *p, const char *sql, const struct args *a, PGresult **out,
    const char *what)
{
    enum jotd_store_result r = JOTD_STORE_ERROR;
    ExecStatusType status;
    PGresult *res;
    int attempt, alone;

    *out = NULL;
    if (a != NULL && a->bad) {
        jotd_errf(p->err, sizeof p->err,
                  "%s: an argument is missing or too long", what);
        return JOTD_STORE_ERROR;
    }
    for (attempt = 0; attempt < MAX_TRIES; attempt++) {
        if (attempt > 0)
            backoff(attempt);
        if (ready(p, what) != 0)
            return JOTD_STORE_ERROR;
        alone = !p->in_tx;
        res = PQexecParams(p->conn, sql, a != NULL ? a->n : 0, NULL,
                           a != NULL ? a->v : NULL, NULL, NULL, 0);
        status = PQresultStatus(res);
        if (res != NULL && (status == PGRES_COMMAND_OK ||
                            status == PGRES_TUPLES_OK)) {
            *out = res;
            return JOTD_STORE_OK;
        }
        r = failed(p, res, what);
        PQclear(res);
        if (!p->retry || !alone)
            break;
    }
    return r;
}

/* Runs sql and keeps only its outcome. */
static enum jotd_store_result
run_only(struct pg *p, const char *sql, const struct args *a,
         const char *what)
{
    PGresult *res;
    enum jotd_store_result r = run(p, sql, a, &res, what);

    PQclear(res);
    return r;
}

/* How many rows the statement changed. */
static size_t
n_changed(PGresult *res)
{
    const char *t = PQcmdTuples(res);
    unsigned long long v;
    char *end;

    errno = 0;
    v = strtoull(t, &end, 10);
    if (errno != 0 || end == t || *end != '\0' || v > SIZE_MAX)
        return 0;
    return (size_t)v;
}

/* A statement that changes at most one row: NOT_FOUND when it changed
 * none. */
static enum jotd_store_result
changed_one(struct pg *p, const char *sql, const struct args *a,
            const char *what)
{
    PGresult *res;
    enum jotd_store_result r = run(p, sql, a, &res, what);

    if (r == JOTD_STORE_OK && n_changed(res) == 0)
        r = JOTD_STORE_NOT_FOUND;
    PQclear(res);
    return r;
}

/* A row whose value does not fit the struct field it belongs in. */
static enum jotd_store_result
corrupt(struct pg *p, const char *what)
{
    jotd_errf(p->err, sizeof p->err, "%s: a stored value does not fit", what);
    return JOTD_STORE_ERROR;
}

/* An integer column (NULL reads as 0); -1 when it is not one. */
static int
col_i64(const PGresult *res, int row, int col, int64_t *out)
{
    const char *t;
    long long v;
    char *end;

    *out = 0;
    if (PQgetisnull(res, row, col))
        return 0;
    t = PQgetvalue(res, row, col);
    errno = 0;
    v = strtoll(t, &end, 10);
    if (errno != 0 || end == t || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A boolean column, "t" or "f". */
static int
col_bool(const PGresult *res, int row, int col)
{
    return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* Copies a text column that must fit dst whole (ids, hashes, roles). */
static int
col_exact(const PGresult *res, int row, int col, char *dst, size_t cap)
{
    size_t len = (size_t)PQgetlength(res, row, col);

    dst[0] = '\0';
    if (len >= cap)
        return -1;
    memcpy(dst, PQgetvalue(res, row, col), len);
    dst[len] = '\0';
    return 0;
}

/* Copies a text column that may be cut short (user agent, address),
 * at the start of a UTF-8 sequence so no character is split. */
static void
col_trunc(const PGresult *res, int row, int col, char *dst, size_t cap)
{
    const unsigned char *t =
        (const unsigned char *)PQgetvalue(res, row, col);
    size_t len = (size_t)PQgetlength(res, row, col);

    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && (t[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(dst, t, len);
    dst[len] = '\0';
}

/* A text column as a new string (NULL for NULL); -1 when out of memory. */
static int
col_dup(const PGresult *res, int row, int col, char **out)
{
    size_t len = (size_t)PQgetlength(res, row, col);

    *out = NULL;
    if (PQgetisnull(res, row, col))
        return 0;
    *out = malloc(len + 1);
    if (*out == NULL)
        return -1;
    memcpy(*out, PQgetvalue(res, row, col), len);
    (*out)[len] = '\0';
    return 0;
}

static int
read_user(const PGresult *res, int row, struct jotd_user *u)
{
    int64_t disabled;

    memset(u, 0, sizeof *u);
    if (col_exact(res, row, 0, u->id, sizeof u->id) != 0 ||
        col_exact(res, row, 1, u->username, sizeof u->username) != 0 ||
        col_exact(res, row, 2, u->username_key, sizeof u->username_key) !=
            0 ||
        col_exact(res, row, 3, u->password_hash, sizeof u->password_hash) !=
            0 ||
        col_exact(res, row, 4, u->roles, sizeof u->roles) != 0 ||
        col_i64(res, row, 5, &disabled) != 0 ||
        col_i64(res, row, 6, &u->created_at) != 0 ||
        col_i64(res, row, 7, &u->updated_at) != 0)
        return -1;
    u->disabled = disabled != 0;
    return 0;
}

static int
read_session(const PGresult *res, int row, struct jotd_session *s)
{
    memset(s, 0, sizeof *s);
    if (col_exact(res, row, 0, s->id, sizeof s->id) != 0 ||
        col_exact(res, row, 1, s->user_id, sizeof s->user_id) != 0 ||
        col_i64(res, row, 2, &s->gen) != 0 ||
        col_i64(res, row, 3, &s->rotated_at) != 0 ||
        col_i64(res, row, 4, &s->created_at) != 0 ||
        col_i64(res, row, 5, &s->last_used_at) != 0 ||
        col_i64(res, row, 6, &s->expires_at) != 0 ||
        col_i64(res, row, 7, &s->revoked_at) != 0)
        return -1;
    col_trunc(res, row, 8, s->revoked_reason, sizeof s->revoked_reason);
    col_trunc(res, row, 9, s->user_agent, sizeof s->user_agent);
    col_trunc(res, row, 10, s->ip, sizeof s->ip);
    col_trunc(res, row, 11, s->client_id, sizeof s->client_id);
    return 0;
}

/* Fills k; on failure frees what it took.  The caller clears k. */
static int
read_key(const PGresult *res, int row, struct jotd_signing_key *k)
{
    memset(k, 0, sizeof *k);
    if (col_exact(res, row, 0, k->kid, sizeof k->kid) != 0 ||
        col_exact(res, row, 1, k->alg, sizeof k->alg) != 0 ||
        col_i64(res, row, 4, &k->created_at) != 0 ||
        col_i64(res, row, 5, &k->activated_at) != 0 ||
        col_i64(res, row, 6, &k->retired_at) != 0 ||
        col_dup(res, row, 2, &k->public_jwk) != 0 ||
        col_dup(res, row, 3, &k->private_enc) != 0) {
        jotd_signing_key_clear(k);
        return -1;
    }
    return 0;
}

/*
 * Marks listing l as running: ERROR when it runs already, that is when
 * a callback of it calls it again (store.h forbids it, and a second
 * page would interleave with the first).
 */
static enum jotd_store_result
enter(struct pg *p, enum listing l, const char *what)
{
    if (p->listing & (unsigned)l) {
        jotd_errf(p->err, sizeof p->err,
                  "%s: re-entered from a listing callback", what);
        return JOTD_STORE_ERROR;
    }
    p->listing |= (unsigned)l;
    return JOTD_STORE_OK;
}

static void
leave(struct pg *p, enum listing l)
{
    p->listing &= ~(unsigned)l;
}

/* ---- the operations ---------------------------------------------- */

static void
pg_close(jotd_store *st)
{
    struct pg *p = pg_of(st);

    if (p == NULL)
        return;
    PQfinish(p->conn);
    free(p);
}

/* The schema version, inside the migration's transaction. */
static enum jotd_store_result
schema_version(struct pg *p, int *version)
{
    PGresult *res;
    enum jotd_store_result r;
    int64_t v = 0;

    *version = 0;
    r = run(p, SQL_VERSION, NULL, &res, "migrate");
    if (r != JOTD_STORE_OK)
        return r;
    if (PQntuples(res) != 1 || col_i64(res, 0, 0, &v) != 0 || v < 0 ||
        v > INT_MAX)
        r = corrupt(p, "migrate");
    else
        *version = (int)v;
    PQclear(res);
    return r;
}

/* Runs the constant SQL text sql (several statements, no argument) in
 * the transaction. */
static enum jotd_store_result
run_script(struct pg *p, const char *sql)
{
    PGresult *res = PQexec(p->conn, sql);
    ExecStatusType status = PQresultStatus(res);
    enum jotd_store_result r = JOTD_STORE_OK;

    if (res == NULL || (status != PGRES_COMMAND_OK &&
                        status != PGRES_TUPLES_OK))
        r = failed(p, res, "migrate");
    PQclear(res);
    return r;
}

/*
 * One transaction of migrate: takes the migration lock, which the
 * transaction's end releases (never a session lock, which a pooler
 * would keep on a connection that another client gets next), reads
 * the version and applies the next migration when there is one.
 * *version gets the version read; *applied is 1 when it applied one.
 */
static enum jotd_store_result
migrate_step(struct pg *p, int *version, int *applied)
{
    enum jotd_store_result r;
    struct args a = {.n = 0};
    int v = 0;

    *applied = 0;
    r = run_script(p, "BEGIN");
    if (r != JOTD_STORE_OK)
        return r;
    p->in_tx = 1;
    /* Building an index of a large table, or waiting for another node's
     * migration, may take longer than a request's statement_timeout:
     * this transaction gets its own bound. */
    r = run_script(p, "SET LOCAL statement_timeout = " MIGRATE_TIMEOUT);
    if (r == JOTD_STORE_OK)
        r = run_script(p, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK
                       "'::bigint)");
    if (r == JOTD_STORE_OK)
        r = run_script(p, SQL_VERSION_TABLE);
    if (r == JOTD_STORE_OK)
        r = schema_version(p, &v);
    if (r == JOTD_STORE_OK && v > N_MIGRATIONS) {
        jotd_errf(p->err, sizeof p->err,
                  "migrate: the database has schema version %d, newer "
                  "than this jotd knows (%d)", v, N_MIGRATIONS);
        r = JOTD_STORE_ERROR;
    }
    if (r == JOTD_STORE_OK && v < N_MIGRATIONS) {
        r = run_script(p, migrations[v]);
        arg_i64(&a, v + 1);
        arg_i64(&a, jotd_now_ms());
        if (r == JOTD_STORE_OK)
            r = run_only(p, SQL_VERSION_ADD, &a, "migrate");
        *applied = r == JOTD_STORE_OK;
    }
    if (r == JOTD_STORE_OK)
        r = run_script(p, "COMMIT");
    p->in_tx = 0;
    if (r != JOTD_STORE_OK) {
        *applied = 0;
        (void)ready(p, "migrate");      /* rolls back what is left */
        return r;
    }
    *version = *applied ? v + 1 : v;
    return JOTD_STORE_OK;
}

static enum jotd_store_result
pg_migrate(jotd_store *st, int *version)
{
    struct pg *p = pg_of(st);
    enum jotd_store_result r = JOTD_STORE_OK;
    int v = 0, applied = 1, tries = 0;

    if (version != NULL)
        *version = 0;
    if (ready(p, "migrate") != 0)
        return JOTD_STORE_ERROR;
    while (applied) {
        r = migrate_step(p, &v, &applied);
        if (r != JOTD_STORE_OK && p->retry && ++tries < MAX_TRIES) {
            backoff(tries);
            applied = 1;
            continue;
        }
        if (r != JOTD_STORE_OK)
            return r;
    }
    if (version != NULL)
        *version = v;
    return JOTD_STORE_OK;
}

static enum jotd_store_result
pg_ping(jotd_store *st)
{
    return run_only(pg_of(st), "SELECT 1 FROM schema_version LIMIT 1",
                    NULL, "ping");
}

/* ---- users ---- */

static enum jotd_store_result
pg_user_create(jotd_store *st, const struct jotd_user *u)
{
    struct args a = {.n = 0};

    arg_field(&a, u->id);
    arg_field(&a, u->username);
    arg_field(&a, u->username_key);
    arg_field(&a, u->password_hash);
    arg_field(&a, u->roles);
    arg_i64(&a, u->disabled != 0);
    arg_i64(&a, u->created_at);
    arg_i64(&a, u->updated_at);
    return run_only(pg_of(st), SQL_USER_INSERT, &a, "user_create");
}

/* Reads one user by sql into out; key may point into out, as the
 * arguments are sent before out is written. */
static enum jotd_store_result
user_by(jotd_store *st, const char *sql, const char *key,
        struct jotd_user *out, const char *what)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    struct jotd_user u;
    PGresult *res;
    enum jotd_store_result r;

    arg_str(&a, key, TEXT_MAX);
    r = run(p, sql, &a, &res, what);
    if (r == JOTD_STORE_OK) {
        if (PQntuples(res) == 0)
            r = JOTD_STORE_NOT_FOUND;
        else if (read_user(res, 0, &u) != 0)
            r = corrupt(p, what);
    }
    PQclear(res);
    if (r == JOTD_STORE_OK)
        *out = u;
    else
        memset(out, 0, sizeof *out);
    return r;
}

static enum jotd_store_result
pg_user_get(jotd_store *st, const char *id, struct jotd_user *out)
{
    return user_by(st, SQL_USER_GET, id, out, "user_get");
}

static enum jotd_store_result
pg_user_get_by_name(jotd_store *st, const char *username_key,
                    struct jotd_user *out)
{
    return user_by(st, SQL_USER_BY_NAME, username_key, out,
                   "user_get_by_name");
}

static enum jotd_store_result
pg_user_list(jotd_store *st, const char *after, size_t limit,
             jotd_user_cb cb, void *ctx)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    struct jotd_user u;
    PGresult *res = NULL;
    enum jotd_store_result r;
    int i;

    r = enter(p, L_USERS, "user_list");
    if (r != JOTD_STORE_OK)
        return r;
    arg_str(&a, after != NULL ? after : "", TEXT_MAX);
    arg_size(&a, limit);
    r = run(p, SQL_USER_LIST, &a, &res, "user_list");
    for (i = 0; r == JOTD_STORE_OK && i < PQntuples(res); i++) {
        if (read_user(res, i, &u) != 0)
            r = corrupt(p, "user_list");
        else if (cb(ctx, &u) != 0)
            break;
    }
    PQclear(res);
    leave(p, L_USERS);
    return r;
}

static enum jotd_store_result
pg_user_update(jotd_store *st, const struct jotd_user *u, int64_t now)
{
    struct args a = {.n = 0};

    arg_field(&a, u->id);
    arg_field(&a, u->password_hash);
    arg_field(&a, u->roles);
    arg_i64(&a, u->disabled != 0);
    arg_i64(&a, now);
    return changed_one(pg_of(st), SQL_USER_UPDATE, &a, "user_update");
}

static enum jotd_store_result
pg_user_delete(jotd_store *st, const char *id, int64_t now)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    PGresult *res;
    enum jotd_store_result r;
    int64_t n = 0;

    arg_str(&a, id, TEXT_MAX);
    arg_i64(&a, now);
    arg_str(&a, REASON_USER_DELETED, REASON_MAX);
    r = run(p, SQL_USER_DELETE, &a, &res, "user_delete");
    if (r == JOTD_STORE_OK) {
        if (PQntuples(res) != 1 || col_i64(res, 0, 0, &n) != 0)
            r = corrupt(p, "user_delete");
        else if (n == 0)
            r = JOTD_STORE_NOT_FOUND;
    }
    PQclear(res);
    return r;
}

/* ---- sessions ---- */

static enum jotd_store_result
pg_session_create(jotd_store *st, const struct jotd_session *x)
{
    struct args a = {.n = 0};

    arg_field(&a, x->id);
    arg_field(&a, x->user_id);
    arg_i64(&a, x->gen);
    arg_i64(&a, x->rotated_at);
    arg_i64(&a, x->created_at);
    arg_i64(&a, x->last_used_at);
    arg_i64(&a, x->expires_at);
    arg_i64(&a, x->revoked_at);
    arg_field(&a, x->revoked_reason);
    arg_lossy(&a, x->user_agent, sizeof x->user_agent - 1);
    arg_field(&a, x->ip);
    arg_field(&a, x->client_id);
    return run_only(pg_of(st), SQL_SESSION_INSERT, &a, "session_create");
}

/* As user_by: id may point into out. */
static enum jotd_store_result
pg_session_get(jotd_store *st, const char *id, struct jotd_session *out)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    struct jotd_session x;
    PGresult *res;
    enum jotd_store_result r;

    arg_str(&a, id, TEXT_MAX);
    r = run(p, SQL_SESSION_GET, &a, &res, "session_get");
    if (r == JOTD_STORE_OK) {
        if (PQntuples(res) == 0)
            r = JOTD_STORE_NOT_FOUND;
        else if (read_session(res, 0, &x) != 0)
            r = corrupt(p, "session_get");
    }
    PQclear(res);
    if (r == JOTD_STORE_OK)
        *out = x;
    else
        memset(out, 0, sizeof *out);
    return r;
}

/*
 * Runs a statement that gives (rows changed, whether the session
 * exists): OK when it changed the row, else miss when the session
 * exists, NOT_FOUND when it does not.
 */
static enum jotd_store_result
on_session(struct pg *p, const char *sql, const struct args *a,
           enum jotd_store_result miss, const char *what)
{
    PGresult *res;
    enum jotd_store_result r = run(p, sql, a, &res, what);
    int64_t n = 0;

    if (r == JOTD_STORE_OK) {
        if (PQntuples(res) != 1 || col_i64(res, 0, 0, &n) != 0)
            r = corrupt(p, what);
        else if (n == 0)
            r = col_bool(res, 0, 1) ? miss : JOTD_STORE_NOT_FOUND;
    }
    PQclear(res);
    return r;
}

/*
 * "Live" is not revoked and not expired at now, as in sqlite.c: an
 * expired session is never rotated back to life.  A session that exists
 * but did not match (another gen, revoked or expired) is CONFLICT.
 */
static enum jotd_store_result
pg_session_rotate(jotd_store *st, const char *id, int64_t from_gen,
                  int64_t now, int64_t new_expires_at)
{
    struct args a = {.n = 0};

    arg_str(&a, id, TEXT_MAX);
    arg_i64(&a, from_gen);
    arg_i64(&a, now);
    arg_i64(&a, new_expires_at);
    return on_session(pg_of(st), SQL_SESSION_ROTATE, &a,
                      JOTD_STORE_CONFLICT, "session_rotate");
}

/* Already revoked is OK: revoking is idempotent. */
static enum jotd_store_result
pg_session_revoke(jotd_store *st, const char *id, const char *reason,
                  int64_t now)
{
    struct args a = {.n = 0};

    arg_str(&a, id, TEXT_MAX);
    arg_i64(&a, now);
    arg_str(&a, reason, REASON_MAX);
    return on_session(pg_of(st), SQL_SESSION_REVOKE, &a, JOTD_STORE_OK,
                      "session_revoke");
}

/*
 * As in sqlite.c, every session of the user not yet revoked is revoked,
 * expired ones included.  The ids come back once the statement has
 * committed, so cb sees only ids that are revoked.
 */
static enum jotd_store_result
pg_session_revoke_user(jotd_store *st, const char *user_id,
                       const char *except_id, const char *reason,
                       int64_t now, jotd_revoked_cb cb, void *ctx,
                       size_t *n_revoked)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    char id[JOTD_ID_LEN + 1];
    PGresult *res;
    enum jotd_store_result r;
    int i, n;

    if (n_revoked != NULL)
        *n_revoked = 0;
    arg_str(&a, user_id, TEXT_MAX);
    arg_i64(&a, now);
    arg_str(&a, reason, REASON_MAX);
    arg_opt(&a, except_id, TEXT_MAX);
    r = run(p, SQL_SESSION_REVOKE_USER, &a, &res, "session_revoke_user");
    if (r != JOTD_STORE_OK)
        return r;
    n = PQntuples(res);
    for (i = 0; cb != NULL && i < n; i++) {
        /* An id that does not read back whole is still revoked. */
        if (col_exact(res, i, 0, id, sizeof id) == 0)
            (void)cb(ctx, id, now);
    }
    PQclear(res);
    if (n_revoked != NULL)
        *n_revoked = (size_t)n;
    return JOTD_STORE_OK;
}

static enum jotd_store_result
pg_session_list_user(jotd_store *st, const char *user_id, int64_t now,
                     jotd_session_cb cb, void *ctx)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    struct jotd_session x;
    PGresult *res = NULL;
    enum jotd_store_result r;
    int i;

    r = enter(p, L_SESSIONS, "session_list_user");
    if (r != JOTD_STORE_OK)
        return r;
    arg_str(&a, user_id, TEXT_MAX);
    arg_i64(&a, now);
    r = run(p, SQL_SESSION_LIST_USER, &a, &res, "session_list_user");
    for (i = 0; r == JOTD_STORE_OK && i < PQntuples(res); i++) {
        if (read_session(res, i, &x) != 0)
            r = corrupt(p, "session_list_user");
        else if (cb(ctx, &x) != 0)
            break;
    }
    PQclear(res);
    leave(p, L_SESSIONS);
    return r;
}

static enum jotd_store_result
pg_revoked_since(jotd_store *st, int64_t since, jotd_revoked_cb cb,
                 void *ctx)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    char id[JOTD_ID_LEN + 1];
    PGresult *res = NULL;
    enum jotd_store_result r;
    int64_t at;
    int i;

    r = enter(p, L_REVOKED, "revoked_since");
    if (r != JOTD_STORE_OK)
        return r;
    arg_i64(&a, since);
    r = run(p, SQL_REVOKED_SINCE, &a, &res, "revoked_since");
    for (i = 0; r == JOTD_STORE_OK && i < PQntuples(res); i++) {
        if (col_exact(res, i, 0, id, sizeof id) != 0 ||
            col_i64(res, i, 1, &at) != 0)
            r = corrupt(p, "revoked_since");
        else if (cb(ctx, id, at) != 0)
            break;
    }
    PQclear(res);
    leave(p, L_REVOKED);
    return r;
}

static enum jotd_store_result
pg_revoked_after(jotd_store *st, int64_t after, size_t limit,
                 jotd_revoked_seq_cb cb, void *ctx)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    char id[JOTD_ID_LEN + 1];
    PGresult *res = NULL;
    enum jotd_store_result r;
    int64_t at, seq;
    int i;

    r = enter(p, L_REVOKED, "revoked_after");
    if (r != JOTD_STORE_OK)
        return r;
    arg_i64(&a, after);
    arg_size(&a, limit);
    r = run(p, SQL_REVOKED_AFTER, &a, &res, "revoked_after");
    for (i = 0; r == JOTD_STORE_OK && i < PQntuples(res); i++) {
        if (col_exact(res, i, 0, id, sizeof id) != 0 ||
            col_i64(res, i, 1, &at) != 0 || col_i64(res, i, 2, &seq) != 0)
            r = corrupt(p, "revoked_after");
        else if (cb(ctx, id, at, seq) != 0)
            break;
    }
    PQclear(res);
    leave(p, L_REVOKED);
    return r;
}

static enum jotd_store_result
pg_seqs_get(jotd_store *st, struct jotd_seqs *out)
{
    struct pg *p = pg_of(st);
    PGresult *res;
    enum jotd_store_result r;

    memset(out, 0, sizeof *out);
    r = run(p, SQL_SEQS, NULL, &res, "seqs_get");
    if (r == JOTD_STORE_OK &&
        (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
         PQgetisnull(res, 0, 1) || col_i64(res, 0, 0, &out->revoked) != 0 ||
         col_i64(res, 0, 1, &out->keys) != 0)) {
        memset(out, 0, sizeof *out);
        r = corrupt(p, "seqs_get");
    }
    PQclear(res);
    return r;
}

/* ---- notifications ---- */

/* A session-level LISTEN: it holds until this connection ends, which
 * ready() notices when it resets it. */
static enum jotd_store_result
pg_listen(jotd_store *st)
{
    struct pg *p = pg_of(st);
    PGresult *res;
    enum jotd_store_result r = JOTD_STORE_OK;

    p->listening = 0;
    if (ready(p, "listen") != 0)
        return JOTD_STORE_ERROR;
    res = PQexec(p->conn, SQL_LISTEN);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        r = failed(p, res, "listen");
    PQclear(res);
    p->listening = r == JOTD_STORE_OK;
    return r;
}

/* ORs the channels of the notifications libpq has read into *changes. */
static void
take_notifies(struct pg *p, unsigned *changes)
{
    PGnotify *n;

    while ((n = PQnotifies(p->conn)) != NULL) {
        if (strcmp(n->relname, CHANNEL_REVOKED) == 0)
            *changes |= JOTD_CHANGE_REVOKED;
        else if (strcmp(n->relname, CHANNEL_KEYS) == 0)
            *changes |= JOTD_CHANGE_KEYS;
        PQfreemem(n);
    }
}

/*
 * Notifications that other calls on the connection read come first;
 * then poll() on the socket, and PQconsumeInput for what arrived.  A
 * socket that closed, or a connection that was reset since listen, is
 * ERROR: notifications may have been lost.
 */
static enum jotd_store_result
pg_wait(jotd_store *st, int timeout_ms, unsigned *changes)
{
    struct pg *p = pg_of(st);
    struct pollfd pfd;
    int rc;

    *changes = 0;
    if (!p->listening || p->broken || PQstatus(p->conn) != CONNECTION_OK) {
        jotd_errf(p->err, sizeof p->err, "wait: not listening");
        return JOTD_STORE_ERROR;
    }
    take_notifies(p, changes);
    if (*changes != 0)
        return JOTD_STORE_OK;
    pfd.fd = PQsocket(p->conn);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0) {
        p->broken = 1;
        conn_failed(p, "wait");
        return JOTD_STORE_ERROR;
    }
    rc = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (rc < 0)
        return errno == EINTR ? JOTD_STORE_OK : JOTD_STORE_ERROR;
    if (rc == 0)
        return JOTD_STORE_OK;
    /* Readable, or hung up: PQconsumeInput tells which. */
    if (PQconsumeInput(p->conn) == 0 ||
        PQstatus(p->conn) != CONNECTION_OK) {
        p->broken = 1;
        conn_failed(p, "wait");
        return JOTD_STORE_ERROR;
    }
    take_notifies(p, changes);
    return JOTD_STORE_OK;
}

/* ---- settings ---- */

static enum jotd_store_result
pg_setting_raise(jotd_store *st, const char *name, int64_t value,
                 int64_t *out)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    PGresult *res;
    enum jotd_store_result r;

    *out = 0;
    arg_str(&a, name, TEXT_MAX);
    arg_i64(&a, value);
    r = run(p, SQL_SETTING_RAISE, &a, &res, "setting_raise");
    if (r == JOTD_STORE_OK &&
        (PQntuples(res) != 1 || col_i64(res, 0, 0, out) != 0)) {
        *out = 0;
        r = corrupt(p, "setting_raise");
    }
    PQclear(res);
    return r;
}

/* ---- login throttling ---- */

/*
 * Runs one of the failure statements that give (count, first_at,
 * last_at) for bucket; expect binds $4 when take is set.  *got is 1
 * when a row came back, read into *out (all 0 otherwise).
 */
static enum jotd_store_result
failure_state(struct pg *p, const char *sql, int take, const char *bucket,
              int64_t now, int64_t window_ms, int64_t expect, int *got,
              struct jotd_failure *out, const char *what)
{
    struct args a = {.n = 0};
    PGresult *res;
    enum jotd_store_result r;

    *got = 0;
    memset(out, 0, sizeof *out);
    arg_str(&a, bucket, TEXT_MAX);
    arg_i64(&a, now);
    arg_i64(&a, window_ms);
    if (take)
        arg_i64(&a, expect);
    r = run(p, sql, &a, &res, what);
    if (r == JOTD_STORE_OK && PQntuples(res) > 0) {
        if (col_i64(res, 0, 0, &out->count) != 0 ||
            col_i64(res, 0, 1, &out->first_at) != 0 ||
            col_i64(res, 0, 2, &out->last_at) != 0) {
            memset(out, 0, sizeof *out);
            r = corrupt(p, what);
        } else {
            *got = 1;
        }
    }
    PQclear(res);
    return r;
}

/* failure_add (add = 1, an UPSERT that always gives the row) or
 * failure_get (which may find none). */
static enum jotd_store_result
failure_row(jotd_store *st, int add, const char *bucket, int64_t now,
            int64_t window_ms, int64_t *count, int64_t *last_at)
{
    struct pg *p = pg_of(st);
    const char *what = add ? "failure_add" : "failure_get";
    struct jotd_failure f;
    enum jotd_store_result r;
    int got;

    if (count != NULL)
        *count = 0;
    if (last_at != NULL)
        *last_at = 0;
    r = failure_state(p, add ? SQL_FAILURE_ADD : SQL_FAILURE_READ, 0,
                      bucket, now, window_ms, 0, &got, &f, what);
    if (r == JOTD_STORE_OK && add && !got)
        r = corrupt(p, what);
    if (r != JOTD_STORE_OK)
        return r;
    if (count != NULL)
        *count = f.count;
    if (last_at != NULL)
        *last_at = f.last_at;
    return JOTD_STORE_OK;
}

static enum jotd_store_result
pg_failure_add(jotd_store *st, const char *bucket, int64_t now,
               int64_t window_ms, int64_t *count, int64_t *last_at)
{
    return failure_row(st, 1, bucket, now, window_ms, count, last_at);
}

static enum jotd_store_result
pg_failure_get(jotd_store *st, const char *bucket, int64_t now,
               int64_t window_ms, int64_t *count, int64_t *last_at)
{
    return failure_row(st, 0, bucket, now, window_ms, count, last_at);
}

/* Runs sql on the one bucket name it takes. */
static enum jotd_store_result
on_bucket(jotd_store *st, const char *sql, const char *bucket,
          const char *what)
{
    struct args a = {.n = 0};

    arg_str(&a, bucket, TEXT_MAX);
    return run_only(pg_of(st), sql, &a, what);
}

static enum jotd_store_result
pg_failure_clear(jotd_store *st, const char *bucket)
{
    return on_bucket(st, SQL_FAILURE_CLEAR, bucket, "failure_clear");
}

/* The take is one statement; only when it did not count does a second
 * read the state to report. */
static enum jotd_store_result
pg_failure_take(jotd_store *st, const char *bucket, int64_t now,
                int64_t window_ms, int64_t expect, int *taken,
                struct jotd_failure *out)
{
    struct pg *p = pg_of(st);
    enum jotd_store_result r;
    int got;

    *taken = 0;
    r = failure_state(p, SQL_FAILURE_TAKE, 1, bucket, now, window_ms,
                      expect, taken, out, "failure_take");
    if (r == JOTD_STORE_OK && !*taken)
        r = failure_state(p, SQL_FAILURE_READ, 0, bucket, now, window_ms,
                          0, &got, out, "failure_read");
    return r;
}

static enum jotd_store_result
pg_failure_undo(jotd_store *st, const char *bucket)
{
    return on_bucket(st, SQL_FAILURE_UNDO, bucket, "failure_undo");
}

/* ---- signing keys ---- */

static enum jotd_store_result
pg_key_insert(jotd_store *st, const struct jotd_signing_key *k)
{
    struct args a = {.n = 0};

    arg_field(&a, k->kid);
    arg_field(&a, k->alg);
    arg_opt(&a, k->public_jwk, TEXT_MAX);
    arg_str(&a, k->private_enc, TEXT_MAX);
    arg_i64(&a, k->created_at);
    arg_i64(&a, k->activated_at);
    arg_i64(&a, k->retired_at);
    return run_only(pg_of(st), SQL_KEY_INSERT, &a, "key_insert");
}

/* The key passed to cb, and its strings, live until cb returns. */
static enum jotd_store_result
pg_key_list(jotd_store *st, jotd_key_cb cb, void *ctx)
{
    struct pg *p = pg_of(st);
    struct jotd_signing_key k;
    PGresult *res = NULL;
    enum jotd_store_result r;
    int i, stop;

    r = enter(p, L_KEYS, "key_list");
    if (r != JOTD_STORE_OK)
        return r;
    r = run(p, SQL_KEY_LIST, NULL, &res, "key_list");
    for (i = 0; r == JOTD_STORE_OK && i < PQntuples(res); i++) {
        if (read_key(res, i, &k) != 0) {
            r = corrupt(p, "key_list");
            break;
        }
        stop = cb(ctx, &k);
        jotd_signing_key_clear(&k);
        if (stop != 0)
            break;
    }
    PQclear(res);
    leave(p, L_KEYS);
    return r;
}

static enum jotd_store_result
pg_key_activate(jotd_store *st, const char *kid, int64_t now)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    PGresult *res;
    enum jotd_store_result r;
    int64_t n = 0;

    arg_str(&a, kid, TEXT_MAX);
    arg_i64(&a, now);
    r = run(p, SQL_KEY_ACTIVATE, &a, &res, "key_activate");
    if (r == JOTD_STORE_OK) {
        if (PQntuples(res) != 1 || col_i64(res, 0, 0, &n) != 0)
            r = corrupt(p, "key_activate");
        else if (n == 0)
            r = JOTD_STORE_NOT_FOUND;
    }
    PQclear(res);
    return r;
}

/* ---- audit ---- */

static enum jotd_store_result
pg_audit(jotd_store *st, int64_t at, const char *kind, const char *user_id,
         const char *session_id, const char *ip, const char *detail)
{
    struct args a = {.n = 0};

    arg_i64(&a, at);
    arg_str(&a, kind, TEXT_MAX);
    arg_opt(&a, user_id, TEXT_MAX);
    arg_opt(&a, session_id, TEXT_MAX);
    arg_opt(&a, ip, TEXT_MAX);
    arg_opt(&a, detail, TEXT_MAX);
    return run_only(pg_of(st), SQL_AUDIT, &a, "audit");
}

/* ---- pruning ---- */

/* Runs the pruning delete sql for rows older than before, at most limit
 * of them; prefix binds $3 when not NULL. */
static enum jotd_store_result
prune(jotd_store *st, const char *sql, int64_t before, size_t limit,
      const char *prefix, size_t *n_deleted, const char *what)
{
    struct pg *p = pg_of(st);
    struct args a = {.n = 0};
    PGresult *res;
    enum jotd_store_result r;

    *n_deleted = 0;
    if (limit == 0)
        return JOTD_STORE_OK;
    arg_i64(&a, before);
    arg_size(&a, limit);
    if (prefix != NULL)
        arg_str(&a, prefix, TEXT_MAX);
    r = run(p, sql, &a, &res, what);
    if (r == JOTD_STORE_OK)
        *n_deleted = n_changed(res);
    PQclear(res);
    return r;
}

static enum jotd_store_result
pg_audit_prune(jotd_store *st, int64_t before, size_t limit,
               size_t *n_deleted)
{
    return prune(st, SQL_AUDIT_PRUNE, before, limit, NULL, n_deleted,
                 "audit_prune");
}

static enum jotd_store_result
pg_session_prune(jotd_store *st, int64_t before, size_t limit,
                 size_t *n_deleted)
{
    return prune(st, SQL_SESSION_PRUNE, before, limit, NULL, n_deleted,
                 "session_prune");
}

static enum jotd_store_result
pg_failure_prune(jotd_store *st, const char *prefix, int64_t before,
                 size_t limit, size_t *n_deleted)
{
    return prune(st, SQL_FAILURE_PRUNE, before, limit, prefix, n_deleted,
                 "failure_prune");
}

/* ---- outages ------------------------------------------------------ */

static enum jotd_store_result
pg_writable(jotd_store *st)
{
    struct pg *p = pg_of(st);
    PGresult *res;
    enum jotd_store_result r = run(p, SQL_WRITABLE, NULL, &res,
                                   "write probe");

    if (r == JOTD_STORE_OK &&
        (PQntuples(res) != 1 || !col_bool(res, 0, 0))) {
        jotd_errf(p->err, sizeof p->err, "write probe: the server takes "
                  "no writes (a standby, or read-only)");
        r = JOTD_STORE_ERROR;
    }
    PQclear(res);
    return r;
}

static void
pg_last_error(jotd_store *st, char *out, size_t cap)
{
    struct pg *p = pg_of(st);

    if (cap == 0)
        return;
    jotd_errf(out, cap, "%s", p->err);
    p->err[0] = '\0';
}

static const struct jotd_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .migrate = pg_migrate,
    .ping = pg_ping,
    .user_create = pg_user_create,
    .user_get = pg_user_get,
    .user_get_by_name = pg_user_get_by_name,
    .user_list = pg_user_list,
    .user_update = pg_user_update,
    .user_delete = pg_user_delete,
    .session_create = pg_session_create,
    .session_get = pg_session_get,
    .session_rotate = pg_session_rotate,
    .session_revoke = pg_session_revoke,
    .session_revoke_user = pg_session_revoke_user,
    .session_list_user = pg_session_list_user,
    .revoked_since = pg_revoked_since,
    .revoked_after = pg_revoked_after,
    .seqs_get = pg_seqs_get,
    .listen = pg_listen,
    .wait = pg_wait,
    .setting_raise = pg_setting_raise,
    .failure_add = pg_failure_add,
    .failure_get = pg_failure_get,
    .failure_clear = pg_failure_clear,
    .failure_take = pg_failure_take,
    .failure_undo = pg_failure_undo,
    .key_insert = pg_key_insert,
    .key_list = pg_key_list,
    .key_activate = pg_key_activate,
    .audit = pg_audit,
    .audit_prune = pg_audit_prune,
    .session_prune = pg_session_prune,
    .failure_prune = pg_failure_prune,
    .writable = pg_writable,
    .last_error = pg_last_error,
};

/* ---- opening ------------------------------------------------------- */

/*
 * The message of a failed connection, for err: its first line, unless
 * it repeats the URL's password (libpq's messages name the host, port
 * and user, never the password, but a parse error may quote the URL).
 */
static void
open_failed(PGconn *conn, const char *password, char *err, size_t err_len)
{
    char line[256];

    first_line(line, sizeof line, "postgresql", PQerrorMessage(conn));
    if (password != NULL && password[0] != '\0' &&
        strstr(line, password) != NULL)
        jotd_errf(err, err_len, "postgresql: cannot connect");
    else
        jotd_errf(err, err_len, "%s", line);
}

/* The URL's password, for open_failed (NULL: none). */
static const char *
password_of(PQconninfoOption *opts)
{
    PQconninfoOption *o;

    for (o = opts; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "password") == 0)
            return o->val;
    }
    return NULL;
}

/* Wipes the password of the parsed URL before its options are freed
 * (libpq keeps its own copy in the connection). */
static void
forget_password(PQconninfoOption *opts)
{
    PQconninfoOption *o;

    for (o = opts; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
            explicit_bzero(o->val, strlen(o->val));
    }
}

/* How many hosts the URL names: its host or hostaddr list, the longer. */
static int
n_hosts(PQconninfoOption *opts)
{
    PQconninfoOption *o;
    const char *v;
    int n, most = 1;

    for (o = opts; o != NULL && o->keyword != NULL; o++) {
        if ((strcmp(o->keyword, "host") != 0 &&
             strcmp(o->keyword, "hostaddr") != 0) || o->val == NULL)
            continue;
        for (n = 1, v = o->val; *v != '\0'; v++)
            n += *v == ',';
        if (n > most)
            most = n;
    }
    return most;
}

/* The per-host connect_timeout that keeps an attempt over every host
 * within CONNECT_BUDGET_S (out: at least 12 bytes). */
static void
connect_timeout(PQconninfoOption *opts, char *out, size_t cap)
{
    int per = CONNECT_BUDGET_S / n_hosts(opts);

    if (per < CONNECT_MIN_S)
        per = CONNECT_MIN_S;
    jotd_errf(out, cap, "%d", per);
}

jotd_store *
jotd_store_pg_open(const char *url, char *err, size_t err_len)
{
    /* Defaults first: the URL, expanded from dbname, overrides them. */
    const char *const keys[] = {"connect_timeout", "application_name",
                                "client_encoding", "keepalives",
                                "keepalives_idle", "keepalives_interval",
                                "keepalives_count", "tcp_user_timeout",
                                "dbname", NULL};
    char timeout[12];
    const char *vals[] = {timeout, "jotd", "UTF8", "1", KEEPALIVES_IDLE,
                          KEEPALIVES_INTERVAL, KEEPALIVES_COUNT,
                          TCP_USER_TIMEOUT, url, NULL};
    PQconninfoOption *opts = NULL;
    struct pg *p = NULL, *ret = NULL;
    char *perr = NULL;

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    /* Its message may quote the URL, so it is not repeated. */
    opts = PQconninfoParse(url, &perr);
    if (opts == NULL) {
        jotd_errf(err, err_len, "postgresql: the database URL does not "
                  "parse");
        goto out;
    }
    connect_timeout(opts, timeout, sizeof timeout);
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        jotd_errf(err, err_len, "postgresql: out of memory");
        goto out;
    }
    p->base.ops = &pg_ops;
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (p->conn == NULL) {
        jotd_errf(err, err_len, "postgresql: out of memory");
        goto out;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    if (PQstatus(p->conn) != CONNECTION_OK || configure(p) != 0) {
        open_failed(p->conn, password_of(opts), err, err_len);
        goto out;
    }
    ret = p;
    p = NULL;
out:
    if (p != NULL) {
        PQfinish(p->conn);
        free(p);
    }
    if (perr != NULL)               /* it may quote the password */
        explicit_bzero(perr, strlen(perr));
    PQfreemem(perr);
    forget_password(opts);
    PQconninfoFree(opts);
    return ret != NULL ? &ret->base : NULL;
}
