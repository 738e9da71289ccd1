/* signs: streaming warning-sign detectors for a training run.
 *
 * One lrs_monitor watches one run. Feed it points as they come (inside a training
 * loop or while reading event files); it keeps O(1) memory per series (bounded
 * windows) and raises each sign once per episode, with its onset step:
 *
 *   lrs_monitor *m;
 *   lrs_monitor_open(&m, NULL);                    // NULL: the default thresholds
 *   for (step...) {
 *       lrs_monitor_feed(m, LRS_ROLE_LR, step, lr);
 *       lrs_monitor_feed(m, LRS_ROLE_LOSS, step, loss);
 *       lrs_sign s;
 *       while (lrs_monitor_next_sign(m, &s))
 *           printf("%s: %s\n", lrs_sign_kind_name(s.kind), s.message);
 *   }
 *   lrs_monitor_finish(m);                          // end-of-series judgements
 *   ...drain lrs_monitor_next_sign() again...
 *   lrs_monitor_close(m);
 *
 * Detectors work on points, not steps: a series logged every N steps has windows
 * N times longer in steps. Steps are only reported (and used by `slow` to project).
 * A step lower than the previous step of the same role means the run restarted:
 * that series' detectors start afresh (signs already raised stay raised).
 */
#ifndef LRSCOPE_SIGNS_H
#define LRSCOPE_SIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a fed series is. LR is never judged: it only informs the loss detectors. */
typedef enum lrs_role {
    LRS_ROLE_LOSS,      /* training loss, one point per logged step */
    LRS_ROLE_VAL_LOSS,  /* validation loss, typically one point per epoch */
    LRS_ROLE_LR,        /* the learning rate in use at that step */
    LRS_ROLE_GRAD_NORM, /* the global gradient norm */
    LRS_ROLE_COUNT
} lrs_role;

typedef enum lrs_sign_kind {
    LRS_SIGN_NAN,         /* a non-finite value */
    LRS_SIGN_DIVERGENCE,  /* the loss climbs far above its minimum and keeps climbing */
    LRS_SIGN_OSCILLATION, /* the loss swings widely and stops falling while the LR is high */
    LRS_SIGN_PLATEAU,     /* no improvement over the patience window after falling */
    LRS_SIGN_OVERFIT,     /* the val loss stops improving while the training loss falls */
    LRS_SIGN_SLOW,        /* the loss falls steadily but far too slowly */
    LRS_SIGN_SPIKE,       /* a short jump far outside the recent spread that recovered */
    LRS_SIGN_GRAD_EXPLOSION, /* the gradient norm jumps far above its usual level */
    LRS_SIGN_STALLED      /* the loss has not fallen from where it started: nothing learned */
} lrs_sign_kind;

typedef enum lrs_severity { LRS_SEVERITY_INFO, LRS_SEVERITY_WARNING, LRS_SEVERITY_CRITICAL } lrs_severity;

typedef enum lrs_action {
    LRS_ACTION_NONE,
    LRS_ACTION_REDUCE_LR, /* multiply the LR by factor (< 1) */
    LRS_ACTION_RAISE_LR,  /* multiply the LR by factor (> 1) */
    LRS_ACTION_STOP       /* stop the run (restart it, or keep an earlier checkpoint) */
} lrs_action;

typedef struct lrs_sign {
    lrs_sign_kind kind;
    lrs_severity severity;
    lrs_role role;          /* the series it was seen on */
    char tag[128];          /* that series' tag (lrs_monitor_set_tag), else the role's name */
    int64_t start_step;     /* onset */
    int64_t end_step;       /* the step at which the evidence was complete */
    char message[320];      /* what was seen, in numbers, one line */
    lrs_action action;
    double factor;          /* for REDUCE_LR / RAISE_LR; NaN when the action has none */
} lrs_sign;

