/*
 * test_store_pg.c - what only the PostgreSQL engine does, beyond the
 * contract of every engine in test_store.c: nodes migrating an empty
 * database at once, with no lock left behind on the connection
 * afterwards; reconnecting by itself after the server dropped the
 * connection; a user agent that is not UTF-8, which PostgreSQL would
 * refuse as it is; what a listening connection hears (LISTEN and
 * NOTIFY) of revocations and key changes; and the retry of statements
 * that meet a serialization failure or a deadlock.
 *
 * The cluster is the one of JOTD_TEST_DB when that is a postgresql://
 * URL (tests/pg/cluster.sh prints one); otherwise the suite starts its
 * own with tests/pg/cluster.sh (run from the top of the tree) and stops
 * it at the end.  Each test works in a fresh database of that cluster,
 * made with libpq directly, as are the checks that look at the server.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "test_store.h"

#define ENV_URL "JOTD_TEST_DB"
#define N_NODES 4
#define N_VERSIONS 5                /* the schema version of this jotd */
/* Long enough for a notification on loopback to arrive, however loaded
 * the machine (wait returns as soon as one does); and how long one that
 * must not come is given to show up. */
#define ARRIVES_MS 10000
#define QUIET_MS 300

static char base_url[512];          /* the cluster's URL, database jot */
static char own_dir[64];            /* the cluster this suite started */

struct fx {
    char db[64];                    /* the test's database */
    char url[640];
    jotd_store *st;
};

/* base_url with its database replaced by db, into out. */
static void
url_for(const char *db, char *out, size_t cap)
{
    const char *q = strchr(base_url, '?');
    size_t end = q != NULL ? (size_t)(q - base_url) : strlen(base_url);
    size_t slash = end;
    int n;

    while (slash > 0 && base_url[slash - 1] != '/')
        slash--;
    assert_true(slash > strlen("postgresql://"));
    n = snprintf(out, cap, "%.*s%s%s", (int)slash, base_url, db,
                 base_url + end);
    assert_true(n > 0 && (size_t)n < cap);
}

/* A libpq connection to database db (NULL: the cluster's "jot"). */
static PGconn *
admin(const char *db)
{
    char url[640];
    PGconn *c;

    if (db == NULL)
        fmt(url, "%s", base_url);
    else
        url_for(db, url, sizeof url);
    c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    return c;
}

/* Runs sql (with at most one text parameter p1) on c; the result, which
 * must be a success, is for the caller to PQclear. */
