/* One record payload (an Event) -> points of the run's series.
 *
 * Nearly every record of a training log is the same small Event:
 *   wall_time (field 1, fixed64) | step (field 2, varint) |
 *   summary (field 5) { value (field 1) { tag (field 1), simple_value (field 2, fixed32) } }
 * so that layout is decoded by hand without allocating; anything else (other fields,
 * metadata, tensors, histograms, file_version...) goes through protobuf-c. */
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "read_internal.h"
#include "status_internal.h"
#include "summary.pb-c.h"
#include "tensor.pb-c.h"

/* ---------------------------------------------------------------- fast path */

enum { FAST_MAX_VALUES = 8 };

typedef struct fast_value {
    const char *tag;
    size_t tag_len;
    float value;
} fast_value;

typedef struct fast_event {
    double wall_time;
    int64_t step;
    size_t n;
    fast_value v[FAST_MAX_VALUES];
} fast_event;

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

/* A length-delimited field's body: [*p, *p + len) inside end. */
static int read_len(const uint8_t **p, const uint8_t *end, const uint8_t **body, size_t *len)
{
    uint64_t n;
    if (!read_varint(p, end, &n) || n > (uint64_t)(end - *p))
        return 0;
    *body = *p;
    *len = (size_t)n;
    *p += n;
    return 1;
}

/* Value { tag, simple_value } and nothing else. */
static int fast_value_parse(const uint8_t *p, const uint8_t *end, fast_value *fv)
{
    int has_value = 0;
    fv->tag = "";
    fv->tag_len = 0;
    while (p < end) {
        uint8_t key = *p++;
        if (key == 0x0a) {
            const uint8_t *body;
            if (!read_len(&p, end, &body, &fv->tag_len))
                return 0;
            fv->tag = (const char *)body;
        } else if (key == 0x15 && end - p >= 4) {
            memcpy(&fv->value, p, 4);
            p += 4;
            has_value = 1;
        } else {
            return 0;
        }
    }
    /* protobuf-c cuts a string at a NUL; leave such tags to it to stay consistent */
    return has_value && !memchr(fv->tag, 0, fv->tag_len);
}

static int fast_summary_parse(const uint8_t *p, const uint8_t *end, fast_event *ev)
{
    while (p < end) {
        const uint8_t *body;
        size_t len;
        if (*p++ != 0x0a || !read_len(&p, end, &body, &len) || ev->n == FAST_MAX_VALUES ||
            !fast_value_parse(body, body + len, &ev->v[ev->n]))
            return 0;
        ev->n++;
    }
    return 1;
}

/* 1 when payload is the common scalar Event, decoded into ev. */
static int fast_event_parse(const uint8_t *p, size_t n, fast_event *ev)
{
    const uint8_t *end = p + n;
    int has_summary = 0;
    ev->wall_time = 0;
    ev->step = 0;
    ev->n = 0;
    while (p < end) {
        uint8_t key = *p++;
        if (key == 0x09 && end - p >= 8) {
            memcpy(&ev->wall_time, p, 8);
            p += 8;
        } else if (key == 0x10) {
            uint64_t step;
            if (!read_varint(&p, end, &step))
                return 0;
            ev->step = (int64_t)step;
        } else if (key == 0x2a && !has_summary) {
            const uint8_t *body;
            size_t len;
            if (!read_len(&p, end, &body, &len) || !fast_summary_parse(body, body + len, ev))
                return 0;
            has_summary = 1;
        } else {
            return 0;
        }
    }
    return has_summary;
}

static int fast_event_store(lrs_run *run, uint32_t file, const fast_event *ev)
{
    lrs_scalar pt = {.step = ev->step, .wall_time = ev->wall_time, .file = file};
    for (size_t i = 0; i < ev->n; i++) {
        int rc = LRS_OK;
        lrs_series *s = lrs_run_intern(run, ev->v[i].tag, ev->v[i].tag_len, LRS_KIND_SCALAR, &rc);
        if (!s)
            return rc;
        if (s->kind != LRS_KIND_SCALAR)
            continue; /* a tag keeps the kind it first had */
        pt.value = ev->v[i].value;
        if ((rc = lrs_series_push_scalar(s, run->raw, &pt)) != LRS_OK)
            return rc;
    }
    return LRS_OK;
}

/* ---------------------------------------------------------------- general path */

static const char *plugin_of(const Tensorboard__Summary__Value *v)
{
    return v->metadata && v->metadata->plugin_data ? v->metadata->plugin_data->plugin_name : NULL;
}

