/* lrscope tune: a hyperparameter search over train flags, kept in DIR/study.db so that a
 * killed search continues with --resume; every trial is a TensorBoard run DIR/trial-NNNN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_train.h"
#include "cmd_tune.h"
#include "commands.h"

/* A new study: the space (narrowed by a range test with --seed-with-find) and options. */
static int create_study(const tune_args *a, lrs_dataset *ds, int argc, char **argv, lrs_study **st)
{
    lrs_space *space;
    if (lrs_space_parse(&space, a->space) != LRS_OK)
        return cli_error(CLI_USAGE, "--space: %s", lrs_errmsg());
    char spec[4096];
    int rc = a->seed_with_find ? tune_seed_with_find(a, ds, space) : 0;
    if (rc == 0 && lrs_space_describe(space, spec, sizeof spec) != LRS_OK)
        rc = cli_error(CLI_USAGE, "--space: %s", lrs_errmsg());
    lrs_space_free(space);
    if (rc == 0 && lrs_study_create(st, a->study, spec, &a->opt) != LRS_OK)
        rc = cli_error(CLI_FAILED, "--study %s: %s", a->study, lrs_errmsg());
    if (rc == 0 && (rc = tune_save_args(*st, argc, argv)) != 0) {
        lrs_study_close(*st);
        *st = NULL;
    }
    return rc;
}

static int search(tune_args *a, int argc, char **argv)
{
    lrs_study *st = NULL;
    lrs_dataset *ds = NULL;
    int rc = 0;
    if (a->resume) {
        if (lrs_study_open(&st, a->study) != LRS_OK)
            return cli_error(CLI_FAILED, "--study %s: %s", a->study, lrs_errmsg());
        rc = tune_load_args(st, argc, argv, a);
        if (rc == 0 && lrs_study_extend(st, a->opt.trials, a->opt.budget) != LRS_OK)
            rc = cli_error(CLI_USAGE, "--resume: %s", lrs_errmsg());
    }
    if (rc == 0)
        rc = train_open_data(a->data, a->val_split, a->cfg.seed, &ds);
    if (rc == 0 && !st)
        rc = create_study(a, ds, argc, argv, &st);
    if (rc == 0) {
        fprintf(stderr, "lrscope: study in %s (trials in %s/trial-NNNN)\n", a->study, a->study);
        tune_trial_ctx ctx = {a, ds};
        lrs_objective obj = {tune_run_trial, &ctx};
        int run = a->mpi_size > 1 ? lrs_study_run_mpi(st, a->mpi_timeout) : lrs_study_run(st, &obj, a->parallel);
        if (run != LRS_OK)
            rc = cli_error(CLI_FAILED, "tune: %s", lrs_errmsg());
        else
            rc = tune_show(st, a->json);
    }
    lrs_study_close(st);
    lrs_dataset_close(ds);
    return rc;
}

/* An MPI rank other than 0: the same flags (read from the study on --resume), the data,
 * then trials from rank 0 until it says stop. */
static int mpi_worker(tune_args *a, int argc, char **argv)
{
    lrs_study *st;
    int rc = 0;
    if (a->resume) {
        if (lrs_study_open(&st, a->study) != LRS_OK)
            return cli_error(CLI_FAILED, "--study %s: %s", a->study, lrs_errmsg());
        rc = tune_load_args(st, argc, argv, a);
        lrs_study_close(st);
    }
    lrs_dataset *ds = NULL;
    if (rc == 0)
        rc = train_open_data(a->data, a->val_split, a->cfg.seed, &ds);
    tune_trial_ctx ctx = {a, ds};
    lrs_objective obj = {tune_run_trial, &ctx};
    if (rc == 0 && lrs_tune_mpi_worker(&obj) != LRS_OK)
        rc = cli_error(CLI_FAILED, "tune: %s", lrs_errmsg());
    lrs_dataset_close(ds);
    return rc;
}

int cmd_tune(int argc, char **argv)
{
    tune_args a = {0};
    int rank, size;
    if (lrs_tune_mpi_init(&argc, &argv, &rank, &size) != LRS_OK)
        return cli_error(CLI_FAILED, "tune: %s", lrs_errmsg());
    a.mpi_size = size;
    int rc = tune_parse_args(argc, argv, &a);
    if (rc == 0 && rank > 0) {
        rc = a.show ? 0 : mpi_worker(&a, argc, argv);
    } else if (rc == 0 && a.show) {
        lrs_study *st;
        if (lrs_study_open(&st, a.study) != LRS_OK)
            return cli_error(CLI_FAILED, "--study %s: %s", a.study, lrs_errmsg());
        rc = tune_show(st, a.json);
        lrs_study_close(st);
    } else if (rc == 0) {
        rc = search(&a, argc, argv);
    }
    free(a.saved);
    lrs_tune_mpi_finalize();
    return rc < 0 ? CLI_OK : rc;
}
