/* report_markdown.c: a Markdown summary for a pull request comment or $GITHUB_STEP_SUMMARY.
 *
 * Short on purpose: the result line, the SLO table with ✅/❌ (⚠️ for no data,
 * ⏭️ for server-side SLOs judged elsewhere) and one row per request with its
 * count, errors and latency percentiles over the whole run.
 */
#include "result/report_markdown.h"

#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"
#include "util/escape.h"
#include "util/fmt.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* Writes S with Markdown table separators escaped. */
static void md_cell(FILE *out, const char *s)
{
	char one[2];
	for (; s && *s; s++)
		fputs(fr_escape_md_cell((unsigned char)*s, one), out);
}

/* The SLO table. */
static void slo_table(const struct fr_report *r, FILE *out)
{
	if (!r->nverdicts)
		return;
	fputs("| SLO | window | stat | measured | threshold | |\n|---|---|---|---:|---|---|\n", out);
	for (size_t i = 0; i < r->nverdicts; i++) {
		const struct fr_verdict *v = &r->verdicts[i];
		const struct fr_window *w = &r->timeline->windows[v->window];
		const struct fr_slo *slo = &r->plan->slos[w->slo];
		char stat[32], *label = fr_report_window_label(r, w);
		fr_slo_stat_name(slo, stat, sizeof stat);
		const char *mark = v->skipped        ? "⏭️ skipped"
		                   : v->inconclusive ? "⚠️ inconclusive: generator saturated"
		                   : v->no_data      ? "❌ no data"
		                   : v->saturated ? (v->pass ? "✅ (generator saturated)" : "❌ (generator saturated)")
		                   : v->pass      ? "✅"
		                                  : "❌";
		fputs("| ", out);
		md_cell(out, slo->name);
		fputs(" | ", out);
		md_cell(out, label);
		fprintf(out, " | %s | ", stat);
		md_cell(out, v->measured_text);
		fputs(" | ", out);
		md_cell(out, slo->threshold_text);
		fprintf(out, " | %s |\n", mark);
		free(label);
	}
	fputc('\n', out);
}

/* One row per key over the whole run. */
static void request_table(const struct fr_report *r, FILE *out)
{
	const struct fr_results *res = r->results;
	if (!res || !res->nkeys)
		return;
	size_t n;
	int *segs = fr_report_segs(r->timeline, -1, -1, -1, &n);
	fputs("| request | count | errors | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n", out);
	for (size_t k = 0; k < res->nkeys; k++) {
		struct fr_cell c = {0};
		fr_results_sum(res, (int)k, -1, segs, n, &c);
		int ws = res->keys[k].request == NULL;
		const struct fr_hist *h = ws ? c.delivery : c.latency;
		char p[4][24];
		fr_report_quantile(p[0], sizeof p[0], h, 0.5);
		fr_report_quantile(p[1], sizeof p[1], h, 0.95);
		fr_report_quantile(p[2], sizeof p[2], h, 0.99);
		fr_report_quantile(p[3], sizeof p[3], h, 1.0);
		fputs("| ", out);
		md_cell(out, res->keys[k].name);
		fprintf(out, "%s | %llu | %llu | %s | %s | %s | %s |\n", ws ? " (delivery)" : "",
		        (unsigned long long)(ws ? c.ws[FR_WS_RECEIVED] : fr_cell_requests(&c)),
		        (unsigned long long)(ws ? c.ws[FR_WS_LOST] : fr_cell_errors(&c)), p[0], p[1], p[2], p[3]);
		fr_cell_clear(&c);
	}
	fputc('\n', out);
	free(segs);
}

