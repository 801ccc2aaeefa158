/*
 * store.c - picks the storage engine from the database URL, and the
 * helpers of store.h that do not depend on an engine.
 */
#include <stdlib.h>
#include <string.h>

#include "store/engine.h"
#include "util.h"

/*
 * The URL schemes and their engines, tried in order.  Engines that are
 * known but not built in come last, with no opener, so that their URLs
 * get a clear answer; the line of a built engine goes above them and
 * wins the match.
 */
static const struct engine {
    const char *name;
    const char *prefix[2];          /* what its URLs start with */
    jotd_store_opener *open;        /* NULL: not built in */
} engines[] = {
    {"sqlite", {"sqlite:", NULL}, jotd_store_sqlite_open},
    {"postgresql", {"postgresql://", "postgres://"}, jotd_store_pg_open},
};

static int
has_prefix(const char *s, const char *prefix)
{
    return prefix != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct engine *
engine_of(const char *url)
{
    size_t i;

    for (i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        if (has_prefix(url, engines[i].prefix[0]) ||
            has_prefix(url, engines[i].prefix[1]))
            return &engines[i];
    }
    return NULL;
}

jotd_store *
jotd_store_open(const char *url, char *err, size_t err_len)
{
    const struct engine *e;

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (url == NULL || url[0] == '\0') {
        jotd_errf(err, err_len, "no database URL");
        return NULL;
    }
    e = engine_of(url);
    if (e == NULL) {
        /* The URL itself is not repeated: it may hold a password. */
        jotd_errf(err, err_len, "unknown database URL scheme (expected "
                  "sqlite:PATH or postgresql://...)");
        return NULL;
    }
    if (e->open == NULL) {
        jotd_errf(err, err_len, "%s engine not built yet", e->name);
        return NULL;
    }
    return e->open(url, err, err_len);
}

void
jotd_store_close(jotd_store *st)
{
    if (st != NULL)
        st->ops->close(st);
}

void
jotd_signing_key_clear(struct jotd_signing_key *k)
{
    if (k == NULL)
        return;
    free(k->public_jwk);
    free(k->private_enc);
    k->public_jwk = NULL;
    k->private_enc = NULL;
}
