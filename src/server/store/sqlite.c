/*
 * sqlite.c - the SQLite engine of store.h ("sqlite:PATH").
 *
 * One engine value is one connection, opened in SQLite's multi-thread
 * mode (SQLITE_OPEN_NOMUTEX): each thread opens its own and never shares
 * it.  Statements are prepared on first use and kept until close, since
 * login and refresh run them on every request.
 *
 * Schema notes.  Times are INTEGER milliseconds, 0 for "none", so a live
 * session has revoked_at = 0.  sessions.user_id has no foreign key:
 * deleting a user revokes its sessions and keeps their rows, so that the
 * revocation reaches every node through revoked_since.
 *
 * The change sequences (store.h) are rows of counters, bumped inside
 * the write transaction (BEGIN IMMEDIATE) of the change they number:
 * SQLite's one writer at a time is what orders the commits.  SQLite
 * cannot push a change to another process; its counters are a read of
 * a local file, cheap enough for a reader to poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/engine.h"
#include "util.h"

#define URL_SCHEME "sqlite:"
/*
 * How long a statement waits for a lock another connection holds.
 * Jotd's own writes hold it for milliseconds; a lock held for longer is
 * another process (a backup, a stuck client), and the request had
 * better answer 503 within the 5 s that API.md promises than wait.
 */
#define BUSY_TIMEOUT_MS 2000
/* The wait of the write probe (writable): /healthz must answer fast. */
#define PROBE_BUSY_MS 500
#define TEXT_MAX 65536          /* ceiling on any text argument (octets) */
#define REASON_USER_DELETED "user_deleted"
#define COUNTER_REVOKED "revoked"       /* the rows of counters */
#define COUNTER_KEYS "keys"
/* Longest revocation reason: it must read back whole. */
#define REASON_MAX (sizeof ((struct jotd_session *)0)->revoked_reason - 1)

/*
 * Migrations, applied in order, each in its own transaction; migration i
 * brings the schema to version i + 1.  Never edit one that has shipped:
 * append a new one.
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
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL,"
    " gen INTEGER NOT NULL,"
    " rotated_at INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " revoked_at INTEGER NOT NULL DEFAULT 0,"
    " revoked_reason TEXT NOT NULL DEFAULT '',"
    " user_agent TEXT NOT NULL DEFAULT '',"
    " ip TEXT NOT NULL DEFAULT '');"
    /* For a user's live sessions: (user_id, revoked_at = 0). */
    "CREATE INDEX sessions_user_id ON sessions (user_id, revoked_at);"
    /* Only revoked rows, for revoked_since; a live row never needs it. */
    "CREATE INDEX sessions_revoked_at ON sessions (revoked_at)"
    " WHERE revoked_at <> 0;"
    "CREATE TABLE login_failures ("
    " bucket TEXT PRIMARY KEY NOT NULL,"
    " count INTEGER NOT NULL,"
    " first_at INTEGER NOT NULL,"
    " last_at INTEGER NOT NULL);"
    "CREATE TABLE signing_keys ("
    " kid TEXT PRIMARY KEY NOT NULL,"
    " alg TEXT NOT NULL,"
    " public_jwk TEXT,"
    " private_enc TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " activated_at INTEGER NOT NULL DEFAULT 0,"
    " retired_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE audit_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " user_id TEXT,"
    " session_id TEXT,"
    " ip TEXT,"
    " detail TEXT);"
    "CREATE INDEX audit_events_at ON audit_events (at);",
    /* 2: settings that outlive a configuration, such as the largest
     * access_ttl ever in force (setting_raise). */
    "CREATE TABLE settings ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " value INTEGER NOT NULL);",
    /* 3: what the pruning passes look up by age (audit_events has its
     * index on at already). */
    "CREATE INDEX sessions_expires_at ON sessions (expires_at)"
    " WHERE revoked_at = 0;"
    "CREATE INDEX login_failures_last_at ON login_failures (last_at);",
    /* 4: the change sequences of store.h, one counter row each, and the
     * revocation number of each revoked session (0 for those revoked
     * before: the full read by revoked_since still finds them). */
    "CREATE TABLE counters ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " value INTEGER NOT NULL);"
    "INSERT INTO counters (name, value) VALUES ('revoked', 0), ('keys', 0);"
    "ALTER TABLE sessions ADD COLUMN revoked_seq INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX sessions_revoked_seq ON sessions (revoked_seq)"
    " WHERE revoked_seq <> 0;",
    /* 5: the client_id a session was opened for (RFC 9068 §2.2), so
     * that a refresh keeps it; '' for older sessions reads as the
     * configured default_client_id. */
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

/* Every statement the engine runs, prepared once per connection. */
enum q {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_PING,
    Q_VERSION,
    Q_VERSION_ADD,
    Q_USER_INSERT,
    Q_USER_GET,
    Q_USER_BY_NAME,
    Q_USER_LIST,
    Q_USER_UPDATE,
    Q_USER_DELETE,
    Q_SESSION_INSERT,
    Q_SESSION_GET,
    Q_SESSION_EXISTS,
    Q_SESSION_ROTATE,
    Q_SESSION_REVOKE,
    Q_SESSION_REVOKE_USER,
    Q_SESSION_LIST_USER,
    Q_REVOKED_SINCE,
    Q_REVOKED_AFTER,
    Q_SEQS,
    Q_COUNTER_BUMP,
    Q_SETTING_RAISE,
    Q_SETTING_GET,
    Q_FAILURE_ADD,
    Q_FAILURE_GET,
    Q_FAILURE_CLEAR,
    Q_FAILURE_TAKE,
    Q_FAILURE_READ,
    Q_FAILURE_UNDO,
    Q_KEY_INSERT,
    Q_KEY_LIST,
    Q_KEY_ACTIVATE,
    Q_KEY_RETIRE_OTHERS,
    Q_AUDIT,
    Q_AUDIT_PRUNE,
    Q_SESSION_PRUNE,
    Q_FAILURE_PRUNE,
    N_Q
};

