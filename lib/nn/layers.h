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

/* Given dout [B,OC]: dw [OC,C] = dout^T @ inp, db [OC] = column sums of dout, and
 * dinp [B,C] = dout @ w unless dinp is NULL (the first layer needs no input gradient).
 * Overwrites dw, db and dinp. */
LRS_HIDDEN void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                               const float *w, int B, int C, int OC);

/* d [n] *= (act > 0), where act [n] is the ReLU's output (positive exactly where its input was). */
LRS_HIDDEN void relu_backward(float *d, const float *act, int n);

/* logits [B,C] become softmax probabilities in place. Returns the summed cross-entropy
 * -log p[b, y[b]] over the batch (in double) and adds the number of rows whose argmax is
 * y[b] to *correct. With y NULL only the softmax is taken and 0 returned. */
LRS_HIDDEN double softmax_xent_forward(float *logits, const int32_t *y, int B, int C, int *correct);

/* dlogits [B,C] = (probs - onehot(y)) / B: the gradient of the batch-mean loss. */
LRS_HIDDEN void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *y, int B, int C);

#endif
