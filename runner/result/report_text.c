/* report_text.c: the terminal summary of a run (see report_text.h).
 *
 * The summary reads top-down the way a run is reviewed: what ran (header and
 * banners), what each request did (count, errors by class, achieved rate,
 * latency percentiles from the intended send, service p99), how latency moved
 * with load (stage and sweep tables), the WebSocket counters, the faults as
 * they really happened and what they did to latency and errors, and finally
 * the SLO table and one result line. Every table is laid out by result/table.h.
 */
#include "result/report_text.h"

#include <stdlib.h>
#include <string.h>

#include "result/table.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

/* The non-zero error classes of a cell: "timeout 12, http-5xx 3", or "-". */
static void fmt_classes(const struct fr_cell *c, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int o = 1; o < FR_OUTCOME_N && off < len; o++)
		if (c->outcomes[o])
			off += (size_t)snprintf(buf + off, len - off, "%s%s %llu", off ? ", " : "",
			                        fr_outcome_name((enum fr_outcome)o),
			                        (unsigned long long)c->outcomes[o]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* An unsigned count as text. */
static void fmt_u(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* The name of key K without its scenario prefix ("dashboard/widget"). */
static const char *short_name(const struct fr_results *res, size_t k)
{
	const char *slash = strchr(res->keys[k].name, '/');
	return slash ? slash + 1 : res->keys[k].name;
}

/* The header and the interrupted / aborted / invalid / failed banners. */
static void print_header(const struct fr_report *r, FILE *out)
{
	const struct fr_timeline *tl = r->timeline;
	char done[32], planned[32];
	int64_t elapsed = r->results ? r->results->elapsed_us : 0;
	fr_fmt_run_length(done, sizeof done, elapsed > 0 ? elapsed : tl->totals.duration_us);
	fr_fmt_run_length(planned, sizeof planned, tl->totals.duration_us);
	fprintf(out, "flowrun: %s (%s)\n", r->plan->name, r->plan->file ? r->plan->file : "-");
	fprintf(out, "run %s, %s of %s planned, %d pass%s", r->run_id ? r->run_id : "-", done, planned, tl->npasses,
	        tl->npasses == 1 ? "" : "es");
	if (r->plan->sweep_param)
		fprintf(out, " (sweep %s)", r->plan->sweep_param);
	if (tl->time_scale != 1.0)
		fprintf(out, ", time scale %g", tl->time_scale);
	fputc('\n', out);
	if (r->interrupted)
		fprintf(out, "!! INTERRUPTED after %s: the figures below are partial\n", done);
	if (r->aborted) {
		char at[FR_FMT_LEN], *by = fr_report_aborted_by(r);
		fr_fmt_run_length(at, sizeof at, r->aborted_at_us);
		fprintf(out,
		        "!! ABORTED at %s: SLO %s is decided failed whatever comes next; the figures below are "
		        "partial\n",
		        at, by);
		free(by);
	}
	if (r->invalid_reason)
		fprintf(out, "!! INVALID: %s\n", r->invalid_reason);
	if (r->failed_reason)
		fprintf(out, "!! FAILED: %s; the figures below are what ran before\n", r->failed_reason);
	const struct fr_results *res = r->results;
	if (res && res->planned) {
		char lag[32];
		uint64_t late = 0, missed = 0;
		for (size_t i = 0; i < res->nkeys * tl->nsegs; i++) {
			late += res->cells[i].late;
			missed += res->cells[i].missed;
		}
		fr_report_quantile(lag, sizeof lag, res->sched_lag, 0.99);
		fprintf(out,
		        "open model: %llu of %llu planned sends went out (%llu late by > 1ms, %llu missed), "
		        "send lag p99 %s\n",
		        (unsigned long long)res->sent, (unsigned long long)res->planned, (unsigned long long)late,
		        (unsigned long long)missed, lag);
	}
}

/* One row of the per-request table for the cell C summed over SECONDS. */
static void request_row(struct fr_table *t, const char *name, const struct fr_cell *c, double seconds)
{
	char n[24], e[24], rate[32], q[6][24], svc[24], cls[256];
	static const double qv[6] = {0.5, 0.9, 0.95, 0.99, 0.999, 1.0};
	fmt_u(fr_cell_requests(c), n, sizeof n);
	fmt_u(fr_cell_errors(c), e, sizeof e);
	snprintf(rate, sizeof rate, "%.1f/s", seconds > 0 ? (double)fr_cell_requests(c) / seconds : 0.0);
	for (int i = 0; i < 6; i++)
		fr_report_quantile(q[i], sizeof q[i], c->latency, qv[i]);
	fr_report_quantile(svc, sizeof svc, c->service, 0.99);
	fmt_classes(c, cls, sizeof cls);
	fr_table_row(t, name, n, e, rate, q[0], q[1], q[2], q[3], q[4], q[5], svc, cls);
}

/* The per-request table of an HTTP scenario. */
static void print_requests(const struct fr_report *r, int sc, FILE *out)
{
	static const char *const hdr[] = {"request", "count", "errors", "rate", "p50",         "p90",
	                                  "p95",     "p99",   "p99.9",  "max",  "service p99", "errors by class"};
	const struct fr_results *res = r->results;
	size_t nsegs;
	int *segs = fr_report_segs(r->timeline, -1, sc, -1, &nsegs);
	double secs = fr_report_seconds(r, segs, nsegs);
	struct fr_table t;
	fr_table_init(&t, "lrrrrrrrrrrl", hdr);
	for (size_t k = 0; k < res->nkeys; k++) {
		if (res->keys[k].scenario != sc)
			continue;
		struct fr_cell c = {0};
		fr_results_sum(res, (int)k, -1, segs, nsegs, &c);
		request_row(&t, short_name(res, k), &c, secs);
		fr_cell_clear(&c);
	}
	fr_table_print(&t, out);
	free(segs);
}

/* A stage's level as the stage table shows it. */
static void fmt_level(const struct fr_scenario *s, double level, char *buf, size_t len)
{
	snprintf(buf, len, s->model == FR_MODEL_OPEN ? "%g/s" : "%g", level);
}

/* Latency (or delivery) p50/p95/p99 against the level of each stage. */
static void print_stages(const struct fr_report *r, int sc, FILE *out)
{
	const struct fr_scenario *s = &r->plan->scenarios[sc];
	int ws = s->model == FR_MODEL_WEBSOCKET;
	const char *lv = s->model == FR_MODEL_CLOSED ? "users" : ws ? "viewers" : "rate";
	const char *hdr[] = {"stage",
	                     lv,
	                     ws ? "received" : "count",
	                     ws ? "lost" : "errors",
	                     ws ? "delivery p50" : "p50",
	                     ws ? "delivery p95" : "p95",
	                     ws ? "delivery p99" : "p99"};
	struct fr_table t;
	fr_table_init(&t, "lrrrrrr", hdr);
	for (size_t st = 0; st < s->nstages; st++) {
		size_t nsegs;
		int *segs = fr_report_segs(r->timeline, -1, sc, (int)st, &nsegs);
		struct fr_cell c = {0};
		fr_results_sum(r->results, -1, sc, segs, nsegs, &c);
		char name[64], level[32], a[24], b[24], q[3][24];
		if (s->stages[st].name)
			snprintf(name, sizeof name, "%s", s->stages[st].name);
		else
			snprintf(name, sizeof name, "#%zu", st + 1);
		fmt_level(s, s->stages[st].level, level, sizeof level);
		fmt_u(ws ? c.ws[FR_WS_RECEIVED] : fr_cell_requests(&c), a, sizeof a);
		fmt_u(ws ? c.ws[FR_WS_LOST] : fr_cell_errors(&c), b, sizeof b);
		const struct fr_hist *h = ws ? c.delivery : c.latency;
		fr_report_quantile(q[0], sizeof q[0], h, 0.5);
		fr_report_quantile(q[1], sizeof q[1], h, 0.95);
		fr_report_quantile(q[2], sizeof q[2], h, 0.99);
		fr_table_row(&t, name, level, a, b, q[0], q[1], q[2]);
		fr_cell_clear(&c);
		free(segs);
	}
	fprintf(out, "  by stage:\n");
	fr_table_print(&t, out);
}

/* Per sweep value: every top-level key's count, errors and p50/p95/p99. */
static void print_sweep(const struct fr_report *r, int sc, FILE *out)
{
	const struct fr_results *res = r->results;
	const char *hdr[] = {r->plan->sweep_param, "request", "count", "errors", "p50", "p95", "p99"};
	struct fr_table t;
	fr_table_init(&t, "llrrrrr", hdr);
	for (int p = 0; p < r->timeline->npasses && (size_t)p < r->plan->nsweep; p++) {
		size_t nsegs;
		int *segs = fr_report_segs(r->timeline, p, sc, -1, &nsegs);
		for (size_t k = 0; k < res->nkeys; k++) {
			if (res->keys[k].scenario != sc || res->keys[k].parent >= 0)
				continue;
			struct fr_cell c = {0};
			fr_results_sum(res, (int)k, -1, segs, nsegs, &c);
			int ws = res->keys[k].request == NULL;
			const struct fr_hist *h = ws ? c.delivery : c.latency;
			char a[24], b[24], q[3][24];
			fmt_u(ws ? c.ws[FR_WS_RECEIVED] : fr_cell_requests(&c), a, sizeof a);
			fmt_u(ws ? c.ws[FR_WS_LOST] : fr_cell_errors(&c), b, sizeof b);
			fr_report_quantile(q[0], sizeof q[0], h, 0.5);
			fr_report_quantile(q[1], sizeof q[1], h, 0.95);
			fr_report_quantile(q[2], sizeof q[2], h, 0.99);
			fr_table_row(&t, r->plan->sweep_values[p], short_name(res, k), a, b, q[0], q[1], q[2]);
			fr_cell_clear(&c);
		}
		free(segs);
	}
	fprintf(out, "  by %s:\n", r->plan->sweep_param);
	fr_table_print(&t, out);
}

/* The counters and delivery percentiles of a websocket scenario. */
static void print_ws(const struct fr_report *r, int sc, FILE *out)
{
	static const char *const hdr[] = {"connects",     "connect failed", "received",    "lost",
	                                  "duplicates",   "unmatched",      "disconnects", "delivery p50",
	                                  "delivery p95", "delivery p99"};
	size_t nsegs;
	int *segs = fr_report_segs(r->timeline, -1, sc, -1, &nsegs);
	struct fr_cell c = {0};
	fr_results_sum(r->results, -1, sc, segs, nsegs, &c);
	char v[7][24], q[3][24];
	fmt_u(c.ws[FR_WS_CONNECTS], v[0], sizeof v[0]);
	fmt_u(c.ws[FR_WS_CONNECT_FAILED] + c.ws[FR_WS_HANDSHAKE_REJECTED], v[1], sizeof v[1]);
	fmt_u(c.ws[FR_WS_RECEIVED], v[2], sizeof v[2]);
	fmt_u(c.ws[FR_WS_LOST], v[3], sizeof v[3]);
	fmt_u(c.ws[FR_WS_DUPLICATE], v[4], sizeof v[4]);
	fmt_u(c.ws[FR_WS_UNMATCHED], v[5], sizeof v[5]);
	fmt_u(c.ws[FR_WS_DISCONNECT_SERVER] + c.ws[FR_WS_DISCONNECT_ERROR], v[6], sizeof v[6]);
	fr_report_quantile(q[0], sizeof q[0], c.delivery, 0.5);
	fr_report_quantile(q[1], sizeof q[1], c.delivery, 0.95);
	fr_report_quantile(q[2], sizeof q[2], c.delivery, 0.99);
	struct fr_table t;
	fr_table_init(&t, "rrrrrrrrrr", hdr);
	fr_table_row(&t, v[0], v[1], v[2], v[3], v[4], v[5], v[6], q[0], q[1], q[2]);
	fr_table_print(&t, out);
	fr_cell_clear(&c);
	free(segs);
}

/* Every scenario's section. */
static void print_scenarios(const struct fr_report *r, FILE *out)
{
	for (size_t s = 0; s < r->plan->nscenarios; s++) {
		const struct fr_scenario *sc = &r->plan->scenarios[s];
		fprintf(out, "\nscenario %s (%s, %zu stage%s)\n", sc->name,
		        sc->model == FR_MODEL_CLOSED ? "closed"
		        : sc->model == FR_MODEL_OPEN ? "open"
		                                     : "websocket",
		        sc->nstages, sc->nstages == 1 ? "" : "s");
		if (sc->model == FR_MODEL_WEBSOCKET)
			print_ws(r, (int)s, out);
		else
			print_requests(r, (int)s, out);
		if (sc->nstages > 1)
			print_stages(r, (int)s, out);
		if (r->plan->sweep_param && r->timeline->npasses > 1)
			print_sweep(r, (int)s, out);
	}
}

/* The fault actions as they happened. */
static void print_fault_actions(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"fault", "action", "intended", "actual", "late", "status"};
	struct fr_table t;
	fr_table_init(&t, "llrrrl", hdr);
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct fr_fault_record *f = &r->faults[i];
		char a[32], b[32], late[32], *status;
		fr_fmt_offset(a, sizeof a, f->intended_us);
		fr_fmt_offset(b, sizeof b, f->actual_us);
		snprintf(late, sizeof late, "%.1fms", (double)(f->actual_us - f->intended_us) / 1e3);
		status = f->ok ? xstrdup("ok") : xasprintf("failed: %s", f->error ? f->error : "?");
		const char *name = f->fault >= 0 && (size_t)f->fault < r->plan->faults.n
		                           ? r->plan->faults.items[f->fault].name
		                           : "?";
		fr_table_row(&t, name, f->on ? "on" : "off", a, b, late, status);
		free(status);
	}
	fr_table_print(&t, out);
}

