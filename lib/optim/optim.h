/* lrscope optimizers: SGD (momentum, dampening, Nesterov, weight decay), Adam (L2 weight
 * decay, AMSGrad) and AdamW (decoupled weight decay), with PyTorch 1.13's update rules, over
 * one flat parameter array; plus the global gradient L2 norm and clip_grad_norm_.
 *
 *   lrs_optim *opt;
 *   lrs_optim_create(&opt, "sgd:momentum=0.9,nesterov=1", lrs_mlp_num_params(m));
 *   for (step...) {
 *       ... forward, backward ...
 *       double norm = lrs_clip_grad_norm(grads, n, 1.0);   // or lrs_grad_norm(grads, n)
 *       lrs_optim_set_lr(opt, schedule_lr(step));           // schedules drive lr (and momentum)
 *       lrs_optim_step(opt, params, grads);
 *   }
 *
 * Spec: NAME[:KEY=VALUE,...]
 *   sgd    lr=0.01 momentum=0 dampening=0 nesterov=0 wd=0
 *   adam   lr=0.001 beta1=0.9 beta2=0.999 eps=1e-8 wd=0 amsgrad=0   (wd as L2: g += wd*p)
 *   adamw  lr=0.001 beta1=0.9 beta2=0.999 eps=1e-8 wd=0.01 amsgrad=0 (p *= 1 - lr*wd)
 * ("weight_decay" is accepted for wd.) nesterov=1 needs momentum > 0 and dampening = 0.
 *
 * The update maths exist once, instantiated for float (the model) and double (reference
 * checks): an optimizer made with lrs_optim_create steps float arrays, one made with
 * lrs_optim_create_f64 steps double arrays. Its state (moment buffers) is one allocation
 * of that type, made at create. */
#ifndef LRSCOPE_OPTIM_H
#define LRSCOPE_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lrs_optim lrs_optim;

int lrs_optim_create(lrs_optim **out, const char *spec, size_t n_params);
int lrs_optim_create_f64(lrs_optim **out, const char *spec, size_t n_params);
void lrs_optim_free(lrs_optim *opt);

/* One update of params [n] from grads [n] (grads are not modified). */
int lrs_optim_step(lrs_optim *opt, float *params, const float *grads);
int lrs_optim_step_f64(lrs_optim *opt, double *params, const double *grads);

/* Per-step hyperparameters, for schedules. "Momentum" is SGD's momentum or Adam's beta1
 * (one-cycle cycles either). Both return LRS_ERR_ARG for a value out of range. */
int lrs_optim_set_lr(lrs_optim *opt, double lr);
int lrs_optim_set_momentum(lrs_optim *opt, double momentum);
double lrs_optim_lr(const lrs_optim *opt);
double lrs_optim_momentum(const lrs_optim *opt);
/* Steps taken so far. */
uint64_t lrs_optim_steps(const lrs_optim *opt);
/* The canonical spec with every value ("sgd:lr=0.1,momentum=0.9,..."), for logs. */
const char *lrs_optim_spec(const lrs_optim *opt);

/* Checkpoints: the state (step count, current lr and momentum, moment buffers) as bytes.
 * Loading into an optimizer of the same spec, type and size resumes bit-exactly. */
size_t lrs_optim_state_size(const lrs_optim *opt);
int lrs_optim_state_save(const lrs_optim *opt, void *buf, size_t size);
int lrs_optim_state_load(lrs_optim *opt, const void *buf, size_t size);

/* Global L2 norm of grads [n] (accumulated in double). */
double lrs_grad_norm(const float *grads, size_t n);
double lrs_grad_norm_f64(const double *grads, size_t n);

/* torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): total = lrs_grad_norm; if
 * max_norm / (total + 1e-6) < 1 every gradient is multiplied by it. Returns total (before
 * clipping). A NaN total leaves grads unchanged (the comparison fails). */
double lrs_clip_grad_norm(float *grads, size_t n, double max_norm);
double lrs_clip_grad_norm_f64(double *grads, size_t n, double max_norm);

#ifdef __cplusplus
}
#endif
#endif
