/* The monitor handle: options, per-role dispatch, restarts, the queue of raised signs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signs_internal.h"
#include "status_internal.h"

void lrs_signs_options_init(lrs_signs_options *o)
{
    *o = (lrs_signs_options){
        .total_steps = 0, .smoothing = 0.3, .trend_smoothing = 0.05, .window = 50,
        .resolution_points = 450,
        .divergence_ratio = 2.0, .divergence_confirm = 3, .divergence_climb_ratio = 1.6,
        .divergence_climb = 10, .divergence_climb_median = 5, .divergence_climb_spread = 3.0,
        .divergence_jump = 10.0, .divergence_factor = 0.1,
        .divergence_return_fall = 0.1, .divergence_return = 0.05, .divergence_return_confirm = 20,
        .divergence_return_sure = 5.0,
        .divergence_spread = 5.0, .divergence_return_noise = 1.0,
        .spike_ratio = 1.5, .spike_spread = 6.0, .spike_recover = 5,
        .oscillation_noise_ratio = 2.5, .oscillation_min_noise = 0.05,
        .oscillation_min_drop = 0.02, .oscillation_lr_fraction = 0.5, .oscillation_rebound = 1.15,
        .oscillation_rebound_noise = 8.0,
        .oscillation_recover = 0.9, .oscillation_val_swing = 0.1, .oscillation_val_changes = 6,
        .oscillation_factor = 0.5,
        .plateau_threshold = 0.01, .plateau_patience = 300, .plateau_patience_fraction = 0.25,
        .plateau_noise = 0.15, .plateau_min_fall = 0.2,
        .plateau_decayed_fraction = 0.05, .plateau_decayed_patience = 0.5, .plateau_factor = 0.1,
        .overfit_patience = 3, .overfit_rise = 0.05, .overfit_noise = 2.0, .overfit_train_fall = 0.05,
        .slow_min_points = 300, .slow_max_fall = 0.5, .start_points = 5, .slow_ratio = 3.0, .slow_min_t = 3.0,
        .slow_min_scatter = 3.0, .stall_fraction = 0.2, .stall_min_points = 400,
        .stall_first_step = 10, .stall_calm_noise = 0.02, .stall_lr_fraction = 0.5, .epoch_stall_fall = 0.2, .epoch_stall_later_fall = 0.02,
        .epoch_slow_keep = 0.7, .epoch_swing = 0.01,
        .slow_end_area = 0.27, .slow_end_share = 0.05, .slow_end_lr_fraction = 0.5, .slow_end_t = 2,
        .grad_ratio = 10.0, .grad_critical_ratio = 100.0, .grad_min_points = 10,
        .sweep_lr_ratio = 1.5, .sweep_loss_ratio = 1.3, .sweep_val_ratio = 1.05,
    };
}

static int signs_check_options(const lrs_signs_options *o)
{
#define REQUIRE(cond, name, what) \
    if (!(cond)) return lrs_fail(LRS_ERR_ARG, "signs options: %s must be %s", name, what)
    REQUIRE(o->total_steps >= 0, "total_steps", ">= 0 (0 = unknown)");
    REQUIRE(o->resolution_points >= 0, "resolution_points", ">= 0 (0 = never thin)");
    REQUIRE(o->smoothing > 0 && o->smoothing <= 1, "smoothing", "in (0, 1]");
    REQUIRE(o->trend_smoothing > 0 && o->trend_smoothing <= 1, "trend_smoothing", "in (0, 1]");
    REQUIRE(o->window >= 8 && o->window <= SIGNS_MAX_WINDOW, "window", "from 8 to 512");
    REQUIRE(o->divergence_ratio > 1 && o->divergence_climb_ratio > 1 && o->divergence_jump > 1,
            "divergence_ratio, divergence_climb_ratio and divergence_jump", "> 1");
    REQUIRE(o->divergence_confirm >= 1 && o->divergence_climb >= 1 && o->spike_recover >= 1,
            "divergence_confirm, divergence_climb and spike_recover", ">= 1");
    REQUIRE(o->divergence_return_fall > 0 && o->divergence_return_fall < 1 &&
            o->divergence_return >= 0 && o->divergence_return < o->divergence_return_fall,
            "divergence_return_fall and divergence_return", "in (0, 1), 0 <= return < return_fall");
    REQUIRE(o->divergence_return_confirm >= 1, "divergence_return_confirm", ">= 1");
    REQUIRE(o->divergence_climb_median >= 0 && o->divergence_climb_median <= SIGNS_CLIMB_MEDIAN_MAX,
            "divergence_climb_median", "in [0, 15]");
    REQUIRE(o->divergence_spread >= 0 && o->divergence_climb_spread >= 0,
            "divergence_spread and divergence_climb_spread", ">= 0");
    REQUIRE(o->divergence_return_noise >= 0 && o->divergence_return_sure >= 0,
            "divergence_return_noise and divergence_return_sure", ">= 0");
    REQUIRE(o->spike_ratio > 1 && o->spike_spread > 0, "spike_ratio and spike_spread", "> 1 and > 0");
    REQUIRE(o->oscillation_noise_ratio > 1 && o->oscillation_rebound > 1,
            "oscillation_noise_ratio and oscillation_rebound", "> 1");
    REQUIRE(o->oscillation_min_noise >= 0 && o->oscillation_rebound_noise >= 0,
            "oscillation_min_noise and oscillation_rebound_noise", ">= 0");
    REQUIRE(o->oscillation_recover > 0 && o->oscillation_recover < 1, "oscillation_recover", "in (0, 1)");
    REQUIRE(o->oscillation_val_swing > 0 && o->oscillation_val_changes >= 1,
            "oscillation_val_swing and oscillation_val_changes", "> 0 and >= 1");
    REQUIRE(o->plateau_threshold >= 0 && o->plateau_threshold < 1, "plateau_threshold", "in [0, 1)");
    REQUIRE(o->plateau_patience_fraction >= 0 && o->plateau_patience_fraction < 1,
            "plateau_patience_fraction", "in [0, 1)");
    REQUIRE(o->plateau_noise > 0, "plateau_noise", "> 0");
    REQUIRE(o->plateau_decayed_patience > 0 && o->plateau_decayed_patience <= 1, "plateau_decayed_patience",
            "in (0, 1]");
    REQUIRE(o->plateau_patience >= 1 && o->overfit_patience >= 1 && o->slow_min_points >= 1 &&
            o->start_points >= 1, "plateau_patience, overfit_patience, slow_min_points and start_points", ">= 1");
    REQUIRE(o->overfit_rise >= 0 && o->overfit_noise >= 0, "overfit_rise and overfit_noise", ">= 0");
    REQUIRE(o->slow_ratio > 0 && o->slow_min_t >= 0, "slow_ratio and slow_min_t", "> 0 and >= 0");
    REQUIRE(o->slow_min_scatter >= 0 && o->slow_end_t >= 0, "slow_min_scatter and slow_end_t", ">= 0");
    REQUIRE(o->stall_fraction > 0 && o->stall_fraction <= 1 && o->stall_min_points >= 1,
            "stall_fraction and stall_min_points", "in (0, 1] and >= 1");
    REQUIRE(o->stall_calm_noise >= 0 && o->stall_lr_fraction >= 0 && o->stall_lr_fraction <= 1,
            "stall_calm_noise and stall_lr_fraction", ">= 0 and in [0, 1]");
    REQUIRE(o->epoch_stall_fall > 0 && o->epoch_stall_fall < 1 && o->epoch_stall_later_fall >= 0 &&
            o->epoch_stall_later_fall < 1, "epoch_stall_fall and epoch_stall_later_fall", "in (0, 1) and [0, 1)");
    REQUIRE(o->epoch_slow_keep > 0 && o->epoch_swing >= 0, "epoch_slow_keep and epoch_swing", "> 0 and >= 0");
    REQUIRE(o->slow_end_area > 0 && o->slow_end_area < 1 && o->slow_end_share >= 0 &&
            o->slow_end_share < 1 && o->slow_end_lr_fraction >= 0 && o->slow_end_lr_fraction <= 1,
            "slow_end_area, slow_end_share and slow_end_lr_fraction", "in (0, 1), [0, 1) and [0, 1]");
    REQUIRE(o->grad_ratio > 1 && o->grad_critical_ratio >= o->grad_ratio, "grad_ratio",
            "> 1 and <= grad_critical_ratio");
    REQUIRE(o->grad_min_points >= 1, "grad_min_points", ">= 1");
    REQUIRE(o->sweep_lr_ratio > 1 && o->sweep_loss_ratio > 1 && o->sweep_val_ratio >= 1,
            "sweep_lr_ratio, sweep_loss_ratio and sweep_val_ratio", "> 1, > 1 and >= 1");
#undef REQUIRE
    return LRS_OK;
}

static void reset_lr(lr_state *l)
{
    *l = (lr_state){.now = NAN, .peak = NAN, .at_block_end = NAN, .decayed_step = -1, .jumped_at = -1};
}

void lrs_monitor_reset(lrs_monitor *m)
{
    loss_point_reset(&m->loss);
    loss_block_reset(&m->block);
    val_reset(&m->val);
    grad_reset(&m->grad);
    epoch_log_reset(&m->epochs);
    reset_lr(&m->lr);
    m->finished = 0;
}

int lrs_monitor_set_total_steps(lrs_monitor *m, int64_t total_steps)
{
    if (total_steps < 0) return lrs_fail(LRS_ERR_ARG, "signs: total_steps must be >= 0 (0 = unknown)");
    m->opt.total_steps = m->base.total_steps = total_steps;
    return LRS_OK;
}

int lrs_monitor_set_points(lrs_monitor *m, int64_t points)
{
    if (points < 0) return lrs_fail(LRS_ERR_ARG, "signs: points must be >= 0 (0 = unknown)");
    m->opt = m->base;
    m->thinned = signs_options_thin(&m->opt, points);
    m->coarse = points > 0 && points < m->base.resolution_points;
    m->few_points = points >= SIGNS_EPOCH_MIN_POINTS && points < SIGNS_MIN_THINNED_POINTS;
    return LRS_OK;
}

int lrs_monitor_set_hindsight(lrs_monitor *m, int on)
{
    m->hindsight = on != 0;
    return LRS_OK;
}

int signs_options_take(lrs_signs_options *dst, const lrs_signs_options *opt)
{
    if (!opt) {
        lrs_signs_options_init(dst);
        return LRS_OK;
    }
    int rc = signs_check_options(opt);
    if (rc == LRS_OK) *dst = *opt;
    return rc;
}

int lrs_monitor_open(lrs_monitor **out, const lrs_signs_options *opt)
{
    *out = NULL;
    lrs_signs_options taken;
    int rc = signs_options_take(&taken, opt);
    if (rc != LRS_OK) return rc;
    lrs_monitor *m = calloc(1, sizeof *m);
    if (!m) return lrs_fail(LRS_ERR_NOMEM, "signs: cannot allocate a monitor");
    m->opt = m->base = taken;
    for (int r = 0; r < LRS_ROLE_COUNT; r++)
        snprintf(m->tag[r], sizeof m->tag[r], "%s", lrs_role_name((lrs_role)r));
    lrs_monitor_reset(m);
    *out = m;
    return LRS_OK;
}

void lrs_monitor_close(lrs_monitor *m)
{
    free(m);
}

int lrs_monitor_set_tag(lrs_monitor *m, lrs_role role, const char *tag)
{
    if (role < 0 || role >= LRS_ROLE_COUNT || !tag)
        return lrs_fail(LRS_ERR_ARG, "signs: set_tag needs a role and a tag");
    snprintf(m->tag[role], sizeof m->tag[role], "%s", tag);
    return LRS_OK;
}

static void feed_lr(lrs_monitor *m, int64_t step, double value)
{
    if (m->lr.n > 0 && step < m->lr.last_step) reset_lr(&m->lr);
    /* a jump between consecutive steps is a restart; across a coarse log's gap, a rise */
    int next_step = m->lr.n > 0 && step == m->lr.last_step + 1;
    m->lr.n++;
    m->lr.last_step = step;
    if (!isfinite(value)) return;
    if (next_step && value > SIGNS_LR_RAISED * m->lr.now) m->lr.jumped_at = m->loss.n; /* NaN: false */
    m->lr.now = value;
    if (!(m->lr.peak >= value)) m->lr.peak = value;
    if (!signs_lr_decayed(m)) m->lr.decayed_step = -1;
    else if (m->lr.decayed_step < 0) m->lr.decayed_step = step;
}