static PGresult *
sql(PGconn *c, const char *q, const char *p1)
{
    PGresult *r = PQexecParams(c, q, p1 != NULL ? 1 : 0, NULL, &p1, NULL,
                               NULL, 0);

    if (PQresultStatus(r) != PGRES_TUPLES_OK &&
        PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", q, PQerrorMessage(c));
    return r;
}

/* The one integer that q gives. */
static long long
sql_int(PGconn *c, const char *q, const char *p1)
{
    PGresult *r = sql(c, q, p1);
    long long v;

    assert_int_equal(PQntuples(r), 1);
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int
group_setup(void **state)
{
    const char *env = getenv(ENV_URL);
    char cmd[256], line[512];
    FILE *p;

    (void)state;
    if (env != NULL && (strncmp(env, "postgresql://", 13) == 0 ||
                        strncmp(env, "postgres://", 11) == 0)) {
        fmt(base_url, "%s", env);
        return 0;
    }
    fmt(own_dir, "/tmp/jot-pgunit-XXXXXX");
    assert_non_null(mkdtemp(own_dir));
    fmt(cmd, "sh tests/pg/cluster.sh start %s", own_dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    if (pclose(p) != 0 || strncmp(line, "postgresql://", 13) != 0) {
        fprintf(stderr, "cannot start a PostgreSQL cluster: %s\n", line);
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    fmt(base_url, "%s", line);
    return 0;
}

static int
group_teardown(void **state)
{
    char cmd[256];
    int n;

    (void)state;
    if (own_dir[0] == '\0')
        return 0;
    n = snprintf(cmd, sizeof cmd, "sh tests/pg/cluster.sh stop %s",
                 own_dir);
    if (n > 0 && (size_t)n < sizeof cmd && system(cmd) != 0)
        fprintf(stderr, "could not stop the cluster in %s\n", own_dir);
    return 0;
}

/* A fresh, empty database for the test; not migrated. */
static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char uuid[JOTD_ID_LEN + 1], q[128];
    PGconn *c;

    assert_non_null(f);
    assert_int_equal(jotd_uuid(uuid), JOTD_OK);
    fmt(f->db, "jot_unit_%.8s", uuid);
    url_for(f->db, f->url, sizeof f->url);
    c = admin(NULL);
    fmt(q, "CREATE DATABASE %s", f->db);     /* hex digits only */
    PQclear(sql(c, q, NULL));
    PQfinish(c);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char q[128];
    PGconn *c;

    jotd_store_close(f->st);
    c = admin(NULL);
    fmt(q, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->db);
    PQclear(sql(c, q, NULL));
    PQfinish(c);
    free(f);
    return 0;
}

struct node {
    const char *url;
    pthread_barrier_t *bar;
    enum jotd_store_result open, migrate;
    int version;
    char err[256];
};

/* One node starting: open, then migrate at the same moment as the
 * others.  No cmocka assertion off the main thread. */
static void *
start_node(void *arg)
{
    struct node *n = arg;
    jotd_store *st = jotd_store_open(n->url, n->err, sizeof n->err);

    n->open = st != NULL ? JOTD_STORE_OK : JOTD_STORE_ERROR;
    pthread_barrier_wait(n->bar);
    n->migrate = JOTD_STORE_ERROR;
    if (st != NULL)
        n->migrate = st->ops->migrate(st, &n->version);
    jotd_store_close(st);
    return NULL;
}

/*
 * Nodes starting at once on an empty database: every one migrates to
 * the same version, no migration is applied twice (its CREATE TABLE
 * would fail) and each version is recorded once.  Afterwards a
 * connection that migrated holds no advisory lock: the lock is the
 * transaction's, never the session's, which behind a pooler would stay
 * with a server connection that other clients then get.
 */
static void
test_migrate_race(void **state)
{
    struct fx *f = *state;
    struct node n[N_NODES];
    pthread_barrier_t bar;
    pthread_t th[N_NODES];
    int i, version = -1;
    PGconn *c;

    memset(n, 0, sizeof n);
    assert_int_equal(pthread_barrier_init(&bar, NULL, N_NODES), 0);
    for (i = 0; i < N_NODES; i++) {
        n[i].url = f->url;
        n[i].bar = &bar;
        assert_int_equal(pthread_create(&th[i], NULL, start_node, &n[i]),
                         0);
    }
    for (i = 0; i < N_NODES; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&bar);
    for (i = 0; i < N_NODES; i++) {
        if (n[i].open != JOTD_STORE_OK || n[i].migrate != JOTD_STORE_OK)
            fail_msg("node %d: open %s, migrate %s (%s)", i,
                     res_name(n[i].open), res_name(n[i].migrate),
                     n[i].err);
        assert_int_equal(n[i].version, N_VERSIONS);
    }
    c = admin(f->db);
    assert_int_equal(sql_int(c, "SELECT count(*) FROM schema_version", NULL),
                     N_VERSIONS);
    assert_int_equal(sql_int(c, "SELECT count(DISTINCT version) "
                                "FROM schema_version", NULL), N_VERSIONS);

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, N_VERSIONS);
    assert_int_equal(sql_int(c, "SELECT count(*) FROM pg_locks "
                                "WHERE locktype = 'advisory'", NULL), 0);
    PQfinish(c);
}

/*
 * The server ends the connection (a restart, a failover, an idle
 * timeout of a pooler): the call that finds it gone fails, and the next
 * one reconnects by itself and sees what was written before.
 */
static void
test_reconnect(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;
    PGconn *c;
    PGresult *r;

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    memset(&u, 0, sizeof u);
    fmt(u.id, "00000000-0000-4000-8000-000000000001");
    fmt(u.username, "ivan");
    fmt(u.username_key, "ivan");
    fmt(u.password_hash, "$2b$10$x");
    fmt(u.roles, "[]");
    u.created_at = u.updated_at = T0;
    assert_res(JOTD_STORE_OK, f->st->ops->user_create(f->st, &u));

    c = admin(NULL);
    /* Waits up to 10 s for each backend to be gone. */
    r = sql(c, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, "
               "10000)) FROM pg_stat_activity WHERE datname = $1",
            f->db);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    PQfinish(c);

    assert_res(JOTD_STORE_ERROR, f->st->ops->ping(f->st));
    assert_res(JOTD_STORE_OK, f->st->ops->ping(f->st));
    assert_res(JOTD_STORE_OK, f->st->ops->user_get(f->st, u.id, &got));
    assert_memory_equal(&u, &got, sizeof u);
}

/* A user agent that is not UTF-8 is stored with '?' for each octet that
 * starts no character, not refused (SQLite keeps the octets). */
static void
test_user_agent_not_utf8(void **state)
{
    struct fx *f = *state;
    struct jotd_session s, got;

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    memset(&s, 0, sizeof s);
    fmt(s.id, "00000000-0000-4000-8000-000000000002");
    fmt(s.user_id, "00000000-0000-4000-8000-000000000001");
    s.gen = 1;
    s.rotated_at = s.created_at = s.last_used_at = T0;
    s.expires_at = T0 + DAY;
    fmt(s.user_agent, "curl\xff/8 \xc3\xa9\xc3");
    fmt(s.ip, "192.0.2.1");
    assert_res(JOTD_STORE_OK, f->st->ops->session_create(f->st, &s));
    assert_res(JOTD_STORE_OK, f->st->ops->session_get(f->st, s.id, &got));
    assert_string_equal(got.user_agent, "curl?/8 \xc3\xa9?");
    assert_int_equal(got.gen, 1);
}

/* A session of user_id, live. */
static void
live_session(jotd_store *st, unsigned n, const char *user_id,
             struct jotd_session *s)
{
    memset(s, 0, sizeof *s);
    fmt(s->id, "00000000-0000-4000-8000-%012u", 100 + n);
    fmt(s->user_id, "%s", user_id);
    s->gen = 1;
    s->rotated_at = s->created_at = s->last_used_at = T0;
    s->expires_at = T0 + DAY;
    assert_res(JOTD_STORE_OK, st->ops->session_create(st, s));
}

/* What l gets within ms (0: nothing came). */
static unsigned
changes_within(jotd_store *l, int ms)
{
    unsigned changes = 0;

    assert_res(JOTD_STORE_OK, l->ops->wait(l, ms, &changes));
    return changes;
}

static void
insert_key(jotd_store *st, const char *kid)
{
    struct jotd_signing_key k;
    char priv[] = "sealed";

    memset(&k, 0, sizeof k);
    fmt(k.kid, "%s", kid);
    fmt(k.alg, "HS256");
    k.private_enc = priv;
    k.created_at = T0;
    assert_res(JOTD_STORE_OK, st->ops->key_insert(st, &k));
}

/*
 * A second connection that listens hears each committed revocation
 * and key change, and nothing for a revocation that changed nothing
 * (already revoked) or that rolled back: here a trigger fails the
 * statement after its pg_notify ran, and NOTIFY is sent only at commit.
 */
static void
test_notify(void **state)
{
    struct fx *f = *state;
    const char *user = "00000000-0000-4000-8000-000000000001";
    struct jotd_session a, b, c, got;
    jotd_store *l;
    struct jotd_seqs q;
    size_t n = 0;
    PGconn *admin_c;

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    l = open_ok(f->url);
    assert_res(JOTD_STORE_OK, l->ops->listen(l));
    assert_int_equal(changes_within(l, 0), 0);
    live_session(f->st, 1, user, &a);
    live_session(f->st, 2, user, &b);
    live_session(f->st, 3, user, &c);
    assert_int_equal(changes_within(l, QUIET_MS), 0);

    assert_res(JOTD_STORE_OK,
               f->st->ops->session_revoke(f->st, a.id, "logout", T0));
    assert_int_equal(changes_within(l, ARRIVES_MS), JOTD_CHANGE_REVOKED);
    assert_int_equal(changes_within(l, QUIET_MS), 0);
    /* Already revoked: OK, and no number, so nothing to announce. */
    assert_res(JOTD_STORE_OK,
               f->st->ops->session_revoke(f->st, a.id, "logout", T0));
    assert_int_equal(changes_within(l, QUIET_MS), 0);

    admin_c = admin(f->db);
    PQclear(sql(admin_c, "CREATE FUNCTION no_update() RETURNS trigger "
                         "LANGUAGE plpgsql AS "
                         "$$BEGIN RAISE EXCEPTION 'refused'; END$$", NULL));
    PQclear(sql(admin_c, "CREATE TRIGGER no_update AFTER UPDATE ON sessions "
                         "FOR EACH ROW EXECUTE FUNCTION no_update()", NULL));
    assert_res(JOTD_STORE_ERROR,
               f->st->ops->session_revoke(f->st, b.id, "logout", T0));
    assert_res(JOTD_STORE_ERROR,
               f->st->ops->session_revoke_user(f->st, user, NULL, "logout",
                                               T0, NULL, NULL, &n));
    assert_int_equal(changes_within(l, QUIET_MS), 0);
    assert_res(JOTD_STORE_OK, f->st->ops->seqs_get(f->st, &q));
    assert_int_equal(q.revoked, 1);
    assert_res(JOTD_STORE_OK, f->st->ops->session_get(f->st, b.id, &got));
    assert_int_equal(got.revoked_at, 0);
    PQclear(sql(admin_c, "DROP TRIGGER no_update ON sessions", NULL));

    assert_res(JOTD_STORE_OK,
               f->st->ops->session_revoke_user(f->st, user, NULL, "logout",
                                               T0, NULL, NULL, &n));
    assert_int_equal(n, 2);
    assert_int_equal(changes_within(l, ARRIVES_MS), JOTD_CHANGE_REVOKED);

    /* A key rotation is two changes, each announced. */
    insert_key(f->st, "kid-notify");
    assert_int_equal(changes_within(l, ARRIVES_MS), JOTD_CHANGE_KEYS);
    assert_res(JOTD_STORE_OK,
               f->st->ops->key_activate(f->st, "kid-notify", T0));
    assert_int_equal(changes_within(l, ARRIVES_MS), JOTD_CHANGE_KEYS);
    assert_res(JOTD_STORE_NOT_FOUND,
               f->st->ops->key_activate(f->st, "kid-none", T0));
    assert_int_equal(changes_within(l, QUIET_MS), 0);
    assert_res(JOTD_STORE_OK, f->st->ops->seqs_get(f->st, &q));
    assert_int_equal(q.revoked, 2);
    assert_int_equal(q.keys, 2);
    PQfinish(admin_c);
    jotd_store_close(l);
}

/*
 * The server ends the listening connection: wait says so (ERROR), and
 * keeps saying so after another call reconnected it, since the LISTEN
 * went with the old session; listen again, and it hears again.
 */
static void
test_notify_lost(void **state)
{
    struct fx *f = *state;
    const char *user = "00000000-0000-4000-8000-000000000001";
    struct jotd_session a;
    unsigned changes = 0;
    jotd_store *l;
    PGconn *c;
    PGresult *r;
    int i, lost = 0;

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    l = open_ok(f->url);
    assert_res(JOTD_STORE_OK, l->ops->listen(l));
    c = admin(NULL);
    r = sql(c, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, "
               "10000)) FROM pg_stat_activity WHERE datname = $1 "
               "AND query LIKE 'LISTEN%'", f->db);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    PQfinish(c);
    /* The server's last words, then the end of the socket. */
    for (i = 0; i < 20 && !lost; i++)
        lost = l->ops->wait(l, 500, &changes) == JOTD_STORE_ERROR;
    assert_true(lost);
    assert_res(JOTD_STORE_OK, l->ops->ping(l));         /* reconnects */
    assert_res(JOTD_STORE_ERROR, l->ops->wait(l, 0, &changes));
    assert_res(JOTD_STORE_OK, l->ops->listen(l));
    live_session(f->st, 1, user, &a);
    assert_res(JOTD_STORE_OK,
               f->st->ops->session_revoke(f->st, a.id, "logout", T0));
    assert_int_equal(changes_within(l, ARRIVES_MS), JOTD_CHANGE_REVOKED);
    jotd_store_close(l);
}

/*
 * Retrying serialization failures and deadlocks.  pg.c runs a statement
 * that fails with 40001 or 40P01 again, up to MAX_TRIES times in all
 * (PG_TRIES here), and then it is an error: a refresh that loses such a
 * race is served, or answered 503, never 500 and never rotated twice.
 * Any other SQLSTATE is not retried.
 *
 * The failures come from a trigger before each update of a session
 * row, which raises plan.state for the first plan.fail_first runs and
 * then lets the update through.  The runs are counted by a sequence:
 * nextval() survives the rollback of the statement that fails, where a
 * counter row would be rolled back with it.
 */
#define PG_TRIES 5                  /* pg.c's MAX_TRIES */
#define ALWAYS 1000000              /* fail_first: every run fails */

struct retry_case {
    const char *state;              /* the SQLSTATE the trigger raises */
    int fail_first;                 /* how many runs it fails */
    enum jotd_store_result want;    /* what session_rotate answers */
    long long runs;                 /* how many times the UPDATE ran */
};

static void
plan_install(PGconn *c, const struct retry_case *rc)
{
    char q[128];

    PQclear(sql(c, "CREATE TABLE plan (state TEXT NOT NULL, "
                   "fail_first INTEGER NOT NULL)", NULL));
    fmt(q, "INSERT INTO plan VALUES ($1, %d)", rc->fail_first);
    PQclear(sql(c, q, rc->state));
    PQclear(sql(c, "CREATE SEQUENCE runs", NULL));
    PQclear(sql(c, "CREATE FUNCTION fail_update() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$"
                   "DECLARE n bigint := nextval('runs'); p plan; "
                   "BEGIN SELECT * INTO p FROM plan; "
                   "IF n <= p.fail_first THEN "
                   "RAISE EXCEPTION 'injected %', p.state "
                   "USING ERRCODE = p.state; END IF; "
                   "RETURN NEW; END$$", NULL));
    PQclear(sql(c, "CREATE TRIGGER fail_update BEFORE UPDATE ON sessions "
                   "FOR EACH ROW EXECUTE FUNCTION fail_update()", NULL));
}

/* How many times the trigger ran; removes it and its tables. */
static long long
plan_remove(PGconn *c)
{
    long long n = sql_int(c, "SELECT CASE WHEN is_called THEN last_value "
                             "ELSE 0 END FROM runs", NULL);

    PQclear(sql(c, "DROP TRIGGER fail_update ON sessions", NULL));
    PQclear(sql(c, "DROP FUNCTION fail_update()", NULL));
    PQclear(sql(c, "DROP SEQUENCE runs", NULL));
    PQclear(sql(c, "DROP TABLE plan", NULL));
    return n;
}

/*
 * Rotates a fresh session (number n) from gen 1 under rc's trigger:
 * the answer and the number of runs are rc's, the session moved by
 * exactly one generation when it is OK and not at all otherwise, and
 * the connection serves the next call.
 */
static void
rotate_under(jotd_store *st, PGconn *c, const struct retry_case *rc,
             unsigned n)
{
    const char *user = "00000000-0000-4000-8000-000000000001";
    const int64_t now = T0 + 1000, expires = T0 + 2 * DAY;
    struct jotd_session s, got;
    enum jotd_store_result r;
    char err[256] = "";
    long long runs;

    live_session(st, n, user, &s);
    plan_install(c, rc);
    r = st->ops->session_rotate(st, s.id, 1, now, expires);
    st->ops->last_error(st, err, sizeof err);
    runs = plan_remove(c);
    if (r != rc->want || runs != rc->runs)
        fail_msg("%s, %d failing: %s after %lld runs (%s), expected %s "
                 "after %lld", rc->state, rc->fail_first, res_name(r), runs,
                 err, res_name(rc->want), rc->runs);
    if (r != JOTD_STORE_OK && strstr(err, rc->state) == NULL)
        fail_msg("%s: the message \"%s\" does not name it", rc->state, err);

    assert_res(JOTD_STORE_OK, st->ops->ping(st));
    assert_res(JOTD_STORE_OK, st->ops->session_get(st, s.id, &got));
    if (r == JOTD_STORE_OK) {
        assert_int_equal(got.gen, 2);
        assert_int_equal(got.rotated_at, now);
        assert_int_equal(got.last_used_at, now);
        assert_int_equal(got.expires_at, expires);
    } else {
        assert_int_equal(got.gen, 1);
        assert_int_equal(got.rotated_at, s.rotated_at);
        assert_int_equal(got.last_used_at, s.last_used_at);
        assert_int_equal(got.expires_at, s.expires_at);
    }
    assert_int_equal(got.revoked_at, 0);
    /* Nothing of the failures is left behind: the next rotation, with
     * no trigger, takes the session one generation further. */
    assert_res(JOTD_STORE_OK,
               st->ops->session_rotate(st, s.id, got.gen, now, expires));
    assert_res(JOTD_STORE_OK, st->ops->session_get(st, s.id, &got));
    assert_int_equal(got.gen, r == JOTD_STORE_OK ? 3 : 2);
}

static void
retry_cases(void **state, const struct retry_case *cases, size_t n)
{
    struct fx *f = *state;
    PGconn *c;
    size_t i;

    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    c = admin(f->db);
    for (i = 0; i < n; i++)
        rotate_under(f->st, c, &cases[i], 10 + (unsigned)i);
    PQfinish(c);
}

/* A failure that passes before the tries run out is served, once. */
static void
test_retry_passes(void **state)
{
    static const struct retry_case cases[] = {
        {"40001", 1, JOTD_STORE_OK, 2},
        {"40001", 2, JOTD_STORE_OK, 3},
        {"40P01", 2, JOTD_STORE_OK, 3},
        {"40001", PG_TRIES - 1, JOTD_STORE_OK, PG_TRIES},
        {"40P01", PG_TRIES - 1, JOTD_STORE_OK, PG_TRIES},
    };

    retry_cases(state, cases, sizeof cases / sizeof cases[0]);
}

/* One that does not is an error (503 above), not a conflict (which
 * sessions.c would read as a lost race), after exactly PG_TRIES runs:
 * when the run after them would have passed, too. */
static void
test_retry_bounded(void **state)
{
    static const struct retry_case cases[] = {
        {"40001", ALWAYS, JOTD_STORE_ERROR, PG_TRIES},
        {"40P01", ALWAYS, JOTD_STORE_ERROR, PG_TRIES},
        {"40001", PG_TRIES, JOTD_STORE_ERROR, PG_TRIES},
    };

    retry_cases(state, cases, sizeof cases / sizeof cases[0]);
}

/* Other failures are never run again: a unique key taken is CONFLICT,
 * the rest ERROR, 40002 of the same class included. */
static void
test_retry_other_states(void **state)
{
    static const struct retry_case cases[] = {
        {"23505", ALWAYS, JOTD_STORE_CONFLICT, 1},
        {"P0001", ALWAYS, JOTD_STORE_ERROR, 1},
        {"40002", ALWAYS, JOTD_STORE_ERROR, 1},
        {"23505", 1, JOTD_STORE_CONFLICT, 1},
        {"P0001", 1, JOTD_STORE_ERROR, 1},
    };

    retry_cases(state, cases, sizeof cases / sizeof cases[0]);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_migrate_race),
        T(test_reconnect),
        T(test_user_agent_not_utf8),
        T(test_notify),
        T(test_notify_lost),
        T(test_retry_passes),
        T(test_retry_bounded),
        T(test_retry_other_states),
    };
#undef T

    return cmocka_run_group_tests_name("store_pg", tests, group_setup,
                                       group_teardown);
}
