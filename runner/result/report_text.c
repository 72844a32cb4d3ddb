/* report_text.c: the terminal summary, and the report plumbing the other writers share.
 *
 * The summary reads top-down the way a run is reviewed: what ran (header and
 * banners), what each request did (count, errors by class, achieved rate,
 * latency percentiles from the intended send, service p99), how latency moved
 * with load (stage and sweep tables), the WebSocket counters, the faults as
 * they really happened and what they did to latency and errors, and finally
 * the SLO table and one result line. Every table is built as rows of strings
 * and printed with aligned columns.
 */
#include "result/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

/* ---- report construction ---- */

/* Builds a report from RES and evaluates its SLOs. */
struct fr_report *fr_report_build(const struct fr_results *res, const char *run_id)
{
	struct fr_report *r = xcalloc(1, sizeof *r);
	r->results = res;
	r->timeline = res->tl;
	r->plan = res->tl->plan;
	fr_slo_evaluate(res, &r->verdicts, &r->nverdicts);
	r->run_id = xstrdup(run_id ? run_id : "");
	r->started_unix_us = res->started_unix_us;
	r->ended_unix_us = res->started_unix_us + res->elapsed_us;
	r->interrupted = res->interrupted;
	r->invalid_reason = res->invalid_reason ? xstrdup(res->invalid_reason) : NULL;
	return r;
}

/* Appends a copy of one fault action record. */
void fr_report_add_fault(struct fr_report *r, int fault, int on, int64_t intended_us, int64_t actual_us, int ok,
                         const char *error)
{
	r->faults = xreallocarray(r->faults, r->nfaults + 1, sizeof *r->faults);
	r->faults[r->nfaults++] = (struct fr_fault_record){
	        fault, on, intended_us, actual_us, ok, error ? xstrdup(error) : NULL,
	};
}

/* Frees a built report. */
void fr_report_free(struct fr_report *r)
{
	if (!r)
		return;
	fr_verdicts_free(r->verdicts, r->nverdicts);
	for (size_t i = 0; i < r->nfaults; i++)
		free(r->faults[i].error);
	free(r->faults);
	free(r->run_id);
	free(r->invalid_reason);
	free(r);
}

/* 3 invalid, 1 an SLO failed, 0 met. */
int fr_report_exit_code(const struct fr_report *r)
{
	if (r->invalid_reason)
		return 3;
	return fr_slo_exit_code(NULL, r->verdicts, r->nverdicts);
}

/* Counts SLOs (not windows): evaluated, failed and skipped ones. */
static void count_slos(const struct fr_report *r, size_t *eval, size_t *failed, size_t *skipped)
{
	*eval = *failed = *skipped = 0;
	for (size_t s = 0; s < r->plan->nslos; s++) {
		int seen = 0, fail = 0, skip = 0;
		for (size_t i = 0; i < r->nverdicts; i++) {
			if (r->timeline->windows[r->verdicts[i].window].slo != (int)s)
				continue;
			if (r->verdicts[i].skipped) {
				skip = 1;
				continue;
			}
			seen = 1;
			fail |= !r->verdicts[i].pass;
		}
		*eval += (size_t)seen;
		*failed += (size_t)fail;
		*skipped += (size_t)(skip && !seen);
	}
}

