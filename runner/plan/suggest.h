/* suggest.h: "did you mean" — the closest of a few candidate words.
 *
 * A candidate is close when its Levenshtein distance to the word is at most
 * 2, or when one is a prefix of the other (2 characters at least); words
 * other tools use for ours (rps → rate) are suggested first. The checker
 * appends the suggestion to its message as " (did you mean 'X'?)".
 */
#ifndef FR_SUGGEST_H
#define FR_SUGGEST_H

#include <stddef.h>

/* How close CAND is to WORD: 0..2 (lower is closer), 3 when far. */
int fr_suggest_score(const char *word, const char *cand);

/* The closest of a NULL-terminated list of candidates, or NULL. */
const char *fr_suggest_word(const char *word, const char *const *cands);

/* Is WORD one of the NULL-terminated LIST? */
int fr_suggest_has(const char *const *list, const char *word);

/* " (did you mean 'BEST'?)" written into BUF, or "" when BEST is NULL. */
const char *fr_suggest_dym(char *buf, size_t size, const char *best);

#endif
