/*
 * cmd_verify.c - jot verify: verify a token against a JWK or a JWK Set
 * and print its claims.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "verify"

/* A year of clock skew is already far more than any clock has. */
#define MAX_LEEWAY (366 * 86400LL)

static const char usage[] =
    "NAME\n"
    "    jot verify - verify a token and print its claims\n"
    "\n"
    "SYNOPSIS\n"
    "    jot verify (--key JWK_FILE | --jwks JWKS_FILE) [--alg ALG]...\n"
    "               [--iss ISS] [--aud AUD] [--typ TYP] [--leeway SECONDS]\n"
    "               [--allow-no-exp] [--pretty] TOKEN\n"
    "\n"
    "DESCRIPTION\n"
    "    Verifies TOKEN, a JSON Web Token (RFC 7519) in the compact JWS\n"
    "    serialisation, and prints its claims on standard output as one\n"
    "    line of JSON.  TOKEN '-' reads the token from standard input;\n"
    "    one trailing newline (LF or CRLF) is removed, nothing else.\n"
    "\n"
    "    The token is valid when its signature verifies under a key bound\n"
    "    to the token's algorithm (the token's \"kid\", if any, picks the\n"
    "    key), its \"exp\" is in the future, any \"nbf\" is in the past,\n"
    "    and it meets every option below.  Tokens of algorithm \"none\",\n"
    "    with a \"crit\" header, or longer than 8192 bytes are never\n"
    "    valid.  When the token is not valid, the reason is printed on\n"
    "    standard error, as in 'jot: verify: bad signature'.\n"
    "\n"
    "OPTIONS\n"
    "    --key JWK_FILE\n"
    "        Verify with this JWK, public or private.  Its \"alg\" member\n"
    "        (or its curve, for EC and OKP keys) binds it to an algorithm;\n"
    "        for RSA and oct keys without one, give one --alg.  With one\n"
    "        --alg, the JWK is read as a key for that algorithm.\n"
    "\n"
    "    --jwks JWKS_FILE\n"
    "        Verify with this JWK Set (RFC 7517 section 5),\n"
    "        {\"keys\":[...]}.  Keys that cannot be bound to one algorithm,\n"
    "        or whose \"use\" is not \"sig\", are skipped.  Exactly one of\n"
    "        --key and --jwks is required; either may be '-' for standard\n"
    "        input.\n"
    "\n"
    "    --alg ALG\n"
    "        Accept only tokens of this algorithm.  Repeat it to allow\n"
    "        several.  By default, any algorithm of the keys.\n"
    "\n"
    "    --iss ISS\n"
    "        Require the \"iss\" claim to be exactly ISS.\n"
    "\n"
    "    --aud AUD\n"
    "        Require the \"aud\" claim to be AUD or an array holding AUD.\n"
    "\n"
    "    --typ TYP\n"
    "        Require the header's \"typ\" to be TYP, compared without case\n"
    "        and without an \"application/\" prefix.\n"
    "\n"
    "    --leeway SECONDS\n"
    "        Allow this much clock skew (0 to 31622400) when checking\n"
    "        \"exp\" and \"nbf\".  Default 0.\n"
    "\n"
    "    --allow-no-exp\n"
    "        Accept a token without an \"exp\" claim.\n"
    "\n"
    "    --pretty\n"
    "        Print the claims indented, on several lines.\n"
    "\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the token is valid, 1 when it is not, 2 for a usage error,\n"
    "    a file that cannot be read, or a key that cannot be used.\n"
    "\n"
    "EXAMPLES\n"
    "    jot verify --jwks jwks.json --iss https://auth.example \\\n"
    "        --aud api \"$TOKEN\"\n"
    "    printf '%s\\n' \"$TOKEN\" | jot verify --key es256.pub.jwk -\n";

/* The keys to verify with, from --key or --jwks. */
static int
load_keys(const char *key_path, const char *jwks_path, const jot_alg *algs,
          size_t n_algs, jot_keyset **out)
{
    jot_keyset *set = NULL;
    jot_key *key = NULL;
    char *buf = NULL;
    size_t len = 0;
    const char *name;
    jot_err err;
    int rc = -1;

    *out = NULL;
    if (jwks_path != NULL) {
        name = strcmp(jwks_path, "-") == 0 ? "standard input" : jwks_path;
        if (cli_slurp(CMD, jwks_path, CLI_MAX_KEY_FILE, &buf, &len) != 0)
            goto out;
        err = jot_jwks_parse(buf, len, &set);
        if (err != JOT_OK) {
            cli_error(CMD, "%s: %s", name, jot_strerror(err));
            goto out;
        }
        if (jot_keyset_count(set) == 0) {
            cli_error(CMD, "%s: no usable signing key in the set", name);
            goto out;
        }
    } else {
        /* One --alg binds a JWK that names no algorithm. */
        if (cli_load_key(CMD, key_path,
                         n_algs == 1 ? algs[0] : JOT_ALG_INVALID, 0,
                         &key) != 0)
            goto out;
        err = jot_keyset_new(&set);
        if (err == JOT_OK)
            err = jot_keyset_add(set, key);
        if (err != JOT_OK) {
            cli_error(CMD, "%s", jot_strerror(err));
            goto out;
        }
    }
    *out = set;
    set = NULL;
    rc = 0;
out:
    jot_keyset_free(set);
    jot_key_free(key);
    jot_free_wiped(buf, len);
    return rc;
}

