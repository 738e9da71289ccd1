/* PyTorch's vector exp and log: its AVX2 kernels (log_softmax and its backward) call Sleef's
 * 8-wide, 1-ulp functions, whose results differ from libm's expf/logf in the last bit now and
 * then. This file alone is compiled for AVX2 + FMA; layers.c calls it only where the CPU has
 * both (see layers.h). */
#include "layers.h"

#include <sleef.h>
#include <string.h>

/* Applies f to x [n] 8 lanes at a time; a short tail goes through a zero-padded vector. */
#define LANEWISE(f, x, n)                                                \
    do {                                                                 \
        int i = 0;                                                       \
        for (; i + 8 <= (n); i += 8)                                     \
            _mm256_storeu_ps((x) + i, f(_mm256_loadu_ps((x) + i)));      \
        if (i < (n)) {                                                   \
            float tail[8] = {0};                                         \
            memcpy(tail, (x) + i, (size_t)((n) - i) * sizeof *tail);     \
            _mm256_storeu_ps(tail, f(_mm256_loadu_ps(tail)));            \
            memcpy((x) + i, tail, (size_t)((n) - i) * sizeof *tail);     \
        }                                                                \
    } while (0)

void torch_vec_exp(float *x, int n) { LANEWISE(Sleef_expf8_u10, x, n); }
void torch_vec_log(float *x, int n) { LANEWISE(Sleef_logf8_u10, x, n); }
