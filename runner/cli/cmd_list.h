/* cmd_list.h: the `flowrun list` command (see cmd_list.c). */
#ifndef FR_CMD_LIST_H
#define FR_CMD_LIST_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_list;

#endif