/* Appends segment I to a list. */
static void push_seg(int *segs, size_t *n, int i)
{
	segs[(*n)++] = i;
}

/* p99 and error rate of every top-level HTTP key over SEGS, into two cells of a row. */
static void impact(const struct fr_report *r, const int *segs, size_t n, char *p99, char *err, size_t len)
{
	struct fr_cell c = {0};
	const struct fr_results *res = r->results;
	for (size_t k = 0; k < res->nkeys; k++)
		if (res->keys[k].request && res->keys[k].parent < 0)
			fr_results_sum(res, (int)k, -1, segs, n, &c);
	fr_report_quantile(p99, len, c.latency, 0.99);
	if (fr_cell_requests(&c))
		snprintf(err, len, "%.2f%%", 100.0 * (double)fr_cell_errors(&c) / (double)fr_cell_requests(&c));
	else
		snprintf(err, len, "-");
	fr_cell_clear(&c);
}

/* Whether segment S has fault F active. */
static int seg_has_fault(const struct fr_segment *s, int f)
{
	for (int i = 0; i < s->nfaults; i++)
		if (s->faults[i] == f)
			return 1;
	return 0;
}

/* Latency p99 and error rate before, during and after each fault occurrence:
 * before and after are the fault-free stretches next to it in its pass. */
