/* The verdict of one run, shared by lrscope check and lrscope report so that both say
 * the same thing about the same run. */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "run_pair.h"

int run_verdict_pick(const lrs_run *run, const lrs_run *val_run, const char *loss_glob, run_series *rs,
                     char *val_tag, size_t size)
{
    val_tag[0] = '\0';
    run_series_pick(run, loss_glob, rs);
    if (!rs->role[LRS_ROLE_LOSS]) return 0;
    if (val_run && !rs->role[LRS_ROLE_VAL_LOSS]) run_pair_take_val(val_run, rs, val_tag, size);
    return 1;
}

int run_verdict(lrs_monitor *m, const lrs_run *run, const lrs_run *val_run, const char *loss_glob,
                int64_t total_steps, int live, run_series *rs, lrs_sign *signs, int max, int *n)
{
    int worst = -1;
    *n = 0;
    char val_tag[128];
    if (!run_verdict_pick(run, val_run, loss_glob, rs, val_tag, sizeof val_tag)) return -1;
    lrs_monitor_reset(m);
    /* After the fact the run's length is known: its last logged loss step, unless the
     * caller gave one (--total-steps). */
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    size_t len = lrs_series_len(loss);
    if (total_steps <= 0) total_steps = len ? lrs_series_scalars(loss)[len - 1].step : 0;
    lrs_monitor_set_total_steps(m, total_steps);
    lrs_monitor_set_points(m, run_series_points_at(loss, total_steps)); /* an epoch log is judged per epoch */
    /* After the fact the whole series is known: transients are seen as such. Live, each sign
     * stands as it was raised, and nothing is judged at the series' end (watch never knows
     * a run has ended). */
    lrs_monitor_set_hindsight(m, !live);
    for (int r = 0; r < LRS_ROLE_COUNT; r++)
        if (rs->role[r]) lrs_monitor_set_tag(m, (lrs_role)r, lrs_series_tag(rs->role[r]));
    if (val_tag[0]) lrs_monitor_set_tag(m, LRS_ROLE_VAL_LOSS, val_tag);
    size_t from[LRS_ROLE_COUNT] = {0};
    run_series_feed(m, rs, from);
    if (!live) lrs_monitor_finish(m);
    while (*n < max && lrs_monitor_next_sign(m, &signs[*n])) {
        if ((int)signs[*n].severity > worst) worst = (int)signs[*n].severity;
        (*n)++;
    }
    return worst;
}

const char *verdict_name(int worst)
{
    return worst >= LRS_SEVERITY_CRITICAL ? "critical" : worst >= LRS_SEVERITY_WARNING ? "warning" : "ok";
}
