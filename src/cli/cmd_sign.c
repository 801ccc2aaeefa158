/*
 * cmd_sign.c - jot sign: sign a set of claims with a private JWK and
 * print the token.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define CMD "sign"

/* Ten years: longer lifetimes are more likely a typo than a wish. */
#define MAX_TTL (10 * 366 * 86400LL)

static const char usage[] =
    "NAME\n"
    "    jot sign - sign claims with a private JWK and print the token\n"
    "\n"
    "SYNOPSIS\n"
    "    jot sign --key JWK_FILE --claims CLAIMS [--alg ALG] [--typ TYP]\n"
    "             [--ttl SECONDS]\n"
    "\n"
    "DESCRIPTION\n"
    "    Signs the claims, a JSON object, as a JSON Web Token (RFC 7519) in\n"
    "    the compact JWS serialisation (RFC 7515) and prints the token and\n"
    "    a newline on standard output.\n"
    "\n"
    "    The header is {\"alg\":ALG,\"typ\":TYP,\"kid\":KID}, with the\n"
    "    algorithm and kid of the key.  The claims are re-serialised as\n"
    "    compact JSON, members in the order given; numbers must fit in a\n"
    "    64-bit integer or a double.  Member names may not repeat.\n"
    "\n"
    "OPTIONS\n"
    "    --key JWK_FILE\n"
    "        The private JWK to sign with ('-' reads it from standard\n"
    "        input), as 'jot keygen' makes it.  Its \"alg\" member names\n"
    "        the algorithm.  Required.\n"
    "\n"
    "    --claims CLAIMS\n"
    "        The claims: JSON object text, or @FILE to read them from FILE,\n"
    "        or '-' to read them from standard input.  Required.\n"
    "\n"
    "    --alg ALG\n"
    "        The algorithm, for a JWK without an \"alg\" member whose key\n"
    "        type fits several (RSA and oct keys).  When the JWK has one\n"
    "        they must agree.\n"
    "\n"
    "    --typ TYP\n"
    "        The header's \"typ\"; \"JWT\" by default.  An empty TYP leaves\n"
    "        \"typ\" out.\n"
    "\n"
    "    --ttl SECONDS\n"
    "        Sets \"iat\" and \"nbf\" to the current time and \"exp\" to\n"
    "        SECONDS later (1 to 316224000), replacing those claims.\n"
    "        Without it, the token expires only if the claims hold an\n"
    "        \"exp\"; 'jot verify' requires one by default.\n"
    "\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the token was printed, 2 for a usage error, a file that\n"
    "    cannot be read, claims that are not a JSON object, or a key that\n"
    "    cannot sign (a public JWK).\n"
    "\n"
    "EXAMPLES\n"
    "    jot sign --key es256.jwk --ttl 900 \\\n"
    "        --claims '{\"iss\":\"https://auth.example\",\"sub\":\"alice\"}'\n";

/*
 * Reads the claims argument: the text itself, @FILE, or "-".  *out is a
 * new NUL-terminated buffer the caller frees.
 */
static int
read_claims(const char *arg, char **out, size_t *out_len)
{
    size_t len;

    *out = NULL;
    *out_len = 0;
    if (arg[0] == '@')
        return cli_slurp(CMD, arg + 1, CLI_MAX_CLAIMS, out, out_len);
    if (strcmp(arg, "-") == 0)
        return cli_slurp(CMD, arg, CLI_MAX_CLAIMS, out, out_len);
    len = strlen(arg);
    if (len > CLI_MAX_CLAIMS) {
        cli_error(CMD, "claims: larger than %d bytes", CLI_MAX_CLAIMS);
        return -1;
    }
    *out = strdup(arg);
    if (*out == NULL) {
        cli_error(CMD, "%s", jot_strerror(JOT_ERR_NOMEM));
        return -1;
    }
    *out_len = len;
    return 0;
}