/* Every threshold. Windows count points of the series they apply to. */
typedef struct lrs_signs_options {
    int64_t total_steps;         /* expected last step of the run; 0 (default) = unknown */
    double smoothing;            /* weight of a new point in the fast smoothed loss: 0.3 */
    double trend_smoothing;      /* weight of a new point in the slow trend: 0.05 */
    int window;                  /* points per block for oscillation/plateau/slow: 50 (8..512) */
    int64_t resolution_points;   /* a loss series known to hold fewer points than this (a loss
                                  * logged every k-th step, or as epoch means) is judged as
                                  * if thinned from this many: see lrs_monitor_set_points. 450
                                  * (0 = never) */

    double divergence_ratio;     /* loss and smoothed loss >= ratio x running min of the trend... 2 */
    int divergence_confirm;      /* ...for this many consecutive points: 3 */
    double divergence_climb_ratio; /* or smoothed >= this x min... 1.6 */
    int divergence_climb;        /* ...and it (or the slow trend) rose at each of this many points: 10 */
    int divergence_climb_median; /* ...and (per-step logs) the median of the latest this many
                                  * points there too: a run of high draws ending on two
                                  * outliers lifts the fast EMA 1.6x and 10 rises, not the
                                  * points' middle (0: off; at most 15): 5 */
    double divergence_climb_spread; /* ...and, on a per-step log, smoothed stands this many mean
                                  * deviations of the noise above that min (a run of high
                                  * draws on a batch-32 loss climbs 1.6x): 3 */
    double divergence_jump;      /* or 2 consecutive points >= this x the lowest point: 10 */
    double divergence_return_fall; /* or, once the trend fell this fraction below the first
                                  * point (the untrained loss)... 0.1 */
    double divergence_return;    /* ...the smoothed loss is back within this fraction of that
                                  * first point (a network that forgot what it learned:
                                  * chance level)... 0.05 */
    double divergence_return_sure; /* (or half as many, when their mean stands this many
                                  * standard errors inside the band: 5; 0 = never) */
    int divergence_return_confirm; /* ...for this many consecutive points: 20 (onset: where
                                  * the trend was lowest, or the first step when it never got
                                  * below half the first point: nothing worth keeping) */
    double divergence_factor;    /* suggested LR factor: 0.1 */
    double divergence_spread;    /* in a thinned series (lrs_monitor_set_points), a climb (and
                                  * the jump before a return to the untrained loss) must also
                                  * be this many mean deviations of the loss above its base: 5 */
    double divergence_return_noise; /* the trend's fall before a return to the untrained loss
                                  * must also be this many mean deviations of the loss (its
                                  * per-point noise now): 1 */

    double spike_ratio;          /* a spike is >= ratio x the smoothed loss... 1.5 */
    double spike_spread;         /* ...and >= this many mean deviations above it: 6 */
    int spike_recover;           /* ...back within this many points: 5 */

    double oscillation_noise_ratio; /* block noise >= ratio x the run's earlier noise... 2.5 */
    double oscillation_min_noise; /* ...and >= this fraction of the level (a swing that
                                  * matters, not a smooth slow fall's tiny noise): 0.05 */
    double oscillation_min_drop; /* the block fell less than this fraction: 0.02 */
    double oscillation_lr_fraction; /* while LR >= this fraction of its peak (if fed): 0.5 */
    double oscillation_rebound;  /* or the mean of the last 2 block levels >= this x the
                                  * lowest such 2-block mean before them (the loss climbed
                                  * back without exploding), LR high: 1.15... */
    double oscillation_rebound_noise; /* ...and >= 1 + this x the run's earlier noise /
                                  * sqrt(window) (a block median's own scatter: the losses of
                                  * small batches climb back that far by chance): 8 */
    double oscillation_recover;  /* or, during a divergence, a block level back below this x
                                  * its highest block since and below (1 - divergence_return_fall)
                                  * x the untrained loss, LR high (the run survived the climb:
                                  * it swings): 0.9 */
    double oscillation_val_swing; /* or the val loss, after its first 3 evaluations (the
                                  * fall), rises and falls between evaluations by at least
                                  * this much on average each way (mean up and mean down
                                  * of log(val loss), counting 0 for a move the other way),
                                  * LR high: the weights bounce, whatever the smoothed
                                  * training loss shows (a healthy run's <= 0.07)... 0.1 */
    int oscillation_val_changes; /* ...over at least this many changes: 6 */
    double oscillation_factor;   /* suggested LR factor: 0.5 */

    double plateau_threshold;    /* improvement = block median < best x (1 - threshold): 0.01 */
    int plateau_patience;        /* points without improvement: 300... */
    double plateau_noise;        /* ...times (noise / this)^2 when the run's earlier noise is
                                  * above it (small batches: as many examples, not points): 0.15,
                                  * or... */
    double plateau_patience_fraction; /* ...this fraction of the points so far, if more: 0.25
                                  * (late in a long run a healthy loss gains 1% slower) */
    double plateau_min_fall;     /* only once the loss fell this fraction from its first block: 0.2 */
    double plateau_decayed_fraction; /* LR <= this fraction of its peak: "decayed too early": 0.05
                                  * (below one StepLR x0.1 step, a normal recipe; not raised
                                  * when the stall, or the decay, began in the second half of a
                                  * run of known total_steps: a schedule's last phase). At such an LR a gain
                                  * must also beat 4x a 2-block level's chance scatter */
    double plateau_decayed_patience; /* the patience at such a decayed LR, as a fraction of
                                  * the above (nothing left to wait for): 0.5 */
    double plateau_factor;       /* suggested LR factor (ReduceLROnPlateau's): 0.1 */

    int overfit_patience;        /* val points without a 1% improvement, each of them... 3 */
    double overfit_rise;         /* ...at least this fraction above the best (not noise): 0.05,
                                  * and at least... */
    double overfit_noise;        /* ...this x the mean relative rise between evaluations (the
                                  * val loss's own noise: a 1,000-example held-out set at a
                                  * high LR moves 25% between epochs): 2 */
    double overfit_train_fall;   /* while the training trend fell this fraction: 0.05 */

    int slow_min_points;         /* judge slowness after this many points: 300 */
    double slow_max_fall;        /* only while the loss fell less than this fraction (of the
                                  * mean of its first start_points points, the untrained
                                  * loss, or the first block's median if higher): 0.5 */
    int start_points;            /* 5 */
    double slow_ratio;           /* projected steps to halve >= ratio x horizon: 3 */
    double slow_min_t;           /* the fall is steady: slope t-statistic <= -this: 3 */
    double slow_min_scatter;     /* and the loss fell below its untrained level by this many
                                  * block medians' chance scatter (a dead network's drift of
                                  * 0.1% is no crawl): 3 */
    double slow_end_area;        /* or, at the end (lrs_monitor_finish, of the whole run when
                                  * total_steps is known): the mean block level
                                  * sits >= this fraction of the whole fall above the last
                                  * (a healthy run falls early: ~0.05-0.13; a steady crawl
                                  * ~0.5)... 0.27 */
    double slow_end_share;       /* ...the last quarter of the run still made this fraction of
                                  * the whole fall (a healthy run's: ~0.03, a steady crawl's:
                                  * 0.25)... 0.05 */
    double slow_end_lr_fraction; /* ...with the LR still >= this fraction of its peak (not a
                                  * schedule's annealing phase): 0.5 */
    double slow_end_t;           /* ...and the block levels of that last quarter still fall as
                                  * a fitted line, slope t-statistic <= -this (a noisy log's
                                  * last quarter "falls" by one lucky block): 2 */

    double stall_fraction;       /* stalled: this fraction of a run of known length gone... 0.2 */
    int stall_min_points;        /* ...and at least this many points, and the loss's best
                                  * 2-block level not slow_min_scatter chance scatters below
                                  * its untrained level, at an LR not rising: 400... */
    int64_t stall_first_step;    /* ...in a log whose first loss is at most this step (later,
                                  * the untrained loss was never seen: Lightning's first,
                                  * at step 49, may be trained already; the divergence rules
                                  * against the untrained loss hold in such a log only at an
                                  * LR of stall_lr_fraction of its peak or more): 10, unless... */
    double stall_calm_noise;     /* ...the loss's noise is below this fraction of its level
                                  * (a network giving every input the same answer: dead at
                                  * chance 0.2-1%, a learning one's 8% or more): 0.02 */
    double stall_lr_fraction;    /* not while the LR is below this fraction of its peak (a
                                  * schedule that decayed early flattens a loss that learned:
                                  * a plateau, not a dead network): 0.5 */

    /* A loss logged once per epoch (lrs_monitor_set_points told of 4 to 19 points: Keras's
     * TensorBoard callback), each point a mean over an epoch: too few for the block
     * judgements above, judged on the shape of the series instead. */
    double epoch_stall_fall;     /* stalled: the later epochs' median less than this fraction
                                  * below the first epoch's mean (a healthy run's sit 49% or
                                  * more below it, an early-decayed one's 28.6%: the first
                                  * epoch holds the fast fall): 0.2... */
    double epoch_stall_later_fall; /* ...and their later half not this fraction below their
                                  * earlier half, nor falling at every epoch: 0.02 */
    double epoch_slow_keep;      /* slow: falling at every epoch after the first, the later
                                  * half's mean drop at least this x the earlier half's (a
                                  * healthy run's is a quarter of it): 0.7 */
    double epoch_swing;          /* oscillation: the epochs after the first rose twice by this
                                  * fraction or more, their later half not below their earlier
                                  * half: 0.01 */

    double grad_ratio;           /* grad norm >= ratio x its usual level: warning, 10 */
    double grad_critical_ratio;  /* >= this: critical, 100 */
    int grad_min_points;         /* usual level known after this many points: 10 */

    /* Sweeps (lrs_sweep): a run is compared with runs of the same settings at an LR at
     * least sweep_lr_ratio apart: 1.5... */
    double sweep_lr_ratio;
    double sweep_loss_ratio;     /* ...and flagged when its final training loss is >= this x
                                  * theirs: 1.3 (seeds alone: 1.07x median, 1.25x at the 90th
                                  * percentile on the real-run corpus)... */
    double sweep_val_ratio;      /* ...and, when both have a val loss, its final val loss >= this
                                  * x theirs (not a run that trains worse but generalises
                                  * better): 1.05 */
} lrs_signs_options;

