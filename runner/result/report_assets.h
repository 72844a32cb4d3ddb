/* report_assets.h: the files the HTML report is made of, built into the program.
 *
 * scripts/embed-assets.sh turns them into byte arrays at build time
 * (gen/report_assets.c in the build tree, see mk/result.am): uPlot's minified
 * script and style sheet and its licence (third_party/uplot/), and the
 * report's own script and style sheet (runner/result/html/). Each array ends
 * with a NUL that its length leaves out.
 */
#ifndef FR_REPORT_ASSETS_H
#define FR_REPORT_ASSETS_H

#include <stddef.h>

extern const unsigned char fr_report_assets_uplot_js[];
extern const size_t fr_report_assets_uplot_js_len;
extern const unsigned char fr_report_assets_uplot_css[];
extern const size_t fr_report_assets_uplot_css_len;
extern const unsigned char fr_report_assets_uplot_license[];
extern const size_t fr_report_assets_uplot_license_len;
extern const unsigned char fr_report_assets_page_js[];
extern const size_t fr_report_assets_page_js_len;
extern const unsigned char fr_report_assets_page_css[];
extern const size_t fr_report_assets_page_css_len;

#endif
