/* cmd_plan.h: the `flowrun plan` command (see cmd_plan.c). */
#ifndef FR_CMD_PLAN_H
#define FR_CMD_PLAN_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_plan;

#endif
