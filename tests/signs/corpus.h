/* A labelled synthetic corpus: series with one known sign each (or none), built on
 * the healthy model of synth.h. Used by the corpus test (recall/precision) and by
 * the per-detector tests (onset, severity, suggestion). */
#ifndef LRS_TEST_CORPUS_H
#define LRS_TEST_CORPUS_H

#include "synth.h"

#define CORPUS_MAX_T 2400

typedef enum {
    LABEL_HEALTHY, LABEL_DIVERGENCE, LABEL_OSCILLATION, LABEL_PLATEAU, LABEL_SLOW, LABEL_SPIKE,
    LABEL_COUNT
} corpus_label;

typedef struct {
    corpus_label label;
    int T;              /* points (one per step) */
    int onset;          /* step the sign begins (-1 for healthy) */
    int lr_decayed;     /* plateau with the LR already decayed */
    double loss[CORPUS_MAX_T], lr[CORPUS_MAX_T];
} corpus_series;

static inline const char *corpus_label_name(corpus_label l)
{
    static const char *names[] = {"healthy", "divergence", "oscillation", "plateau", "slow", "spike"};
    return names[l];
}

/* The clean (noise-free) healthy curve at t for a constant LR, for levels after onsets. */
static inline double corpus_clean_constant(int t, int T)
{
    return 0.2 + 1.95 * exp(-4.2 * (t + 1.0) / T) + 0.15;
}

static inline void corpus_make(corpus_series *c, corpus_label label, uint64_t seed)
{
    synth_rng r = {seed * 7919 + (uint64_t)label * 104729};
    double noise = 0.04 + 0.08 * synth_uniform(&r), peak = 0.1;
    c->label = label;
    c->T = 800 + 100 * (int)(seed % 8);
    c->onset = -1;
    c->lr_decayed = 0;
    synth_schedule k = (synth_schedule)(seed % SCHED_COUNT);
    int T = c->T, t0 = (int)(T * (0.3 + 0.2 * synth_uniform(&r)));
    switch (label) {
    case LABEL_HEALTHY:
        synth_healthy(&r, k, T, noise, peak, c->loss, c->lr);
        break;
    case LABEL_DIVERGENCE: { /* exponential growth from t0 until 50x */
        synth_healthy(&r, SCHED_CONSTANT, T, noise, peak, c->loss, c->lr);
        double g = 1.03 + 0.1 * synth_uniform(&r), level = corpus_clean_constant(t0, T);
        int t = t0;
        for (double v = level; t < T && v < 50 * level; t++, v *= g)
            c->loss[t] = v * g * synth_noise(&r, noise);
        c->T = t;
        c->onset = t0;
        break;
    }
    case LABEL_OSCILLATION: { /* from t0 the loss stops falling and swings widely, LR high */
        synth_healthy(&r, SCHED_CONSTANT, T, noise, peak, c->loss, c->lr);
        double level = corpus_clean_constant(t0, T) * (1 + 0.05 * synth_uniform(&r));
        int sine = seed % 2;
        double wide = noise * (3 + 2 * synth_uniform(&r)), period = 6 + 24 * synth_uniform(&r);
        double amp = fmin(0.4, wide);
        for (int t = t0; t < T; t++)
            c->loss[t] = sine ? level * (1 + amp * sin(2 * M_PI * t / period)) * synth_noise(&r, noise)
                              : level * exp(wide * synth_normal(&r));
        c->onset = t0;
        break;
    }
    case LABEL_PLATEAU: { /* from t0 the loss stays at its level; half with the LR decayed */
        synth_healthy(&r, SCHED_CONSTANT, T, noise, peak, c->loss, c->lr);
        double level = corpus_clean_constant(t0, T);
        c->lr_decayed = seed % 2;
        c->T = T = t0 + 600 + (int)(300 * synth_uniform(&r));
        for (int t = t0; t < T; t++) {
            c->loss[t] = level * synth_noise(&r, noise);
            c->lr[t] = c->lr_decayed ? 0.02 * peak : peak;
        }
        c->onset = t0;
        break;
    }
    case LABEL_SLOW: { /* LR far too low: 2.3 exp(-t/tau), tau 2,500..8,000 */
        double tau = 2500 + 5500 * synth_uniform(&r);
        for (int t = 0; t < T; t++) {
            c->loss[t] = 2.3 * exp(-t / tau) * synth_noise(&r, noise);
            c->lr[t] = 1e-4;
        }
        c->onset = 0;
        break;
    }
    case LABEL_SPIKE: { /* one or two points 3..8x, then back */
        synth_healthy(&r, k, T, noise, peak, c->loss, c->lr);
        double jump = 3 + 5 * synth_uniform(&r);
        c->loss[t0] *= jump;
        if (seed % 2) c->loss[t0 + 1] *= jump;
        c->onset = t0;
        break;
    }
    default: break;
    }
}

#endif
