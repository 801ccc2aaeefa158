/*
 * test_store.c - the contract of every storage engine of store.h, run
 * against one database URL through jotd_store_open: migrations, users,
 * sessions and the rotation compare-and-set, login throttling buckets,
 * signing keys, the audit trail, durability across a reopen and a
 * killed writer, and racing connections.
 *
 * JOTD_TEST_DB, when set, is the database URL every test opens (e.g.
 * "sqlite:/tmp/jot-contract.db" or "postgresql://jot@localhost/jot_test");
 * all the tests then share that one database, which need not be empty
 * and is left as they leave it.  When unset, each test opens a fresh
 * "sqlite:" file in a directory under /tmp, removed afterwards.
 *
 * So that one database serves every test and every run, a test uses
 * ids, usernames, buckets and kids with a random part of its own, and
 * counts only its own rows in what a listing returns.  No SQL and no
 * file path appear here: what only the SQLite engine does is tested in
 * test_store_sqlite.c.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_store.h"

#define ENV_URL "JOTD_TEST_DB"

struct fx {
    char dir[64];                   /* the temporary directory, or "" */
    char url[1024];
    /* This test's id prefix: the first 24 characters of a random UUID,
     * so make_id(n) is a version-4 UUID whose last 12 digits are n. */
    char tag[25];
    char name[13];                  /* 12 random hex digits, for names */
    int version;                    /* the schema version after setup */
    jotd_store *st;
};

/* Sets f's tag from the first 24 characters of a UUID, and its name
 * from the hex digits of their first two groups. */
static void
set_tag(struct fx *f, const char *uuid)
{
    fmt(f->tag, "%.24s", uuid);
    fmt(f->name, "%.8s%.4s", f->tag, f->tag + 9);
}

/* Gives f a fresh random tag and name. */
static void
new_tag(struct fx *f)
{
    char uuid[JOTD_ID_LEN + 1];

    assert_int_equal(jotd_uuid(uuid), JOTD_OK);
    set_tag(f, uuid);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *env = getenv(ENV_URL);

    assert_non_null(f);
    if (env != NULL && env[0] != '\0') {
        fmt(f->url, "%s", env);
    } else {
        fmt(f->dir, "/tmp/jot-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        fmt(f->url, "sqlite:%s/jot.db", f->dir);
    }
    new_tag(f);
    f->st = open_ok(f->url);
    f->version = -1;
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &f->version));
    assert_true(f->version > 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    jotd_store_close(f->st);
    if (f->dir[0] != '\0')
        rm_rf(f->dir);
    free(f);
    return 0;
}

/* This test's UUID whose last digits are n. */
static void
make_id(const struct fx *f, char out[JOTD_ID_LEN + 1], unsigned n)
{
    int k = snprintf(out, JOTD_ID_LEN + 1, "%s%012u", f->tag, n);

    assert_int_equal(k, JOTD_ID_LEN);
}

/* Whether id is one of this test's. */
static int
is_mine(const struct fx *f, const char *id)
{
    return strncmp(id, f->tag, strlen(f->tag)) == 0;
}

/* A user of this test: username base-NAME, with NAME this test's. */
static void
make_user(const struct fx *f, struct jotd_user *u, unsigned n,
          const char *base, int64_t now)
{
    size_t i;

    memset(u, 0, sizeof *u);
    make_id(f, u->id, n);
    fmt(u->username, "%s-%s", base, f->name);
    for (i = 0; u->username[i] != '\0'; i++) {
        char c = u->username[i];
        u->username_key[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    fmt(u->password_hash, "$argon2id$v=19$m=19456,t=2,p=1$salt$hash%u", n);
    fmt(u->roles, "[\"user\"]");
    u->created_at = now;
    u->updated_at = now;
}

static void
make_session(const struct fx *f, struct jotd_session *s, unsigned n,
             const char *user_id, int64_t now)
{
    memset(s, 0, sizeof *s);
    make_id(f, s->id, 1000 + n);
    fmt(s->user_id, "%s", user_id);
    s->gen = 1;
    s->rotated_at = now;
    s->created_at = now;
    s->last_used_at = now;
    s->expires_at = now + 14 * DAY;
    fmt(s->user_agent, "Mozilla/5.0 test %u", n);
    fmt(s->ip, "192.0.2.%u", n % 250);
}

/* ---- opening and migrations ---------------------------------------- */

/* URLs that open no engine, with a piece of the message each must give.
 * The paths of sqlite: URLs are the SQLite engine's (test_store_sqlite.c).
 */
static void
test_open_bad_urls(void **state)
{
    static const struct bad_url cases[] = {
        {"", "no database URL"},
        {"mysql://u:hunter2@db/jot", "unknown database URL scheme"},
        {"jot.db", "unknown database URL scheme"},
        /* Port 1 of loopback: refused at once, and the message names
         * neither the password nor the URL. */
        {"postgresql://u:hunter2@127.0.0.1:1/jot", "postgresql: "},
        {"postgres://u:hunter2@127.0.0.1:1/jot", "postgresql: "},
        {"postgresql://u:hunter2@127.0.0.1:1/jot?port=x", "postgresql: "},
        {"postgresql://u:hunter2@[::1/jot",
         "postgresql: the database URL does not parse"},
    };

    (void)state;
    check_bad_urls(cases, sizeof cases / sizeof cases[0]);
    assert_null(jotd_store_open(NULL, NULL, 0));
    jotd_store_close(NULL);
    jotd_signing_key_clear(NULL);
}

/* Migrating again, and again after reopening, changes nothing. */
static void
test_migrate_twice(void **state)
{
    struct fx *f = *state;
    int version = -1;

    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, f->version);
    jotd_store_close(f->st);
    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, &version));
    assert_int_equal(version, f->version);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    assert_res(JOTD_STORE_OK, f->st->ops->ping(f->st));
}
/*
 * The outage ops on a database that works: it takes writes, and
 * last_error gives a failure's text once, then "" until the next one.
 */
static void
test_last_error(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_user u;
    char text[256], tiny[4];

    assert_res(JOTD_STORE_OK, o->writable(f->st));
    o->last_error(f->st, text, sizeof text);
    assert_string_equal(text, "");
    make_user(f, &u, 1, "Carol", T0);
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &u));
    assert_res(JOTD_STORE_CONFLICT, o->user_create(f->st, &u));
    o->last_error(f->st, text, sizeof text);
    if (strstr(text, "user_create") == NULL)
        fail_msg("last_error: expected the failed call named, got \"%s\"",
                 text);
    o->last_error(f->st, text, sizeof text);
    assert_string_equal(text, "");
    /* A short buffer gets a cut, terminated text. */
    assert_res(JOTD_STORE_CONFLICT, o->user_create(f->st, &u));
    o->last_error(f->st, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    o->last_error(f->st, text, 0);
}

/* ---- users ---------------------------------------------------------- */

static void
test_user_crud(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_user u, v, got;
    char key[JOTD_USERNAME_MAX + 1], name[JOTD_USERNAME_MAX + 1];

    make_user(f, &u, 1, "Alice", T0);
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &u));

    assert_res(JOTD_STORE_OK, o->user_get(f->st, u.id, &got));
    assert_memory_equal(&u, &got, sizeof u);
    /* The key may point into the struct being filled. */
    assert_res(JOTD_STORE_OK, o->user_get(f->st, got.id, &got));
    assert_memory_equal(&u, &got, sizeof u);
    assert_res(JOTD_STORE_OK,
               o->user_get_by_name(f->st, got.username_key, &got));
    assert_memory_equal(&u, &got, sizeof u);
    fmt(key, "alice-%s", f->name);
    fmt(name, "Alice-%s", f->name);
    assert_res(JOTD_STORE_OK, o->user_get_by_name(f->st, key, &got));
    assert_string_equal(got.id, u.id);
    assert_string_equal(got.username, name);
    assert_res(JOTD_STORE_NOT_FOUND,
               o->user_get_by_name(f->st, name, &got));
    assert_string_equal(got.id, "");        /* cleared, not left over */

    /* Same key under another id; and the same id again. */
    make_user(f, &v, 2, "ALICE", T0);
    assert_res(JOTD_STORE_CONFLICT, o->user_create(f->st, &v));
    make_user(f, &v, 1, "bob", T0);
    assert_res(JOTD_STORE_CONFLICT, o->user_create(f->st, &v));
    make_id(f, v.id, 3);
    assert_res(JOTD_STORE_NOT_FOUND, o->user_get(f->st, v.id, &got));

    /* Update sets hash, roles, disabled and updated_at, nothing else. */
    u.disabled = 1;
    fmt(u.roles, "[\"user\",\"admin\"]");
    fmt(u.password_hash, "$2b$12$newhash");
    fmt(u.username, "Mallory");
    u.created_at = 5;
    assert_res(JOTD_STORE_OK, o->user_update(f->st, &u, T0 + 1000));
    assert_res(JOTD_STORE_OK, o->user_get(f->st, u.id, &got));
    assert_int_equal(got.disabled, 1);
    assert_string_equal(got.roles, "[\"user\",\"admin\"]");
    assert_string_equal(got.password_hash, "$2b$12$newhash");
    assert_string_equal(got.username, name);
    assert_int_equal(got.created_at, T0);
    assert_int_equal(got.updated_at, T0 + 1000);
    assert_res(JOTD_STORE_NOT_FOUND, o->user_update(f->st, &v, T0));
}

