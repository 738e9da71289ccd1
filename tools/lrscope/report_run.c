/* A training run's section: the verdict, then the loss (raw and smoothed, val loss
 * dashed), LR and gradient-norm charts on one step axis with every warning sign shaded
 * over its steps, and the signs listed beside them with their suggestions. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"

enum { CHART_W = 760, LOSS_H = 320, SMALL_H = 190 };

/* More points: heavier smoothing, so the trend shows at any length. */
static double smoothing_for(size_t n)
{
    double w = 1 - 1 / (1 + (double)n / 50);
    return w < 0.6 ? 0.6 : w > 0.99 ? 0.99 : w;
}

/* A log scale when the positive values span more than ratio (a diverging loss, an
 * exploding gradient), so the healthy part stays readable. */
static int wants_log(const double *y, size_t n, double ratio)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) continue;
        if (y[i] <= 0) return 0;
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    return hi > 0 && hi / lo > ratio;
}

static void step_range(const run_series *rs, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int r = 0; r < LRS_ROLE_COUNT; r++) {
        const lrs_series *s = rs->role[r];
        size_t n = s ? lrs_series_len(s) : 0;
        if (!n) continue;
        const lrs_scalar *p = lrs_series_scalars(s);
        for (size_t i = 0; i < n; i++) {
            *lo = fmin(*lo, (double)p[i].step);
            *hi = fmax(*hi, (double)p[i].step);
        }
    }
}

static int add_signs(lrs_plot *p, const lrs_sign *signs, int n)
{
    for (int i = 0; i < n; i++) {
        char label[16];
        snprintf(label, sizeof label, "%d", i + 1);
        if (lrs_plot_band(p, (double)signs[i].start_step, (double)signs[i].end_step, label,
                          (int)signs[i].severity) != LRS_OK)
            return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    }
    return 0;
}

/* Adds s to p: raw and smoothed when smooth, else one line; *log_y says whether it asked
 * for a log axis. */
static int add_series(lrs_plot *p, const lrs_series *s, const char *name, int smooth, int style, int *log_y)
{
    double *x, *y;
    size_t n;
    if (series_xy(s, &x, &y, &n)) return CLI_FAILED;
    int rc = 0;
    if (log_y) *log_y = wants_log(y, n, 50);
    if (smooth) {
        double *sm = malloc((n ? n : 1) * sizeof *sm);
        if (!sm) rc = cli_error(CLI_FAILED, "report: out of memory");
        if (!rc) {
            smooth_ema(y, n, smoothing_for(n), sm);
            char raw[160];
            snprintf(raw, sizeof raw, "%s (raw)", name);
            if (lrs_plot_series(p, raw, x, y, n, LRS_PLOT_FAINT) ||
                lrs_plot_series(p, name, x, sm, n, style | LRS_PLOT_SAME_COLOR))
                rc = cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
        }
        free(sm);
    } else if (lrs_plot_series(p, name, x, y, n, style)) {
        rc = cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    }
    free(x);
    free(y);
    return rc;
}

/* One chart of the run: the series of role (and val loss with the loss). */
static int role_chart(FILE *f, const run_series *rs, lrs_role role, const char *title, const char *ylabel,
                      double x0, double x1, const lrs_sign *signs, int n, int height)
{
    const lrs_series *s = rs->role[role];
    if (!s) return 0;
    lrs_plot *p;
    if (lrs_plot_new(&p, title) != LRS_OK) return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    int log_y = 0, val_log = 0;
    int rc = add_series(p, s, lrs_series_tag(s), role == LRS_ROLE_LOSS, LRS_PLOT_LINE, &log_y);
    const lrs_series *val = rs->role[LRS_ROLE_VAL_LOSS];
    if (!rc && role == LRS_ROLE_LOSS && val) /* one point per epoch: dots on the dashes */
        rc = add_series(p, val, lrs_series_tag(val), 0, LRS_PLOT_DASHED, &val_log) ||
             add_series(p, val, NULL, 0, LRS_PLOT_MARKERS | LRS_PLOT_SAME_COLOR, NULL);
    if (role == LRS_ROLE_LR) log_y = 0; /* warm-up starts at 0: keep the schedule's shape */
    lrs_plot_axis(p, LRS_AXIS_X, "step", 0);
    lrs_plot_axis(p, LRS_AXIS_Y, ylabel, log_y || val_log);
    if (x0 < x1) lrs_plot_range(p, LRS_AXIS_X, x0, x1);
    if (!rc) rc = add_signs(p, signs, n);
    if (!rc) rc = html_chart(f, p, CHART_W, height);
    lrs_plot_free(p);
    return rc;
}

