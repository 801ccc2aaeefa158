/*
 * fuzz_config.c - jotd's configuration: a jotd.conf, and flags.
 *
 * The input is a configuration file, optionally followed by a NUL and
 * NUL-separated command-line arguments.  Each "key = value" line of the
 * file goes through jotd_config_set; then the whole file is written to a
 * temporary file and loaded by jotd_config_load with argv {"jotd",
 * "--config=PATH", arguments...}, as jotd would at start.  No JOTD_*
 * variable of the environment is left to interfere.
 *
 * Properties (any failure aborts): a failed load or set leaves a
 * message; the effective configuration of a file alone, printed, is a
 * file that loads (less the lines "config" and "secret", which a file
 * may not set) into a configuration that prints the same.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "fuzz.h"

#define MAX_ARGS 16

static char path[64];
static FILE *devnull;

static void
cleanup(void)
{
    if (path[0] != '\0')
        unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    extern char **environ;
    char name[256];
    int fd;

    (void)argc;
    (void)argv;
    /* jotd_config_load reads JOTD_<KEY> and JOTD_CONFIG.  Unsetting
     * shifts environ, so start over after each one. */
    for (;;) {
        char **e;
        const char *eq = NULL;

        for (e = environ; *e != NULL; e++) {
            if (strncmp(*e, "JOTD_", 5) == 0 &&
                (eq = strchr(*e, '=')) != NULL)
                break;
        }
        if (*e == NULL)
            break;
        CHECK((size_t)(eq - *e) < sizeof name);
        memcpy(name, *e, (size_t)(eq - *e));
        name[eq - *e] = '\0';
        CHECK(unsetenv(name) == 0);
    }
    memcpy(path, "/tmp/jot-fuzz-config-XXXXXX", 28);
    fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    atexit(cleanup);
    devnull = fopen("/dev/null", "w");
    CHECK(devnull != NULL);
    return 0;
}

/* Replaces the contents of the temporary file. */
static void
write_file(const char *text, size_t len)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    CHECK(fwrite(text, 1, len, f) == len);
    CHECK(fclose(f) == 0);
}

/* Each "key = value" line through jotd_config_set. */
static void
set_lines(const char *text, size_t len)
{
    struct jotd_config cfg;
    char *copy = malloc(len + 1), *line, *next, *eq, *k, *v, *e;
    char err[512];

    CHECK(copy != NULL);
    memcpy(copy, text, len);
    copy[len] = '\0';
    jotd_config_defaults(&cfg);
    for (line = copy; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        eq = strchr(line, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        k = line + strspn(line, " \t");
        for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
            e[-1] = '\0';
        v = eq + 1 + strspn(eq + 1, " \t");
        err[0] = '\0';
        if (jotd_config_set(&cfg, k, v, err, sizeof err) != 0)
            CHECK(err[0] != '\0');
    }
    err[0] = '\0';
    if (jotd_config_finish(&cfg, err, sizeof err) != 0)
        CHECK(err[0] != '\0');
    jotd_config_print(&cfg, devnull);
    jot_wipe(&cfg, sizeof cfg);
    free(copy);
}

/* Loads the temporary file with the given flags; 0 or -1. */
static int
load(struct jotd_config *cfg, char **args, size_t n_args)
{
    char flag[96], err[512], *argv[MAX_ARGS + 3], *rest[MAX_ARGS + 3];
    size_t i, n_rest = 0;
    jotd_err rc;
    int argc = 0;

    snprintf(flag, sizeof flag, "--config=%s", path);
    argv[argc++] = "jotd";
    argv[argc++] = flag;
    for (i = 0; i < n_args; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    err[0] = '\0';
    rc = jotd_config_load(cfg, argc, argv, rest, &n_rest, err, sizeof err);
    if (rc != 0) {
        CHECK(rc == JOTD_ERR_INVALID && err[0] != '\0');
        return -1;
    }
    CHECK(n_rest <= (size_t)argc);
    for (i = 0; i < n_rest; i++)
        CHECK(rest[i] != NULL);
    return 0;
}

/* The effective configuration as a file: print less config and secret. */
static char *
print(const struct jotd_config *cfg, size_t *len)
{
    char *text = NULL, *out, *line, *next;
    size_t text_len = 0, o = 0;
    FILE *f = open_memstream(&text, &text_len);

    CHECK(f != NULL);
    jotd_config_print(cfg, f);
    CHECK(fclose(f) == 0);
    out = malloc(text_len + 1);
    CHECK(out != NULL);
    for (line = text; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        next = next != NULL ? next + 1 : line + strlen(line);
        if (strncmp(line, "config = ", 9) == 0 ||
            strncmp(line, "secret = ", 9) == 0)
            continue;
        memcpy(out + o, line, (size_t)(next - line));
        o += (size_t)(next - line);
    }
    out[o] = '\0';
    *len = o;
    free(text);
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *nul, *end = text + size;
    char *args[MAX_ARGS], *copy = NULL, *p;
    size_t file_len, n_args = 0, len1, len2;
    struct jotd_config cfg;
    char *print1, *print2;

    nul = memchr(text, '\0', size);
    file_len = nul != NULL ? (size_t)(nul - text) : size;
    set_lines(text, file_len);

    /* The arguments after the first NUL, each NUL-terminated. */
    if (nul != NULL) {
        copy = malloc((size_t)(end - nul));
        CHECK(copy != NULL);
        memcpy(copy, nul + 1, (size_t)(end - nul - 1));
        copy[end - nul - 1] = '\0';
        for (p = copy; p < copy + (end - nul - 1) && n_args < MAX_ARGS;
             p += strlen(p) + 1)
            args[n_args++] = p;
    }
    write_file(text, file_len);
    if (load(&cfg, args, n_args) == 0) {
        jotd_config_print(&cfg, devnull);
        if (n_args == 0) {
            print1 = print(&cfg, &len1);
            write_file(print1, len1);
            jot_wipe(&cfg, sizeof cfg);
            CHECK(load(&cfg, NULL, 0) == 0);
            print2 = print(&cfg, &len2);
            CHECK(len1 == len2 && memcmp(print1, print2, len1) == 0);
            free(print1);
            free(print2);
        }
    }
    jot_wipe(&cfg, sizeof cfg);
    free(copy);
    return 0;
}
