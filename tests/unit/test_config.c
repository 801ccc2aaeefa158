/*
 * test_config.c - jotd's configuration: defaults, the file syntax, the
 * order of the sources (file < environment < flags), every key's checks,
 * the cross-key rules, printing with the secret masked, and the trusted
 * proxy networks.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core/config.h"

/* Every key, in the order jotd_config_print writes them. */
static const char *const all_keys[] = {
    "config", "listen", "db", "db_listen", "issuer", "audience",
    "default_client_id", "alg",
    "access_ttl", "refresh_ttl", "session_max_age", "refresh_reuse_grace",
    "refresh_cookie", "allowed_origins", "registration", "password_hash",
    "bcrypt_cost", "max_body", "threads", "max_connections_per_ip",
    "header_timeout", "hash_workers", "db_workers", "revocation_sync",
    "key_sync", "jwks_max_age", "leeway", "clock_skew", "audit_retention",
    "session_retention", "verify_cache", "login_max_failures",
    "login_window", "signup_max", "signup_window", "trusted_proxies",
    "tls_cert",
    "tls_key", "log_format", "metrics", "secret_file", "secret",
};
#define N_ALL (sizeof all_keys / sizeof all_keys[0])

static const char secret32[] = "0123456789abcdef0123456789ABCDEF";

static char tmpdir[PATH_MAX];
static char conf_path[PATH_MAX + 16];

/* snprintf that fails the test when the text does not fit. */
static void
fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(buf, len, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len)
        fail_msg("fmt: %d bytes do not fit in %zu", n, len);
}

/* JOTD_<KEY> for key. */
static void
env_name(const char *key, char *out, size_t out_len)
{
    size_t i;
    int n = snprintf(out, out_len, "JOTD_%s", key);

    assert_true(n > 0 && (size_t)n < out_len);
    for (i = 5; out[i] != '\0'; i++)
        out[i] = (char)(out[i] >= 'a' && out[i] <= 'z' ?
                        out[i] - 'a' + 'A' : out[i]);
}

/* Every test starts from an environment without JOTD_* settings. */
static int
clear_env(void **state)
{
    char name[64];
    size_t i;

    (void)state;
    for (i = 0; i < N_ALL; i++) {
        env_name(all_keys[i], name, sizeof name);
        unsetenv(name);
    }
    unsetenv("JOTD_UNKNOWN_THING");
    return 0;
}

static int
group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    int n;

    (void)state;
    n = snprintf(tmpdir, sizeof tmpdir, "%s/jotd-config-XXXXXX",
                 base != NULL && base[0] != '\0' ? base : "/tmp");
    if (n < 0 || (size_t)n >= sizeof tmpdir || mkdtemp(tmpdir) == NULL)
        return -1;
    n = snprintf(conf_path, sizeof conf_path, "%s/jotd.conf", tmpdir);
    if (n < 0 || (size_t)n >= sizeof conf_path)
        return -1;
    return 0;
}

static int
group_teardown(void **state)
{
    char other[PATH_MAX + 16];
    int n;

    (void)state;
    unlink(conf_path);
    n = snprintf(other, sizeof other, "%s/other.conf", tmpdir);
    if (n > 0 && (size_t)n < sizeof other)
        unlink(other);
    rmdir(tmpdir);
    return 0;
}

/* Writes len bytes of text (len 0: strlen) to path. */
static void
write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    if (len == 0)
        len = strlen(text);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* One call of jotd_config_load with its own copies of argv. */
struct run {
    struct jotd_config cfg;
    int argc;
    char *argv[32];
    char *rest[32];
    size_t n_rest;
    char err[512];
    jotd_err rc;
};

/* Loads with argv "jotd" followed by the NULL-terminated arguments. */
static struct run *
run_load(const char *arg, ...)
{
    struct run *r = calloc(1, sizeof *r);
    va_list ap;

    assert_non_null(r);
    r->argv[r->argc] = strdup("jotd");
    assert_non_null(r->argv[r->argc++]);
    va_start(ap, arg);
    for (; arg != NULL; arg = va_arg(ap, const char *)) {
        assert_true(r->argc < 31);
        r->argv[r->argc] = strdup(arg);
        assert_non_null(r->argv[r->argc++]);
    }
    va_end(ap);
    r->rc = jotd_config_load(&r->cfg, r->argc, r->argv, r->rest, &r->n_rest,
                             r->err, sizeof r->err);
    return r;
}

static void
run_free(struct run *r)
{
    int i;

    for (i = 0; i < r->argc; i++)
        free(r->argv[i]);
    free(r);
}

#define assert_load_ok(r)                                                 \
    do {                                                                  \
        if ((r)->rc != 0)                                                 \
            fail_msg("load failed: %s", (r)->err);                        \
    } while (0)

/* Cuts the next line off *p (in place); NULL at the end. */
static char *
next_line(char **p)
{
    char *line = *p, *nl;

    if (line == NULL || *line == '\0')
        return NULL;
    nl = strchr(line, '\n');
    if (nl != NULL)
        *nl++ = '\0';
    *p = nl;
    return line;
}

