/* Histograms of raw values the way TensorBoard writers bucket them (bins='tensorflow'). */
#include <math.h>
#include <pthread.h>

#include "histogram_internal.h"
#include "status_internal.h"

static double edges[HISTOGRAM_MAX_BUCKETS];
static size_t n_edges;
static pthread_once_t edges_once = PTHREAD_ONCE_INIT;

static void edges_init(void)
{
    double positive[HISTOGRAM_MAX_BUCKETS / 2];
    size_t k = 0;
    for (double v = 1e-12; v < 1e20; v *= 1.1)
        positive[k++] = v;
    for (size_t i = k; i-- > 0;)
        edges[n_edges++] = -positive[i];
    edges[n_edges++] = 0.0;
    for (size_t i = 0; i < k; i++)
        edges[n_edges++] = positive[i];
}

const double *histogram_default_edges(size_t *n)
{
    pthread_once(&edges_once, edges_init);
    *n = n_edges;
    return edges;
}

/* numpy.histogram's bin of x: [e[i], e[i+1]), the last bin closed on the right. */
static size_t bin_of(double x, size_t n_bins)
{
    size_t lo = 0, hi = n_edges; /* first edge > x lies in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (edges[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == 0)
        return 0;
    return lo - 1 < n_bins ? lo - 1 : n_bins - 1;
}

int histogram_from_values(const double *values, size_t n, double *limits, double *counts,
                          lrs_histogram *h, const char *what)
{
    if (n == 0)
        return lrs_fail(LRS_ERR_ARG, "%s: a histogram needs at least one value", what);
    pthread_once(&edges_once, edges_init);
    size_t n_bins = n_edges - 1;
    double bins[HISTOGRAM_MAX_BUCKETS] = {0};
    double min = values[0], max = values[0], sum = 0, sum_squares = 0;
    for (size_t i = 0; i < n; i++) {
        double x = values[i];
        if (!isfinite(x))
            return lrs_fail(LRS_ERR_NUMERIC, "%s: value %zu is %g: a histogram needs finite values",
                            what, i, x);
        min = x < min ? x : min;
        max = x > max ? x : max;
        sum += x;
        sum_squares += x * x;
        bins[bin_of(x, n_bins)] += 1;
    }
    size_t first = 0, last = n_bins - 1;
    while (bins[first] == 0)
        first++;
    while (bins[last] == 0)
        last--;
    /* TensorBoard stores right edges only: start one empty bucket early so the left edge
     * of the first non-empty bucket is kept too. */
    size_t k = last - first + 2;
    for (size_t j = 0; j < k; j++) {
        limits[j] = edges[first + j];
        counts[j] = first + j >= 1 ? bins[first + j - 1] : 0;
    }
    *h = (lrs_histogram){.min = min, .max = max, .num = (double)n, .sum = sum,
                         .sum_squares = sum_squares, .bucket_limit = limits,
                         .bucket = counts, .n_buckets = k};
    return LRS_OK;
}
