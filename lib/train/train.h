/* lrscope trainer: the training loop of `lrscope train` as a library. An MLP (lib/nn)
 * trained on a data set (lib/dataset) by an optimizer (lib/optim) whose LR and momentum
 * follow a schedule (lib/lr), logging through the tfevents writer, with checkpoints that
 * resume bit for bit.
 *
 *   lrs_dataset *ds;  lrs_dataset_open(&ds, "sample", NULL);
 *   lrs_train_config cfg;
 *   lrs_train_config_init(&cfg);
 *   cfg.optimizer = "adam"; cfg.epochs = 3; cfg.logdir = "runs/a";
 *   lrs_trainer *t;
 *   if (lrs_trainer_create(&t, ds, &cfg) != LRS_OK) { puts(lrs_errmsg()); ... }
 *   int rc = lrs_trainer_run(t, 0);                   // to the end (or a NaN, or a stop)
 *   lrs_train_result r;  lrs_trainer_result(t, &r);
 *   lrs_trainer_free(t);  lrs_dataset_close(ds);
 *
 * One step (what run does per step, in PyTorch's order):
 *   lr, momentum = schedule;  gather the next batch of this epoch's shuffled order;
 *   forward (mean cross-entropy); a NaN/Inf loss stops here with LRS_ERR_NUMERIC;
 *   backward; grad_norm = L2 norm (clipped to clip_norm when > 0); optimizer step at
 *   lr * lr_scale * warm-up factor (lrs_trainer_set_warmup); log train/loss, train/lr, train/grad_norm (+ train/momentum when the
 *   schedule cycles it) at this step; hooks.on_step; schedule step.
 * After step s (0-based): an evaluation on the held-out split when s+1 is a multiple of
 * eval_every, at every epoch end and after the last step (val/loss, val/accuracy logged
 * at step s, hooks.on_eval); at an epoch end perf/samples_per_sec (training time only,
 * hooks.on_epoch); a checkpoint at every epoch end, every checkpoint_every steps and at
 * the end when config.checkpoint is set.
 *
 * An epoch is ceil(n_train / batch) steps (the last batch is partial, as PyTorch's
 * DataLoader with drop_last=False); its order is PyTorch's for the same seed (see
 * lrs_shuffler_epoch), with each evaluation counted as the DataLoader pass a PyTorch
 * script makes over the held-out set, so the run is the one of a script that builds the
 * model after torch.manual_seed(seed), then trains with a DataLoader(shuffle=True) and
 * evaluates with another DataLoader at the same points. The step count alone fixes the
 * data position. The held-out split is the data set's
 * validation split when it has examples (lrs_dataset_val_split, done by the caller), else
 * its test split.
 *
 * Memory: parameters, gradients, activations, optimizer state, batch buffers and the
 * checkpoint buffer are allocated at create; steps, evaluations and checkpoints allocate
 * nothing (tests/train/test_noalloc.c counts malloc calls to hold us to it).
 * Determinism: same config, data and OpenBLAS thread count give the same bits. OpenBLAS
 * may split a product differently with another thread count, which changes rounding, so
 * resume with the same --threads. */
#ifndef LRSCOPE_TRAIN_H
#define LRSCOPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "lr.h"
#include "nn.h"
#include "optim.h"
#include "signs.h"
#include "status.h"
#include "tfevents.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lrs_trainer lrs_trainer;

