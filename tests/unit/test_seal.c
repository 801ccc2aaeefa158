/*
 * test_sealing.c - the server secret (sealing.h): creating and reusing the
 * secret file, refusing unsafe or short ones, HKDF-SHA256 against RFC
 * 5869 and an independent implementation, and AES-256-GCM sealing with
 * every tampered twin refused.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core/seal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SECRET_CAP 4096

/* A scratch directory per test, removed with what the tests put in it. */
struct scratch {
    char dir[64];
};

static int
setup(void **state)
{
    struct scratch *s = calloc(1, sizeof *s);

    if (s == NULL)
        return -1;
    memcpy(s->dir, "/tmp/jotd-secret-XXXXXX", 24);
    if (mkdtemp(s->dir) == NULL) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* Files and directories the tests may leave, deepest first. */
static const char *const leftovers[] = {
    "sub/deeper/secret", "sub/deeper", "sub/secret", "sub", "db/secret",
    "db", "data/secret", "data", "secret", "link", "target", "never",
};

static int
teardown(void **state)
{
    struct scratch *s = *state;
    char p[256];
    size_t i;

    for (i = 0; i < N_ELEMS(leftovers); i++) {
        int n = snprintf(p, sizeof p, "%s/%s", s->dir, leftovers[i]);

        if (n < 0 || (size_t)n >= sizeof p)
            return -1;
        if (unlink(p) != 0)
            (void)rmdir(p);
    }
    if (rmdir(s->dir) != 0)
        return -1;
    free(s);
    return 0;
}

static void
path_in(const struct scratch *s, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", s->dir, name);

    assert_true(n > 0 && (size_t)n < cap);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void
config_file(struct jotd_config *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    assert_true(strlen(path) < sizeof cfg->secret_file);
    memcpy(cfg->secret_file, path, strlen(path) + 1);
}

static void
test_create_and_reuse(void **state)
{
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char a[SECRET_CAP], b[SECRET_CAP];
    size_t a_len = 99, b_len = 99, file_len;
    char path[256], dir[256], err[256], *text;
    int created = 7;
    struct stat st;

    path_in(s, "sub/deeper/secret", path, sizeof path);
    path_in(s, "sub/deeper", dir, sizeof dir);
    config_file(&cfg, path);
    if (jotd_secret_load(&cfg, a, sizeof a, &a_len, &created, err,
                         sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(created, 1);
    /* base64url of 64 random octets */
    assert_int_equal(a_len, 86);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    text = tu_read_file(path, &file_len);
    assert_int_equal(file_len, a_len + 1);
    assert_memory_equal(text, a, a_len);
    assert_int_equal(text[a_len], '\n');
    free(text);

    if (jotd_secret_load(&cfg, b, sizeof b, &b_len, &created, err,
                         sizeof err) != 0)
        fail_msg("second load: %s", err);
    assert_int_equal(created, 0);
    tu_assert_bytes(a, a_len, b, b_len);
}

/* Without secret_file: beside the SQLite database, else data/secret. */
static void
test_default_paths(void **state)
{
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len;
    char path[256], cwd[1024], err[256];
    int created, n;
    struct stat st;

    memset(&cfg, 0, sizeof cfg);
    n = snprintf(cfg.db, sizeof cfg.db, "sqlite:%s/db/jot.db", s->dir);
    assert_true(n > 0 && (size_t)n < sizeof cfg.db);
    if (jotd_secret_load(&cfg, out, sizeof out, &out_len, &created, err,
                         sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(created, 1);
    path_in(s, "db/secret", path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(s->dir), 0);
    n = snprintf(cfg.db, sizeof cfg.db, "postgresql://jot@localhost/jot");
    assert_true(n > 0 && (size_t)n < sizeof cfg.db);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), 0);
    assert_int_equal(created, 1);
    assert_int_equal(stat("data/secret", &st), 0);
    n = snprintf(cfg.db, sizeof cfg.db, "sqlite:jot.db");
    assert_true(n > 0 && (size_t)n < sizeof cfg.db);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), 0);
    assert_int_equal(created, 1);
    assert_int_equal(stat("secret", &st), 0);
    assert_int_equal(chdir(cwd), 0);
}

/* Any group or other permission bit is refused; owner-only is fine. */
static void
test_permissions(void **state)
{
    static const struct {
        mode_t mode;
        int ok;
    } cases[] = {
        { 0600, 1 }, { 0400, 1 }, { 0700, 1 }, { 0640, 0 }, { 0604, 0 },
        { 0620, 0 }, { 0602, 0 }, { 0610, 0 }, { 0601, 0 }, { 0644, 0 },
    };
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len, i;
    char path[256], err[256];
    int created;

    path_in(s, "secret", path, sizeof path);
    config_file(&cfg, path);
    for (i = 0; i < N_ELEMS(cases); i++) {
        jotd_err r;

        (void)chmod(path, 0600);
        write_file(path, "0123456789abcdef0123456789abcdef\n",
                   cases[i].mode);
        err[0] = '\0';
        out_len = 99;
        r = jotd_secret_load(&cfg, out, sizeof out, &out_len, &created, err,
                             sizeof err);
        if (cases[i].ok) {
            if (r != 0)
                fail_msg("mode %03o: %s", (unsigned)cases[i].mode, err);
            assert_int_equal(out_len, 32);
        } else {
            if (r != JOTD_ERR_INVALID)
                fail_msg("mode %03o accepted", (unsigned)cases[i].mode);
            assert_int_equal(out_len, 0);
            assert_non_null(strstr(err, "chmod 600"));
            assert_non_null(strstr(err, path));
            /* the message never shows the secret */
            assert_null(strstr(err, "0123456789abcdef"));
        }
        assert_int_equal(created, 0);
    }
}

/*
 * The secret is the file's text less trailing whitespace, so an operator
 * may write their own; under 32 octets it is refused.
 */
static void
test_file_contents(void **state)
{
    static const struct {
        const char *text;
        const char *secret;     /* NULL: refused */
    } cases[] = {
        { "", NULL },
        { "\n", NULL },
        { "short\n", NULL },
        { "0123456789abcdef0123456789abcde\n", NULL },         /* 31 */
        { "0123456789abcdef0123456789abcde  \n\n\t", NULL },
        { "0123456789abcdef0123456789abcdef",
          "0123456789abcdef0123456789abcdef" },
        { "0123456789abcdef0123456789abcdef\r\n",
          "0123456789abcdef0123456789abcdef" },
        { "  my own long random text, with spaces inside  \n\n",
          "  my own long random text, with spaces inside" },
    };
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len, i;
    char path[256], err[256];
    int created;

    path_in(s, "secret", path, sizeof path);
    config_file(&cfg, path);
    for (i = 0; i < N_ELEMS(cases); i++) {
        jotd_err r;

        write_file(path, cases[i].text, 0600);
        err[0] = '\0';
        r = jotd_secret_load(&cfg, out, sizeof out, &out_len, &created, err,
                             sizeof err);
        if (cases[i].secret == NULL) {
            if (r != JOTD_ERR_INVALID)
                fail_msg("case %zu accepted", i);
            assert_non_null(strstr(err, "shorter than 32"));
            assert_int_equal(out_len, 0);
        } else {
            if (r != 0)
                fail_msg("case %zu: %s", i, err);
            tu_assert_bytes(cases[i].secret, strlen(cases[i].secret), out,
                            out_len);
        }
        assert_int_equal(created, 0);
    }
}

/* Files too large for the secret or the caller's buffer. */
static void
test_too_long(void **state)
{
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len;
    char path[256], err[256];
    char *big = malloc(SECRET_CAP + 2);
    int created;

    assert_non_null(big);
    memset(big, 'x', SECRET_CAP + 1);
    big[SECRET_CAP + 1] = '\0';
    path_in(s, "secret", path, sizeof path);
    config_file(&cfg, path);
    write_file(path, big, 0600);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
    free(big);
    write_file(path, "0123456789abcdef0123456789abcdef0123456789\n", 0600);
    assert_int_equal(jotd_secret_load(&cfg, out, 40, &out_len, &created, err,
                                      sizeof err), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_load(&cfg, out, 42, &out_len, &created, err,
                                      sizeof err), 0);
    assert_int_equal(out_len, 42);
    /* a new secret that does not fit is not left on disk */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(jotd_secret_load(&cfg, out, 40, &out_len, &created, err,
                                      sizeof err), JOTD_ERR_INVALID);
    assert_int_equal(access(path, F_OK), -1);
}

/* JOTD_SECRET wins: the file is neither read nor created. */
static void
test_config_secret_wins(void **state)
{
    static const char secret[] = "a secret of forty octets, from the env.";
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len;
    char path[256], err[256];
    int created;

    path_in(s, "never", path, sizeof path);
    config_file(&cfg, path);
    memcpy(cfg.secret, secret, sizeof secret);
    if (jotd_secret_load(&cfg, out, sizeof out, &out_len, &created, err,
                         sizeof err) != 0)
        fail_msg("load: %s", err);
    tu_assert_bytes(secret, sizeof secret - 1, out, out_len);
    assert_int_equal(created, 0);
    assert_int_equal(access(path, F_OK), -1);

    memcpy(cfg.secret, "too short", 10);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
    assert_int_equal(out_len, 0);
    assert_non_null(strstr(err, "shorter than 32"));
    assert_null(strstr(err, "too short"));
    assert_int_equal(access(path, F_OK), -1);
}

/*
 * A link where the file should be: creation never writes through it,
 * while an existing secret reached through a link is read.
 */
static void
test_links(void **state)
{
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len;
    char path[256], target[256], err[256];
    int created;

    path_in(s, "link", path, sizeof path);
    path_in(s, "target", target, sizeof target);
    assert_int_equal(symlink(target, path), 0);
    config_file(&cfg, path);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
    assert_int_equal(created, 0);
    assert_int_equal(access(target, F_OK), -1);

    write_file(target, "0123456789abcdef0123456789abcdef!\n", 0600);
    if (jotd_secret_load(&cfg, out, sizeof out, &out_len, &created, err,
                         sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(out_len, 33);
    assert_int_equal(chmod(target, 0644), 0);
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
}

/* A directory, or a path under a file, is an error with a message. */
static void
test_not_a_file(void **state)
{
    struct scratch *s = *state;
    struct jotd_config cfg;
    unsigned char out[SECRET_CAP];
    size_t out_len;
    char path[256], err[256];
    int created;

    path_in(s, "sub", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    config_file(&cfg, path);
    err[0] = '\0';
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
    assert_true(err[0] != '\0');

    path_in(s, "secret", path, sizeof path);
    write_file(path, "0123456789abcdef0123456789abcdef\n", 0600);
    path_in(s, "secret/below", path, sizeof path);
    config_file(&cfg, path);
    err[0] = '\0';
    assert_int_equal(jotd_secret_load(&cfg, out, sizeof out, &out_len,
                                      &created, err, sizeof err), JOTD_ERR_INVALID);
    assert_true(err[0] != '\0');
}

static void
hex(const char *h, unsigned char *out, size_t len)
{
    size_t n;
    unsigned char *b = tu_unhex(h, &n);

    assert_int_equal(n, len);
    memcpy(out, b, n);
    free(b);
}

/*
 * RFC 5869 A.3 (SHA-256, empty salt and info; the first 32 of its 42
 * octets), and the two labels in use over the secret 00 01 .. 3f as
 * computed by a separate HKDF (Python's hmac module).
 */
static void
test_derive_vectors(void **state)
{
    static const struct {
        size_t ikm_len;
        unsigned char ikm_byte;     /* 0xff: 00 01 02 ... */
        const char *label;
        const char *okm;
    } cases[] = {
        { 22, 0x0b, "",
          "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d" },
        { 64, 0xff, "jotd key sealing v1",
          "3ebe5d2c14e246f976c4bd8e8504bcf4c917b4037f8c0194b1d2983249bb3637" },
        { 64, 0xff, "jotd refresh hmac v1",
          "f73813125849a9a5c501a813c88c33228ac7cddd08dc4cb10817573ce54f3423" },
    };
    unsigned char ikm[64], want[JOTD_DERIVED_LEN], got[JOTD_DERIVED_LEN];
    size_t i, j;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++) {
        for (j = 0; j < cases[i].ikm_len; j++)
            ikm[j] = cases[i].ikm_byte == 0xff ? (unsigned char)j
                                               : cases[i].ikm_byte;
        hex(cases[i].okm, want, sizeof want);
        assert_int_equal(jotd_secret_derive(ikm, cases[i].ikm_len,
                                            cases[i].label, got), 0);
        tu_assert_bytes(want, sizeof want, got, sizeof got);
    }
}

static void
test_derive_separation(void **state)
{
    static const char secret[] = "0123456789abcdef0123456789abcdef";
    unsigned char a[JOTD_DERIVED_LEN], b[JOTD_DERIVED_LEN];
    unsigned char c[JOTD_DERIVED_LEN], d[JOTD_DERIVED_LEN];

    (void)state;
    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 32,
                                        "jotd key sealing v1", a), 0);
    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 32,
                                        "jotd key sealing v1", b), 0);
    tu_assert_bytes(a, sizeof a, b, sizeof b);
    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 32,
                                        "jotd refresh hmac v1", c), 0);
    assert_memory_not_equal(a, c, sizeof a);
    /* one more secret octet changes everything */
    assert_int_equal(jotd_secret_derive((const unsigned char *)"x" "0123456789"
                                        "abcdef0123456789abcdef", 33,
                                        "jotd key sealing v1", d), 0);
    assert_memory_not_equal(a, d, sizeof a);
    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 32,
                                        NULL, d), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_derive(NULL, 32, "label", d), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 0,
                                        "label", d), JOTD_ERR_INVALID);
}

