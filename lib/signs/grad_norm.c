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
    signs_raise(m, LRS_SIGN_GRAD_EXPLOSION, critical ? LRS_SEVERITY_CRITICAL : LRS_SEVERITY_WARNING,
                LRS_ROLE_GRAD_NORM, step, step, LRS_ACTION_REDUCE_LR, critical ? 0.1 : 0.5,
                "gradient norm %.4g at step %lld is %.0fx its usual %.4g%s; lower the LR or clip"
                " gradients near %.3g", x, (long long)step, ratio, usual,
                signs_lr_clause(lr, m->lr.now), 3 * usual);
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
