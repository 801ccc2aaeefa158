/*
 * tls.c - the certificate and key of libmicrohttpd's TLS, and their
 * reload.  libmicrohttpd fixes MHD_OPTION_HTTPS_MEM_CERT for the life of
 * the daemon; its GnuTLS certificate callback
 * (MHD_OPTION_HTTPS_CERT_CALLBACK) instead asks for the pair at every
 * handshake, so a SIGHUP can swap the pair under a running daemon: new
 * handshakes get the new pair, connections already open keep theirs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

#define PEM_MAX (1 << 20)       /* a certificate chain or key file */
#define CHAIN_MAX 16            /* certificates in the chain */

/* A certificate chain and its key, as GnuTLS hands them out. */
struct jotd_tls_pair {
    gnutls_pcert_st certs[CHAIN_MAX];
    unsigned n_certs;
    gnutls_privkey_t key;
    struct jotd_tls_pair *older;    /* the pairs it replaced */
};

/*
 * The pair handshakes use now.  File-scope because GnuTLS's retrieve
 * function takes no argument of ours; there is one daemon per process.
 * A replaced pair is kept until jotd_tls_clear: GnuTLS does not copy what
 * the callback returns, and a session may still be using it.  So each
 * reload keeps a few KiB, and the replaced private key, until the daemon
 * stops; reloads are an operator's act, rare enough for that.
 */
static _Atomic(struct jotd_tls_pair *) current;

/* Reads a PEM file, at most PEM_MAX bytes, into d (freed, wiped, by the
 * caller).  -1 with a message on failure. */
static int
read_pem(const char *path, gnutls_datum_t *d, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    size_t len;
    char *buf;

    d->data = NULL;
    d->size = 0;
    if (f == NULL) {
        jotd_errf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(PEM_MAX + 1);
    len = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    fclose(f);
    if (buf == NULL || len == 0 || len > PEM_MAX) {
        jotd_errf(err, err_len, "%s: empty, unreadable or over 1 MiB", path);
        jot_free_wiped(buf, len > PEM_MAX ? PEM_MAX + 1 : len);
        return -1;
    }
    d->data = (unsigned char *)buf;
    d->size = (unsigned)len;
    return 0;
}

static void
pair_free(struct jotd_tls_pair *p)
{
    unsigned i;

    if (p == NULL)
        return;
    for (i = 0; i < p->n_certs; i++)
        gnutls_pcert_deinit(&p->certs[i]);
    if (p->key != NULL)
        gnutls_privkey_deinit(p->key);
    free(p);
}

/* 1 when key is the private half of the certificate's public key (both
 * public keys exported and compared: public data). */
static int
same_key(gnutls_pubkey_t cert_key, gnutls_privkey_t key)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    int same = 0;

    if (gnutls_pubkey_init(&pub) >= 0 &&
        gnutls_pubkey_import_privkey(pub, key, 0, 0) >= 0 &&
        gnutls_pubkey_export2(cert_key, GNUTLS_X509_FMT_DER, &a) >= 0 &&
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &b) >= 0)
        same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
    gnutls_free(a.data);
    gnutls_free(b.data);
    if (pub != NULL)
        gnutls_pubkey_deinit(pub);
    return same;
}

/* Builds the pair from the PEM texts; the key must be the first
 * certificate's. */
static struct jotd_tls_pair *
pair_new(const struct jotd_tls *tls, const gnutls_datum_t *cert,
         const gnutls_datum_t *key, char *err, size_t err_len)
{
    struct jotd_tls_pair *p = calloc(1, sizeof *p);
    unsigned n = CHAIN_MAX;
    int rc;

    if (p == NULL) {
        jotd_errf(err, err_len, "out of memory");
        return NULL;
    }
    rc = gnutls_pcert_list_import_x509_raw(p->certs, &n, cert,
                                           GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        jotd_errf(err, err_len, "%s: %s", tls->cert_path,
                  gnutls_strerror(rc));
        goto fail;
    }
    p->n_certs = n;
    rc = gnutls_privkey_init(&p->key);
    if (rc >= 0)
        rc = gnutls_privkey_import_x509_raw(p->key, key,
                                            GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        jotd_errf(err, err_len, "%s: %s", tls->key_path, gnutls_strerror(rc));
        goto fail;
    }
    if (!same_key(p->certs[0].pubkey, p->key)) {
        jotd_errf(err, err_len, "%s, %s: the key is not the certificate's",
                  tls->cert_path, tls->key_path);
        goto fail;
    }
    return p;
fail:
    pair_free(p);
    return NULL;
}

/* Reads and checks the pair named in tls; NULL with a message. */
static struct jotd_tls_pair *
pair_load(const struct jotd_tls *tls, char *err, size_t err_len)
{
    gnutls_datum_t cert, key = {NULL, 0};
    struct jotd_tls_pair *p = NULL;

    if (read_pem(tls->cert_path, &cert, err, err_len) == 0 &&
        read_pem(tls->key_path, &key, err, err_len) == 0)
        p = pair_new(tls, &cert, &key, err, err_len);
    free(cert.data);
    jot_free_wiped(key.data, key.size);
    return p;
}

int
jotd_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                  int n_req_ca_dn, const gnutls_pk_algorithm_t *pk_algos,
                  int n_pk_algos, gnutls_pcert_st **pcert,
                  unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    struct jotd_tls_pair *p = atomic_load(&current);

    (void)session;
    (void)req_ca_dn;
    (void)n_req_ca_dn;
    (void)pk_algos;
    (void)n_pk_algos;
    if (p == NULL)
        return -1;              /* ends the handshake */
    *pcert = p->certs;
    *pcert_length = p->n_certs;
    *privkey = p->key;
    return 0;
}

jotd_err
jotd_tls_load(const struct jotd_config *cfg, struct jotd_tls *tls,
              char *err, size_t err_len)
{
    struct jotd_tls_pair *p;

    memset(tls, 0, sizeof *tls);
    if (cfg->tls_cert[0] == '\0')
        return JOTD_OK;
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        jotd_errf(err, err_len, "this libmicrohttpd has no TLS support");
        return JOTD_ERR_INVALID;
    }
    /* The paths are fixed for the life of the daemon (reload.c keeps
     * them); what they hold may change. */
    memcpy(tls->cert_path, cfg->tls_cert, sizeof tls->cert_path);
    memcpy(tls->key_path, cfg->tls_key, sizeof tls->key_path);
    p = pair_load(tls, err, err_len);
    if (p == NULL)
        return JOTD_ERR_INVALID;
    tls->pairs = p;
    tls->on = 1;
    atomic_store(&current, p);
    return JOTD_OK;
}

jotd_err
jotd_tls_reload(struct jotd_tls *tls, char *err, size_t err_len)
{
    struct jotd_tls_pair *p;

    if (!tls->on)
        return JOTD_OK;
    p = pair_load(tls, err, err_len);
    if (p == NULL)
        return JOTD_ERR_INVALID;
    p->older = tls->pairs;
    tls->pairs = p;
    atomic_store(&current, p);
    return JOTD_OK;
}

void
jotd_tls_clear(struct jotd_tls *tls)
{
    struct jotd_tls_pair *p = tls->pairs, *older;

    if (tls->on)
        atomic_store(&current, NULL);
    for (; p != NULL; p = older) {
        older = p->older;
        pair_free(p);
    }
    tls->pairs = NULL;
    tls->on = 0;
}
