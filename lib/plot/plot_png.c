/* PNG renderer: the same drawing on a cairo image surface, encoded in memory. */
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "status_internal.h"

static void set_color(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0,
                          alpha);
}

static void png_rect(void *ctx, double x, double y, double w, double h, uint32_t rgb, double alpha)
{
    cairo_t *cr = ctx;
    set_color(cr, rgb, alpha);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

static void png_line(void *ctx, const double *xy, size_t n, uint32_t rgb, double width, double alpha, int dashed)
{
    cairo_t *cr = ctx;
    static const double dash[] = {5, 4};
    cairo_move_to(cr, xy[0], xy[1]);
    for (size_t i = 1; i < n; i++) cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
    set_color(cr, rgb, alpha);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, dash, 0, 0);
}

static void png_dot(void *ctx, double x, double y, double r, uint32_t rgb, int hollow)
{
    cairo_t *cr = ctx;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    if (hollow) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        set_color(cr, rgb, 1);
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
    } else {
        set_color(cr, rgb, 1);
        cairo_fill(cr);
    }
}

static void png_text(void *ctx, double x, double y, const char *s, double size, uint32_t rgb, int anchor,
                     int bold, int rotate)
{
    cairo_t *cr = ctx;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s, &ext);
    double shift = anchor < 0 ? 0 : anchor == 0 ? ext.x_advance / 2 : ext.x_advance;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (rotate) cairo_rotate(cr, -M_PI / 2);
    cairo_move_to(cr, -shift, 0);
    set_color(cr, rgb, 1);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

static void png_clip(void *ctx, double x, double y, double w, double h, int open)
{
    cairo_t *cr = ctx;
    if (!open) {
        cairo_restore(cr);
        return;
    }
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
}

typedef struct png_out {
    unsigned char *data;
    size_t len, cap;
} png_out;

static cairo_status_t png_append(void *closure, const unsigned char *data, unsigned int n)
{
    png_out *o = closure;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 65536;
        while (cap < o->len + n) cap *= 2;
        unsigned char *bigger = realloc(o->data, cap);
        if (!bigger) return CAIRO_STATUS_NO_MEMORY;
        o->data = bigger;
        o->cap = cap;
    }
    memcpy(o->data + o->len, data, n);
    o->len += n;
    return CAIRO_STATUS_SUCCESS;
}

int lrs_plot_png(const lrs_plot *p, int width, int height, unsigned char **png, size_t *len)
{
    if (!p || !png || width < 50 || height < 50 || width > 8000 || height > 8000)
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_png: expected a chart and a size of 50..8000 pixels, got %dx%d",
                        width, height);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(surface);
    int rc = LRS_OK;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = lrs_fail(LRS_ERR_NOMEM, "lrs_plot_png: cairo: %s", cairo_status_to_string(cairo_status(cr)));
    } else {
        plot_canvas cv = {cr, png_rect, png_line, png_dot, png_text, png_clip, NULL};
        rc = plot_draw(p, width, height, &cv);
    }
    cairo_destroy(cr);
    png_out o = {0};
    if (!rc) {
        cairo_surface_flush(surface);
        cairo_status_t st = cairo_surface_write_to_png_stream(surface, png_append, &o);
        if (st != CAIRO_STATUS_SUCCESS)
            rc = lrs_fail(LRS_ERR_NOMEM, "lrs_plot_png: cairo: %s", cairo_status_to_string(st));
    }
    cairo_surface_destroy(surface);
    if (rc) {
        free(o.data);
        return rc;
    }
    *png = o.data;
    if (len) *len = o.len;
    return LRS_OK;
}
