/*
 * test_store_sqlite.c - what only the SQLite engine does, beyond the
 * contract of every engine in test_store.c: sqlite:PATH URLs, the file
 * and directory it creates and their modes, WAL mode, files it refuses,
 * the schema_version table and a schema newer than this jotd, the rows
 * the audit trail writes, and waiting for the write lock while another
 * connection holds it.  Each test works in a fresh directory under /tmp,
 * removed afterwards; some open the file with sqlite3 directly.
 */
#include <pthread.h>
#include <semaphore.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_store.h"
#include "store/engine.h"

#define N_VERSIONS 5                /* the schema version of this jotd */

struct fx {
    char dir[64];                   /* /tmp/jot-store-XXXXXX */
    char path[128];                 /* dir/data/jot.db: data is created */
    char url[160];
    jotd_store *st;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    int version = -1;

    assert_non_null(f);
    fmt(f->dir, "/tmp/jot-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    fmt(f->path, "%s/data/jot.db", f->dir);
    fmt(f->url, "sqlite:%s", f->path);
    f->st = open_ok(f->url);
    assert_string_equal(f->st->ops->name, "sqlite");
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, N_VERSIONS);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    jotd_store_close(f->st);
    rm_rf(f->dir);
    free(f);
    return 0;
}

/* A test UUID whose last digits are n: each test has a database of its
 * own here. */
static void
make_id(char out[JOTD_ID_LEN + 1], unsigned n)
{
    int k = snprintf(out, JOTD_ID_LEN + 1,
                     "00000000-0000-4000-8000-%012u", n);

    assert_int_equal(k, JOTD_ID_LEN);
}

static void
make_session(struct jotd_session *s, unsigned n, const char *user_id,
             int64_t now)
{
    memset(s, 0, sizeof *s);
    make_id(s->id, 1000 + n);
    fmt(s->user_id, "%s", user_id);
    s->gen = 1;
    s->rotated_at = now;
    s->created_at = now;
    s->last_used_at = now;
    s->expires_at = now + 14 * DAY;
}

/* Runs one SQL query on the file with a separate connection and returns
 * the integer in its first row. */
static int64_t
raw_int(const char *path, const char *query)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *p = NULL;
    int64_t v;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK)
        fail_msg("raw open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, query, -1, &p, NULL) != SQLITE_OK ||
        sqlite3_step(p) != SQLITE_ROW)
        fail_msg("raw %s: %s", query, sqlite3_errmsg(db));
    v = sqlite3_column_int64(p, 0);
    sqlite3_finalize(p);
    sqlite3_close(db);
    return v;
}

/* Runs SQL statements on the file with a separate connection. */
static void
raw_exec(const char *path, const char *stmts)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK)
        fail_msg("raw open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, stmts, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("raw %s: %s", stmts, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* ---- opening and migrations ---------------------------------------- */

/* sqlite: URLs whose path is no file, with a piece of each message. */
static void
test_open_bad_paths(void **state)
{
    static const struct bad_url cases[] = {
        {"sqlite:", "no file name"},
        {"sqlite::memory:", "not a file name"},
        {"sqlite:file:jot.db?mode=memory", "not a file name"},
    };

    (void)state;
    check_bad_urls(cases, sizeof cases / sizeof cases[0]);
}

/* The schema is at version N_VERSIONS, and migrating again, after reopening too,
 * records no version twice. */
static void
test_migrate_version(void **state)
{
    struct fx *f = *state;
    int version = -1;

    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, N_VERSIONS);
    jotd_store_close(f->st);
    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, N_VERSIONS);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schema_version"),
                     N_VERSIONS);
}

/* A database written by a newer jotd is refused, not downgraded. */
static void
test_migrate_newer_schema(void **state)
{
    struct fx *f = *state;
    int version = -1;

    raw_exec(f->path, "INSERT INTO schema_version VALUES (99, 0)");
    assert_res(JOTD_STORE_ERROR, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, 0);
}

/* Before migrate the tables are missing: an error, not a crash. */
static void
test_not_migrated(void **state)
{
    struct fx *f = *state;
    struct jotd_user u;
    char path[192], url[224];
    jotd_store *st;

    fmt(path, "%s/fresh.db", f->dir);
    fmt(url, "sqlite:%s", path);
    st = open_ok(url);
    assert_res(JOTD_STORE_OK, st->ops->ping(st));
    assert_res(JOTD_STORE_ERROR, st->ops->user_get(st, "x", &u));
    assert_res(JOTD_STORE_ERROR, st->ops->failure_clear(st, "i:x"));
    jotd_store_close(st);
}

