/* merge.c: adding up the JSON results of a run's shards (see merge.h).
 *
 * Everything is matched by name, never by position: keys by their
 * "scenario/request" name, outcomes and WebSocket counters by the names the
 * writer uses, scenarios by name. Segments are matched by index, which is
 * safe because the caller compiled the timeline from the same plan and the
 * plan digest (plan/digest.h) said so. Histograms are rebuilt exactly
 * (fr_report_json_raw_hist) and added with fr_hist_merge.
 */
#include "result/merge.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/shard.h"
#include "result/health.h"
#include "result/report_json.h"
#include "result/series_json.h"
#include "result/series_scan.h"
#include "result/timeseries.h"
#include "util/xmalloc.h"

/* A string member of OBJ, or NULL. */
static const char *str_of(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* An integer member of OBJ, or 0. */
static json_int_t int_of(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* Fills the identity of IN from its document; -1 when it is not a shard-able result. */
static int identify(struct fr_merge_input *in, char **err_out)
{
	const json_t *d = in->doc, *plan = json_object_get(d, "plan"), *shard = json_object_get(d, "shard");
	if (!json_is_object(d) || !str_of(d, "format") || strcmp(str_of(d, "format"), "flowrun-result") != 0) {
		*err_out = xasprintf("%s: not a flowrun result (no \"format\": \"flowrun-result\")", in->path);
		return -1;
	}
	if (int_of(d, "version") != 1 || !json_is_object(plan) || !str_of(d, "run_id") || !str_of(plan, "name")) {
		*err_out = xasprintf("%s: not a flowrun result of version 1", in->path);
		return -1;
	}
	if (json_is_array(json_object_get(d, "shards"))) {
		*err_out = xasprintf("%s: a merged result, not a shard's", in->path);
		return -1;
	}
	in->run_id = str_of(d, "run_id");
	in->plan_name = str_of(plan, "name");
	in->plan_file = str_of(plan, "file");
	in->digest = str_of(plan, "digest") ? str_of(plan, "digest") : "";
	in->time_scale = json_number_value(json_object_get(plan, "time_scale"));
	in->index = json_is_object(shard) ? (int)int_of(shard, "index") : -1;
	in->count = json_is_object(shard) ? (int)int_of(shard, "count") : 0;
	if (json_is_object(shard) && (in->count < 1 || in->index < 0 || in->index >= in->count)) {
		*err_out = xasprintf("%s: shard %d of %d does not exist", in->path, in->index, in->count);
		return -1;
	}
	return 0;
}

/* The whole file at PATH in a new buffer (caller frees) and its length; NULL with errno set. */
static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	if (!f)
		return NULL;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len_out = len;
	return buf;
}

/* The time series of a document parsed whole (jansson), taken out of it. */
static int take_series(struct fr_merge_input *in, char **err_out)
{
	json_t *js = json_object_get(in->doc, "series");
	char *why = NULL;
	if (!js || json_is_null(js))
		return 0;
	in->series = fr_series_json_read(js, &why);
	if (!in->series) {
		*err_out = xasprintf("%s: series: %s", in->path, why ? why : "malformed");
		free(why);
		return -1;
	}
	json_object_del(in->doc, "series");
	return 0;
}

/* Parses TEXT: the time series (the bulk of a long run's result) by
 * series_scan.h straight into its struct, the rest by jansson without it. */
static int parse(struct fr_merge_input *in, char *text, size_t len, char **err_out)
{
	json_error_t e;
	size_t cut_from, from, used = 0;
	int first, found = fr_series_scan_find(text, len, &cut_from, &from, &first) == 0;
	if (found) {
		char *why = NULL;
		in->series = fr_series_scan(text + from, len - from, &used, &why);
		if (!in->series) {
			*err_out = xasprintf("%s: series: %s", in->path, why);
			free(why);
			return -1;
		}
		size_t cut_to = fr_series_scan_cut_to(text, len, from + used, first);
		memmove(text + cut_from, text + cut_to, len - cut_to);
		len -= cut_to - cut_from;
	}
	in->doc = json_loadb(text, len, 0, &e);
	if (!in->doc) {
		*err_out = e.line > 0 ? xasprintf("%s:%d: %s", in->path, e.line, e.text)
		                      : xasprintf("%s: %s", in->path, e.text);
		return -1;
	}
	return found ? 0 : take_series(in, err_out);
}

/* Reads and identifies one result file: the whole file at once (jansson
 * reading a stream goes a character at a time). */
int fr_merge_read(const char *path, struct fr_merge_input *in, char **err_out)
{
	size_t len = 0;
	memset(in, 0, sizeof *in);
	in->path = xstrdup(path);
	char *text = slurp(path, &len);
	if (!text) {
		*err_out = xasprintf("%s: %s", path, strerror(errno));
		return FR_MERGE_UNREADABLE;
	}
	int rc = parse(in, text, len, err_out);
	free(text);
	return rc == 0 && identify(in, err_out) == 0 ? FR_MERGE_OK : FR_MERGE_UNREADABLE;
}

/* What a reading thread gets: a share of the files. */
struct reader {
	const char *const *paths;
	struct fr_merge_input *in;
	char **errs;
	int *sts;
	size_t n, first, step;
};

/* Reads every STEP-th file from FIRST. */
static void *read_some(void *arg)
{
	struct reader *r = arg;
	for (size_t i = r->first; i < r->n; i += r->step)
		r->sts[i] = fr_merge_read(r->paths[i], &r->in[i], &r->errs[i]);
	return NULL;
}

/* Parsing is most of a merge's time: one thread per core shares the files. */
int fr_merge_read_all(const char *const *paths, size_t n, struct fr_merge_input *in, char **err_out)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores < 1 ? 1 : (size_t)cores > n ? n : (size_t)cores;
	if (nt > 16)
		nt = 16;
	char **errs = xcalloc(n + 1, sizeof *errs);
	int *sts = xcalloc(n + 1, sizeof *sts);
	pthread_t tid[16];
	struct reader r[16];
	size_t started = 0;
	for (size_t t = 0; t < nt; t++) {
		r[t] = (struct reader){paths, in, errs, sts, n, t, nt};
		if (t > 0 && pthread_create(&tid[t], NULL, read_some, &r[t]) == 0)
			started = t;
		else if (t > 0)
			read_some(&r[t]);
	}
	if (nt)
		read_some(&r[0]);
	for (size_t t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	int st = FR_MERGE_OK;
	for (size_t i = 0; i < n; i++) {
		if (sts[i] != FR_MERGE_OK && st == FR_MERGE_OK) {
			st = sts[i];
			*err_out = errs[i];
			errs[i] = NULL;
		}
		free(errs[i]);
	}
	free(errs);
	free(sts);
	return st;
}

/* Frees what an input holds. */
void fr_merge_input_clear(struct fr_merge_input *in)
{
	json_decref(in->doc);
	fr_timeseries_free(in->series);
	free(in->path);
	memset(in, 0, sizeof *in);
}

/* The first difference between A and B that makes them results of different runs, or NULL. */
static char *differs(const struct fr_merge_input *a, const struct fr_merge_input *b)
{
	if (strcmp(a->plan_name, b->plan_name) != 0)
		return xasprintf("%s is a result of plan '%s', %s of plan '%s': shards of different plans", b->path,
		                 b->plan_name, a->path, a->plan_name);
	if (strcmp(a->digest, b->digest) != 0)
		return xasprintf("%s ran plan '%s' with digest %s, %s with digest %s: the plan (or its time scale or "
		                 "variables) differed between shards",
		                 b->path, b->plan_name, *b->digest ? b->digest : "(none)", a->path,
		                 *a->digest ? a->digest : "(none)");
	if (strcmp(a->run_id, b->run_id) != 0)
		return xasprintf("%s is a shard of run %s, %s of run %s: results of different runs", b->path, b->run_id,
		                 a->path, a->run_id);
	if (!a->count || !b->count)
		return xasprintf("%s is the result of an unsharded run: only shards (--shard K/N) merge",
		                 a->count ? b->path : a->path);
	if (a->count != b->count)
		return xasprintf("%s is a shard of %d, %s of %d: different shard counts", b->path, b->count, a->path,
		                 a->count);
	if (a->index == b->index)
		return xasprintf("%s and %s are both shard %d of %d", a->path, b->path, a->index, a->count);
	return NULL;
}

/* Every pair must agree; the first disagreement is reported. */
int fr_merge_check(const struct fr_merge_input *in, size_t n, char **err_out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			char *why = differs(&in[i], &in[j]);
			if (why) {
				*err_out = why;
				return FR_MERGE_MISMATCH;
			}
		}
	return FR_MERGE_OK;
}

