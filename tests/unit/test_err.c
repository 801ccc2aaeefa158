/*
 * test_err.c - error codes and the small functions of err.h: jot_strerror,
 * jot_err_name, jot_ct_equal, jot_wipe, jot_free and jot_free_secret.
 */
#include "testutil.h"

/* Every code has a message and a name, both non-empty and all distinct. */
static void
test_every_code_named(void **state)
{
    const char *msg[JOT_ERR_LAST], *name[JOT_ERR_LAST];
    int i, j;

    (void)state;
    for (i = JOT_OK; i < JOT_ERR_LAST; i++) {
        msg[i] = jot_strerror((jot_err)i);
        name[i] = jot_err_name((jot_err)i);
        if (msg[i] == NULL || msg[i][0] == '\0')
            fail_msg("code %d: empty message", i);
        if (name[i] == NULL || name[i][0] == '\0')
            fail_msg("code %d: empty name", i);
    }
    for (i = JOT_OK; i < JOT_ERR_LAST; i++) {
        for (j = i + 1; j < JOT_ERR_LAST; j++) {
            if (strcmp(msg[i], msg[j]) == 0)
                fail_msg("codes %d and %d share message \"%s\"", i, j,
                         msg[i]);
            if (strcmp(name[i], name[j]) == 0)
                fail_msg("codes %d and %d share name \"%s\"", i, j,
                         name[i]);
        }
    }
}

/* Names are stable lowercase identifiers: [a-z0-9_] only. */
static void
test_names_are_identifiers(void **state)
{
    int i;
    const char *p;

    (void)state;
    for (i = JOT_OK; i < JOT_ERR_LAST; i++) {
        for (p = jot_err_name((jot_err)i); *p != '\0'; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  *p == '_'))
                fail_msg("code %d: name \"%s\" is not an identifier", i,
                         jot_err_name((jot_err)i));
        }
    }
}

/* The two names the header quotes as examples. */
static void
test_documented_names(void **state)
{
    (void)state;
    assert_string_equal(jot_err_name(JOT_ERR_BAD_SIGNATURE), "bad_signature");
    assert_string_equal(jot_err_name(JOT_ERR_EXPIRED), "expired");
    /* The newest code, last before JOT_ERR_LAST. */
    assert_int_equal(JOT_ERR_CTY + 1, JOT_ERR_LAST);
    assert_string_equal(jot_err_name(JOT_ERR_CTY), "cty");
}

/* Values outside the enum still give a string, never NULL. */
static void
test_out_of_range(void **state)
{
    static const int bad[] = { JOT_ERR_LAST, JOT_ERR_LAST + 1, 1000, -1,
                               0x7fffffff };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_non_null(jot_strerror((jot_err)bad[i]));
        assert_non_null(jot_err_name((jot_err)bad[i]));
    }
}

static void
test_ct_equal(void **state)
{
    static const struct {
        const char *a, *b;
        size_t len;
        int want;
    } cases[] = {
        { "", "", 0, 1 },
        { "x", "y", 0, 1 },             /* zero length is always equal */
        { "a", "a", 1, 1 },
        { "a", "b", 1, 0 },
        { "abcdef", "abcdef", 6, 1 },
        { "abcdef", "xbcdef", 6, 0 },   /* first byte */
        { "abcdef", "abcdex", 6, 0 },   /* last byte */
        { "abcdef", "abcdeF", 6, 0 },   /* one bit */
        { "abcdef", "abcxxx", 3, 1 },   /* only len bytes count */
        { "ab\0cd", "ab\0cd", 5, 1 },   /* NUL is a byte like any other */
        { "ab\0cd", "ab\0ce", 5, 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = jot_ct_equal(cases[i].a, cases[i].b, cases[i].len);
        if (got != cases[i].want)
            fail_msg("case %zu: expected %d, got %d", i, cases[i].want,
                     got);
    }
}

/* Every byte of every possible value differs: 256 one-byte comparisons. */
static void
test_ct_equal_all_bytes(void **state)
{
    unsigned char a[1], b[1];
    int x, y;

    (void)state;
    for (x = 0; x < 256; x++) {
        for (y = 0; y < 256; y += 17) {
            a[0] = (unsigned char)x;
            b[0] = (unsigned char)y;
            assert_int_equal(jot_ct_equal(a, b, 1), x == y);
        }
    }
}

static void
test_wipe(void **state)
{
    static const size_t lens[] = { 0, 1, 7, 64, 1000 };
    unsigned char buf[1002];
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(buf, 0xa5, sizeof buf);
        jot_wipe(buf + 1, lens[i]);
        assert_int_equal(buf[0], 0xa5);             /* before: untouched */
        for (j = 0; j < lens[i]; j++)
            assert_int_equal(buf[1 + j], 0);
        assert_int_equal(buf[1 + lens[i]], 0xa5);   /* after: untouched */
    }
}

/* jot_free(NULL) does nothing; jot_free of a library string frees it. */
static void
test_free_null(void **state)
{
    char *s = NULL;

    (void)state;
    jot_free(NULL);
    tu_assert_err(JOT_OK, jot_b64url_encode_alloc("x", 1, &s));
    assert_non_null(s);
    jot_free(s);
}

/*
 * jot_free_secret(NULL) does nothing; an empty string and library
 * strings are freed (ASan and valgrind see a leak or a double free).
 * That the octets are zero before the free cannot be observed without
 * reading freed memory; jot_wipe, which it calls, is tested above.
 */
static void
test_free_secret(void **state)
{
    static const char *texts[] = { "", "x", "a private JWK's worth" };
    char *s;
    size_t i;

    (void)state;
    jot_free_secret(NULL);
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        s = NULL;
        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(texts[i],
                                                      strlen(texts[i]), &s));
        assert_non_null(s);
        jot_free_secret(s);
    }
    /* a buffer of known length, a NUL inside; under ASan and valgrind a
     * missed free is a leak, a double one a report */
    jot_free_wiped(NULL, 16);
    s = malloc(8);
    assert_non_null(s);
    memcpy(s, "ab\0cdefg", 8);
    jot_free_wiped(s, 8);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_named),
        cmocka_unit_test(test_names_are_identifiers),
        cmocka_unit_test(test_documented_names),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_ct_equal),
        cmocka_unit_test(test_ct_equal_all_bytes),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_free_secret),
    };

    return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
