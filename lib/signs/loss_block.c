/* Judgements over blocks of `window` points of the training loss: oscillation,
 * plateau, slow. Each block is summarised by two robust numbers:
 *   level = median of its losses (robust to spikes),
 *   noise = median of |loss - the block's least-squares line| / level (relative swing
 *           around the block's own trend, so a fast healthy fall is not noise).
 * "The run's earlier noise" is the geometric mean of the noise of the calm blocks
 * before, leaving out the first block (whose fast fall inflates it), or the recent calm
 * blocks' noise when higher. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "signs_internal.h"

void loss_block_reset(loss_block_state *b)
{
    memset(b, 0, sizeof *b);
    b->block_lr = b->first_median = b->prev_median = b->level_pair = b->diverge_peak = NAN;
    b->best = b->best_before_prev = INFINITY;
    b->pair_prev = b->pair_prev_lr = b->best_pair_lr = b->block_lr_min = b->prev_block_lr_min = NAN;
    b->plateau_cut_lr = NAN;
    b->rebound_from = -1;
}

/* Remembers an oscillation sign (its number from signs_raise), the LR when it began and the
 * level the loss swung above, for hindsight. */
static void note_oscillation(loss_block_state *b, uint64_t sign, double lr, double level)
{
    if (b->raised_n < SIGNS_RAISED_OSCILLATIONS)
        b->raised[b->raised_n++] = (struct raised_oscillation){.sign = sign, .lr = lr, .level = level};
}

static int lr_is_high(const lrs_monitor *m)
{
    if (isnan(m->lr.now) || !(m->lr.peak > 0)) return 1; /* not fed: cannot tell, assume so */
    return m->lr.now >= m->opt.oscillation_lr_fraction * m->lr.peak;
}

/* How many fitted block levels the ring still holds. */
static int64_t recent_kept(const loss_block_state *b)
{
    return b->recent_n < SIGNS_RECENT ? b->recent_n : SIGNS_RECENT;
}

/* The run's earlier noise: the geometric mean over its calm blocks, or their recent
 * level if higher (a loss's relative noise grows as it learns: per-example losses spread
 * out; a slow run does that over the whole run, not in its first block). NaN before 2. */
static double earlier_noise(const loss_block_state *b)
{
    if (b->noise_blocks < 2) return NAN;
    return exp(fmax(b->noise_log_sum / (double)b->noise_blocks, b->noise_log_recent));
}

/* The block's noise is well above the run's earlier noise, and large enough to matter. */
static int is_swinging(const lrs_monitor *m, double noise, double *earlier)
{
    *earlier = earlier_noise(&m->block);
    if (isnan(*earlier)) return 0;
    return noise >= m->opt.oscillation_noise_ratio * *earlier && noise >= m->opt.oscillation_min_noise;
}

/* The 2-block level climbed back well above the best earlier one: by oscillation_rebound,
 * and by more than a block median's chance scatter (its standard error is about
 * 1.3 x noise / sqrt(window) for a pair of blocks; the best pair is the luckiest of many).
 * Not when the LR is now 1.25x the lowest it was during that best's blocks: a schedule
 * raised it (a warm restart, a cyclic LR's rise), and the loss climbing back with it is
 * the recipe. */
static int rebounded(const lrs_monitor *m)
{
    const loss_block_state *b = &m->block;
    if (!isfinite(b->best_before_prev) || !(b->best_before_prev > 0)) return 0;
    if (m->lr.now > SIGNS_LR_RAISED * b->best_pair_lr) return 0; /* false when either is NaN */
    double noise = earlier_noise(b);
    double scatter = isnan(noise) ? 0 : m->opt.oscillation_rebound_noise * noise / sqrt(m->opt.window);
    return b->level_pair >= fmax(m->opt.oscillation_rebound, 1 + scatter) * b->best_before_prev;
}

static void raise_swings(lrs_monitor *m, int64_t step, double level, double noise, double earlier)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    char lr[48];
    uint64_t sign = signs_raise(m, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, b->block_start, step,
                LRS_ACTION_REDUCE_LR, o->oscillation_factor,
                "loss swings by %.0f%% (median) around %.4g, %.1fx the run's earlier %.0f%%,"
                " and stopped falling (%.4g the %d points before)%s when it started",
                100 * noise, level, noise / earlier, 100 * earlier, b->prev_median, o->window,
                signs_lr_clause(lr, b->block_lr));
    note_oscillation(b, sign, b->block_lr, b->prev_median);
}

