/* The study runner: which trial comes next, what a report decides (ASHA, the budget), how
 * a trial's end is recorded, and the one-at-a-time loop (run_fork.c runs several). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_internal.h"
#include "status_internal.h"

/* ASHA at a rung: stop unless the score is among the best 1/eta recorded there. */
static int asha_decide(lrs_study *st, run_slot *slot, double epoch, double score)
{
    int k = tune_rung_of(&st->opt, epoch);
    if (!st->opt.asha || k < 0)
        return LRS_OK;
    double *scores;
    int n, rc = study_rung_scores(st, epoch, &scores, &n);
    if (rc != LRS_OK)
        return rc;
    int go = tune_asha_promotes(score, scores, n, st->opt.eta);
    free(scores);
    if (go)
        return LRS_OK;
    slot->stop_status = LRS_TRIAL_PRUNED;
    snprintf(slot->stop_reason, sizeof slot->stop_reason, "asha: rung %d (%g epochs): score %.4g not in the top 1/%g of %d",
             k, epoch, score, st->opt.eta, n);
    return LRS_ERR_STOPPED;
}

int run_decide(lrs_study *st, run_slot *slot, double epoch, double value, double score)
{
    int rc = study_report(st, slot->id, epoch, value, score);
    if (rc != LRS_OK)
        return rc;
    if (score != score) {
        slot->stop_status = LRS_TRIAL_PRUNED;
        snprintf(slot->stop_reason, sizeof slot->stop_reason, "value is NaN at %g epochs", epoch);
        return LRS_ERR_STOPPED;
    }
    if ((rc = asha_decide(st, slot, epoch, score)) != LRS_OK)
        return rc;
    if (st->opt.budget > 0 && lrs_study_spent(st) >= st->opt.budget - 1e-9) {
        slot->stop_status = LRS_TRIAL_COMPLETE;
        snprintf(slot->stop_reason, sizeof slot->stop_reason, "budget of %g epochs spent", st->opt.budget);
        return LRS_ERR_STOPPED;
    }
    return LRS_OK;
}

int run_finish(lrs_study *st, run_slot *slot, int rc, double epochs, int sign_stopped, const char *notes,
               const char *error)
{
    char reason[600];
    lrs_trial_status status = LRS_TRIAL_COMPLETE;
    const char *why = "";
    if (rc == LRS_ERR_STOPPED && sign_stopped) {
        status = LRS_TRIAL_PRUNED;
    } else if (rc == LRS_ERR_STOPPED && slot->stop_status >= 0) {
        status = (lrs_trial_status)slot->stop_status;
        why = slot->stop_reason;
    } else if (rc != LRS_OK) {
        status = LRS_TRIAL_FAILED;
        why = error && *error ? error : lrs_strerror(rc);
    }
    snprintf(reason, sizeof reason, "%s%s%s", why, *why && *notes ? "; " : "", notes);
    return study_finish(st, slot->id, status, epochs, reason);
}

static int propose(lrs_study *st, int n, lrs_point *p, int *done)
{
    const lrs_tune_options *o = &st->opt;
    if (o->sampler == LRS_SAMPLER_GRID) {
        *done = tune_sample_grid(st->space, o->grid_points, n, p) != LRS_OK;
        return LRS_OK;
    }
    if (o->sampler == LRS_SAMPLER_RANDOM) {
        tune_sample_random(st->space, o->seed, n, p);
        return LRS_OK;
    }
    tune_history *h;
    int nh, rc = study_history(st, n, &h, &nh);
    if (rc == LRS_OK)
        rc = tune_sample_tpe(st->space, o, n, h, nh, p);
    free(h);
    return rc;
}

int run_next(lrs_study *st, run_plan *plan, int *id, lrs_point *p, double *max_epochs, int *done)
{
    const lrs_tune_options *o = &st->opt;
    double spent = lrs_study_spent(st), left = o->budget > 0 ? o->budget - spent : o->max_epochs;
    *max_epochs = left < o->max_epochs ? left : o->max_epochs;
    *done = 0;
    if (plan->next_restart < plan->n_restarts) {
        *id = plan->restarts[plan->next_restart++];
        int rc = study_restart_trial(st, *id);
        if (rc == LRS_OK)
            rc = study_point(st, *id, p);
        *max_epochs = o->max_epochs;
        return rc;
    }
    int count, rc = study_count(st, &count);
    if (rc != LRS_OK)
        return rc;
    *done = count >= o->trials || *max_epochs <= 1e-9;
    if (!*done)
        rc = propose(st, count, p, done);
    if (rc != LRS_OK || *done)
        return rc;
    char text[1024];
    *id = count;
    rc = lrs_point_format(st->space, p, text, sizeof text);
    return rc == LRS_OK ? study_add_trial(st, count, text) : rc;
}

int run_requeue(run_plan *plan, int id)
{
    int *grown = realloc(plan->restarts, (size_t)(plan->n_restarts + 1) * sizeof *grown);
    if (!grown)
        return lrs_fail(LRS_ERR_NOMEM, "tune: out of memory");
    plan->restarts = grown;
    plan->restarts[plan->n_restarts++] = id;
    return LRS_OK;
}

/* One trial in this process. */
static int run_one(lrs_study *st, const lrs_objective *obj, int id, const lrs_point *p, double max_epochs)
{
    lrs_trial t;
    run_slot slot = {.id = id, .stop_status = -1};
    int rc = trial_prepare(&t, st, id, p, max_epochs, (int)sysconf(_SC_NPROCESSORS_ONLN));
    t.slot = &slot;
    if (rc == LRS_OK) {
        lrs_errclear();
        rc = obj->run(obj->ctx, &t);
    }
    rc = run_finish(st, &slot, rc, t.last_epoch, t.sign_stopped, t.notes, lrs_errmsg());
    trial_release(&t);
    return rc;
}

int lrs_study_run(lrs_study *st, const lrs_objective *obj, int parallel)
{
    if (!st || !obj || !obj->run || parallel < 1)
        return lrs_fail(LRS_ERR_ARG, "lrs_study_run: NULL argument or parallel < 1");
    run_plan plan = {0};
    int rc = study_running(st, &plan.restarts, &plan.n_restarts);
    if (rc == LRS_OK && parallel > 1)
        rc = run_parallel(st, obj, &plan, parallel);
    while (rc == LRS_OK && parallel == 1) {
        int id, done;
        lrs_point p;
        double max_epochs;
        rc = run_next(st, &plan, &id, &p, &max_epochs, &done);
        if (rc != LRS_OK || done)
            break;
        rc = run_one(st, obj, id, &p, max_epochs);
    }
    free(plan.restarts);
    return rc;
}
