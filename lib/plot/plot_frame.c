/* Layout of the picture (title, legend, axes around the plot area) and the mapping of
 * data to pixels, including the per-column reduction of long series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "status_internal.h"

enum { MARGIN = 10 };
#define TITLE_SIZE 15.0
#define TICK_SIZE 11.0
#define LABEL_SIZE 12.0

double plot_text_width(const char *s, double size)
{
    /* UTF-8 continuation bytes take no width; 0.56 em is an average sans-serif glyph */
    size_t glyphs = 0;
    for (; *s; s++) glyphs += ((unsigned char)*s & 0xC0) != 0x80;
    return (double)glyphs * size * 0.56;
}

static int has_legend(const lrs_plot *p)
{
    for (size_t i = 0; i < p->n_series; i++)
        if (p->series[i].name && p->series[i].name[0]) return 1;
    return 0;
}

void plot_frame_build(const lrs_plot *p, double width, double height, plot_frame *f)
{
    memset(f, 0, sizeof *f);
    f->width = width;
    f->height = height;
    /* a label every ~90 px across, every ~35 px up */
    plot_scale_build(p, LRS_AXIS_X, (int)fmin(8, fmax(2, width / 90)), &f->sx);
    plot_scale_build(p, LRS_AXIS_Y, (int)fmin(7, fmax(2, (height - 60) / 35)), &f->sy);
    double widest = 0;
    for (int i = 0; i < f->sy.n_ticks; i++) {
        double w = plot_text_width(f->sy.tick_label[i], TICK_SIZE);
        if (w > widest) widest = w;
    }
    const char *ylabel = p->axis[LRS_AXIS_Y].label, *xlabel = p->axis[LRS_AXIS_X].label;
    f->left = MARGIN + (ylabel && *ylabel ? LABEL_SIZE + 8 : 0) + widest + 8;
    f->top = MARGIN + (p->title[0] ? TITLE_SIZE + 8 : 0) + (has_legend(p) ? 18 : 0) + 8;
    f->right = width - MARGIN - 8;
    f->bottom = height - MARGIN - (xlabel && *xlabel ? LABEL_SIZE + 8 : 0) - TICK_SIZE - 8;
    if (f->right < f->left + 10) f->right = f->left + 10;
    if (f->bottom < f->top + 10) f->bottom = f->top + 10;
}

double plot_frame_x(const plot_frame *f, double x)
{
    return f->left + plot_scale_pos(&f->sx, x) * (f->right - f->left);
}

double plot_frame_y(const plot_frame *f, double y)
{
    return f->bottom - plot_scale_pos(&f->sy, y) * (f->bottom - f->top);
}

/* The points of one pixel column so far: its lowest and highest (by pixel y). */
typedef struct column {
    long index;            /* pixel column, LONG_MIN when empty */
    double lo_x, lo_y, hi_x, hi_y;
    size_t lo_at, hi_at;   /* which came first */
} column;

typedef struct path {
    double *xy;
    size_t n, cap;
    int failed;
} path;

static void path_put(path *p, double x, double y)
{
    if (p->failed) return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        double *bigger = realloc(p->xy, 2 * cap * sizeof *bigger);
        if (!bigger) {
            p->failed = 1;
            return;
        }
        p->xy = bigger;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
}

static void column_flush(column *c, path *out)
{
    if (c->index == -1) return;
    if (c->lo_at == c->hi_at) {
        path_put(out, c->lo_x, c->lo_y);
    } else if (c->lo_at < c->hi_at) {
        path_put(out, c->lo_x, c->lo_y);
        path_put(out, c->hi_x, c->hi_y);
    } else {
        path_put(out, c->hi_x, c->hi_y);
        path_put(out, c->lo_x, c->lo_y);
    }
    c->index = -1;
}

static void gap(column *c, path *out)
{
    column_flush(c, out);
    if (out->n && !isnan(out->xy[2 * out->n - 2])) path_put(out, NAN, NAN);
}

int plot_series_path(const plot_series *s, const plot_frame *f, double **xy, size_t *n)
{
    path out = {0};
    column c = {.index = -1};
    /* values far off the area (a fixed range, a divergence) are pulled in to a few
     * heights away: the renderers clip, and the lines keep nearly their slope */
    double h = f->bottom - f->top, ymin = f->top - 4 * h, ymax = f->bottom + 4 * h;
    for (size_t i = 0; i < s->n; i++) {
        if (!plot_usable(s->x[i], f->sx.log) || !plot_usable(s->y[i], f->sy.log)) {
            gap(&c, &out);
            continue;
        }
        if (s->x[i] < f->sx.lo || s->x[i] > f->sx.hi) continue;
        double px = plot_frame_x(f, s->x[i]), py = plot_frame_y(f, s->y[i]);
        py = py < ymin ? ymin : py > ymax ? ymax : py;
        long col = (long)floor(px);
        if (col != c.index) {
            column_flush(&c, &out);
            c = (column){.index = col, .lo_x = px, .lo_y = py, .hi_x = px, .hi_y = py, .lo_at = i, .hi_at = i};
        } else if (py > c.lo_y) { /* pixel y grows downwards: larger y is a lower value */
            c.lo_x = px, c.lo_y = py, c.lo_at = i;
        } else if (py < c.hi_y) {
            c.hi_x = px, c.hi_y = py, c.hi_at = i;
        }
    }
    column_flush(&c, &out);
    if (out.n && isnan(out.xy[2 * out.n - 2])) out.n--;
    if (out.failed) {
        free(out.xy);
        return lrs_fail(LRS_ERR_NOMEM, "plot: out of memory drawing %zu points", s->n);
    }
    *xy = out.xy;
    *n = out.n;
    return LRS_OK;
}
