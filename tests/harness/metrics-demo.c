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

#include "observe/metrics.h"

#include "observe/metrics-fixture.h"

int main(int argc, char **argv)
{
	struct fixture f;
	struct fr_metrics *m;
	char *err;
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: metrics-demo LISTEN SECONDS [PUSHGATEWAY]\n");
		return 2;
	}
	fixture_init(&f);
	int rc = fr_metrics_create(&f.plan, &f.res, "demo-1", argv[1], &m, &err);
	if (rc != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		return rc;
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
	if (argc == 4 && fr_metrics_push(m, argv[3], &err) != 0) {
		fprintf(stderr, "flowrun: %s\n", err);
		free(err);
		fr_metrics_free(m);
		return 4;
	}
	printf("listening on %d\n", fr_metrics_port(m));
	fflush(stdout);
	fr_metrics_linger(m, atof(argv[2]));
	fr_metrics_free(m);
	return 0;
}
