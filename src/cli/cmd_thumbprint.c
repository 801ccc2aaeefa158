/*
 * cmd_thumbprint.c - jot thumbprint: print the RFC 7638 thumbprint of a
 * JWK.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

#define CMD "thumbprint"

static const char usage[] =
    "NAME\n"
    "    jot thumbprint - print the RFC 7638 thumbprint of a JWK\n"
    "\n"
    "SYNOPSIS\n"
    "    jot thumbprint [--alg ALG] JWK_FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints the JWK thumbprint (RFC 7638) of the key in JWK_FILE: the\n"
    "    base64url SHA-256 hash of its required public members, 43\n"
    "    characters.  JWK_FILE '-' reads the JWK from standard input.  It\n"
    "    is the \"kid\" that 'jot keygen' gives the keys it makes, and it\n"
    "    is the same for the private and the public half of a key.\n"
    "\n"
    "    The thumbprint does not depend on the algorithm, so a JWK\n"
    "    without \"alg\" is read as a key for RS256 (RSA), HS256 (oct) or\n"
    "    EdDSA (OKP), or the algorithm of its curve (EC).\n"
    "\n"
    "    The thumbprint of a symmetric (oct) key is a hash of its secret:\n"
    "    it is printed, with a warning, but must not be published.\n"
    "\n"
    "OPTIONS\n"
    "    --alg ALG\n"
    "        Read the JWK as a key for ALG; when the JWK has an \"alg\"\n"
    "        member they must agree.\n"
    "\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the thumbprint was printed, 2 for a usage error, a file\n"
    "    that cannot be read, or a JWK that libjot refuses (malformed,\n"
    "    or an RSA key under 2048 bits).\n"
    "\n"
    "EXAMPLES\n"
    "    jot thumbprint es256.pub.jwk\n";

int
cmd_thumbprint(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "alg", required_argument, NULL, OPT_ALG },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    jot_alg alg = JOT_ALG_INVALID;
    jot_key *key = NULL;
    char *tp = NULL;
    int c, rc = CLI_USAGE;
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
        default:
            return cli_bad_option(CMD, c, argv);
        }
    }
    if (optind == argc)
        return cli_usage(CMD, "missing JWK_FILE");
    if (argc - optind > 1)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind + 1]);

    if (cli_load_key(CMD, argv[optind], alg, 1, &key) != 0)
        goto out;
    err = jot_jwk_thumbprint(key, &tp);
    if (err != JOT_OK) {
        cli_error(CMD, "%s", jot_strerror(err));
        goto out;
    }
    if (jot_alg_is_hmac(jot_key_alg(key))) {
        cli_error(CMD, "warning: this thumbprint is a hash of a secret "
                  "key; do not publish it");
    }
    puts(tp);
    rc = CLI_OK;
out:
    jot_free(tp);
    jot_key_free(key);
    return rc;
}
