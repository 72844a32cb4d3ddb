/* yamltree.h: a YAML document as a tree of positioned nodes.
 *
 * The plan loader reads libyaml's event stream into this tree instead of
 * mapping YAML straight onto structs, so that every scalar, mapping, sequence
 * and mapping key keeps the file, line and column (1-based, at its first
 * character) that a diagnostic will point at. Scalars stay strings: types
 * are decided by the validator, which knows what each key means.
 *
 * Nodes, arrays and strings live in an arena owned by the caller: one arena
 * can hold the trees of several files (a plan and the files it extends) and
 * the merged tree built from them, and is freed in one call. Aliases share
 * nodes, so a tree is a DAG; the node limit counts an alias as the size of
 * what it points at, which keeps "billion laughs" documents out.
 */
#ifndef FR_YAMLTREE_H
#define FR_YAMLTREE_H

#include <stddef.h>

#include "plan/diag.h"

#define FR_YAML_MAX_DEPTH 64
#define FR_YAML_MAX_BYTES (16u << 20)
#define FR_YAML_MAX_NODES 1000000

enum fr_ykind {
	FR_Y_SCALAR,
	FR_Y_MAP,
	FR_Y_SEQ,
};

enum fr_ystyle {
	FR_YS_PLAIN,
	FR_YS_SINGLE,
	FR_YS_DOUBLE,
	FR_YS_BLOCK, /* literal (|) or folded (>) */
};

struct fr_ynode {
	enum fr_ykind kind;
	enum fr_ystyle style; /* scalars */
	struct fr_pos pos;
	char *str;              /* scalar: its value (after ${env:} expansion, see load.c) */
	const char *raw;        /* scalar: the value as written (before expansion) */
	size_t n;               /* map: pairs; seq: items */
	struct fr_ynode **keys; /* map: key scalars */
	struct fr_ynode **vals; /* map: values; seq: items */
	size_t size;            /* nodes in this subtree, aliases counted in full */
	unsigned height;        /* levels in this subtree (a scalar is 1), through aliases */
	int env_failed;         /* scalar: its ${env:} expansion failed (already reported) */
};

struct fr_yarena;

/* Creates an empty arena; free it with fr_yarena_free (accepts NULL). */
struct fr_yarena *fr_yarena_new(void);
void fr_yarena_free(struct fr_yarena *a);
/* Zeroed memory from the arena, valid until the arena is freed. */
void *fr_yarena_alloc(struct fr_yarena *a, size_t size);
/* A copy of N bytes of S, NUL-terminated, in the arena. */
char *fr_yarena_strndup(struct fr_yarena *a, const char *s, size_t n);

/* Parses TEXT (LEN bytes) of the file named FILE (interned by the caller:
 * positions point at it) into a tree in A. The document must be one mapping.
 * Returns 0 and sets *root_out, or -1 with located diagnostics in DIAGS. */
int fr_ytree_parse(struct fr_yarena *a, const char *file, const char *text, size_t len, struct fr_diags *diags,
                   struct fr_ynode **root_out);

/* Reads FILE (at most FR_YAML_MAX_BYTES) and parses it as fr_ytree_parse does.
 * A file that cannot be read is reported at AT when AT.file is set, else at FILE. */
int fr_ytree_load(struct fr_yarena *a, const char *file, struct fr_pos at, struct fr_diags *diags,
                  struct fr_ynode **root_out);

/* The value of KEY in mapping MAP, or NULL (also when MAP is not a mapping). */
struct fr_ynode *fr_ytree_get(const struct fr_ynode *map, const char *key);
/* The key node of KEY in MAP, or NULL. */
struct fr_ynode *fr_ytree_key(const struct fr_ynode *map, const char *key);

/* "a mapping", "a sequence", "a string" or "null": for "expected …, got …". */
const char *fr_ytree_kind_name(const struct fr_ynode *node);
/* Is NODE a null scalar (empty plain, "~", "null")? */
int fr_ytree_is_null(const struct fr_ynode *node);

/* The position of byte OFF of a scalar's raw value, when it can be mapped
 * back to the source (single-line plain or quoted scalars), else the node's. */
struct fr_pos fr_ytree_pos_at(const struct fr_ynode *node, size_t off);

#endif
