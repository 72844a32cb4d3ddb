/* setup.c: auth, setup and teardown requests, for a run and once for all shards (see setup.h).
 *
 * The one-shot commands own a loop of their own on the calling thread, as
 * the run's control thread does, and send one request at a time through
 * fr_http_sync.
 */
#include "engine/setup.h"

#include <stdlib.h>
#include <string.h>

#include "engine/loop.h"
#include "engine/preflight.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define PREFLIGHT_MS       3000
#define DEFAULT_TIMEOUT_US 10000000

/* The plan's target, as every request of a run sees it. */
void fr_setup_target(const struct fr_plan *plan, struct fr_http_target *tgt)
{
	memset(tgt, 0, sizeof *tgt);
	tgt->base_url = plan->base_url;
	tgt->timeout_us = plan->timeout_us > 0 ? plan->timeout_us : DEFAULT_TIMEOUT_US;
	tgt->headers = &plan->headers;
	tgt->ca_file = plan->ca_file;
}

/* Logs in once; the auth headers apply from then on. */
int fr_setup_auth(struct fr_loop *loop, const struct fr_plan *plan, struct fr_http_target *tgt,
                  struct fr_varstore *vars, uint64_t *rng, volatile sig_atomic_t *stop, char **err_out)
{
	char *err = NULL;
	if (!plan->auth)
		return 0;
	if (fr_http_sync(loop, tgt, plan->auth, vars, rng, stop, NULL, &err) != 0) {
		int stopped = stop && *stop;
		if (!stopped)
			*err_out = xasprintf("auth failed: %s", err ? err : "?");
		free(err);
		return stopped ? 0 : -1;
	}
	tgt->auth_headers = &plan->auth_headers;
	return 0;
}

/* In order, one at a time: a later setup request may use an earlier one's captures. */
int fr_setup_requests(struct fr_loop *loop, const struct fr_http_target *tgt, const struct fr_request *reqs, size_t n,
                      struct fr_varstore *vars, uint64_t *rng, const char *what, volatile sig_atomic_t *stop,
                      char **err_out)
{
	for (size_t i = 0; i < n && !(stop && *stop); i++) {
		char *err = NULL;
		if (fr_http_sync(loop, tgt, &reqs[i], vars, rng, stop, NULL, &err) == 0 || (stop && *stop)) {
			free(err);
			continue;
		}
		*err_out = xasprintf("%s failed: %s", what, err ? err : "?");
		free(err);
		return -1;
	}
	return 0;
}

/* Copies the captures of REQS (and their steps) from VARS into OUT. */
static void copy_captures(const struct fr_request *reqs, size_t n, const struct fr_varstore *vars,
                          struct fr_varstore *out)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < reqs[i].ncaptures; c++) {
			const char *name = reqs[i].captures[c].var;
			const struct fr_var *v = fr_varstore_get(vars, name, strlen(name));
			if (v)
				fr_varstore_set_list(out, name, v->values, v->nvalues);
		}
		copy_captures(reqs[i].steps, reqs[i].nsteps, vars, out);
	}
}

/* Only setup captures are shared: auth captures belong to each generator. */
void fr_setup_captured(const struct fr_plan *plan, const struct fr_varstore *vars, struct fr_varstore *out)
{
	copy_captures(plan->setup, plan->nsetup, vars, out);
}

/* What the one-shot commands hold. */
struct once {
	struct fr_loop *loop;
	struct fr_http_target tgt;
	struct fr_varstore vars;
	uint64_t rng;
};

/* Preflight, a loop and auth; the status of what failed. */
static int once_open(struct once *o, const struct fr_plan *plan, uint64_t seed, char **err_out)
{
	memset(o, 0, sizeof *o);
	if (fr_preflight_plan(plan, PREFLIGHT_MS, err_out) != 0)
		return FR_SETUP_UNREACHABLE;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	o->rng = seed ? seed : (uint64_t)fr_clock_mono_ns() | 1;
	fr_setup_target(plan, &o->tgt);
	o->loop = fr_loop_create(16);
	if (!o->loop) {
		*err_out = xstrdup("cannot create the event loop");
		return FR_SETUP_FAILED;
	}
	return fr_setup_auth(o->loop, plan, &o->tgt, &o->vars, &o->rng, NULL, err_out) ? FR_SETUP_FAILED : FR_SETUP_OK;
}

/* Releases what once_open took. */
static void once_close(struct once *o)
{
	fr_loop_free(o->loop);
	fr_varstore_clear(&o->vars);
	curl_global_cleanup();
}

/* Puts pass P's sweep value into the variables. */
static void sweep_value(struct once *o, const struct fr_plan *plan, int p)
{
	if (plan->sweep_param && (size_t)p < plan->nsweep)
		fr_varstore_set(&o->vars, plan->sweep_param, plan->sweep_values[p]);
}

/* Every pass's setup, once, with its captures kept per pass. */
int fr_setup_run(const struct fr_plan *plan, const struct fr_timeline *tl, uint64_t seed,
                 struct fr_varstore **pass_vars_out, char **err_out)
{
	struct once o;
	*pass_vars_out = NULL;
	int st = once_open(&o, plan, seed, err_out);
	struct fr_varstore *out = xcalloc((size_t)tl->npasses + 1, sizeof *out);
	for (int p = 0; st == FR_SETUP_OK && p < tl->npasses; p++) {
		sweep_value(&o, plan, p);
		if (fr_setup_requests(o.loop, &o.tgt, plan->setup, plan->nsetup, &o.vars, &o.rng, "setup", NULL,
		                      err_out) != 0)
			st = FR_SETUP_FAILED;
		else
			fr_setup_captured(plan, &o.vars, &out[p]);
	}
	once_close(&o);
	if (st != FR_SETUP_OK) {
		for (int p = 0; p < tl->npasses; p++)
			fr_varstore_clear(&out[p]);
		free(out);
		return st;
	}
	*pass_vars_out = out;
	return FR_SETUP_OK;
}

/* Every pass's teardown, once, with the captures its setup made. */
int fr_setup_teardown(const struct fr_plan *plan, const struct fr_timeline *tl, uint64_t seed,
                      const struct fr_varstore *pass_vars, char **err_out)
{
	struct once o;
	int st = once_open(&o, plan, seed, err_out);
	for (int p = 0; st == FR_SETUP_OK && p < tl->npasses; p++) {
		struct fr_varstore pass = {.parent = &o.vars};
		sweep_value(&o, plan, p);
		for (size_t i = 0; pass_vars && i < pass_vars[p].n; i++)
			fr_varstore_set_list(&pass, pass_vars[p].items[i].name, pass_vars[p].items[i].values,
			                     pass_vars[p].items[i].nvalues);
		if (fr_setup_requests(o.loop, &o.tgt, plan->teardown, plan->nteardown, &pass, &o.rng, "teardown", NULL,
		                      err_out) != 0)
			st = FR_SETUP_FAILED;
		fr_varstore_clear(&pass);
	}
	once_close(&o);
	return st;
}
