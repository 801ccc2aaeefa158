/*
 * wellknown.c - the documents of /.well-known/: the JWKS (RFC 7517) and
 * the authorization server metadata (RFC 8414), answered from the key
 * snapshot with no database call.
 */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/keys.h"

/* A retired key stays published for access_ttl + jwks_max_age (see
 * core/keys.c), so a copy cached for jwks_max_age never lacks the key
 * of a token still alive. */
static void
cache_for(struct jotd_req *r, int64_t max_age)
{
    char cc[64];
    int n = snprintf(cc, sizeof cc, "public, max-age=%lld",
                     (long long)max_age);

    if (n > 0 && (size_t)n < sizeof cc)
        jotd_resp_header(r, "Cache-Control", cc);
}

/* GET /.well-known/jwks.json: the JWKS of the key snapshot, made once
 * per snapshot by core/keys.c. */
void
jotd_h_jwks(struct jotd_req *r, jotd_store *st)
{
    const char *doc = jotd_keys_current(r->j)->jwks;

    (void)st;
    jotd_resp_empty(r, 200);
    r->resp.body = strdup(doc);
    if (r->resp.body == NULL) {
        jotd_resp_fail(r, JOTD_ERR_NOMEM, NULL);
        return;
    }
    r->resp.body_len = strlen(doc);
    r->resp.content_type = "application/json; charset=utf-8";
    cache_for(r, r->cfg->jwks_max_age);
}

/* The algorithms of the published keys, each once.  HMAC keys are
 * left out: they are never published, since nobody else could verify
 * with them. */
static json_t *
signing_algs(const jot_keyset *set)
{
    json_t *algs = json_array();
    const char *name;
    size_t i, k;
    int seen;

    for (i = 0; algs != NULL && i < jot_keyset_count(set); i++) {
        jot_alg alg = jot_key_alg(jot_keyset_get(set, i));

        if (jot_alg_is_hmac(alg))
            continue;
        name = jot_alg_name(alg);
        seen = 0;
        for (k = 0; k < json_array_size(algs); k++)
            seen |= strcmp(json_string_value(json_array_get(algs, k)),
                           name) == 0;
        if (!seen && json_array_append_new(algs, json_string(name)) != 0) {
            json_decref(algs);
            algs = NULL;
        }
    }
    return algs;
}

/* The issuer followed by path, into out; -1 when it does not fit. */
static int
issuer_url(const struct jotd_config *cfg, const char *path, char *out,
           size_t cap)
{
    int n = snprintf(out, cap, "%s%s", cfg->issuer, path);

    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/*
 * The RFC 8414 metadata of the configuration and key set as they are
 * now, as compact JSON (caller frees), or NULL when out of memory.
 * It lists what is served and nothing else: no authorization endpoint
 * (no grant uses one, so RFC 8414 §2 lets it be absent, and
 * response_types_supported is empty), public clients only ("none"),
 * and introspection by an admin's bearer token ("Bearer", an access
 * token type, as RFC 8414 §2 allows for that endpoint).
 */
static char *
discovery_doc(const struct jotd_config *cfg, const jot_keyset *set)
{
    char jwks[600], token[600], revoke[600], introspect[600];
    json_t *doc, *algs;
    char *out;

    if (issuer_url(cfg, "/.well-known/jwks.json", jwks, sizeof jwks) != 0 ||
        issuer_url(cfg, "/oauth/token", token, sizeof token) != 0 ||
        issuer_url(cfg, "/oauth/revoke", revoke, sizeof revoke) != 0 ||
        issuer_url(cfg, "/oauth/introspect", introspect,
                   sizeof introspect) != 0)
        return NULL;
    algs = signing_algs(set);
    if (algs == NULL)
        return NULL;
    /* "o" takes algs, even when json_pack fails. */
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[ss], s:[s], s:[s], s:[s],"
                    " s:[], s:o}",
                    "issuer", cfg->issuer, "jwks_uri", jwks,
                    "token_endpoint", token, "revocation_endpoint", revoke,
                    "introspection_endpoint", introspect,
                    "grant_types_supported", "password", "refresh_token",
                    "token_endpoint_auth_methods_supported", "none",
                    "revocation_endpoint_auth_methods_supported", "none",
                    "introspection_endpoint_auth_methods_supported",
                    "Bearer", "response_types_supported",
                    "id_token_signing_alg_values_supported", algs);
    if (doc == NULL)
        return NULL;
    out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}

/*
 * Both metadata paths.  The document is made for each request, from the
 * request's configuration and the current key snapshot: a few
 * microseconds for a document clients fetch once and cache, and a
 * reload that changes the issuer shows at once (built with the key
 * snapshot, it kept the issuer of the last key change).
 */
void
jotd_h_discovery(struct jotd_req *r, jotd_store *st)
{
    char *doc = discovery_doc(r->cfg, jotd_keys_current(r->j)->verify);

    (void)st;
    jotd_resp_json_text(r, 200, doc);   /* NULL: 500 */
    if (doc != NULL)
        cache_for(r, r->cfg->jwks_max_age);
}
