/* A range test's section (a run logged by lrscope find: find/lr, find/loss,
 * find/smoothed_loss by iteration): loss against LR on a log axis, each suggestion
 * marked and explained. Suggestions come from the scalars find/suggested_lr/<method>
 * when the run has them, else they are recomputed from the curve (lrs_find_suggest). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lr.h"
#include "report.h"

#define SUGGESTED_PREFIX "find/suggested_lr/"
enum { MAX_SUGGESTIONS = 8 };

typedef struct suggestion {
    char method[64];
    double lr;
    char reason[256];
} suggestion;

int is_range_test(const lrs_run *run)
{
    return lrs_run_find(run, "find/lr") &&
           (lrs_run_find(run, "find/loss") || lrs_run_find(run, "find/smoothed_loss"));
}

/* What each of lrscope find's methods means, for logged suggestions. */
static const char *explain(const char *method)
{
    if (!strcmp(method, "valley")) return "fastai's valley: inside the longest stretch where the loss keeps falling";
    if (!strcmp(method, "steep")) return "where the smoothed loss falls fastest against log LR";
    if (!strcmp(method, "minimum")) return "a tenth of the LR at the lowest smoothed loss";
    if (!strcmp(method, "auto")) return "lrscope's pick: the methods' consensus, checked by short training runs";
    return "logged by the range test";
}

/* The value at each of lr's steps of series s (NaN where s has no point), by a merge on
 * steps: both series are in step order. */
static void values_at(const lrs_series *lr, const lrs_series *s, double *out)
{
    size_t n = lrs_series_len(lr), m = s ? lrs_series_len(s) : 0, j = 0;
    const lrs_scalar *a = lrs_series_scalars(lr), *b = s ? lrs_series_scalars(s) : NULL;
    for (size_t i = 0; i < n; i++) {
        while (j < m && b[j].step < a[i].step) j++;
        out[i] = j < m && b[j].step == a[i].step ? b[j].value : NAN;
    }
}

static int logged_suggestions(const lrs_run *run, suggestion *out)
{
    int k = 0;
    size_t plen = strlen(SUGGESTED_PREFIX);
    for (size_t i = 0; i < lrs_run_series_count(run) && k < MAX_SUGGESTIONS; i++) {
        const lrs_series *s = lrs_run_series(run, i);
        const char *tag = lrs_series_tag(s);
        size_t n = lrs_series_len(s);
        if (strncmp(tag, SUGGESTED_PREFIX, plen) || lrs_series_kind(s) != LRS_KIND_SCALAR || !n) continue;
        snprintf(out[k].method, sizeof out[k].method, "%s", tag + plen);
        out[k].lr = lrs_series_scalars(s)[n - 1].value;
        snprintf(out[k].reason, sizeof out[k].reason, "%s", explain(out[k].method));
        k++;
    }
    return k;
}

/* Recomputes the suggestions from the curve (lr, raw and smooth stay the caller's). */
static int recomputed_suggestions(double *lr, double *raw, double *smooth, size_t n, suggestion *out)
{
    lrs_find_result res = {.iters = (int)n, .n = (int)n, .lr = lr, .loss = raw, .smooth = smooth};
    int k = 0;
    if (lrs_find_suggest(&res) == LRS_OK)
        for (int i = 0; i < LRS_SUGGEST_COUNT; i++) {
            snprintf(out[k].method, sizeof out[k].method, "%s", lrs_suggestion_name(i));
            out[k].lr = res.suggest[i].ok ? res.suggest[i].lr : NAN;
            snprintf(out[k].reason, sizeof out[k].reason, "%s", res.suggest[i].reason);
            k++;
        }
    res.lr = res.loss = res.smooth = NULL; /* still the caller's */
    lrs_find_result_free(&res);
    return k;
}

/* A y range that shows the valley: the top is where the loss started (the climb after
 * divergence would flatten everything else). */
static void loss_range(const double *smooth, const double *raw, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    double start = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = isfinite(smooth[i]) ? smooth[i] : raw[i];
        if (!isfinite(v)) continue;
        if (isnan(start)) start = v;
        *lo = fmin(*lo, fmin(v, isfinite(raw[i]) ? raw[i] : v));
        *hi = fmax(*hi, v);
    }
    if (isfinite(start) && *hi > *lo) *hi = fmin(*hi, *lo + 1.6 * (start - *lo) + 1e-12);
    if (*hi <= *lo) *hi = *lo + 1;
    double pad = (*hi - *lo) * 0.05;
    *lo -= pad;
    *hi += pad;
}