/* The index of the key called NAME, or -1. */
static int key_named(const struct fr_results *res, const char *name)
{
	for (size_t k = 0; name && k < res->nkeys; k++)
		if (strcmp(res->keys[k].name, name) == 0)
			return (int)k;
	return -1;
}

/* Adds a raw histogram (or nothing when RAW is absent) into *DST; -1 when malformed. */
static int add_raw(struct fr_hist **dst, const json_t *raw)
{
	if (!raw || json_is_null(raw))
		return 0;
	struct fr_hist *h = fr_report_json_raw_hist(raw);
	if (!h)
		return -1;
	if (!*dst)
		*dst = fr_hist_create();
	fr_hist_merge(*dst, h);
	fr_hist_free(h);
	return 0;
}

/* Adds named counters {"name": n} into COUNTS, whose names NAME_OF gives. */
static int add_named(uint64_t *counts, int n, const char *(*name_of)(int), const json_t *obj)
{
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)obj, name, v)
	{
		int i = 0;
		while (i < n && strcmp(name_of(i), name) != 0)
			i++;
		if (i == n || !json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		counts[i] += (uint64_t)json_integer_value(v);
	}
	return 0;
}

/* fr_outcome_name over an int, for add_named. */
static const char *outcome_name(int i)
{
	return fr_outcome_name((enum fr_outcome)i);
}