/* Fills opt with the defaults above. */
void lrs_signs_options_init(lrs_signs_options *opt);

/* Sets one threshold from "name=value" (a field name above, e.g. "divergence_confirm=8").
 * An unknown name or a value that is not a number (a whole one for counts) fails, naming
 * it; the range is checked when a monitor opens with the options. */
int lrs_signs_options_set(lrs_signs_options *opt, const char *assignment);
/* The thresholds by index, 0..count-1: name and current value (for listing them). */
size_t lrs_signs_option_count(void);
const char *lrs_signs_option_name(size_t i);
double lrs_signs_option_value(const lrs_signs_options *opt, size_t i);

typedef struct lrs_monitor lrs_monitor;

/* opt may be NULL for the defaults; it is copied. LRS_ERR_ARG names a bad threshold. */
int lrs_monitor_open(lrs_monitor **m, const lrs_signs_options *opt);

/* The tag that signs on this role's series carry (copied, truncated to 127 bytes). */
int lrs_monitor_set_tag(lrs_monitor *m, lrs_role role, const char *tag);

/* One point of one series. Points of each role must come in step order; a step lower
 * than the previous one of that role restarts that role's detectors. */
int lrs_monitor_feed(lrs_monitor *m, lrs_role role, int64_t step, double value);

/* End of the series: judges what only the end can tell (the last partial window,
 * a final 10x jump). Feeding after finish starts no new episode of these. */
