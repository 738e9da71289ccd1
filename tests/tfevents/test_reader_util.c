#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_reader_util.h"
#include "testutil.h"

uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

void write_bytes(const char *path, const void *data, size_t n, int append)
{
    FILE *f = fopen(path, append ? "ab" : "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

cJSON *fixture_json(const char *rel)
{
    char path[1024], full[1100];
    snprintf(path, sizeof path, "fixtures/tensorboard/%s", rel);
    test_data_path(full, sizeof full, path);
    size_t n;
    char *text = (char *)read_all(full, &n);
    cJSON *json = cJSON_Parse(text);
    free(text);
    if (!json)
        fail_msg("%s: not JSON", full);
    return json;
}

double json_number(const cJSON *x)
{
    if (cJSON_IsNumber(x))
        return x->valuedouble;
    assert_true(cJSON_IsString(x));
    if (!strcmp(x->valuestring, "NaN")) return NAN;
    if (!strcmp(x->valuestring, "Infinity")) return INFINITY;
    if (!strcmp(x->valuestring, "-Infinity")) return -INFINITY;
    fail_msg("not a number: %s", x->valuestring);
    return 0;
}

lrs_reader *fixture_reader_with(const char *rel, const lrs_reader_options *opt, size_t *n_records)
{
    char path[1024], full[1100];
    snprintf(path, sizeof path, "fixtures/tensorboard/%s", rel);
    test_data_path(full, sizeof full, path);
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, full, opt), LRS_OK);
    assert_int_equal(lrs_reader_poll(r, n_records), LRS_OK);
    return r;
}

lrs_reader *fixture_reader(const char *rel, int raw)
{
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.raw = raw;
    return fixture_reader_with(rel, &opt, NULL);
}

const lrs_run *must_run(const lrs_reader *r, const char *name)
{
    for (size_t i = 0; i < lrs_reader_run_count(r); i++)
        if (!strcmp(lrs_run_name(lrs_reader_run(r, i)), name))
            return lrs_reader_run(r, i);
    fail_msg("run '%s' not found", name);
    return NULL;
}

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof a);
}

void assert_points(const lrs_series *s, const cJSON *points)
{
    assert_non_null(s);
    assert_int_equal(lrs_series_kind(s), LRS_KIND_SCALAR);
    assert_int_equal(lrs_series_len(s), (size_t)cJSON_GetArraySize(points));
    const lrs_scalar *pts = lrs_series_scalars(s);
    size_t k = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, points) {
        int64_t step = (int64_t)cJSON_GetArrayItem(p, 0)->valuedouble;
        double wall = json_number(cJSON_GetArrayItem(p, 1));
        double value = json_number(cJSON_GetArrayItem(p, 2));
        if (pts[k].step != step || !same_bits(pts[k].wall_time, wall) ||
            !same_bits(pts[k].value, value))
            fail_msg("%s point %zu: got (%lld, %.17g, %.17g), expected (%lld, %.17g, %.17g)",
                     lrs_series_tag(s), k, (long long)pts[k].step, pts[k].wall_time,
                     pts[k].value, (long long)step, wall, value);
        k++;
    }
}

cJSON *restart_rule(const cJSON *points)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *p;
    cJSON_ArrayForEach(p, points) {
        double step = cJSON_GetArrayItem(p, 0)->valuedouble;
        int n = cJSON_GetArraySize(out);
        while (n > 0 && cJSON_GetArrayItem(cJSON_GetArrayItem(out, n - 1), 0)->valuedouble >= step)
            cJSON_DeleteItemFromArray(out, --n);
        cJSON_AddItemToArray(out, cJSON_Duplicate(p, 1));
    }
    return out;
}
