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

#include "core/audit.h"
#include "core/throttle.h"

#define KNOWN_DAYS 30

#define BUCKET_LEN (JOTD_USERNAME_MAX + 80)

/*
 * The bucket's name: kind 'a' the pair (account, address), 'i' the
 * address, 'u' the account, 'k' the pair when the address is known to
 * the account (a successful login from ip marks it: a bucket whose count
 * is the number of successes in the last KNOWN_DAYS).  A name that would
 * not fit (it always does: a key and an address are bounded) is
 * JOTD_ERR_INTERNAL rather than a shared, truncated bucket.
 */
static jotd_err
bucket(char out[BUCKET_LEN], char kind, const char *user_key, const char *ip)
{
    int n;

    switch (kind) {
    case 'i':
        n = snprintf(out, BUCKET_LEN, "i:%s", ip);
        break;
    case 'u':
        n = snprintf(out, BUCKET_LEN, "u:%s", user_key);
        break;
    default:
        n = snprintf(out, BUCKET_LEN, "%c:%s|%s", kind, user_key, ip);
        break;
    }
    return n < 0 || (size_t)n >= BUCKET_LEN ? JOTD_ERR_INTERNAL : JOTD_OK;
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

/* Checks one bucket: JOTD_ERR_THROTTLED with *retry set when it must
 * wait, JOTD_OK when not (*retry untouched). */
static jotd_err
blocked(jotd_store *st, const char *name, int64_t limit, int64_t window,
        int64_t now, int64_t *retry)
{
    int64_t count = 0, last = 0, until;

    if (st->ops->failure_get(st, name, now, window * 1000, &count, &last) !=
        JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    if (count < limit)
        return JOTD_OK;
    until = last + wait_ms(count, limit, window);
    if (until <= now)
        return JOTD_OK;
    *retry = (until - now + 999) / 1000;
    return JOTD_ERR_THROTTLED;
}

/* Checks one bucket of kind against limit, keeping the longest wait in
 * *retry; *hit is set when it must wait. */
static jotd_err
check(jotd_store *st, const struct jotd_config *cfg, char kind,
      int64_t limit, const char *user_key, const char *ip, int64_t now,
      int64_t *retry, int *hit)
{
    char name[BUCKET_LEN];
    int64_t r = 0;
    jotd_err err = bucket(name, kind, user_key, ip);

    if (err == JOTD_OK)
        err = blocked(st, name, limit, cfg->login_window, now, &r);
    if (err != JOTD_ERR_THROTTLED)
        return err;
    *hit = 1;
    if (r > *retry)
        *retry = r;
    return JOTD_OK;
}

/* The account-wide count slows only addresses not known to it. */
static jotd_err
known(jotd_store *st, const char *user_key, const char *ip, int64_t now,
      int *is_known)
{
    char name[BUCKET_LEN];
    int64_t count = 0, last;
    jotd_err err = bucket(name, 'k', user_key, ip);

    *is_known = 0;
    if (err != JOTD_OK)
        return err;
    if (st->ops->failure_get(st, name, now, known_ms, &count, &last) !=
        JOTD_STORE_OK)
        return JOTD_ERR_UNAVAILABLE;
    *is_known = count > 0;
    return JOTD_OK;
}

jotd_err
jotd_throttle_gate(jotd_store *st, const struct jotd_config *cfg,
                   const char *user_key, const char *ip, int64_t now,
                   int64_t *retry_after)
{
    int64_t limit = cfg->login_max_failures, retry = 0, r3 = 0;
    int hit = 0, hit3 = 0, is_known = 0;
    jotd_err err;

    *retry_after = 0;
    err = check(st, cfg, 'a', limit, user_key, ip, now, &retry, &hit);
    if (err == JOTD_OK)
        err = check(st, cfg, 'i', 10 * limit, user_key, ip, now, &retry,
                    &hit);
    if (err == JOTD_OK)
        err = check(st, cfg, 'u', 3 * limit, user_key, ip, now, &r3, &hit3);
    if (err == JOTD_OK && hit3)
        err = known(st, user_key, ip, now, &is_known);
    if (err != JOTD_OK)
        return err;
    if (hit3 && !is_known) {
        hit = 1;
        if (r3 > retry)
            retry = r3;
    }
    if (!hit)
        return JOTD_OK;
    *retry_after = retry;
    jotd_audit(st, ip, "throttled", NULL, NULL, NULL);
    return JOTD_ERR_THROTTLED;
}

/* Counts one failure in the bucket of kind. */
static void
count_failure(jotd_store *st, const struct jotd_config *cfg, char kind,
              const char *user_key, const char *ip, int64_t now)
{
    char name[BUCKET_LEN];
    int64_t count, last;

    if (bucket(name, kind, user_key, ip) == JOTD_OK)
        (void)st->ops->failure_add(st, name, now, cfg->login_window * 1000,
                                   &count, &last);
}

void
jotd_throttle_fail(jotd_store *st, const struct jotd_config *cfg,
                   const char *user_key, const char *ip, int64_t now)
{
    count_failure(st, cfg, 'a', user_key, ip, now);
    count_failure(st, cfg, 'i', user_key, ip, now);
    count_failure(st, cfg, 'u', user_key, ip, now);
}

void
jotd_throttle_success(jotd_store *st, const char *user_key, const char *ip,
                      int64_t now)
{
    char name[BUCKET_LEN];
    int64_t count, last;

    if (bucket(name, 'a', user_key, ip) == JOTD_OK)
        (void)st->ops->failure_clear(st, name);
    if (bucket(name, 'k', user_key, ip) == JOTD_OK)
        (void)st->ops->failure_add(st, name, now, known_ms, &count, &last);
}