/* Fields that do not hold their NUL are refused, never read past. */
static void
test_user_unterminated_field(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;

    make_user(f, &u, 1, "carol", T0);
    memset(u.roles, '[', sizeof u.roles);
    assert_res(JOTD_STORE_ERROR, f->st->ops->user_create(f->st, &u));
    make_user(f, &u, 1, "carol", T0);
    memset(u.username, 'c', sizeof u.username);
    assert_res(JOTD_STORE_ERROR, f->st->ops->user_create(f->st, &u));
    assert_res(JOTD_STORE_NOT_FOUND, f->st->ops->user_get(f->st, u.id, &got));
    assert_res(JOTD_STORE_ERROR, f->st->ops->user_get(f->st, NULL, &got));
}

struct ids {
    const struct fx *f;             /* whose rows n_mine counts */
    char id[16][JOTD_ID_LEN + 1];   /* every row listed */
    size_t n, n_mine;
    size_t stop_after;              /* 0: never */
};

static int
collect_user(void *ctx, const struct jotd_user *u)
{
    struct ids *c = ctx;

    assert_true(c->n < 16);
    fmt(c->id[c->n], "%s", u->id);
    c->n++;
    c->n_mine += is_mine(c->f, u->id);
    return c->stop_after != 0 && c->n >= c->stop_after;
}

/* Lists a page of users after after, at most limit of them. */
static void
list_users(struct fx *f, const char *after, size_t limit, size_t stop_after,
           struct ids *c)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->stop_after = stop_after;
    assert_res(JOTD_STORE_OK,
               f->st->ops->user_list(f->st, after, limit, collect_user, c));
}

/*
 * Pages through this test's users, which sort together: their ids share
 * the test's prefix.  Other tests' users may come before and after them
 * in a shared database, so the first and last pages count only these.
 */
static void
test_user_list_paging(void **state)
{
    struct fx *f = *state;
    static const unsigned order[] = {4, 1, 5, 3, 2};
    struct jotd_user u;
    struct ids c;
    char name[16], want[JOTD_ID_LEN + 1];
    size_t i;

    for (i = 0; i < 5; i++) {
        fmt(name, "user%u", order[i]);
        make_user(f, &u, order[i], name, T0);
        assert_res(JOTD_STORE_OK, f->st->ops->user_create(f->st, &u));
    }
    make_id(f, want, 0);            /* below all of them */
    list_users(f, want, 2, 0, &c);
    assert_int_equal(c.n, 2);
    make_id(f, want, 1);
    assert_string_equal(c.id[0], want);
    make_id(f, want, 2);
    assert_string_equal(c.id[1], want);

    list_users(f, want, 2, 0, &c);
    assert_int_equal(c.n, 2);
    make_id(f, want, 3);
    assert_string_equal(c.id[0], want);
    make_id(f, want, 4);
    assert_string_equal(c.id[1], want);

    list_users(f, want, 2, 0, &c);
    assert_int_equal(c.n_mine, 1);
    make_id(f, want, 5);
    assert_string_equal(c.id[0], want);

    list_users(f, want, 2, 0, &c);
    assert_int_equal(c.n_mine, 0);

    /* "" and NULL are the first page, which starts at or before this
     * test's first user; a callback can stop early. */
    make_id(f, want, 1);
    list_users(f, "", 1, 0, &c);
    assert_int_equal(c.n, 1);
    assert_true(strcmp(c.id[0], want) <= 0);
    list_users(f, NULL, 100, 3, &c);
    assert_int_equal(c.n, 3);
    assert_true(strcmp(c.id[0], want) <= 0);
    list_users(f, "", 0, 0, &c);
    assert_int_equal(c.n, 0);
}

struct reenter {
    jotd_store *st;
    const char *after;
    enum jotd_store_result inner;
    int calls;
};

static int
list_again(void *ctx, const struct jotd_user *u)
{
    struct reenter *r = ctx;
    struct jotd_user got;

    r->calls++;
    /* Another operation works; the running listing cannot restart. */
    assert_res(JOTD_STORE_OK, r->st->ops->user_get(r->st, u->id, &got));
    r->inner = r->st->ops->user_list(r->st, r->after, 10, list_again, r);
    return 1;
}

static void
test_user_list_reentered(void **state)
{
    struct fx *f = *state;
    struct jotd_user u;
    char after[JOTD_ID_LEN + 1];
    struct reenter r = {f->st, after, JOTD_STORE_OK, 0};

    make_id(f, after, 0);
    make_user(f, &u, 1, "dave", T0);
    assert_res(JOTD_STORE_OK, f->st->ops->user_create(f->st, &u));
    assert_res(JOTD_STORE_OK,
               f->st->ops->user_list(f->st, after, 10, list_again, &r));
    assert_int_equal(r.calls, 1);
    assert_res(JOTD_STORE_ERROR, r.inner);
}

/* Deleting a user removes it and revokes, not deletes, its sessions. */
static void
test_user_delete(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_user u, other, got;
    struct jotd_session a, b, c, s;

    make_user(f, &u, 1, "erin", T0);
    make_user(f, &other, 2, "frank", T0);
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &u));
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &other));
    make_session(f, &a, 1, u.id, T0);
    make_session(f, &b, 2, u.id, T0);
    make_session(f, &c, 3, other.id, T0);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &a));
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &b));
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &c));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, b.id, "logout", T0));

    assert_res(JOTD_STORE_OK, o->user_delete(f->st, u.id, T0 + 5));
    assert_res(JOTD_STORE_NOT_FOUND, o->user_get(f->st, u.id, &got));
    assert_res(JOTD_STORE_NOT_FOUND, o->user_delete(f->st, u.id, T0 + 6));

    assert_res(JOTD_STORE_OK, o->session_get(f->st, a.id, &s));
    assert_int_equal(s.revoked_at, T0 + 5);
    assert_string_equal(s.revoked_reason, "user_deleted");
    assert_res(JOTD_STORE_OK, o->session_get(f->st, b.id, &s));
    assert_int_equal(s.revoked_at, T0);     /* kept as it was */
    assert_string_equal(s.revoked_reason, "logout");
    assert_res(JOTD_STORE_OK, o->session_get(f->st, c.id, &s));
    assert_int_equal(s.revoked_at, 0);
    assert_res(JOTD_STORE_OK, o->user_get(f->st, other.id, &got));
}

/* ---- sessions ------------------------------------------------------- */

static void
test_session_create_get(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s, got;
    char uid[JOTD_ID_LEN + 1];

    make_id(f, uid, 1);
    make_session(f, &s, 1, uid, T0);
    /* The longest user agent that fits, with multi-byte characters. */
    memset(s.user_agent, 0, sizeof s.user_agent);
    memset(s.user_agent, 'a', sizeof s.user_agent - 3);
    memcpy(s.user_agent + sizeof s.user_agent - 3, "\xc3\xa9", 2);
    /* The longest client_id, kept as it was given. */
    memset(s.client_id, 'c', sizeof s.client_id - 1);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &s));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_memory_equal(&s, &got, sizeof s);
    assert_res(JOTD_STORE_OK, o->session_get(f->st, got.id, &got));
    assert_memory_equal(&s, &got, sizeof s);
    assert_res(JOTD_STORE_CONFLICT, o->session_create(f->st, &s));

    make_id(f, got.id, 77);
    assert_res(JOTD_STORE_NOT_FOUND, o->session_get(f->st, got.id, &got));
    assert_int_equal(got.gen, 0);

    /* A user agent with no NUL inside its field. */
    make_session(f, &s, 2, uid, T0);
    memset(s.user_agent, 'a', sizeof s.user_agent);
    assert_res(JOTD_STORE_ERROR, o->session_create(f->st, &s));
    assert_res(JOTD_STORE_NOT_FOUND, o->session_get(f->st, s.id, &got));
}

