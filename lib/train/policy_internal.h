/* The watched run's state, shared by policy.c (hooks, actions, snapshots) and
 * policy_log.c (names, what goes into the run's log). */
#ifndef LRSCOPE_POLICY_INTERNAL_H
#define LRSCOPE_POLICY_INTERNAL_H

#include "train_internal.h"

#define POLICY_SNAPSHOTS 4 /* the ring; one more slot keeps the state the run started from */

typedef struct policy_snapshot {
    uint8_t *bytes;  /* lrs_trainer_state_size bytes, allocated at the start */
    int64_t step;    /* steps taken when it was saved; -1: empty */
} policy_snapshot;

typedef struct policy_run {
    lrs_policy_config pc;
    lrs_trainer *t;
    lrs_train_hooks user;        /* the trainer's own hooks, called first */
    lrs_monitor *monitor;
    policy_snapshot snap[POLICY_SNAPSHOTS + 1]; /* ring, then the start (never overwritten) */
    int next_snap;               /* ring position of the next save */
    double scale;                /* the LR scale the policy set */
    double lr_min, lr_max;       /* bounds of base LR x scale */
    int scale_logged;            /* signs/lr_scale has its first point */
    int over;                    /* the run ended: log signs, act on none */
    lrs_policy_result result;
} policy_run;

/* signs/log (text), signs/action and, when the scale changed, signs/lr_scale at
 * scale_step; no-ops without a writer. */
int policy_log_sign(policy_run *p, const lrs_sign *s, int64_t step, lrs_policy_act act,
                    const char *done);
int policy_log_scale(policy_run *p, int64_t step);

#endif
