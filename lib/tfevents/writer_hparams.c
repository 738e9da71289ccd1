/* Summaries that describe a run rather than a step: hyperparameters (TensorBoard's
 * HParams dashboard) and the custom-scalars layout. Both are plugin metadata whose
 * content is a serialized proto, written at step 0 the way TensorBoard's and torch's
 * writers do. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_custom_scalars.pb-c.h"
#include "plugin_hparams.pb-c.h"
#include "status_internal.h"
#include "summary.pb-c.h"
#include "writer_internal.h"

/* Serializes msg into a malloc'd buffer (the caller frees out->data). */
static int pack_message(const lrs_writer *w, const ProtobufCMessage *msg, ProtobufCBinaryData *out)
{
    out->len = protobuf_c_message_get_packed_size(msg);
    out->data = malloc(out->len ? out->len : 1);
    if (!out->data)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", w->path);
    protobuf_c_message_pack(msg, out->data);
    return LRS_OK;
}

/* One hparams summary: metadata plugin "hparams" with content = HParamsPluginData
 * (version 0), and the empty float tensor TensorBoard's hparams summaries carry. */
static int append_hparams_data(lrs_writer *w, const char *tag, const Tensorboard__HParamsPluginData *data)
{
    Tensorboard__SummaryMetadata__PluginData plugin_data =
        TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
    plugin_data.plugin_name = "hparams";
    int rc = pack_message(w, &data->base, &plugin_data.content);
    if (rc)
        return rc;
    Tensorboard__SummaryMetadata metadata = TENSORBOARD__SUMMARY_METADATA__INIT;
    metadata.plugin_data = &plugin_data;
    Tensorboard__TensorShapeProto__Dim empty_dim = TENSORBOARD__TENSOR_SHAPE_PROTO__DIM__INIT;
    Tensorboard__TensorShapeProto__Dim *dims[1] = {&empty_dim};
    Tensorboard__TensorShapeProto shape = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = 1;
    shape.dim = dims;
    Tensorboard__TensorProto null_tensor = TENSORBOARD__TENSOR_PROTO__INIT;
    null_tensor.dtype = TENSORBOARD__DATA_TYPE__DT_FLOAT;
    null_tensor.tensor_shape = &shape;
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = (char *)tag;
    value.metadata = &metadata;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
    value.tensor = &null_tensor;
    rc = writer_append_value(w, 0, &value);
    free(plugin_data.content.data);
    return rc;
}

static int check_hparams(const lrs_writer *w, const lrs_hparam *hp, size_t n,
                         const char *const *metric_tags, size_t n_metrics)
{
    if ((n && !hp) || (n_metrics && !metric_tags))
        return lrs_fail(LRS_ERR_ARG, "%s: hparams: NULL array", w->path);
    for (size_t i = 0; i < n; i++) {
        if (!hp[i].name || !*hp[i].name)
            return lrs_fail(LRS_ERR_ARG, "%s: hparam %zu has no name", w->path, i);
        if (hp[i].kind == LRS_HPARAM_NUMBER && !isfinite(hp[i].number))
            return lrs_fail(LRS_ERR_NUMERIC, "%s: hparam %s is %g: need a finite number",
                            w->path, hp[i].name, hp[i].number);
        if (hp[i].kind == LRS_HPARAM_STRING && !hp[i].string)
            return lrs_fail(LRS_ERR_ARG, "%s: hparam %s: NULL string", w->path, hp[i].name);
        if (hp[i].kind != LRS_HPARAM_NUMBER && hp[i].kind != LRS_HPARAM_STRING &&
            hp[i].kind != LRS_HPARAM_BOOL)
            return lrs_fail(LRS_ERR_ARG, "%s: hparam %s: unknown kind %d", w->path, hp[i].name,
                            (int)hp[i].kind);
    }
    for (size_t i = 0; i < n_metrics; i++)
        if (!metric_tags[i] || !*metric_tags[i])
            return lrs_fail(LRS_ERR_ARG, "%s: hparams: metric tag %zu is empty", w->path, i);
    return LRS_OK;
}

/* The proto messages of an experiment and its session start, in one allocation. */
typedef struct {
    Tensorboard__HParamInfo *infos, **info_ptrs;
    Tensorboard__MetricName *metric_names;
    Tensorboard__MetricInfo *metrics, **metric_ptrs;
    Tensorboard__Value *values;
    Tensorboard__HParamEntry *entries, **entry_ptrs;
} hparams_protos;

static void *hparams_protos_alloc(hparams_protos *p, size_t n, size_t m)
{
    void *block = calloc(1, n * (sizeof *p->infos + sizeof *p->info_ptrs + sizeof *p->values +
                                 sizeof *p->entries + sizeof *p->entry_ptrs) +
                                m * (sizeof *p->metric_names + sizeof *p->metrics +
                                     sizeof *p->metric_ptrs) + 1);
    if (!block)
        return NULL;
    /* Structs first (8-byte aligned members), pointer arrays after. */
    char *q = block;
    p->infos = (void *)q, q += n * sizeof *p->infos;
    p->values = (void *)q, q += n * sizeof *p->values;
    p->entries = (void *)q, q += n * sizeof *p->entries;
    p->metric_names = (void *)q, q += m * sizeof *p->metric_names;
    p->metrics = (void *)q, q += m * sizeof *p->metrics;
    p->info_ptrs = (void *)q, q += n * sizeof *p->info_ptrs;
    p->entry_ptrs = (void *)q, q += n * sizeof *p->entry_ptrs;
    p->metric_ptrs = (void *)q;
    return block;
}