/* The whole printed configuration, in a new string. */
static char *
print_all(const struct jotd_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    jotd_config_print(cfg, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* The value printed for key, into out. */
static void
printed(const struct jotd_config *cfg, const char *key, char *out,
        size_t out_len)
{
    char *all = print_all(cfg), *line, *save = all;
    size_t klen = strlen(key);
    int found = 0;

    while ((line = next_line(&save)) != NULL) {
        if (strncmp(line, key, klen) == 0 &&
            strncmp(line + klen, " = ", 3) == 0) {
            int n = snprintf(out, out_len, "%s", line + klen + 3);

            assert_true(n >= 0 && (size_t)n < out_len);
            found = 1;
            break;
        }
    }
    free(all);
    if (!found)
        fail_msg("no line for %s", key);
}

#define assert_printed(cfg, key, want)                                    \
    do {                                                                  \
        char got_[1100];                                                  \
        printed((cfg), (key), got_, sizeof got_);                         \
        if (strcmp(got_, (want)) != 0)                                    \
            fail_msg("%s: expected '%s', got '%s'", (key), (want), got_); \
    } while (0)

/* Sets key = value on cfg; want_err NULL expects success. */
static void
check_set(struct jotd_config *cfg, const char *key, const char *value,
          const char *want_err)
{
    char err[512] = "";
    jotd_err rc = jotd_config_set(cfg, key, value, err, sizeof err);

    if (want_err == NULL && rc != 0)
        fail_msg("%s = '%s': unexpected error: %s", key, value, err);
    if (want_err != NULL && rc == 0)
        fail_msg("%s = '%s': accepted, expected: %s", key, value, want_err);
    if (want_err != NULL && strstr(err, want_err) == NULL)
        fail_msg("%s = '%s': expected an error with '%s', got '%s'", key,
                 value, want_err, err);
}

static void
defaults_finished(struct jotd_config *cfg)
{
    char err[256];

    jotd_config_defaults(cfg);
    if (jotd_config_finish(cfg, err, sizeof err) != 0)
        fail_msg("finish: %s", err);
}

/* --- defaults and printing ------------------------------------------------ */

static const char default_print[] =
    "config = \n"
    "listen = 127.0.0.1:8080\n"
    "db = sqlite:data/jot.db\n"
    "db_listen = \n"
    "issuer = http://127.0.0.1:8080\n"
    "audience = \n"
    "default_client_id = jot\n"
    "alg = ES256\n"
    "access_ttl = 900\n"
    "refresh_ttl = 1209600\n"
    "session_max_age = 7776000\n"
    "refresh_reuse_grace = 10\n"
    "refresh_cookie = on\n"
    "allowed_origins = \n"
    "registration = open\n"
    "password_hash = argon2id\n"
    "bcrypt_cost = 12\n"
    "max_body = 16384\n"
    "threads = 0\n"
    "max_connections_per_ip = 1024\n"
    "header_timeout = 20\n"
    "hash_workers = 0\n"
    "db_workers = 0\n"
    "revocation_sync = 2\n"
    "key_sync = 10\n"
    "jwks_max_age = 300\n"
    "leeway = 0\n"
    "clock_skew = 60\n"
    "audit_retention = 7776000\n"
    "session_retention = 2592000\n"
    "verify_cache = on\n"
    "login_max_failures = 5\n"
    "login_window = 900\n"
    "signup_max = 20\n"
    "signup_window = 3600\n"
    "trusted_proxies = \n"
    "tls_cert = \n"
    "tls_key = \n"
    "log_format = text\n"
    "metrics = on\n"
    "secret_file = \n"
    "secret = \n";

static void
test_defaults(void **state)
{
    struct jotd_config *cfg = calloc(1, sizeof *cfg);
    char *out;

    (void)state;
    assert_non_null(cfg);
    defaults_finished(cfg);
    assert_string_equal(cfg->listen_host, "127.0.0.1");
    assert_int_equal(cfg->listen_port, 8080);
    assert_string_equal(cfg->db, "sqlite:data/jot.db");
    assert_string_equal(cfg->issuer, "http://127.0.0.1:8080");
    assert_int_equal(cfg->n_audiences, 0);
    assert_int_equal(cfg->alg, JOT_ALG_ES256);
    assert_int_equal(cfg->access_ttl, 900);
    assert_int_equal(cfg->refresh_ttl, 1209600);
    assert_int_equal(cfg->session_max_age, 7776000);
    assert_true(cfg->refresh_reuse_grace == 10.0);
    assert_int_equal(cfg->refresh_cookie, 1);
    assert_int_equal(cfg->n_allowed_origins, 0);
    assert_int_equal(cfg->registration, JOTD_REG_OPEN);
    assert_int_equal(cfg->password_hash, JOTD_HASH_ARGON2ID);
    assert_int_equal(cfg->bcrypt_cost, 12);
    assert_int_equal(cfg->max_body, 16384);
    assert_int_equal(cfg->threads, 0);
    assert_int_equal(cfg->max_connections_per_ip, 1024);
    assert_int_equal(cfg->header_timeout, 20);
    assert_int_equal(cfg->hash_workers, 0);
    assert_int_equal(cfg->db_workers, 0);
    assert_int_equal(cfg->revocation_sync, 2);
    assert_int_equal(cfg->key_sync, 10);
    assert_int_equal(cfg->jwks_max_age, 300);
    assert_int_equal(cfg->leeway, 0);
    assert_int_equal(cfg->clock_skew, 60);
    assert_int_equal(cfg->audit_retention, 7776000);
    assert_int_equal(cfg->session_retention, 2592000);
    assert_int_equal(cfg->verify_cache, 1);
    assert_int_equal(cfg->login_max_failures, 5);
    assert_int_equal(cfg->login_window, 900);
    assert_int_equal(cfg->signup_max, 20);
    assert_int_equal(cfg->signup_window, 3600);
    assert_int_equal(cfg->n_trusted_proxies, 0);
    assert_string_equal(cfg->tls_cert, "");
    assert_string_equal(cfg->tls_key, "");
    assert_int_equal(cfg->log_format, JOTD_LOG_TEXT);
    assert_string_equal(cfg->secret_file, "");
    assert_string_equal(cfg->secret, "");
    assert_string_equal(cfg->config_file, "");
    out = print_all(cfg);
    assert_string_equal(out, default_print);
    free(out);
    free(cfg);
}

/* With no file, no environment and no flags, load gives the defaults. */
static void
test_load_nothing(void **state)
{
    struct run *r = run_load(NULL);
    char *out;

    (void)state;
    assert_load_ok(r);
    assert_int_equal(r->n_rest, 0);
    out = print_all(&r->cfg);
    assert_string_equal(out, default_print);
    free(out);
    run_free(r);
}

/* The secret is printed as ******** and never as itself. */
static void
test_print_masks_secret(void **state)
{
    struct run *r;
    char *out;

    (void)state;
    setenv("JOTD_SECRET", secret32, 1);
    r = run_load("--secret-file=/etc/jotd/secret", NULL);
    assert_load_ok(r);
    assert_string_equal(r->cfg.secret, secret32);
    out = print_all(&r->cfg);
    assert_null(strstr(out, secret32));
    assert_null(strstr(out, "0123456789"));
    assert_non_null(strstr(out, "\nsecret = ********\n"));
    assert_non_null(strstr(out, "\nsecret_file = /etc/jotd/secret\n"));
    free(out);
    run_free(r);
}

/* What print writes, less config and secret, loads back to the same. */
static void
test_print_round_trip(void **state)
{
    struct run *r1, *r2;
    char *out1, *out2, *p, *q;

    (void)state;
    r1 = run_load("--listen=[::1]:9443", "--audience= api , web ",
                  "--alg=EdDSA", "--refresh-reuse-grace=0.25",
                  "--refresh-cookie=false",
                  "--allowed-origins=https://a.example,http://b:81",
                  "--registration=admin", "--password-hash=bcrypt",
                  "--trusted-proxies=10.0.0.0/8, ::1",
                  "--tls-cert=#c d.pem", "--tls-key= /k #1.pem",
                  "--log-format=json", "--threads=4", "--leeway=30", NULL);
    assert_load_ok(r1);
    assert_string_equal(r1->cfg.issuer, "https://[::1]:9443");
    out1 = print_all(&r1->cfg);
    /* Drop the first line (config) and the last (secret). */
    p = strchr(out1, '\n') + 1;
    q = strstr(out1, "secret = \n");
    assert_non_null(q);
    write_file(conf_path, p, (size_t)(q - p));
    r2 = run_load("--config", conf_path, NULL);
    assert_load_ok(r2);
    out2 = print_all(&r2->cfg);
    assert_string_equal(strchr(out2, '\n'), strchr(out1, '\n'));
    assert_string_equal(r2->cfg.tls_key, " /k #1.pem");
    free(out1);
    free(out2);
    run_free(r1);
    run_free(r2);
}

/* --- the file ------------------------------------------------------------- */

static void
test_file_syntax(void **state)
{
    static const char text[] =
        "\xef\xbb\xbf# jotd test configuration\n"
        "\n"
        "   \t\n"
        "   # an indented comment\n"
        "listen = 0.0.0.0:9090\r\n"
        "  db=sqlite:/var/lib/jotd/jot.db\n"
        "issuer = \"https://auth.example.com\"   # quoted, then a comment\n"
        "audience = \"api, web\"\n"
        "access_ttl\t=\t600   # ten minutes\n"
        "refresh_ttl = 600\n"
        "refresh_ttl = 3600\n"
        "log_format=json\n"
        "tls_cert = \"/path with spaces/cert.pem\"\n"
        "tls_key = /k#ey.pem\n"
        "secret_file = \"  padded #x  \"\n"
        "allowed_origins =   # none\n"
        "trusted_proxies = \"\"\n";
    struct run *r;

    (void)state;
    write_file(conf_path, text, 0);
    r = run_load("--config=", NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err, "--config: config: empty path");
    run_free(r);

    r = run_load("--config", conf_path, NULL);
    assert_load_ok(r);
    assert_string_equal(r->cfg.config_file, conf_path);
    assert_string_equal(r->cfg.listen_host, "0.0.0.0");
    assert_int_equal(r->cfg.listen_port, 9090);
    assert_string_equal(r->cfg.db, "sqlite:/var/lib/jotd/jot.db");
    assert_string_equal(r->cfg.issuer, "https://auth.example.com");
    assert_int_equal(r->cfg.n_audiences, 2);
    assert_string_equal(r->cfg.audiences[0], "api");
    assert_string_equal(r->cfg.audiences[1], "web");
    assert_int_equal(r->cfg.access_ttl, 600);
    assert_int_equal(r->cfg.refresh_ttl, 3600);     /* the last one wins */
    assert_int_equal(r->cfg.log_format, JOTD_LOG_JSON);
    assert_string_equal(r->cfg.tls_cert, "/path with spaces/cert.pem");
    assert_string_equal(r->cfg.tls_key, "/k#ey.pem");
    assert_string_equal(r->cfg.secret_file, "  padded #x  ");
    assert_int_equal(r->cfg.n_allowed_origins, 0);
    assert_int_equal(r->cfg.n_trusted_proxies, 0);
    run_free(r);
}

struct file_case {
    const char *text;
    size_t len;             /* 0: strlen */
    const char *want;       /* the message after "PATH:" */
};

static void
test_file_errors(void **state)
{
    static char long_line[5000];
    static const struct file_case cases[] = {
        {"listen = 1.2.3.4:80\nfoo = 1\n", 0, "2: unknown key 'foo'"},
        {"Access_TTL = 5\n", 0, "1: unknown key 'Access_TTL'"},
        {"\n# c\nsecret = abc\n", 0,
         "3: secret must not be set in a configuration file; "
         "use JOTD_SECRET or secret_file"},
        {"config = /etc/other.conf\n", 0,
         "1: config cannot be set in a configuration file"},
        {"access_ttl\n", 0, "1: expected key = value"},
        {"  = 5\n", 0, "1: expected key = value"},
        {"issuer = \"https://a.example\n", 0,
         "1: issuer: unterminated quote"},
        {"issuer = \"https://a.example\" x\n", 0,
         "1: issuer: text after the closing quote"},
        {"access_ttl = abc\n", 0, "1: access_ttl: not a number: 'abc'"},
        {"access_ttl = 0\n", 0,
         "1: access_ttl: out of range 1..86400: '0'"},
        {"clock_skew = 3601\n", 0,
         "1: clock_skew: out of range 0..3600: '3601'"},
        {"clock_skew = -1\n", 0,
         "1: clock_skew: out of range 0..3600: '-1'"},
        {"audit_retention = 59\n", 0,
         "1: audit_retention: out of range 60..315360000: '59'"},
        {"session_retention = 315360001\n", 0,
         "1: session_retention: out of range 60..315360000: '315360001'"},
        {"alg = HS257\n", 0, "1: alg: unknown algorithm 'HS257'"},
        {"registration = closed\n", 0,
         "1: registration: must be open, admin or off"},
        {"a\0b = 1\n", 8, "1: NUL byte in line"},
        {long_line, 0, "1: line longer than 4096 bytes"},
    };
    char want[PATH_MAX + 600];
    size_t i;

    (void)state;
    memset(long_line, 'x', sizeof long_line - 2);
    memcpy(long_line, "db = ", 5);
    long_line[sizeof long_line - 2] = '\n';
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run *r;
        int n;

        write_file(conf_path, cases[i].text, cases[i].len);
        setenv("JOTD_CONFIG", conf_path, 1);
        r = run_load(NULL);
        n = snprintf(want, sizeof want, "%s:%s", conf_path, cases[i].want);
        assert_true(n > 0 && (size_t)n < sizeof want);
        if (r->rc != JOTD_ERR_INVALID || strcmp(r->err, want) != 0)
            fail_msg("case %zu: expected '%s', got %d '%s'", i, want, r->rc,
                     r->err);
        run_free(r);
    }
}

/* A file that was named must be read. */
static void
test_file_unreadable(void **state)
{
    char missing[PATH_MAX + 32], want[PATH_MAX + 100];
    struct run *r;
    int n;

    (void)state;
    n = snprintf(missing, sizeof missing, "%s/missing.conf", tmpdir);
    assert_true(n > 0 && (size_t)n < sizeof missing);
    r = run_load("--config", missing, NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    n = snprintf(want, sizeof want, "%s: cannot open: %s", missing,
                 strerror(ENOENT));
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_string_equal(r->err, want);
    run_free(r);

    /* A directory opens but cannot be read. */
    r = run_load("--config", tmpdir, NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_non_null(strstr(r->err, "cannot read"));
    run_free(r);
}

/*
 * jotd.conf.example lists every key the file may set, once, with its
 * default: with each "#key = ..." line uncommented it loads to exactly
 * the defaults.
 */
static void
test_example_file(void **state)
{
    FILE *f = fopen("jotd.conf.example", "r");
    char *text, *line, *save, *out = NULL, *got;
    size_t out_len = 0, i, seen[N_ALL] = {0};
    FILE *o;
    struct run *r;

    (void)state;
    if (f == NULL)
        skip();                 /* not run from the top of the tree */
    fclose(f);
    text = tu_read_file("jotd.conf.example", NULL);
    save = text;
    o = open_memstream(&out, &out_len);
    assert_non_null(o);
    while ((line = next_line(&save)) != NULL) {
        for (i = 0; i < N_ALL; i++) {
            size_t n = strlen(all_keys[i]);

            if (line[0] == '#' && strncmp(line + 1, all_keys[i], n) == 0 &&
                strncmp(line + 1 + n, " = ", 3) == 0) {
                seen[i]++;
                line++;
                break;
            }
        }
        fprintf(o, "%s\n", line);
    }
    assert_int_equal(fclose(o), 0);
    for (i = 0; i < N_ALL; i++) {
        int file_key = strcmp(all_keys[i], "config") != 0 &&
                       strcmp(all_keys[i], "secret") != 0;

        if (seen[i] != (file_key ? 1u : 0u))
            fail_msg("%s: listed %zu times", all_keys[i], seen[i]);
    }
    write_file(conf_path, out, out_len);
    r = run_load("--config", conf_path, NULL);
    assert_load_ok(r);
    got = print_all(&r->cfg);
    assert_string_equal(strchr(got, '\n'), strchr(default_print, '\n'));
    free(got);
    run_free(r);
    free(out);
    free(text);
}

/* --- the order of the sources --------------------------------------------- */

static void
test_precedence(void **state)
{
    char other[PATH_MAX + 32];
    struct run *r;
    int n;

    (void)state;
    write_file(conf_path,
               "access_ttl = 100\nrefresh_ttl = 1000\nleeway = 5\n"
               "key_sync = 20\n", 0);
    n = snprintf(other, sizeof other, "%s/other.conf", tmpdir);
    assert_true(n > 0 && (size_t)n < sizeof other);
    write_file(other, "access_ttl = 111\n", 0);

    /* The file over the defaults. */
    setenv("JOTD_CONFIG", conf_path, 1);
    r = run_load(NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.access_ttl, 100);
    assert_int_equal(r->cfg.leeway, 5);
    assert_string_equal(r->cfg.config_file, conf_path);
    run_free(r);

    /* The environment over the file; unknown JOTD_* are ignored. */
    setenv("JOTD_ACCESS_TTL", "200", 1);
    setenv("JOTD_LEEWAY", "6", 1);
    setenv("JOTD_UNKNOWN_THING", "1", 1);
    r = run_load(NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.access_ttl, 200);
    assert_int_equal(r->cfg.leeway, 6);
    assert_int_equal(r->cfg.refresh_ttl, 1000);
    assert_int_equal(r->cfg.key_sync, 20);
    run_free(r);

    /* Flags over the environment, in both spellings and both forms. */
    r = run_load("--access-ttl=300", "--leeway", "7", "--key_sync=30", NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.access_ttl, 300);
    assert_int_equal(r->cfg.leeway, 7);
    assert_int_equal(r->cfg.key_sync, 30);
    assert_int_equal(r->cfg.refresh_ttl, 1000);
    run_free(r);

    /* The last flag wins. */
    r = run_load("--leeway=8", "--leeway=9", NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.leeway, 9);
    run_free(r);

    /* --config over JOTD_CONFIG, wherever it is on the line. */
    unsetenv("JOTD_ACCESS_TTL");
    r = run_load("--leeway=1", "--config", other, NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.access_ttl, 111);
    assert_int_equal(r->cfg.refresh_ttl, 1209600);
    assert_string_equal(r->cfg.config_file, other);
    run_free(r);
}

static void
test_source_errors(void **state)
{
    struct run *r;

    (void)state;
    setenv("JOTD_ACCESS_TTL", "abc", 1);
    r = run_load(NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err,
                        "JOTD_ACCESS_TTL: access_ttl: not a number: 'abc'");
    run_free(r);
    /* A flag does not save a bad environment: every source is checked. */
    r = run_load("--access-ttl=5", NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    run_free(r);
    unsetenv("JOTD_ACCESS_TTL");

    r = run_load("--access-ttl=abc", NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err,
                        "--access-ttl: access_ttl: not a number: 'abc'");
    run_free(r);

    r = run_load("serve", "--access_ttl", NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err, "--access_ttl: missing value");
    run_free(r);

    setenv("JOTD_CONFIG", "", 1);
    r = run_load(NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err, "JOTD_CONFIG: config: empty path");
    run_free(r);
}

/* Positional arguments and flags that are not keys go to rest, in order. */
static void
test_rest(void **state)
{
    static const char *const want[] = {
        "serve", "--print-config", "-v", "--role", "x", "--help",
        "--version", "--leeway=4", "y", "--listen", "--foo=bar",
    };
    struct run *r;
    size_t i;

    (void)state;
    r = run_load("serve", "--print-config", "--listen", "127.0.0.1:9",
                 "-v", "--role", "x", "--help", "--version", "--leeway=3",
                 "--", "--leeway=4", "y", "--listen", "--foo=bar", NULL);
    assert_load_ok(r);
    assert_int_equal(r->cfg.leeway, 3);
    assert_int_equal(r->cfg.listen_port, 9);
    assert_int_equal(r->n_rest, sizeof want / sizeof want[0]);
    for (i = 0; i < r->n_rest; i++)
        assert_string_equal(r->rest[i], want[i]);
    assert_ptr_equal(r->rest[0], r->argv[1]);       /* argv's own strings */
    run_free(r);
}

/* --- the secret ----------------------------------------------------------- */

/*
 * A flag that is neither a key nor one of jotd's words is an error
 * naming it, wherever it stands: a mistyped "--acess_ttl=5" that ran
 * with the default lifetime would be a silent security problem.
 */
static void
test_unknown_flag(void **state)
{
    static const struct {
        const char *args[4];
        const char *named;
    } cases[] = {
        {{"serve", "--acess_ttl=5"}, "'--acess_ttl'"},
        {{"--print-config", "--bogus=1"}, "'--bogus'"},
        {{"--bogus"}, "'--bogus'"},
        {{"user", "add", "--bogus"}, "'--bogus'"},
        {{"user", "add", "alice", "--trusted-proxy=10.0.0.0/8"},
         "'--trusted-proxy'"},
        {{"--help=1"}, "'--help'"},
        {{"--print-config", "--role=admin"}, "'--role'"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *a = cases[i].args;
        struct run *r = run_load(a[0], a[1], a[2], a[3], NULL);

        if (r->rc == 0)
            fail_msg("case %zu (%s %s): loaded, want an error naming %s",
                     i, a[0], a[1] ? a[1] : "", cases[i].named);
        if (strstr(r->err, cases[i].named) == NULL ||
            strstr(r->err, "unknown option") == NULL)
            fail_msg("case %zu: want \"unknown option %s\", got \"%s\"",
                     i, cases[i].named, r->err);
        run_free(r);
    }
}

static void
test_secret(void **state)
{
    char long_secret[300];
    struct jotd_config *cfg = calloc(1, sizeof *cfg);
    struct run *r;

    (void)state;
    assert_non_null(cfg);
    jotd_config_defaults(cfg);
    check_set(cfg, "secret", secret32,
              "secret must not be set in a configuration file; "
              "use JOTD_SECRET or secret_file");
    check_set(cfg, "config", "/x", "config cannot be set");
    free(cfg);

    /* 31 bytes are too few, 32 enough. */
    r = run_load("--secret", "0123456789abcdef0123456789ABCDE", NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err, "secret: must be at least 32 bytes");
    run_free(r);
    setenv("JOTD_SECRET", "short", 1);
    r = run_load(NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_null(strstr(r->err, "short"));
    run_free(r);
    r = run_load("--secret", secret32, NULL);       /* the flag wins */
    assert_load_ok(r);
    assert_string_equal(r->cfg.secret, secret32);
    run_free(r);

    /* Too long: the message does not repeat it. */
    memset(long_secret, 'S', sizeof long_secret - 1);
    long_secret[sizeof long_secret - 1] = '\0';
    setenv("JOTD_SECRET", long_secret, 1);
    r = run_load(NULL);
    assert_int_equal(r->rc, JOTD_ERR_INVALID);
    assert_string_equal(r->err, "JOTD_SECRET: secret: longer than 255 bytes");
    run_free(r);
}

/* --- numbers -------------------------------------------------------------- */

struct range {
    const char *key;
    long long min, max;
};

static const struct range ranges[] = {
    {"access_ttl", 1, 86400},
    {"refresh_ttl", 1, 315360000},
    {"session_max_age", 1, 315360000},
    {"bcrypt_cost", 10, 15},
    {"max_body", 1024, 1048576},
    {"threads", 0, 256},
    {"max_connections_per_ip", 0, 100000},
    {"header_timeout", 1, 3600},
    {"hash_workers", 0, 64},
    {"db_workers", 0, 256},
    {"revocation_sync", 1, 60},
    {"key_sync", 1, 3600},
    {"jwks_max_age", 0, 86400},
    {"leeway", 0, 300},
    {"login_max_failures", 1, 1000},
    {"login_window", 1, 86400},
    {"signup_max", 0, 100000},
    {"signup_window", 1, 86400},
};

static void
test_numeric_ranges(void **state)
{
    static const char *const junk[] = {
        "abc", "", " 5", "5 ", "+5", "0x10", "1e3", "12abc", "5.0", "--5",
        "-", "1 2",
    };
    static const char *const huge[] = {
        "99999999999999999999", "-99999999999999999999",
        "9223372036854775808", "18446744073709551616",
    };
    struct jotd_config *cfg = calloc(1, sizeof *cfg);
    char v[32], msg[128], last[32];
    size_t i, j;

    (void)state;
    assert_non_null(cfg);
    jotd_config_defaults(cfg);
    for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const struct range *rg = &ranges[i];

        fmt(v, sizeof v, "%lld", rg->min);
        check_set(cfg, rg->key, v, NULL);
        assert_printed(cfg, rg->key, v);
        fmt(v, sizeof v, "%lld", rg->max);
        check_set(cfg, rg->key, v, NULL);
        assert_printed(cfg, rg->key, v);
        memcpy(last, v, sizeof v);

        fmt(v, sizeof v, "%lld", rg->min - 1);
        fmt(msg, sizeof msg, "%s: out of range %lld..%lld: '%s'",
            rg->key, rg->min, rg->max, v);
        check_set(cfg, rg->key, v, msg);
        fmt(v, sizeof v, "%lld", rg->max + 1);
        fmt(msg, sizeof msg, "%s: out of range %lld..%lld: '%s'",
            rg->key, rg->min, rg->max, v);
        check_set(cfg, rg->key, v, msg);
        for (j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            fmt(msg, sizeof msg, "%s: not a number: '%s'", rg->key,
                junk[j]);
            check_set(cfg, rg->key, junk[j], msg);
        }
        for (j = 0; j < sizeof huge / sizeof huge[0]; j++)
            check_set(cfg, rg->key, huge[j], "out of range");
        /* A value that failed leaves the last good one. */
        assert_printed(cfg, rg->key, last);
    }
    /* Leading zeros are still decimal. */
    check_set(cfg, "leeway", "010", NULL);
    assert_int_equal(cfg->leeway, 10);
    free(cfg);
}

static void
test_reuse_grace(void **state)
{
    static const struct {
        const char *in;
        const char *printed;    /* NULL: an error */
        double value;
    } cases[] = {
        {"0", "0", 0.0}, {"10", "10", 10.0}, {"0.5", "0.5", 0.5},
        {"0.25", "0.25", 0.25}, {"300", "300", 300.0},
        {"300.0", "300", 300.0}, {"299.999999", "299.999999", 299.999999},
        {"0.000001", "0.000001", 0.000001}, {"007.50", "7.5", 7.5},
        {"300.000001", NULL, 0}, {"301", NULL, 0}, {"-1", NULL, 0},
        {"0.0000001", NULL, 0}, {".5", NULL, 0}, {"1.", NULL, 0},
        {"1e3", NULL, 0}, {"inf", NULL, 0}, {"nan", NULL, 0},
        {"0x1p3", NULL, 0}, {"", NULL, 0}, {"1,5", NULL, 0},
        {"1.2.3", NULL, 0}, {"99999999999999999999", NULL, 0},
    };
    struct jotd_config cfg;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "refresh_reuse_grace", cases[i].in,
                  cases[i].printed == NULL ? "refresh_reuse_grace: " : NULL);
        if (cases[i].printed == NULL) {
            assert_true(cfg.refresh_reuse_grace == 10.0);
            continue;
        }
        assert_printed(&cfg, "refresh_reuse_grace", cases[i].printed);
        if (cfg.refresh_reuse_grace < cases[i].value - 1e-9 ||
            cfg.refresh_reuse_grace > cases[i].value + 1e-9)
            fail_msg("%s: got %f", cases[i].in, cfg.refresh_reuse_grace);
    }
}

/* --- enumerations --------------------------------------------------------- */

static void
test_enums(void **state)
{
    static const struct {
        const char *key, *in;
        const char *printed;    /* NULL: an error */
    } cases[] = {
        {"refresh_cookie", "on", "on"}, {"refresh_cookie", "off", "off"},
        {"refresh_cookie", "true", "on"}, {"refresh_cookie", "false", "off"},
        {"refresh_cookie", "1", "on"}, {"refresh_cookie", "0", "off"},
        {"refresh_cookie", "ON", "on"}, {"refresh_cookie", "yes", NULL},
        {"refresh_cookie", "", NULL}, {"refresh_cookie", "2", NULL},
        {"verify_cache", "off", "off"}, {"verify_cache", "TRUE", "on"},
        {"verify_cache", "no", NULL},
        {"registration", "open", "open"}, {"registration", "admin", "admin"},
        {"registration", "off", "off"}, {"registration", "closed", NULL},
        {"registration", "", NULL},
        {"password_hash", "argon2id", "argon2id"},
        {"password_hash", "bcrypt", "bcrypt"},
        {"password_hash", "argon2", NULL}, {"password_hash", "md5", NULL},
        {"log_format", "text", "text"}, {"log_format", "json", "json"},
        {"log_format", "JSON", "json"}, {"log_format", "xml", NULL},
    };
    struct jotd_config cfg;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, cases[i].key, cases[i].in,
                  cases[i].printed == NULL ? cases[i].key : NULL);
        if (cases[i].printed != NULL)
            assert_printed(&cfg, cases[i].key, cases[i].printed);
    }
    jotd_config_defaults(&cfg);
    check_set(&cfg, "registration", "x", "registration: must be open, "
              "admin or off");
    check_set(&cfg, "password_hash", "x", "password_hash: must be argon2id "
              "or bcrypt");
    check_set(&cfg, "log_format", "x", "log_format: must be text or json");
    check_set(&cfg, "refresh_cookie", "x", "refresh_cookie: must be on or "
              "off");
    check_set(&cfg, "registration", "admin", NULL);
    assert_int_equal(cfg.registration, JOTD_REG_ADMIN);
    check_set(&cfg, "password_hash", "bcrypt", NULL);
    assert_int_equal(cfg.password_hash, JOTD_HASH_BCRYPT);
    check_set(&cfg, "refresh_cookie", "off", NULL);
    assert_int_equal(cfg.refresh_cookie, 0);
}

static void
test_alg(void **state)
{
    static const struct {
        const char *name;
        jot_alg alg;
    } good[] = {
        {"HS256", JOT_ALG_HS256}, {"HS384", JOT_ALG_HS384},
        {"HS512", JOT_ALG_HS512}, {"RS256", JOT_ALG_RS256},
        {"RS384", JOT_ALG_RS384}, {"RS512", JOT_ALG_RS512},
        {"PS256", JOT_ALG_PS256}, {"PS384", JOT_ALG_PS384},
        {"PS512", JOT_ALG_PS512}, {"ES256", JOT_ALG_ES256},
        {"ES384", JOT_ALG_ES384}, {"ES512", JOT_ALG_ES512},
        {"EdDSA", JOT_ALG_EDDSA},
    };
    static const char *const bad[] = {
        "none", "None", "es256", "ES257", "", "ES256 ", "Ed25519",
    };
    struct jotd_config cfg;
    char msg[64];
    size_t i;

    (void)state;
    jotd_config_defaults(&cfg);
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        check_set(&cfg, "alg", good[i].name, NULL);
        assert_int_equal(cfg.alg, good[i].alg);
        assert_printed(&cfg, "alg", good[i].name);
    }
    check_set(&cfg, "alg", "HS257", "alg: unknown algorithm 'HS257'");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fmt(msg, sizeof msg, "alg: unknown algorithm '%s'", bad[i]);
        check_set(&cfg, "alg", bad[i], msg);
    }
    assert_int_equal(cfg.alg, JOT_ALG_EDDSA);
}

