/* validate_slo.h: checking slos: — stat keys and thresholds, the scenario and
 * request an SLO is about, its window (during:), and server-side metrics.
 *
 * SLOs are checked last: they name scenarios, requests, stages and faults,
 * which the earlier sections have recorded by then.
 */
#ifndef FR_VALIDATE_SLO_H
#define FR_VALIDATE_SLO_H

#include "plan/check.h"

/* Checks slos:; HAS_PROMETHEUS says whether target.prometheus is set (for metric:). */
void fr_validate_slos(struct fr_check *c, const struct fr_ynode *node, int has_prometheus);

#endif
