/*
 * reload.h - what a SIGHUP changes in a running server: the
 * configuration is read again from the same sources and replaces the
 * running one, less the keys only a restart can change.
 */
#ifndef JOTD_RELOAD_H
#define JOTD_RELOAD_H

#include "jotd.h"

/*
 * Reads the configuration again from j->argc and j->argv (and the
 * environment and file they name), keeps the running values of the
 * keys a restart must change (it says so in the log), publishes the
 * result and asks the sync thread to read keys and revocations again.
 * A configuration that does not load is refused whole, with a message.
 */
void jotd_reload(struct jotd *j);

/* Wipes the secret in a configuration and frees it (NULL: nothing). */
void jotd_config_free(void *cfg);

#endif /* JOTD_RELOAD_H */
