/* exposition.h: the Prometheus text format (0.0.4) of a run's live metrics.
 *
 * Renders every series of a metrics store (metrics.h) with its HELP and TYPE
 * lines, in a fixed order: run info, the two request histograms, requests
 * total, the WebSocket series, the scenario gauges, the faults, the SLOs and
 * the wall-clock times of the run. Every series carries the run_id label and
 * exists, at zero, from the first rendering; label values are escaped
 * (backslash, double quote, newline); values are written the way Prometheus
 * parses them back exactly (NaN, +Inf, the shortest round-trip decimal).
 * Latencies are exported in seconds, with histogram bounds as `le` labels.
 * docs/metrics.md lists the series.
 */
#ifndef FR_EXPOSITION_H
#define FR_EXPOSITION_H

#include <stddef.h>

#include "observe/metrics.h"

/* The exposition text of the current values of M (caller frees); what GET
 * /metrics returns. *len_out (when not NULL) gets its length. */
char *fr_exposition_render(const struct fr_metrics *m, size_t *len_out);

#endif
