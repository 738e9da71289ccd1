/* Point-by-point judgements of the training loss: nan, divergence, spike.
 *
 * Two smoothed copies of the loss are kept: a fast EMA (smooth, weight 0.3) that
 * follows real moves within a few points, and a slow EMA (trend, weight 0.05) whose
 * running minimum is "the running minimum" of the loss: slow enough that minibatch
 * noise and swings do not drag it down, so "2x the minimum" means a real climb. */
#include <math.h>
#include <stdio.h>

#include "signs_internal.h"

void loss_point_reset(loss_point_state *s)
{
    *s = (loss_point_state){.blown_step = -1};
}

/* onset: the step the loss was last near its minimum (a rollback goes back before it). */
static void raise_divergence(lrs_monitor *m, int64_t onset, int64_t step, double x, const char *why)
{
    loss_point_state *s = &m->loss;
    char lr[48];
    s->diverging = 1;
    s->episodes++;
    s->episode = (struct divergence_episode){
        .lr = m->lr.now, .peak = s->high_since_near_min, /* x included */
        .peak_step = s->high_step, .trend_peak = s->trend, .trend_peak_points = s->n,
        .raised_points = s->n, .floor = s->trend_min};
    /* From its first step, nothing learned is worth keeping (return_onset, never_learned):
     * the run restarts from scratch, and its untrained loss is the level to compare with. */
    char compared[96], restart[64];
    if (onset > s->first_step) {
        snprintf(compared, sizeof compared, "%.1fx its running minimum %.4g, left at step %lld",
                 x / s->trend_min, s->trend_min, (long long)onset);
        snprintf(restart, sizeof restart, "a checkpoint before step %lld", (long long)onset);
    } else {
        snprintf(compared, sizeof compared, "%.2fx its untrained loss %.4g (lowest trend %.4g)",
                 x / s->first_value, s->first_value, s->trend_min);
        snprintf(restart, sizeof restart, "the beginning");
    }
    s->episode.sign = signs_raise(m, LRS_SIGN_DIVERGENCE, LRS_SEVERITY_CRITICAL, LRS_ROLE_LOSS, onset,
                step, LRS_ACTION_REDUCE_LR, m->opt.divergence_factor,
                "loss %s: %.4g at step %lld is %s%s; restart from %s with a lower LR",
                why, x, (long long)step, compared, signs_lr_clause(lr, m->lr.now), restart);
}

/* A divergence of a loss back at its untrained level, or never clearly away from it: the
 * run lost what it learned, which hindsight must see undone before calling it a swing. */
static void raise_at_start(lrs_monitor *m, int64_t onset, int64_t step, double x, const char *why)
{
    raise_divergence(m, onset, step, x, why);
    m->loss.episode.at_start = 1;
}

/* Whether level stands out of the noise above base. A thinned series (every k-th step as
 * logged) keeps a per-step log's noise in fewer points: its faster EMAs follow that noise,
 * and a lucky low or a noisy point would pass the ratios alone; a climb must then also be
 * divergence_spread mean deviations above base, a noise known from SIGNS_NOISE_POINTS
 * points (a tenfold jump needs no noise to tell). */
static int stands_out(const lrs_monitor *m, double level, double base, double spread)
{
    if (!m->thinned) return 1;
    if (m->loss.finite <= SIGNS_NOISE_POINTS) return 0; /* the noise is not known yet */
    return level - base >= m->opt.divergence_spread * spread;
}

/* Whether the smoothed loss stands divergence_spread mean deviations above the untrained
 * loss, once the noise is known: one heavy-tailed point of a mean squared error (2x its
 * level at batch 32) lifts the smoothed loss past twice a low first draw, not that far. */
static int smooth_stands_out(const lrs_monitor *m, double spread)
{
    const loss_point_state *s = &m->loss;
    return s->finite <= SIGNS_NOISE_POINTS || s->smooth - s->first_value >= m->opt.divergence_spread * spread;
}

