/* Sweeps: each run compared with the runs of the same settings at other LRs, the way a
 * person overlays a sweep in TensorBoard. A run is flagged against the best sibling on
 * one side of it (of those that ended at about the same step): the lowest final loss among the runs at an LR sweep_lr_ratio lower
 * (too high) or higher (too low), when it ended sweep_loss_ratio x above that, and its
 * val loss, when both have one, did not end better. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signs_internal.h"
#include "status_internal.h"

struct lrs_sweep {
    lrs_signs_options opt;
    lrs_sweep_run *run; /* strings copied into their own allocations */
    size_t n, cap;
    /* Built at the first judgement: run numbers sorted by settings, and for each run where
     * its settings' group starts and ends in that order (a logdir may hold many sweeps). */
    size_t *order, *group_from, *group_to;
};

int lrs_sweep_open(lrs_sweep **out, const lrs_signs_options *opt)
{
    *out = NULL;
    lrs_signs_options taken;
    int rc = signs_options_take(&taken, opt);
    if (rc != LRS_OK) return rc;
    lrs_sweep *s = calloc(1, sizeof *s);
    if (!s) return lrs_fail(LRS_ERR_NOMEM, "sweep: out of memory");
    s->opt = taken;
    *out = s;
    return LRS_OK;
}

static char *copy_string(const char *text)
{
    if (!text) return NULL;
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    return copy ? memcpy(copy, text, len) : NULL;
}

static void free_run(lrs_sweep_run *r)
{
    free((char *)r->name);
    free((char *)r->settings);
    free((char *)r->tag);
}

int lrs_sweep_add(lrs_sweep *s, const lrs_sweep_run *run)
{
    if (!(isfinite(run->lr) && run->lr > 0 && isfinite(run->loss)))
        return lrs_fail(LRS_ERR_ARG, "sweep: run %s: needs a positive LR and a finite final loss",
                        run->name ? run->name : "?");
    if (lrs_array_grow((void **)&s->run, &s->cap, s->n + 1, sizeof *s->run, "sweep") != LRS_OK)
        return LRS_ERR_NOMEM;
    lrs_sweep_run copy = *run;
    copy.name = copy_string(run->name ? run->name : "?");
    copy.settings = copy_string(run->settings);
    copy.tag = copy_string(run->tag ? run->tag : "loss");
    if (!copy.name || !copy.tag || (run->settings && !copy.settings)) {
        free_run(&copy);
        return lrs_fail(LRS_ERR_NOMEM, "sweep: out of memory");
    }
    s->run[s->n++] = copy;
    free(s->order); /* a new run: the groups are built again */
    s->order = NULL;
    return LRS_OK;
}

size_t lrs_sweep_count(const lrs_sweep *s) { return s->n; }

/* r ended worse than ref by the thresholds: its loss, and its val loss when both have one. */
static int ended_worse(const lrs_signs_options *o, const lrs_sweep_run *r, const lrs_sweep_run *ref)
{
    if (!(r->loss >= o->sweep_loss_ratio * ref->loss)) return 0;
    return !(isfinite(r->val_loss) && isfinite(ref->val_loss)) || r->val_loss >= o->sweep_val_ratio * ref->val_loss;
}

/* Runs that ended at about the same step (within 10%): a run stopped early, or still
 * running, has not had the same chance to get low. */
static int same_length(const lrs_sweep_run *a, const lrs_sweep_run *b)
{
    double x = (double)a->end_step, y = (double)b->end_step;
    return fabs(x - y) <= 0.1 * fmax(fabs(x), fabs(y));
}

typedef struct keyed_run {
    const char *settings;
    size_t run;
} keyed_run;

static int by_settings(const void *a, const void *b)
{
    const char *x = ((const keyed_run *)a)->settings, *y = ((const keyed_run *)b)->settings;
    if (!x || !y) return (x == NULL) - (y == NULL); /* runs without settings last */
    int c = strcmp(x, y);
    if (c) return c;
    size_t i = ((const keyed_run *)a)->run, j = ((const keyed_run *)b)->run;
    return (i > j) - (i < j); /* a stable order */
}

static int same_settings(const keyed_run *a, const keyed_run *b)
{
    return a->settings && b->settings && !strcmp(a->settings, b->settings);
}

