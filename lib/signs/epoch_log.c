/* A loss logged once per epoch (Keras's TensorBoard callback writes epoch_loss, the mean
 * over the epoch): 4 to 19 points, too few for the block judgements, but each one a mean
 * over many steps, so its shape can be read directly. Two shapes tell the LR is wrong:
 *   - stalled: after the first epoch the loss stays near that epoch's mean and does not
 *     fall. A run that learns at all sits far below its first epoch afterwards (the first
 *     epoch's mean holds the fall from the untrained loss): on Keras logs of the PyTorch
 *     corpus (seeds 1-20) every healthy run's later epochs sit 49% or more below it (an
 *     early-decaying schedule's 28.6%), while 44 of 51 diverged runs sit within 22% of it
 *     (a network the LR killed in its first steps: at chance);
 *   - slow: the loss falls at every epoch by drops that do not shrink. A healthy run's
 *     drops shrink as it nears its floor (its later drops are about a quarter of its
 *     earlier ones); a too-low LR's stay the same or grow: it has not reached the fast
 *     part of its fall. */
#include <math.h>
#include <string.h>

#include "signs_internal.h"

void epoch_log_reset(epoch_log_state *e)
{
    *e = (epoch_log_state){.lr_before = NAN};
}

static double mean_of(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v[i];
    return sum / n;
}

/* Each of v[0..n) below the one before it. */
static int falls_every_time(const double *v, int n)
{
    for (int i = 1; i < n; i++)
        if (!(v[i] < v[i - 1])) return 0;
    return 1;
}

/* The stalled shape (this file's comment) over the points so far: the epochs after the
 * first (later[0..n)) have a median within epoch_stall_fall of the first epoch's mean, their
 * later half is not epoch_stall_later_fall below their earlier half, and they do not fall at
 * every epoch (a crawl at a tiny LR does: that is slow). *level gets that median. */
static int stalled_shape(const lrs_monitor *m, double *level)
{
    const epoch_log_state *e = &m->epochs;
    const lrs_signs_options *o = &m->opt;
    const double *later = e->value + 1;
    int n = e->n - 1, half = n / 2;
    double sorted[SIGNS_MIN_THINNED_POINTS];
    memcpy(sorted, later, (size_t)n * sizeof *sorted);
    *level = lrs_signs_median(sorted, (size_t)n);
    return *level >= (1 - o->epoch_stall_fall) * e->value[0] &&
           mean_of(later + n - half, half) > (1 - o->epoch_stall_later_fall) * mean_of(later, half) &&
           !falls_every_time(later, n);
}

static void judge_stalled(lrs_monitor *m, int64_t step)
{
    epoch_log_state *e = &m->epochs;
    double level;
    if (e->stalled_raised || e->n < SIGNS_EPOCH_MIN_POINTS || e->lr_rose || !stalled_shape(m, &level))
        return;
    char lr[48];
    e->stalled_raised = 1;
    e->stalled_sign = signs_raise(m, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL, LRS_ROLE_LOSS, e->first_step, step,
                LRS_ACTION_STOP, NAN,
                "loss has not fallen in the %d epochs after its first (mean %.4g): they sit at %.4g"
                " (median), %.0f%% %s it, not falling%s: the network is not learning (dead at a"
                " too-high LR, or an LR too small to move it); choose the LR with a range test",
                e->n - 1, e->value[0], level, 100 * fabs(1 - level / e->value[0]),
                level <= e->value[0] ? "below" : "above", signs_lr_clause(lr, m->lr.now));
}

static void judge_slow(lrs_monitor *m, int64_t step)
{
    epoch_log_state *e = &m->epochs;
    const lrs_signs_options *o = &m->opt;
    if (e->slow_raised || e->stalled_raised || e->n < SIGNS_EPOCH_SLOW_POINTS || e->lr_rose) return;
    if (!falls_every_time(e->value + 1, e->n - 1)) return;
    double first = e->value[0], last = e->value[e->n - 1];
    if (last <= (1 - o->slow_max_fall) * first) return; /* already fell well */
    int drops = e->n - 1, half = drops / 2;
    double early = (e->value[0] - e->value[half]) / half;
    double late = (e->value[e->n - 1 - half] - last) / half;
    if (late < o->epoch_slow_keep * early) return; /* levelling off: nearing its floor */
    if (signs_raising_would_explode(m, m->lr.now, 2.0)) return;
    char lr[48];
    e->slow_raised = 1;
    signs_raise(m, LRS_SIGN_SLOW, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, e->first_step, step, LRS_ACTION_RAISE_LR,
                2.0,
                "loss falls at every epoch by drops that do not shrink: %.3g per epoch over its"
                " first %d drops, %.3g over its last %d (a run nearing its floor falls ever"
                " less); %.0f%% down from its first epoch's mean %.4g to %.4g in %d epochs%s",
                early, half, late, half, 100 * (1 - last / first), first, last, e->n - 1,
                signs_lr_clause(lr, m->lr.now));
}

