/*
 * retention.c - what is old enough to delete.
 *
 * Audit rows are kept audit_retention seconds.  A throttling bucket is
 * dead once its last failure is older than its window: login_window for
 * the counts of failures, KNOWN_WINDOW_S for the marks of addresses an
 * account has logged in from (core/throttle.c).  A session is kept
 * session_retention seconds after it was revoked or expired, and a
 * revoked one at least as long as the revoked set keeps it: deleting it
 * sooner would drop it from the set, and its tokens would be accepted
 * again.
 */
#include "core/config.h"
#include "core/retention.h"
#include "store/store.h"

/*
 * The bucket kinds of core/throttle.c and how long each can matter: the
 * failure counts ("a:", "i:", "u:") for login_window, the sign-up counts
 * ("s:") for signup_window, and the known addresses ("k:") for 30 days.
 * A final pass over every name ("") with the longest window catches
 * "k:" and any kind added later, so that a bucket is never deleted while
 * it still counts.
 */
#define KNOWN_WINDOW_S (30 * 86400LL)

static const struct {
    const char *prefix;
    int is_signup;              /* counted over signup_window */
} counting[] = {{"a:", 0}, {"i:", 0}, {"u:", 0}, {"s:", 1}};

/* The window of counting[i], in seconds. */
static int64_t
window_of(const struct jotd_config *cfg, size_t i)
{
    return counting[i].is_signup ? cfg->signup_window : cfg->login_window;
}

static int64_t
ago(int64_t now, int64_t seconds)
{
    int64_t ms;

    if (seconds < 0 || __builtin_mul_overflow(seconds, 1000, &ms) ||
        now < INT64_MIN + ms)
        return INT64_MIN;       /* nothing is that old */
    return now - ms;
}

/* Adds the n rows a prune deleted to *total; sets *more when it was a
 * full batch. */
static jotd_err
tally(enum jotd_store_result sr, size_t n, size_t limit, size_t *total,
      int *more)
{
    if (sr != JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    *total += n;
    if (n >= limit)
        *more = 1;
    return JOTD_OK;
}

jotd_err
jotd_retention_pass(const struct jotd_config *cfg, jotd_store *st,
                    int64_t now, int64_t revoked_window_ms, size_t limit,
                    size_t *n_deleted, int *more)
{
    int64_t longest = KNOWN_WINDOW_S, keep_s;
    enum jotd_store_result sr;
    size_t i, n = 0;
    jotd_err err;

    *n_deleted = 0;
    *more = 0;
    sr = st->ops->audit_prune(st, ago(now, cfg->audit_retention), limit, &n);
    err = tally(sr, n, limit, n_deleted, more);
    for (i = 0; err == JOTD_OK && i < sizeof counting / sizeof *counting;
         i++) {
        sr = st->ops->failure_prune(st, counting[i].prefix,
                                    ago(now, window_of(cfg, i)), limit, &n);
        err = tally(sr, n, limit, n_deleted, more);
        if (window_of(cfg, i) > longest)
            longest = window_of(cfg, i);
    }
    if (err == JOTD_OK) {
        sr = st->ops->failure_prune(st, "", ago(now, longest), limit, &n);
        err = tally(sr, n, limit, n_deleted, more);
    }
    if (err != JOTD_OK || revoked_window_ms <= 0)
        return err;
    keep_s = revoked_window_ms / 1000 + 1;
    if (keep_s < cfg->session_retention)
        keep_s = cfg->session_retention;
    sr = st->ops->session_prune(st, ago(now, keep_s), limit, &n);
    return tally(sr, n, limit, n_deleted, more);
}
