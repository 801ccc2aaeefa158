/*
 * jsonbuf.h - a JSON object of a fixed shape, written straight into a
 * growing buffer.
 *
 * For the answers on the hottest paths (the token response, the claims
 * of every token jotd signs) building a jansson object only to dump it
 * costs more than the HMAC that signs the refresh token.  The member
 * names are the caller's constants; string values that are not plain
 * printable ASCII are escaped by jansson, as are whole values given as
 * json_t.
 */
#ifndef JOTD_JSONBUF_H
#define JOTD_JSONBUF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jotd_jsonbuf {
    char *text;
    size_t len, cap;
    int failed;                 /* out of memory or bad UTF-8: give up */
};

/* Members in order; the first opens the object.  name must need no
 * escaping (a literal of the caller's). */
void jotd_jsonbuf_string(struct jotd_jsonbuf *b, const char *name,
                         const char *value);
void jotd_jsonbuf_int(struct jotd_jsonbuf *b, const char *name,
                      int64_t value);
void jotd_jsonbuf_value(struct jotd_jsonbuf *b, const char *name,
                        const json_t *value);

/* Closes the object: its text (the caller frees), or NULL when anything
 * failed, the buffer freed either way. */
char *jotd_jsonbuf_finish(struct jotd_jsonbuf *b);

#endif /* JOTD_JSONBUF_H */