/* fr_ws_counter_name over an int, for add_named. */
static const char *ws_name(int i)
{
	return fr_ws_counter_name((enum fr_ws_counter)i);
}

/* Adds a raw cell's [value_us, at_us] samples of key K to SLOWEST; -1 when malformed. */
static int add_slowest(struct fr_slowest *slowest, int k, const json_t *cell)
{
	static const char *const names[FR_SERIES_CONNECT + 1] = {"latency", "service", "delivery", "connect"};
	const json_t *o = json_object_get(cell, "slowest"), *a, *p;
	size_t i;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return -1;
	for (int s = 0; s <= FR_SERIES_CONNECT; s++) {
		if (!(a = json_object_get(o, names[s])))
			continue;
		if (!json_is_array(a))
			return -1;
		json_array_foreach(a, i, p)
		{
			if (!json_is_array(p) || !json_is_integer(json_array_get(p, 0)) ||
			    !json_is_integer(json_array_get(p, 1)))
				return -1;
			const json_t *svc = json_array_get(p, 2);
			fr_slowest_add(&slowest[s],
			               &(struct fr_sample){json_integer_value(json_array_get(p, 0)),
			                                   json_integer_value(json_array_get(p, 1)),
			                                   json_is_integer(svc) ? json_integer_value(svc) : -1, k});
		}
	}
	return 0;
}

/* Adds one raw cell of key K into RES; -1 when it is malformed. */
static int add_cell(struct fr_results *res, int k, const json_t *cell)
{
	json_int_t seg = int_of(cell, "segment");
	if (!json_is_integer(json_object_get(cell, "segment")) || seg < 0 || (size_t)seg >= res->tl->nsegs)
		return -1;
	struct fr_cell *c = fr_results_cell(res, k, (int)seg);
	c->late += (uint64_t)int_of(cell, "late");
	c->missed += (uint64_t)int_of(cell, "missed");
	if (add_named(c->outcomes, FR_OUTCOME_N, outcome_name, json_object_get(cell, "outcomes")) ||
	    add_named(c->ws, FR_WS_COUNTER_N, ws_name, json_object_get(cell, "ws")))
		return -1;
	if (add_raw(&c->latency, json_object_get(cell, "latency")) ||
	    add_raw(&c->service, json_object_get(cell, "service")) ||
	    add_raw(&c->delivery, json_object_get(cell, "delivery")) ||
	    add_raw(&c->connect, json_object_get(cell, "connect")) || add_slowest(c->slowest, k, cell))
		return -1;
	return 0;
}

