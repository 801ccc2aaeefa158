/*
 * cmd.c - "jotd user add|list|disable|enable|delete|role|password",
 * "jotd keys list|rotate" and
 * "jotd migrate", working on the database directly, so that the first
 * admin can be made before any server runs.  One table names them all:
 * the usage text, jotd --help and main.c's check of the command line are
 * made from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/accounts.h"
#include "core/keys.h"
#include "core/password.h"

static int usage(void);

/* Reads a password: from the terminal without echo, or one line of
 * standard input.  JOTD_ERR_INVALID when there is none. */
static jotd_err
read_password(char *buf, size_t cap, size_t *len)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO);

    if (tty) {
        fprintf(stderr, "password: ");
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    if (fgets(buf, (int)cap, stdin) == NULL)
        buf[0] = '\0';
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    *len = strcspn(buf, "\r\n");
    buf[*len] = '\0';
    return *len > 0 ? JOTD_OK : JOTD_ERR_INVALID;
}

#define MAX_ROLES 32             /* more than a command line can hold */

static void print_escaped(const char *s);

/* The context of a subcommand's core calls: no client, now. */
static void
op_init(struct jotd_op *op, struct jotd *j, jotd_store *st)
{
    memset(op, 0, sizeof *op);
    op->j = j;
    op->cfg = jotd_cfg(j);
    op->st = st;
    op->ip = "";
    op->now = jotd_now_ms();
}

/* Prints why "user add" failed; its exit status. */
static int
user_add_failed(jotd_err err)
{
    if (err == JOTD_ERR_CONFLICT) {
        fprintf(stderr, "jotd: user add: username already taken\n");
        return 1;
    }
    if (err == JOTD_ERR_UNAVAILABLE)
        fprintf(stderr, "jotd: user add: database error\n");
    else
        fprintf(stderr, "jotd: user add: %s\n", jotd_strerror(err));
    return 2;
}

static int
user_add(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    const char *roles[MAX_ROLES];
    char key[JOTD_USERNAME_MAX + 1];
    char pw[JOTD_PASSWORD_MAX + 2];
    size_t i, pw_len, n_roles = 0;
    struct jotd_op op;
    struct jotd_user u;
    jotd_err err;

    if (jotd_username_key(args[0], strlen(args[0]), key) != JOTD_OK) {
        fprintf(stderr, "jotd: user add: invalid username\n");
        return 2;
    }
    for (i = 1; i < n; i += 2) {
        if (strcmp(args[i], "--role") != 0 || i + 1 == n ||
            n_roles == MAX_ROLES)
            return usage();
        roles[n_roles++] = args[i + 1];
    }
    /* Roles that cannot be stored are a usage error, found before the
     * password is asked for (u.roles is only scratch here). */
    if (jotd_roles_text(n_roles ? roles : NULL, n_roles, u.roles,
                        sizeof u.roles) != JOTD_OK)
        return usage();
    if (read_password(pw, sizeof pw, &pw_len) != JOTD_OK) {
        jot_wipe(pw, sizeof pw);
        fprintf(stderr, "jotd: user add: no password given\n");
        return 2;
    }
    op_init(&op, j, st);
    err = jotd_account_create(&op, args[0], strlen(args[0]), pw, pw_len,
                              n_roles ? roles : NULL, n_roles, &u);
    jot_wipe(pw, sizeof pw);
    if (err != JOTD_OK)
        return user_add_failed(err);
    printf("%s\n", u.id);
    return 0;
}

/*
 * 1 for a code point that must not reach a terminal raw: C0 and C1
 * controls and DEL (they move the cursor, end the line, start escape
 * sequences), the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069) and marks (U+200E, U+200F, U+061C),
 * which make a name display as another, and the line and paragraph
 * separators U+2028 and U+2029, which break a line.
 */