static void
key_for(const char *label, unsigned char key[JOTD_DERIVED_LEN])
{
    static const char secret[] = "0123456789abcdef0123456789abcdef";

    assert_int_equal(jotd_secret_derive((const unsigned char *)secret, 32,
                                        label, key), 0);
}

static void
test_seal_round_trip(void **state)
{
    static const size_t lens[] = { 0, 1, 15, 16, 17, 100, 4000 };
    unsigned char key[JOTD_DERIVED_LEN], pt[4000], *got;
    char *a, *b;
    size_t i, got_len;

    (void)state;
    key_for("jotd key sealing v1", key);
    for (i = 0; i < sizeof pt; i++)
        pt[i] = (unsigned char)(i * 7);
    for (i = 0; i < N_ELEMS(lens); i++) {
        assert_int_equal(jotd_secret_seal(key, pt, lens[i], "kid-1", &a), 0);
        assert_non_null(a);
        /* nonce, ciphertext and tag in base64url */
        assert_int_equal(strlen(a),
                         jot_b64url_encoded_len(12 + lens[i] + 16));
        assert_int_equal(jotd_secret_open(key, a, "kid-1", &got, &got_len),
                         0);
        tu_assert_bytes(pt, lens[i], got, got_len);
        assert_int_equal(got[got_len], '\0');
        jot_wipe(got, got_len);
        free(got);
        /* a fresh nonce each time */
        assert_int_equal(jotd_secret_seal(key, pt, lens[i], "kid-1", &b), 0);
        assert_string_not_equal(a, b);
        free(a);
        free(b);
    }
    /* no aad is the empty aad */
    assert_int_equal(jotd_secret_seal(key, "x", 1, NULL, &a), 0);
    assert_int_equal(jotd_secret_open(key, a, "", &got, &got_len), 0);
    free(got);
    free(a);
}

