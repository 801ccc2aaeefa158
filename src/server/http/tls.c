/*
 * tls.c - the certificate and key for libmicrohttpd's TLS, which wants
 * them in memory rather than as file names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

/* Reads a PEM file, NUL-terminated, at most 1 MiB.  NULL with a message
 * on failure. */
static char *
read_pem(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 20, len;
    char *buf;

    if (f == NULL) {
        jotd_errf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf = malloc(cap + 1);
    len = buf ? fread(buf, 1, cap + 1, f) : 0;
    fclose(f);
    if (buf == NULL || len == 0 || len > cap) {
        jotd_errf(err, err_len, "%s: empty, unreadable or over 1 MiB", path);
        jot_free_wiped(buf, len > cap ? cap + 1 : len);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

jotd_err
jotd_tls_load(const struct jotd_config *cfg, struct jotd_tls *tls,
              char *err, size_t err_len)
{
    memset(tls, 0, sizeof *tls);
    if (cfg->tls_cert[0] == '\0')
        return JOTD_OK;
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        jotd_errf(err, err_len, "this libmicrohttpd has no TLS support");
        return JOTD_ERR_INVALID;
    }
    tls->cert_pem = read_pem(cfg->tls_cert, err, err_len);
    tls->key_pem = tls->cert_pem ? read_pem(cfg->tls_key, err, err_len)
                                 : NULL;
    if (tls->key_pem == NULL) {
        jotd_tls_clear(tls);
        return JOTD_ERR_INVALID;
    }
    return JOTD_OK;
}

void
jotd_tls_clear(struct jotd_tls *tls)
{
    jot_free_secret(tls->key_pem);
    free(tls->cert_pem);
    tls->key_pem = tls->cert_pem = NULL;
}