/* --- listen and issuer ---------------------------------------------------- */

static void
test_listen(void **state)
{
    static const struct {
        const char *in, *host;      /* host NULL: an error */
        unsigned port;
        const char *issuer;
    } cases[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080, "http://127.0.0.1:8080"},
        {"[::1]:8080", "::1", 8080, "http://[::1]:8080"},
        {"[::]:1", "::", 1, "http://[::]:1"},
        {"0.0.0.0:65535", "0.0.0.0", 65535, "http://0.0.0.0:65535"},
        {"localhost:3000", "localhost", 3000, "http://localhost:3000"},
        {"auth-1.example.com:443", "auth-1.example.com", 443,
         "http://auth-1.example.com:443"},
        {"127.0.0.1:0", NULL, 0, NULL},
        {"127.0.0.1:65536", NULL, 0, NULL},
        {"127.0.0.1:x", NULL, 0, NULL},
        {"127.0.0.1:", NULL, 0, NULL},
        {"127.0.0.1:-1", NULL, 0, NULL},
        {"127.0.0.1:80x", NULL, 0, NULL},
        {"127.0.0.1: 80", NULL, 0, NULL},
        {"127.0.0.1", NULL, 0, NULL},
        {":8080", NULL, 0, NULL},
        {"::1:8080", NULL, 0, NULL},
        {"[::1]8080", NULL, 0, NULL},
        {"[::1]", NULL, 0, NULL},
        {"[::1]:0", NULL, 0, NULL},
        {"[zz]:80", NULL, 0, NULL},
        {"[127.0.0.1]:80", NULL, 0, NULL},
        {"a b:80", NULL, 0, NULL},
        {"a/b:80", NULL, 0, NULL},
        {"", NULL, 0, NULL},
    };
    struct jotd_config cfg;
    char err[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "listen", cases[i].in,
                  cases[i].host == NULL ? "listen: " : NULL);
        if (cases[i].host == NULL) {
            assert_string_equal(cfg.listen_host, "127.0.0.1");
            assert_int_equal(cfg.listen_port, 8080);
            continue;
        }
        assert_string_equal(cfg.listen_host, cases[i].host);
        assert_int_equal(cfg.listen_port, cases[i].port);
        assert_printed(&cfg, "listen", cases[i].in);
        assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
        assert_string_equal(cfg.issuer, cases[i].issuer);
    }
    jotd_config_defaults(&cfg);
    check_set(&cfg, "listen", "::1:8080", "brackets");
}