/* The loss came back to where training started after clearly beating it, or stays there
 * after a point divergence_ratio x above it that raised no divergence (the weights were
 * blown; a run that collapses within its first points never lets the slow trend fall far;
 * Adam's first-steps transient falls clearly below it within ~15 points): the too-high LR
 * undid what was learned (for cross-entropy, a uniform prediction: chance level). Counts
 * the points that show it; the first point of the series is the untrained loss. */
static int returned_to_start(loss_point_state *s, const lrs_signs_options *o, double x)
{
    /* A fall is a fall when it stands out of the loss's own noise too: a noisy loss (a
     * mean squared error at batch 32) crawling at a too-low LR has a lucky low trend 13%
     * under a first point that was itself a lucky draw, and noise takes it back there. */
    int fell = (s->trend_min <= (1 - o->divergence_return_fall) * s->first_value &&
                s->first_value - s->trend_min >= o->divergence_return_noise * s->spread) ||
               (s->blown_step >= 0 && s->episodes == 0);
    double band = (1 - o->divergence_return) * s->first_value; /* "back" from here up */
    s->return_run = fell && s->smooth >= band && s->first_value > 0 ? s->return_run + 1 : 0;
    s->return_sum = s->return_run ? s->return_sum + x : 0;
    if (s->return_run >= o->divergence_return_confirm) return 1;
    /* Sooner, after half the points, when they are back beyond doubt: their mean
     * divergence_return_sure standard errors (1.25 x the mean deviation / sqrt(n)) inside
     * the band. A network dead at chance is calm; a noisy loss needs every point. Not
     * while the noise is still being learned (2 blocks), nor after a blow-up (its noise is
     * the blow-up's). */
    int half = (o->divergence_return_confirm + 1) / 2;
    if (o->divergence_return_sure <= 0 || s->return_run < half || s->blown_step >= 0 ||
        s->finite < 2 * (int64_t)o->window)
        return 0;
    double mean = s->return_sum / s->return_run;
    return mean - band >= o->divergence_return_sure * 1.25 * s->spread / sqrt((double)s->return_run);
}

/* Whether a loss back at its first point says the LR undid what was learned. The first
 * point is the untrained loss when it was logged by stall_first_step. A later one
 * (Lightning's first, at step 49; a resumed run's) may be a trained level already, and
 * with the LR decayed below stall_lr_fraction of its peak the loss sitting there again is
 * a plateau or the noise of single points, not a too-high LR: a regression logged every
 * 50th step was "back at its untrained level" at LR 2e-4, after a step decay to 1%. */
static int return_is_divergence(const lrs_monitor *m)
{
    return m->loss.first_step <= m->opt.stall_first_step || !signs_lr_below(m, m->opt.stall_lr_fraction);
}

/* Where a run that came back to its untrained loss should restart from: its best point,
 * unless it never got below half the untrained loss; then what it learned at this LR is
 * not worth keeping (the too-high LR likely damaged the weights too): its first step. */
static int64_t return_onset(const loss_point_state *s)
{
    return s->trend_min <= 0.5 * s->first_value ? s->trend_min_step : s->first_step;
}

/* The divergence episode just ended with the loss back near its minimum: remembered, so
 * that hindsight can tell at the end whether the run kept that recovery. */
static void note_recovered(loss_point_state *s, int64_t step, double x)
{
    if (s->recovered_n == SIGNS_RECOVERED) return;
    struct divergence_episode *e = &s->recovered[s->recovered_n++];
    *e = s->episode;
    e->floor = s->trend_min;
    e->back = x;
    e->back_step = step;
    e->points = s->n - e->raised_points;
}

/* A run whose first steps left it dead at its untrained loss (chance, for cross-entropy)
 * with no point 2x above it: after two blocks its trend never fell divergence_return_fall
 * below the first point, and the gradient norm exploded at an LR no higher than now. A
 * too-low LR also leaves the loss near its start, but its gradients do not explode. */
