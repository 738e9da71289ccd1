/* PyTorch's CPU random number generator (internal): the mt19937 that torch.manual_seed(seed)
 * seeds, and the two ways lrscope draws from it as torch does, so that `--seed S` gives
 * exactly the initial weights of `torch.manual_seed(S)` followed by building the model with
 * nn.Linear layers, and exactly the batches of a DataLoader(shuffle=True) iterated after
 * that. A user can then hold a PyTorch run and an lrscope run side by side, step by step.
 * (ATen: core/MT19937RNGEngine.h, core/TransformationHelper.h, native/TensorFactories.cpp.) */
#ifndef LRSCOPE_TORCH_RNG_H
#define LRSCOPE_TORCH_RNG_H

#include <stdint.h>

#define LRS_TORCH_RNG_WORDS 624

typedef struct {
    uint32_t state[LRS_TORCH_RNG_WORDS];
    int next; /* index of the next state word to temper; WORDS: time to regenerate */
} lrs_torch_rng;

/* As torch.Generator.manual_seed(seed): only the low 32 bits of the seed count. */
void lrs_torch_rng_seed(lrs_torch_rng *g, uint64_t seed);
/* generator->random(): the next 32-bit output. */
uint32_t lrs_torch_rng_u32(lrs_torch_rng *g);
/* generator->random64(): two outputs, the first one the high half. */
uint64_t lrs_torch_rng_u64(lrs_torch_rng *g);
/* Throws away the next n 32-bit outputs. */
void lrs_torch_rng_skip(lrs_torch_rng *g, uint64_t n);
/* tensor.uniform_(from, to) for one float32 element: 24 random bits scaled into [from, to). */
float lrs_torch_rng_uniform(lrs_torch_rng *g, float from, float to);
/* torch.randperm(n, generator=g) into out[0..n). */
void lrs_torch_rng_randperm(lrs_torch_rng *g, int32_t *out, int n);

#endif
