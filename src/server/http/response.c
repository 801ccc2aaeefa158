/*
 * response.c - the answers handlers give: JSON bodies, headers, and the
 * one table from a jotd_err to an HTTP status and error code.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

void
jotd_resp_clear(struct jotd_resp *resp)
{
    size_t i;

    free(resp->body);
    for (i = 0; i < resp->n_hdr; i++)
        free(resp->hdr[i].value);
    memset(resp, 0, sizeof *resp);
}

void
jotd_resp_header(struct jotd_req *r, const char *name, const char *value)
{
    char *copy;

    if (r->resp.n_hdr == JOTD_MAX_RESP_HEADERS)
        return;
    copy = strdup(value);
    if (copy == NULL)
        return;
    r->resp.hdr[r->resp.n_hdr].name = name;
    r->resp.hdr[r->resp.n_hdr].value = copy;
    r->resp.n_hdr++;
}

void
jotd_resp_json(struct jotd_req *r, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

    json_decref(body);
    jotd_resp_json_text(r, status, text);
}

void
jotd_resp_json_text(struct jotd_req *r, unsigned status, char *text)
{
    jotd_resp_clear(&r->resp);
    if (text == NULL) {
        /* Out of memory: the smallest honest answer. */
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        text = strdup("{\"error\":\"server_error\","
                      "\"error_description\":\"out of memory\"}");
    }
    r->resp.status = status;
    r->resp.body = text;
    r->resp.body_len = text ? strlen(text) : 0;
    r->resp.content_type = "application/json; charset=utf-8";
}

/* The one table from a jotd_err to its HTTP status and API.md error
 * code; no default, so that a new code must be given its answer. */
static unsigned
status_of(jotd_err err, const char **code)
{
    switch (err) {
    case JOTD_ERR_INVALID:
    case JOTD_ERR_USERNAME:
    case JOTD_ERR_PASSWORD_SHORT:
    case JOTD_ERR_PASSWORD_LONG:
        *code = "invalid_request";
        return 400;
    case JOTD_ERR_CREDENTIALS: *code = "invalid_credentials"; return 401;
    case JOTD_ERR_TOKEN: *code = "invalid_token"; return 401;
    case JOTD_ERR_GRANT: *code = "invalid_grant"; return 401;
    case JOTD_ERR_FORBIDDEN: *code = "forbidden"; return 403;
    case JOTD_ERR_SCOPE: *code = "insufficient_scope"; return 403;
    case JOTD_ERR_NOT_FOUND: *code = "not_found"; return 404;
    case JOTD_ERR_METHOD: *code = "method_not_allowed"; return 405;
    case JOTD_ERR_CONFLICT: *code = "conflict"; return 409;
    case JOTD_ERR_TOO_LARGE: *code = "payload_too_large"; return 413;
    case JOTD_ERR_MEDIA_TYPE: *code = "unsupported_media_type"; return 415;
    case JOTD_ERR_THROTTLED: *code = "rate_limited"; return 429;
    case JOTD_ERR_UNSUPPORTED: *code = "not_implemented"; return 501;
    case JOTD_ERR_UNAVAILABLE:
    case JOTD_ERR_BUSY:
        *code = "unavailable";
        return 503;
    case JOTD_OK:               /* not an error: a handler's mistake */
    case JOTD_ERR_NOMEM:
    case JOTD_ERR_INTERNAL:
    case JOTD_ERR_LAST:
        break;
    }
    *code = "server_error";
    return 500;
}

void
jotd_resp_fail(struct jotd_req *r, jotd_err err, const char *description)
{
    const char *code;
    unsigned status = status_of(err, &code);

    jotd_resp_json(r, status,
                   json_pack("{s:s, s:s}", "error", code, "error_description",
                             description ? description : jotd_strerror(err)));
    /* API.md: every 503 says when to come back. */
    if (status == 503)
        jotd_resp_header(r, "Retry-After", "1");
}

void
jotd_resp_empty(struct jotd_req *r, unsigned status)
{
    jotd_resp_clear(&r->resp);
    r->resp.status = status;
}

