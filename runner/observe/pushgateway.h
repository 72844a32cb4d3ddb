/* pushgateway.h: the optional final push of a run's metrics to a Pushgateway.
 *
 * When nothing can scrape flowrun (a CI job behind a firewall, say), the
 * exposition of the final values is PUT once, at the end of the run, to a
 * Prometheus Pushgateway under /metrics/job/flowrun/run_id/<run id>, over the
 * blocking control-API client (util/httpapi.h; 10 s in all).
 */
#ifndef FR_PUSHGATEWAY_H
#define FR_PUSHGATEWAY_H

#include "observe/metrics.h"

/* PUTs the current values of M to the Pushgateway at URL (http://host:port).
 * Returns 0, or -1 with a message in *err_out (caller frees): "cannot push
 * metrics: pushgateway at URL is unreachable: Connection refused". */
int fr_pushgateway_push(const struct fr_metrics *m, const char *url, char **err_out);

#endif