typedef struct lrs_train_config {
    const char *model;      /* "mlp:256" (lib/nn spec) */
    const char *optimizer;  /* "sgd:momentum=0.9" (lib/optim spec) */
    double lr;              /* base LR; 0: the spec's lr= if written, else 0.1 for sgd and
                             * 1e-3 for adam/adamw */
    const char *schedule;   /* "constant" (lib/lr grammar). A single onecycle phase without
                             * steps= or cosine phase without T= gets the run's total steps */
    int batch;              /* 128 */
    uint64_t seed;          /* 1: initial weights and every epoch's shuffle */
    int64_t epochs;         /* 1: length of the run when steps is 0 */
    int64_t steps;          /* 0: epochs * steps_per_epoch; else the run's total steps */
    double clip_norm;       /* 0: no clipping; else clip_grad_norm_ to this L2 norm */
    int64_t eval_every;     /* 0: evaluate at epoch ends (and the end) only */
    int threads;            /* OpenBLAS threads (process-wide); 0: all cores */
    const char *logdir;     /* NULL: no event file; else a new event file in it */
    const char *checkpoint; /* NULL: none; else written atomically (see lrs_trainer_save) */
    int64_t checkpoint_every; /* 0: epoch ends and the end only */
    const char *data_label; /* "sample": the data set's name, for the HParams dashboard */
    double val_split;       /* 0: the validation fraction the caller split off, for HParams */
    /* Data parallelism (lrscope train under mpirun): with shards > 1 this process computes
     * only its share [shard*B/shards, (shard+1)*B/shards) of each batch of B, and reduce sums
     * a buffer over every process (an all-reduce), so that the mean loss and gradient, and
     * so every update, are those of the whole batch on every process. */
    int shard, shards;      /* 0, 1 */
    int (*reduce)(void *ctx, float *buf, size_t n); /* NULL; needed when shards > 1 */
    void *reduce_ctx;
} lrs_train_config;

/* Fills cfg with the defaults above. */
void lrs_train_config_init(lrs_train_config *cfg);

/* What the hooks see. */
typedef struct lrs_step_info {
    int64_t step;      /* 0-based index of the step just taken */
    int64_t epoch;     /* 0-based epoch it belongs to */
    double loss;       /* mean training loss of its batch (before the update) */
    double lr;         /* LR it used (schedule * lr_scale * warm-up factor) */
    double momentum;   /* momentum (or Adam beta1) it used */
    double grad_norm;  /* global L2 norm of the gradients, before clipping */
} lrs_step_info;

typedef struct lrs_eval_info {
    int64_t step, epoch;   /* after step `step`, in epoch `epoch` (0-based) */
    double val_loss, val_accuracy;
    double lr;             /* LR of step `step` */
} lrs_eval_info;

typedef struct lrs_epoch_info {
    int64_t step, epoch;   /* the last step of epoch `epoch` (0-based) */
    double train_loss;     /* mean of the epoch's step losses */
    double samples_per_sec;/* training samples / training seconds (no eval, no checkpoint) */
    double seconds;        /* training seconds of the run so far */
} lrs_epoch_info;

/* Callbacks, each optional. A hook returns LRS_OK to go on; any other status stops
 * lrs_trainer_run at once with that status (LRS_ERR_STOPPED for "stop on request"), after
 * flushing the log. Hooks may call lrs_trainer_set_lr_scale / set_base_lr to change the LR
 * of the following steps, and read the trainer. */
typedef struct lrs_train_hooks {
    int (*on_step)(void *ctx, lrs_trainer *t, const lrs_step_info *info);
    int (*on_eval)(void *ctx, lrs_trainer *t, const lrs_eval_info *info);
    int (*on_epoch)(void *ctx, lrs_trainer *t, const lrs_epoch_info *info);
    void *ctx;
} lrs_train_hooks;

/* Creates the model, optimizer, schedule and buffers for ds (borrowed: it must outlive
 * the trainer and not be val_split afterwards) and sets the OpenBLAS thread count. The
 * event file is opened by the first lrs_trainer_run. Errors name the bad spec or value. */
int lrs_trainer_create(lrs_trainer **out, lrs_dataset *ds, const lrs_train_config *cfg);
/* Flushes and closes the event file and frees everything (NULL is fine). */
void lrs_trainer_free(lrs_trainer *t);

void lrs_trainer_set_hooks(lrs_trainer *t, const lrs_train_hooks *hooks);

/* Runs up to max_steps more steps (max_steps <= 0: to the end of the run), with logging,
 * evaluation, hooks and checkpoints. LRS_OK when the limit or the end is reached;
 * LRS_ERR_NUMERIC when a loss is NaN or infinite (lrs_errmsg names the step; that loss is
 * logged and the log flushed); a hook's status when a hook stops it; write errors of the
 * log or checkpoint. When the run ends (any way but max_steps), the HParams session end
 * is written (success only for a completed run) and the log is flushed. */
int lrs_trainer_run(lrs_trainer *t, int64_t max_steps);

