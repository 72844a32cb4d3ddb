/* cmd_setup.h: the `flowrun setup` and `flowrun teardown` commands (see cmd_setup.c). */
#ifndef FR_CMD_SETUP_H
#define FR_CMD_SETUP_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_setup;
extern const struct fr_cli_command fr_cmd_teardown;

#endif
