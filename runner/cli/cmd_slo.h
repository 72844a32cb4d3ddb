/* cmd_slo.h: the `flowrun slo` command (see cmd_slo.c). */
#ifndef FR_CMD_SLO_H
#define FR_CMD_SLO_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_slo;

#endif
