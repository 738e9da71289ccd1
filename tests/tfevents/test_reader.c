/* The reader on every TensorBoard fixture, point for point: raw mode against raw.json,
 * the default view against raw.json under the restart rule, the other kinds of
 * torch-mixed and the TF2 tensor scalars of tb-writer against expected.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.pb-c.h"
#include "plugin_custom_scalars.pb-c.h"
#include "summary.pb-c.h"
#include "test_reader_util.h"
#include "testutil.h"

static const char *const scalar_fixtures[] = {"multi-file", "tb-writer", "torch-mixed",
                                              "torch-scalars"};

static size_t scalar_series_count(const lrs_run *run)
{
    size_t n = 0;
    for (size_t i = 0; i < lrs_run_series_count(run); i++)
        n += lrs_series_kind(lrs_run_series(run, i)) == LRS_KIND_SCALAR;
    return n;
}

/* Every run and tag of raw.json, as the reader gives it (raw, or under the rule). */
static void check_fixture(const char *name, int raw)
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s/raw.json", name);
    cJSON *json = fixture_json(rel);
    lrs_reader *r = fixture_reader(name, raw);
    const cJSON *runs = cJSON_GetObjectItem(json, "runs"), *run_json, *tag;
    assert_int_equal(lrs_reader_run_count(r), (size_t)cJSON_GetArraySize(runs));
    cJSON_ArrayForEach(run_json, runs) {
        const lrs_run *run = must_run(r, run_json->string);
        assert_int_equal(scalar_series_count(run), (size_t)cJSON_GetArraySize(run_json));
        cJSON_ArrayForEach(tag, run_json) {
            cJSON *expected = raw ? cJSON_Duplicate(tag, 1) : restart_rule(tag);
            assert_points(lrs_run_find(run, tag->string), expected);
            cJSON_Delete(expected);
        }
    }
    assert_int_equal(lrs_reader_damage_count(r), 0);
    lrs_reader_close(r);
    cJSON_Delete(json);
}

static void raw_mode_matches_raw_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scalar_fixtures / sizeof *scalar_fixtures; i++)
        check_fixture(scalar_fixtures[i], 1);
}

static void default_view_applies_restart_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scalar_fixtures / sizeof *scalar_fixtures; i++)
        check_fixture(scalar_fixtures[i], 0);
    /* the rule matters here: the resumed file replaces steps 100..119 of the first */
    lrs_reader *r = fixture_reader("multi-file", 0);
    const lrs_series *loss = lrs_run_find(must_run(r, "."), "train/loss");
    assert_int_equal(lrs_series_len(loss), 200);
    assert_int_equal(lrs_series_scalars(loss)[100].file, 1);
    assert_int_equal(lrs_series_scalars(loss)[99].file, 0);
    lrs_reader_close(r);
}

/* tb-writer/basic: each TF2 dtype becomes a scalar stored as it was written; a tensor
 * that never had metadata is not a scalar (TensorBoard lists it with no plugin). */
static void tf2_tensor_scalars_by_dtype(void **state)
{
    (void)state;
    cJSON *json = fixture_json("tb-writer/expected.json");
    const cJSON *basic = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "runs"), "basic");
    const cJSON *scalars = cJSON_GetObjectItem(basic, "scalars");
    lrs_reader *r = fixture_reader("tb-writer", 0);
    const lrs_run *run = must_run(r, "basic");
    static const struct { const char *tag; uint32_t is_double; } cases[] = {
        {"tb/legacy_simple", 0}, {"tb/tf2_float", 0}, {"tb/tf2_content_f32", 0},
        {"tb/tf2_double", 1}, {"tb/tf2_int64", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const lrs_series *s = lrs_run_find(run, cases[i].tag);
        assert_points(s, cJSON_GetObjectItem(scalars, cases[i].tag));
        for (size_t k = 0; k < lrs_series_len(s); k++)
            assert_int_equal(lrs_series_scalars(s)[k].is_double, cases[i].is_double);
    }
    assert_null(cJSON_GetObjectItem(scalars, "tb/no_metadata"));
    const lrs_series *other = lrs_run_find(run, "tb/no_metadata");
    assert_int_equal(lrs_series_kind(other), LRS_KIND_OTHER);
    assert_int_equal(lrs_series_len(other), 30);
    assert_null(lrs_series_scalars(other));
    assert_true(lrs_series_items(other)[0].len > 0);
    lrs_reader_close(r);
    cJSON_Delete(json);
}

