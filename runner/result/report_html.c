/* report_html.c: writes the self-contained HTML report (see report_html.h).
 *
 * The view is embedded in a <script type="application/json"> element. JSON
 * inside a script element must not contain "</script" or "<!--", so every
 * "<" of it is written as \u003c, which JSON reads back as the same text.
 */
#include "result/report_html.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "result/report_assets.h"
#include "result/report_json.h"
#include "result/report_view.h"
#include "result/series_json.h"
#include "util/atomic_file.h"

/* Writes the view as JSON with every '<' escaped. */
static int put_view(FILE *out, const json_t *view)
{
	char *text = json_dumps(view, JSON_COMPACT | JSON_REAL_PRECISION(8));
	if (!text)
		return -1;
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", out);
		else
			fputc(*p, out);
	}
	free(text);
	return 0;
}

/* Writes one embedded asset. */
static void put_asset(FILE *out, const unsigned char *a, size_t len)
{
	fwrite(a, 1, len, out);
}

/* The page: head with the style sheets and the policy, the data, the scripts. */
int fr_report_html_write(FILE *out, const json_t *view, const char *live_url)
{
	int rc = 0;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light dark\">\n",
	      out);
	fprintf(out,
	        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
	        "'unsafe-inline'; "
	        "style-src 'unsafe-inline'; img-src data:; connect-src %s\">\n",
	        live_url ? "'self'" : "'none'");
	fputs("<title>flowrun report</title>\n<style>\n", out);
	put_asset(out, fr_report_assets_uplot_css, fr_report_assets_uplot_css_len);
	fputs("\n</style>\n<style>\n", out);
	put_asset(out, fr_report_assets_page_css, fr_report_assets_page_css_len);
	fputs("</style>\n</head>\n<body>\n<main id=\"app\"><noscript>This report draws its tables and charts with "
	      "JavaScript; the same data is in the JSON result.</noscript></main>\n",
	      out);
	if (live_url) {
		json_t *u = json_string(live_url);
		fputs("<script>window.FLOWRUN_LIVE = ", out);
		json_dumpf(u, out, JSON_ENCODE_ANY | JSON_ESCAPE_SLASH);
		fputs(";</script>\n", out);
		json_decref(u);
	} else {
		fputs("<script id=\"flowrun-data\" type=\"application/json\">", out);
		rc = put_view(out, view);
		fputs("</script>\n", out);
	}
	fputs("<script>\n", out);
	put_asset(out, fr_report_assets_uplot_js, fr_report_assets_uplot_js_len);
	fputs("\n</script>\n<script>\n", out);
	put_asset(out, fr_report_assets_page_js, fr_report_assets_page_js_len);
	fputs("</script>\n<!-- uPlot (https://github.com/leeoniya/uPlot), embedded above:\n", out);
	put_asset(out, fr_report_assets_uplot_license, fr_report_assets_uplot_license_len);
	fputs("-->\n</body>\n</html>\n", out);
	return rc || ferror(out) ? -1 : 0;
}

/* Writes the embedded page of the view ARG (an fr_atomic_file_write filler). */
static int write_page(FILE *out, const void *arg)
{
	return fr_report_html_write(out, arg, NULL);
}

/* The report of a finished run. */
int fr_report_html(const struct fr_report *r, const char *path, char **err_out)
{
	json_t *doc = fr_report_json_doc(r);
	json_t *view = fr_report_view(doc, r->results ? r->results->series : NULL);
	int rc = fr_atomic_file_write(path, write_page, view, err_out);
	json_decref(view);
	json_decref(doc);
	return rc;
}

/* The report of a saved result. */
int fr_report_html_doc(const json_t *doc, const char *path, char **err_out)
{
	const json_t *js = json_object_get(doc, "series");
	struct fr_timeseries *s = NULL;
	if (js && !json_is_null(js)) {
		s = fr_series_json_read(js, err_out);
		if (!s)
			return -1;
	}
	json_t *view = fr_report_view(doc, s);
	int rc = fr_atomic_file_write(path, write_page, view, err_out);
	json_decref(view);
	fr_timeseries_free(s);
	return rc;
}
