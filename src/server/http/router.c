/*
 * router.c - finding the route of a request in the table of
 * api/routes.c.
 */
#include <stdio.h>
#include <string.h>

#include "http/internal.h"

const struct jotd_route *
jotd_route_find(const char *method, const char *path, const char **param,
                char *allow, size_t allow_cap)
{
    size_t i, plen, used = 0;
    int is_head = strcmp(method, "HEAD") == 0, n;

    allow[0] = '\0';
    *param = NULL;
    for (i = 0; i < jotd_n_routes; i++) {
        const struct jotd_route *rt = &jotd_routes[i];
        const char *p = NULL;
        plen = strlen(rt->path);
        if (rt->flags & JOTD_ROUTE_PARAM) {
            /* prefix "/v1/me/sessions/" then one non-empty segment */
            if (strncmp(path, rt->path, plen) != 0 || path[plen] == '\0' ||
                strchr(path + plen, '/') != NULL)
                continue;
            p = path + plen;
        } else if (strcmp(path, rt->path) != 0) {
            continue;
        }
        if (strcmp(method, rt->method) == 0 ||
            (is_head && strcmp(rt->method, "GET") == 0)) {
            *param = p;
            return rt;
        }
        n = snprintf(allow + used, allow_cap - used, "%s%s",
                     used ? ", " : "", rt->method);
        if (n < 0 || (size_t)n >= allow_cap - used)
            allow[used] = '\0';     /* the methods listed so far */
        else
            used += (size_t)n;
    }
    return NULL;
}
