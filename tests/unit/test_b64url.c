/*
 * test_b64url.c - strict base64url (b64url.h): RFC 4648 §10 vectors in the
 * url alphabet, round trips, every refusal of non-canonical input, buffer
 * limits and the allocating variants.
 */
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Known encodings: bytes as hex, encoding without padding. */
static const struct {
    const char *hex;
    const char *enc;
} known[] = {
    /* RFC 4648 §10 */
    { "", "" },
    { "66", "Zg" },
    { "666f", "Zm8" },
    { "666f6f", "Zm9v" },
    { "666f6f62", "Zm9vYg" },
    { "666f6f6261", "Zm9vYmE" },
    { "666f6f626172", "Zm9vYmFy" },
    /* the two characters where base64url differs from base64 */
    { "fbff", "-_8" },
    { "fbefbe", "----" },
    { "ffffff", "____" },
    { "03e0", "A-A" },
    { "ff", "_w" },
    { "fe", "_g" },
    { "00", "AA" },
    { "00000000", "AAAAAA" },
};

static void
test_known_encode(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(known); i++) {
        size_t n, out_len = 99;
        unsigned char *bin = tu_unhex(known[i].hex, &n);
        char dst[64];

        memset(dst, 'Z', sizeof dst);
        tu_assert_err(JOT_OK, jot_b64url_encode(bin, n, dst, sizeof dst,
                                                &out_len));
        assert_int_equal(out_len, strlen(known[i].enc));
        assert_string_equal(dst, known[i].enc);
        assert_int_equal(jot_b64url_encoded_len(n), strlen(known[i].enc));
        free(bin);
    }
}

static void
test_known_decode(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(known); i++) {
        size_t n, out_len = 99;
        unsigned char *bin = tu_unhex(known[i].hex, &n);
        unsigned char dst[64];
        size_t enc_len = strlen(known[i].enc);

        tu_assert_err(JOT_OK, jot_b64url_decode(known[i].enc, enc_len, dst,
                                                sizeof dst, &out_len));
        tu_assert_bytes(bin, n, dst, out_len);
        assert_true(jot_b64url_decoded_max(enc_len) >= n);
        free(bin);
    }
}

/* Every byte value, alone and in every position of a 3-byte group. */
static void
test_every_byte(void **state)
{
    int v;
    size_t pos;

    (void)state;
    for (v = 0; v < 256; v++) {
        for (pos = 0; pos < 3; pos++) {
            unsigned char src[3] = { 0x5a, 0x5a, 0x5a }, back[3];
            char enc[8];
            size_t enc_len, back_len;

            src[pos] = (unsigned char)v;
            tu_assert_err(JOT_OK, jot_b64url_encode(src, pos + 1, enc,
                                                    sizeof enc, &enc_len));
            assert_int_equal(enc_len, jot_b64url_encoded_len(pos + 1));
            tu_assert_err(JOT_OK, jot_b64url_decode(enc, enc_len, back,
                                                    sizeof back, &back_len));
            tu_assert_bytes(src, pos + 1, back, back_len);
        }
    }
}

/* All 256 byte values in one buffer. */
static void
test_all_bytes_buffer(void **state)
{
    unsigned char src[256], back[256];
    char enc[400];
    size_t i, enc_len, back_len;

    (void)state;
    for (i = 0; i < 256; i++)
        src[i] = (unsigned char)i;
    tu_assert_err(JOT_OK, jot_b64url_encode(src, sizeof src, enc, sizeof enc,
                                            &enc_len));
    assert_int_equal(enc_len, 342);
    for (i = 0; i < enc_len; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                               "tuvwxyz0123456789-_", enc[i]));
    tu_assert_err(JOT_OK, jot_b64url_decode(enc, enc_len, back, sizeof back,
                                            &back_len));
    tu_assert_bytes(src, sizeof src, back, back_len);
}

/* Lengths 0..64 of pseudo-random data (a fixed LCG) round-trip. */
static void
test_lengths_round_trip(void **state)
{
    uint32_t x = 0x12345678u;
    size_t len, i;

    (void)state;
    for (len = 0; len <= 64; len++) {
        unsigned char src[64], back[64];
        char enc[100];
        size_t enc_len, back_len;

        for (i = 0; i < len; i++) {
            x = x * 1664525u + 1013904223u;
            src[i] = (unsigned char)(x >> 24);
        }
        tu_assert_err(JOT_OK, jot_b64url_encode(src, len, enc, sizeof enc,
                                                &enc_len));
        assert_int_equal(enc_len, jot_b64url_encoded_len(len));
        assert_int_equal(enc[enc_len], '\0');
        assert_int_not_equal(enc_len % 4, 1);
        tu_assert_err(JOT_OK, jot_b64url_decode(enc, enc_len, back,
                                                sizeof back, &back_len));
        tu_assert_bytes(src, len, back, back_len);
        assert_true(jot_b64url_decoded_max(enc_len) >= len);
    }
}

