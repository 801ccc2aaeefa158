/*
 * password.h - password hashing: argon2id (PHC strings, through
 * libargon2) and bcrypt ($2b$, through libcrypt), verification in
 * constant time, and the rehash policy.
 */
#ifndef JOTD_PASSWORD_H
#define JOTD_PASSWORD_H

#include <stddef.h>

#include "core/config.h"
#include "util.h"

#define JOTD_PASSWORD_MIN 8        /* octets, NIST SP 800-63B */
#define JOTD_PASSWORD_MAX 1024
#define JOTD_BCRYPT_MAX 72         /* bcrypt reads no further */
#define JOTD_HASH_MAX 256          /* longest stored hash string + NUL */

/* Argon2id parameters (OWASP): m = 19456 KiB, t = 2, p = 1. */
#define JOTD_ARGON2_M_KIB 19456
#define JOTD_ARGON2_T 2
#define JOTD_ARGON2_P 1

/*
 * Every function here returns jotd's one result type: JOTD_OK,
 * JOTD_ERR_CREDENTIALS for a password that does not match,
 * JOTD_ERR_PASSWORD_SHORT or JOTD_ERR_PASSWORD_LONG for a new password
 * out of bounds, JOTD_ERR_NOMEM, and JOTD_ERR_INTERNAL for a stored hash
 * that is not understood or a failure of the hashing library.
 */

/*
 * Checks a new password's length for the configured algorithm; the
 * password is pw_len octets, not necessarily NUL-terminated.
 * JOTD_ERR_PASSWORD_SHORT under JOTD_PASSWORD_MIN, JOTD_ERR_PASSWORD_LONG
 * over JOTD_PASSWORD_MAX, or for bcrypt over 72 octets or holding a NUL
 * (bcrypt stops there).
 */
jotd_err jotd_password_check(const struct jotd_config *cfg, const char *pw,
                             size_t pw_len);

/*
 * Hashes pw with the configured algorithm and a fresh random salt into
 * out (JOTD_HASH_MAX bytes, NUL-terminated): an argon2id PHC string
 * ("$argon2id$v=19$m=19456,t=2,p=1$...") or a bcrypt "$2b$12$..." string.
 * Calls jotd_password_check first.
 */
jotd_err jotd_password_hash(const struct jotd_config *cfg, const char *pw,
                            size_t pw_len, char out[JOTD_HASH_MAX]);

/*
 * Verifies pw against a stored hash (argon2id v=19 PHC within sane
 * parameter ceilings, or $2a$/$2b$/$2y$ bcrypt).  JOTD_OK or
 * JOTD_ERR_CREDENTIALS (also, without hashing, for a password over
 * JOTD_PASSWORD_MAX, or one bcrypt would cut short), JOTD_ERR_INTERNAL
 * for anything else stored, JOTD_ERR_NOMEM when out of memory.  The
 * comparison is constant-time.
 */
jotd_err jotd_password_verify(const char *hash, const char *pw,
                              size_t pw_len);

/*
 * Spends the time of one verification against the configured algorithm
 * and parameters without a real hash, so that an unknown user costs what
 * a known one does.  Always "fails".
 */
void jotd_password_dummy_verify(const struct jotd_config *cfg,
                                const char *pw, size_t pw_len);

struct jotd;

/*
 * Sets the number of password hashes j computes at once to n (at least
 * 1).  Call it once, before any of the three functions below.
 */
void jotd_hash_slots_init(struct jotd *j, unsigned n);

/*
 * jotd_password_hash, jotd_password_verify and
 * jotd_password_dummy_verify, each waiting for one of j's hash slots
 * first and giving it back after: what every caller in jotd uses, so that
 * a burst of logins cannot take all the memory.
 */
jotd_err jotd_password_hash_bounded(struct jotd *j,
                                    const struct jotd_config *cfg,
                                    const char *pw, size_t pw_len,
                                    char out[JOTD_HASH_MAX]);
jotd_err jotd_password_verify_bounded(struct jotd *j, const char *hash,
                                      const char *pw, size_t pw_len);
void jotd_password_dummy_verify_bounded(struct jotd *j,
                                        const struct jotd_config *cfg,
                                        const char *pw, size_t pw_len);

/*
 * 1 when hash was made with another algorithm or other parameters than
 * the configuration asks for now, is $2a$/$2y$ bcrypt, or cannot be
 * parsed (so a successful login should rehash).
 */
int jotd_password_needs_rehash(const struct jotd_config *cfg,
                               const char *hash);

#endif /* JOTD_PASSWORD_H */