static int
hidden(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Prints s with the characters of hidden() as \uXXXX, octets that are
 * not UTF-8 as \xHH, and a backslash as \\, so that every listed name
 * reads as what it is and stays on its line of the listing.
 */
static void
print_escaped(const char *s)
{
    size_t len = strlen(s), i = 0, n;
    unsigned cp;

    while (i < len) {
        n = jotd_utf8_char(s + i, len - i, &cp);
        if (n == 0) {
            printf("\\x%02x", (unsigned char)s[i]);
            n = 1;
        } else if (hidden(cp)) {
            printf("\\u%04x", cp);
        } else if (cp == '\\') {
            fputs("\\\\", stdout);
        } else {
            fwrite(s + i, 1, n, stdout);
        }
        i += n;
    }
}

static int
print_user(void *ctx, const struct jotd_user *u)
{
    char created[32];

    (void)ctx;
    jotd_rfc3339(u->created_at, created);
    printf("%s\t", u->id);
    print_escaped(u->username);
    putchar('\t');
    print_escaped(u->roles);
    printf("\t%s\t%s\n", u->disabled ? "disabled" : "enabled", created);
    return 0;
}

static int
user_list(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    (void)j;
    (void)args;
    (void)n;
    return st->ops->user_list(st, "", (size_t)-1, print_user, NULL) ==
                   JOTD_STORE_OK
               ? 0
               : 2;
}

static int
user_disable(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    struct jotd_op op;
    struct jotd_user u;
    size_t revoked = 0;

    (void)n;
    op_init(&op, j, st);
    if (jotd_account_find(&op, args[0], strlen(args[0]), &u) != JOTD_OK) {
        fprintf(stderr, "jotd: user disable: no such user\n");
        return 1;
    }
    if (jotd_account_set_disabled(&op, &u, 1, &revoked) != JOTD_OK) {
        fprintf(stderr, "jotd: user disable: database error\n");
        return 2;
    }
    printf("%s disabled, %zu session(s) revoked\n", u.username, revoked);
    return 0;
}

/* The user a subcommand names; prints why not and returns its exit
 * status (1 no such user, 2 the database failed), or 0. */
static int
named_user(const char *what, struct jotd_op *op, const char *name,
           struct jotd_user *u)
{
    jotd_err err = jotd_account_find(op, name, strlen(name), u);

    if (err == JOTD_OK)
        return 0;
    if (err == JOTD_ERR_NOT_FOUND) {
        fprintf(stderr, "jotd: user %s: no such user\n", what);
        return 1;
    }
    fprintf(stderr, "jotd: user %s: database error\n", what);
    return 2;
}

/* Prints why a change of "user WHAT" failed; its exit status. */
static int
change_failed(const char *what, jotd_err err)
{
    if (err == JOTD_ERR_NOT_FOUND) {
        fprintf(stderr, "jotd: user %s: no such user\n", what);
        return 1;               /* deleted meanwhile */
    }
    if (err == JOTD_ERR_UNAVAILABLE)
        fprintf(stderr, "jotd: user %s: database error\n", what);
    else
        fprintf(stderr, "jotd: user %s: %s\n", what, jotd_strerror(err));
    return 2;
}

static int
user_enable(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    struct jotd_op op;
    struct jotd_user u;
    jotd_err err;
    int rc;

    (void)n;
    op_init(&op, j, st);
    rc = named_user("enable", &op, args[0], &u);
    if (rc != 0)
        return rc;
    err = jotd_account_set_disabled(&op, &u, 0, NULL);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err != JOTD_OK)
        return change_failed("enable", err);
    printf("%s enabled\n", u.username);
    return 0;
}

static int
user_delete(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    struct jotd_op op;
    struct jotd_user u;
    size_t revoked = 0;
    jotd_err err;
    int rc;

    (void)n;
    op_init(&op, j, st);
    rc = named_user("delete", &op, args[0], &u);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (rc != 0)
        return rc;
    err = jotd_account_delete(&op, u.id, &revoked);
    if (err != JOTD_OK)
        return change_failed("delete", err);
    printf("%s deleted, %zu session(s) revoked\n", u.username, revoked);
    return 0;
}

static int
user_role(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    struct jotd_op op;
    struct jotd_user u;
    jotd_err err;
    int add = strcmp(args[0], "add") == 0, rc;

    (void)n;
    if (!add && strcmp(args[0], "remove") != 0)
        return usage();
    if (!jotd_role_ok(args[2])) {
        fprintf(stderr, "jotd: user role: invalid role\n");
        return 2;
    }
    op_init(&op, j, st);
    rc = named_user("role", &op, args[1], &u);
    if (rc != 0)
        return rc;
    err = jotd_account_edit_role(&op, &u, args[2], add);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err == JOTD_ERR_INVALID) {
        fprintf(stderr, "jotd: user role: too many roles\n");
        return 2;
    }
    if (err != JOTD_OK)
        return change_failed("role", err);
    print_escaped(u.username);
    printf("\t");
    print_escaped(u.roles);
    printf("\n");
    return 0;
}

static int
user_password(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    char pw[JOTD_PASSWORD_MAX + 2];
    struct jotd_account_change c = {.disabled = -1};
    struct jotd_op op;
    struct jotd_user u;
    size_t revoked = 0;
    jotd_err err;
    int rc;

    (void)n;
    op_init(&op, j, st);
    rc = named_user("password", &op, args[0], &u);
    if (rc != 0)
        return rc;
    if (read_password(pw, sizeof pw, &c.password_len) != JOTD_OK) {
        jot_wipe(pw, sizeof pw);
        jot_wipe(&u, sizeof u);
        fprintf(stderr, "jotd: user password: no password given\n");
        return 2;
    }
    c.password = pw;
    op.now = jotd_now_ms();     /* the password took its time to come */
    err = jotd_account_change(&op, &u, &c, &revoked);
    jot_wipe(pw, sizeof pw);
    jot_wipe(u.password_hash, sizeof u.password_hash);
    if (err != JOTD_OK)
        return change_failed("password", err);
    printf("%s password set, %zu session(s) revoked\n", u.username,
           revoked);
    return 0;
}

