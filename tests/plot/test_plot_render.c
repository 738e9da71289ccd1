/* The renderers: SVG parses as XML with the expected elements and escaped text, the
 * PNG decodes at the requested size with the line's colour where the line is, the
 * terminal text puts the line, the vertical line and the labels where they belong. */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "plot.h"

/* A range-test-like chart: loss against LR on a log axis, two suggestions, a band. */
static lrs_plot *range_chart(const char *title)
{
    enum { N = 100 };
    double lr[N], loss[N];
    for (int i = 0; i < N; i++) {
        lr[i] = 1e-7 * pow(1e8, i / (N - 1.0));
        double t = log10(lr[i]) + 3;
        loss[i] = 2.3 - 1.5 / (1 + exp(-3 * t)) + (t > 1 ? (t - 1) * (t - 1) * 2 : 0);
    }
    loss[40] = NAN;
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, title), LRS_OK);
    assert_int_equal(lrs_plot_axis(p, LRS_AXIS_X, "learning rate", 1), LRS_OK);
    assert_int_equal(lrs_plot_axis(p, LRS_AXIS_Y, "loss", 0), LRS_OK);
    assert_int_equal(lrs_plot_series(p, "loss", lr, loss, N, LRS_PLOT_LINE), LRS_OK);
    assert_int_equal(lrs_plot_vline(p, 1e-3, "valley 1e-3"), LRS_OK);
    assert_int_equal(lrs_plot_vline(p, 1e-2, "minimum 1e-2"), LRS_OK);
    assert_int_equal(lrs_plot_band(p, 1, 10, "diverged", LRS_BAND_CRITICAL), LRS_OK);
    return p;
}

static int count_elements(xmlNode *node, const char *name)
{
    int n = 0;
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && !strcmp((const char *)node->name, name)) n++;
        n += count_elements(node->children, name);
    }
    return n;
}

static void test_svg_is_well_formed(void **state)
{
    (void)state;
    lrs_plot *p = range_chart("a < b & \"c\"");
    char *svg;
    size_t len;
    assert_int_equal(lrs_plot_svg(p, 640, 360, &svg, &len), LRS_OK);
    assert_int_equal(strlen(svg), len);
    xmlDoc *doc = xmlReadMemory(svg, (int)len, "chart.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "svg");
    xmlChar *view = xmlGetProp(root, (const xmlChar *)"viewBox");
    assert_string_equal((const char *)view, "0 0 640 360");
    xmlFree(view);
    /* the NaN splits the loss into two polylines; 9 decade labels + 2 vline labels... */
    int texts = count_elements(root, "text");
    assert_true(texts >= 9 + 2 + 1 + 2 + 1);
    xmlChar *title = xmlNodeGetContent(root->children->next ? root->children : root->children);
    xmlFree(title);
    assert_non_null(strstr(svg, "<title>a &lt; b &amp; &quot;c&quot;</title>"));
    assert_non_null(strstr(svg, ">1e-7</text>"));
    assert_non_null(strstr(svg, ">valley 1e-3</text>"));
    assert_non_null(strstr(svg, "class=\"band\""));
    xmlFreeDoc(doc);
    free(svg);
    lrs_plot_free(p);
}

static void test_svg_of_a_million_points_is_small(void **state)
{
    (void)state;
    size_t n = 1000000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i;
        y[i] = 1 / (1 + i * 1e-4) + 0.05 * sin((double)i);
    }
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, "a million points"), LRS_OK);
    assert_int_equal(lrs_plot_series(p, "loss", x, y, n, LRS_PLOT_LINE), LRS_OK);
    char *svg;
    size_t len;
    assert_int_equal(lrs_plot_svg(p, 900, 300, &svg, &len), LRS_OK);
    /* at most 2 points of ~14 bytes per pixel column, plus the frame */
    assert_true(len < 40000);
    free(svg);
    lrs_plot_free(p);
    free(x);
    free(y);
}

typedef struct decoded {
    png_image image;
    uint8_t *rgb;
} decoded;

static void decode(const unsigned char *png, size_t len, decoded *d)
{
    memset(d, 0, sizeof *d);
    d->image.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&d->image, png, len));
    d->image.format = PNG_FORMAT_RGB;
    d->rgb = malloc(PNG_IMAGE_SIZE(d->image));
    assert_true(png_image_finish_read(&d->image, NULL, d->rgb, 0, NULL));
}

static const uint8_t *pixel(const decoded *d, int x, int y)
{
    return d->rgb + 3 * ((size_t)y * d->image.width + (size_t)x);
}

