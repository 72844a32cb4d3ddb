/* fuzz-exporter.c: the metrics exporter's request parser (fr_exporter_route)
 * on any bytes, as its thread calls it after every read: on each prefix that
 * a read could end at (every byte, for short inputs) and on the whole input.
 */
#include "fuzz.h"
#include "observe/exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int head;

	for (size_t n = size < 256 ? 0 : size; n <= size; n++)
		fr_exporter_route((const char *)data, n, &head);
	return 0;
}
