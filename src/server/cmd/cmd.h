/*
 * cmd.h - jotd's administration subcommands: user, keys, migrate.
 */
#ifndef JOTD_ADMIN_H
#define JOTD_ADMIN_H

#include <stdio.h>

#include "jotd.h"

/*
 * Runs "user ...", "keys ..." or "migrate" with args[0] the subcommand
 * name, on j (configured, secret loaded) and st (migrated).  Returns the
 * process exit status: 0 done, 1 refused (e.g. name taken), 2 usage.
 */
int jotd_admin_run(struct jotd *j, jotd_store *st, char **args,
                   size_t n_args);

/*
 * Writes one line per subcommand to f ("jotd user add NAME ...", then
 * its help), the first after first ("usage: "), the others aligned.
 */
void jotd_cmd_usage(FILE *f, const char *first);

/* 1 when word is the first word of a subcommand ("user", "keys",
 * "migrate"). */
int jotd_cmd_known(const char *word);

#endif /* JOTD_ADMIN_H */