static const char *const sql[N_Q] = {
    /* IMMEDIATE takes the write lock at once, waiting up to the busy
     * timeout, so a transaction never fails half-way on a lock. */
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    /* Reads the database, unlike SELECT 1, which never touches it. */
    [Q_PING] = "SELECT count(*) FROM sqlite_master",
    [Q_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_version",
    [Q_VERSION_ADD] =
        "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
    [Q_USER_INSERT] =
        "INSERT INTO users (" USER_COLS ") "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
    [Q_USER_BY_NAME] =
        "SELECT " USER_COLS " FROM users WHERE username_key = ?1",
    [Q_USER_LIST] =
        "SELECT " USER_COLS " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
    [Q_USER_UPDATE] =
        "UPDATE users SET password_hash = ?2, roles = ?3, disabled = ?4, "
        "updated_at = ?5 WHERE id = ?1",
    [Q_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
    [Q_SESSION_INSERT] =
        "INSERT INTO sessions (" SESSION_COLS ") "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_SESSION_GET] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1",
    [Q_SESSION_EXISTS] = "SELECT 1 FROM sessions WHERE id = ?1",
    /* The compare-and-set of refresh rotation: one statement, so of two
     * racing rotations from one gen exactly one matches the row. */
    [Q_SESSION_ROTATE] =
        "UPDATE sessions SET gen = gen + 1, rotated_at = ?3, "
        "last_used_at = ?3, expires_at = ?4 "
        "WHERE id = ?1 AND gen = ?2 AND revoked_at = 0 AND expires_at > ?3",
    /* The revocations stamp the next revocation number, which the caller
     * then takes (Q_COUNTER_BUMP) in the same transaction when a row
     * changed. */
    [Q_SESSION_REVOKE] =
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3, "
        "revoked_seq = (SELECT value + 1 FROM counters "
        "WHERE name = '" COUNTER_REVOKED "') "
        "WHERE id = ?1 AND revoked_at = 0",
    [Q_SESSION_REVOKE_USER] =
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3, "
        "revoked_seq = (SELECT value + 1 FROM counters "
        "WHERE name = '" COUNTER_REVOKED "') "
        "WHERE user_id = ?1 AND revoked_at = 0 AND (?4 IS NULL OR id <> ?4) "
        "RETURNING id",
    [Q_SESSION_LIST_USER] =
        "SELECT " SESSION_COLS " FROM sessions "
        "WHERE user_id = ?1 AND revoked_at = 0 AND expires_at > ?2 "
        "ORDER BY created_at DESC, id DESC",
    /* "revoked_at <> 0" keeps live sessions out whatever ?1 is, and lets
     * the partial index serve the query. */
    [Q_REVOKED_SINCE] =
        "SELECT id, revoked_at FROM sessions "
        "WHERE revoked_at <> 0 AND revoked_at >= ?1 "
        "ORDER BY revoked_at, id",
    /* Up to the number of the ?2-th session above ?1, that number whole
     * (store.h). */
    [Q_REVOKED_AFTER] =
        "SELECT id, revoked_at, revoked_seq FROM sessions "
        "WHERE revoked_seq <> 0 AND revoked_seq > ?1 AND revoked_seq <= "
        "(SELECT max(revoked_seq) FROM (SELECT revoked_seq FROM sessions "
        "WHERE revoked_seq <> 0 AND revoked_seq > ?1 "
        "ORDER BY revoked_seq LIMIT ?2)) "
        "ORDER BY revoked_seq, id",
    [Q_SEQS] =
        "SELECT (SELECT value FROM counters WHERE name = '"
        COUNTER_REVOKED "'), (SELECT value FROM counters WHERE name = '"
        COUNTER_KEYS "')",
    [Q_COUNTER_BUMP] = "UPDATE counters SET value = value + 1 WHERE name = ?1",
    /* Writes only a larger value: a no-op leaves the row untouched. */
    [Q_SETTING_RAISE] =
        "INSERT INTO settings (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value "
        "WHERE excluded.value > settings.value",
    [Q_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    /* One statement, so concurrent failures on one bucket all count.  In
     * the UPDATE, first_at and count are the row's values before it. */
    [Q_FAILURE_ADD] =
        "INSERT INTO login_failures (bucket, count, first_at, last_at) "
        "VALUES (?1, 1, ?2, ?2) "
        "ON CONFLICT (bucket) DO UPDATE SET "
        "count = CASE WHEN ?2 - first_at >= ?3 THEN 1 ELSE count + 1 END, "
        "first_at = CASE WHEN ?2 - first_at >= ?3 THEN ?2 ELSE first_at END, "
        "last_at = ?2 "
        "RETURNING count, last_at",
    [Q_FAILURE_GET] =
        "SELECT count, last_at FROM login_failures "
        "WHERE bucket = ?1 AND ?2 - first_at < ?3",
    [Q_FAILURE_CLEAR] = "DELETE FROM login_failures WHERE bucket = ?1",
    /* Q_FAILURE_ADD counting only when the live count is ?4: a new row
     * only when ?4 is 0 (the SELECT gives a row to conflict with when
     * the bucket exists), an update only when the row's count (0 when
     * its window is over) is ?4; RETURNING gives no row when it did not
     * count.  The WHERE also settles SQLite's parsing of INSERT ...
     * SELECT ... ON CONFLICT. */
    [Q_FAILURE_TAKE] =
        "INSERT INTO login_failures (bucket, count, first_at, last_at) "
        "SELECT ?1, 1, ?2, ?2 WHERE ?4 = 0 OR EXISTS "
        "(SELECT 1 FROM login_failures WHERE bucket = ?1) "
        "ON CONFLICT (bucket) DO UPDATE SET "
        "count = CASE WHEN ?2 - first_at >= ?3 THEN 1 ELSE count + 1 END, "
        "first_at = CASE WHEN ?2 - first_at >= ?3 THEN ?2 ELSE first_at END, "
        "last_at = ?2 "
        "WHERE (CASE WHEN ?2 - first_at >= ?3 THEN 0 ELSE count END) = ?4 "
        "RETURNING count, first_at, last_at",
    [Q_FAILURE_READ] =
        "SELECT count, first_at, last_at FROM login_failures "
        "WHERE bucket = ?1 AND ?2 - first_at < ?3",
    [Q_FAILURE_UNDO] =
        "UPDATE login_failures SET count = max(count - 1, 0) "
        "WHERE bucket = ?1",
    [Q_KEY_INSERT] =
        "INSERT INTO signing_keys (" KEY_COLS ") "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* rowid breaks ties between keys made in the same millisecond. */
    [Q_KEY_LIST] =
        "SELECT " KEY_COLS " FROM signing_keys ORDER BY created_at, rowid",
    [Q_KEY_ACTIVATE] =
        "UPDATE signing_keys SET activated_at = ?2, retired_at = 0 "
        "WHERE kid = ?1",
    [Q_KEY_RETIRE_OTHERS] =
        "UPDATE signing_keys SET retired_at = ?2 "
        "WHERE kid <> ?1 AND activated_at <> 0 AND retired_at = 0",
    [Q_AUDIT] =
        "INSERT INTO audit_events "
        "(at, kind, user_id, session_id, ip, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* The pruning deletes: at most ?2 rows each, oldest first, so that
     * one pass never holds the write lock for long. */
    [Q_AUDIT_PRUNE] =
        "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events "
        "WHERE at < ?1 ORDER BY at LIMIT ?2)",
    [Q_SESSION_PRUNE] =
        "DELETE FROM sessions WHERE id IN ("
        "SELECT id FROM sessions WHERE revoked_at <> 0 AND revoked_at < ?1 "
        "UNION ALL "
        "SELECT id FROM sessions WHERE revoked_at = 0 AND expires_at < ?1 "
        "LIMIT ?2)",
    [Q_FAILURE_PRUNE] =
        "DELETE FROM login_failures WHERE bucket IN ("
        "SELECT bucket FROM login_failures WHERE last_at < ?1 "
        "AND substr(bucket, 1, length(?3)) = ?3 ORDER BY last_at LIMIT ?2)",
};

struct sq {
    jotd_store base;            /* first, so the two pointers convert */
    sqlite3 *db;
    char *path;
    sqlite3_stmt *q[N_Q];
    char err[256];              /* the last failure, for debugging */
};

static const struct jotd_store_ops sq_ops;

static struct sq *
sq_of(jotd_store *st)
{
    return (struct sq *)st;
}

/*
 * Records a failure of what with SQLite code rc and maps rc to a result:
 * a unique or primary key violation is CONFLICT, anything else (SQLITE_
 * BUSY after the busy timeout included) is ERROR.
 */
static enum jotd_store_result
fail(struct sq *s, int rc, const char *what)
{
    const char *why;

    /* Codes made up by the helpers below are not the connection's. */
    if (sqlite3_extended_errcode(s->db) == rc)
        why = sqlite3_errmsg(s->db);
    else
        why = sqlite3_errstr(rc);
    jotd_errf(s->err, sizeof s->err, "%s: %s", what, why);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return JOTD_STORE_CONFLICT;
    return JOTD_STORE_ERROR;
}

/* A row whose text does not fit the struct field it belongs in. */
static enum jotd_store_result
corrupt(struct sq *s, const char *what)
{
    jotd_errf(s->err, sizeof s->err, "%s: a stored value does not fit", what);
    return JOTD_STORE_ERROR;
}

/*
 * The cached statement for q, prepared on first use.  NULL (with the
 * reason in s->err) when it cannot be prepared, e.g. before migrate, or
 * when it is still running: a listing callback that calls back into the
 * same operation of the same store.
 */
static sqlite3_stmt *
prep(struct sq *s, enum q q)
{
    int rc;

    if (s->q[q] != NULL) {
        if (sqlite3_stmt_busy(s->q[q])) {
            jotd_errf(s->err, sizeof s->err,
                      "statement re-entered from a listing callback");
            return NULL;
        }
        return s->q[q];
    }
    rc = sqlite3_prepare_v3(s->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                            &s->q[q], NULL);
    if (rc != SQLITE_OK) {
        fail(s, rc, "prepare");
        sqlite3_finalize(s->q[q]);
        s->q[q] = NULL;
        return NULL;
    }
    return s->q[q];
}

/* Makes p ready for its next use and drops its borrowed arguments. */
static void
done(sqlite3_stmt *p)
{
    if (p == NULL)
        return;
    sqlite3_reset(p);
    sqlite3_clear_bindings(p);
}

/*
 * Binds a NUL-terminated argument of at most max octets, borrowed until
 * done().  SQLITE_MISUSE for NULL, SQLITE_TOOBIG when longer.
 */
static int
bind_str(sqlite3_stmt *p, int i, const char *v, size_t max)
{
    size_t len;

    if (v == NULL)
        return SQLITE_MISUSE;
    len = strnlen(v, max + 1);
    if (len > max || len > INT_MAX)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(p, i, v, (int)len, SQLITE_STATIC);
}

/* The same, binding NULL for a NULL v. */
static int
bind_opt(sqlite3_stmt *p, int i, const char *v, size_t max)
{
    if (v == NULL)
        return sqlite3_bind_null(p, i);
    return bind_str(p, i, v, max);
}

/* A fixed-size char array of a struct, which must hold its NUL: then the
 * value read back fits the same field. */
#define bind_field(p, i, f) bind_str((p), (i), (f), sizeof(f) - 1)

/* Runs a statement that returns no rows. */
static int
run(sqlite3_stmt *p)
{
    int rc = sqlite3_step(p);

    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
run_q(struct sq *s, enum q q)
{
    sqlite3_stmt *p = prep(s, q);
    int rc;

    if (p == NULL)
        return SQLITE_ERROR;
    rc = run(p);
    done(p);
    return rc;
}

/* Ends a transaction that failed, unless SQLite already rolled it back
 * (it does so itself after some errors, e.g. SQLITE_FULL). */
static void
rollback(struct sq *s)
{
    if (!sqlite3_get_autocommit(s->db))
        run_q(s, Q_ROLLBACK);
}

static enum jotd_store_result
begin(struct sq *s, const char *what)
{
    int rc = run_q(s, Q_BEGIN);

    if (rc != SQLITE_OK)
        return fail(s, rc, what);
    return JOTD_STORE_OK;
}

static enum jotd_store_result
commit(struct sq *s, const char *what)
{
    int rc = run_q(s, Q_COMMIT);
    enum jotd_store_result r;

    if (rc == SQLITE_OK)
        return JOTD_STORE_OK;
    r = fail(s, rc, what);
    rollback(s);
    return r;
}

/* Copies a text column that must fit dst whole (ids, hashes, roles). */
static int
col_exact(sqlite3_stmt *p, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(p, col);
    size_t len = (size_t)sqlite3_column_bytes(p, col);

    dst[0] = '\0';
    if (t == NULL)  /* NULL, or out of memory */
        return sqlite3_column_type(p, col) == SQLITE_NULL ? 0 : -1;
    if (len >= cap)
        return -1;
    memcpy(dst, t, len);
    dst[len] = '\0';
    return 0;
}

/* Copies a text column that may be cut short (user agent, address),
 * at the start of a UTF-8 sequence so no character is split. */
static void
col_trunc(sqlite3_stmt *p, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(p, col);
    size_t len = (size_t)sqlite3_column_bytes(p, col);

    dst[0] = '\0';
    if (t == NULL)
        return;
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
col_dup(sqlite3_stmt *p, int col, char **out)
{
    const unsigned char *t = sqlite3_column_text(p, col);
    size_t len = (size_t)sqlite3_column_bytes(p, col);

    *out = NULL;
    if (t == NULL)
        return sqlite3_column_type(p, col) == SQLITE_NULL ? 0 : -1;
    *out = malloc(len + 1);
    if (*out == NULL)
        return -1;
    memcpy(*out, t, len);
    (*out)[len] = '\0';
    return 0;
}

static int
read_user(sqlite3_stmt *p, struct jotd_user *u)
{
    memset(u, 0, sizeof *u);
    if (col_exact(p, 0, u->id, sizeof u->id) != 0 ||
        col_exact(p, 1, u->username, sizeof u->username) != 0 ||
        col_exact(p, 2, u->username_key, sizeof u->username_key) != 0 ||
        col_exact(p, 3, u->password_hash, sizeof u->password_hash) != 0 ||
        col_exact(p, 4, u->roles, sizeof u->roles) != 0)
        return -1;
    u->disabled = sqlite3_column_int64(p, 5) != 0;
    u->created_at = sqlite3_column_int64(p, 6);
    u->updated_at = sqlite3_column_int64(p, 7);
    return 0;
}

static int
read_session(sqlite3_stmt *p, struct jotd_session *s)
{
    memset(s, 0, sizeof *s);
    if (col_exact(p, 0, s->id, sizeof s->id) != 0 ||
        col_exact(p, 1, s->user_id, sizeof s->user_id) != 0)
        return -1;
    s->gen = sqlite3_column_int64(p, 2);
    s->rotated_at = sqlite3_column_int64(p, 3);
    s->created_at = sqlite3_column_int64(p, 4);
    s->last_used_at = sqlite3_column_int64(p, 5);
    s->expires_at = sqlite3_column_int64(p, 6);
    s->revoked_at = sqlite3_column_int64(p, 7);
    col_trunc(p, 8, s->revoked_reason, sizeof s->revoked_reason);
    col_trunc(p, 9, s->user_agent, sizeof s->user_agent);
    col_trunc(p, 10, s->ip, sizeof s->ip);
    col_trunc(p, 11, s->client_id, sizeof s->client_id);
    return 0;
}

/* Fills k; on failure frees what it took.  The caller clears k. */
static int
read_key(sqlite3_stmt *p, struct jotd_signing_key *k)
{
    memset(k, 0, sizeof *k);
    if (col_exact(p, 0, k->kid, sizeof k->kid) != 0 ||
        col_exact(p, 1, k->alg, sizeof k->alg) != 0 ||
        col_dup(p, 2, &k->public_jwk) != 0 ||
        col_dup(p, 3, &k->private_enc) != 0) {
        jotd_signing_key_clear(k);
        return -1;
    }
    k->created_at = sqlite3_column_int64(p, 4);
    k->activated_at = sqlite3_column_int64(p, 5);
    k->retired_at = sqlite3_column_int64(p, 6);
    return 0;
}

/* The outcome of a statement that changes at most one row: NOT_FOUND
 * when it changed none. */
static enum jotd_store_result
changed_one(struct sq *s, sqlite3_stmt *p, const char *what)
{
    int rc = run(p);

    if (rc != SQLITE_OK)
        return fail(s, rc, what);
    return sqlite3_changes(s->db) > 0 ? JOTD_STORE_OK : JOTD_STORE_NOT_FOUND;
}

/* Whether the session id exists, as OK or NOT_FOUND. */
static enum jotd_store_result
session_exists(struct sq *s, const char *id, const char *what)
{
    sqlite3_stmt *p = prep(s, Q_SESSION_EXISTS);
    enum jotd_store_result r;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, id, TEXT_MAX);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, what);
        goto out;
    }
    rc = sqlite3_step(p);
    if (rc == SQLITE_ROW)
        r = JOTD_STORE_OK;
    else if (rc == SQLITE_DONE)
        r = JOTD_STORE_NOT_FOUND;
    else
        r = fail(s, rc, what);
out:
    done(p);
    return r;
}

/* Takes the next number of counter (COUNTER_*), inside the caller's
 * transaction. */
static enum jotd_store_result
bump(struct sq *s, const char *counter, const char *what)
{
    sqlite3_stmt *p = prep(s, Q_COUNTER_BUMP);
    enum jotd_store_result r;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, counter, TEXT_MAX);
    if (rc != SQLITE_OK)
        r = fail(s, rc, what);
    else
        r = changed_one(s, p, what);
    done(p);
    /* A missing row is a schema that is not ours. */
    return r == JOTD_STORE_NOT_FOUND ? corrupt(s, what) : r;
}