static int never_learned(const lrs_monitor *m)
{
    const loss_point_state *s = &m->loss;
    const grad_state *g = &m->grad;
    return s->episodes == 0 && s->finite >= 2 * (int64_t)m->opt.window && s->first_value > 0 &&
           s->trend_min > (1 - m->opt.divergence_return_fall) * s->first_value && g->explosions > 0 &&
           (isnan(m->lr.now) || isnan(g->explosion_lr_min) || m->lr.now >= g->explosion_lr_min);
}

/* A run whose loss left its untrained level in its first steps, decisively (the smoothed
 * loss divergence_return_fall away from the first point and divergence_spread mean
 * deviations of the noise now), came back to it and has stayed there for
 * divergence_return_confirm points, its trend never divergence_return_fall below it, after
 * 4 blocks: the LR killed the network (dead units, saturated outputs: a CNN at SGD 1 sits at
 * chance) with no point 2x above the start and no gradient norm logged to show it. A
 * too-low LR never leaves its start that far; a noisy loss's excursions are within its
 * noise; a run whose first point was a lucky low draw sits above the band. */
static int came_back_dead(const lrs_monitor *m)
{
    const loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    return s->episodes == 0 && s->finite >= 4 * (int64_t)o->window && s->first_value > 0 &&
           s->trend_min > (1 - o->divergence_return_fall) * s->first_value &&
           s->moved >= o->divergence_return_fall * s->first_value &&
           s->moved >= o->divergence_spread * s->spread &&
           s->near_start_run >= o->divergence_return_confirm;
}

/* Where smooth has been farthest from the untrained loss, and whether it is near it now. */
static void track_start_distance(loss_point_state *s, const lrs_signs_options *o, int64_t step)
{
    double away = fabs(s->smooth - s->first_value);
    if (away > s->moved) s->moved = away, s->moved_step = step, s->moved_to = s->smooth;
    int near = s->smooth >= (1 - o->divergence_return) * s->first_value &&
               s->smooth <= (1 + o->divergence_return_fall) * s->first_value;
    s->near_start_run = near ? s->near_start_run + 1 : 0;
}

/* The median of the latest k finite points (fewer while fewer were fed); +inf when k is 0,
 * so that a test against it passes. */
static double latest_median(const loss_point_state *s, int k)
{
    if (k <= 0) return INFINITY;
    double v[SIGNS_CLIMB_MEDIAN_MAX];
    int64_t n = s->finite < k ? s->finite : k;
    for (int64_t i = 0; i < n; i++) v[i] = s->last[(s->finite - 1 - i) % SIGNS_CLIMB_MEDIAN_MAX];
    return lrs_signs_median(v, (size_t)n);
}

/* The schedule jumped the LR up (a warm restart) within the last window of points: a climb
 * it starts is the restart's doing until it outlasts that window (SGDR at 0.1: the loss
 * climbs 1.9x its minimum for a dozen steps, then falls below it again). The larger
 * climbs (2x and staying, tenfold) are raised all the same. */
static int just_restarted(const lrs_monitor *m)
{
    return m->lr.jumped_at >= 0 && m->loss.n - m->lr.jumped_at <= m->opt.window;
}

/* smooth_before, trend_before, spread_before: before x (the noise a jump must stand out of
 * is the one before it); the state's EMAs already include x. */
