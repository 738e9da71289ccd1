/* lrscope tune: hyperparameter search over a space of training flags, with a study
 * kept in SQLite so a killed search resumes where it stopped.
 *
 *   lrs_space *sp;
 *   lrs_space_parse(&sp, "lr=log(1e-5,1);optimizer=sgd:momentum=0.9|adam");
 *
 *   lrs_tune_options o;
 *   lrs_tune_options_init(&o);                 // random search, 20 trials of 1 epoch
 *   o.sampler = LRS_SAMPLER_TPE; o.asha = 1; o.max_epochs = 3;
 *   lrs_study *st;
 *   lrs_study_create(&st, "runs/study", "lr=log(1e-5,1);...", &o);   // or lrs_study_open
 *   lrs_objective obj = { my_run, my_ctx };    // trains one trial (see lrs_objective)
 *   lrs_study_run(st, &obj, 1);
 *   lrs_study_close(st);
 *
 * Space grammar: parameters separated by ';', each `name=DOMAIN`:
 *   name=log(a,b)       log-uniform on [a, b], 0 < a < b
 *   name=uniform(a,b)   uniform on [a, b], a < b
 *   name=int(a,b)       integers a..b inclusive, a <= b
 *   name=v1|v2|...      one of the values (a value may hold ':', '=', ',' but not ';' or '|')
 * Names: lr, optimizer, schedule, batch, wd, momentum, model, clip (the train flags they
 * stand for: --lr, --optimizer, --schedule, --batch, the optimizer's wd= and momentum=,
 * --model, --clip-norm). Sampled continuous values are rounded to 6 significant digits,
 * so a trial's text is exactly what it ran with.
 */
#ifndef LRSCOPE_TUNE_H
#define LRSCOPE_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The search space ---- */

#define LRS_SPACE_MAX_PARAMS 16

typedef enum lrs_param_kind { LRS_PARAM_LOG, LRS_PARAM_UNIFORM, LRS_PARAM_INT, LRS_PARAM_CHOICE } lrs_param_kind;

typedef struct lrs_space lrs_space;

/* Parses spec. LRS_ERR_PARSE with a detail naming the column and the parameter. */
int lrs_space_parse(lrs_space **out, const char *spec);
void lrs_space_free(lrs_space *s);

int lrs_space_size(const lrs_space *s);
const char *lrs_space_name(const lrs_space *s, int i);
lrs_param_kind lrs_space_kind(const lrs_space *s, int i);
/* Index of the parameter called name, or -1. */
int lrs_space_find(const lrs_space *s, const char *name);
/* Narrows a range parameter to [lo, hi] (--seed-with-find centres the LR on a suggestion). */
int lrs_space_set_range(lrs_space *s, int i, double lo, double hi);
/* The canonical spec (parse(describe(s)) is s). LRS_ERR_ARG when buf is too small. */
int lrs_space_describe(const lrs_space *s, char *buf, size_t n);

/* One point of the space: x[i] is parameter i's value, or its choice index for a choice. */
typedef struct lrs_point { double x[LRS_SPACE_MAX_PARAMS]; } lrs_point;

/* Parameter i's value as text ("0.0123", "adam", "128"). */
int lrs_point_value(const lrs_space *s, const lrs_point *p, int i, char *buf, size_t n);
/* The whole point as "name=value;name=value" and back. */
int lrs_point_format(const lrs_space *s, const lrs_point *p, char *buf, size_t n);
int lrs_point_parse(const lrs_space *s, const char *text, lrs_point *p);

/* ---- Search options ---- */

typedef enum lrs_sampler_kind { LRS_SAMPLER_RANDOM, LRS_SAMPLER_GRID, LRS_SAMPLER_TPE } lrs_sampler_kind;

typedef struct lrs_tune_options {
    lrs_sampler_kind sampler; /* random */
    int asha;                 /* 0; 1: stop trials early with ASHA */
    uint64_t seed;            /* 0 */
    int trials;               /* 20: at most this many trials */
    double budget;            /* 0: no cap; else total trial-epochs the study may spend */
    double max_epochs;        /* 1: epochs of a trial that is never stopped (ASHA's R) */
    double grace;             /* 1: ASHA's first rung, in epochs (fractions allowed) */
    double eta;               /* 3: ASHA's reduction factor; rungs at grace x eta^k */
    int grid_points;          /* 3: points per range parameter in a grid */
    int n_startup;            /* 10: TPE samples at random until this many trials ended */
    int n_candidates;         /* 24: TPE candidates drawn from l(x) per parameter */
    double gamma;             /* 0.25: TPE's share of "good" trials */
    int prune_signs;          /* 1: divergence/NaN stop a trial; oscillation/plateau penalise it */
    double sign_penalty;      /* 0.02: subtracted from the value per oscillation/plateau sign */
} lrs_tune_options;

void lrs_tune_options_init(lrs_tune_options *o);
/* "random", "grid", "tpe"; parse returns LRS_ERR_ARG on other names. */
const char *lrs_sampler_name(lrs_sampler_kind k);
int lrs_sampler_parse(const char *name, lrs_sampler_kind *out);

/* ---- A running trial, as its objective sees it ---- */

typedef struct lrs_trial lrs_trial;

int lrs_trial_id(const lrs_trial *t);             /* 0, 1, 2... (folder trial-NNNN) */
const lrs_point *lrs_trial_point(const lrs_trial *t);
const lrs_space *lrs_trial_space(const lrs_trial *t);
const char *lrs_trial_dir(const lrs_trial *t);    /* DIR/trial-NNNN, created and emptied */
double lrs_trial_max_epochs(const lrs_trial *t);  /* train at most this long */
/* Where the next lrs_trial_report is wanted: the next whole epoch or ASHA rung. */
double lrs_trial_next_report(const lrs_trial *t);
/* Threads this trial should use (cores / parallel workers, at least 1). */
int lrs_trial_threads(const lrs_trial *t);

