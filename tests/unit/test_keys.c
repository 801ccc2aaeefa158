/*
 * test_keys.c - the states of a stored signing key (core/keys.c): which
 * keys the snapshot keeps and the listings name, and when a retired key
 * leaves the JWKS (access_ttl + jwks_max_age after its retirement).
 */
#include "test_core.h"
#include "core/keys.h"

static void
test_key_state(void **state)
{
    /* access_ttl 900 s + jwks_max_age 300 s: 1200 s of retention. */
    static const int64_t keep = 1200000;
    static const struct {
        int64_t activated_at, retired_at, now;
        const char *state;
        int64_t expires_at;
    } cases[] = {
        {0, 0, T0, "inactive", 0},
        {T0, 0, T0, "active", 0},
        {T0, 0, T0 + 100 * keep, "active", 0},
        {T0, T0 + 5, T0 + 5, "retired", T0 + 5 + keep},
        {T0, T0 + 5, T0 + 4 + keep, "retired", T0 + 5 + keep},
        {T0, T0 + 5, T0 + 5 + keep, "expired", T0 + 5 + keep},
    };
    struct jotd_signing_key k;
    struct jotd_config cfg;
    int64_t expires;
    size_t i;

    (void)state;
    jotd_config_defaults(&cfg);
    assert_int_equal(cfg.access_ttl + cfg.jwks_max_age, keep / 1000);
    for (i = 0; i < N_ELEMS(cases); i++) {
        const char *got;

        memset(&k, 0, sizeof k);
        k.created_at = T0;
        k.activated_at = cases[i].activated_at;
        k.retired_at = cases[i].retired_at;
        got = jotd_key_state(&cfg, &k, cases[i].now, &expires);
        if (strcmp(got, cases[i].state) != 0 ||
            expires != cases[i].expires_at)
            fail_msg("case %zu: expected %s until %lld, got %s until %lld",
                     i, cases[i].state, (long long)cases[i].expires_at, got,
                     (long long)expires);
    }
    /* A longer access_ttl keeps a retired key longer. */
    cfg.access_ttl = 3600;
    memset(&k, 0, sizeof k);
    k.activated_at = T0;
    k.retired_at = T0;
    assert_string_equal(jotd_key_state(&cfg, &k, T0 + keep, NULL),
                        "retired");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
