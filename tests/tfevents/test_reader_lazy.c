/* The lazy reader (options.lazy, lrs_reader_load_run, lrs_reader_release_run): a poll
 * lists runs and files but reads nothing; a load reads one run exactly as a full poll
 * does (points, restart rule, damage); a release forgets it and a second load gives the
 * same again without listing its damage twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_reader_util.h"
#include "testutil.h"

enum { BAD_RECORD = 509 }; /* damaged/data_crc: the offset of the record with a bad payload */

static const char *const fixtures[] = {"damaged", "multi-file", "tb-writer", "torch-mixed", "torch-scalars"};

static lrs_reader *open_reader(const char *rel, int raw, int lazy)
{
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.raw = raw;
    opt.lazy = lazy;
    size_t n_records = 99;
    lrs_reader *r = fixture_reader_with(rel, &opt, &n_records);
    if (lazy) assert_int_equal(n_records, 0);
    return r;
}

static void assert_same_items(const lrs_series *a, const lrs_series *b)
{
    for (size_t k = 0; k < lrs_series_len(a); k++) {
        const lrs_item *x = &lrs_series_items(a)[k], *y = &lrs_series_items(b)[k];
        assert_int_equal(x->step, y->step);
        assert_memory_equal(&x->wall_time, &y->wall_time, sizeof x->wall_time);
        assert_int_equal(x->len, y->len);
        if (x->len) assert_memory_equal(x->data, y->data, x->len);
        assert_int_equal(x->histogram.n_buckets, y->histogram.n_buckets);
    }
}

/* Every series of a and b: same tags, kinds and points, bit for bit. */
static void assert_same_run(const lrs_run *a, const lrs_run *b)
{
    assert_string_equal(lrs_run_name(a), lrs_run_name(b));
    assert_int_equal(lrs_run_series_count(a), lrs_run_series_count(b));
    for (size_t i = 0; i < lrs_run_series_count(a); i++) {
        const lrs_series *x = lrs_run_series(a, i), *y = lrs_run_series(b, i);
        assert_string_equal(lrs_series_tag(x), lrs_series_tag(y));
        assert_int_equal(lrs_series_kind(x), lrs_series_kind(y));
        assert_int_equal(lrs_series_len(x), lrs_series_len(y));
        if (lrs_series_kind(x) == LRS_KIND_SCALAR && lrs_series_len(x))
            assert_memory_equal(lrs_series_scalars(x), lrs_series_scalars(y), lrs_series_len(x) * sizeof(lrs_scalar));
        else
            assert_same_items(x, y);
    }
}

/* The same damage, in any order (a lazy reader meets it run by run). */
static void assert_same_damage(const lrs_reader *a, const lrs_reader *b)
{
    assert_int_equal(lrs_reader_damage_count(a), lrs_reader_damage_count(b));
    for (size_t i = 0; i < lrs_reader_damage_count(a); i++) {
        const lrs_damage *d = lrs_reader_damage(a, i);
        int found = 0;
        for (size_t k = 0; k < lrs_reader_damage_count(b) && !found; k++) {
            const lrs_damage *e = lrs_reader_damage(b, k);
            found = d->kind == e->kind && d->offset == e->offset && d->length == e->length &&
                    !strcmp(d->message, e->message);
        }
        if (!found) fail_msg("damage missing from the lazy reader: %s", d->message);
    }
}

static void lazy_poll_lists_runs_and_reads_nothing(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
        lrs_reader *eager = open_reader(fixtures[f], 0, 0), *lazy = open_reader(fixtures[f], 0, 1);
        assert_true(lrs_reader_run_count(lazy) > 0);
        assert_int_equal(lrs_reader_run_count(lazy), lrs_reader_run_count(eager));
        for (size_t i = 0; i < lrs_reader_run_count(lazy); i++) {
            const lrs_run *a = lrs_reader_run(eager, i), *b = lrs_reader_run(lazy, i);
            assert_string_equal(lrs_run_name(a), lrs_run_name(b));
            assert_int_equal(lrs_run_file_count(a), lrs_run_file_count(b));
            for (size_t k = 0; k < lrs_run_file_count(a); k++)
                assert_string_equal(lrs_run_file(a, k), lrs_run_file(b, k));
            assert_int_equal(lrs_run_series_count(b), 0);
        }
        assert_int_equal(lrs_reader_damage_count(lazy), 0);
        lrs_reader_close(eager);
        lrs_reader_close(lazy);
    }
}