/* Per training step: the loss goes to a warning-sign monitor. LRS_ERR_STOPPED when the
 * trial must stop now (divergence or NaN; the reason is recorded), else LRS_OK. */
int lrs_trial_observe(lrs_trial *t, int64_t step, double loss, double lr);
/* For an objective that watches the run with its own monitor (lrscope tune --on-sign: the
 * trainer's sign policy, same lib/signs options): the trial's monitor is dropped, observe
 * then only keeps the trial alive (and stops it on a non-finite loss), and each sign of
 * the objective's monitor goes to lrs_trial_sign. */
void lrs_trial_external_signs(lrs_trial *t);
/* A sign: divergence or NaN stop the trial (LRS_ERR_STOPPED from here and from every later
 * observe; recorded as the reason) unless recovered (a rollback: only noted); any sign the
 * objective's run ended on (ended: a `stop` policy) stops it too; oscillation and plateau
 * subtract sign_penalty from its score. Nothing when prune_signs is 0. s is lib/signs'
 * lrs_sign (signs.h). */
struct lrs_sign;
int lrs_trial_sign(lrs_trial *t, const struct lrs_sign *s, int recovered, int ended);
/* After `epoch` epochs (fractions allowed): the metric to maximise (val/accuracy).
 * LRS_OK: go on; LRS_ERR_STOPPED: stop now (ASHA or the budget decided). */
int lrs_trial_report(lrs_trial *t, double epoch, double value);

/* Trains one trial: reads the point, calls lrs_trial_observe per step and
 * lrs_trial_report at lrs_trial_next_report() epochs, and returns LRS_OK when done,
 * LRS_ERR_STOPPED when a call above said stop, or another status when it failed.
 * With parallel > 1 it runs in a forked child process. */
typedef struct lrs_objective {
    int (*run)(void *ctx, lrs_trial *t);
    void *ctx;
} lrs_objective;

/* ---- The study: DIR/study.db plus DIR/trial-NNNN/ ---- */

typedef struct lrs_study lrs_study;

/* A new study in dir (created if needed). LRS_ERR_ARG when dir already holds a study. */
int lrs_study_create(lrs_study **out, const char *dir, const char *space_spec, const lrs_tune_options *opt);
/* An existing study, with the space and options it was created with. */
int lrs_study_open(lrs_study **out, const char *dir);
void lrs_study_close(lrs_study *st);

/* Extends a study (a resume with more --trials or --budget): at least as many trials and
 * a budget at least as large (0, no cap, is the largest); stored at once. LRS_ERR_ARG
 * when either would shrink; nothing else of a study changes. */
int lrs_study_extend(lrs_study *st, int trials, double budget);

const lrs_space *lrs_study_space(const lrs_study *st);
void lrs_study_options(const lrs_study *st, lrs_tune_options *out);
/* Free-form notes kept with the study (the CLI keeps its train flags there). get returns
 * LRS_ERR_NOTFOUND when key was never set. */
int lrs_study_set_note(lrs_study *st, const char *key, const char *value);
int lrs_study_get_note(lrs_study *st, const char *key, char *buf, size_t n);

/* Runs trials until `trials` were started or the budget is spent, parallel at a time
 * (forked workers; the calling process owns the database). Trials left running by a
 * killed run are restarted from scratch first. Returns the first database failure, or
 * LRS_OK: a failing trial is recorded as failed and the study goes on. */
int lrs_study_run(lrs_study *st, const lrs_objective *obj, int parallel);

/* ---- MPI (built only when CMake finds MPI; lrs_tune_mpi_available() says) ----
 * Under `mpirun -np N`, rank 0 owns the study and runs it with lrs_study_run_mpi, handing
 * one trial at a time to each other rank, which calls lrs_tune_mpi_worker with the same
 * objective. A rank silent for `timeout` seconds (workers send a heartbeat every second
 * while they train) counts as dead: its trial is handed to another rank. Without MPI the
 * functions return LRS_ERR_UNSUPPORTED (init: rank 0 of 1). */
int lrs_tune_mpi_available(void);
/* MPI_Init when launched by mpirun (else rank 0, size 1 and nothing done). */
int lrs_tune_mpi_init(int *argc, char ***argv, int *rank, int *size);
void lrs_tune_mpi_finalize(void);
int lrs_study_run_mpi(lrs_study *st, double timeout);
/* Sums buf over every rank in place (MPI_Allreduce): lrs_train_config.reduce for data
 * parallel training; ctx is unused. */
int lrs_tune_mpi_sum(void *ctx, float *buf, size_t n);
int lrs_tune_mpi_worker(const lrs_objective *obj);

typedef enum lrs_trial_status {
    LRS_TRIAL_RUNNING, LRS_TRIAL_COMPLETE, LRS_TRIAL_PRUNED, LRS_TRIAL_FAILED
} lrs_trial_status;
const char *lrs_trial_status_name(lrs_trial_status s); /* "running", "complete", ... */

typedef struct lrs_trial_info {
    int id;
    lrs_trial_status status;
    double value;      /* last reported value (NaN when none) */
    double score;      /* value minus sign penalties: what the ranking uses */
    double epochs;     /* epochs trained */
    char params[512];  /* "name=value;..." */
    char reason[256];  /* why it was pruned or failed; signs seen; "" */
} lrs_trial_info;

/* Every trial, best score first (trials without a value last, by id). Free with free(). */
int lrs_study_trials(lrs_study *st, lrs_trial_info **out, int *n);
/* Epochs spent so far by all trials. */
double lrs_study_spent(lrs_study *st);

#ifdef __cplusplus
}
#endif
#endif
