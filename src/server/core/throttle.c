/*
 * throttle.c - doubling waits after repeated password failures.
 *
 * Three counters per failure, in the database so every node sees them:
 *   - the pair (account, client address): API.md's rule.  Counting pairs
 *     rather than accounts is what keeps an attacker at one address from
 *     locking the real user out from another: the user's pair is clean;
 *   - the client address over all accounts, at ten times the pair limit,
 *     against one address spraying many accounts;
 *   - the account over all addresses, at three times the pair limit,
 *     against many addresses guessing one account.  It slows only
 *     addresses that have not logged in to the account before (a success
 *     marks its address known for KNOWN_DAYS), so the real user's usual
 *     places are never held up by it.
 */
#include <stdio.h>

#include "core/throttle.h"

#define KNOWN_DAYS 30

static void
bucket_pair(char *out, size_t cap, const char *user_key, const char *ip)
{
    snprintf(out, cap, "a:%s|%s", user_key, ip);
}

static void
bucket_ip(char *out, size_t cap, const char *ip)
{
    snprintf(out, cap, "i:%s", ip);
}

static void
bucket_account(char *out, size_t cap, const char *user_key)
{
    snprintf(out, cap, "u:%s", user_key);
}

/* A successful login from ip marks it known to the account: a bucket
 * whose count is the number of successes in the last KNOWN_DAYS. */
static void
bucket_known(char *out, size_t cap, const char *user_key, const char *ip)
{
    snprintf(out, cap, "k:%s|%s", user_key, ip);
}

static const int64_t known_ms = (int64_t)KNOWN_DAYS * 86400 * 1000;

/* The wait after count failures when limit are allowed, in ms: 1 s at
 * the limit, doubling with each further failure, capped at the window. */
static int64_t
wait_ms(int64_t count, int64_t limit, int64_t window_s)
{
    int64_t over = count - limit, wait = 1;

    if (over < 0)
        return 0;
    while (over-- > 0 && wait < window_s)
        wait *= 2;
    return (wait < window_s ? wait : window_s) * 1000;
}

/* Checks one bucket; 1 with *retry set when it must wait. */
static int
blocked(jotd_store *st, const char *bucket, int64_t limit, int64_t window,
        int64_t now, int64_t *retry)
{
    int64_t count = 0, last = 0, until;

    if (st->ops->failure_get(st, bucket, now, window * 1000, &count, &last) !=
        JOTD_STORE_OK)
        return -1;
    if (count < limit)
        return 0;
    until = last + wait_ms(count, limit, window);
    if (until <= now)
        return 0;
    *retry = (until - now + 999) / 1000;
    return 1;
}

int
jotd_throttle_check(jotd_store *st, const struct jotd_config *cfg,
                    const char *user_key, const char *ip, int64_t now,
                    int64_t *retry_after)
{
    char bucket[JOTD_USERNAME_MAX + 80];
    int64_t limit = cfg->login_max_failures;
    int64_t r1 = 0, r2 = 0;
    int b1, b2;

    int64_t r3 = 0, known = 0, last;
    int b3 = 0;

    *retry_after = 0;
    bucket_pair(bucket, sizeof bucket, user_key, ip);
    b1 = blocked(st, bucket, limit, cfg->login_window, now, &r1);
    bucket_ip(bucket, sizeof bucket, ip);
    b2 = blocked(st, bucket, 10 * limit, cfg->login_window, now, &r2);
    bucket_account(bucket, sizeof bucket, user_key);
    b3 = blocked(st, bucket, 3 * limit, cfg->login_window, now, &r3);
    if (b3 > 0) {
        bucket_known(bucket, sizeof bucket, user_key, ip);
        if (st->ops->failure_get(st, bucket, now, known_ms, &known, &last) !=
            JOTD_STORE_OK)
            return -1;
        if (known > 0)
            b3 = 0;             /* the user's own address goes through */
    }
    if (b1 < 0 || b2 < 0 || b3 < 0)
        return -1;
    if (!b1 && !b2 && !b3)
        return 0;
    *retry_after = r1 > r2 ? r1 : r2;
    if (b3 && r3 > *retry_after)
        *retry_after = r3;
    return 1;
}

void
jotd_throttle_fail(jotd_store *st, const struct jotd_config *cfg,
                   const char *user_key, const char *ip, int64_t now)
{
    char bucket[JOTD_USERNAME_MAX + 80];
    int64_t count, last;

    bucket_pair(bucket, sizeof bucket, user_key, ip);
    st->ops->failure_add(st, bucket, now, cfg->login_window * 1000, &count,
                         &last);
    bucket_ip(bucket, sizeof bucket, ip);
    st->ops->failure_add(st, bucket, now, cfg->login_window * 1000, &count,
                         &last);
    bucket_account(bucket, sizeof bucket, user_key);
    st->ops->failure_add(st, bucket, now, cfg->login_window * 1000, &count,
                         &last);
}

void
jotd_throttle_success(jotd_store *st, const char *user_key, const char *ip,
                      int64_t now)
{
    char bucket[JOTD_USERNAME_MAX + 80];
    int64_t count, last;

    bucket_pair(bucket, sizeof bucket, user_key, ip);
    st->ops->failure_clear(st, bucket);
    bucket_known(bucket, sizeof bucket, user_key, ip);
    st->ops->failure_add(st, bucket, now, known_ms, &count, &last);
}
