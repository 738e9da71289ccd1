#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "dataset.h"
#include "status.h"
#include "test_json.h"
#include "testutil.h"

/* ---- helpers: IDX and CSV files written by the tests ---- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* An IDX file: magic, dims, then `nbytes` of payload (gzipped when the name ends in .gz). */
static void write_idx(const char *dir, const char *name, uint32_t magic, const uint32_t *dims, int ndims,
                      const unsigned char *payload, size_t nbytes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char h[16];
    put_be32(h, magic);
    for (int i = 0; i < ndims; i++) put_be32(h + 4 + 4 * i, dims[i]);
    gzFile f = gzopen(path, strstr(name, ".gz") ? "wb" : "wbT");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, h, 4 + 4 * (unsigned)ndims), 4 + 4 * ndims);
    if (nbytes) assert_int_equal(gzwrite(f, payload, (unsigned)nbytes), (int)nbytes);
    gzclose(f);
}

/* A folder with 3 train images of 2x2 and 2 test images; labels given. */
static void write_idx_set(const char *dir, uint32_t img_magic, uint32_t n_labels, size_t pixel_bytes,
                          unsigned char bad_label)
{
    unsigned char px[12] = { 0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8 };
    unsigned char lab[3] = { 2, 0, bad_label };
    uint32_t idims[3] = { 3, 2, 2 }, ldims[1] = { n_labels };
    write_idx(dir, "train-images-idx3-ubyte.gz", img_magic, idims, 3, px, pixel_bytes);
    write_idx(dir, "train-labels-idx1-ubyte", 0x801, ldims, 1, lab, n_labels < 3 ? n_labels : 3);
    uint32_t tdims[3] = { 2, 2, 2 }, tl[1] = { 2 };
    write_idx(dir, "t10k-images-idx3-ubyte.gz", 0x803, tdims, 3, px, 8);
    write_idx(dir, "t10k-labels-idx1-ubyte.gz", 0x801, tl, 1, lab, 2);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    assert_int_equal(test_rmtree(dir), 0);
}

/* Opens name expecting failure `status` with a message containing `needle`. */
static void expect_open_error(const char *name, int classes, int status, const char *needle)
{
    lrs_dataset *ds = (lrs_dataset *)1;
    lrs_dataset_options o = { .classes = classes };
    int rc = lrs_dataset_open(&ds, name, &o);
    if (rc != status || !strstr(lrs_errmsg(), needle))
        print_error("open %s: got %d '%s', expected %d with '%s'\n", name, rc, lrs_errmsg(), status, needle);
    assert_int_equal(rc, status);
    assert_null(ds);
    assert_non_null(strstr(lrs_errmsg(), needle));
}

/* ---- the embedded sample and the full set ---- */

static void sample_has_shapes_and_balanced_labels(void **state)
{
    (void)state;
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    assert_int_equal(lrs_dataset_features(ds), 784);
    assert_int_equal(lrs_dataset_classes(ds), 10);
    lrs_split tr = lrs_dataset_split(ds, LRS_SPLIT_TRAIN), te = lrs_dataset_split(ds, LRS_SPLIT_TEST);
    assert_int_equal(tr.n, 4000);
    assert_int_equal(te.n, 1000);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_VAL).n, 0);
    int count[10] = { 0 };
    for (int i = 0; i < tr.n; i++) {
        assert_in_range(tr.y[i], 0, 9);
        count[tr.y[i]]++;
    }
    for (int c = 0; c < 10; c++) assert_int_equal(count[c], 400);
    /* Fashion-MNIST's first training and test items are both ankle boots (class 9). */
    assert_int_equal(tr.y[0], 9);
    assert_int_equal(te.y[0], 9);
    float lo = 1, hi = 0;
    for (size_t i = 0; i < (size_t)tr.n * 784; i++) {
        lo = tr.x[i] < lo ? tr.x[i] : lo;
        hi = tr.x[i] > hi ? tr.x[i] : hi;
    }
    assert_true(lo == 0.0f && hi == 1.0f);
    lrs_dataset_close(ds);
}

