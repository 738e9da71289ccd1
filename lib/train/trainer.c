/* The trainer: create (every allocation), one step, and the loop that evaluates, logs and
 * checkpoints around the steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status_internal.h"
#include "train_internal.h"

void lrs_train_config_init(lrs_train_config *cfg)
{
    *cfg = (lrs_train_config){
        .model = "mlp:256", .optimizer = "sgd:momentum=0.9", .lr = 0, .schedule = "constant",
        .batch = 128, .seed = 1, .epochs = 1, .steps = 0, .clip_norm = 0, .eval_every = 0,
        .threads = 0, .logdir = NULL, .checkpoint = NULL, .checkpoint_every = 0,
        .data_label = "sample", .val_split = 0,
    };
}

double train_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int check_config(const lrs_train_config *c)
{
    if (!c->model || !c->optimizer || !c->schedule)
        return lrs_fail(LRS_ERR_ARG, "train: model, optimizer and schedule specs are needed");
    if (c->batch < 1 || c->batch > 1 << 20)
        return lrs_fail(LRS_ERR_ARG, "train: batch %d is not in 1..1048576", c->batch);
    if (c->steps < 0 || (c->steps == 0 && c->epochs < 1))
        return lrs_fail(LRS_ERR_ARG, "train: needs steps > 0 or epochs >= 1");
    if (!(c->lr >= 0) || !isfinite(c->lr))
        return lrs_fail(LRS_ERR_ARG, "train: lr %g is not a finite number >= 0", c->lr);
    if (!(c->clip_norm >= 0) || !isfinite(c->clip_norm))
        return lrs_fail(LRS_ERR_ARG, "train: clip_norm %g is not a finite number >= 0", c->clip_norm);
    if (c->eval_every < 0 || c->checkpoint_every < 0)
        return lrs_fail(LRS_ERR_ARG, "train: eval_every and checkpoint_every must be >= 0");
    if (c->shards > 1 && (!c->reduce || c->shard < 0 || c->shard >= c->shards))
        return lrs_fail(LRS_ERR_ARG, "train: shard %d of %d needs 0 <= shard < shards and a reduce function",
                        c->shard, c->shards);
    return LRS_OK;
}

static char *copy_string(const char *s, int *rc)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *rc = lrs_fail(LRS_ERR_NOMEM, "train: out of memory");
    return c;
}

/* The LR the schedule scales: the config's, else the spec's lr=, else the usual default
 * of the optimizer family (SGD 0.1, Adam 1e-3). */
static double choose_base_lr(const lrs_train_config *c, const lrs_optim *opt)
{
    if (c->lr > 0)
        return c->lr;
    if (strstr(c->optimizer, "lr="))
        return lrs_optim_lr(opt);
    return strncmp(c->optimizer, "sgd", 3) == 0 ? 0.1 : 1e-3;
}

/* A one-phase onecycle without steps= or cosine without T= lasts the whole run. */
static int fill_schedule_length(const char *spec, int64_t total, char *out, size_t n)
{
    const char *key = NULL;
    if (!strstr(spec, "then@")) {
        if (!strncmp(spec, "onecycle", 8) && !strstr(spec, "steps="))
            key = "steps";
        else if (!strncmp(spec, "cosine", 6) && !strstr(spec, "T="))
            key = "T";
    }
    int len = key ? snprintf(out, n, "%s%s%s=%lld", spec, strchr(spec, ':') ? "," : ":", key,
                             (long long)total)
                  : snprintf(out, n, "%s", spec);
    if (len < 0 || (size_t)len >= n)
        return lrs_fail(LRS_ERR_ARG, "train: schedule spec longer than %zu bytes", n - 1);
    return LRS_OK;
}

static int make_schedule(lrs_trainer *t)
{
    char filled[TRAIN_SPEC_MAX];
    int rc = fill_schedule_length(t->cfg.schedule, t->total_steps, filled, sizeof filled);
    if (rc == LRS_OK)
        rc = lrs_schedule_parse(&t->sched, filled, t->base_lr);
    if (rc == LRS_OK)
        rc = lrs_schedule_describe(t->sched, t->sched_spec, sizeof t->sched_spec);
    t->cycles_momentum = rc == LRS_OK && lrs_schedule_cycles_momentum(t->sched);
    return rc;
}

