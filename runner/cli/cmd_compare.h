/* cmd_compare.h: the `flowrun compare` command (see cmd_compare.c). */
#ifndef FR_CMD_COMPARE_H
#define FR_CMD_COMPARE_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_compare;

#endif