static void judge_divergence(lrs_monitor *m, int64_t step, double x, double smooth_before,
                             double trend_before, double spread_before, double jump_floor)
{
    loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    double floor = s->trend_min;
    s->high_run = (x >= o->divergence_ratio * floor && s->smooth >= o->divergence_ratio * floor)
                      ? s->high_run + 1 : 0;
    s->climb_run = s->smooth > smooth_before ? s->climb_run + 1 : 0;
    s->trend_run = s->trend > trend_before ? s->trend_run + 1 : 0;
    s->last_jump = jump_floor > 0 && x >= o->divergence_jump * jump_floor;
    s->jump_run = s->last_jump ? s->jump_run + 1 : 0;
    /* Blown: tenfold, or twice the untrained loss with the smoothed loss there too (one
     * noisy point of a mean squared error at batch 32, 24% scatter, reaches twice a low
     * first draw; a blow-up lasts, or is far larger). */
    if (s->blown_step < 0 && s->first_value > 0 &&
        (x >= o->divergence_jump * s->first_value ||
         (x >= o->divergence_ratio * s->first_value && s->smooth >= o->divergence_ratio * s->first_value &&
          stands_out(m, x, s->first_value, spread_before) && smooth_stands_out(m, spread_before))))
        s->blown_step = step;
    int untrained_counts = return_is_divergence(m);
    int returned = returned_to_start(s, o, x) && untrained_counts;
    track_start_distance(s, o, step);

    if (!(floor > 0)) { /* ratios assume a positive loss */
        s->high_run = s->climb_run = s->trend_run = s->out_run = 0;
        return;
    }
    if (s->diverging) {
        struct divergence_episode *e = &s->episode;
        if (x > e->peak) e->peak = x, e->peak_step = step;
        if (s->trend > e->trend_peak) e->trend_peak = s->trend, e->trend_peak_points = s->n;
        /* recovered (near its minimum, clearly below the untrained loss): a new episode may start */
        if (s->smooth <= 1.2 * floor &&
            (s->first_value <= 0 || s->smooth <= (1 - o->divergence_return_fall) * s->first_value)) {
            s->diverging = 0;
            note_recovered(s, step, x);
        }
        return;
    }
    /* thinned: for divergence_confirm points in a row (one noisy point is no climb) */
    s->out_run = stands_out(m, s->smooth, floor, spread_before) ? s->out_run + 1 : 0;
    int out = s->out_run >= (m->thinned ? o->divergence_confirm : 1);
    if (s->high_run >= o->divergence_confirm && out)
        raise_divergence(m, s->near_min_step, step, x, "keeps climbing");
    else if ((s->climb_run >= o->divergence_climb || s->trend_run >= o->divergence_climb) &&
             s->smooth >= o->divergence_climb_ratio * floor && out && !just_restarted(m) &&
             (m->coarse || (s->smooth - floor >= o->divergence_climb_spread * spread_before &&
                            latest_median(s, o->divergence_climb_median) >= o->divergence_climb_ratio * floor)))
        raise_divergence(m, s->near_min_step, step, x, "grows at every step");
    else if (s->jump_run >= 2)
        raise_divergence(m, s->near_min_step, step, x, "jumped tenfold");
    else if (returned && s->trend_min > (1 - o->divergence_return_fall) * s->first_value)
        raise_at_start(m, return_onset(s), step, x, "stays at its untrained level after a jump");
    else if (returned)
        raise_at_start(m, return_onset(s), step, x, "is back at its untrained level");
    else if (never_learned(m) && untrained_counts)
        raise_at_start(m, s->first_step, step, x,
                       "never fell 10% below its untrained level while the gradient norm exploded");
    else if (came_back_dead(m) && untrained_counts) {
        char why[160];
        snprintf(why, sizeof why, "left its untrained level for %.4g at step %lld and came back to"
                 " it to stay (a dead network)", s->moved_to, (long long)s->moved_step);
        raise_at_start(m, s->first_step, step, x, why);
    }
}

/* A point far above the fast EMA opens a candidate; it is a spike if the loss comes
 * back near the level before it within spike_recover points (else it is left to the
 * divergence and oscillation judgements). */
