/* The range test into a logdir (the tags report_find.c reads) and its chart (SVG file,
 * PNG image summary, terminal text). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_find.h"
#include "tfevents.h"

enum { CHART_W = 800, CHART_H = 450 };

int find_plot(const lrs_find_result *res, lrs_plot **out)
{
    lrs_plot *p;
    int rc = lrs_plot_new(&p, "LR range test");
    if (rc == LRS_OK)
        rc = lrs_plot_axis(p, LRS_AXIS_X, "learning rate", 1);
    if (rc == LRS_OK)
        rc = lrs_plot_axis(p, LRS_AXIS_Y, "loss", 0);
    /* the blow-up at the end would flatten the rest: show up to 1.5x the starting loss */
    double lo = INFINITY, hi = res->n > 0 ? 1.5 * res->smooth[0] : NAN;
    for (int i = 0; i < res->n; i++)
        lo = fmin(lo, fmin(res->loss[i], res->smooth[i])); /* fmin skips NaN */
    if (rc == LRS_OK && isfinite(hi) && lo < hi)
        rc = lrs_plot_range(p, LRS_AXIS_Y, lo - 0.05 * (hi - lo), hi);
    if (rc == LRS_OK)
        rc = lrs_plot_series(p, "loss", res->lr, res->loss, (size_t)res->n, LRS_PLOT_FAINT);
    if (rc == LRS_OK)
        rc = lrs_plot_series(p, "smoothed", res->lr, res->smooth, (size_t)res->n,
                             LRS_PLOT_LINE | LRS_PLOT_SAME_COLOR);
    for (int m = 0; m < LRS_SUGGEST_COUNT && rc == LRS_OK; m++) {
        char label[64];
        if (!res->suggest[m].ok)
            continue;
        snprintf(label, sizeof label, "%s %.2g", lrs_suggestion_name(m), res->suggest[m].lr);
        rc = lrs_plot_vline(p, res->suggest[m].lr, label);
    }
    if (rc != LRS_OK) {
        lrs_plot_free(p);
        return rc;
    }
    *out = p;
    return LRS_OK;
}

/* The markdown of find/suggestions: a table of the methods and the verification runs. */
static void suggestions_markdown(const lrs_find_result *res, char *md, size_t n)
{
    size_t len = (size_t)snprintf(md, n, "| method | lr | reason |\n|---|---|---|\n");
    for (int m = 0; m < LRS_SUGGEST_COUNT && len < n; m++) {
        const lrs_suggestion *s = &res->suggest[m];
        char lr[32];
        len += (size_t)snprintf(md + len, n - len, "| %s | %s | %s |\n", lrs_suggestion_name(m),
                                s->ok ? cli_format_double(lr, s->lr) : "none", s->reason);
    }
    if (res->n_candidates && len < n)
        len += (size_t)snprintf(md + len, n - len, "\n| verified lr | final loss | steps | diverged |\n"
                                                   "|---|---|---|---|\n");
    for (int i = 0; i < res->n_candidates && len < n; i++) {
        const lrs_find_candidate *c = &res->candidates[i];
        len += (size_t)snprintf(md + len, n - len, "| %.3g | %.4g | %d | %s |\n", c->lr, c->loss,
                                c->steps, c->diverged ? "yes" : "no");
    }
    if (len < n)
        snprintf(md + len, n - len, "\n%d sweep iterations%s, %d training steps in all.\n", res->n,
                 res->stopped_early ? " (stopped early: the loss diverged)" : "", res->steps_used);
}

static int log_curve(lrs_writer *w, const lrs_find_result *res)
{
    int rc = LRS_OK;
    for (int i = 0; i < res->n && rc == LRS_OK; i++) {
        rc = lrs_writer_add_scalar(w, "find/loss", i, res->loss[i]);
        if (rc == LRS_OK)
            rc = lrs_writer_add_scalar(w, "find/smoothed_loss", i, res->smooth[i]);
        if (rc == LRS_OK)
            rc = lrs_writer_add_scalar(w, "find/lr", i, res->lr[i]);
    }
    for (int m = 0; m < LRS_SUGGEST_COUNT && rc == LRS_OK; m++) {
        char tag[64];
        snprintf(tag, sizeof tag, "find/suggested_lr/%s", lrs_suggestion_name(m));
        if (res->suggest[m].ok)
            rc = lrs_writer_add_scalar(w, tag, 0, res->suggest[m].lr);
    }
    char md[4096];
    suggestions_markdown(res, md, sizeof md);
    return rc == LRS_OK ? lrs_writer_add_text(w, "find/suggestions", 0, md) : rc;
}

static int write_svg(const lrs_plot *p, const char *path)
{
    char *svg = NULL;
    size_t len = 0;
    if (lrs_plot_svg(p, CHART_W, CHART_H, &svg, &len) != LRS_OK)
        return cli_error(CLI_FAILED, "find: chart: %s", lrs_errmsg());
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(svg, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    free(svg);
    return ok ? 0 : cli_error(CLI_FAILED, "--plot %s: %s", path, strerror(errno));
}

static int log_chart(lrs_writer *w, const lrs_plot *p)
{
    unsigned char *png = NULL;
    size_t len = 0;
    int rc = lrs_plot_png(p, CHART_W, CHART_H, &png, &len);
    if (rc == LRS_OK)
        rc = lrs_writer_add_image_png(w, "find/plot", 0, png, len, CHART_W, CHART_H, 3);
    free(png);
    return rc;
}

int find_log(const char *logdir, const char *svg_path, const lrs_find_result *res)
{
    lrs_plot *p = NULL;
    if (find_plot(res, &p) != LRS_OK)
        return cli_error(CLI_FAILED, "find: chart: %s", lrs_errmsg());
    int status = 0;
    lrs_writer *w = NULL;
    if (logdir) { /* first: the writer makes the logdir, where the SVG may go */
        int rc = lrs_writer_open(&w, logdir, NULL);
        if (rc == LRS_OK)
            rc = log_curve(w, res);
        if (rc == LRS_OK)
            rc = log_chart(w, p);
        int close_rc = w ? lrs_writer_close(w) : LRS_OK;
        if (rc != LRS_OK || close_rc != LRS_OK)
            status = cli_error(CLI_FAILED, "--logdir %s: %s", logdir, lrs_errmsg());
    }
    if (!status && svg_path)
        status = write_svg(p, svg_path);
    lrs_plot_free(p);
    return status;
}
