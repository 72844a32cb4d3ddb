/* validate_fault.h: checking faults: — the Toxiproxy URL, the proxies file,
 * each fault's toxic and attributes, and the fault timeline.
 *
 * The proxies file is read here, once: its proxies are what faults may name,
 * and what was read is kept in the check state for the builder. Faults must
 * end within the pass (when its length is known) and must not overlap on a
 * proxy; overlaps are found by sorting the (proxy, start) pairs. A fault
 * without a name gets its default name (grammar.h), which SLO windows may
 * refer to.
 */
#ifndef FR_VALIDATE_FAULT_H
#define FR_VALIDATE_FAULT_H

#include "plan/check.h"

/* Checks faults:, recording fault names in C. */
void fr_validate_faults(struct fr_check *c, const struct fr_ynode *node);

#endif
