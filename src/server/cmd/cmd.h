/*
 * admin.h - jotd's administration subcommands: user, keys, migrate.
 */
#ifndef JOTD_ADMIN_H
#define JOTD_ADMIN_H

#include "jotd.h"

/*
 * Runs "user ...", "keys ..." or "migrate" with args[0] the subcommand
 * name, on j (configured, secret loaded) and st (migrated).  Returns the
 * process exit status: 0 done, 1 refused (e.g. name taken), 2 usage.
 */
int jotd_admin_run(struct jotd *j, jotd_store *st, char **args,
                   size_t n_args);

#endif /* JOTD_ADMIN_H */
