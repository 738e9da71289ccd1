/* The LR range test: sweep the LR up while training, smooth the loss, suggest an LR,
 * then verify a few candidates around the consensus by training each from the
 * caller's snapshot and keeping the one with the lowest final loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr.h"
#include "status_internal.h"

/* Final losses within this fraction count as a tie, which the larger LR wins. */
#define TIE 1e-3
/* Another candidate replaces the consensus only with a final loss this fraction below
 * the consensus's: verification runs are short, and a larger LR's early lead often fades
 * over a whole run (on Fashion-MNIST, mlp:512,256 with Adam, 3x the consensus led by 2.7%
 * after 150 steps and ended a point of accuracy lower after 2 epochs; with mlp:256 a 7%
 * lead held). */
#define LEAD 0.05

void lrs_find_options_default(lrs_find_options *o)
{
    *o = (lrs_find_options){
        .start_lr = 1e-7, .end_lr = 10, .iters = 100, .spacing = LRS_FIND_EXP,
        .beta = 0.98, .diverge = 4, .verify = 1, .candidates = 3, .spread = 3,
        .verify_steps = 150, .max_steps = 560,
    };
}

static int check_options(const lrs_find_callbacks *cb, const lrs_find_options *o)
{
    if (!cb || !cb->train_step)
        return lrs_fail(LRS_ERR_ARG, "lrs_find: the train_step callback is required");
    if (!(o->start_lr > 0) || !(o->end_lr > o->start_lr) || !isfinite(o->end_lr))
        return lrs_fail(LRS_ERR_ARG, "lrs_find: expected 0 < start_lr < end_lr, got %g and %g",
                        o->start_lr, o->end_lr);
    if (o->iters < 2 || (o->spacing != LRS_FIND_EXP && o->spacing != LRS_FIND_LINEAR))
        return lrs_fail(LRS_ERR_ARG, "lrs_find: expected iters >= 2 and spacing exp or linear");
    if (!(o->beta >= 0 && o->beta < 1) || !(o->diverge > 1))
        return lrs_fail(LRS_ERR_ARG, "lrs_find: expected beta in [0, 1) and diverge > 1, got %g "
                                     "and %g", o->beta, o->diverge);
    if (!o->verify)
        return o->iters <= o->max_steps ? LRS_OK
                                        : lrs_fail(LRS_ERR_ARG, "lrs_find: iters=%d exceeds "
                                                   "max_steps=%d", o->iters, o->max_steps);
    if (!cb->reset)
        return lrs_fail(LRS_ERR_ARG, "lrs_find: verification needs the reset callback "
                                     "(or set verify = 0)");
    if (o->candidates < 1 || o->candidates > LRS_FIND_MAX_CANDIDATES || !(o->spread > 1) ||
        o->verify_steps < 1)
        return lrs_fail(LRS_ERR_ARG, "lrs_find: expected 1 to %d candidates, spread > 1 and "
                                     "verify_steps >= 1", LRS_FIND_MAX_CANDIDATES);
    long total = (long)o->iters + (long)o->candidates * o->verify_steps;
    if (total > o->max_steps)
        return lrs_fail(LRS_ERR_ARG, "lrs_find: iters=%d + %d candidates x verify_steps=%d = %ld "
                                     "steps exceeds max_steps=%d", o->iters, o->candidates,
                        o->verify_steps, total, o->max_steps);
    return LRS_OK;
}

static double sweep_lr(const lrs_find_options *o, int i)
{
    double pos = (double)i / (o->iters - 1);
    if (o->spacing == LRS_FIND_LINEAR)
        return o->start_lr + (o->end_lr - o->start_lr) * pos;
    return o->start_lr * pow(o->end_lr / o->start_lr, pos);
}

/* Exponential moving average with bias correction (fastai's smooth loss). */
typedef struct {
    double beta, avg, best;
    int count;
} smoother;

static double smooth_add(smoother *sm, double loss)
{
    sm->avg = sm->beta * sm->avg + (1 - sm->beta) * loss;
    sm->count++;
    double s = sm->avg / (1 - pow(sm->beta, sm->count));
    if (s < sm->best)
        sm->best = s;
    return s;
}

static int smooth_diverged(const smoother *sm, double s, double diverge)
{
    return !isfinite(s) || s > diverge * sm->best;
}

/* One training step at lr, and the loss the curve reads (the val loss when given). */
static int train_once(const lrs_find_callbacks *cb, double lr, double *loss)
{
    int rc = cb->train_step(cb->ctx, lr, loss);
    if (rc == LRS_OK && cb->val_loss)
        rc = cb->val_loss(cb->ctx, loss);
    return rc;
}

static int sweep(const lrs_find_callbacks *cb, const lrs_find_options *o, lrs_find_result *r)
{
    smoother sm = {o->beta, 0, INFINITY, 0};
    for (int i = 0; i < o->iters; i++) {
        double lr = sweep_lr(o, i), loss;
        int rc = train_once(cb, lr, &loss);
        if (rc != LRS_OK)
            return rc;
        r->steps_used++;
        double s = smooth_add(&sm, loss);
        r->lr[i] = lr, r->loss[i] = loss, r->smooth[i] = s;
        r->n = i + 1;
        if (smooth_diverged(&sm, s, o->diverge)) {
            r->stopped_early = i + 1 < o->iters;
            break;
        }
    }
    return LRS_OK;
}

