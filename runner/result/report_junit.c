/* report_junit.c: SLO verdicts as JUnit XML, for CI systems that show test results.
 *
 * One <testsuite> per plan (the Ant/Jenkins schema, tests/data/JUnit.xsd),
 * one <testcase> per SLO window named "slo-name [window]" with the plan name
 * as classname. A missed SLO is a <failure> whose message says what was
 * measured against what ("p99 7.30ms >= threshold < 5ms"); a window without
 * data is a failure too; a server-side SLO not judged here is <skipped>. An
 * invalid run (planned load not delivered) adds an <error> testcase
 * "run validity", because its verdicts cannot be trusted; a failed run (auth,
 * setup or teardown failed) an <error> testcase "run" with the reason.
 */
#include "result/report_junit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/fmt.h"
#include "util/xmalloc.h"

/* Writes S with XML's special characters escaped (attribute-safe). */
static void xml_escape(FILE *out, const char *s)
{
	char one[2];
	for (; s && *s; s++)
		fputs(fr_escape_xml((unsigned char)*s, one), out);
}

/* The failure message of a verdict that did not pass. */
static char *failure_message(const struct fr_report *r, const struct fr_verdict *v)
{
	const struct fr_slo *slo = &r->plan->slos[r->timeline->windows[v->window].slo];
	char stat[32];
	fr_slo_stat_name(slo, stat, sizeof stat);
	const char *why = r->aborted && v->window == r->aborted_window ? "; decided failed, the run was aborted" : "";
	if (v->no_data)
		return xasprintf("%s: no data in the window (threshold %s)%s", stat, slo->threshold_text, why);
	return xasprintf("%s %s %s threshold %s%s", stat, v->measured_text, fr_slo_cmp_negated(slo->cmp),
	                 slo->threshold_text, why);
}

/* One <testcase>. */
static void testcase(const struct fr_report *r, const struct fr_verdict *v, FILE *out)
{
	const struct fr_window *w = &r->timeline->windows[v->window];
	const struct fr_slo *slo = &r->plan->slos[w->slo];
	char *label = fr_report_window_label(r, w), *name = xasprintf("%s [%s]", slo->name, label);
	fputs("  <testcase classname=\"", out);
	xml_escape(out, r->plan->name);
	fputs("\" name=\"", out);
	xml_escape(out, name);
	fprintf(out, "\" time=\"%.3f\"", (double)(w->end_us - w->start_us) / 1e6);
	if (v->inconclusive) {
		char *msg = xasprintf("inconclusive: generator saturated: %s", v->saturation);
		fputs(">\n    <skipped message=\"", out);
		xml_escape(out, msg);
		fputs("\"/>\n  </testcase>\n", out);
		free(msg);
	} else if (v->skipped) {
		fputs(v->not_reached
		              ? ">\n    <skipped message=\"not reached: the run was aborted before this window\"/>\n"
		              : ">\n    <skipped message=\"server-side SLO: evaluated from Prometheus\"/>\n",
		      out);
		fputs("  </testcase>\n", out);
	} else if (!v->pass) {
		char *msg = failure_message(r, v);
		fputs(">\n    <failure type=\"", out);
		fputs(v->no_data ? "no-data" : "slo", out);
		fputs("\" message=\"", out);
		xml_escape(out, msg);
		fputs("\">", out);
		xml_escape(out, msg);
		fputs("</failure>\n  </testcase>\n", out);
		free(msg);
	} else {
		fputs("/>\n", out);
	}
	free(name);
	free(label);
}

/* An invalid or failed run is an <error> testcase of its own, so CI shows it first. */
static void error_case(const struct fr_report *r, FILE *out, const char *name, const char *type, const char *why)
{
	fputs("  <testcase classname=\"", out);
	xml_escape(out, r->plan->name);
	fprintf(out, "\" name=\"%s\" time=\"0\">\n    <error type=\"%s\" message=\"", name, type);
	xml_escape(out, why);
	fputs("\">", out);
	xml_escape(out, why);
	fputs("</error>\n  </testcase>\n", out);
}