static void full_fashion_mnist_loads(void **state)
{
    (void)state;
    struct stat st;
    const char *env = getenv("LRSCOPE_DATA");
    if (stat(env ? env : "/usr/share/datasets/fashion-mnist", &st) != 0) skip();
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "fashion-mnist", NULL), LRS_OK);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_TRAIN).n, 60000);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_TEST).n, 10000);
    assert_int_equal(lrs_dataset_classes(ds), 10);
    lrs_dataset_close(ds);
}

static void sample_dir_override_and_missing(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_dataset_options o = { .samples_dir = dir };
    lrs_dataset *ds;
    /* An empty samples_dir is skipped: the next place on the list still has the sample. */
    assert_int_equal(lrs_dataset_open(&ds, "sample", &o), LRS_OK);
    lrs_dataset_close(ds);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/fashion-mnist", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_idx_set(sub, 0x803, 3, 12, 1);  /* now samples_dir has a sample of its own: it wins */
    assert_int_equal(lrs_dataset_open(&ds, "sample", &o), LRS_OK);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_TRAIN).n, 3);
    assert_string_equal(lrs_dataset_source(ds), sub);
    lrs_dataset_close(ds);
    setenv("LRSCOPE_SAMPLES", dir, 1);
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    assert_string_equal(lrs_dataset_source(ds), sub);
    lrs_dataset_close(ds);
    unsetenv("LRSCOPE_SAMPLES");
    expect_open_error("/nonexistent/data.csv", 0, LRS_ERR_NOTFOUND, "/nonexistent/data.csv");
    expect_open_error(dir, 0, LRS_ERR_NOTFOUND, "train-images-idx3-ubyte");
    remove_tree(dir);
}

/* ---- IDX files made here ---- */

static void good_idx_folder_loads_exact_values(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    write_idx_set(dir, 0x803, 3, 12, 1);
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, dir, NULL), LRS_OK);
    lrs_split tr = lrs_dataset_split(ds, LRS_SPLIT_TRAIN), te = lrs_dataset_split(ds, LRS_SPLIT_TEST);
    assert_int_equal(tr.n, 3);
    assert_int_equal(te.n, 2);
    assert_int_equal(tr.features, 4);
    assert_int_equal(lrs_dataset_classes(ds), 3);
    assert_true(tr.x[0] == 0.0f && tr.x[1] == 1.0f);
    assert_float_equal(tr.x[2], 0.2, 1e-7);
    assert_float_equal(tr.x[3], 0.4, 1e-7);
    assert_float_equal(tr.x[4], 1.0 / 255, 1e-9);
    assert_int_equal(tr.y[0], 2);
    assert_int_equal(tr.y[2], 1);
    assert_float_equal(te.x[5], 2.0 / 255, 1e-9);
    assert_int_equal(te.y[1], 0);
    lrs_dataset_close(ds);
    remove_tree(dir);
}