static void raise_rebound(lrs_monitor *m, int64_t step)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    char lr[48];
    b->rebound_from = b->best_step;
    uint64_t sign = signs_raise(m, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, b->best_step, step,
                LRS_ACTION_REDUCE_LR, o->oscillation_factor,
                "loss climbed back to %.4g over the last 2 blocks of %d points, %.2fx its best"
                " earlier level %.4g%s: the LR is too high to settle",
                b->level_pair, o->window, b->level_pair / b->best_before_prev, b->best_before_prev,
                signs_lr_clause(lr, m->lr.now));
    note_oscillation(b, sign, m->lr.now, b->best_before_prev);
}

/* A divergence the run survived: the loss came back down from its climb (still well
 * below the untrained loss) while the LR stayed high. Divergence is raised at once (a
 * rollback cannot wait); this second sign says what the run turned out to be. */
static void judge_recovery(lrs_monitor *m, int64_t step, double level)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    if (!(b->diverge_peak >= level)) b->diverge_peak = level;
    if (b->recovered_raised || !lr_is_high(m)) return;
    double untrained = m->loss.first_value;
    if (!(level <= o->oscillation_recover * b->diverge_peak &&
          level <= (1 - o->divergence_return_fall) * untrained))
        return;
    b->recovered_raised = 1;
    char lr[48];
    uint64_t sign = signs_raise(m, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, b->block_start, step,
                LRS_ACTION_REDUCE_LR, o->oscillation_factor,
                "loss came back down to %.4g from %.4g after climbing above 2x its minimum %.4g,"
                " still below its untrained %.4g%s: it swings, the LR is too high to settle",
                level, b->diverge_peak, m->loss.trend_min, untrained, signs_lr_clause(lr, m->lr.now));
    note_oscillation(b, sign, m->lr.now, m->loss.trend_min);
    m->loss.episode.swung = 1; /* hindsight on the divergence must not say it twice */
    m->loss.episode.swing_sign = sign;
}

/* Three ways a too-high LR shows: swings well above the run's earlier noise with no fall,
 * a loss that climbed back above a level it had clearly reached (without the 2x of a
 * divergence) for 2 blocks, or a divergence that came back down (judge_recovery). */
static void judge_oscillation(lrs_monitor *m, int64_t step, double level, double noise)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    double earlier = NAN;
    int swinging = is_swinging(m, noise, &earlier);
    /* A thinned series' blocks are a few points: one block's noise is a rough estimate,
     * 2.5x by chance now and then; two in a row are not chance. */
    b->swing_blocks = swinging ? b->swing_blocks + 1 : 0;
    if (m->thinned && b->swing_blocks < 2) swinging = 0;
    int not_falling = level >= b->prev_median * (1 - o->oscillation_min_drop);
    int climbed_back = rebounded(m);
    if (m->loss.diverging) {
        /* This climb is the divergence's: one climb, one sign; and the loss not improving
         * on its best since is the too-high LR's doing, not a plateau. */
        b->rebound_from = b->best_step;
        b->oscillated_since_best = 1;
        judge_recovery(m, step, level);
        return;
    }
    b->diverge_peak = NAN;
    b->recovered_raised = 0;
    if (!swinging && !climbed_back) {
        b->oscillating = 0;
        return;
    }
    if (b->oscillating || !lr_is_high(m)) return;
    if (swinging && not_falling)
        raise_swings(m, step, level, noise, earlier);
    else if (climbed_back && b->best_step != b->rebound_from) /* the same climb: said already */
        raise_rebound(m, step);
    else
        return;
    b->oscillating = b->oscillated_since_best = 1;
}

/* Where the loss started: the first points, or the first block's median if higher (a
 * fall finished within the first block still counts as a fall). */
static double untrained_level(const loss_block_state *b)
{
    return fmax(b->first_median, b->start_sum / b->start_n);
}

/* The chance scatter, relative to the level, of a level averaged over `blocks` block
 * medians: 1.25 x the run's noise / sqrt(blocks x window) (a median's standard error is
 * 1.25x a mean's); NaN before the run's noise is known. */
static double median_scatter(const lrs_monitor *m, int blocks)
{
    return 1.25 * earlier_noise(&m->block) / sqrt((double)blocks * m->opt.window);
}

