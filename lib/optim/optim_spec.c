/* Optimizer spec strings: NAME[:KEY=VALUE,...] (see optim.h for the keys and defaults). */
#include "optim_internal.h"
#include "status_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    size_t offset;   /* of a double in optim_hparams, or of an int flag when is_flag */
    int is_flag;
    double hi;       /* values lie in [0, hi], or [0, hi) when hi_open */
    int hi_open;
    unsigned kinds;  /* bit per optim_kind */
    const char *expected;
} spec_key;

#define SGD_ONLY (1u << OPTIM_SGD)
#define ADAMS ((1u << OPTIM_ADAM) | (1u << OPTIM_ADAMW))
#define ALL (SGD_ONLY | ADAMS)
#define D(field) offsetof(optim_hparams, field), 0
#define F(field) offsetof(optim_hparams, field), 1

static const spec_key keys[] = {
    { "lr", D(lr), INFINITY, 1, ALL, "a number >= 0" },
    { "momentum", D(momentum), 1, 0, SGD_ONLY, "a number in [0, 1]" },
    { "dampening", D(dampening), 1, 0, SGD_ONLY, "a number in [0, 1]" },
    { "nesterov", F(nesterov), 1, 0, SGD_ONLY, "0 or 1" },
    { "wd", D(wd), INFINITY, 1, ALL, "a number >= 0" },
    { "weight_decay", D(wd), INFINITY, 1, ALL, "a number >= 0" },
    { "beta1", D(beta1), 1, 1, ADAMS, "a number in [0, 1)" },
    { "beta2", D(beta2), 1, 1, ADAMS, "a number in [0, 1)" },
    { "eps", D(eps), INFINITY, 1, ADAMS, "a number >= 0" },
    { "amsgrad", F(amsgrad), 1, 0, ADAMS, "0 or 1" },
};

static const char *const kind_names[] = { "sgd", "adam", "adamw" };
static const char *const kind_keys[] = { "lr, momentum, dampening, nesterov, wd",
                                         "lr, beta1, beta2, eps, wd, amsgrad",
                                         "lr, beta1, beta2, eps, wd, amsgrad" };

static void set_defaults(optim_hparams *hp, int kind)
{
    optim_hparams d = { .kind = kind, .lr = kind == OPTIM_SGD ? 0.01 : 0.001, .beta1 = 0.9,
                        .beta2 = 0.999, .eps = 1e-8, .wd = kind == OPTIM_ADAMW ? 0.01 : 0 };
    *hp = d;
}

/* Applies one "key=value" item (len bytes at item). */
static int apply_item(const char *spec, const char *item, int len, optim_hparams *hp)
{
    const char *eq = memchr(item, '=', (size_t)len);
    int klen = eq ? (int)(eq - item) : len;
    const spec_key *k = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if ((int)strlen(keys[i].name) == klen && strncmp(keys[i].name, item, (size_t)klen) == 0 &&
            (keys[i].kinds & (1u << hp->kind)))
            k = &keys[i];
    if (!k)
        return lrs_fail(LRS_ERR_PARSE, "optimizer '%s': unknown key '%.*s' for %s (expected %s)", spec, klen,
                        item, kind_names[hp->kind], kind_keys[hp->kind]);
    char text[64] = "";
    int vlen = eq ? len - klen - 1 : 0;
    snprintf(text, sizeof text, "%.*s", vlen, eq ? eq + 1 : "");
    char *end;
    errno = 0;
    double v = vlen ? strtod(text, &end) : NAN;
    int bad = !vlen || *end || errno || isnan(v) || v < 0 || v > k->hi || (k->hi_open && v == k->hi) ||
              (k->is_flag && v != 0 && v != 1);
    if (bad)
        return lrs_fail(LRS_ERR_PARSE, "optimizer '%s': '%.*s' needs %s (got '%s')", spec, len, item,
                        k->expected, text);
    if (k->is_flag) *(int *)((char *)hp + k->offset) = (int)v;
    else *(double *)((char *)hp + k->offset) = v;
    return LRS_OK;
}

int optim_parse_spec(const char *spec, optim_hparams *hp)
{
    size_t nlen = strcspn(spec, ":");
    int kind = -1;
    for (int i = 0; i < 3; i++)
        if (strlen(kind_names[i]) == nlen && strncmp(spec, kind_names[i], nlen) == 0) kind = i;
    if (kind < 0)
        return lrs_fail(LRS_ERR_PARSE, "optimizer '%s': unknown name '%.*s' (expected sgd, adam or adamw)",
                        spec, (int)nlen, spec);
    set_defaults(hp, kind);
    for (const char *p = spec + nlen; *p;) {
        p++;  /* ':' or ',' */
        int len = (int)strcspn(p, ",");
        int rc = apply_item(spec, p, len, hp);
        if (rc) return rc;
        p += len;
    }
    if (hp->nesterov && (hp->momentum <= 0 || hp->dampening != 0))
        return lrs_fail(LRS_ERR_PARSE, "optimizer '%s': nesterov=1 needs momentum > 0 and dampening=0", spec);
    return LRS_OK;
}

void optim_format_spec(const optim_hparams *hp, char *out, size_t n)
{
    if (hp->kind == OPTIM_SGD)
        snprintf(out, n, "sgd:lr=%.9g,momentum=%.9g,dampening=%.9g,nesterov=%d,wd=%.9g", hp->lr, hp->momentum,
                 hp->dampening, hp->nesterov, hp->wd);
    else
        snprintf(out, n, "%s:lr=%.9g,beta1=%.9g,beta2=%.9g,eps=%.9g,wd=%.9g,amsgrad=%d", kind_names[hp->kind],
                 hp->lr, hp->beta1, hp->beta2, hp->eps, hp->wd, hp->amsgrad);
}
