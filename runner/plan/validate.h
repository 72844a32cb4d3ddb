/* validate.h: every semantic check of a plan tree, reported in one pass.
 *
 * fr_validate walks the merged, env-expanded tree of a plan (yamltree.h) and
 * reports every problem it finds — unknown keys, wrong types, missing keys,
 * bad units, duplicate names, unresolved references, bad regexes, fault
 * timing, unknown variables — so that the builder (build.h) can trust every
 * value of a tree it reported nothing about. The checks are split by topic:
 * check.h (values, keys, templates, names), validate_request.h,
 * validate_scenario.h, validate_fault.h and validate_slo.h; this module holds
 * the order of the sections and the plan-level keys.
 */
#ifndef FR_VALIDATE_H
#define FR_VALIDATE_H

#include <stddef.h>

#include "plan/diag.h"
#include "plan/proxies.h"
#include "plan/roots.h"
#include "plan/yamltree.h"

/* Checks ROOT; returns the number of errors added to DIAGS. The proxies
 * file the plan names, when it could be read, is left in *PROXIES_OUT (the
 * caller frees it with fr_proxies_file_free, or hands it to the builder); it
 * must lie inside ROOTS (NULL: anywhere). */
size_t fr_validate(const struct fr_ynode *root, const struct fr_roots *roots, struct fr_diags *diags,
                   struct fr_proxy_file *proxies_out);

#endif
