/* The writer's file: its name, its first record, and every summary kind read back with
 * protobuf-c (values, tags, steps, metadata, plugin names, PNG bytes). */
#include <math.h>
#include <png.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugin_custom_scalars.pb-c.h"
#include "plugin_hparams.pb-c.h"
#include "summary.pb-c.h"
#include "testutil.h"
#include "writer_testutil.h"

typedef struct {
    char dir[256];
    char file[512];
    lrs_writer *w;
    test_records rec;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(test_tmpdir(f->dir, sizeof f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_records_free(&f->rec);
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Closes the writer and splits its file; every record must be whole and intact. */
static void close_and_read(fixture *f)
{
    snprintf(f->file, sizeof f->file, "%s", lrs_writer_path(f->w));
    assert_int_equal(lrs_writer_close(f->w), LRS_OK);
    f->w = NULL;
    assert_int_equal(test_records_read(&f->rec, f->file), 0);
    assert_false(f->rec.bad_crc);
    assert_int_equal(f->rec.valid_bytes, f->rec.len);
}

/* The only value of event i (which must be a summary with one value). */
static Tensorboard__Summary__Value *value_of(Tensorboard__Event *e)
{
    assert_non_null(e);
    assert_int_equal(e->what_case, TENSORBOARD__EVENT__WHAT_SUMMARY);
    assert_int_equal(e->summary->n_value, 1);
    return e->summary->value[0];
}

static void file_name_is_time_host_pid_counter(void **state)
{
    fixture *f = *state;
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/a/b/c", f->dir); /* parents are created */
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.filename_suffix = ".v2";
    time_t before = time(NULL);
    assert_int_equal(lrs_writer_open(&f->w, logdir, &opt), LRS_OK);
    lrs_writer *second;
    assert_int_equal(lrs_writer_open(&second, logdir, &opt), LRS_OK);
    time_t after = time(NULL);

    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char pattern[1200];
    snprintf(pattern, sizeof pattern, "^%s/events\\.out\\.tfevents\\.([0-9]{10})\\.%s\\.%ld\\.([0-9]+)\\.v2$",
             logdir, host, (long)getpid());
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED), 0);
    regmatch_t m[3];
    const char *p1 = lrs_writer_path(f->w), *p2 = lrs_writer_path(second);
    assert_int_equal(regexec(&re, p1, 3, m, 0), 0);
    long long secs = strtoll(p1 + m[1].rm_so, NULL, 10);
    assert_true(secs >= before && secs <= after);
    unsigned n1 = (unsigned)strtoul(p1 + m[2].rm_so, NULL, 10);
    assert_int_equal(regexec(&re, p2, 3, m, 0), 0);
    unsigned n2 = (unsigned)strtoul(p2 + m[2].rm_so, NULL, 10);
    assert_true(n2 > n1); /* never the same file */
    assert_string_not_equal(p1, p2);
    regfree(&re);
    assert_int_equal(lrs_writer_close(second), LRS_OK);
    close_and_read(f);
}

static void first_record_is_file_version_flushed_at_open(void **state)
{
    fixture *f = *state;
    struct timespec t0;
    clock_gettime(CLOCK_REALTIME, &t0);
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    /* Readable before any flush or close. */
    test_records r;
    assert_int_equal(test_records_read(&r, lrs_writer_path(f->w)), 0);
    assert_int_equal(r.n, 1);
    Tensorboard__Event *e = test_event(&r, 0);
    assert_non_null(e);
    assert_int_equal(e->what_case, TENSORBOARD__EVENT__WHAT_FILE_VERSION);
    assert_string_equal(e->file_version, "brain.Event:2");
    assert_true(fabs(e->wall_time - (t0.tv_sec + t0.tv_nsec * 1e-9)) < 5.0);
    assert_int_equal(e->step, 0);
    tensorboard__event__free_unpacked(e, NULL);
    test_records_free(&r);
    close_and_read(f);
    assert_int_equal(f->rec.n, 1);
}

static void scalars_round_trip_with_nan_and_infinities(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const double values[] = {0.25, -1.5e-3, NAN, INFINITY, -INFINITY, 3.0e38, 0.0};
    const int n = sizeof values / sizeof values[0];
    for (int i = 0; i < n; i++)
        assert_int_equal(lrs_writer_add_scalar(f->w, "train/loss", i * 10 - 5, values[i]), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar_at(f->w, "train/lr", 123456789012LL, 0.1, 1717181717.25),
                     LRS_OK);
    close_and_read(f);
    assert_int_equal(f->rec.n, 1 + n + 1);
    for (int i = 0; i < n; i++) {
        Tensorboard__Event *e = test_event(&f->rec, 1 + i);
        Tensorboard__Summary__Value *v = value_of(e);
        assert_string_equal(v->tag, "train/loss");
        assert_int_equal(e->step, i * 10 - 5);
        assert_int_equal(v->value_case, TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE);
        assert_true(isfinite(e->wall_time) && e->wall_time > 1.6e9);
        float want = (float)values[i];
        if (isnan(want))
            assert_true(isnan(v->simple_value));
        else
            assert_true(v->simple_value == want);
        tensorboard__event__free_unpacked(e, NULL);
    }
    Tensorboard__Event *e = test_event(&f->rec, 1 + n);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "train/lr");
    assert_int_equal(e->step, 123456789012LL);
    assert_true(e->wall_time == 1717181717.25);
    assert_true(v->simple_value == 0.1f);
    tensorboard__event__free_unpacked(e, NULL);
}

