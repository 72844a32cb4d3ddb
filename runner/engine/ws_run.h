/* ws_run.h: the WebSocket viewer driver as a plug-in of a run — one table per scenario, drivers per worker.
 *
 * A struct fr_ws_run holds, for every websocket scenario of a plan, its
 * shared event table (ws_table.h), and hands fr_run (run.h) a ready struct
 * fr_run_hooks: on each worker thread, worker_start creates one driver
 * (ws_driver.h) per websocket scenario on the worker's loop, worker_action
 * gives them their pass starts, stages, stops and ends, and worker_stop
 * stops and frees them. Live metrics and the interrupt flag set on the run
 * object reach every driver.
 *
 * A driver that cannot be created (a connect URL that does not resolve, the
 * libev plugin of libwebsockets missing) does not stop the run: its
 * scenario simply has no viewers on that thread, and fr_ws_run_status tells
 * the caller afterwards.
 */
#ifndef FR_WS_RUN_H
#define FR_WS_RUN_H

#include <signal.h>

#include "engine/ws_table.h"
#include "plan/plan.h"
#include "engine/run_hooks.h"

struct fr_ws_run;
struct fr_metrics;

/* A run object with one table per websocket scenario of PLAN (PLAN must
 * outlive it). Free with fr_ws_run_free once every worker has stopped. */
struct fr_ws_run *fr_ws_run_create(const struct fr_plan *plan);
void fr_ws_run_free(struct fr_ws_run *r); /* accepts NULL */

/* Live metrics for every driver created after this call (before fr_run). */
void fr_ws_run_set_metrics(struct fr_ws_run *r, struct fr_metrics *m);

/* The interrupt flag for every driver created after this call (before fr_run). */
void fr_ws_run_set_abort(struct fr_ws_run *r, volatile sig_atomic_t *flag);

/* The hooks to give fr_run; they live as long as R. */
const struct fr_run_hooks *fr_ws_run_hooks(struct fr_ws_run *r);

/* The event table of SCENARIO, or NULL for another model. */
struct fr_ws_table *fr_ws_run_table(const struct fr_ws_run *r, int scenario);

/* Rejection lines of every scenario ("SCENARIO: handshake rejected: …"), or NULL (caller frees). */
char *fr_ws_run_summary(const struct fr_ws_run *r);

/* 0 when every driver of every worker started and could use every pass's
 * target; else -1 with the first error in *ERR_OUT (caller frees):
 * "scenario viewers: …". */
int fr_ws_run_status(const struct fr_ws_run *r, char **err_out);

#endif