/* Adds every key's cells of one document. */
static int add_keys(struct fr_results *res, const struct fr_merge_input *in, char **err_out)
{
	size_t i, j;
	json_t *key, *cell;
	json_array_foreach(json_object_get(in->doc, "keys"), i, key)
	{
		int k = key_named(res, str_of(key, "name"));
		if (k < 0) {
			*err_out = xasprintf("%s: key '%s' is not in the plan", in->path,
			                     str_of(key, "name") ? str_of(key, "name") : "?");
			return -1;
		}
		json_array_foreach(json_object_get(key, "segments"), j, cell)
		{
			if (add_cell(res, k, cell) != 0) {
				*err_out = xasprintf("%s: key '%s': malformed segment %zu", in->path, res->keys[k].name,
				                     j);
				return -1;
			}
		}
	}
	return 0;
}

/* The index of the scenario called NAME, or -1. */
static int scenario_named(const struct fr_plan *plan, const char *name)
{
	for (size_t s = 0; name && s < plan->nscenarios; s++)
		if (strcmp(plan->scenarios[s].name, name) == 0)
			return (int)s;
	return -1;
}

/* Adds the active users and viewers per segment of one document. */
static int add_load(struct fr_results *res, const struct fr_merge_input *in, char **err_out)
{
	size_t i, j;
	json_t *sc, *pair;
	json_array_foreach(json_object_get(in->doc, "load"), i, sc)
	{
		int s = scenario_named(res->tl->plan, str_of(sc, "scenario"));
		if (s < 0) {
			*err_out = xasprintf("%s: scenario '%s' is not in the plan", in->path,
			                     str_of(sc, "scenario") ? str_of(sc, "scenario") : "?");
			return -1;
		}
		json_array_foreach(json_object_get(sc, "segments"), j, pair)
		{
			json_int_t seg = json_integer_value(json_array_get(pair, 0));
			json_int_t n = json_integer_value(json_array_get(pair, 1));
			if (seg < 0 || (size_t)seg >= res->tl->nsegs || n < 0) {
				*err_out = xasprintf("%s: scenario '%s': malformed load entry %zu", in->path,
				                     res->tl->plan->scenarios[s].name, j);
				return -1;
			}
			res->active[(size_t)s * res->tl->nsegs + (size_t)seg] += (uint64_t)n;
		}
	}
	return 0;
}

/* Adds the open model's scheduler figures of one document. */
static int add_scheduler(struct fr_results *res, const struct fr_merge_input *in, char **err_out)
{
	const json_t *sch = json_object_get(in->doc, "scheduler");
	res->planned += (uint64_t)int_of(sch, "planned");
	res->sent += (uint64_t)int_of(sch, "sent");
	if (add_raw(&res->sched_lag, json_object_get(sch, "lag_raw")) != 0) {
		*err_out = xasprintf("%s: malformed scheduler lag histogram", in->path);
		return -1;
	}
	return 0;
}

/* Adds the time series of one input interval by interval; a result without
 * one (an older flowrun) adds nothing. The first series fixes the interval;
 * the others must have recorded the same intervals. */
static int add_series(struct fr_results *res, const struct fr_merge_input *in, int *have, char **err_out)
{
	const struct fr_timeseries *s = in->series;
	if (!s)
		return 0;
	if (!*have && s->interval_us != res->series->interval_us)
		fr_results_set_interval(res, s->interval_us);
	const struct fr_timeseries *d = res->series;
	if (s->interval_us != d->interval_us || s->nintervals != d->nintervals || s->nkeys != d->nkeys ||
	    s->nscenarios != d->nscenarios) {
		*err_out = xasprintf("%s: a time series of %zu intervals of %lldus, the other shards %zu of %lldus: "
		                     "give every shard the same --interval",
		                     in->path, s->nintervals, (long long)s->interval_us, d->nintervals,
		                     (long long)d->interval_us);
		return -1;
	}
	fr_timeseries_merge(res->series, s);
	*have = 1;
	return 0;
}

/* A number member of OBJ, or -1 when it is null or absent. */
static double num_or_unknown(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : -1;
}

/* Appends the worker threads of one document's generator health (each shard's
 * threads are its own) and combines the host figures. */
