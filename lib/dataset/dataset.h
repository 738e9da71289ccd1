/* lrscope data sets: Fashion-MNIST (IDX files), the embedded sample, or a CSV, held in
 * memory as float32 features and int32 labels, with a seeded shuffler and a batch gather
 * for training loops that allocate nothing per step.
 *
 *   lrs_dataset *ds;
 *   if (lrs_dataset_open(&ds, "sample", NULL) != LRS_OK) { puts(lrs_errmsg()); ... }
 *   lrs_dataset_val_split(ds, 0.1, seed);             // optional: carve validation off train
 *   lrs_split train = lrs_dataset_split(ds, LRS_SPLIT_TRAIN);
 *   lrs_shuffler *sh; lrs_shuffler_create(&sh, train.n, seed, lrs_mlp_num_params(model));
 *   for (epoch...) {
 *       const int32_t *order = lrs_shuffler_epoch(sh, epoch, 0);  // 0: no evaluations yet
 *       for (int i = 0; i < train.n; i += B)
 *           lrs_split_gather(&train, order + i, min(B, train.n - i), xbuf, ybuf);
 *   }
 *
 * Names lrs_dataset_open() understands:
 *   "sample"         the embedded subset (4,000 train + 1,000 test, class-balanced) of
 *                    Fashion-MNIST, looked for in <dir>/fashion-mnist for each dir of:
 *                    opts->samples_dir, $LRSCOPE_SAMPLES, the installed share/lrscope/samples,
 *                    the source tree's samples/ (first that has the files wins).
 *   "fashion-mnist"  the full set from $LRSCOPE_DATA, else /usr/share/datasets/fashion-mnist
 *                    (Debian's dataset-fashion-mnist).
 *   a folder         IDX files *train-images-idx3-ubyte[.gz], *train-labels-idx1-ubyte[.gz],
 *                    and optionally *t10k-… or *test-… for the test set.
 *   a file           CSV: a header row; the label column is the one named "label", else the
 *                    first; every other column a feature; finite numbers only. No test set.
 * IDX pixels are scaled to [0,1] (x/255); CSV features are taken as they are. */
#ifndef LRSCOPE_DATASET_H
#define LRSCOPE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LRS_DATASET_MAX_CLASSES 1000

typedef struct lrs_dataset lrs_dataset;

typedef struct lrs_dataset_options {
    int classes;             /* declared number of classes; 0 = max label + 1 (at most 1000) */
    const char *samples_dir; /* first place to look for "sample" (NULL: skip) */
} lrs_dataset_options;

enum lrs_split_kind { LRS_SPLIT_TRAIN, LRS_SPLIT_VAL, LRS_SPLIT_TEST };

/* A view of n examples, rows contiguous: x is [n, features] row-major, y is [n] in
 * [0, classes). Valid while the data set is open and until the next val_split. */
typedef struct lrs_split {
    const float *x;
    const int32_t *y;
    int n;
    int features;
} lrs_split;

/* Load a data set by name (see above). opts may be NULL. On failure *out is NULL and
 * lrs_errmsg() names the file and what was expected. */
int lrs_dataset_open(lrs_dataset **out, const char *name, const lrs_dataset_options *opts);
void lrs_dataset_close(lrs_dataset *ds);

int lrs_dataset_features(const lrs_dataset *ds);
int lrs_dataset_classes(const lrs_dataset *ds);
/* Where the data came from: the folder or CSV file that was read. */
const char *lrs_dataset_source(const lrs_dataset *ds);

lrs_split lrs_dataset_split(const lrs_dataset *ds, enum lrs_split_kind kind);

/* Moves round(fraction * n_train) examples of the training set, chosen by a seeded
 * permutation, into the validation split (0 <= fraction < 1; once per data set: a second
 * call fails): the split PyTorch's random_split(train, [n - n_val, n_val],
 * generator=torch.Generator().manual_seed(seed)) makes, rows in its order. */
int lrs_dataset_val_split(lrs_dataset *ds, double fraction, uint64_t seed);

/* Copies rows idx[0..count) of split s into x_out [count, features] and y_out [count]
 * (y_out may be NULL). No checks: idx comes from a shuffler over s.n. */
void lrs_split_gather(const lrs_split *s, const int32_t *idx, int count, float *x_out, int32_t *y_out);

/* Epoch orders over n examples, as PyTorch's DataLoader(shuffle=True) makes them after
 * torch.manual_seed(seed) and `skip` draws from the global generator (building a model
 * draws one per parameter: pass lrs_mlp_num_params, or 0 when nothing was built). Epoch e's
 * order depends only on (seed, skip, e, other_passes), so resuming at an epoch needs nothing
 * stored. Memory is allocated once, at create. */
typedef struct lrs_shuffler lrs_shuffler;
int lrs_shuffler_create(lrs_shuffler **out, int n, uint64_t seed, uint64_t skip);
/* The order for epoch `epoch` when other_passes iterations of other DataLoaders (the
 * evaluations, say) came before it since the start: each draws from the same global
 * generator. n indices, owned by the shuffler, valid until the next call. */
const int32_t *lrs_shuffler_epoch(lrs_shuffler *sh, uint64_t epoch, uint64_t other_passes);
void lrs_shuffler_free(lrs_shuffler *sh);

#ifdef __cplusplus
}
#endif
#endif