/* One training step at an explicit LR on the next batch, without schedule, logging, hooks
 * or evaluation (for the LR range test). Advances the step count and so the data position:
 * restore a snapshot afterwards. *loss (may be NULL) gets the batch's loss; a NaN/Inf loss
 * returns LRS_ERR_NUMERIC without updating the weights. */
int lrs_trainer_step_at(lrs_trainer *t, double lr, double *loss);

/* Mean loss and accuracy of the current weights on a split (LRS_SPLIT_VAL means the
 * held-out split described above). */
int lrs_trainer_evaluate(lrs_trainer *t, enum lrs_split_kind which, double *loss, double *accuracy);

/* LR changes from hooks or `--lr auto`. The scale multiplies every scheduled LR (policies:
 * "divide the LR by 10"); the base LR is the one the schedule scales (lrs_schedule_set_base_lr).
 * Both are part of the state, so a checkpoint keeps them. */
int lrs_trainer_set_lr_scale(lrs_trainer *t, double scale);
int lrs_trainer_set_base_lr(lrs_trainer *t, double base_lr);

/* Gradual warm-up (Goyal et al. 2017, with the linear scaling rule of data-parallel
 * training): every scheduled LR is also multiplied by a factor rising linearly from
 * start_factor at step 0 to 1 at step `steps` (step s: start + (1 - start) * s / steps),
 * so it composes with any schedule and with the LR scale. steps 0: none (the default).
 * A function of the step count alone, not kept in checkpoints: set it again on resume. */
int lrs_trainer_set_warmup(lrs_trainer *t, double start_factor, int64_t steps);

/* The whole state (weights, optimizer moments and step, schedule position, LR scale and
 * base, step count and so epoch and data position, epoch loss sum) as bytes in the
 * checkpoint format: a header (magic "LRSCKPT1", version, sizes, config fingerprint, model,
 * optimizer and schedule specs), sections (trainer, params, optimizer, schedule), and a
 * CRC32C of all of it. The size is fixed at create. Loading checks the CRC and that the
 * state is of this model, optimizer, schedule, batch, seed and data (each mismatch named
 * in lrs_errmsg); a failed load leaves the trainer unchanged. The run's length (epochs,
 * steps) may differ: a resumed run can be extended. */
size_t lrs_trainer_state_size(const lrs_trainer *t);
int lrs_trainer_state_save(lrs_trainer *t, void *buf, size_t size);
int lrs_trainer_state_load(lrs_trainer *t, const void *buf, size_t size);

/* The state to a file, atomically: written to PATH.tmp, fsync'ed, renamed over PATH, and
 * the folder fsync'ed; a crash leaves either the old or the new checkpoint. Allocates
 * nothing. Load reads a file written by save (errors name the file). */
int lrs_trainer_save(lrs_trainer *t, const char *path);
int lrs_trainer_load(lrs_trainer *t, const char *path);

typedef struct lrs_train_result {
    int64_t steps;          /* steps taken (including those before a resume) */
    int64_t total_steps;    /* planned */
    double epochs;          /* steps / steps_per_epoch */
    double train_loss;      /* mean loss of the last (possibly partial) epoch's steps */
    double val_loss, val_accuracy; /* last evaluation (NaN before any) */
    double seconds;         /* training time of this process (no eval, no checkpoint) */
    double samples_per_sec; /* samples trained by this process / seconds */
} lrs_train_result;

void lrs_trainer_result(const lrs_trainer *t, lrs_train_result *r);

/* Read access for callers and hooks (owned by the trainer). */
int64_t lrs_trainer_step_count(const lrs_trainer *t);
int64_t lrs_trainer_total_steps(const lrs_trainer *t);
int64_t lrs_trainer_steps_per_epoch(const lrs_trainer *t);
double lrs_trainer_base_lr(const lrs_trainer *t);
lrs_mlp *lrs_trainer_mlp(lrs_trainer *t);
lrs_optim *lrs_trainer_optim(lrs_trainer *t);
lrs_schedule *lrs_trainer_schedule(lrs_trainer *t);
/* The event writer (NULL without a logdir, or before the first run): hooks may add their
 * own summaries. */
lrs_writer *lrs_trainer_writer(lrs_trainer *t);
/* The schedule's canonical spec after the length fill-in. */
const char *lrs_trainer_schedule_spec(const lrs_trainer *t);


