/* The gradient norm: nan and explosions. Its usual level is a slow EMA of log(norm)
 * whose steps are clipped to a factor 3 and frozen during an explosion, so an
 * explosion does not become the new usual level. */
#include <math.h>

#include "signs_internal.h"

void grad_reset(grad_state *g)
{
    *g = (grad_state){.explosion_lr_min = INFINITY};
}

static void raise_explosion(lrs_monitor *m, int64_t step, double x, double ratio)
{
    const lrs_signs_options *o = &m->opt;
    int critical = ratio >= o->grad_critical_ratio;
    double usual = exp(m->grad.log_level);
    grad_state *g = &m->grad;
    g->explosions++;
    if (isnan(m->lr.now) || m->lr.now < g->explosion_lr_min) g->explosion_lr_min = m->lr.now;
    char lr[48];
    uint64_t sign = signs_raise(m, LRS_SIGN_GRAD_EXPLOSION, critical ? LRS_SEVERITY_CRITICAL : LRS_SEVERITY_WARNING,
                LRS_ROLE_GRAD_NORM, step, step, LRS_ACTION_REDUCE_LR, critical ? 0.1 : 0.5,
                "gradient norm %.4g at step %lld is %.0fx its usual %.4g%s; lower the LR or clip"
                " gradients near %.3g", x, (long long)step, ratio, usual,
                signs_lr_clause(lr, m->lr.now), 3 * usual);
    if (g->explosions <= SIGNS_EXPLOSIONS_HELD) g->explosion_sign[g->explosions - 1] = sign;
}

/* Hindsight, at the end: a gradient explosion (a warning, under grad_critical_ratio) in a
 * run whose loss ended near its best, never diverging for good, was a transient the run
 * recovered from (a deeper model's early 11x spike at SGD 0.1), as a loss spike is: info.
 * Live it stays a warning: nobody can tell yet. */
void grad_hindsight(lrs_monitor *m)
{
    grad_state *g = &m->grad;
    if (!loss_point_ended_near_best(m)) return;
    int n = g->explosions < SIGNS_EXPLOSIONS_HELD ? g->explosions : SIGNS_EXPLOSIONS_HELD;
    for (int i = 0; i < n; i++) {
        lrs_sign *held = signs_waiting(m, g->explosion_sign[i]);
        if (!held || held->kind != LRS_SIGN_GRAD_EXPLOSION || held->severity != LRS_SEVERITY_WARNING) continue;
        signs_rewrite(held, LRS_SIGN_GRAD_EXPLOSION, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                      "%.200s; the run recovered and ended near its best loss: a transient",
                      held->message);
    }
}

void grad_feed(lrs_monitor *m, int64_t step, double x)
{
    grad_state *g = &m->grad;
    const lrs_signs_options *o = &m->opt;
    g->n++;
    g->last_step = step;
    if (signs_non_finite(m, LRS_ROLE_GRAD_NORM, step, x, &g->nan_open)) return;
    if (!(x > 0)) return; /* a zero norm says nothing about the usual level */
    double lx = log(x);
    if (g->finite++ == 0) g->log_level = lx;
    double ratio = exp(lx - g->log_level);
    if (g->exploding) {
        if (ratio < 3) g->exploding = 0;
        return;
    }
    if (g->finite > o->grad_min_points && ratio >= o->grad_ratio) {
        g->exploding = 1;
        raise_explosion(m, step, x, ratio);
        return;
    }
    double clip = log(3.0);
    g->log_level += o->trend_smoothing * fmax(-clip, fmin(clip, lx - g->log_level));
}

/* A loss that crawls at an LR the gradient norm exploded at (or below a raise to it) is
 * held back by a too-high LR (its noise), not a too-low one: "raise the LR" would be the
 * wrong way. */
int signs_raising_would_explode(const lrs_monitor *m, double lr, double factor)
{
    const grad_state *g = &m->grad;
    return g->explosions > 0 && (isnan(lr) || isnan(g->explosion_lr_min) || factor * lr >= g->explosion_lr_min);
}
