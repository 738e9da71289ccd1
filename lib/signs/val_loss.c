/* The validation loss: nan and overfit (the val loss rises above its best, beyond the
 * noise of an evaluation, while the training loss keeps falling). An evaluation's noise
 * is measured from the series' own rises between evaluations. Val losses come few (one per epoch), so nothing here
 * looks at spreads: only the best value so far and how many evaluations since. */
#include <math.h>
#include <stdio.h>

#include "signs_internal.h"

void val_reset(val_state *v)
{
    *v = (val_state){.best = INFINITY, .train_at_best = NAN, .last = NAN, .last_lr = NAN, .change = NAN};
}

/* Hindsight: the val loss came back after an overfit episode, so the rise was an
 * evaluation's noise or a phase the run came out of, and "keep the checkpoint of step N"
 * would have kept no better a model: the episode's sign, if still waiting, becomes info.
 * why: what the val loss did, after "then". */
static void overfit_disproved(lrs_monitor *m, int64_t step, const char *why)
{
    val_state *v = &m->val;
    lrs_sign *held = signs_waiting(m, v->overfit_sign);
    if (!held || held->kind != LRS_SIGN_OVERFIT || held->severity == LRS_SEVERITY_INFO) return;
    held->end_step = step;
    signs_rewrite(held, LRS_SIGN_OVERFIT, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                  "validation loss rose to %.4g at step %lld, above its best %.4g (step %lld), then"
                  " %s: not overfitting", v->overfit_peak, (long long)v->overfit_peak_step, v->best,
                  (long long)v->best_step, why);
}

/* The rise above the best that counts as overfitting: overfit_rise, or overfit_noise x
 * the mean relative rise between evaluations when that is more. */
static double rise_needed(const val_state *v, const lrs_signs_options *o)
{
    return isnan(v->change) ? o->overfit_rise : fmax(o->overfit_rise, o->overfit_noise * v->change);
}

/* A too-high LR shows in the val loss before the training loss: evaluated at one point of
 * a bouncing trajectory, it jumps up and down between evaluations (20-50% on the real-run
 * corpus) while the training loss, a mean over the moving weights, falls smoothly. A
 * healthy val loss moves one way: down, or slowly up when it overfits. Counts the changes
 * after the first fall made at an LR >= oscillation_lr_fraction x its peak so far. */
static void judge_val_swings(lrs_monitor *m, int64_t step, double x)
{
    val_state *v = &m->val;
    const lrs_signs_options *o = &m->opt;
    if (++v->evaluations <= SIGNS_VAL_FALL || !(v->last > 0) || !(x > 0) || v->swing_raised) return;
    if (signs_lr_below(m, o->oscillation_lr_fraction)) return;
    if (m->lr.now > 1.01 * v->last_lr) return; /* the schedule raised it: a rise is its doing */
    double change = log(x / v->last);
    if (v->swings++ == 0) v->swing_from = step;
    if (change > 0) v->swing_up += change, v->rises++;
    else v->swing_down -= change;
    double up = v->swing_up / v->swings, down = v->swing_down / v->swings;
    if (v->swings < o->oscillation_val_changes || fmin(up, down) < o->oscillation_val_swing) return;
    int falls = v->swings - v->rises;
    if (m->block.oscillating || m->loss.diverging) return; /* already said */
    v->swing_raised = 1;
    char lr[48];
    signs_raise(m, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ROLE_VAL_LOSS, v->swing_from, step,
                LRS_ACTION_REDUCE_LR, o->oscillation_factor,
                "validation loss rose %d times by %.0f%% and fell %d times by %.0f%% (means) over"
                " %d evaluations since step %lld (%.4g now)%s: the weights bounce, the LR is too"
                " high to settle",
                v->rises, 100 * (exp(v->swing_up / v->rises) - 1), falls,
                100 * (1 - exp(-v->swing_down / falls)), v->swings, (long long)v->swing_from, x,
                signs_lr_clause(lr, m->lr.now));
}

void val_feed(lrs_monitor *m, int64_t step, double x)
{
    val_state *v = &m->val;
    const lrs_signs_options *o = &m->opt;
    v->n++;
    v->last_step = step;
    if (signs_non_finite(m, LRS_ROLE_VAL_LOSS, step, x, &v->nan_open)) return;
    /* The training trend (slow EMA) stands for "the training loss" at this step. */
    double train = m->loss.finite ? m->loss.trend : NAN;
    judge_val_swings(m, step, x);
    v->last_lr = m->lr.now;
    /* An evaluation's own noise (a small held-out set, a high LR: the val loss moves 25%
     * between epochs) is no overfit: the rise must exceed it too. Its size: the mean
     * relative rise between evaluations (noise rises half the time; a steady fall never). */
    if (v->last > 0) {
        double change = fmax(0, x - v->last) / v->last;
        v->change = isnan(v->change) ? change : v->change + 0.25 * (change - v->change);
    }
    v->last = x;
    if (!(x > 0)) return; /* rises relative to the best assume a positive loss */
    double rise = rise_needed(v, o);
    if (v->overfit_open && x <= v->best * (1 + o->plateau_threshold)) {
        /* back at its best: the episode is over, and a later rise is a new one */
        char why[96];
        snprintf(why, sizeof why, "came back to %.4g at step %lld", x, (long long)step);
        if (m->hindsight) overfit_disproved(m, step, why);
        v->overfit_open = 0;
        v->above_run = 0;
    }
    if (x < v->best * (1 - o->plateau_threshold)) {
        v->best = x;
        v->best_step = step;
        v->since_best = v->above_run = 0;
        v->train_at_best = train;
        v->overfit_open = 0;
        return;
    }
    v->since_best++;
    v->above_run = x >= v->best * (1 + rise) ? v->above_run + 1 : 0;
    v->below_run = v->above_run ? 0 : v->below_run + 1;
    if (v->overfit_open && x > v->overfit_peak) v->overfit_peak = x, v->overfit_peak_step = step;
    if (v->overfit_open || v->above_run < o->overfit_patience) return;
    if (!(train <= v->train_at_best * (1 - o->overfit_train_fall))) return;
    v->overfit_open = 1;
    v->overfit_peak = x;
    v->overfit_peak_step = step;
    v->overfit_sign = signs_raise(m, LRS_SIGN_OVERFIT, LRS_SEVERITY_WARNING, LRS_ROLE_VAL_LOSS, v->best_step, step,
                LRS_ACTION_STOP, NAN,
                "validation loss %.4g at step %lld has not improved on its best %.4g (step %lld)"
                " for %d evaluations while the training loss fell %.0f%% (%.4g to %.4g);"
                " keep the checkpoint of step %lld",
                x, (long long)step, v->best, (long long)v->best_step, v->since_best,
                100 * (1 - train / v->train_at_best), v->train_at_best, train,
                (long long)v->best_step);
}

/* Hindsight, at the end: an overfit whose val loss then stayed under the rise that raised
 * it for as many evaluations as it took to raise it did not last (a run whose val loss
 * settles a few percent above a lucky low is not overfitting). */
void val_finish(lrs_monitor *m)
{
    val_state *v = &m->val;
    const lrs_signs_options *o = &m->opt;
    if (!m->hindsight || !v->overfit_open || v->below_run < o->overfit_patience) return;
    char why[96];
    snprintf(why, sizeof why, "stayed under %.0f%% above it for its last %d evaluations", 100 * rise_needed(v, o),
             v->below_run);
    overfit_disproved(m, v->last_step, why);
}