/* Loading every run of a lazy reader gives what one poll of an eager reader gives, in the
 * default view (restart rule) and raw. */
static void load_reads_as_poll_does(void **state)
{
    (void)state;
    for (int raw = 0; raw <= 1; raw++)
        for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
            lrs_reader *eager = open_reader(fixtures[f], raw, 0), *lazy = open_reader(fixtures[f], raw, 1);
            for (size_t i = 0; i < lrs_reader_run_count(lazy); i++) {
                assert_int_equal(lrs_reader_load_run(lazy, i), LRS_OK);
                assert_same_run(lrs_reader_run(eager, i), lrs_reader_run(lazy, i));
            }
            assert_same_damage(eager, lazy);
            assert_same_damage(lazy, eager);
            lrs_reader_close(eager);
            lrs_reader_close(lazy);
        }
}

/* The restart rule holds across a lazy load: restart_v2 restarts, so its default view is
 * shorter than its raw records. */
static void load_applies_the_restart_rule(void **state)
{
    (void)state;
    lrs_reader *tb = open_reader("tb-writer", 0, 1), *raw = open_reader("tb-writer", 1, 1);
    const lrs_run *run = must_run(tb, "restart_v2"), *raw_run = must_run(raw, "restart_v2");
    size_t i = 0;
    while (lrs_reader_run(tb, i) != run) i++;
    assert_int_equal(lrs_reader_load_run(tb, i), LRS_OK);
    assert_int_equal(lrs_reader_load_run(raw, i), LRS_OK);
    size_t kept = 0, all = 0;
    for (size_t k = 0; k < lrs_run_series_count(run); k++) {
        const lrs_series *s = lrs_run_series(run, k);
        if (lrs_series_kind(s) != LRS_KIND_SCALAR) continue;
        kept += lrs_series_len(s);
        all += lrs_series_len(lrs_run_find(raw_run, lrs_series_tag(s)));
        for (size_t p = 1; p < lrs_series_len(s); p++) /* the default view is sorted by step */
            assert_true(lrs_series_scalars(s)[p - 1].step < lrs_series_scalars(s)[p].step);
    }
    assert_true(kept > 0);
    assert_true(kept < all);
    lrs_reader_close(tb);
    lrs_reader_close(raw);
}

static size_t run_index(const lrs_reader *r, const char *name)
{
    for (size_t i = 0; i < lrs_reader_run_count(r); i++)
        if (!strcmp(lrs_run_name(lrs_reader_run(r, i)), name)) return i;
    fail_msg("run '%s' not found", name);
    return 0;
}

/* data_crc: step 9's record is damaged: skipped, the 19 others kept, one damage entry. */
static void assert_data_crc_run(const lrs_reader *r, const lrs_run *run)
{
    const lrs_series *s = lrs_run_find(run, "tb/metric");
    assert_non_null(s);
    assert_int_equal(lrs_series_len(s), 19);
    for (size_t k = 0; k < 19; k++)
        assert_int_equal(lrs_series_scalars(s)[k].step, k < 9 ? (int64_t)k : (int64_t)k + 1);
    assert_int_equal(lrs_reader_damage_count(r), 1);
    assert_int_equal(lrs_reader_damage(r, 0)->kind, LRS_DAMAGE_DATA_CRC);
    assert_int_equal(lrs_reader_damage(r, 0)->offset, BAD_RECORD);
    assert_non_null(strstr(lrs_reader_damage(r, 0)->file, "data_crc/"));
}

