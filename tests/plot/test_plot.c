/* The data going into charts: ticks and labels, ranges, the per-column reduction of
 * long series (extremes kept), gaps at NaN/Inf, argument errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plot_internal.h"

#define assert_near(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void scale_of(double lo, double hi, int log, plot_scale *s)
{
    memset(s, 0, sizeof *s);
    s->log = log;
    s->lo = lo;
    s->hi = hi;
    plot_ticks(s);
}

static void test_log_ticks_decades(void **state)
{
    (void)state;
    plot_scale s;
    scale_of(1e-7, 10, 1, &s);
    static const char *const want[] = {"1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1", "10"};
    assert_int_equal(s.n_ticks, 9);
    for (int i = 0; i < 9; i++) {
        assert_near(s.tick[i], pow(10, i - 7), 1e-20 + pow(10, i - 7) * 1e-12);
        assert_string_equal(s.tick_label[i], want[i]);
    }
    /* the same range logged as float32: 1e-7 becomes 1.0000000117e-7, still labelled */
    scale_of((float)1e-7, (float)10, 1, &s);
    assert_int_equal(s.n_ticks, 9);
    assert_string_equal(s.tick_label[0], "1e-7");
    /* 20 decades: every other one, so labels never crowd */
    scale_of(1e-10, 1e10, 1, &s);
    assert_int_equal(s.n_ticks, 11);
    assert_string_equal(s.tick_label[0], "1e-10");
    assert_string_equal(s.tick_label[1], "1e-8");
    assert_string_equal(s.tick_label[10], "1e10");
}

static void test_log_ticks_short_range(void **state)
{
    (void)state;
    plot_scale s;
    scale_of(0.15, 6, 1, &s); /* under two decades: 1-2-5 marks */
    static const double want[] = {0.2, 0.5, 1, 2, 5};
    assert_int_equal(s.n_ticks, 5);
    for (int i = 0; i < 5; i++) assert_near(s.tick[i], want[i], 1e-12);
    assert_string_equal(s.tick_label[0], "0.2");
    scale_of(3, 4, 1, &s); /* no 1-2-5 mark inside: plain steps */
    assert_true(s.n_ticks >= 3);
    assert_near(s.tick[0], 3, 1e-12);
}

static void test_linear_ticks(void **state)
{
    (void)state;
    plot_scale s;
    scale_of(0, 1000, 0, &s);
    assert_int_equal(s.n_ticks, 6);
    for (int i = 0; i < 6; i++) assert_near(s.tick[i], 200.0 * i, 1e-9);
    assert_string_equal(s.tick_label[5], "1000");
    scale_of(0, 0.37, 0, &s);
    assert_int_equal(s.n_ticks, 4);
    assert_string_equal(s.tick_label[0], "0");
    assert_string_equal(s.tick_label[3], "0.3");
    scale_of(-0.5, 0.5, 0, &s); /* no "-0" */
    assert_string_equal(s.tick_label[2], "0");
    assert_string_equal(s.tick_label[0], "-0.4");
    scale_of(0, 1e6, 0, &s);
    assert_string_equal(s.tick_label[1], "200k");
    assert_string_equal(s.tick_label[5], "1M");
}

static void test_format_tick(void **state)
{
    (void)state;
    char buf[16];
    plot_format_tick(buf, sizeof buf, 2e-5, 1e-5, 0);
    assert_string_equal(buf, "2e-5");
    plot_format_tick(buf, sizeof buf, 3e-4, 3e-4, 1);
    assert_string_equal(buf, "3e-4");
    plot_format_tick(buf, sizeof buf, 0.25, 0.05, 0);
    assert_string_equal(buf, "0.25");
    plot_format_tick(buf, sizeof buf, 1e5, 1e5, 1);
    assert_string_equal(buf, "1e5");
}

static void test_range_from_data_and_fixed(void **state)
{
    (void)state;
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, "t"), LRS_OK);
    double x[] = {10, 20, 30, 40}, y[] = {1, NAN, 3, INFINITY};
    assert_int_equal(lrs_plot_series(p, "s", x, y, 4, LRS_PLOT_LINE), LRS_OK);
    plot_scale s;
    plot_scale_build(p, LRS_AXIS_X, 5, &s);
    assert_near(s.lo, 10, 0); /* x spans the usable points only: 10..30 */
    assert_near(s.hi, 30, 0);
    plot_scale_build(p, LRS_AXIS_Y, 5, &s);
    assert_near(s.lo, 1 - 0.08, 1e-12); /* y padded 4% each side */
    assert_near(s.hi, 3 + 0.08, 1e-12);
    assert_int_equal(lrs_plot_range(p, LRS_AXIS_X, 0, 100), LRS_OK);
    plot_scale_build(p, LRS_AXIS_X, 5, &s);
    assert_near(s.lo, 0, 0);
    assert_near(s.hi, 100, 0);
    assert_int_equal(lrs_plot_range(p, LRS_AXIS_X, 5, 5), LRS_ERR_ARG);
    assert_int_equal(lrs_plot_band(p, 3, 2, "b", LRS_BAND_WARNING), LRS_ERR_ARG);
    assert_int_equal(lrs_plot_band(p, 2, 3, "b", 7), LRS_ERR_ARG);
    assert_int_equal(lrs_plot_vline(p, NAN, "v"), LRS_ERR_ARG);
    lrs_plot_free(p);
}