static void print_fault_impact(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"fault",         "p99 before",    "p99 during",  "p99 after",
	                                  "errors before", "errors during", "errors after"};
	const struct fr_timeline *tl = r->timeline;
	struct fr_table t;
	fr_table_init(&t, "lrrrrrr", hdr);
	int *segs[3];
	for (int i = 0; i < 3; i++)
		segs[i] = xcalloc(tl->nsegs, sizeof *segs[i]);
	for (int p = 0; p < tl->npasses; p++)
		for (size_t f = 0; f < r->plan->faults.n; f++) {
			size_t n[3] = {0, 0, 0};
			long first = -1, last = -1;
			for (size_t i = 0; i < tl->nsegs; i++)
				if (tl->segs[i].pass == p && seg_has_fault(&tl->segs[i], (int)f)) {
					if (first < 0)
						first = (long)i;
					last = (long)i;
					push_seg(segs[1], &n[1], (int)i);
				}
			if (first < 0)
				continue;
			for (long i = first - 1; i >= 0 && tl->segs[i].pass == p && !tl->segs[i].nfaults; i--)
				push_seg(segs[0], &n[0], (int)i);
			for (size_t i = (size_t)last + 1;
			     i < tl->nsegs && tl->segs[i].pass == p && !tl->segs[i].nfaults; i++)
				push_seg(segs[2], &n[2], (int)i);
			char q[3][24], e[3][24], *name;
			for (int w = 0; w < 3; w++)
				impact(r, segs[w], n[w], q[w], e[w], sizeof q[w]);
			if (r->plan->sweep_param && (size_t)p < r->plan->nsweep)
				name = xasprintf("%s [%s=%s]", r->plan->faults.items[f].name, r->plan->sweep_param,
				                 r->plan->sweep_values[p]);
			else
				name = xstrdup(r->plan->faults.items[f].name);
			fr_table_row(&t, name, q[0], q[1], q[2], e[0], e[1], e[2]);
			free(name);
		}
	fr_table_print(&t, out);
	for (int i = 0; i < 3; i++)
		free(segs[i]);
}