static void damaged_idx_files_fail_naming_the_file(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    write_idx_set(dir, 0x804, 3, 12, 1);
    expect_open_error(dir, 0, LRS_ERR_FORMAT, "train-images-idx3-ubyte.gz: bad magic 0x00000804");
    write_idx_set(dir, 0x803, 3, 10, 1);
    expect_open_error(dir, 0, LRS_ERR_FORMAT, "train-images-idx3-ubyte.gz: truncated pixel data");
    write_idx_set(dir, 0x803, 2, 12, 1);
    expect_open_error(dir, 0, LRS_ERR_FORMAT, "train-labels-idx1-ubyte: 2 labels but");
    write_idx_set(dir, 0x803, 3, 12, 7);
    expect_open_error(dir, 3, LRS_ERR_FORMAT, "train-labels-idx1-ubyte: item 2: label 7 is out of range");
    /* A labels file whose test partner is missing. */
    write_idx_set(dir, 0x803, 3, 12, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
    assert_int_equal(unlink(path), 0);
    expect_open_error(dir, 0, LRS_ERR_NOTFOUND, "t10k-labels-idx1-ubyte.gz has no matching");
    remove_tree(dir);
}

/* ---- CSV ---- */

static void csv_with_named_label_column(void **state)
{
    (void)state;
    char dir[256], path[512];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/d.csv", dir);
    write_text(path, "a, Label ,b\r\n1.5,3,-2\r\n\r\n0,0,1e3\r\n");
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, path, NULL), LRS_OK);
    lrs_split tr = lrs_dataset_split(ds, LRS_SPLIT_TRAIN);
    assert_int_equal(tr.n, 2);
    assert_int_equal(tr.features, 2);
    assert_int_equal(lrs_dataset_classes(ds), 4);
    assert_true(tr.x[0] == 1.5f && tr.x[1] == -2.0f && tr.x[2] == 0.0f && tr.x[3] == 1000.0f);
    assert_int_equal(tr.y[0], 3);
    assert_int_equal(tr.y[1], 0);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_TEST).n, 0);
    lrs_dataset_close(ds);

    write_text(path, "y,f1\n1,0.5\n");   /* no "label": the first column is */
    assert_int_equal(lrs_dataset_open(&ds, path, NULL), LRS_OK);
    assert_int_equal(lrs_dataset_split(ds, LRS_SPLIT_TRAIN).y[0], 1);
    assert_true(lrs_dataset_split(ds, LRS_SPLIT_TRAIN).x[0] == 0.5f);
    lrs_dataset_close(ds);
    remove_tree(dir);
}

static void csv_errors_name_line_and_column(void **state)
{
    (void)state;
    char dir[256], path[512], needle[600];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/d.csv", dir);
    write_text(path, "label,x,y\n1,2,3\n0,nan,1\n");
    snprintf(needle, sizeof needle, "%s:3: column 2 (x): 'nan' is not a finite number", path);
    expect_open_error(path, 0, LRS_ERR_NUMERIC, needle);
    write_text(path, "label,x,y\n1,2,inf\n");
    expect_open_error(path, 0, LRS_ERR_NUMERIC, ":2: column 3 (y): 'inf'");
    write_text(path, "label,x,y\n1,2,3\n1,2,3\n0,abc,1\n");
    snprintf(needle, sizeof needle, "%s:4: column 2 (x): expected a number, found 'abc'", path);
    expect_open_error(path, 0, LRS_ERR_FORMAT, needle);
    write_text(path, "label,x,y\n1,2,3\n1,2\n");
    expect_open_error(path, 0, LRS_ERR_FORMAT, ":3: 2 columns (expected 3 as in the header)");
    write_text(path, "label,x\n1.5,2\n");
    expect_open_error(path, 0, LRS_ERR_FORMAT, ":2: column 1 (label): label 1.5 is not a whole number");
    write_text(path, "label,x\n1000,2\n");
    expect_open_error(path, 0, LRS_ERR_FORMAT, ":2: label 1000 is out of range (expected 0..999)");
    write_text(path, "label,x\n-1,2\n");
    expect_open_error(path, 0, LRS_ERR_FORMAT, ":2: label -1 is out of range");
    write_text(path, "label,x\n");
    expect_open_error(path, 0, LRS_ERR_FORMAT, "no training examples");
    remove_tree(dir);
}

/* ---- splits, shuffler, gather ---- */