/* metrics: on, off, or an address of the listen syntax. */
static void
test_metrics_key(void **state)
{
    static const struct {
        const char *in;
        enum jotd_metrics_mode mode;
        const char *host;           /* NULL: an error */
        unsigned port;
    } cases[] = {
        {"on", JOTD_METRICS_ON, "", 0},
        {"off", JOTD_METRICS_OFF, "", 0},
        {"127.0.0.1:9100", JOTD_METRICS_ADDR, "127.0.0.1", 9100},
        {"[::1]:9100", JOTD_METRICS_ADDR, "::1", 9100},
        {"ON", 0, NULL, 0},
        {"yes", 0, NULL, 0},
        {"", 0, NULL, 0},
        {"127.0.0.1", 0, NULL, 0},
        {"127.0.0.1:0", 0, NULL, 0},
        {"::1:9100", 0, NULL, 0},
    };
    struct jotd_config cfg;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "metrics", cases[i].in,
                  cases[i].host == NULL ? "metrics: " : NULL);
        if (cases[i].host == NULL) {
            assert_int_equal(cfg.metrics, JOTD_METRICS_ON);
            continue;
        }
        assert_int_equal(cfg.metrics, cases[i].mode);
        assert_string_equal(cfg.metrics_host, cases[i].host);
        assert_int_equal(cfg.metrics_port, cases[i].port);
        assert_printed(&cfg, "metrics", cases[i].in);
    }
}