/* The faults section: actions, then impact. */
static void print_faults(const struct fr_report *r, FILE *out)
{
	if (!r->plan->faults.n && !r->nfaults)
		return;
	fprintf(out, "\nfaults\n");
	if (r->nfaults)
		print_fault_actions(r, out);
	else
		fprintf(out, "  no fault actions recorded\n");
	if (r->plan->faults.n && r->results) {
		fprintf(out, "  impact (all HTTP requests):\n");
		print_fault_impact(r, out);
	}
}

/* The SLO table. */
static void print_slos(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"SLO", "window", "stat", "measured", "threshold", "result"};
	if (!r->nverdicts)
		return;
	struct fr_table t;
	fr_table_init(&t, "lllrll", hdr);
	for (size_t i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		const struct fr_slo *slo = &r->plan->slos[w->slo];
		char stat[32], *label = fr_report_window_label(r, w);
		fr_slo_stat_name(slo, stat, sizeof stat);
		const char *res = v->skipped        ? "SKIPPED"
		                  : v->inconclusive ? "INCONCLUSIVE: generator saturated"
		                  : v->no_data      ? "NO DATA"
		                  : v->saturated
		                          ? (v->pass ? "PASS (generator saturated)" : "FAIL (generator saturated)")
		                  : v->pass ? "PASS"
		                            : "FAIL";
		fr_table_row(&t, slo->name, label, stat, v->measured_text, slo->threshold_text, res);
		free(label);
	}
	fprintf(out, "\nSLOs\n");
	fr_table_print(&t, out);
}

