/*
 * test_vcache.c - the verified-token cache (core/vcache.c): a hit needs
 * the same token, octet for octet, in the same epoch, on the same
 * thread; anything else is a miss, never a wrong answer.
 */
#include <pthread.h>

#include "testutil.h"
#include "core/vcache.h"

static void
fill(char *tok, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++)
        tok[i] = (char)('A' + (i * 7 + seed) % 26);
}

static struct jotd_vcache_hit
hit_of(unsigned n)
{
    struct jotd_vcache_hit h;

    memset(&h, 0, sizeof h);
    h.times.exp.present = 1;
    h.times.exp.i = 1000 + (int64_t)n;
    h.who.is_admin = (int)(n & 1);
    return h;
}

static void
test_hit_and_misses(void **state)
{
    struct jotd_vcache_hit in = hit_of(1), out;
    char tok[600], other[600];

    (void)state;
    fill(tok, sizeof tok, 0);
    memcpy(other, tok, sizeof other);
    other[sizeof other - 1] ^= 1;   /* differs in its last octet only */
    assert_false(jotd_vcache_get(7, tok, sizeof tok, &out));
    jotd_vcache_put(7, tok, sizeof tok, &in);
    assert_true(jotd_vcache_get(7, tok, sizeof tok, &out));
    assert_true(out.times.exp.i == in.times.exp.i);
    assert_false(jotd_vcache_get(8, tok, sizeof tok, &out));
    assert_false(jotd_vcache_get(7, other, sizeof other, &out));
    assert_false(jotd_vcache_get(7, tok, sizeof tok - 1, &out));
}

static void
test_long_token_not_cached(void **state)
{
    struct jotd_vcache_hit in = hit_of(2), out;
    static char tok[1025];

    (void)state;
    fill(tok, sizeof tok, 3);
    jotd_vcache_put(1, tok, sizeof tok, &in);
    assert_false(jotd_vcache_get(1, tok, sizeof tok, &out));
}

/* Many tokens share 512 slots: each lookup is the token's own answer or
 * a miss. */
static void
test_many_tokens_never_mixed(void **state)
{
    struct jotd_vcache_hit in, out;
    char tok[300];
    unsigned i, hits = 0;

    (void)state;
    for (i = 0; i < 4000; i++) {
        fill(tok, sizeof tok, i);
        memcpy(tok, &i, sizeof i);
        in = hit_of(i);
        jotd_vcache_put(3, tok, sizeof tok, &in);
    }
    for (i = 0; i < 4000; i++) {
        fill(tok, sizeof tok, i);
        memcpy(tok, &i, sizeof i);
        if (jotd_vcache_get(3, tok, sizeof tok, &out)) {
            assert_true(out.times.exp.i == 1000 + (int64_t)i);
            hits++;
        }
    }
    assert_true(hits > 0 && hits <= 512);
}

static void *
lookup_elsewhere(void *tok)
{
    struct jotd_vcache_hit out;

    return (void *)(intptr_t)jotd_vcache_get(7, tok, 600, &out);
}

/* Another thread has a table of its own. */
static void
test_per_thread(void **state)
{
    struct jotd_vcache_hit in = hit_of(4);
    static char tok[600];
    pthread_t t;
    void *found = NULL;

    (void)state;
    fill(tok, sizeof tok, 9);
    jotd_vcache_put(7, tok, sizeof tok, &in);
    assert_int_equal(pthread_create(&t, NULL, lookup_elsewhere, tok), 0);
    pthread_join(t, &found);
    assert_null(found);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_misses),
        cmocka_unit_test(test_long_token_not_cached),
        cmocka_unit_test(test_many_tokens_never_mixed),
        cmocka_unit_test(test_per_thread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
