/*
 * answer.c - the failure answer the handlers share: the one table of
 * http/response.c, and the wait of a throttled password check.
 */
#include <stdio.h>

#include "api/routes.h"

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
