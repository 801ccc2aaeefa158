/*
 * test_password.c - password hashing (password.h): argon2id and bcrypt
 * round trips, hashes made elsewhere (crypt_blowfish vectors, libcrypt),
 * length limits, bytes bcrypt would drop, the rehash policy, stored
 * hashes that must be refused, the dummy verification, concurrent use and
 * the hash slots.
 */
#include <crypt.h>
#include <pthread.h>
#include <time.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "testutil.h"
#include "core/password.h"
#include "jotd.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Prints both results by name (jotd_strerror) when they differ. */
#define assert_pw(want, got)                                              \
    do {                                                                  \
        jotd_err pw_w = (want), pw_g = (got);                             \
        if (pw_w != pw_g)                                                 \
            fail_msg("expected %s, got %s", jotd_strerror(pw_w),          \
                     jotd_strerror(pw_g));                                \
    } while (0)

static void
config(struct jotd_config *cfg, enum jotd_hash alg, unsigned cost)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->password_hash = alg;
    cfg->bcrypt_cost = cost;
}

/* A password of len octets, all 'a' except the last (when len > 0). */
static char *
password(size_t len, char last)
{
    char *pw = malloc(len + 1);

    assert_non_null(pw);
    memset(pw, 'a', len);
    if (len > 0)
        pw[len - 1] = last;
    pw[len] = '\0';
    return pw;
}

/* A bcrypt hash made by libcrypt directly, as another system would. */
static void
crypt_hash(const char *prefix, unsigned cost, const char *pw, char *out,
           size_t cap)
{
    unsigned char rnd[16];
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    const char *r;

    assert_non_null(cd);
    assert_int_equal(RAND_bytes(rnd, sizeof rnd), 1);
    assert_non_null(crypt_gensalt_rn(prefix, cost, (const char *)rnd,
                                     (int)sizeof rnd, setting,
                                     (int)sizeof setting));
    r = crypt_r(pw, setting, cd);
    assert_non_null(r);
    assert_true(r[0] != '*');
    assert_true(strlen(r) < cap);
    memcpy(out, r, strlen(r) + 1);
    free(cd);
}

/* An argon2id PHC string with the given parameters, made by libargon2. */
static void
phc_hash(uint32_t m, uint32_t t, uint32_t p, const char *pw, char *out,
            size_t cap)
{
    unsigned char salt[16];

    assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
    assert_int_equal(argon2id_hash_encoded(t, m, p, pw, strlen(pw), salt,
                                           sizeof salt, 32, out, cap),
                     ARGON2_OK);
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
test_argon2_round_trip(void **state)
{
    struct jotd_config cfg;
    static const char pw[] = "correct horse battery staple";
    char h1[JOTD_HASH_MAX], h2[JOTD_HASH_MAX];

    (void)state;
    config(&cfg, JOTD_HASH_ARGON2ID, 12);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, strlen(pw), h1));
    assert_true(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_pw(JOTD_OK, jotd_password_verify(h1, pw, strlen(pw)));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h1, pw, 10));
    assert_pw(JOTD_ERR_CREDENTIALS,
              jotd_password_verify(h1, "correct horse battery stapler", 29));
    assert_int_equal(jotd_password_needs_rehash(&cfg, h1), 0);
    /* A fresh salt each time. */
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, strlen(pw), h2));
    assert_string_not_equal(h1, h2);
    /* libargon2 itself agrees. */
    assert_int_equal(argon2id_verify(h1, pw, strlen(pw)), ARGON2_OK);
}

/* Octets after a NUL count for argon2id: no C-string truncation. */
static void
test_argon2_binary_password(void **state)
{
    struct jotd_config cfg;
    static const char pw[] = "12345678\0abcdefgh";
    char h[JOTD_HASH_MAX];

    (void)state;
    config(&cfg, JOTD_HASH_ARGON2ID, 12);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, sizeof pw - 1, h));
    assert_pw(JOTD_OK, jotd_password_verify(h, pw, sizeof pw - 1));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, pw, 8));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, pw, 9));
}

