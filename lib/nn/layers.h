/* Inside lib/nn: the layers, each a forward/backward pair of plain functions on row-major
 * float arrays. B is the batch, C the input width, OC the output width. Hidden from the
 * library's exported symbols. */
#ifndef LRSCOPE_NN_LAYERS_H
#define LRSCOPE_NN_LAYERS_H

#include <stdint.h>

#define LRS_HIDDEN __attribute__((visibility("hidden")))

/* out [B,OC] = inp [B,C] @ w[OC,C]^T + b [OC], then ReLU in the same pass when relu != 0. */
LRS_HIDDEN void dense_forward(float *out, const float *inp, const float *w, const float *b,
                              int B, int C, int OC, int relu);

/* Given dout [B,OC]: dw [OC,C] = dout^T @ inp, db [OC] = column sums of dout (in the order
 * of PyTorch's grad.sum(0)), and
 * dinp [B,C] = dout @ w unless dinp is NULL (the first layer needs no input gradient).
 * Overwrites dw, db and dinp. */
LRS_HIDDEN void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                               const float *w, int B, int C, int OC);

/* d [n] *= (act > 0), where act [n] is the ReLU's output (positive exactly where its input was). */
LRS_HIDDEN void relu_backward(float *d, const float *act, int n);

/* logits [B,C] become softmax probabilities in place, computed as PyTorch's log_softmax and
 * its backward compute them: p = exp((x - max) - log(sum exp(x - max))), with Sleef's exp and
 * log and the sum in its vector order. Returns the mean cross-entropy over the batch, summed as
 * nll_loss sums it, and adds the number of rows whose argmax is y[b] to *correct. With y NULL
 * only the softmax is taken and 0 returned. */
LRS_HIDDEN float softmax_xent_forward(float *logits, const int32_t *y, int B, int C, int *correct);

/* dlogits [B,C] = (probs - onehot(y)) / B, the gradient of the batch-mean loss, rounded as
 * PyTorch's log_softmax backward rounds it: g - p * g at the label (rounded once: its AVX2
 * kernel was compiled to an FMA there), -(p * g) elsewhere, with g = -1/B. */
LRS_HIDDEN void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *y, int B, int C);

/* sums [OC] = column sums of x [B,OC], in the order of PyTorch's x.sum(0) (torch_sum.c). */
LRS_HIDDEN void column_sums(float *sums, const float *x, int B, int OC);

/* A running float sum in nll_loss's cascade order, for a loss over n rows:
 * init, add each row's value in turn, total. */
typedef struct {
    float acc[4];
    long i;
    int power;
} nll_sum;
LRS_HIDDEN void nll_sum_init(nll_sum *s, int n);
LRS_HIDDEN void nll_sum_add(nll_sum *s, float v);
LRS_HIDDEN float nll_sum_total(const nll_sum *s);

/* x [n] = exp(x) or log(x) lane by lane with Sleef's 8-wide u10 functions (torch_vec.c, built
 * for AVX2 + FMA: call only when the CPU has both). */
LRS_HIDDEN void torch_vec_exp(float *x, int n);
LRS_HIDDEN void torch_vec_log(float *x, int n);

#endif