static void judge_spike(lrs_monitor *m, int64_t step, double x, double smooth_before,
                        double spread_before)
{
    loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    if (s->spike_pending) {
        double back = s->spike_base * (1 + (o->spike_ratio - 1) / 2);
        if (x <= back) {
            signs_raise(m, LRS_SIGN_SPIKE, LRS_SEVERITY_INFO, LRS_ROLE_LOSS, s->spike_step,
                        s->spike_end, LRS_ACTION_NONE, NAN,
                        "loss jumped to %.4g (%.1fx the smoothed %.4g) at step %lld and was back"
                        " to %.4g by step %lld",
                        s->spike_peak, s->spike_peak / s->spike_base, s->spike_base,
                        (long long)s->spike_step, x, (long long)step);
            s->spike_pending = 0;
        } else if (++s->spike_pending > o->spike_recover) {
            s->spike_pending = 0;
        } else {
            s->spike_end = step;
            if (x > s->spike_peak) s->spike_peak = x;
        }
        return;
    }
    if (s->finite > 10 && !s->diverging && smooth_before > 0 && x >= o->spike_ratio * smooth_before &&
        x >= smooth_before + o->spike_spread * spread_before) {
        s->spike_pending = 1;
        s->spike_step = s->spike_end = step;
        s->spike_base = smooth_before;
        s->spike_peak = x;
    }
}

static void judge_nan(lrs_monitor *m, int64_t step, double x)
{
    loss_point_state *s = &m->loss;
    if (s->nan_open) return;
    s->nan_open = 1;
    char lr[48];
    if (s->finite)
        signs_raise(m, LRS_SIGN_NAN, LRS_SEVERITY_CRITICAL, LRS_ROLE_LOSS, step, step,
                    LRS_ACTION_STOP, NAN,
                    "loss is %g at step %lld (last finite value %.4g at step %lld)%s", x,
                    (long long)step, s->smooth, (long long)s->last_finite_step,
                    signs_lr_clause(lr, m->lr.now));
    else
        signs_raise(m, LRS_SIGN_NAN, LRS_SEVERITY_CRITICAL, LRS_ROLE_LOSS, step, step,
                    LRS_ACTION_STOP, NAN, "loss is %g at step %lld, before any finite value%s",
                    x, (long long)step, signs_lr_clause(lr, m->lr.now));
}

void loss_point_feed(lrs_monitor *m, int64_t step, double x)
{
    loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    s->n++;
    s->last_step = step;
    if (!isfinite(x)) {
        judge_nan(m, step, x);
        return;
    }
    s->nan_open = 0;
    s->last[s->finite % SIGNS_CLIMB_MEDIAN_MAX] = x;
    if (s->finite++ == 0) {
        s->first_step = s->near_min_step = step;
        s->smooth = s->trend = s->trend_min = s->smooth_min = s->first_value = x;
        s->trend_min_step = step;
        s->spread = 0;
    }
    double smooth_before = s->smooth, trend_before = s->trend, spread_before = s->spread;
    double jump_floor = s->smooth_min;
    double residual = fabs(x - smooth_before);
    if (s->finite == 2) s->spread = residual;
    else s->spread += o->trend_smoothing * (fmin(residual, 3 * s->spread) - s->spread);
    s->smooth += o->smoothing * (x - s->smooth);
    /* The slow trend starts as the running mean of the points so far (until the EMA's own
     * weight is larger): an EMA started at the first point would hold that one draw for
     * ~1/weight points, and a noisy loss's lucky low first point (0.6x its level at 24%
     * noise) would stay its running minimum, every later point a "climb" from it. Once the
     * noise is known, the minimum starts from the trend, unless a blow-up came first (then
     * the first point is the level it blew up from). */
    int per_step = !m->coarse; /* a coarse log's first points are already far apart */
    s->trend += (per_step ? fmax(o->trend_smoothing, 1.0 / (double)s->finite) : o->trend_smoothing) * (x - s->trend);
    if (per_step && s->finite == SIGNS_NOISE_POINTS + 1 && s->blown_step < 0 && s->trend > s->trend_min)
        s->trend_min = s->trend, s->trend_min_step = step;
    s->last_finite_step = step;
    s->last_value = x;
    if (s->smooth < s->smooth_min) s->smooth_min = s->smooth;
    if (s->trend < s->trend_min) s->trend_min = s->trend, s->trend_min_step = step;
    if (s->smooth <= 1.1 * s->trend_min || x > s->high_since_near_min)
        s->high_since_near_min = x, s->high_step = step;
    if (s->smooth <= 1.1 * s->trend_min) s->near_min_step = step;

    judge_spike(m, step, x, smooth_before, spread_before);
    judge_divergence(m, step, x, smooth_before, trend_before, spread_before, jump_floor);
    loss_block_feed(m, step, x);
}