/* A signed clock offset with its bound: "+1.20ms ± 0.40ms", or "-" unmeasured. */
static void fmt_offset(const struct fr_shard_info *si, char *buf, size_t len)
{
	char off[24], err[24];
	if (!si->have_clock) {
		snprintf(buf, len, "-");
		return;
	}
	fr_fmt_latency(off, sizeof off, (double)llabs(si->clock_offset_us));
	fr_fmt_latency(err, sizeof err, (double)si->clock_error_us);
	snprintf(buf, len, "%s%s ± %s", si->clock_offset_us < 0 ? "-" : "+", off, err);
}

/* A shard's own line: which shard, how its start and clock stood. */
static void print_own_shard(const struct fr_report *r, FILE *out)
{
	const struct fr_shard_info *si = &r->shards[0];
	char skew[24], off[64];
	fr_fmt_latency(skew, sizeof skew, (double)(si->start_skew_us > 0 ? si->start_skew_us : 0));
	fmt_offset(si, off, sizeof off);
	fprintf(out, "shard %d of %d (seed %llu): start skew %s, clock offset %s%s%s, CPU %.2fs\n", si->index,
	        si->count, (unsigned long long)si->seed, skew, off, si->clock_ref ? " against the " : "",
	        si->clock_ref ? si->clock_ref : "", si->cpu_s);
}

