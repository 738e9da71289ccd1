/* The monitor's state, shared by the detector files (one file per family of signs). */
#ifndef LRSCOPE_SIGNS_INTERNAL_H
#define LRSCOPE_SIGNS_INTERNAL_H

#include <stdint.h>

#include "signs.h"

#define SIGNS_MAX_WINDOW 512
#define SIGNS_MIN_THINNED_WINDOW 6 /* the smallest block of a thinned series (a median of 6) */
#define SIGNS_VAL_FALL 3 /* evaluations of the first fall, not counted as swings */
#define SIGNS_MIN_THINNED_POINTS 20 /* fewer points show no trend: only what is unambiguous */
#define SIGNS_EPOCH_MIN_POINTS 4    /* a per-epoch log: its first epoch and 3 to judge after it */
#define SIGNS_EPOCH_SLOW_POINTS 6   /* 5 drops tell a straight fall from a curve */
#define SIGNS_EPOCH_SWINGS 2        /* rises of the epoch means that make a swing */
#define SIGNS_NOISE_POINTS 5        /* a thinned series' noise is known after this many points */
#define SIGNS_QUEUE 64
#define SIGNS_RECOVERED 8 /* recovered divergence episodes remembered for hindsight */
#define SIGNS_EXPLOSIONS_HELD 8 /* gradient explosion signs remembered for hindsight */
#define SIGNS_RECENT 64 /* block levels kept to tell a steady fall from one levelling off */
#define SIGNS_RAISED_OSCILLATIONS 16 /* oscillation signs remembered for hindsight */
#define SIGNS_CLIMB_MEDIAN_MAX 15 /* divergence_climb_median's largest value */

/* Per-point state of the training loss: smoothed values and the divergence/spike episodes. */
typedef struct loss_point_state {
    int64_t n, finite;       /* points fed, finite ones */
    int64_t first_step, last_step;
    int64_t last_finite_step;
    double last_value;       /* the last finite point */
    double first_value;      /* the first finite point: the untrained loss */
    int last_jump;           /* the last point was >= divergence_jump x smooth_min */
    int64_t blown_step;      /* the first point >= divergence_ratio x first_value, -1 for none */
    int episodes;            /* divergence episodes raised */
    double smooth;           /* fast EMA (options.smoothing) */
    double trend;            /* slow EMA (options.trend_smoothing) */
    double spread;           /* EMA of |x - smooth|, each term clipped at 3x spread (robust) */
    double trend_min;        /* running minimum of trend: "the running minimum" */
    double smooth_min;       /* running minimum of smooth (the divergence_jump reference) */
    int64_t near_min_step;   /* last step where smooth <= 1.1 x trend_min */
    double high_since_near_min; /* the highest point since then, and where */
    int64_t high_step;
    int64_t trend_min_step;  /* where trend_min was reached */
    int return_run;          /* consecutive points with smooth back near first_value */
    double return_sum;       /* the sum of those points */
    int near_start_run;      /* consecutive points with smooth within (1 - divergence_return,
                              * 1 + divergence_return_fall) x first_value */
    double moved;            /* the farthest smooth has been from first_value, and where */
    int64_t moved_step;
    double moved_to;
    int high_run;            /* consecutive points with loss and smooth >= ratio x trend_min */
    int out_run;             /* consecutive points whose smooth stands out of the noise (stands_out) */
    int climb_run;           /* consecutive points where smooth rose */
    int trend_run;           /* consecutive points where trend rose */
    int jump_run;            /* consecutive points >= divergence_jump x smooth_min */
    double last[SIGNS_CLIMB_MEDIAN_MAX]; /* the latest points (ring, divergence_climb_median) */
    int diverging;           /* a divergence episode is open (episode) */
    struct divergence_episode { /* for hindsight: did the run ride it out */
        uint64_t sign;       /* its sign's number (signs_raise) */
        double lr;           /* the LR when it was raised (NaN if not fed) */
        double peak;         /* its highest point, and where */
        int64_t peak_step;
        double trend_peak;   /* its highest slow EMA, and the points fed then */
        int64_t trend_peak_points;
        int64_t raised_points; /* points fed when it was raised */
        double floor;        /* the running minimum it climbed from */
        double back;         /* the point it was back near that minimum at, and where */
        int64_t back_step, points; /* points from its raise to the recovery */
        int at_start;        /* raised for a loss back at its untrained level (or never away) */
        int swung;           /* judge_recovery raised an oscillation for it: swing_sign */
        uint64_t swing_sign;
    } episode, recovered[SIGNS_RECOVERED]; /* the open (or last) one; those the loss came back from */
    int recovered_n;
    int spike_pending;       /* points since a spike candidate, 0 = none */
    int64_t spike_step, spike_end;
    double spike_base, spike_peak;
    int nan_open;            /* a non-finite episode is open */
} loss_point_state;