static void
test_session_rotate(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s, got;
    char uid[JOTD_ID_LEN + 1];

    make_id(f, uid, 1);
    make_session(f, &s, 1, uid, T0);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &s));

    assert_res(JOTD_STORE_OK,
               o->session_rotate(f->st, s.id, 1, T0 + 100, T0 + 15 * DAY));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.gen, 2);
    assert_int_equal(got.rotated_at, T0 + 100);
    assert_int_equal(got.last_used_at, T0 + 100);
    assert_int_equal(got.expires_at, T0 + 15 * DAY);
    assert_int_equal(got.created_at, T0);

    /* The same gen again loses, and changes nothing. */
    assert_res(JOTD_STORE_CONFLICT,
               o->session_rotate(f->st, s.id, 1, T0 + 200, T0 + 16 * DAY));
    assert_res(JOTD_STORE_CONFLICT,
               o->session_rotate(f->st, s.id, 3, T0 + 200, T0 + 16 * DAY));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.gen, 2);
    assert_int_equal(got.rotated_at, T0 + 100);

    /* Expired at now: not live, so not rotated. */
    assert_res(JOTD_STORE_CONFLICT,
               o->session_rotate(f->st, s.id, 2, T0 + 15 * DAY, T0 + 30 * DAY));

    /* Revoked: not rotated either. */
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s.id, "reuse", T0));
    assert_res(JOTD_STORE_CONFLICT,
               o->session_rotate(f->st, s.id, 2, T0 + 300, T0 + 16 * DAY));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.gen, 2);

    make_id(f, got.id, 99);
    assert_res(JOTD_STORE_NOT_FOUND,
               o->session_rotate(f->st, got.id, 1, T0, T0 + DAY));
}

/*
 * group_begin and group_end, where the engine has them: a rotation in a
 * group rolled back leaves the session as it was, one committed is seen
 * by another connection, and a group takes reads between.
 */
static void
test_session_group(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s, got;
    struct jotd_user u, ugot;
    jotd_store *other;

    assert_int_equal(o->group_begin == NULL, o->group_end == NULL);
    if (o->group_begin == NULL)
        skip();
    make_user(f, &u, 1, "grouped", T0);
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &u));
    make_session(f, &s, 1, u.id, T0);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &s));

    assert_res(JOTD_STORE_OK, o->group_begin(f->st));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_res(JOTD_STORE_OK,
               o->session_rotate(f->st, s.id, 1, T0 + 100, T0 + 15 * DAY));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.gen, 2);
    assert_res(JOTD_STORE_OK, o->group_end(f->st, 0));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.gen, 1);
    assert_int_equal(got.rotated_at, T0);

    assert_res(JOTD_STORE_OK, o->group_begin(f->st));
    assert_res(JOTD_STORE_OK,
               o->session_rotate(f->st, s.id, 1, T0 + 200, T0 + 16 * DAY));
    assert_res(JOTD_STORE_OK, o->user_get(f->st, u.id, &ugot));
    assert_string_equal(ugot.username, u.username);
    assert_res(JOTD_STORE_OK, o->group_end(f->st, 1));
    other = open_ok(f->url);
    assert_res(JOTD_STORE_OK, other->ops->session_get(other, s.id, &got));
    assert_int_equal(got.gen, 2);
    assert_int_equal(got.rotated_at, T0 + 200);
    assert_int_equal(got.expires_at, T0 + 16 * DAY);

    /* The lost compare-and-set inside a group is still a CONFLICT. */
    assert_res(JOTD_STORE_OK, o->group_begin(f->st));
    assert_res(JOTD_STORE_CONFLICT,
               o->session_rotate(f->st, s.id, 1, T0 + 300, T0 + 16 * DAY));
    assert_res(JOTD_STORE_OK, o->group_end(f->st, 1));
    assert_res(JOTD_STORE_OK, other->ops->session_get(other, s.id, &got));
    assert_int_equal(got.gen, 2);
    jotd_store_close(other);
}

static void
test_session_revoke(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s, got;
    char uid[JOTD_ID_LEN + 1];

    make_id(f, uid, 1);
    make_session(f, &s, 1, uid, T0);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &s));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s.id, "logout",
                                                T0 + 10));
    /* Idempotent: the first revocation stands. */
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s.id, "password",
                                                T0 + 20));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.revoked_at, T0 + 10);
    assert_string_equal(got.revoked_reason, "logout");

    make_id(f, got.id, 99);
    assert_res(JOTD_STORE_NOT_FOUND,
               o->session_revoke(f->st, got.id, "logout", T0));
    /* A reason that could not be read back whole. */
    make_session(f, &s, 2, uid, T0);
    assert_res(JOTD_STORE_OK, o->session_create(f->st, &s));
    assert_res(JOTD_STORE_ERROR, o->session_revoke(f->st, s.id,
               "a reason much longer than thirty-one octets", T0));
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s.id, &got));
    assert_int_equal(got.revoked_at, 0);
}

static void
test_session_revoke_user(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s[4], got;
    char uid[JOTD_ID_LEN + 1], other[JOTD_ID_LEN + 1];
    size_t n = 99;
    unsigned i;

    make_id(f, uid, 1);
    make_id(f, other, 2);
    for (i = 0; i < 4; i++) {
        make_session(f, &s[i], i, i < 3 ? uid : other, T0);
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    }
    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, s[0].id,
                                                     "others", T0 + 1, NULL, NULL,
                                                     &n));
    assert_int_equal(n, 2);
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s[0].id, &got));
    assert_int_equal(got.revoked_at, 0);
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s[1].id, &got));
    assert_int_equal(got.revoked_at, T0 + 1);
    assert_string_equal(got.revoked_reason, "others");

    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, NULL,
                                                     "global", T0 + 2, NULL, NULL,
                                                     &n));
    assert_int_equal(n, 1);
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s[0].id, &got));
    assert_int_equal(got.revoked_at, T0 + 2);
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s[2].id, &got));
    assert_int_equal(got.revoked_at, T0 + 1);   /* not revoked twice */
    assert_res(JOTD_STORE_OK, o->session_get(f->st, s[3].id, &got));
    assert_int_equal(got.revoked_at, 0);        /* another user's */

    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, NULL,
                                                     "global", T0 + 3, NULL, NULL,
                                                     &n));
    assert_int_equal(n, 0);
    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, NULL,
                                                     "global", T0 + 3, NULL, NULL,
                                                     NULL));
}

/* Ids a revocation reported, for test_session_revoke_user_ids. */
struct revoked_ids {
    char id[8][JOTD_ID_LEN + 1];
    int64_t at[8];
    size_t n;
};

static int
note_revoked(void *ctx, const char *sid, int64_t at)
{
    struct revoked_ids *r = ctx;

    assert_true(r->n < 8);
    fmt(r->id[r->n], "%s", sid);
    r->at[r->n++] = at;
    return 0;
}

static int
has_revoked(const struct revoked_ids *r, const char *sid)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (strcmp(r->id[i], sid) == 0)
            return 1;
    return 0;
}

/* session_revoke_user hands each id it revoked to its callback, and only
 * those: not the one kept, not one revoked before, not another user's.
 * The revocation set of a node relies on it to refuse their tokens at
 * once. */
static void
test_session_revoke_user_ids(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s[5];
    struct revoked_ids r = {.n = 0};
    char uid[JOTD_ID_LEN + 1], other[JOTD_ID_LEN + 1];
    size_t n = 99;
    unsigned i;

    make_id(f, uid, 1);
    make_id(f, other, 2);
    for (i = 0; i < 5; i++) {
        make_session(f, &s[i], i, i < 4 ? uid : other, T0);
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    }
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[3].id, "logout",
                                                T0 + 1));
    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, s[0].id,
                                                     "password", T0 + 2,
                                                     note_revoked, &r, &n));
    assert_int_equal(n, 2);
    assert_int_equal(r.n, 2);
    assert_true(has_revoked(&r, s[1].id));
    assert_true(has_revoked(&r, s[2].id));
    assert_int_equal(r.at[0], T0 + 2);
    assert_int_equal(r.at[1], T0 + 2);

    r.n = 0;
    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, NULL,
                                                     "disabled", T0 + 3,
                                                     note_revoked, &r, &n));
    assert_int_equal(n, 1);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.id[0], s[0].id);
    r.n = 0;
    assert_res(JOTD_STORE_OK, o->session_revoke_user(f->st, uid, NULL,
                                                     "disabled", T0 + 4,
                                                     note_revoked, &r, &n));
    assert_int_equal(n, 0);
    assert_int_equal(r.n, 0);
}

/* setting_raise keeps the largest value ever given under a name, and
 * reads it back whatever the value given now. */