/* A merged report's table of shards: each one's outcome and generator health. */
static void print_shards(const struct fr_report *r, FILE *out)
{
	static const char *const head[] = {"shard",      "state",        "sends",          "send lag p99",
	                                   "start skew", "clock offset", "busiest worker", "process CPU",
	                                   "share",      "file"};
	struct fr_table t;
	int ws, wo;
	fr_table_init(&t, "rlrrrrlrrl", head);
	for (size_t i = 0; i < r->nshards; i++) {
		const struct fr_shard_info *si = &r->shards[i];
		char idx[16], sends[64], lag[24], skew[24], off[64], cpu[24], share[24], worker[96];
		snprintf(idx, sizeof idx, "%d", si->index);
		snprintf(sends, sizeof sends, si->planned ? "%llu/%llu" : "-", (unsigned long long)si->sent,
		         (unsigned long long)si->planned);
		snprintf(lag, sizeof lag, "-");
		if (si->lag_p99_us >= 0)
			fr_fmt_latency(lag, sizeof lag, (double)si->lag_p99_us);
		fr_fmt_latency(skew, sizeof skew, (double)(si->start_skew_us > 0 ? si->start_skew_us : 0));
		fmt_offset(si, off, sizeof off);
		snprintf(cpu, sizeof cpu, "%.2fs", si->cpu_s);
		snprintf(share, sizeof share, "%.1f%%", 100 * si->share);
		fr_table_row(&t, idx, fr_report_shard_state(si), si->missing ? "-" : sends, si->missing ? "-" : lag,
		             si->missing ? "-" : skew, si->missing ? "-" : off,
		             fr_report_shard_worker(si, worker, sizeof worker), si->missing ? "-" : cpu, share,
		             si->file ? si->file : "-");
	}
	fr_report_worst_shards(r, &ws, &wo);
	fprintf(out, "\nShards (%zu", r->nshards);
	if (ws >= 0) {
		char skew[24];
		fr_fmt_latency(skew, sizeof skew,
		               (double)(r->shards[ws].start_skew_us > 0 ? r->shards[ws].start_skew_us : 0));
		fprintf(out, "; worst start skew %s, shard %d", skew, r->shards[ws].index);
	}
	if (wo >= 0) {
		char off[64];
		fmt_offset(&r->shards[wo], off, sizeof off);
		fprintf(out, "; largest clock offset %s, shard %d", off, r->shards[wo].index);
	}
	fputs(")\n", out);
	fr_table_print(&t, out);
}

/* A lag for the generator table ("-" without heartbeats). */
static void fmt_lag(char *buf, size_t len, const struct fr_health_sum *s, int64_t v)
{
	if (s->ticks)
		fr_fmt_latency(buf, len, (double)v);
	else
		snprintf(buf, len, "-");
}