/* ---- the operations ---------------------------------------------- */

static void
sq_close(jotd_store *st)
{
    struct sq *s = sq_of(st);
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < N_Q; i++)
        sqlite3_finalize(s->q[i]);
    /* Every statement is finalized, so this closes; the last connection
     * to close checkpoints the WAL into the database file. */
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

static enum jotd_store_result
schema_version(struct sq *s, int *version)
{
    sqlite3_stmt *p = prep(s, Q_VERSION);
    enum jotd_store_result r = JOTD_STORE_OK;
    int rc;
    sqlite3_int64 v;

    *version = 0;
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_step(p);
    if (rc != SQLITE_ROW) {
        r = fail(s, rc, "migrate");
        goto out;
    }
    v = sqlite3_column_int64(p, 0);
    if (v < 0 || v > INT_MAX) {
        r = corrupt(s, "migrate");
        goto out;
    }
    *version = (int)v;
out:
    done(p);
    return r;
}

/* Applies migration v, inside the caller's transaction, and records
 * that the schema is now at version v + 1. */
static enum jotd_store_result
apply(struct sq *s, int v)
{
    sqlite3_stmt *p;
    int rc;

    rc = sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, "migrate");
    p = prep(s, Q_VERSION_ADD);
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_bind_int(p, 1, v + 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, jotd_now_ms());
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, "migrate");
}

