/* fuzz.h: what every libFuzzer target of tests/fuzz shares.
 *
 * A target defines LLVMFuzzerTestOneInput and nothing else: built with
 * --enable-fuzzing (clang, -fsanitize=fuzzer,address,undefined) libFuzzer
 * drives it (`make fuzz`); in every other build standalone.c gives it a main
 * that runs the files it is given once each, so `make check` replays every
 * corpus file (tests/e2e/fuzz-corpus.sh) with whatever sanitizers the build
 * has. A target must free all it allocates for one input and must not write
 * to the input.
 */
#ifndef FR_FUZZ_H
#define FR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DATA as a NUL-terminated copy (caller frees). */
char *fuzz_str(const uint8_t *data, size_t size);

#endif