/* The relative gain that counts as an improvement: plateau_threshold, or, once the LR has
 * decayed to plateau_decayed_fraction of its peak, also 4x a 2-block level's chance scatter
 * (noise / sqrt(2 window) x 1.25 for a median): a decayed LR moves the loss less than that,
 * and the best is compared with every new pair, a difference of two levels (sqrt 2 x the
 * scatter) tried again and again; at 2x, lucky pairs restarted the patience of flat runs. */
static double plateau_gain_needed(const lrs_monitor *m)
{
    const lrs_signs_options *o = &m->opt;
    double scatter = median_scatter(m, 2);
    if (!signs_lr_decayed(m) || isnan(scatter))
        return o->plateau_threshold;
    return fmax(o->plateau_threshold, 4 * scatter);
}

static int fit_recent(const loss_block_state *b, int64_t n, double *slope, double *t);

/* Whether the blocks since the best still fall, fitted as a line: by plateau_threshold over
 * their span, and clearly (t <= -2). The best is the lowest of many noisy 2-block levels,
 * a lucky one: a loss still gaining 1% per patience can stay above it for long. */
static int still_falling(const lrs_monitor *m)
{
    const loss_block_state *b = &m->block;
    int64_t n = (b->points - b->best_points) / m->opt.window;
    int64_t kept = recent_kept(b);
    if (n > kept) n = kept;
    double slope, t;
    if (!fit_recent(b, n, &slope, &t)) return 0;
    double span = b->recent_x[(b->recent_n - 1) % SIGNS_RECENT] - b->recent_x[(b->recent_n - n) % SIGNS_RECENT];
    return t <= -2 && 1 - exp(slope * span) >= m->opt.plateau_threshold;
}

/* Hindsight: the loss improved again after a plateau was raised, so the run was not stuck
 * for good and the sign, if still waiting, becomes info: at an LR still above half the
 * one it was raised at, the run came out of it by itself (a pause: a slow stretch at a
 * noisy batch size); after a cut to an LR still above plateau_decayed_fraction of its
 * peak, the schedule did what the sign asked (a step schedule's flat stretch before its
 * step is the recipe, not a fault). */
static void plateau_ended(lrs_monitor *m, int64_t step, double level)
{
    loss_block_state *b = &m->block;
    lrs_sign *held = signs_waiting(m, b->plateau_sign);
    if (!held || held->kind != LRS_SIGN_PLATEAU) return;
    int cut = m->lr.now <= 0.5 * b->plateau_lr;
    if (cut && signs_lr_decayed(m)) return; /* at a spent LR a gain is likelier a lucky pair */
    if (!cut)
        signs_rewrite(held, LRS_SIGN_PLATEAU, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                      "%.180s; then it fell to %.4g by step %lld at the same LR: a pause, not a"
                      " plateau", held->message, level, (long long)step);
    else
        signs_rewrite(held, LRS_SIGN_PLATEAU, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                      "%.180s; then the schedule lowered the LR to %.3g and the loss fell to %.4g"
                      " by step %lld", held->message, m->lr.now, level, (long long)step);
}

/* level: the mean of the last two block medians (a single lucky low block would stay
 * the best for long and make a slow healthy fall look like a plateau). */
