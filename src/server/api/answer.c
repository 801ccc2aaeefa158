/*
 * answer.c - what the handlers share: the core context of a request,
 * and the failure answer (the one table of http/response.c, with the
 * wait of a throttled password check).
 */
#include <stdio.h>

#include "api/routes.h"

void
jotd_op_of(struct jotd_req *r, jotd_store *st, struct jotd_op *out)
{
    out->j = r->j;
    out->cfg = r->cfg;
    out->st = st;
    out->ip = r->ip;
    out->epoch = r->epoch;
    out->now = jotd_now_ms();
}

void
jotd_answer_fail(struct jotd_req *r, jotd_err err, const char *description,
                 int64_t retry_after)
{
    char retry[32];
    int n;

    jotd_resp_fail(r, err, description);
    if (err != JOTD_ERR_THROTTLED)
        return;
    /* API.md: a 429 says when to come back. */
    n = snprintf(retry, sizeof retry, "%lld",
                 (long long)(retry_after > 0 ? retry_after : 1));
    if (n > 0 && (size_t)n < sizeof retry)
        jotd_resp_header(r, "Retry-After", retry);
}