static void test_png_decodes_with_the_line(void **state)
{
    (void)state;
    /* a flat line at y = 5 between y = 0 and y = 10: the picture's middle rows */
    double x[] = {0, 1, 2, 3}, y[] = {5, 5, 5, 5}, edges[] = {0, 3}, ends[] = {0, 10};
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, NULL), LRS_OK);
    assert_int_equal(lrs_plot_series(p, NULL, x, y, 4, LRS_PLOT_LINE), LRS_OK);
    assert_int_equal(lrs_plot_series(p, NULL, edges, ends, 2, LRS_PLOT_MARKERS), LRS_OK);
    assert_int_equal(lrs_plot_range(p, LRS_AXIS_Y, 0, 10), LRS_OK);
    unsigned char *png;
    size_t len;
    assert_int_equal(lrs_plot_png(p, 400, 200, &png, &len), LRS_OK);
    decoded d;
    decode(png, len, &d);
    assert_int_equal(d.image.width, 400);
    assert_int_equal(d.image.height, 200);
    /* find the line's rows in the middle column: blue (#1f77b4), 2 px thick */
    int blue_rows = 0, first = -1;
    for (int r = 0; r < 200; r++) {
        const uint8_t *px = pixel(&d, 200, r);
        if (px[2] > 150 && px[0] < 90 && px[1] > 90 && px[1] < 150) {
            blue_rows++;
            if (first < 0) first = r;
        }
    }
    assert_true(blue_rows >= 1 && blue_rows <= 3);
    /* and nothing but background (or grid) far above it in that column */
    const uint8_t *corner = pixel(&d, 399, 0);
    assert_int_equal(corner[0], 255);
    assert_int_equal(corner[1], 255);
    assert_int_equal(corner[2], 255);
    /* the line is halfway between the markers at y = 0 and y = 10 */
    int orange_top = -1, orange_bottom = -1;
    for (int r = 0; r < 200; r++)
        for (int c = 0; c < 400; c++) {
            const uint8_t *px = pixel(&d, c, r);
            if (px[0] > 230 && px[1] > 100 && px[1] < 150 && px[2] < 40) {
                if (orange_top < 0) orange_top = r;
                orange_bottom = r;
            }
        }
    assert_true(orange_top >= 0);
    assert_true(abs(first + blue_rows / 2 - (orange_top + orange_bottom) / 2) <= 3);
    free(d.rgb);
    free(png);
    lrs_plot_free(p);
}

static void test_png_of_range_chart(void **state)
{
    (void)state;
    lrs_plot *p = range_chart("LR range test");
    unsigned char *png;
    size_t len;
    assert_int_equal(lrs_plot_png(p, 800, 450, &png, &len), LRS_OK);
    decoded d;
    decode(png, len, &d);
    assert_int_equal(d.image.width, 800);
    assert_int_equal(d.image.height, 450);
    const char *keep = getenv("LRS_PLOT_KEEP"); /* a path: keep the picture to look at */
    if (keep) {
        FILE *f = fopen(keep, "wb");
        if (f) {
            fwrite(png, 1, len, f);
            fclose(f);
        }
    }
    free(d.rgb);
    free(png);
    assert_int_equal(lrs_plot_png(p, 10, 450, &png, &len), LRS_ERR_ARG);
    lrs_plot_free(p);
}

static void test_ascii(void **state)
{
    (void)state;
    double x[] = {0, 10}, y[] = {0, 10};
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, "diagonal"), LRS_OK);
    assert_int_equal(lrs_plot_series(p, "up", x, y, 2, LRS_PLOT_LINE), LRS_OK);
    assert_int_equal(lrs_plot_range(p, LRS_AXIS_Y, 0, 10), LRS_OK);
    assert_int_equal(lrs_plot_vline(p, 5, "half"), LRS_OK);
    char *text;
    assert_int_equal(lrs_plot_ascii(p, 21, 11, 0, &text), LRS_OK);
    /* rows: title, then 11 plot rows prefixed by "NN+" or "  |" */
    char *lines[64];
    int n = 0;
    for (char *s = strtok(text, "\n"); s && n < 64; s = strtok(NULL, "\n")) lines[n++] = s;
    assert_string_equal(lines[0], "diagonal");
    assert_int_equal(strncmp(lines[1], "10+", 3), 0);
    assert_int_equal(lines[1][3 + 20], '*'); /* top right */
    assert_int_equal(strncmp(lines[11], " 0+", 3), 0);
    assert_int_equal(lines[11][3], '*');     /* bottom left */
    assert_int_equal(lines[6][3 + 10], '*'); /* the middle, over the vertical line */
    assert_int_equal(lines[2][3 + 10], ':'); /* the vertical line elsewhere */
    assert_int_equal(strncmp(lines[12], "  +----", 7), 0);
    assert_string_equal(lines[13], "   0         5        10"); /* the first tick's label, at the left edge */
    assert_non_null(strstr(lines[13], "10"));
    assert_string_equal(lines[14], "   * up");
    assert_string_equal(lines[15], "   : half");
    free(text);
    assert_int_equal(lrs_plot_ascii(p, 40, 10, 1, &text), LRS_OK);
    assert_non_null(strstr(text, "\xe2\xa0")); /* braille dots */
    free(text);
    lrs_plot_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_svg_is_well_formed),
        cmocka_unit_test(test_svg_of_a_million_points_is_small),
        cmocka_unit_test(test_png_decodes_with_the_line),
        cmocka_unit_test(test_png_of_range_chart),
        cmocka_unit_test(test_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