static int add_generator(struct fr_results *res, const struct fr_merge_input *in, char **err_out)
{
	const json_t *g = json_object_get(in->doc, "generator"), *threads = json_object_get(g, "threads"), *th, *seg;
	const json_t *host = json_object_get(g, "host"), *http = json_object_get(g, "http");
	size_t i, k;
	if (!json_is_object(g))
		return 0;
	struct fr_health *h = fr_health_create(res->tl->nsegs, -1);
	json_array_foreach(threads, i, th)
	{
		/* numbered by lane (plan/shard.h): shard K's thread t is K + N·t, one number per worker of the run */
		int lane =
		        (in->index > 0 ? in->index : 0) + (in->count > 0 ? in->count : 1) * (int)int_of(th, "thread");
		struct fr_health *one = fr_health_create(res->tl->nsegs, lane);
		json_array_foreach(json_object_get(th, "segments"), k, seg)
		{
			json_int_t s = int_of(seg, "segment");
			if (s < 0 || (size_t)s >= res->tl->nsegs)
				continue;
			struct fr_health_cell *c = &one->threads[0].cells[s];
			c->cpu_us = int_of(seg, "cpu_us");
			c->wall_us = int_of(seg, "wall_us");
			if (add_raw(&c->lag, json_object_get(seg, "loop_lag_raw")) != 0) {
				*err_out = xasprintf("%s: malformed loop lag histogram", in->path);
				fr_health_free(one);
				fr_health_free(h);
				return -1;
			}
		}
		fr_health_merge(h, one);
		fr_health_free(one);
	}
	h->rss_peak_bytes = int_of(g, "rss_peak_bytes");
	h->load_start = num_or_unknown(host, "load_start");
	h->load_max = num_or_unknown(host, "load_max");
	h->load_end = num_or_unknown(host, "load_end");
	h->cpus = (int)int_of(host, "cpus");
	h->allow_saturated = json_is_true(json_object_get(g, "allow_saturated"));
	res->http_lean += (uint64_t)int_of(http, "lean");
	res->http_curl += (uint64_t)int_of(http, "curl");
	if (!res->health)
		res->health = fr_health_create(res->tl->nsegs, -1);
	fr_health_merge(res->health, h);
	fr_health_free(h);
	return 0;
}

/* The first failure among the inputs goes into RES, naming its file: the
 * merged run failed too. Phases are kept as the static words results use. */
static void note_failed(struct fr_results *res, const struct fr_merge_input *in)
{
	static const char *const phases[] = {"auth", "setup", "start", "teardown"};
	const json_t *f = json_object_get(in->doc, "failed");
	if (res->failed_reason || !json_is_object(f))
		return;
	const char *msg = str_of(f, "message"), *phase = str_of(f, "phase");
	res->failed_reason = xasprintf("%s: %s", in->path, msg ? msg : "failed");
	res->failed_phase = "start";
	for (size_t i = 0; phase && i < sizeof phases / sizeof phases[0]; i++)
		if (strcmp(phase, phases[i]) == 0)
			res->failed_phase = phases[i];
	res->failed_pass = (int)int_of(f, "pass");
}

/* Adds every input; times span from the first start to the last end. */
int fr_merge_results(const struct fr_timeline *tl, const struct fr_merge_input *in, size_t n,
                     struct fr_results **res_out, char **err_out)
{
	struct fr_results *res = fr_results_create(tl);
	int64_t first = 0, last = 0;
	size_t interrupted = 0;
	int have_series = 0;
	*res_out = NULL;
	for (size_t i = 0; i < n; i++) {
		if (add_keys(res, &in[i], err_out) || add_load(res, &in[i], err_out) ||
		    add_scheduler(res, &in[i], err_out) || add_series(res, &in[i], &have_series, err_out) ||
		    add_generator(res, &in[i], err_out)) {
			fr_results_free(res);
			return FR_MERGE_MISMATCH;
		}
		int64_t start = int_of(in[i].doc, "started_unix_us"), end = int_of(in[i].doc, "ended_unix_us");
		first = !first || start < first ? start : first;
		last = end > last ? end : last;
		interrupted += json_is_true(json_object_get(in[i].doc, "interrupted"));
		/* a window one shard decided failed fails in the sum too: the
		 * shard's bound was the whole plan's (result/decided.h) */
		const json_t *ab = json_object_get(in[i].doc, "aborted_by");
		json_int_t w = json_integer_value(json_object_get(ab, "window"));
		json_int_t at = json_integer_value(json_object_get(ab, "at_us"));
		if (json_is_object(ab) && w >= 0 && (size_t)w < tl->nwindows &&
		    (!res->aborted || at < res->aborted_at_us)) {
			res->aborted = 1;
			res->aborted_window = (int)w;
			res->aborted_at_us = at;
		}
		res->partial |= json_is_true(json_object_get(in[i].doc, "partial"));
		note_failed(res, &in[i]);
	}
	res->started_unix_us = first;
	res->elapsed_us = last > first ? last - first : 0;
	res->interrupted = n > 0 && interrupted == n;
	*res_out = res;
	return FR_MERGE_OK;
}

