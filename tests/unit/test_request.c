/*
 * test_request.c - request bodies (http/request.c).  JSON bodies
 * (jotd_json_body): the one-member fast path and jansson agree on every
 * body, and what API.md refuses is refused with the right description.
 * Form bodies (jotd_form_parse): a table of bodies with the parameters
 * they decode to, or the refusal they get.  The trusted proxies: which
 * peers' X-Forwarded-For is believed, and which of its addresses is the
 * client: a client behind a proxy that appends its own line, or its own
 * entry, must not choose its address by writing one first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testutil.h"
#include "http/internal.h"

/* What jansson alone makes of body: the reference for the fast path. */
static json_t *
reference(const char *body)
{
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, NULL);

    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void
test_agrees_with_jansson(void **state)
{
    static const char *const bodies[] = {
        "{\"refresh_token\":\"eyJhbGciOiJIUzI1NiJ9.e30.abc-_\"}",
        "{\"a\":\"\"}",
        "{\"\":\"x\"}",
        "{\"a\":\"b c ~!#$%&'()*+,-./:;<=>?@[]^`{|}\"}",
        "{\"a\":\"\\u0041\"}",              /* escaped: jansson's */
        "{\"a\":\"caf\xc3\xa9\"}",          /* UTF-8: jansson's */
        "{\"a\":\"b\"} ",                   /* trailing blank */
        " {\"a\":\"b\"}",
        "{\"a\" : \"b\"}",
        "{\"refresh_token\": \"x.y.z\"}",  /* Python's json.dumps */
        "\r\n{ \"a\"\t:\n\"b\" }\r\n",
        "{\"a\":\"b\"}\f",                  /* not a JSON blank */
        "{\"a\":\"b\"} x",
        "{\"a\":\"b\" \"c\"}",
        "{\"a\" \"b\"}",
        "{\"a\"::\"b\"}",
        "{\"a\":\"b\",}",
        "{\"a\":\"b\",\"c\":\"d\"}",
        "{\"a\":1}",
        "{\"a\":\"b\"}}",
        "{\"a\":\"b\"",
        "{\"a\":\"b}",
        "{\"a\":\"b\"}x",
        "{\"a\":\"\xff\"}",                 /* not UTF-8 */
        "{\"a\":\"tab\there\"}",            /* raw control character */
        "{\"a\":\"b\",\"a\":\"c\"}",        /* duplicate */
        "[\"a\",\"b\"]",
        "\"a\"",
        "{}",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        const char *why = NULL;
        json_t *got = jotd_json_body(bodies[i], strlen(bodies[i]), &why);
        json_t *want = reference(bodies[i]);

        if ((got == NULL) != (want == NULL) ||
            (got != NULL && !json_equal(got, want)))
            fail_msg("body %zu (%s): jotd_json_body and jansson differ", i,
                     bodies[i]);
        if (got == NULL && why == NULL)
            fail_msg("body %zu: refused without a description", i);
        json_decref(got);
        json_decref(want);
    }
}

/* A NUL after the object is not a blank: refused, as jansson does. */
static void
test_nul_after_object(void **state)
{
    static const char body[] = "{\"a\":\"b\"}\0";
    const char *why = NULL;
    json_t *j;

    (void)state;
    assert_null(jotd_json_body(body, sizeof body - 1, &why));
    assert_string_equal(why, "malformed JSON");
    j = jotd_json_body(body, sizeof body - 2, &why);  /* without it */
    assert_non_null(j);
    json_decref(j);
}

/* The fast path's value is exactly the octets between the quotes. */
static void
test_fast_path_value(void **state)
{
    static const char body[] = "{\"refresh_token\":\"x.y.z\"}";
    const char *why = NULL;
    json_t *j = jotd_json_body(body, sizeof body - 1, &why);

    (void)state;
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(
        json_string_value(json_object_get(j, "refresh_token")), "x.y.z");
    json_decref(j);
}

static void
test_refusals(void **state)
{
    static const struct {
        const char *body, *why;
    } cases[] = {
        {"{\"a\":\"b\",\"a\":\"c\"}", "malformed JSON"},
        {"[1]", "the body must be a JSON object"},
        {"{\"a\":\"b\"", "malformed JSON"},
        {"", "malformed JSON"},
    };
    char deep[80];
    const char *why;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        why = NULL;
        assert_null(jotd_json_body(cases[i].body, strlen(cases[i].body),
                                   &why));
        assert_string_equal(why, cases[i].why);
    }
    /* 33 levels: one more than API.md allows. */
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    deep[0] = '{';
    memcpy(deep + 1, "\"a\":", 4);
    memset(deep + 5, '[', 32);
    memset(deep + 37, ']', 32);
    deep[69] = '}';
    deep[70] = '\0';
    why = NULL;
    assert_null(jotd_json_body(deep, strlen(deep), &why));
    assert_string_equal(why, "JSON nested too deeply");
}


