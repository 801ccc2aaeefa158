/*
 * throttle.c - doubling waits after repeated password failures.
 *
 * Two counters per failure: one for the pair (account, client address)
 * and one for the client address over all accounts.  Counting pairs
 * rather than accounts is what keeps an attacker at one address from
 * locking the real user out from another: the user's own pair is clean.
 * The per-address counter, at ten times the pair limit, slows an
 * attacker who sprays many accounts from one address.
 */
#include <stdio.h>

#include "throttle.h"

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

    *retry_after = 0;
    bucket_pair(bucket, sizeof bucket, user_key, ip);
    b1 = blocked(st, bucket, limit, cfg->login_window, now, &r1);
    bucket_ip(bucket, sizeof bucket, ip);
    b2 = blocked(st, bucket, 10 * limit, cfg->login_window, now, &r2);
    if (b1 < 0 || b2 < 0)
        return -1;
    if (!b1 && !b2)
        return 0;
    *retry_after = r1 > r2 ? r1 : r2;
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
}

void
jotd_throttle_success(jotd_store *st, const char *user_key, const char *ip)
{
    char bucket[JOTD_USERNAME_MAX + 80];

    bucket_pair(bucket, sizeof bucket, user_key, ip);
    st->ops->failure_clear(st, bucket);
}
