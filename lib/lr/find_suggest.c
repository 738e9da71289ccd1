/* Reading an LR range-test curve: fastai 2.x's valley, steep and minimum suggestions
 * (on the smoothed loss, skipping the first tenth of the planned iterations and the
 * last 5 points, as fastai does), and the consensus that seeds lrs_find's auto. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lr.h"
#include "status_internal.h"

/* Fewer points than this in the analysed window give no reliable answer. */
#define MIN_POINTS 5
/* The smoothed loss must fall by this fraction of its starting value to count as falling. */
#define MIN_FALL 0.03

static const char *const names[LRS_SUGGEST_COUNT] = {"valley", "steep", "minimum", "auto"};

const char *lrs_suggestion_name(int which)
{
    return which >= 0 && which < LRS_SUGGEST_COUNT ? names[which] : "unknown";
}

static void no_answer(lrs_suggestion *s, const char *reason)
{
    s->ok = 0;
    s->lr = NAN;
    s->index = -1;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static void answer(lrs_suggestion *s, double lr, int index)
{
    s->ok = 1;
    s->lr = lr;
    s->index = index;
}

/* The window [*from, *to) of the curve that suggestions read, all points finite. */
static void analysed_window(const lrs_find_result *r, int *from, int *to)
{
    *from = r->iters / 10;
    *to = r->n - 5;
    for (int i = *from; i < *to; i++)
        if (!isfinite(r->smooth[i]) || !(r->lr[i] > 0))
            *to = i;
}

static int argmin(const double *x, int from, int to)
{
    int best = from;
    for (int i = from + 1; i < to; i++)
        if (x[i] < x[best])
            best = i;
    return best;
}

static void suggest_minimum(const lrs_find_result *r, int from, int to, lrs_suggestion *s)
{
    int i = argmin(r->smooth, from, to);
    answer(s, r->lr[i] / 10, i);
    snprintf(s->reason, sizeof s->reason,
             "the smoothed loss is lowest (%.4g) at lr %.3g; one tenth of that is %.3g",
             r->smooth[i], r->lr[i], s->lr);
}

/* Steepest descent of the loss against ln(lr); fastai takes the LR at the left point. */
static void suggest_steep(const lrs_find_result *r, int from, int to, lrs_suggestion *s)
{
    int best = -1;
    double best_slope = 0;
    for (int i = from; i + 1 < to; i++) {
        double slope = (r->smooth[i + 1] - r->smooth[i]) / (log(r->lr[i + 1]) - log(r->lr[i]));
        if (slope < best_slope)
            best_slope = slope, best = i;
    }
    if (best < 0) {
        no_answer(s, "the smoothed loss never decreases between two points");
        return;
    }
    answer(s, r->lr[best], best);
    snprintf(s->reason, sizeof s->reason,
             "the smoothed loss falls fastest (%.3g per unit of ln lr) at lr %.3g",
             best_slope, s->lr);
}

/* fastai's valley: the longest decreasing subsequence of the loss is the valley; the
 * suggestion sits half-way into its second third. lds is scratch of to-from ints. */
static void suggest_valley(const lrs_find_result *r, int from, int to, int *lds, lrs_suggestion *s)
{
    const double *loss = r->smooth + from;
    int n = to - from, max_start = 0, max_end = 0;
    for (int i = 0; i < n; i++) {
        lds[i] = 1;
        for (int j = 0; j < i; j++) {
            if (loss[i] < loss[j] && lds[i] < lds[j] + 1)
                lds[i] = lds[j] + 1;
            if (lds[max_end] < lds[i])
                max_end = i, max_start = max_end - lds[max_end];
        }
    }
    double sections = (max_end - max_start) / 3.0;
    int idx = max_start + (int)sections + (int)(sections / 2);
    idx = idx < 0 ? 0 : idx;
    answer(s, r->lr[from + idx], from + idx);
    snprintf(s->reason, sizeof s->reason,
             "the longest valley of the loss runs from lr %.3g to %.3g (%d falling points); "
             "%.3g lies partway down it",
             r->lr[from + (max_start < 0 ? 0 : max_start)], r->lr[from + max_end], lds[max_end],
             s->lr);
}

/* The LR at the smoothed minimum of the window: the upper bound of the consensus. */
static double lr_at_minimum(const lrs_find_result *r, int from, int to)
{
    return r->lr[argmin(r->smooth, from, to)];
}

/* Median (in log) of the reliable suggestions, clamped so that the consensus times
 * the spread used by verification stays below the LR of the smoothed minimum. */
static void consensus(lrs_find_result *r, int from, int to)
{
    double logs[3];
    int k = 0;
    for (int m = LRS_SUGGEST_VALLEY; m <= LRS_SUGGEST_MINIMUM; m++)
        if (r->suggest[m].ok)
            logs[k++] = log(r->suggest[m].lr);
    lrs_suggestion *a = &r->suggest[LRS_SUGGEST_AUTO];
    if (k == 0) {
        r->consensus = NAN;
        no_answer(a, r->suggest[LRS_SUGGEST_MINIMUM].reason);
        return;
    }
    for (int i = 1; i < k; i++) /* sort up to 3 values */
        for (int j = i; j > 0 && logs[j] < logs[j - 1]; j--) {
            double t = logs[j];
            logs[j] = logs[j - 1], logs[j - 1] = t;
        }
    double c = k == 2 ? exp((logs[0] + logs[1]) / 2) : exp(logs[k / 2]);
    double cap = lr_at_minimum(r, from, to) / 3;
    int clamped = c > cap;
    r->consensus = clamped ? cap : c;
    answer(a, r->consensus, -1);
    snprintf(a->reason, sizeof a->reason,
             "median of %d suggestion%s: %.3g%s", k, k > 1 ? "s" : "", c,
             clamped ? ", lowered to a third of the LR at the smoothed minimum" : "");
}

int lrs_find_suggest(lrs_find_result *r)
{
    int from, to;
    analysed_window(r, &from, &to);
    char why[256];
    if (to - from < MIN_POINTS) {
        snprintf(why, sizeof why,
                 "no reliable answer: the sweep kept only %d usable points of %d planned "
                 "(it diverged at lr %.3g)",
                 to > from ? to - from : 0, r->iters, r->n ? r->lr[r->n - 1] : NAN);
    } else {
        double first = r->smooth[from], low = r->smooth[argmin(r->smooth, from, to)];
        if (!(first - low > MIN_FALL * fabs(first)))
            snprintf(why, sizeof why,
                     "no reliable answer: the smoothed loss never falls by %.0f%% "
                     "(from %.4g to at best %.4g)", MIN_FALL * 100, first, low);
        else
            why[0] = '\0';
    }
    if (why[0]) {
        for (int m = 0; m < LRS_SUGGEST_COUNT; m++)
            no_answer(&r->suggest[m], why);
        r->consensus = NAN;
        return LRS_OK;
    }
    int *lds = malloc((size_t)(to - from) * sizeof *lds);
    if (!lds)
        return lrs_fail(LRS_ERR_NOMEM, "lrs_find_suggest: out of memory");
    suggest_valley(r, from, to, lds, &r->suggest[LRS_SUGGEST_VALLEY]);
    free(lds);
    suggest_steep(r, from, to, &r->suggest[LRS_SUGGEST_STEEP]);
    suggest_minimum(r, from, to, &r->suggest[LRS_SUGGEST_MINIMUM]);
    consensus(r, from, to);
    return LRS_OK;
}
