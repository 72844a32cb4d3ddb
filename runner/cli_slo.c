/* cli_slo.c: `flowrun slo` — placeholder until the Prometheus evaluation is wired. */
#include <stdio.h>

#include "cli.h"

const char fr_cli_usage_slo[] = "usage: flowrun slo --prometheus URL --run-id ID PLAN\n";

int fr_cli_slo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(fr_cli_usage_slo, stderr);
	return 2;
}