/* A merged report's shards: state and generator health, one row each. */
static void shard_table(const struct fr_report *r, FILE *out)
{
	if (!r->merged)
		return;
	fputs("| shard | state | sends | send lag p99 | start skew | clock offset | busiest worker | share |\n"
	      "|---:|---|---:|---:|---:|---:|---|---:|\n",
	      out);
	for (size_t i = 0; i < r->nshards; i++) {
		const struct fr_shard_info *si = &r->shards[i];
		char lag[24] = "-", skew[24], off[32] = "-", err[24], mag[24], worker[96];
		if (si->lag_p99_us >= 0)
			fr_fmt_latency(lag, sizeof lag, (double)si->lag_p99_us);
		fr_fmt_latency(skew, sizeof skew, (double)(si->start_skew_us > 0 ? si->start_skew_us : 0));
		if (si->have_clock) {
			fr_fmt_latency(mag, sizeof mag, (double)llabs(si->clock_offset_us));
			snprintf(off, sizeof off, "%s%s", si->clock_offset_us < 0 ? "-" : "+", mag);
			fr_fmt_latency(err, sizeof err, (double)si->clock_error_us);
		}
		fprintf(out, "| %d | %s | ", si->index, fr_report_shard_state(si));
		if (si->missing) {
			fprintf(out, "- | - | - | - | - | %.1f%% |\n", 100 * si->share);
			continue;
		}
		if (si->planned)
			fprintf(out, "%llu/%llu", (unsigned long long)si->sent, (unsigned long long)si->planned);
		else
			fputs("-", out);
		fprintf(out, " | %s | %s | %s%s%s | %s | %.1f%% |\n", lag, skew, off, si->have_clock ? " ± " : "",
		        si->have_clock ? err : "", fr_report_shard_worker(si, worker, sizeof worker), 100 * si->share);
	}
	fputc('\n', out);
}

/* One line on the generator's health: each worker's CPU and loop lag p99, peak RSS, host load. */
static void generator_line(const struct fr_report *r, FILE *out)
{
	const struct fr_health *h = r->results ? r->results->health : NULL;
	char rss[FR_FMT_LEN];

	if (!h)
		return;
	fputs("Generator:", out);
	for (size_t i = 0; i < h->nthreads; i++) {
		struct fr_health_sum s;
		char lag[FR_FMT_LEN];
		fr_health_sum(h, i, NULL, 0, &s);
		fr_fmt_latency(lag, sizeof lag, (double)(s.ticks ? s.lag_p99_us : 0));
		fprintf(out, "%s thread %d CPU %.0f %%, loop lag p99 %s%s", i ? ";" : "", s.thread,
		        s.cpu < 0 ? 0 : 100 * s.cpu, lag, s.saturated ? " **(saturated)**" : "");
	}
	fr_fmt_bytes(rss, sizeof rss, (uint64_t)(h->rss_peak_bytes > 0 ? h->rss_peak_bytes : 0));
	fprintf(out, "; peak RSS %s; host load %.2f → %.2f (max %.2f, %d CPUs).\n\n", rss, h->load_start, h->load_end,
	        h->load_max, h->cpus);
}

/* Writes the Markdown summary of the report ARG to OUT (also an fr_atomic_file_write filler). */
static int write_md(FILE *out, const void *arg)
{
	const struct fr_report *r = arg;
	char *outcome = fr_report_outcome(r);
	int failed = fr_report_slo_result(r) != FR_SLO_PASS;
	const char *mark = r->failed_reason                                    ? "❌"
	                   : r->invalid_reason || r->interrupted || r->partial ? "⚠️"
	                   : failed                                            ? "❌"
	                                                                       : "✅";
	fprintf(out, "### %s flowrun `%s`: %s\n\n", mark, r->plan->name, outcome);
	fprintf(out, "run `%s`, plan `%s`\n\n", r->run_id ? r->run_id : "-", r->plan->file ? r->plan->file : "-");
	if (r->aborted) {
		char at[FR_FMT_LEN], *by = fr_report_aborted_by(r);
		fr_fmt_run_length(at, sizeof at, r->aborted_at_us);
		fprintf(out,
		        "**Aborted at %s**: SLO %s is decided failed whatever comes next; the figures are partial.\n\n",
		        at, by);
		free(by);
	}
	slo_table(r, out);
	request_table(r, out);
	shard_table(r, out);
	generator_line(r, out);
	free(outcome);
	return ferror(out) ? -1 : 0;
}

/* The step summary is shared by every step of a GitHub job, so it is appended to, never replaced. */
int fr_report_markdown(const struct fr_report *r, const char *path, char **err_out)
{
	const char *gh = getenv("GITHUB_STEP_SUMMARY");
	if (!gh || strcmp(gh, path) != 0)
		return fr_atomic_file_write(path, write_md, r, err_out);
	FILE *f = fopen(path, "a");
	if (!f) {
		*err_out = xasprintf("%m");
		return -1;
	}
	int rc = fr_redact_through(f, write_md, r); /* the atomic path redacts too */
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		*err_out = xasprintf("%m");
	return rc;
}