static void
test_setting_raise(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    char name[64], other[64];
    int64_t v = -1;

    fmt(name, "test-%s", f->name);
    fmt(other, "test-%s-other", f->name);
    assert_res(JOTD_STORE_OK, o->setting_raise(f->st, name, 900, &v));
    assert_int_equal(v, 900);
    assert_res(JOTD_STORE_OK, o->setting_raise(f->st, name, 2, &v));
    assert_int_equal(v, 900);
    assert_res(JOTD_STORE_OK, o->setting_raise(f->st, other, 5, &v));
    assert_int_equal(v, 5);
    assert_res(JOTD_STORE_OK, o->setting_raise(f->st, name, 3600, &v));
    assert_int_equal(v, 3600);
    jotd_store_close(f->st);
    f->st = open_ok(f->url);
    o = f->st->ops;
    assert_res(JOTD_STORE_OK, o->setting_raise(f->st, name, 0, &v));
    assert_int_equal(v, 3600);
}

struct sess_list {
    char id[8][JOTD_ID_LEN + 1];
    size_t n;
    size_t stop_after;
};

static int
collect_session(void *ctx, const struct jotd_session *s)
{
    struct sess_list *c = ctx;

    assert_true(c->n < 8);
    fmt(c->id[c->n], "%s", s->id);
    c->n++;
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static void
test_session_list_user(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s[6];
    struct sess_list c;
    char uid[JOTD_ID_LEN + 1], other[JOTD_ID_LEN + 1];
    unsigned i;

    make_id(f, uid, 1);
    make_id(f, other, 2);
    /* 0..2 live and created one after the other, 3 revoked, 4 expired,
     * 5 another user's. */
    for (i = 0; i < 6; i++) {
        make_session(f, &s[i], i, i == 5 ? other : uid, T0 + i * 1000);
        if (i == 4)
            s[i].expires_at = T0 + 10000;
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    }
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[3].id, "logout",
                                                T0 + 5000));
    memset(&c, 0, sizeof c);
    assert_res(JOTD_STORE_OK, o->session_list_user(f->st, uid, T0 + 10000,
                                                   collect_session, &c));
    assert_int_equal(c.n, 3);
    assert_string_equal(c.id[0], s[2].id);
    assert_string_equal(c.id[1], s[1].id);
    assert_string_equal(c.id[2], s[0].id);

    /* Just before its expiry the fourth is still live. */
    memset(&c, 0, sizeof c);
    assert_res(JOTD_STORE_OK, o->session_list_user(f->st, uid, T0 + 9999,
                                                   collect_session, &c));
    assert_int_equal(c.n, 4);
    assert_string_equal(c.id[0], s[4].id);

    memset(&c, 0, sizeof c);
    c.stop_after = 1;
    assert_res(JOTD_STORE_OK, o->session_list_user(f->st, uid, T0,
                                                   collect_session, &c));
    assert_int_equal(c.n, 1);
}

/* This test's revoked sessions, in the order listed; others' are skipped. */
struct revoked {
    const struct fx *f;
    char id[8][JOTD_ID_LEN + 1];
    int64_t at[8];
    size_t n;
};

static int
collect_revoked(void *ctx, const char *session_id, int64_t revoked_at)
{
    struct revoked *c = ctx;

    if (!is_mine(c->f, session_id))
        return 0;
    assert_true(c->n < 8);
    fmt(c->id[c->n], "%s", session_id);
    c->at[c->n] = revoked_at;
    c->n++;
    return 0;
}

static void
test_revoked_since(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s[4];
    struct revoked c;
    char uid[JOTD_ID_LEN + 1];
    unsigned i;

    make_id(f, uid, 1);
    for (i = 0; i < 4; i++) {
        make_session(f, &s[i], i, uid, T0);
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    }
    /* Revoked at T0+300, T0+100 and T0+200; s[3] stays live. */
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[0].id, "logout",
                                                T0 + 300));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[1].id, "logout",
                                                T0 + 100));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[2].id, "logout",
                                                T0 + 200));
    memset(&c, 0, sizeof c);
    c.f = f;
    assert_res(JOTD_STORE_OK,
               o->revoked_since(f->st, T0 + 200, collect_revoked, &c));
    assert_int_equal(c.n, 2);
    assert_string_equal(c.id[0], s[2].id);
    assert_int_equal(c.at[0], T0 + 200);
    assert_string_equal(c.id[1], s[0].id);
    assert_int_equal(c.at[1], T0 + 300);

    /* Since the beginning of time: never the live one. */
    memset(&c, 0, sizeof c);
    c.f = f;
    assert_res(JOTD_STORE_OK, o->revoked_since(f->st, 0, collect_revoked,
                                               &c));
    assert_int_equal(c.n, 3);
    memset(&c, 0, sizeof c);
    c.f = f;
    assert_res(JOTD_STORE_OK, o->revoked_since(f->st, INT64_MIN,
                                               collect_revoked, &c));
    assert_int_equal(c.n, 3);
    memset(&c, 0, sizeof c);
    c.f = f;
    assert_res(JOTD_STORE_OK, o->revoked_since(f->st, T0 + 301,
                                               collect_revoked, &c));
    assert_int_equal(c.n, 0);
}

/* ---- change sequences ---------------------------------------------- */

/* This test's sessions as revoked_after lists them. */
struct by_seq {
    const struct fx *f;
    char id[8][JOTD_ID_LEN + 1];
    int64_t at[8], seq[8];
    size_t n, n_others;
};

static int
collect_by_seq(void *ctx, const char *session_id, int64_t revoked_at,
               int64_t seq)
{
    struct by_seq *c = ctx;

    if (!is_mine(c->f, session_id)) {
        c->n_others++;
        return 0;
    }
    assert_true(c->n < 8);
    fmt(c->id[c->n], "%s", session_id);
    c->at[c->n] = revoked_at;
    c->seq[c->n] = seq;
    c->n++;
    return 0;
}

static void
list_by_seq(struct fx *f, int64_t after, size_t limit, struct by_seq *c)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    assert_res(JOTD_STORE_OK,
               f->st->ops->revoked_after(f->st, after, limit, collect_by_seq,
                                         c));
}

static int64_t
revoked_seq(struct fx *f)
{
    struct jotd_seqs q;

    assert_res(JOTD_STORE_OK, f->st->ops->seqs_get(f->st, &q));
    return q.revoked;
}

/*
 * Each call that revokes takes one revocation number, stamped on every
 * session it revoked; one that revokes nothing takes none.  Listing
 * after N gives exactly the later ones, by number, never half of one.
 * (A shared database may hold other tests' revocations: the counter is
 * read before, and nothing else revokes while this runs.)
 */
static void
test_revocation_seq(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_user u, v, w;
    struct jotd_session s[6];
    struct by_seq c;
    size_t n = 99;
    int64_t base;
    unsigned i;

    make_user(f, &u, 1, "seq-u", T0);
    make_user(f, &v, 2, "seq-v", T0);
    make_user(f, &w, 3, "seq-w", T0);
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &u));
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &v));
    assert_res(JOTD_STORE_OK, o->user_create(f->st, &w));
    for (i = 0; i < 6; i++) {
        make_session(f, &s[i], i, i < 4 ? u.id : v.id, T0);
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    }
    base = revoked_seq(f);
    assert_true(base >= 0);

    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[0].id, "logout",
                                                T0 + 1));
    assert_int_equal(revoked_seq(f), base + 1);
    /* Already revoked, unknown, or failed: no number. */
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[0].id, "logout",
                                                T0 + 2));
    make_id(f, c.id[0], 99);
    assert_res(JOTD_STORE_NOT_FOUND,
               o->session_revoke(f->st, c.id[0], "logout", T0 + 2));
    assert_res(JOTD_STORE_ERROR, o->session_revoke(f->st, s[3].id,
               "a reason much longer than thirty-one octets", T0));
    assert_int_equal(revoked_seq(f), base + 1);

    /* s[1] and s[2] under one number; s[3] is kept. */
    assert_res(JOTD_STORE_OK,
               o->session_revoke_user(f->st, u.id, s[3].id, "password",
                                      T0 + 3, NULL, NULL, &n));
    assert_int_equal(n, 2);
    assert_int_equal(revoked_seq(f), base + 2);
    assert_res(JOTD_STORE_OK,
               o->session_revoke_user(f->st, u.id, s[3].id, "password",
                                      T0 + 4, NULL, NULL, &n));
    assert_int_equal(n, 0);
    assert_int_equal(revoked_seq(f), base + 2);

    /* Deleting v revokes s[4] and s[5]; w has no session to revoke. */
    assert_res(JOTD_STORE_OK, o->user_delete(f->st, v.id, T0 + 5));
    assert_int_equal(revoked_seq(f), base + 3);
    assert_res(JOTD_STORE_OK, o->user_delete(f->st, w.id, T0 + 6));
    assert_int_equal(revoked_seq(f), base + 3);

    list_by_seq(f, base, 100, &c);
    assert_int_equal(c.n_others, 0);
    assert_int_equal(c.n, 5);
    for (i = 0; i < 5; i++) {
        static const unsigned want[] = {0, 1, 2, 4, 5};
        static const int64_t seq[] = {1, 2, 2, 3, 3};
        static const int64_t at[] = {1, 3, 3, 5, 5};

        assert_string_equal(c.id[i], s[want[i]].id);
        assert_int_equal(c.seq[i], base + seq[i]);
        assert_int_equal(c.at[i], T0 + at[i]);
    }
    list_by_seq(f, base + 1, 100, &c);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.id[0], s[1].id);
    list_by_seq(f, base + 3, 100, &c);
    assert_int_equal(c.n + c.n_others, 0);

    /* Pages: the limit-th session's number comes whole. */
    list_by_seq(f, base, 1, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.id[0], s[0].id);
    list_by_seq(f, base, 2, &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.id[2], s[2].id);
    list_by_seq(f, base + 1, 1, &c);
    assert_int_equal(c.n, 2);
    list_by_seq(f, base + 2, 1, &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.id[0], s[4].id);
    assert_string_equal(c.id[1], s[5].id);
}