static void
test_open_refuses(void **state)
{
    unsigned char key[JOTD_DERIVED_LEN], other[JOTD_DERIVED_LEN];
    unsigned char *got = (unsigned char *)"x", *blob;
    static const char msg[] = "private key material";
    char *sealed, *twin;
    size_t got_len = 99, blob_len, i, len;
    static const char *const junk[] = {
        "", "A", "AAAA", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };

    (void)state;
    key_for("jotd key sealing v1", key);
    key_for("jotd refresh hmac v1", other);
    assert_int_equal(jotd_secret_seal(key, msg, sizeof msg - 1, "kid-1",
                                      &sealed), 0);
    len = strlen(sealed);

    /* another key, another aad */
    assert_int_equal(jotd_secret_open(other, sealed, "kid-1", &got,
                                      &got_len), JOTD_ERR_INVALID);
    assert_null(got);
    assert_int_equal(got_len, 0);
    key[31] ^= 1;
    assert_int_equal(jotd_secret_open(key, sealed, "kid-1", &got, &got_len),
                     JOTD_ERR_INVALID);
    key[31] ^= 1;
    assert_int_equal(jotd_secret_open(key, sealed, "kid-2", &got, &got_len),
                     JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_open(key, sealed, "kid-1 ", &got,
                                      &got_len), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_open(key, sealed, "", &got, &got_len), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_open(key, sealed, NULL, &got, &got_len),
                     JOTD_ERR_INVALID);

    /* every bit of nonce, ciphertext and tag */
    tu_assert_err(JOT_OK, jot_b64url_decode_alloc(sealed, len, &blob,
                                                  &blob_len));
    for (i = 0; i < blob_len * 8; i++) {
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(blob, blob_len,
                                                      &twin));
        if (jotd_secret_open(key, twin, "kid-1", &got, &got_len) !=
            JOTD_ERR_INVALID)
            fail_msg("bit %zu flipped: opened", i);
        assert_null(got);
        jot_free(twin);
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
    }
    /* cut short, or longer */
    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(blob, blob_len - 1, &twin));
    assert_int_equal(jotd_secret_open(key, twin, "kid-1", &got, &got_len),
                     JOTD_ERR_INVALID);
    jot_free(twin);
    jot_free(blob);
    twin = malloc(len + 2);
    assert_non_null(twin);
    for (i = 0; i < len; i++) {
        memcpy(twin, sealed, i);
        twin[i] = '\0';
        if (jotd_secret_open(key, twin, "kid-1", &got, &got_len) !=
            JOTD_ERR_INVALID)
            fail_msg("cut to %zu: opened", i);
    }
    memcpy(twin, sealed, len);
    memcpy(twin + len, "A", 2);
    assert_int_equal(jotd_secret_open(key, twin, "kid-1", &got, &got_len),
                     JOTD_ERR_INVALID);
    free(twin);
    for (i = 0; i < N_ELEMS(junk); i++)
        assert_int_equal(jotd_secret_open(key, junk[i], "kid-1", &got,
                                          &got_len), JOTD_ERR_INVALID);
    assert_int_equal(jotd_secret_open(key, NULL, "kid-1", &got, &got_len),
                     JOTD_ERR_INVALID);
    /* the genuine one still opens */
    assert_int_equal(jotd_secret_open(key, sealed, "kid-1", &got, &got_len),
                     0);
    tu_assert_bytes(msg, sizeof msg - 1, got, got_len);
    jot_wipe(got, got_len);
    free(got);
    free(sealed);
}

/* Over the ceiling (1 MiB), nothing is sealed. */
static void
test_seal_limits(void **state)
{
    unsigned char key[JOTD_DERIVED_LEN];
    size_t big = (1u << 20) + 1;
    unsigned char *pt = calloc(1, big);
    char *out = (char *)"x";

    (void)state;
    assert_non_null(pt);
    key_for("jotd key sealing v1", key);
    assert_int_equal(jotd_secret_seal(key, pt, big, "kid", &out), JOTD_ERR_INVALID);
    assert_null(out);
    assert_int_equal(jotd_secret_seal(key, pt, big - 1, "kid", &out), 0);
    free(out);
    assert_int_equal(jotd_secret_seal(key, NULL, 5, "kid", &out), JOTD_ERR_INVALID);
    free(pt);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_reuse, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_default_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_secret_wins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_file, setup, teardown),
        cmocka_unit_test(test_derive_vectors),
        cmocka_unit_test(test_derive_separation),
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_open_refuses),
        cmocka_unit_test(test_seal_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
