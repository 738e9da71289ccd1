/* A fast fake trial for the tune tests: accuracy peaked at lr = 0.05 (a Gaussian in
 * log10 space), rising with epochs; its loss diverges when lr > 0.5 and is NaN when
 * lr > 5, so warning signs prune it. 10 steps per epoch. */
#ifndef TUNE_FAKE_OBJECTIVE_H
#define TUNE_FAKE_OBJECTIVE_H

#include <math.h>
#include <unistd.h>

#include "tune.h"

typedef struct fake_ctx {
    int sleep_us;        /* per step, so a test can kill mid-trial */
    int crash_trial;     /* a trial whose worker kills itself (-1: none) */
    const double *table; /* when set: value of trial i at epoch e is table[i] + 0.01 * e */
} fake_ctx;

static double fake_value(const lrs_trial *t, const fake_ctx *c, double epoch)
{
    if (c->table)
        return c->table[lrs_trial_id(t)] + 0.01 * epoch;
    const lrs_space *s = lrs_trial_space(t);
    double lr = lrs_trial_point(t)->x[lrs_space_find(s, "lr")], d = log10(lr / 0.05);
    return exp(-d * d / 0.5) * (1 - 0.5 * pow(0.5, epoch));
}

static double fake_loss(double lr, int64_t step)
{
    if (lr > 5 && step > 15)
        return NAN;
    if (lr > 0.5)
        return 2.0 * exp(0.3 * (double)step);
    return 0.5 + 2.0 * exp(-(double)step / 50.0) + 0.01 * (double)(step % 3);
}

static int fake_run(void *ctx, lrs_trial *t)
{
    fake_ctx *c = ctx;
    const lrs_space *s = lrs_trial_space(t);
    double lr = lrs_space_find(s, "lr") >= 0 ? lrs_trial_point(t)->x[lrs_space_find(s, "lr")] : 0.01;
    if (lrs_trial_id(t) == c->crash_trial)
        kill(getpid(), SIGKILL);
    int64_t step = 0;
    for (double epoch = 0; epoch < lrs_trial_max_epochs(t) - 1e-9;) {
        double next = lrs_trial_next_report(t);
        for (; step < (int64_t)llround(next * 10); step++) {
            if (c->sleep_us)
                usleep((useconds_t)c->sleep_us);
            int rc = lrs_trial_observe(t, step, fake_loss(lr, step), lr);
            if (rc != LRS_OK)
                return rc;
        }
        int rc = lrs_trial_report(t, next, fake_value(t, c, next));
        if (rc != LRS_OK)
            return rc;
        epoch = next;
    }
    return LRS_OK;
}

/* Runs the study on the fake objective (asserting it ends well and holds n trials) and
 * returns its trials, best first; free() them. */
static lrs_trial_info *run_fake(lrs_study *st, fake_ctx c, int parallel, int n)
{
    lrs_objective obj = {fake_run, &c};
    assert_int_equal(lrs_study_run(st, &obj, parallel), LRS_OK);
    lrs_trial_info *t;
    int got;
    assert_int_equal(lrs_study_trials(st, &t, &got), LRS_OK);
    assert_int_equal(got, n);
    return t;
}

#endif
