/* The tuner's random number generator (internal): splitmix64 (Steele, Lea & Flood 2014,
 * as used to seed xoshiro). 64 bits of state, so a seed fully determines every draw and a
 * stream can be restarted from (seed, stream id) without storing anything: trial n's
 * sample is drawn from stream n. (Weights and data order use PyTorch's own generator,
 * lib/dataset/torch_rng.h, to match PyTorch runs.) */
#ifndef LRSCOPE_RNG_H
#define LRSCOPE_RNG_H

#include <stdint.h>

typedef struct { uint64_t state; } lrs_rng;

/* A generator for stream `stream` of `seed`: distinct streams of one seed are unrelated. */
static inline lrs_rng lrs_rng_seed(uint64_t seed, uint64_t stream)
{
    lrs_rng r = { seed ^ (stream * 0xD1B54A32D192ED03ull) };
    return r;
}

static inline uint64_t lrs_rng_u64(lrs_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
