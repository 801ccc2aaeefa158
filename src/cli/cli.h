/*
 * cli.h - what the subcommands of jot share: exit statuses, reading files
 * and standard input with a size cap, option and number parsing, loading
 * keys, and printing errors as "jot: <cmd>: <message>".
 */
#ifndef JOT_CLI_H
#define JOT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jot/jot.h>

/* Exit statuses, the same for every subcommand. */
#define CLI_OK 0            /* done; the token is valid */
#define CLI_INVALID 1       /* a check failed: the token is not valid */
#define CLI_USAGE 2         /* bad usage, I/O error, unusable key file */

/* Caps on what jot reads, checked while reading. */
#define CLI_MAX_KEY_FILE JOT_MAX_JWK_LEN        /* a JWK or a JWK Set */
#define CLI_MAX_CLAIMS 65536
/*
 * A token read from a file or standard input may be longer than the
 * library's limit, so that the library is the one to refuse it with
 * "input too large"; past this cap jot stops reading.
 */
#define CLI_MAX_TOKEN_READ 65536

/* Options every subcommand knows.  Values stay clear of characters. */
enum {
    OPT_HELP = 'h',
    OPT_ALG = 256,
    OPT_AUD,
    OPT_CLAIMS,
    OPT_ISS,
    OPT_JWKS,
    OPT_KEY,
    OPT_LEEWAY,
    OPT_NO_EXP,
    OPT_OUT,
    OPT_PRETTY,
    OPT_PUBLIC,
    OPT_TTL,
    OPT_TYP
};

/* The subcommands.  argv[0] is the subcommand's name. */
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_thumbprint(int argc, char **argv);

/* Prints "jot: <cmd>: <message>" and a newline to standard error. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Prints a usage error like cli_error, then a hint to run --help.
 * Returns CLI_USAGE so that callers can write "return cli_usage(...)".
 */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reports the option getopt_long() refused ('?' or ':' in c); returns
 * CLI_USAGE.  Call with the getopt state still as it returned.
 */
int cli_bad_option(const char *cmd, int c, char **argv);

/*
 * Reads the file at path, or standard input when path is "-", into a new
 * NUL-terminated buffer (*out, freed with jot_free_wiped() or free()) of
 * *out_len octets, refusing more than cap octets.  Returns 0, or an errno
 * value (EFBIG when the input is over cap) with nothing allocated.
 */
int cli_read(const char *path, size_t cap, char **out, size_t *out_len);


/*
 * Reads path (or "-") as cli_read does, reporting any failure as
 * "jot: <cmd>: <path>: <reason>".  Returns 0 or -1.
 */
int cli_slurp(const char *cmd, const char *path, size_t cap, char **out,
              size_t *out_len);

/*
 * Parses an algorithm name; on failure prints a usage error and returns
 * -1.
 */
int cli_parse_alg(const char *cmd, const char *name, jot_alg *out);

/*
 * Parses s as a decimal integer within [min, max]; returns 0, or -1
 * without printing anything.
 */
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * Loads one JWK from path (or "-") bound to alg (JOT_ALG_INVALID: the
 * JWK's "alg" or its curve).  With guess set and no algorithm to bind,
 * a default is taken from the key type: RS256 for RSA, HS256 for oct,
 * EdDSA for OKP (for commands where the algorithm does not matter).
 * Reports failures itself; returns 0 or -1.
 */
int cli_load_key(const char *cmd, const char *path, jot_alg alg, int guess,
                 jot_key **out);

/*
 * Prints json (compact, from libjot) and a newline to standard output;
 * with pretty set, indented by two spaces when jansson can read it.
 */
void cli_print_json(const char *json, int pretty);

/*
 * Removes one trailing "\n" or "\r\n" from buf of *len octets, as a
 * shell pipeline or a file usually adds; nothing else is touched.
 */
void cli_chomp(char *buf, size_t *len);

/*
 * Reads the TOKEN argument: arg itself, or standard input when arg is
 * "-" (without its trailing newline).  *out points into arg, or to a new
 * buffer stored in *owned (free() it).  Returns CLI_OK, or the exit
 * status after reporting the failure.
 */
int cli_token_arg(const char *cmd, const char *arg, const char **out,
                  size_t *out_len, char **owned);

#endif /* JOT_CLI_H */
