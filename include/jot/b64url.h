/*
 * jot/b64url.h - strict base64url (RFC 4648 §5) without padding, as JWS
 * uses it (RFC 7515 §2).
 *
 * The decoder accepts exactly the canonical encoding: only A-Z a-z 0-9 - _,
 * no '=' padding, no whitespace, a length that is not 1 mod 4, and zero
 * unused trailing bits.  Anything else is JOT_ERR_MALFORMED.  So every
 * byte string has exactly one accepted encoding.
 */
#ifndef JOT_B64URL_H
#define JOT_B64URL_H

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the encoding of n bytes (no terminator counted). */
JOT_API size_t jot_b64url_encoded_len(size_t n);

/* Upper bound of the decoded length of an n-character encoding. */
JOT_API size_t jot_b64url_decoded_max(size_t n);

/*
 * Encodes src (borrowed) into dst, which must hold dst_cap bytes.  Writes
 * the encoding followed by a NUL, and its length (without the NUL) to
 * *out_len.  JOT_ERR_TOO_LARGE when dst_cap is too small.
 */
JOT_API jot_err jot_b64url_encode(const void *src, size_t src_len, char *dst,
                                  size_t dst_cap, size_t *out_len);

/*
 * Decodes src (borrowed, src_len characters, no NUL needed) into dst of
 * dst_cap bytes; the decoded length goes to *out_len.
 * JOT_ERR_MALFORMED for any non-canonical input, JOT_ERR_TOO_LARGE when
 * dst_cap is too small.  dst may be left partly written on error.
 */
JOT_API JOT_NODISCARD jot_err jot_b64url_decode(const char *src,
                                                size_t src_len, void *dst,
                                                size_t dst_cap,
                                                size_t *out_len);

/*
 * Like jot_b64url_encode, into a new NUL-terminated string that the
 * caller frees with jot_free().
 */
JOT_API jot_err jot_b64url_encode_alloc(const void *src, size_t src_len,
                                        char **out);

/*
 * Like jot_b64url_decode, into a new buffer (NUL-terminated for
 * convenience, the NUL not counted in *out_len) freed with jot_free().
 */
JOT_API JOT_NODISCARD jot_err jot_b64url_decode_alloc(const char *src,
                                                      size_t src_len,
                                                      unsigned char **out,
                                                      size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* JOT_B64URL_H */