/* The file is 0600 and its new directory 0700, and the journal is WAL. */
static void
test_file_modes(void **state)
{
    struct fx *f = *state;
    struct stat sb;
    char dir[160];

    assert_int_equal(stat(f->path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0600);
    fmt(dir, "%s/data", f->dir);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(raw_int(f->path, "SELECT journal_mode = 'wal' "
                             "FROM pragma_journal_mode"), 1);
    /* The WAL and its index, there while a connection is open. */
    fmt(dir, "%s-wal", f->path);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    fmt(dir, "%s-shm", f->path);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Paths that are not a usable database give NULL and say why. */
static void
test_open_bad_files(void **state)
{
    struct fx *f = *state;
    char path[192], url[224], err[256];
    FILE *fp;

    /* A text file. */
    fmt(path, "%s/x.db", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not a database, just some text that is long enough "
          "to fill the header of one\n", fp);
    fclose(fp);
    fmt(url, "sqlite:%s", path);
    assert_null(jotd_store_open(url, err, sizeof err));
    if (strstr(err, "file is not a database") == NULL ||
        strstr(err, path) == NULL)
        fail_msg("text file: got \"%s\"", err);

    /* A directory. */
    fmt(url, "sqlite:%s", f->dir);
    assert_null(jotd_store_open(url, err, sizeof err));
    if (strstr(err, f->dir) == NULL)
        fail_msg("directory: got \"%s\"", err);

    /* A regular file where a directory should be. */
    fmt(url, "sqlite:%s/x.db/jot.db", f->dir);
    assert_null(jotd_store_open(url, err, sizeof err));
    if (strstr(err, "Not a directory") == NULL)
        fail_msg("file as directory: got \"%s\"", err);
}

/* ---- audit ---------------------------------------------------------- */

/* What the audit trail writes, read back with SQL. */
static void
test_audit_rows(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    char uid[JOTD_ID_LEN + 1], sid[JOTD_ID_LEN + 1];

    make_id(uid, 1);
    make_id(sid, 2);
    assert_res(JOTD_STORE_OK, o->audit(f->st, T0, "login", uid, sid,
                                       "192.0.2.1", "{\"ua\":\"curl\"}"));
    assert_res(JOTD_STORE_OK, o->audit(f->st, T0 + 1, "key_rotate", NULL,
                                       NULL, NULL, NULL));
    assert_res(JOTD_STORE_ERROR, o->audit(f->st, T0 + 2, NULL, NULL, NULL,
                                          NULL, NULL));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_events"),
                     2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_events "
                             "WHERE kind = 'login' AND user_id IS NOT NULL "
                             "AND detail = '{\"ua\":\"curl\"}'"), 1);
    assert_int_equal(raw_int(f->path, "SELECT max(id) FROM audit_events"),
                     2);
}

/* ---- the write lock ------------------------------------------------- */

/*
 * A writer outside the store: a second connection that takes the write
 * lock, says so (locked), and commits once told to (go), then says that
 * too (released).  Semaphores, not sleeps, order the two sides.
 */
struct holder {
    const char *path;
    sem_t locked, go, released;
    int begun, ok;
};

static void *
hold_write_lock(void *arg)
{
    struct holder *h = arg;
    sqlite3 *db = NULL;

    h->begun = sqlite3_open_v2(h->path, &db, SQLITE_OPEN_READWRITE, NULL) ==
                   SQLITE_OK &&
               sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
                   SQLITE_OK;
    sem_post(&h->locked);
    sem_wait(&h->go);
    if (h->begun)
        h->ok = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    sem_post(&h->released);
    return NULL;
}

/*
 * How the store's write meets the lock.  SQLite calls on_busy in the
 * store's call, on this thread, each time the lock stops it.  With
 * release set, the first call lets the holder commit and waits until it
 * has (the write has demonstrably started waiting by then), and asks to
 * try again; without, it gives up at once, as the busy timeout would
 * once it ran out.
 */
struct waiter {
    struct holder *h;
    int release;
    int calls;
    int gone;                       /* go was posted */
};

/* A guard against a holder that never answers, not a measure of time:
 * the test fails rather than hangs. */
#define HOLDER_GUARD_S 60

static int
on_busy(void *ctx, int n)
{
    struct waiter *w = ctx;
    struct timespec until;

    w->calls++;
    if (!w->release)
        return 0;
    if (n > 0)                      /* released, yet still taken */
        return n < 1000;
    sem_post(&w->h->go);
    w->gone = 1;
    if (clock_gettime(CLOCK_REALTIME, &until) != 0)
        return 0;
    until.tv_sec += HOLDER_GUARD_S;
    return sem_timedwait(&w->h->released, &until) == 0;
}