static enum jotd_store_result
sq_migrate(jotd_store *st, int *version)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r;
    int rc, v = 0;

    if (version != NULL)
        *version = 0;
    rc = sqlite3_exec(s->db,
                      "CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY NOT NULL,"
                      " applied_at INTEGER NOT NULL)",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, "migrate");
    for (;;) {
        /* The version is read inside the write transaction, so two
         * processes starting together apply each migration once. */
        r = begin(s, "migrate");
        if (r != JOTD_STORE_OK)
            return r;
        r = schema_version(s, &v);
        if (r != JOTD_STORE_OK)
            goto undo;
        if (v > N_MIGRATIONS) {
            jotd_errf(s->err, sizeof s->err,
                      "migrate: the database has schema version %d, newer "
                      "than this jotd knows (%d)", v, N_MIGRATIONS);
            r = JOTD_STORE_ERROR;
            goto undo;
        }
        if (v == N_MIGRATIONS)
            break;
        r = apply(s, v);
        if (r != JOTD_STORE_OK)
            goto undo;
        r = commit(s, "migrate");
        if (r != JOTD_STORE_OK)
            return r;
    }
    r = commit(s, "migrate");
    if (r == JOTD_STORE_OK && version != NULL)
        *version = v;
    return r;
undo:
    rollback(s);
    return r;
}

static enum jotd_store_result
sq_ping(jotd_store *st)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_PING);
    enum jotd_store_result r = JOTD_STORE_OK;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_step(p);
    if (rc != SQLITE_ROW)
        r = fail(s, rc, "ping");
    done(p);
    return r;
}

/* ---- users ---- */

static enum jotd_store_result
sq_user_create(jotd_store *st, const struct jotd_user *u)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_USER_INSERT);
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_field(p, 1, u->id);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 2, u->username);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 3, u->username_key);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 4, u->password_hash);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 5, u->roles);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(p, 6, u->disabled != 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 7, u->created_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 8, u->updated_at);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, "user_create");
}

/*
 * Reads one user by q into out.  out is written only after the statement
 * is done with key, so key may point into out (user_get(st, u.id, &u)).
 */
static enum jotd_store_result
user_by(jotd_store *st, enum q q, const char *key, struct jotd_user *out,
        const char *what)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, q);
    enum jotd_store_result r = JOTD_STORE_ERROR;
    struct jotd_user u;
    int rc;

    if (p == NULL)
        goto out;
    rc = bind_str(p, 1, key, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc == SQLITE_DONE)
        r = JOTD_STORE_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        r = fail(s, rc, what);
    else if (read_user(p, &u) != 0)
        r = corrupt(s, what);
    else
        r = JOTD_STORE_OK;
out:
    done(p);
    if (r == JOTD_STORE_OK)
        *out = u;
    else
        memset(out, 0, sizeof *out);
    return r;
}

static enum jotd_store_result
sq_user_get(jotd_store *st, const char *id, struct jotd_user *out)
{
    return user_by(st, Q_USER_GET, id, out, "user_get");
}

static enum jotd_store_result
sq_user_get_by_name(jotd_store *st, const char *username_key,
                    struct jotd_user *out)
{
    return user_by(st, Q_USER_BY_NAME, username_key, out,
                   "user_get_by_name");
}

static enum jotd_store_result
sq_user_list(jotd_store *st, const char *after, size_t limit,
             jotd_user_cb cb, void *ctx)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_USER_LIST);
    enum jotd_store_result r = JOTD_STORE_OK;
    struct jotd_user u;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, after != NULL ? after : "", TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, limit > INT64_MAX ? INT64_MAX
                                                        : (int64_t)limit);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, "user_list");
        goto out;
    }
    for (;;) {
        rc = sqlite3_step(p);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            r = fail(s, rc, "user_list");
            goto out;
        }
        if (read_user(p, &u) != 0) {
            r = corrupt(s, "user_list");
            goto out;
        }
        if (cb(ctx, &u) != 0)
            break;
    }
out:
    done(p);
    return r;
}

static enum jotd_store_result
sq_user_update(jotd_store *st, const struct jotd_user *u, int64_t now)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_USER_UPDATE);
    enum jotd_store_result r;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_field(p, 1, u->id);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 2, u->password_hash);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 3, u->roles);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(p, 4, u->disabled != 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 5, now);
    if (rc != SQLITE_OK)
        r = fail(s, rc, "user_update");
    else
        r = changed_one(s, p, "user_update");
    done(p);
    return r;
}

/*
 * Revokes the live sessions of user_id but except_id (may be NULL),
 * inside the caller's transaction and under one revocation number,
 * passing each id revoked to cb (NULL: none) and counting them in
 * *n_revoked (may be NULL).  SQLite makes every change at the first step
 * of an UPDATE ... RETURNING, so cb sees only ids that the transaction
 * revokes; should its commit fail (a full disk), the caller refuses the
 * tokens of sessions that stay live, the safe side to err on.
 */
