/*
 * sealing.h - the server secret and what is derived from it: the key that
 * seals private signing keys in the database (AES-256-GCM) and the HMAC
 * key of refresh tokens, both through HKDF-SHA256 with distinct labels.
 */
#ifndef JOTD_SEALING_H
#define JOTD_SEALING_H

#include <stddef.h>

#include "core/config.h"
#include "util.h"

#define JOTD_SECRET_MIN 32          /* octets */
#define JOTD_DERIVED_LEN 32

/*
 * Loads the server secret: cfg->secret when set (JOTD_SECRET or
 * --secret), else the file cfg->secret_file (or "<dir of the sqlite db>/
 * secret", or "data/secret" for other databases).  A missing file is
 * created with 64 random bytes (base64url text), mode 0600, with
 * O_CREAT|O_EXCL|O_NOFOLLOW, and *created is set to 1 so the caller can
 * say so.  A file with any group or other permission bit (the message
 * says to run chmod 600), or a secret shorter than JOTD_SECRET_MIN
 * octets, is refused.  An existing file may be reached through a symlink;
 * creation never follows one.  The secret goes to out (out_cap
 * bytes), its length to *out_len.  JOTD_ERR_INVALID with a message in
 * err.
 */
jotd_err jotd_secret_load(const struct jotd_config *cfg, unsigned char *out,
                          size_t out_cap, size_t *out_len, int *created,
                          char *err, size_t err_len);

/*
 * HKDF-SHA256 (RFC 5869) of the secret (any length >= 1; the minimum is
 * enforced by jotd_secret_load) with an empty salt and info = label,
 * JOTD_DERIVED_LEN octets into out.  JOTD_ERR_INTERNAL when the crypto
 * library fails.
 * Labels in use: "jotd key sealing v1", "jotd refresh hmac v1".
 */
jotd_err jotd_secret_derive(const unsigned char *secret, size_t secret_len,
                            const char *label,
                            unsigned char out[JOTD_DERIVED_LEN]);

/*
 * Seals plaintext with AES-256-GCM under key (32 octets), binding aad
 * (e.g. the kid; NULL means "") as associated data; plaintext is at most
 * 1 MiB.  The result is a NUL-terminated
 * base64url string of nonce (12) || ciphertext || tag (16), in a new
 * buffer the caller frees with free().  JOTD_ERR_INVALID for input over
 * its limit, JOTD_ERR_NOMEM, JOTD_ERR_INTERNAL.
 */
jotd_err jotd_secret_seal(const unsigned char key[JOTD_DERIVED_LEN],
                          const void *plaintext, size_t len, const char *aad,
                          char **out);

/*
 * Opens what jotd_secret_seal made; the plaintext (NUL-terminated, length
 * in *out_len) goes to a new buffer the caller wipes and frees.
 * JOTD_ERR_INVALID when the text was tampered with, sealed under another
 * key or another aad; JOTD_ERR_NOMEM.
 */
jotd_err jotd_secret_open(const unsigned char key[JOTD_DERIVED_LEN],
                          const char *sealed, const char *aad,
                          unsigned char **out, size_t *out_len);

struct jotd;

/*
 * Loads the server secret (jotd_secret_load, with the configuration of
 * j) and derives from it j->seal_key and the HS256 refresh-token key,
 * alone in j->refresh_keys (also j->refresh_key).  The secret is wiped
 * before returning.  Says in the log when it created the secret file.
 * JOTD_ERR_INVALID or JOTD_ERR_INTERNAL with a message in err; what
 * was set in j is freed with j.
 */
jotd_err jotd_secrets_setup(struct jotd *j, char *err, size_t err_len);

#endif /* JOTD_SEALING_H */