/* Short tags are encoded on the stack and copied in, long ones (over 206 bytes) in the
 * buffer; a record longer than a buffer half grows it. A tag the caller changes in place
 * between calls is read anew each time. */
static void tags_of_every_length_and_changed_in_place_round_trip(void **state)
{
    fixture *f = *state;
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.buffer_bytes = 512; /* halves of 256: the 300- and 1000-byte tags outgrow them */
    assert_int_equal(lrs_writer_open(&f->w, f->dir, &opt), LRS_OK);
    static const size_t lens[] = {1, 205, 206, 207, 300, 1000};
    enum { N_LENS = sizeof lens / sizeof *lens };
    char tag[1001];
    for (size_t i = 0; i < N_LENS; i++) {
        memset(tag, 'a' + (int)i, lens[i]);
        tag[lens[i]] = '\0';
        assert_int_equal(lrs_writer_add_scalar(f->w, tag, (int64_t)i, 0.5 * (double)i), LRS_OK);
    }
    char same_len[] = "loss/a";
    assert_int_equal(lrs_writer_add_scalar(f->w, same_len, 10, 1.0), LRS_OK);
    same_len[5] = 'b'; /* same pointer, same length, other bytes */
    assert_int_equal(lrs_writer_add_scalar(f->w, same_len, 11, 2.0), LRS_OK);
    close_and_read(f);
    assert_int_equal(f->rec.n, 1 + N_LENS + 2);
    for (size_t i = 0; i < N_LENS; i++) {
        Tensorboard__Event *e = test_event(&f->rec, 1 + i);
        Tensorboard__Summary__Value *v = value_of(e);
        assert_int_equal(strlen(v->tag), lens[i]);
        assert_true(v->tag[0] == 'a' + (int)i && v->tag[lens[i] - 1] == 'a' + (int)i);
        assert_int_equal(e->step, (int64_t)i);
        assert_true(v->simple_value == (float)(0.5 * (double)i));
        tensorboard__event__free_unpacked(e, NULL);
    }
    const char *want[] = {"loss/a", "loss/b"};
    for (int i = 0; i < 2; i++) {
        Tensorboard__Event *e = test_event(&f->rec, 1 + N_LENS + (size_t)i);
        assert_string_equal(value_of(e)->tag, want[i]);
        assert_int_equal(e->step, 10 + i);
        tensorboard__event__free_unpacked(e, NULL);
    }
}

static void set_wall_time_applies_until_reset(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    assert_int_equal(lrs_writer_set_wall_time(f->w, 1000.5), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar(f->w, "a", 1, 1.0), LRS_OK);
    assert_int_equal(lrs_writer_add_text(f->w, "t", 1, "x"), LRS_OK);
    assert_int_equal(lrs_writer_set_wall_time(f->w, NAN), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar(f->w, "a", 2, 2.0), LRS_OK);
    assert_int_equal(lrs_writer_set_wall_time(f->w, INFINITY), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 4);
    double want[] = {1000.5, 1000.5};
    for (int i = 0; i < 2; i++) {
        Tensorboard__Event *e = test_event(&f->rec, 1 + i);
        assert_true(e->wall_time == want[i]);
        tensorboard__event__free_unpacked(e, NULL);
    }
    Tensorboard__Event *e = test_event(&f->rec, 3);
    assert_true(e->wall_time > 1.6e9 && !isnan(e->wall_time));
    tensorboard__event__free_unpacked(e, NULL);
}