static void val_split_sizes_and_determinism(void **state)
{
    (void)state;
    lrs_dataset *a, *b;
    assert_int_equal(lrs_dataset_open(&a, "sample", NULL), LRS_OK);
    assert_int_equal(lrs_dataset_open(&b, "sample", NULL), LRS_OK);
    int before[10] = { 0 }, after[10] = { 0 };
    lrs_split t0 = lrs_dataset_split(a, LRS_SPLIT_TRAIN);
    for (int i = 0; i < t0.n; i++) before[t0.y[i]]++;
    float test_pixel = lrs_dataset_split(a, LRS_SPLIT_TEST).x[300];
    assert_int_equal(lrs_dataset_val_split(a, 0.1, 7), LRS_OK);
    assert_int_equal(lrs_dataset_val_split(b, 0.1, 7), LRS_OK);
    lrs_split tr = lrs_dataset_split(a, LRS_SPLIT_TRAIN), va = lrs_dataset_split(a, LRS_SPLIT_VAL);
    assert_int_equal(tr.n, 3600);
    assert_int_equal(va.n, 400);
    assert_int_equal(lrs_dataset_split(a, LRS_SPLIT_TEST).n, 1000);
    assert_true(lrs_dataset_split(a, LRS_SPLIT_TEST).x[300] == test_pixel);
    for (int i = 0; i < tr.n; i++) after[tr.y[i]]++;
    for (int i = 0; i < va.n; i++) after[va.y[i]]++;
    assert_memory_equal(before, after, sizeof before);
    lrs_split vb = lrs_dataset_split(b, LRS_SPLIT_VAL);
    assert_memory_equal(va.x, vb.x, (size_t)va.n * 784 * sizeof(float));
    assert_memory_equal(va.y, vb.y, (size_t)va.n * sizeof(int32_t));
    assert_int_equal(lrs_dataset_val_split(a, 0.1, 7), LRS_ERR_ARG);
    lrs_dataset_close(b);
    assert_int_equal(lrs_dataset_open(&b, "sample", NULL), LRS_OK);
    assert_int_equal(lrs_dataset_val_split(b, 0.1, 8), LRS_OK);
    vb = lrs_dataset_split(b, LRS_SPLIT_VAL);
    assert_memory_not_equal(va.y, vb.y, (size_t)va.n * sizeof(int32_t));
    assert_int_equal(lrs_dataset_val_split(b, 1.0, 8), LRS_ERR_ARG);
    lrs_dataset_close(a);
    lrs_dataset_close(b);
}

static void shuffler_permutes_deterministically(void **state)
{
    (void)state;
    enum { N = 1000 };
    lrs_shuffler *s1, *s2;
    assert_int_equal(lrs_shuffler_create(&s1, N, 42, 0), LRS_OK);
    assert_int_equal(lrs_shuffler_create(&s2, N, 42, 0), LRS_OK);
    int32_t e3[N], seen[N] = { 0 };
    memcpy(e3, lrs_shuffler_epoch(s1, 3, 0), sizeof e3);
    int fixed = 0;
    for (int i = 0; i < N; i++) {
        assert_in_range(e3[i], 0, N - 1);
        seen[e3[i]]++;
        fixed += e3[i] == i;
    }
    for (int i = 0; i < N; i++) assert_int_equal(seen[i], 1);
    assert_true(fixed < 10);   /* a random permutation has ~1 fixed point */
    lrs_shuffler_epoch(s2, 0, 0);
    assert_memory_equal(lrs_shuffler_epoch(s2, 3, 0), e3, sizeof e3);  /* epoch order alone decides */
    assert_memory_not_equal(lrs_shuffler_epoch(s1, 4, 0), e3, sizeof e3);
    lrs_shuffler_free(s1);
    lrs_shuffler_free(s2);
}

/* The parameter count of an MLP with layer sizes [in, H..., classes]: the draws building it
 * takes from torch's generator. */
static uint64_t params_of_sizes(const cJSON *sizes)
{
    uint64_t n = 0;
    for (int i = 0; i + 1 < cJSON_GetArraySize(sizes); i++) {
        uint64_t in = (uint64_t)cJSON_GetArrayItem(sizes, i)->valueint;
        uint64_t out = (uint64_t)cJSON_GetArrayItem(sizes, i + 1)->valueint;
        n += out * in + out;
    }
    return n;
}

/* DataLoader(shuffle=True) after torch.manual_seed and building the model, with or
 * without other DataLoaders iterated between epochs: the same batches, in epochs asked in
 * order and out of order (a resume), and random_split's
 * partition (tests/data/reference/torch_runs.json). */