/* Block judgements (oscillation, plateau, slow) over windows of options.window points. */
typedef struct loss_block_state {
    double value[SIGNS_MAX_WINDOW];    /* raw losses of the current block */
    double residual[SIGNS_MAX_WINDOW]; /* scratch: |x - the block's line| */
    int fill;
    int64_t block_start, blocks, points;
    double block_lr;         /* LR when the current block began (NaN if not fed) */
    double first_median, prev_median;
    double level_pair;       /* mean of the last two block medians: what plateau compares */
    double noise_log_sum;    /* sum of log noise over calm (not swinging) blocks after the first */
    int64_t noise_blocks;
    double noise_log_recent; /* EMA (weight 1/4) of the same logs: the calm noise of late */
    double best_before_prev; /* lowest level_pair of the pairs ended before the previous
                              * block (pairs, not single blocks: the lowest of many single
                              * blocks is a lucky one, far below the run's real level) */
    double pair_prev;        /* the previous block's level_pair */
    double block_lr_min;     /* the lowest LR during the current block, the previous one, */
    double prev_block_lr_min; /* during pair_prev's two blocks, and during the two blocks */
    double pair_prev_lr;     /* of best_before_prev (NaN when the LR is not fed) */
    double best_pair_lr;
    double diverge_peak;     /* highest block level since a divergence episode opened, NaN if none */
    int recovered_raised;    /* oscillation raised for this divergence episode */
    double level_sum;        /* sum of the block levels (the first included) and their count */
    int64_t level_n;
    int oscillating;         /* open episodes */
    int swing_blocks;        /* consecutive blocks swinging well above the earlier noise */
    int plateaued;
    uint64_t plateau_sign;   /* the open plateau's sign number and the LR when it was raised */
    double plateau_lr;
    double plateau_cut_lr;   /* the LR when it first fell to half plateau_lr after the last */
    int64_t plateau_cut_step; /* plateau sign, at that block's end (NaN: not since) */
    int oscillated_since_best; /* an oscillation was raised after the best level */
    int slow_raised;
    int stalled_raised;
    uint64_t stalled_sign;
    uint64_t slow_sign;      /* its number, the LR and factor it suggested raising from and by */
    double slow_lr, slow_factor;
    double best;             /* best block median, ReduceLROnPlateau style */
    int64_t best_points, best_step;
    double fit_n, fit_x, fit_y, fit_xx, fit_xy, fit_yy; /* log(median) vs step, blocks >= 1 */
    double recent_x[SIGNS_RECENT], recent_y[SIGNS_RECENT]; /* the last fitted points (ring) */
    int64_t recent_n;
    double start_sum;        /* sum of the first (up to start_points) points: the untrained loss */
    int start_n;
    int64_t osc_start;
    double osc_lr;
    int64_t rebound_from;    /* best_step of the last climb-back raised: one sign per climb */
    struct raised_oscillation { /* for hindsight: was the LR high, did the schedule cure it */
        uint64_t sign;
        double lr, level;    /* the LR when it began, the level it swung above */
    } raised[SIGNS_RAISED_OSCILLATIONS];
    int raised_n;
} loss_block_state;