/* At the end, what cannot wait for confirmation: a last point tenfold above the smoothed
 * minimum; a run whose trend ends back within divergence_return_fall of its untrained
 * loss after clearly falling below it (2 x that fall) but too late for the 20 points of
 * returned_to_start: the LR undid what was learned. */
void loss_point_finish(lrs_monitor *m)
{
    loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    if (s->diverging) return;
    if (s->last_jump)
        raise_divergence(m, s->near_min_step, s->last_finite_step, s->last_value,
                         "jumped tenfold at the end");
    else if (return_is_divergence(m) && s->first_value > 0 &&
             s->trend >= (1 - o->divergence_return_fall) * s->first_value &&
             s->trend_min <= (1 - 2 * o->divergence_return_fall) * s->first_value)
        raise_divergence(m, return_onset(s), s->last_finite_step, s->last_value,
                         "ended back near its untrained level");
}

/* The episode reached divergence_jump x the untrained loss: weights that far off recover
 * by luck, so hindsight leaves its divergence as it is. */
static int exploded(const loss_point_state *s, const lrs_signs_options *o,
                    const struct divergence_episode *e)
{
    return !(e->peak < o->divergence_jump * s->first_value);
}

/* Where the run ended: its slow trend, or the mean of its last two block medians if higher
 * (a run hovering near chance ends on a lucky low stretch as often as not, and the trend
 * follows one: both must say it ended low). */
static double ended_at(const lrs_monitor *m)
{
    double pair = m->block.level_pair;
    return pair > 0 ? fmax(m->loss.trend, pair) : m->loss.trend;
}

/* An episode raised for a loss back at its untrained level counts as ridden out only if the
 * run ended divergence_return_fall below that level again, out of the band it came back to
 * (a run that fell 11% and hovers 8% below its start learned nothing it kept). */
static int return_undone(const lrs_monitor *m, const struct divergence_episode *e)
{
    return !e->at_start || ended_at(m) <= (1 - m->opt.divergence_return_fall) * m->loss.first_value;
}

/* The run had clearly learned (its minimum divergence_return_fall below the untrained
 * loss) and ended nearer that minimum than the untrained loss. */
static int kept_half(const lrs_monitor *m, const struct divergence_episode *e)
{
    const loss_point_state *s = &m->loss;
    return e->floor <= (1 - m->opt.divergence_return_fall) * s->first_value &&
           ended_at(m) <= 0.5 * (s->first_value + e->floor) && return_undone(m, e);
}

/* end_step: where the episode ended (the loss back, or the series' end). */
static void rewrite_as_swing(lrs_monitor *m, lrs_sign *held, const struct divergence_episode *e,
                             int64_t end_step, const char *then)
{
    const loss_point_state *s = &m->loss;
    held->end_step = end_step;
    const lrs_sign *swing = e->swung ? signs_waiting(m, e->swing_sign) : NULL;
    if (swing && swing->severity != LRS_SEVERITY_INFO) { /* said already: one warning */
        signs_rewrite(held, LRS_SIGN_DIVERGENCE, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                      "loss climbed to %.4g at step %lld (%.1fx its running minimum %.4g) and %s:"
                      " the oscillation from step %lld says what it was", e->peak,
                      (long long)e->peak_step, e->peak / e->floor, e->floor, then,
                      (long long)swing->start_step);
        return;
    }
    char lr[48], kept[80] = "below that minimum";
    double end = ended_at(m);
    if (end > e->floor)
        snprintf(kept, sizeof kept, "keeping %.0f%% of its fall from the untrained %.4g",
                 100 * (s->first_value - end) / (s->first_value - e->floor), s->first_value);
    signs_rewrite(held, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ACTION_REDUCE_LR,
                  m->opt.oscillation_factor,
                  "loss climbed to %.4g at step %lld (%.1fx its running minimum %.4g) and %s; it"
                  " ended at %.4g, %s%s: the LR is too high to train steadily", e->peak,
                  (long long)e->peak_step, e->peak / e->floor, e->floor, then, end, kept,
                  signs_lr_clause(lr, e->lr));
}

