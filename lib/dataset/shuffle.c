/* Epoch orders as PyTorch's DataLoader(shuffle=True) draws them: each iter(loader) takes
 * two 64-bit draws from the global generator, the iterator's base seed (for workers) and
 * then RandomSampler's seed, and the order is torch.randperm from a generator seeded with
 * the second. Any other DataLoader iterated in between (an evaluation pass) takes its base
 * seed, one 64-bit draw. The global generator is kept between calls, so the usual next
 * epoch costs one randperm; an earlier position (a resume, a rollback) replays the global
 * draws from the seed. */
#include "dataset.h"
#include "status_internal.h"
#include "torch_rng.h"

#include <stdlib.h>

struct lrs_shuffler {
    int n;
    uint64_t seed, skip;
    uint64_t drawn;       /* 32-bit draws the global generator has made */
    lrs_torch_rng global; /* torch's default generator */
    lrs_torch_rng epoch;  /* the sampler's own generator, reseeded every epoch */
    int32_t *order;
};

static void rewind_global(lrs_shuffler *sh)
{
    lrs_torch_rng_seed(&sh->global, sh->seed);
    lrs_torch_rng_skip(&sh->global, sh->skip);
    sh->drawn = sh->skip;
}

int lrs_shuffler_create(lrs_shuffler **out, int n, uint64_t seed, uint64_t skip)
{
    *out = NULL;
    if (n < 0) return lrs_fail(LRS_ERR_ARG, "shuffler: %d examples (expected >= 0)", n);
    lrs_shuffler *sh = malloc(sizeof *sh);
    int32_t *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    if (!sh || !order) {
        free(sh);
        free(order);
        return lrs_fail(LRS_ERR_NOMEM, "shuffler: out of memory for %d indices", n);
    }
    sh->n = n;
    sh->seed = seed;
    sh->skip = skip;
    sh->order = order;
    rewind_global(sh);
    *out = sh;
    return LRS_OK;
}

const int32_t *lrs_shuffler_epoch(lrs_shuffler *sh, uint64_t epoch, uint64_t other_passes)
{
    uint64_t at = sh->skip + 4 * epoch + 2 * other_passes + 2; /* past this epoch's base seed */
    if (at < sh->drawn) rewind_global(sh);
    lrs_torch_rng_skip(&sh->global, at - sh->drawn);
    /* int64 random_(): the 64-bit draw modulo 2^63; manual_seed keeps its low 32 bits. */
    uint64_t sampler_seed = lrs_torch_rng_u64(&sh->global) & INT64_MAX;
    sh->drawn = at + 2;
    lrs_torch_rng_seed(&sh->epoch, sampler_seed);
    lrs_torch_rng_randperm(&sh->epoch, sh->order, sh->n);
    return sh->order;
}

void lrs_shuffler_free(lrs_shuffler *sh)
{
    if (!sh) return;
    free(sh->order);
    free(sh);
}
