/* plot: small line/scatter charts rendered as SVG, PNG (cairo) and terminal text.
 *
 * One chart model, three renderers:
 *
 *   lrs_plot *p;
 *   lrs_plot_new(&p, "LR range test");
 *   lrs_plot_axis(p, LRS_AXIS_X, "learning rate", 1);        // log axis
 *   lrs_plot_axis(p, LRS_AXIS_Y, "loss", 0);
 *   lrs_plot_series(p, "loss", lr, loss, n, LRS_PLOT_FAINT);
 *   lrs_plot_series(p, "smoothed", lr, smooth, n, LRS_PLOT_LINE | LRS_PLOT_SAME_COLOR);
 *   lrs_plot_vline(p, 3e-3, "valley 3e-3");
 *   char *svg; size_t len;
 *   lrs_plot_svg(p, 800, 450, &svg, &len);                    // free(svg)
 *   lrs_plot_free(p);
 *
 * Series are copied. Points whose x or y is NaN or infinite (or <= 0 on a log axis)
 * are skipped and leave a gap in the line. Long series are reduced for drawing to the
 * minimum and maximum of each pixel column, in order, so a million points draw as
 * fast and as small as a few thousand and no extreme is lost.
 */
#ifndef LRSCOPE_PLOT_H
#define LRSCOPE_PLOT_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lrs_plot lrs_plot;

typedef enum lrs_axis { LRS_AXIS_X, LRS_AXIS_Y } lrs_axis;

/* Series styles, or-ed: LINE or MARKERS, plus modifiers. Colours come from a
 * 10-colour palette in the order series are added. */
enum {
    LRS_PLOT_LINE = 0,        /* a polyline */
    LRS_PLOT_MARKERS = 1,     /* a dot per point, no line */
    LRS_PLOT_FAINT = 2,       /* thin and pale: raw data under its smoothed line */
    LRS_PLOT_DASHED = 4,
    LRS_PLOT_HOLLOW = 8,      /* MARKERS drawn as rings (e.g. pruned trials) */
    LRS_PLOT_SAME_COLOR = 16  /* the previous series' colour (raw + smoothed pairs) */
};

/* Severity of a shaded band: the same scale as lrs_severity in signs.h. */
enum { LRS_BAND_INFO = 0, LRS_BAND_WARNING = 1, LRS_BAND_CRITICAL = 2 };

/* A new empty chart; title may be NULL or "". */
int lrs_plot_new(lrs_plot **p, const char *title);
void lrs_plot_free(lrs_plot *p);

/* Label and scale of an axis (log != 0: base-10 log scale, decade ticks). */
int lrs_plot_axis(lrs_plot *p, lrs_axis axis, const char *label, int log);

/* Fixes an axis range (NaN for either end: from the data), e.g. to share a step axis
 * between charts. Points outside are clipped. */
int lrs_plot_range(lrs_plot *p, lrs_axis axis, double lo, double hi);

/* Adds a series of n points (x[i], y[i]); name NULL leaves it out of the legend. */
int lrs_plot_series(lrs_plot *p, const char *name, const double *x, const double *y, size_t n,
                    int style);

/* A labelled dashed vertical line at x (a suggested LR, an event). */
int lrs_plot_vline(lrs_plot *p, double x, const char *label);

/* A shaded x range [x0, x1] with a short label at its top; severity LRS_BAND_*. */
int lrs_plot_band(lrs_plot *p, double x0, double x1, const char *label, int severity);

/* Renderers. Each allocates its output (the caller frees it with free()).
 * SVG: a standalone <svg> element (no XML declaration, so it can be inlined in HTML),
 * width x height user units with a viewBox, so it scales. */
int lrs_plot_svg(const lrs_plot *p, int width, int height, char **out, size_t *len);

/* PNG: an RGB image of width x height pixels drawn with cairo. */
int lrs_plot_png(const lrs_plot *p, int width, int height, unsigned char **png, size_t *len);

/* Text for a terminal: cols x rows characters of plot area plus axes and legend,
 * NUL-terminated lines ending in '\n'. unicode != 0 draws with braille dots (2x4 per
 * cell), else plain ASCII. */
int lrs_plot_ascii(const lrs_plot *p, int cols, int rows, int unicode, char **out);

#ifdef __cplusplus
}
#endif
#endif