/* ---- form bodies ---------------------------------------------------- */

/* "name=value|" for each parameter of f, in order, into out. */
static void
form_show(const struct jotd_form *f, char *out, size_t cap)
{
    size_t i, used = 0;

    out[0] = '\0';
    for (i = 0; i < f->n; i++) {
        int n = snprintf(out + used, cap - used, "%s=%s|", f->at[i].name,
                         f->at[i].value);
        assert_true(n > 0 && (size_t)n < cap - used);
        assert_int_equal(strlen(f->at[i].name), f->at[i].name_len);
        assert_int_equal(strlen(f->at[i].value), f->at[i].value_len);
        used += (size_t)n;
    }
}

/* Long for its table of cases, one line each. */
static void
test_form(void **state)
{
    static const struct {
        const char *body;
        const char *want;       /* "name=value|"...; NULL: refused */
        const char *why;        /* the refusal's description */
    } cases[] = {
        {"", "", NULL},
        {"grant_type=password", "grant_type=password|", NULL},
        {"a=1&b=2", "a=1|b=2|", NULL},
        {"a=b+c", "a=b c|", NULL},
        {"a=b%2Bc", "a=b+c|", NULL},
        {"a=%20%7e%7E", "a= ~~|", NULL},
        {"a%5Fb=c", "a_b=c|", NULL},
        {"a=b=c", "a=b=c|", NULL},
        {"a=caf%C3%A9", "a=caf\xc3\xa9|", NULL},
        {"a=caf\xc3\xa9", "a=caf\xc3\xa9|", NULL},
        {"a=1&&b=2&", "a=1|b=2|", NULL},        /* empty pairs */
        {"&", "", NULL},
        {"a=&b=2", "b=2|", NULL},               /* no value: omitted */
        {"a&b=2", "b=2|", NULL},
        {"a=&a=1", "a=1|", NULL},
        {"A=1&a=2", "A=1|a=2|", NULL},          /* names are exact */
        {"a=%2", NULL, "invalid percent-encoding in the form body"},
        {"a=%", NULL, "invalid percent-encoding in the form body"},
        {"a=%zz", NULL, "invalid percent-encoding in the form body"},
        {"a=%g1", NULL, "invalid percent-encoding in the form body"},
        {"%=1", NULL, "invalid percent-encoding in the form body"},
        {"a=%00", NULL, "NUL in the form body"},
        {"a%00=1", NULL, "NUL in the form body"},
        {"a=%FF", NULL, "the form body is not UTF-8"},
        {"a=%C0%AF", NULL, "the form body is not UTF-8"},
        {"a=%ED%A0%80", NULL, "the form body is not UTF-8"},
        {"a=\xe2\x82", NULL, "the form body is not UTF-8"},
        {"%FF=1", NULL, "the form body is not UTF-8"},
        {"=1", NULL, "a form parameter has no name"},
        {"=", NULL, "a form parameter has no name"},
        {"a=1&=2", NULL, "a form parameter has no name"},
        {"a=1&a=1", NULL, "a form parameter is repeated"},
        {"a=1&b=2&a=3", NULL, "a form parameter is repeated"},
        {"a=1&a%3D=2&%61=3", NULL, "a form parameter is repeated"},
    };
    char got[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct jotd_form f;
        const char *why = "unset";
        jotd_err err = jotd_form_parse(cases[i].body, strlen(cases[i].body),
                                       &f, &why);

        if (cases[i].want == NULL) {
            if (err != JOTD_ERR_INVALID || why == NULL ||
                strcmp(why, cases[i].why) != 0)
                fail_msg("'%s': expected refusal '%s', got %d '%s'",
                         cases[i].body, cases[i].why, (int)err,
                         why ? why : "(null)");
            assert_null(f.buf);
            assert_int_equal(f.n, 0);
            continue;
        }
        if (err != JOTD_OK)
            fail_msg("'%s': refused: %s", cases[i].body, why);
        form_show(&f, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("'%s': expected '%s', got '%s'", cases[i].body,
                     cases[i].want, got);
        jotd_form_clear(&f);
    }
}

/* A NUL octet in the body itself is refused like an escaped one. */
static void
test_form_raw_nul(void **state)
{
    static const char body[] = "a=b\0c";
    struct jotd_form f;
    const char *why = NULL;

    (void)state;
    assert_int_equal(jotd_form_parse(body, sizeof body - 1, &f, &why),
                     JOTD_ERR_INVALID);
    assert_string_equal(why, "NUL in the form body");
}

/* JOTD_MAX_FORM_FIELDS parameters are taken, one more is refused. */
static void
test_form_count(void **state)
{
    char body[16 * (JOTD_MAX_FORM_FIELDS + 1)];
    struct jotd_form f;
    const char *why = NULL, *v;
    size_t i, used = 0, len;

    (void)state;
    for (i = 0; i < JOTD_MAX_FORM_FIELDS; i++) {
        int n = snprintf(body + used, sizeof body - used, "%sp%zu=%zu",
                         i ? "&" : "", i, i);
        assert_true(n > 0 && (size_t)n < sizeof body - used);
        used += (size_t)n;
    }
    assert_int_equal(jotd_form_parse(body, used, &f, &why), JOTD_OK);
    assert_int_equal(f.n, JOTD_MAX_FORM_FIELDS);
    v = jotd_form_get(&f, "p31", &len);
    assert_non_null(v);
    assert_string_equal(v, "31");
    assert_int_equal(len, 2);
    assert_null(jotd_form_get(&f, "p32", &len));
    assert_int_equal(len, 0);
    assert_null(jotd_form_get(&f, "p", &len));
    jotd_form_clear(&f);
    jotd_form_clear(&f);        /* an empty form clears again */
    memcpy(body + used, "&x=1", 5);
    assert_int_equal(jotd_form_parse(body, used + 4, &f, &why),
                     JOTD_ERR_INVALID);
    assert_string_equal(why, "too many form parameters");
    /* Parameters without a value do not count. */
    memcpy(body + used, "&x=", 4);
    assert_int_equal(jotd_form_parse(body, used + 3, &f, &why), JOTD_OK);
    jotd_form_clear(&f);
}

/* ---- trusted proxies ------------------------------------------------ */

/* jotd_req_trusted_peer of the textual address addr as a peer. */
static int
trusted(const struct jotd_config *cfg, const char *addr)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;

    memset(&in4, 0, sizeof in4);
    memset(&in6, 0, sizeof in6);
    in4.sin_family = AF_INET;
    in6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET, addr, &in4.sin_addr) == 1)
        return jotd_req_trusted_peer(cfg, (const struct sockaddr *)&in4);
    if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1)
        return jotd_req_trusted_peer(cfg, (const struct sockaddr *)&in6);
    fail_msg("'%s' is not an address", addr);
    return -1;
}

