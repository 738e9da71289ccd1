/* mt19937 (Matsumoto & Nishimura 1998) and the draws PyTorch makes from it. */
#include "torch_rng.h"

#include <math.h>

#define MIDDLE 397
#define MATRIX_A 0x9908b0dfu
#define UPPER 0x80000000u
#define LOWER 0x7fffffffu

void lrs_torch_rng_seed(lrs_torch_rng *g, uint64_t seed)
{
    g->state[0] = (uint32_t)seed;
    for (uint32_t i = 1; i < LRS_TORCH_RNG_WORDS; i++)
        g->state[i] = 1812433253u * (g->state[i - 1] ^ (g->state[i - 1] >> 30)) + i;
    g->next = LRS_TORCH_RNG_WORDS;
}

static void regenerate(lrs_torch_rng *g)
{
    uint32_t *s = g->state;
    for (int i = 0; i < LRS_TORCH_RNG_WORDS; i++) {
        uint32_t y = (s[i] & UPPER) | (s[(i + 1) % LRS_TORCH_RNG_WORDS] & LOWER);
        s[i] = s[(i + MIDDLE) % LRS_TORCH_RNG_WORDS] ^ (y >> 1) ^ ((y & 1u) ? MATRIX_A : 0u);
    }
    g->next = 0;
}

uint32_t lrs_torch_rng_u32(lrs_torch_rng *g)
{
    if (g->next >= LRS_TORCH_RNG_WORDS) regenerate(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

uint64_t lrs_torch_rng_u64(lrs_torch_rng *g)
{
    uint64_t hi = lrs_torch_rng_u32(g);
    return hi << 32 | lrs_torch_rng_u32(g);
}

/* Whole state blocks are regenerated without tempering the words nobody reads. */
void lrs_torch_rng_skip(lrs_torch_rng *g, uint64_t n)
{
    while (n > 0) {
        if (g->next >= LRS_TORCH_RNG_WORDS) regenerate(g);
        uint64_t left = (uint64_t)(LRS_TORCH_RNG_WORDS - g->next);
        uint64_t take = n < left ? n : left;
        g->next += (int)take;
        n -= take;
    }
}

/* x * (to - from) + from with one rounding: torch's AVX2 kernel contracts it to an FMA
 * (two roundings would differ from torch's weights in about half the elements). */
float lrs_torch_rng_uniform(lrs_torch_rng *g, float from, float to)
{
    float x = (float)(lrs_torch_rng_u32(g) & 0xffffffu) * 0x1.0p-24f;
    return fmaf(x, to - from, from);
}

/* torch's CPU randperm: a forward Fisher-Yates, each swap partner drawn as random() % (n-i). */
void lrs_torch_rng_randperm(lrs_torch_rng *g, int32_t *out, int n)
{
    for (int i = 0; i < n; i++) out[i] = i;
    for (int i = 0; i < n - 1; i++) {
        int z = (int)(lrs_torch_rng_u32(g) % (uint32_t)(n - i));
        int32_t t = out[i];
        out[i] = out[z + i];
        out[z + i] = t;
    }
}
