/* lib/tune internals: the space's layout, the samplers and ASHA's rule (exposed to the tests). */
#ifndef LRSCOPE_TUNE_INTERNAL_H
#define LRSCOPE_TUNE_INTERNAL_H

#include <math.h>

#include "rng.h"
#include "tune.h"

#define TUNE_MAX_CHOICES 32

typedef struct tune_param {
    char name[32];
    lrs_param_kind kind;
    double lo, hi;                        /* ranges */
    int n_choices;
    char *choices[TUNE_MAX_CHOICES];      /* point into the space's text */
} tune_param;

struct lrs_space {
    int n;
    tune_param p[LRS_SPACE_MAX_PARAMS];
    char *text; /* the parsed copy that choices point into */
};

/* Uniform in [0, 1) with 53 bits; standard normal (Box-Muller). */
static inline double tune_uniform(lrs_rng *r) { return (double)(lrs_rng_u64(r) >> 11) * 0x1.0p-53; }
static inline double tune_normal(lrs_rng *r)
{
    double u = 1.0 - tune_uniform(r), v = tune_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A range parameter's coordinate where the samplers work (log10 for log ranges), and back
 * (rounded to what the parameter can hold: 6 significant digits, or an integer). */
double tune_to_coord(const tune_param *p, double x);
double tune_from_coord(const tune_param *p, double c);
double tune_round6(double x);

/* What a sampler knows of one ended trial. Rank orders trials best first. */
typedef struct tune_history {
    lrs_point point;
    double epochs; /* how far it went: trials stopped early rank below longer ones */
    double score;  /* NaN when it never reported */
} tune_history;

/* Trial n's point. Random and TPE draw from stream n of seed, so a trial's point depends
 * only on (seed, n, the trials that ended before it): a resumed study repeats it. */
void tune_sample_random(const lrs_space *s, uint64_t seed, int n, lrs_point *out);
/* 0, or LRS_ERR_STOPPED when n is past the end of the grid. */
int tune_sample_grid(const lrs_space *s, int points, int n, lrs_point *out);
int tune_grid_size(const lrs_space *s, int points);
/* hist: the ended trials, any order; n_hist below o->n_startup gives a random point. */
int tune_sample_tpe(const lrs_space *s, const lrs_tune_options *o, int n,
                    const tune_history *hist, int n_hist, lrs_point *out);

/* ASHA's rung k epoch (grace x eta^k), and whether `epoch` is one (below max_epochs). */
double tune_rung_epoch(const lrs_tune_options *o, int k);
int tune_rung_of(const lrs_tune_options *o, double epoch);
/* Whether `score` goes on past its rung given every score recorded at that rung (itself
 * included): it must be among the best len/eta (the best one while len < eta). */
int tune_asha_promotes(double score, const double *rung_scores, int n, double eta);

#endif