/* Sets iat and nbf to now and exp to now + ttl (RFC 7519 §4.1.4-6). */
static int
set_lifetime(json_t *claims, int64_t ttl)
{
    int64_t now = (int64_t)time(NULL);

    if (now < 0 || now > INT64_MAX - ttl) {
        cli_error(CMD, "the clock is out of range");
        return -1;
    }
    if (json_object_set_new(claims, "iat", json_integer(now)) != 0 ||
        json_object_set_new(claims, "nbf", json_integer(now)) != 0 ||
        json_object_set_new(claims, "exp", json_integer(now + ttl)) != 0) {
        cli_error(CMD, "%s", jot_strerror(JOT_ERR_NOMEM));
        return -1;
    }
    return 0;
}

int
cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "alg", required_argument, NULL, OPT_ALG },
        { "claims", required_argument, NULL, OPT_CLAIMS },
        { "help", no_argument, NULL, OPT_HELP },
        { "key", required_argument, NULL, OPT_KEY },
        { "ttl", required_argument, NULL, OPT_TTL },
        { "typ", required_argument, NULL, OPT_TYP },
        { NULL, 0, NULL, 0 }
    };
    const char *key_path = NULL, *claims_arg = NULL, *typ = "JWT";
    jot_alg alg = JOT_ALG_INVALID;
    int64_t ttl = 0;
    int c, rc = CLI_USAGE;
    jot_key *key = NULL;
    char *text = NULL, *compact = NULL, *tok = NULL;
    size_t text_len = 0;
    json_t *claims = NULL;
    json_error_t jerr;
    jot_err err;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            fputs(usage, stdout);
            return CLI_OK;
        case OPT_ALG:
            if (cli_parse_alg(CMD, optarg, &alg) != 0)
                return CLI_USAGE;
            break;
        case OPT_CLAIMS:
            claims_arg = optarg;
            break;
        case OPT_KEY:
            key_path = optarg;
            break;
        case OPT_TTL:
            if (cli_parse_int(optarg, 1, MAX_TTL, &ttl) != 0) {
                return cli_usage(CMD, "--ttl: '%s' is not a number of "
                                 "seconds from 1 to %lld", optarg,
                                 (long long)MAX_TTL);
            }
            break;
        case OPT_TYP:
            typ = optarg[0] != '\0' ? optarg : NULL;
            break;
        default:
            return cli_bad_option(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (key_path == NULL)
        return cli_usage(CMD, "--key is required");
    if (claims_arg == NULL)
        return cli_usage(CMD, "--claims is required");
    if (strcmp(key_path, "-") == 0 &&
        (strcmp(claims_arg, "-") == 0 || strcmp(claims_arg, "@-") == 0))
        return cli_usage(CMD, "the key and the claims cannot both be '-'");

    if (cli_load_key(CMD, key_path, alg, 0, &key) != 0)
        goto out;
    if (!jot_key_is_private(key)) {
        cli_error(CMD, "key cannot sign: %s is a public JWK", key_path);
        goto out;
    }
    if (read_claims(claims_arg, &text, &text_len) != 0)
        goto out;
    claims = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &jerr);
    if (claims == NULL) {
        cli_error(CMD, "claims: %s (line %d, column %d)", jerr.text,
                  jerr.line, jerr.column);
        goto out;
    }
    if (!json_is_object(claims)) {
        cli_error(CMD, "claims: not a JSON object");
        goto out;
    }
    if (ttl > 0 && set_lifetime(claims, ttl) != 0)
        goto out;
    compact = json_dumps(claims, JSON_COMPACT);
    if (compact == NULL) {
        cli_error(CMD, "%s", jot_strerror(JOT_ERR_NOMEM));
        goto out;
    }
    err = jot_jwt_sign(key, typ, compact, strlen(compact), &tok);
    if (err != JOT_OK) {
        cli_error(CMD, "%s", jot_strerror(err));
        goto out;
    }
    puts(tok);
    rc = CLI_OK;
out:
    jot_free_secret(tok);           /* a bearer credential */
    free(compact);
    json_decref(claims);
    free(text);
    jot_key_free(key);
    return rc;
}