int
cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "alg", required_argument, NULL, OPT_ALG },
        { "allow-no-exp", no_argument, NULL, OPT_NO_EXP },
        { "aud", required_argument, NULL, OPT_AUD },
        { "help", no_argument, NULL, OPT_HELP },
        { "iss", required_argument, NULL, OPT_ISS },
        { "jwks", required_argument, NULL, OPT_JWKS },
        { "key", required_argument, NULL, OPT_KEY },
        { "leeway", required_argument, NULL, OPT_LEEWAY },
        { "pretty", no_argument, NULL, OPT_PRETTY },
        { "typ", required_argument, NULL, OPT_TYP },
        { NULL, 0, NULL, 0 }
    };
    struct jot_verify_opts opts = { 0 };
    jot_alg algs[JOT_ALG_LAST], alg;
    size_t n_algs = 0, i, tok_len = 0;
    const char *key_path = NULL, *jwks_path = NULL, *tok = NULL;
    int c, pretty = 0, rc = CLI_USAGE;
    int64_t leeway = 0;
    jot_keyset *keys = NULL;
    jot_jwt *jwt = NULL;
    char *owned = NULL, *claims = NULL;
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
            for (i = 0; i < n_algs && algs[i] != alg; i++)
                ;
            /* Each name at most once, so JOT_ALG_LAST slots suffice. */
            if (i == n_algs)
                algs[n_algs++] = alg;
            break;
        case OPT_NO_EXP:
            opts.flags |= JOT_VERIFY_EXP_OPTIONAL;
            break;
        case OPT_AUD:
            opts.audience = optarg;
            break;
        case OPT_ISS:
            opts.issuer = optarg;
            break;
        case OPT_JWKS:
            jwks_path = optarg;
            break;
        case OPT_KEY:
            key_path = optarg;
            break;
        case OPT_LEEWAY:
            if (cli_parse_int(optarg, 0, MAX_LEEWAY, &leeway) != 0) {
                return cli_usage(CMD, "--leeway: '%s' is not a number of "
                                 "seconds from 0 to %lld", optarg,
                                 (long long)MAX_LEEWAY);
            }
            break;
        case OPT_PRETTY:
            pretty = 1;
            break;
        case OPT_TYP:
            /* Even an empty TYP is checked: a check never turns off. */
            opts.typ = optarg;
            break;
        default:
            return cli_bad_option(CMD, c, argv);
        }
    }
    if (key_path == NULL && jwks_path == NULL)
        return cli_usage(CMD, "--key or --jwks is required");
    if (key_path != NULL && jwks_path != NULL)
        return cli_usage(CMD, "--key and --jwks cannot be used together");
    if (optind == argc)
        return cli_usage(CMD, "missing TOKEN");
    if (argc - optind > 1)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind + 1]);
    if (strcmp(argv[optind], "-") == 0 &&
        ((key_path != NULL && strcmp(key_path, "-") == 0) ||
         (jwks_path != NULL && strcmp(jwks_path, "-") == 0)))
        return cli_usage(CMD, "the keys and the token cannot both be '-'");
    opts.algs = n_algs > 0 ? algs : NULL;
    opts.n_algs = n_algs;
    opts.leeway = leeway;

    if (load_keys(key_path, jwks_path, algs, n_algs, &keys) != 0)
        goto out;
    rc = cli_token_arg(CMD, argv[optind], &tok, &tok_len, &owned);
    if (rc != CLI_OK)
        goto out;
    err = jot_jwt_verify(keys, &opts, tok, tok_len, &jwt);
    if (err == JOT_OK)
        err = jot_jwt_claims_json(jwt, &claims);
    if (err != JOT_OK) {
        cli_error(CMD, "%s", jot_strerror(err));
        rc = err == JOT_ERR_NOMEM ? CLI_USAGE : CLI_INVALID;
        goto out;
    }
    cli_print_json(claims, pretty);
    rc = CLI_OK;
out:
    jot_free(claims);
    jot_jwt_free(jwt);
    jot_keyset_free(keys);
    free(owned);
    return rc;
}
