/* The hyperparameters of a run, read back from its HParams session start: what
 * TensorBoard's hparams API, PyTorch's and tensorboardX's add_hparams and lrscope's
 * trainer write under "_hparams_/session_start_info". Decoded with protobuf-c into one
 * allocation the caller frees. */
#include <stdlib.h>
#include <string.h>

#include "plugin_hparams.pb-c.h"
#include "status_internal.h"
#include "tfevents.h"

struct lrs_hparams {
    size_t n;
    lrs_hparam *entry; /* sorted by name; names and strings live after the array */
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const lrs_hparam *)a)->name, ((const lrs_hparam *)b)->name);
}

/* Numbers, strings and booleans are kept; other values (lists, null) are skipped. */
static int kept(const Tensorboard__HParamEntry *e)
{
    if (!e->key || !e->value) return 0;
    switch (e->value->kind_case) {
    case TENSORBOARD__VALUE__KIND_NUMBER_VALUE:
    case TENSORBOARD__VALUE__KIND_BOOL_VALUE: return 1;
    case TENSORBOARD__VALUE__KIND_STRING_VALUE: return e->value->string_value != NULL;
    default: return 0;
    }
}

static lrs_hparams *copy_entries(const Tensorboard__SessionStartInfo *info)
{
    size_t n = 0, text = 0;
    for (size_t i = 0; i < info->n_hparams; i++) {
        const Tensorboard__HParamEntry *e = info->hparams[i];
        if (!kept(e)) continue;
        n++;
        text += strlen(e->key) + 1;
        if (e->value->kind_case == TENSORBOARD__VALUE__KIND_STRING_VALUE) text += strlen(e->value->string_value) + 1;
    }
    lrs_hparams *h = malloc(sizeof *h + n * sizeof(lrs_hparam) + text);
    if (!h) return NULL;
    h->n = n;
    h->entry = (lrs_hparam *)(h + 1);
    char *at = (char *)(h->entry + n);
    size_t k = 0;
    for (size_t i = 0; i < info->n_hparams; i++) {
        const Tensorboard__HParamEntry *e = info->hparams[i];
        if (!kept(e)) continue;
        lrs_hparam *out = &h->entry[k++];
        *out = (lrs_hparam){.name = strcpy(at, e->key)};
        at += strlen(at) + 1;
        if (e->value->kind_case == TENSORBOARD__VALUE__KIND_NUMBER_VALUE) {
            out->kind = LRS_HPARAM_NUMBER;
            out->number = e->value->number_value;
        } else if (e->value->kind_case == TENSORBOARD__VALUE__KIND_BOOL_VALUE) {
            out->kind = LRS_HPARAM_BOOL;
            out->boolean = e->value->bool_value;
        } else {
            out->kind = LRS_HPARAM_STRING;
            out->string = strcpy(at, e->value->string_value);
            at += strlen(at) + 1;
        }
    }
    qsort(h->entry, n, sizeof *h->entry, by_name);
    return h;
}

int lrs_run_hparams(const lrs_run *run, lrs_hparams **out)
{
    *out = NULL;
    const lrs_series *s = lrs_run_find(run, "_hparams_/session_start_info");
    if (!s || lrs_series_kind(s) != LRS_KIND_HPARAMS || !lrs_series_len(s)) return LRS_OK;
    const lrs_item *item = &lrs_series_items(s)[lrs_series_len(s) - 1]; /* a resumed run repeats it */
    Tensorboard__HParamsPluginData *data =
        tensorboard__hparams_plugin_data__unpack(NULL, item->len, item->data);
    if (!data || data->data_case != TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO) {
        if (data) tensorboard__hparams_plugin_data__free_unpacked(data, NULL);
        return lrs_fail(LRS_ERR_FORMAT, "run %s: its HParams session start does not parse", lrs_run_name(run));
    }
    *out = copy_entries(data->session_start_info);
    tensorboard__hparams_plugin_data__free_unpacked(data, NULL);
    return *out ? LRS_OK : lrs_fail(LRS_ERR_NOMEM, "run %s: out of memory for its hparams", lrs_run_name(run));
}

size_t lrs_hparams_count(const lrs_hparams *h) { return h ? h->n : 0; }

const lrs_hparam *lrs_hparams_at(const lrs_hparams *h, size_t i) { return h && i < h->n ? &h->entry[i] : NULL; }

const lrs_hparam *lrs_hparams_find(const lrs_hparams *h, const char *name)
{
    if (!h) return NULL;
    lrs_hparam key = {.name = name};
    return bsearch(&key, h->entry, h->n, sizeof key, by_name);
}

void lrs_hparams_free(lrs_hparams *h) { free(h); }
