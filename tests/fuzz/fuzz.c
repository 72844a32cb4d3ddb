/* fuzz.c: helpers of the fuzz targets (see fuzz.h). */
#include <string.h>

#include "fuzz.h"
#include "util/xmalloc.h"

/* A copy with a NUL: most parsers under test take C strings. */
char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
