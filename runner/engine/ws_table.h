/* ws_table.h: the shared event table of a websocket scenario — what was published when.
 *
 * One table per websocket scenario, shared by the drivers of every worker
 * thread (ws_driver.h). The publisher (the driver of thread 0) gives each
 * event the next sequence number (1, 2, …) and writes its send time
 * (monotonic µs) and results segment into the table before the publish
 * request goes out; every driver reads it when a frame names that event.
 *
 * The table is a ring of slots indexed by seq (a power of two >= 2 × rate ×
 * (deadline + 1 s), at least 64) plus one atomic sequence counter. A slot is
 * a seqlock: the writer clears its seq, writes the fields, then publishes the
 * seq (release); a reader checks the seq before and after reading (acquire),
 * so a received frame costs no lock and no shared write, and a slot reused
 * for a later event is never mistaken for the earlier one. The table also
 * counts the viewers connected now over all threads and the handshake
 * rejections by HTTP status.
 */
#ifndef FR_WS_TABLE_H
#define FR_WS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

#define FR_WS_MAX_STATUSES 8 /* distinct handshake rejection statuses kept */

struct fr_ws_table;

/* Creates the event table of websocket scenario SC (sized from its rate and
 * deadline). Free with fr_ws_table_free after every driver using it. */
struct fr_ws_table *fr_ws_table_create(const struct fr_scenario *sc);
void fr_ws_table_free(struct fr_ws_table *t); /* accepts NULL */

/* The ring's size in slots (a power of two). */
uint32_t fr_ws_table_size(const struct fr_ws_table *t);

/* The scenario's delivery deadline in µs (5 s when the plan gives none). */
int64_t fr_ws_table_deadline_us(const struct fr_ws_table *t);

/* The seq the next publish gets: events 1 .. next-1 exist. */
uint64_t fr_ws_table_next(const struct fr_ws_table *t);

/* Publisher thread only: records the next event, sent at T_US (monotonic)
 * in results segment SEGMENT, and returns its seq. */
uint64_t fr_ws_table_publish(struct fr_ws_table *t, int64_t t_us, int segment);

/* Marks event SEQ's publish request as failed (it is not judged), unless its
 * slot already holds a later event. */
void fr_ws_table_fail(struct fr_ws_table *t, uint64_t seq);

/* Reads event SEQ: its send time, segment and whether its publish failed.
 * Returns 0 when its slot holds another event (too old, or being written). */
int fr_ws_table_read(const struct fr_ws_table *t, uint64_t seq, int64_t *t_us, int *segment, int *failed);

/* Viewers connected now, all threads: changed by DELTA, read. */
void fr_ws_table_add_connected(struct fr_ws_table *t, long delta);
long fr_ws_table_connected(const struct fr_ws_table *t);

/* Events published so far. */
uint64_t fr_ws_table_published(const struct fr_ws_table *t);

/* Counts one handshake rejected with HTTP STATUS (statuses beyond
 * FR_WS_MAX_STATUSES distinct ones are not kept). */
void fr_ws_table_reject(struct fr_ws_table *t, long status);

/* One line per rejection status, "handshake rejected: HTTP 401 (12 times)\n",
 * or NULL when there was none (caller frees). */
char *fr_ws_table_summary(const struct fr_ws_table *t);

#endif
