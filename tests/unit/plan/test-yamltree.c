/* test-yamltree.c: the positioned YAML tree — positions, styles, limits and errors (yamltree.h). */
#include <stdlib.h>

#include "tap.h"
#include "plan/yamltree.h"

/* Parses TEXT as file "t.yaml"; returns the root (NULL on error) and the diagnostics in *out. */
static struct fr_ynode *parse(struct fr_yarena *a, const char *text, char **out)
{
	struct fr_diags d = {0};
	struct fr_ynode *root = NULL;
	char *buf = NULL;
	size_t len = 0;

	fr_ytree_parse(a, "t.yaml", text, strlen(text), &d, &root);
	FILE *f = open_memstream(&buf, &len);
	fr_diag_print(&d, f);
	fclose(f);
	fr_diag_clear(&d);
	*out = buf;
	return root;
}

/* Checks that TEXT fails with exactly WANT. */
static void fails(const char *text, const char *want, const char *name)
{
	struct fr_yarena *a = fr_yarena_new();
	char *out;
	struct fr_ynode *root = parse(a, text, &out);

	tap_ok(root == NULL, name);
	tap_is_str(out, want, "  with the exact diagnostic");
	free(out);
	fr_yarena_free(a);
}

int main(void)
{
	struct fr_yarena *a = fr_yarena_new();
	char *out;
	struct fr_ynode *root = parse(a,
	                              "name: x\n"
	                              "target:\n"
	                              "  base_url: 'http://h'\n"
	                              "list: [a, \"b\\\\c ${v}\", {k: v}]\n"
	                              "empty:\n",
	                              &out);

	tap_is_str(out, "", "a small document parses");
	free(out);
	tap_ok(root && root->kind == FR_Y_MAP && root->n == 4, "the root is a mapping of four keys");
	tap_is_int(root->pos.line * 100 + root->pos.col, 101, "a block mapping starts at its first key");
	struct fr_ynode *k = fr_ytree_key(root, "target"), *t = fr_ytree_get(root, "target");
	tap_is_int(k->pos.line * 100 + k->pos.col, 201, "a key is located at the key");
	tap_is_int(t->pos.line * 100 + t->pos.col, 303, "a nested block mapping at its first key");
	struct fr_ynode *u = fr_ytree_get(t, "base_url");
	tap_is_int(u->pos.line * 100 + u->pos.col, 313, "a quoted scalar at its quote");
	tap_is_int(u->style, FR_YS_SINGLE, "single-quoted style");
	tap_is_str(u->str, "http://h", "the value without quotes");
	struct fr_ynode *l = fr_ytree_get(root, "list");
	tap_is_int(l->kind == FR_Y_SEQ ? (int64_t)l->n : -1, 3, "a flow sequence of three items");
	tap_is_int(l->pos.line * 100 + l->pos.col, 407, "a flow sequence at its bracket");
	tap_is_int(l->vals[2]->pos.line * 100 + l->vals[2]->pos.col, 424, "a flow mapping at its brace");
	struct fr_pos p = fr_ytree_pos_at(l->vals[1], 4);
	tap_is_int(p.col, 17, "an offset in a double-quoted scalar maps past its escapes");
	p = fr_ytree_pos_at(fr_ytree_get(root, "name"), 0);
	tap_is_int(p.col, 7, "offset 0 of a plain scalar is its column");
	tap_ok(fr_ytree_is_null(fr_ytree_get(root, "empty")), "an empty value is null");
	tap_is_str(fr_ytree_kind_name(fr_ytree_get(root, "empty")), "null", "kind name of null");
	tap_is_str(fr_ytree_kind_name(l), "a sequence", "kind name of a sequence");
	tap_is_str(fr_ytree_kind_name(t), "a mapping", "kind name of a mapping");
	tap_ok(fr_ytree_get(root, "nope") == NULL && fr_ytree_get(l, "a") == NULL,
	       "get of a missing key or a non-mapping");
	fr_yarena_free(a);

	a = fr_yarena_new();
	root = parse(a, "a: &x {b: [1, 2]}\nc: *x\n", &out);
	tap_ok(root && fr_ytree_get(root, "c") == fr_ytree_get(root, "a"), "an alias shares the node it names");
	tap_is_int(root ? (int64_t)root->size : 0, 13, "an alias counts in full in the size");
	free(out);
	fr_yarena_free(a);

	a = fr_yarena_new();
	root = parse(a,
	             "\xef\xbb\xbf"
	             "a: 1\r\nb: caf\xc3\xa9 ${x}\r\n",
	             &out);
	tap_is_str(out, "", "a byte order mark and CRLF line ends are accepted");
	free(out);
	k = fr_ytree_key(root, "b");
	tap_is_int(k ? k->pos.line * 100 + k->pos.col : 0, 201, "CRLF counts as one line end");
	if (fr_ytree_get(root, "b"))
		p = fr_ytree_pos_at(fr_ytree_get(root, "b"), 6);
	tap_is_int(p.col, 9, "columns count characters, not bytes");
	fr_yarena_free(a);

	fails("", "t.yaml:1:1: error: empty plan (expected a mapping of plan keys)\n", "an empty document");
	fails("# only a comment\n", "t.yaml:1:1: error: empty plan (expected a mapping of plan keys)\n",
	      "a comment only");
	fails("- a\n", "t.yaml:1:1: error: a plan must be a mapping, got a sequence\n", "a sequence document");
	fails("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: error: duplicate key 'a' (first defined at t.yaml:1:1)\n",
	      "a duplicate key");
	fails("a: [1, 2\n",
	      "t.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence\n",
	      "broken YAML");
	fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: error: a plan file holds one YAML document\n", "two documents");
	fails("a: b\x01\n", "t.yaml:1:5: error: control character 0x01 is not allowed (a plan must be text)\n",
	      "a control byte");
	fails("a: \xc3\x28\n", "t.yaml:1:4: error: invalid UTF-8 byte 0xc3 (a plan must be UTF-8 text)\n",
	      "invalid UTF-8");
	fails("a: \xed\xa0\x80\n", "t.yaml:1:4: error: invalid UTF-8 byte 0xed (a plan must be UTF-8 text)\n",
	      "a UTF-16 surrogate in UTF-8");
	fails("[a]: 1\n", "t.yaml:1:1: error: mapping keys must be strings\n", "a sequence as a key");
	fails("a: *nope\n", "t.yaml:1:4: error: unknown alias '*nope'\n", "an unknown alias");

	char deep[200] = "a: ";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	fails(deep, "t.yaml:1:67: error: document is nested deeper than 64 levels\n", "65 levels of nesting");
	return tap_done();
}
