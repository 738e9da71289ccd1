/* lrscope tune's pieces: the arguments (cmd_tune_args.c), a trial on the trainer
 * (cmd_tune_trial.c), the leaderboard (cmd_tune_show.c) and the command (cmd_tune.c). */
#ifndef LRSCOPE_CMD_TUNE_H
#define LRSCOPE_CMD_TUNE_H

#include "train.h"
#include "tune.h"

typedef struct tune_args {
    lrs_train_config cfg;     /* the trials' base config; the space's parameters override it */
    const char *data;
    double val_split;
    int threads_given;
    const char *space, *study;
    lrs_tune_options opt;
    lrs_policy_config policy; /* --on-sign (off unless given) and its bounds, for every trial */
    int parallel, resume, show, json, seed_with_find;
    int trials_given, budget_given; /* on this command line (not the stored one) */
    double mpi_timeout;       /* seconds of silence after which an MPI rank counts as dead */
    int mpi_size;             /* ranks under mpirun (1: none) */
    char study_buf[64];
    char *saved;              /* the stored arguments a resumed study parsed (owned) */
} tune_args;

/* Parses argv into a (defaults first). Returns 0, -1 after --help, or an exit status. */
int tune_parse_args(int argc, char **argv, tune_args *a);
/* Keeps the command line in the study / reads it back on --resume and parses it under
 * the current flags: a resume may change --trials, --budget (raise them: see
 * lrs_study_extend), --parallel, --threads and --mpi-timeout; another flag whose value
 * differs from the study's is refused (CLI_USAGE after one line naming it). --trials and
 * --budget not given come from the study (it may have been extended before). */
int tune_save_args(lrs_study *st, int argc, char **argv);
int tune_load_args(lrs_study *st, int argc, char **argv, tune_args *a);

/* The objective: one trial trained by lib/train on ds with the trial's parameters. */
typedef struct tune_trial_ctx {
    const tune_args *args;
    lrs_dataset *ds;
} tune_trial_ctx;
int tune_run_trial(void *ctx, lrs_trial *t);
/* --seed-with-find: a range test at the base config; narrows the space's lr to one decade
 * either side of the suggestion. Returns an exit status. */
int tune_seed_with_find(const tune_args *a, lrs_dataset *ds, lrs_space *space);

/* One trial's leaderboard columns, in the order the --show --json document and lrscope
 * report's table give them: rank (1-based), trial, status, value, score, epochs, params,
 * reason. text is NULL for a number; a NaN number is a missing value. */
enum { TUNE_COLUMNS = 8 };
typedef struct {
    const char *name;
    double number;
    const char *text;
} tune_column;
void tune_row(const lrs_trial_info *t, int rank, tune_column out[TUNE_COLUMNS]);

/* The leaderboard, best first (text, or the --json document). */
int tune_show(lrs_study *st, int json);

#endif
