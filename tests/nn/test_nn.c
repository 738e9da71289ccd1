#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nn.h"
#include "status.h"
#include "test_json.h"

/* ---- a double-precision reference of the same network, written out loop by loop ---- */

/* Mean cross-entropy of an MLP with layer sizes sizes[0..layers] and flat parameters p
 * (per layer: weight [out,in] then bias [out]) on x [B, sizes[0]], in double. */
static double reference_loss(const double *p, const int *sizes, int layers, const float *x, const int32_t *y,
                             int B)
{
    double act[2][64], loss = 0;
    for (int i = 0; i < B; i++) {
        for (int c = 0; c < sizes[0]; c++) act[0][c] = x[i * sizes[0] + c];
        const double *q = p;
        int cur = 0;
        for (int l = 0; l < layers; l++) {
            int in = sizes[l], out = sizes[l + 1];
            for (int o = 0; o < out; o++) {
                double s = q[out * in + o];
                for (int c = 0; c < in; c++) s += q[o * in + c] * act[cur][c];
                act[1 - cur][o] = (l < layers - 1 && s < 0) ? 0 : s;
            }
            q += out * in + out;
            cur = 1 - cur;
        }
        double max = act[cur][0], sum = 0;
        for (int c = 1; c < sizes[layers]; c++) max = fmax(max, act[cur][c]);
        for (int c = 0; c < sizes[layers]; c++) sum += exp(act[cur][c] - max);
        loss += log(sum) - (act[cur][y[i]] - max);
    }
    return loss / B;
}

/* Every parameter's gradient of a 5-4-3-3 network against central differences of the
 * double reference. The differences have truncation error O(h^2) ~ 1e-10 and rounding
 * error ~1e-16/h ~ 1e-11, so they are exact to ~1e-9; the analytic gradient is float32 with
 * accumulations of at most 5 terms, good to ~1e-6 relative. A wrong index, transpose or
 * missing ReLU mask is off by far more than the 2e-5 + 1e-3 * |g| allowed. */
static void backward_matches_finite_differences(void **state)
{
    (void)state;
    enum { IN = 5, CLASSES = 3, B = 4, NP = 4 * 5 + 4 + 3 * 4 + 3 + 3 * 3 + 3 };
    int sizes[] = { IN, 4, 3, CLASSES };
    lrs_mlp *m;
    assert_int_equal(lrs_mlp_create(&m, "mlp:4,3", IN, CLASSES, B, 11), LRS_OK);
    size_t n = NP;
    assert_int_equal(lrs_mlp_num_params(m), NP);
    float x[B * IN];
    int32_t y[B] = { 0, 2, 1, 2 };
    for (int i = 0; i < B * IN; i++) x[i] = (float)sin(1.7 * i + 0.3) * 2.0f;
    float loss;
    assert_int_equal(lrs_mlp_forward(m, x, y, B, &loss, NULL), LRS_OK);
    assert_int_equal(lrs_mlp_backward(m), LRS_OK);
    double p[NP];
    for (size_t i = 0; i < NP; i++) p[i] = lrs_mlp_params(m)[i];
    assert_float_equal(loss, reference_loss(p, sizes, 3, x, y, B), 1e-6);
    const float *g = lrs_mlp_grads(m);
    double h = 1e-5, worst = 0;
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = reference_loss(p, sizes, 3, x, y, B);
        p[i] = keep - h;
        double down = reference_loss(p, sizes, 3, x, y, B);
        p[i] = keep;
        double fd = (up - down) / (2 * h), err = fabs(g[i] - fd) / (2e-5 + 1e-3 * fabs(fd));
        worst = fmax(worst, err);
        nonzero += fabs(fd) > 1e-4;
        if (err > 1) print_error("param %zu: backward %g, finite difference %g\n", i, g[i], fd);
    }
    assert_true(worst <= 1);
    assert_true(nonzero > (int)n / 2);  /* the check is not vacuous: most gradients are live */
    lrs_mlp_free(m);
}

