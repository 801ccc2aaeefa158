/*
 * cors.c - cross-origin requests (the Fetch standard's CORS protocol)
 * for the origins of allowed_origins, and for no other.
 *
 * A listed Origin gets Access-Control-Allow-Origin (that origin, never
 * "*", since credentials are allowed) and -Allow-Credentials on every
 * answer, errors included, so that a page can read why it was refused.
 * A preflight (OPTIONS with Access-Control-Request-Method) on a path
 * jotd serves is answered 204 with the path's methods and the request
 * headers jotd reads.  Any other origin gets no CORS header at all: its
 * preflight is the 405 any unserved method gets, and the browser keeps
 * the page from the answer.  Whenever origins are configured, answers
 * say Vary: Origin, since they then depend on it.
 */
#include <string.h>

#include "http/internal.h"

/* What a page may send and read beyond the CORS-safelisted headers. */
#define ALLOW_HEADERS "Authorization, Content-Type, X-Requested-With"
#define EXPOSE_HEADERS "WWW-Authenticate, Retry-After, X-Auth-Renewed-Token"
#define PREFLIGHT_MAX_AGE "600"     /* seconds a browser may keep it */

static const char *
listed_origin(struct jotd_req *r)
{
    const char *origin = jotd_req_header(r, "Origin");

    return jotd_config_origin_listed(r->cfg, origin) ? origin : NULL;
}

int
jotd_cors_preflight(struct jotd_req *r, const char *allow)
{
    if (strcmp(r->method, "OPTIONS") != 0 || allow[0] == '\0' ||
        jotd_req_header(r, "Access-Control-Request-Method") == NULL ||
        listed_origin(r) == NULL)
        return 0;
    jotd_resp_empty(r, 204);
    jotd_resp_header(r, "Access-Control-Allow-Methods", allow);
    jotd_resp_header(r, "Access-Control-Allow-Headers", ALLOW_HEADERS);
    jotd_resp_header(r, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
    return 1;
}

void
jotd_cors_headers(struct jotd_req *r, struct MHD_Response *resp)
{
    const char *origin;

    if (r->cfg == NULL || r->cfg->n_allowed_origins == 0)
        return;
    MHD_add_response_header(resp, "Vary", "Origin");
    origin = listed_origin(r);
    if (origin == NULL)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(resp, "Access-Control-Allow-Credentials",
                            "true");
    MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                            EXPOSE_HEADERS);
}