static void tensor_scalar_has_scalars_plugin_metadata(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    assert_int_equal(lrs_writer_add_tensor_scalar(f->w, "eval/acc", 7, 0.875), LRS_OK);
    close_and_read(f);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "eval/acc");
    assert_int_equal(e->step, 7);
    assert_int_equal(v->value_case, TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR);
    assert_int_equal(v->tensor->dtype, TENSORBOARD__DATA_TYPE__DT_FLOAT);
    assert_int_equal(v->tensor->tensor_shape->n_dim, 0); /* rank 0 */
    assert_int_equal(v->tensor->n_float_val, 1);
    assert_true(v->tensor->float_val[0] == 0.875f);
    assert_string_equal(v->metadata->plugin_data->plugin_name, "scalars");
    assert_int_equal(v->metadata->plugin_data->content.len, 0); /* PluginVersionData{0} */
    assert_int_equal(v->metadata->data_class, TENSORBOARD__DATA_CLASS__DATA_CLASS_SCALAR);
    tensorboard__event__free_unpacked(e, NULL);
}

static void text_is_a_string_tensor_for_the_text_plugin(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const char *md = "lr=0.001 **markdown** ünïcödé";
    assert_int_equal(lrs_writer_add_text(f->w, "notes", 3, md), LRS_OK);
    close_and_read(f);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "notes");
    assert_int_equal(e->step, 3);
    assert_int_equal(v->tensor->dtype, TENSORBOARD__DATA_TYPE__DT_STRING);
    assert_int_equal(v->tensor->n_string_val, 1);
    assert_int_equal(v->tensor->string_val[0].len, strlen(md));
    assert_memory_equal(v->tensor->string_val[0].data, md, strlen(md));
    assert_string_equal(v->metadata->plugin_data->plugin_name, "text");
    tensorboard__event__free_unpacked(e, NULL);
}

static void histogram_buckets_round_trip(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const double limits[] = {-1.0, 0.0, 1.0, 2.0};
    const double counts[] = {0, 3, 4, 1};
    lrs_histogram h = {.min = -0.5, .max = 1.5, .num = 8, .sum = 3.0, .sum_squares = 4.5,
                       .bucket_limit = limits, .bucket = counts, .n_buckets = 4};
    assert_int_equal(lrs_writer_add_histogram_buckets(f->w, "w/fc1", 50, &h), LRS_OK);
    const double bad_limits[] = {1.0, 1.0};
    h.bucket_limit = bad_limits;
    h.n_buckets = 2;
    assert_int_equal(lrs_writer_add_histogram_buckets(f->w, "w/fc1", 51, &h), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 2);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "w/fc1");
    assert_int_equal(e->step, 50);
    assert_int_equal(v->value_case, TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO);
    assert_null(v->metadata); /* legacy histo, as torch writes it */
    Tensorboard__HistogramProto *p = v->histo;
    assert_true(p->min == -0.5 && p->max == 1.5 && p->num == 8 && p->sum == 3.0 &&
                p->sum_squares == 4.5);
    assert_int_equal(p->n_bucket_limit, 4);
    assert_int_equal(p->n_bucket, 4);
    assert_memory_equal(p->bucket_limit, limits, sizeof limits);
    assert_memory_equal(p->bucket, counts, sizeof counts);
    tensorboard__event__free_unpacked(e, NULL);
}