/* The model spec, inputs and classes of a reference entry's layer sizes [in, H..., classes]. */
static void spec_of_sizes(const cJSON *sizes, char *spec, size_t n, int *inputs, int *classes)
{
    int count = cJSON_GetArraySize(sizes), len = snprintf(spec, n, "mlp");
    for (int i = 1; i < count - 1; i++)
        len += snprintf(spec + len, n - (size_t)len, "%c%d", i == 1 ? ':' : ',',
                        cJSON_GetArrayItem(sizes, i)->valueint);
    *inputs = cJSON_GetArrayItem(sizes, 0)->valueint;
    *classes = cJSON_GetArrayItem(sizes, count - 1)->valueint;
}

/* torch.manual_seed(seed) then nn.Linear layers: the same float32 bits, every 1009th
 * parameter, and the same sum of all of them (tests/data/reference/torch_runs.json). */
static void init_is_pytorchs_bit_for_bit(void **state)
{
    (void)state;
    cJSON *ref = test_load_json("reference/torch_runs.json");
    assert_non_null(ref);
    const cJSON *entry;
    int checked = 0;
    cJSON_ArrayForEach(entry, test_json_get(ref, "init")) {
        char spec[64];
        int inputs, classes, stride = test_json_get(entry, "stride")->valueint;
        spec_of_sizes(test_json_get(entry, "sizes"), spec, sizeof spec, &inputs, &classes);
        lrs_mlp *m;
        assert_int_equal(lrs_mlp_create(&m, spec, inputs, classes, 1, (uint64_t)test_json_get(entry, "seed")->valuedouble),
                         LRS_OK);
        size_t n = lrs_mlp_num_params(m);
        assert_int_equal(n, (size_t)test_json_get(entry, "count")->valuedouble);
        const float *p = lrs_mlp_params(m);
        const cJSON *bits;
        size_t i = 0;
        cJSON_ArrayForEach(bits, test_json_get(entry, "bits")) {
            uint32_t got;
            memcpy(&got, &p[i], sizeof got);
            assert_int_equal(got, (uint32_t)bits->valuedouble);
            i += (size_t)stride, checked++;
        }
        double sum = 0, want = test_json_get(entry, "sum")->valuedouble;
        for (i = 0; i < n; i++) sum += p[i];
        assert_float_equal(sum, want, 1e-9 * fabs(want) + 1e-12);
        lrs_mlp_free(m);
    }
    assert_true(checked > 400);
    cJSON_Delete(ref);
}

/* torch 1.13's loss and gradients for one batch, bit for bit (tests/nn/torch_step_bits.py
 * prints this table): mlp:40,6 on 5 inputs and 10 classes, seed 5, a batch of 37 float32
 * ramps. The widths take every order PyTorch's grad.sum(0) has (whole 32-column blocks, the
 * rest interleaved, fewer than 8 columns), 37 rows more than two cascade blocks, and the
 * softmax runs through Sleef's exp/log; a rounding anywhere changes a hash. */
static const uint32_t torch_loss_bits = 0x4016216f;
static const uint32_t torch_grad_bits[][2] = { /* FNV-1a of the tensor's bits, nonzeros */
    {0x26704134, 140},
    {0xee712bfe, 28},
    {0x79896458, 107},
    {0x5243d924, 4},
    {0xfaa449da, 40},
    {0x8d58ceeb, 10},
};