int lrs_monitor_finish(lrs_monitor *m);

/* Copies the oldest sign not yet taken into *out and returns 1; 0 when none. At most
 * 64 signs wait: beyond that the oldest info sign is dropped, else the oldest sign
 * (lrs_monitor_dropped counts them). */
int lrs_monitor_next_sign(lrs_monitor *m, lrs_sign *out);
uint64_t lrs_monitor_dropped(const lrs_monitor *m);

/* Forgets every series (tags and options stay), as for a new run. */
void lrs_monitor_reset(lrs_monitor *m);

/* The expected last step of the run (options.total_steps) for the runs that follow:
 * a check after the fact knows it from the series' last step. 0 = unknown. */
int lrs_monitor_set_total_steps(lrs_monitor *m, int64_t total_steps);

/* The number of points the loss series holds, known after the fact (check, report); 0 =
 * unknown (the default, and live). The thresholds above count points of a loss logged at
 * every step. A series of n < resolution_points points, the same training seen through
 * every k-th step or k-step means with k = resolution_points / n, is judged on that time
 * scale: each point count (window, patiences, confirmations) divided by k, down to a
 * floor that keeps a judgement possible (a window of 6 points, 3 points to confirm a
 * climb), and each smoothing weight w made 1 - (1 - w)^k, the weight k thinned points of
 * the EMA would carry; a climb must then stand out of the per-point noise too
 * (divergence_spread). Fewer than 20 points show no trend: only the unambiguous (NaN, a
 * tenfold jump) is raised, as without a count, unless there are 4 or more and the loss's
 * tag names an epoch (Keras's epoch_loss, Lightning's train_loss_epoch): then each point is
 * an epoch's mean, and its shape tells a network that learns nothing (stalled) and a
 * too-low LR's straight fall (slow): the epoch_* options. Lightning's every-50-steps logs
 * are judged as the per-step logs the defaults were tuned on. Applies to the series fed
 * after it (call it after lrs_monitor_reset). */