/* A load reads that run only; a release frees it; loading it again gives the same points
 * and does not list the damage a second time. */
static void release_then_load_again(void **state)
{
    (void)state;
    lrs_reader *r = open_reader("damaged", 0, 1);
    size_t i = run_index(r, "data_crc");
    const lrs_run *run = lrs_reader_run(r, i);
    assert_int_equal(lrs_reader_load_run(r, i), LRS_OK);
    assert_data_crc_run(r, run);
    for (size_t k = 0; k < lrs_reader_run_count(r); k++)
        if (k != i) assert_int_equal(lrs_run_series_count(lrs_reader_run(r, k)), 0);
    assert_int_equal(lrs_reader_load_run(r, i), LRS_OK); /* loaded: nothing new to read */
    assert_data_crc_run(r, run);

    lrs_reader_release_run(r, i);
    assert_int_equal(lrs_run_series_count(run), 0);
    assert_null(lrs_run_find(run, "tb/metric"));
    assert_int_equal(lrs_run_file_count(run), 1);

    assert_int_equal(lrs_reader_load_run(r, i), LRS_OK);
    assert_data_crc_run(r, run);
    lrs_reader *eager = open_reader("damaged", 0, 0);
    assert_same_run(lrs_reader_run(eager, i), run);
    lrs_reader_close(eager);
    lrs_reader_close(r);
}

/* A file rewritten shorter while its run was released is damage of its own, listed. */
static void file_shrunk_after_release_is_listed(void **state)
{
    (void)state;
    char dir[256], src[1100], dst[512];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    test_data_path(src, sizeof src, "fixtures/tensorboard/damaged/intact/events.out.tfevents.1717211717.fixturehost.4242.0");
    snprintf(dst, sizeof dst, "%s/events.out.tfevents.1.host", dir);
    size_t len;
    uint8_t *bytes = read_all(src, &len);
    write_bytes(dst, bytes, len, 0);
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.lazy = 1;
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, dir, &opt), LRS_OK);
    assert_int_equal(lrs_reader_poll(r, NULL), LRS_OK);
    assert_int_equal(lrs_reader_load_run(r, 0), LRS_OK);
    assert_int_equal(lrs_series_len(lrs_run_find(lrs_reader_run(r, 0), "tb/metric")), 20);
    lrs_reader_release_run(r, 0);
    write_bytes(dst, bytes, len / 2, 0);
    assert_int_equal(lrs_reader_load_run(r, 0), LRS_OK);
    assert_int_equal(lrs_reader_damage_count(r), 2); /* shrank, then a torn tail at the cut */
    assert_int_equal(lrs_reader_damage(r, 0)->kind, LRS_DAMAGE_TRUNCATED);
    assert_int_equal(lrs_reader_damage(r, 0)->length, len - len / 2);
    assert_true(lrs_series_len(lrs_run_find(lrs_reader_run(r, 0), "tb/metric")) < 20);
    lrs_reader_close(r);
    free(bytes);
    assert_int_equal(test_rmtree(dir), 0);
}

static void load_of_no_run_fails(void **state)
{
    (void)state;
    lrs_reader *r = open_reader("multi-file", 0, 1);
    assert_int_equal(lrs_reader_load_run(r, lrs_reader_run_count(r)), LRS_ERR_ARG);
    assert_non_null(strstr(lrs_errmsg(), "lrs_reader_load_run"));
    lrs_reader_release_run(r, lrs_reader_run_count(r)); /* nothing to free: no crash */
    lrs_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lazy_poll_lists_runs_and_reads_nothing),
        cmocka_unit_test(load_reads_as_poll_does),
        cmocka_unit_test(load_applies_the_restart_rule),
        cmocka_unit_test(release_then_load_again),
        cmocka_unit_test(file_shrunk_after_release_is_listed),
        cmocka_unit_test(load_of_no_run_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