/* The shard table entry of one input. */
static void describe(struct fr_shard_info *si, const struct fr_merge_input *in)
{
	const json_t *sh = json_object_get(in->doc, "shard"), *sch = json_object_get(in->doc, "scheduler");
	const json_t *lag = json_object_get(sch, "lag");
	si->file = xstrdup(in->path);
	si->seed = (uint64_t)int_of(sh, "seed");
	si->start_at_unix_us = int_of(sh, "start_at_unix_us");
	si->start_skew_us = int_of(sh, "start_skew_us");
	si->have_clock = json_is_integer(json_object_get(sh, "clock_offset_us"));
	si->clock_offset_us = int_of(sh, "clock_offset_us");
	si->clock_error_us = int_of(sh, "clock_error_us");
	si->clock_ref = str_of(sh, "clock_ref") ? xstrdup(str_of(sh, "clock_ref")) : NULL;
	si->late = json_is_true(json_object_get(sh, "late"));
	si->cpu_s = json_number_value(json_object_get(sh, "cpu_s"));
	si->result = str_of(in->doc, "result") ? xstrdup(str_of(in->doc, "result")) : NULL;
	si->invalid = str_of(in->doc, "invalid") ? xstrdup(str_of(in->doc, "invalid")) : NULL;
	si->interrupted = json_is_true(json_object_get(in->doc, "interrupted"));
	si->partial = json_is_true(json_object_get(in->doc, "partial"));
	const char *failed = str_of(json_object_get(in->doc, "failed"), "message");
	si->failed = failed ? xstrdup(failed) : NULL;
	si->planned = (uint64_t)int_of(sch, "planned");
	si->sent = (uint64_t)int_of(sch, "sent");
	si->lag_p99_us = json_is_object(lag) ? int_of(lag, "p99") : -1;
	si->elapsed_us = int_of(in->doc, "elapsed_us");
	si->worker_cpu_max = -1;
	si->loop_lag_p99_us = -1;
	size_t t;
	json_t *th;
	json_array_foreach(json_object_get(json_object_get(in->doc, "generator"), "threads"), t, th)
	{
		double cpu = num_or_unknown(th, "cpu");
		json_int_t p99 = int_of(json_object_get(th, "loop_lag_us"), "p99");
		si->worker_cpu_max = cpu > si->worker_cpu_max ? cpu : si->worker_cpu_max;
		si->loop_lag_p99_us = p99 > si->loop_lag_p99_us ? p99 : si->loop_lag_p99_us;
		si->saturated |= json_is_true(json_object_get(th, "saturated"));
	}
}

/* One entry per shard number; inputs fill theirs, the rest are missing. */
struct fr_shard_info *fr_merge_shards(const struct fr_plan *plan, const struct fr_merge_input *in, size_t n, int count)
{
	struct fr_shard_info *si = xcalloc(count > 0 ? (size_t)count : 1, sizeof *si);
	for (int k = 0; k < count; k++) {
		si[k].index = k;
		si[k].count = count;
		si[k].missing = 1;
		si[k].lag_p99_us = -1;
		si[k].worker_cpu_max = -1;
		si[k].loop_lag_p99_us = -1;
		si[k].share = fr_shard_share(plan, k, count);
	}
	for (size_t i = 0; i < n; i++) {
		int k = in[i].index < 0 ? 0 : in[i].index;
		if (k >= count)
			continue;
		si[k].missing = 0;
		describe(&si[k], &in[i]);
	}
	return si;
}

/* Only the shard that drove the faults recorded any, so copying all is copying its. */
void fr_merge_faults(struct fr_report *r, const struct fr_merge_input *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;
		json_t *f;
		json_array_foreach(json_object_get(in[i].doc, "faults"), j, f)
		{
			fr_report_add_fault(r, (int)int_of(f, "fault"), json_is_true(json_object_get(f, "on")),
			                    int_of(f, "intended_us"), int_of(f, "actual_us"),
			                    json_is_true(json_object_get(f, "ok")), str_of(f, "error"));
		}
	}
}
