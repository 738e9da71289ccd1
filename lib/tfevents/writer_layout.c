/* The custom-scalars layout: which scalar tags share a chart. Written as torch's
 * add_custom_scalars does: tag custom_scalars__config__, plugin "custom_scalars", a
 * DT_STRING tensor holding the serialized Layout, at step 0. */
#include <stdlib.h>

#include "plugin_custom_scalars.pb-c.h"
#include "status_internal.h"
#include "writer_internal.h"

static int check_layout(const lrs_writer *w, const lrs_chart_category *categories, size_t n,
                        size_t *n_charts)
{
    if (!categories || n == 0)
        return lrs_fail(LRS_ERR_ARG, "%s: a layout needs at least one category", w->path);
    *n_charts = 0;
    for (size_t i = 0; i < n; i++) {
        if (!categories[i].title || (categories[i].n_charts && !categories[i].charts))
            return lrs_fail(LRS_ERR_ARG, "%s: layout category %zu needs a title and charts",
                            w->path, i);
        for (size_t j = 0; j < categories[i].n_charts; j++) {
            const lrs_chart *c = &categories[i].charts[j];
            if (!c->title || c->n_tags == 0 || !c->tags)
                return lrs_fail(LRS_ERR_ARG, "%s: layout category %s, chart %zu needs a title "
                                "and at least one tag", w->path, categories[i].title, j);
            for (size_t k = 0; k < c->n_tags; k++)
                if (!c->tags[k])
                    return lrs_fail(LRS_ERR_ARG, "%s: layout chart %s: tag %zu is NULL",
                                    w->path, c->title, k);
        }
        *n_charts += categories[i].n_charts;
    }
    return LRS_OK;
}

/* Serialized Layout of the categories, malloc'd into *out. */
static int pack_layout(const lrs_writer *w, const lrs_chart_category *categories, size_t n,
                       size_t n_charts, ProtobufCBinaryData *out)
{
    Tensorboard__Category *cats = calloc(n, sizeof *cats);
    Tensorboard__Category **cat_ptrs = calloc(n, sizeof *cat_ptrs);
    Tensorboard__Chart *charts = calloc(n_charts + 1, sizeof *charts);
    Tensorboard__Chart **chart_ptrs = calloc(n_charts + 1, sizeof *chart_ptrs);
    Tensorboard__MultilineChartContent *lines = calloc(n_charts + 1, sizeof *lines);
    int rc = LRS_OK;
    out->data = NULL;
    if (!cats || !cat_ptrs || !charts || !chart_ptrs || !lines) {
        rc = lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", w->path);
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cats[i] = (Tensorboard__Category)TENSORBOARD__CATEGORY__INIT;
        cats[i].title = (char *)categories[i].title;
        cats[i].n_chart = categories[i].n_charts;
        cats[i].chart = chart_ptrs + k;
        cat_ptrs[i] = &cats[i];
        for (size_t j = 0; j < categories[i].n_charts; j++, k++) {
            const lrs_chart *c = &categories[i].charts[j];
            lines[k] = (Tensorboard__MultilineChartContent)TENSORBOARD__MULTILINE_CHART_CONTENT__INIT;
            lines[k].n_tag = c->n_tags;
            lines[k].tag = (char **)c->tags;
            charts[k] = (Tensorboard__Chart)TENSORBOARD__CHART__INIT;
            charts[k].title = (char *)c->title;
            charts[k].content_case = TENSORBOARD__CHART__CONTENT_MULTILINE;
            charts[k].multiline = &lines[k];
            chart_ptrs[k] = &charts[k];
        }
    }
    Tensorboard__Layout layout = TENSORBOARD__LAYOUT__INIT;
    layout.n_category = n;
    layout.category = cat_ptrs;
    out->len = tensorboard__layout__get_packed_size(&layout);
    out->data = malloc(out->len);
    if (!out->data)
        rc = lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", w->path);
    else
        tensorboard__layout__pack(&layout, out->data);
done:
    free(cats);
    free(cat_ptrs);
    free(charts);
    free(chart_ptrs);
    free(lines);
    return rc;
}

int lrs_writer_add_layout(lrs_writer *w, const lrs_chart_category *categories, size_t n)
{
    if (!w)
        return lrs_fail(LRS_ERR_ARG, "NULL writer");
    size_t n_charts = 0;
    int rc = check_layout(w, categories, n, &n_charts);
    ProtobufCBinaryData layout = {0, NULL};
    if (rc || (rc = pack_layout(w, categories, n, n_charts, &layout)) != LRS_OK)
        return rc;
    rc = writer_append_plugin_string(w, "custom_scalars__config__", 0, "custom_scalars",
                                     TENSORBOARD__DATA_CLASS__DATA_CLASS_UNKNOWN, layout.data,
                                     layout.len);
    free(layout.data);
    return rc;
}