/* A loss logged once per epoch (lrs_monitor_set_points: SIGNS_EPOCH_MIN_POINTS to
 * SIGNS_MIN_THINNED_POINTS - 1 points), each point a mean over an epoch: every point kept. */
typedef struct epoch_log_state {
    double value[SIGNS_MIN_THINNED_POINTS]; /* the points so far, all finite */
    int n;
    int64_t first_step;
    double lr_before;        /* the LR when the previous point came (NaN if not fed) */
    int lr_rose;             /* it rose between two points (a warm-up, a cycle): the shape
                              * is the schedule's, not the LR's pace; not judged */
    int off;                 /* not judged (any more): the tag names no epoch, or a
                              * non-finite point came (the nan sign says it), or one at or
                              * below zero (a log-likelihood: no ratios to judge by) */
    int stalled_raised, slow_raised, swing_raised;
    uint64_t stalled_sign;
} epoch_log_state;

typedef struct val_state {
    int64_t n, last_step;
    double best, train_at_best;
    int64_t best_step;
    int since_best;
    int above_run;           /* consecutive points >= best x (1 + the rise needed) */
    int below_run;           /* consecutive points under it */
    double last;             /* the previous finite point, NaN before one */
    double last_lr;          /* the LR at it (NaN when not fed) */
    double change;           /* EMA (weight 1/4) of max(0, x - last) / last: half an evaluation's noise */
    int overfit_open;
    uint64_t overfit_sign;   /* the open episode's sign number and its highest point */
    double overfit_peak;
    int64_t overfit_peak_step;
    int nan_open;
    int evaluations;         /* finite points so far */
    double swing_up, swing_down; /* sums of the rises and falls of log(val loss) between */
    int swings, rises;       /* evaluations after the first SIGNS_VAL_FALL, at a high LR; counts */
    int64_t swing_from;      /* the step the first counted change ended at */
    int swing_raised;
} val_state;

typedef struct grad_state {
    int64_t n, finite, last_step;
    double log_level;        /* EMA of log(grad norm) over calm points */
    int exploding;
    int explosions;          /* episodes raised, and the lowest LR one was raised at (NaN if */
    double explosion_lr_min; /* the LR was not fed then) */
    uint64_t explosion_sign[SIGNS_EXPLOSIONS_HELD]; /* the first ones' sign numbers */
    int nan_open;
} grad_state;

/* The LR this many times an earlier value of it: the schedule raised it (a warm restart, a
 * cyclic LR's rise), and the loss climbing with it is the recipe. */
#define SIGNS_LR_RAISED 1.25

typedef struct lr_state {
    int64_t n, last_step;
    double now, peak, at_block_end;
    int64_t decayed_step;    /* where it last fell to plateau_decayed_fraction of its peak, -1 */
    int64_t jumped_at;       /* loss points fed when it last rose SIGNS_LR_RAISED x from one
                              * step to the next (a warm restart), -1 for never */
} lr_state;

struct lrs_monitor {
    lrs_signs_options opt;   /* in effect: base, thinned for the series' points */
    lrs_signs_options base;  /* as opened (total_steps as last set) */
    char tag[LRS_ROLE_COUNT][128];
    loss_point_state loss;
    loss_block_state block;
    val_state val;
    grad_state grad;
    epoch_log_state epochs;
    lr_state lr;
    int finished;
    int hindsight;           /* lrs_monitor_set_hindsight */
    int thinned;             /* lrs_monitor_set_points thinned the options */
    int coarse;              /* ...was told of fewer points than resolution_points (thinned,
                              * or too few to thin): not a per-step log */
    int few_points;          /* ...of SIGNS_EPOCH_MIN_POINTS to SIGNS_MIN_THINNED_POINTS - 1:
                              * with a loss tag naming an epoch (signs_tag_per_epoch), a
                              * loss logged once per epoch, judged by epoch_log.c */
    uint64_t raised;         /* signs raised so far: the next sign's number */
    lrs_sign queue[SIGNS_QUEUE];
    uint64_t queue_seq[SIGNS_QUEUE]; /* each waiting sign's number */
    int queue_head, queue_len;
    uint64_t dropped;
};