static void judge_plateau(lrs_monitor *m, int64_t step, double level, int swinging)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    if (b->plateau_lr > 0 && isnan(b->plateau_cut_lr) && m->lr.now <= 0.5 * b->plateau_lr)
        b->plateau_cut_lr = m->lr.now, b->plateau_cut_step = step;
    if (level < b->best * (1 - plateau_gain_needed(m))) {
        if (b->plateaued && m->hindsight) plateau_ended(m, step, level);
        b->best = level;
        b->best_points = b->points;
        b->best_step = step;
        b->plateaued = b->oscillated_since_best = 0;
        return;
    }
    if (b->plateaued || swinging || b->oscillated_since_best || m->loss.diverging) return;
    /* A block median's scatter goes as noise / sqrt(window): noisier points (smaller
     * batches: noise ~ 1 / sqrt(batch)) need (noise / plateau_noise)^2 times as many of
     * them to show the same 1%, as many examples as a calmer run's patience. */
    double noise = earlier_noise(b), points = o->plateau_patience;
    if (noise > o->plateau_noise) points *= (noise / o->plateau_noise) * (noise / o->plateau_noise);
    /* At an LR already decayed to a sliver of its peak the loss has nothing left to wait
     * for: the weights barely move. */
    if (signs_lr_decayed(m)) points *= o->plateau_decayed_patience;
    double patience = fmax(points, o->plateau_patience_fraction * (double)b->points);
    if ((double)(b->points - b->best_points) < patience) return;
    if (!(b->best <= untrained_level(b) * (1 - o->plateau_min_fall))) return; /* never fell */
    if (still_falling(m)) return;
    b->plateaued = 1;
    b->plateau_lr = m->lr.now;
    b->plateau_cut_lr = NAN;
    long long since = (long long)(b->points - b->best_points);
    if (signs_lr_decayed(m)) {
        /* A decay in the second half of a known run is a schedule's last, low-LR phase (a
         * step schedule's last step at two thirds), not an early decay. When the LR decayed
         * decides, not when the best came: at a spent LR a "best" in the second half is a
         * lucky pair (batch 512, exp decay: 1.2% at an LR of 1e-9). */
        if (o->total_steps > 0 &&
            2 * (m->lr.decayed_step - m->loss.first_step) >= o->total_steps - m->loss.first_step)
            return;
        b->plateau_sign = signs_raise(m, LRS_SIGN_PLATEAU, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, b->best_step, step,
                    LRS_ACTION_NONE, NAN,
                    "loss has not improved on %.4g (step %lld) by %g%% for %lld points, with the LR"
                    " already decayed to %.3g (%.0f%% of its peak %.3g): the schedule decayed too"
                    " early", b->best, (long long)b->best_step, 100 * o->plateau_threshold, since,
                    m->lr.now, 100 * m->lr.now / m->lr.peak, m->lr.peak);
        return;
    }
    char lr[48];
    b->plateau_sign = signs_raise(m, LRS_SIGN_PLATEAU, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, b->best_step, step,
                LRS_ACTION_REDUCE_LR, o->plateau_factor,
                "loss has not improved on %.4g (step %lld) by %g%% for %lld points%s",
                b->best, (long long)b->best_step, 100 * o->plateau_threshold, since,
                signs_lr_clause(lr, m->lr.now));
}

/* Least-squares slope of log(level) against step over every block but the first,
 * with its t-statistic. Returns 0 when there are too few blocks. */
static int level_slope(const loss_block_state *b, double *slope, double *t)
{
    double n = b->fit_n;
    if (n < 3) return 0;
    double sxx = b->fit_xx - b->fit_x * b->fit_x / n;
    double sxy = b->fit_xy - b->fit_x * b->fit_y / n;
    double syy = b->fit_yy - b->fit_y * b->fit_y / n;
    if (!(sxx > 0)) return 0;
    *slope = sxy / sxx;
    double residual_var = fmax(syy - *slope * sxy, 0) / (n - 2);
    double se = sqrt(residual_var / sxx);
    *t = se > 0 ? *slope / se : (*slope < 0 ? -INFINITY : 0);
    return 1;
}

/* Least-squares slope of the latest n fitted block levels (log level against step) and
 * its t-statistic (-inf for a perfect fall). Returns 0 when fewer than 3 are kept. */
static int fit_recent(const loss_block_state *b, int64_t n, double *slope, double *t)
{
    int64_t kept = recent_kept(b);
    if (n > kept) n = kept;
    if (n < 3) return 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (int64_t k = b->recent_n - n; k < b->recent_n; k++) {
        double x = b->recent_x[k % SIGNS_RECENT], y = b->recent_y[k % SIGNS_RECENT];
        sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y;
    }
    double dxx = sxx - sx * sx / (double)n, dxy = sxy - sx * sy / (double)n;
    double dyy = syy - sy * sy / (double)n;
    if (!(dxx > 0)) return 0;
    *slope = dxy / dxx;
    double se = sqrt(fmax(dyy - *slope * dxy, 0) / (double)(n - 2) / dxx);
    *t = se > 0 ? *slope / se : (*slope < 0 ? -INFINITY : 0);
    return 1;
}

/* The slope of the latest half of the fitted block levels (at least 3 of them, at most
 * SIGNS_RECENT): how fast the loss falls now. */
static double recent_slope(const loss_block_state *b)
{
    int64_t kept = recent_kept(b);
    double slope, t;
    return fit_recent(b, kept / 2 > 3 ? kept / 2 : 3, &slope, &t) ? slope : 0;
}

/* The loss fell from `from` (its untrained level, or its first block's) to level by more
 * than slow_min_scatter block medians' chance scatter (median_scatter): it moved. A network
 * killed in its first steps sits at chance with a drift of 0.1% that a line fits as a
 * "fall" (Lightning logs it from step 49, already dead): "raise the LR" would be the
 * wrong way. */
