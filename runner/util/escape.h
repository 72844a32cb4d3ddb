/* escape.h: how the XML and Markdown writers spell one character.
 *
 * The JUnit writer escapes XML's special characters (attribute-safe) and
 * drops the control characters XML 1.0 cannot hold; the Markdown writer
 * escapes '|' in table cells and drops newlines. The redaction registry
 * (redact.h) must recognise a secret exactly as those writers spell it, so
 * both take the spelling from here rather than keep copies that could drift.
 */
#ifndef FR_ESCAPE_H
#define FR_ESCAPE_H

/* C as XML text or an attribute value: an entity, C itself (in ONE), or ""
 * for a control character XML cannot hold. */
const char *fr_escape_xml(unsigned char c, char one[2]);

/* C inside a Markdown table cell: "\\|" for '|', "" for a newline, else C
 * itself (in ONE). */
const char *fr_escape_md_cell(unsigned char c, char one[2]);

#endif
