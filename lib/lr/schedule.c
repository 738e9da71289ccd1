/* The schedules' values at a step, in PyTorch 1.13's closed forms (same operations in
 * the same order, so the numbers agree to the last bits or nearly), and the stepping.
 * A phase's step t counts from the then@ where it starts, as SequentialLR's step(0). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_internal.h"
#include "status_internal.h"

/* Each kind: the LR at phase step t (t >= 0) for base LR base; *mom set only by the
 * kinds that cycle momentum. */

static double lr_constant(const sched_phase *p, int64_t t, double base)
{
    return t < (int64_t)p->v[CONST_STEPS] ? base * p->v[CONST_FACTOR] : base;
}

static double lr_step(const sched_phase *p, int64_t t, double base)
{
    return base * pow(p->v[STEP_GAMMA], (double)(t / (int64_t)p->v[STEP_SIZE]));
}

static double lr_multistep(const sched_phase *p, int64_t t, double base)
{
    int passed = 0; /* bisect_right(milestones, t) */
    while (passed < p->n_at && p->at[passed] <= (double)t)
        passed++;
    return base * pow(p->v[MULTI_GAMMA], passed);
}

static double lr_exp(const sched_phase *p, int64_t t, double base)
{
    return base * pow(p->v[EXP_GAMMA], (double)t);
}

/* Periodic past T: PyTorch's recursive form keeps following the cosine back up. */
static double lr_cosine(const sched_phase *p, int64_t t, double base)
{
    double eta_min = p->v[COS_MIN];
    return eta_min + (base - eta_min) * (1 + cos(M_PI * (double)t / p->v[COS_T])) / 2;
}

static double lr_restarts(const sched_phase *p, int64_t t, double base)
{
    int64_t t_i = (int64_t)p->v[RST_T0], t_cur = t, mult = (int64_t)p->v[RST_MULT];
    if (mult == 1)
        t_cur = t % t_i;
    while (t_cur >= t_i) {
        t_cur -= t_i;
        t_i *= mult;
    }
    double eta_min = p->v[RST_MIN];
    return eta_min + (base - eta_min) * (1 + cos(M_PI * (double)t_cur / (double)t_i)) / 2;
}

static double lr_linear(const sched_phase *p, int64_t t, double base)
{
    double total = p->v[LIN_STEPS], start = p->v[LIN_START], end = p->v[LIN_END];
    double done = fmin(total, (double)t);
    return base * (start + (end - start) * done / total);
}

static double lr_poly(const sched_phase *p, int64_t t, double base)
{
    double total = p->v[POLY_STEPS];
    return base * pow(1.0 - fmin(total, (double)t) / total, p->v[POLY_POWER]);
}

static double lr_cyclic(const sched_phase *p, int64_t t, double *mom)
{
    const double *v = p->v;
    double total = v[CYC_UP] + v[CYC_DOWN], ratio = v[CYC_UP] / total;
    double cycle = floor(1 + (double)t / total);
    double x = 1. + (double)t / total - cycle;
    double scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    /* triangular2 halves the height each cycle; exp_range decays it per iteration. */
    double height_scale = 1.0;
    if (v[CYC_MODE] == CYC_TRIANGULAR2)
        height_scale = 1 / pow(2., cycle - 1);
    else if (v[CYC_MODE] == CYC_EXP_RANGE)
        height_scale = pow(v[CYC_GAMMA], (double)t);
    if (v[CYC_CYCLE_MOM])
        *mom = v[CYC_MAX_MOM] - (v[CYC_MAX_MOM] - v[CYC_BASE_MOM]) * scale * height_scale;
    return v[CYC_MIN] + (v[CYC_MAX] - v[CYC_MIN]) * scale * height_scale;
}

static double anneal(int how, double start, double end, double pct)
{
    if (how == ANNEAL_COS)
        return end + (start - end) / 2.0 * (cos(M_PI * pct) + 1);
    return (end - start) * pct + start;
}

static double lr_onecycle(const sched_phase *p, int64_t t, double *mom)
{
    const double *v = p->v;
    double max_lr = v[OC_MAX], initial = max_lr / v[OC_DIV], min_lr = initial / v[OC_FINAL_DIV];
    double steps = v[OC_STEPS], up_end = v[OC_PCT] * steps - 1;
    double hi = v[OC_MAX_MOM], lo = v[OC_BASE_MOM];
    /* PyTorch's phases: end step, LR from/to, momentum from/to. */
    struct { double end, lr0, lr1, m0, m1; } ph[3] = {
        {up_end, initial, max_lr, hi, lo},
        {steps - 1, max_lr, min_lr, lo, hi},
    };
    int n = 2;
    if (v[OC_THREE_PHASE]) {
        ph[1].end = 2 * v[OC_PCT] * steps - 2;
        ph[1].lr1 = initial;
        ph[2].end = steps - 1;
        ph[2].lr0 = initial, ph[2].lr1 = min_lr, ph[2].m0 = hi, ph[2].m1 = hi;
        n = 3;
    }
    double start = 0;
    int i = 0;
    while ((double)t > ph[i].end && i < n - 1)
        start = ph[i++].end;
    double pct = ((double)t - start) / (ph[i].end - start);
    if (v[OC_CYCLE_MOM])
        *mom = anneal((int)v[OC_ANNEAL], ph[i].m0, ph[i].m1, pct);
    return anneal((int)v[OC_ANNEAL], ph[i].lr0, ph[i].lr1, pct);
}

