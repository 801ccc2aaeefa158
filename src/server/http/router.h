/*
 * router.h - route matching over a table of path patterns, such as
 * "/v1/admin/users/{id}/sessions/{sid}".  It knows nothing of the
 * routes themselves: the table is api/routes.c's.
 */
#ifndef JOTD_ROUTER_H
#define JOTD_ROUTER_H

#include "http/http.h"

/*
 * The route of method and path (both borrowed; path NUL-terminated, as
 * it arrived), or NULL.  A HEAD request takes the GET route.  params
 * gets the values of the pattern's {name} segments (copied into it).
 * When the path is known but not with this method, allow gets the
 * methods it has ("GET, DELETE"), else it is empty: the caller answers
 * 405 or 404.  A path over JOTD_MAX_PATH octets matches nothing.
 */
const struct jotd_route *jotd_route_find(const struct jotd_route *table,
                                         size_t n_routes, const char *method,
                                         const char *path,
                                         struct jotd_params *params,
                                         char *allow, size_t allow_cap);

/*
 * 1 when pattern is one the router takes: it starts with '/', is at
 * most JOTD_MAX_PATH octets, and each "{name}" (a non-empty name) is a
 * whole segment, at most JOTD_MAX_PARAMS of them.
 */
int jotd_route_pattern_ok(const char *pattern);

/* The value of the parameter name in params (borrowed), or NULL. */
const char *jotd_params_get(const struct jotd_params *params,
                            const char *name);

#endif /* JOTD_ROUTER_H */
