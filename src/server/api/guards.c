/*
 * guards.c - the guards of the route table: finding the bearer token,
 * handing it to the core check, and answering RFC 6750 style when it
 * fails.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/guards.h"
#include "core/access.h"

const char *
jotd_bearer_token(const char *header, size_t *len)
{
    *len = 0;
    if (header == NULL || strncasecmp(header, "Bearer", 6) != 0 ||
        (header[6] != ' ' && header[6] != '\t'))
        return NULL;
    header += 7;
    while (*header == ' ' || *header == '\t')
        header++;
    *len = strcspn(header, " \t");
    /* Trailing blanks are allowed; anything after them is not a token. */
    if (header[*len + strspn(header + *len, " \t")] != '\0') {
        *len = 0;
        return NULL;
    }
    return *len ? header : NULL;
}

/* 401 with the WWW-Authenticate of RFC 6750 §3; no description means
 * no credentials were sent, and then no error attribute either. */
void
jotd_guard_refuse(struct jotd_req *r, const char *description)
{
    char challenge[256];
    int n;

    if (description == NULL) {
        jotd_resp_fail(r, JOTD_ERR_TOKEN, "missing bearer token");
        jotd_resp_header(r, "WWW-Authenticate", "Bearer realm=\"jot\"");
        return;
    }
    jotd_resp_fail(r, JOTD_ERR_TOKEN, description);
    /* The descriptions are jotd's own short phrases: they always fit. */
    n = snprintf(challenge, sizeof challenge,
                 "Bearer realm=\"jot\", error=\"invalid_token\", "
                 "error_description=\"%s\"", description);
    if (n > 0 && (size_t)n < sizeof challenge)
        jotd_resp_header(r, "WWW-Authenticate", challenge);
}

/* Answers a token the check refused: 401, or 500 when the check itself
 * failed (out of memory, the crypto library), which is no fault of the
 * token. */
static int
refuse(struct jotd_req *r, jot_err err)
{
    const char *why = jotd_access_describe(err);

    if (why == NULL)
        jotd_resp_fail(r, JOTD_ERR_INTERNAL, "cannot check the token");
    else
        jotd_guard_refuse(r, why);
    return -1;
}

int
jotd_guard_bearer(struct jotd_req *r)
{
    const char *header = jotd_req_header(r, "Authorization");
    struct jotd_access_view v;
    const char *tok;
    size_t len;
    jot_err err;

    /* API.md: an Authorization header over 8 KiB is refused unparsed. */
    if (header != NULL && strlen(header) > JOT_MAX_TOKEN_LEN + 7) {
        jotd_guard_refuse(r, "token too large");
        return -1;
    }
    tok = jotd_bearer_token(header, &len);
    if (tok == NULL) {
        jotd_guard_refuse(r, NULL);
        return -1;
    }
    jotd_access_view_now(r->j, r->epoch, r->cfg, &v);
    /* The clock tokens are issued by (jotd_now_ms): time(2) may lag it
     * by a tick, and a token issued at a second's start would then be
     * "not yet valid" for a moment. */
    err = jotd_access_check(&v, tok, len, jotd_now_ms() / 1000, 0, &r->who);
    return err == JOT_OK ? 0 : refuse(r, err);
}

int
jotd_guard_admin(struct jotd_req *r)
{
    if (jotd_guard_bearer(r) != 0)
        return -1;
    if (!r->who.is_admin) {
        jotd_resp_fail(r, JOTD_ERR_SCOPE, NULL);
        return -1;
    }
    return 0;
}

int
jotd_guard_signup(struct jotd_req *r)
{
    switch (r->cfg->registration) {
    case JOTD_REG_OPEN:
        return 0;
    case JOTD_REG_ADMIN:
        return jotd_guard_admin(r);
    case JOTD_REG_OFF:
        break;
    }
    jotd_resp_fail(r, JOTD_ERR_FORBIDDEN, "registration is closed");
    return -1;
}