/* ---- Sign policies: the run watched by lib/signs (`lrscope train --on-sign`) ----
 *
 * lrs_trainer_run_watched runs like lrs_trainer_run(t, 0) with an lrs_monitor fed from the
 * hooks (train loss, LR, grad norm per step; val loss per evaluation; the run's total steps
 * as the horizon of `slow`) and acts on each sign by the policy:
 *   off       no monitor: exactly lrs_trainer_run
 *   warn      log every sign: text signs/log and scalar signs/action at the sign's step
 *   stop      warn; a critical sign ends the run (LRS_ERR_STOPPED, the log flushed)
 *   reduce    warn; oscillation or plateau multiply the LR scale by the sign's factor
 *   rollback  warn; divergence or a NaN loss restores the newest in-memory snapshot taken
 *             before the divergence began, multiplies the LR scale by the factor (0.1 for
 *             a NaN) and goes on; after max_rollbacks it stops
 *   adapt     reduce + rollback, and `slow` raises the LR scale by its factor
 * The LR stays within [lr_min, lr_max] (base LR x scale); at most max_actions LR changes
 * (rollbacks included) are made; a wanted action past a bound is logged as skipped. After
 * an LR change the monitor starts afresh (a new regime). Every action also writes
 * signs/lr_scale at the step the new scale applies from. A NaN loss still ends the run with
 * LRS_ERR_NUMERIC unless the policy rolls back. Snapshots (a ring of 4, every
 * snapshot_every steps and at the start) and the monitor are allocated once at the start.
 * TensorBoard drops points logged past the step a rollback returns to (its restart rule):
 * signs/log keeps the record of what happened. */
typedef enum lrs_sign_policy {
    LRS_POLICY_OFF, LRS_POLICY_WARN, LRS_POLICY_STOP, LRS_POLICY_REDUCE, LRS_POLICY_ROLLBACK,
    LRS_POLICY_ADAPT
} lrs_sign_policy;

/* What was done about a sign: the value of the signs/action scalar. */
typedef enum lrs_policy_act {
    LRS_ACT_LOGGED = 0, LRS_ACT_REDUCED = 1, LRS_ACT_RAISED = 2, LRS_ACT_ROLLED_BACK = 3,
    LRS_ACT_STOPPED = 4, LRS_ACT_SKIPPED = 5 /* wanted, but past a bound or max_actions */
} lrs_policy_act;

typedef struct lrs_policy_config {
    lrs_sign_policy policy;  /* LRS_POLICY_WARN */
    double lr_min, lr_max;   /* bounds of base LR x scale; 0: base/1000 and base x 10 */
    int max_actions;         /* LR changes allowed, rollbacks included: 10 */
    int max_rollbacks;       /* then the run stops: 5 */
    int64_t snapshot_every;  /* steps between snapshots: 25 */
    const lrs_signs_options *signs; /* NULL: lib/signs defaults (total_steps is always set) */
    /* Called for each sign with what was done, one line ("reduced the LR x0.5 to 0.05"),
     * e.g. to print it; optional. */
    void (*on_sign)(void *ctx, const lrs_sign *sign, lrs_policy_act act, const char *done);
    void *ctx;
} lrs_policy_config;

typedef struct lrs_policy_result {
    int signs, actions, rollbacks; /* signs seen; LR changes made; of which rollbacks */
    double lr_scale;               /* at the end */
} lrs_policy_result;

void lrs_policy_config_init(lrs_policy_config *pc);
/* "off", "warn", "stop", "reduce", "rollback", "adapt"; LRS_ERR_ARG otherwise. */
int lrs_sign_policy_parse(const char *name, lrs_sign_policy *out);
const char *lrs_sign_policy_name(lrs_sign_policy policy);
const char *lrs_policy_act_name(lrs_policy_act act);

/* Runs t to its end under pc (see above); out may be NULL. The trainer's own hooks still
 * run (first). Returns what lrs_trainer_run returns, or LRS_ERR_STOPPED when the policy
 * stopped the run (lrs_errmsg names the sign). */
int lrs_trainer_run_watched(lrs_trainer *t, const lrs_policy_config *pc, lrs_policy_result *out);

#ifdef __cplusplus
}
#endif
#endif
