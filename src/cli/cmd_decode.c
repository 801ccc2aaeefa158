/*
 * cmd_decode.c - jot decode: print a token's header and payload without
 * verifying anything but its shape.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define CMD "decode"

static const char usage[] =
    "NAME\n"
    "    jot decode - print a token's header and payload WITHOUT verifying\n"
    "\n"
    "SYNOPSIS\n"
    "    jot decode [--pretty] TOKEN\n"
    "\n"
    "DESCRIPTION\n"
    "    Decodes TOKEN, a compact JWS (RFC 7515), and prints on standard\n"
    "    output one line of JSON:\n"
    "\n"
    "        {\"header\":{...},\"payload\":{...}}\n"
    "\n"
    "    and on standard error 'jot: decode: warning: signature NOT\n"
    "    verified'.  Nothing printed can be trusted: anyone can make a\n"
    "    token that decodes.  Use 'jot verify' to check one.  TOKEN '-'\n"
    "    reads the token from standard input; one trailing newline (LF or\n"
    "    CRLF) is removed, nothing else.\n"
    "\n"
    "    When the payload is not a JSON object of claims (a JWS that is\n"
    "    not a JWT, or claims with a repeated member name), \"payload\" is\n"
    "    the payload as a JSON string instead, and a note on standard\n"
    "    error says so; a payload that is not UTF-8 is printed as\n"
    "    \"payload_b64url\", its base64url encoding.\n"
    "\n"
    "OPTIONS\n"
    "    --pretty\n"
    "        Print the JSON indented, on several lines.\n"
    "\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the token is well-formed (three segments of canonical\n"
    "    base64url, the header a JSON object), 1 when it is not, 2 for a\n"
    "    usage error.\n"
    "\n"
    "EXAMPLES\n"
    "    jot decode --pretty \"$TOKEN\"\n";

/*
 * The payload of a JWS that is not a JWT as a JSON string, or, when it
 * is not UTF-8, as a JSON string of its base64url encoding (*name tells
 * which).  *out is freed with free().
 */
static int
payload_string(const jot_jws *jws, const char **name, char **out)
{
    const unsigned char *p;
    size_t len;
    json_t *val = NULL;
    char *b64 = NULL;

    *out = NULL;
    jot_jws_payload(jws, &p, &len);
    *name = "payload";
    val = json_stringn((const char *)p, len);
    if (val == NULL) {
        *name = "payload_b64url";
        if (jot_b64url_encode_alloc(p, len, &b64) != JOT_OK)
            return -1;
        val = json_string(b64);
        jot_free(b64);
    }
    if (val != NULL)
        *out = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(val);
    return *out != NULL ? 0 : -1;
}

/*
 * Joins {"header":header,"<name>":value}; header and value are compact
 * JSON texts.  *out is freed with free().
 */
static int
join(const char *header, const char *name, const char *value, char **out)
{
    size_t len;
    int n;

    *out = NULL;
    /* Room for the texts, the punctuation around them, and the NUL. */
    if (__builtin_add_overflow(strlen(header), strlen(name), &len) ||
        __builtin_add_overflow(len, strlen(value), &len) ||
        __builtin_add_overflow(len, sizeof "{\"header\":,\"\":}", &len))
        return -1;
    *out = malloc(len);
    if (*out == NULL)
        return -1;
    n = snprintf(*out, len, "{\"header\":%s,\"%s\":%s}", header, name,
                 value);
    if (n < 0 || (size_t)n >= len) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int
cmd_decode(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, OPT_HELP },
        { "pretty", no_argument, NULL, OPT_PRETTY },
        { NULL, 0, NULL, 0 }
    };
    const char *tok = NULL, *name = "payload";
    size_t tok_len = 0;
    int c, pretty = 0, rc = CLI_USAGE;
    jot_jwt *jwt = NULL;
    jot_jws *jws = NULL;
    const jot_jws *shown = NULL;
    char *owned = NULL, *header = NULL, *claims = NULL, *payload = NULL;
    char *joined = NULL;
    jot_err err, jwt_err;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            fputs(usage, stdout);
            return CLI_OK;
        case OPT_PRETTY:
            pretty = 1;
            break;
        default:
            return cli_bad_option(CMD, c, argv);
        }
    }
    if (optind == argc)
        return cli_usage(CMD, "missing TOKEN");
    if (argc - optind > 1)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind + 1]);
    rc = cli_token_arg(CMD, argv[optind], &tok, &tok_len, &owned);
    if (rc != CLI_OK)
        goto out;

    rc = CLI_INVALID;
    jwt_err = jot_jwt_decode(tok, tok_len, &jwt);
    if (jwt_err == JOT_OK) {
        shown = jot_jwt_jws(jwt);
        err = jot_jwt_claims_json(jwt, &claims);
        if (err != JOT_OK)
            goto fail;
    } else {
        /* Not a JWT; perhaps still a well-formed JWS. */
        err = jot_jws_decode(tok, tok_len, &jws);
        if (err != JOT_OK)
            goto fail;
        shown = jws;
        if (payload_string(jws, &name, &payload) != 0) {
            err = JOT_ERR_NOMEM;
            goto fail;
        }
        cli_error(CMD, "note: the payload is not a JSON object of claims "
                  "(%s)", jot_strerror(jwt_err));
    }
    err = jot_jws_header_json(shown, &header);
    if (err != JOT_OK)
        goto fail;
    if (join(header, name, claims != NULL ? claims : payload,
             &joined) != 0) {
        err = JOT_ERR_NOMEM;
        goto fail;
    }
    cli_print_json(joined, pretty);
    cli_error(CMD, "warning: signature NOT verified");
    rc = CLI_OK;
    goto out;
fail:
    cli_error(CMD, "%s", jot_strerror(err));
    if (err == JOT_ERR_NOMEM)
        rc = CLI_USAGE;
out:
    free(joined);
    free(payload);
    jot_free(header);
    jot_free(claims);
    jot_jws_free(jws);
    jot_jwt_free(jwt);
    free(owned);
    return rc;
}