static void
set_proxies(struct jotd_config *cfg, const char *v)
{
    char err[256];

    if (jotd_config_set(cfg, "trusted_proxies", v, err, sizeof err) != 0)
        fail_msg("trusted_proxies = %s: %s", v, err);
}

static void
test_trusted_proxies(void **state)
{
    static const struct {
        const char *addr;
        int trusted;
    } cases[] = {
        {"10.1.2.3", 1}, {"10.255.255.255", 1}, {"11.0.0.1", 0},
        {"9.255.255.255", 0}, {"192.168.1.1", 1}, {"192.168.1.2", 0},
        {"192.168.2.0", 1}, {"192.168.3.255", 1}, {"192.168.4.0", 0},
        {"2001:db8::5", 1}, {"2001:db8:ffff::1", 1}, {"2001:db9::1", 0},
        {"::1", 1}, {"::2", 0}, {"fe80::1", 0},
        {"::ffff:10.9.9.9", 1}, {"::FFFF:192.168.1.1", 1},
        {"::ffff:11.0.0.1", 0}, {"172.16.5.5", 1}, {"172.31.255.255", 1},
        {"172.32.0.1", 0}, {"::ffff:172.20.0.1", 1},
    };
    struct sockaddr other;
    struct jotd_config cfg;
    size_t i;

    (void)state;
    memset(&other, 0, sizeof other);
    other.sa_family = AF_UNIX;
    jotd_config_defaults(&cfg);
    assert_int_equal(trusted(&cfg, "127.0.0.1"), 0);
    set_proxies(&cfg, "10.0.0.0/8, 192.168.1.1 ,192.168.3.7/23, "
                      "2001:db8::/32, ::1, ::ffff:172.16.0.0/108");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (trusted(&cfg, cases[i].addr) != cases[i].trusted)
            fail_msg("'%s': expected %d", cases[i].addr, cases[i].trusted);
    }
    assert_int_equal(jotd_req_trusted_peer(&cfg, NULL), 0);
    assert_int_equal(
        jotd_req_trusted_peer(&cfg, (const struct sockaddr *)&other), 0);

    /* /0 takes every address of its family, and only of its family. */
    set_proxies(&cfg, "0.0.0.0/0");
    assert_int_equal(trusted(&cfg, "203.0.113.9"), 1);
    assert_int_equal(trusted(&cfg, "::ffff:1.2.3.4"), 1);
    assert_int_equal(trusted(&cfg, "2001:db8::1"), 0);
    set_proxies(&cfg, "::/0");
    assert_int_equal(trusted(&cfg, "2001:db8::1"), 1);
    assert_int_equal(trusted(&cfg, "203.0.113.9"), 0);
    /* A mapped address as an entry is the IPv4 address. */
    set_proxies(&cfg, "::ffff:198.51.100.7");
    assert_int_equal(trusted(&cfg, "198.51.100.7"), 1);
    /* Bits past the prefix do not matter. */
    set_proxies(&cfg, "10.1.2.3/8");
    assert_int_equal(trusted(&cfg, "10.200.0.1"), 1);
    set_proxies(&cfg, "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,"
                      "1.0.0.7,1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,"
                      "1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16");
    assert_int_equal(trusted(&cfg, "1.0.0.16"), 1);
    set_proxies(&cfg, "");
    assert_int_equal(trusted(&cfg, "1.0.0.16"), 0);
}

