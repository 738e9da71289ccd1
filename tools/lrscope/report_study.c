/* A study's section (a folder made by lrscope tune: study.db and trial-NNNN/ runs):
 * the leaderboard as a sortable table, the metric against LR for every trial (log
 * axis, pruned trials as rings) and the best trial's curves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_tune.h"
#include "report.h"
#include "tune.h"

int is_study(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/study.db", dir);
    return access(path, F_OK) == 0;
}

/* The value of parameter name in "a=1;lr=0.003;..." (NaN when absent). */
static double param(const char *params, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = params; p && *p; p = strchr(p, ';'), p = p ? p + 1 : NULL)
        if (!strncmp(p, name, len) && p[len] == '=') return strtod(p + len + 1, NULL);
    return NAN;
}

static void number_cell(FILE *f, double v)
{
    char num[32];
    if (isfinite(v)) fprintf(f, "<td class=\"num\" data-v=\"%s\">%.4g</td>", cli_format_double(num, v), v);
    else fputs("<td class=\"num\" data-v=\"\">–</td>", f);
}

static void write_leaderboard(FILE *f, const lrs_trial_info *t, int n)
{
    fputs("<h3>Leaderboard</h3>\n<table class=\"sortable leaderboard\">\n<thead><tr><th class=\"num\">rank</th>"
          "<th class=\"num\">trial</th><th>status</th><th class=\"num\">value</th><th class=\"num\">score</th>"
          "<th class=\"num\">epochs</th><th>parameters</th><th>notes</th></tr></thead>\n<tbody>\n",
          f);
    for (int i = 0; i < n; i++) {
        tune_column c[TUNE_COLUMNS];
        tune_row(&t[i], i + 1, c);
        fprintf(f, "<tr class=\"%s\">", lrs_trial_status_name(t[i].status));
        for (int k = 0; k < TUNE_COLUMNS; k++) {
            const char *name = c[k].name, *text = c[k].text;
            int code = !strcmp(name, "params");
            if (!text && (!strcmp(name, "rank") || !strcmp(name, "trial")))
                fprintf(f, "<td class=\"num\">%d</td>", (int)c[k].number);
            else if (!text)
                number_cell(f, c[k].number);
            else {
                fputs(code ? "<td><code>" : "<td>", f);
                html_text(f, text);
                fputs(code ? "</code></td>" : "</td>", f);
            }
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* Where trials stopped before reporting any value are drawn: under the lowest value. */
static double floor_value(const lrs_trial_info *t, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(t[i].value)) lo = fmin(lo, t[i].value), hi = fmax(hi, t[i].value);
    if (!isfinite(lo)) return 0;
    return lo - (hi > lo ? 0.1 * (hi - lo) : 0.05 * fabs(lo) + 0.01);
}

/* Value against LR: complete trials as dots, pruned ones as rings (those pruned before
 * any value under the lowest value), failed ones as rings of another colour. */
static int value_chart(FILE *f, const lrs_trial_info *t, int n)
{
    double *x = malloc(2 * (size_t)(n ? n : 1) * sizeof *x), *y = x ? x + (n ? n : 1) : NULL;
    if (!x) return cli_error(CLI_FAILED, "report: out of memory");
    lrs_plot *p;
    if (lrs_plot_new(&p, "Value against learning rate") != LRS_OK) {
        free(x);
        return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    }
    lrs_plot_axis(p, LRS_AXIS_X, "learning rate", 1);
    lrs_plot_axis(p, LRS_AXIS_Y, "value (val/accuracy)", 0);
    static const lrs_trial_status shown[] = {LRS_TRIAL_COMPLETE, LRS_TRIAL_PRUNED, LRS_TRIAL_FAILED};
    static const char *const names[] = {"complete", "pruned (no value: at the bottom)", "failed (at the bottom)"};
    double bottom = floor_value(t, n);
    int rc = 0, with_lr = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        size_t m = 0;
        for (int i = 0; i < n; i++)
            if (t[i].status == shown[k]) {
                x[m] = param(t[i].params, "lr");
                y[m++] = isfinite(t[i].value) ? t[i].value : bottom;
                with_lr += isfinite(x[m - 1]);
            }
        if (m) rc = lrs_plot_series(p, names[k], x, y, m, LRS_PLOT_MARKERS | (k ? LRS_PLOT_HOLLOW : 0));
    }
    if (rc) rc = cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    else if (with_lr) rc = html_chart(f, p, 760, 340);
    else fputs("<p class=\"meta\">No trial has an lr parameter: no chart against LR.</p>\n", f);
    lrs_plot_free(p);
    free(x);
    return rc;
}

static int best_trial_runs(FILE *f, lrs_monitor *m, const char *dir, const lrs_trial_info *best,
                           const report_options *o)
{
    char path[4096], name[4200];
    snprintf(path, sizeof path, "%s/trial-%04d", dir, best->id);
    lrs_reader *r;
    if (lrs_reader_open(&r, path, NULL) != LRS_OK || lrs_reader_poll(r, NULL) != LRS_OK) {
        cli_warn("report: best trial %d: %s", best->id, lrs_errmsg());
        return 0;
    }
    fprintf(f, "<h3>Best trial: %d</h3>\n", best->id);
    int rc = 0;
    for (size_t i = 0; i < lrs_reader_run_count(r) && !rc; i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        const char *rn = lrs_run_name(run);
        snprintf(name, sizeof name, "%s%s%s", path, strcmp(rn, ".") ? "/" : "", strcmp(rn, ".") ? rn : "");
        rc = report_run(f, m, run, NULL, name, o) == REPORT_FAILED ? CLI_FAILED : 0;
    }
    lrs_reader_close(r);
    return rc;
}

int report_study(FILE *f, lrs_monitor *m, const char *dir, const report_options *o)
{
    lrs_study *st;
    if (lrs_study_open(&st, dir) != LRS_OK) return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    lrs_trial_info *t = NULL;
    int n = 0;
    if (lrs_study_trials(st, &t, &n) != LRS_OK) {
        lrs_study_close(st);
        return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    }
    double spent = lrs_study_spent(st);
    lrs_study_close(st);
    fputs("<section class=\"study\">\n<h2>", f);
    html_text(f, dir);
    fprintf(f, " <span class=\"badge info\">study</span></h2>\n<p class=\"meta\">%d trial%s, %.3g epochs spent</p>\n", n,
            n == 1 ? "" : "s", spent);
    write_leaderboard(f, t, n);
    int rc = value_chart(f, t, n);
    if (!rc && n && isfinite(t[0].value)) rc = best_trial_runs(f, m, dir, &t[0], o);
    fputs("</section>\n", f);
    free(t);
    return rc;
}
