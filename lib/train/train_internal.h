/* The trainer's insides, shared by trainer.c (the loop), train_log.c (event file) and
 * checkpoint.c (state bytes and files). */
#ifndef LRSCOPE_TRAIN_INTERNAL_H
#define LRSCOPE_TRAIN_INTERNAL_H

#include "train.h"

#define TRAIN_SPEC_MAX 1024

struct lrs_trainer {
    lrs_train_config cfg;        /* strings point into the copies below */
    char model_spec[TRAIN_SPEC_MAX], optim_spec[TRAIN_SPEC_MAX], sched_spec[TRAIN_SPEC_MAX];
    char *logdir, *checkpoint, *data_label; /* owned copies (NULL when not given) */

    lrs_dataset *ds;             /* borrowed */
    lrs_split train, held;       /* held: val split if any, else test */
    lrs_mlp *mlp;
    lrs_optim *opt;
    lrs_schedule *sched;
    lrs_shuffler *shuffler;
    lrs_writer *writer;          /* opened by the first run */
    lrs_train_hooks hooks;

    float *x;                    /* [batch, features] the current batch */
    int32_t *y;                  /* [batch] */
    const int32_t *order;        /* the epoch's order (owned by the shuffler) */
    int64_t order_epoch;         /* epoch `order` belongs to; -1 when stale */

    int64_t step;                /* steps taken */
    int64_t total_steps, steps_per_epoch;
    double base_lr, lr_scale;
    double warmup_start;         /* lrs_trainer_set_warmup: factor at step 0 ... */
    int64_t warmup_steps;        /* ... rising to 1 at this step (0: no warm-up) */
    int cycles_momentum;
    uint32_t fingerprint;        /* of what a checkpoint must match */

    double epoch_loss_sum;       /* sum of this epoch's step losses (in the state) */
    int64_t epoch_loss_count;
    double last_epoch_loss;      /* mean of the last finished (or current) epoch */
    double val_loss, val_accuracy;
    double seconds;              /* training time of this process */
    int64_t samples;             /* samples trained by this process */
    double epoch_seconds;        /* training time of the current epoch */
    int64_t epoch_samples;

    uint8_t *state;              /* checkpoint bytes, state_size of them */
    size_t state_size;
};

/* train_log.c: the event file. */
int train_log_open(lrs_trainer *t);
int train_log_step(lrs_trainer *t, const lrs_step_info *s);
int train_log_eval(lrs_trainer *t, const lrs_eval_info *e);
int train_log_epoch(lrs_trainer *t, const lrs_epoch_info *e);
/* Session end (ok: completed) and flush; keeps the first error. */
int train_log_end(lrs_trainer *t, int ok);

/* checkpoint.c */
size_t train_state_size(const lrs_trainer *t);
uint32_t train_fingerprint(const lrs_trainer *t);

double train_now(void);

#endif
