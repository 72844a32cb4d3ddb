/* build.h: a checked plan tree → the structs of plan.h.
 *
 * The builder runs only on a tree the checker (validate.h) reported nothing
 * about, so it trusts every value it reads: a key is present with the right
 * type, or absent and takes its default. Which key goes to which field, with
 * which conversion and default, is the grammar's table (grammar.h).
 */
#ifndef FR_BUILD_H
#define FR_BUILD_H

#include "plan/plan.h"
#include "plan/proxies.h"
#include "plan/yamltree.h"

/* Builds the plan of ROOT, loaded from PATH. The proxies file the checker
 * read moves into the plan (PROXIES is left empty). Caller frees the plan
 * with fr_plan_free. */
struct fr_plan *fr_build_plan(const struct fr_ynode *root, const char *path, struct fr_proxy_file *proxies);

#endif
