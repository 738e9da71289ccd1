/* The chart drawn once through a canvas, so SVG and PNG show the same picture:
 * background, title, legend, grid, bands, series, vertical lines, then the axes. */
#include <math.h>
#include <stdlib.h>

#include "plot_internal.h"

/* Tableau 10: distinct, print-friendly, readable on white. */
const uint32_t plot_palette[PLOT_PALETTE] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                             0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

uint32_t plot_band_color(int severity)
{
    return severity >= LRS_BAND_CRITICAL ? 0xd62728 : severity == LRS_BAND_WARNING ? 0xf0a030 : 0x4a90d9;
}

enum { INK = 0x333333, GRID = 0xe6e6e6, AXIS = 0x888888 };

static void open_group(const plot_canvas *cv, const char *cls)
{
    if (cv->group) cv->group(cv->ctx, cls, 1);
}

static void close_group(const plot_canvas *cv)
{
    if (cv->group) cv->group(cv->ctx, NULL, 0);
}

static void draw_legend(const lrs_plot *p, const plot_frame *f, const plot_canvas *cv)
{
    double x = f->left, y = f->top - 12;
    open_group(cv, "legend");
    for (size_t i = 0; i < p->n_series; i++) {
        const plot_series *s = &p->series[i];
        if (!s->name || !s->name[0]) continue;
        uint32_t rgb = plot_palette[s->color];
        double alpha = (s->style & LRS_PLOT_FAINT) ? 0.45 : 1;
        if (s->style & LRS_PLOT_MARKERS) {
            cv->dot(cv->ctx, x + 9, y - 4, 3.5, rgb, (s->style & LRS_PLOT_HOLLOW) != 0);
        } else {
            double xy[4] = {x, y - 4, x + 18, y - 4};
            cv->line(cv->ctx, xy, 2, rgb, 2.5, alpha, (s->style & LRS_PLOT_DASHED) != 0);
        }
        cv->text(cv->ctx, x + 23, y, s->name, 11, INK, -1, 0, 0);
        x += 23 + plot_text_width(s->name, 11) + 16;
    }
    close_group(cv);
}

static void draw_grid(const plot_frame *f, const plot_canvas *cv)
{
    open_group(cv, "grid");
    for (int i = 0; i < f->sx.n_ticks; i++) {
        double x = plot_frame_x(f, f->sx.tick[i]), xy[4] = {x, f->top, x, f->bottom};
        cv->line(cv->ctx, xy, 2, GRID, 1, 1, 0);
    }
    for (int i = 0; i < f->sy.n_ticks; i++) {
        double y = plot_frame_y(f, f->sy.tick[i]), xy[4] = {f->left, y, f->right, y};
        cv->line(cv->ctx, xy, 2, GRID, 1, 1, 0);
    }
    close_group(cv);
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Bands come in step order; a label that would run into the previous one is left out
 * (the band stays), so dozens of signs stay readable. */
static void draw_bands(const lrs_plot *p, const plot_frame *f, const plot_canvas *cv)
{
    double label_end = -INFINITY;
    for (size_t i = 0; i < p->n_bands; i++) {
        const plot_band *b = &p->bands[i];
        if (!plot_usable(b->x0, f->sx.log) || !plot_usable(b->x1, f->sx.log)) continue;
        double x0 = clamp(plot_frame_x(f, b->x0), f->left, f->right);
        double x1 = clamp(plot_frame_x(f, b->x1), f->left, f->right);
        if (x1 - x0 < 3) { /* a one-step sign still shows */
            x0 = clamp(x0 - 1.5, f->left, f->right);
            x1 = x0 + 3;
        }
        uint32_t rgb = plot_band_color(b->severity);
        open_group(cv, "band");
        cv->rect(cv->ctx, x0, f->top, x1 - x0, f->bottom - f->top, rgb, 0.16);
        double top[4] = {x0, f->top, x1, f->top};
        cv->line(cv->ctx, top, 2, rgb, 3, 0.9, 0);
        double w = plot_text_width(b->label, 11);
        int fits = x0 + 3 + w <= f->right; /* else inside, from the right */
        double start = fits ? x0 + 3 : x1 - 3 - w;
        if (b->label[0] && start > label_end + 3) {
            cv->text(cv->ctx, fits ? x0 + 3 : x1 - 3, f->top + 14, b->label, 11, rgb, fits ? -1 : 1, 1, 0);
            label_end = start + w;
        }
        close_group(cv);
    }
}

static int draw_series(const lrs_plot *p, const plot_frame *f, const plot_canvas *cv)
{
    for (size_t k = 0; k < p->n_series; k++) {
        const plot_series *s = &p->series[k];
        uint32_t rgb = plot_palette[s->color];
        open_group(cv, "series");
        if (s->style & LRS_PLOT_MARKERS) {
            for (size_t i = 0; i < s->n; i++) {
                if (!plot_usable(s->x[i], f->sx.log) || !plot_usable(s->y[i], f->sy.log)) continue;
                cv->dot(cv->ctx, plot_frame_x(f, s->x[i]), plot_frame_y(f, s->y[i]), 4, rgb,
                        (s->style & LRS_PLOT_HOLLOW) != 0);
            }
            close_group(cv);
            continue;
        }
        double *xy;
        size_t n, start = 0;
        int rc = plot_series_path(s, f, &xy, &n);
        if (rc) return rc;
        int faint = (s->style & LRS_PLOT_FAINT) != 0, dashed = (s->style & LRS_PLOT_DASHED) != 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && !isnan(xy[2 * i])) continue;
            if (i - start == 1)
                cv->dot(cv->ctx, xy[2 * start], xy[2 * start + 1], 1.5, rgb, 0);
            else if (i > start)
                cv->line(cv->ctx, xy + 2 * start, i - start, rgb, faint ? 1 : 2, faint ? 0.35 : 1, dashed);
            start = i + 1;
        }
        free(xy);
        close_group(cv);
    }
    return 0;
}

