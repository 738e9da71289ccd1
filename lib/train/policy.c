/* A training run watched by lib/signs: the monitor is fed from the trainer's hooks and each
 * sign gets the action a person watching the curve would take (see train.h for the
 * policies). Everything (monitor, snapshots) is allocated before the first step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "status_internal.h"

static double current_lr(const policy_run *p)
{
    return lrs_trainer_base_lr(p->t) * p->scale;
}

static int save_into(policy_run *p, policy_snapshot *s)
{
    int rc = lrs_trainer_state_save(p->t, s->bytes, lrs_trainer_state_size(p->t));
    s->step = rc == LRS_OK ? lrs_trainer_step_count(p->t) : -1;
    return rc;
}

/* Saves the state into the ring (no allocation: the buffers exist). */
static int save_snapshot(policy_run *p)
{
    int rc = save_into(p, &p->snap[p->next_snap]);
    p->next_snap = (p->next_snap + 1) % POLICY_SNAPSHOTS;
    return rc;
}

/* The newest snapshot saved at or before step `bound`, else the oldest one. */
static policy_snapshot *pick_snapshot(policy_run *p, int64_t bound)
{
    policy_snapshot *best = NULL, *oldest = NULL;
    for (int i = 0; i <= POLICY_SNAPSHOTS; i++) {
        policy_snapshot *s = &p->snap[i];
        if (s->step < 0)
            continue;
        if (s->step <= bound && (!best || s->step > best->step))
            best = s;
        if (!oldest || s->step < oldest->step)
            oldest = s;
    }
    return best ? best : oldest;
}

/* The scale after multiplying by factor, within the LR bounds; 0 when nothing changes
 * (sets *why). */
static double bounded_scale(const policy_run *p, double factor, const char **why)
{
    double base = lrs_trainer_base_lr(p->t);
    double scale = fmin(fmax(p->scale * factor, p->lr_min / base), p->lr_max / base);
    *why = factor < 1 ? "the LR is at lr_min" : "the LR is at lr_max";
    if (p->result.actions >= p->pc.max_actions)
        *why = "max_actions reached";
    else if (factor < 1 ? scale < p->scale * (1 - 1e-9) : scale > p->scale * (1 + 1e-9))
        return scale;
    return 0;
}

/* After an LR change the detectors judge the new regime from scratch. */
static int apply_scale(policy_run *p, double scale, int64_t from_step)
{
    int rc = lrs_trainer_set_lr_scale(p->t, scale);
    if (rc != LRS_OK)
        return rc;
    p->scale = scale;
    p->result.actions++;
    lrs_monitor_reset(p->monitor);
    return policy_log_scale(p, from_step);
}

static lrs_policy_act change_lr(policy_run *p, double factor, int64_t step, char *done, size_t n,
                                int *rc)
{
    const char *why;
    double before = current_lr(p), scale = bounded_scale(p, factor, &why);
    const char *verb = factor < 1 ? "reduce" : "raise";
    if (scale == 0) {
        snprintf(done, n, "%s the LR x%g skipped: %s (LR %.3g)", verb, factor, why, before);
        return LRS_ACT_SKIPPED;
    }
    double applied = scale / p->scale;
    *rc = apply_scale(p, scale, step + 1);
    snprintf(done, n, "%sd the LR x%.3g: %.3g -> %.3g", verb, applied, before, current_lr(p));
    return factor < 1 ? LRS_ACT_REDUCED : LRS_ACT_RAISED;
}

/* Divergence or NaN: back to the newest snapshot from before the sign began, with the LR
 * multiplied by the sign's factor. Stops when rollbacks or the LR are used up. */
static lrs_policy_act roll_back(policy_run *p, const lrs_sign *s, char *done, size_t n, int *rc)
{
    double factor = isnan(s->factor) ? 0.1 : s->factor;
    const char *why;
    double before = current_lr(p), scale = bounded_scale(p, factor, &why);
    if (p->result.rollbacks >= p->pc.max_rollbacks)
        why = "max_rollbacks reached", scale = 0;
    if (scale == 0) {
        snprintf(done, n, "stopped the run: cannot roll back (%s, LR %.3g)", why, before);
        return LRS_ACT_STOPPED;
    }
    int64_t bound = s->kind == LRS_SIGN_NAN ? s->start_step - p->pc.snapshot_every : s->start_step;
    policy_snapshot *snap = pick_snapshot(p, bound);
    if ((*rc = lrs_trainer_state_load(p->t, snap->bytes, lrs_trainer_state_size(p->t))) != LRS_OK)
        return LRS_ACT_STOPPED;
    for (int i = 0; i <= POLICY_SNAPSHOTS; i++) /* the future they saw is gone */
        if (p->snap[i].step > snap->step)
            p->snap[i].step = -1;
    p->result.rollbacks++;
    *rc = apply_scale(p, scale, snap->step);
    snprintf(done, n, "rolled back to step %lld (rollback %d of %d) and reduced the LR x%g: "
             "%.3g -> %.3g", (long long)snap->step, p->result.rollbacks, p->pc.max_rollbacks,
             factor, before, current_lr(p));
    return LRS_ACT_ROLLED_BACK;
}

