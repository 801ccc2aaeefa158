/*
 * cmd_keygen.c - jot keygen: generate a key and print it as a JWK.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CMD "keygen"

static const char usage[] =
    "NAME\n"
    "    jot keygen - generate a signing key as a JSON Web Key\n"
    "\n"
    "SYNOPSIS\n"
    "    jot keygen --alg ALG [--public] [--out FILE]\n"
    "\n"
    "DESCRIPTION\n"
    "    Generates a new key for the JWS algorithm ALG and prints it on\n"
    "    standard output as one line of JSON: a private JWK (RFC 7517)\n"
    "    with its \"kid\" and \"alg\" members set.\n"
    "\n"
    "    RS* and PS* keys are 2048-bit RSA keys, ES256, ES384 and ES512\n"
    "    keys are on P-256, P-384 and P-521, EdDSA keys are Ed25519 keys,\n"
    "    and HS* keys are random secrets as long as the hash output.\n"
    "\n"
    "    The \"kid\" is the key's RFC 7638 thumbprint, which\n"
    "    'jot thumbprint' prints too.  HMAC keys get 16 random bytes in\n"
    "    base64url instead: their thumbprint would be a hash of the\n"
    "    secret.\n"
    "\n"
    "    The private JWK is a secret.  Prefer --out, which creates the\n"
    "    file readable by its owner only, to redirecting standard output.\n"
    "\n"
    "OPTIONS\n"
    "    --alg ALG\n"
    "        The algorithm the key is for: HS256 HS384 HS512 RS256 RS384\n"
    "        RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA.  Required.\n"
    "\n"
    "    --out FILE\n"
    "        Write the private JWK to FILE instead of standard output.\n"
    "        FILE must not exist; it is created with mode 0600.  FILE '-'\n"
    "        is standard output.\n"
    "\n"
    "    --public\n"
    "        Print the public half of the key on standard output instead\n"
    "        of the private JWK.  Without --out the private key is then\n"
    "        discarded.  A usage error for HS* keys, which have no public\n"
    "        half.\n"
    "\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the key was generated and written, 2 for a usage error or\n"
    "    when the key cannot be generated or written.\n"
    "\n"
    "EXAMPLES\n"
    "    Make an ES256 key pair, the private half in es256.jwk and the\n"
    "    public half in es256.pub.jwk:\n"
    "\n"
    "        jot keygen --alg ES256 --out es256.jwk --public > es256.pub.jwk\n";

/* Writes all of buf to fd; 0 or an errno value. */
static int
write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Creates path, which must not exist (nor be a symbolic link), with mode
 * 0600 and writes jwk and a newline to it.  A file left half written is
 * removed.  Returns 0 or -1 after reporting the error.
 */
static int
write_secret(const char *path, const char *jwk)
{
    int fd, rc;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        cli_error(CMD, "%s: %s", path, strerror(errno));
        return -1;
    }
    rc = write_all(fd, jwk, strlen(jwk));
    if (rc == 0)
        rc = write_all(fd, "\n", 1);
    if (rc == 0 && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    if (rc != 0) {
        cli_error(CMD, "%s: %s", path, strerror(rc));
        unlink(path);
        return -1;
    }
    return 0;
}

/* Exports key with flags and prints it; the export is wiped after. */
static int
print_jwk(const jot_key *key, unsigned flags)
{
    char *jwk = NULL;
    jot_err err;

    err = jot_jwk_export(key, flags, &jwk);
    if (err != JOT_OK) {
        cli_error(CMD, "cannot export the key: %s", jot_strerror(err));
        return -1;
    }
    puts(jwk);
    jot_free_secret(jwk);
    return 0;
}

int
cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "alg", required_argument, NULL, OPT_ALG },
        { "help", no_argument, NULL, OPT_HELP },
        { "out", required_argument, NULL, OPT_OUT },
        { "public", no_argument, NULL, OPT_PUBLIC },
        { NULL, 0, NULL, 0 }
    };
    jot_alg alg = JOT_ALG_INVALID;
    const char *out_path = NULL;
    int public_only = 0, c, rc = CLI_USAGE;
    jot_key *key = NULL;
    char *jwk = NULL;
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
        case OPT_OUT:
            out_path = optarg;
            break;
        case OPT_PUBLIC:
            public_only = 1;
            break;
        default:
            return cli_bad_option(CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
    if (alg == JOT_ALG_INVALID)
        return cli_usage(CMD, "--alg is required");
    if (out_path != NULL && strcmp(out_path, "-") == 0) {
        if (public_only) {
            return cli_usage(CMD, "--out - and --public would both write "
                             "to standard output");
        }
        out_path = NULL;
    }
    if (public_only && jot_alg_is_hmac(alg)) {
        return cli_usage(CMD, "%s keys are symmetric and have no public "
                         "half: --public is for RS*, PS*, ES* and EdDSA",
                         jot_alg_name(alg));
    }

    err = jot_key_generate(alg, &key);
    if (err != JOT_OK) {
        cli_error(CMD, "cannot generate a key: %s", jot_strerror(err));
        goto out;
    }
    err = jot_key_assign_kid(key);
    if (err != JOT_OK) {
        cli_error(CMD, "cannot make a key id: %s", jot_strerror(err));
        goto out;
    }
    if (out_path != NULL) {
        err = jot_jwk_export(key, JOT_JWK_PRIVATE, &jwk);
        if (err != JOT_OK) {
            cli_error(CMD, "cannot export the key: %s", jot_strerror(err));
            goto out;
        }
        if (write_secret(out_path, jwk) != 0)
            goto out;
    }
    if (public_only) {
        if (print_jwk(key, JOT_JWK_PUBLIC) != 0)
            goto out;
    } else if (out_path == NULL) {
        if (print_jwk(key, JOT_JWK_PRIVATE) != 0)
            goto out;
    }
    rc = CLI_OK;
out:
    jot_free_secret(jwk);
    jot_key_free(key);
    return rc;
}
