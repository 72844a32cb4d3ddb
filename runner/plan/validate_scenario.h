/* validate_scenario.h: checking scenarios — their model, stages, requests and
 * websocket part — and measuring the length of a pass.
 *
 * Which keys a scenario and its stages accept depends on the model (the
 * grammar's models column). The longest scenario sets the length of a pass,
 * which the fault checks need; a scenario whose length cannot be known makes
 * the pass length unknown, so that faults are not measured against a guess.
 */
#ifndef FR_VALIDATE_SCENARIO_H
#define FR_VALIDATE_SCENARIO_H

#include "plan/check.h"

/* Checks scenarios:, recording scenario and stage names, models and the pass length in C. */
void fr_validate_scenarios(struct fr_check *c, const struct fr_ynode *node);

#endif
