/*
 * test_access.c - the bearer check of core/access.c: the one function
 * that the route guards and the refresh handler's presented-token check
 * share.
 *
 * The cache of verified tokens is the risky part: a token taken from it
 * skips the signature, so these cases check that time (through the
 * library's own rule, with leeway), revocation and the epoch are still
 * applied to a cached token, and that a tampered twin of a cached token
 * is verified, not taken from the cache.
 */
#include "testutil.h"

#include "core/access.h"
#include "core/keys.h"
#include "core/revocation.h"
#include "core/snapshot.h"
#include "core/tokens.h"

#define ISSUER "https://jot.test"
#define SUB "11111111-2222-4333-8444-555555555555"
#define SID "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
#define IAT 1800000000          /* seconds: the tokens' issue time */

struct fixture {
    struct jotd j;
    struct jotd_config cfg;
    struct jotd_keys *keys;
    struct jotd_access_view view;
    char *access;               /* an access token of SUB/SID at IAT */
    char *refresh;
};

static jot_key *
new_key(jot_alg alg, const char *kid)
{
    jot_key *key = NULL;

    assert_int_equal(jot_key_generate(alg, &key), JOT_OK);
    assert_int_equal(jot_key_set_kid(key, kid), JOT_OK);
    return key;
}

static struct jotd_keys *
new_keys(const char *kid)
{
    struct jotd_keys *k = calloc(1, sizeof *k);

    assert_non_null(k);
    k->signer = new_key(JOT_ALG_ES256, kid);
    assert_int_equal(jot_keyset_new(&k->verify), JOT_OK);
    assert_int_equal(jot_keyset_add(k->verify, k->signer), JOT_OK);
    return k;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct jotd_user u;
    struct jotd_session s;
    struct jotd_token_pair pair;
    jot_key *rk;

    assert_non_null(f);
    jotd_config_defaults(&f->cfg);
    memcpy(f->cfg.issuer, ISSUER, sizeof ISSUER);
    jotd_snapshot_init(&f->j);
    f->keys = new_keys("access-1");
    atomic_init(&f->j.keys, f->keys);
    rk = new_key(JOT_ALG_HS256, "refresh-v1");
    assert_int_equal(jot_keyset_new(&f->j.refresh_keys), JOT_OK);
    assert_int_equal(jot_keyset_add(f->j.refresh_keys, rk), JOT_OK);
    f->j.refresh_key = jot_keyset_get(f->j.refresh_keys, 0);
    jot_key_free(rk);

    memset(&u, 0, sizeof u);
    memcpy(u.id, SUB, sizeof SUB);
    memcpy(u.roles, "[\"user\",\"admin\"]", sizeof "[\"user\",\"admin\"]");
    memset(&s, 0, sizeof s);
    memcpy(s.id, SID, sizeof SID);
    memcpy(s.user_id, SUB, sizeof SUB);
    s.gen = 1;
    s.expires_at = (int64_t)(IAT + 3600) * 1000;
    assert_int_equal(jotd_tokens_issue(&f->j, &f->cfg, &u, &s,
                                       (int64_t)IAT * 1000, &pair), 0);
    f->access = pair.access;
    f->refresh = pair.refresh;
    jotd_access_view_now(&f->j, 1, &f->cfg, &f->view);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    jot_free(f->access);
    jot_free(f->refresh);
    jotd_snapshot_finish(&f->j);   /* frees f->keys and the revoked sets */
    jot_keyset_free(f->j.refresh_keys);
    free(f);
    return 0;
}

static jot_err
check_at(struct fixture *f, int64_t now, unsigned flags,
         struct jotd_principal *who)
{
    return jotd_access_check(&f->view, f->access, strlen(f->access), now,
                             flags, who);
}

static void
test_valid_token_gives_principal(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;

    f->cfg.verify_cache = 0;
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);
    assert_string_equal(who.sub, SUB);
    assert_string_equal(who.sid, SID);
    assert_string_equal(who.roles, "user,admin");
    assert_int_equal(who.is_admin, 1);
}

/* The window of a token, fresh and from the cache alike: valid from nbf
 * (= iat) to exp (iat + access_ttl), widened by the leeway on both
 * sides, by the library's rule (now - leeway >= exp is expired). */
