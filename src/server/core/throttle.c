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
 *
 * A password check reserves its place in each count before it runs (a
 * compare-and-set in the database, failure_take), so that however many
 * checks run at once, on however many nodes, no more are admitted than
 * the limits allow; a check that was no failure gives its places back.
 * Sign-ups are counted per address the same way ('s' buckets).
 *
 * An IPv6 client is counted by its /64, which one host (or one customer
 * of a provider) has whole: counting single addresses would let it take
 * a fresh address for every attempt.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/audit.h"
#include "core/throttle.h"

#define KNOWN_DAYS 30

#define BUCKET_LEN (JOTD_USERNAME_MAX + 80)

/* The tries of a compare-and-set lost to concurrent checks before the
 * check waits a second instead. */
#define TAKE_TRIES 8

jotd_err
jotd_throttle_addr(const char *ip, char out[JOTD_THROTTLE_ADDR_LEN])
{
    unsigned char a[16];
    char txt[INET6_ADDRSTRLEN];
    int n;

    if (inet_pton(AF_INET6, ip, a) == 1 &&
        !IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
        memset(a + 8, 0, 8);
        if (inet_ntop(AF_INET6, a, txt, sizeof txt) == NULL)
            return JOTD_ERR_INTERNAL;
        n = snprintf(out, JOTD_THROTTLE_ADDR_LEN, "%s/64", txt);
    } else if (inet_pton(AF_INET6, ip, a) == 1) {
        if (inet_ntop(AF_INET, a + 12, txt, sizeof txt) == NULL)
            return JOTD_ERR_INTERNAL;
        n = snprintf(out, JOTD_THROTTLE_ADDR_LEN, "%s", txt);
    } else {
        n = snprintf(out, JOTD_THROTTLE_ADDR_LEN, "%s", ip);
    }
    return n < 0 || (size_t)n >= JOTD_THROTTLE_ADDR_LEN ? JOTD_ERR_INTERNAL
                                                        : JOTD_OK;
}

/*
 * The bucket's name: kind 'a' the pair (account, address), 'i' the
 * address, 'u' the account, 'k' the pair when the address is known to
 * the account (a successful login from ip marks it: a bucket whose count
 * is the number of successes in the last KNOWN_DAYS), 's' the sign-ups
 * of the address.  The address is counted as jotd_throttle_addr says.  A name that would
 * not fit (it always does: a key and an address are bounded) is
 * JOTD_ERR_INTERNAL rather than a shared, truncated bucket.
 */
