/*
 * json.c - strict JSON for headers, claims and keys, over jansson.
 *
 * jansson accepts duplicate member names (the last one wins) and nests
 * up to 2048 levels; a JOSE parser must do neither (RFC 7515 §5.2,
 * RFC 8725 §3.7).  Duplicates are refused by jansson's own flag; depth is
 * measured by a scan before jansson recurses, so a deep token costs one
 * linear pass and no stack.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int
jot__json_depth_ok(const unsigned char *buf, size_t len, size_t max)
{
    size_t i, depth = 0, openers = 0;
    int in_string = 0;

    /* Nothing can nest deeper than the number of brackets it opens, and
     * this branch-free count is several times cheaper than the exact scan
     * below, which typical tokens never need. */
    for (i = 0; i < len; i++)
        openers += (buf[i] == '{') | (buf[i] == '[');
    if (openers <= max)
        return 1;
    for (i = 0; i < len; i++) {
        unsigned char c = buf[i];

        if (in_string) {
            if (c == '\\')
                i++;            /* the escaped character cannot close */
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return 0;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

jot_err
jot_json_depth_check(const void *buf, size_t len)
{
    return jot__json_depth_ok(buf, len, JOT_MAX_JSON_DEPTH) ? JOT_OK
                                                            : JOT_ERR_DEPTH;
}

jot_err
jot__json_object(const void *buf, size_t len, json_t **out)
{
    json_error_t error;
    json_t *j;

    *out = NULL;
    if (!jot__json_depth_ok(buf, len, JOT_MAX_JSON_DEPTH))
        return JOT_ERR_DEPTH;
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &error);
    if (j == NULL) {
        if (json_error_code(&error) == json_error_duplicate_key)
            return JOT_ERR_DUPLICATE;
        if (json_error_code(&error) == json_error_out_of_memory)
            return JOT_ERR_NOMEM;
        return JOT_ERR_MALFORMED;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return JOT_ERR_MALFORMED;
    }
    *out = j;
    return JOT_OK;
}

jot_err
jot__json_dump(const json_t *j, char **out)
{
    *out = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    return *out ? JOT_OK : JOT_ERR_NOMEM;
}

jot_err
jot__json_b64(const json_t *obj, const char *name, unsigned char **out,
              size_t *out_len)
{
    const json_t *v = json_object_get(obj, name);

    *out = NULL;
    *out_len = 0;
    if (!json_is_string(v))
        return JOT_ERR_MALFORMED;
    return jot_b64url_decode_alloc(json_string_value(v), json_string_length(v),
                                   out, out_len);
}
