/* yamltree.c: libyaml events → a positioned node tree (see yamltree.h).
 *
 * The input is checked before libyaml sees it (size, empty, NUL and other
 * control bytes, invalid UTF-8) so those cases get a located message of our
 * own instead of libyaml's reader errors. Containers being built are kept on
 * an explicit stack with growable child arrays, copied into the arena when the
 * container ends; duplicate keys are found when a mapping ends, pairwise for
 * small mappings and by sorting for large ones, so a mapping of a million keys
 * stays O(n log n).
 */
#include "plan/yamltree.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/xmalloc.h"

/* One block of the arena. */
struct block {
	struct block *next;
	size_t used, cap;
	max_align_t data[];
};

struct fr_yarena {
	struct block *head;
};

/* One arena per load: the trees of all extended files die together. */
struct fr_yarena *fr_yarena_new(void)
{
	return xcalloc(1, sizeof(struct fr_yarena));
}

/* Frees every block at once: nodes are never freed one by one. */
void fr_yarena_free(struct fr_yarena *a)
{
	if (!a)
		return;
	for (struct block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* Zeroed, so that new nodes start with no keys, values or flags. */
void *fr_yarena_alloc(struct fr_yarena *a, size_t size)
{
	size_t al = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct block *b = a->head;

	if (!b || b->cap - b->used < al) {
		size_t cap = al > 60000 ? al : 60000;
		b = xmalloc(sizeof *b + cap);
		b->used = 0;
		b->cap = cap;
		if (a->head && al > 60000) {
			/* keep the current block in front: it still has room */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += al;
	memset(p, 0, size);
	return p;
}

/* Scalars and merged strings live as long as the tree. */
char *fr_yarena_strndup(struct fr_yarena *a, const char *s, size_t n)
{
	char *p = fr_yarena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A container under construction. */
struct frame {
	struct fr_ynode *node;
	struct fr_ynode **items; /* seq: items; map: key, value, key, value … */
	size_t n, cap;
	char *anchor;
};

/* An anchor and the node it names. */
struct anchor {
	char *name;
	struct fr_ynode *node;
};

struct parse {
	struct fr_yarena *a;
	const char *file;
	struct fr_diags *diags;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;
	struct fr_ynode *root;
	int failed;
};

/* The position of a libyaml mark. */
static struct fr_pos mark_pos(const struct parse *p, yaml_mark_t m)
{
	return (struct fr_pos){p->file, (int)m.line + 1, (int)m.column + 1};
}

/* Decodes the UTF-8 sequence at S (N bytes left); its length, 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* Rejects invalid UTF-8 and control characters with a located message. */
static int check_text(struct parse *p, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1, col = 1;

	for (size_t i = 0; i < len;) {
		size_t l = utf8_len(s + i, len - i);
		struct fr_pos pos = {p->file, line, col};
		if (l == 0) {
			fr_diag_add(p->diags, pos, "invalid UTF-8 byte 0x%02x (a plan must be UTF-8 text)", s[i]);
			return -1;
		}
		if (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' && s[i] != '\r') {
			fr_diag_add(p->diags, pos, "control character 0x%02x is not allowed (a plan must be text)",
			            s[i]);
			return -1;
		}
		if (s[i] == 0x7f) {
			fr_diag_add(p->diags, pos, "control character 0x7f is not allowed (a plan must be text)");
			return -1;
		}
		if (s[i] == '\n')
			line++, col = 1;
		else if (!(i == 0 && l == 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf))
			col++;
		i += l;
	}
	return 0;
}

/* Counts nodes; reports once when the limit is passed. */
static int count_nodes(struct parse *p, size_t n, struct fr_pos pos)
{
	p->nodes += n;
	if (p->nodes > FR_YAML_MAX_NODES) {
		fr_diag_add(p->diags, pos, "document has more than %d nodes", FR_YAML_MAX_NODES);
		return -1;
	}
	return 0;
}

/* Remembers ANCHOR (may be NULL) as naming NODE. */
static void add_anchor(struct parse *p, const char *anchor, struct fr_ynode *node)
{
	if (!anchor)
		return;
	for (size_t i = 0; i < p->nanchors; i++) {
		if (strcmp(p->anchors[i].name, anchor) == 0) {
			p->anchors[i].node = node;
			return;
		}
	}
	p->anchors = xreallocarray(p->anchors, p->nanchors + 1, sizeof *p->anchors);
	p->anchors[p->nanchors].name = xstrdup(anchor);
	p->anchors[p->nanchors++].node = node;
}

/* Adds a finished node to the container on top of the stack, or makes it the root. */
static void attach(struct parse *p, struct fr_ynode *node)
{
	if (p->depth == 0) {
		if (!p->root)
			p->root = node;
		return;
	}
	struct frame *f = &p->stack[p->depth - 1];
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xreallocarray(f->items, f->cap, sizeof *f->items);
	}
	f->items[f->n++] = node;
	f->node->size += node->size;
	if (node->height + 1 > f->node->height)
		f->node->height = node->height + 1;
}

/* Is the next node attached to the top frame a mapping key? */
static int at_key(const struct parse *p)
{
	if (p->depth == 0)
		return 0;
	const struct frame *f = &p->stack[p->depth - 1];
	return f->node->kind == FR_Y_MAP && f->n % 2 == 0;
}

/* Opens a mapping or sequence. */
static int push(struct parse *p, enum fr_ykind kind, yaml_mark_t m, const yaml_char_t *anchor)
{
	struct fr_pos pos = mark_pos(p, m);

	if (at_key(p)) {
		fr_diag_add(p->diags, pos, "mapping keys must be strings");
		return -1;
	}
	if (p->depth >= FR_YAML_MAX_DEPTH) {
		fr_diag_add(p->diags, pos, "document is nested deeper than %d levels", FR_YAML_MAX_DEPTH);
		return -1;
	}
	if (count_nodes(p, 1, pos) < 0)
		return -1;
	if (p->depth == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->stack = xreallocarray(p->stack, p->cap, sizeof *p->stack);
	}
	struct frame *f = &p->stack[p->depth++];
	memset(f, 0, sizeof *f);
	f->node = fr_yarena_alloc(p->a, sizeof *f->node);
	f->node->kind = kind;
	f->node->pos = pos;
	f->node->size = 1;
	f->node->height = 1;
	f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	return 0;
}

/* Compares two key nodes by text, then by position. */
static int key_cmp(const void *va, const void *vb)
{
	const struct fr_ynode *a = *(struct fr_ynode *const *)va, *b = *(struct fr_ynode *const *)vb;
	int c = strcmp(a->str, b->str);

	if (c)
		return c;
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	return (a->pos.col > b->pos.col) - (a->pos.col < b->pos.col);
}

/* Reports DUP as a duplicate of FIRST. */
static void report_dup(struct parse *p, const struct fr_ynode *first, const struct fr_ynode *dup)
{
	fr_diag_add(p->diags, dup->pos, "duplicate key '%s' (first defined at %s:%d:%d)", dup->str, first->pos.file,
	            first->pos.line, first->pos.col);
	p->failed = 1;
}

/* Reports duplicate keys of a finished mapping. */
static void check_dups(struct parse *p, struct fr_ynode *map)
{
	if (map->n <= 16) {
		for (size_t i = 1; i < map->n; i++)
			for (size_t k = 0; k < i; k++)
				if (strcmp(map->keys[i]->str, map->keys[k]->str) == 0) {
					report_dup(p, map->keys[k], map->keys[i]);
					break;
				}
		return;
	}
	struct fr_ynode **sorted = xreallocarray(NULL, map->n, sizeof *sorted);
	memcpy(sorted, map->keys, map->n * sizeof *sorted);
	qsort(sorted, map->n, sizeof *sorted, key_cmp);
	for (size_t i = 1, first = 0; i < map->n; i++) {
		if (strcmp(sorted[i]->str, sorted[first]->str) == 0)
			report_dup(p, sorted[first], sorted[i]);
		else
			first = i;
	}
	free(sorted);
}

/* Closes the container on top of the stack. */
static void pop(struct parse *p)
{
	struct frame *f = &p->stack[--p->depth];
	struct fr_ynode *node = f->node;

	if (node->kind == FR_Y_SEQ) {
		node->n = f->n;
		node->vals = fr_yarena_alloc(p->a, (f->n ? f->n : 1) * sizeof *node->vals);
		if (f->n)
			memcpy(node->vals, f->items, f->n * sizeof *node->vals);
	} else {
		node->n = f->n / 2;
		node->keys = fr_yarena_alloc(p->a, (node->n ? node->n : 1) * sizeof *node->keys);
		node->vals = fr_yarena_alloc(p->a, (node->n ? node->n : 1) * sizeof *node->vals);
		for (size_t i = 0; i < node->n; i++) {
			node->keys[i] = f->items[2 * i];
			node->vals[i] = f->items[2 * i + 1];
		}
		check_dups(p, node);
	}
	free(f->items);
	add_anchor(p, f->anchor, node);
	free(f->anchor);
	attach(p, node);
}

/* Adds a scalar event. */
static int on_scalar(struct parse *p, const yaml_event_t *ev)
{
	struct fr_pos pos = mark_pos(p, ev->start_mark);
	struct fr_ynode *node;

	if (count_nodes(p, 1, pos) < 0)
		return -1;
	node = fr_yarena_alloc(p->a, sizeof *node);
	node->kind = FR_Y_SCALAR;
	node->pos = pos;
	node->size = 1;
	node->height = 1;
	node->str = fr_yarena_strndup(p->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
	node->raw = node->str;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: node->style = FR_YS_SINGLE; break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: node->style = FR_YS_DOUBLE; break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: node->style = FR_YS_BLOCK; break;
	default: node->style = FR_YS_PLAIN; break;
	}
	if (strlen(node->str) != ev->data.scalar.length) {
		fr_diag_add(p->diags, pos, "NUL character in a string");
		p->failed = 1;
	}
	add_anchor(p, (const char *)ev->data.scalar.anchor, node);
	attach(p, node);
	return 0;
}

/* Adds an alias event: the node its anchor names, shared. */
static int on_alias(struct parse *p, const yaml_event_t *ev)
{
	struct fr_pos pos = mark_pos(p, ev->start_mark);
	const char *name = (const char *)ev->data.alias.anchor;

	for (size_t i = p->nanchors; i-- > 0;) {
		if (strcmp(p->anchors[i].name, name) != 0)
			continue;
		if (at_key(p) && p->anchors[i].node->kind != FR_Y_SCALAR) {
			fr_diag_add(p->diags, pos, "mapping keys must be strings");
			return -1;
		}
		if (count_nodes(p, p->anchors[i].node->size, pos) < 0)
			return -1;
		/* an alias nests what it names: the walkers of the tree recurse */
		if (p->depth + p->anchors[i].node->height > FR_YAML_MAX_DEPTH + 1) {
			fr_diag_add(p->diags, pos, "document is nested deeper than %d levels", FR_YAML_MAX_DEPTH);
			return -1;
		}
		attach(p, p->anchors[i].node);
		return 0;
	}
	fr_diag_add(p->diags, pos, "unknown alias '*%s'", name);
	return -1;
}

/* Reports a libyaml parser error. */
static void parser_error(struct parse *p, const yaml_parser_t *yp)
{
	struct fr_pos pos = mark_pos(p, yp->problem_mark);

	if (yp->context)
		fr_diag_add(p->diags, pos, "invalid YAML: %s %s", yp->problem ? yp->problem : "error", yp->context);
	else
		fr_diag_add(p->diags, pos, "invalid YAML: %s", yp->problem ? yp->problem : "error");
}

/* Handles one event; 1 at the end of the stream, -1 on error. */
static int on_event(struct parse *p, const yaml_event_t *ev, int *docs)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT: return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			fr_diag_add(p->diags, mark_pos(p, ev->start_mark), "a plan file holds one YAML document");
			return -1;
		}
		return 0;
	case YAML_SCALAR_EVENT: return on_scalar(p, ev);
	case YAML_ALIAS_EVENT: return on_alias(p, ev);
	case YAML_SEQUENCE_START_EVENT: return push(p, FR_Y_SEQ, ev->start_mark, ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT: return push(p, FR_Y_MAP, ev->start_mark, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: pop(p); return 0;
	default: return 0;
	}
}

/* Frees the parse state (not the nodes, which are in the arena). */
static void parse_clear(struct parse *p)
{
	for (size_t i = 0; i < p->depth; i++) {
		free(p->stack[i].items);
		free(p->stack[i].anchor);
	}
	free(p->stack);
	for (size_t i = 0; i < p->nanchors; i++)
		free(p->anchors[i].name);
	free(p->anchors);
}

/* Runs libyaml over TEXT; 0 when the stream parsed. */
static int run_parser(struct parse *p, const char *text, size_t len)
{
	yaml_parser_t yp;
	int docs = 0, r = 0;

	if (!yaml_parser_initialize(&yp)) {
		fr_diag_add(p->diags, (struct fr_pos){p->file, 1, 1}, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	while (r == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			parser_error(p, &yp);
			r = -1;
			break;
		}
		r = on_event(p, &ev, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
	return r < 0 ? -1 : 0;
}

/* From memory, so that tests and the loader share one parser. */
int fr_ytree_parse(struct fr_yarena *a, const char *file, const char *text, size_t len, struct fr_diags *diags,
                   struct fr_ynode **root_out)
{
	struct parse p = {.a = a, .file = file, .diags = diags};
	struct fr_pos start = {file, 1, 1};
	int r;

	*root_out = NULL;
	if (len > FR_YAML_MAX_BYTES) {
		fr_diag_add(diags, start, "file is larger than %u MiB", FR_YAML_MAX_BYTES >> 20);
		return -1;
	}
	if (check_text(&p, text, len) < 0)
		return -1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		/* a byte order mark: libyaml, told the encoding, would read it as text */
		text += 3;
		len -= 3;
	}
	r = run_parser(&p, text, len);
	parse_clear(&p);
	if (r < 0 || p.failed)
		return -1;
	if (!p.root || fr_ytree_is_null(p.root)) {
		fr_diag_add(diags, start, "empty plan (expected a mapping of plan keys)");
		return -1;
	}
	if (p.root->kind != FR_Y_MAP) {
		fr_diag_add(diags, p.root->pos, "a plan must be a mapping, got %s", fr_ytree_kind_name(p.root));
		return -1;
	}
	*root_out = p.root;
	return 0;
}

/* Reads at most the size limit plus one byte, so that a huge file is refused, not read. */
int fr_ytree_load(struct fr_yarena *a, const char *file, struct fr_pos at, struct fr_diags *diags,
                  struct fr_ynode **root_out)
{
	FILE *f = fopen(file, "rb");
	struct fr_pos where = at.file ? at : (struct fr_pos){file, 0, 0};
	char *buf;
	size_t len;
	int r;

	*root_out = NULL;
	if (!f) {
		fr_diag_add(diags, where, "cannot read '%s': %s", file, strerror(errno));
		return -1;
	}
	/* read at most one byte past the limit: enough to know it is too big */
	struct stat st;
	size_t cap = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= FR_YAML_MAX_BYTES
	                     ? (size_t)st.st_size + 1
	                     : FR_YAML_MAX_BYTES + 1;
	buf = xmalloc(cap + 1);
	len = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fr_diag_add(diags, where, "cannot read '%s': %s", file, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	r = fr_ytree_parse(a, file, buf, len, diags, root_out);
	free(buf);
	return r;
}

/* Linear: mappings of a plan are small, and order must be kept anyway. */
struct fr_ynode *fr_ytree_get(const struct fr_ynode *map, const char *key)
{
	if (!map || map->kind != FR_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->vals[i];
	return NULL;
}

/* Diagnostics about a key point at the key, not its value. */
struct fr_ynode *fr_ytree_key(const struct fr_ynode *map, const char *key)
{
	if (!map || map->kind != FR_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->keys[i];
	return NULL;
}

/* YAML's null spellings count only when plain: "null" quoted is a string. */
int fr_ytree_is_null(const struct fr_ynode *node)
{
	if (node->kind != FR_Y_SCALAR || node->style != FR_YS_PLAIN)
		return 0;
	return !*node->raw || strcmp(node->raw, "~") == 0 || strcmp(node->raw, "null") == 0 ||
	       strcmp(node->raw, "Null") == 0 || strcmp(node->raw, "NULL") == 0;
}

/* The words of "expected …, got …" messages. */
const char *fr_ytree_kind_name(const struct fr_ynode *node)
{
	if (node->kind == FR_Y_MAP)
		return "a mapping";
	if (node->kind == FR_Y_SEQ)
		return "a sequence";
	return fr_ytree_is_null(node) ? "null" : "a string";
}

/* Multi-line and block scalars cannot be mapped back reliably: their start is used. */
struct fr_pos fr_ytree_pos_at(const struct fr_ynode *node, size_t off)
{
	struct fr_pos pos = node->pos;
	const unsigned char *s = (const unsigned char *)node->raw;

	if (node->kind != FR_Y_SCALAR || node->style == FR_YS_BLOCK)
		return pos;
	if (node->style != FR_YS_PLAIN)
		pos.col++;
	for (size_t i = 0; i < off && s[i]; i++) {
		if (s[i] == '\n')
			return node->pos;
		if ((s[i] & 0xc0) == 0x80)
			continue;
		if (node->style == FR_YS_DOUBLE && (s[i] == '\\' || s[i] == '"' || s[i] < 0x20))
			pos.col++;
		if (node->style == FR_YS_SINGLE && s[i] == '\'')
			pos.col++;
		pos.col++;
	}
	return pos;
}
