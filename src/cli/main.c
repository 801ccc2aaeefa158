/*
 * main.c - jot, the command-line tool of libjot: dispatches to the
 * subcommands and answers --help and --version.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: jot COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Sign, verify and inspect JSON Web Tokens (RFC 7519) signed as compact\n"
    "JWS (RFC 7515), and make JSON Web Keys (RFC 7517) to sign them with.\n"
    "\n"
    "Commands:\n"
    "  keygen      generate a key and print it as a JWK\n"
    "  sign        sign a set of claims and print the token\n"
    "  verify      verify a token and print its claims\n"
    "  decode      print a token's header and payload WITHOUT verifying\n"
    "  thumbprint  print the RFC 7638 thumbprint of a JWK\n"
    "  help        print the help of a command: jot help verify\n"
    "\n"
    "Options:\n"
    "  -h, --help  print this help and exit\n"
    "  --version   print the version and exit\n"
    "\n"
    "Exit status, for every command: 0 when done (the token is valid),\n"
    "1 when a token fails a check, 2 for a usage error, a file that cannot\n"
    "be read, or a key that cannot be used.\n"
    "\n"
    "Run 'jot COMMAND --help' for the options of a command.\n";

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    { "keygen", cmd_keygen },
    { "sign", cmd_sign },
    { "verify", cmd_verify },
    { "decode", cmd_decode },
    { "thumbprint", cmd_thumbprint },
};

static const struct command *
find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

/* "jot help CMD" is "jot CMD --help". */
static int
help(int argc, char **argv)
{
    const struct command *c;
    char help_flag[] = "--help";
    char *args[3];

    if (argc < 2) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (argc > 2) {
        fprintf(stderr, "jot: help: unexpected argument '%s'\n"
                "Try 'jot --help'.\n", argv[2]);
        return CLI_USAGE;
    }
    c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "jot: help: unknown command '%s'\n"
                "Try 'jot --help'.\n", argv[1]);
        return CLI_USAGE;
    }
    args[0] = argv[1];
    args[1] = help_flag;
    args[2] = NULL;
    return c->run(2, args);
}

/*
 * Output that cannot be written (a full disk, a closed pipe) must not
 * look like success: a token or key that never arrived is an error.
 */
static int
flush_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("jot: cannot write standard output\n", stderr);
        return CLI_USAGE;
    }
    return rc;
}

int
main(int argc, char **argv)
{
    const struct command *c;
    const char *name;

    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        fputs(usage, stdout);
        return flush_stdout(CLI_OK);
    }
    if (strcmp(name, "--version") == 0) {
        printf("jot %s\n", JOT_VERSION);
        return flush_stdout(CLI_OK);
    }
    if (strcmp(name, "help") == 0)
        return flush_stdout(help(argc - 1, argv + 1));
    c = find(name);
    if (c == NULL) {
        if (name[0] == '-')
            fprintf(stderr, "jot: unknown option '%s'\n", name);
        else
            fprintf(stderr, "jot: unknown command '%s'\n", name);
        fputs("Try 'jot --help'.\n", stderr);
        return CLI_USAGE;
    }
    return flush_stdout(c->run(argc - 1, argv + 1));
}
