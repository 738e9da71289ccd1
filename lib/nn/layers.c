/* The MLP's layers (see layers.h for the shapes). Matrix products go through sgemm with
 * the transposes expressed as flags, never as transposed copies. */
#include "layers.h"
#include "dataset.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void dense_forward(float *out, const float *inp, const float *w, const float *b, int B, int C, int OC, int relu)
{
    /* The bias goes in first and sgemm adds to it (beta = 1), as PyTorch's addmm does: OpenBLAS
     * accumulates the product into C in blocks of the inner dimension, so where the bias
     * enters decides the rounding. */
    for (int i = 0; i < B; i++) memcpy(out + (size_t)i * OC, b, (size_t)OC * sizeof *b);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, w, C, 1.0f, out, OC);
    if (relu)
        for (size_t i = 0; i < (size_t)B * OC; i++) out[i] = fmaxf(out[i], 0.0f);
}

void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                    int B, int C, int OC)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B, 1.0f, dout, OC, inp, C, 0.0f, dw, C);
    column_sums(db, dout, B, OC);
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC, 1.0f, dout, OC, w, C, 0.0f, dinp, C);
}

void relu_backward(float *d, const float *act, int n)
{
    for (int i = 0; i < n; i++) d[i] = act[i] > 0.0f ? d[i] : 0.0f;
}

/* x [n] = exp(x) / log(x) with PyTorch's functions where the CPU runs its AVX2 kernels, libm's
 * elsewhere. */
static int have_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

static void vec_exp(float *x, int n)
{
    if (have_avx2()) torch_vec_exp(x, n);
    else for (int i = 0; i < n; i++) x[i] = expf(x[i]);
}

static void vec_log(float *x, int n)
{
    if (have_avx2()) torch_vec_log(x, n);
    else for (int i = 0; i < n; i++) x[i] = logf(x[i]);
}

/* Sum of e [n] in vec::map_reduce_all's order: 8 lane sums (a short tail into the first
 * lanes), then the lanes halved as VecReduceAllSIMD does; fewer than 8 in turn. */
static float vector_order_sum(const float *e, int n)
{
    float lane[8];
    if (n < 8) {
        float s = e[0];
        for (int i = 1; i < n; i++) s += e[i];
        return s;
    }
    for (int l = 0; l < 8; l++) lane[l] = e[l];
    int d = 8;
    for (; d < n - n % 8; d += 8)
        for (int l = 0; l < 8; l++) lane[l] += e[d + l];
    for (int l = 0; d + l < n; l++) lane[l] += e[d + l];
    for (int half = 4; half >= 1; half /= 2)
        for (int l = 0; l < half; l++) lane[l] += lane[l + half];
    return lane[0];
}

float softmax_xent_forward(float *logits, const int32_t *y, int B, int C, int *correct)
{
    float e[LRS_DATASET_MAX_CLASSES];
    nll_sum loss;
    nll_sum_init(&loss, B);
    for (int i = 0; i < B; i++) {
        float *row = logits + (size_t)i * C;
        int argmax = 0;
        for (int c = 1; c < C; c++) argmax = row[c] > row[argmax] ? c : argmax;
        float max = row[argmax];
        for (int c = 0; c < C; c++) e[c] = row[c] = row[c] - max;
        vec_exp(e, C);
        float log_sum = vector_order_sum(e, C);
        vec_log(&log_sum, 1);
        for (int c = 0; c < C; c++) row[c] = row[c] - log_sum; /* log-probabilities */
        if (y) {
            nll_sum_add(&loss, -row[y[i]]);
            *correct += argmax == y[i];
        }
        vec_exp(row, C);
    }
    return y ? nll_sum_total(&loss) / (float)B : 0.0f;
}

void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *y, int B, int C)
{
    const float g = -(1.0f / (float)B);
    for (int i = 0; i < B; i++) {
        const float *p = probs + (size_t)i * C;
        float *d = dlogits + (size_t)i * C;
        for (int c = 0; c < C; c++) d[c] = 0.0f - p[c] * g;
        d[y[i]] = fmaf(-p[y[i]], g, g);
    }
}
