/* lrscope's model: a multi-layer perceptron (dense layers with ReLU between them and a
 * softmax cross-entropy loss over the classes), float32, every matrix product through
 * OpenBLAS sgemm. Parameters, gradients and activations are each one allocation made at
 * create (activations sized for max_batch); forward and backward allocate nothing.
 *
 *   lrs_mlp *m;
 *   lrs_mlp_create(&m, "mlp:256,128", 784, 10, 128, seed);
 *   for (step...) {
 *       float loss;
 *       lrs_mlp_forward(m, xbatch, ybatch, B, &loss, NULL);   // mean loss over the batch
 *       lrs_mlp_backward(m);                                   // grads = d loss / d params
 *       optimizer_step(lrs_mlp_params(m), lrs_mlp_grads(m), lrs_mlp_num_params(m));
 *   }
 *
 * Spec: "mlp" (no hidden layer: softmax regression) or "mlp:H1,H2,..." hidden sizes, each
 * 1..65536, at most 16 of them.
 * Parameter layout (flat, float32): for each dense layer in order, its weight [out, in]
 * (row-major, as PyTorch's nn.Linear.weight) then its bias [out]. Gradients mirror it.
 * Initialisation is PyTorch's, bit for bit: the parameters are those of
 * `torch.manual_seed(seed); nn.Sequential(nn.Linear(in, H1), nn.ReLU(), ..., nn.Linear(Hk,
 * classes))` (Kaiming-uniform with a = sqrt(5), biases uniform in +-1/sqrt(fan_in), drawn
 * from torch's mt19937 layer by layer, weight then bias; see lib/dataset/torch_rng.h). */
#ifndef LRSCOPE_NN_H
#define LRSCOPE_NN_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LRS_MLP_MAX_HIDDEN 16
#define LRS_MLP_MAX_WIDTH 65536

typedef struct lrs_mlp lrs_mlp;

/* A model for `inputs` features and `classes` classes that takes batches of up to max_batch. */
int lrs_mlp_create(lrs_mlp **out, const char *spec, int inputs, int classes, int max_batch, uint64_t seed);
void lrs_mlp_free(lrs_mlp *m);

/* Draws all parameters afresh from `seed` (as create does); makes lrs_mlp_num_params draws. */
void lrs_mlp_init(lrs_mlp *m, uint64_t seed);

/* Forward pass on x [batch, inputs] with labels y [batch] (y may be NULL: no loss). Writes
 * the mean cross-entropy to *loss and the number of correct argmax predictions to *correct
 * (either may be NULL). x and y must stay unchanged until lrs_mlp_backward. */
int lrs_mlp_forward(lrs_mlp *m, const float *x, const int32_t *y, int batch, float *loss, int *correct);

/* Backward pass of the last forward (which had labels): overwrites the gradient array with
 * d(mean loss)/d(params). Nothing accumulates, so there is no zero_grad. */
int lrs_mlp_backward(lrs_mlp *m);

/* Class probabilities of the last forward, [batch, classes]. */
const float *lrs_mlp_probs(const lrs_mlp *m);

/* Mean loss and accuracy over a whole split, in batches of max_batch (clobbers the last
 * forward's activations). A split of 0 examples gives loss 0 and accuracy 0. */
int lrs_mlp_evaluate(lrs_mlp *m, const lrs_split *s, double *loss, double *accuracy);

size_t lrs_mlp_num_params(const lrs_mlp *m);
float *lrs_mlp_params(lrs_mlp *m);
float *lrs_mlp_grads(lrs_mlp *m);
int lrs_mlp_inputs(const lrs_mlp *m);
int lrs_mlp_classes(const lrs_mlp *m);
int lrs_mlp_max_batch(const lrs_mlp *m);
/* The canonical spec ("mlp:256,128"), for logs and checkpoints. */
const char *lrs_mlp_spec(const lrs_mlp *m);

/* Threads the matrix products use (OpenBLAS's pool, process-wide); n < 1 means all cores. */
void lrs_nn_set_threads(int n);
int lrs_nn_threads(void);

#ifdef __cplusplus
}
#endif
#endif
