/* Data set handles: name resolution, the one allocation, splits and the batch gather. */
#include "dataset_internal.h"
#include "torch_rng.h"
#include "status_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef LRS_SAMPLES_DIR
#define LRS_SAMPLES_DIR ""
#endif
#ifndef LRS_SAMPLES_INSTALL_DIR
#define LRS_SAMPLES_INSTALL_DIR ""
#endif
#define LRS_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first of the candidate sample roots that has a fashion-mnist/ folder. */
static int find_sample_dir(char *out, size_t n, const lrs_dataset_options *opts)
{
    const char *roots[] = { opts ? opts->samples_dir : NULL, getenv("LRSCOPE_SAMPLES"),
                            LRS_SAMPLES_INSTALL_DIR, LRS_SAMPLES_DIR };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        if (!roots[i] || !roots[i][0]) continue;
        snprintf(out, n, "%s/fashion-mnist", roots[i]);
        if (is_dir(out)) return LRS_OK;
    }
    return lrs_fail(LRS_ERR_NOTFOUND,
                    "sample: no fashion-mnist/ folder under $LRSCOPE_SAMPLES, %s or %s "
                    "(expected the embedded sample's IDX files)",
                    LRS_SAMPLES_INSTALL_DIR, LRS_SAMPLES_DIR);
}

static int load(lrs_dataset *ds, const char *name, const lrs_dataset_options *opts)
{
    char dir[PATH_MAX];
    int declared = opts ? opts->classes : 0;
    if (declared < 0 || declared > LRS_DATASET_MAX_CLASSES)
        return lrs_fail(LRS_ERR_ARG, "dataset: %d classes declared (expected 1..%d, or 0 to infer)",
                        declared, LRS_DATASET_MAX_CLASSES);
    if (strcmp(name, "sample") == 0) {
        int rc = find_sample_dir(dir, sizeof dir, opts);
        return rc ? rc : lrs_idx_load_dir(ds, dir, declared);
    }
    if (strcmp(name, "fashion-mnist") == 0) {
        const char *env = getenv("LRSCOPE_DATA");
        snprintf(dir, sizeof dir, "%s", env && env[0] ? env : LRS_FASHION_MNIST_DIR);
        return lrs_idx_load_dir(ds, dir, declared);
    }
    struct stat st;
    if (stat(name, &st) != 0)
        return lrs_fail(LRS_ERR_NOTFOUND, "%s: %s (expected \"sample\", \"fashion-mnist\", "
                        "a folder of IDX files or a CSV file)", name, strerror(errno));
    return S_ISDIR(st.st_mode) ? lrs_idx_load_dir(ds, name, declared)
                               : lrs_csv_load(ds, name, declared);
}

int lrs_dataset_open(lrs_dataset **out, const char *name, const lrs_dataset_options *opts)
{
    *out = NULL;
    if (!name || !name[0]) return lrs_fail(LRS_ERR_ARG, "dataset: empty name");
    lrs_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return lrs_fail(LRS_ERR_NOMEM, "dataset: out of memory");
    int rc = load(ds, name, opts);
    if (rc == LRS_OK && opts && opts->classes) ds->classes = opts->classes;
    if (rc == LRS_OK && ds->n_train == 0)
        rc = lrs_fail(LRS_ERR_FORMAT, "%s: no training examples", ds->source);
    if (rc != LRS_OK) {
        lrs_dataset_close(ds);
        return rc;
    }
    *out = ds;
    return LRS_OK;
}

void lrs_dataset_close(lrs_dataset *ds)
{
    if (!ds) return;
    free(ds->block);
    free(ds);
}

int lrs_dataset_alloc(lrs_dataset *ds, long n_total, long features)
{
    if (n_total < 0 || n_total > LRS_DATASET_MAX_ROWS || features < 1 || features > LRS_DATASET_MAX_FEATURES)
        return lrs_fail(LRS_ERR_FORMAT, "%s: %ld examples of %ld features is out of range",
                        ds->source, n_total, features);
    size_t nx = (size_t)n_total * (size_t)features;
    free(ds->block);
    ds->block = malloc(nx * sizeof(float) + (size_t)n_total * sizeof(int32_t) + 1);
    if (!ds->block) return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory for %zu values", ds->source, nx);
    ds->x = ds->block;
    ds->y = (int32_t *)(ds->x + nx);
    ds->features = (int)features;
    return LRS_OK;
}

