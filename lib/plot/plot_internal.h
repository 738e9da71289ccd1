/* plot's insides: the chart model, axis scales and ticks, the layout shared by the
 * SVG and PNG renderers (drawn through a small canvas interface), and a text buffer. */
#ifndef LRSCOPE_PLOT_INTERNAL_H
#define LRSCOPE_PLOT_INTERNAL_H

#include <stdint.h>

#include "plot.h"

#define PLOT_MAX_TICKS 24
#define PLOT_PALETTE 10

typedef struct plot_series {
    char *name;   /* NULL: not in the legend */
    double *x, *y;/* [n] each, copies */
    size_t n;
    int style;
    int color;    /* palette index */
} plot_series;

typedef struct plot_vline {
    double x;
    char *label;
} plot_vline;

typedef struct plot_band {
    double x0, x1;
    char *label;
    int severity;
} plot_band;

typedef struct plot_axis {
    char *label;
    int log;
    double lo, hi; /* fixed range, NaN = from the data */
} plot_axis;

struct lrs_plot {
    char *title;
    plot_axis axis[2];
    plot_series *series;
    size_t n_series, cap_series;
    plot_vline *vlines;
    size_t n_vlines, cap_vlines;
    plot_band *bands;
    size_t n_bands, cap_bands;
};

/* ---- scales (plot_scale.c) */

/* An axis resolved for drawing: data range [lo, hi] (in data units), its ticks. */
typedef struct plot_scale {
    int log;
    double lo, hi;             /* data units; for log both > 0 */
    int target;                /* about how many ticks fit (0: 5) */
    double tick[PLOT_MAX_TICKS];
    char tick_label[PLOT_MAX_TICKS][16];
    int n_ticks;
} plot_scale;

/* Whether v can be drawn on an axis of this kind (finite, and > 0 on a log axis). */
int plot_usable(double v, int log);

/* Range of the data on one axis (series points usable on both axes; the x axis also
 * takes vlines and bands), widened when empty or a single value, fixed ends kept;
 * then ticks: 1-2-5 steps on linear axes, decades (or 1-2-5 within a decade) on log. */
void plot_scale_build(const lrs_plot *p, lrs_axis axis, int target, plot_scale *s);

/* Ticks and labels for [lo, hi] (fills s->tick*, s->n_ticks; s->log and range set). */
void plot_ticks(plot_scale *s);

/* A tick label: "0.25", "1e-4", "250k", "2M". */
void plot_format_tick(char *buf, size_t n, double v, double step, int log);

/* Position in [0, 1] of v along the scale (may fall outside for clipped points). */
double plot_scale_pos(const plot_scale *s, double v);

/* ---- the frame: where the plot area sits in the picture */

typedef struct plot_frame {
    double width, height;      /* whole picture */
    double left, top, right, bottom; /* plot area edges (pixels, y down) */
    plot_scale sx, sy;
} plot_frame;

/* Lays out title, legend, tick labels and axis labels around the plot area. */
void plot_frame_build(const lrs_plot *p, double width, double height, plot_frame *f);
double plot_frame_x(const plot_frame *f, double x); /* data -> pixel */
double plot_frame_y(const plot_frame *f, double y);

/* A series' points in pixels, reduced to at most 2 per pixel column (that column's
 * lowest and highest point, in the order they come) plus a (NaN, NaN) pair at each gap.
 * *xy gets 2 * *n doubles (malloc'd; the caller frees). */
int plot_series_path(const plot_series *s, const plot_frame *f, double **xy, size_t *n);

/* ---- drawing (plot_draw.c): what SVG and cairo both know how to do */

typedef struct plot_canvas {
    void *ctx;
    void (*rect)(void *ctx, double x, double y, double w, double h, uint32_t rgb, double alpha);
    /* polyline of n points xy[2i], xy[2i+1]; never contains NaN */
    void (*line)(void *ctx, const double *xy, size_t n, uint32_t rgb, double width, double alpha,
                 int dashed);
    void (*dot)(void *ctx, double x, double y, double r, uint32_t rgb, int hollow);
    /* anchor: -1 start, 0 middle, 1 end; baseline at y; rotate: 1 = -90 degrees */
    void (*text)(void *ctx, double x, double y, const char *s, double size, uint32_t rgb,
                 int anchor, int bold, int rotate);
    /* open: draw only inside the rectangle until the matching close (open = 0) */
    void (*clip)(void *ctx, double x, double y, double w, double h, int open);
    /* start/end of a group of marks (SVG: <g class=...>), may be NULL */
    void (*group)(void *ctx, const char *cls, int open);
} plot_canvas;

/* Draws the whole chart on a width x height canvas. */
int plot_draw(const lrs_plot *p, double width, double height, const plot_canvas *cv);

extern const uint32_t plot_palette[PLOT_PALETTE];
uint32_t plot_band_color(int severity);

/* Rough width of text in a sans-serif font of this size (for layout only). */
double plot_text_width(const char *s, double size);

/* ---- a growable text buffer (plot_buf.c) */

typedef struct plot_buf {
    char *data;
    size_t len, cap;
    int failed; /* an allocation failed: the text is incomplete */
} plot_buf;

void plot_buf_printf(plot_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void plot_buf_put(plot_buf *b, const char *s, size_t n);
/* s with & < > " ' escaped for XML text and attributes */
void plot_buf_xml(plot_buf *b, const char *s);

#endif