static void
test_issuer(void **state)
{
    static const char *const good[] = {
        "https://auth.example.com", "http://localhost:8080",
        "https://example.com/tenant/1", "https://[::1]:8443",
    };
    static const char *const bad[] = {
        "auth.example.com", "ftp://auth.example.com", "https://",
        "https:///path", "https://a.example?x=1", "https://a.example#f",
        "https://a example", "HTTPS://a.example",
    };
    struct jotd_config cfg;
    char err[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "issuer", good[i], NULL);
        assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
        assert_string_equal(cfg.issuer, good[i]);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "issuer", bad[i], "issuer: ");
        assert_string_equal(cfg.issuer, "");
    }
    /* Empty means: derive it from listen, https when serving TLS. */
    jotd_config_defaults(&cfg);
    check_set(&cfg, "issuer", "https://x.example", NULL);
    check_set(&cfg, "issuer", "", NULL);
    check_set(&cfg, "listen", "[::1]:9000", NULL);
    check_set(&cfg, "tls_cert", "/c.pem", NULL);
    check_set(&cfg, "tls_key", "/k.pem", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
    assert_string_equal(cfg.issuer, "https://[::1]:9000");
    /* Finishing twice keeps the issuer. */
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
    assert_string_equal(cfg.issuer, "https://[::1]:9000");
}

