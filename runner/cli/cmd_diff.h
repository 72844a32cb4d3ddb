/* cmd_diff.h: the `flowrun diff` command (see cmd_diff.c). */
#ifndef FR_CMD_DIFF_H
#define FR_CMD_DIFF_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_diff;

#endif
