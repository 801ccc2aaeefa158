/*
 * router.c - finding the route of a request in a table of patterns.
 *
 * A pattern is a path whose segments are literal or "{name}"; a {name}
 * takes one non-empty segment of the request path, with no '/'.  The
 * path is matched as libmicrohttpd hands it over, octet for octet.
 * The first route whose pattern and method fit wins, so a literal route
 * that a pattern would also take must come before it in the table.
 */
#include <string.h>

#include "http/router.h"

/* Records the parameter of the pattern's "{name}" at pat (name_len
 * octets between the braces) as the value of len octets at path. */
static int
add_param(struct jotd_params *p, const char *name, size_t name_len,
          const char *path, size_t len, size_t *used)
{
    if (p->n == JOTD_MAX_PARAMS || len >= sizeof p->buf - *used)
        return 0;
    memcpy(p->buf + *used, path, len);
    p->buf[*used + len] = '\0';
    p->at[p->n].name = name;
    p->at[p->n].name_len = name_len;
    p->at[p->n].value_off = *used;
    p->n++;
    *used += len + 1;
    return 1;
}

/* 1 when path fits pattern, with its parameters in p. */
static int
match(const char *pat, const char *path, struct jotd_params *p)
{
    const char *close;
    size_t used = 0, len;

    p->n = 0;
    while (*pat != '\0') {
        if (*pat != '{') {
            if (*pat != *path)
                return 0;
            pat++;
            path++;
            continue;
        }
        close = strchr(pat, '}');
        len = strcspn(path, "/");
        if (close == NULL || len == 0 ||
            !add_param(p, pat + 1, (size_t)(close - pat - 1), path, len,
                       &used))
            return 0;
        pat = close + 1;
        path += len;
    }
    return *path == '\0';
}

/* 1 when method is one of the comma-separated list. */
static int
listed(const char *list, const char *method)
{
    size_t n = strlen(method);

    while (*list != '\0') {
        if (strncmp(list, method, n) == 0 &&
            (list[n] == '\0' || list[n] == ','))
            return 1;
        list += strcspn(list, ",");
        list += strspn(list, ", ");
    }
    return 0;
}

/* Adds method to the Allow list (once); a list that is full stays as
 * it is, which no table of ours comes near. */
static void
allow_add(char *allow, size_t cap, const char *method)
{
    size_t used = strlen(allow), n = strlen(method), sep = used ? 2 : 0;

    if (listed(allow, method) || sep + n >= cap - used)
        return;
    memcpy(allow + used, ", ", sep);
    memcpy(allow + used + sep, method, n + 1);
}

const struct jotd_route *
jotd_route_find(const struct jotd_route *table, size_t n_routes,
                const char *method, const char *path,
                struct jotd_params *params, char *allow, size_t allow_cap)
{
    int is_head = strcmp(method, "HEAD") == 0;
    struct jotd_params tmp;
    size_t i;

    allow[0] = '\0';
    params->n = 0;
    if (strlen(path) > JOTD_MAX_PATH)
        return NULL;
    for (i = 0; i < n_routes; i++) {
        const struct jotd_route *rt = &table[i];

        if (!match(rt->pattern, path, &tmp))
            continue;
        /* RFC 9110 §9.3.2: HEAD is GET without the body. */
        if (strcmp(method, rt->method) == 0 ||
            (is_head && strcmp(rt->method, "GET") == 0)) {
            *params = tmp;
            allow[0] = '\0';
            return rt;
        }
        allow_add(allow, allow_cap, rt->method);
    }
    return NULL;
}

int
jotd_route_pattern_ok(const char *pattern)
{
    size_t n_params = 0, name_len;
    const char *p = pattern;

    if (p[0] != '/' || strlen(p) > JOTD_MAX_PATH)
        return 0;
    while (*p != '\0') {
        if (*p == '}')
            return 0;
        if (*p != '{') {
            p++;
            continue;
        }
        /* A parameter is a whole segment: "/{name}" then '/' or the end. */
        name_len = strcspn(p + 1, "{}/");
        if (p[-1] != '/' || name_len == 0 || p[1 + name_len] != '}' ||
            (p[2 + name_len] != '/' && p[2 + name_len] != '\0') ||
            ++n_params > JOTD_MAX_PARAMS)
            return 0;
        p += 2 + name_len;
    }
    return 1;
}

const char *
jotd_params_get(const struct jotd_params *params, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < params->n; i++) {
        if (params->at[i].name_len == n &&
            memcmp(params->at[i].name, name, n) == 0)
            return params->buf + params->at[i].value_off;
    }
    return NULL;
}