/* The generator's health: each worker thread, memory, the host, the HTTP paths. */
static void print_generator(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"thread", "CPU", "loop lag p50", "p99", "max", "saturated"};
	const struct fr_health *h = r->results ? r->results->health : NULL;
	char rss[FR_FMT_LEN];
	struct fr_table t;

	if (!h)
		return;
	fr_table_init(&t, "rrrrrl", hdr);
	for (size_t i = 0; i < h->nthreads; i++) {
		struct fr_health_sum sum;
		char th[16], cpu[16], p50[FR_FMT_LEN], p99[FR_FMT_LEN], max[FR_FMT_LEN];
		fr_health_sum(h, i, NULL, 0, &sum);
		snprintf(th, sizeof th, "%d", sum.thread);
		snprintf(cpu, sizeof cpu, sum.cpu < 0 ? "-" : "%.0f %%", 100 * sum.cpu);
		fmt_lag(p50, sizeof p50, &sum, sum.lag_p50_us);
		fmt_lag(p99, sizeof p99, &sum, sum.lag_p99_us);
		fmt_lag(max, sizeof max, &sum, sum.lag_max_us);
		fr_table_row(&t, th, cpu, p50, p99, max, sum.saturated ? "YES" : "no");
	}
	fprintf(out,
	        "\ngenerator (a worker spoils a latency verdict at CPU >= %.0f %% or a loop lag at its statistic over "
	        "max(%.0fms, %.0f %% of its threshold))\n",
	        100 * FR_HEALTH_CPU_MAX, FR_HEALTH_LAG_MAX_US / 1000.0, 100 * FR_HEALTH_LAG_SHARE);
	fr_table_print(&t, out);
	if (h->rss_peak_bytes > 0)
		fr_fmt_bytes(rss, sizeof rss, (uint64_t)h->rss_peak_bytes);
	else
		snprintf(rss, sizeof rss, "-");
	fprintf(out,
	        "  peak RSS %s; host load %.2f at start, %.2f max, %.2f at end (%d CPUs); HTTP: lean path %llu, "
	        "libcurl %llu\n",
	        rss, h->load_start, h->load_max, h->load_end, h->cpus, (unsigned long long)r->results->http_lean,
	        (unsigned long long)r->results->http_curl);
}

/* Whether most of V's slowest samples were late leaving flowrun: a latency at
 * least twice its service time was mostly spent before the request was sent. */
static int mostly_late(const struct fr_verdict *v)
{
	int late = 0;

	for (int k = 0; k < v->slowest.n; k++)
		late += v->slowest.s[k].service_us >= 0 && v->slowest.s[k].value_us >= 2 * v->slowest.s[k].service_us;
	return late * 2 > v->slowest.n;
}

/* The slowest samples of each failed latency SLO, to line them up with faults, stages and pauses. */
static void print_slowest(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"SLO", "window", "sample", "service", "at", "key", "segment"};
	struct fr_table t;
	size_t i;
	int late = 0;

	for (i = 0; i < r->nverdicts && !r->verdicts[i].slowest.n; i++)
		;
	if (i == r->nverdicts || !r->results)
		return;
	fr_table_init(&t, "llrrrll", hdr);
	for (i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		char *label = fr_report_window_label(r, w);
		late |= v->slowest.n && mostly_late(v);
		for (int k = 0; k < v->slowest.n; k++) {
			const struct fr_sample *s = &v->slowest.s[k];
			char val[FR_FMT_LEN], svc[FR_FMT_LEN] = "-", at[FR_FMT_LEN];
			char *seg = fr_report_segment_text(r, fr_report_sample_segment(r, s->at_us));
			if (s->service_us >= 0)
				fr_fmt_latency(svc, sizeof svc, (double)s->service_us);
			fr_table_row(&t, k ? "" : r->plan->slos[w->slo].name, k ? "" : label,
			             fr_fmt_latency(val, sizeof val, (double)s->value_us), svc,
			             fr_fmt_offset(at, sizeof at, s->at_us), r->results->keys[s->key].name, seg);
			free(seg);
		}
		free(label);
	}
	fprintf(out, "\nslowest samples of the failed latency SLOs (at: when each was meant to be sent)\n");
	fr_table_print(&t, out);
	if (late)
		fprintf(out,
		        "  most of these were late leaving flowrun (latency at least twice the service time): the\n"
		        "  generator's machine was busy or paused (see the send lag above), not the target slow\n");
}

/* Writes the whole terminal summary. */
int fr_report_text(const struct fr_report *r, FILE *out)
{
	print_header(r, out);
	if (r->nshards == 1 && !r->merged)
		print_own_shard(r, out);
	if (r->results)
		print_scenarios(r, out);
	print_faults(r, out);
	if (r->merged)
		print_shards(r, out);
	print_generator(r, out);
	print_slos(r, out);
	print_slowest(r, out);
	char *o = fr_report_outcome(r);
	fprintf(out, "\nresult: %s\n", o);
	free(o);
	return ferror(out) ? -1 : 0;
}
