/* merge.h: the results of N shards of one run, added up into the results of one generator.
 *
 * Each shard writes its JSON result (report_json.h) with the raw histogram
 * of every (key, segment) cell. Reading those back and adding them key by
 * key and segment by segment gives results that are exactly what one
 * generator running the whole plan would have recorded — every bucket,
 * count, min, max and sum — so the SLO windows and verdicts are recomputed
 * from merged data, never from the shards' percentiles (which cannot be
 * merged).
 *
 * The steps: fr_merge_read reads one result file; fr_merge_check refuses a
 * set that is not the shards of one run (different plans, plan digests, run
 * ids or shard counts, the same shard twice); fr_merge_results adds the
 * cells, counters, scheduler figures and active levels into new results over
 * the timeline the caller compiled from the same plan, and the time series
 * (timeseries.h) interval by interval; fr_merge_shards fills
 * the merged report's per-shard table (missing shards included) and
 * fr_merge_faults copies the fault records of the shard that drove the
 * faults. Errors: an enum fr_merge_status and a message through ERR_OUT that
 * names the file.
 */
#ifndef FR_MERGE_H
#define FR_MERGE_H

#include <stddef.h>

#include "result/report.h"
#include "result/results.h"

enum fr_merge_status {
	FR_MERGE_OK = 0,
	FR_MERGE_UNREADABLE, /* a file that cannot be read or is not a flowrun result */
	FR_MERGE_MISMATCH,   /* results that are not the shards of one run */
};

/* One result file as read. The strings point into DOC. */
struct fr_timeseries;

struct fr_merge_input {
	char *path;
	struct json_t *doc;
	const char *run_id;
	const char *plan_name;
	const char *plan_file; /* NULL when the run's plan had no file name */
	const char *digest;
	double time_scale;
	int index;                    /* its shard number, -1 for the result of an unsharded run */
	int count;                    /* its shard count, 0 for an unsharded run */
	struct fr_timeseries *series; /* its time series, taken out of DOC; NULL: none */
};

/* Reads the result file PATH into *IN (free with fr_merge_input_clear).
 * Returns FR_MERGE_OK, or FR_MERGE_UNREADABLE with a message in *ERR_OUT
 * (caller frees): "shard-1.json: not a flowrun result (no \"format\")". */
int fr_merge_read(const char *path, struct fr_merge_input *in, char **err_out);
void fr_merge_input_clear(struct fr_merge_input *in);

/* Reads the N files PATHS into IN[0..N-1] with one thread per core (parsing
 * is most of a merge's time). Returns FR_MERGE_OK, or the status and message
 * of the first file, in order, that could not be read; every IN[i] is
 * filled either way (clear each). */
int fr_merge_read_all(const char *const *paths, size_t n, struct fr_merge_input *in, char **err_out);

/* Checks that the N inputs are shards of one run: the same plan name, plan
 * digest, run id and shard count, each shard at most once. Returns
 * FR_MERGE_OK or FR_MERGE_MISMATCH with a message naming both files:
 * "b.json is a shard of run r2, a.json of run r1: results of different runs". */
int fr_merge_check(const struct fr_merge_input *in, size_t n, char **err_out);

/* Adds the cells of the N inputs into new results over TL (compiled from the
 * same plan; caller frees *RES_OUT). Returns FR_MERGE_OK, or
 * FR_MERGE_MISMATCH with a message when an input names a key, segment or
 * counter TL does not have. The merged run started with the earliest shard
 * and ended with the latest; it is interrupted only when every shard was,
 * partial when any input is a checkpoint (partial: true), and failed when
 * any shard failed (the first one's reason, naming its file). */
int fr_merge_results(const struct fr_timeline *tl, const struct fr_merge_input *in, size_t n,
                     struct fr_results **res_out, char **err_out);

/* The per-shard table of a merged report: COUNT entries, shard k at index k,
 * a shard without an input marked missing (caller frees each entry with
 * fr_shard_info_clear, then the array). */
struct fr_shard_info *fr_merge_shards(const struct fr_plan *plan, const struct fr_merge_input *in, size_t n, int count);

/* Copies into R the fault records of the inputs (only the shard that drove
 * the faults has any). */
void fr_merge_faults(struct fr_report *r, const struct fr_merge_input *in, size_t n);

#endif