static void write_sign(FILE *f, const lrs_sign *s, int number)
{
    fprintf(f, "<li class=\"sign %s\" data-kind=\"%s\"><span class=\"num\">%d</span><b>%s</b> "
               "<span class=\"badge %s\">%s</span><br>on <code>",
            lrs_severity_name(s->severity), lrs_sign_kind_name(s->kind), number, lrs_sign_kind_name(s->kind),
            lrs_severity_name(s->severity), lrs_severity_name(s->severity));
    html_text(f, s->tag);
    fprintf(f, "</code>, steps %lld–%lld\n<p class=\"message\">", (long long)s->start_step,
            (long long)s->end_step);
    html_text(f, s->message);
    fputs("</p>\n<p class=\"suggestion\">Suggestion: ", f);
    sign_print_suggestion(f, s);
    fputs("</p></li>\n", f);
}

static void write_heading(FILE *f, const char *name, const char *verdict)
{
    fprintf(f, "<section class=\"run\" data-verdict=\"%s\">\n<h2>", verdict);
    html_text(f, name);
    fprintf(f, " <span class=\"badge %s verdict\">%s</span></h2>\n", verdict, verdict);
}

int report_run(FILE *f, lrs_monitor *m, const lrs_run *run, const lrs_run *val_run, const char *name,
               const report_options *o)
{
    run_series rs;
    lrs_sign signs[REPORT_MAX_SIGNS];
    int n, worst = run_verdict(m, run, val_run, o->tag_glob, 0, 0, &rs, signs, REPORT_MAX_SIGNS, &n);
    const lrs_series *loss = rs.role[LRS_ROLE_LOSS];
    if (!loss) {
        write_heading(f, name, "none");
        fputs("<p class=\"meta\">No loss series (see lrscope check --help for the tag names taken).</p>\n"
              "</section>\n", f);
        return REPORT_NO_LOSS;
    }
    write_heading(f, name, verdict_name(worst));
    fputs("<p class=\"meta\">loss <code>", f);
    html_text(f, lrs_series_tag(loss));
    fprintf(f, "</code>, %zu points, %d warning sign%s</p>\n<div class=\"run-body\">\n<div class=\"charts\">\n",
            lrs_series_len(loss), n, n == 1 ? "" : "s");
    double x0, x1;
    step_range(&rs, &x0, &x1);
    int rc = role_chart(f, &rs, LRS_ROLE_LOSS, "Loss", "loss", x0, x1, signs, n, LOSS_H);
    if (!rc) rc = role_chart(f, &rs, LRS_ROLE_LR, "Learning rate", "LR", x0, x1, signs, n, SMALL_H);
    if (!rc) rc = role_chart(f, &rs, LRS_ROLE_GRAD_NORM, "Gradient norm", "norm", x0, x1, signs, n, SMALL_H);
    fputs("</div>\n<aside class=\"signs\">\n<h3>Warning signs</h3>\n", f);
    if (!n) fputs("<p class=\"none\">None: the run looks healthy.</p>\n", f);
    else fputs("<ol>\n", f);
    for (int i = 0; i < n; i++) write_sign(f, &signs[i], i + 1);
    fputs(n ? "</ol>\n</aside>\n</div>\n</section>\n" : "</aside>\n</div>\n</section>\n", f);
    return rc ? REPORT_FAILED : worst;
}

int report_overlay(FILE *f, const lrs_run *const *runs, const char *const *names, size_t n,
                   const char *tag_glob)
{
    lrs_plot *p;
    if (lrs_plot_new(&p, "Loss of every run (smoothed)") != LRS_OK)
        return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    int rc = 0, log_y = 0, any_log = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        run_series rs;
        run_series_pick(runs[i], tag_glob, &rs);
        const lrs_series *loss = rs.role[LRS_ROLE_LOSS];
        if (!loss) continue;
        double *x, *y, *sm;
        size_t len;
        if (series_xy(loss, &x, &y, &len)) {
            rc = CLI_FAILED;
            break;
        }
        if ((sm = malloc((len ? len : 1) * sizeof *sm))) {
            smooth_ema(y, len, smoothing_for(len), sm);
            log_y = wants_log(sm, len, 50);
            any_log |= log_y;
            if (lrs_plot_series(p, names[i], x, sm, len, LRS_PLOT_LINE)) rc = cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
        } else {
            rc = cli_error(CLI_FAILED, "report: out of memory");
        }
        free(sm);
        free(x);
        free(y);
    }
    lrs_plot_axis(p, LRS_AXIS_X, "step", 0);
    lrs_plot_axis(p, LRS_AXIS_Y, "loss", any_log);
    if (!rc) {
        fputs("<section class=\"overlay\">\n<h2>All runs</h2>\n", f);
        rc = html_chart(f, p, 1000, 380);
        fputs("</section>\n", f);
    }
    lrs_plot_free(p);
    return rc;
}
