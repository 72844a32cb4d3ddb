/* escape.c: the XML and Markdown spellings of one character (see escape.h). */
#include "util/escape.h"

/* C alone as a string in ONE. */
static const char *itself(unsigned char c, char one[2])
{
	one[0] = (char)c;
	one[1] = '\0';
	return one;
}

const char *fr_escape_xml(unsigned char c, char one[2])
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\n': return "&#10;";
	}
	return c >= 0x20 || c == '\t' ? itself(c, one) : "";
}

const char *fr_escape_md_cell(unsigned char c, char one[2])
{
	if (c == '|')
		return "\\|";
	return c == '\n' ? "" : itself(c, one);
}