/* The kind a new tag gets from its first value; -1 for values not kept (audio...). */
static int kind_of(const Tensorboard__Summary__Value *v)
{
    switch (v->value_case) {
    case TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE: return LRS_KIND_SCALAR;
    case TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO: return LRS_KIND_HISTOGRAM;
    case TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE: return LRS_KIND_IMAGE;
    case TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR: break;
    case TENSORBOARD__SUMMARY__VALUE__VALUE__NOT_SET: break; /* torch's hparams: metadata only */
    default: return -1;
    }
    /* TF2 writes the plugin only with a tag's first value: the series remembers it */
    const char *plugin = plugin_of(v);
    if (!plugin || !*plugin)
        return v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR ? LRS_KIND_OTHER : -1;
    if (!strcmp(plugin, "scalars")) return LRS_KIND_SCALAR;
    if (!strcmp(plugin, "text")) return LRS_KIND_TEXT;
    if (!strcmp(plugin, "hparams")) return LRS_KIND_HPARAMS;
    if (!strcmp(plugin, "custom_scalars")) return LRS_KIND_LAYOUT;
    return LRS_KIND_OTHER;
}

static size_t tensor_elements(const Tensorboard__TensorProto *t)
{
    size_t n = 1;
    for (size_t i = 0; t->tensor_shape && i < t->tensor_shape->n_dim; i++)
        n *= t->tensor_shape->dim[i]->size < 0 ? 0 : (size_t)t->tensor_shape->dim[i]->size;
    return n;
}

/* The single number of a scalar tensor (DT_FLOAT, DT_DOUBLE, DT_INT64; values in the
 * typed field or little-endian in tensor_content). 0 when it holds no such number. */
static int tensor_scalar(const Tensorboard__TensorProto *t, lrs_scalar *pt)
{
    const ProtobufCBinaryData *c = &t->tensor_content;
    if (tensor_elements(t) != 1)
        return 0;
    switch (t->dtype) {
    case TENSORBOARD__DATA_TYPE__DT_FLOAT: {
        float f;
        if (t->n_float_val) f = t->float_val[0];
        else if (c->len == 4) memcpy(&f, c->data, 4);
        else return 0;
        pt->value = f;
        pt->is_double = 0;
        return 1;
    }
    case TENSORBOARD__DATA_TYPE__DT_DOUBLE: {
        double d;
        if (t->n_double_val) d = t->double_val[0];
        else if (c->len == 8) memcpy(&d, c->data, 8);
        else return 0;
        pt->value = d;
        pt->is_double = 1;
        return 1;
    }
    case TENSORBOARD__DATA_TYPE__DT_INT64: {
        int64_t i;
        if (t->n_int64_val) i = t->int64_val[0];
        else if (c->len == 8) memcpy(&i, c->data, 8);
        else return 0;
        pt->value = (double)i;
        pt->is_double = 1;
        return 1;
    }
    default:
        return 0;
    }
}

/* A malloc'ed copy of n bytes plus a NUL (so text can be used as a C string). */
static void *copy_bytes(const void *data, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n) memcpy(p, data, n);
        p[n] = '\0';
    }
    return p;
}

static int item_histogram(const Tensorboard__HistogramProto *h, lrs_item *it)
{
    size_t n = h->n_bucket < h->n_bucket_limit ? h->n_bucket : h->n_bucket_limit;
    double *block = malloc((2 * n + 1) * sizeof *block);
    if (!block)
        return LRS_ERR_NOMEM;
    if (n) {
        memcpy(block, h->bucket_limit, n * sizeof *block);
        memcpy(block + n, h->bucket, n * sizeof *block);
    }
    it->histogram = (lrs_histogram){h->min, h->max, h->num, h->sum, h->sum_squares,
                                    block, block + n, n};
    return LRS_OK;
}

/* Text: the tensor's strings joined by newlines. */
static void *tensor_text(const Tensorboard__TensorProto *t, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_string_val; i++)
        n += t->string_val[i].len + (i > 0);
    char *text = malloc(n + 1), *p = text;
    if (!text)
        return NULL;
    for (size_t i = 0; i < t->n_string_val; i++) {
        if (i > 0) *p++ = '\n';
        if (t->string_val[i].len) memcpy(p, t->string_val[i].data, t->string_val[i].len);
        p += t->string_val[i].len;
    }
    *p = '\0';
    *len = n;
    return text;
}