static double phase_lr(const sched_phase *p, int64_t t, double base, double *mom)
{
    switch (p->kind) {
    case SK_CONSTANT: return lr_constant(p, t, base);
    case SK_STEP: return lr_step(p, t, base);
    case SK_MULTISTEP: return lr_multistep(p, t, base);
    case SK_EXP: return lr_exp(p, t, base);
    case SK_COSINE: return lr_cosine(p, t, base);
    case SK_RESTARTS: return lr_restarts(p, t, base);
    case SK_LINEAR: return lr_linear(p, t, base);
    case SK_POLY: return lr_poly(p, t, base);
    case SK_CYCLIC: return lr_cyclic(p, t, mom);
    case SK_ONECYCLE: return lr_onecycle(p, t, mom);
    default: return p->plateau.lr;
    }
}

/* The phase in force at global step t: the last one started. */
static const sched_phase *phase_at(const lrs_schedule *s, int64_t t)
{
    int i = s->n - 1;
    while (i > 0 && s->phase[i].start > t)
        i--;
    return &s->phase[i];
}

void sched_plateau_init(sched_phase *p, double base_lr)
{
    p->plateau.lr = base_lr;
    p->plateau.best = p->v[PL_MODE] == PL_MIN_MODE ? INFINITY : -INFINITY;
    p->plateau.bad_steps = 0;
    p->plateau.cooldown_left = 0;
}

static int plateau_is_better(const sched_phase *p, double metric)
{
    double best = p->plateau.best, th = p->v[PL_THRESHOLD];
    int rel = p->v[PL_THRESHOLD_MODE] == PL_REL;
    if (p->v[PL_MODE] == PL_MIN_MODE)
        return rel ? metric < best * (1. - th) : metric < best - th;
    return rel ? metric > best * (th + 1.) : metric > best + th;
}

/* ReduceLROnPlateau.step(metric). */
static void plateau_observe(sched_phase *p, double metric)
{
    plateau_state *st = &p->plateau;
    if (plateau_is_better(p, metric)) {
        st->best = metric;
        st->bad_steps = 0;
    } else {
        st->bad_steps++;
    }
    if (st->cooldown_left > 0) {
        st->cooldown_left--;
        st->bad_steps = 0;
    }
    if (st->bad_steps > (int64_t)p->v[PL_PATIENCE]) {
        double new_lr = fmax(st->lr * p->v[PL_FACTOR], p->v[PL_MIN]);
        if (st->lr - new_lr > p->v[PL_EPS])
            st->lr = new_lr;
        st->cooldown_left = (int64_t)p->v[PL_COOLDOWN];
        st->bad_steps = 0;
    }
}

int lrs_schedule_get(const lrs_schedule *s, double *lr, double *momentum)
{
    if (!s || !lr)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_get: NULL argument");
    const sched_phase *p = phase_at(s, s->t);
    double mom = NAN;
    *lr = phase_lr(p, s->t - p->start, s->base_lr, &mom);
    if (momentum)
        *momentum = mom;
    return LRS_OK;
}

static int advance(lrs_schedule *s)
{
    const sched_phase *p = phase_at(s, s->t + 1);
    if (p->kind == SK_ONECYCLE && s->t + 1 - p->start > (int64_t)p->v[OC_STEPS])
        return lrs_fail(LRS_ERR_ARG, "onecycle: stepped past its steps=%.0f (step %lld)",
                        p->v[OC_STEPS], (long long)(s->t + 1 - p->start));
    s->t++;
    return LRS_OK;
}

int lrs_schedule_step(lrs_schedule *s)
{
    if (!s)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_step: NULL schedule");
    return advance(s);
}

int lrs_schedule_step_metric(lrs_schedule *s, double metric)
{
    if (!s)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_step_metric: NULL schedule");
    int rc = advance(s);
    if (rc != LRS_OK)
        return rc;
    sched_phase *p = (sched_phase *)phase_at(s, s->t);
    if (p->kind == SK_PLATEAU)
        plateau_observe(p, metric);
    return LRS_OK;
}

