/* The study's database (study.c) as the runner (run.c) uses it. Every function is one
 * SQLite transaction, so a process killed at any moment leaves the last state change. */
#ifndef LRSCOPE_STUDY_INTERNAL_H
#define LRSCOPE_STUDY_INTERNAL_H

#include <sqlite3.h>

#include "tune_internal.h"

struct lrs_study {
    sqlite3 *db;
    char *dir;
    lrs_space *space;
    lrs_tune_options opt;
};

int study_add_trial(lrs_study *st, int id, const char *params);
/* A trial found running after a kill: forget its reports, as it starts again. */
int study_restart_trial(lrs_study *st, int id);
/* A value after `epoch` epochs (score = value minus penalties). */
int study_report(lrs_study *st, int id, double epoch, double value, double score);
int study_finish(lrs_study *st, int id, lrs_trial_status status, double epochs, const char *reason);
/* The scores recorded at `epoch` by every trial; *out is malloc'ed. */
int study_rung_scores(lrs_study *st, double epoch, double **out, int *n);
/* Ended trials with id < before, in id order, for the samplers; *out is malloc'ed. */
int study_history(lrs_study *st, int before, tune_history **out, int *n);
/* Ids of trials still marked running; the number of trials. */
int study_running(lrs_study *st, int **ids, int *n);
int study_count(lrs_study *st, int *n);
/* A trial's stored point. */
int study_point(lrs_study *st, int id, lrs_point *p);

#endif