static void histograms_match_expected(const lrs_run *run, const cJSON *raw_histo)
{
    const cJSON *tag, *h;
    cJSON_ArrayForEach(tag, raw_histo) {
        const lrs_series *s = lrs_run_find(run, tag->string);
        assert_int_equal(lrs_series_kind(s), LRS_KIND_HISTOGRAM);
        assert_int_equal(lrs_series_len(s), (size_t)cJSON_GetArraySize(tag));
        size_t k = 0;
        cJSON_ArrayForEach(h, tag) {
            const lrs_item *it = &lrs_series_items(s)[k++];
            const lrs_histogram *hist = &it->histogram;
            assert_int_equal(it->step, (int64_t)cJSON_GetObjectItem(h, "step")->valuedouble);
            assert_true(it->wall_time == cJSON_GetObjectItem(h, "wall_time")->valuedouble);
            assert_true(hist->min == cJSON_GetObjectItem(h, "min")->valuedouble);
            assert_true(hist->max == cJSON_GetObjectItem(h, "max")->valuedouble);
            assert_true(hist->num == cJSON_GetObjectItem(h, "num")->valuedouble);
            assert_true(hist->sum == cJSON_GetObjectItem(h, "sum")->valuedouble);
            assert_true(hist->sum_squares == cJSON_GetObjectItem(h, "sum_squares")->valuedouble);
            const cJSON *limits = cJSON_GetObjectItem(h, "bucket_limit");
            const cJSON *counts = cJSON_GetObjectItem(h, "bucket");
            assert_int_equal(hist->n_buckets, (size_t)cJSON_GetArraySize(limits));
            for (size_t b = 0; b < hist->n_buckets; b++) {
                assert_true(hist->bucket_limit[b] == cJSON_GetArrayItem(limits, (int)b)->valuedouble);
                assert_true(hist->bucket[b] == cJSON_GetArrayItem(counts, (int)b)->valuedouble);
            }
        }
    }
}

static void texts_and_images_match_expected(const lrs_run *run, const cJSON *root)
{
    const cJSON *text = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "text"), "notes/text_summary");
    const lrs_series *s = lrs_run_find(run, "notes/text_summary");
    assert_int_equal(lrs_series_kind(s), LRS_KIND_TEXT);
    assert_int_equal(lrs_series_len(s), (size_t)cJSON_GetArraySize(text));
    for (int k = 0; k < cJSON_GetArraySize(text); k++) {
        const cJSON *e = cJSON_GetArrayItem(text, k);
        assert_int_equal(lrs_series_items(s)[k].step, (int64_t)cJSON_GetObjectItem(e, "step")->valuedouble);
        assert_string_equal(lrs_series_items(s)[k].data,
                            cJSON_GetArrayItem(cJSON_GetObjectItem(e, "text"), 0)->valuestring);
    }
    const cJSON *images = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "images"), "samples/input");
    s = lrs_run_find(run, "samples/input");
    assert_int_equal(lrs_series_kind(s), LRS_KIND_IMAGE);
    assert_int_equal(lrs_series_len(s), (size_t)cJSON_GetArraySize(images));
    for (int k = 0; k < cJSON_GetArraySize(images); k++) {
        const cJSON *e = cJSON_GetArrayItem(images, k);
        const lrs_item *it = &lrs_series_items(s)[k];
        const cJSON *img = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "images"), 0);
        assert_int_equal(it->step, (int64_t)cJSON_GetObjectItem(e, "step")->valuedouble);
        assert_int_equal(it->width, cJSON_GetObjectItem(e, "width")->valueint);
        assert_int_equal(it->height, cJSON_GetObjectItem(e, "height")->valueint);
        assert_int_equal(it->len, (size_t)cJSON_GetObjectItem(img, "encoded_len")->valueint);
        assert_memory_equal(it->data, "\x89PNG\r\n\x1a\n", 8);
    }
}