static enum jotd_store_result
revoke_user(struct sq *s, const char *user_id, const char *except_id,
            const char *reason, int64_t now, jotd_revoked_cb cb, void *ctx,
            size_t *n_revoked, const char *what)
{
    sqlite3_stmt *p = prep(s, Q_SESSION_REVOKE_USER);
    char id[JOTD_ID_LEN + 1];
    size_t n = 0;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, user_id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc == SQLITE_OK)
        rc = bind_str(p, 3, reason, REASON_MAX);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 4, except_id, TEXT_MAX);
    while (rc == SQLITE_OK && (rc = sqlite3_step(p)) == SQLITE_ROW) {
        n++;
        rc = SQLITE_OK;
        /* An id that does not read back whole is still revoked. */
        if (cb != NULL && col_exact(p, 0, id, sizeof id) == 0)
            (void)cb(ctx, id, now);
    }
    done(p);
    if (rc != SQLITE_DONE)
        return fail(s, rc, what);
    if (n > 0 && bump(s, COUNTER_REVOKED, what) != JOTD_STORE_OK)
        return JOTD_STORE_ERROR;
    if (n_revoked != NULL)
        *n_revoked = n;
    return JOTD_STORE_OK;
}

static enum jotd_store_result
sq_user_delete(jotd_store *st, const char *id, int64_t now)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p;
    enum jotd_store_result r;
    int rc;

    r = begin(s, "user_delete");
    if (r != JOTD_STORE_OK)
        return r;
    p = prep(s, Q_USER_DELETE);
    if (p == NULL) {
        r = JOTD_STORE_ERROR;
        goto undo;
    }
    rc = bind_str(p, 1, id, TEXT_MAX);
    if (rc != SQLITE_OK)
        r = fail(s, rc, "user_delete");
    else
        r = changed_one(s, p, "user_delete");
    done(p);
    if (r != JOTD_STORE_OK)
        goto undo;
    r = revoke_user(s, id, NULL, REASON_USER_DELETED, now, NULL, NULL, NULL,
                    "user_delete");
    if (r != JOTD_STORE_OK)
        goto undo;
    return commit(s, "user_delete");
undo:
    rollback(s);
    return r;
}

/* ---- sessions ---- */

static enum jotd_store_result
sq_session_create(jotd_store *st, const struct jotd_session *x)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SESSION_INSERT);
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_field(p, 1, x->id);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 2, x->user_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 3, x->gen);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 4, x->rotated_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 5, x->created_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 6, x->last_used_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 7, x->expires_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 8, x->revoked_at);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 9, x->revoked_reason);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 10, x->user_agent);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 11, x->ip);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 12, x->client_id);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, "session_create");
}

/* As user_by: id may point into out. */
static enum jotd_store_result
sq_session_get(jotd_store *st, const char *id, struct jotd_session *out)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SESSION_GET);
    enum jotd_store_result r = JOTD_STORE_ERROR;
    struct jotd_session x;
    int rc;

    if (p == NULL)
        goto out;
    rc = bind_str(p, 1, id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc == SQLITE_DONE)
        r = JOTD_STORE_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        r = fail(s, rc, "session_get");
    else if (read_session(p, &x) != 0)
        r = corrupt(s, "session_get");
    else
        r = JOTD_STORE_OK;
out:
    done(p);
    if (r == JOTD_STORE_OK)
        *out = x;
    else
        memset(out, 0, sizeof *out);
    return r;
}

/*
 * "Live" is not revoked and not expired at now, as in session_list_user:
 * an expired session is never rotated back to life.  When nothing
 * matched, a second look tells NOT_FOUND (no such session) from CONFLICT
 * (another gen, revoked or expired).  Only sessions revoked or expired
 * long ago are ever deleted (session_prune), so the answer cannot change
 * in between.
 */
static enum jotd_store_result
sq_session_rotate(jotd_store *st, const char *id, int64_t from_gen,
                  int64_t now, int64_t new_expires_at)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SESSION_ROTATE);
    enum jotd_store_result r;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, from_gen);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 3, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 4, new_expires_at);
    if (rc != SQLITE_OK)
        r = fail(s, rc, "session_rotate");
    else
        r = changed_one(s, p, "session_rotate");
    done(p);
    if (r != JOTD_STORE_NOT_FOUND)
        return r;
    r = session_exists(s, id, "session_rotate");
    return r == JOTD_STORE_OK ? JOTD_STORE_CONFLICT : r;
}

/* The revocation and its number in one transaction; an idempotent
 * repeat changes nothing and takes no number. */
static enum jotd_store_result
sq_session_revoke(jotd_store *st, const char *id, const char *reason,
                  int64_t now)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p;
    enum jotd_store_result r;
    int rc;

    r = begin(s, "session_revoke");
    if (r != JOTD_STORE_OK)
        return r;
    p = prep(s, Q_SESSION_REVOKE);
    if (p == NULL) {
        r = JOTD_STORE_ERROR;
        goto undo;
    }
    rc = bind_str(p, 1, id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc == SQLITE_OK)
        rc = bind_str(p, 3, reason, REASON_MAX);
    if (rc != SQLITE_OK)
        r = fail(s, rc, "session_revoke");
    else
        r = changed_one(s, p, "session_revoke");
    done(p);
    if (r == JOTD_STORE_OK)
        r = bump(s, COUNTER_REVOKED, "session_revoke");
    else if (r == JOTD_STORE_NOT_FOUND)
        /* Already revoked is OK: revoking is idempotent. */
        r = session_exists(s, id, "session_revoke");
    if (r != JOTD_STORE_OK)
        goto undo;
    return commit(s, "session_revoke");
undo:
    rollback(s);
    return r;
}

/*
 * Every session of the user not yet revoked is revoked, expired ones
 * included: harmless, and it keeps nodes whose clocks differ a little
 * from disagreeing about what was live.
 */
static enum jotd_store_result
sq_session_revoke_user(jotd_store *st, const char *user_id,
                       const char *except_id, const char *reason,
                       int64_t now, jotd_revoked_cb cb, void *ctx,
                       size_t *n_revoked)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r;

    if (n_revoked != NULL)
        *n_revoked = 0;
    r = begin(s, "session_revoke_user");
    if (r != JOTD_STORE_OK)
        return r;
    r = revoke_user(s, user_id, except_id, reason, now, cb, ctx, n_revoked,
                    "session_revoke_user");
    if (r != JOTD_STORE_OK) {
        rollback(s);
        if (n_revoked != NULL)
            *n_revoked = 0;
        return r;
    }
    r = commit(s, "session_revoke_user");
    if (r != JOTD_STORE_OK && n_revoked != NULL)
        *n_revoked = 0;
    return r;
}

static enum jotd_store_result
sq_session_list_user(jotd_store *st, const char *user_id, int64_t now,
                     jotd_session_cb cb, void *ctx)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SESSION_LIST_USER);
    enum jotd_store_result r = JOTD_STORE_OK;
    struct jotd_session x;
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, user_id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, "session_list_user");
        goto out;
    }
    for (;;) {
        rc = sqlite3_step(p);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            r = fail(s, rc, "session_list_user");
            goto out;
        }
        if (read_session(p, &x) != 0) {
            r = corrupt(s, "session_list_user");
            goto out;
        }
        if (cb(ctx, &x) != 0)
            break;
    }
out:
    done(p);
    return r;
}