static void
test_db(void **state)
{
    static const char *const good[] = {
        "sqlite:data/jot.db", "sqlite:/var/lib/jotd/jot.db",
        "postgresql://jot:pw@db.example/jot", "postgres://localhost/jot",
    };
    static const char *const bad[] = {
        "", "sqlite:", "data/jot.db", "mysql://x", "SQLITE:x",
    };
    struct jotd_config cfg;
    char err[256];
    size_t i;

    (void)state;
    jotd_config_defaults(&cfg);
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        check_set(&cfg, "db", good[i], NULL);
        assert_string_equal(cfg.db, good[i]);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_set(&cfg, "db", bad[i], "db: expected sqlite:PATH");
    assert_string_equal(cfg.db, good[3]);
    /* A rejected URL is not repeated: it may hold a password. */
    check_set(&cfg, "db", "mysql://u:hunter2@h/d", "db: ");
    assert_int_equal(jotd_config_set(&cfg, "db", "mysql://u:hunter2@h/d",
                                     err, sizeof err),
                     JOTD_ERR_INVALID);
    assert_null(strstr(err, "hunter2"));
}

/* Printing masks the passwords a database URL may hold. */
static void
test_db_print_masks_password(void **state)
{
    static const struct {
        const char *url, *printed;
    } cases[] = {
        {"sqlite:data/jot.db", "sqlite:data/jot.db"},
        {"postgresql://jot:hunter2@db.example:5432/jot",
         "postgresql://jot:********@db.example:5432/jot"},
        {"postgres://jot:hun@ter2@db/jot", "postgres://jot:********@db/jot"},
        {"postgres://:hunter2@db/jot", "postgres://:********@db/jot"},
        {"postgresql://jot@db/jot", "postgresql://jot@db/jot"},
        {"postgresql://db/jot", "postgresql://db/jot"},
        {"postgresql://db:5432", "postgresql://db:5432"},
        {"postgresql://jot@db/jot?sslmode=require&password=hunter2",
         "postgresql://jot@db/jot?sslmode=require&password=********"},
        {"postgresql://u:hunter2@db/jot?password=hunter2&sslpassword=x&"
         "application_name=jotd",
         "postgresql://u:********@db/jot?password=********&"
         "sslpassword=********&application_name=jotd"},
        {"postgresql:///jot?host=/run/pg&passfile=/p",
         "postgresql:///jot?host=/run/pg&passfile=/p"},
    };
    struct jotd_config cfg;
    char *out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "db", cases[i].url, NULL);
        assert_string_equal(cfg.db, cases[i].url);
        assert_printed(&cfg, "db", cases[i].printed);
        out = print_all(&cfg);
        assert_null(strstr(out, "hunter2"));
        free(out);
    }
}

