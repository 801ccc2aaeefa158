/*
 * engine.h - what a storage engine needs to build a jotd_store; private
 * to store/ (the engines and store.c) and to the engines' own tests.
 * Nothing in core/ or above includes it: they see store.h only.
 *
 * An engine is one file (store/sqlite.c, store/pg.c).  It defines
 * its connection value with struct jotd_store as the first member,
 *
 *     struct sq {
 *         jotd_store base;        (first: the two pointers convert)
 *         sqlite3 *db;
 *         ...
 *     };
 *
 * fills base.ops with its own const table of store.h, and exports one
 * opener, declared below, that store.c names in its table of URL
 * schemes.  Adding an engine is one file, one declaration here and one
 * line in that table.
 */
#ifndef JOTD_STORE_ENGINE_H
#define JOTD_STORE_ENGINE_H

#include <stddef.h>

#include "store/store.h"

/*
 * Opens a connection for url, the whole database URL, whose scheme
 * store.c has matched to the engine.  Does not migrate.  Returns NULL
 * with a message in err (err_len bytes, "" on success); the message
 * must not repeat a password the URL may hold.  The result is freed
 * through its ops->close (jotd_store_close).
 */
typedef jotd_store *jotd_store_opener(const char *url, char *err,
                                      size_t err_len);

/* "sqlite:PATH" (store/sqlite.c). */
jotd_store_opener jotd_store_sqlite_open;

/* "postgresql://..." and "postgres://..." (store/pg.c): the whole URL
 * goes to libpq, which reads its hosts, options and password. */
jotd_store_opener jotd_store_pg_open;

/*
 * For the SQLite engine's tests only: replaces the busy timeout of st
 * (a connection of the SQLite engine) with busy, which SQLite calls
 * each time a lock held by another connection stops a statement: n is
 * how many times it was called before in this wait; it returns 0 to
 * give up (the operation fails with JOTD_STORE_ERROR) or non-zero to
 * try again.  ctx is kept until the next call.  A NULL busy restores the
 * default timeout.  Returns -1 when st is not a SQLite connection.
 *
 * WARNING: busy runs inside the store call, on the caller's thread, and
 * must not call into st.
 */
int jotd_store_sqlite_busy(jotd_store *st, int (*busy)(void *ctx, int n),
                           void *ctx);

#endif /* JOTD_STORE_ENGINE_H */