static int fell_beyond_scatter_from(const lrs_monitor *m, double from, double level)
{
    double scatter = median_scatter(m, 1);
    if (isnan(scatter)) scatter = 0;
    return from - level > m->opt.slow_min_scatter * scatter * level;
}

static int fell_beyond_scatter(const lrs_monitor *m, double level)
{
    return fell_beyond_scatter_from(m, untrained_level(&m->block), level);
}

/* A slow sign is raised (once per run): the LR it was raised at and the factor it asked
 * for, for hindsight (judge_slow_after) to weigh against a later gradient explosion. */
static void note_slow(loss_block_state *b, double lr, double factor)
{
    b->slow_raised = 1;
    b->slow_lr = lr;
    b->slow_factor = factor;
}

static void judge_slow(lrs_monitor *m, int64_t step, double level)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    if (b->slow_raised || b->oscillating || m->loss.diverging) return;
    if (b->points < o->slow_min_points) return;
    if (level < untrained_level(b) * (1 - o->slow_max_fall)) return; /* already fell well */
    if (!fell_beyond_scatter(m, level)) return;
    if (m->lr.now > 1.01 * m->lr.at_block_end) return;              /* still warming up */
    double slope, t;
    if (!level_slope(b, &slope, &t) || !(slope < 0 && t <= -o->slow_min_t)) return;
    /* A fall levelling off is a loss reaching its floor, not a slow LR: slow means it still
     * falls now at least half as fast as on average. */
    if (!(recent_slope(b) <= 0.5 * slope)) return;
    double to_halve = log(2.0) / -slope;
    int known = o->total_steps > 0;
    double horizon = (double)((known ? o->total_steps : step) - m->loss.first_step);
    if (!(horizon > 0) || to_halve < o->slow_ratio * horizon) return;
    double factor = round(10 * fmin(10, fmax(2, sqrt(to_halve / horizon)))) / 10;
    if (signs_raising_would_explode(m, m->lr.now, factor)) return;
    note_slow(b, m->lr.now, factor);
    char lr[48];
    b->slow_sign = signs_raise(m, LRS_SIGN_SLOW, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, m->loss.first_step, step,
                LRS_ACTION_RAISE_LR, factor,
                "loss falls only %.2g%% per 100 steps (%.4g now, %.4g in the first %d points):"
                " halving it would take ~%.0f steps, %.1fx the %.0f steps %s%s",
                100 * (1 - exp(100 * slope)), level, b->first_median, o->window, to_halve,
                to_halve / horizon, horizon, known ? "of the run" : "so far",
                signs_lr_clause(lr, m->lr.now));
}

/* The lowest 2-block level so far (best moves only on a 1% gain). While a block ends
 * level_pair is not yet in pair_prev; after, it is the same: one expression serves both. */
static double lowest_level_pair(const loss_block_state *b)
{
    return fmin(b->level_pair, fmin(b->pair_prev, b->best_before_prev));
}

/* A loss calmer than stall_calm_noise: a network giving every input the same answer (dead
 * at chance), or one whose minibatches all look alike. */
static int is_calm(const lrs_monitor *m)
{
    return earlier_noise(&m->block) < m->opt.stall_calm_noise;
}

/* Where a stalled run is measured from. A calm one from its first block's median, not the
 * untrained level: a network that blew up in its first steps (Adam at 0.1: 6.6 over steps
 * 1-10, then 2.31 for 1,500 steps) fell from those points without learning anything.
 * Any other from its untrained level: a run that learned all it could within its first
 * block (the class prior of a dataset without signal) is not stalled, and its minibatch
 * noise says it is no dead network. */
static double stall_reference(const lrs_monitor *m)
{
    return is_calm(m) ? m->block.first_median : untrained_level(&m->block);
}

/* A run that has learned nothing: stall_fraction of a run of known length gone (at least
 * stall_min_points points), and its lowest 2-block level not even slow_min_scatter chance
 * scatters below stall_reference, at an LR not rising (a warm-up may be on its way) and
 * not below stall_lr_fraction of its peak (an early decay flattens a loss that learned,
 * and its 32-step means are as calm as a dead network's: a plateau).
 * Either the LR killed the network in its first steps (dead units: a CNN at SGD 0.5 sits
 * at chance from then on) or it is too small to move the weights (a noisy loss is not
 * judged when its first point was logged after stall_first_step: then the untrained loss
 * was never seen, and a run already trained by then looks stalled); the log alone cannot
 * tell which (a gradient norm that exploded would: never_learned), and either way the
 * run is wasted: stop, and choose the LR with a range test. */
