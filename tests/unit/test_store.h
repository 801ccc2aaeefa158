/*
 * test_store.h - what the two store suites share: the engine contract
 * (test_store.c) and the SQLite engine's own tests (test_store_sqlite.c).
 * Header-only, every helper static, like testutil.h.
 */
#ifndef JOT_TEST_STORE_H
#define JOT_TEST_STORE_H

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "store/store.h"

#define T0 1700000000000LL          /* a fixed "now", in ms */
#define DAY (86400LL * 1000)

static inline const char *
res_name(enum jotd_store_result r)
{
    switch (r) {
    case JOTD_STORE_OK:
        return "OK";
    case JOTD_STORE_NOT_FOUND:
        return "NOT_FOUND";
    case JOTD_STORE_CONFLICT:
        return "CONFLICT";
    case JOTD_STORE_ERROR:
        return "ERROR";
    }
    return "?";
}

#define assert_res(want, got)                                             \
    do {                                                                  \
        enum jotd_store_result ar_w = (want), ar_g = (got);               \
        if (ar_w != ar_g)                                                 \
            fail_msg("expected %s, got %s", res_name(ar_w),               \
                     res_name(ar_g));                                     \
    } while (0)

/* snprintf into an array, failing the test when the text does not fit. */
#define fmt(buf, ...)                                                     \
    do {                                                                  \
        int fmt_n = snprintf((buf), sizeof(buf), __VA_ARGS__);            \
        if (fmt_n < 0 || (size_t)fmt_n >= sizeof(buf))                    \
            fail_msg("snprintf: %s does not fit", #buf);                  \
    } while (0)

/* Removes path and, for a directory, everything under it. */
static inline void
rm_rf(const char *path)
{
    struct stat sb;
    struct dirent *e;
    DIR *d;
    char sub[512];
    int n;

    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (n > 0 && (size_t)n < sizeof sub)
                rm_rf(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Opens url or fails the test with the store's message. */
static inline jotd_store *
open_ok(const char *url)
{
    char err[256] = "";
    jotd_store *st = jotd_store_open(url, err, sizeof err);

    if (st == NULL)
        fail_msg("open %s: %s", url, err);
    return st;
}

/* Fails the test when a table of URLs opens any, or when one does not
 * give its piece of message, or gives away the password in it. */
struct bad_url {
    const char *url;
    const char *msg;
};

static inline void
check_bad_urls(const struct bad_url *cases, size_t n_cases)
{
    char err[256];
    size_t i;

    for (i = 0; i < n_cases; i++) {
        memset(err, 'x', sizeof err);
        if (jotd_store_open(cases[i].url, err, sizeof err) != NULL)
            fail_msg("%s: opened", cases[i].url);
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("%s: expected \"%s\" in \"%s\"", cases[i].url,
                     cases[i].msg, err);
        if (strstr(err, "hunter2") != NULL)
            fail_msg("%s: the password is in \"%s\"", cases[i].url, err);
    }
}

#endif /* JOT_TEST_STORE_H */