static void
test_bcrypt_round_trip(void **state)
{
    struct jotd_config cfg;
    static const char pw[] = "correct horse battery staple";
    char h1[JOTD_HASH_MAX], h2[JOTD_HASH_MAX];

    (void)state;
    config(&cfg, JOTD_HASH_BCRYPT, 10);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, strlen(pw), h1));
    assert_int_equal(strlen(h1), 60);
    assert_true(strncmp(h1, "$2b$10$", 7) == 0);
    assert_pw(JOTD_OK, jotd_password_verify(h1, pw, strlen(pw)));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h1, pw, 10));
    assert_pw(JOTD_ERR_CREDENTIALS,
              jotd_password_verify(h1, "correct horse battery stapler", 29));
    assert_int_equal(jotd_password_needs_rehash(&cfg, h1), 0);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, strlen(pw), h2));
    assert_string_not_equal(h1, h2);
}

/* A configured cost under 10 is raised to 10. */
static void
test_bcrypt_cost_floor(void **state)
{
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];

    (void)state;
    config(&cfg, JOTD_HASH_BCRYPT, 4);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, "password", 8, h));
    assert_true(strncmp(h, "$2b$10$", 7) == 0);
    assert_int_equal(jotd_password_needs_rehash(&cfg, h), 0);
    config(&cfg, JOTD_HASH_BCRYPT, 11);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, "password", 8, h));
    assert_true(strncmp(h, "$2b$11$", 7) == 0);
}

/*
 * Hashes made elsewhere: vectors of Solar Designer's crypt_blowfish test
 * suite (the $2a$ reference), and hashes libcrypt makes for each prefix.
 */
static void
test_bcrypt_imported(void **state)
{
    static const struct {
        const char *hash, *pw;
    } vectors[] = {
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
          "U*U" },
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
          "U*U*" },
        { "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a",
          "U*U*U" },
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy",
          "" },
    };
    static const char *const prefixes[] = { "$2a$", "$2b$", "$2y$" };
    static const char pw[] = "imported password";
    char h[JOTD_HASH_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(vectors); i++) {
        const char *v = vectors[i].pw;

        assert_pw(JOTD_OK, jotd_password_verify(vectors[i].hash, v,
                                                   strlen(v)));
        assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(vectors[i].hash,
                                                         "U*U*U*", 6));
    }
    for (i = 0; i < N_ELEMS(prefixes); i++) {
        crypt_hash(prefixes[i], 10, pw, h, sizeof h);
        assert_true(strncmp(h, prefixes[i], 4) == 0);
        assert_pw(JOTD_OK, jotd_password_verify(h, pw, strlen(pw)));
        assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, pw, 16));
    }
}

static void
test_length_limits(void **state)
{
    static const struct {
        enum jotd_hash alg;
        size_t len;
        jotd_err want;
    } cases[] = {
        { JOTD_HASH_ARGON2ID, 0, JOTD_ERR_PASSWORD_SHORT },
        { JOTD_HASH_ARGON2ID, 7, JOTD_ERR_PASSWORD_SHORT },
        { JOTD_HASH_ARGON2ID, 8, JOTD_OK },
        { JOTD_HASH_ARGON2ID, 72, JOTD_OK },
        { JOTD_HASH_ARGON2ID, 73, JOTD_OK },
        { JOTD_HASH_ARGON2ID, 1024, JOTD_OK },
        { JOTD_HASH_ARGON2ID, 1025, JOTD_ERR_PASSWORD_LONG },
        { JOTD_HASH_ARGON2ID, 100000, JOTD_ERR_PASSWORD_LONG },
        { JOTD_HASH_BCRYPT, 0, JOTD_ERR_PASSWORD_SHORT },
        { JOTD_HASH_BCRYPT, 7, JOTD_ERR_PASSWORD_SHORT },
        { JOTD_HASH_BCRYPT, 8, JOTD_OK },
        { JOTD_HASH_BCRYPT, 72, JOTD_OK },
        { JOTD_HASH_BCRYPT, 73, JOTD_ERR_PASSWORD_LONG },
        { JOTD_HASH_BCRYPT, 1024, JOTD_ERR_PASSWORD_LONG },
        { JOTD_HASH_BCRYPT, 1025, JOTD_ERR_PASSWORD_LONG },
    };
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        char *pw = password(cases[i].len, 'z');

        config(&cfg, cases[i].alg, 10);
        assert_pw(cases[i].want, jotd_password_check(&cfg, pw,
                                                     cases[i].len));
        if (cases[i].want != JOTD_OK) {
            /* hash refuses without hashing and leaves no hash behind */
            memset(h, 'x', sizeof h);
            assert_pw(cases[i].want, jotd_password_hash(&cfg, pw,
                                                        cases[i].len, h));
            assert_int_equal(h[0], '\0');
        }
        free(pw);
    }
    assert_pw(JOTD_ERR_INTERNAL, jotd_password_check(&cfg, NULL, 8));
    assert_pw(JOTD_ERR_PASSWORD_SHORT, jotd_password_check(&cfg, NULL, 0));
}

