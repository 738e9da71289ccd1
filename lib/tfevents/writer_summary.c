/* The rarer summary kinds, packed with protobuf-c: TF2-style tensor scalars,
 * histograms, text and images. Each builds one Summary.Value on the stack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram_internal.h"
#include "png_encode.h"
#include "status_internal.h"
#include "summary.pb-c.h"
#include "writer_internal.h"

static int check_tag(const lrs_writer *w, const char *tag)
{
    if (!w)
        return lrs_fail(LRS_ERR_ARG, "NULL writer");
    if (!tag || !*tag)
        return lrs_fail(LRS_ERR_ARG, "%s: a summary needs a non-empty tag", w->path);
    return LRS_OK;
}

/* A value carrying a tensor, tagged for plugin (PluginData content empty: version 0). */
int writer_append_plugin_tensor(lrs_writer *w, const char *tag, int64_t step, const char *plugin,
                                Tensorboard__DataClass data_class, Tensorboard__TensorProto *tensor)
{
    Tensorboard__SummaryMetadata__PluginData plugin_data =
        TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
    plugin_data.plugin_name = (char *)plugin;
    Tensorboard__SummaryMetadata metadata = TENSORBOARD__SUMMARY_METADATA__INIT;
    metadata.plugin_data = &plugin_data;
    metadata.data_class = data_class;
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = (char *)tag;
    value.metadata = &metadata;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
    value.tensor = tensor;
    return writer_append_value(w, step, &value);
}

int writer_append_plugin_string(lrs_writer *w, const char *tag, int64_t step, const char *plugin,
                                Tensorboard__DataClass data_class, const void *bytes, size_t len)
{
    ProtobufCBinaryData string = {len, (uint8_t *)bytes};
    Tensorboard__TensorShapeProto rank0 = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
    Tensorboard__TensorProto tensor = TENSORBOARD__TENSOR_PROTO__INIT;
    tensor.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
    tensor.tensor_shape = &rank0;
    tensor.n_string_val = 1;
    tensor.string_val = &string;
    return writer_append_plugin_tensor(w, tag, step, plugin, data_class, &tensor);
}

int lrs_writer_add_tensor_scalar(lrs_writer *w, const char *tag, int64_t step, double value)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    float f = (float)value;
    Tensorboard__TensorShapeProto rank0 = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
    Tensorboard__TensorProto tensor = TENSORBOARD__TENSOR_PROTO__INIT;
    tensor.dtype = TENSORBOARD__DATA_TYPE__DT_FLOAT;
    tensor.tensor_shape = &rank0;
    tensor.n_float_val = 1;
    tensor.float_val = &f;
    return writer_append_plugin_tensor(w, tag, step, "scalars", TENSORBOARD__DATA_CLASS__DATA_CLASS_SCALAR,
                                &tensor);
}

int lrs_writer_add_text(lrs_writer *w, const char *tag, int64_t step, const char *markdown)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    if (!markdown)
        return lrs_fail(LRS_ERR_ARG, "%s: tag %s: NULL text", w->path, tag);
    /* Rank 0: TensorBoard's text plugin renders a scalar string as plain markdown
     * (a rank-1 tensor, as torch writes, becomes a one-cell table). */
    return writer_append_plugin_string(w, tag, step, "text",
                                       TENSORBOARD__DATA_CLASS__DATA_CLASS_TENSOR, markdown,
                                       strlen(markdown));
}

int lrs_writer_add_histogram_buckets(lrs_writer *w, const char *tag, int64_t step,
                                     const lrs_histogram *h)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    if (!h || h->n_buckets == 0 || !h->bucket_limit || !h->bucket)
        return lrs_fail(LRS_ERR_ARG, "%s: tag %s: a histogram needs at least one bucket",
                        w->path, tag);
    for (size_t i = 1; i < h->n_buckets; i++)
        if (!(h->bucket_limit[i] > h->bucket_limit[i - 1]))
            return lrs_fail(LRS_ERR_ARG, "%s: tag %s: bucket limits must increase (limit %zu)",
                            w->path, tag, i);
    /* Legacy HistogramProto without metadata: what torch and TF1 write. */
    Tensorboard__HistogramProto histo = TENSORBOARD__HISTOGRAM_PROTO__INIT;
    histo.min = h->min;
    histo.max = h->max;
    histo.num = h->num;
    histo.sum = h->sum;
    histo.sum_squares = h->sum_squares;
    histo.n_bucket_limit = histo.n_bucket = h->n_buckets;
    histo.bucket_limit = (double *)h->bucket_limit;
    histo.bucket = (double *)h->bucket;
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = (char *)tag;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
    value.histo = &histo;
    return writer_append_value(w, step, &value);
}

int lrs_writer_add_histogram(lrs_writer *w, const char *tag, int64_t step, const double *values,
                             size_t n)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    if (!values && n > 0)
        return lrs_fail(LRS_ERR_ARG, "%s: tag %s: NULL values", w->path, tag);
    double *space = malloc(2 * HISTOGRAM_MAX_BUCKETS * sizeof *space);
    if (!space)
        return lrs_fail(LRS_ERR_NOMEM, "%s: tag %s: out of memory", w->path, tag);
    char what[512];
    snprintf(what, sizeof what, "%s: tag %s", w->path, tag);
    lrs_histogram h;
    rc = histogram_from_values(values, n, space, space + HISTOGRAM_MAX_BUCKETS, &h, what);
    if (!rc)
        rc = lrs_writer_add_histogram_buckets(w, tag, step, &h);
    free(space);
    return rc;
}

int lrs_writer_add_image_png(lrs_writer *w, const char *tag, int64_t step, const void *png,
                             size_t png_len, int width, int height, int channels)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    if (!png || png_len == 0 || width <= 0 || height <= 0 || channels < 1 || channels > 4)
        return lrs_fail(LRS_ERR_ARG,
                        "%s: tag %s: an image needs PNG bytes, width and height > 0 and 1-4 "
                        "channels (got %dx%d, %d channels)", w->path, tag, width, height, channels);
    Tensorboard__Summary__Image image = TENSORBOARD__SUMMARY__IMAGE__INIT;
    image.height = height;
    image.width = width;
    image.colorspace = channels; /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    image.encoded_image_string = (ProtobufCBinaryData){png_len, (uint8_t *)png};
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = (char *)tag;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
    value.image = &image;
    return writer_append_value(w, step, &value);
}

int lrs_writer_add_image_pixels(lrs_writer *w, const char *tag, int64_t step,
                                const uint8_t *pixels, int width, int height, int channels)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    char what[512];
    snprintf(what, sizeof what, "%s: tag %s", w->path, tag);
    uint8_t *png;
    size_t png_len;
    rc = png_encode(pixels, width, height, channels, &png, &png_len, what);
    if (rc)
        return rc;
    rc = lrs_writer_add_image_png(w, tag, step, png, png_len, width, height, channels);
    free(png);
    return rc;
}
