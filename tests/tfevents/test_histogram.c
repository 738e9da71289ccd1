/* Histogram bucketing against torch's own output (tests/data/fixtures/tensorboard/
 * torch-mixed, written by add_histogram(bins='tensorflow')) and known answers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "histogram_internal.h"
#include "summary.pb-c.h"
#include "testutil.h"
#include "writer_testutil.h"

static int is_default_edge(double x, const double *edges, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (edges[i] == x) /* exact: the same doubles Python's v *= 1.1 makes */
            return 1;
    return 0;
}

static void default_edges_are_mirrored_powers_of_1_1(void **state)
{
    (void)state;
    size_t n;
    const double *e = histogram_default_edges(&n);
    assert_int_equal(n, 2 * 774 + 1);
    assert_true(e[774] == 0.0);
    assert_true(e[775] == 1e-12);
    assert_true(e[n - 1] < 1e20 && e[n - 1] * 1.1 >= 1e20);
    for (size_t i = 0; i < 774; i++)
        assert_true(e[i] == -e[n - 1 - i]);
    for (size_t i = 1; i < n; i++)
        assert_true(e[i] > e[i - 1]);
}

static void torch_fixture_limits_are_default_edges(void **state)
{
    (void)state;
    char path[512];
    test_data_path(path, sizeof path,
                   "fixtures/tensorboard/torch-mixed/events.out.tfevents.1717181717.fixturehost.4242.3");
    test_records r;
    assert_int_equal(test_records_read(&r, path), 0);
    size_t n_edges, checked = 0;
    const double *edges = histogram_default_edges(&n_edges);
    for (size_t i = 0; i < r.n; i++) {
        Tensorboard__Event *e = test_event(&r, i);
        assert_non_null(e);
        if (e->what_case == TENSORBOARD__EVENT__WHAT_SUMMARY &&
            !strcmp(e->summary->value[0]->tag, "weights/fc1")) {
            Tensorboard__HistogramProto *h = e->summary->value[0]->histo;
            for (size_t k = 0; k < h->n_bucket_limit; k++)
                assert_true(is_default_edge(h->bucket_limit[k], edges, n_edges));
            assert_true(h->bucket[0] == 0); /* torch's leading empty bucket */
            checked++;
        }
        tensorboard__event__free_unpacked(e, NULL);
    }
    assert_int_equal(checked, 3);
    test_records_free(&r);
}

static void one_value_gives_its_bucket_and_an_empty_one_before(void **state)
{
    (void)state;
    double limits[HISTOGRAM_MAX_BUCKETS], counts[HISTOGRAM_MAX_BUCKETS];
    lrs_histogram h;
    const double one = 1.0;
    assert_int_equal(histogram_from_values(&one, 1, limits, counts, &h, "t"), LRS_OK);
    assert_int_equal(h.n_buckets, 2);
    /* numpy bins are [left, right): 1.0 lies in [limits[0], limits[1]). */
    assert_true(limits[0] <= 1.0 && 1.0 < limits[1]);
    assert_true(fabs(limits[1] / limits[0] - 1.1) < 1e-9);
    assert_true(counts[0] == 0 && counts[1] == 1);
    assert_true(h.min == 1 && h.max == 1 && h.num == 1 && h.sum == 1 && h.sum_squares == 1);
}

static void zero_counts_in_the_bucket_right_of_zero(void **state)
{
    (void)state;
    double limits[HISTOGRAM_MAX_BUCKETS], counts[HISTOGRAM_MAX_BUCKETS];
    lrs_histogram h;
    const double x[] = {0.0, 0.0, -1e-13};
    assert_int_equal(histogram_from_values(x, 3, limits, counts, &h, "t"), LRS_OK);
    /* -1e-13 in [-1e-12, 0), zeros in [0, 1e-12): limits -1e-12 (empty), 0, 1e-12. */
    assert_int_equal(h.n_buckets, 3);
    assert_true(limits[0] == -1e-12 && limits[1] == 0.0 && limits[2] == 1e-12);
    assert_true(counts[0] == 0 && counts[1] == 1 && counts[2] == 2);
}

static void spread_values_keep_every_bucket_between(void **state)
{
    (void)state;
    double limits[HISTOGRAM_MAX_BUCKETS], counts[HISTOGRAM_MAX_BUCKETS];
    lrs_histogram h;
    const double x[] = {-2.0, 3.0, 1e30, -1e30};
    assert_int_equal(histogram_from_values(x, 4, limits, counts, &h, "t"), LRS_OK);
    size_t n_edges;
    histogram_default_edges(&n_edges);
    /* Beyond +-1e20 counts in the outermost buckets: everything is kept. */
    assert_int_equal(h.n_buckets, n_edges);
    double total = 0;
    for (size_t i = 0; i < h.n_buckets; i++)
        total += counts[i];
    assert_true(total == 4);
    assert_true(counts[1] == 1 && counts[h.n_buckets - 1] == 1);
    assert_int_equal(histogram_from_values(x, 0, limits, counts, &h, "t"), LRS_ERR_ARG);
    const double inf = INFINITY;
    assert_int_equal(histogram_from_values(&inf, 1, limits, counts, &h, "t"), LRS_ERR_NUMERIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_edges_are_mirrored_powers_of_1_1),
        cmocka_unit_test(torch_fixture_limits_are_default_edges),
        cmocka_unit_test(one_value_gives_its_bucket_and_an_empty_one_before),
        cmocka_unit_test(zero_counts_in_the_bucket_right_of_zero),
        cmocka_unit_test(spread_values_keep_every_bucket_between),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