static enum jotd_store_result
sq_revoked_since(jotd_store *st, int64_t since, jotd_revoked_cb cb,
                 void *ctx)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_REVOKED_SINCE);
    enum jotd_store_result r = JOTD_STORE_OK;
    char id[JOTD_ID_LEN + 1];
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_bind_int64(p, 1, since);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, "revoked_since");
        goto out;
    }
    for (;;) {
        rc = sqlite3_step(p);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            r = fail(s, rc, "revoked_since");
            goto out;
        }
        if (col_exact(p, 0, id, sizeof id) != 0) {
            r = corrupt(s, "revoked_since");
            goto out;
        }
        if (cb(ctx, id, sqlite3_column_int64(p, 1)) != 0)
            break;
    }
out:
    done(p);
    return r;
}

static enum jotd_store_result
sq_revoked_after(jotd_store *st, int64_t after, size_t limit,
                 jotd_revoked_seq_cb cb, void *ctx)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_REVOKED_AFTER);
    enum jotd_store_result r = JOTD_STORE_OK;
    char id[JOTD_ID_LEN + 1];
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_bind_int64(p, 1, after);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, limit > INT64_MAX ? INT64_MAX
                                                        : (int64_t)limit);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, "revoked_after");
        goto out;
    }
    for (;;) {
        rc = sqlite3_step(p);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            r = fail(s, rc, "revoked_after");
            goto out;
        }
        if (col_exact(p, 0, id, sizeof id) != 0) {
            r = corrupt(s, "revoked_after");
            goto out;
        }
        if (cb(ctx, id, sqlite3_column_int64(p, 1),
               sqlite3_column_int64(p, 2)) != 0)
            break;
    }
out:
    done(p);
    return r;
}

static enum jotd_store_result
sq_seqs_get(jotd_store *st, struct jotd_seqs *out)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SEQS);
    enum jotd_store_result r = JOTD_STORE_OK;
    int rc;

    memset(out, 0, sizeof *out);
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_step(p);
    if (rc != SQLITE_ROW)
        r = fail(s, rc, "seqs_get");
    else if (sqlite3_column_type(p, 0) == SQLITE_NULL ||
             sqlite3_column_type(p, 1) == SQLITE_NULL)
        r = corrupt(s, "seqs_get");
    else {
        out->revoked = sqlite3_column_int64(p, 0);
        out->keys = sqlite3_column_int64(p, 1);
    }
    done(p);
    return r;
}

/* SQLite cannot tell one process of another's commit: the caller reads
 * the counters instead (store.h). */
static enum jotd_store_result
sq_listen(jotd_store *st)
{
    (void)st;
    return JOTD_STORE_NOT_FOUND;
}

static enum jotd_store_result
sq_wait(jotd_store *st, int timeout_ms, unsigned *changes)
{
    struct timespec ts;

    (void)st;
    *changes = 0;
    if (timeout_ms <= 0)
        return JOTD_STORE_OK;
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return JOTD_STORE_OK;
}

/* ---- settings ---- */

/*
 * Two statements and no transaction: the value only ever grows, so a
 * raise by another connection in between leaves a value at least as
 * large as ours to read.
 */
static enum jotd_store_result
sq_setting_raise(jotd_store *st, const char *name, int64_t value,
                 int64_t *out)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_SETTING_RAISE);
    enum jotd_store_result r = JOTD_STORE_ERROR;
    int rc;

    *out = 0;
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, name, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, value);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    if (rc != SQLITE_OK)
        return fail(s, rc, "setting_raise");
    p = prep(s, Q_SETTING_GET);
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, name, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(p, 0);
        r = JOTD_STORE_OK;
    } else {
        r = rc == SQLITE_DONE ? corrupt(s, "setting_raise")
                              : fail(s, rc, "setting_raise");
    }
    done(p);
    return r;
}

/* ---- login throttling ---- */

/*
 * Runs failure_add (add = 1, an UPSERT ... RETURNING that always gives
 * the row) or failure_get (add = 0, which may find none) for bucket, and
 * reads the count and the time of the last failure.
 */
static enum jotd_store_result
failure_row(jotd_store *st, int add, const char *bucket, int64_t now,
            int64_t window_ms, int64_t *count, int64_t *last_at)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, add ? Q_FAILURE_ADD : Q_FAILURE_GET);
    enum jotd_store_result r = JOTD_STORE_OK;
    int64_t c = 0, l = 0;
    int rc;

    if (count != NULL)
        *count = 0;
    if (last_at != NULL)
        *last_at = 0;
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, bucket, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 3, window_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc == SQLITE_ROW) {
        c = sqlite3_column_int64(p, 0);
        l = sqlite3_column_int64(p, 1);
        /* The statement, and so its transaction, ends at SQLITE_DONE. */
        rc = add ? run(p) : SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = add ? SQLITE_INTERNAL : SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        r = fail(s, rc, add ? "failure_add" : "failure_get");
    done(p);
    if (r == JOTD_STORE_OK) {
        if (count != NULL)
            *count = c;
        if (last_at != NULL)
            *last_at = l;
    }
    return r;
}

static enum jotd_store_result
sq_failure_add(jotd_store *st, const char *bucket, int64_t now,
               int64_t window_ms, int64_t *count, int64_t *last_at)
{
    return failure_row(st, 1, bucket, now, window_ms, count, last_at);
}

static enum jotd_store_result
sq_failure_get(jotd_store *st, const char *bucket, int64_t now,
               int64_t window_ms, int64_t *count, int64_t *last_at)
{
    return failure_row(st, 0, bucket, now, window_ms, count, last_at);
}

/* Runs statement q on the one bucket name it takes; what names it in a
 * failure's message. */
static enum jotd_store_result
on_bucket(jotd_store *st, enum q q, const char *bucket, const char *what)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, q);
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, bucket, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, what);
}

static enum jotd_store_result
sq_failure_clear(jotd_store *st, const char *bucket)
{
    return on_bucket(st, Q_FAILURE_CLEAR, bucket, "failure_clear");
}

/*
 * Runs Q_FAILURE_TAKE (take = 1) or Q_FAILURE_READ for bucket; *got is 1
 * when it gave a row, read into *out.
 */
static enum jotd_store_result
failure_state(struct sq *s, int take, const char *bucket, int64_t now,
              int64_t window_ms, int64_t expect, int *got,
              struct jotd_failure *out)
{
    sqlite3_stmt *p = prep(s, take ? Q_FAILURE_TAKE : Q_FAILURE_READ);
    enum jotd_store_result r = JOTD_STORE_OK;
    int rc;

    *got = 0;
    memset(out, 0, sizeof *out);
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_str(p, 1, bucket, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 3, window_ms);
    if (rc == SQLITE_OK && take)
        rc = sqlite3_bind_int64(p, 4, expect);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc == SQLITE_ROW) {
        *got = 1;
        out->count = sqlite3_column_int64(p, 0);
        out->first_at = sqlite3_column_int64(p, 1);
        out->last_at = sqlite3_column_int64(p, 2);
        /* The statement, and so its transaction, ends at SQLITE_DONE. */
        rc = run(p);
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
        r = fail(s, rc, take ? "failure_take" : "failure_read");
        *got = 0;
        memset(out, 0, sizeof *out);
    }
    done(p);
    return r;
}

static enum jotd_store_result
sq_failure_take(jotd_store *st, const char *bucket, int64_t now,
                int64_t window_ms, int64_t expect, int *taken,
                struct jotd_failure *out)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r;
    int got;

    *taken = 0;
    r = failure_state(s, 1, bucket, now, window_ms, expect, taken, out);
    if (r == JOTD_STORE_OK && !*taken)
        r = failure_state(s, 0, bucket, now, window_ms, 0, &got, out);
    return r;
}