int64_t lrs_schedule_steps_taken(const lrs_schedule *s)
{
    return s ? s->t : 0;
}

int lrs_schedule_set_base_lr(lrs_schedule *s, double base_lr)
{
    if (!s || !(base_lr > 0) || !isfinite(base_lr))
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_set_base_lr: expected a positive LR, got %g",
                        base_lr);
    for (int i = 0; i < s->n; i++) {
        sched_phase *p = &s->phase[i];
        if (p->kind == SK_CYCLIC && !(base_lr > p->v[CYC_MIN]))
            return lrs_fail(LRS_ERR_ARG, "cyclic: max LR %g must exceed min=%g", base_lr,
                            p->v[CYC_MIN]);
    }
    for (int i = 0; i < s->n; i++) {
        sched_phase *p = &s->phase[i];
        if (p->kind == SK_CYCLIC)
            p->v[CYC_MAX] = base_lr;
        else if (p->kind == SK_ONECYCLE)
            p->v[OC_MAX] = base_lr;
        else if (p->kind == SK_PLATEAU)
            p->plateau.lr *= base_lr / s->base_lr; /* keep the reductions made so far */
    }
    s->base_lr = base_lr;
    return LRS_OK;
}

static int any_phase(const lrs_schedule *s, int (*test)(const sched_phase *))
{
    for (int i = 0; s && i < s->n; i++)
        if (test(&s->phase[i]))
            return 1;
    return 0;
}

static int is_plateau(const sched_phase *p)
{
    return p->kind == SK_PLATEAU;
}

static int sets_momentum(const sched_phase *p)
{
    return (p->kind == SK_CYCLIC && p->v[CYC_CYCLE_MOM]) ||
           (p->kind == SK_ONECYCLE && p->v[OC_CYCLE_MOM]);
}

int lrs_schedule_needs_metric(const lrs_schedule *s)
{
    return any_phase(s, is_plateau);
}

int lrs_schedule_cycles_momentum(const lrs_schedule *s)
{
    return any_phase(s, sets_momentum);
}

void lrs_schedule_free(lrs_schedule *s)
{
    free(s);
}

/* Checkpoint layout (native byte order): magic, phase count, step, base LR, then per phase
 * its kind, parameters and plateau state. */
static const char state_magic[8] = "LRSSCH1";

typedef struct {
    int64_t kind;
    double v[SCHED_MAX_KEYS];
    plateau_state plateau;
} saved_phase;

typedef struct {
    char magic[8];
    int64_t n;
    int64_t t;
    double base_lr;
} saved_header;

size_t lrs_schedule_state_size(const lrs_schedule *s)
{
    return s ? sizeof(saved_header) + (size_t)s->n * sizeof(saved_phase) : 0;
}

int lrs_schedule_save(const lrs_schedule *s, void *buf, size_t n)
{
    if (!s || !buf || n < lrs_schedule_state_size(s))
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_save: needs a buffer of %zu bytes",
                        lrs_schedule_state_size(s));
    saved_header h = {{0}, s->n, s->t, s->base_lr};
    memcpy(h.magic, state_magic, sizeof h.magic);
    memcpy(buf, &h, sizeof h);
    for (int i = 0; i < s->n; i++) {
        saved_phase ph = {s->phase[i].kind, {0}, s->phase[i].plateau};
        memcpy(ph.v, s->phase[i].v, sizeof ph.v);
        memcpy((char *)buf + sizeof h + (size_t)i * sizeof ph, &ph, sizeof ph);
    }
    return LRS_OK;
}

int lrs_schedule_load(lrs_schedule *s, const void *buf, size_t n)
{
    saved_header h;
    if (!s || !buf || n != lrs_schedule_state_size(s))
        return lrs_fail(LRS_ERR_FORMAT, "schedule state: expected %zu bytes, got %zu",
                        lrs_schedule_state_size(s), n);
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, state_magic, sizeof h.magic) || h.n != s->n || h.t < 0)
        return lrs_fail(LRS_ERR_FORMAT, "schedule state: not saved from a schedule of this spec");
    saved_phase ph[SCHED_MAX_PHASES];
    memcpy(ph, (const char *)buf + sizeof h, (size_t)s->n * sizeof ph[0]);
    for (int i = 0; i < s->n; i++)
        if (ph[i].kind != s->phase[i].kind)
            return lrs_fail(LRS_ERR_FORMAT, "schedule state: phase %d is a %s, saved a different "
                                            "kind", i + 1, sched_kinds[s->phase[i].kind].name);
    for (int i = 0; i < s->n; i++) {
        memcpy(s->phase[i].v, ph[i].v, sizeof ph[i].v);
        s->phase[i].plateau = ph[i].plateau;
    }
    s->t = h.t;
    s->base_lr = h.base_lr;
    return LRS_OK;
}
