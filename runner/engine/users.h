/* users.h: the closed model — virtual users that loop pick-a-request → response → think.
 *
 * One struct fr_users per closed scenario and worker thread. The scenario's
 * user count is split across threads: thread k of N runs the users whose
 * number u satisfies u % N == k. Raising the level starts new users at once;
 * lowering it stops surplus users after their current request (a thinking
 * user stops at once).
 */
#ifndef FR_USERS_H
#define FR_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/drive.h"

struct fr_users;

/* Creates the users of SCENARIO for driver D (room for this thread's share of
 * the scenario's peak level); free with fr_users_free. */
struct fr_users *fr_users_create(struct fr_drive *d, int scenario);
void fr_users_free(struct fr_users *us); /* accepts NULL */

/* Sets the scenario-wide user count to LEVEL at monotonic time AT_NS. */
void fr_users_set(struct fr_users *us, double level, int64_t at_ns);

/* Users of this thread that are running now (wanted by the level). */
size_t fr_users_active(const struct fr_users *us);

/* Iterations in flight. */
size_t fr_users_busy(const struct fr_users *us);

#endif
