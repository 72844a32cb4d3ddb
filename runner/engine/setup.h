/* setup.h: a run's untimed requests — auth, setup and teardown — and running setup and teardown once for N shards.
 *
 * fr_run (run.h) logs in once and runs each pass's setup and teardown
 * requests around the pass with the helpers here. When one plan runs as N
 * shards (plan/shard.h), setup and teardown must happen once, not N times:
 * `flowrun setup` calls fr_setup_run, which logs in, runs every pass's setup
 * requests and hands back, per pass, the variables those requests captured;
 * the shards take them (fr_run_opts.pass_vars) and skip setup and teardown;
 * `flowrun teardown` calls fr_setup_teardown with the same variables. Auth is
 * different: every generator logs in itself, because what auth captures
 * (tokens, sessions) belongs to one client — so auth captures are never
 * part of the shared variables, only what the setup requests capture (and
 * the sweep value) is.
 */
#ifndef FR_SETUP_H
#define FR_SETUP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/http.h"
#include "plan/timeline.h"
#include "plan/vars.h"

enum fr_setup_status {
	FR_SETUP_OK = 0,
	FR_SETUP_UNREACHABLE, /* the target refused the preflight connect */
	FR_SETUP_FAILED,      /* auth or a setup/teardown request failed */
};

/* Fills TGT for PLAN's target: base URL, default timeout, the plan's headers. */
void fr_setup_target(const struct fr_plan *plan, struct fr_http_target *tgt);

/* Logs in when PLAN has auth: the captures go into VARS and TGT sends the
 * auth headers from then on. 0, or -1 with "auth failed: …" in *ERR_OUT.
 * Once *STOP is set (a signal; STOP may be NULL) the login is abandoned at
 * once and that is not a failure: 0, and the caller sees the flag. */
int fr_setup_auth(struct fr_loop *loop, const struct fr_plan *plan, struct fr_http_target *tgt,
                  struct fr_varstore *vars, uint64_t *rng, volatile sig_atomic_t *stop, char **err_out);

/* Sends the N requests REQS in order, capturing into VARS; once *STOP is set
 * (STOP may be NULL) the request in flight is abandoned and no other is sent,
 * which is not a failure. 0, or -1 with "WHAT failed: …" in *ERR_OUT (caller
 * frees) at the first failure. */
int fr_setup_requests(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *reqs, size_t n,
                      struct fr_varstore *vars, uint64_t *rng, const char *what, volatile sig_atomic_t *stop,
                      char **err_out);

/* Copies from VARS into OUT the variables PLAN's setup requests capture. */
void fr_setup_captured(const struct fr_plan *plan, const struct fr_varstore *vars, struct fr_varstore *out);

/* `flowrun setup`: checks the target answers, logs in, then for every pass of
 * TL sets the sweep value and runs the setup requests. On FR_SETUP_OK,
 * *PASS_VARS_OUT is a new array of tl->npasses stores holding each pass's
 * setup captures (free each with fr_varstore_clear, then the array). Else
 * *ERR_OUT (caller frees) says why. */
int fr_setup_run(const struct fr_plan *plan, const struct fr_timeline *tl, uint64_t seed,
                 struct fr_varstore **pass_vars_out, char **err_out);

/* `flowrun teardown`: checks the target, logs in, then for every pass runs
 * the teardown requests with that pass's sweep value and PASS_VARS[p]
 * (tl->npasses stores, as fr_setup_run made them). */
int fr_setup_teardown(const struct fr_plan *plan, const struct fr_timeline *tl, uint64_t seed,
                      const struct fr_varstore *pass_vars, char **err_out);

#endif
