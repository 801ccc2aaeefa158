/*
 * fuzz_form.c - a form-encoded body as jotd reads it (jotd_form_parse
 * of src/server/http/request.c), for the OAuth endpoints.
 *
 * Properties (any failure aborts): a refusal is JOTD_ERR_INVALID with a
 * description, or JOTD_ERR_NOMEM, and leaves the form empty.  A form
 * taken has at most JOTD_MAX_FORM_FIELDS parameters, each with a
 * non-empty name and value of valid UTF-8 (as jansson sees it) with no
 * NUL and the lengths advertised, no name twice, and each found again
 * by jotd_form_get.  No parameter is longer than the body it came from.
 */
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "http/http.h"

/* 1 when s (len octets) is a string jansson takes: valid UTF-8. */
static int
utf8(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    int ok = j != NULL;

    json_decref(j);
    return ok;
}

static void
check_form(const struct jotd_form *f, size_t body_len)
{
    size_t i, k, len;

    CHECK(f->n <= JOTD_MAX_FORM_FIELDS);
    for (i = 0; i < f->n; i++) {
        const char *name = f->at[i].name, *value = f->at[i].value;

        CHECK(f->at[i].name_len > 0 && f->at[i].value_len > 0);
        CHECK(f->at[i].name_len + f->at[i].value_len < body_len);
        CHECK(strlen(name) == f->at[i].name_len);
        CHECK(strlen(value) == f->at[i].value_len);
        CHECK(utf8(name, f->at[i].name_len));
        CHECK(utf8(value, f->at[i].value_len));
        for (k = 0; k < i; k++)
            CHECK(strcmp(f->at[k].name, name) != 0);
        CHECK(jotd_form_get(f, name, &len) == value &&
              len == f->at[i].value_len);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jotd_form f;
    const char *why = NULL;
    jotd_err err;

    err = jotd_form_parse((const char *)data, size, &f, &why);
    if (err == JOTD_OK) {
        check_form(&f, size);
        jotd_form_clear(&f);
        CHECK(f.buf == NULL && f.n == 0);
        return 0;
    }
    CHECK(err == JOTD_ERR_NOMEM || (err == JOTD_ERR_INVALID && why != NULL));
    CHECK(f.buf == NULL && f.n == 0);
    return 0;
}
