/* cmd_report.h: the `flowrun report` command (see cmd_report.c). */
#ifndef FR_CMD_REPORT_H
#define FR_CMD_REPORT_H

#include "cli/cli.h"

extern const struct fr_cli_command fr_cmd_report;

#endif