/* db_listen: "" (db itself), off, or a PostgreSQL URL, validated like db
 * and printed with its password masked; a URL needs a PostgreSQL db. */
static void
test_db_listen(void **state)
{
    static const char *const bad[] = {
        "on", "sqlite:data/jot.db", "mysql://u:hunter2@h/d", "OFF",
        "postgresql://u:hunter2@h/d\n",
    };
    struct jotd_config cfg;
    char err[256];
    size_t i;

    (void)state;
    jotd_config_defaults(&cfg);
    assert_string_equal(cfg.db_listen, "");
    check_set(&cfg, "db_listen", "off", NULL);
    assert_string_equal(cfg.db_listen, "off");
    check_set(&cfg, "db_listen", "", NULL);
    assert_string_equal(cfg.db_listen, "");
    check_set(&cfg, "db_listen", "postgresql://jot:hunter2@db:5432/jot",
              NULL);
    assert_printed(&cfg, "db_listen", "postgresql://jot:********@db:5432/jot");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_set(&cfg, "db_listen", bad[i],
                  "db_listen: expected \"\", off or postgresql://...");
        assert_int_equal(jotd_config_set(&cfg, "db_listen", bad[i], err,
                                         sizeof err), JOTD_ERR_INVALID);
        assert_null(strstr(err, "hunter2"));
    }
    assert_string_equal(cfg.db_listen, "postgresql://jot:hunter2@db:5432/jot");
    /* The default db is SQLite, which nothing listens to. */
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err),
                     JOTD_ERR_INVALID);
    assert_string_equal(err, "db_listen: a postgresql:// URL needs a "
                        "postgresql:// db");
    check_set(&cfg, "db", "postgresql://jot@pooler:6432/jot", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
}

/* --- the cross-key rules -------------------------------------------------- */

static void
test_finish_rules(void **state)
{
    struct jotd_config cfg;
    char err[256];

    (void)state;
    jotd_config_defaults(&cfg);
    check_set(&cfg, "tls_cert", "/c.pem", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err),
                     JOTD_ERR_INVALID);
    assert_string_equal(err, "tls_cert, tls_key: set both or neither");
    jotd_config_defaults(&cfg);
    check_set(&cfg, "tls_key", "/k.pem", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err),
                     JOTD_ERR_INVALID);
    assert_string_equal(err, "tls_cert, tls_key: set both or neither");

    jotd_config_defaults(&cfg);
    check_set(&cfg, "access_ttl", "900", NULL);
    check_set(&cfg, "refresh_ttl", "899", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err),
                     JOTD_ERR_INVALID);
    assert_string_equal(err, "refresh_ttl: must be at least access_ttl "
                        "(900)");
    check_set(&cfg, "refresh_ttl", "900", NULL);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);

    /* A value with a control character is refused, not truncated. */
    check_set(&cfg, "tls_cert", "/c\n.pem", "tls_cert: control character");
}

/* --- lists ---------------------------------------------------------------- */

static void
test_audience(void **state)
{
    struct jotd_config cfg;
    char err[256];

    (void)state;
    jotd_config_defaults(&cfg);
    check_set(&cfg, "audience", " api , web,admin-ui ", NULL);
    assert_int_equal(cfg.n_audiences, 3);
    assert_string_equal(cfg.audiences[0], "api");
    assert_string_equal(cfg.audiences[1], "web");
    assert_string_equal(cfg.audiences[2], "admin-ui");
    assert_printed(&cfg, "audience", "\" api , web,admin-ui \"");
    /* Errors leave the list as it was. */
    check_set(&cfg, "audience", "a,,b", "audience: empty item in 'a,,b'");
    check_set(&cfg, "audience", "a,", "audience: empty item");
    check_set(&cfg, "audience", ",a", "audience: empty item");
    check_set(&cfg, "audience", "1,2,3,4,5,6,7,8,9",
              "audience: more than 8 audiences");
    assert_int_equal(cfg.n_audiences, 3);
    check_set(&cfg, "audience", "1,2,3,4,5,6,7,8", NULL);
    assert_int_equal(cfg.n_audiences, 8);
    assert_string_equal(cfg.audiences[7], "8");
    check_set(&cfg, "audience", "https://api.example.com", NULL);
    assert_int_equal(cfg.n_audiences, 1);
    check_set(&cfg, "audience", "  ", NULL);
    assert_int_equal(cfg.n_audiences, 0);
    check_set(&cfg, "audience", "", NULL);
    assert_int_equal(cfg.n_audiences, 0);
    assert_int_equal(jotd_config_finish(&cfg, err, sizeof err), 0);
}

