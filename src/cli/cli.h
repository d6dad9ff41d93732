/* The command line: migrate, worker, install, status, retry, enable,
 * settings-link. */
#ifndef AG_CLI_H
#define AG_CLI_H

#include "apply/process.h"

int cli_main(struct app *app, int argc, char **argv);
int cli_install(struct app *app, int argc, char **argv);

#endif