static enum jotd_store_result
sq_failure_undo(jotd_store *st, const char *bucket)
{
    return on_bucket(st, Q_FAILURE_UNDO, bucket, "failure_undo");
}

/* ---- signing keys ---- */

static enum jotd_store_result
key_insert(struct sq *s, const struct jotd_signing_key *k)
{
    sqlite3_stmt *p = prep(s, Q_KEY_INSERT);
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = bind_field(p, 1, k->kid);
    if (rc == SQLITE_OK)
        rc = bind_field(p, 2, k->alg);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 3, k->public_jwk, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_str(p, 4, k->private_enc, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 5, k->created_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 6, k->activated_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 7, k->retired_at);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, "key_insert");
}

/* The key and its number in one transaction. */
static enum jotd_store_result
sq_key_insert(jotd_store *st, const struct jotd_signing_key *k)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r;

    r = begin(s, "key_insert");
    if (r != JOTD_STORE_OK)
        return r;
    r = key_insert(s, k);
    if (r == JOTD_STORE_OK)
        r = bump(s, COUNTER_KEYS, "key_insert");
    if (r != JOTD_STORE_OK) {
        rollback(s);
        return r;
    }
    return commit(s, "key_insert");
}

/* The key passed to cb, and its strings, live until cb returns. */
static enum jotd_store_result
sq_key_list(jotd_store *st, jotd_key_cb cb, void *ctx)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_KEY_LIST);
    enum jotd_store_result r = JOTD_STORE_OK;
    struct jotd_signing_key k;
    int rc, stop;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    for (;;) {
        rc = sqlite3_step(p);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            r = fail(s, rc, "key_list");
            goto out;
        }
        if (read_key(p, &k) != 0) {
            r = corrupt(s, "key_list");
            goto out;
        }
        stop = cb(ctx, &k);
        jotd_signing_key_clear(&k);
        if (stop != 0)
            break;
    }
out:
    done(p);
    return r;
}

/*
 * Activating kid also clears its retired_at, so that re-activating a
 * retired key leaves exactly one key that is active and not retired.
 */
static enum jotd_store_result
sq_key_activate(jotd_store *st, const char *kid, int64_t now)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p;
    enum jotd_store_result r;
    int rc;

    r = begin(s, "key_activate");
    if (r != JOTD_STORE_OK)
        return r;
    p = prep(s, Q_KEY_ACTIVATE);
    if (p == NULL) {
        r = JOTD_STORE_ERROR;
        goto undo;
    }
    rc = bind_str(p, 1, kid, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc != SQLITE_OK)
        r = fail(s, rc, "key_activate");
    else
        r = changed_one(s, p, "key_activate");
    done(p);
    if (r != JOTD_STORE_OK)
        goto undo;
    p = prep(s, Q_KEY_RETIRE_OTHERS);
    if (p == NULL) {
        r = JOTD_STORE_ERROR;
        goto undo;
    }
    rc = bind_str(p, 1, kid, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, now);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    if (rc != SQLITE_OK) {
        r = fail(s, rc, "key_activate");
        goto undo;
    }
    r = bump(s, COUNTER_KEYS, "key_activate");
    if (r != JOTD_STORE_OK)
        goto undo;
    return commit(s, "key_activate");
undo:
    rollback(s);
    return r;
}

/* ---- audit ---- */

static enum jotd_store_result
sq_audit(jotd_store *st, int64_t at, const char *kind, const char *user_id,
         const char *session_id, const char *ip, const char *detail)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p = prep(s, Q_AUDIT);
    int rc;

    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_bind_int64(p, 1, at);
    if (rc == SQLITE_OK)
        rc = bind_str(p, 2, kind, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 3, user_id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 4, session_id, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 5, ip, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = bind_opt(p, 6, detail, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    return rc == SQLITE_OK ? JOTD_STORE_OK : fail(s, rc, "audit");
}

/* ---- pruning ---- */

/* Runs the pruning delete q for rows older than before, at most limit
 * of them; prefix binds ?3 when not NULL. */
static enum jotd_store_result
prune(jotd_store *st, enum q q, int64_t before, size_t limit,
      const char *prefix, size_t *n_deleted, const char *what)
{
    struct sq *s = sq_of(st);
    sqlite3_stmt *p;
    int rc;

    *n_deleted = 0;
    if (limit == 0)
        return JOTD_STORE_OK;
    p = prep(s, q);
    if (p == NULL)
        return JOTD_STORE_ERROR;
    rc = sqlite3_bind_int64(p, 1, before);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(p, 2, limit > INT64_MAX ? INT64_MAX
                                                         : (int64_t)limit);
    if (rc == SQLITE_OK && prefix != NULL)
        rc = bind_str(p, 3, prefix, TEXT_MAX);
    if (rc == SQLITE_OK)
        rc = run(p);
    done(p);
    if (rc != SQLITE_OK)
        return fail(s, rc, what);
    *n_deleted = (size_t)sqlite3_changes(s->db);
    return JOTD_STORE_OK;
}

static enum jotd_store_result
sq_audit_prune(jotd_store *st, int64_t before, size_t limit,
               size_t *n_deleted)
{
    return prune(st, Q_AUDIT_PRUNE, before, limit, NULL, n_deleted,
                 "audit_prune");
}

static enum jotd_store_result
sq_session_prune(jotd_store *st, int64_t before, size_t limit,
                 size_t *n_deleted)
{
    return prune(st, Q_SESSION_PRUNE, before, limit, NULL, n_deleted,
                 "session_prune");
}

static enum jotd_store_result
sq_failure_prune(jotd_store *st, const char *prefix, int64_t before,
                 size_t limit, size_t *n_deleted)
{
    return prune(st, Q_FAILURE_PRUNE, before, limit, prefix, n_deleted,
                 "failure_prune");
}

/* ---- outages ------------------------------------------------------ */

/*
 * Takes the write lock and gives it back at once: a file locked by
 * another process fails here, after a wait shorter than a request's.
 * The connection's busy timeout is put back afterwards (a test's own
 * busy handler included is replaced by it).
 */
static enum jotd_store_result
sq_writable(jotd_store *st)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r;

    sqlite3_busy_timeout(s->db, PROBE_BUSY_MS);
    r = begin(s, "write probe");
    if (r == JOTD_STORE_OK)
        rollback(s);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    return r;
}

static void
sq_last_error(jotd_store *st, char *out, size_t cap)
{
    struct sq *s = sq_of(st);

    if (cap == 0)
        return;
    jotd_errf(out, cap, "%s", s->err);
    s->err[0] = '\0';
}

/* ---- groups ------------------------------------------------------- */

/*
 * A group is one BEGIN IMMEDIATE transaction: its reads see the row its
 * write then changes, with no writer in between, and the database's
 * locks are taken once for all of them.
 *
 * The groups of this process also queue on one mutex first, since SQLite
 * has one writer at a time anyway.  Without it the workers of a refresh
 * load met on SQLite's write lock, whose busy handler sleeps 1, 2, 5 ms
 * and more between tries while a group holds the lock for some 100 us;
 * and the autocheckpoint after each commit never found the WAL wholly
 * copied back with other commits landing meanwhile, so the WAL was never
 * restarted (49 MB after 6 s of refreshes) and every commit ran a
 * checkpoint with two fdatasyncs.  Queued, the checkpoint that a commit
 * runs finishes before the next group writes, and the WAL restarts.  The
 * mutex is process-wide rather than per database: jotd has one, and a
 * test with several only waits a little longer.  Other processes on the
 * same file still meet on SQLite's lock and its busy timeout.
 */
static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;