/* Model, optimizer, schedule, shuffler and buffers: every allocation of a run. */
static int make_parts(lrs_trainer *t)
{
    const lrs_train_config *c = &t->cfg;
    int features = t->train.features, classes = lrs_dataset_classes(t->ds);
    int rc = lrs_mlp_create(&t->mlp, c->model, features, classes, c->batch, c->seed);
    if (rc == LRS_OK)
        rc = lrs_optim_create(&t->opt, c->optimizer, lrs_mlp_num_params(t->mlp));
    if (rc != LRS_OK)
        return rc;
    snprintf(t->model_spec, sizeof t->model_spec, "%s", lrs_mlp_spec(t->mlp));
    snprintf(t->optim_spec, sizeof t->optim_spec, "%s", lrs_optim_spec(t->opt));
    t->base_lr = choose_base_lr(c, t->opt);
    t->steps_per_epoch = (t->train.n + c->batch - 1) / c->batch;
    t->total_steps = c->steps > 0 ? c->steps : c->epochs * t->steps_per_epoch;
    if ((rc = make_schedule(t)) != LRS_OK)
        return rc;
    /* The shuffler's global generator has made the model's draws, as torch's has by then. */
    if ((rc = lrs_shuffler_create(&t->shuffler, t->train.n, c->seed, lrs_mlp_num_params(t->mlp))))
        return rc;
    t->x = malloc((size_t)c->batch * (size_t)features * sizeof *t->x);
    t->y = malloc((size_t)c->batch * sizeof *t->y);
    t->state_size = train_state_size(t);
    t->state = malloc(t->state_size);
    if (!t->x || !t->y || !t->state)
        return lrs_fail(LRS_ERR_NOMEM, "train: out of memory for the batch and checkpoint buffers");
    return LRS_OK;
}

static int copy_config(lrs_trainer *t, const lrs_train_config *cfg)
{
    int rc = LRS_OK;
    t->cfg = *cfg;
    t->logdir = copy_string(cfg->logdir, &rc);
    t->checkpoint = copy_string(cfg->checkpoint, &rc);
    t->data_label = copy_string(cfg->data_label ? cfg->data_label : "", &rc);
    t->cfg.logdir = t->logdir;
    t->cfg.checkpoint = t->checkpoint;
    t->cfg.data_label = t->data_label;
    return rc;
}

int lrs_trainer_create(lrs_trainer **out, lrs_dataset *ds, const lrs_train_config *cfg)
{
    *out = NULL;
    int rc = check_config(cfg);
    if (rc != LRS_OK)
        return rc;
    if (!ds)
        return lrs_fail(LRS_ERR_ARG, "train: no data set");
    lrs_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return lrs_fail(LRS_ERR_NOMEM, "train: out of memory");
    t->ds = ds;
    t->train = lrs_dataset_split(ds, LRS_SPLIT_TRAIN);
    t->held = lrs_dataset_split(ds, LRS_SPLIT_VAL);
    if (t->held.n == 0)
        t->held = lrs_dataset_split(ds, LRS_SPLIT_TEST);
    t->order_epoch = -1;
    t->lr_scale = 1;
    t->val_loss = t->val_accuracy = t->last_epoch_loss = NAN;
    if (t->train.n == 0)
        rc = lrs_fail(LRS_ERR_ARG, "train: %s has no training examples", lrs_dataset_source(ds));
    if (rc == LRS_OK)
        rc = copy_config(t, cfg);
    if (rc == LRS_OK)
        rc = make_parts(t);
    if (rc != LRS_OK) {
        lrs_trainer_free(t);
        return rc;
    }
    t->cfg.model = t->model_spec;
    t->cfg.optimizer = t->optim_spec;
    t->cfg.schedule = t->sched_spec;
    t->fingerprint = train_fingerprint(t);
    lrs_nn_set_threads(cfg->threads);
    *out = t;
    return LRS_OK;
}

void lrs_trainer_free(lrs_trainer *t)
{
    if (!t)
        return;
    if (t->writer)
        lrs_writer_close(t->writer);
    lrs_shuffler_free(t->shuffler);
    lrs_schedule_free(t->sched);
    lrs_optim_free(t->opt);
    lrs_mlp_free(t->mlp);
    free(t->x);
    free(t->y);
    free(t->state);
    free(t->logdir);
    free(t->checkpoint);
    free(t->data_label);
    free(t);
}

void lrs_trainer_set_hooks(lrs_trainer *t, const lrs_train_hooks *hooks)
{
    t->hooks = hooks ? *hooks : (lrs_train_hooks){0};
}

