/* fuzz.h: what the libFuzzer harnesses share.  Each harness is one file with
 * LLVMFuzzerTestOneInput; `make fuzz` builds it with clang's libFuzzer, ASan and UBSan. */
#ifndef PORTAL_FUZZ_H
#define PORTAL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promises was broken: report and crash, so that
 * libFuzzer keeps the input as a crash file. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif
