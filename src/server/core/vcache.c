/*
 * vcache.c - the verified-token cache: direct-mapped, per thread, so the
 * hot path takes no lock and shares no cache line.
 *
 * The slot is chosen by SipHash-2-4 of the whole token under a key of
 * the thread's own, drawn from RAND_bytes when its table is made: one
 * who does not know the key cannot pick tokens that land on one slot
 * and evict each other's entries.  A hit requires the stored token to
 * equal the presented one, compared in constant time: a collision or a
 * forged token that hashes alike costs a miss, never a false hit, and
 * the time of the comparison tells nothing about the stored token.
 * Entries carry the epoch they were verified in; a key rotation or a
 * SIGHUP moves the epoch, so they stop matching and every token is
 * checked again under the new keys and configuration.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core/vcache.h"

#define SLOTS 512               /* per thread: about 0.6 MiB when full */
#define TOKEN_MAX 1024          /* longer tokens are not cached */
#define HASH_KEY_LEN 16         /* SipHash's key */
#define HASH_LEN 8              /* SipHash-2-4-64 is enough for a slot */

struct slot {
    uint64_t epoch;
    size_t len;
    struct jotd_vcache_hit hit;
    char tok[TOKEN_MAX];
};

/* A thread's cache and the keyed hash that picks its slots, prepared
 * once so that no algorithm is fetched per request. */
struct table {
    EVP_MAC_CTX *mac;
    unsigned char key[HASH_KEY_LEN];
    struct slot slots[SLOTS];
};

/*
 * Each thread's table, freed (and wiped: it holds bearer tokens) with
 * the thread.  A pthread key is process-wide by nature, and the cache
 * has no struct jotd to live in: its callers pass only the epoch.
 */
static pthread_key_t tables_key;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
table_free(void *p)
{
    struct table *t = p;

    if (t == NULL)
        return;
    EVP_MAC_CTX_free(t->mac);
    jot_free_wiped(t, sizeof *t);
}

static void
make_key(void)
{
    pthread_key_create(&tables_key, table_free);
}

/* A new table with its own random key; NULL when memory, randomness or
 * the MAC failed (then nothing is cached). */
static struct table *
table_new(void)
{
    struct table *t = calloc(1, sizeof *t);
    EVP_MAC *sip = NULL;
    size_t size = HASH_LEN;
    OSSL_PARAM params[2];

    if (t == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = OSSL_PARAM_construct_end();
    sip = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    t->mac = sip != NULL ? EVP_MAC_CTX_new(sip) : NULL;
    EVP_MAC_free(sip);          /* the context holds its own reference */
    if (t->mac == NULL || RAND_bytes(t->key, sizeof t->key) != 1 ||
        EVP_MAC_init(t->mac, t->key, sizeof t->key, params) != 1) {
        table_free(t);
        return NULL;
    }
    return t;
}

/* The slot of tok; NULL when the MAC fails (a miss, or not cached). */
static struct slot *
slot_of(struct table *t, const char *tok, size_t len)
{
    unsigned char h[HASH_LEN];
    size_t h_len = 0;
    uint64_t v;

    /* Keyed again each time: SipHash's key set-up is a few additions,
     * and it does not rely on a context keeping its key after final. */
    if (EVP_MAC_init(t->mac, t->key, sizeof t->key, NULL) != 1 ||
        EVP_MAC_update(t->mac, (const unsigned char *)tok, len) != 1 ||
        EVP_MAC_final(t->mac, h, &h_len, sizeof h) != 1 ||
        h_len != sizeof h)
        return NULL;
    memcpy(&v, h, sizeof v);
    return &t->slots[v % SLOTS];
}

int
jotd_vcache_get(uint64_t epoch, const char *tok, size_t len,
                struct jotd_vcache_hit *hit)
{
    struct table *t;
    struct slot *s;

    pthread_once(&tables_once, make_key);
    t = pthread_getspecific(tables_key);
    if (t == NULL || len > TOKEN_MAX)
        return 0;
    s = slot_of(t, tok, len);
    /* The length and the epoch are public; the token is compared in
     * constant time. */
    if (s == NULL || s->len != len || s->epoch != epoch ||
        !jot_ct_equal(s->tok, tok, len))
        return 0;
    *hit = s->hit;
    return 1;
}

void
jotd_vcache_put(uint64_t epoch, const char *tok, size_t len,
                const struct jotd_vcache_hit *hit)
{
    struct table *t;
    struct slot *s;

    if (len > TOKEN_MAX)
        return;
    pthread_once(&tables_once, make_key);
    t = pthread_getspecific(tables_key);
    if (t == NULL) {
        /* Made on a thread's first verification, freed when the
         * thread ends. */
        t = table_new();
        if (t == NULL || pthread_setspecific(tables_key, t) != 0) {
            table_free(t);
            return;
        }
    }
    s = slot_of(t, tok, len);
    if (s == NULL)
        return;
    s->epoch = epoch;
    s->len = len;
    s->hit = *hit;
    memcpy(s->tok, tok, len);
}