/* This process's share of a batch of count: [*lo, *lo + return value). All of it unless
 * the config shards batches (data parallelism). */
static int shard_range(const lrs_trainer *t, int count, int *lo)
{
    int shards = t->cfg.shards > 1 ? t->cfg.shards : 1, shard = shards > 1 ? t->cfg.shard : 0;
    *lo = (int)((int64_t)count * shard / shards);
    return (int)((int64_t)count * (shard + 1) / shards) - *lo;
}

/* Forward on this process's share; with shards, the batch's mean loss summed over them
 * (every process gets it before any judges it, so a NaN stops all of them alike). */
static int shard_forward(lrs_trainer *t, int count, float *loss)
{
    int lo, mine = shard_range(t, count, &lo), rc = LRS_OK;
    *loss = 0;
    if (mine > 0)
        rc = lrs_mlp_forward(t->mlp, t->x + (size_t)lo * lrs_mlp_inputs(t->mlp), t->y + lo, mine, loss, NULL);
    if (rc != LRS_OK || t->cfg.shards <= 1)
        return rc;
    *loss *= (float)mine / (float)count;
    return t->cfg.reduce(t->cfg.reduce_ctx, loss, 1);
}

/* Backward on this process's share; with shards, the share-weighted gradients summed. */
static int shard_backward(lrs_trainer *t, int count)
{
    int lo, mine = shard_range(t, count, &lo);
    float *grads = lrs_mlp_grads(t->mlp);
    size_t n = lrs_mlp_num_params(t->mlp);
    int rc = mine > 0 ? lrs_mlp_backward(t->mlp) : LRS_OK;
    if (mine == 0)
        memset(grads, 0, n * sizeof *grads);
    if (rc != LRS_OK || t->cfg.shards <= 1)
        return rc;
    float share = (float)mine / (float)count;
    for (size_t i = 0; i < n; i++)
        grads[i] *= share;
    return t->cfg.reduce(t->cfg.reduce_ctx, grads, n);
}

static int64_t gcd(int64_t a, int64_t b) { return b ? gcd(b, a % b) : a; }

/* Evaluations made in the first `steps` steps, steps a whole number of epochs within the
 * run (maybe_evaluate's rule: every epoch end and every eval_every steps), counted without
 * running them so that a resumed run finds its data order. */
static int64_t evals_before(const lrs_trainer *t, int64_t steps)
{
    if (t->held.n == 0) return 0;
    int64_t spe = t->steps_per_epoch, every = t->cfg.eval_every, count = steps / spe;
    if (every > 0) count += steps / every - steps / (spe / gcd(spe, every) * every); /* less both */
    return count;
}

/* Gathers the batch of step t->step, runs forward, backward and the update at lr.
 * Fills info (step, epoch, loss, grad_norm) and *rows (the batch's examples); a
 * non-finite loss stops before backward. */
static int take_step(lrs_trainer *t, double lr, lrs_step_info *info, int *rows)
{
    int64_t epoch = t->step / t->steps_per_epoch;
    int64_t at = (t->step % t->steps_per_epoch) * t->cfg.batch;
    if (epoch != t->order_epoch) {
        t->order = lrs_shuffler_epoch(t->shuffler, (uint64_t)epoch, evals_before(t, epoch * t->steps_per_epoch));
        t->order_epoch = epoch;
    }
    int count = t->train.n - at < t->cfg.batch ? (int)(t->train.n - at) : t->cfg.batch;
    *rows = count;
    lrs_split_gather(&t->train, t->order + at, count, t->x, t->y);
    *info = (lrs_step_info){.step = t->step, .epoch = epoch, .lr = lr, .grad_norm = NAN};
    float loss;
    int rc = lrs_optim_set_lr(t->opt, lr);
    if (rc == LRS_OK)
        rc = shard_forward(t, count, &loss);
    if (rc != LRS_OK)
        return rc;
    info->loss = loss;
    info->momentum = lrs_optim_momentum(t->opt);
    if (!isfinite(loss))
        return lrs_fail(LRS_ERR_NUMERIC, "step %lld: the training loss is %s at LR %g: stopped "
                        "(a lower LR or gradient clipping may help)", (long long)t->step,
                        isnan(loss) ? "NaN" : "infinite", lr);
    if ((rc = shard_backward(t, count)) != LRS_OK)
        return rc;
    float *grads = lrs_mlp_grads(t->mlp);
    size_t n = lrs_mlp_num_params(t->mlp);
    info->grad_norm = t->cfg.clip_norm > 0 ? lrs_clip_grad_norm(grads, n, t->cfg.clip_norm)
                                           : lrs_grad_norm(grads, n);
    if ((rc = lrs_optim_step(t->opt, lrs_mlp_params(t->mlp), grads)) != LRS_OK)
        return rc;
    t->step++;
    return LRS_OK;
}