static void write_table(FILE *f, const suggestion *sg, int k, int logged)
{
    fprintf(f, "<h3>Suggestions</h3>\n<p class=\"meta\">%s</p>\n<table class=\"suggestions\">\n"
               "<thead><tr><th>method</th><th class=\"num\">LR</th><th>how it was found</th></tr></thead>\n<tbody>\n",
            logged ? "As logged by the range test (find/suggested_lr/*)."
                   : "Recomputed from the curve (the run logged no find/suggested_lr/* scalars).");
    for (int i = 0; i < k; i++) {
        fputs("<tr><td>", f);
        html_text(f, sg[i].method);
        if (isfinite(sg[i].lr)) fprintf(f, "</td><td class=\"num\">%.4g</td><td>", sg[i].lr);
        else fputs("</td><td class=\"num\">none</td><td>", f);
        html_text(f, sg[i].reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* "3.16e-3" for a label (printf's "%.3g" gives "0.00316" or "3.16e-03"). */
static const char *short_lr(char *buf, size_t n, double v)
{
    int e = (int)floor(log10(v));
    if (e >= -2 && e <= 2) snprintf(buf, n, "%.3g", v);
    else snprintf(buf, n, "%.3ge%d", v / pow(10, e), e);
    return buf;
}

static int draw_curve(FILE *f, const double *lr, const double *raw, const double *smooth, size_t n,
                      const suggestion *sg, int k)
{
    lrs_plot *p;
    if (lrs_plot_new(&p, "Loss against learning rate") != LRS_OK) return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    lrs_plot_axis(p, LRS_AXIS_X, "learning rate", 1);
    lrs_plot_axis(p, LRS_AXIS_Y, "loss", 0);
    double lo, hi;
    loss_range(smooth, raw, n, &lo, &hi);
    lrs_plot_range(p, LRS_AXIS_Y, lo, hi);
    int rc = lrs_plot_series(p, "loss", lr, raw, n, LRS_PLOT_FAINT) ||
             lrs_plot_series(p, "smoothed loss", lr, smooth, n, LRS_PLOT_LINE | LRS_PLOT_SAME_COLOR);
    for (int i = 0; i < k && !rc; i++) {
        char label[96], num[16];
        if (!isfinite(sg[i].lr) || sg[i].lr <= 0) continue;
        snprintf(label, sizeof label, "%.63s %.15s", sg[i].method, short_lr(num, sizeof num, sg[i].lr));
        rc = lrs_plot_vline(p, sg[i].lr, label);
    }
    rc = rc ? cli_error(CLI_FAILED, "report: %s", lrs_errmsg()) : html_chart(f, p, 900, 420);
    lrs_plot_free(p);
    return rc;
}

int report_range_test(FILE *f, const lrs_run *run, const char *name)
{
    const lrs_series *lr_s = lrs_run_find(run, "find/lr");
    const lrs_series *raw_s = lrs_run_find(run, "find/loss"), *smooth_s = lrs_run_find(run, "find/smoothed_loss");
    size_t n = lrs_series_len(lr_s);
    double *lr = malloc((n ? n : 1) * sizeof *lr), *raw = malloc((n ? n : 1) * sizeof *raw);
    double *smooth = malloc((n ? n : 1) * sizeof *smooth);
    if (!lr || !raw || !smooth) {
        free(lr), free(raw), free(smooth);
        return cli_error(CLI_FAILED, "report: out of memory");
    }
    values_at(lr_s, lr_s, lr);
    values_at(lr_s, raw_s ? raw_s : smooth_s, raw);
    if (smooth_s) values_at(lr_s, smooth_s, smooth);
    else smooth_ema(raw, n, 0.98, smooth); /* lrs_find's beta */
    suggestion sg[MAX_SUGGESTIONS];
    int k = logged_suggestions(run, sg), logged = k > 0;
    if (!logged) k = recomputed_suggestions(lr, raw, smooth, n, sg);
    fputs("<section class=\"range-test\">\n<h2>", f);
    html_text(f, name);
    fprintf(f, " <span class=\"badge range\">range test</span></h2>\n<p class=\"meta\">%zu iterations, "
               "LR from %g to %g</p>\n", n, n ? lr[0] : NAN, n ? lr[n - 1] : NAN);
    int rc = draw_curve(f, lr, raw, smooth, n, sg, k);
    free(lr), free(raw), free(smooth);
    if (!rc) write_table(f, sg, k, logged);
    fputs("</section>\n", f);
    return rc;
}
