/* lrscope learning rates: schedules that match PyTorch's schedulers step for step,
 * and the LR range test (lrs_find) that suggests a learning rate.
 *
 * A schedule from a spec string, driven from a training loop:
 *
 *   lrs_schedule *s;
 *   if (lrs_schedule_parse(&s, "linear:start=0.01,steps=10 then@10 cosine:T=90", 0.1) != LRS_OK)
 *       fprintf(stderr, "%s\n", lrs_errmsg());
 *   for (step = 0; step < 100; step++) {
 *       double lr, mom;
 *       lrs_schedule_get(s, &lr, &mom);      // the LR (and momentum) for this step
 *       train_step(lr, mom);
 *       lrs_schedule_step(s);                // PyTorch's scheduler.step()
 *   }
 *   lrs_schedule_free(s);
 *
 * Grammar (phases joined with " then@N ", N the global step where the next phase starts,
 * which then begins at its own step 0 like PyTorch's SequentialLR):
 *   constant[:factor=1,steps=0]     base*factor for steps, then base (ConstantLR)
 *   step:size=N[,gamma=0.1]         StepLR
 *   multistep:at=30/80[,gamma=0.1]  MultiStepLR
 *   exp:gamma=G                     ExponentialLR
 *   cosine:T=N[,min=0]              CosineAnnealingLR (periodic past T, as PyTorch)
 *   restarts:T0=N[,mult=1,min=0]    CosineAnnealingWarmRestarts
 *   linear[:start=1/3,end=1,steps=5]  LinearLR (start/end are factors of the base LR)
 *   poly[:steps=5,power=1]          PolynomialLR
 *   cyclic:min=LR[,max=base,up=2000,down=up,mode=triangular,gamma=1,
 *          cycle_mom=1,base_mom=0.8,max_mom=0.9]            CyclicLR
 *   onecycle:steps=N[,max=base,pct=0.3,div=25,final_div=1e4,anneal=cos,
 *          three_phase=0,cycle_mom=1,base_mom=0.85,max_mom=0.95]  OneCycleLR
 *   plateau[:factor=0.1,patience=10,threshold=1e-4,threshold_mode=rel,mode=min,
 *          cooldown=0,min=0,eps=1e-8]                       ReduceLROnPlateau
 */
#ifndef LRSCOPE_LR_H
#define LRSCOPE_LR_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lrs_schedule lrs_schedule;

/* Parses spec for an optimizer whose configured LR is base_lr (> 0). For onecycle and
 * cyclic, base_lr is only the default of max=. Errors are LRS_ERR_PARSE with a detail
 * naming the offending phase, key and column. */
int lrs_schedule_parse(lrs_schedule **out, const char *spec, double base_lr);
void lrs_schedule_free(lrs_schedule *s);

/* The LR for the current step and the momentum (SGD momentum or Adam beta1) for
 * schedules that cycle it, else NaN. momentum may be NULL. */
int lrs_schedule_get(const lrs_schedule *s, double *lr, double *momentum);

/* Advance one step (PyTorch's scheduler.step()). A plateau phase only counts the step:
 * its LR changes through lrs_schedule_step_metric. onecycle fails with LRS_ERR_ARG when
 * stepped past steps=N, as PyTorch raises. */
int lrs_schedule_step(lrs_schedule *s);

/* Advance one step carrying a metric (ReduceLROnPlateau.step(metric)): the plateau
 * phase acts on it; other phases ignore it and step as lrs_schedule_step. */
int lrs_schedule_step_metric(lrs_schedule *s, double metric);

/* Steps taken since parse (or the loaded state). */
int64_t lrs_schedule_steps_taken(const lrs_schedule *s);

/* Changes the LR the schedule scales: the base LR, or the max LR of onecycle and
 * cyclic (what `--lr auto` sets after a range test). Keeps the current step. */
int lrs_schedule_set_base_lr(lrs_schedule *s, double base_lr);

/* 1 when some phase needs metrics (plateau), else 0. */
int lrs_schedule_needs_metric(const lrs_schedule *s);
/* 1 when some phase sets the momentum (onecycle/cyclic with cycle_mom=1), else 0. */
int lrs_schedule_cycles_momentum(const lrs_schedule *s);

/* The canonical spec, every default filled in (parse(describe(s)) behaves as s).
 * LRS_ERR_ARG when buf is too small. */
int lrs_schedule_describe(const lrs_schedule *s, char *buf, size_t n);

/* Checkpoints: the step and the plateau state, so a loaded schedule continues
 * bit-for-bit. Load needs a schedule parsed from the same spec. */
