/*
 * sealing.c - the server secret: loading or creating it, HKDF-SHA256
 * (RFC 5869) of it, and AES-256-GCM sealing of private key material.
 * OpenSSL does the cryptography.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <jot/jot.h>

#include "jotd.h"
#include "core/log.h"
#include "core/seal.h"

#define SECRET_RANDOM_BYTES 64
#define SECRET_FILE_MAX 4096        /* octets read from a secret file */
#define SECRET_PATH_MAX 1100        /* secret_file and db are 1024 */
#define GCM_NONCE_LEN 12
#define GCM_TAG_LEN 16
#define SEAL_MAX (1u << 20)         /* plaintext octets */

/*
 * The secret file: cfg->secret_file, else "secret" beside the SQLite
 * database, else "data/secret".
 */
static int
secret_path(const struct jotd_config *cfg, char *path, size_t cap)
{
    const char *db, *slash;
    int n;

    if (cfg->secret_file[0] != '\0') {
        n = snprintf(path, cap, "%s", cfg->secret_file);
    } else if (strncmp(cfg->db, "sqlite:", 7) == 0) {
        db = cfg->db + 7;
        slash = strrchr(db, '/');
        if (slash == NULL)
            n = snprintf(path, cap, "secret");
        else
            n = snprintf(path, cap, "%.*s/secret", (int)(slash - db), db);
    } else {
        n = snprintf(path, cap, "data/secret");
    }
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Creates every missing directory above the file path, mode 0700. */
static int
make_parents(const char *path)
{
    char dir[SECRET_PATH_MAX];
    size_t i, len = strlen(path);

    if (len >= sizeof dir)
        return -1;
    memcpy(dir, path, len + 1);
    for (i = 1; i < len; i++) {
        if (dir[i] != '/')
            continue;
        dir[i] = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        dir[i] = '/';
    }
    return 0;
}

/*
 * Creates the secret file with a new secret, which it also copies to out.
 * 1 when the file already exists (created by someone else meanwhile).
 */
static int
create_secret(const char *path, unsigned char *out, size_t out_cap,
              size_t *out_len, char *err, size_t err_len)
{
    unsigned char raw[SECRET_RANDOM_BYTES];
    char text[SECRET_RANDOM_BYTES * 2];
    size_t text_len = 0;
    int fd = -1, ret = -1;

    if (make_parents(path) != 0) {
        jotd_errf(err, err_len, "cannot create the directory of %s: %s", path,
                  strerror(errno));
        return -1;
    }
    /* O_EXCL|O_NOFOLLOW: never write through a link an attacker left. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 1;
        jotd_errf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (RAND_bytes(raw, sizeof raw) != 1) {
        jotd_errf(err, err_len, "no randomness for a new secret");
        goto out;
    }
    if (jot_b64url_encode(raw, sizeof raw, text, sizeof text - 1,
                          &text_len) != JOT_OK || text_len > out_cap) {
        jotd_errf(err, err_len, "secret buffer too small");
        goto out;
    }
    text[text_len] = '\n';
    if (jotd_write_all(fd, text, text_len + 1) != 0 || fsync(fd) != 0) {
        jotd_errf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    memcpy(out, text, text_len);
    *out_len = text_len;
    ret = 0;
out:
    if (close(fd) != 0 && ret == 0) {
        jotd_errf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        ret = -1;
    }
    /* A half-written file would be read as a short secret next time. */
    if (ret != 0)
        (void)unlink(path);
    jot_wipe(raw, sizeof raw);
    jot_wipe(text, sizeof text);
    return ret;
}

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* The file behind fd must be a regular file that only its owner may
 * read, and no longer than a secret can be. */
static int
check_secret_file(int fd, const char *path, char *err, size_t err_len)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        jotd_errf(err, err_len, "cannot stat %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        jotd_errf(err, err_len, "%s is not a regular file", path);
        return -1;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        jotd_errf(err, err_len,
                  "%s is accessible by group or others (mode %03o): "
                  "run chmod 600 %s", path, (unsigned)(st.st_mode & 0777),
                  path);
        return -1;
    }
    if (st.st_size > SECRET_FILE_MAX) {
        jotd_errf(err, err_len, "%s is too long to be a secret", path);
        return -1;
    }
    return 0;
}

/*
 * Reads the secret file into out.  1 when it does not exist.  The file
 * may be a link (an operator's secret store); what it points to must be
 * a regular file that only its owner may read.
 */