/* Sorts the runs by settings and notes each run's group. 0, or -1 out of memory. */
static int build_groups(lrs_sweep *s)
{
    size_t n = s->n ? s->n : 1;
    keyed_run *keyed = malloc(n * sizeof *keyed);
    s->order = malloc(3 * n * sizeof *s->order);
    if (!keyed || !s->order) {
        free(keyed);
        free(s->order);
        s->order = NULL;
        return -1;
    }
    s->group_from = s->order + n;
    s->group_to = s->group_from + n;
    for (size_t i = 0; i < s->n; i++) keyed[i] = (keyed_run){s->run[i].settings, i};
    qsort(keyed, s->n, sizeof *keyed, by_settings);
    for (size_t from = 0, to; from < s->n; from = to) {
        for (to = from + 1; to < s->n && same_settings(&keyed[from], &keyed[to]); to++) {}
        for (size_t k = from; k < to; k++) {
            s->order[k] = keyed[k].run;
            s->group_from[keyed[k].run] = from, s->group_to[keyed[k].run] = to;
        }
    }
    free(keyed);
    return 0;
}

/* The best sibling of run i on one side (higher: at an LR sweep_lr_ratio above, else below)
 * that run i ended worse than, or NULL. Only its settings' group is looked at. */
static const lrs_sweep_run *better_sibling(const lrs_sweep *s, size_t i, int higher)
{
    const lrs_sweep_run *r = &s->run[i], *best = NULL;
    for (size_t g = s->group_from[i]; g < s->group_to[i]; g++) {
        size_t k = s->order[g];
        const lrs_sweep_run *o = &s->run[k];
        if (k == i || o->failed || !same_length(o, r)) continue;
        int side = higher ? o->lr >= s->opt.sweep_lr_ratio * r->lr : r->lr >= s->opt.sweep_lr_ratio * o->lr;
        if (side && ended_worse(&s->opt, r, o) && (!best || o->loss < best->loss)) best = o;
    }
    return best;
}

/* Three significant digits: LRs logged as float32 make 0.1 / 0.001 come out as 99.999997. */
static double three_digits(double x)
{
    char text[32];
    snprintf(text, sizeof text, "%.3g", x);
    return strtod(text, NULL);
}

static void fill_sign(lrs_sign *out, const lrs_sweep_run *r, const lrs_sweep_run *ref, int too_high)
{
    *out = (lrs_sign){.kind = too_high ? LRS_SIGN_OSCILLATION : LRS_SIGN_SLOW, .severity = LRS_SEVERITY_WARNING,
                      .role = LRS_ROLE_LOSS, .start_step = r->end_start, .end_step = r->end_step,
                      .action = too_high ? LRS_ACTION_REDUCE_LR : LRS_ACTION_RAISE_LR, .factor = three_digits(ref->lr / r->lr)};
    snprintf(out->tag, sizeof out->tag, "%s", r->tag);
    char val[96] = "";
    if (isfinite(r->val_loss) && isfinite(ref->val_loss))
        snprintf(val, sizeof val, " (val loss %.4g against %.4g)", r->val_loss, ref->val_loss);
    snprintf(out->message, sizeof out->message,
             "at LR %.3g the loss ended at %.4g, %.2fx the %.4g that %s reached at LR %.3g with the same"
             " settings%s: the LR is too %s",
             r->lr, r->loss, r->loss / ref->loss, ref->loss, ref->name, ref->lr, val, too_high ? "high" : "low");
}

int lrs_sweep_judge(lrs_sweep *s, size_t i, lrs_sign *out)
{
    if (i >= s->n || !s->run[i].settings) return 0;
    if (!s->order && build_groups(s)) return 0; /* out of memory: no comparison */
    const lrs_sweep_run *ref = better_sibling(s, i, 0);
    if (ref) {
        fill_sign(out, &s->run[i], ref, 1);
        return 1;
    }
    ref = better_sibling(s, i, 1);
    if (ref) {
        fill_sign(out, &s->run[i], ref, 0);
        return 1;
    }
    return 0;
}

void lrs_sweep_close(lrs_sweep *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free_run(&s->run[i]);
    free(s->run);
    free(s->order);
    free(s);
}
