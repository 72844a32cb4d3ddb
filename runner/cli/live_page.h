/* live_page.h: `flowrun run --ui ADDR` — the HTML report, live, while the run goes.
 *
 * Wires three pieces together: a live view of the run (engine/live_view.h,
 * a run plug-in mirroring the workers' results), the HTML page written to
 * fetch its data (result/report_html.h) and the read-only server
 * (observe/ui_server.h). Each /data.json is the report's view
 * (result/report_view.h) of the results so far, with the SLO verdicts so
 * far, plus a "live" object: progress, current stages, active faults,
 * requests and the p99 of the last complete interval.
 */
#ifndef FR_LIVE_PAGE_H
#define FR_LIVE_PAGE_H

#include <stdint.h>

#include "cli/exit.h"
#include "engine/run_hooks.h"
#include "plan/timeline.h"

struct fr_live_page;

/* Starts serving on LISTEN (see fr_ui_server_start) for the run RUN_ID of TL
 * (both outlive the page) whose series counts INTERVAL_US (0: default);
 * prints the page's URL on stderr unless QUIET. FR_EXIT_OK and *p_out, or
 * the exit code after printing why: 2 for a bad address, 4 when it cannot listen. */
enum fr_exit fr_live_page_open(const char *listen, const struct fr_timeline *tl, const char *run_id,
                               int64_t interval_us, int quiet, struct fr_live_page **p_out);

/* The run hooks that keep the page's data current (give them to fr_run). */
const struct fr_run_hooks *fr_live_page_hooks(struct fr_live_page *p);

/* After the run: when someone is watching, keeps serving until the page has
 * fetched the final state (at most 3 s), so an open page shows how the run
 * ended. */
void fr_live_page_end(struct fr_live_page *p);

void fr_live_page_free(struct fr_live_page *p); /* accepts NULL */

#endif