/* Formats a run length: "12.0s", "2m30s", "1h05m00s". */
static void fmt_dur(int64_t us, char *buf, size_t len)
{
	int64_t s = us / 1000000;
	if (us < 60000000)
		snprintf(buf, len, "%.1fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, len, "%dh%02dm%02ds", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

/* The SLO tally in parentheses: "6/6 SLOs met", "2 of 6 SLOs failed", "…, 1 skipped". */
static char *tally(const struct fr_report *r, const char *prefix)
{
	size_t eval, failed, skipped;
	count_slos(r, &eval, &failed, &skipped);
	char skip[64] = "";
	if (skipped)
		snprintf(skip, sizeof skip, ", %zu skipped", skipped);
	if (!eval)
		return xasprintf("%sno SLOs evaluated%s", prefix, skip);
	if (failed)
		return xasprintf("%s%zu of %zu SLO%s failed%s", prefix, failed, eval, eval == 1 ? "" : "s", skip);
	return xasprintf("%s%zu/%zu SLO%s met%s", prefix, eval, eval, eval == 1 ? "" : "s", skip);
}

/* The outcome line's text (after "result: "). */
char *fr_report_outcome(const struct fr_report *r)
{
	if (r->invalid_reason)
		return xasprintf("INVALID (%s)", r->invalid_reason);
	char *t, *s;
	if (r->interrupted) {
		char done[32], planned[32];
		fmt_dur(r->results ? r->results->elapsed_us : r->ended_unix_us - r->started_unix_us, done, sizeof done);
		fmt_dur(r->timeline->totals.duration_us, planned, sizeof planned);
		t = tally(r, "on partial data: ");
		s = xasprintf("INTERRUPTED after %s of %s (%s)", done, planned, t);
	} else {
		t = tally(r, "");
		s = xasprintf("%s (%s)", fr_report_exit_code(r) ? "FAIL" : "PASS", t);
	}
	free(t);
	return s;
}

/* ---- shared helpers ---- */

/* Segments matching PASS, scenario SC's STAGE (-1: any). */
int *fr_report_segs(const struct fr_timeline *tl, int pass, int sc, int stage, size_t *n_out)
{
	int *segs = xcalloc(tl->nsegs, sizeof *segs);
	size_t n = 0;
	for (size_t i = 0; i < tl->nsegs; i++) {
		const struct fr_segment *s = &tl->segs[i];
		if (pass >= 0 && s->pass != pass)
			continue;
		if (sc >= 0 && (!s->stage || s->stage[sc] < 0 || (stage >= 0 && s->stage[sc] != stage)))
			continue;
		segs[n++] = (int)i;
	}
	*n_out = n;
	return segs;
}

/* Seconds covered by SEGS; cut at the elapsed time of an interrupted run. */
double fr_report_seconds(const struct fr_report *r, const int *segs, size_t n)
{
	int64_t cut = r->interrupted && r->results && r->results->elapsed_us > 0 ? r->results->elapsed_us : INT64_MAX;
	double us = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fr_segment *s = &r->timeline->segs[segs[i]];
		int64_t end = s->end_us < cut ? s->end_us : cut;
		if (end > s->start_us)
			us += (double)(end - s->start_us);
	}
	return us / 1e6;
}

/* The window label, with the sweep value under a sweep. */
char *fr_report_window_label(const struct fr_report *r, const struct fr_window *w)
{
	const struct fr_plan *p = r->plan;
	if (p->sweep_param && w->pass >= 0 && (size_t)w->pass < p->nsweep)
		return xasprintf("%s [%s=%s]", w->label, p->sweep_param, p->sweep_values[w->pass]);
	return xstrdup(w->label);
}

/* Writes through CB into a temporary file next to PATH, then renames it over PATH. */
int fr_report_write_atomic(const char *path, int (*cb)(const struct fr_report *, FILE *), const struct fr_report *r,
                           char **err_out)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		*err_out = xasprintf("%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return -1;
	}
	int rc = cb(r, f);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = -1;
	int saved = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		*err_out = xasprintf("%s", strerror(saved ? saved : EIO));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* ---- aligned tables ---- */

struct table {
	int ncols;
	const char *align; /* one 'l' or 'r' per column */
	char **cells;      /* nrows × ncols */
	size_t nrows;
};

/* Starts a table with a header row of NCOLS names. */
static void tbl_init(struct table *t, const char *align, const char *const *header)
{
	t->ncols = (int)strlen(align);
	t->align = align;
	t->cells = xreallocarray(NULL, (size_t)t->ncols, sizeof *t->cells);
	for (int c = 0; c < t->ncols; c++)
		t->cells[c] = xstrdup(header[c]);
	t->nrows = 1;
}

/* Appends a row of ncols strings (const char *, copied). */
static void tbl_row(struct table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * (size_t)t->ncols, sizeof *t->cells);
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

/* Display width of UTF-8 text (code points, which is right for our text). */
static int width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Prints the table indented by two spaces, columns two spaces apart, and frees it. */
static void tbl_print(struct table *t, FILE *out)
{
	int *w = xcalloc((size_t)t->ncols, sizeof *w);
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int cw = width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		char *line = NULL;
		size_t len = 0;
		FILE *lf = open_memstream(&line, &len);
		fputs("  ", lf);
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			int pad = w[c] - width(s);
			if (t->align[c] == 'r')
				fprintf(lf, "%*s%s", pad, "", s);
			else
				fprintf(lf, "%s%*s", s, c + 1 < t->ncols ? pad : 0, "");
			if (c + 1 < t->ncols)
				fputs("  ", lf);
		}
		fclose(lf);
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(out, "%s\n", line);
		free(line);
	}
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
}