static int
print_key(void *ctx, const struct jotd_signing_key *k)
{
    char created[32], activated[32] = "-", retired[32] = "-";
    struct jotd *j = ctx;

    jotd_rfc3339(k->created_at, created);
    if (k->activated_at)
        jotd_rfc3339(k->activated_at, activated);
    if (k->retired_at)
        jotd_rfc3339(k->retired_at, retired);
    printf("%s\t%s\t%s\tcreated=%s\tactivated=%s\tretired=%s\n", k->kid,
           k->alg, jotd_key_state(jotd_cfg(j), k, jotd_now_ms(), NULL),
           created, activated, retired);
    return 0;
}

static int
keys_list(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    (void)args;
    (void)n;
    return jotd_keys_each(st, print_key, j) == JOTD_OK ? 0 : 2;
}

static int
keys_rotate(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    char kid[128], err[256];

    (void)args;
    (void)n;
    /* --alg is a configuration key: the loader has set it already. */
    if (jotd_keys_rotate(j, st, jotd_cfg(j)->alg, kid, err, sizeof err) !=
        0) {
        fprintf(stderr, "jotd: keys rotate: %s\n", err);
        return 2;
    }
    printf("%s\n", kid);
    return 0;
}

static int
migrate(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    (void)j;
    (void)st;
    (void)args;
    (void)n;
    return 0;                   /* main.c migrated already */
}

#define MANY ((size_t)-1)

/* Every subcommand: its words, its arguments (how many, and as usage
 * shows them), one line of help, and what runs it. */
static const struct command {
    const char *group;          /* the first word */
    const char *name;           /* the second, or NULL */
    const char *args;
    size_t min_args, max_args;
    const char *help;
    int (*run)(struct jotd *j, jotd_store *st, char **args, size_t n);
} commands[] = {
    {"user", "add", "NAME [--role ROLE]...", 1, MANY,
     "add a user (password on stdin)", user_add},
    {"user", "list", "", 0, 0, "list the users", user_list},
    {"user", "disable", "NAME", 1, 1,
     "disable a user, end its sessions", user_disable},
    {"user", "enable", "NAME", 1, 1, "enable a disabled user", user_enable},
    {"user", "delete", "NAME", 1, 1,
     "delete a user, end its sessions", user_delete},
    {"user", "role", "add|remove NAME ROLE", 3, 3,
     "give or take a role", user_role},
    {"user", "password", "NAME", 1, 1,
     "set a password (stdin), end the sessions", user_password},
    {"keys", "list", "", 0, 0, "list the signing keys", keys_list},
    {"keys", "rotate", "[--alg ALG]", 0, 0,
     "make and activate a signing key", keys_rotate},
    {"migrate", NULL, "", 0, 0, "bring the schema up to date",
     migrate},
};

#define N_COMMANDS (sizeof commands / sizeof *commands)

void
jotd_cmd_usage(FILE *f, const char *first)
{
    char line[96];
    size_t i;
    int n;

    for (i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];

        n = snprintf(line, sizeof line, "jotd %s%s%s%s%s", c->group,
                     c->name ? " " : "", c->name ? c->name : "",
                     c->args[0] ? " " : "", c->args);
        if (n < 0 || (size_t)n >= sizeof line)
            continue;           /* the table's own lines always fit */
        fprintf(f, "%s%-36s %s\n", i == 0 ? first : "       ", line,
                c->help);
    }
}

int
jotd_cmd_known(const char *word)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].group, word) == 0)
            return 1;
    return 0;
}

static int
usage(void)
{
    jotd_cmd_usage(stderr, "usage: ");
    return 2;
}

/* The subcommand args name, and how many words its name takes. */
static const struct command *
find(char **args, size_t n, size_t *words)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];

        *words = c->name ? 2 : 1;
        if (strcmp(c->group, args[0]) == 0 &&
            (c->name == NULL ||
             (n >= 2 && strcmp(c->name, args[1]) == 0)))
            return c;
    }
    return NULL;
}

int
jotd_admin_run(struct jotd *j, jotd_store *st, char **args, size_t n)
{
    const struct command *c;
    size_t words;

    if (n == 0)
        return usage();
    c = find(args, n, &words);
    if (c == NULL || n - words < c->min_args || n - words > c->max_args)
        return usage();
    jotd_hash_slots_init(j, 1);     /* one command, one hash at a time */
    return c->run(j, st, args + words, n - words);
}
