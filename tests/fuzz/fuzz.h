/*
** fuzz.h -- what every fuzz target of tests/fuzz/ shares: the libFuzzer
** entry points (declared here so that the targets build warning-free
** with -Wmissing-prototypes) and FUZZ_CHECK for the documented contracts
** a target verifies beyond "no crash".
**
** A target is built two ways: with clang -fsanitize=fuzzer into
** build/fuzz/ (`make fuzz`, tests/fuzz/run.sh), and with replay.c into
** $(BUILD)/tests/test_fuzz_<name>, which replays the saved corpus
** tests/fuzz/corpus/<name>/ inside `make check`.
*/
#ifndef DP_FUZZ_H
#define DP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "depeche.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time set-up (libFuzzer calls it when it is defined;
** replay.c too, before the first input). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken contract is a finding like a crash: say which and abort. */
#define FUZZ_CHECK(cond)                                                 \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__,    \
                    __LINE__, #cond);                                    \
            abort();                                                     \
        }                                                                \
    } while (0)

/* Read every byte of a borrowed slice, so that ASan checks that it
** points at live memory; returns a sum nobody uses. */
static inline unsigned fuzz_touch(dp_slice s)
{
    unsigned sum = 0;
    FUZZ_CHECK(s.n == 0 || s.p != NULL);
    for (size_t i = 0; i < s.n; i++)
        sum += (unsigned char)s.p[i];
    return sum;
}

#endif /* DP_FUZZ_H */
