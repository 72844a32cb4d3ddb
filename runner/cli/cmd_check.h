/* cmd_check.h: the `flowrun check` command (see cmd_check.c). */
#ifndef FR_CMD_CHECK_H
#define FR_CMD_CHECK_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_check;

#endif