int signs_lr_decayed(const lrs_monitor *m)
{
    return m->lr.peak > 0 && m->lr.now <= m->opt.plateau_decayed_fraction * m->lr.peak;
}

int signs_lr_below(const lrs_monitor *m, double fraction)
{
    return m->lr.now < fraction * m->lr.peak;
}

int lrs_monitor_feed(lrs_monitor *m, lrs_role role, int64_t step, double value)
{
    switch (role) {
    case LRS_ROLE_LOSS:
        if (m->loss.n > 0 && step < m->loss.last_step) {
            loss_point_reset(&m->loss);
            loss_block_reset(&m->block);
            epoch_log_reset(&m->epochs);
        }
        loss_point_feed(m, step, value);
        epoch_log_feed(m, step, value);
        return LRS_OK;
    case LRS_ROLE_VAL_LOSS:
        if (m->val.n > 0 && step < m->val.last_step) val_reset(&m->val);
        val_feed(m, step, value);
        return LRS_OK;
    case LRS_ROLE_LR:
        feed_lr(m, step, value);
        return LRS_OK;
    case LRS_ROLE_GRAD_NORM:
        if (m->grad.n > 0 && step < m->grad.last_step) grad_reset(&m->grad);
        grad_feed(m, step, value);
        return LRS_OK;
    default:
        return lrs_fail(LRS_ERR_ARG, "signs: unknown role %d", (int)role);
    }
}

