/*
 * test_throttle.c - how the per-address counts of core/throttle.c see a
 * client address.  The attack: one host holds a whole IPv6 /64 and can
 * take a fresh address for every guess or sign-up, so counting single
 * IPv6 addresses would let it past every per-address limit.  Every
 * address of a /64 must be one count; IPv4 (and IPv4-mapped IPv6) stays
 * the single address.
 */
#include "testutil.h"
#include "core/throttle.h"

static void
test_addr_buckets(void **state)
{
    static const struct {
        const char *ip, *bucket;
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"192.0.2.2", "192.0.2.2"},
        {"::ffff:192.0.2.1", "192.0.2.1"},
        {"2001:db8:1:2::1", "2001:db8:1:2::/64"},
        {"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
        {"2001:DB8:1:2:a:b:c:d", "2001:db8:1:2::/64"},
        {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
        {"::1", "::/64"},
        {"fe80::1:2:3:4", "fe80::/64"},
        {"unknown", "unknown"},
    };
    char out[JOTD_THROTTLE_ADDR_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0, sizeof out);
        if (jotd_throttle_addr(cases[i].ip, out) != JOTD_OK ||
            strcmp(out, cases[i].bucket) != 0)
            fail_msg("%s: expected %s, got %s", cases[i].ip,
                     cases[i].bucket, out);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_buckets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