/* A million noisy points with one deep dip and one tall spike: the path keeps both,
 * keeps the order of x, and has at most two points per pixel column. */
static void test_downsample_keeps_extremes(void **state)
{
    (void)state;
    size_t n = 1000000, dip = 123457, spike = 876543;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint32_t rng = 12345;
    for (size_t i = 0; i < n; i++) {
        rng = rng * 1664525u + 1013904223u;
        x[i] = (double)i;
        y[i] = 2 + sin((double)i / 50000) + (rng >> 8) / 16777216.0 * 0.2;
    }
    y[dip] = -5;
    y[spike] = 9;
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, "big"), LRS_OK);
    assert_int_equal(lrs_plot_series(p, "loss", x, y, n, LRS_PLOT_LINE), LRS_OK);
    plot_frame f;
    plot_frame_build(p, 800, 400, &f);
    double *xy;
    size_t m;
    assert_int_equal(plot_series_path(&p->series[0], &f, &xy, &m), LRS_OK);
    double width = f.right - f.left;
    assert_true(m <= 2 * (size_t)width + 4);
    assert_true(m >= (size_t)width);
    double top = INFINITY, bottom = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        assert_false(isnan(xy[2 * i]));
        if (i) assert_true(xy[2 * i] >= xy[2 * i - 2]);
        top = fmin(top, xy[2 * i + 1]);
        bottom = fmax(bottom, xy[2 * i + 1]);
    }
    assert_near(top, plot_frame_y(&f, 9), 1e-9);
    assert_near(bottom, plot_frame_y(&f, -5), 1e-9);
    free(xy);
    lrs_plot_free(p);
    free(x);
    free(y);
}

/* NaN, infinities and (on a log axis) values <= 0 break the line: one gap each run. */
static void test_gaps(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double y[] = {1, 2, NAN, NAN, 3, 4, -INFINITY, 5, 6};
    lrs_plot *p;
    assert_int_equal(lrs_plot_new(&p, NULL), LRS_OK);
    assert_int_equal(lrs_plot_series(p, NULL, x, y, 9, LRS_PLOT_LINE), LRS_OK);
    plot_frame f;
    plot_frame_build(p, 900, 300, &f);
    double *xy;
    size_t m;
    assert_int_equal(plot_series_path(&p->series[0], &f, &xy, &m), LRS_OK);
    /* 1 2 | 3 4 | 5 6 */
    assert_int_equal(m, 8);
    assert_true(isnan(xy[4]) && isnan(xy[10]));
    assert_near(xy[6], plot_frame_x(&f, 5), 1e-9);
    free(xy);
    lrs_plot_free(p);

    double ylog[] = {1, 0, 2, -1, 3, 4, 5, 6, 7};
    assert_int_equal(lrs_plot_new(&p, NULL), LRS_OK);
    assert_int_equal(lrs_plot_axis(p, LRS_AXIS_Y, "loss", 1), LRS_OK);
    assert_int_equal(lrs_plot_series(p, NULL, x, ylog, 9, LRS_PLOT_LINE), LRS_OK);
    plot_frame_build(p, 900, 300, &f);
    assert_near(f.sy.lo * pow(7.0, 0.04), 1, 1e-9); /* 0 and -1 ignored */
    assert_int_equal(plot_series_path(&p->series[0], &f, &xy, &m), LRS_OK);
    assert_int_equal(m, 9); /* 1 | 2 | 3 4 5 6 7 */
    free(xy);
    lrs_plot_free(p);
}

static void test_colors(void **state)
{
    (void)state;
    lrs_plot *p;
    double v[] = {1, 2};
    assert_int_equal(lrs_plot_new(&p, "c"), LRS_OK);
    lrs_plot_series(p, "raw a", v, v, 2, LRS_PLOT_FAINT);
    lrs_plot_series(p, "a", v, v, 2, LRS_PLOT_SAME_COLOR);
    lrs_plot_series(p, "b", v, v, 2, LRS_PLOT_LINE);
    assert_int_equal(p->series[0].color, 0);
    assert_int_equal(p->series[1].color, 0);
    assert_int_equal(p->series[2].color, 1);
    lrs_plot_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_ticks_decades),
        cmocka_unit_test(test_log_ticks_short_range),
        cmocka_unit_test(test_linear_ticks),
        cmocka_unit_test(test_format_tick),
        cmocka_unit_test(test_range_from_data_and_fixed),
        cmocka_unit_test(test_downsample_keeps_extremes),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_colors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
