/*
 * util.c - helpers shared by the subcommands of jot: bounded reads of
 * files and standard input, error messages, number and algorithm parsing,
 * and loading a JWK from a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

void
cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "jot: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "jot: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'jot %s --help'.\n", cmd);
    return CLI_USAGE;
}

int
cli_bad_option(const char *cmd, int c, char **argv)
{
    /*
     * getopt_long() has moved optind past the offending word; for a short
     * option optopt names it, for a long one only argv does.
     */
    const char *word = optind > 0 ? argv[optind - 1] : "?";

    if (c == ':') {
        if (optopt > 0 && optopt < 256 && word[0] == '-' && word[1] != '-')
            return cli_usage(cmd, "option '-%c' needs an argument", optopt);
        return cli_usage(cmd, "option '%s' needs an argument", word);
    }
    if (optopt > 0 && optopt < 256)
        return cli_usage(cmd, "unknown option '-%c'", optopt);
    return cli_usage(cmd, "unknown option '%s'", word);
}

int
cli_read(const char *path, size_t cap, char **out, size_t *out_len)
{
    char *buf = NULL;
    size_t len = 0;
    ssize_t n;
    int fd = -1, rc = 0;

    *out = NULL;
    *out_len = 0;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return errno;
    }
    /* One octet more than the cap tells an input over it from one at it. */
    buf = malloc(cap + 1);
    if (buf == NULL) {
        rc = ENOMEM;
        goto out;
    }
    for (;;) {
        n = read(fd, buf + len, cap + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = errno;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > cap) {
            rc = EFBIG;
            goto out;
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
out:
    /* The input may be a private key: wipe whatever was read. */
    jot_free_wiped(buf, len);
    if (fd >= 0 && fd != STDIN_FILENO)
        close(fd);
    return rc;
}

int
cli_slurp(const char *cmd, const char *path, size_t cap, char **out,
          size_t *out_len)
{
    const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
    int rc;

    rc = cli_read(path, cap, out, out_len);
    if (rc == EFBIG) {
        cli_error(cmd, "%s: larger than %zu bytes", name, cap);
        return -1;
    }
    if (rc != 0) {
        cli_error(cmd, "%s: %s", name, strerror(rc));
        return -1;
    }
    return 0;
}

int
cli_parse_alg(const char *cmd, const char *name, jot_alg *out)
{
    if (jot_alg_from_name(name, strlen(name), out) != JOT_OK) {
        cli_usage(cmd, "unknown algorithm '%s' (one of HS256 HS384 HS512 "
                  "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 "
                  "EdDSA)", name);
        return -1;
    }
    return 0;
}

int
cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;

    /* strtoll would skip leading space and accept a sign before it. */
    if (s[0] == '\0' || s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    if (v < min || v > max)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/*
 * The algorithm to assume for a JWK that names none, when any algorithm
 * of the key's type would do (thumbprints do not depend on it).
 */
static jot_alg
default_alg(const char *json, size_t len)
{
    json_t *root = NULL;
    const char *kty;
    jot_alg alg = JOT_ALG_INVALID;

    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root) || json_object_get(root, "alg") != NULL)
        goto out;
    kty = json_string_value(json_object_get(root, "kty"));
    if (kty == NULL)
        goto out;
    if (strcmp(kty, "RSA") == 0)
        alg = JOT_ALG_RS256;
    else if (strcmp(kty, "oct") == 0)
        alg = JOT_ALG_HS256;
    else if (strcmp(kty, "OKP") == 0)
        alg = JOT_ALG_EDDSA;
out:
    json_decref(root);
    return alg;
}

/* 1 when json is an object without an "alg" member. */
static int
lacks_alg(const char *json, size_t len)
{
    json_t *root;
    int r;

    root = json_loadb(json, len, 0, NULL);
    r = json_is_object(root) && json_object_get(root, "alg") == NULL;
    json_decref(root);
    return r;
}

int
cli_load_key(const char *cmd, const char *path, jot_alg alg, int guess,
             jot_key **out)
{
    const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
    char *buf = NULL;
    size_t len = 0;
    jot_alg fallback;
    jot_err err;
    int rc = -1;

    *out = NULL;
    if (cli_slurp(cmd, path, CLI_MAX_KEY_FILE, &buf, &len) != 0)
        return -1;
    err = jot_jwk_parse(buf, len, alg, out);
    if (err == JOT_ERR_ALG && alg == JOT_ALG_INVALID) {
        fallback = guess ? default_alg(buf, len) : JOT_ALG_INVALID;
        if (fallback != JOT_ALG_INVALID) {
            err = jot_jwk_parse(buf, len, fallback, out);
        } else if (lacks_alg(buf, len)) {
            cli_error(cmd, "%s: the JWK has no \"alg\" and its key type "
                      "fits several algorithms; give one --alg", name);
            goto out;
        }
    }
    if (err != JOT_OK) {
        cli_error(cmd, "%s: %s", name, jot_strerror(err));
        goto out;
    }
    rc = 0;
out:
    jot_free_wiped(buf, len);
    return rc;
}

void
cli_print_json(const char *json, int pretty)
{
    json_t *root = NULL;
    char *s = NULL;

    if (pretty) {
        root = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (root != NULL)
            s = json_dumps(root, JSON_INDENT(2) | JSON_ENCODE_ANY);
    }
    fputs(s != NULL ? s : json, stdout);
    fputc('\n', stdout);
    free(s);
    json_decref(root);
}

void
cli_chomp(char *buf, size_t *len)
{
    if (*len > 0 && buf[*len - 1] == '\n') {
        (*len)--;
        if (*len > 0 && buf[*len - 1] == '\r')
            (*len)--;
        buf[*len] = '\0';
    }
}

int
cli_token_arg(const char *cmd, const char *arg, const char **out,
              size_t *out_len, char **owned)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    *out_len = 0;
    *owned = NULL;
    if (strcmp(arg, "-") != 0) {
        *out = arg;
        *out_len = strlen(arg);
        return CLI_OK;
    }
    rc = cli_read("-", CLI_MAX_TOKEN_READ, &buf, &len);
    if (rc == EFBIG) {
        /* The same verdict the library gives a token over its limit. */
        cli_error(cmd, "%s", jot_strerror(JOT_ERR_TOO_LARGE));
        return CLI_INVALID;
    }
    if (rc != 0) {
        cli_error(cmd, "standard input: %s", strerror(rc));
        return CLI_USAGE;
    }
    cli_chomp(buf, &len);
    *out = buf;
    *out_len = len;
    *owned = buf;
    return CLI_OK;
}
