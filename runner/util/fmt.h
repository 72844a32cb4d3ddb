/* fmt.h: how flowrun writes durations, counts and sizes — every style once.
 *
 * Each function writes into the caller's buffer (FR_FMT_LEN bytes are always
 * enough) and returns it, so a call fits in a printf argument list. The styles
 * differ on purpose; pick by what the reader needs:
 *   fr_fmt_plan_duration  as a plan writes it, one unit, exact: "160s", "250ms"
 *   fr_fmt_duration       compact and exact: "2m30s", "15s", "1.500s", "250ms"
 *   fr_fmt_latency        three significant digits: "850us", "7.30ms", "1.200s"
 *   fr_fmt_run_length     a run's length: "12.0s", "2m30s", "1h05m00s"
 *   fr_fmt_offset         an offset, ms precision: "30.004s"
 *   fr_fmt_seconds        decimal seconds, no trailing zeros: "0.005" (Prometheus le)
 *   fr_fmt_count          thousands separators: "4,210"
 *   fr_fmt_bytes          binary units: "512 B", "1.5 KiB", "3.2 MiB"
 *   fr_fmt_u64            plain decimal, no locale and no printf: "1234" (the
 *                         ${i} of every iteration; snprintf cost more than the
 *                         rest of a lean request's bookkeeping)
 */
#ifndef FR_FMT_H
#define FR_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FR_FMT_LEN 32

char *fr_fmt_plan_duration(char *buf, size_t len, int64_t us);
char *fr_fmt_duration(char *buf, size_t len, int64_t us);
char *fr_fmt_latency(char *buf, size_t len, double us);
char *fr_fmt_run_length(char *buf, size_t len, int64_t us);
char *fr_fmt_offset(char *buf, size_t len, int64_t us);
char *fr_fmt_seconds(char *buf, size_t len, int64_t us);
char *fr_fmt_count(char *buf, size_t len, double v);
char *fr_fmt_bytes(char *buf, size_t len, uint64_t bytes);
char *fr_fmt_u64(char *buf, size_t len, uint64_t v);

#endif
