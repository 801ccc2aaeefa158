/*
 * testutil.h - small helpers shared by the cmocka suites.  Header-only so
 * every suite stays one file; every helper is static.
 */
#ifndef JOT_TESTUTIL_H
#define JOT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include <jot/jot.h>

/* Reads a whole file into a new NUL-terminated buffer; fails the test. */
static inline char *
tu_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0, n;

    if (f == NULL)
        fail_msg("cannot open %s", path);
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

/* Loads a JSON file with jansson; fails the test on error. */
static inline json_t *
tu_load_json(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);

    if (j == NULL)
        fail_msg("%s:%d: %s", path, e.line, e.text);
    return j;
}

/* Decodes hex into a new buffer (NULL for ""), length in *len_out. */
static inline unsigned char *
tu_unhex(const char *hex, size_t *len_out)
{
    size_t n = strlen(hex) / 2, i;
    unsigned char *out = malloc(n ? n : 1);

    assert_non_null(out);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            fail_msg("bad hex: %s", hex);
        out[i] = (unsigned char)v;
    }
    *len_out = n;
    return out;
}

/* Prints len bytes of p in hex after a label, for failure messages. */
static inline void
tu_print_hex(const char *label, const void *p, size_t len)
{
    const unsigned char *b = p;
    size_t i;

    fprintf(stderr, "%s (%zu):", label, len);
    for (i = 0; i < len; i++)
        fprintf(stderr, "%02x", b[i]);
    fprintf(stderr, "\n");
}

/* Asserts two byte strings are equal, printing both in hex when not. */
#define tu_assert_bytes(exp, exp_len, got, got_len)                       \
    do {                                                                  \
        if ((exp_len) != (got_len) ||                                     \
            memcmp((exp), (got), (exp_len)) != 0) {                       \
            tu_print_hex("expected", (exp), (exp_len));                   \
            tu_print_hex("got     ", (got), (got_len));                   \
            fail_msg("byte strings differ");                              \
        }                                                                 \
    } while (0)

/* Asserts err == want, naming both codes when not. */
#define tu_assert_err(want, err)                                          \
    do {                                                                  \
        jot_err tu_w = (want), tu_g = (err);                              \
        if (tu_w != tu_g)                                                 \
            fail_msg("expected %s, got %s", jot_err_name(tu_w),           \
                     jot_err_name(tu_g));                                 \
    } while (0)

/*
 * Reports a wrong error code without stopping the test, so that a table
 * lists every failing case at once.  Returns 1 on a mismatch, else 0.
 */
static inline int mismatch(jot_err want, jot_err got, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int
mismatch(jot_err want, jot_err got, const char *fmt, ...)
{
    va_list ap;

    if (got == want)
        return 0;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": expected %s, got %s\n", jot_err_name(want),
            jot_err_name(got));
    return 1;
}

/* Fails the test when some cases of a table failed. */
static inline void
no_mismatch(int bad)
{
    if (bad != 0)
        fail_msg("%d case(s) failed", bad);
}

#endif /* JOT_TESTUTIL_H */