static void histogram_of_values_keeps_stats(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const double x[] = {0.5, -2.0, 1.0, 1.0, 0.0};
    assert_int_equal(lrs_writer_add_histogram(f->w, "w", 1, x, 5), LRS_OK);
    const double bad[] = {1.0, NAN};
    assert_int_equal(lrs_writer_add_histogram(f->w, "w", 2, bad, 2), LRS_ERR_NUMERIC);
    assert_int_equal(lrs_writer_add_histogram(f->w, "w", 2, x, 0), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 2);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__HistogramProto *p = value_of(e)->histo;
    assert_true(p->min == -2.0 && p->max == 1.0 && p->num == 5 && p->sum == 0.5 &&
                p->sum_squares == 6.25);
    double total = 0;
    for (size_t i = 0; i < p->n_bucket; i++)
        total += p->bucket[i];
    assert_true(total == 5);
    assert_true(p->bucket[0] == 0); /* the empty bucket that carries the left edge */
    tensorboard__event__free_unpacked(e, NULL);
}

/* Decodes PNG bytes with libpng; returns width/height/channels. */
static void png_decode_size(const uint8_t *png, size_t len, int *w, int *h, int *channels,
                            uint8_t *pixels, size_t pixels_len)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&image, png, len));
    *w = (int)image.width;
    *h = (int)image.height;
    *channels = (int)PNG_IMAGE_PIXEL_CHANNELS(image.format);
    assert_true(PNG_IMAGE_SIZE(image) <= pixels_len);
    assert_true(png_image_finish_read(&image, NULL, pixels, 0, NULL));
}

static void image_pixels_are_encoded_as_png(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    enum { W = 6, H = 8, C = 3 };
    uint8_t pixels[W * H * C];
    for (int i = 0; i < W * H * C; i++)
        pixels[i] = (uint8_t)(i * 7);
    assert_int_equal(lrs_writer_add_image_pixels(f->w, "samples/input", 1, pixels, W, H, C), LRS_OK);
    assert_int_equal(lrs_writer_add_image_pixels(f->w, "samples/input", 2, pixels, W, H, 5), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_add_image_pixels(f->w, "samples/input", 2, NULL, W, H, 3), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 2);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "samples/input");
    assert_int_equal(e->step, 1);
    assert_int_equal(v->value_case, TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE);
    Tensorboard__Summary__Image *img = v->image;
    assert_int_equal(img->width, W);
    assert_int_equal(img->height, H);
    assert_int_equal(img->colorspace, 3);
    assert_memory_equal(img->encoded_image_string.data, "\x89PNG\r\n\x1a\n", 8);
    int w, h, c;
    uint8_t back[W * H * C];
    png_decode_size(img->encoded_image_string.data, img->encoded_image_string.len, &w, &h, &c,
                    back, sizeof back);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    assert_int_equal(c, C);
    assert_memory_equal(back, pixels, sizeof pixels);
    tensorboard__event__free_unpacked(e, NULL);
}

static void image_png_bytes_are_kept_as_given(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const uint8_t fake[] = "\x89PNG\r\n\x1a\nnot really";
    assert_int_equal(lrs_writer_add_image_png(f->w, "img", 4, fake, sizeof fake, 2, 3, 4), LRS_OK);
    close_and_read(f);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Image *img = value_of(e)->image;
    assert_int_equal(img->width, 2);
    assert_int_equal(img->height, 3);
    assert_int_equal(img->colorspace, 4);
    assert_int_equal(img->encoded_image_string.len, sizeof fake);
    assert_memory_equal(img->encoded_image_string.data, fake, sizeof fake);
    tensorboard__event__free_unpacked(e, NULL);
}

/* The HParamsPluginData of the value in event i, after checking the common parts. */
static Tensorboard__HParamsPluginData *hparams_data(fixture *f, size_t i, const char *tag)
{
    Tensorboard__Event *e = test_event(&f->rec, i);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, tag);
    assert_string_equal(v->metadata->plugin_data->plugin_name, "hparams");
    /* TensorBoard's NULL_TENSOR: DT_FLOAT, shape [0], no values. */
    assert_int_equal(v->value_case, TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR);
    assert_int_equal(v->tensor->dtype, TENSORBOARD__DATA_TYPE__DT_FLOAT);
    assert_int_equal(v->tensor->tensor_shape->n_dim, 1);
    assert_int_equal(v->tensor->tensor_shape->dim[0]->size, 0);
    assert_int_equal(v->tensor->n_float_val, 0);
    ProtobufCBinaryData c = v->metadata->plugin_data->content;
    Tensorboard__HParamsPluginData *d = tensorboard__hparams_plugin_data__unpack(NULL, c.len, c.data);
    assert_non_null(d);
    assert_int_equal(d->version, 0);
    tensorboard__event__free_unpacked(e, NULL);
    return d;
}

