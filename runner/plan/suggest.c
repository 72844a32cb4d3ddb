/* suggest.c: the closest candidate to a misspelt word (see suggest.h). */
#include "plan/suggest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plan/grammar.h"

/* Levenshtein distance of A and B, capped at 3 (anything farther is "far"). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[65], prev[65];

	if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int del = prev[j] + 1, ins = row[j - 1] + 1, sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			row[j] = del < ins ? del : ins;
			if (sub < row[j])
				row[j] = sub;
		}
		memcpy(prev, row, (lb + 1) * sizeof *row);
	}
	return prev[lb] > 3 ? 3 : prev[lb];
}

/* Case-insensitive equality is 0: "get" for "GET" is the best there is. */
int fr_suggest_score(const char *word, const char *cand)
{
	int d = strcasecmp(word, cand) == 0 ? 0 : distance(word, cand);
	size_t lw = strlen(word), lc = strlen(cand);

	if (d <= 2)
		return d;
	if (lw >= 2 && lc >= 2 && (strncmp(word, cand, lw < lc ? lw : lc) == 0))
		return 2;
	return 3;
}

/* Returns its buffer so that a call fits in a printf argument list. */
const char *fr_suggest_dym(char *buf, size_t size, const char *best)
{
	if (!best)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", best);
	return buf;
}

/* Exact and case-sensitive, unlike the scores. */
int fr_suggest_has(const char *const *list, const char *key)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

/* The first of equally close candidates wins: lists are in order of preference. */
const char *fr_suggest_word(const char *word, const char *const *cands)
{
	const char *best = NULL;
	int bs = 3;

	for (size_t i = 0; fr_grammar_synonyms[i][0]; i++)
		if (strcmp(word, fr_grammar_synonyms[i][0]) == 0 && fr_suggest_has(cands, fr_grammar_synonyms[i][1]))
			return fr_grammar_synonyms[i][1];

	for (size_t i = 0; cands[i]; i++) {
		int s = fr_suggest_score(word, cands[i]);
		if (s < bs)
			bs = s, best = cands[i];
	}
	return best;
}