/* ---- login throttling ----------------------------------------------- */

/* One step of test_failures: an operation on the bucket and, but for a
 * clear, the count and last failure it must answer. */
struct failure_step {
    char op;                        /* 'a'dd, 'g'et, 'c'lear */
    int64_t now, count, last_at;
};

static enum jotd_store_result
failure_step(struct fx *f, const char *bucket, const struct failure_step *st,
             int64_t *count, int64_t *last_at)
{
    const struct jotd_store_ops *o = f->st->ops;

    *count = *last_at = -1;
    if (st->op == 'a')
        return o->failure_add(f->st, bucket, T0 + st->now, 1000, count,
                              last_at);
    if (st->op == 'g')
        return o->failure_get(f->st, bucket, T0 + st->now, 1000, count,
                              last_at);
    return o->failure_clear(f->st, bucket);
}

static void
test_failures(void **state)
{
    /* A window of 1000 ms from the first failure of a bucket. */
    static const struct failure_step steps[] = {
        {'g', 1000, 0, 0},          /* absent */
        {'a', 1000, 1, 1000},
        {'a', 1500, 2, 1500},
        {'g', 1999, 2, 1500},
        {'a', 1999, 3, 1999},       /* the window's last millisecond */
        {'g', 2000, 0, 0},          /* over */
        {'a', 2000, 1, 2000},       /* starts again */
        {'a', 2100, 2, 2100},
        {'g', 2100, 2, 2100},
        {'c', 0, 0, 0},
        {'g', 2100, 0, 0},
        {'a', 2200, 1, 2200},
        {'c', 0, 0, 0},
        {'c', 0, 0, 0},             /* clearing nothing is fine */
    };
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    char bucket[64], ip_bucket[64];
    int64_t count, last_at;
    size_t i;

    fmt(bucket, "a:alice-%s|192.0.2.1", f->name);
    fmt(ip_bucket, "i:192.0.2.1#%s", f->name);
    assert_res(JOTD_STORE_OK, o->failure_add(f->st, ip_bucket, 1000,
                                             1000, &count, &last_at));
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        enum jotd_store_result r;

        r = failure_step(f, bucket, &steps[i], &count, &last_at);
        if (r != JOTD_STORE_OK)
            fail_msg("step %zu: %s", i, res_name(r));
        if (steps[i].op == 'c')
            continue;
        if (count != steps[i].count ||
            last_at != (steps[i].last_at ? T0 + steps[i].last_at : 0))
            fail_msg("step %zu (%c at %lld): expected count %lld last "
                     "%lld, got count %lld last %lld", i, steps[i].op,
                     (long long)steps[i].now, (long long)steps[i].count,
                     (long long)steps[i].last_at, (long long)count,
                     (long long)(last_at ? last_at - T0 : 0));
    }
    /* The other bucket counted on its own. */
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, ip_bucket, 1999,
                                             1000, &count, &last_at));
    assert_int_equal(count, 1);
    assert_int_equal(last_at, 1000);
}

/* failure_take, a compare-and-set on the count, and failure_undo.  The
 * steps: 't'ake with expect, 'u'ndo; then the state it must answer. */
static void
test_failure_take(void **state)
{
    static const struct {
        char op;
        int64_t now, expect;
        int taken;
        int64_t count, first_at, last_at;
    } steps[] = {
        {'t', 1000, 2, 0, 0, 0, 0},         /* absent: only 0 takes */
        {'t', 1000, 0, 1, 1, 1000, 1000},
        {'t', 1100, 0, 0, 1, 1000, 1000},   /* lost: the count moved on */
        {'t', 1200, 1, 1, 2, 1000, 1200},
        {'t', 1999, 2, 1, 3, 1000, 1999},   /* the window's last ms */
        {'t', 2000, 3, 0, 0, 0, 0},         /* over: the count is 0 */
        {'t', 2000, 0, 1, 1, 2000, 2000},   /* starts again */
        {'u', 2100, 0, 0, 0, 2000, 2000},
        {'u', 2100, 0, 0, 0, 2000, 2000},   /* never below 0 */
        {'t', 2200, 1, 0, 0, 2000, 2000},
        {'t', 2200, 0, 1, 1, 2000, 2200},
    };
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_failure got;
    char bucket[64];
    int64_t count, last_at;
    size_t i;

    fmt(bucket, "s:192.0.2.7#%s", f->name);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int taken = -1;

        if (steps[i].op == 'u') {
            assert_res(JOTD_STORE_OK, o->failure_undo(f->st, bucket));
            assert_res(JOTD_STORE_OK, o->failure_get(f->st, bucket,
                       T0 + steps[i].now, 1000, &count, &last_at));
            got.count = count;
            got.first_at = steps[i].first_at ? T0 + steps[i].first_at : 0;
            got.last_at = last_at;
            taken = 0;
        } else {
            assert_res(JOTD_STORE_OK, o->failure_take(f->st, bucket,
                       T0 + steps[i].now, 1000, steps[i].expect, &taken,
                       &got));
        }
        if (steps[i].op == 'u' && got.count == 0)
            continue;               /* failure_get: 0 for an empty row */
        if (taken != steps[i].taken || got.count != steps[i].count ||
            got.first_at != (steps[i].first_at ? T0 + steps[i].first_at
                                               : 0) ||
            got.last_at != (steps[i].last_at ? T0 + steps[i].last_at : 0))
            fail_msg("step %zu (%c at %lld, expect %lld): expected taken "
                     "%d count %lld first %lld last %lld, got %d %lld "
                     "%lld %lld", i, steps[i].op, (long long)steps[i].now,
                     (long long)steps[i].expect, steps[i].taken,
                     (long long)steps[i].count,
                     (long long)steps[i].first_at,
                     (long long)steps[i].last_at, taken,
                     (long long)got.count,
                     (long long)(got.first_at ? got.first_at - T0 : 0),
                     (long long)(got.last_at ? got.last_at - T0 : 0));
    }
    /* It counts like failure_add: failure_get sees it. */
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, bucket, T0 + 2300,
                                             1000, &count, &last_at));
    assert_int_equal(count, 1);
    assert_int_equal(last_at, T0 + 2200);
}

/* ---- signing keys --------------------------------------------------- */

/* This test's keys as listed; others' are skipped. */
struct keys_seen {
    const struct fx *f;
    char kid[4][128];
    int64_t activated_at[4], retired_at[4];
    int has_public[4];
    size_t n;
};

static int
collect_key(void *ctx, const struct jotd_signing_key *k)
{
    struct keys_seen *c = ctx;

    if (strstr(k->kid, c->f->name) == NULL)
        return 0;
    assert_true(c->n < 4);
    fmt(c->kid[c->n], "%s", k->kid);
    c->activated_at[c->n] = k->activated_at;
    c->retired_at[c->n] = k->retired_at;
    c->has_public[c->n] = k->public_jwk != NULL;
    assert_non_null(k->private_enc);
    c->n++;
    return 0;
}

static void
list_keys(const struct fx *f, struct keys_seen *c)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    assert_res(JOTD_STORE_OK, f->st->ops->key_list(f->st, collect_key, c));
}

/* This test's kid for base: base-NAME. */
static void
make_kid(const struct fx *f, char out[128], const char *base)
{
    int n = snprintf(out, 128, "%s-%s", base, f->name);

    assert_true(n > 0 && n < 128);
}

/* Inserts kid-b, kid-a and kid-h of this test, none active; the same
 * kid twice is a CONFLICT. */
