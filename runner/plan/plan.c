/* plan.c: the plan model's own operations — freeing, lookups and the names of its enums (see plan.h). */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

const char *const fr_model_names[] = {"closed", "open", "websocket", NULL};
const char *const fr_toxic_names[] = {"latency", "bandwidth",  "slow_close", "timeout", "reset_peer",
                                      "slicer",  "limit_data", "down",       NULL};
const char *const fr_series_names[] = {"latency", "service", "delivery", "connect", NULL};
const char *const fr_cmp_names[] = {"<", "<=", ">", ">=", NULL};

/* Frees the contents of a kvlist. */
static void kvlist_free(struct fr_kvlist *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->items[i].key);
		free(kv->items[i].value);
	}
	free(kv->items);
}

/* Frees the contents of a request (not the struct). */
static void request_free(struct fr_request *r)
{
	free(r->name);
	free(r->method);
	free(r->url);
	kvlist_free(&r->headers);
	kvlist_free(&r->query);
	free(r->body);
	for (size_t i = 0; i < r->ncaptures; i++) {
		free(r->captures[i].var);
		free(r->captures[i].expr);
		fr_regex_free(r->captures[i].re);
	}
	free(r->captures);
	free(r->each);
	for (size_t i = 0; i < r->nsteps; i++)
		request_free(&r->steps[i]);
	free(r->steps);
}

/* Frees N requests and the array. */
static void requests_free(struct fr_request *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		request_free(&r[i]);
	free(r);
}

/* Frees the contents of a scenario. */
static void scenario_free(struct fr_scenario *s)
{
	free(s->name);
	for (size_t i = 0; i < s->nstages; i++)
		free(s->stages[i].name);
	free(s->stages);
	requests_free(s->requests, s->nrequests);
	free(s->ws.connect);
	kvlist_free(&s->ws.headers);
	free(s->ws.subscribe);
	request_free(&s->ws.publish);
	free(s->ws.match);
	fr_regex_free(s->ws.match_re);
}

/* Frees the contents of the fault section. */
static void faults_free(struct fr_faults *f)
{
	free(f->toxiproxy_url);
	free(f->proxies_file);
	fr_proxies_free(f->proxies, f->nproxies);
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].name);
		for (size_t k = 0; k < f->items[i].nproxies; k++)
			free(f->items[i].proxies[k]);
		free(f->items[i].proxies);
	}
	free(f->items);
}

/* Every string and array of the plan, then the plan. */
void fr_plan_free(struct fr_plan *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->name);
	free(p->description);
	free(p->base_url);
	kvlist_free(&p->headers);
	free(p->prometheus);
	free(p->ca_file);
	if (p->auth)
		request_free(p->auth);
	free(p->auth);
	kvlist_free(&p->auth_headers);
	requests_free(p->setup, p->nsetup);
	requests_free(p->teardown, p->nteardown);
	free(p->sweep_param);
	for (size_t i = 0; i < p->nsweep; i++)
		free(p->sweep_values[i]);
	free(p->sweep_values);
	for (size_t i = 0; i < p->nscenarios; i++)
		scenario_free(&p->scenarios[i]);
	free(p->scenarios);
	faults_free(&p->faults);
	for (size_t i = 0; i < p->nslos; i++) {
		struct fr_slo *s = &p->slos[i];
		free(s->name);
		free(s->scenario);
		free(s->request);
		free(s->metric);
		free(s->threshold_text);
		free(s->window_ref);
		free(s->window_text);
	}
	free(p->slos);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

/* Linear: plans have few scenarios and faults, and lookups happen before the run. */
const struct fr_scenario *fr_plan_scenario(const struct fr_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->nscenarios; i++)
		if (strcmp(plan->scenarios[i].name, name) == 0)
			return &plan->scenarios[i];
	return NULL;
}

/* Linear, like fr_plan_scenario. */
int fr_plan_fault_index(const struct fr_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->faults.n; i++)
		if (strcmp(plan->faults.items[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Bounds-checked: reports may meet values from a corrupt or newer file. */
const char *fr_model_name(enum fr_model model)
{
	return (unsigned)model <= FR_MODEL_WEBSOCKET ? fr_model_names[model] : "?";
}

/* Bounds-checked like fr_model_name. */
const char *fr_toxic_name(enum fr_toxic toxic)
{
	return (unsigned)toxic <= FR_TOXIC_DOWN ? fr_toxic_names[toxic] : "?";
}

/* Bounds-checked like fr_model_name. */
const char *fr_series_name(enum fr_series series)
{
	return (unsigned)series <= FR_SERIES_CONNECT ? fr_series_names[series] : "?";
}

/* Bounds-checked like fr_model_name. */
const char *fr_cmp_name(enum fr_cmp cmp)
{
	return (unsigned)cmp <= FR_CMP_GE ? fr_cmp_names[cmp] : "?";
}

/* One comparison for every judge of a threshold: verdicts, early verdicts, breaches. */
int fr_cmp_holds(enum fr_cmp cmp, double value, double threshold)
{
	switch (cmp) {
	case FR_CMP_LT: return value < threshold;
	case FR_CMP_LE: return value <= threshold;
	case FR_CMP_GT: return value > threshold;
	default: return value >= threshold;
	}
}