int lrs_monitor_set_points(lrs_monitor *m, int64_t points);

/* Judging after the fact (check, report), when nothing acts on a sign before the series
 * ends: on, a sign still waiting in the queue is rewritten as what the rest of the run
 * showed it to be (the README's table gives the numbers):
 *   - a divergence the loss came back from within two blocks, never at divergence_jump x
 *     its minimum, in a run that ends near its minimum: a `spike` (info);
 *   - a divergence the loss came back from later, or settled from instead of climbing on,
 *     in a run that kept at least half its fall and never reached divergence_jump x the
 *     untrained loss: an `oscillation` warning (the LR is too high; it did not lose the run);
 *   - an oscillation at an LR below half the whole run's peak, or one the schedule then
 *     cured: info;
 *   - a plateau the loss then left at an LR above half the one it was raised at: info
 *     (a pause);
 *   - a slow sign followed by a gradient explosion at the LR it suggested raising to: info;
 *   - an overfit whose val loss later comes back to its best (within 1%), or then stays
 *     under the rise that raised it for as many evaluations: info.
 * Live judging (watch, the trainer's policies) must act at once and keeps it off (the
 * default). Signs already taken with lrs_monitor_next_sign are not rewritten. */
int lrs_monitor_set_hindsight(lrs_monitor *m, int on);

void lrs_monitor_close(lrs_monitor *m);

