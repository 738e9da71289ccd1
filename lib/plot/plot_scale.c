/* Axis ranges and ticks: 1-2-5 steps on linear axes, decades on log axes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

/* A tick this close to an end of the range (relative) is still drawn: data logged as
 * float32 puts 1e-7 at 1.0000000117e-7. */
#define EDGE 1e-6

int plot_usable(double v, int log)
{
    return isfinite(v) && (!log || v > 0);
}

static void take(double v, int log, double *lo, double *hi)
{
    if (!plot_usable(v, log)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

/* The data's extent on one axis: points usable on both axes; on x also lines and bands. */
static void data_extent(const lrs_plot *p, lrs_axis axis, double *lo, double *hi)
{
    int xlog = p->axis[LRS_AXIS_X].log, ylog = p->axis[LRS_AXIS_Y].log;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t k = 0; k < p->n_series; k++) {
        const plot_series *s = &p->series[k];
        for (size_t i = 0; i < s->n; i++) {
            if (!plot_usable(s->x[i], xlog) || !plot_usable(s->y[i], ylog)) continue;
            take(axis == LRS_AXIS_X ? s->x[i] : s->y[i], 0, lo, hi);
        }
    }
    if (axis != LRS_AXIS_X) return;
    for (size_t k = 0; k < p->n_vlines; k++) take(p->vlines[k].x, xlog, lo, hi);
    for (size_t k = 0; k < p->n_bands; k++) {
        take(p->bands[k].x0, xlog, lo, hi);
        take(p->bands[k].x1, xlog, lo, hi);
    }
}

/* Widens an empty or one-value range and leaves room above and below the data on y. */
static void pad_range(int log, lrs_axis axis, double *lo, double *hi)
{
    if (*lo > *hi) {
        *lo = log ? 1 : 0;
        *hi = log ? 10 : 1;
    } else if (*lo == *hi) {
        if (log) {
            *lo /= sqrt(10);
            *hi *= sqrt(10);
        } else {
            double d = *lo ? fabs(*lo) * 0.1 : 1;
            *lo -= d;
            *hi += d;
        }
    } else if (axis == LRS_AXIS_Y) {
        if (log) {
            double f = pow(*hi / *lo, 0.04);
            *lo /= f;
            *hi *= f;
        } else {
            double d = (*hi - *lo) * 0.04;
            *lo -= d;
            *hi += d;
        }
    }
}

/* Dots on the edge of the range would be cut in half: charts with markers get room. */
static int has_markers(const lrs_plot *p)
{
    for (size_t k = 0; k < p->n_series; k++)
        if (p->series[k].style & LRS_PLOT_MARKERS) return 1;
    return 0;
}

void plot_scale_build(const lrs_plot *p, lrs_axis axis, int target, plot_scale *s)
{
    const plot_axis *a = &p->axis[axis];
    double lo, hi;
    data_extent(p, axis, &lo, &hi);
    pad_range(a->log, axis == LRS_AXIS_X && has_markers(p) ? LRS_AXIS_Y : axis, &lo, &hi);
    if (plot_usable(a->lo, a->log)) lo = a->lo;
    if (plot_usable(a->hi, a->log)) hi = a->hi;
    if (!(lo < hi)) pad_range(a->log, axis, &hi, &lo); /* fixed end beyond the data */
    if (!(lo < hi)) {
        lo = a->log ? 1 : 0;
        hi = a->log ? 10 : 1;
    }
    memset(s, 0, sizeof *s);
    s->log = a->log;
    s->lo = lo;
    s->hi = hi;
    s->target = target;
    plot_ticks(s);
}

static double nice_step(double span, int target)
{
    double raw = span / target, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

static void add_tick(plot_scale *s, double v, double step)
{
    if (s->n_ticks >= PLOT_MAX_TICKS) return;
    s->tick[s->n_ticks] = v;
    plot_format_tick(s->tick_label[s->n_ticks], sizeof s->tick_label[0], v, step, s->log);
    s->n_ticks++;
}

static void linear_ticks(plot_scale *s)
{
    double step = nice_step(s->hi - s->lo, s->target > 1 ? s->target : 5);
    double first = ceil(s->lo / step - EDGE);
    for (double k = first; k * step <= s->hi + step * EDGE && s->n_ticks < PLOT_MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-9) v = 0;
        add_tick(s, v, step);
    }
}

/* Decades (every stride-th one when there are many), or 1-2-5 within a short range. */
static void log_ticks(plot_scale *s)
{
    double llo = log10(s->lo), lhi = log10(s->hi);
    int dlo = (int)floor(llo + 1e-9), dhi = (int)floor(lhi + 1e-9);
    int decades = 0;
    for (int e = dlo; e <= dhi; e++) decades += pow(10, e) >= s->lo * (1 - EDGE);
    if (decades >= 3) {
        int stride = (decades + 10) / 11; /* at most 11 labels */
        for (int e = dlo; e <= dhi; e++) {
            double v = pow(10, e);
            if (v >= s->lo * (1 - EDGE) && v <= s->hi * (1 + EDGE) && e % stride == 0) add_tick(s, v, v);
        }
        return;
    }
    static const double mantissa[] = {1, 2, 5};
    for (int e = dlo; e <= dhi; e++)
        for (int m = 0; m < 3; m++) {
            double v = mantissa[m] * pow(10, e);
            if (v >= s->lo * (1 - EDGE) && v <= s->hi * (1 + EDGE)) add_tick(s, v, v);
        }
    if (s->n_ticks >= 3) return;
    s->n_ticks = 0; /* less than a few 1-2-5 marks: plain steps, still placed on the log scale */
    double step = nice_step(s->hi - s->lo, 4);
    for (double k = ceil(s->lo / step - EDGE); k * step <= s->hi * (1 + EDGE); k++)
        if (k > 0) add_tick(s, k * step, step);
}

void plot_ticks(plot_scale *s)
{
    s->n_ticks = 0;
    if (s->log) log_ticks(s);
    else linear_ticks(s);
}

/* "2e-5" rather than printf's "2e-05". */
static void format_exponent(char *buf, size_t n, double v)
{
    int e = (int)floor(log10(fabs(v)) + 1e-9);
    double m = v / pow(10, e);
    if (fabs(m - round(m)) < 1e-6) snprintf(buf, n, "%.0fe%d", round(m), e);
    else snprintf(buf, n, "%.2ge%d", m, e);
}

void plot_format_tick(char *buf, size_t n, double v, double step, int log)
{
    double a = fabs(v);
    if (v == 0) {
        snprintf(buf, n, "0");
    } else if (log) {
        if (a >= 0.01 * (1 - 1e-9) && a < 1e4) snprintf(buf, n, "%g", v);
        else format_exponent(buf, n, v);
    } else if (a >= 1e6 && fmod(step, 1e5) == 0) {
        snprintf(buf, n, "%gM", v / 1e6);
    } else if (a >= 1e4 && fmod(step, 100) == 0) {
        snprintf(buf, n, "%gk", v / 1e3);
    } else if (step < 1e-3) {
        format_exponent(buf, n, v);
    } else {
        int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, n, "%.*f", decimals, v);
    }
}

double plot_scale_pos(const plot_scale *s, double v)
{
    if (s->log) return (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
    return (v - s->lo) / (s->hi - s->lo);
}