static int
read_secret(const char *path, unsigned char *out, size_t out_cap,
            size_t *out_len, char *err, size_t err_len)
{
    unsigned char buf[SECRET_FILE_MAX + 1];
    size_t len = 0;
    int fd, ret = -1;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        jotd_errf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (check_secret_file(fd, path, err, err_len) != 0)
        goto out;
    while (len < sizeof buf) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            jotd_errf(err, err_len, "cannot read %s: %s", path,
                      strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    while (len > 0 && is_space(buf[len - 1]))
        len--;
    if (len > SECRET_FILE_MAX || len > out_cap) {
        jotd_errf(err, err_len, "the secret in %s is too long", path);
        goto out;
    }
    if (len < JOTD_SECRET_MIN) {
        jotd_errf(err, err_len,
                  "the secret in %s is shorter than %d bytes", path,
                  JOTD_SECRET_MIN);
        goto out;
    }
    memcpy(out, buf, len);
    *out_len = len;
    ret = 0;
out:
    jot_wipe(buf, sizeof buf);
    close(fd);
    return ret;
}

jotd_err
jotd_secret_load(const struct jotd_config *cfg, unsigned char *out,
                 size_t out_cap, size_t *out_len, int *created, char *err,
                 size_t err_len)
{
    char path[SECRET_PATH_MAX];
    size_t len;
    int attempt, r;

    *out_len = 0;
    *created = 0;
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (cfg->secret[0] != '\0') {
        len = strnlen(cfg->secret, sizeof cfg->secret);
        if (len < JOTD_SECRET_MIN) {
            jotd_errf(err, err_len, "secret: shorter than %d bytes",
                      JOTD_SECRET_MIN);
            return JOTD_ERR_INVALID;
        }
        if (len > out_cap) {
            jotd_errf(err, err_len, "secret: too long");
            return JOTD_ERR_INVALID;
        }
        memcpy(out, cfg->secret, len);
        *out_len = len;
        return JOTD_OK;
    }
    if (secret_path(cfg, path, sizeof path) != 0) {
        jotd_errf(err, err_len, "secret_file: path too long");
        return JOTD_ERR_INVALID;
    }
    /* Twice at most: another process may create the file between tries. */
    for (attempt = 0; attempt < 2; attempt++) {
        /* Both are 0 for done, 1 to try the other, -1 refused. */
        r = read_secret(path, out, out_cap, out_len, err, err_len);
        if (r <= 0)
            return r == 0 ? JOTD_OK : JOTD_ERR_INVALID;
        r = create_secret(path, out, out_cap, out_len, err, err_len);
        if (r == 0)
            *created = 1;
        if (r <= 0)
            return r == 0 ? JOTD_OK : JOTD_ERR_INVALID;
    }
    jotd_errf(err, err_len, "%s exists but cannot be opened", path);
    return JOTD_ERR_INVALID;
}

jotd_err
jotd_secret_derive(const unsigned char *secret, size_t secret_len,
                   const char *label, unsigned char out[JOTD_DERIVED_LEN])
{
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *ctx = NULL;
    OSSL_PARAM params[4];
    jotd_err ret = JOTD_ERR_INTERNAL;

    if (secret == NULL || secret_len == 0 || label == NULL)
        return JOTD_ERR_INVALID;
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL)
        goto out;
    ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL)
        goto out;
    /* RFC 5869 §2.2: no salt means HashLen zero octets. */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)secret, secret_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  (void *)label,
                                                  strlen(label));
    params[3] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, JOTD_DERIVED_LEN, params) != 1)
        goto out;
    ret = JOTD_OK;
out:
    if (ret != JOTD_OK)
        jot_wipe(out, JOTD_DERIVED_LEN);
    EVP_KDF_CTX_free(ctx);          /* clears the key it copied */
    EVP_KDF_free(kdf);
    return ret;
}

jotd_err
jotd_secret_seal(const unsigned char key[JOTD_DERIVED_LEN],
                 const void *plaintext, size_t len, const char *aad,
                 char **out)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *blob = NULL;
    char *text = NULL;
    size_t blob_len, aad_len, text_len;
    jotd_err ret = JOTD_ERR_NOMEM;
    int n;

    *out = NULL;
    if (aad == NULL)
        aad = "";
    aad_len = strlen(aad);
    if (len > SEAL_MAX || aad_len > INT_MAX || (plaintext == NULL && len))
        return JOTD_ERR_INVALID;
    blob_len = GCM_NONCE_LEN + len + GCM_TAG_LEN;
    blob = malloc(blob_len);
    text = malloc(jot_b64url_encoded_len(blob_len) + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (blob == NULL || text == NULL || ctx == NULL)
        goto out;
    ret = JOTD_ERR_INTERNAL;
    if (RAND_bytes(blob, GCM_NONCE_LEN) != 1)
        goto out;
    /* The default GCM nonce length is 12 octets (SP 800-38D). */
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, blob) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
                          (int)aad_len) != 1 ||
        EVP_EncryptUpdate(ctx, blob + GCM_NONCE_LEN, &n, plaintext,
                          (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, blob + GCM_NONCE_LEN + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN,
                            blob + GCM_NONCE_LEN + len) != 1)
        goto out;
    if (jot_b64url_encode(blob, blob_len, text,
                          jot_b64url_encoded_len(blob_len) + 1,
                          &text_len) != JOT_OK)
        goto out;
    *out = text;
    text = NULL;
    ret = JOTD_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(text);
    free(blob);
    return ret;
}