/* Sweeps: runs of the same settings at different LRs, compared after the fact. Overlaid
 * in TensorBoard, a sweep shows what no single curve does: a run that settles well above
 * a run of the same settings at a lower LR had its LR too high, however smooth its own
 * curve (a too-high LR often just stalls higher: the "noise ball" grows with the LR); one
 * that ends well above a run at a higher LR had its LR too low.
 *
 *   lrs_sweep *s;
 *   lrs_sweep_open(&s, NULL);
 *   for (each run) lrs_sweep_add(s, &(lrs_sweep_run){.name = ..., .settings = ..., ...});
 *   for (i...) if (lrs_sweep_judge(s, i, &sign)) ...   // oscillation or slow, or nothing
 *   lrs_sweep_close(s);
 */
typedef struct lrs_sweep_run {
    const char *name;       /* shown in the other runs' messages (copied) */
    const char *settings;   /* everything but the LR and the seed, as one string: runs with
                             * equal strings are compared (copied); NULL: never compared */
    const char *tag;        /* the loss tag its sign carries (copied) */
    double lr;              /* the run's peak LR */
    double loss;            /* its training loss at the end (e.g. the median of its last tenth) */
    double val_loss;        /* its val loss at the end, NaN if none */
    int64_t end_start, end_step; /* the steps that end covers: the sign's range */
    int failed;             /* judged critical on its own: never a reference for the others */
} lrs_sweep_run;

typedef struct lrs_sweep lrs_sweep;

/* opt may be NULL for the defaults (the sweep_* thresholds); it is copied. */
int lrs_sweep_open(lrs_sweep **s, const lrs_signs_options *opt);
/* Adds run number lrs_sweep_count(s) - 1. LRS_ERR_ARG for a non-finite or non-positive LR
 * or a non-finite loss (such a run is simply not added: check it first). */
int lrs_sweep_add(lrs_sweep *s, const lrs_sweep_run *run);
size_t lrs_sweep_count(const lrs_sweep *s);
/* After every run is added: run i's sign from its siblings, 1 with *out filled, or 0 (also
 * when out of memory: the first call groups the runs by settings).
 * `oscillation` (reduce the LR to the reference's) when it ends sweep_loss_ratio x above
 * the best run of its settings at a lower LR; else `slow` (raise it) when above the best
 * at a higher LR. Only runs whose end_step is within 10% of each other are compared; a
 * failed run is judged but never a reference. */
int lrs_sweep_judge(lrs_sweep *s, size_t i, lrs_sign *out);
void lrs_sweep_close(lrs_sweep *s);

/* The median of v[0..n), sorting v in place; NaN when n is 0. The level the detectors judge
 * a block of losses by, and the end of a run a sweep compares (the median of its last
 * tenth: one lucky last point is no level). */
double lrs_signs_median(double *v, size_t n);

/* Whether a scalar tag names a series the monitor takes, by its '/'-separated words
 * (case-insensitive): a word loss / train_loss / training_loss / total_loss / val_loss /
 * ... (also with Lightning's _step or _epoch after it) is a loss, with a word val / valid /
 * validation / eval / test (or val_loss...) a val loss; lr / learning_rate / epoch_lr /
 * lr-* / lr_* an LR; grad_norm / gradient_norm / global_norm / grad_2.0_norm_total a
 * gradient norm. Tags under find/ (LR range tests) and signs/ (what a sign policy did,
 * e.g. signs/lr_scale) are never taken. Returns 0 when the
 * tag is none of these, else a preference score (higher: a training loss over another
 * loss, shallower tags first) and sets *role. */
int lrs_signs_classify_tag(const char *tag, lrs_role *role);

/* Static names: "nan", "divergence", ...; "info"/"warning"/"critical";
 * "none"/"reduce_lr"/"raise_lr"/"stop"; "loss"/"val_loss"/"lr"/"grad_norm". */
const char *lrs_sign_kind_name(lrs_sign_kind kind);
const char *lrs_severity_name(lrs_severity severity);
const char *lrs_action_name(lrs_action action);
const char *lrs_role_name(lrs_role role);

#ifdef __cplusplus
}
#endif
#endif
