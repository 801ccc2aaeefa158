/*
 * store.c - picks the storage engine from the database URL, and the
 * helpers of store.h that do not depend on an engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static void
say(char *err, size_t err_len, const char *msg)
{
    int n;

    if (err == NULL || err_len == 0)
        return;
    n = snprintf(err, err_len, "%s", msg);
    if (n < 0)
        err[0] = '\0';
}

static int
has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

jotd_store *
jotd_store_open(const char *url, char *err, size_t err_len)
{
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (url == NULL || url[0] == '\0') {
        say(err, err_len, "no database URL");
        return NULL;
    }
    if (has_prefix(url, "sqlite:"))
        return jotd_store_sqlite_open(url + strlen("sqlite:"), err, err_len);
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://")) {
        say(err, err_len, "postgresql engine not built yet");
        return NULL;
    }
    /* The URL itself is not repeated: it may hold a password. */
    say(err, err_len, "unknown database URL scheme (expected sqlite:PATH "
        "or postgresql://...)");
    return NULL;
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