int lrs_monitor_finish(lrs_monitor *m)
{
    if (m->finished) return LRS_OK;
    m->finished = 1;
    loss_point_finish(m);
    loss_block_finish(m);
    val_finish(m);
    if (m->hindsight) {
        loss_point_hindsight(m); /* after the oscillations' own hindsight */
        epoch_log_hindsight(m);
        grad_hindsight(m);
    }
    return LRS_OK;
}

/* Makes room in a full queue: the oldest info sign goes (a spike matters less than any
 * warning, and a judge that drains only at the end must not lose a critical sign to them),
 * else the oldest sign. */
static void drop_one(lrs_monitor *m)
{
    int at = 0;
    while (at < m->queue_len && m->queue[(m->queue_head + at) % SIGNS_QUEUE].severity != LRS_SEVERITY_INFO) at++;
    if (at == m->queue_len) at = 0;
    for (int i = at; i > 0; i--) { /* close the gap from the head side */
        int to = (m->queue_head + i) % SIGNS_QUEUE, from = (m->queue_head + i - 1) % SIGNS_QUEUE;
        m->queue[to] = m->queue[from];
        m->queue_seq[to] = m->queue_seq[from];
    }
    m->queue_head = (m->queue_head + 1) % SIGNS_QUEUE;
    m->queue_len--;
    m->dropped++;
}