/* Copies opt into *dst after checking it (LRS_ERR_ARG naming the first threshold out of
 * its range), or the defaults when opt is NULL: what the monitor and the sweep open with. */
int signs_options_take(lrs_signs_options *dst, const lrs_signs_options *opt);

/* Rescales o's point counts and smoothing weights for a loss series of `points` points
 * (lrs_monitor_set_points) and returns 1; 0, changing nothing, when points is under
 * SIGNS_MIN_THINNED_POINTS or not below o->resolution_points. */
int signs_options_thin(lrs_signs_options *o, int64_t points);

/* The LR has decayed to plateau_decayed_fraction of its peak (0 when not fed): a
 * schedule's low phase. */
int signs_lr_decayed(const lrs_monitor *m);

/* The LR is below fraction x its peak; false while no LR was fed (NaN compares false). */
int signs_lr_below(const lrs_monitor *m, double fraction);

/* Queues a sign; message is printf-style. factor NaN when the action has none. Returns
 * the sign's number, by which hindsight finds it again (signs_waiting). */
uint64_t signs_raise(lrs_monitor *m, lrs_sign_kind kind, lrs_severity severity, lrs_role role,
                 int64_t start_step, int64_t end_step, lrs_action action, double factor,
                 const char *fmt, ...) __attribute__((format(printf, 9, 10)));

/* The sign numbered seq (by signs_raise) if it is still waiting in the
 * queue (not taken, not dropped), else NULL: hindsight rewrites it there. */
lrs_sign *signs_waiting(lrs_monitor *m, uint64_t seq);

/* Hindsight: rewrites a waiting sign as what the rest of the run showed it to be, with a
 * new message (printf-style; "%s" args may point into the sign's old message). */
void signs_rewrite(lrs_sign *s, lrs_sign_kind kind, lrs_severity severity, lrs_action action,
                   double factor, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* For a non-finite x: raises `nan` (critical, stop) once per episode (*open) and
 * returns 1; for a finite x closes the episode and returns 0. */
int signs_non_finite(lrs_monitor *m, lrs_role role, int64_t step, double x, int *open);

/* "; LR was 0.3" for messages, or "" when no LR was fed (lr NaN). buf: 48 bytes. */
const char *signs_lr_clause(char *buf, double lr);

void loss_point_reset(loss_point_state *s);
void loss_point_feed(lrs_monitor *m, int64_t step, double value);
void loss_point_finish(lrs_monitor *m);
void loss_point_hindsight(lrs_monitor *m);
/* At the series' end: not diverging, its trend within 1.25x its lowest (or within one
 * point's noise of it) and divergence_return_fall below the untrained loss. */
int loss_point_ended_near_best(const lrs_monitor *m);

void loss_block_reset(loss_block_state *b);
void loss_block_feed(lrs_monitor *m, int64_t step, double x);
void loss_block_finish(lrs_monitor *m);

void val_reset(val_state *v);
void val_feed(lrs_monitor *m, int64_t step, double value);
void val_finish(lrs_monitor *m);

/* Raising the LR by factor from lr would reach an LR at which the gradient norm exploded
 * (any, when either LR is unknown): a crawl there is the too-high LR's noise. */
int signs_raising_would_explode(const lrs_monitor *m, double lr, double factor);

/* The tag names a per-epoch series: a word of it starts with "epoch" (Keras's epoch_loss,
 * "loss/epoch") or ends with "_epoch" (Lightning's train_loss_epoch). */
int signs_tag_per_epoch(const char *tag);

void epoch_log_reset(epoch_log_state *e);
void epoch_log_feed(lrs_monitor *m, int64_t step, double value);
void epoch_log_hindsight(lrs_monitor *m);

void grad_reset(grad_state *g);
void grad_feed(lrs_monitor *m, int64_t step, double value);
void grad_hindsight(lrs_monitor *m);

#endif