static void judge_stalled(lrs_monitor *m, int64_t step)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    int64_t first = m->loss.first_step;
    if (b->stalled_raised || m->loss.episodes > 0 || m->loss.diverging || o->total_steps <= 0 ||
        (first > o->stall_first_step && !is_calm(m)) || b->points < o->stall_min_points ||
        (double)(step - first) < o->stall_fraction * (double)(o->total_steps - first))
        return;
    if (m->lr.now > 1.01 * m->lr.at_block_end || signs_lr_below(m, o->stall_lr_fraction)) return;
    double lowest = lowest_level_pair(b), from = stall_reference(m);
    if (fell_beyond_scatter_from(m, from, lowest)) return;
    char lr[48];
    b->stalled_raised = 1;
    b->stalled_sign = signs_raise(m, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL, LRS_ROLE_LOSS, first, step,
                LRS_ACTION_STOP, NAN,
                "loss has not fallen below its %s %.4g in %lld steps (%.0f%% of the run): its lowest"
                " level %.4g is within its noise%s: the network is not learning (dead at a too-high"
                " LR, or an LR too small to move it); choose the LR with a range test",
                is_calm(m) ? "first block's level" : "untrained level", from, (long long)(step - first),
                100.0 * (double)(step - first) / (double)(o->total_steps - first), lowest,
                signs_lr_clause(lr, m->lr.now));
}

/* residual[i] = |value[i] - least-squares line through value[0..n)| (shapes: n). */
static void detrend(const double *value, double *residual, int n)
{
    double mx = 0.5 * (n - 1), my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) my += value[i];
    my /= n;
    for (int i = 0; i < n; i++) {
        sxy += (i - mx) * (value[i] - my);
        sxx += (i - mx) * (i - mx);
    }
    double slope = sxx > 0 ? sxy / sxx : 0;
    for (int i = 0; i < n; i++) residual[i] = fabs(value[i] - (my + slope * (i - mx)));
}

static void end_block(lrs_monitor *m, int64_t step)
{
    loss_block_state *b = &m->block;
    detrend(b->value, b->residual, b->fill);
    double level = lrs_signs_median(b->value, (size_t)b->fill);
    double noise = level > 0 ? lrs_signs_median(b->residual, (size_t)b->fill) / level : 0;
    b->blocks++;
    if (b->blocks == 1) {
        b->first_median = level;
    } else if (level > 0) { /* ratios and logs assume a positive loss */
        double x = 0.5 * (double)(b->block_start + step) - (double)m->loss.first_step;
        double y = log(level);
        b->fit_n += 1, b->fit_x += x, b->fit_y += y;
        b->fit_xx += x * x, b->fit_xy += x * y, b->fit_yy += y * y;
        b->recent_x[b->recent_n % SIGNS_RECENT] = x, b->recent_y[b->recent_n % SIGNS_RECENT] = y;
        b->recent_n++;
    }
    b->level_pair = b->blocks == 1 ? level : 0.5 * (b->prev_median + level);
    b->level_sum += level;
    b->level_n++;
    double earlier;
    int swinging = is_swinging(m, noise, &earlier);
    /* Ratios of levels judge these: a loss at or below zero (a log-likelihood, a constant
     * 0) has none to judge by. */
    if (level > 0 && b->level_pair > 0) {
        judge_oscillation(m, step, level, noise);
        judge_plateau(m, step, b->level_pair, swinging);
        judge_slow(m, step, level);
        judge_stalled(m, step);
    }
    if (b->blocks > 1 && !swinging && noise > 0) {
        b->noise_log_sum += log(noise);
        b->noise_log_recent = b->noise_blocks ? b->noise_log_recent + 0.25 * (log(noise) - b->noise_log_recent)
                                              : log(noise);
        b->noise_blocks++;
    }
    if (b->pair_prev < b->best_before_prev) b->best_pair_lr = b->pair_prev_lr;
    b->best_before_prev = fmin(b->best_before_prev, b->pair_prev); /* fmin skips the first NaN */
    b->pair_prev = b->level_pair;
    b->pair_prev_lr = fmin(b->prev_block_lr_min, b->block_lr_min); /* fmin skips a NaN */
    b->prev_block_lr_min = b->block_lr_min;
    b->prev_median = level;
    b->fill = 0;
    m->lr.at_block_end = m->lr.now;
}