static void
insert_keys(struct fx *f)
{
    static const struct {
        const char *kid, *alg, *public_jwk;
        int64_t created_at;
    } keys[] = {
        {"kid-b", "ES256", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", T0 + 2},
        {"kid-a", "ES256", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", T0 + 1},
        {"kid-h", "HS256", NULL, T0 + 3},
    };
    struct jotd_signing_key k;
    char pub[128], priv[64];
    size_t i;

    for (i = 0; i < 3; i++) {
        memset(&k, 0, sizeof k);
        make_kid(f, k.kid, keys[i].kid);
        fmt(k.alg, "%s", keys[i].alg);
        if (keys[i].public_jwk != NULL) {
            fmt(pub, "%s", keys[i].public_jwk);
            k.public_jwk = pub;
        }
        fmt(priv, "sealed-%zu", i);
        k.private_enc = priv;
        k.created_at = keys[i].created_at;
        assert_res(JOTD_STORE_OK, f->st->ops->key_insert(f->st, &k));
    }
    assert_res(JOTD_STORE_CONFLICT, f->st->ops->key_insert(f->st, &k));
}

/* Keys list oldest first; activating one retires the active others. */
static void
test_keys(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct keys_seen c;
    char a[128], b[128], h[128], zz[128];

    make_kid(f, a, "kid-a");
    make_kid(f, b, "kid-b");
    make_kid(f, h, "kid-h");
    make_kid(f, zz, "kid-zz");
    insert_keys(f);
    list_keys(f, &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.kid[0], a);           /* oldest first */
    assert_string_equal(c.kid[1], b);
    assert_string_equal(c.kid[2], h);
    assert_int_equal(c.has_public[0], 1);
    assert_int_equal(c.has_public[2], 0);
    assert_int_equal(c.activated_at[0], 0);

    assert_res(JOTD_STORE_OK, o->key_activate(f->st, a, T0 + 10));
    list_keys(f, &c);
    assert_int_equal(c.activated_at[0], T0 + 10);
    assert_int_equal(c.retired_at[0], 0);
    assert_int_equal(c.activated_at[1], 0);

    /* Activating b retires a, and only a. */
    assert_res(JOTD_STORE_OK, o->key_activate(f->st, b, T0 + 20));
    list_keys(f, &c);
    assert_int_equal(c.activated_at[0], T0 + 10);
    assert_int_equal(c.retired_at[0], T0 + 20);
    assert_int_equal(c.activated_at[1], T0 + 20);
    assert_int_equal(c.retired_at[1], 0);
    assert_int_equal(c.activated_at[2], 0);
    assert_int_equal(c.retired_at[2], 0);

    /* An unknown kid changes nothing, the active key included. */
    assert_res(JOTD_STORE_NOT_FOUND,
               o->key_activate(f->st, zz, T0 + 30));
    list_keys(f, &c);
    assert_int_equal(c.retired_at[1], 0);

    /* A retired key activated again is active and not retired. */
    assert_res(JOTD_STORE_OK, o->key_activate(f->st, a, T0 + 40));
    list_keys(f, &c);
    assert_int_equal(c.activated_at[0], T0 + 40);
    assert_int_equal(c.retired_at[0], 0);
    assert_int_equal(c.retired_at[1], T0 + 40);
}

static int
stop_at_first_key(void *ctx, const struct jotd_signing_key *k)
{
    int *n = ctx;

    (void)k;
    (*n)++;
    return 1;
}

/* The strings of a listed key are the store's: cleared after cb. */
static void
test_key_list_stop(void **state)
{
    struct fx *f = *state;
    struct jotd_signing_key k;
    char priv[] = "sealed";
    int n = 0;

    memset(&k, 0, sizeof k);
    make_kid(f, k.kid, "one");
    fmt(k.alg, "HS256");
    k.private_enc = priv;
    assert_res(JOTD_STORE_OK, f->st->ops->key_insert(f->st, &k));
    make_kid(f, k.kid, "two");
    assert_res(JOTD_STORE_OK, f->st->ops->key_insert(f->st, &k));
    assert_res(JOTD_STORE_OK,
               f->st->ops->key_list(f->st, stop_at_first_key, &n));
    assert_int_equal(n, 1);
    k.private_enc = NULL;           /* a sealed key is required */
    make_kid(f, k.kid, "three");
    assert_res(JOTD_STORE_ERROR, f->st->ops->key_insert(f->st, &k));
}

/* key_insert and key_activate take a key number each; a failed one
 * takes none. */
static void
test_key_seq(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_seqs q0, q;
    char a[128], zz[128];

    assert_res(JOTD_STORE_OK, o->seqs_get(f->st, &q0));
    insert_keys(f);             /* three, and one CONFLICT */
    assert_res(JOTD_STORE_OK, o->seqs_get(f->st, &q));
    assert_int_equal(q.keys, q0.keys + 3);
    assert_int_equal(q.revoked, q0.revoked);
    make_kid(f, a, "kid-a");
    make_kid(f, zz, "kid-zz");
    assert_res(JOTD_STORE_OK, o->key_activate(f->st, a, T0 + 10));
    assert_res(JOTD_STORE_NOT_FOUND, o->key_activate(f->st, zz, T0 + 11));
    assert_res(JOTD_STORE_OK, o->seqs_get(f->st, &q));
    assert_int_equal(q.keys, q0.keys + 4);
}

/* An engine pushes changes (listen OK) or says that it does not
 * (NOT_FOUND), and then wait only sleeps.  What a listening connection
 * receives is the PostgreSQL engine's (test_store_pg.c). */
static void
test_listen(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    enum jotd_store_result r = o->listen(f->st);
    unsigned changes = 99;

    if (r != JOTD_STORE_OK)
        assert_res(JOTD_STORE_NOT_FOUND, r);
    assert_res(JOTD_STORE_OK, o->wait(f->st, 0, &changes));
    if (r == JOTD_STORE_NOT_FOUND)
        assert_int_equal(changes, 0);
    assert_res(JOTD_STORE_OK, o->wait(f->st, 10, &changes));
}

/* ---- audit ---------------------------------------------------------- */

/* The store has no reading of the trail; test_store_sqlite.c reads the
 * rows these write. */
static void
test_audit(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    char uid[JOTD_ID_LEN + 1], sid[JOTD_ID_LEN + 1];

    make_id(f, uid, 1);
    make_id(f, sid, 2);
    assert_res(JOTD_STORE_OK, o->audit(f->st, T0, "login", uid, sid,
                                       "192.0.2.1", "{\"ua\":\"curl\"}"));
    assert_res(JOTD_STORE_OK, o->audit(f->st, T0 + 1, "key_rotate", NULL,
                                       NULL, NULL, NULL));
    assert_res(JOTD_STORE_ERROR, o->audit(f->st, T0 + 2, NULL, NULL, NULL,
                                          NULL, NULL));
}

/* ---- pruning -------------------------------------------------------- */

/*
 * The pruning tests write rows at times long before T0 (ms 1000 to 3000
 * of 1970), which no other test uses, and clear what an earlier run left
 * there first, so that the counts are theirs on a shared database too.
 */
#define OLD 1000

static void
audit_at(struct fx *f, int64_t at)
{
    assert_res(JOTD_STORE_OK, f->st->ops->audit(f->st, at, "throttled",
                                                NULL, NULL, "192.0.2.9",
                                                "{\"count\":3}"));
}

/* Old rows go, oldest first and at most limit a call; newer ones stay;
 * limit 0 deletes nothing. */
static void
test_audit_prune(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    size_t n = 99;
    int i;

    do
        assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 2000, 1000,
                                                 &n));
    while (n > 0);
    for (i = 0; i < 5; i++)
        audit_at(f, OLD + i);
    audit_at(f, OLD + 500);
    audit_at(f, OLD + 500);
    audit_at(f, T0);
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 3, 0, &n));
    assert_int_equal(n, 0);
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 3, 2, &n));
    assert_int_equal(n, 2);
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 3, 10, &n));
    assert_int_equal(n, 1);                 /* OLD + 2: the rest is newer */
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 3, 10, &n));
    assert_int_equal(n, 0);
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 501, 10, &n));
    assert_int_equal(n, 4);                 /* OLD + 3, + 4, + 500 twice */
    assert_res(JOTD_STORE_OK, o->audit_prune(f->st, OLD + 501, 10, &n));
    assert_int_equal(n, 0);
}

/* Sessions revoked before the cutoff and live ones expired before it
 * go; a session revoked or expiring after it stays, and so does a live
 * one, however old. */
