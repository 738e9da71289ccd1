/* What the benchmarks share: a monotonic clock and a one-line failure. */
#ifndef LRS_BENCH_H
#define LRS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "status.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* "<bench>: <what>: <lrscope's error detail>" on stderr, exit 1. */
static inline void bench_die(const char *bench, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", bench, what, lrs_errmsg());
    exit(1);
}

#endif
