/* Random and grid samplers, the options' defaults, and ASHA's rungs and promotion rule. */
#include <string.h>

#include "status_internal.h"
#include "tune_internal.h"

void lrs_tune_options_init(lrs_tune_options *o)
{
    memset(o, 0, sizeof *o);
    o->sampler = LRS_SAMPLER_RANDOM;
    o->trials = 20;
    o->max_epochs = 1;
    o->grace = 1;
    o->eta = 3;
    o->grid_points = 3;
    o->n_startup = 10;
    o->n_candidates = 24;
    o->gamma = 0.25;
    o->prune_signs = 1;
    o->sign_penalty = 0.02;
}

static const char *const sampler_names[] = {"random", "grid", "tpe"};

const char *lrs_sampler_name(lrs_sampler_kind k)
{
    return (unsigned)k < 3 ? sampler_names[k] : "unknown";
}

int lrs_sampler_parse(const char *name, lrs_sampler_kind *out)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, sampler_names[k])) {
            *out = (lrs_sampler_kind)k;
            return LRS_OK;
        }
    return lrs_fail(LRS_ERR_ARG, "sampler '%s': expected random, grid or tpe", name);
}

/* One parameter drawn uniformly (in log space for log ranges). */
static double draw_param(const tune_param *p, lrs_rng *r)
{
    double u = tune_uniform(r);
    if (p->kind == LRS_PARAM_CHOICE)
        return (double)(int)(u * p->n_choices);
    if (p->kind == LRS_PARAM_INT)
        return p->lo + (double)(int64_t)(u * (p->hi - p->lo + 1));
    double lo = tune_to_coord(p, p->lo), hi = tune_to_coord(p, p->hi);
    return tune_from_coord(p, lo + u * (hi - lo));
}

void tune_sample_random(const lrs_space *s, uint64_t seed, int n, lrs_point *out)
{
    lrs_rng r = lrs_rng_seed(seed, (uint64_t)n);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->n; i++)
        out->x[i] = draw_param(&s->p[i], &r);
}

/* Points of parameter p in a grid: every choice, every integer up to `points`, else `points`. */
static int grid_count(const tune_param *p, int points)
{
    if (p->kind == LRS_PARAM_CHOICE)
        return p->n_choices;
    if (p->kind == LRS_PARAM_INT && p->hi - p->lo + 1 <= points)
        return (int)(p->hi - p->lo + 1);
    return points;
}

int tune_grid_size(const lrs_space *s, int points)
{
    int64_t size = 1;
    for (int i = 0; i < s->n && size <= INT32_MAX; i++)
        size *= grid_count(&s->p[i], points);
    return size > INT32_MAX ? INT32_MAX : (int)size;
}

/* Grid point n in mixed radix, the last parameter turning fastest; range ends included. */
int tune_sample_grid(const lrs_space *s, int points, int n, lrs_point *out)
{
    if (n >= tune_grid_size(s, points))
        return LRS_ERR_STOPPED;
    memset(out, 0, sizeof *out);
    for (int i = s->n - 1; i >= 0; i--) {
        const tune_param *p = &s->p[i];
        int count = grid_count(p, points), k = n % count;
        n /= count;
        if (p->kind == LRS_PARAM_CHOICE) {
            out->x[i] = k;
        } else {
            double lo = tune_to_coord(p, p->lo), hi = tune_to_coord(p, p->hi);
            out->x[i] = count == 1 ? tune_from_coord(p, (lo + hi) / 2) : tune_from_coord(p, lo + (hi - lo) * k / (count - 1));
        }
    }
    return LRS_OK;
}

double tune_rung_epoch(const lrs_tune_options *o, int k)
{
    return o->grace * pow(o->eta, k);
}

int tune_rung_of(const lrs_tune_options *o, double epoch)
{
    for (int k = 0; k < 64; k++) {
        double r = tune_rung_epoch(o, k);
        if (r >= o->max_epochs - 1e-9 || r > epoch + 1e-9)
            return -1;
        if (fabs(r - epoch) <= 1e-9 * (1 + r))
            return k;
    }
    return -1;
}

/* Optuna's SuccessiveHalvingPruner rule: with n scores at the rung, the best floor(n/eta)
 * go on; below eta scores, only the best so far does (ASHA cannot pause a trial to wait). */
int tune_asha_promotes(double score, const double *rung_scores, int n, double eta)
{
    int keep = (int)floor(n / eta);
    if (keep < 1)
        keep = 1;
    int better = 0;
    for (int i = 0; i < n; i++)
        if (rung_scores[i] > score)
            better++;
    return better < keep && score == score;
}
