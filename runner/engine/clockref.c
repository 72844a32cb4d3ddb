/* clockref.c: measuring the wall-clock offset against an HTTP server's Date header (see clockref.h).
 *
 * One libcurl easy handle is reused for every probe (a kept-alive
 * connection keeps the round trip short). A probe is a GET whose body is
 * thrown away; the local wall clock is read just before and just after it,
 * so the server wrote its Date somewhere in between.
 */
#include "engine/clockref.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/redact.h"
#include "util/xmalloc.h"

#define COARSE_STEP_US 10000 /* spacing of the probes that find the first boundary */
#define FINE_STEP_US   500   /* spacing around the second one */

struct probe {
	int64_t a, b; /* local wall clock before and after, µs */
	int64_t date; /* the server's Date, unix seconds; -1: none */
};

struct ref {
	CURL *curl;
	int64_t date;
	int probes;
	char err[CURL_ERROR_SIZE];
};

/* Keeps the Date header's value as unix seconds. */
static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct ref *r = arg;
	size_t len = size * n;
	if (len > 5 && strncasecmp(buf, "Date:", 5) == 0) {
		char line[128];
		size_t k = len - 5 < sizeof line - 1 ? len - 5 : sizeof line - 1;
		memcpy(line, buf + 5, k);
		line[k] = 0;
		time_t t = curl_getdate(line, NULL);
		r->date = t < 0 ? -1 : (int64_t)t;
	}
	return len;
}

/* Throws the body away. */
static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)arg;
	return size * n;
}

/* One request; 0, or -1 when it failed. */
static int probe(struct ref *r, struct probe *p)
{
	r->date = -1;
	r->probes++;
	p->a = fr_clock_wall_us();
	CURLcode rc = curl_easy_perform(r->curl);
	p->b = fr_clock_wall_us();
	p->date = r->date;
	return rc == CURLE_OK ? 0 : -1;
}

/* Sleeps until wall time T_US (µs). */
static void sleep_until(int64_t t_us)
{
	int64_t now = fr_clock_wall_us();
	if (t_us > now)
		fr_clock_sleep((double)(t_us - now) / 1e6, NULL);
}

/* Probes every STEP_US from START_US until the Date passes SECOND or the wall
 * clock passes UNTIL_US; *LAST_OLD is the last probe before, *FIRST_NEW the
 * first after. 0 found, 1 not found in time, -1 failed. */
static int bracket(struct ref *r, int64_t second, int64_t step_us, int64_t start_us, int64_t until_us,
                   struct probe *last_old, struct probe *first_new)
{
	sleep_until(start_us);
	for (;;) {
		struct probe p;
		if (probe(r, &p) != 0)
			return -1;
		if (p.date < 0)
			return -2;
		if (p.date > second) {
			*first_new = p;
			return 0;
		}
		*last_old = p;
		if (p.b > until_us)
			return 1;
		sleep_until(p.b + step_us);
	}
}

/* The message of a failed measurement (URL without its credentials). */
static char *failure(const char *url, struct ref *r, int st, int budget_ms)
{
	char *shown = fr_redact_url(url), *msg;
	if (st == -3)
		msg = xasprintf("%s: the Date did not change within %d ms", shown, budget_ms);
	else if (st == -2)
		msg = xasprintf("%s: no Date header in the answer", shown);
	else
		msg = xasprintf("%s: %s", shown, *r->err ? r->err : "no answer");
	free(shown);
	return msg;
}

/* Coarse bracket first, then a fine one a second later when the budget allows. */
int fr_clockref_measure(const char *url, const char *ca_file, int budget_ms, struct fr_clockref *out, char **err_out)
{
	struct ref r = {0};
	struct probe first, old, nu;
	int64_t deadline = fr_clock_wall_us() + (int64_t)budget_ms * 1000;
	int st;
	r.curl = curl_easy_init();
	curl_easy_setopt(r.curl, CURLOPT_URL, url);
	curl_easy_setopt(r.curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r.curl, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r.curl, CURLOPT_ERRORBUFFER, r.err);
	curl_easy_setopt(r.curl, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(r.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r.curl, CURLOPT_NOPROXY, "*");
	if (ca_file)
		curl_easy_setopt(r.curl, CURLOPT_CAINFO, ca_file);
	st = probe(&r, &first) != 0 ? -1 : first.date < 0 ? -2 : 0;
	old = first;
	if (!st)
		st = bracket(&r, first.date, COARSE_STEP_US, first.b, deadline, &old, &nu);
	if (st == 1)
		st = fr_clock_wall_us() > deadline ? -3 : st;
	if (st) {
		*err_out = failure(url, &r, st, budget_ms);
		curl_easy_cleanup(r.curl);
		return -1;
	}
	int64_t lo = old.a, hi = nu.b, second = nu.date;
	/* the next boundary is one second later, in [lo, hi] + 1 s: bracket it finely */
	if (hi + 1000000 + (hi - lo) < deadline) {
		struct probe o2 = {.a = lo + 1000000}, n2;
		if (bracket(&r, second, FINE_STEP_US, lo + 1000000 - 1000, hi + 1000000 + 5000, &o2, &n2) == 0 &&
		    n2.date == second + 1 && n2.b - o2.a < hi - lo) {
			lo = o2.a > lo + 1000000 ? o2.a : lo + 1000000;
			hi = n2.b;
			second = n2.date;
		}
	}
	out->offset_us = second * 1000000 - (lo + hi) / 2;
	out->error_us = (hi - lo + 1) / 2;
	out->probes = r.probes;
	curl_easy_cleanup(r.curl);
	return 0;
}