static void fill_hparam(hparams_protos *p, size_t i, const lrs_hparam *hp)
{
    Tensorboard__HParamInfo info = TENSORBOARD__HPARAM_INFO__INIT;
    Tensorboard__Value value = TENSORBOARD__VALUE__INIT;
    info.name = (char *)hp->name;
    if (hp->kind == LRS_HPARAM_NUMBER) {
        info.type = TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_FLOAT64;
        value.kind_case = TENSORBOARD__VALUE__KIND_NUMBER_VALUE;
        value.number_value = hp->number;
    } else if (hp->kind == LRS_HPARAM_STRING) {
        info.type = TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_STRING;
        value.kind_case = TENSORBOARD__VALUE__KIND_STRING_VALUE;
        value.string_value = (char *)hp->string;
    } else {
        info.type = TENSORBOARD__HPARAM_DATA_TYPE__DATA_TYPE_BOOL;
        value.kind_case = TENSORBOARD__VALUE__KIND_BOOL_VALUE;
        value.bool_value = hp->boolean != 0;
    }
    p->infos[i] = info;
    p->info_ptrs[i] = &p->infos[i];
    p->values[i] = value;
    Tensorboard__HParamEntry entry = TENSORBOARD__HPARAM_ENTRY__INIT;
    entry.key = (char *)hp->name;
    entry.value = &p->values[i];
    p->entries[i] = entry;
    p->entry_ptrs[i] = &p->entries[i];
}

static void fill_metric(hparams_protos *p, size_t i, const char *tag)
{
    Tensorboard__MetricName name = TENSORBOARD__METRIC_NAME__INIT;
    name.tag = (char *)tag;
    p->metric_names[i] = name;
    Tensorboard__MetricInfo info = TENSORBOARD__METRIC_INFO__INIT;
    info.name = &p->metric_names[i];
    p->metrics[i] = info;
    p->metric_ptrs[i] = &p->metrics[i];
}

int lrs_writer_add_hparams(lrs_writer *w, const lrs_hparam *hparams, size_t n_hparams,
                           const char *const *metric_tags, size_t n_metrics)
{
    if (!w)
        return lrs_fail(LRS_ERR_ARG, "NULL writer");
    int rc = check_hparams(w, hparams, n_hparams, metric_tags, n_metrics);
    if (rc)
        return rc;
    hparams_protos p;
    void *block = hparams_protos_alloc(&p, n_hparams, n_metrics);
    if (!block)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", w->path);
    for (size_t i = 0; i < n_hparams; i++)
        fill_hparam(&p, i, &hparams[i]);
    for (size_t i = 0; i < n_metrics; i++)
        fill_metric(&p, i, metric_tags[i]);
    double now = writer_event_time(w);

    Tensorboard__Experiment experiment = TENSORBOARD__EXPERIMENT__INIT;
    experiment.time_created_secs = now;
    experiment.n_hparam_infos = n_hparams;
    experiment.hparam_infos = p.info_ptrs;
    experiment.n_metric_infos = n_metrics;
    experiment.metric_infos = p.metric_ptrs;
    Tensorboard__HParamsPluginData data = TENSORBOARD__HPARAMS_PLUGIN_DATA__INIT;
    data.data_case = TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT;
    data.experiment = &experiment;
    rc = append_hparams_data(w, "_hparams_/experiment", &data);

    Tensorboard__SessionStartInfo start = TENSORBOARD__SESSION_START_INFO__INIT;
    start.n_hparams = n_hparams;
    start.hparams = p.entry_ptrs;
    start.start_time_secs = now;
    data.data_case = TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO;
    data.session_start_info = &start;
    if (!rc)
        rc = append_hparams_data(w, "_hparams_/session_start_info", &data);
    free(block);
    return rc;
}

int lrs_writer_end_hparams(lrs_writer *w, int ok)
{
    if (!w)
        return lrs_fail(LRS_ERR_ARG, "NULL writer");
    Tensorboard__SessionEndInfo end = TENSORBOARD__SESSION_END_INFO__INIT;
    end.status = ok ? TENSORBOARD__SESSION_STATUS__STATUS_SUCCESS
                    : TENSORBOARD__SESSION_STATUS__STATUS_FAILURE;
    end.end_time_secs = writer_event_time(w);
    Tensorboard__HParamsPluginData data = TENSORBOARD__HPARAMS_PLUGIN_DATA__INIT;
    data.data_case = TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO;
    data.session_end_info = &end;
    return append_hparams_data(w, "_hparams_/session_end_info", &data);
}
