/* Every detector threshold by name, so that a command line or a config can set any of them
 * ("divergence_confirm=8") and list them with their values. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "signs_internal.h"
#include "status_internal.h"

enum option_type { OPT_DOUBLE, OPT_INT, OPT_INT64 };

#define DOUBLE(name) {#name, offsetof(lrs_signs_options, name), OPT_DOUBLE}
#define INT(name) {#name, offsetof(lrs_signs_options, name), OPT_INT}

static const struct { const char *name; size_t offset; enum option_type type; } options[] = {
    {"total_steps", offsetof(lrs_signs_options, total_steps), OPT_INT64},
    DOUBLE(smoothing), DOUBLE(trend_smoothing), INT(window),
    {"resolution_points", offsetof(lrs_signs_options, resolution_points), OPT_INT64},
    DOUBLE(divergence_ratio), INT(divergence_confirm), DOUBLE(divergence_climb_ratio),
    INT(divergence_climb), INT(divergence_climb_median), DOUBLE(divergence_climb_spread),
    DOUBLE(divergence_jump), DOUBLE(divergence_return_fall), DOUBLE(divergence_return),
    DOUBLE(divergence_return_sure), INT(divergence_return_confirm), DOUBLE(divergence_factor),
    DOUBLE(divergence_spread), DOUBLE(divergence_return_noise),
    DOUBLE(spike_ratio), DOUBLE(spike_spread), INT(spike_recover),
    DOUBLE(oscillation_noise_ratio), DOUBLE(oscillation_min_noise), DOUBLE(oscillation_min_drop),
    DOUBLE(oscillation_lr_fraction), DOUBLE(oscillation_rebound), DOUBLE(oscillation_rebound_noise),
    DOUBLE(oscillation_recover), DOUBLE(oscillation_val_swing), INT(oscillation_val_changes),
    DOUBLE(oscillation_factor),
    DOUBLE(plateau_threshold), INT(plateau_patience), DOUBLE(plateau_noise),
    DOUBLE(plateau_patience_fraction), DOUBLE(plateau_min_fall), DOUBLE(plateau_decayed_fraction),
    DOUBLE(plateau_decayed_patience), DOUBLE(plateau_factor),
    INT(overfit_patience), DOUBLE(overfit_rise), DOUBLE(overfit_noise), DOUBLE(overfit_train_fall),
    INT(slow_min_points), DOUBLE(slow_max_fall), INT(start_points), DOUBLE(slow_ratio),
    DOUBLE(slow_min_t), DOUBLE(slow_min_scatter), DOUBLE(stall_fraction), INT(stall_min_points),
    {"stall_first_step", offsetof(lrs_signs_options, stall_first_step), OPT_INT64},
    DOUBLE(stall_calm_noise), DOUBLE(stall_lr_fraction), DOUBLE(epoch_stall_fall), DOUBLE(epoch_stall_later_fall), DOUBLE(epoch_slow_keep),
    DOUBLE(epoch_swing),
    DOUBLE(slow_end_area), DOUBLE(slow_end_share), DOUBLE(slow_end_lr_fraction), DOUBLE(slow_end_t),
    DOUBLE(grad_ratio), DOUBLE(grad_critical_ratio), INT(grad_min_points),
    DOUBLE(sweep_lr_ratio), DOUBLE(sweep_loss_ratio), DOUBLE(sweep_val_ratio),
};
#define N_OPTIONS (sizeof options / sizeof options[0])

size_t lrs_signs_option_count(void) { return N_OPTIONS; }

const char *lrs_signs_option_name(size_t i) { return i < N_OPTIONS ? options[i].name : NULL; }

double lrs_signs_option_value(const lrs_signs_options *o, size_t i)
{
    if (i >= N_OPTIONS) return 0;
    const char *at = (const char *)o + options[i].offset;
    switch (options[i].type) {
    case OPT_INT: return *(const int *)at;
    case OPT_INT64: return (double)*(const int64_t *)at;
    default: return *(const double *)at;
    }
}

int lrs_signs_options_set(lrs_signs_options *o, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    size_t len = eq ? (size_t)(eq - assignment) : strlen(assignment);
    size_t i = 0;
    while (i < N_OPTIONS && !(strlen(options[i].name) == len && !strncmp(options[i].name, assignment, len)))
        i++;
    if (i == N_OPTIONS)
        return lrs_fail(LRS_ERR_ARG, "signs option '%.*s': no such threshold (lrscope check --options lists them)",
                        (int)len, assignment);
    if (!eq || !eq[1])
        return lrs_fail(LRS_ERR_ARG, "signs option '%s': expected NAME=VALUE", assignment);
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    int whole = options[i].type != OPT_DOUBLE;
    if (*end || errno || v != v || (whole && (v != (double)(int64_t)v || v < -2e9 || v > 2e9)))
        return lrs_fail(LRS_ERR_ARG, "signs option '%s': expected %s, got '%s'", options[i].name,
                        whole ? "a whole number" : "a number", eq + 1);
    char *at = (char *)o + options[i].offset;
    if (options[i].type == OPT_INT) *(int *)at = (int)v;
    else if (options[i].type == OPT_INT64) *(int64_t *)at = (int64_t)v;
    else *(double *)at = v;
    return LRS_OK;
}

/* A point count divided by the thinning factor k, rounded, no lower than floor. */
static int thinned_count(int count, double k, int floor)
{
    int c = (int)lround(count / k);
    return c > floor ? c : floor;
}

/* The weight of one point of a series thinned by k in an EMA whose weight per unthinned
 * point is w: k steps of (1 - w) decay. */
static double thinned_weight(double w, double k)
{
    return 1 - pow(1 - w, k);
}

int signs_options_thin(lrs_signs_options *o, int64_t points)
{
    if (points < SIGNS_MIN_THINNED_POINTS || o->resolution_points <= 0 || points >= o->resolution_points)
        return 0;
    double k = (double)o->resolution_points / (double)points;
    o->smoothing = thinned_weight(o->smoothing, k);
    o->trend_smoothing = thinned_weight(o->trend_smoothing, k);
    o->window = thinned_count(o->window, k, SIGNS_MIN_THINNED_WINDOW);
    o->divergence_confirm = thinned_count(o->divergence_confirm, k, 2);
    o->divergence_climb = thinned_count(o->divergence_climb, k, 3);
    o->divergence_return_confirm = thinned_count(o->divergence_return_confirm, k, 3);
    o->spike_recover = thinned_count(o->spike_recover, k, 1);
    o->plateau_patience = thinned_count(o->plateau_patience, k, 3 * o->window);
    o->slow_min_points = thinned_count(o->slow_min_points, k, 3 * o->window);
    o->stall_min_points = thinned_count(o->stall_min_points, k, 4 * o->window);
    o->grad_min_points = thinned_count(o->grad_min_points, k, 5);
    o->start_points = thinned_count(o->start_points, k, 1);
    return 1;
}