static void *tensor_bytes(const Tensorboard__TensorProto *t, size_t *len)
{
    *len = tensorboard__tensor_proto__get_packed_size(t);
    uint8_t *p = malloc(*len + 1);
    if (p)
        tensorboard__tensor_proto__pack(t, p);
    return p;
}

/* Fills the item's payload for kind; NULL data (with len 0) when the value has none. */
static int item_fill(lrs_kind kind, const Tensorboard__Summary__Value *v, lrs_item *it)
{
    const Tensorboard__TensorProto *t =
        v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR ? v->tensor : NULL;
    void *data = NULL;
    size_t len = 0;
    switch (kind) {
    case LRS_KIND_HISTOGRAM:
        if (v->value_case != TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO)
            return LRS_ERR_FORMAT;
        return item_histogram(v->histo, it);
    case LRS_KIND_IMAGE:
        if (v->value_case != TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE)
            return LRS_ERR_FORMAT;
        it->width = v->image->width;
        it->height = v->image->height;
        it->channels = v->image->colorspace;
        len = v->image->encoded_image_string.len;
        data = copy_bytes(v->image->encoded_image_string.data, len);
        break;
    case LRS_KIND_HPARAMS:
        if (v->metadata && v->metadata->plugin_data) {
            len = v->metadata->plugin_data->content.len;
            data = copy_bytes(v->metadata->plugin_data->content.data, len);
        } else {
            data = copy_bytes("", 0);
        }
        break;
    case LRS_KIND_TEXT:
        if (!t) return LRS_ERR_FORMAT;
        data = tensor_text(t, &len);
        break;
    case LRS_KIND_LAYOUT:
        if (!t || !t->n_string_val) return LRS_ERR_FORMAT;
        len = t->string_val[0].len;
        data = copy_bytes(t->string_val[0].data, len);
        break;
    case LRS_KIND_OTHER:
        if (!t) return LRS_ERR_FORMAT;
        data = tensor_bytes(t, &len);
        break;
    default:
        return LRS_ERR_FORMAT;
    }
    if (!data)
        return LRS_ERR_NOMEM;
    it->data = data;
    it->len = len;
    return LRS_OK;
}

static int value_store(lrs_run *run, uint32_t file, const Tensorboard__Event *ev,
                       const Tensorboard__Summary__Value *v)
{
    const char *tag = v->tag ? v->tag : "";
    lrs_series *s = lrs_run_lookup(run, tag, strlen(tag));
    int kind = s ? (int)s->kind : kind_of(v), rc = LRS_OK;
    if (kind < 0)
        return LRS_OK;
    if (!s && !(s = lrs_run_intern(run, tag, strlen(tag), (lrs_kind)kind, &rc)))
        return rc;
    if (kind == LRS_KIND_SCALAR) {
        lrs_scalar pt = {.step = ev->step, .wall_time = ev->wall_time, .file = file};
        if (v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE)
            pt.value = v->simple_value;
        else if (v->value_case != TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR ||
                 !tensor_scalar(v->tensor, &pt))
            return LRS_OK; /* not a number this tag can hold */
        return lrs_series_push_scalar(s, run->raw, &pt);
    }
    lrs_item it = {.step = ev->step, .wall_time = ev->wall_time};
    rc = item_fill((lrs_kind)kind, v, &it);
    if (rc == LRS_ERR_FORMAT)
        return LRS_OK; /* a value of another kind under this tag: not kept */
    if (rc != LRS_OK)
        return lrs_fail(rc, "reader: out of memory");
    if ((rc = lrs_series_push_item(s, run->raw, &it)) != LRS_OK) {
        free((void *)it.data);
        free((void *)it.histogram.bucket_limit);
    }
    return rc;
}

int lrs_event_decode(lrs_run *run, uint32_t file, const uint8_t *payload, size_t len)
{
    fast_event fev;
    if (fast_event_parse(payload, len, &fev))
        return fast_event_store(run, file, &fev);
    Tensorboard__Event *ev = tensorboard__event__unpack(NULL, len, payload);
    if (!ev)
        return LRS_ERR_FORMAT;
    int rc = LRS_OK;
    if (ev->what_case == TENSORBOARD__EVENT__WHAT_SUMMARY && ev->summary)
        for (size_t i = 0; rc == LRS_OK && i < ev->summary->n_value; i++)
            rc = value_store(run, file, ev, ev->summary->value[i]);
    tensorboard__event__free_unpacked(ev, NULL);
    return rc;
}
