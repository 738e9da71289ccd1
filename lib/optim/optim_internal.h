/* Inside lib/optim: hyperparameters, the handle, and the update kernels' signatures. */
#ifndef LRSCOPE_OPTIM_INTERNAL_H
#define LRSCOPE_OPTIM_INTERNAL_H

#include "optim.h"

enum optim_kind { OPTIM_SGD, OPTIM_ADAM, OPTIM_ADAMW };

typedef struct optim_hparams {
    int kind;
    double lr, momentum, dampening, wd; /* SGD's momentum; Adam's is beta1 */
    double beta1, beta2, eps;
    int nesterov, amsgrad;
} optim_hparams;

struct lrs_optim {
    optim_hparams hp;
    size_t n;
    size_t elem;        /* sizeof(float) or sizeof(double) */
    int nbufs;          /* SGD 1 (momentum); Adam 2 (m, v), 3 with AMSGrad (max v) */
    int have_momentum;  /* SGD: the buffer holds a value (PyTorch creates it at the first step
                         * taken with momentum != 0) */
    uint64_t step;
    void *state;        /* nbufs * n elements */
    char spec[160];
};

/* Parses a spec into hp (defaults filled in); errors quote the bad part. */
int optim_parse_spec(const char *spec, optim_hparams *hp);
/* Writes the canonical spec of hp. */
void optim_format_spec(const optim_hparams *hp, char *out, size_t n);

#endif