static enum jotd_store_result
sq_group_begin(jotd_store *st)
{
    struct sq *s = sq_of(st);
    struct timespec until;
    enum jotd_store_result r;
    int rc;

    /* No longer than SQLite would wait on its own lock. */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BUSY_TIMEOUT_MS / 1000;
    rc = pthread_mutex_timedlock(&group_lock, &until);
    if (rc != 0)
        return fail(s, SQLITE_BUSY, "group_begin");
    r = begin(s, "group_begin");
    if (r != JOTD_STORE_OK)
        pthread_mutex_unlock(&group_lock);
    return r;
}

static enum jotd_store_result
sq_group_end(jotd_store *st, int do_commit)
{
    struct sq *s = sq_of(st);
    enum jotd_store_result r = JOTD_STORE_OK;

    if (do_commit)
        r = commit(s, "group_end");
    else
        rollback(s);
    pthread_mutex_unlock(&group_lock);
    return r;
}

static const struct jotd_store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .ping = sq_ping,
    .user_create = sq_user_create,
    .user_get = sq_user_get,
    .user_get_by_name = sq_user_get_by_name,
    .user_list = sq_user_list,
    .user_update = sq_user_update,
    .user_delete = sq_user_delete,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_rotate = sq_session_rotate,
    .session_revoke = sq_session_revoke,
    .session_revoke_user = sq_session_revoke_user,
    .session_list_user = sq_session_list_user,
    .revoked_since = sq_revoked_since,
    .revoked_after = sq_revoked_after,
    .seqs_get = sq_seqs_get,
    .listen = sq_listen,
    .wait = sq_wait,
    .setting_raise = sq_setting_raise,
    .failure_add = sq_failure_add,
    .failure_get = sq_failure_get,
    .failure_clear = sq_failure_clear,
    .failure_take = sq_failure_take,
    .failure_undo = sq_failure_undo,
    .key_insert = sq_key_insert,
    .key_list = sq_key_list,
    .key_activate = sq_key_activate,
    .audit = sq_audit,
    .audit_prune = sq_audit_prune,
    .session_prune = sq_session_prune,
    .failure_prune = sq_failure_prune,
    .writable = sq_writable,
    .last_error = sq_last_error,
    .group_begin = sq_group_begin,
    .group_end = sq_group_end,
};

/*
 * The default, SQLite's busy timeout, sleeps and retries for up to
 * BUSY_TIMEOUT_MS; a test puts its own handler in its place to see the
 * wait begin and to end it when it chooses, with no clock involved.
 */
int
jotd_store_sqlite_busy(jotd_store *st, int (*busy)(void *ctx, int n),
                       void *ctx)
{
    struct sq *s;
    int rc;

    if (st == NULL || st->ops != &sq_ops)
        return -1;
    s = sq_of(st);
    if (busy == NULL)
        rc = sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    else
        rc = sqlite3_busy_handler(s->db, busy, ctx);
    return rc == SQLITE_OK ? 0 : -1;
}

/* ---- opening ------------------------------------------------------- */

/* Creates the missing directories above the file path, mode 0700. */
static int
make_parents(const char *path, char *err, size_t err_len)
{
    size_t len = strlen(path);
    char *dir = NULL, *p;
    struct stat sb;
    int rc = -1;
    char c;

    dir = malloc(len + 1);
    if (dir == NULL) {
        jotd_errf(err, err_len, "sqlite:%s: out of memory", path);
        goto out;
    }
    memcpy(dir, path, len + 1);
    p = strrchr(dir, '/');
    if (p == NULL || p == dir) {    /* in the working directory or / */
        rc = 0;
        goto out;
    }
    *p = '\0';
    if (stat(dir, &sb) == 0) {      /* not a directory: open says so */
        rc = 0;
        goto out;
    }
    for (p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            jotd_errf(err, err_len,
                      "sqlite:%s: cannot create directory %s: %s",
                      path, dir, strerror(errno));
            goto out;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    rc = 0;
out:
    free(dir);
    return rc;
}

/*
 * Creates the database file with mode 0600 when it is missing, so that
 * it is never readable by others, not even for a moment (SQLite would
 * create it with 0644 less the umask).  Its -wal and -shm files take the
 * same mode from it.
 */
static int
make_file(const char *path, char *err, size_t err_len)
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                  0600);

    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EEXIST)
        return 0;
    jotd_errf(err, err_len, "sqlite:%s: %s", path, strerror(errno));
    return -1;
}

/*
 * The connection's settings.
 *
 * journal_mode=WAL: readers do not block the writer nor the writer them.
 * It also reads the file header, so a file that is not a database fails
 * here, at open.
 *
 * synchronous=NORMAL: in WAL mode a commit is written into the WAL file
 * before it returns, and only the fsync waits for the next checkpoint.
 * A killed jotd therefore loses nothing it acknowledged: what it wrote
 * is in the kernel's page cache and reaches the disk without it.  Only a
 * power cut or a kernel crash can roll back the last commits (the
 * database stays consistent); synchronous=FULL would cost an fsync per
 * commit to cover that too.
 */
static int
configure(struct sq *s, char *err, size_t err_len)
{
    sqlite3_stmt *p = NULL;
    const unsigned char *mode;
    int rc, ret = -1;

    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &p,
                            NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(p);
    if (rc != SQLITE_ROW) {
        jotd_errf(err, err_len, "sqlite:%s: %s", s->path,
                  sqlite3_errmsg(s->db));
        goto out;
    }
    mode = sqlite3_column_text(p, 0);
    if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
        jotd_errf(err, err_len, "sqlite:%s: cannot switch to WAL mode",
                  s->path);
        goto out;
    }
    rc = sqlite3_exec(s->db,
                      "PRAGMA synchronous = NORMAL;"
                      "PRAGMA foreign_keys = ON;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        jotd_errf(err, err_len, "sqlite:%s: %s", s->path,
                  sqlite3_errmsg(s->db));
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(p);
    return ret;
}

jotd_store *
jotd_store_sqlite_open(const char *url, char *err, size_t err_len)
{
    struct sq *s = NULL, *ret = NULL;
    const char *path;
    size_t len;
    int rc;

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (strncmp(url, URL_SCHEME, strlen(URL_SCHEME)) != 0) {
        jotd_errf(err, err_len, "sqlite: not a sqlite:PATH URL");
        goto out;
    }
    path = url + strlen(URL_SCHEME);
    len = strnlen(path, PATH_MAX);
    if (len == 0) {
        jotd_errf(err, err_len, "sqlite: no file name (expected sqlite:PATH)");
        goto out;
    }
    if (len >= PATH_MAX) {
        jotd_errf(err, err_len, "sqlite: file name too long");
        goto out;
    }
    /* Each thread opens its own connection, so an in-memory database
     * would be a different one in every thread. */
    if (path[0] == ':' || strncmp(path, "file:", 5) == 0) {
        jotd_errf(err, err_len, "sqlite:%s: not a file name", path);
        goto out;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = malloc(len + 1)) == NULL) {
        jotd_errf(err, err_len, "sqlite:%s: out of memory", path);
        goto out;
    }
    memcpy(s->path, path, len + 1);
    s->base.ops = &sq_ops;
    if (make_parents(path, err, err_len) != 0 ||
        make_file(path, err, err_len) != 0)
        goto out;
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                         SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        jotd_errf(err, err_len, "sqlite:%s: %s", path,
                  s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto out;
    }
    if (configure(s, err, err_len) != 0)
        goto out;
    ret = s;
    s = NULL;
out:
    if (s != NULL) {
        sqlite3_close(s->db);
        free(s->path);
        free(s);
    }
    return ret != NULL ? &ret->base : NULL;
}