/* The longest argon2id password is hashed whole. */
static void
test_argon2_longest(void **state)
{
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];
    char *pw = password(JOTD_PASSWORD_MAX, 'z');

    (void)state;
    config(&cfg, JOTD_HASH_ARGON2ID, 12);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, JOTD_PASSWORD_MAX, h));
    assert_pw(JOTD_OK, jotd_password_verify(h, pw, JOTD_PASSWORD_MAX));
    pw[JOTD_PASSWORD_MAX - 1] = 'y';
    assert_pw(JOTD_ERR_CREDENTIALS,
              jotd_password_verify(h, pw, JOTD_PASSWORD_MAX));
    free(pw);
}

/*
 * bcrypt reads 72 octets and stops at a NUL: the 72nd octet counts, and a
 * longer password or one with a NUL never matches on what bcrypt keeps.
 */
static void
test_bcrypt_72(void **state)
{
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX], imported[128];
    char *pw = password(72, 'z'), *longer = password(73, 'q');
    static const char with_nul[] = "password\0suffix";

    (void)state;
    config(&cfg, JOTD_HASH_BCRYPT, 10);
    assert_pw(JOTD_OK, jotd_password_hash(&cfg, pw, 72, h));
    assert_pw(JOTD_OK, jotd_password_verify(h, pw, 72));
    memcpy(longer, pw, 72);
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, longer, 73));
    pw[71] = 'y';
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, pw, 72));

    assert_pw(JOTD_ERR_PASSWORD_LONG,
              jotd_password_check(&cfg, with_nul, sizeof with_nul - 1));
    crypt_hash("$2b$", 10, "password", imported, sizeof imported);
    assert_pw(JOTD_OK, jotd_password_verify(imported, "password", 8));
    assert_pw(JOTD_ERR_CREDENTIALS,
              jotd_password_verify(imported, with_nul, sizeof with_nul - 1));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(imported, "password\0",
                                                     9));
    free(pw);
    free(longer);
}

static void
test_needs_rehash(void **state)
{
    static const char b64_53[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";
    static const char *const hashes[] = {
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$2b$10$", "$2b$12$", "$2a$10$", "$2y$12$",
        "garbage",
    };
    static const struct {
        enum jotd_hash alg;
        unsigned cost;
        int want[9];
    } cases[] = {
        /* a19456 a65536 t3 p2 2b10 2b12 2a10 2y12 junk */
        { JOTD_HASH_ARGON2ID, 12, { 0, 1, 1, 1, 1, 1, 1, 1, 1 } },
        { JOTD_HASH_BCRYPT, 10, { 1, 1, 1, 1, 0, 1, 1, 1, 1 } },
        { JOTD_HASH_BCRYPT, 4, { 1, 1, 1, 1, 0, 1, 1, 1, 1 } },
        { JOTD_HASH_BCRYPT, 12, { 1, 1, 1, 1, 1, 0, 1, 1, 1 } },
    };
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];
    size_t i, j;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        config(&cfg, cases[i].alg, cases[i].cost);
        for (j = 0; j < N_ELEMS(hashes); j++) {
            int n = snprintf(h, sizeof h, "%s%s", hashes[j],
                             hashes[j][1] == '2' ? b64_53 : "");

            assert_true(n > 0 && (size_t)n < sizeof h);
            if (jotd_password_needs_rehash(&cfg, h) != cases[i].want[j])
                fail_msg("case %zu: %s: expected %d", i, h,
                         cases[i].want[j]);
        }
    }
    assert_int_equal(jotd_password_needs_rehash(&cfg, NULL), 1);
}

