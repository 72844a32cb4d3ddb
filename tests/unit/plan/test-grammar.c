/* test-grammar.c: the grammar table holds together, and its lookups, the
 * small-language checks (syntax.h) and path resolution (path.h) answer right.
 *
 * The checker and the builder both trust the table, so its invariants are
 * pinned here: each mapping's rows are its own and uniquely named, word keys
 * carry their words, every stored key has a place to go.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/grammar.h"
#include "plan/path.h"
#include "plan/syntax.h"
#include "tap.h"

/* Checks the rows of every mapping. */
static void table_holds_together(void)
{
	int rows_ok = 1, names_ok = 1, words_ok = 1, size_ok = 1;
	enum fr_gkey next = 0;

	for (int m = 0; m < FR_GM_COUNT; m++) {
		const struct fr_gmap_def *map = &fr_grammar_maps[m];
		rows_ok &= map->first == next && map->end > map->first;
		next = map->end;
		size_ok &= map->end - map->first <= FR_GRAMMAR_MAX_KEYS;
		for (enum fr_gkey k = map->first; k < map->end; k++) {
			const struct fr_gkey_def *d = &fr_grammar_keys[k];
			rows_ok &= (int)d->map == m && d->name != NULL;
			for (enum fr_gkey j = map->first; j < k; j++)
				names_ok &= strcmp(fr_grammar_keys[j].name, d->name) != 0;
			if (d->type == FR_GT_WORD)
				words_ok &= d->words && d->words[0] && d->what;
		}
	}
	tap_ok(rows_ok && next == FR_K_COUNT, "the mappings' rows are contiguous, in order, and their own");
	tap_ok(names_ok, "no mapping spells a key twice");
	tap_ok(words_ok, "every word key has its words and a noun for messages");
	tap_ok(size_ok, "no mapping has more than FR_GRAMMAR_MAX_KEYS keys");
}

/* Checks the lookups by name, word and model. */
static void lookups(void)
{
	const char *names[FR_GRAMMAR_MAX_KEYS + 1];

	tap_is_int(fr_grammar_find(FR_GM_REQUEST, "path"), FR_K_REQ_PATH, "find: a request key");
	tap_is_int(fr_grammar_find(FR_GM_TARGET, "path"), FR_K_COUNT, "find: a key of another mapping");
	tap_is_int(fr_grammar_word(FR_K_SCEN_MODEL, "websocket"), FR_MODEL_WEBSOCKET, "word: index is the enum");
	tap_is_int(fr_grammar_word(FR_K_FAULT_STREAM, "sideways"), -1, "word: an unknown word");
	tap_is_str(fr_grammar_keys[fr_grammar_level(FR_MODEL_OPEN)].name, "rate", "level of an open scenario");
	tap_is_int((int64_t)fr_grammar_names(FR_GM_REQUEST, FR_GK_GROUP, names), 3, "three keys are valid in a group");
	tap_is_str(names[2], "steps", "  in table order");
}

/* Checks the toxic table and the units of its attributes. */
static void toxics(void)
{
	const struct fr_toxic_def *t = fr_grammar_toxic("slicer");

	tap_ok(t == &fr_grammar_toxics[FR_TOXIC_SLICER], "toxic: found by name at its enum");
	tap_is_int(fr_grammar_toxic_attr(t, "delay"), 2, "toxic: attribute index");
	tap_ok(fr_grammar_toxic("nope") == NULL, "toxic: an unknown name");
	tap_ok(fr_grammar_any_attr("jitter") && !fr_grammar_any_attr("stream"), "any_attr: attributes only");
	tap_is_str(fr_grammar_attr_suffix(FR_TOXIC_SLICER, "delay"), "us", "suffix: slicer delay in us");
	tap_is_str(fr_grammar_attr_suffix(FR_TOXIC_SLOW_CLOSE, "delay"), "ms", "suffix: slow_close delay in ms");
	tap_is_str(fr_grammar_attr_suffix(FR_TOXIC_BANDWIDTH, "rate"), "KB/s", "suffix: bandwidth");
	tap_is_str(fr_grammar_attr_suffix(FR_TOXIC_LIMIT_DATA, "bytes"), "", "suffix: a byte count");
}