static uint32_t fnv1a(const float *x, size_t n)
{
    uint32_t h = 2166136261u;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof *x; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

static void step_is_pytorchs_bit_for_bit(void **state)
{
    (void)state;
    enum { B = 37, IN = 5, CLASSES = 10 };
    const int sizes[] = {IN, 40, 6, CLASSES};
    float x[B * IN], loss;
    int32_t y[B];
    for (int i = 0; i < B * IN; i++) x[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
    for (int i = 0; i < B; i++) y[i] = i % CLASSES;
    lrs_mlp *m;
    assert_int_equal(lrs_mlp_create(&m, "mlp:40,6", IN, CLASSES, B, 5), LRS_OK);
    int threads = lrs_nn_threads();
    lrs_nn_set_threads(1);
    assert_int_equal(lrs_mlp_forward(m, x, y, B, &loss, NULL), LRS_OK);
    assert_int_equal(lrs_mlp_backward(m), LRS_OK);
    lrs_nn_set_threads(threads);
    uint32_t loss_bits;
    memcpy(&loss_bits, &loss, sizeof loss_bits);
    assert_int_equal(loss_bits, torch_loss_bits);
    const float *g = lrs_mlp_grads(m);
    for (int l = 0, t = 0; l < 3; l++)
        for (int bias = 0; bias < 2; bias++, t++) {
            size_t n = bias ? (size_t)sizes[l + 1] : (size_t)sizes[l + 1] * sizes[l];
            int nonzero = 0;
            for (size_t i = 0; i < n; i++) nonzero += g[i] != 0;
            if (fnv1a(g, n) != torch_grad_bits[t][0] || nonzero != (int)torch_grad_bits[t][1])
                fail_msg("layer %d %s gradient: not PyTorch's bits (%d nonzero, PyTorch %d)", l,
                         bias ? "bias" : "weight", nonzero, (int)torch_grad_bits[t][1]);
            g += n;
        }
    lrs_mlp_free(m);
}

static void init_is_a_function_of_the_seed(void **state)
{
    (void)state;
    lrs_mlp *a, *b, *c;
    assert_int_equal(lrs_mlp_create(&a, "mlp:256", 784, 10, 8, 5), LRS_OK);
    assert_int_equal(lrs_mlp_create(&b, "mlp:256", 784, 10, 8, 5), LRS_OK);
    assert_int_equal(lrs_mlp_create(&c, "mlp:256", 784, 10, 8, 6), LRS_OK);
    size_t n = lrs_mlp_num_params(a);
    assert_int_equal(n, 256 * 784 + 256 + 10 * 256 + 10);
    assert_memory_equal(lrs_mlp_params(a), lrs_mlp_params(b), n * sizeof(float));
    assert_memory_not_equal(lrs_mlp_params(a), lrs_mlp_params(c), n * sizeof(float));
    lrs_mlp_init(c, 5);
    assert_memory_equal(lrs_mlp_params(a), lrs_mlp_params(c), n * sizeof(float));
    lrs_mlp_free(a);
    lrs_mlp_free(b);
    lrs_mlp_free(c);
}

static void spec_errors_point_at_the_bad_part(void **state)
{
    (void)state;
    struct { const char *spec, *needle; } bad[] = {
        { "mlp:256,x", "hidden size 'x' at position 9" },
        { "mlp:256,", "hidden size '' at position 9" },
        { "mlp:0", "hidden size '0' at position 5" },
        { "mlp:12a,3", "hidden size '12a' at position 5" },
        { "mlp:99999999", "hidden size '99999999'" },
        { "cnn:3", "model 'cnn:3': unknown kind" },
        { "mlpx", "unknown kind" },
    };
    lrs_mlp *m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(lrs_mlp_create(&m, bad[i].spec, 4, 3, 2, 1), LRS_ERR_PARSE);
        assert_null(m);
        if (!strstr(lrs_errmsg(), bad[i].needle)) print_error("%s -> %s\n", bad[i].spec, lrs_errmsg());
        assert_non_null(strstr(lrs_errmsg(), bad[i].needle));
    }
    assert_int_equal(lrs_mlp_create(&m, "mlp:4", 4, 1, 2, 1), LRS_ERR_ARG);
    assert_int_equal(lrs_mlp_create(&m, "mlp", 4, 3, 2, 1), LRS_OK);
    assert_string_equal(lrs_mlp_spec(m), "mlp");
    assert_int_equal(lrs_mlp_num_params(m), 4 * 3 + 3);
    float x[12] = { 0 };
    assert_int_equal(lrs_mlp_forward(m, x, NULL, 3, NULL, NULL), LRS_ERR_ARG);  /* above max batch */
    int32_t y[2] = { 0, 3 };
    assert_int_equal(lrs_mlp_forward(m, x, y, 2, NULL, NULL), LRS_ERR_ARG);  /* label 3 of 3 classes */
    assert_non_null(strstr(lrs_errmsg(), "label 3 at batch row 1 (expected 0..2)"));
    lrs_mlp_free(m);
    assert_int_equal(lrs_mlp_create(&m, "mlp:256,128", 4, 3, 2, 1), LRS_OK);
    assert_string_equal(lrs_mlp_spec(m), "mlp:256,128");
    lrs_mlp_free(m);
}

/* 200 steps of plain SGD on the embedded sample: the loss must fall well below its start,
 * and the test accuracy beat chance (10%) by far. */
static void training_on_the_sample_lowers_the_loss(void **state)
{
    (void)state;
    enum { B = 64, STEPS = 200 };
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    lrs_split tr = lrs_dataset_split(ds, LRS_SPLIT_TRAIN), te = lrs_dataset_split(ds, LRS_SPLIT_TEST);
    lrs_mlp *m;
    assert_int_equal(lrs_mlp_create(&m, "mlp:64", 784, 10, B, 1), LRS_OK);
    lrs_shuffler *sh;
    assert_int_equal(lrs_shuffler_create(&sh, tr.n, 1, lrs_mlp_num_params(m)), LRS_OK);
    float *x = malloc(B * 784 * sizeof *x);
    int32_t yb[B];
    double first = 0, last = 0;
    const int32_t *order = lrs_shuffler_epoch(sh, 0, 0);
    for (int step = 0; step < STEPS; step++) {
        int at = (step * B) % (tr.n - B + 1);
        lrs_split_gather(&tr, order + at, B, x, yb);
        float loss;
        assert_int_equal(lrs_mlp_forward(m, x, yb, B, &loss, NULL), LRS_OK);
        assert_int_equal(lrs_mlp_backward(m), LRS_OK);
        float *p = lrs_mlp_params(m);
        const float *g = lrs_mlp_grads(m);
        for (size_t i = 0; i < lrs_mlp_num_params(m); i++) p[i] -= 0.1f * g[i];
        if (step < 10) first += loss / 10;
        if (step >= STEPS - 10) last += loss / 10;
    }
    assert_float_equal(first, log(10.0), 0.3);  /* near-uniform predictions at the start */
    assert_true(last < 0.6 * first);
    double loss, acc;
    assert_int_equal(lrs_mlp_evaluate(m, &te, &loss, &acc), LRS_OK);
    assert_true(acc > 0.65);
    assert_true(loss < 0.6 * first);
    /* evaluate = the example-weighted mean of its batches, the last one partial. */
    lrs_split part = te;
    part.n = B + 7;
    float l1, l2;
    int c1, c2;
    lrs_mlp_forward(m, te.x, te.y, B, &l1, &c1);
    lrs_mlp_forward(m, te.x + B * 784, te.y + B, 7, &l2, &c2);
    assert_int_equal(lrs_mlp_evaluate(m, &part, &loss, &acc), LRS_OK);
    assert_float_equal(loss, (l1 * B + l2 * 7) / (B + 7), 1e-6);
    assert_float_equal(acc, (double)(c1 + c2) / (B + 7), 1e-12);
    free(x);
    lrs_shuffler_free(sh);
    lrs_mlp_free(m);
    lrs_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backward_matches_finite_differences),
        cmocka_unit_test(init_is_pytorchs_bit_for_bit),
        cmocka_unit_test(init_is_a_function_of_the_seed),
        cmocka_unit_test(step_is_pytorchs_bit_for_bit),
        cmocka_unit_test(spec_errors_point_at_the_bad_part),
        cmocka_unit_test(training_on_the_sample_lowers_the_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
