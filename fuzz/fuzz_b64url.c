/*
 * fuzz_b64url.c - the strict base64url codec every token segment and JWK
 * member goes through.
 *
 * The input is decoded as text and encoded as bytes, into buffers of
 * exactly the advertised size (so that ASan sees one octet too many).
 *
 * Properties (any failure aborts): every byte string has exactly one
 * accepted encoding, so decode(encode(x)) == x and, when decoding s
 * succeeds, encode(decode(s)) == s; the lengths are the advertised ones;
 * a buffer one octet short is refused; the _alloc forms agree with the
 * others.
 */
#include <string.h>

#include "fuzz.h"

/* Decodes s into a buffer of exactly cap octets; the error. */
static jot_err
decode_exact(const char *s, size_t len, size_t cap, unsigned char **out,
             size_t *out_len)
{
    unsigned char *buf = malloc(cap ? cap : 1);
    jot_err err;

    CHECK(buf != NULL);
    err = jot_b64url_decode(s, len, buf, cap, out_len);
    if (err != JOT_OK) {
        CHECK(*out_len == 0);
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return err;
}

/* Encodes b into a buffer of exactly the advertised size; aborts on
 * failure.  Caller frees. */
static char *
encode_exact(const unsigned char *b, size_t len, size_t *out_len)
{
    size_t need = jot_b64url_encoded_len(len);
    char *buf = malloc(need + 1);

    CHECK(buf != NULL);
    CHECK(jot_b64url_encode(b, len, buf, need + 1, out_len) == JOT_OK);
    CHECK(*out_len == need && buf[need] == '\0');
    /* No room for the NUL is too small. */
    {
        size_t got = 1;
        char *small = malloc(need ? need : 1);

        CHECK(small != NULL);
        CHECK(jot_b64url_encode(b, len, small, need, &got) ==
              JOT_ERR_TOO_LARGE);
        CHECK(got == 0);
        free(small);
    }
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t max = jot_b64url_decoded_max(size), dec_len = 0, enc_len = 0;
    size_t alloc_len = 0;
    unsigned char *dec = NULL, *alloc = NULL;
    char *enc, *enc2 = NULL;
    jot_err err, err2;

    /* Text to bytes and back. */
    err = decode_exact(s, size, max, &dec, &dec_len);
    err2 = jot_b64url_decode_alloc(s, size, &alloc, &alloc_len);
    CHECK(err == err2);
    if (err == JOT_OK) {
        CHECK(dec_len == max);
        CHECK(alloc_len == dec_len && memcmp(alloc, dec, dec_len) == 0);
        CHECK(alloc[alloc_len] == '\0');
        enc = encode_exact(dec, dec_len, &enc_len);
        CHECK(enc_len == size && memcmp(enc, s, size) == 0);
        free(enc);
        /* One octet short is too small, never a partial success. */
        if (max > 0) {
            unsigned char *short_buf = NULL;
            size_t short_len = 0;

            CHECK(decode_exact(s, size, max - 1, &short_buf, &short_len) ==
                  JOT_ERR_TOO_LARGE);
        }
    } else {
        CHECK(err == JOT_ERR_MALFORMED);
        CHECK(alloc == NULL && alloc_len == 0);
    }
    free(dec);
    jot_free(alloc);

    /* Bytes to text and back. */
    enc = encode_exact(data, size, &enc_len);
    CHECK(jot_b64url_encode_alloc(data, size, &enc2) == JOT_OK);
    CHECK(strcmp(enc, enc2) == 0);
    CHECK(jot_b64url_decoded_max(enc_len) == size);
    CHECK(decode_exact(enc, enc_len, size, &dec, &dec_len) == JOT_OK);
    CHECK(dec_len == size && memcmp(dec, data, size) == 0);
    free(dec);
    free(enc);
    jot_free(enc2);
    return 0;
}