void loss_block_feed(lrs_monitor *m, int64_t step, double x)
{
    loss_block_state *b = &m->block;
    if (b->fill == 0) {
        b->block_start = step;
        b->block_lr = b->block_lr_min = m->lr.now;
    }
    b->block_lr_min = fmin(b->block_lr_min, m->lr.now);
    if (b->start_n < m->opt.start_points) b->start_sum += x, b->start_n++;
    b->value[b->fill] = x;
    b->fill++;
    b->points++;
    if (b->fill >= m->opt.window) end_block(m, step);
}

/* The index of the first fitted block level the ring still holds at position x or later
 * (positions only grow), recent_n when there is none. */
static int64_t first_recent_from(const loss_block_state *b, double x)
{
    int64_t k = b->recent_n, oldest = b->recent_n - recent_kept(b);
    while (k > oldest && b->recent_x[(k - 1) % SIGNS_RECENT] >= x) k--;
    return k;
}

/* The fitted log level (ring) nearest to position x, within what the ring still holds. */
static double recent_level_at(const loss_block_state *b, double x)
{
    int64_t k = first_recent_from(b, x);
    if (k == b->recent_n) k--;
    return exp(b->recent_y[k % SIGNS_RECENT]);
}

/* Whether the fitted block levels from position x on (at least the latest 3) still fall
 * as a line, slope t-statistic <= -t_needed: a fall, not one lucky last block. */
static int still_falls_from(const loss_block_state *b, double x, double t_needed)
{
    int64_t n = b->recent_n - first_recent_from(b, x);
    double slope, t;
    return fit_recent(b, n > 3 ? n : 3, &slope, &t) && slope < 0 && t <= -t_needed;
}

/* A run cut off while still learning: its fall was spread over the whole run (the mean
 * level sits far above the last, relative to the whole fall) and the last quarter still
 * made a good share of that fall, as a fall its noise does not explain, at an LR not yet
 * annealed. The projection of judge_slow misses these when the loss already fell more than
 * slow_max_fall or would halve within slow_ratio runs. */
static void judge_slow_end(lrs_monitor *m)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    if (b->slow_raised || b->oscillating || m->loss.diverging || b->recent_n < 3) return;
    if (m->lr.peak > 0 && m->lr.now < o->slow_end_lr_fraction * m->lr.peak) return;
    int64_t first = m->loss.first_step;
    if (o->total_steps > 0 && 10 * (m->loss.last_finite_step - first) < 9 * (o->total_steps - first))
        return; /* the series stopped well before the run's known end: not the run's end */
    double start = untrained_level(b), end = b->prev_median;
    if (!(end > 0 && start > end) || !fell_beyond_scatter(m, end)) return;
    double area = (b->level_sum / (double)b->level_n - end) / (start - end);
    double x_end = b->recent_x[(b->recent_n - 1) % SIGNS_RECENT];
    double at_three_quarters = recent_level_at(b, 0.75 * x_end);
    double late_share = (at_three_quarters - end) / (start - end);
    if (area < o->slow_end_area || late_share < o->slow_end_share) return;
    if (!still_falls_from(b, 0.75 * x_end, o->slow_end_t)) return;
    if (signs_raising_would_explode(m, m->lr.now, 2.0)) return;
    note_slow(b, m->lr.now, 2.0);
    char lr[48];
    b->slow_sign = signs_raise(m, LRS_SIGN_SLOW, LRS_SEVERITY_WARNING, LRS_ROLE_LOSS, m->loss.first_step,
                m->loss.last_finite_step, LRS_ACTION_RAISE_LR, 2.0,
                "loss was still falling when the run ended: from %.4g to %.4g over its last"
                " quarter, %.0f%% of its whole fall from %.4g, which was spread over the run (mean"
                " level %.0f%% of the fall above the last; a healthy run's ~10%%)%s",
                at_three_quarters, end, 100 * late_share, start, 100 * area,
                signs_lr_clause(lr, m->lr.now));
}

/* Hindsight, at the end of the series: an oscillation sign, if still waiting, becomes info
 * when the LR was not high after all (below oscillation_lr_fraction of the whole run's
 * peak: a warm-up's noise, judged live against the peak so far), or when the schedule
 * itself then cut the LR to oscillation_factor of it or less and the loss ended below the
 * level it had swung above: the run needed nothing more. */