int lrs_trainer_step_at(lrs_trainer *t, double lr, double *loss)
{
    lrs_step_info info;
    int rows;
    int rc = take_step(t, lr, &info, &rows);
    if (loss)
        *loss = info.loss;
    return rc;
}

int lrs_trainer_evaluate(lrs_trainer *t, enum lrs_split_kind which, double *loss, double *accuracy)
{
    lrs_split s = which == LRS_SPLIT_VAL ? t->held : lrs_dataset_split(t->ds, which);
    return lrs_mlp_evaluate(t->mlp, &s, loss, accuracy);
}

/* Gradual warm-up's factor at the current step: start at step 0, 1 from warmup_steps on. */
static double warmup_factor(const lrs_trainer *t)
{
    if (t->step >= t->warmup_steps)
        return 1;
    return t->warmup_start + (1 - t->warmup_start) * (double)t->step / (double)t->warmup_steps;
}

/* The scheduled step: LR and momentum from the schedule, the step, its log line. */
static int scheduled_step(lrs_trainer *t, lrs_step_info *info)
{
    double lr, momentum;
    int rc = lrs_schedule_get(t->sched, &lr, &momentum);
    if (rc == LRS_OK && t->cycles_momentum && !isnan(momentum))
        rc = lrs_optim_set_momentum(t->opt, momentum);
    if (rc != LRS_OK)
        return rc;
    double start = train_now();
    int rows = 0;
    rc = take_step(t, lr * t->lr_scale * warmup_factor(t), info, &rows);
    if (rc == LRS_OK || rc == LRS_ERR_NUMERIC) {
        int log_rc = train_log_step(t, info);
        rc = rc != LRS_OK ? rc : log_rc;
    }
    if (rc == LRS_OK) {
        /* Only timed steps count toward samples/s: range-test steps (step_at) are not. */
        t->samples += rows;
        t->epoch_samples += rows;
        t->epoch_loss_sum += info->loss;
        t->epoch_loss_count++;
        t->last_epoch_loss = t->epoch_loss_sum / (double)t->epoch_loss_count;
    }
    double spent = train_now() - start;
    t->seconds += spent;
    t->epoch_seconds += spent;
    return rc;
}

/* Evaluation after the step just taken when it is due; *done says whether it ran. */
static int maybe_evaluate(lrs_trainer *t, const lrs_step_info *s, int epoch_end, int *done)
{
    int due = epoch_end || t->step == t->total_steps ||
              (t->cfg.eval_every > 0 && t->step % t->cfg.eval_every == 0);
    *done = 0;
    if (!due || t->held.n == 0)
        return LRS_OK;
    int rc = lrs_mlp_evaluate(t->mlp, &t->held, &t->val_loss, &t->val_accuracy);
    if (rc != LRS_OK)
        return rc;
    lrs_eval_info e = {s->step, s->epoch, t->val_loss, t->val_accuracy, s->lr};
    *done = 1;
    if ((rc = train_log_eval(t, &e)) != LRS_OK)
        return rc;
    return t->hooks.on_eval ? t->hooks.on_eval(t->hooks.ctx, t, &e) : LRS_OK;
}

static int end_epoch(lrs_trainer *t, const lrs_step_info *s, int epoch_end)
{
    lrs_epoch_info e = {s->step, s->epoch, t->last_epoch_loss,
                        t->epoch_seconds > 0 ? (double)t->epoch_samples / t->epoch_seconds : 0,
                        t->seconds};
    if (epoch_end) {
        t->epoch_loss_sum = 0, t->epoch_loss_count = 0;
        t->epoch_seconds = 0, t->epoch_samples = 0;
    }
    int rc = train_log_epoch(t, &e);
    if (rc == LRS_OK && t->hooks.on_epoch)
        rc = t->hooks.on_epoch(t->hooks.ctx, t, &e);
    return rc;
}

