/* faults.h: the fault executor — applies a timeline's faults through Toxiproxy on a thread of its own.
 *
 * fr_faults_start starts one thread that waits for each FR_ACT_FAULT_ON and
 * FR_ACT_FAULT_OFF action of the timeline (an absolute CLOCK_MONOTONIC
 * deadline) and applies it with the blocking Toxiproxy client: adds or
 * removes the fault's toxic on each of its proxies, or for a `down` fault adds
 * a marker toxic and disables the proxy (and the reverse). Each applied action
 * is recorded with its intended and actual time (the moment the last
 * Toxiproxy call that switched it returned, i.e. the change is in effect) and
 * its outcome. A failed action (Toxiproxy unreachable, an error) is recorded and
 * the run goes on.
 *
 * fr_faults_stop ends the thread and then removes every toxic the run added
 * and re-enables every proxy it disabled — whatever state the thread was in —
 * retrying for about 5 s with backoff while Toxiproxy is unreachable (1 s
 * once the hook's hurry flag is raised: a second signal). A toxic
 * already gone (Toxiproxy restarted) counts as removed. What could not be
 * cleaned is reported. Stop is safe at any moment, from any thread but the
 * executor's own, and more than once; fr_faults_free stops too.
 *
 * The executor uses the Toxiproxy client from its thread between start and
 * stop: do not use the same client elsewhere in that time.
 */
#ifndef FR_FAULTS_H
#define FR_FAULTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "engine/run_hooks.h"
#include "result/report.h"
#include "plan/timeline.h"
#include "chaos/toxiproxy.h"

/* struct fr_fault_record (one applied action, for the reports) is defined in
 * report.h. Its times are offsets from the start of the run in timeline
 * coordinates (pass p's actions are re-based on that pass's start), so
 * actual_us - intended_us is the lateness. actual_us is when the last
 * Toxiproxy call that switched the fault returned (toxic added or removed,
 * proxy disabled or enabled; removing a down marker after the enable is
 * bookkeeping and not counted), or, for a failed action, when it gave up. */

struct fr_faults_exec;

/* How long cleanup goes on once it is told to hurry (a second signal: the
 * process is about to be ended), instead of its usual 5 s. */
#define FR_FAULTS_HURRY_MS 1000

/* Called when a fault becomes active (ACTIVE 1: its toxic is on at least one
 * of its proxies) or stops being active: from the executor's thread, and from
 * the thread calling fr_faults_stop for faults that cleanup ended. */
typedef void (*fr_faults_listener)(int fault, int active, void *arg);

/* Starts the executor for PLAN's faults in TL, naming toxics after RUN_ID.
 * T0_NS (CLOCK_MONOTONIC, ns) is the start of the first pass. With a sweep
 * (tl->npasses > 1) the actions of pass p > 0 wait until fr_faults_rebase
 * gives that pass's start. TOXI stays owned by the caller and must outlive
 * the executor; PLAN and TL too. Sets *faults_out (free with fr_faults_free)
 * and returns 0, or -1 if the thread cannot be created (*faults_out NULL). */
int fr_faults_start(const struct fr_plan *plan, const struct fr_timeline *tl, const char *run_id, struct fr_toxi *toxi,
                    int64_t t0_ns, struct fr_faults_exec **faults_out);

/* Pass PASS started at T0_NS (CLOCK_MONOTONIC): its actions fire at T0_NS
 * plus their offset within the pass. Ignored after stop. */
void fr_faults_rebase(struct fr_faults_exec *f, int pass, int64_t t0_ns);

/* Whether fault FAULT is active now (its toxic on, or its proxy down). */
int fr_faults_active(struct fr_faults_exec *f, int fault);

/* Stops the thread, then cleans up everything the run added (see above).
 * Returns 0 when nothing is left behind, -1 otherwise (fr_faults_unclean
 * says what). A second call does nothing and returns the same. */
int fr_faults_stop(struct fr_faults_exec *f);

/* The applied actions, in order; valid after fr_faults_stop until free. */
const struct fr_fault_record *fr_faults_records(const struct fr_faults_exec *f, size_t *n_out);

/* What stop could not clean, one message each ("could not remove toxic
 * redis/flowrun-…: toxiproxy at … is unreachable: …"); valid after stop. */
char *const *fr_faults_unclean(const struct fr_faults_exec *f, size_t *n_out);

/* Stops (if not stopped) and frees; accepts NULL. */
void fr_faults_free(struct fr_faults_exec *f);

/* The executor as a plug-in of a run (engine/run_hooks.h): fill a struct
 * fr_faults_hook and give fr_run the hooks fr_faults_hooks returns. on_start
 * (fr_faults_hook_start) starts the executor; on_action
 * (fr_faults_hook_action) bases each pass, the first one too, on the moment
 * its FR_ACT_PASS fires (the pass start, after its setup) and ignores fault
 * actions (the executor times those itself); on_stop (fr_faults_hook_stop)
 * stops and cleans up. After the run, hook.exec holds the records; the caller
 * frees it with fr_faults_free. */
struct fr_faults_hook {
	const struct fr_plan *plan;
	const struct fr_timeline *tl;
	const char *run_id;
	struct fr_toxi *toxi;
	fr_faults_listener listener; /* optional */
	void *listener_arg;
	volatile sig_atomic_t *hurry; /* optional: once set, cleanup gives up after FR_FAULTS_HURRY_MS */
	struct fr_faults_exec *exec;  /* set by fr_faults_hook_start */
	struct fr_run_hooks hooks;    /* set by fr_faults_hooks */
};

/* The hooks that plug H into a run (their arg is H); they live as long as H. */
const struct fr_run_hooks *fr_faults_hooks(struct fr_faults_hook *h);

int fr_faults_hook_start(int64_t t0_ns, void *arg);
void fr_faults_hook_action(const struct fr_action *act, void *arg);
void fr_faults_hook_stop(void *arg);

#endif