/* Runs a session_create of session n while another connection holds
 * the write lock, meeting it as release says; returns its result. */
static enum jotd_store_result
create_while_locked(struct fx *f, int release, unsigned n)
{
    struct holder h;
    struct waiter w = {&h, release, 0, 0};
    enum jotd_store_result r = JOTD_STORE_ERROR;
    struct jotd_session s;
    char uid[JOTD_ID_LEN + 1];
    pthread_t t;

    make_id(uid, 1);
    make_session(&s, n, uid, T0);
    memset(&h, 0, sizeof h);
    h.path = f->path;
    assert_int_equal(sem_init(&h.locked, 0, 0), 0);
    assert_int_equal(sem_init(&h.go, 0, 0), 0);
    assert_int_equal(sem_init(&h.released, 0, 0), 0);
    assert_int_equal(jotd_store_sqlite_busy(f->st, on_busy, &w), 0);
    assert_int_equal(pthread_create(&t, NULL, hold_write_lock, &h), 0);
    sem_wait(&h.locked);
    if (h.begun)
        r = f->st->ops->session_create(f->st, &s);
    if (!w.gone)
        sem_post(&h.go);
    pthread_join(t, NULL);
    assert_int_equal(jotd_store_sqlite_busy(f->st, NULL, NULL), 0);
    sem_destroy(&h.locked);
    sem_destroy(&h.go);
    sem_destroy(&h.released);
    if (!h.begun)
        fail_msg("the second connection could not take the write lock");
    assert_true(h.ok);
    if (w.calls == 0)
        fail_msg("the write never met the lock");
    return r;
}

/* A session_create under a lock held elsewhere gives want, and the
 * session is then there (want OK) or not at all. */
static void
check_create_while_locked(struct fx *f, int release, unsigned n,
                          enum jotd_store_result want)
{
    struct jotd_session got;
    char id[JOTD_ID_LEN + 1];

    assert_res(want, create_while_locked(f, release, n));
    make_id(id, 1000 + n);
    assert_res(want == JOTD_STORE_OK ? JOTD_STORE_OK : JOTD_STORE_NOT_FOUND,
               f->st->ops->session_get(f->st, id, &got));
}

/* A write waits for a lock held elsewhere, released only once the write
 * is waiting, then succeeds. */
static void
test_busy_wait(void **state)
{
    check_create_while_locked(*state, 1, 1, JOTD_STORE_OK);
}

/* A lock that is not released before the wait gives up makes the write
 * fail, and nothing of it is left behind.  The store is usable after. */
static void
test_busy_timeout(void **state)
{
    struct fx *f = *state;
    struct jotd_session s;
    char uid[JOTD_ID_LEN + 1];

    check_create_while_locked(f, 0, 2, JOTD_STORE_ERROR);
    make_id(uid, 1);
    make_session(&s, 3, uid, T0);
    assert_res(JOTD_STORE_OK, f->st->ops->session_create(f->st, &s));
}

/*
 * A file whose write lock another connection holds: the probe says it
 * takes no writes and last_error names the lock, reads go on, and once
 * the lock is given back the probe passes.
 */
static void
test_writable_locked(void **state)
{
    struct fx *f = *state;
    sqlite3 *db = NULL;
    char text[256];

    assert_res(JOTD_STORE_OK, f->st->ops->writable(f->st));
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
                                     NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
                     SQLITE_OK);
    f->st->ops->last_error(f->st, text, sizeof text);
    assert_res(JOTD_STORE_ERROR, f->st->ops->writable(f->st));
    f->st->ops->last_error(f->st, text, sizeof text);
    if (strstr(text, "database is locked") == NULL)
        fail_msg("expected \"database is locked\", got \"%s\"", text);
    assert_res(JOTD_STORE_OK, f->st->ops->ping(f->st));
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_res(JOTD_STORE_OK, f->st->ops->writable(f->st));
}

/* Only a SQLite connection takes a busy handler. */
static void
test_busy_other_engine(void **state)
{
    static const struct jotd_store_ops other = {.name = "other"};
    jotd_store st = {&other};

    (void)state;
    assert_int_equal(jotd_store_sqlite_busy(&st, on_busy, NULL), -1);
    assert_int_equal(jotd_store_sqlite_busy(NULL, NULL, NULL), -1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_bad_paths),
        T(test_migrate_version),
        T(test_migrate_newer_schema),
        T(test_not_migrated),
        T(test_file_modes),
        T(test_open_bad_files),
        T(test_audit_rows),
        T(test_busy_wait),
        T(test_busy_timeout),
        T(test_writable_locked),
        cmocka_unit_test(test_busy_other_engine),
    };
#undef T

    return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
