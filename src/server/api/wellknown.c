/*
 * wellknown.c - the documents of /.well-known/: the JWKS (RFC 7517) and
 * the authorization server metadata (RFC 8414), answered from the key
 * snapshot with no database call.
 */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/keys.h"

/* Answers a prebuilt JSON document of the key snapshot. */
static void
static_json(struct jotd_req *r, const char *doc, int64_t max_age)
{
    char cc[64];
    int n;

    jotd_resp_empty(r, 200);
    r->resp.body = strdup(doc);
    if (r->resp.body == NULL) {
        jotd_resp_fail(r, JOTD_ERR_NOMEM, NULL);
        return;
    }
    r->resp.body_len = strlen(doc);
    r->resp.content_type = "application/json; charset=utf-8";
    n = snprintf(cc, sizeof cc, "public, max-age=%lld", (long long)max_age);
    if (n > 0 && (size_t)n < sizeof cc)
        jotd_resp_header(r, "Cache-Control", cc);
}

void
jotd_h_jwks(struct jotd_req *r, jotd_store *st)
{
    (void)st;
    static_json(r, jotd_keys_current(r->j)->jwks, r->cfg->jwks_max_age);
}

void
jotd_h_discovery(struct jotd_req *r, jotd_store *st)
{
    (void)st;
    static_json(r, jotd_keys_current(r->j)->discovery,
                r->cfg->jwks_max_age);
}