uint64_t signs_raise(lrs_monitor *m, lrs_sign_kind kind, lrs_severity severity, lrs_role role,
                 int64_t start_step, int64_t end_step, lrs_action action, double factor,
                 const char *fmt, ...)
{
    if (m->queue_len == SIGNS_QUEUE) drop_one(m);
    int slot = (m->queue_head + m->queue_len++) % SIGNS_QUEUE;
    uint64_t seq = m->queue_seq[slot] = m->raised++;
    lrs_sign *s = &m->queue[slot];
    *s = (lrs_sign){.kind = kind, .severity = severity, .role = role, .start_step = start_step,
                    .end_step = end_step, .action = action, .factor = factor};
    memcpy(s->tag, m->tag[role], sizeof s->tag); /* both 128 bytes, NUL-terminated */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof s->message, fmt, ap);
    va_end(ap);
    return seq;
}

lrs_sign *signs_waiting(lrs_monitor *m, uint64_t seq)
{
    for (int i = 0; i < m->queue_len; i++) {
        int slot = (m->queue_head + i) % SIGNS_QUEUE;
        if (m->queue_seq[slot] == seq) return &m->queue[slot];
    }
    return NULL;
}

void signs_rewrite(lrs_sign *s, lrs_sign_kind kind, lrs_severity severity, lrs_action action,
                   double factor, const char *fmt, ...)
{
    char message[sizeof s->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    memcpy(s->message, message, sizeof message);
    s->kind = kind;
    s->severity = severity;
    s->action = action;
    s->factor = factor;
}

int signs_non_finite(lrs_monitor *m, lrs_role role, int64_t step, double x, int *open)
{
    if (isfinite(x)) {
        *open = 0;
        return 0;
    }
    if (!*open)
        signs_raise(m, LRS_SIGN_NAN, LRS_SEVERITY_CRITICAL, role, step, step, LRS_ACTION_STOP, NAN,
                    "%s is %g at step %lld", m->tag[role], x, (long long)step);
    *open = 1;
    return 1;
}

int lrs_monitor_next_sign(lrs_monitor *m, lrs_sign *out)
{
    if (m->queue_len == 0) return 0;
    *out = m->queue[m->queue_head];
    m->queue_head = (m->queue_head + 1) % SIGNS_QUEUE;
    m->queue_len--;
    return 1;
}

uint64_t lrs_monitor_dropped(const lrs_monitor *m)
{
    return m->dropped;
}

const char *signs_lr_clause(char *buf, double lr)
{
    if (isnan(lr)) buf[0] = '\0';
    else snprintf(buf, 48, "; LR was %.3g", lr);
    return buf;
}

const char *lrs_sign_kind_name(lrs_sign_kind kind)
{
    static const char *const names[] = {"nan",   "divergence", "oscillation", "plateau",
                                        "overfit", "slow",     "spike",       "grad_explosion",
                                        "stalled"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

const char *lrs_severity_name(lrs_severity severity)
{
    static const char *const names[] = {"info", "warning", "critical"};
    return (unsigned)severity < 3 ? names[severity] : "unknown";
}

const char *lrs_action_name(lrs_action action)
{
    static const char *const names[] = {"none", "reduce_lr", "raise_lr", "stop"};
    return (unsigned)action < 4 ? names[action] : "unknown";
}

const char *lrs_role_name(lrs_role role)
{
    static const char *const names[] = {"loss", "val_loss", "lr", "grad_norm"};
    return (unsigned)role < LRS_ROLE_COUNT ? names[role] : "unknown";
}
