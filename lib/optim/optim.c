/* Optimizer handles: creation, per-step hyperparameters and checkpoint state. */
#include "optim_internal.h"
#include "status_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC "LRSOPT1"

/* The fixed part of a saved state; the moment buffers follow it as raw elements. */
typedef struct {
    char magic[8];
    int32_t kind, elem, nbufs, have_momentum;
    uint64_t n, step;
    double lr, momentum;
} state_header;

static int create(lrs_optim **out, const char *spec, size_t n, size_t elem)
{
    *out = NULL;
    if (!spec) return lrs_fail(LRS_ERR_ARG, "optimizer: no spec");
    optim_hparams hp;
    int rc = optim_parse_spec(spec, &hp);
    if (rc) return rc;
    lrs_optim *opt = calloc(1, sizeof *opt);
    if (!opt) return lrs_fail(LRS_ERR_NOMEM, "optimizer '%s': out of memory", spec);
    opt->hp = hp;
    opt->n = n;
    opt->elem = elem;
    opt->nbufs = hp.kind == OPTIM_SGD ? 1 : hp.amsgrad ? 3 : 2;
    opt->state = calloc((size_t)opt->nbufs * n + 1, elem);
    if (!opt->state) {
        free(opt);
        return lrs_fail(LRS_ERR_NOMEM, "optimizer '%s': out of memory for %zu parameters", spec, n);
    }
    optim_format_spec(&hp, opt->spec, sizeof opt->spec);
    *out = opt;
    return LRS_OK;
}

int lrs_optim_create(lrs_optim **out, const char *spec, size_t n) { return create(out, spec, n, sizeof(float)); }
int lrs_optim_create_f64(lrs_optim **out, const char *spec, size_t n) { return create(out, spec, n, sizeof(double)); }

void lrs_optim_free(lrs_optim *opt)
{
    if (!opt) return;
    free(opt->state);
    free(opt);
}

int lrs_optim_set_lr(lrs_optim *opt, double lr)
{
    if (!(lr >= 0 && lr < INFINITY)) return lrs_fail(LRS_ERR_ARG, "learning rate %g (expected a number >= 0)", lr);
    opt->hp.lr = lr;
    return LRS_OK;
}

int lrs_optim_set_momentum(lrs_optim *opt, double momentum)
{
    int adam = opt->hp.kind != OPTIM_SGD;
    if (!(momentum >= 0 && (adam ? momentum < 1 : momentum <= 1)))
        return lrs_fail(LRS_ERR_ARG, "%s %g (expected a number in [0, 1%c)", adam ? "beta1" : "momentum",
                        momentum, adam ? ')' : ']');
    if (!adam && opt->hp.nesterov && momentum == 0)
        return lrs_fail(LRS_ERR_ARG, "momentum 0 with nesterov=1 (Nesterov needs momentum > 0)");
    *(adam ? &opt->hp.beta1 : &opt->hp.momentum) = momentum;
    return LRS_OK;
}

double lrs_optim_lr(const lrs_optim *opt) { return opt->hp.lr; }
double lrs_optim_momentum(const lrs_optim *opt) { return opt->hp.kind == OPTIM_SGD ? opt->hp.momentum : opt->hp.beta1; }
uint64_t lrs_optim_steps(const lrs_optim *opt) { return opt->step; }
const char *lrs_optim_spec(const lrs_optim *opt) { return opt->spec; }

static size_t buffer_bytes(const lrs_optim *opt) { return (size_t)opt->nbufs * opt->n * opt->elem; }

size_t lrs_optim_state_size(const lrs_optim *opt) { return sizeof(state_header) + buffer_bytes(opt); }

int lrs_optim_state_save(const lrs_optim *opt, void *buf, size_t size)
{
    if (size < lrs_optim_state_size(opt))
        return lrs_fail(LRS_ERR_ARG, "optimizer state: buffer of %zu bytes (expected %zu)", size,
                        lrs_optim_state_size(opt));
    state_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, STATE_MAGIC, sizeof h.magic);
    h.kind = opt->hp.kind, h.elem = (int32_t)opt->elem, h.nbufs = opt->nbufs;
    h.have_momentum = opt->have_momentum;
    h.n = opt->n, h.step = opt->step;
    h.lr = opt->hp.lr, h.momentum = lrs_optim_momentum(opt);
    memcpy(buf, &h, sizeof h);
    memcpy((char *)buf + sizeof h, opt->state, buffer_bytes(opt));
    return LRS_OK;
}

int lrs_optim_state_load(lrs_optim *opt, const void *buf, size_t size)
{
    state_header h;
    if (size != lrs_optim_state_size(opt))
        return lrs_fail(LRS_ERR_FORMAT, "optimizer state: %zu bytes (expected %zu for %s over %zu parameters)",
                        size, lrs_optim_state_size(opt), opt->spec, opt->n);
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, STATE_MAGIC, sizeof h.magic) != 0 || h.kind != opt->hp.kind ||
        h.elem != (int32_t)opt->elem || h.nbufs != opt->nbufs || h.n != opt->n)
        return lrs_fail(LRS_ERR_FORMAT, "optimizer state: saved by another optimizer, element type or size "
                        "(expected %s over %zu parameters)", opt->spec, opt->n);
    opt->have_momentum = h.have_momentum;
    opt->step = h.step;
    opt->hp.lr = h.lr;
    *(opt->hp.kind == OPTIM_SGD ? &opt->hp.momentum : &opt->hp.beta1) = h.momentum;
    memcpy(opt->state, (const char *)buf + sizeof h, buffer_bytes(opt));
    return LRS_OK;
}
