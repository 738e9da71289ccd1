/* The trial handle an objective sees: its point and folder, the warning-sign monitor fed
 * per step, and reports that the runner answers (directly, or through a worker's pipes). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <math.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_internal.h"
#include "status_internal.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A restarted trial starts from an empty folder, so TensorBoard shows one clean curve. */
static int fresh_dir(const char *dir)
{
    if (access(dir, F_OK) == 0 && nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return lrs_fail(lrs_status_from_errno(errno), "%s: cannot empty: %s", dir, strerror(errno));
    if (mkdir(dir, 0777) != 0)
        return lrs_fail(lrs_status_from_errno(errno), "%s: %s", dir, strerror(errno));
    return LRS_OK;
}

int trial_prepare(lrs_trial *t, lrs_study *st, int id, const lrs_point *p, double max_epochs, int threads)
{
    memset(t, 0, sizeof *t);
    t->id = id;
    t->point = *p;
    t->space = st->space;
    t->opt = &st->opt;
    t->st = st;
    t->max_epochs = max_epochs;
    t->threads = threads < 1 ? 1 : threads;
    snprintf(t->dir, sizeof t->dir, "%s/trial-%04d", st->dir, id);
    int rc = fresh_dir(t->dir);
    if (rc == LRS_OK && st->opt.prune_signs)
        rc = lrs_monitor_open(&t->monitor, NULL);
    return rc;
}

void trial_release(lrs_trial *t)
{
    lrs_monitor_close(t->monitor);
    t->monitor = NULL;
}

int lrs_trial_id(const lrs_trial *t) { return t->id; }
const lrs_point *lrs_trial_point(const lrs_trial *t) { return &t->point; }
const lrs_space *lrs_trial_space(const lrs_trial *t) { return t->space; }
const char *lrs_trial_dir(const lrs_trial *t) { return t->dir; }
double lrs_trial_max_epochs(const lrs_trial *t) { return t->max_epochs; }
int lrs_trial_threads(const lrs_trial *t) { return t->threads; }

double lrs_trial_next_report(const lrs_trial *t)
{
    double next = floor(t->last_epoch + 1e-9) + 1;
    if (t->opt->asha)
        for (int k = 0; k < 64; k++) {
            double r = tune_rung_epoch(t->opt, k);
            if (r > t->last_epoch + 1e-9) {
                next = r < next ? r : next;
                break;
            }
        }
    return next < t->max_epochs ? next : t->max_epochs;
}

static void note(lrs_trial *t, const lrs_sign *s)
{
    size_t used = strlen(t->notes);
    snprintf(t->notes + used, sizeof t->notes - used, "%s%s at step %lld", used ? "; " : "",
             lrs_sign_kind_name(s->kind), (long long)s->end_step);
}

void lrs_trial_external_signs(lrs_trial *t)
{
    lrs_monitor_close(t->monitor);
    t->monitor = NULL;
    t->external_signs = 1;
}

int lrs_trial_sign(lrs_trial *t, const lrs_sign *s, int recovered, int ended)
{
    if (!t->opt->prune_signs || t->sign_stopped)
        return t->sign_stopped ? LRS_ERR_STOPPED : LRS_OK;
    int fatal = s->kind == LRS_SIGN_NAN || s->kind == LRS_SIGN_DIVERGENCE || s->kind == LRS_SIGN_STALLED;
    if (fatal || ended || s->kind == LRS_SIGN_OSCILLATION || s->kind == LRS_SIGN_PLATEAU)
        note(t, s);
    if (s->kind == LRS_SIGN_OSCILLATION || s->kind == LRS_SIGN_PLATEAU)
        t->penalty += t->opt->sign_penalty;
    t->sign_stopped = (fatal && !recovered) || ended;
    return t->sign_stopped ? LRS_ERR_STOPPED : LRS_OK;
}

int lrs_trial_observe(lrs_trial *t, int64_t step, double loss, double lr)
{
    if (t->remote_tick)
        t->remote_tick(t);
    if (t->external_signs && !isfinite(loss)) { /* the trainer stopped on it: no sign came */
        lrs_sign nan = {.kind = LRS_SIGN_NAN, .start_step = step, .end_step = step};
        return lrs_trial_sign(t, &nan, 0, 0);
    }
    if (!t->monitor)
        return t->sign_stopped ? LRS_ERR_STOPPED : LRS_OK;
    lrs_monitor_feed(t->monitor, LRS_ROLE_LR, step, lr);
    lrs_monitor_feed(t->monitor, LRS_ROLE_LOSS, step, loss);
    lrs_sign s;
    while (lrs_monitor_next_sign(t->monitor, &s))
        lrs_trial_sign(t, &s, 0, 0);
    return t->sign_stopped ? LRS_ERR_STOPPED : LRS_OK;
}

int lrs_trial_report(lrs_trial *t, double epoch, double value)
{
    t->last_epoch = epoch;
    double score = value - t->penalty;
    if (!t->remote_report)
        return run_decide(t->st, t->slot, epoch, value, score);
    run_msg m = {.kind = RUN_MSG_REPORT, .epoch = epoch, .value = value, .score = score};
    char answer = 's';
    int rc = t->remote_report(t, &m, &answer);
    return rc != LRS_OK ? rc : answer == 'c' ? LRS_OK : LRS_ERR_STOPPED;
}

static void done_msg(const lrs_trial *t, int rc, run_msg *m)
{
    memset(m, 0, sizeof *m);
    m->kind = RUN_MSG_DONE;
    m->rc = rc;
    m->epoch = t->last_epoch;
    m->sign_stopped = t->sign_stopped;
    snprintf(m->notes, sizeof m->notes, "%s", t->notes);
    snprintf(m->error, sizeof m->error, "%s", rc == LRS_OK ? "" : lrs_errmsg());
}

void trial_run_remote(lrs_trial *t, int prepared, const lrs_objective *obj, run_msg *done)
{
    int rc = prepared;
    if (rc == LRS_OK) {
        lrs_errclear();
        rc = obj->run(obj->ctx, t);
    }
    done_msg(t, rc, done);
    trial_release(t);
}