static void
test_session_prune(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    struct jotd_session s[6], got;
    char uid[JOTD_ID_LEN + 1];
    size_t n = 99, total = 0;
    unsigned i;

    do
        assert_res(JOTD_STORE_OK, o->session_prune(f->st, OLD + 2000, 1000,
                                                   &n));
    while (n > 0);
    make_id(f, uid, 1);
    for (i = 0; i < 6; i++)
        make_session(f, &s[i], i, uid, OLD);
    s[0].expires_at = OLD + 10;             /* expired long ago: goes */
    s[1].expires_at = OLD + 10;             /* revoked late: stays */
    s[2].expires_at = T0;                   /* revoked early: goes */
    s[3].expires_at = OLD + 100;            /* expires after the cutoff */
    s[4].expires_at = T0;                   /* live: stays */
    s[5].expires_at = T0;                   /* revoked after: stays */
    for (i = 0; i < 6; i++)
        assert_res(JOTD_STORE_OK, o->session_create(f->st, &s[i]));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[1].id, "logout",
                                                OLD + 60));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[2].id, "logout",
                                                OLD + 20));
    assert_res(JOTD_STORE_OK, o->session_revoke(f->st, s[5].id, "logout",
                                                T0));
    assert_res(JOTD_STORE_OK, o->session_prune(f->st, OLD + 50, 1, &n));
    assert_int_equal(n, 1);
    total += n;
    assert_res(JOTD_STORE_OK, o->session_prune(f->st, OLD + 50, 10, &n));
    total += n;
    assert_int_equal(total, 2);
    assert_res(JOTD_STORE_OK, o->session_prune(f->st, OLD + 50, 10, &n));
    assert_int_equal(n, 0);
    assert_res(JOTD_STORE_NOT_FOUND, o->session_get(f->st, s[0].id, &got));
    assert_res(JOTD_STORE_NOT_FOUND, o->session_get(f->st, s[2].id, &got));
    for (i = 1; i < 6; i++) {
        if (i == 2)
            continue;
        assert_res(JOTD_STORE_OK, o->session_get(f->st, s[i].id, &got));
    }
    /* A pruned session cannot be rotated or revoked back: not found. */
    assert_res(JOTD_STORE_NOT_FOUND, o->session_rotate(f->st, s[0].id, 1,
                                                       OLD, T0));
}

/* Buckets whose last failure is older than the cutoff go, only those
 * with the prefix asked for ("" for all). */
static void
test_failure_prune(void **state)
{
    struct fx *f = *state;
    const struct jotd_store_ops *o = f->st->ops;
    char a_old[64], a_new[64], k_old[64];
    int64_t count = 0, last = 0;
    size_t n = 99;

    do
        assert_res(JOTD_STORE_OK, o->failure_prune(f->st, "", OLD + 2000,
                                                   1000, &n));
    while (n > 0);
    fmt(a_old, "a:%s-old|192.0.2.1", f->name);
    fmt(a_new, "a:%s-new|192.0.2.1", f->name);
    fmt(k_old, "k:%s-old|192.0.2.1", f->name);
    assert_res(JOTD_STORE_OK, o->failure_add(f->st, a_old, OLD, DAY, &count,
                                             &last));
    assert_res(JOTD_STORE_OK, o->failure_add(f->st, a_old, OLD + 5, DAY,
                                             &count, &last));
    assert_res(JOTD_STORE_OK, o->failure_add(f->st, a_new, OLD + 100, DAY,
                                             &count, &last));
    assert_res(JOTD_STORE_OK, o->failure_add(f->st, k_old, OLD, DAY, &count,
                                             &last));
    /* The last failure counts, not the first: OLD + 5 is not before. */
    assert_res(JOTD_STORE_OK, o->failure_prune(f->st, "a:", OLD + 5, 10,
                                               &n));
    assert_int_equal(n, 0);
    assert_res(JOTD_STORE_OK, o->failure_prune(f->st, "a:", OLD + 50, 10,
                                               &n));
    assert_int_equal(n, 1);
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, a_old, OLD + 50, DAY,
                                             &count, &last));
    assert_int_equal(count, 0);
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, k_old, OLD + 50, DAY,
                                             &count, &last));
    assert_int_equal(count, 1);             /* another prefix: kept */
    assert_res(JOTD_STORE_OK, o->failure_prune(f->st, "", OLD + 50, 10,
                                               &n));
    assert_int_equal(n, 1);
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, k_old, OLD + 50, DAY,
                                             &count, &last));
    assert_int_equal(count, 0);
    assert_res(JOTD_STORE_OK, o->failure_get(f->st, a_new, OLD + 100, DAY,
                                             &count, &last));
    assert_int_equal(count, 1);
}

/* ---- durability ----------------------------------------------------- */

/* What one connection wrote, the next finds after close and reopen. */
static void
test_reopen(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;
    struct jotd_session s, sgot;
    int64_t count, last_at;
    char bucket[32];

    fmt(bucket, "i:x#%s", f->name);
    make_user(f, &u, 1, "grace", T0);
    assert_res(JOTD_STORE_OK, f->st->ops->user_create(f->st, &u));
    make_session(f, &s, 1, u.id, T0);
    assert_res(JOTD_STORE_OK, f->st->ops->session_create(f->st, &s));
    assert_res(JOTD_STORE_OK, f->st->ops->session_rotate(f->st, s.id, 1,
                                                         T0 + 1, T0 + DAY));
    assert_res(JOTD_STORE_OK, f->st->ops->failure_add(f->st, bucket, T0,
                                                      1000, &count,
                                                      &last_at));
    jotd_store_close(f->st);
    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->migrate(f->st, NULL));
    assert_res(JOTD_STORE_OK, f->st->ops->user_get(f->st, u.id, &got));
    assert_memory_equal(&u, &got, sizeof u);
    assert_res(JOTD_STORE_OK, f->st->ops->session_get(f->st, s.id, &sgot));
    assert_int_equal(sgot.gen, 2);
    assert_res(JOTD_STORE_OK, f->st->ops->failure_get(f->st, bucket, T0 + 1,
                                                      1000, &count,
                                                      &last_at));
    assert_int_equal(count, 1);
}

static const char *argv0;          /* this program, for the writer */

/* The writer of test_killed_writer: the same user and session. */
static void
killed_writer_data(const struct fx *f, struct jotd_user *u,
                   struct jotd_session *s)
{
    make_user(f, u, 7, "heidi", T0);
    make_session(f, s, 7, u->id, T0);
}

/* Runs as its own program (exec'd, so it shares no engine state with
 * the suite), for the test whose tag it is given: writes, then dies by
 * SIGKILL without closing anything. */
static int
killed_writer(const char *url, const char *tag)
{
    struct jotd_user u;
    struct jotd_session s;
    struct fx f;
    char err[256];
    jotd_store *st;

    memset(&f, 0, sizeof f);
    set_tag(&f, tag);
    st = jotd_store_open(url, err, sizeof err);
    killed_writer_data(&f, &u, &s);
    if (st == NULL ||
        st->ops->user_create(st, &u) != JOTD_STORE_OK ||
        st->ops->session_create(st, &s) != JOTD_STORE_OK ||
        st->ops->session_revoke(st, s.id, "logout", T0 + 1) !=
            JOTD_STORE_OK)
        return 1;
    raise(SIGKILL);
    return 2;
}

/*
 * A process killed right after its writes returned (no close, no
 * checkpoint) loses none of them: a call is durable when it returns OK
 * (store.h), which for SQLite means in the WAL file.
 */