int lrs_dataset_take_label(lrs_dataset *ds, long label, int declared, const char *where)
{
    long limit = declared ? declared : LRS_DATASET_MAX_CLASSES;
    if (label < 0 || label >= limit)
        return lrs_fail(LRS_ERR_FORMAT, "%s: label %ld is out of range (expected 0..%ld%s)", where,
                        label, limit - 1, declared ? ", the declared classes" : "");
    if (label >= ds->classes) ds->classes = (int)label + 1;
    return LRS_OK;
}

int lrs_dataset_features(const lrs_dataset *ds) { return ds->features; }
int lrs_dataset_classes(const lrs_dataset *ds) { return ds->classes; }
const char *lrs_dataset_source(const lrs_dataset *ds) { return ds->source; }

lrs_split lrs_dataset_split(const lrs_dataset *ds, enum lrs_split_kind kind)
{
    int first = 0, n = ds->n_train;
    if (kind == LRS_SPLIT_VAL) first = ds->n_train, n = ds->n_val;
    if (kind == LRS_SPLIT_TEST) first = ds->n_train + ds->n_val, n = ds->n_test;
    lrs_split s = { ds->x + (size_t)first * ds->features, ds->y + first, n, ds->features };
    return s;
}

void lrs_split_gather(const lrs_split *s, const int32_t *idx, int count, float *x_out, int32_t *y_out)
{
    size_t f = (size_t)s->features;
    for (int i = 0; i < count; i++) {
        memcpy(x_out + (size_t)i * f, s->x + (size_t)idx[i] * f, f * sizeof(float));
        if (y_out) y_out[i] = s->y[idx[i]];
    }
}

/* As torch.utils.data.random_split(train, [n - n_val, n_val],
 * generator=torch.Generator().manual_seed(seed)): one permutation, its head the training
 * rows and its tail the validation rows, both in permutation order. */
int lrs_dataset_val_split(lrs_dataset *ds, double fraction, uint64_t seed)
{
    if (!(fraction >= 0 && fraction < 1))
        return lrs_fail(LRS_ERR_ARG, "val_split %g: expected a fraction in [0, 1)", fraction);
    if (ds->n_val)
        return lrs_fail(LRS_ERR_ARG, "%s: the validation split was already carved", ds->source);
    int n = ds->n_train, n_val = (int)(fraction * n + 0.5);
    if (n_val == 0) return LRS_OK;
    if (n_val >= n)
        return lrs_fail(LRS_ERR_ARG, "val_split %g leaves no training examples out of %d", fraction, n);
    int32_t *perm = malloc((size_t)n * sizeof *perm);
    void *old_block = ds->block;
    lrs_split all = lrs_dataset_split(ds, LRS_SPLIT_TRAIN);
    all.n = n + ds->n_test;
    ds->block = NULL;
    int rc = perm ? lrs_dataset_alloc(ds, all.n, ds->features) : lrs_fail(LRS_ERR_NOMEM, "val_split: out of memory");
    if (rc == LRS_OK) {
        lrs_torch_rng g;
        lrs_torch_rng_seed(&g, seed);
        lrs_torch_rng_randperm(&g, perm, n);
        lrs_split_gather(&all, perm, n, ds->x, ds->y);
        size_t f = (size_t)ds->features, nt = (size_t)ds->n_test;
        memcpy(ds->x + (size_t)n * f, all.x + (size_t)n * f, nt * f * sizeof(float));
        memcpy(ds->y + n, all.y + n, nt * sizeof(int32_t));
        ds->n_train = n - n_val;
        ds->n_val = n_val;
        free(old_block);
    } else {
        free(ds->block);
        ds->block = old_block;
        ds->x = old_block;
        ds->y = (int32_t *)(ds->x + (size_t)all.n * ds->features);
    }
    free(perm);
    return rc;
}
