/* validate_request.h: checking requests, groups of steps and captures.
 *
 * A request's captures become variables for what comes after it: the later
 * steps of its group, or (for auth and setup) the whole plan. Request names
 * are unique across the plan; each is recorded with the scenario it belongs
 * to (FR_CHECK_UNTIMED for auth, setup and teardown) for the SLO checks.
 */
#ifndef FR_VALIDATE_REQUEST_H
#define FR_VALIDATE_REQUEST_H

#include "plan/check.h"

/* Where a request appears: what it may hold depends on it. */
enum fr_request_kind {
	FR_RQ_AUTH,
	FR_RQ_SETUP, /* setup and teardown */
	FR_RQ_SCENARIO,
	FR_RQ_STEP,
	FR_RQ_PUBLISH, /* a websocket scenario's publish request */
};

/* Checks one request (or group) of KIND; its captures are added to SCOPE. */
void fr_validate_request(struct fr_check *c, const struct fr_ynode *node, enum fr_request_kind kind,
                         struct fr_scope *scope);

/* Checks a sequence of requests, each seeing the captures of the earlier ones. */
void fr_validate_requests(struct fr_check *c, const struct fr_ynode *node, enum fr_request_kind kind,
                          struct fr_scope *scope);

/* Checks a capture mapping (variable → spec); adds its variables to OUT. */
void fr_validate_request_captures(struct fr_check *c, const struct fr_ynode *node, struct fr_scope *out);

#endif