static void shuffler_and_split_are_pytorchs(void **state)
{
    (void)state;
    cJSON *ref = test_load_json("reference/torch_runs.json");
    assert_non_null(ref);
    const cJSON *e;
    cJSON_ArrayForEach(e, test_json_get(ref, "shuffle")) {
        int n = test_json_get(e, "n")->valueint;
        lrs_shuffler *sh;
        assert_int_equal(lrs_shuffler_create(&sh, n, (uint64_t)test_json_get(e, "seed")->valuedouble,
                                             params_of_sizes(test_json_get(e, "sizes"))), LRS_OK);
        const cJSON *epochs = test_json_get(e, "epochs");
        int evals = test_json_get(e, "evals")->valueint; /* other passes after each epoch */
        static const int asked[] = { 0, 1, 2, 1, 0, 2 };
        for (size_t k = 0; k < sizeof asked / sizeof asked[0]; k++) {
            const int32_t *order = lrs_shuffler_epoch(sh, (uint64_t)asked[k], (uint64_t)(asked[k] * evals));
            const cJSON *want;
            int i = 0;
            cJSON_ArrayForEach(want, cJSON_GetArrayItem(epochs, asked[k])) assert_int_equal(order[i++], want->valueint);
        }
        lrs_shuffler_free(sh);
    }
    const cJSON *v = cJSON_GetArrayItem(test_json_get(ref, "val_split"), 0);
    lrs_dataset *a, *b;
    assert_int_equal(lrs_dataset_open(&a, "sample", NULL), LRS_OK);
    assert_int_equal(lrs_dataset_open(&b, "sample", NULL), LRS_OK);
    lrs_split all = lrs_dataset_split(b, LRS_SPLIT_TRAIN);
    assert_int_equal(all.n, test_json_get(v, "n")->valueint);
    double fraction = test_json_get(v, "n_val")->valuedouble / all.n;
    assert_int_equal(lrs_dataset_val_split(a, fraction, (uint64_t)test_json_get(v, "seed")->valuedouble), LRS_OK);
    static const struct { const char *key; enum lrs_split_kind kind; } parts[] = {
        { "train", LRS_SPLIT_TRAIN }, { "val", LRS_SPLIT_VAL } };
    for (int p = 0; p < 2; p++) {
        lrs_split s = lrs_dataset_split(a, parts[p].kind);
        const cJSON *want;
        int i = 0;
        cJSON_ArrayForEach(want, test_json_get(v, parts[p].key)) {
            assert_memory_equal(s.x + (size_t)i * 784, all.x + (size_t)want->valueint * 784, 784 * sizeof(float));
            assert_int_equal(s.y[i++], all.y[want->valueint]);
        }
    }
    lrs_dataset_close(a);
    lrs_dataset_close(b);
    cJSON_Delete(ref);
}

static void gather_copies_the_indexed_rows(void **state)
{
    (void)state;
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    lrs_split tr = lrs_dataset_split(ds, LRS_SPLIT_TRAIN);
    int32_t idx[3] = { 3999, 0, 1234 }, y[3];
    float *x = malloc(3 * 784 * sizeof *x);
    lrs_split_gather(&tr, idx, 3, x, y);
    for (int i = 0; i < 3; i++) {
        assert_memory_equal(x + i * 784, tr.x + (size_t)idx[i] * 784, 784 * sizeof(float));
        assert_int_equal(y[i], tr.y[idx[i]]);
    }
    free(x);
    lrs_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_has_shapes_and_balanced_labels),
        cmocka_unit_test(full_fashion_mnist_loads),
        cmocka_unit_test(sample_dir_override_and_missing),
        cmocka_unit_test(good_idx_folder_loads_exact_values),
        cmocka_unit_test(damaged_idx_files_fail_naming_the_file),
        cmocka_unit_test(csv_with_named_label_column),
        cmocka_unit_test(csv_errors_name_line_and_column),
        cmocka_unit_test(val_split_sizes_and_determinism),
        cmocka_unit_test(shuffler_permutes_deterministically),
        cmocka_unit_test(shuffler_and_split_are_pytorchs),
        cmocka_unit_test(gather_copies_the_indexed_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