/* What the policy does about s (done: one line saying it). */
static lrs_policy_act decide(policy_run *p, const lrs_sign *s, int64_t step, char *done, size_t n,
                             int *rc)
{
    lrs_sign_policy pol = p->pc.policy;
    int reduces = pol == LRS_POLICY_REDUCE || pol == LRS_POLICY_ADAPT;
    int rolls = pol == LRS_POLICY_ROLLBACK || pol == LRS_POLICY_ADAPT;
    snprintf(done, n, "logged");
    if (p->over)
        return LRS_ACT_LOGGED;
    if (rolls && (s->kind == LRS_SIGN_DIVERGENCE || s->kind == LRS_SIGN_NAN))
        return roll_back(p, s, done, n, rc);
    if (reduces && (s->kind == LRS_SIGN_OSCILLATION || s->kind == LRS_SIGN_PLATEAU) &&
        s->action == LRS_ACTION_REDUCE_LR)
        return change_lr(p, s->factor, step, done, n, rc);
    if (pol == LRS_POLICY_ADAPT && s->kind == LRS_SIGN_SLOW && s->action == LRS_ACTION_RAISE_LR)
        return change_lr(p, s->factor, step, done, n, rc);
    if (pol == LRS_POLICY_STOP && s->severity == LRS_SEVERITY_CRITICAL) {
        snprintf(done, n, "stopped the run");
        return LRS_ACT_STOPPED;
    }
    return LRS_ACT_LOGGED;
}

/* Takes every waiting sign; LRS_ERR_STOPPED when one stops the run. */
static int handle_signs(policy_run *p, int64_t step)
{
    lrs_sign s;
    int rc = LRS_OK;
    while (rc == LRS_OK && lrs_monitor_next_sign(p->monitor, &s)) {
        char done[256];
        lrs_policy_act act = decide(p, &s, step, done, sizeof done, &rc);
        p->result.signs++;
        int log_rc = policy_log_sign(p, &s, step, act, done);
        if (p->pc.on_sign)
            p->pc.on_sign(p->pc.ctx, &s, act, done);
        if (rc == LRS_OK)
            rc = log_rc;
        if (rc == LRS_OK && act == LRS_ACT_STOPPED)
            rc = lrs_fail(LRS_ERR_STOPPED, "policy %s stopped the run at step %lld on %s: %s",
                          lrs_sign_policy_name(p->pc.policy), (long long)step,
                          lrs_sign_kind_name(s.kind), s.message);
    }
    return rc;
}

static int watch_step(void *ctx, lrs_trainer *t, const lrs_step_info *info)
{
    policy_run *p = ctx;
    int rc = p->user.on_step ? p->user.on_step(p->user.ctx, t, info) : LRS_OK;
    if (rc != LRS_OK)
        return rc;
    if (!p->scale_logged && (rc = policy_log_scale(p, info->step)) != LRS_OK)
        return rc;
    p->scale_logged = 1;
    lrs_monitor_feed(p->monitor, LRS_ROLE_LR, info->step, info->lr);
    lrs_monitor_feed(p->monitor, LRS_ROLE_LOSS, info->step, info->loss);
    lrs_monitor_feed(p->monitor, LRS_ROLE_GRAD_NORM, info->step, info->grad_norm);
    int64_t rollbacks = p->result.rollbacks;
    if ((rc = handle_signs(p, info->step)) != LRS_OK)
        return rc;
    int64_t steps = lrs_trainer_step_count(t);
    if (p->result.rollbacks == rollbacks && steps % p->pc.snapshot_every == 0)
        rc = save_snapshot(p);
    return rc;
}

static int watch_eval(void *ctx, lrs_trainer *t, const lrs_eval_info *e)
{
    policy_run *p = ctx;
    lrs_monitor_feed(p->monitor, LRS_ROLE_VAL_LOSS, e->step, e->val_loss);
    return p->user.on_eval ? p->user.on_eval(p->user.ctx, t, e) : LRS_OK;
}