/* Long for its table of stored hashes, not for its logic. */
static void
test_bad_hashes(void **state)
{
    static const char *const bad[] = {
        "",
        "x",
        "$",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$",
        "$argon2id$v=19$m=19456,t=2,p=1$$AAAAAAAAAAAAAAAAAAAAAA",
        "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAA",
        "$argon2d$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAA",
        "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAA",
        "$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=0,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAA",
        "$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
        /* over the ceilings, otherwise valid */
        "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=1048577,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=8,t=33,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=136,t=1,p=17$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAA",
        "$argon2id$v=19$m=-19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAA",
        "$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAA",
        "$argon2id$v=19$m=19456,t=2,p=1,x=1$c29tZXNhbHRzb21lc2FsdA$AAAAAA",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA$",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA=",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AA-_AAAAA",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAA ",
        /* too little memory for its lanes, a salt too short, a hash
         * whose base64 has nonzero unused bits or an impossible length:
         * libargon2 refuses them */
        "$argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAB",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAA",
        "$2b$99$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "$2b$03$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "$2b$32$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "$2b$1a$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "$2x$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "$2$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
        "$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
        "$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+",
        "$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$",
        "$2b$10abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
        "$5$rounds=5000$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF",
        "*0",
        "!",
        "password",
    };
    char *long_hash;
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(bad); i++) {
        jotd_err r = jotd_password_verify(bad[i], "password", 8);

        if (r != JOTD_ERR_INTERNAL)
            fail_msg("%s: expected %s, got %s", bad[i],
                     jotd_strerror(JOTD_ERR_INTERNAL), jotd_strerror(r));
        assert_int_equal(jotd_password_needs_rehash(NULL, bad[i]), 1);
    }
    assert_pw(JOTD_ERR_INTERNAL, jotd_password_verify(NULL, "password", 8));
    /* A string over JOTD_HASH_MAX is refused before it is looked at. */
    long_hash = password(4 * JOTD_HASH_MAX, 'A');
    memcpy(long_hash, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$",
           52);
    assert_pw(JOTD_ERR_INTERNAL, jotd_password_verify(long_hash, "pw", 2));
    free(long_hash);
}

/*
 * Every prefix of a valid hash either is refused or fails to match: a
 * truncated row never verifies.  Cheap parameters keep this fast.
 */
static void
test_truncated_hashes(void **state)
{
    char full[JOTD_HASH_MAX], cut[JOTD_HASH_MAX];
    size_t i, len;

    (void)state;
    phc_hash(64, 1, 1, "password", full, sizeof full);
    assert_pw(JOTD_OK, jotd_password_verify(full, "password", 8));
    len = strlen(full);
    for (i = 0; i < len; i++) {
        jotd_err r;

        memcpy(cut, full, i);
        cut[i] = '\0';
        r = jotd_password_verify(cut, "password", 8);
        if (r != JOTD_ERR_INTERNAL && r != JOTD_ERR_CREDENTIALS)
            fail_msg("%s: got %s", cut, jotd_strerror(r));
    }
    crypt_hash("$2b$", 4, "password", full, sizeof full);
    assert_pw(JOTD_OK, jotd_password_verify(full, "password", 8));
    len = strlen(full);
    for (i = 0; i < len; i++) {
        memcpy(cut, full, i);
        cut[i] = '\0';
        assert_pw(JOTD_ERR_INTERNAL, jotd_password_verify(cut, "password", 8));
    }
}

/* Other argon2id parameters, within the ceilings, still verify. */
static void
test_argon2_other_params(void **state)
{
    char h[JOTD_HASH_MAX];

    (void)state;
    phc_hash(256, 3, 2, "password", h, sizeof h);
    assert_pw(JOTD_OK, jotd_password_verify(h, "password", 8));
    assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, "Password", 8));
}

/*
 * The dummy verification runs the KDF of the configured algorithm: it
 * takes at least a quarter of a real verification's time.
 */
static void
test_dummy_verify(void **state)
{
    static const struct {
        enum jotd_hash alg;
        unsigned cost;
    } cases[] = {
        { JOTD_HASH_ARGON2ID, 12 },
        { JOTD_HASH_BCRYPT, 10 },
        { JOTD_HASH_BCRYPT, 11 },
    };
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        double t0, real, dummy;

        config(&cfg, cases[i].alg, cases[i].cost);
        assert_pw(JOTD_OK, jotd_password_hash(&cfg, "password", 8, h));
        t0 = now_ms();
        assert_pw(JOTD_ERR_CREDENTIALS, jotd_password_verify(h, "passw0rd", 8));
        real = now_ms() - t0;
        t0 = now_ms();
        jotd_password_dummy_verify(&cfg, "passw0rd", 8);
        dummy = now_ms() - t0;
        if (dummy < real / 4)
            fail_msg("case %zu: dummy %.2f ms, real %.2f ms", i, dummy,
                     real);
    }
    jotd_password_dummy_verify(NULL, "password", 8);
    jotd_password_dummy_verify(&cfg, NULL, 0);
}

struct worker {
    unsigned id;
    int ok;
};

