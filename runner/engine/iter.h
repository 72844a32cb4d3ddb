/* iter.h: one iteration of a load driver — a request, or a group and its steps — timed and recorded.
 *
 * An iteration starts at an intended time (the user's or the arrival's) and
 * ends when the request, or the group's last step, has answered. Each request
 * is recorded under its own key with latency from its intended send time and
 * curl's service time; a group is also recorded under the group's key with
 * latency from the iteration's intended start to its last answer. Steps run
 * in order; a step with `each: VAR` is sent once per value of VAR, in
 * parallel. A failed step ends the group with that step's outcome.
 */
#ifndef FR_ITER_H
#define FR_ITER_H

#include <stdint.h>

#include "engine/drive.h"

struct fr_iter;

/* Called when the iteration has ended; ABORTED when the run was stopped and
 * nothing was recorded for the part in flight. */
typedef void (*fr_iter_done_fn)(struct fr_iter *it, enum fr_outcome outcome, int aborted);

struct fr_iter_leg; /* one request in flight */

struct fr_iter {
	struct fr_drive *d;
	int scenario;
	const struct fr_request *req; /* the request or group */
	struct fr_varstore *vars;     /* receives captures; outlives the iteration */
	fr_iter_done_fn done;
	int64_t intended_ns;
	int64_t started_ns;
	/* group state */
	struct fr_varstore group_vars; /* a group's captures, parent: vars */
	size_t step;
	int64_t step_intended_ns;
	struct fr_iter_leg *legs;
	size_t nlegs;
	size_t caplegs;
	struct fr_timer defer; /* reports a request that could not start, from the loop */
	size_t pending;
	enum fr_outcome worst;
	int aborted;
	int busy;
	unsigned gen; /* counts iterations */
};

/* Starts an iteration of REQ at INTENDED_NS (the caller fills d, scenario,
 * vars and done first; IT must stay put until done has been called). */
void fr_iter_start(struct fr_iter *it, const struct fr_request *req, int64_t intended_ns);

/* Frees what a finished iteration keeps between runs (the leg array). */
void fr_iter_clear(struct fr_iter *it);

#endif
