/* For the writer and tests: TensorBoard's default histogram bucketing. */
#ifndef LRSCOPE_HISTOGRAM_INTERNAL_H
#define LRSCOPE_HISTOGRAM_INTERNAL_H

#include <stddef.h>

#include "tfevents.h"

/* More than the 1549 default edges. */
enum { HISTOGRAM_MAX_BUCKETS = 1600 };

/* The default bucket edges, increasing: -e[k]..-e[0], 0, e[0]..e[k] with e[0] = 1e-12,
 * e[i+1] = e[i] * 1.1 while below 1e20 (the same doubles Python computes). */
const double *histogram_default_edges(size_t *n_edges);

/* Buckets n finite values as torch/tensorboardX's bins='tensorflow' does (numpy.histogram
 * over the default edges, trimmed to the buckets from one before the first non-empty to
 * the last non-empty one). Values beyond the outermost edges (|x| > ~1e20) count in the
 * outermost buckets. limits and counts need HISTOGRAM_MAX_BUCKETS entries; h points at
 * them. what names the data in messages. */
int histogram_from_values(const double *values, size_t n, double *limits, double *counts,
                          lrs_histogram *h, const char *what);

#endif