static void *
hash_worker(void *arg)
{
    struct worker *w = arg;
    struct jotd_config cfg;
    char pw[32], h[JOTD_HASH_MAX];
    int n;

    config(&cfg, w->id % 2 ? JOTD_HASH_BCRYPT : JOTD_HASH_ARGON2ID, 10);
    n = snprintf(pw, sizeof pw, "password-%u", w->id);
    if (n < 0 || (size_t)n >= sizeof pw)
        return NULL;
    if (jotd_password_hash(&cfg, pw, (size_t)n, h) != JOTD_OK ||
        jotd_password_verify(h, pw, (size_t)n) != JOTD_OK ||
        jotd_password_verify(h, pw, (size_t)n - 1) != JOTD_ERR_CREDENTIALS)
        return NULL;
    w->ok = 1;
    return NULL;
}

/* No shared state: threads hash and verify at once. */
static void
test_threads(void **state)
{
    pthread_t th[4];
    struct worker w[4];
    unsigned i;

    (void)state;
    for (i = 0; i < 4; i++) {
        w[i].id = i;
        w[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, hash_worker, &w[i]),
                         0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].ok, 1);
    }
}

/* VmRSS of this process in KiB, from /proc/self/status. */
static long
rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

static void *
argon2_once(void *arg)
{
    struct worker *w = arg;
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX];

    config(&cfg, JOTD_HASH_ARGON2ID, 10);
    w->ok = jotd_password_hash(&cfg, "password", 8, h) == JOTD_OK &&
            jotd_password_verify(h, "password", 8) == JOTD_OK;
    return NULL;
}

/*
 * Each argon2id hash takes 19 MiB; once it is done the memory goes back
 * to the kernel.  Through malloc it did not: after glibc's first free of
 * such a block every thread kept one in its arena, and six threads that
 * had hashed once held over 100 MiB.  The threads run one after another,
 * and any one of them would add its whole area (the bound is under one).
 */
static void
test_argon2_memory_returned(void **state)
{
    struct worker w = { 0, 0 };
    pthread_t th;
    long before;
    unsigned i;

    (void)state;
    argon2_once(&w);                /* the first hash on this thread */
    assert_int_equal(w.ok, 1);
    before = rss_kib();
    for (i = 0; i < 6; i++) {
        w.ok = 0;
        assert_int_equal(pthread_create(&th, NULL, argon2_once, &w), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(w.ok, 1);
    }
    if (rss_kib() - before > 8 * 1024)
        fail_msg("VmRSS grew from %ld to %ld KiB over six argon2id hashes",
                 before, rss_kib());
}

/*
 * The bounded functions give their slot back on every path: with one
 * slot, a hash, a refused hash, a verification and a dummy one in a row
 * would wait forever if any kept it.
 */
static void
test_bounded(void **state)
{
    static struct jotd j;
    struct jotd_config cfg;
    char h[JOTD_HASH_MAX], refused[JOTD_HASH_MAX];
    int free_slots = -1;

    (void)state;
    config(&cfg, JOTD_HASH_BCRYPT, 10);
    jotd_hash_slots_init(&j, 1);
    assert_pw(JOTD_OK,
              jotd_password_hash_bounded(&j, &cfg, "password", 8, h));
    assert_pw(JOTD_ERR_PASSWORD_SHORT,
              jotd_password_hash_bounded(&j, &cfg, "short", 5, refused));
    assert_pw(JOTD_OK, jotd_password_verify_bounded(&j, h, "password", 8));
    assert_pw(JOTD_ERR_CREDENTIALS,
              jotd_password_verify_bounded(&j, h, "passw0rd", 8));
    jotd_password_dummy_verify_bounded(&j, &cfg, "password", 8);
    assert_int_equal(sem_getvalue(&j.hash_slots, &free_slots), 0);
    assert_int_equal(free_slots, 1);
    sem_destroy(&j.hash_slots);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argon2_round_trip),
        cmocka_unit_test(test_argon2_binary_password),
        cmocka_unit_test(test_bcrypt_round_trip),
        cmocka_unit_test(test_bcrypt_cost_floor),
        cmocka_unit_test(test_bcrypt_imported),
        cmocka_unit_test(test_length_limits),
        cmocka_unit_test(test_argon2_longest),
        cmocka_unit_test(test_bcrypt_72),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_bad_hashes),
        cmocka_unit_test(test_truncated_hashes),
        cmocka_unit_test(test_argon2_other_params),
        cmocka_unit_test(test_dummy_verify),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_argon2_memory_returned),
        cmocka_unit_test(test_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