/* Rises of later[i] above later[i - 1] by at least `by` (a fraction of it). */
static int rises_by(const double *later, int n, double by)
{
    int rises = 0;
    for (int i = 1; i < n; i++) rises += later[i] >= (1 + by) * later[i - 1];
    return rises;
}

/* The epochs after the first stopped falling and swing: their later half is not below
 * their earlier half, and they rose SIGNS_EPOCH_SWINGS times by epoch_swing or more (a
 * healthy run's epoch means fall, or flatten calmly once its LR decayed), at an LR not under
 * oscillation_lr_fraction of its peak: the LR is too high to settle. On the Keras logs of
 * PyTorch 1-24, 15 runs: 14 diverged (regressions at SGD 0.2-0.4 swinging around 1.2 after
 * a first epoch that blew up), 1 oscillating; no healthy, overfit, plateau, slow or
 * survived run. Not after a stalled sign, which says more. */
static void judge_swinging(lrs_monitor *m, int64_t step)
{
    epoch_log_state *e = &m->epochs;
    const lrs_signs_options *o = &m->opt;
    if (e->swing_raised || e->stalled_raised || e->n < SIGNS_EPOCH_MIN_POINTS + 1 || e->lr_rose) return;
    if (signs_lr_below(m, o->oscillation_lr_fraction)) return;
    const double *later = e->value + 1;
    int n = e->n - 1, half = n / 2, rises = rises_by(later, n, o->epoch_swing);
    double early = mean_of(later, half), late = mean_of(later + n - half, half);
    if (late < early || rises < SIGNS_EPOCH_SWINGS) return;
    char lr[48];
    e->swing_raised = 1;
    signs_raise(m, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, e->first_step, step,
                LRS_ACTION_REDUCE_LR, o->oscillation_factor,
                "loss stopped falling after its first epoch (mean %.4g): over the %d epochs since it"
                " rose %d times by %.0f%% or more, its later half (%.4g) not below its earlier half"
                " (%.4g)%s: the LR is too high to settle",
                e->value[0], n, rises, 100 * o->epoch_swing, late, early, signs_lr_clause(lr, m->lr.now));
}

void epoch_log_feed(lrs_monitor *m, int64_t step, double value)
{
    epoch_log_state *e = &m->epochs;
    if (!m->few_points || e->off || e->n == SIGNS_MIN_THINNED_POINTS) return;
    if (e->n == 0 && !signs_tag_per_epoch(m->tag[LRS_ROLE_LOSS])) {
        e->off = 1; /* a short per-step log, or every 50th step: noisy single points */
        return;
    }
    if (!isfinite(value) || value <= 0) { /* ratios assume a positive loss */
        e->off = 1;
        return;
    }
    if (e->n == 0) e->first_step = step;
    e->value[e->n++] = value;
    if (m->lr.now > 1.01 * e->lr_before) e->lr_rose = 1; /* NaN (no LR) compares false */
    e->lr_before = m->lr.now;
    judge_stalled(m, step);
    judge_slow(m, step);
    judge_swinging(m, step);
}

/* After the fact: a stalled sign still waiting becomes info when the loss's last two
 * epochs came down past epoch_stall_fall below the first epoch (it learned, late; not the
 * halves of stalled_shape, which a dead network's noise can tip). */
void epoch_log_hindsight(lrs_monitor *m)
{
    epoch_log_state *e = &m->epochs;
    lrs_sign *held = e->stalled_raised ? signs_waiting(m, e->stalled_sign) : NULL;
    if (!held || mean_of(e->value + e->n - 2, 2) >= (1 - m->opt.epoch_stall_fall) * e->value[0]) return;
    signs_rewrite(held, LRS_SIGN_STALLED, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                  "%s; but it fell later: %.4g at the end", held->message, e->value[e->n - 1]);
}