static void
test_encoded_len(void **state)
{
    static const struct {
        size_t n, want;
    } cases[] = {
        { 0, 0 }, { 1, 2 }, { 2, 3 }, { 3, 4 }, { 4, 6 }, { 5, 7 },
        { 6, 8 }, { 32, 43 }, { 64, 86 }, { 256, 342 }, { 8192, 10923 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(cases); i++)
        assert_int_equal(jot_b64url_encoded_len(cases[i].n), cases[i].want);
}

/* decoded_max is an upper bound of the true decoded length for every n. */
static void
test_decoded_max(void **state)
{
    size_t n, want;

    (void)state;
    for (n = 0; n < 200; n++) {
        want = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
        if (jot_b64url_decoded_max(n) < want)
            fail_msg("decoded_max(%zu) = %zu < %zu", n,
                     jot_b64url_decoded_max(n), want);
    }
    assert_true(jot_b64url_decoded_max(43) >= 32);
    assert_true(jot_b64url_decoded_max(86) >= 64);
}

/* Inputs that are not the canonical encoding of anything. */
static const struct {
    const char *src;
    size_t len;             /* 0: strlen(src) */
    const char *why;
} refused[] = {
    { "Zg==", 0, "padding" },
    { "Zm8=", 0, "padding" },
    { "Zg=", 0, "padding" },
    { "=", 0, "lone padding" },
    { "Zm9v====", 0, "padding after full group" },
    { "Zm9v+A", 0, "'+' from the standard alphabet" },
    { "Zm9v/A", 0, "'/' from the standard alphabet" },
    { "+++", 0, "'+' only" },
    { "Zm9v Yg", 0, "space inside" },
    { " Zm9v", 0, "leading space" },
    { "Zm9v ", 0, "trailing space" },
    { "Zm9v\nYg", 0, "newline inside" },
    { "Zm9vYg\n", 0, "trailing newline" },
    { "Zm9v\r\nYg", 0, "CRLF inside" },
    { "Zm9v\tYg", 0, "tab inside" },
    { "Z", 0, "length 1 mod 4" },
    { "Zm9vY", 0, "length 1 mod 4" },
    { "Zm9vYmFyZ", 0, "length 1 mod 4" },
    { "QR", 0, "non-zero trailing bits (canonical is QQ)" },
    { "QB", 0, "non-zero trailing bits" },
    { "Zm9", 0, "non-zero trailing bits (canonical is Zm8)" },
    { "Zm-", 0, "non-zero trailing bits" },
    { "_x", 0, "non-zero trailing bits (canonical is _w)" },
    { "AAB", 0, "non-zero trailing bits (2 bytes)" },
    { "Zm\0v", 4, "NUL inside" },
    { "Zm9v\0", 5, "trailing NUL" },
    { "\0\0\0\0", 4, "only NULs" },
    { "Zm\x80v", 0, "byte 0x80" },
    { "Zm9v\xc3\xa9", 0, "UTF-8 e-acute" },
    { "Zm\xffv", 0, "byte 0xff" },
    { "Zm.v", 0, "dot" },
    { "Zm9v!A", 0, "exclamation mark" },
    { "Zm9v@A", 0, "at sign (one below A)" },
    { "Zm9v[A", 0, "bracket (one above Z)" },
    { "Zm9v`A", 0, "backquote (one below a)" },
    { "Zm9v{A", 0, "brace (one above z)" },
    { "Zm9v,A", 0, "comma (one below '-')" },
    { "Zm9v:A", 0, "colon (one above 9)" },
    { "Zm9v^A", 0, "caret (one below '_')" },
    { "Zm9v%3D", 0, "percent-encoded padding" },
};

static void
test_refused(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(refused); i++) {
        unsigned char dst[64];
        unsigned char *buf = (unsigned char *)"sentinel";
        size_t len = refused[i].len ? refused[i].len : strlen(refused[i].src);
        size_t out_len = 7;
        jot_err err;

        err = jot_b64url_decode(refused[i].src, len, dst, sizeof dst,
                                &out_len);
        if (err != JOT_ERR_MALFORMED)
            fail_msg("case %zu (%s): expected malformed, got %s", i,
                     refused[i].why, jot_err_name(err));
        err = jot_b64url_decode_alloc(refused[i].src, len, &buf, &out_len);
        if (err != JOT_ERR_MALFORMED)
            fail_msg("case %zu (%s), alloc: expected malformed, got %s", i,
                     refused[i].why, jot_err_name(err));
        assert_null(buf);
    }
}

