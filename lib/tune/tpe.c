/* A Tree-structured Parzen Estimator (Bergstra et al., 2011), parameter by parameter like
 * Optuna's default: the ended trials split into good (the best gamma share) and bad; each
 * range parameter gets Parzen densities l(x) over the good and g(x) over the bad (Gaussians
 * in log space for log ranges, truncated to the range, plus a wide prior), candidates are
 * drawn from l and the one with the largest l/g wins. Choices use smoothed counts. */
#include <stdlib.h>
#include <string.h>

#include "status_internal.h"
#include "tune_internal.h"

#define TPE_MAX 1024 /* trials a density is fitted on (the latest ones beyond) */

/* Best first: a trial that trained longer beats one stopped earlier, then the score. */
static int rank_cmp(const void *a, const void *b)
{
    const tune_history *x = *(const tune_history *const *)a, *y = *(const tune_history *const *)b;
    int xs = x->score == x->score, ys = y->score == y->score;
    if (xs != ys)
        return ys - xs;
    if (x->epochs != y->epochs)
        return x->epochs < y->epochs ? 1 : -1;
    if (xs && x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return 0;
}

/* A mixture of n truncated Gaussians on [lo, hi] plus the prior (mid-range, sigma = width). */
typedef struct {
    int n;
    double mu[TPE_MAX + 1], sigma[TPE_MAX + 1], mass[TPE_MAX + 1];
    double lo, hi;
} parzen;

static double cdf(double x, double mu, double sigma) { return 0.5 * erfc(-(x - mu) / (sigma * sqrt(2.0))); }

/* Optuna's bandwidth: the larger gap to a sorted neighbour, clipped to [width/min(100, n+1), width]. */
static void parzen_fit(parzen *pz, const double *c, int n, double lo, double hi)
{
    double width = hi - lo, sorted[TPE_MAX];
    memcpy(sorted, c, (size_t)n * sizeof *c);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    pz->lo = lo;
    pz->hi = hi;
    pz->n = n + 1;
    double min_sigma = width / (n + 1 < 100 ? n + 1 : 100);
    for (int i = 0; i < n; i++) {
        double left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i] - lo;
        double right = i + 1 < n ? sorted[i + 1] - sorted[i] : hi - sorted[i];
        double s = left > right ? left : right;
        pz->mu[i] = sorted[i];
        pz->sigma[i] = s < min_sigma ? min_sigma : s > width ? width : s;
    }
    pz->mu[n] = (lo + hi) / 2;
    pz->sigma[n] = width;
    for (int i = 0; i <= n; i++)
        pz->mass[i] = cdf(hi, pz->mu[i], pz->sigma[i]) - cdf(lo, pz->mu[i], pz->sigma[i]);
}

static double parzen_logpdf(const parzen *pz, double x)
{
    double sum = 0;
    for (int i = 0; i < pz->n; i++) {
        double z = (x - pz->mu[i]) / pz->sigma[i];
        sum += exp(-0.5 * z * z) / (pz->sigma[i] * 2.5066282746310002 * pz->mass[i]);
    }
    return log(sum / pz->n + 1e-300);
}

/* A draw from the mixture, truncated by rejection (falls back to clipping). */
static double parzen_sample(const parzen *pz, lrs_rng *r)
{
    int i = (int)(tune_uniform(r) * pz->n);
    for (int tries = 0; tries < 100; tries++) {
        double x = pz->mu[i] + pz->sigma[i] * tune_normal(r);
        if (x >= pz->lo && x <= pz->hi)
            return x;
    }
    return pz->mu[i];
}

/* Range parameter i: the candidate from l with the largest l/g. */
static double tpe_range(const tune_param *p, int i, const lrs_tune_options *o, tune_history *const *good, int n_good,
                        tune_history *const *bad, int n_bad, lrs_rng *r, parzen *l, parzen *g)
{
    double c[TPE_MAX], lo = tune_to_coord(p, p->lo), hi = tune_to_coord(p, p->hi);
    if (p->kind == LRS_PARAM_INT) {
        lo -= 0.5;
        hi += 0.5;
    }
    for (int k = 0; k < n_good; k++)
        c[k] = tune_to_coord(p, good[k]->point.x[i]);
    parzen_fit(l, c, n_good, lo, hi);
    for (int k = 0; k < n_bad; k++)
        c[k] = tune_to_coord(p, bad[k]->point.x[i]);
    parzen_fit(g, c, n_bad, lo, hi);
    double best = 0, best_ratio = -INFINITY;
    for (int k = 0; k < o->n_candidates; k++) {
        double x = parzen_sample(l, r), ratio = parzen_logpdf(l, x) - parzen_logpdf(g, x);
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = x;
        }
    }
    return tune_from_coord(p, best);
}

/* Choice parameter i: weights are counts + 1 (a flat prior); draw from l, keep max l/g. */
static double tpe_choice(const tune_param *p, int i, const lrs_tune_options *o, tune_history *const *good, int n_good,
                         tune_history *const *bad, int n_bad, lrs_rng *r)
{
    double wl[TUNE_MAX_CHOICES], wg[TUNE_MAX_CHOICES], sum_l = 0, sum_g = 0;
    for (int k = 0; k < p->n_choices; k++)
        wl[k] = wg[k] = 1;
    for (int k = 0; k < n_good; k++)
        wl[(int)good[k]->point.x[i]] += 1;
    for (int k = 0; k < n_bad; k++)
        wg[(int)bad[k]->point.x[i]] += 1;
    for (int k = 0; k < p->n_choices; k++) {
        sum_l += wl[k];
        sum_g += wg[k];
    }
    int best = 0;
    double best_ratio = -INFINITY;
    for (int c = 0; c < o->n_candidates; c++) {
        double u = tune_uniform(r) * sum_l;
        int k = 0;
        while (k + 1 < p->n_choices && (u -= wl[k]) >= 0)
            k++;
        double ratio = (wl[k] / sum_l) / (wg[k] / sum_g);
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = k;
        }
    }
    return best;
}

int tune_sample_tpe(const lrs_space *s, const lrs_tune_options *o, int n, const tune_history *hist, int n_hist,
                    lrs_point *out)
{
    if (n_hist < o->n_startup || n_hist < 2) {
        tune_sample_random(s, o->seed, n, out);
        return LRS_OK;
    }
    if (n_hist > TPE_MAX) {
        hist += n_hist - TPE_MAX;
        n_hist = TPE_MAX;
    }
    const tune_history **order = malloc((size_t)n_hist * sizeof *order);
    parzen *l = malloc(2 * sizeof *l);
    if (!order || !l) {
        free(order);
        free(l);
        return lrs_fail(LRS_ERR_NOMEM, "tpe: out of memory");
    }
    for (int k = 0; k < n_hist; k++)
        order[k] = &hist[k];
    qsort(order, (size_t)n_hist, sizeof *order, rank_cmp);
    int n_good = (int)ceil(o->gamma * n_hist);
    n_good = n_good < 1 ? 1 : n_good >= n_hist ? n_hist - 1 : n_good;
    tune_history *const *good = (tune_history *const *)order, *const *bad = good + n_good;
    lrs_rng r = lrs_rng_seed(o->seed, (uint64_t)n);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->n; i++) {
        const tune_param *p = &s->p[i];
        out->x[i] = p->kind == LRS_PARAM_CHOICE ? tpe_choice(p, i, o, good, n_good, bad, n_hist - n_good, &r)
                                                : tpe_range(p, i, o, good, n_good, bad, n_hist - n_good, &r, &l[0], &l[1]);
    }
    free(order);
    free(l);
    return LRS_OK;
}