static void layout_matches_expected(const lrs_run *run)
{
    const lrs_series *s = lrs_run_find(run, "custom_scalars__config__");
    assert_int_equal(lrs_series_kind(s), LRS_KIND_LAYOUT);
    assert_int_equal(lrs_series_len(s), 1);
    const lrs_item *it = lrs_series_items(s);
    Tensorboard__Layout *layout = tensorboard__layout__unpack(NULL, it->len, it->data);
    assert_non_null(layout);
    assert_int_equal(layout->n_category, 2);
    assert_string_equal(layout->category[0]->title, "Losses");
    assert_string_equal(layout->category[1]->title, "LR");
    const Tensorboard__Chart *chart = layout->category[0]->chart[0];
    assert_string_equal(chart->title, "train vs val");
    assert_int_equal(chart->content_case, TENSORBOARD__CHART__CONTENT_MULTILINE);
    assert_int_equal(chart->multiline->n_tag, 2);
    assert_string_equal(chart->multiline->tag[0], "train/loss");
    assert_string_equal(chart->multiline->tag[1], "loss/train");
    tensorboard__layout__free_unpacked(layout, NULL);
}

static void hparams_match_expected(const lrs_run *run, const cJSON *hparams)
{
    const cJSON *tag;
    cJSON_ArrayForEach(tag, hparams) {
        const lrs_series *s = lrs_run_find(run, tag->string);
        assert_int_equal(lrs_series_kind(s), LRS_KIND_HPARAMS);
        assert_int_equal(lrs_series_len(s), 1);
        assert_int_equal(lrs_series_items(s)[0].len,
                         (size_t)cJSON_GetObjectItem(tag, "content_len")->valueint);
    }
    /* PyTorch's add_hparams, read back: every value TensorBoard parsed, sorted by name */
    const cJSON *want = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(hparams, "_hparams_/session_start_info"), "parsed"), "session_start_info"), "hparams");
    lrs_hparams *h;
    assert_int_equal(lrs_run_hparams(run, &h), LRS_OK);
    assert_int_equal(lrs_hparams_count(h), (size_t)cJSON_GetArraySize(want));
    assert_int_equal(lrs_hparams_count(h), 3);
    const cJSON *v;
    cJSON_ArrayForEach(v, want) {
        const lrs_hparam *got = lrs_hparams_find(h, v->string);
        assert_non_null(got);
        if (cJSON_IsString(v)) {
            assert_int_equal(got->kind, LRS_HPARAM_STRING);
            assert_string_equal(got->string, v->valuestring);
        } else {
            assert_int_equal(got->kind, LRS_HPARAM_NUMBER);
            assert_true(got->number == v->valuedouble);
        }
    }
    assert_string_equal(lrs_hparams_at(h, 0)->name, "batch_size");
    assert_string_equal(lrs_hparams_at(h, 2)->name, "optimizer");
    assert_null(lrs_hparams_find(h, "momentum"));
    lrs_hparams_free(h);
}

static void torch_mixed_kinds_match_expected(void **state)
{
    (void)state;
    cJSON *json = fixture_json("torch-mixed/expected.json");
    const cJSON *runs = cJSON_GetObjectItem(json, "runs");
    const cJSON *root = cJSON_GetObjectItem(runs, ".");
    lrs_reader *r = fixture_reader("torch-mixed", 0);
    const lrs_run *run = must_run(r, ".");
    histograms_match_expected(run, cJSON_GetObjectItem(root, "raw_legacy_histo"));
    texts_and_images_match_expected(run, root);
    layout_matches_expected(run);
    /* every tag TensorBoard lists, and no other */
    assert_int_equal(lrs_run_series_count(run), (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(root, "tags")));
    const lrs_run *hp = must_run(r, "hp");
    const cJSON *hp_json = cJSON_GetObjectItem(runs, "hp");
    hparams_match_expected(hp, cJSON_GetObjectItem(hp_json, "hparams"));
    lrs_hparams *none;
    assert_int_equal(lrs_run_hparams(run, &none), LRS_OK); /* the root run has none */
    assert_null(none);
    assert_int_equal(lrs_run_series_count(hp), (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(hp_json, "tags")));
    lrs_reader_close(r);
    cJSON_Delete(json);
}