/* ---- the summary ---- */

/* A quantile of H formatted, or "-" when H is empty. */
static void fmt_q(const struct fr_hist *h, double q, char *buf, size_t len)
{
	if (!fr_hist_count(h))
		snprintf(buf, len, "-");
	else
		fr_slo_format_us((double)fr_hist_quantile(h, q), buf, len);
}

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

/* The header and the interrupted / invalid banners. */
static void print_header(const struct fr_report *r, FILE *out)
{
	const struct fr_timeline *tl = r->timeline;
	char done[32], planned[32];
	int64_t elapsed = r->results ? r->results->elapsed_us : 0;
	fmt_dur(elapsed > 0 ? elapsed : tl->totals.duration_us, done, sizeof done);
	fmt_dur(tl->totals.duration_us, planned, sizeof planned);
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
	if (r->invalid_reason)
		fprintf(out, "!! INVALID: %s\n", r->invalid_reason);
	const struct fr_results *res = r->results;
	if (res && res->planned) {
		char lag[32];
		uint64_t late = 0, missed = 0;
		for (size_t i = 0; i < res->nkeys * tl->nsegs; i++) {
			late += res->cells[i].late;
			missed += res->cells[i].missed;
		}
		fmt_q(res->sched_lag, 0.99, lag, sizeof lag);
		fprintf(out,
		        "open model: %llu of %llu planned sends went out (%llu late by > 1ms, %llu missed), "
		        "send lag p99 %s\n",
		        (unsigned long long)res->sent, (unsigned long long)res->planned, (unsigned long long)late,
		        (unsigned long long)missed, lag);
	}
}

/* One row of the per-request table for the cell C summed over SECONDS. */
static void request_row(struct table *t, const char *name, const struct fr_cell *c, double seconds)
{
	char n[24], e[24], rate[32], q[6][24], svc[24], cls[256];
	static const double qv[6] = {0.5, 0.9, 0.95, 0.99, 0.999, 1.0};
	fmt_u(fr_cell_requests(c), n, sizeof n);
	fmt_u(fr_cell_errors(c), e, sizeof e);
	snprintf(rate, sizeof rate, "%.1f/s", seconds > 0 ? (double)fr_cell_requests(c) / seconds : 0.0);
	for (int i = 0; i < 6; i++)
		fmt_q(c->latency, qv[i], q[i], sizeof q[i]);
	fmt_q(c->service, 0.99, svc, sizeof svc);
	fmt_classes(c, cls, sizeof cls);
	tbl_row(t, name, n, e, rate, q[0], q[1], q[2], q[3], q[4], q[5], svc, cls);
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
	struct table t;
	tbl_init(&t, "lrrrrrrrrrrl", hdr);
	for (size_t k = 0; k < res->nkeys; k++) {
		if (res->keys[k].scenario != sc)
			continue;
		struct fr_cell c = {0};
		fr_results_sum(res, (int)k, -1, segs, nsegs, &c);
		request_row(&t, short_name(res, k), &c, secs);
		fr_cell_clear(&c);
	}
	tbl_print(&t, out);
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
	struct table t;
	tbl_init(&t, "lrrrrrr", hdr);
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
		fmt_q(h, 0.5, q[0], sizeof q[0]);
		fmt_q(h, 0.95, q[1], sizeof q[1]);
		fmt_q(h, 0.99, q[2], sizeof q[2]);
		tbl_row(&t, name, level, a, b, q[0], q[1], q[2]);
		fr_cell_clear(&c);
		free(segs);
	}
	fprintf(out, "  by stage:\n");
	tbl_print(&t, out);
}

