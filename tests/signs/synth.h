/* Synthetic training curves with known signs, for the detector tests.
 *
 * A healthy loss follows a simple model of SGD: progress accumulates with
 * sqrt(LR / peak) (a lower LR still learns, more slowly), and the loss carries an
 * excess proportional to the LR (the "noise ball" that annealing removes), so
 * warm-up, one-cycle and step schedules bend the curve the way real runs do:
 *
 *   loss(t) = 0.2 + 1.95 exp(-4.2 P(t)/P(T)) + 0.15 lr(t)/peak,  P(t) = sum sqrt(lr/peak)
 *
 * times multiplicative minibatch noise (1 + noise N(0,1)), clipped to +-3 noise. */
#ifndef LRS_TEST_SYNTH_H
#define LRS_TEST_SYNTH_H

#include <math.h>
#include <stdint.h>

typedef struct { uint64_t s; } synth_rng;

static inline uint64_t synth_next(synth_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double synth_uniform(synth_rng *r) /* [0, 1) */
{
    return (double)(synth_next(r) >> 11) * 0x1.0p-53;
}

static inline double synth_normal(synth_rng *r)
{
    double u = synth_uniform(r) + 1e-12, v = synth_uniform(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static inline double synth_noise(synth_rng *r, double sigma) /* 1 + sigma N, clipped */
{
    double z = synth_normal(r);
    return 1 + sigma * fmax(-3, fmin(3, z));
}

typedef enum { SCHED_CONSTANT, SCHED_WARMUP_COSINE, SCHED_STEP, SCHED_ONECYCLE, SCHED_COUNT } synth_schedule;

static inline const char *synth_schedule_name(synth_schedule k)
{
    static const char *names[] = {"constant", "warmup-cosine", "step", "one-cycle"};
    return names[k];
}

/* LR at step t of T, as a fraction of the peak. */
static inline double synth_lr(synth_schedule k, int t, int T)
{
    double p = (double)t / T;
    switch (k) {
    case SCHED_WARMUP_COSINE:
        if (p < 0.05) return (p + 0.005) / 0.055;
        return 0.5 * (1 + cos(M_PI * (p - 0.05) / 0.95));
    case SCHED_STEP: return p < 1.0 / 3 ? 1 : p < 2.0 / 3 ? 0.1 : 0.01;
    case SCHED_ONECYCLE:
        if (p < 0.3) return 0.04 + 0.96 * 0.5 * (1 - cos(M_PI * p / 0.3));
        return 0.5 * (1 + cos(M_PI * (p - 0.3) / 0.7)) * 0.9999 + 1e-4;
    default: return 1;
    }
}

/* Fills loss[0..T) and lr[0..T) (lr = peak x fraction) for a healthy run. */
static inline void synth_healthy(synth_rng *r, synth_schedule k, int T, double noise, double peak,
                                 double *loss, double *lr)
{
    double total = 0;
    for (int t = 0; t < T; t++) total += sqrt(synth_lr(k, t, T));
    double progress = 0;
    for (int t = 0; t < T; t++) {
        double f = synth_lr(k, t, T);
        progress += sqrt(f);
        double clean = 0.2 + 1.95 * exp(-4.2 * progress / total) + 0.15 * f;
        loss[t] = clean * synth_noise(r, noise);
        lr[t] = peak * f;
    }
}

#endif
