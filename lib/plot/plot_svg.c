/* SVG renderer: the canvas calls become SVG elements written into a text buffer. */
#include <stdlib.h>

#include "plot_internal.h"
#include "status_internal.h"

static void svg_color(plot_buf *b, const char *attr, uint32_t rgb, double alpha)
{
    plot_buf_printf(b, " %s=\"#%06x\"", attr, (unsigned)rgb);
    if (alpha < 1) plot_buf_printf(b, " %s-opacity=\"%.2f\"", attr, alpha);
}

static void svg_rect(void *ctx, double x, double y, double w, double h, uint32_t rgb, double alpha)
{
    plot_buf *b = ctx;
    plot_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, w, h);
    svg_color(b, "fill", rgb, alpha);
    plot_buf_put(b, "/>\n", 3);
}

static void svg_line(void *ctx, const double *xy, size_t n, uint32_t rgb, double width, double alpha,
                     int dashed)
{
    plot_buf *b = ctx;
    plot_buf_put(b, "<polyline points=\"", 18);
    for (size_t i = 0; i < n; i++) plot_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", xy[2 * i], xy[2 * i + 1]);
    plot_buf_put(b, "\" fill=\"none\"", 13);
    svg_color(b, "stroke", rgb, alpha);
    plot_buf_printf(b, " stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s/>\n", width,
                    dashed ? " stroke-dasharray=\"5 4\"" : "");
}

static void svg_dot(void *ctx, double x, double y, double r, uint32_t rgb, int hollow)
{
    plot_buf *b = ctx;
    plot_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", x, y, r);
    if (hollow) {
        plot_buf_put(b, " fill=\"#ffffff\"", 15);
        svg_color(b, "stroke", rgb, 1);
        plot_buf_put(b, " stroke-width=\"1.5\"", 19);
    } else {
        svg_color(b, "fill", rgb, 1);
    }
    plot_buf_put(b, "/>\n", 3);
}

static void svg_text(void *ctx, double x, double y, const char *s, double size, uint32_t rgb, int anchor,
                     int bold, int rotate)
{
    plot_buf *b = ctx;
    static const char *const anchors[] = {"start", "middle", "end"};
    plot_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%s\"", x, y, size,
                    anchors[anchor + 1]);
    svg_color(b, "fill", rgb, 1);
    if (bold) plot_buf_put(b, " font-weight=\"bold\"", 19);
    if (rotate) plot_buf_printf(b, " transform=\"rotate(-90 %.1f %.1f)\"", x, y);
    plot_buf_put(b, ">", 1);
    plot_buf_xml(b, s);
    plot_buf_put(b, "</text>\n", 8);
}

/* A nested <svg> clips to its box without the document-wide ids a clipPath needs
 * (several charts inlined in one page would share them). */
static void svg_clip(void *ctx, double x, double y, double w, double h, int open)
{
    plot_buf *b = ctx;
    if (open)
        plot_buf_printf(b, "<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" viewBox=\"%.1f %.1f %.1f %.1f\" "
                           "overflow=\"hidden\">\n", x, y, w, h, x, y, w, h);
    else
        plot_buf_put(b, "</svg>\n", 7);
}

static void svg_group(void *ctx, const char *cls, int open)
{
    plot_buf *b = ctx;
    if (open) plot_buf_printf(b, "<g class=\"%s\">\n", cls);
    else plot_buf_put(b, "</g>\n", 5);
}

int lrs_plot_svg(const lrs_plot *p, int width, int height, char **out, size_t *len)
{
    if (!p || !out || width < 50 || height < 50 || width > 20000 || height > 20000)
        return lrs_fail(LRS_ERR_ARG, "lrs_plot_svg: expected a chart and a size of 50..20000 units, got %dx%d",
                        width, height);
    plot_buf b = {0};
    plot_buf_printf(&b,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lrs-chart\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                    "role=\"img\">\n<title>",
                    width, height, width, height);
    plot_buf_xml(&b, p->title);
    plot_buf_put(&b, "</title>\n", 9);
    plot_canvas cv = {&b, svg_rect, svg_line, svg_dot, svg_text, svg_clip, svg_group};
    int rc = plot_draw(p, width, height, &cv);
    plot_buf_put(&b, "</svg>\n", 7);
    if (rc || b.failed) {
        free(b.data);
        return rc ? rc : lrs_fail(LRS_ERR_NOMEM, "lrs_plot_svg: out of memory");
    }
    *out = b.data;
    if (len) *len = b.len;
    return LRS_OK;
}
