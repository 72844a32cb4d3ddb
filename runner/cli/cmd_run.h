/* cmd_run.h: the `flowrun run` command (see cmd_run.c). */
#ifndef FR_CMD_RUN_H
#define FR_CMD_RUN_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_run;

#endif
