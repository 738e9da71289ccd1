/* Inside lib/dataset: the data set's layout and the loaders' shared helpers. */
#ifndef LRSCOPE_DATASET_INTERNAL_H
#define LRSCOPE_DATASET_INTERNAL_H

#include "dataset.h"

#include <limits.h>

/* Rows are stored train, then val, then test, in one allocation `block` that holds
 * x [n_total, features] followed by y [n_total]. */
struct lrs_dataset {
    char source[PATH_MAX];
    int features;
    int classes;
    int n_train, n_val, n_test;
    void *block;
    float *x;
    int32_t *y;
};

/* Sizes beyond these are rejected as corrupt rather than tried. */
#define LRS_DATASET_MAX_ROWS 100000000
#define LRS_DATASET_MAX_FEATURES 10000000

/* Allocates ds->block for n_total rows of `features` and points x and y into it. */
int lrs_dataset_alloc(lrs_dataset *ds, long n_total, long features);

/* Checks one label against the declared class count (0: the cap of 1000) and raises
 * ds->classes to cover it. `where` names the file and item for the message. */
int lrs_dataset_take_label(lrs_dataset *ds, long label, int declared, const char *where);

/* Loaders: fill ds (source, features, counts, block, classes) from a folder of IDX files
 * or from a CSV file. */
int lrs_idx_load_dir(lrs_dataset *ds, const char *dir, int declared_classes);
int lrs_csv_load(lrs_dataset *ds, const char *path, int declared_classes);

#endif