static void series_and_runs_are_sorted(void **state)
{
    (void)state;
    lrs_reader *r = fixture_reader("tb-writer", 1);
    for (size_t i = 1; i < lrs_reader_run_count(r); i++)
        assert_true(strcmp(lrs_run_name(lrs_reader_run(r, i - 1)), lrs_run_name(lrs_reader_run(r, i))) < 0);
    const lrs_run *run = must_run(r, "basic");
    for (size_t i = 1; i < lrs_run_series_count(run); i++)
        assert_true(strcmp(lrs_series_tag(lrs_run_series(run, i - 1)), lrs_series_tag(lrs_run_series(run, i))) < 0);
    assert_null(lrs_run_find(run, "tb/absent"));
    assert_string_equal(lrs_kind_name(LRS_KIND_HISTOGRAM), "histogram");
    lrs_reader_close(r);
}

static void a_single_file_is_a_run(void **state)
{
    (void)state;
    lrs_reader *r = fixture_reader("tb-writer/restart_v2/events.out.tfevents.1717191717.fixturehost.1.0", 1);
    assert_int_equal(lrs_reader_run_count(r), 1);
    const lrs_run *run = must_run(r, ".");
    assert_int_equal(lrs_run_file_count(run), 1);
    assert_int_equal(lrs_series_len(lrs_run_find(run, "tb/a")), 25);
    lrs_reader_close(r);
}

/* A session start whose HParams content is not a HParamsPluginData: the run still reads,
 * and lrs_run_hparams says what is wrong instead of making something up. */
static void hparams_that_do_not_parse_are_refused(void **state)
{
    (void)state;
    static const uint8_t garbage[] = {0xff, 0xff, 0xff};
    Tensorboard__SummaryMetadata__PluginData plugin = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
    plugin.plugin_name = "hparams";
    plugin.content = (ProtobufCBinaryData){sizeof garbage, (uint8_t *)garbage};
    Tensorboard__SummaryMetadata meta = TENSORBOARD__SUMMARY_METADATA__INIT;
    meta.plugin_data = &plugin;
    Tensorboard__TensorProto tensor = TENSORBOARD__TENSOR_PROTO__INIT;
    tensor.dtype = TENSORBOARD__DATA_TYPE__DT_FLOAT;
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = "_hparams_/session_start_info";
    value.metadata = &meta;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
    value.tensor = &tensor;
    Tensorboard__Summary__Value *values[] = {&value};
    Tensorboard__Summary summary = TENSORBOARD__SUMMARY__INIT;
    summary.n_value = 1;
    summary.value = values;
    Tensorboard__Event event = TENSORBOARD__EVENT__INIT;
    event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
    event.summary = &summary;
    uint8_t record[512];
    uint64_t n = tensorboard__event__get_packed_size(&event);
    assert_true(n + 16 <= sizeof record);
    memcpy(record, &n, 8);
    uint32_t crc = lrs_crc32c_mask(lrs_crc32c(0, record, 8));
    memcpy(record + 8, &crc, 4);
    tensorboard__event__pack(&event, record + 12);
    crc = lrs_crc32c_mask(lrs_crc32c(0, record + 12, n));
    memcpy(record + 12 + n, &crc, 4);

    char dir[256], path[400];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/events.out.tfevents.1.host", dir);
    write_bytes(path, record, 16 + n, 0);
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, dir, NULL), LRS_OK);
    assert_int_equal(lrs_reader_poll(r, NULL), LRS_OK);
    lrs_hparams *h = (lrs_hparams *)1;
    assert_int_equal(lrs_run_hparams(must_run(r, "."), &h), LRS_ERR_FORMAT);
    assert_null(h);
    assert_non_null(strstr(lrs_errmsg(), "HParams session start does not parse"));
    lrs_reader_close(r);
    assert_int_equal(test_rmtree(dir), 0);
}

static void missing_path_is_not_found(void **state)
{
    (void)state;
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, "/nonexistent/lrs-logdir", NULL), LRS_ERR_NOTFOUND);
    assert_non_null(strstr(lrs_errmsg(), "/nonexistent/lrs-logdir"));
    assert_int_equal(lrs_reader_open(NULL, "x", NULL), LRS_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raw_mode_matches_raw_json),
        cmocka_unit_test(default_view_applies_restart_rule),
        cmocka_unit_test(tf2_tensor_scalars_by_dtype),
        cmocka_unit_test(torch_mixed_kinds_match_expected),
        cmocka_unit_test(series_and_runs_are_sorted),
        cmocka_unit_test(a_single_file_is_a_run),
        cmocka_unit_test(missing_path_is_not_found),
        cmocka_unit_test(hparams_that_do_not_parse_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