static int watch_epoch(void *ctx, lrs_trainer *t, const lrs_epoch_info *e)
{
    policy_run *p = ctx;
    return p->user.on_epoch ? p->user.on_epoch(p->user.ctx, t, e) : LRS_OK;
}

/* The trainer stopped on a NaN loss (before the update): the monitor sees it as a sign;
 * LRS_OK when the policy rolled back and the run can go on. */
static int handle_numeric(policy_run *p)
{
    char why[512];
    snprintf(why, sizeof why, "%s", lrs_errmsg());
    int64_t step = lrs_trainer_step_count(p->t), rollbacks = p->result.rollbacks;
    lrs_monitor_feed(p->monitor, LRS_ROLE_LOSS, step, NAN);
    int rc = handle_signs(p, step);
    if (rc == LRS_OK && p->result.rollbacks > rollbacks)
        return LRS_OK;
    return rc == LRS_OK || rc == LRS_ERR_STOPPED ? lrs_fail(LRS_ERR_NUMERIC, "%s", why) : rc;
}

static int open_run(policy_run *p, lrs_trainer *t, const lrs_policy_config *pc)
{
    *p = (policy_run){.pc = *pc, .t = t, .user = t->hooks, .scale = t->lr_scale};
    if (pc->snapshot_every < 1 || pc->max_actions < 0 || pc->max_rollbacks < 0 ||
        pc->lr_min < 0 || pc->lr_max < 0 || (pc->lr_max > 0 && pc->lr_min > pc->lr_max))
        return lrs_fail(LRS_ERR_ARG, "policy: snapshot_every >= 1, max_actions and max_rollbacks "
                        ">= 0 and 0 <= lr_min <= lr_max are needed");
    double base = lrs_trainer_base_lr(t);
    p->lr_min = pc->lr_min > 0 ? pc->lr_min : base / 1000;
    p->lr_max = pc->lr_max > 0 ? pc->lr_max : base * 10;
    lrs_signs_options opt;
    if (pc->signs)
        opt = *pc->signs;
    else
        lrs_signs_options_init(&opt);
    opt.total_steps = lrs_trainer_total_steps(t);
    int rc = lrs_monitor_open(&p->monitor, &opt);
    if (rc != LRS_OK)
        return rc;
    lrs_monitor_set_tag(p->monitor, LRS_ROLE_LOSS, "train/loss");
    lrs_monitor_set_tag(p->monitor, LRS_ROLE_VAL_LOSS, "val/loss");
    lrs_monitor_set_tag(p->monitor, LRS_ROLE_LR, "train/lr");
    lrs_monitor_set_tag(p->monitor, LRS_ROLE_GRAD_NORM, "train/grad_norm");
    for (int i = 0; i <= POLICY_SNAPSHOTS; i++) {
        p->snap[i].step = -1;
        if (!(p->snap[i].bytes = malloc(lrs_trainer_state_size(t))))
            return lrs_fail(LRS_ERR_NOMEM, "policy: out of memory for the snapshots");
    }
    /* The start stays: a run that never learned much before diverging restarts from it. */
    return save_into(p, &p->snap[POLICY_SNAPSHOTS]);
}

static void close_run(policy_run *p)
{
    p->t->hooks = p->user;
    lrs_monitor_close(p->monitor);
    for (int i = 0; i <= POLICY_SNAPSHOTS; i++)
        free(p->snap[i].bytes);
}

/* End-of-series judgements, logged only (nothing left to act on). */
static int finish_run(policy_run *p)
{
    p->over = 1;
    lrs_monitor_finish(p->monitor);
    int rc = handle_signs(p, lrs_trainer_step_count(p->t) - 1);
    lrs_writer *w = lrs_trainer_writer(p->t);
    return rc == LRS_OK && w ? lrs_writer_flush(w) : rc;
}

int lrs_trainer_run_watched(lrs_trainer *t, const lrs_policy_config *pc, lrs_policy_result *out)
{
    if (pc->policy == LRS_POLICY_OFF) {
        if (out)
            *out = (lrs_policy_result){.lr_scale = t->lr_scale};
        return lrs_trainer_run(t, 0);
    }
    policy_run p;
    int rc = open_run(&p, t, pc);
    if (rc == LRS_OK) {
        lrs_train_hooks watch = {watch_step, watch_eval, watch_epoch, &p};
        lrs_trainer_set_hooks(t, &watch);
        while ((rc = lrs_trainer_run(t, 0)) == LRS_ERR_NUMERIC && (rc = handle_numeric(&p)) == LRS_OK)
            ;
        if (rc == LRS_OK)
            rc = finish_run(&p);
    }
    p.result.lr_scale = p.scale;
    if (out)
        *out = p.result;
    close_run(&p);
    return rc;
}
