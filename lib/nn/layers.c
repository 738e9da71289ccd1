/* The MLP's layers (see layers.h for the shapes). Matrix products go through sgemm with
 * the transposes expressed as flags, never as transposed copies. */
#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void dense_forward(float *out, const float *inp, const float *w, const float *b, int B, int C, int OC, int relu)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, w, C, 0.0f, out, OC);
    for (int i = 0; i < B; i++) {
        float *row = out + (size_t)i * OC;
        if (relu)
            for (int o = 0; o < OC; o++) row[o] = fmaxf(row[o] + b[o], 0.0f);
        else
            for (int o = 0; o < OC; o++) row[o] += b[o];
    }
}

void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                    int B, int C, int OC)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B, 1.0f, dout, OC, inp, C, 0.0f, dw, C);
    memset(db, 0, (size_t)OC * sizeof *db);
    for (int i = 0; i < B; i++) {
        const float *row = dout + (size_t)i * OC;
        for (int o = 0; o < OC; o++) db[o] += row[o];
    }
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC, 1.0f, dout, OC, w, C, 0.0f, dinp, C);
}

void relu_backward(float *d, const float *act, int n)
{
    for (int i = 0; i < n; i++) d[i] = act[i] > 0.0f ? d[i] : 0.0f;
}

double softmax_xent_forward(float *logits, const int32_t *y, int B, int C, int *correct)
{
    double loss = 0;
    for (int i = 0; i < B; i++) {
        float *row = logits + (size_t)i * C;
        int argmax = 0;
        for (int c = 1; c < C; c++) argmax = row[c] > row[argmax] ? c : argmax;
        float max = row[argmax], sum = 0;
        /* -log p[y] from the shifted logit, finite even where p[y] underflows to 0. */
        float shifted_y = y ? row[y[i]] - max : 0.0f;
        for (int c = 0; c < C; c++) sum += row[c] = expf(row[c] - max);
        if (y) {
            loss += log((double)sum) - shifted_y;
            *correct += argmax == y[i];
        }
        float inv = 1.0f / sum;
        for (int c = 0; c < C; c++) row[c] *= inv;
    }
    return loss;
}

void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *y, int B, int C)
{
    float scale = 1.0f / (float)B;
    for (int i = 0; i < B; i++) {
        const float *p = probs + (size_t)i * C;
        float *d = dlogits + (size_t)i * C;
        for (int c = 0; c < C; c++) d[c] = p[c] * scale;
        d[y[i]] -= scale;
    }
}