/* Near its best: the trend within 1.25x its lowest, or within one point's noise of it (on
 * a batch-32 loss the lowest slow trend is a lucky low, 1.3x below where it ends). */
int loss_point_ended_near_best(const lrs_monitor *m)
{
    const loss_point_state *s = &m->loss;
    return s->finite > 0 && !s->diverging &&
           (s->trend <= 1.25 * s->trend_min || s->trend - s->trend_min <= s->spread) &&
           (s->first_value <= 0 || s->trend <= (1 - m->opt.divergence_return_fall) * s->first_value);
}

/* Hindsight on the divergences, at the end of the series (after the oscillations' own): a
 * divergence is raised at once, critical, since live nobody can tell whether the loss will
 * keep climbing; the rest of the run tells. Unless it exploded (divergence_jump x the
 * untrained loss: weights that far off recover by luck), a divergence whose critical sign
 * still waits becomes
 *   - a spike (info) when the loss came back within two blocks of its raise, stayed under
 *     divergence_jump x its minimum, and the run ended near its best, clearly below its
 *     untrained loss: a transient, as Adam's first steps at a high LR often are;
 *   - an oscillation (warning, reduce the LR) when the loss came back later, or settled
 *     instead of climbing on, and the run kept at least half of its fall: the LR knocked
 *     the run back without undoing its training. That is "the loss stops decreasing at a
 *     level well above where it was heading", a too-high LR, not a run lost for good. */
void loss_point_hindsight(lrs_monitor *m)
{
    loss_point_state *s = &m->loss;
    const lrs_signs_options *o = &m->opt;
    int near_best = loss_point_ended_near_best(m);
    for (int i = 0; i < s->recovered_n; i++) {
        const struct divergence_episode *e = &s->recovered[i];
        lrs_sign *held = signs_waiting(m, e->sign);
        if (!held || held->kind != LRS_SIGN_DIVERGENCE || exploded(s, o, e)) continue;
        char then[96];
        snprintf(then, sizeof then, "was back to %.4g by step %lld", e->back, (long long)e->back_step);
        if (near_best && e->points <= 2 * (int64_t)o->window && e->peak < o->divergence_jump * e->floor &&
            return_undone(m, e)) {
            held->end_step = e->back_step;
            signs_rewrite(held, LRS_SIGN_SPIKE, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                          "loss climbed to %.4g at step %lld (%.1fx its running minimum %.4g) and %s:"
                          " a transient the run recovered from, not a divergence", e->peak,
                          (long long)e->peak_step, e->peak / e->floor, e->floor, then);
        } else if (kept_half(m, e)) {
            rewrite_as_swing(m, held, e, e->back_step, then);
        }
    }
    const struct divergence_episode *e = &s->episode;
    lrs_sign *held = s->diverging ? signs_waiting(m, e->sign) : NULL;
    if (held && held->kind == LRS_SIGN_DIVERGENCE && !exploded(s, o, e) &&
        s->n - e->raised_points >= 2 * (int64_t)o->window && s->n - e->trend_peak_points >= o->window &&
        kept_half(m, e))
        rewrite_as_swing(m, held, e, s->last_finite_step, "then stopped climbing");
}