static void
test_killed_writer(void **state)
{
    struct fx *f = *state;
    struct jotd_user u, got;
    struct jotd_session s;
    int status;
    pid_t pid;

    killed_writer_data(f, &u, &s);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execlp(argv0, argv0, "--killed-writer", f->url, f->tag,
               (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the writer did not get as far as being killed (%d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    jotd_store_close(f->st);
    f->st = open_ok(f->url);
    assert_res(JOTD_STORE_OK, f->st->ops->user_get(f->st, u.id, &got));
    assert_memory_equal(&u, &got, sizeof u);
    assert_res(JOTD_STORE_OK, f->st->ops->session_get(f->st, s.id, &s));
    assert_int_equal(s.revoked_at, T0 + 1);
}

/* ---- concurrency ---------------------------------------------------- */

#define RACE_ROUNDS 200

struct racer {
    const char *url;
    const char *sid;
    pthread_barrier_t *bar;
    int lockstep;
    int64_t won[RACE_ROUNDS];       /* the gens this thread rotated from */
    size_t n_won, n_lost, n_err;
    char err[256];
};

/*
 * One thread of the race.  In lockstep, the threads meet after reading
 * gen and again after rotating, so every round both try the same gen.
 * Every thread meets the others the same number of times, even after an
 * error.  No cmocka assertion here: they may not run off the main thread.
 */
static void *
race(void *arg)
{
    struct racer *r = arg;
    jotd_store *st = jotd_store_open(r->url, r->err, sizeof r->err);
    enum jotd_store_result res;
    struct jotd_session s;
    size_t i;

    if (st == NULL)
        r->n_err++;
    pthread_barrier_wait(r->bar);
    for (i = 0; i < RACE_ROUNDS; i++) {
        res = JOTD_STORE_ERROR;
        if (st != NULL)
            res = st->ops->session_get(st, r->sid, &s);
        if (r->lockstep)
            pthread_barrier_wait(r->bar);
        if (res == JOTD_STORE_OK)
            res = st->ops->session_rotate(st, r->sid, s.gen,
                                          T0 + (int64_t)i, T0 + DAY);
        if (r->lockstep)
            pthread_barrier_wait(r->bar);
        if (res == JOTD_STORE_OK)
            r->won[r->n_won++] = s.gen;
        else if (res == JOTD_STORE_CONFLICT)
            r->n_lost++;
        else
            r->n_err++;
    }
    jotd_store_close(st);
    return NULL;
}

static int
cmp_gen(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/*
 * Two threads, each with its own connection, read the session's gen and
 * try to rotate from it, 200 times each.  Every success is one step of
 * gen, and no gen is ever rotated from twice.  In lockstep both try the
 * same gen every round, so exactly one of them wins each round.
 */
static void
race_rotations(struct fx *f, int lockstep)
{
    struct racer *r = calloc(2, sizeof *r);
    int64_t all[2 * RACE_ROUNDS];
    struct jotd_session s;
    pthread_barrier_t bar;
    pthread_t th[2];
    size_t i, n = 0;
    char uid[JOTD_ID_LEN + 1];

    assert_non_null(r);
    make_id(f, uid, 1);
    make_session(f, &s, 1, uid, T0);
    assert_res(JOTD_STORE_OK, f->st->ops->session_create(f->st, &s));
    assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
    for (i = 0; i < 2; i++) {
        r[i].url = f->url;
        r[i].sid = s.id;
        r[i].bar = &bar;
        r[i].lockstep = lockstep;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&bar);

    for (i = 0; i < 2; i++) {
        if (r[i].n_err != 0)
            fail_msg("thread %zu: %zu errors (%s)", i, r[i].n_err,
                     r[i].err);
        assert_int_equal(r[i].n_won + r[i].n_lost, RACE_ROUNDS);
        memcpy(all + n, r[i].won, r[i].n_won * sizeof all[0]);
        n += r[i].n_won;
    }
    assert_res(JOTD_STORE_OK, f->st->ops->session_get(f->st, s.id, &s));
    if ((int64_t)n != s.gen - 1)
        fail_msg("%zu rotations won, but gen went from 1 to %lld", n,
                 (long long)s.gen);
    if (lockstep && n != RACE_ROUNDS)
        fail_msg("%zu rotations won in %d rounds", n, RACE_ROUNDS);
    qsort(all, n, sizeof all[0], cmp_gen);
    for (i = 0; i < n; i++) {
        if (all[i] != (int64_t)i + 1)
            fail_msg("rotation %zu was from gen %lld (want %zu)", i,
                     (long long)all[i], i + 1);
    }
    free(r);
}

static void
test_concurrent_rotate(void **state)
{
    race_rotations(*state, 0);
}

static void
test_concurrent_rotate_lockstep(void **state)
{
    race_rotations(*state, 1);
}

#define FAIL_ROUNDS 100

struct failer {
    const char *url;
    const char *bucket;
    pthread_barrier_t *bar;
    int64_t max_count;              /* the highest count it was told */
    size_t n_err;
    char err[256];
};

static void *
add_failures(void *arg)
{
    struct failer *r = arg;
    jotd_store *st = jotd_store_open(r->url, r->err, sizeof r->err);
    int64_t count, last_at;
    size_t i;

    pthread_barrier_wait(r->bar);
    if (st == NULL) {
        r->n_err++;
        return NULL;
    }
    for (i = 0; i < FAIL_ROUNDS; i++) {
        if (st->ops->failure_add(st, r->bucket, T0 + (int64_t)i,
                                 60000, &count, &last_at) != JOTD_STORE_OK)
            r->n_err++;
        else if (count > r->max_count)
            r->max_count = count;
    }
    jotd_store_close(st);
    return NULL;
}

/* Two threads counting failures in one bucket lose none of them. */
static void
test_concurrent_failures(void **state)
{
    struct fx *f = *state;
    struct failer r[2];
    pthread_barrier_t bar;
    pthread_t th[2];
    int64_t count, last_at;
    char bucket[64];
    size_t i;

    fmt(bucket, "i:198.51.100.7#%s", f->name);
    memset(r, 0, sizeof r);
    assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
    for (i = 0; i < 2; i++) {
        r[i].url = f->url;
        r[i].bucket = bucket;
        r[i].bar = &bar;
        assert_int_equal(pthread_create(&th[i], NULL, add_failures, &r[i]),
                         0);
    }
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&bar);
    for (i = 0; i < 2; i++) {
        if (r[i].n_err != 0)
            fail_msg("thread %zu: %zu errors (%s)", i, r[i].n_err,
                     r[i].err);
    }
    assert_res(JOTD_STORE_OK, f->st->ops->failure_get(f->st,
               bucket, T0 + FAIL_ROUNDS, 60000, &count, &last_at));
    assert_int_equal(count, 2 * FAIL_ROUNDS);
    assert_int_equal(r[0].max_count > r[1].max_count ? r[0].max_count
                                                     : r[1].max_count,
                     2 * FAIL_ROUNDS);
}

#define TAKE_LIMIT 50

/* Takes from r->bucket while its count is under TAKE_LIMIT, the way the
 * throttle reserves a password check: read, then compare-and-set. */
static void *
take_slots(void *arg)
{
    struct failer *r = arg;
    jotd_store *st = jotd_store_open(r->url, r->err, sizeof r->err);
    struct jotd_failure now;
    int taken;
    size_t i;

    pthread_barrier_wait(r->bar);
    if (st == NULL) {
        r->n_err++;
        return NULL;
    }
    memset(&now, 0, sizeof now);
    for (i = 0; i < 4 * TAKE_LIMIT && now.count < TAKE_LIMIT; i++) {
        if (st->ops->failure_take(st, r->bucket, T0, 60000, now.count,
                                  &taken, &now) != JOTD_STORE_OK) {
            r->n_err++;
            break;
        }
        if (taken)
            r->max_count++;         /* here: how many it took */
    }
    jotd_store_close(st);
    return NULL;
}

/* Two threads taking slots of one bucket take exactly the limit between
 * them: a count read by both is taken by one. */
static void
test_concurrent_take(void **state)
{
    struct fx *f = *state;
    struct failer r[2];
    pthread_barrier_t bar;
    pthread_t th[2];
    int64_t count, last_at;
    char bucket[64];
    size_t i;

    fmt(bucket, "a:take|198.51.100.8#%s", f->name);
    memset(r, 0, sizeof r);
    assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
    for (i = 0; i < 2; i++) {
        r[i].url = f->url;
        r[i].bucket = bucket;
        r[i].bar = &bar;
        assert_int_equal(pthread_create(&th[i], NULL, take_slots, &r[i]),
                         0);
    }
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&bar);
    for (i = 0; i < 2; i++) {
        if (r[i].n_err != 0)
            fail_msg("thread %zu: %zu errors (%s)", i, r[i].n_err,
                     r[i].err);
    }
    assert_int_equal(r[0].max_count + r[1].max_count, TAKE_LIMIT);
    assert_res(JOTD_STORE_OK, f->st->ops->failure_get(f->st,
               bucket, T0, 60000, &count, &last_at));
    assert_int_equal(count, TAKE_LIMIT);
}

int
main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_bad_urls),
        T(test_migrate_twice),
        T(test_last_error),
        T(test_user_crud),
        T(test_user_unterminated_field),
        T(test_user_list_paging),
        T(test_user_list_reentered),
        T(test_user_delete),
        T(test_session_create_get),
        T(test_session_rotate),
        T(test_session_group),
        T(test_session_revoke),
        T(test_session_revoke_user),
        T(test_session_revoke_user_ids),
        T(test_setting_raise),
        T(test_session_list_user),
        T(test_revoked_since),
        T(test_revocation_seq),
        T(test_key_seq),
        T(test_listen),
        T(test_failures),
        T(test_failure_take),
        T(test_keys),
        T(test_key_list_stop),
        T(test_audit),
        T(test_audit_prune),
        T(test_session_prune),
        T(test_failure_prune),
        T(test_reopen),
        T(test_killed_writer),
        T(test_concurrent_rotate),
        T(test_concurrent_rotate_lockstep),
        T(test_concurrent_failures),
        T(test_concurrent_take),
    };
#undef T

    if (argc == 4 && strcmp(argv[1], "--killed-writer") == 0)
        return killed_writer(argv[2], argv[3]);
    argv0 = argv[0];
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
