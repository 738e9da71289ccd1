/* Terminal renderer: the series rasterised onto a grid of character cells (braille
 * dots, 2x4 per cell, or one ASCII glyph per cell), with tick labels, vertical lines,
 * band markers under the x axis and a legend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "status_internal.h"

static const char glyphs[] = "*+ox#@%&=~";

typedef struct grid {
    int cols, rows, dx, dy;  /* cells, and dots per cell */
    unsigned char *dots;     /* [rows*cols] braille bits */
    signed char *owner;      /* [rows*cols] series drawn last in the cell, -1 none */
    char *mark;              /* [rows*cols] '|' for a vertical line, 0 none */
    char *under;             /* [cols] band row under the axis: severity+1, 0 none */
} grid;

static void set_dot(grid *g, double x, double y, int series)
{
    int X = (int)lround(x), Y = (int)lround(y);
    if (X < 0 || Y < 0 || X >= g->cols * g->dx || Y >= g->rows * g->dy) return;
    static const unsigned char bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    int cell = (Y / g->dy) * g->cols + X / g->dx;
    if (g->dx == 2) g->dots[cell] |= bit[X % 2][Y % 4];
    g->owner[cell] = (signed char)series;
}

static void draw_segment(grid *g, const double *a, const double *b, int series)
{
    double steps = fmax(fabs(b[0] - a[0]), fabs(b[1] - a[1]));
    int n = (int)ceil(steps);
    for (int i = 0; i <= n; i++) {
        double t = n ? (double)i / n : 0;
        set_dot(g, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), series);
    }
}

static int rasterise(const lrs_plot *p, const plot_frame *f, grid *g)
{
    for (size_t k = 0; k < p->n_series; k++) {
        const plot_series *s = &p->series[k];
        if (s->style & LRS_PLOT_MARKERS) {
            for (size_t i = 0; i < s->n; i++)
                if (plot_usable(s->x[i], f->sx.log) && plot_usable(s->y[i], f->sy.log))
                    set_dot(g, plot_frame_x(f, s->x[i]), plot_frame_y(f, s->y[i]), (int)k);
            continue;
        }
        double *xy;
        size_t n;
        int rc = plot_series_path(s, f, &xy, &n);
        if (rc) return rc;
        for (size_t i = 0; i < n; i++) {
            if (isnan(xy[2 * i])) continue;
            if (i + 1 < n && !isnan(xy[2 * i + 2])) draw_segment(g, xy + 2 * i, xy + 2 * i + 2, (int)k);
            else set_dot(g, xy[2 * i], xy[2 * i + 1], (int)k);
        }
        free(xy);
    }
    for (size_t i = 0; i < p->n_vlines; i++) {
        double x = p->vlines[i].x;
        if (!plot_usable(x, f->sx.log) || x < f->sx.lo || x > f->sx.hi) continue;
        int c = (int)lround(plot_frame_x(f, x)) / g->dx;
        for (int r = 0; r < g->rows && c < g->cols; r++) g->mark[r * g->cols + c] = '|';
    }
    for (size_t i = 0; i < p->n_bands; i++) {
        const plot_band *b = &p->bands[i];
        if (!plot_usable(b->x0, f->sx.log) || !plot_usable(b->x1, f->sx.log)) continue;
        int c0 = (int)floor(plot_frame_x(f, fmax(b->x0, f->sx.lo)) / g->dx);
        int c1 = (int)floor(plot_frame_x(f, fmin(b->x1, f->sx.hi)) / g->dx);
        for (int c = c0 < 0 ? 0 : c0; c <= c1 && c < g->cols; c++)
            if (g->under[c] < b->severity + 1) g->under[c] = (char)(b->severity + 1);
    }
    return 0;
}

static void put_cell(plot_buf *b, const grid *g, int cell, int unicode)
{
    if (g->owner[cell] >= 0) {
        if (!unicode) {
            plot_buf_put(b, &glyphs[g->owner[cell] % 10], 1);
            return;
        }
        unsigned cp = 0x2800u + g->dots[cell]; /* braille block: 3 bytes of UTF-8 */
        char u[3] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)), (char)(0x80 | (cp & 0x3F))};
        plot_buf_put(b, u, 3);
    } else if (g->mark[cell]) {
        plot_buf_put(b, unicode ? "\xe2\x94\x8a" : ":", unicode ? 3 : 1); /* ┊ */
    } else {
        plot_buf_put(b, " ", 1);
    }
}

/* Label of the y tick on grid row r, or NULL. */
static const char *row_label(const plot_frame *f, const grid *g, int r)
{
    for (int i = 0; i < f->sy.n_ticks; i++) {
        double y = plot_frame_y(f, f->sy.tick[i]);
        if ((int)lround(y) / g->dy == r) return f->sy.tick_label[i];
    }
    return NULL;
}