static void hparams_write_experiment_session_start_and_end(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const lrs_hparam hp[] = {
        {.name = "lr", .kind = LRS_HPARAM_NUMBER, .number = 0.001},
        {.name = "optimizer", .kind = LRS_HPARAM_STRING, .string = "adam"},
        {.name = "nesterov", .kind = LRS_HPARAM_BOOL, .boolean = 1},
    };
    const char *metrics[] = {"val/accuracy"};
    assert_int_equal(lrs_writer_add_hparams(f->w, hp, 3, metrics, 1), LRS_OK);
    assert_int_equal(lrs_writer_end_hparams(f->w, 1), LRS_OK);
    const lrs_hparam bad = {.name = "x", .kind = LRS_HPARAM_NUMBER, .number = NAN};
    assert_int_equal(lrs_writer_add_hparams(f->w, &bad, 1, metrics, 1), LRS_ERR_NUMERIC);
    close_and_read(f);
    assert_int_equal(f->rec.n, 4);

    Tensorboard__HParamsPluginData *d = hparams_data(f, 1, "_hparams_/experiment");
    assert_int_equal(d->data_case, TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT);
    Tensorboard__Experiment *x = d->experiment;
    assert_int_equal(x->n_hparam_infos, 3);
    assert_string_equal(x->hparam_infos[0]->name, "lr");
    assert_int_equal(x->hparam_infos[0]->type, TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_FLOAT64);
    assert_string_equal(x->hparam_infos[1]->name, "optimizer");
    assert_int_equal(x->hparam_infos[1]->type, TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_STRING);
    assert_int_equal(x->hparam_infos[2]->type, TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_BOOL);
    assert_int_equal(x->n_metric_infos, 1);
    assert_string_equal(x->metric_infos[0]->name->tag, "val/accuracy");
    assert_true(x->time_created_secs > 1.6e9);
    tensorboard__hparams_plugin_data__free_unpacked(d, NULL);

    d = hparams_data(f, 2, "_hparams_/session_start_info");
    assert_int_equal(d->data_case, TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO);
    Tensorboard__SessionStartInfo *s = d->session_start_info;
    assert_int_equal(s->n_hparams, 3);
    assert_string_equal(s->hparams[0]->key, "lr");
    assert_true(s->hparams[0]->value->number_value == 0.001);
    assert_string_equal(s->hparams[1]->value->string_value, "adam");
    assert_int_equal(s->hparams[2]->value->kind_case, TENSORBOARD__VALUE__KIND_BOOL_VALUE);
    assert_true(s->hparams[2]->value->bool_value);
    assert_true(s->start_time_secs > 1.6e9);
    double start = s->start_time_secs;
    tensorboard__hparams_plugin_data__free_unpacked(d, NULL);

    d = hparams_data(f, 3, "_hparams_/session_end_info");
    assert_int_equal(d->data_case, TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO);
    assert_int_equal(d->session_end_info->status, TENSORBOARD__SESSION_STATUS__STATUS_SUCCESS);
    assert_true(d->session_end_info->end_time_secs >= start);
    tensorboard__hparams_plugin_data__free_unpacked(d, NULL);
}

