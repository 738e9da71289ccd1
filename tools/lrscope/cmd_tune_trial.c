/* One trial of lrscope tune on lib/train: the trial's parameters over the base train
 * config, its steps fed to the warning-sign monitor (the trial's, or with --on-sign the
 * sign policy's), val/accuracy reported at each epoch and ASHA rung. Also
 * --seed-with-find's range test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_find.h"
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
    int64_t steps_per_epoch;
    int64_t eval_step;      /* the trainer's last evaluation, reused at a report point */
    double eval_accuracy;
    double reported;        /* epochs of the last report */
} hook_state;

/* At each report point passed (the next whole epoch or ASHA rung, as steps): the
 * val/accuracy after this step to the trial, which may say stop. */
static int report_if_due(hook_state *h, lrs_trainer *tr, int64_t step)
{
    double accuracy = NAN, loss;
    for (;;) {
        double next = lrs_trial_next_report(h->trial);
        if (next <= h->reported + 1e-9 || step + 1 < llround(next * (double)h->steps_per_epoch))
            return LRS_OK;
        int rc = LRS_OK;
        if (isnan(accuracy))
            rc = h->eval_step == step ? (accuracy = h->eval_accuracy, LRS_OK)
                                      : lrs_trainer_evaluate(tr, LRS_SPLIT_VAL, &loss, &accuracy);
        if (rc == LRS_OK)
            rc = lrs_trial_report(h->trial, next, accuracy);
        if (rc != LRS_OK)
            return rc;
        h->reported = next;
    }
}

/* The trainer's hooks run before the sign policy's: an evaluation of this step is done. */
static int on_step(void *ctx, lrs_trainer *tr, const lrs_step_info *s)
{
    hook_state *h = ctx;
    int rc = lrs_trial_observe(h->trial, s->step, s->loss, s->lr);
    return rc != LRS_OK ? rc : report_if_due(h, tr, s->step);
}

static int on_eval(void *ctx, lrs_trainer *tr, const lrs_eval_info *e)
{
    (void)tr;
    hook_state *h = ctx;
    h->eval_step = e->step;
    h->eval_accuracy = e->val_accuracy;
    return LRS_OK;
}

/* --on-sign: the policy's monitor judges the trial (a rollback recovers a divergence). */
static void on_sign(void *ctx, const lrs_sign *s, lrs_policy_act act, const char *done)
{
    (void)done;
    hook_state *h = ctx;
    lrs_trial_sign(h->trial, s, act == LRS_ACT_ROLLED_BACK, act == LRS_ACT_STOPPED);
}

int tune_run_trial(void *ctx, lrs_trial *t)
{
    const tune_trial_ctx *c = ctx;
    lrs_train_config cfg;
    trial_text txt;
    int rc = apply_point(c->args, t, &cfg, &txt);
    if (rc != LRS_OK)
        return rc;
    /* The run ends at the last report point: max_epochs may be a fraction. */
    int64_t n = lrs_dataset_split(c->ds, LRS_SPLIT_TRAIN).n, spe = (n + cfg.batch - 1) / cfg.batch;
    cfg.steps = llround(lrs_trial_max_epochs(t) * (double)spe);
    cfg.steps = cfg.steps > 0 ? cfg.steps : 1;
    cfg.logdir = lrs_trial_dir(t);
    if (!c->args->threads_given)
        cfg.threads = lrs_trial_threads(t);
    lrs_trainer *tr;
    if ((rc = lrs_trainer_create(&tr, c->ds, &cfg)) != LRS_OK)
        return rc;
    hook_state h = {t, lrs_trainer_steps_per_epoch(tr), -1, NAN, 0};
    lrs_train_hooks hooks = {on_step, on_eval, NULL, &h};
    lrs_trainer_set_hooks(tr, &hooks);
    lrs_policy_config pc = c->args->policy;
    pc.on_sign = on_sign;
    pc.ctx = &h;
    if (pc.policy != LRS_POLICY_OFF)
        lrs_trial_external_signs(t);
    rc = lrs_trainer_run_watched(tr, &pc, NULL);
    if (rc == LRS_ERR_NUMERIC) /* the trainer stops before its hooks see a NaN loss */
        rc = lrs_trial_observe(t, lrs_trainer_step_count(tr), NAN, NAN);
    lrs_trainer_free(tr);
    return rc;
}

/* ---- --seed-with-find: lrscope find's range test (find_run) ---- */

int tune_seed_with_find(const tune_args *a, lrs_dataset *ds, lrs_space *space)
{
    int lr = lrs_space_find(space, "lr");
    if (lr < 0 || lrs_space_kind(space, lr) == LRS_PARAM_CHOICE)
        return cli_error(CLI_USAGE, "--seed-with-find: the space needs an lr range (lr=log(a,b))");
    lrs_train_config cfg = a->cfg;
    cfg.logdir = NULL;
    lrs_trainer *tr = NULL;
    lrs_find_result res = {0};
    int rc = lrs_trainer_create(&tr, ds, &cfg);
    if (rc == LRS_OK)
        rc = find_run(tr, NULL, 0, &res);
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
    lrs_trainer_free(tr);
    return status;
}