static void judge_oscillations_after(lrs_monitor *m)
{
    loss_block_state *b = &m->block;
    const lrs_signs_options *o = &m->opt;
    for (int i = 0; i < b->raised_n; i++) {
        const struct raised_oscillation *r = &b->raised[i];
        lrs_sign *held = signs_waiting(m, r->sign);
        if (!held || held->kind != LRS_SIGN_OSCILLATION || !(m->lr.peak > 0) || isnan(r->lr)) continue;
        int warmup = r->lr < o->oscillation_lr_fraction * m->lr.peak;
        int cured = m->lr.now <= o->oscillation_factor * r->lr && m->loss.trend < r->level;
        if (!warmup && !cured) continue;
        if (warmup)
            signs_rewrite(held, LRS_SIGN_OSCILLATION, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                          "%.180s; but the LR %.3g was only %.0f%% of the run's peak %.3g: not a"
                          " too-high LR", held->message, r->lr, 100 * r->lr / m->lr.peak, m->lr.peak);
        else
            signs_rewrite(held, LRS_SIGN_OSCILLATION, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                          "%.180s; the schedule then lowered the LR to %.3g and the loss ended at"
                          " %.4g, below the %.4g it swung above", held->message, m->lr.now,
                          m->loss.trend, r->level);
    }
}

/* Hindsight, at the end: a slow sign raised before the gradient norm exploded at the LR
 * it suggested raising to, if still waiting, becomes info. */
static void judge_slow_after(lrs_monitor *m)
{
    loss_block_state *b = &m->block;
    lrs_sign *held = b->slow_raised ? signs_waiting(m, b->slow_sign) : NULL;
    if (!held || held->kind != LRS_SIGN_SLOW || !signs_raising_would_explode(m, b->slow_lr, b->slow_factor)) return;
    signs_rewrite(held, LRS_SIGN_SLOW, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                  "%.180s; but the gradient norm then exploded at an LR of %.3g: the LR is not too"
                  " low, its noise holds the loss back", held->message, m->grad.explosion_lr_min);
}

/* Hindsight, at the end: a plateau that asked for a lower LR, still waiting, whose LR the
 * schedule then cut to half or less within as many steps as the plateau had lasted, becomes
 * info, whether or not the loss gained after the cut (at a spent LR it barely moves): a
 * step schedule's flat stretch before its step is its recipe, and it did what the sign asked. */
static void judge_plateau_after(lrs_monitor *m)
{
    const loss_block_state *b = &m->block;
    lrs_sign *held = isnan(b->plateau_cut_lr) ? NULL : signs_waiting(m, b->plateau_sign);
    if (!held || held->kind != LRS_SIGN_PLATEAU || held->severity != LRS_SEVERITY_WARNING ||
        held->action != LRS_ACTION_REDUCE_LR || b->plateau_cut_step - held->end_step > held->end_step - held->start_step)
        return;
    signs_rewrite(held, LRS_SIGN_PLATEAU, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                  "%.180s; then the schedule lowered the LR to %.3g by step %lld: the flat stretch"
                  " before its step", held->message, b->plateau_cut_lr, (long long)b->plateau_cut_step);
}

/* Hindsight, at the end: a stalled run whose loss did fall out of its noise later learned
 * after all, however slowly: info (the slow sign, if any, says what to do). */
static void judge_stalled_after(lrs_monitor *m)
{
    const loss_block_state *b = &m->block;
    double lowest = lowest_level_pair(b);
    lrs_sign *held = b->stalled_raised ? signs_waiting(m, b->stalled_sign) : NULL;
    if (!held || held->kind != LRS_SIGN_STALLED || !fell_beyond_scatter_from(m, stall_reference(m), lowest)) return;
    signs_rewrite(held, LRS_SIGN_STALLED, LRS_SEVERITY_INFO, LRS_ACTION_NONE, NAN,
                  "%.180s; later it fell to %.4g: it learned, if slowly", held->message, lowest);
}

/* The last partial block counts when it holds at least half a window. */
void loss_block_finish(lrs_monitor *m)
{
    if (m->block.fill >= m->opt.window / 2) end_block(m, m->loss.last_finite_step);
    judge_slow_end(m);
    if (m->hindsight) {
        judge_oscillations_after(m);
        judge_slow_after(m);
        judge_plateau_after(m);
        judge_stalled_after(m);
    }
}
