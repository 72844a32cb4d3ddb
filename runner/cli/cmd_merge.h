/* cmd_merge.h: the `flowrun merge` command (see cmd_merge.c). */
#ifndef FR_CMD_MERGE_H
#define FR_CMD_MERGE_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_merge;

#endif
