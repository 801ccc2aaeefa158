/*
 * jsonbuf.c - a JSON object of a fixed shape, written straight into a
 * growing buffer (see jsonbuf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "jotd.h"
#include "core/jsonbuf.h"

static void
add(struct jotd_jsonbuf *b, const char *s, size_t n)
{
    size_t cap;
    char *p;

    if (b->failed)
        return;
    if (n + 2 > b->cap - b->len) {     /* room for '}' and the NUL */
        /* One allocation holds the usual object: claims are a few
         * hundred octets, a token response about 1,100. */
        cap = b->cap ? b->cap : 2048;
        while (n + 2 > cap - b->len)
            cap *= 2;
        p = realloc(b->text, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->text = p;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
}

/* ,"name": (or {"name": for the first member). */
static void
member(struct jotd_jsonbuf *b, const char *name)
{
    add(b, b->len == 0 ? "{\"" : ",\"", 2);
    add(b, name, strlen(name));
    add(b, "\":", 2);
}

/* Printable ASCII other than '"' and '\\' stands for itself in JSON. */
static int
plain(const char *s, size_t *len)
{
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            return 0;
    *len = (size_t)(c - (const unsigned char *)s);
    return 1;
}

/* Dumps v (any JSON value) with jansson and adds its text. */
static void
add_dumped(struct jotd_jsonbuf *b, const json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

    if (text == NULL) {
        b->failed = 1;
        return;
    }
    add(b, text, strlen(text));
    free(text);
}

void
jotd_jsonbuf_string(struct jotd_jsonbuf *b, const char *name,
                    const char *value)
{
    json_t *s;
    size_t n;

    member(b, name);
    if (plain(value, &n)) {
        add(b, "\"", 1);
        add(b, value, n);
        add(b, "\"", 1);
        return;
    }
    s = json_string(value);         /* NULL when not UTF-8 */
    add_dumped(b, s);
    json_decref(s);
}

void
jotd_jsonbuf_int(struct jotd_jsonbuf *b, const char *name, int64_t value)
{
    /* The magnitude of INT64_MIN does not fit in int64_t. */
    uint64_t mag = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    char num[24];

    member(b, name);
    if (value < 0)
        add(b, "-", 1);
    add(b, num, jotd_fmt_uint(num, mag, 1));
}

void
jotd_jsonbuf_value(struct jotd_jsonbuf *b, const char *name,
                   const json_t *value)
{
    member(b, name);
    add_dumped(b, value);
}

char *
jotd_jsonbuf_finish(struct jotd_jsonbuf *b)
{
    char *text;

    if (b->len == 0)
        add(b, "{", 1);
    add(b, "}", 1);
    if (b->failed) {
        free(b->text);
        b->text = NULL;
        return NULL;
    }
    b->text[b->len] = '\0';
    text = b->text;
    b->text = NULL;
    return text;
}