/* Checks the window forms. */
static void windows(void)
{
	const char *rest;
	const struct fr_window_form *f = fr_grammar_window("after-faults+10s", &rest);

	tap_ok(f && f->kind == FR_WINDOW_AFTER_FAULTS && strcmp(rest, "10s") == 0, "window: a prefix form");
	f = fr_grammar_window("no-fault", &rest);
	tap_ok(f && f->kind == FR_WINDOW_NO_FAULT, "window: a whole-text form");
	tap_ok(fr_grammar_window("runs", &rest) == NULL, "window: whole-text forms match exactly");
}

/* The risk scan: RISKY patterns with the offset of their group, then safe ones. */
static void regex_risks(void)
{
	static const struct {
		const char *pattern;
		long off; /* -1: not risky */
	} cases[] = {
	        {"(a|aa){1,16}z", 0},
	        {"(a+)+z", 0},
	        {"x(?:a*)*y", 1},
	        {"^(\\w+\\s?)*$", 1},
	        {"(?<n>[a-z]+,)+!", 0},
	        {"((ab)+c)+", 0},
	        {"\\((a|ab)*\\)", 2},
	        {"[(]((\\d+)|x)+", 3},
	        {"(a|aa){1,9}z", -1},
	        {"(a|b)+", -1},
	        {"(?>a+)+z", -1},
	        {"(a++)+z", -1},
	        {"(?:\\d{1,3}\\.){3}", -1},
	        {"\\Q(a+)+\\E", -1},
	        {"[(a+)+]", -1},
	        {"(?i)(ab|cd)*", -1},
	        {"(foo|bar)*baz", -1},
	        {"\"token\":\"([^\"]+)\"", -1},
	};
	struct fr_regex_info re;
	char name[128];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fr_syntax_regex(cases[i].pattern, &re);
		snprintf(name, sizeof name, "regex risk: %s is %s", cases[i].pattern,
		         cases[i].off < 0 ? "safe" : "risky at its group");
		tap_ok(re.ok && (cases[i].off < 0 ? !re.risky : re.risky && (long)re.risky_off == cases[i].off), name);
	}
}

/* Checks syntax.h and path.h. */
static void syntax_and_paths(void)
{
	struct fr_regex_info re;
	const char *why = NULL;
	int list = 0;
	char *s;

	fr_syntax_regex("(a)(?<id>b)", &re);
	tap_ok(re.ok && re.ngroups == 2 && !re.over_limit, "regex: groups counted");
	fr_syntax_regex("a(", &re);
	tap_ok(!re.ok && re.err_off == 2 && re.err[0], "regex: error with its offset");
	regex_risks();
	tap_ok(fr_syntax_json_path("$.a[*].b", &list) && list, "json path: [*] makes a list");
	tap_ok(!fr_syntax_json_path("$..a", &list), "json path: '..' is not supported");
	tap_is_int(fr_syntax_selector("http_seconds{job=\"api\",le!~\"x\"}", &why), -1, "selector: well formed");
	tap_is_int(fr_syntax_selector("x{job=api}", &why), 6, "selector: unquoted value at its offset");
	tap_is_str(why, "expected a quoted value", "  and what was expected");
	tap_ok(fr_syntax_ident("_a1", 3) && !fr_syntax_ident("1a", 2), "identifiers");
	tap_is_str(s = fr_path_resolve("plans/a/b.yaml", "../common/c.yaml"), "plans/common/c.yaml",
	           "path: relative to the file, normalised");
	free(s);
	tap_is_str(s = fr_path_resolve("b.yaml", "/etc/x.json"), "/etc/x.json", "path: absolute kept");
	free(s);
}

int main(void)
{
	table_holds_together();
	lookups();
	toxics();
	windows();
	syntax_and_paths();
	return tap_done();
}