static void
test_allowed_origins(void **state)
{
    static const struct {
        const char *in, *stored;    /* stored NULL: an error */
    } cases[] = {
        {"https://app.example.com", "https://app.example.com"},
        {"http://localhost:3000", "http://localhost:3000"},
        {"https://[::1]:8443", "https://[::1]:8443"},
        {"HTTPS://App.Example.COM", "https://app.example.com"},
        {"https://a.example:443", "https://a.example"},
        {"http://a.example:80", "http://a.example"},
        {"http://a.example:443", "http://a.example:443"},
        {"chrome-extension://abcdef", "chrome-extension://abcdef"},
        {"app.example.com", NULL},
        {"https://a.example/", NULL},
        {"https://a.example/path", NULL},
        {"https://", NULL},
        {"https://a.example:0", NULL},
        {"https://a.example:65536", NULL},
        {"https://a.example:x", NULL},
        {"https://a.example:", NULL},
        {"*", NULL},
        {"null", NULL},
        {"https://user@a.example", NULL},
        {"https://a.example?x", NULL},
        {"https://a.example#x", NULL},
        {"https://[zz]:1", NULL},
        {"https:/a.example", NULL},
        {"1http://a.example", NULL},
    };
    struct jotd_config cfg;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jotd_config_defaults(&cfg);
        check_set(&cfg, "allowed_origins", cases[i].in,
                  cases[i].stored == NULL ? "allowed_origins: " : NULL);
        if (cases[i].stored == NULL) {
            assert_int_equal(cfg.n_allowed_origins, 0);
            continue;
        }
        assert_int_equal(cfg.n_allowed_origins, 1);
        assert_string_equal(cfg.allowed_origins[0], cases[i].stored);
    }
    jotd_config_defaults(&cfg);
    check_set(&cfg, "allowed_origins", "https://a.example/",
              "no path, not even '/'");
    check_set(&cfg, "allowed_origins", "https://a.example, http://b:8080",
              NULL);
    assert_int_equal(cfg.n_allowed_origins, 2);
    assert_string_equal(cfg.allowed_origins[1], "http://b:8080");
    check_set(&cfg, "allowed_origins",
              "http://a,http://b,http://c,http://d,http://e,http://f,"
              "http://g,http://h,http://i,http://j,http://k,http://l,"
              "http://m,http://n,http://o,http://p", NULL);
    assert_int_equal(cfg.n_allowed_origins, 16);
    check_set(&cfg, "allowed_origins",
              "http://a,http://b,http://c,http://d,http://e,http://f,"
              "http://g,http://h,http://i,http://j,http://k,http://l,"
              "http://m,http://n,http://o,http://p,http://q",
              "more than 16 origins");
    assert_int_equal(cfg.n_allowed_origins, 16);
}

/* The parsing of trusted_proxies; matching an address against them is
 * the HTTP layer's (test_request.c). */
static void
test_trusted_proxies(void **state)
{
    static const char *const bad[] = {
        "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8x",
        "10.0.0.0/ 8", "::ffff:1.2.3.4/95", "1.2.3", "proxy.example",
        "10.0.0.0/8,,", "10.0.0.0/8 192.168.0.1", "/8", "10.0.0.0//8",
        "0000:0000:0000:0000:0000:0000:0000:0000:0000/8",
    };
    static const unsigned char net10[16] = {10};
    struct jotd_config cfg;
    size_t i;

    (void)state;
    jotd_config_defaults(&cfg);
    assert_int_equal(cfg.n_trusted_proxies, 0);
    check_set(&cfg, "trusted_proxies",
              "10.0.0.0/8, 192.168.1.1 ,192.168.3.7/23, 2001:db8::/32,"
              "::1, ::ffff:172.16.0.0/108", NULL);
    assert_int_equal(cfg.n_trusted_proxies, 6);
    assert_int_equal(cfg.trusted_proxies[1].prefix, 32);
    assert_int_equal(cfg.trusted_proxies[4].prefix, 128);
    assert_int_equal(cfg.trusted_proxies[5].family, AF_INET);
    assert_int_equal(cfg.trusted_proxies[5].prefix, 12);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_set(&cfg, "trusted_proxies", bad[i], "trusted_proxies: ");
    assert_int_equal(cfg.n_trusted_proxies, 6);
    /* A mapped address as an entry is the IPv4 address. */
    check_set(&cfg, "trusted_proxies", "::ffff:198.51.100.7", NULL);
    assert_int_equal(cfg.trusted_proxies[0].family, AF_INET);
    assert_int_equal(cfg.trusted_proxies[0].prefix, 32);
    /* Bits past the prefix are cleared. */
    check_set(&cfg, "trusted_proxies", "10.1.2.3/8", NULL);
    assert_memory_equal(cfg.trusted_proxies[0].addr, net10, 16);
    check_set(&cfg, "trusted_proxies",
              "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,"
              "1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,"
              "1.0.0.15,1.0.0.16", NULL);
    assert_int_equal(cfg.n_trusted_proxies, 16);
    check_set(&cfg, "trusted_proxies",
              "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,"
              "1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,"
              "1.0.0.15,1.0.0.16,1.0.0.17", "more than 16 networks");
    check_set(&cfg, "trusted_proxies", "", NULL);
    assert_int_equal(cfg.n_trusted_proxies, 0);
}

/* --- messages ------------------------------------------------------------- */

static void
test_messages(void **state)
{
    struct jotd_config cfg;
    char err[512], small[16];
    char long_value[200];

    (void)state;
    jotd_config_defaults(&cfg);
    check_set(&cfg, "nope", "1", "unknown key 'nope'");
    /* A bad value is repeated printable and short. */
    check_set(&cfg, "access_ttl", "1\x01\x1b[2J", "not a number: '1??[2J'");
    memset(long_value, '7', sizeof long_value - 1);
    long_value[0] = 'x';
    long_value[sizeof long_value - 1] = '\0';
    assert_int_equal(jotd_config_set(&cfg, "access_ttl", long_value, err,
                                     sizeof err),
                     JOTD_ERR_INVALID);
    assert_true(strlen(err) < 120);
    assert_non_null(strstr(err, "...'"));
    /* A message longer than the buffer is cut, and says so. */
    assert_int_equal(jotd_config_set(&cfg, "access_ttl", "abc", small,
                                     sizeof small),
                     JOTD_ERR_INVALID);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_string_equal(small + sizeof small - 4, "...");
    /* No buffer at all is fine too. */
    assert_int_equal(jotd_config_set(&cfg, "access_ttl", "abc", NULL, 0),
                     JOTD_ERR_INVALID);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, clear_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_load_nothing),
        T(test_print_masks_secret),
        T(test_print_round_trip),
        T(test_file_syntax),
        T(test_file_errors),
        T(test_file_unreadable),
        T(test_example_file),
        T(test_precedence),
        T(test_source_errors),
        T(test_rest),
        T(test_unknown_flag),
        T(test_secret),
        T(test_numeric_ranges),
        T(test_reuse_grace),
        T(test_enums),
        T(test_alg),
        T(test_listen),
        T(test_metrics_key),
        T(test_issuer),
        T(test_db),
        T(test_db_print_masks_password),
        T(test_db_listen),
        T(test_finish_rules),
        T(test_audience),
        T(test_allowed_origins),
        T(test_trusted_proxies),
        T(test_messages),
    };
#undef T

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