static void layout_is_a_serialized_layout_in_a_string_tensor(void **state)
{
    fixture *f = *state;
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    const char *both[] = {"train/loss", "train/lr"};
    const char *val[] = {"val/.*"};
    const lrs_chart charts[] = {{"loss and lr", both, 2}, {"validation", val, 1}};
    const lrs_chart_category cat = {"Training", charts, 2};
    assert_int_equal(lrs_writer_add_layout(f->w, &cat, 1), LRS_OK);
    assert_int_equal(lrs_writer_add_layout(f->w, &cat, 0), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 2);
    Tensorboard__Event *e = test_event(&f->rec, 1);
    Tensorboard__Summary__Value *v = value_of(e);
    assert_string_equal(v->tag, "custom_scalars__config__");
    assert_int_equal(e->step, 0);
    assert_string_equal(v->metadata->plugin_data->plugin_name, "custom_scalars");
    assert_int_equal(v->tensor->dtype, TENSORBOARD__DATA_TYPE__DT_STRING);
    assert_int_equal(v->tensor->n_string_val, 1);
    Tensorboard__Layout *l = tensorboard__layout__unpack(NULL, v->tensor->string_val[0].len,
                                                         v->tensor->string_val[0].data);
    assert_non_null(l);
    assert_int_equal(l->n_category, 1);
    assert_string_equal(l->category[0]->title, "Training");
    assert_int_equal(l->category[0]->n_chart, 2);
    Tensorboard__Chart *c = l->category[0]->chart[0];
    assert_string_equal(c->title, "loss and lr");
    assert_int_equal(c->content_case, TENSORBOARD__CHART__CONTENT_MULTILINE);
    assert_int_equal(c->multiline->n_tag, 2);
    assert_string_equal(c->multiline->tag[0], "train/loss");
    assert_string_equal(c->multiline->tag[1], "train/lr");
    assert_string_equal(l->category[0]->chart[1]->multiline->tag[0], "val/.*");
    tensorboard__layout__free_unpacked(l, NULL);
    tensorboard__event__free_unpacked(e, NULL);
}

static void bad_arguments_name_what_was_expected(void **state)
{
    fixture *f = *state;
    lrs_writer *w = NULL;
    assert_int_equal(lrs_writer_open(NULL, f->dir, NULL), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_open(&w, NULL, NULL), LRS_ERR_ARG);
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.flush_secs = 0;
    assert_int_equal(lrs_writer_open(&w, f->dir, &opt), LRS_ERR_ARG);
    assert_non_null(strstr(lrs_errmsg(), "flush_secs"));
    assert_int_equal(lrs_writer_add_scalar(NULL, "a", 0, 1.0), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_flush(NULL), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_close(NULL), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_open(&f->w, f->dir, NULL), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar(f->w, NULL, 0, 1.0), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_add_scalar(f->w, "", 0, 1.0), LRS_ERR_ARG);
    assert_non_null(strstr(lrs_errmsg(), lrs_writer_path(f->w)));
    assert_int_equal(lrs_writer_add_scalar_at(f->w, "a", 0, 1.0, NAN), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_add_scalar_at(f->w, "a", 0, 1.0, INFINITY), LRS_ERR_ARG);
    assert_int_equal(lrs_writer_add_text(f->w, "t", 0, NULL), LRS_ERR_ARG);
    close_and_read(f);
    assert_int_equal(f->rec.n, 1); /* nothing bad was written */
}

static void logdir_under_a_regular_file_fails_naming_it(void **state)
{
    fixture *f = *state;
    char file[300], logdir[400];
    snprintf(file, sizeof file, "%s/plain", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(logdir, sizeof logdir, "%s/run", file);
    lrs_writer *w = NULL;
    assert_int_equal(lrs_writer_open(&w, logdir, NULL), LRS_ERR_IO);
    assert_null(w);
    assert_non_null(strstr(lrs_errmsg(), logdir));
    assert_int_equal(lrs_writer_open(&w, file, NULL), LRS_ERR_IO); /* the logdir is a file */
    assert_non_null(strstr(lrs_errmsg(), "not a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_name_is_time_host_pid_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(first_record_is_file_version_flushed_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(scalars_round_trip_with_nan_and_infinities, setup, teardown),
        cmocka_unit_test_setup_teardown(tags_of_every_length_and_changed_in_place_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(set_wall_time_applies_until_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(tensor_scalar_has_scalars_plugin_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(text_is_a_string_tensor_for_the_text_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(histogram_buckets_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(histogram_of_values_keeps_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(image_pixels_are_encoded_as_png, setup, teardown),
        cmocka_unit_test_setup_teardown(image_png_bytes_are_kept_as_given, setup, teardown),
        cmocka_unit_test_setup_teardown(hparams_write_experiment_session_start_and_end, setup, teardown),
        cmocka_unit_test_setup_teardown(layout_is_a_serialized_layout_in_a_string_tensor, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_arguments_name_what_was_expected, setup, teardown),
        cmocka_unit_test_setup_teardown(logdir_under_a_regular_file_fails_naming_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