/* Labels sit at the top of the area, staggered so that neighbouring lines' labels do
 * not overlap, on the side of the line with room. */
static void draw_vlines(const lrs_plot *p, const plot_frame *f, const plot_canvas *cv)
{
    for (size_t i = 0; i < p->n_vlines; i++) {
        const plot_vline *v = &p->vlines[i];
        if (!plot_usable(v->x, f->sx.log) || v->x < f->sx.lo || v->x > f->sx.hi) continue;
        double x = plot_frame_x(f, v->x), xy[4] = {x, f->top, x, f->bottom};
        open_group(cv, "vline");
        cv->line(cv->ctx, xy, 2, 0x444444, 1.3, 0.9, 1);
        double w = plot_text_width(v->label, 11), y = f->top + 14 + 15 * (double)(i % 4);
        int room_right = x + 4 + w <= f->right;
        double tx = room_right ? x + 4 : x - 4;
        cv->rect(cv->ctx, room_right ? tx - 1 : tx - w - 1, y - 11, w + 2, 14, 0xffffff, 0.8);
        cv->text(cv->ctx, tx, y, v->label, 11, 0x222222, room_right ? -1 : 1, 0, 0);
        close_group(cv);
    }
}

static void draw_axes(const lrs_plot *p, const plot_frame *f, const plot_canvas *cv)
{
    open_group(cv, "axes");
    double frame[10] = {f->left, f->top, f->left, f->bottom, f->right, f->bottom};
    cv->line(cv->ctx, frame, 3, AXIS, 1, 1, 0);
    for (int i = 0; i < f->sx.n_ticks; i++) {
        double x = plot_frame_x(f, f->sx.tick[i]), xy[4] = {x, f->bottom, x, f->bottom + 4};
        cv->line(cv->ctx, xy, 2, AXIS, 1, 1, 0);
        cv->text(cv->ctx, x, f->bottom + 17, f->sx.tick_label[i], 11, INK, 0, 0, 0);
    }
    for (int i = 0; i < f->sy.n_ticks; i++) {
        double y = plot_frame_y(f, f->sy.tick[i]), xy[4] = {f->left - 4, y, f->left, y};
        cv->line(cv->ctx, xy, 2, AXIS, 1, 1, 0);
        cv->text(cv->ctx, f->left - 7, y + 4, f->sy.tick_label[i], 11, INK, 1, 0, 0);
    }
    const char *xl = p->axis[LRS_AXIS_X].label, *yl = p->axis[LRS_AXIS_Y].label;
    if (xl && *xl) cv->text(cv->ctx, (f->left + f->right) / 2, f->height - 10, xl, 12, INK, 0, 0, 0);
    if (yl && *yl) cv->text(cv->ctx, 10 + 12, (f->top + f->bottom) / 2, yl, 12, INK, 0, 0, 1);
    close_group(cv);
}

int plot_draw(const lrs_plot *p, double width, double height, const plot_canvas *cv)
{
    plot_frame f;
    plot_frame_build(p, width, height, &f);
    cv->rect(cv->ctx, 0, 0, width, height, 0xffffff, 1);
    if (p->title[0]) cv->text(cv->ctx, 10, 10 + 15, p->title, 15, 0x111111, -1, 1, 0);
    draw_legend(p, &f, cv);
    draw_grid(&f, cv);
    draw_bands(p, &f, cv);
    /* a little room around the area so dots and lines on its edges stay whole */
    cv->clip(cv->ctx, f.left - 4, f.top - 4, f.right - f.left + 8, f.bottom - f.top + 8, 1);
    int rc = draw_series(p, &f, cv);
    cv->clip(cv->ctx, 0, 0, 0, 0, 0);
    if (rc) return rc;
    draw_vlines(p, &f, cv);
    draw_axes(p, &f, cv);
    return 0;
}
