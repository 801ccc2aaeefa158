/*
 * vcache.c - the verified-token cache: direct-mapped, per thread, so the
 * hot path takes no lock and shares no cache line.
 *
 * The slot is chosen by a hash of the whole token, but a hit requires the
 * stored token to equal the presented one octet for octet: a collision or
 * a forged token that hashes alike costs a miss, never a false hit.
 * Entries carry the epoch they were verified in; a key rotation or a
 * SIGHUP moves the epoch, so they stop matching and every token is
 * checked again under the new keys and configuration.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/vcache.h"

#define SLOTS 512               /* per thread: about 0.6 MiB when full */
#define TOKEN_MAX 1024          /* longer tokens are not cached */

struct slot {
    uint64_t epoch;
    size_t len;
    struct jotd_vcache_hit hit;
    char tok[TOKEN_MAX];
};

/* Each thread's slots, freed with the thread. */
static pthread_key_t slots_key;
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void
make_key(void)
{
    pthread_key_create(&slots_key, free);
}

/* FNV-1a, 64 bits: fast, and only picks a slot. */
static uint64_t
hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

int
jotd_vcache_get(uint64_t epoch, const char *tok, size_t len,
                struct jotd_vcache_hit *hit)
{
    struct slot *slots, *s;

    pthread_once(&slots_once, make_key);
    slots = pthread_getspecific(slots_key);
    if (slots == NULL || len > TOKEN_MAX)
        return 0;
    s = &slots[hash(tok, len) % SLOTS];
    if (s->len != len || s->epoch != epoch || memcmp(s->tok, tok, len) != 0)
        return 0;
    *hit = s->hit;
    return 1;
}

void
jotd_vcache_put(uint64_t epoch, const char *tok, size_t len,
                const struct jotd_vcache_hit *hit)
{
    struct slot *slots, *s;

    if (len > TOKEN_MAX)
        return;
    pthread_once(&slots_once, make_key);
    slots = pthread_getspecific(slots_key);
    if (slots == NULL) {
        /* Allocated on a thread's first verification, freed when the
         * thread ends. */
        slots = calloc(SLOTS, sizeof *slots);
        if (slots == NULL || pthread_setspecific(slots_key, slots) != 0) {
            free(slots);
            return;
        }
    }
    s = &slots[hash(tok, len) % SLOTS];
    s->epoch = epoch;
    s->len = len;
    s->hit = *hit;
    memcpy(s->tok, tok, len);
}