/* A property line. */
static void property(FILE *out, const char *name, const char *value)
{
	fprintf(out, "    <property name=\"%s\" value=\"", name);
	xml_escape(out, value);
	fputs("\"/>\n", out);
}

/* The generator's health in one property: each worker's CPU and loop lag p99. */
static void generator_property(const struct fr_report *r, FILE *out)
{
	const struct fr_health *h = r->results ? r->results->health : NULL;
	struct fr_buf b = {0};

	if (!h)
		return;
	for (size_t i = 0; i < h->nthreads; i++) {
		struct fr_health_sum s;
		char lag[FR_FMT_LEN];
		fr_health_sum(h, i, NULL, 0, &s);
		fr_fmt_latency(lag, sizeof lag, (double)(s.ticks ? s.lag_p99_us : 0));
		fr_buf_printf(&b, "%sthread %d CPU %.0f %% loop lag p99 %s%s", i ? "; " : "", s.thread,
		              s.cpu < 0 ? 0 : 100 * s.cpu, lag, s.saturated ? " (saturated)" : "");
	}
	property(out, "generator", fr_buf_str(&b));
	fr_buf_free(&b);
}

/* Writes the document of the report ARG to OUT (an fr_atomic_file_write filler). */
static int write_junit(FILE *out, const void *arg)
{
	const struct fr_report *r = arg;
	size_t failures = 0, skipped = 0;
	for (size_t i = 0; i < r->nverdicts; i++) {
		int aside = r->verdicts[i].skipped || r->verdicts[i].inconclusive;
		skipped += (size_t)aside;
		failures += (size_t)(!aside && !r->verdicts[i].pass);
	}
	char host[256] = "localhost", stamp[32];
	if (gethostname(host, sizeof host) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	time_t t = (time_t)(r->started_unix_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t elapsed = r->ended_unix_us - r->started_unix_us;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", out);
	xml_escape(out, r->plan->name);
	fprintf(out, "\" timestamp=\"%s\" hostname=\"", stamp);
	xml_escape(out, host);
	int errors = (r->invalid_reason ? 1 : 0) + (r->failed_reason ? 1 : 0);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"%zu\" time=\"%.3f\">\n",
	        r->nverdicts + (size_t)errors, failures, errors, skipped, (double)(elapsed > 0 ? elapsed : 0) / 1e6);
	fputs("  <properties>\n", out);
	property(out, "run_id", r->run_id ? r->run_id : "");
	property(out, "plan_file", r->plan->file ? r->plan->file : "");
	char *outcome = fr_report_outcome(r);
	property(out, "result", outcome);
	if (r->aborted) {
		char *by = fr_report_aborted_by(r);
		property(out, "aborted_by", by);
		free(by);
	}
	generator_property(r, out);
	fputs("  </properties>\n", out);
	if (r->failed_reason)
		error_case(r, out, "run", "failed-run", r->failed_reason);
	if (r->invalid_reason)
		error_case(r, out, "run validity", "invalid-run", r->invalid_reason);
	for (size_t i = 0; i < r->nverdicts; i++)
		testcase(r, &r->verdicts[i], out);
	fputs("  <system-out>", out);
	xml_escape(out, "result: ");
	xml_escape(out, outcome);
	fputs("</system-out>\n  <system-err>", out);
	if (r->invalid_reason) {
		xml_escape(out, "run invalid: ");
		xml_escape(out, r->invalid_reason);
	}
	if (r->failed_reason) {
		xml_escape(out, "run failed: ");
		xml_escape(out, r->failed_reason);
	}
	fputs("</system-err>\n</testsuite>\n", out);
	free(outcome);
	return 0;
}

/* Atomically, because a CI step may pick PATH up while a run is still writing it. */
int fr_report_junit(const struct fr_report *r, const char *path, char **err_out)
{
	return fr_atomic_file_write(path, write_junit, r, err_out);
}