static void
test_time_window_fresh_and_cached(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;
    const int64_t exp = IAT + 900;
    struct {
        int64_t now, leeway;
        jot_err want;
    } cases[] = {
        {IAT, 0, JOT_OK},
        {exp - 1, 0, JOT_OK},
        {exp, 0, JOT_ERR_EXPIRED},
        {IAT - 1, 0, JOT_ERR_NOT_YET_VALID},
        {exp + 29, 30, JOT_OK},
        {exp + 30, 30, JOT_ERR_EXPIRED},
        {IAT - 30, 30, JOT_OK},
        {IAT - 31, 30, JOT_ERR_NOT_YET_VALID},
    };
    size_t i;
    int cached;

    for (cached = 0; cached <= 1; cached++) {
        for (i = 0; i < sizeof cases / sizeof *cases; i++) {
            f->cfg.verify_cache = cached;
            f->cfg.leeway = 0;
            if (cached) /* put it in the cache first, at a valid time */
                assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);
            f->cfg.leeway = cases[i].leeway;
            if (check_at(f, cases[i].now, 0, &who) != cases[i].want)
                fail_msg("case %zu (%s): now=iat%+lld leeway=%lld: want "
                         "%s, got %s", i, cached ? "cached" : "fresh",
                         (long long)(cases[i].now - IAT),
                         (long long)cases[i].leeway,
                         jot_err_name(cases[i].want),
                         jot_err_name(check_at(f, cases[i].now, 0, &who)));
        }
    }
}

static void
test_ignore_time_accepts_expired(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;

    assert_int_equal(check_at(f, IAT + 100000, 0, &who), JOT_ERR_EXPIRED);
    assert_int_equal(check_at(f, IAT + 100000, JOTD_ACCESS_IGNORE_TIME,
                              &who), JOT_OK);
    assert_string_equal(who.sid, SID);
}

static void
test_revoked_session_refused_even_cached(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;

    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);   /* cached */
    jotd_revoked_add(&f->j, SID);
    jotd_access_view_now(&f->j, 1, &f->cfg, &f->view);
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_ERR_REVOKED);
    assert_string_equal(who.sid, "");   /* nothing leaks out on refusal */
    f->cfg.verify_cache = 0;
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_ERR_REVOKED);
    /* The refresh handler's check passes no revoked set. */
    f->view.revoked = NULL;
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);
}

/* A new epoch (keys rotated, configuration reloaded) forgets the cache:
 * the token is verified again, and the new key set no longer has its
 * key. */
static void
test_new_epoch_verifies_again(void **state)
{
    struct fixture *f = *state;
    struct jotd_keys *other = new_keys("access-2");
    struct jotd_principal who;

    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);   /* cached */
    f->view.keys = other;
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);   /* same epoch */
    f->view.epoch = 2;
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_ERR_KEY_NOT_FOUND);
    jotd_keys_free(other);
}

/* A tampered twin of a cached token (one signature character changed)
 * is not a cache hit. */
static void
test_tampered_twin_of_cached_token(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;
    size_t len = strlen(f->access);
    char *twin = strdup(f->access);

    assert_non_null(twin);
    assert_int_equal(check_at(f, IAT + 1, 0, &who), JOT_OK);   /* cached */
    twin[len - 5] = twin[len - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(jotd_access_check(&f->view, twin, len, IAT + 1, 0,
                                       &who), JOT_ERR_BAD_SIGNATURE);
    free(twin);
}

static void
test_refresh_token_is_wrong_type(void **state)
{
    struct fixture *f = *state;
    struct jotd_principal who;

    assert_int_equal(jotd_access_check(&f->view, f->refresh,
                                       strlen(f->refresh), IAT + 1, 0, &who),
                     JOT_ERR_TYPE);
}

/* Every library code is either a token's fault, with words for the
 * client, or the server's, answered 500 (NULL): never a 401 for out of
 * memory or a crypto failure. */
static void
test_describe_every_code(void **state)
{
    int e;

    (void)state;
    for (e = JOT_OK; e < JOT_ERR_LAST; e++) {
        const char *why = jotd_access_describe((jot_err)e);
        int server_fault = e == JOT_OK || e == JOT_ERR_NOMEM ||
                           e == JOT_ERR_INVAL || e == JOT_ERR_CRYPTO;
        if ((why == NULL) != server_fault)
            fail_msg("%s: described as %s", jot_err_name((jot_err)e),
                     why ? why : "(server failure)");
    }
    assert_string_equal(jotd_access_describe(JOT_ERR_EXPIRED),
                        "token expired");
    assert_string_equal(jotd_access_describe(JOT_ERR_REVOKED),
                        "session revoked");
    assert_string_equal(jotd_access_describe(JOT_ERR_MALFORMED),
                        "malformed token");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_token_gives_principal,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_window_fresh_and_cached,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignore_time_accepts_expired,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_revoked_session_refused_even_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_epoch_verifies_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_twin_of_cached_token,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_token_is_wrong_type,
                                        setup, teardown),
        cmocka_unit_test(test_describe_every_code),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
