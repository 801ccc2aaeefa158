/*
 * b64url.c - strict base64url without padding (RFC 4648 §5, RFC 7515 §2).
 *
 * Decoding accepts only the canonical form, so a token has exactly one
 * spelling: a decoder that ignored junk, padding or trailing bits would
 * let an attacker make many strings with one meaning (RFC 4648 §3.5).
 */
#include <stdlib.h>

#include "internal.h"

static const char alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0..63 for alphabet characters, 64 for everything else. */
static const unsigned char values[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    /* 0x20 - 0x2f: '-' is 62 */
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64,
    /* 0x30 - 0x3f: digits */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    /* 0x40 - 0x4f */
    64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    /* 0x50 - 0x5f: '_' is 63 */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
    /* 0x60 - 0x6f */
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    /* 0x70 - 0x7f */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

size_t
jot_b64url_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t
jot_b64url_decoded_max(size_t n)
{
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

jot_err
jot_b64url_encode(const void *src, size_t src_len, char *dst, size_t dst_cap,
                  size_t *out_len)
{
    const unsigned char *s = src;
    size_t need, i, o = 0;
    uint32_t v;

    *out_len = 0;
    if (src_len > (SIZE_MAX - 4) / 4 * 3)
        return JOT_ERR_TOO_LARGE;
    need = jot_b64url_encoded_len(src_len);
    if (dst_cap < need + 1)
        return JOT_ERR_TOO_LARGE;
    for (i = 0; i + 3 <= src_len; i += 3) {
        v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
        dst[o++] = alphabet[(v >> 6) & 63];
        dst[o++] = alphabet[v & 63];
    }
    if (src_len - i == 1) {
        v = (uint32_t)s[i] << 16;
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
    } else if (src_len - i == 2) {
        v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
        dst[o++] = alphabet[(v >> 6) & 63];
    }
    dst[o] = '\0';
    *out_len = o;
    return JOT_OK;
}

jot_err
jot_b64url_decode(const char *src, size_t src_len, void *dst, size_t dst_cap,
                  size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *d = dst;
    size_t i, o = 0, rest = src_len % 4;
    uint32_t v;
    unsigned char a, b, c, e;

    *out_len = 0;
    /* One leftover character carries only 6 bits: never a whole octet. */
    if (rest == 1)
        return JOT_ERR_MALFORMED;
    if (dst_cap < jot_b64url_decoded_max(src_len))
        return JOT_ERR_TOO_LARGE;
    for (i = 0; i + 4 <= src_len; i += 4) {
        a = values[s[i]];
        b = values[s[i + 1]];
        c = values[s[i + 2]];
        e = values[s[i + 3]];
        if ((a | b | c | e) & 64)
            return JOT_ERR_MALFORMED;
        v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | e;
        d[o++] = (unsigned char)(v >> 16);
        d[o++] = (unsigned char)(v >> 8);
        d[o++] = (unsigned char)v;
    }
    if (rest >= 2) {
        a = values[s[i]];
        b = values[s[i + 1]];
        c = rest == 3 ? values[s[i + 2]] : 0;
        if ((a | b | c) & 64)
            return JOT_ERR_MALFORMED;
        /* Canonical form: the bits past the last octet must be zero. */
        if (rest == 2 && (b & 15) != 0)
            return JOT_ERR_MALFORMED;
        if (rest == 3 && (c & 3) != 0)
            return JOT_ERR_MALFORMED;
        v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        d[o++] = (unsigned char)(v >> 16);
        if (rest == 3)
            d[o++] = (unsigned char)(v >> 8);
    }
    *out_len = o;
    return JOT_OK;
}

jot_err
jot_b64url_encode_alloc(const void *src, size_t src_len, char **out)
{
    size_t cap, len;
    char *buf;
    jot_err err;

    *out = NULL;
    if (src_len > (SIZE_MAX - 4) / 4 * 3)
        return JOT_ERR_TOO_LARGE;
    cap = jot_b64url_encoded_len(src_len) + 1;
    buf = malloc(cap);
    if (buf == NULL)
        return JOT_ERR_NOMEM;
    err = jot_b64url_encode(src, src_len, buf, cap, &len);
    if (err != JOT_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    return JOT_OK;
}

jot_err
jot_b64url_decode_alloc(const char *src, size_t src_len, unsigned char **out,
                        size_t *out_len)
{
    size_t cap = jot_b64url_decoded_max(src_len) + 1, len;
    unsigned char *buf;
    jot_err err;

    *out = NULL;
    *out_len = 0;
    buf = malloc(cap);
    if (buf == NULL)
        return JOT_ERR_NOMEM;
    err = jot_b64url_decode(src, src_len, buf, cap, &len);
    if (err != JOT_OK) {
        free(buf);
        return err;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return JOT_OK;
}