/* Everything after a step: evaluation, the schedule's step (with the metric when it needs
 * one and an evaluation just ran), hooks, epoch end, checkpoint. */
static int after_step(lrs_trainer *t, const lrs_step_info *s)
{
    int epoch_end = t->step % t->steps_per_epoch == 0, last = t->step == t->total_steps;
    int evaluated, rc = maybe_evaluate(t, s, epoch_end, &evaluated);
    if (rc != LRS_OK)
        return rc;
    rc = evaluated && lrs_schedule_needs_metric(t->sched) ? lrs_schedule_step_metric(t->sched, t->val_loss)
                                                           : lrs_schedule_step(t->sched);
    if (rc != LRS_OK)
        return rc;
    if (t->hooks.on_step && (rc = t->hooks.on_step(t->hooks.ctx, t, s)) != LRS_OK)
        return rc;
    if ((epoch_end || last) && (rc = end_epoch(t, s, epoch_end)) != LRS_OK)
        return rc;
    int every = t->cfg.checkpoint_every > 0 && t->step % t->cfg.checkpoint_every == 0;
    if (t->checkpoint && (epoch_end || last || every))
        rc = lrs_trainer_save(t, t->checkpoint);
    return rc;
}

int lrs_trainer_run(lrs_trainer *t, int64_t max_steps)
{
    int rc = t->logdir && !t->writer ? train_log_open(t) : LRS_OK;
    int64_t stop_at = t->total_steps;
    if (max_steps > 0 && t->step + max_steps < stop_at)
        stop_at = t->step + max_steps;
    while (rc == LRS_OK && t->step < stop_at) {
        lrs_step_info info;
        rc = scheduled_step(t, &info);
        if (rc == LRS_OK)
            rc = after_step(t, &info);
    }
    if (rc != LRS_OK || t->step >= t->total_steps) {
        int end_rc = train_log_end(t, rc == LRS_OK);
        if (rc == LRS_OK)
            rc = end_rc;
    }
    return rc;
}

int lrs_trainer_set_lr_scale(lrs_trainer *t, double scale)
{
    if (!(scale > 0) || !isfinite(scale))
        return lrs_fail(LRS_ERR_ARG, "train: LR scale %g is not a positive number", scale);
    t->lr_scale = scale;
    return LRS_OK;
}

int lrs_trainer_set_warmup(lrs_trainer *t, double start_factor, int64_t steps)
{
    if (!(start_factor > 0 && start_factor <= 1) || steps < 0)
        return lrs_fail(LRS_ERR_ARG, "train: warm-up from x%g over %lld steps: expected a factor in "
                        "(0, 1] and steps >= 0", start_factor, (long long)steps);
    t->warmup_start = start_factor;
    t->warmup_steps = steps;
    return LRS_OK;
}

int lrs_trainer_set_base_lr(lrs_trainer *t, double base_lr)
{
    int rc = lrs_schedule_set_base_lr(t->sched, base_lr);
    if (rc == LRS_OK)
        t->base_lr = base_lr;
    return rc;
}

void lrs_trainer_result(const lrs_trainer *t, lrs_train_result *r)
{
    *r = (lrs_train_result){
        .steps = t->step, .total_steps = t->total_steps,
        .epochs = (double)t->step / (double)t->steps_per_epoch,
        .train_loss = t->last_epoch_loss, .val_loss = t->val_loss, .val_accuracy = t->val_accuracy,
        .seconds = t->seconds, .samples_per_sec = t->seconds > 0 ? (double)t->samples / t->seconds : 0,
    };
}

int64_t lrs_trainer_step_count(const lrs_trainer *t) { return t->step; }
int64_t lrs_trainer_total_steps(const lrs_trainer *t) { return t->total_steps; }
int64_t lrs_trainer_steps_per_epoch(const lrs_trainer *t) { return t->steps_per_epoch; }
double lrs_trainer_base_lr(const lrs_trainer *t) { return t->base_lr; }
lrs_mlp *lrs_trainer_mlp(lrs_trainer *t) { return t->mlp; }
lrs_optim *lrs_trainer_optim(lrs_trainer *t) { return t->opt; }
lrs_schedule *lrs_trainer_schedule(lrs_trainer *t) { return t->sched; }
lrs_writer *lrs_trainer_writer(lrs_trainer *t) { return t->writer; }
const char *lrs_trainer_schedule_spec(const lrs_trainer *t) { return t->sched_spec; }
