/* Epoch orders: Fisher-Yates over an index array allocated once. */
#include "dataset.h"
#include "rng.h"
#include "status_internal.h"

#include <stdlib.h>

struct lrs_shuffler {
    int n;
    uint64_t seed;
    int32_t *order;
};

int lrs_shuffler_create(lrs_shuffler **out, int n, uint64_t seed)
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
    sh->order = order;
    *out = sh;
    return LRS_OK;
}

/* Starts from the identity each time, so an epoch's order never depends on the ones before. */
const int32_t *lrs_shuffler_epoch(lrs_shuffler *sh, uint64_t epoch)
{
    lrs_rng rng = lrs_rng_seed(sh->seed, epoch);
    for (int i = 0; i < sh->n; i++) sh->order[i] = i;
    for (int i = sh->n - 1; i > 0; i--) {
        int j = (int)lrs_rng_below(&rng, (uint32_t)i + 1);
        int32_t t = sh->order[i];
        sh->order[i] = sh->order[j];
        sh->order[j] = t;
    }
    return sh->order;
}

void lrs_shuffler_free(lrs_shuffler *sh)
{
    if (!sh) return;
    free(sh->order);
    free(sh);
}
