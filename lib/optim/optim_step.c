/* Steps, norms and clipping: the kernels of optim_kernels.h for float and for double. */
#include "optim_internal.h"
#include "status_internal.h"

#include <math.h>

/* The update loops in an FMA build picked at load time where the CPU has it (there fma() is
 * one instruction; elsewhere it is libm's, slower but the same numbers). */
#if defined(__x86_64__) && defined(__GNUC__)
#define FAST_KERNEL __attribute__((target_clones("fma", "default")))
#else
#define FAST_KERNEL
#endif

#define REAL float
#define SUFFIX f32
#define SQRT sqrtf
#define FMA fmaf
#include "optim_kernels.h"
#undef REAL
#undef SUFFIX
#undef SQRT
#undef FMA

#define REAL double
#define SUFFIX f64
#define SQRT sqrt
#define FMA fma
#include "optim_kernels.h"
#undef REAL
#undef SUFFIX
#undef SQRT
#undef FMA

/* Type-generic dispatch on the element type: one body for both public step functions. */
#define STEP_BODY(SUFFIX, REAL)                                                                  \
    do {                                                                                         \
        REAL *s = opt->state;                                                                    \
        size_t n = opt->n;                                                                       \
        opt->step++;                                                                             \
        if (opt->hp.kind == OPTIM_SGD) {                                                         \
            sgd_update_##SUFFIX(params, grads, s, n, &opt->hp, !opt->have_momentum);             \
            opt->have_momentum |= opt->hp.momentum != 0;                                         \
        } else {                                                                                 \
            adam_update_##SUFFIX(params, grads, s, s + n, s + 2 * n, n, &opt->hp, opt->step);    \
        }                                                                                        \
    } while (0)

static int check_type(const lrs_optim *opt, size_t elem, const char *fn)
{
    if (opt->elem != elem)
        return lrs_fail(LRS_ERR_ARG, "%s: optimizer %s was created for %s arrays", fn, opt->spec,
                        opt->elem == sizeof(float) ? "float" : "double");
    return LRS_OK;
}

int lrs_optim_step(lrs_optim *opt, float *params, const float *grads)
{
    int rc = check_type(opt, sizeof(float), "lrs_optim_step");
    if (rc) return rc;
    STEP_BODY(f32, float);
    return LRS_OK;
}

int lrs_optim_step_f64(lrs_optim *opt, double *params, const double *grads)
{
    int rc = check_type(opt, sizeof(double), "lrs_optim_step_f64");
    if (rc) return rc;
    STEP_BODY(f64, double);
    return LRS_OK;
}

double lrs_grad_norm(const float *grads, size_t n) { return sqrt(sum_squares_f32(grads, n)); }
double lrs_grad_norm_f64(const double *grads, size_t n) { return sqrt(sum_squares_f64(grads, n)); }
double lrs_clip_grad_norm(float *grads, size_t n, double max_norm) { return clip_f32(grads, n, max_norm); }
double lrs_clip_grad_norm_f64(double *grads, size_t n, double max_norm) { return clip_f64(grads, n, max_norm); }
