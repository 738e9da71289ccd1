/* The trainer's event file: hyperparameters and layout at the start, scalars per step,
 * per evaluation and per epoch, the session end. No-ops without a logdir. */
#include <math.h>

#include "train_internal.h"

static int write_hparams(lrs_trainer *t)
{
    const lrs_train_config *c = &t->cfg;
    const lrs_hparam hp[] = {
        {"lr", LRS_HPARAM_NUMBER, t->base_lr, NULL, 0},
        {"optimizer", LRS_HPARAM_STRING, 0, t->optim_spec, 0},
        {"schedule", LRS_HPARAM_STRING, 0, t->sched_spec, 0},
        {"model", LRS_HPARAM_STRING, 0, t->model_spec, 0},
        {"batch", LRS_HPARAM_NUMBER, c->batch, NULL, 0},
        {"seed", LRS_HPARAM_NUMBER, (double)c->seed, NULL, 0},
        {"epochs", LRS_HPARAM_NUMBER, (double)t->total_steps / (double)t->steps_per_epoch, NULL, 0},
        {"steps", LRS_HPARAM_NUMBER, (double)t->total_steps, NULL, 0},
        {"clip_norm", LRS_HPARAM_NUMBER, c->clip_norm, NULL, 0},
        {"data", LRS_HPARAM_STRING, 0, t->data_label, 0},
        {"val_split", LRS_HPARAM_NUMBER, c->val_split, NULL, 0},
    };
    static const char *const metrics[] = {"val/accuracy", "val/loss", "train/loss"};
    return lrs_writer_add_hparams(t->writer, hp, sizeof hp / sizeof hp[0], metrics,
                                  sizeof metrics / sizeof metrics[0]);
}

/* Custom scalars: loss and LR charts side by side in one category. */
static int write_layout(lrs_trainer *t)
{
    static const char *const loss[] = {"train/loss", "val/loss"};
    static const char *const lr[] = {"train/lr", "train/momentum"};
    static const char *const health[] = {"train/grad_norm", "val/accuracy"};
    const lrs_chart charts[] = {
        {"loss", loss, 2}, {"learning rate", lr, 2}, {"gradient norm and accuracy", health, 2},
    };
    const lrs_chart_category training = {"Training", charts, sizeof charts / sizeof charts[0]};
    return lrs_writer_add_layout(t->writer, &training, 1);
}

/* A resumed run gets a new event file in the same logdir; it repeats the hparams so the
 * file stands alone, and TensorBoard's restart rule drops any overlap with the old one. */
int train_log_open(lrs_trainer *t)
{
    int rc = lrs_writer_open(&t->writer, t->logdir, NULL);
    if (rc == LRS_OK)
        rc = write_hparams(t);
    if (rc == LRS_OK)
        rc = write_layout(t);
    return rc;
}

int train_log_step(lrs_trainer *t, const lrs_step_info *s)
{
    lrs_writer *w = t->writer;
    if (!w)
        return LRS_OK;
    int rc = lrs_writer_add_scalar(w, "train/loss", s->step, s->loss);
    if (rc == LRS_OK)
        rc = lrs_writer_add_scalar(w, "train/lr", s->step, s->lr);
    if (rc == LRS_OK && !isnan(s->grad_norm))
        rc = lrs_writer_add_scalar(w, "train/grad_norm", s->step, s->grad_norm);
    if (rc == LRS_OK && t->cycles_momentum)
        rc = lrs_writer_add_scalar(w, "train/momentum", s->step, s->momentum);
    return rc;
}

int train_log_eval(lrs_trainer *t, const lrs_eval_info *e)
{
    if (!t->writer)
        return LRS_OK;
    int rc = lrs_writer_add_scalar(t->writer, "val/loss", e->step, e->val_loss);
    if (rc == LRS_OK)
        rc = lrs_writer_add_scalar(t->writer, "val/accuracy", e->step, e->val_accuracy);
    return rc;
}

int train_log_epoch(lrs_trainer *t, const lrs_epoch_info *e)
{
    if (!t->writer)
        return LRS_OK;
    return lrs_writer_add_scalar(t->writer, "perf/samples_per_sec", e->step, e->samples_per_sec);
}

int train_log_end(lrs_trainer *t, int ok)
{
    if (!t->writer)
        return LRS_OK;
    int rc = lrs_writer_end_hparams(t->writer, ok);
    int flush_rc = lrs_writer_flush(t->writer);
    return rc != LRS_OK ? rc : flush_rc;
}
