/* metrics-demo.c: serves the exporter of the hand-built fixture plan, for e2e tests.
 *
 * Usage: metrics-demo LISTEN SECONDS [PUSHGATEWAY]. Starts the exporter the
 * way `flowrun run --metrics-listen LISTEN` does, records a few samples of
 * every kind, pushes them to PUSHGATEWAY when given, prints "listening on
 * PORT", serves for SECONDS and exits 0. When the exporter cannot start or
 * the push fails it prints "flowrun: MESSAGE" to stderr and exits with the
 * status flowrun uses (2 or 4). It lets tests/e2e/metrics.sh lint a real
 * scrape with promtool without needing a whole run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/exit.h"
#include "observe/exporter.h"
#include "observe/metrics.h"
#include "observe/pushgateway.h"

#include "observe/metrics-fixture.h"

int main(int argc, char **argv)
{
	struct fixture f;
	struct fr_exporter *e;
	char *err;
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: metrics-demo LISTEN SECONDS [PUSHGATEWAY]\n");
		return FR_EXIT_USAGE;
	}
	fixture_init(&f);
	struct fr_metrics *m = fr_metrics_create(&f.plan, &f.res, "demo-1");
	enum fr_exporter_status st = fr_exporter_start(m, argv[1], &e, &err);
	if (st != FR_EXPORTER_OK) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		fr_metrics_free(m);
		return st == FR_EXPORTER_BAD_ADDRESS ? FR_EXIT_USAGE : FR_EXIT_INFRA;
	}
	fr_metrics_record_request(m, 0, FR_OK, 3000, 2500);
	fr_metrics_record_request(m, 1, FR_ERR_HTTP_5XX, 120000, 119000);
	fr_metrics_record_delivery(m, 2, 42000);
	fr_metrics_count_ws(m, 2, FR_WS_RECEIVED, 1);
	fr_metrics_add_ws_connections(m, 1, 1);
	fr_metrics_set_planned_rate(m, 0, 50);
	fr_metrics_set_viewers(m, 1, 10);
	fr_metrics_set_fault(m, 0, 1);
	fr_metrics_set_slo(m, 0, 3000, 1);
	if (argc == 4 && fr_pushgateway_push(m, argv[3], &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		fr_exporter_free(e);
		fr_metrics_free(m);
		return FR_EXIT_INFRA;
	}
	printf("listening on %d\n", fr_exporter_port(e));
	fflush(stdout);
	fr_exporter_linger(e, atof(argv[2]), NULL);
	fr_exporter_free(e);
	fr_metrics_free(m);
	return FR_EXIT_OK;
}