/* Trains verify_steps at a constant lr from the snapshot; stops early on divergence. */
static int verify_one(const lrs_find_callbacks *cb, const lrs_find_options *o,
                      lrs_find_result *r, lrs_find_candidate *c)
{
    smoother sm = {o->beta, 0, INFINITY, 0};
    double s = NAN;
    for (c->steps = 0; c->steps < o->verify_steps && !c->diverged; c->steps++) {
        double loss;
        int rc = cb->train_step(cb->ctx, c->lr, &loss);
        if (rc != LRS_OK)
            return rc;
        r->steps_used++;
        s = smooth_add(&sm, loss);
        c->diverged = smooth_diverged(&sm, s, o->diverge);
    }
    c->loss = s;
    if (!c->diverged && cb->val_loss)
        return cb->val_loss(cb->ctx, &c->loss);
    return LRS_OK;
}

/* Candidates ascending: consensus/spread, consensus, consensus*spread (as many as asked). */
static void place_candidates(const lrs_find_options *o, lrs_find_result *r)
{
    double c = r->consensus, all[3] = {c / o->spread, c, c * o->spread};
    int first = o->candidates == 1 ? 1 : 0;
    r->n_candidates = o->candidates;
    for (int i = 0; i < o->candidates; i++)
        r->candidates[i] = (lrs_find_candidate){all[first + i], NAN, 0, 0};
}

static int trained(const lrs_find_candidate *c)
{
    return !c->diverged && isfinite(c->loss);
}

/* Lowest final loss wins; ties within TIE go to the larger LR (candidates ascend); the
 * consensus (the middle candidate) stays unless the winner leads it by LEAD. */
static void pick_candidate(lrs_find_result *r)
{
    int best = -1, middle = r->n_candidates / 2;
    for (int i = 0; i < r->n_candidates; i++) {
        const lrs_find_candidate *c = &r->candidates[i];
        if (trained(c) &&
            (best < 0 || c->loss <= r->candidates[best].loss + TIE * fabs(r->candidates[best].loss)))
            best = i;
    }
    const lrs_find_candidate *m = &r->candidates[middle];
    int kept = best >= 0 && best != middle && trained(m) &&
               !(r->candidates[best].loss < m->loss - LEAD * fabs(m->loss));
    lrs_suggestion *a = &r->suggest[LRS_SUGGEST_AUTO];
    if (best < 0) {
        a->ok = 0, a->lr = NAN;
        snprintf(a->reason, sizeof a->reason, "no reliable answer: all %d candidates around "
                 "%.3g diverged in verification", r->n_candidates, r->consensus);
        return;
    }
    if (kept) {
        a->lr = m->lr;
        snprintf(a->reason, sizeof a->reason,
                 "of %d candidates around the consensus %.3g, none beat its loss (%.4g after %d "
                 "steps) by %.0f%%: kept", r->n_candidates, r->consensus, m->loss, m->steps,
                 LEAD * 100);
        return;
    }
    a->lr = r->candidates[best].lr;
    snprintf(a->reason, sizeof a->reason,
             "of %d candidates around the consensus %.3g, lr %.3g reached the lowest loss "
             "(%.4g) after %d steps", r->n_candidates, r->consensus, a->lr,
             r->candidates[best].loss, r->candidates[best].steps);
}

static int verify(const lrs_find_callbacks *cb, const lrs_find_options *o, lrs_find_result *r)
{
    place_candidates(o, r);
    for (int i = 0; i < r->n_candidates; i++) {
        int rc = verify_one(cb, o, r, &r->candidates[i]);
        if (rc == LRS_OK)
            rc = cb->reset(cb->ctx);
        if (rc != LRS_OK)
            return rc;
    }
    pick_candidate(r);
    return LRS_OK;
}

static int alloc_curve(lrs_find_result *r, int n)
{
    r->lr = calloc((size_t)n, sizeof *r->lr);
    r->loss = calloc((size_t)n, sizeof *r->loss);
    r->smooth = calloc((size_t)n, sizeof *r->smooth);
    if (!r->lr || !r->loss || !r->smooth)
        return lrs_fail(LRS_ERR_NOMEM, "lrs_find: out of memory for %d points", n);
    return LRS_OK;
}

int lrs_find(const lrs_find_callbacks *cb, const lrs_find_options *opt, lrs_find_result *res)
{
    if (!res)
        return lrs_fail(LRS_ERR_ARG, "lrs_find: NULL result");
    memset(res, 0, sizeof *res);
    res->consensus = NAN;
    lrs_find_options defaults;
    lrs_find_options_default(&defaults);
    const lrs_find_options *o = opt ? opt : &defaults;
    int rc = check_options(cb, o);
    if (rc == LRS_OK)
        rc = alloc_curve(res, o->iters);
    if (rc != LRS_OK)
        return rc;
    res->iters = o->iters;
    rc = sweep(cb, o, res);
    if (rc == LRS_OK && cb->reset)
        rc = cb->reset(cb->ctx);
    if (rc == LRS_OK)
        rc = lrs_find_suggest(res);
    if (rc == LRS_OK && o->verify && res->suggest[LRS_SUGGEST_AUTO].ok)
        rc = verify(cb, o, res);
    return rc;
}

void lrs_find_result_free(lrs_find_result *res)
{
    if (!res)
        return;
    free(res->lr);
    free(res->loss);
    free(res->smooth);
    res->lr = res->loss = res->smooth = NULL;
    res->n = 0;
}
