/* The study runner's pieces shared by the in-process loop (run.c), the trial handle
 * (trial.c) and the forked workers (run_fork.c). */
#ifndef LRSCOPE_RUN_INTERNAL_H
#define LRSCOPE_RUN_INTERNAL_H

#include "signs.h"
#include "study_internal.h"

/* What the runner decided about a running trial: its stop reason when it said stop. */
typedef struct run_slot {
    int id;
    int stop_status;       /* LRS_TRIAL_PRUNED or COMPLETE when the runner stopped it, else -1 */
    char stop_reason[256];
} run_slot;

/* A worker's message to the parent (below PIPE_BUF, so one write is atomic). The parent
 * answers a report with one byte: 'c' go on, 's' stop. */
enum { RUN_MSG_REPORT = 1, RUN_MSG_DONE = 2, RUN_MSG_HEARTBEAT = 3 };
typedef struct run_msg {
    int kind;
    int rc, sign_stopped;
    double epoch, value, score;
    char notes[256];
    char error[256];
} run_msg;

/* A trial handed to the objective. In a worker, reports cross pipes to the parent. */
struct lrs_trial {
    int id;
    lrs_point point;
    const lrs_space *space;
    const lrs_tune_options *opt;
    char dir[4096];
    double max_epochs, last_epoch;
    int threads;
    lrs_monitor *monitor;  /* NULL when signs do not prune */
    double penalty;        /* from oscillation / plateau signs */
    char notes[256];       /* the signs seen, for the trial's reason */
    int sign_stopped;      /* divergence or NaN stopped it */
    int external_signs;    /* signs come through lrs_trial_sign, not the monitor */
    /* Where reports go: the study (in-process), or the process that owns it (a forked
     * worker's pipes, an MPI rank): remote_report sends m and gets 'c' (go on) or 's'. */
    lrs_study *st;
    run_slot *slot;
    int (*remote_report)(lrs_trial *t, const run_msg *m, char *answer);
    void (*remote_tick)(lrs_trial *t); /* called per step: heartbeats */
    void *remote;
};


/* The trial's epoch limit, folder (created, emptied on a restart) and monitor. */
int trial_prepare(lrs_trial *t, lrs_study *st, int id, const lrs_point *p, double max_epochs, int threads);
void trial_release(lrs_trial *t);

/* The runner's side of a report: records it and decides (LRS_OK go on, LRS_ERR_STOPPED stop). */
int run_decide(lrs_study *st, run_slot *slot, double epoch, double value, double score);
/* The runner's side of a trial's end: rc is what the objective returned. */
int run_finish(lrs_study *st, run_slot *slot, int rc, double epochs, int sign_stopped, const char *notes,
               const char *error);

/* The next trial to run: a restart of a trial left running, or a new one (0), or none (1). */
typedef struct run_plan {
    int *restarts;
    int n_restarts, next_restart;
} run_plan;
int run_next(lrs_study *st, run_plan *plan, int *id, lrs_point *p, double *max_epochs, int *done);

/* Puts trial id back at the end of the restart queue (its runner died). */
int run_requeue(run_plan *plan, int id);

int run_parallel(lrs_study *st, const lrs_objective *obj, run_plan *plan, int parallel);
/* A worker's whole trial once prepared (the status trial_prepare returned) and its remote
 * set: runs the objective, fills the DONE message for the owner, releases the trial. */
void trial_run_remote(lrs_trial *t, int prepared, const lrs_objective *obj, run_msg *done);

#endif