/* Only src_len characters are read: what follows does not matter. */
static void
test_decode_reads_only_len(void **state)
{
    unsigned char dst[8];
    size_t out_len;

    (void)state;
    tu_assert_err(JOT_OK, jot_b64url_decode("Zm9v==garbage", 4, dst,
                                            sizeof dst, &out_len));
    tu_assert_bytes("foo", 3, dst, out_len);
    tu_assert_err(JOT_OK, jot_b64url_decode("Zg\n", 2, dst, sizeof dst,
                                            &out_len));
    tu_assert_bytes("f", 1, dst, out_len);
}

/* Decoding needs exactly the decoded length, encoding one more (NUL). */
static void
test_capacity(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(known); i++) {
        size_t n, out_len;
        unsigned char *bin = tu_unhex(known[i].hex, &n);
        size_t enc_len = strlen(known[i].enc);
        unsigned char dbuf[64];
        char ebuf[64];

        tu_assert_err(JOT_OK, jot_b64url_decode(known[i].enc, enc_len, dbuf,
                                                n, &out_len));
        assert_int_equal(out_len, n);
        if (n > 0)
            tu_assert_err(JOT_ERR_TOO_LARGE,
                          jot_b64url_decode(known[i].enc, enc_len, dbuf,
                                            n - 1, &out_len));
        tu_assert_err(JOT_OK, jot_b64url_encode(bin, n, ebuf, enc_len + 1,
                                                &out_len));
        assert_int_equal(out_len, enc_len);
        assert_string_equal(ebuf, known[i].enc);
        tu_assert_err(JOT_ERR_TOO_LARGE,
                      jot_b64url_encode(bin, n, ebuf, enc_len, &out_len));
        tu_assert_err(JOT_ERR_TOO_LARGE,
                      jot_b64url_encode(bin, n, ebuf, 0, &out_len));
        free(bin);
    }
}

static void
test_alloc(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_ELEMS(known); i++) {
        size_t n, out_len = 99;
        unsigned char *bin = tu_unhex(known[i].hex, &n);
        char *enc = NULL;
        unsigned char *dec = NULL;

        tu_assert_err(JOT_OK, jot_b64url_encode_alloc(bin, n, &enc));
        assert_non_null(enc);
        assert_string_equal(enc, known[i].enc);
        tu_assert_err(JOT_OK, jot_b64url_decode_alloc(enc, strlen(enc), &dec,
                                                      &out_len));
        assert_non_null(dec);
        tu_assert_bytes(bin, n, dec, out_len);
        assert_int_equal(dec[out_len], '\0');   /* NUL-terminated */
        jot_free(enc);
        jot_free(dec);
        free(bin);
    }
}

/* A large buffer (64 KiB) through the allocating variants. */
static void
test_alloc_large(void **state)
{
    size_t n = 65536, i, out_len;
    unsigned char *src = malloc(n), *dec = NULL;
    char *enc = NULL;

    (void)state;
    assert_non_null(src);
    for (i = 0; i < n; i++)
        src[i] = (unsigned char)(i * 7 + (i >> 8));
    tu_assert_err(JOT_OK, jot_b64url_encode_alloc(src, n, &enc));
    assert_int_equal(strlen(enc), jot_b64url_encoded_len(n));
    tu_assert_err(JOT_OK, jot_b64url_decode_alloc(enc, strlen(enc), &dec,
                                                  &out_len));
    tu_assert_bytes(src, n, dec, out_len);
    jot_free(enc);
    jot_free(dec);
    free(src);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_encode),
        cmocka_unit_test(test_known_decode),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_all_bytes_buffer),
        cmocka_unit_test(test_lengths_round_trip),
        cmocka_unit_test(test_encoded_len),
        cmocka_unit_test(test_decoded_max),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_decode_reads_only_len),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_alloc),
        cmocka_unit_test(test_alloc_large),
    };

    return cmocka_run_group_tests_name("b64url", tests, NULL, NULL);
}
