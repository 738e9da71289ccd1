/* One trial of lrscope tune on lib/train: the trial's parameters over the base train
 * config, its steps fed to the warning-sign monitor, val/accuracy reported at each
 * epoch and ASHA rung. Also --seed-with-find's range test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_tune.h"

/* Text of the trial's config (the strings the config points into). */
typedef struct {
    char optimizer[1200], model[256], schedule[512];
} trial_text;

/* The point over the base config. wd and momentum go into the optimizer spec. */
static int apply_point(const tune_args *a, const lrs_trial *t, lrs_train_config *cfg, trial_text *txt)
{
    const lrs_space *s = lrs_trial_space(t);
    const lrs_point *p = lrs_trial_point(t);
    char extra[600] = "";
    *cfg = a->cfg;
    snprintf(txt->optimizer, sizeof txt->optimizer, "%s", cfg->optimizer);
    for (int i = 0; i < lrs_space_size(s); i++) {
        const char *name = lrs_space_name(s, i);
        char v[256];
        if (lrs_point_value(s, p, i, v, sizeof v) != LRS_OK)
            return LRS_ERR_ARG;
        if (!strcmp(name, "lr"))
            cfg->lr = strtod(v, NULL);
        else if (!strcmp(name, "batch"))
            cfg->batch = atoi(v);
        else if (!strcmp(name, "clip"))
            cfg->clip_norm = strtod(v, NULL);
        else if (!strcmp(name, "optimizer"))
            snprintf(txt->optimizer, sizeof txt->optimizer, "%s", v);
        else if (!strcmp(name, "model"))
            cfg->model = strcpy(txt->model, v);
        else if (!strcmp(name, "schedule"))
            cfg->schedule = strcpy(txt->schedule, v);
        else if (!strcmp(name, "wd") || !strcmp(name, "momentum"))
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ",%s=%s", name, v);
    }
    size_t used = strlen(txt->optimizer);
    if (*extra)
        snprintf(txt->optimizer + used, sizeof txt->optimizer - used, "%s%s", strchr(txt->optimizer, ':') ? "" : ":",
                 strchr(txt->optimizer, ':') ? extra : extra + 1);
    cfg->optimizer = txt->optimizer;
    return LRS_OK;
}

typedef struct {
    lrs_trial *trial;
    int64_t eval_step;
    double eval_accuracy;
} hook_state;

static int on_step(void *ctx, lrs_trainer *tr, const lrs_step_info *s)
{
    (void)tr;
    hook_state *h = ctx;
    return lrs_trial_observe(h->trial, s->step, s->loss, s->lr);
}

static int on_eval(void *ctx, lrs_trainer *tr, const lrs_eval_info *e)
{
    (void)tr;
    hook_state *h = ctx;
    h->eval_step = e->step;
    h->eval_accuracy = e->val_accuracy;
    return LRS_OK;
}

/* Trains to each report point in turn; the trainer's own epoch-end evaluation is reused. */
static int train_and_report(lrs_trainer *tr, lrs_trial *t, hook_state *h)
{
    int64_t spe = lrs_trainer_steps_per_epoch(tr);
    for (;;) {
        double next = lrs_trial_next_report(t);
        int64_t target = llround(next * (double)spe), done = lrs_trainer_step_count(tr);
        if (target <= done)
            return LRS_OK;
        int rc = lrs_trainer_run(tr, target - done);
        if (rc == LRS_ERR_NUMERIC) /* the trainer stops before its hooks see a NaN loss */
            return lrs_trial_observe(t, lrs_trainer_step_count(tr), NAN, NAN);
        if (rc != LRS_OK)
            return rc;
        double accuracy = h->eval_accuracy, loss;
        if (h->eval_step != target - 1 && (rc = lrs_trainer_evaluate(tr, LRS_SPLIT_VAL, &loss, &accuracy)) != LRS_OK)
            return rc;
        if ((rc = lrs_trial_report(t, next, accuracy)) != LRS_OK)
            return rc;
        if (next >= lrs_trial_max_epochs(t) - 1e-9)
            return LRS_OK;
    }
}

int tune_run_trial(void *ctx, lrs_trial *t)
{
    const tune_trial_ctx *c = ctx;
    lrs_train_config cfg;
    trial_text txt;
    int rc = apply_point(c->args, t, &cfg, &txt);
    if (rc != LRS_OK)
        return rc;
    cfg.epochs = (int64_t)ceil(lrs_trial_max_epochs(t) - 1e-9);
    cfg.steps = 0;
    cfg.logdir = lrs_trial_dir(t);
    if (!c->args->threads_given)
        cfg.threads = lrs_trial_threads(t);
    lrs_trainer *tr;
    if ((rc = lrs_trainer_create(&tr, c->ds, &cfg)) != LRS_OK)
        return rc;
    hook_state h = {t, -1, NAN};
    lrs_train_hooks hooks = {on_step, on_eval, NULL, &h};
    lrs_trainer_set_hooks(tr, &hooks);
    rc = train_and_report(tr, t, &h);
    lrs_trainer_free(tr);
    return rc;
}

/* ---- --seed-with-find ---- */

typedef struct {
    lrs_trainer *tr;
    void *snapshot;
    size_t size;
} find_ctx;

static int find_step(void *ctx, double lr, double *loss)
{
    find_ctx *f = ctx;
    int rc = lrs_trainer_step_at(f->tr, lr, loss);
    if (rc == LRS_ERR_NUMERIC) { /* a NaN ends the sweep like a divergence */
        *loss = NAN;
        return LRS_OK;
    }
    return rc;
}

static int find_reset(void *ctx)
{
    find_ctx *f = ctx;
    return lrs_trainer_state_load(f->tr, f->snapshot, f->size);
}

int tune_seed_with_find(const tune_args *a, lrs_dataset *ds, lrs_space *space)
{
    int lr = lrs_space_find(space, "lr");
    if (lr < 0 || lrs_space_kind(space, lr) == LRS_PARAM_CHOICE)
        return cli_error(CLI_USAGE, "--seed-with-find: the space needs an lr range (lr=log(a,b))");
    lrs_train_config cfg = a->cfg;
    cfg.logdir = NULL;
    find_ctx f = {0};
    lrs_find_result res = {0};
    int rc = lrs_trainer_create(&f.tr, ds, &cfg);
    if (rc == LRS_OK) {
        f.size = lrs_trainer_state_size(f.tr);
        rc = (f.snapshot = malloc(f.size)) ? lrs_trainer_state_save(f.tr, f.snapshot, f.size) : LRS_ERR_NOMEM;
    }
    lrs_find_callbacks cb = {find_step, NULL, find_reset, &f};
    if (rc == LRS_OK)
        rc = lrs_find(&cb, NULL, &res);
    const lrs_suggestion *s = &res.suggest[LRS_SUGGEST_AUTO];
    int status = 0;
    if (rc != LRS_OK)
        status = cli_error(CLI_FAILED, "--seed-with-find: %s", lrs_errmsg());
    else if (!s->ok)
        cli_warn("--seed-with-find: no suggestion (%s); the lr range stays as given", s->reason);
    else if (lrs_space_set_range(space, lr, s->lr / 10, s->lr * 10) == LRS_OK)
        fprintf(stderr, "lrscope: range test suggests lr %.3g: searching lr in [%.3g, %.3g]\n", s->lr, s->lr / 10,
                s->lr * 10);
    lrs_find_result_free(&res);
    free(f.snapshot);
    lrs_trainer_free(f.tr);
    return status;
}