/* The client of X-Forwarded-For lines ("|" separates lines), with
 * trusted_proxies 10.0.0.0/8 and 2001:db8::/32; NULL: none (the peer). */
static void
test_forwarded_client(void **state)
{
    static const struct {
        const char *lines, *client;
    } cases[] = {
        {"203.0.113.5", "203.0.113.5"},
        {"198.51.100.1, 203.0.113.5", "203.0.113.5"},
        /* The client's own line first, the proxy's appended after it. */
        {"198.51.100.1|203.0.113.5", "203.0.113.5"},
        {"198.51.100.1|203.0.113.5, 10.0.0.2", "203.0.113.5"},
        {"198.51.100.1, 203.0.113.5|10.0.0.2|10.1.1.1", "203.0.113.5"},
        /* Our proxies are skipped over all lines. */
        {"203.0.113.5, 10.0.0.3|10.0.0.2", "203.0.113.5"},
        {"2001:db8::1, 2001:db9::7, 2001:db8::2", "2001:db9::7"},
        /* Every one is ours: the left-most. */
        {"10.0.0.9, 10.0.0.2|10.0.0.1", "10.0.0.9"},
        /* Empty elements are nothing; blanks and tabs are trimmed. */
        {"203.0.113.5,, \t,", "203.0.113.5"},
        {" 203.0.113.5 \t", "203.0.113.5"},
        /* What is no address ends the walk at the last address. */
        {"203.0.113.5, unknown, 10.0.0.2", "10.0.0.2"},
        {"203.0.113.5, 1.2.3.4:80", NULL},
        {"unknown", NULL},
        {"[2001:db9::1]", NULL},
        {"", NULL},
        {"198.51.100.1|", "198.51.100.1"},
    };
    struct jotd_config cfg;
    char buf[256], out[64];
    const char *lines[8];
    size_t i, n;
    int rc;

    (void)state;
    jotd_config_defaults(&cfg);
    set_proxies(&cfg, "10.0.0.0/8, 2001:db8::/32");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = buf, *bar;

        assert_true(strlen(cases[i].lines) < sizeof buf);
        memcpy(buf, cases[i].lines, strlen(cases[i].lines) + 1);
        for (n = 0; p != NULL && n < 8; n++) {
            lines[n] = p;
            bar = strchr(p, '|');
            if (bar != NULL)
                *bar++ = '\0';
            p = bar;
        }
        out[0] = '\0';
        rc = jotd_req_forwarded_client(&cfg, lines, n, out, sizeof out);
        if (cases[i].client == NULL ? rc != -1
                                    : rc != 0 ||
                                          strcmp(out, cases[i].client) != 0)
            fail_msg("'%s': expected %s, got %d '%s'", cases[i].lines,
                     cases[i].client ? cases[i].client : "none", rc, out);
    }
    assert_int_equal(jotd_req_forwarded_client(&cfg, lines, 0, out,
                                               sizeof out), -1);
    /* An address longer than out is none. */
    lines[0] = "203.0.113.5";
    assert_int_equal(jotd_req_forwarded_client(&cfg, lines, 1, out, 8), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_jansson),
        cmocka_unit_test(test_fast_path_value),
        cmocka_unit_test(test_nul_after_object),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_form_raw_nul),
        cmocka_unit_test(test_form_count),
        cmocka_unit_test(test_trusted_proxies),
        cmocka_unit_test(test_forwarded_client),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