jotd_err
jotd_secret_open(const unsigned char key[JOTD_DERIVED_LEN],
                 const char *sealed, const char *aad, unsigned char **out,
                 size_t *out_len)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *blob = NULL, *plain = NULL;
    size_t sealed_len, blob_len = 0, plain_len = 0, aad_len;
    size_t sealed_max = jot_b64url_encoded_len(GCM_NONCE_LEN + SEAL_MAX +
                                               GCM_TAG_LEN);
    jotd_err ret = JOTD_ERR_NOMEM;
    int n;

    *out = NULL;
    *out_len = 0;
    if (sealed == NULL)
        return JOTD_ERR_INVALID;
    if (aad == NULL)
        aad = "";
    aad_len = strlen(aad);
    sealed_len = strnlen(sealed, sealed_max + 1);
    if (sealed_len > sealed_max || aad_len > INT_MAX)
        return JOTD_ERR_INVALID;
    blob = malloc(jot_b64url_decoded_max(sealed_len) + 1);
    if (blob == NULL)
        goto out;
    ret = JOTD_ERR_INVALID;     /* tampered, or another key or aad */
    if (jot_b64url_decode(sealed, sealed_len, blob,
                          jot_b64url_decoded_max(sealed_len) + 1,
                          &blob_len) != JOT_OK ||
        blob_len < GCM_NONCE_LEN + GCM_TAG_LEN)
        goto out;
    plain_len = blob_len - GCM_NONCE_LEN - GCM_TAG_LEN;
    plain = malloc(plain_len + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (plain == NULL || ctx == NULL) {
        ret = JOTD_ERR_NOMEM;
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, blob) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
                          (int)aad_len) != 1 ||
        EVP_DecryptUpdate(ctx, plain, &n, blob + GCM_NONCE_LEN,
                          (int)plain_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN,
                            blob + GCM_NONCE_LEN + plain_len) != 1)
        goto out;
    /* The tag is checked here; nothing decrypted is released before. */
    if (EVP_DecryptFinal_ex(ctx, plain + n, &n) != 1)
        goto out;
    plain[plain_len] = '\0';
    *out = plain;
    *out_len = plain_len;
    plain = NULL;
    ret = JOTD_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    jot_free_wiped(plain, plain_len + 1);
    free(blob);
    return ret;
}

jotd_err
jotd_secrets_setup(struct jotd *j, char *err, size_t err_len)
{
    unsigned char secret[1024], refresh[JOTD_DERIVED_LEN];
    size_t secret_len = 0;
    jot_key *key = NULL;
    jotd_err rc;
    int created = 0;

    rc = jotd_secret_load(jotd_cfg(j), secret, sizeof secret, &secret_len,
                          &created, err, err_len);
    if (rc != JOTD_OK)
        return rc;
    if (created)
        jotd_log_message("jotd", "generated a new server secret in %s",
                         jotd_cfg(j)->secret_file[0] ? jotd_cfg(j)->secret_file
                                               : "the data directory");
    if (jotd_secret_derive(secret, secret_len, "jotd key sealing v1",
                           j->seal_key) != 0 ||
        jotd_secret_derive(secret, secret_len, "jotd refresh hmac v1",
                           refresh) != 0 ||
        jot_key_from_secret(refresh, sizeof refresh, JOT_ALG_HS256, &key) !=
            JOT_OK ||
        jot_key_set_kid(key, "refresh-v1") != JOT_OK ||
        jot_keyset_new(&j->refresh_keys) != JOT_OK ||
        jot_keyset_add(j->refresh_keys, key) != JOT_OK) {
        jotd_errf(err, err_len, "cannot derive keys from the server secret");
        rc = JOTD_ERR_INTERNAL;
        goto out;
    }
    j->refresh_key = jot_keyset_get(j->refresh_keys, 0);
out:
    jot_key_free(key);
    jot_wipe(secret, sizeof secret);
    jot_wipe(refresh, sizeof refresh);
    return rc;
}
