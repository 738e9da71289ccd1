/* The chart model: a title, two axes, series, vertical lines and shaded bands. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "status_internal.h"

static char *copy_text(const char *s)
{
    return strdup(s ? s : "");
}

int lrs_plot_new(lrs_plot **out, const char *title)
{
    if (!out) return lrs_fail(LRS_ERR_ARG, "lrs_plot_new: out is NULL");
    *out = NULL;
    lrs_plot *p = calloc(1, sizeof *p);
    if (!p || !(p->title = copy_text(title))) {
        free(p);
        return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory");
    }
    for (int a = 0; a < 2; a++) p->axis[a].lo = p->axis[a].hi = NAN;
    *out = p;
    return LRS_OK;
}

void lrs_plot_free(lrs_plot *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n_series; i++) {
        free(p->series[i].name);
        free(p->series[i].x);
        free(p->series[i].y);
    }
    for (size_t i = 0; i < p->n_vlines; i++) free(p->vlines[i].label);
    for (size_t i = 0; i < p->n_bands; i++) free(p->bands[i].label);
    for (int a = 0; a < 2; a++) free(p->axis[a].label);
    free(p->series);
    free(p->vlines);
    free(p->bands);
    free(p->title);
    free(p);
}

int lrs_plot_axis(lrs_plot *p, lrs_axis axis, const char *label, int log)
{
    if (!p || (axis != LRS_AXIS_X && axis != LRS_AXIS_Y))
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_axis: expected a chart and LRS_AXIS_X or LRS_AXIS_Y");
    char *copy = copy_text(label);
    if (!copy) return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory");
    free(p->axis[axis].label);
    p->axis[axis].label = copy;
    p->axis[axis].log = log != 0;
    return LRS_OK;
}

int lrs_plot_range(lrs_plot *p, lrs_axis axis, double lo, double hi)
{
    if (!p || (axis != LRS_AXIS_X && axis != LRS_AXIS_Y))
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_range: expected a chart and LRS_AXIS_X or LRS_AXIS_Y");
    if (!isnan(lo) && !isnan(hi) && !(lo < hi))
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_range: expected lo < hi, got %g and %g", lo, hi);
    p->axis[axis].lo = lo;
    p->axis[axis].hi = hi;
    return LRS_OK;
}

int lrs_plot_series(lrs_plot *p, const char *name, const double *x, const double *y, size_t n,
                    int style)
{
    if (!p || (n && (!x || !y)))
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_series: expected a chart and n points of x and y");
    int rc = lrs_array_grow((void **)&p->series, &p->cap_series, p->n_series + 1, sizeof *p->series, "plot");
    if (rc) return rc;
    plot_series s = {.n = n, .style = style};
    s.x = malloc((n ? n : 1) * sizeof *s.x);
    s.y = malloc((n ? n : 1) * sizeof *s.y);
    if (name) s.name = strdup(name);
    if (!s.x || !s.y || (name && !s.name)) {
        free(s.x);
        free(s.y);
        free(s.name);
        return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory for %zu points", n);
    }
    if (n) {
        memcpy(s.x, x, n * sizeof *x);
        memcpy(s.y, y, n * sizeof *y);
    }
    int previous = p->n_series ? p->series[p->n_series - 1].color : 0;
    int next = p->n_series ? (previous + 1) % PLOT_PALETTE : 0;
    s.color = (style & LRS_PLOT_SAME_COLOR) ? previous : next;
    p->series[p->n_series++] = s;
    return LRS_OK;
}

int lrs_plot_vline(lrs_plot *p, double x, const char *label)
{
    if (!p || !isfinite(x)) return lrs_fail(LRS_ERR_ARG, "lrs_plot_vline: expected a finite x");
    int rc = lrs_array_grow((void **)&p->vlines, &p->cap_vlines, p->n_vlines + 1, sizeof *p->vlines, "plot");
    if (rc) return rc;
    char *copy = copy_text(label);
    if (!copy) return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory");
    p->vlines[p->n_vlines++] = (plot_vline){.x = x, .label = copy};
    return LRS_OK;
}

int lrs_plot_band(lrs_plot *p, double x0, double x1, const char *label, int severity)
{
    if (!p || !isfinite(x0) || !isfinite(x1) || x1 < x0)
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_band: expected finite x0 <= x1");
    if (severity < LRS_BAND_INFO || severity > LRS_BAND_CRITICAL)
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_band: severity %d is not LRS_BAND_INFO..CRITICAL", severity);
    int rc = lrs_array_grow((void **)&p->bands, &p->cap_bands, p->n_bands + 1, sizeof *p->bands, "plot");
    if (rc) return rc;
    char *copy = copy_text(label);
    if (!copy) return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory");
    p->bands[p->n_bands++] = (plot_band){.x0 = x0, .x1 = x1, .label = copy, .severity = severity};
    return LRS_OK;
}