static void write_x_axis(plot_buf *b, const plot_frame *f, const grid *g, int pad, int unicode)
{
    plot_buf_printf(b, "%*s%s", pad, "", unicode ? "\xe2\x94\x94" : "+"); /* └ */
    for (int c = 0; c < g->cols; c++) plot_buf_put(b, unicode ? "\xe2\x94\x80" : "-", unicode ? 3 : 1);
    plot_buf_put(b, "\n", 1);
    int band = 0;
    for (int c = 0; c < g->cols; c++) band |= g->under[c];
    if (band) {
        static const char *const uni[] = {" ", "\xe2\x96\x91", "\xe2\x96\x92", "\xe2\x96\x88"}; /* ░▒█ */
        static const char ascii[] = " ~=#";
        plot_buf_printf(b, "%*s ", pad, "");
        for (int c = 0; c < g->cols; c++)
            plot_buf_put(b, unicode ? uni[(int)g->under[c]] : &ascii[(int)g->under[c]],
                         unicode ? strlen(uni[(int)g->under[c]]) : 1);
        plot_buf_put(b, "\n", 1);
    }
    /* tick labels centred under their column, skipped where they would touch */
    char *line = calloc((size_t)g->cols + 32, 1);
    if (!line) {
        b->failed = 1;
        return;
    }
    memset(line, ' ', (size_t)g->cols + 31);
    int used_to = -2; /* last column taken by a label; one space between labels */
    for (int i = 0; i < f->sx.n_ticks; i++) {
        const char *t = f->sx.tick_label[i];
        int len = (int)strlen(t), c = (int)lround(plot_frame_x(f, f->sx.tick[i])) / g->dx - len / 2;
        if (c < 0) c = 0;
        if (c <= used_to + 1 || c + len > g->cols + 30) continue;
        memcpy(line + c, t, (size_t)len);
        used_to = c + len - 1;
    }
    line[used_to + 1] = '\0';
    plot_buf_printf(b, "%*s %s\n", pad, "", line);
    free(line);
}

static void write_legend(plot_buf *b, const lrs_plot *p, int pad, int unicode)
{
    const char *xl = p->axis[LRS_AXIS_X].label;
    if (xl && *xl) plot_buf_printf(b, "%*s %s\n", pad, "", xl);
    for (size_t k = 0; k < p->n_series; k++)
        if (p->series[k].name && p->series[k].name[0])
            plot_buf_printf(b, "%*s %c %s\n", pad, "", unicode ? '-' : glyphs[k % 10], p->series[k].name);
    for (size_t i = 0; i < p->n_vlines; i++)
        plot_buf_printf(b, "%*s %s %s\n", pad, "", unicode ? "\xe2\x94\x8a" : ":", p->vlines[i].label);
    for (size_t i = 0; i < p->n_bands; i++) {
        static const char *const uni[] = {"\xe2\x96\x91", "\xe2\x96\x92", "\xe2\x96\x88"};
        static const char *const ascii[] = {"~", "=", "#"};
        int s = p->bands[i].severity;
        plot_buf_printf(b, "%*s %s %s\n", pad, "", unicode ? uni[s] : ascii[s], p->bands[i].label);
    }
}

static int write_text(const lrs_plot *p, const plot_frame *f, const grid *g, int unicode, char **out)
{
    plot_buf b = {0};
    int pad = 0;
    for (int i = 0; i < f->sy.n_ticks; i++) {
        int w = (int)strlen(f->sy.tick_label[i]);
        if (w > pad) pad = w;
    }
    if (p->title[0]) plot_buf_printf(&b, "%s\n", p->title);
    const char *yl = p->axis[LRS_AXIS_Y].label;
    if (yl && *yl) plot_buf_printf(&b, "%s\n", yl);
    for (int r = 0; r < g->rows; r++) {
        const char *label = row_label(f, g, r);
        plot_buf_printf(&b, "%*s", pad, label ? label : "");
        plot_buf_put(&b, unicode ? (label ? "\xe2\x94\xa4" : "\xe2\x94\x82") : (label ? "+" : "|"), unicode ? 3 : 1);
        for (int c = 0; c < g->cols; c++) put_cell(&b, g, r * g->cols + c, unicode);
        plot_buf_put(&b, "\n", 1);
    }
    write_x_axis(&b, f, g, pad, unicode);
    write_legend(&b, p, pad, unicode);
    if (b.failed) {
        free(b.data);
        return lrs_fail(LRS_ERR_NOMEM, "lrs_plot_ascii: out of memory");
    }
    *out = b.data;
    return LRS_OK;
}

int lrs_plot_ascii(const lrs_plot *p, int cols, int rows, int unicode, char **out)
{
    if (!p || !out || cols < 10 || rows < 4 || cols > 1000 || rows > 1000)
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_ascii: expected a chart and 10..1000 columns, 4..1000 rows, got %dx%d",
                        cols, rows);
    grid g = {.cols = cols, .rows = rows, .dx = unicode ? 2 : 1, .dy = unicode ? 4 : 1};
    size_t cells = (size_t)cols * (size_t)rows;
    unsigned char *mem = calloc(3 * cells + (size_t)cols, 1); /* dots, owner, mark, under */
    if (!mem) return lrs_fail(LRS_ERR_NOMEM, "lrs_plot_ascii: out of memory");
    g.dots = mem;
    g.owner = (signed char *)(mem + cells);
    g.mark = (char *)(mem + 2 * cells);
    g.under = (char *)(mem + 3 * cells);
    memset(g.owner, -1, cells);
    plot_frame f = {.width = cols * g.dx, .height = rows * g.dy, .left = 0, .top = 0};
    f.right = cols * g.dx - 1;
    f.bottom = rows * g.dy - 1;
    plot_scale_build(p, LRS_AXIS_X, cols / 12 > 2 ? cols / 12 : 2, &f.sx);
    plot_scale_build(p, LRS_AXIS_Y, rows / 3 > 2 ? rows / 3 : 2, &f.sy);
    int rc = rasterise(p, &f, &g);
    if (!rc) rc = write_text(p, &f, &g, unicode, out);
    free(mem);
    return rc;
}