static jotd_err
bucket(char out[BUCKET_LEN], char kind, const char *user_key, const char *ip)
{
    char addr[JOTD_THROTTLE_ADDR_LEN];
    int n;

    if (jotd_throttle_addr(ip, addr) != JOTD_OK)
        return JOTD_ERR_INTERNAL;
    switch (kind) {
    case 'i':
    case 's':
        n = snprintf(out, BUCKET_LEN, "%c:%s", kind, addr);
        break;
    case 'u':
        n = snprintf(out, BUCKET_LEN, "u:%s", user_key);
        break;
    default:
        n = snprintf(out, BUCKET_LEN, "%c:%s|%s", kind, user_key, addr);
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

/* A place in one count: the bucket, its limit, and, for the account's
 * count, the pair whose known address lets it pass. */
struct place {
    char name[BUCKET_LEN];
    int64_t limit;
    int exempt_if_known;
};

/*
 * Reserves a place in p's bucket at now: JOTD_OK when counted;
 * JOTD_ERR_THROTTLED with *retry (s) when its count is at the limit and
 * the wait since its last count is not over; JOTD_ERR_UNAVAILABLE.  A
 * count that moved between the read and the compare-and-set is read
 * again, TAKE_TRIES times, then the check waits a second.
 */
static jotd_err
reserve(jotd_store *st, const struct place *p, int64_t window_s,
        const char *user_key, const char *ip, int64_t now, int64_t *retry)
{
    struct jotd_failure f;
    int64_t expect = 0, until;
    int taken = 0, tries, is_known = -1;

    /* The first try expects 0, which is always admitted (every limit is
     * at least 1); when it is not taken it reads the count. */
    for (tries = 0; tries < TAKE_TRIES; tries++) {
        if (st->ops->failure_take(st, p->name, now, window_s * 1000, expect,
                                  &taken, &f) != JOTD_STORE_OK)
            return JOTD_ERR_UNAVAILABLE;
        if (taken)
            return JOTD_OK;
        until = f.count < p->limit
                    ? 0 : f.last_at + wait_ms(f.count, p->limit, window_s);
        if (until > now && p->exempt_if_known && is_known < 0 &&
            known(st, user_key, ip, now, &is_known) != JOTD_OK)
            return JOTD_ERR_UNAVAILABLE;
        if (until > now && is_known != 1) {
            *retry = (until - now + 999) / 1000;
            return JOTD_ERR_THROTTLED;
        }
        expect = f.count;
    }
    *retry = 1;
    return JOTD_ERR_THROTTLED;
}

/* The three places of a password check for (user_key, ip), in the order
 * they are reserved. */
static jotd_err
places(const struct jotd_config *cfg, const char *user_key, const char *ip,
       struct place out[3])
{
    static const char kinds[3] = {'a', 'i', 'u'};
    int64_t limit = cfg->login_max_failures;
    size_t i;

    for (i = 0; i < 3; i++) {
        if (bucket(out[i].name, kinds[i], user_key, ip) != JOTD_OK)
            return JOTD_ERR_INTERNAL;
        out[i].exempt_if_known = kinds[i] == 'u';
    }
    out[0].limit = limit;
    out[1].limit = 10 * limit;
    out[2].limit = 3 * limit;
    return JOTD_OK;
}

jotd_err
jotd_throttle_reserve(jotd_store *st, const struct jotd_config *cfg,
                      const char *user_key, const char *ip, int64_t now,
                      int64_t *retry_after)
{
    struct place p[3];
    int64_t retry = 0;
    size_t i, n;
    jotd_err err;

    *retry_after = 0;
    err = places(cfg, user_key, ip, p);
    for (n = 0; err == JOTD_OK && n < 3; n++)
        err = reserve(st, &p[n], cfg->login_window, user_key, ip, now,
                      &retry);
    if (err == JOTD_OK)
        return JOTD_OK;
    /* The place refused, or failed, was not taken; the others are given
     * back. */
    for (i = 0; i + 1 < n; i++)
        (void)st->ops->failure_undo(st, p[i].name);
    if (err != JOTD_ERR_THROTTLED)
        return err;
    *retry_after = retry;
    jotd_audit(st, ip, "throttled", NULL, NULL, NULL);
    return JOTD_ERR_THROTTLED;
}

void
jotd_throttle_settle(jotd_store *st, const struct jotd_config *cfg,
                     const char *user_key, const char *ip, int64_t now,
                     jotd_err result)
{
    struct place p[3];
    char name[BUCKET_LEN];
    int64_t count, last;
    size_t i;

    if (result == JOTD_ERR_CREDENTIALS || places(cfg, user_key, ip, p) !=
        JOTD_OK)
        return;                 /* a failure: the places stay counted */
    if (result != JOTD_OK) {
        /* No check was made (the database, memory): nothing failed. */
        for (i = 0; i < 3; i++)
            (void)st->ops->failure_undo(st, p[i].name);
        return;
    }
    /* A success clears the pair and was no failure of the others. */
    (void)st->ops->failure_clear(st, p[0].name);
    (void)st->ops->failure_undo(st, p[1].name);
    (void)st->ops->failure_undo(st, p[2].name);
    if (bucket(name, 'k', user_key, ip) == JOTD_OK)
        (void)st->ops->failure_add(st, name, now, known_ms, &count, &last);
}

jotd_err
jotd_throttle_signup(jotd_store *st, const struct jotd_config *cfg,
                     const char *ip, int64_t now, int64_t *retry_after)
{
    struct jotd_failure f;
    char name[BUCKET_LEN];
    int64_t expect = 0, window = cfg->signup_window * 1000;
    int taken = 0, tries;

    *retry_after = 0;
    if (cfg->signup_max == 0)
        return JOTD_OK;
    if (bucket(name, 's', "", ip) != JOTD_OK)
        return JOTD_ERR_INTERNAL;
    memset(&f, 0, sizeof f);
    for (tries = 0; tries < TAKE_TRIES; tries++) {
        if (st->ops->failure_take(st, name, now, window, expect, &taken,
                                  &f) != JOTD_STORE_OK)
            return JOTD_ERR_UNAVAILABLE;
        if (taken)
            return JOTD_OK;
        if (f.count >= cfg->signup_max)
            break;
        expect = f.count;
    }
    /* Full until its window, from the first sign-up it counted, is
     * over; a take lost TAKE_TRIES times waits a second. */
    *retry_after = 1;
    if (f.count >= cfg->signup_max && f.first_at + window > now)
        *retry_after = (f.first_at + window - now + 999) / 1000;
    jotd_audit(st, ip, "signup_throttled", NULL, NULL, NULL);
    return JOTD_ERR_THROTTLED;
}