/* Per sweep value: every top-level key's count, errors and p50/p95/p99. */
static void print_sweep(const struct fr_report *r, int sc, FILE *out)
{
	const struct fr_results *res = r->results;
	const char *hdr[] = {r->plan->sweep_param, "request", "count", "errors", "p50", "p95", "p99"};
	struct table t;
	tbl_init(&t, "llrrrrr", hdr);
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
			fmt_q(h, 0.5, q[0], sizeof q[0]);
			fmt_q(h, 0.95, q[1], sizeof q[1]);
			fmt_q(h, 0.99, q[2], sizeof q[2]);
			tbl_row(&t, r->plan->sweep_values[p], short_name(res, k), a, b, q[0], q[1], q[2]);
			fr_cell_clear(&c);
		}
		free(segs);
	}
	fprintf(out, "  by %s:\n", r->plan->sweep_param);
	tbl_print(&t, out);
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
	fmt_q(c.delivery, 0.5, q[0], sizeof q[0]);
	fmt_q(c.delivery, 0.95, q[1], sizeof q[1]);
	fmt_q(c.delivery, 0.99, q[2], sizeof q[2]);
	struct table t;
	tbl_init(&t, "rrrrrrrrrr", hdr);
	tbl_row(&t, v[0], v[1], v[2], v[3], v[4], v[5], v[6], q[0], q[1], q[2]);
	tbl_print(&t, out);
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

/* An offset as seconds with milliseconds: "30.004s". */
static void fmt_offset(int64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%.3fs", (double)us / 1e6);
}

/* The fault actions as they happened. */
static void print_fault_actions(const struct fr_report *r, FILE *out)
{
	static const char *const hdr[] = {"fault", "action", "intended", "actual", "late", "status"};
	struct table t;
	tbl_init(&t, "llrrrl", hdr);
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct fr_fault_record *f = &r->faults[i];
		char a[32], b[32], late[32], *status;
		fmt_offset(f->intended_us, a, sizeof a);
		fmt_offset(f->actual_us, b, sizeof b);
		snprintf(late, sizeof late, "%.1fms", (double)(f->actual_us - f->intended_us) / 1e3);
		status = f->ok ? xstrdup("ok") : xasprintf("failed: %s", f->error ? f->error : "?");
		const char *name = f->fault >= 0 && (size_t)f->fault < r->plan->faults.n
		                           ? r->plan->faults.items[f->fault].name
		                           : "?";
		tbl_row(&t, name, f->on ? "on" : "off", a, b, late, status);
		free(status);
	}
	tbl_print(&t, out);
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
	fmt_q(c.latency, 0.99, p99, len);
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
	struct table t;
	tbl_init(&t, "lrrrrrr", hdr);
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
			tbl_row(&t, name, q[0], q[1], q[2], e[0], e[1], e[2]);
			free(name);
		}
	tbl_print(&t, out);
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
	struct table t;
	tbl_init(&t, "lllrll", hdr);
	for (size_t i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		const struct fr_slo *slo = &r->plan->slos[w->slo];
		char stat[32], *label = fr_report_window_label(r, w);
		fr_slo_stat_name(slo, stat, sizeof stat);
		const char *res = v->skipped ? "SKIPPED" : v->no_data ? "NO DATA" : v->pass ? "PASS" : "FAIL";
		tbl_row(&t, slo->name, label, stat, v->measured_text, slo->threshold_text, res);
		free(label);
	}
	fprintf(out, "\nSLOs\n");
	tbl_print(&t, out);
}

/* Writes the whole terminal summary. */
int fr_report_text(const struct fr_report *r, FILE *out)
{
	print_header(r, out);
	if (r->results)
		print_scenarios(r, out);
	print_faults(r, out);
	print_slos(r, out);
	char *o = fr_report_outcome(r);
	fprintf(out, "\nresult: %s\n", o);
	free(o);
	return ferror(out) ? -1 : 0;
}