size_t lrs_schedule_state_size(const lrs_schedule *s);
int lrs_schedule_save(const lrs_schedule *s, void *buf, size_t n);
int lrs_schedule_load(lrs_schedule *s, const void *buf, size_t n);

/* ---- The LR range test (Leslie Smith; fastai's lr_find) ----
 *
 * lrs_find trains with an LR that grows from start_lr to end_lr, one step per
 * iteration, records the loss, and suggests an LR. The caller owns the model:
 * the library never copies weights. It calls cb->reset (restore the caller's
 * snapshot of the weights and optimizer state) after the sweep and after each
 * verification run, so every verification starts from the same weights and the
 * model is back at the snapshot when lrs_find returns. Callbacks return LRS_OK or a
 * status that stops lrs_find at once with that status (reset is then not called).
 * Cost: iters + candidates * verify_steps training steps at most; the defaults (100 +
 * 3 x 150 = 550) stay under max_steps = 560, 5% of a 12-LR x 2-epoch Fashion-MNIST grid. */
typedef struct {
    int (*train_step)(void *ctx, double lr, double *loss); /* one optimizer step at lr */
    int (*val_loss)(void *ctx, double *loss); /* optional: when set, the curve uses it */
    int (*reset)(void *ctx);                  /* restore the snapshot; needed to verify */
    void *ctx;
} lrs_find_callbacks;

enum { LRS_FIND_EXP = 0, LRS_FIND_LINEAR = 1 };

typedef struct {
    double start_lr;  /* 1e-7 */
    double end_lr;    /* 10 */
    int iters;        /* 100 sweep iterations */
    int spacing;      /* LRS_FIND_EXP */
    double beta;      /* 0.98: smoothing of the loss (EMA with bias correction) */
    double diverge;   /* 4: stop once smoothed loss > diverge * its minimum (or NaN/Inf) */
    int verify;       /* 1: train each candidate LR from the snapshot and keep the best
                       * (the consensus unless another's final loss is 5% lower) */
    int candidates;   /* 3: consensus, consensus/spread, consensus*spread (1 or 3) */
    double spread;    /* 3 */
    int verify_steps; /* 150 steps per candidate */
    int max_steps;    /* 560: budget; iters + candidates*verify_steps above it is an error */
} lrs_find_options;

void lrs_find_options_default(lrs_find_options *o);

/* One suggestion: lr is NaN and ok 0 when the curve gives no reliable answer;
 * reason says why, or how the number was found, in a sentence. */
typedef struct {
    int ok;
    double lr;
    int index; /* point of the curve it came from, -1 when none */
    char reason[256];
} lrs_suggestion;

enum { LRS_SUGGEST_VALLEY, LRS_SUGGEST_STEEP, LRS_SUGGEST_MINIMUM, LRS_SUGGEST_AUTO,
       LRS_SUGGEST_COUNT };
#define LRS_FIND_MAX_CANDIDATES 3

typedef struct {
    double lr;
    double loss;  /* final smoothed training loss, or the val loss when val_loss is set */
    int steps;    /* steps run (fewer when it diverged) */
    int diverged;
} lrs_find_candidate;

typedef struct {
    int iters;     /* sweep iterations planned (the first tenth is skipped when suggesting) */
    int n;         /* points recorded */
    double *lr;    /* [n] LR of iteration i */
    double *loss;  /* [n] raw loss (val loss when val_loss is set) */
    double *smooth;/* [n] smoothed loss */
    int stopped_early; /* the sweep stopped on divergence before iters */
    int steps_used;    /* training steps in total: sweep + verification */
    lrs_suggestion suggest[LRS_SUGGEST_COUNT]; /* valley, steep, minimum, auto */
    double consensus;  /* auto's LR before verification (NaN when none) */
    int n_candidates;  /* verification runs recorded (0 when verification is off) */
    lrs_find_candidate candidates[LRS_FIND_MAX_CANDIDATES];
} lrs_find_result;

/* Runs the range test; fills *res (free with lrs_find_result_free, also after a failure).
 * opt NULL means the defaults. */
int lrs_find(const lrs_find_callbacks *cb, const lrs_find_options *opt, lrs_find_result *res);

/* Fills res->suggest[] and res->consensus from res's curve (iters, n, lr, smooth): what
 * lrs_find does after the sweep, exposed to analyse a stored curve. AUTO is then the
 * consensus, not yet verified. LRS_ERR_NOMEM is the only failure. */
int lrs_find_suggest(lrs_find_result *res);

void lrs_find_result_free(lrs_find_result *res);

/* "valley", "steep", "minimum", "auto". */
const char *lrs_suggestion_name(int which);

#ifdef __cplusplus
}
#endif
#endif
