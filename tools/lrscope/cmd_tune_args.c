/* lrscope tune's flags: the search's own and the train flags every trial starts from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_train.h"
#include "cmd_tune.h"

static const char usage_text[] =
    "usage: lrscope tune --space SPEC [--trials 20] [--budget EPOCHS] [--epochs 1]\n"
    "                    [--strategy random|grid|asha|tpe|tpe+asha] [--parallel 1] [--study DIR]\n"
    "                    [--resume] [--seed 0] [--seed-with-find] [--grid-points 3] [--eta 3]\n"
    "                    [--grace 1] [--startup 10] [--mpi-timeout 60] [train flags...]\n"
    "       mpirun -np N lrscope tune ... (rank 0 owns the study, the others run trials)\n"
    "       lrscope tune --study DIR --show [--json]\n"
    "  SPEC: name=log(a,b) | uniform(a,b) | int(a,b) | v1|v2|... joined by ';', names lr,\n"
    "  optimizer, schedule, batch, wd, momentum, model, clip.\n"
    "  --epochs: epochs of a trial that is never stopped; --budget: total trial-epochs.\n"
    "  train flags: --data --model --optimizer --lr --schedule --batch --train-seed --threads\n"
    "  --clip-norm --val-split --on-sign --lr-min --lr-max --max-actions (as lrscope train;\n"
    "  --on-sign off by default: divergence/NaN prune a trial, oscillation/plateau cost 0.02;\n"
    "  with a policy its monitor's signs do, and a rollback's divergence no longer prunes).\n"
    "  The value is the last val/accuracy.\n"
    "  --resume: the study's stored flags; a larger --trials or --budget extends it; only\n"
    "  --trials, --budget, --parallel, --threads and --mpi-timeout may differ.\n";

/* "asha" and "tpe+asha" are a sampler plus ASHA's early stopping. */
static int parse_strategy(const char *text, lrs_tune_options *o)
{
    char name[32];
    snprintf(name, sizeof name, "%s", text);
    char *plus = strstr(name, "+asha");
    o->asha = plus || !strcmp(name, "asha");
    if (plus)
        *plus = '\0';
    if (!strcmp(name, "asha"))
        strcpy(name, "random");
    if (lrs_sampler_parse(name, &o->sampler) != LRS_OK || (plus && plus[5]))
        return cli_error(CLI_USAGE, "--strategy %s: expected random, grid, asha, tpe or tpe+asha", text);
    return 0;
}

static int parse_flag(tune_args *a, int argc, char **argv, int *i)
{
    int sign_rc = train_parse_sign_flag("tune", &a->policy, argc, argv, i);
    if (sign_rc != 1)
        return sign_rc;
    int64_t trials = a->opt.trials, parallel = a->parallel, seed = (int64_t)a->opt.seed, points = a->opt.grid_points,
            startup = a->opt.n_startup, batch = a->cfg.batch, train_seed = (int64_t)a->cfg.seed,
            threads = a->cfg.threads;
    const char *strategy = NULL;
    const cli_flag flags[] = {
        {CLI_TEXT, "--space", &a->space, 0, 0},
        {CLI_TEXT, "--study", &a->study, 0, 0},
        {CLI_TEXT, "--strategy", &strategy, 0, 0},
        {CLI_NUMBER, "--budget", &a->opt.budget, 0, 0},
        {CLI_NUMBER, "--epochs", &a->opt.max_epochs, 0, 0},
        {CLI_NUMBER, "--eta", &a->opt.eta, 0, 0},
        {CLI_NUMBER, "--grace", &a->opt.grace, 0, 0},
        {CLI_WHOLE, "--trials", &trials, 1, 1000000},
        {CLI_NUMBER, "--mpi-timeout", &a->mpi_timeout, 0, 0},
        {CLI_WHOLE, "--parallel", &parallel, 1, 64},
        {CLI_WHOLE, "--seed", &seed, 0, INT64_MAX},
        {CLI_WHOLE, "--grid-points", &points, 1, 1000},
        {CLI_WHOLE, "--startup", &startup, 0, 1000000},
        {CLI_TEXT, "--data", &a->data, 0, 0},
        {CLI_TEXT, "--model", &a->cfg.model, 0, 0},
        {CLI_TEXT, "--optimizer", &a->cfg.optimizer, 0, 0},
        {CLI_TEXT, "--schedule", &a->cfg.schedule, 0, 0},
        {CLI_NUMBER, "--lr", &a->cfg.lr, 0, 0},
        {CLI_NUMBER, "--clip-norm", &a->cfg.clip_norm, 0, 0},
        {CLI_NUMBER, "--val-split", &a->val_split, 0, 0},
        {CLI_WHOLE, "--batch", &batch, 1, 65536},
        {CLI_WHOLE, "--train-seed", &train_seed, 0, INT64_MAX},
        {CLI_WHOLE, "--threads", &threads, 1, 1024},
    };
    const cli_flag *f = NULL;
    int rc = cli_parse_flag_table("tune", flags, sizeof flags / sizeof flags[0], argc, argv, i, &f);
    if (rc == 1)
        return cli_error(CLI_USAGE, "tune: unknown flag '%s' (see --help)", argv[*i]);
    a->opt.trials = (int)trials, a->parallel = (int)parallel, a->opt.seed = (uint64_t)seed;
    a->opt.grid_points = (int)points, a->opt.n_startup = (int)startup, a->cfg.batch = (int)batch;
    a->cfg.seed = (uint64_t)train_seed, a->cfg.threads = (int)threads;
    a->threads_given |= !strcmp(f->name, "--threads");
    a->trials_given |= !strcmp(f->name, "--trials");
    a->budget_given |= !strcmp(f->name, "--budget");
    if (rc == 0 && strategy)
        rc = parse_strategy(strategy, &a->opt);
    return rc;
}

static int check_args(tune_args *a)
{
    const lrs_tune_options *o = &a->opt;
    if (!(o->budget >= 0))
        return cli_error(CLI_USAGE, "--budget: expected trial-epochs >= 0, got %g", o->budget);
    if (!(o->max_epochs > 0))
        return cli_error(CLI_USAGE, "--epochs: expected epochs > 0, got %g", o->max_epochs);
    if (!(o->eta > 1))
        return cli_error(CLI_USAGE, "--eta: expected a reduction factor > 1, got %g", o->eta);
    if (!(o->grace > 0))
        return cli_error(CLI_USAGE, "--grace: expected epochs > 0, got %g", o->grace);
    if (!(a->cfg.lr >= 0))
        return cli_error(CLI_USAGE, "--lr: expected a positive learning rate, got %g", a->cfg.lr);
    if (!(a->mpi_timeout > 0))
        return cli_error(CLI_USAGE, "--mpi-timeout: expected seconds > 0, got %g", a->mpi_timeout);
    if (!(a->val_split >= 0 && a->val_split < 1))
        return cli_error(CLI_USAGE, "--val-split: expected a fraction in [0, 1), got %g", a->val_split);
    if (!a->study && (a->show || a->resume))
        return cli_error(CLI_USAGE, "tune: --show and --resume need --study DIR");
    if (!a->study) {
        time_t now = time(NULL);
        strftime(a->study_buf, sizeof a->study_buf, "runs/tune-%Y%m%d-%H%M%S", localtime(&now));
        a->study = a->study_buf;
    }
    if (!a->space && !a->show && !a->resume)
        return cli_error(CLI_USAGE, "tune: --space SPEC is needed (see --help)");
    a->cfg.data_label = a->data;
    a->cfg.val_split = a->val_split;
    return 0;
}

static void defaults(tune_args *a)
{
    char *saved = a->saved;
    int mpi_size = a->mpi_size;
    memset(a, 0, sizeof *a);
    a->saved = saved;
    a->mpi_size = mpi_size;
    lrs_train_config_init(&a->cfg);
    lrs_tune_options_init(&a->opt);
    lrs_policy_config_init(&a->policy);
    a->policy.policy = LRS_POLICY_OFF;
    a->data = "sample";
    a->parallel = 1;
    a->mpi_timeout = 60;
}

/* Flags of argv[1..argc) onto a. */
static int parse_into(int argc, char **argv, tune_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc = 0;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(arg, "--json"))
            a->json = 1;
        else if (!strcmp(arg, "--show"))
            a->show = 1;
        else if (!strcmp(arg, "--resume"))
            a->resume = 1;
        else if (!strcmp(arg, "--seed-with-find"))
            a->seed_with_find = 1;
        else if (strncmp(arg, "--", 2))
            rc = cli_error(CLI_USAGE, "tune: unexpected argument '%s' (flags only, see --help)", arg);
        else
            rc = parse_flag(a, argc, argv, &i);
        if (rc)
            return rc;
    }
    return 0;
}

int tune_parse_args(int argc, char **argv, tune_args *a)
{
    defaults(a);
    int rc = parse_into(argc, argv, a);
    return rc ? rc : check_args(a);
}

/* Arguments are kept one per line (none holds a newline: specs are one-line). */
int tune_save_args(lrs_study *st, int argc, char **argv)
{
    size_t n = 1;
    for (int i = 1; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *text = calloc(n, 1);
    if (!text)
        return cli_error(CLI_FAILED, "tune: out of memory");
    for (int i = 1; i < argc; i++)
        strcat(strcat(text, argv[i]), "\n");
    int rc = lrs_study_set_note(st, "args", text);
    free(text);
    return rc == LRS_OK ? 0 : cli_error(CLI_FAILED, "tune: %s", lrs_errmsg());
}

static int same_text(const char *x, const char *y)
{
    return x == y || (x && y && !strcmp(x, y));
}

/* What the study searches and how: a resume must not change it (the trials so far would
 * no longer be comparable, nor the samplers' history valid). */
static int check_unchanged(const tune_args *was, const tune_args *a)
{
    const lrs_tune_options *o = &was->opt, *n = &a->opt;
    const lrs_train_config *c = &was->cfg, *d = &a->cfg;
    const struct {
        const char *flag;
        int same;
    } checks[] = {
        {"--space", same_text(was->space, a->space)},
        {"--strategy", o->sampler == n->sampler && o->asha == n->asha},
        {"--seed", o->seed == n->seed},                 {"--epochs", o->max_epochs == n->max_epochs},
        {"--grace", o->grace == n->grace},              {"--eta", o->eta == n->eta},
        {"--grid-points", o->grid_points == n->grid_points}, {"--startup", o->n_startup == n->n_startup},
        {"--seed-with-find", was->seed_with_find == a->seed_with_find},
        {"--data", same_text(was->data, a->data)},      {"--model", same_text(c->model, d->model)},
        {"--optimizer", same_text(c->optimizer, d->optimizer)},
        {"--schedule", same_text(c->schedule, d->schedule)},
        {"--lr", c->lr == d->lr},                       {"--batch", c->batch == d->batch},
        {"--train-seed", c->seed == d->seed},           {"--clip-norm", c->clip_norm == d->clip_norm},
        {"--val-split", was->val_split == a->val_split},
        {"--on-sign", was->policy.policy == a->policy.policy},
        {"--lr-min", was->policy.lr_min == a->policy.lr_min},
        {"--lr-max", was->policy.lr_max == a->policy.lr_max},
        {"--max-actions", was->policy.max_actions == a->policy.max_actions},
    };
    for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++)
        if (!checks[k].same)
            return cli_error(CLI_USAGE, "--resume: %s differs from the study's (a resumed study keeps its space, "
                             "strategy and train flags; only --trials, --budget, --parallel, --threads and "
                             "--mpi-timeout may change)", checks[k].flag);
    return 0;
}

int tune_load_args(lrs_study *st, int argc, char **argv, tune_args *a)
{
    a->saved = malloc(65536);
    if (!a->saved || lrs_study_get_note(st, "args", a->saved, 65536) != LRS_OK)
        return cli_error(CLI_FAILED, "--resume: %s/study.db holds no arguments: %s", a->study, lrs_errmsg());
    char *old[512];
    int n = 0;
    old[n++] = argv[0];
    for (char *line = strtok(a->saved, "\n"); line && n < 512; line = strtok(NULL, "\n"))
        old[n++] = line;
    defaults(a);
    int rc = parse_into(n, old, a);
    tune_args was = *a;
    a->trials_given = a->budget_given = 0;
    if (rc == 0)
        rc = parse_into(argc, argv, a); /* today's flags win (--parallel, --threads...) */
    a->show = 0;
    if (rc == 0)
        rc = check_unchanged(&was, a);
    lrs_tune_options stored;
    lrs_study_options(st, &stored);
    if (!a->trials_given)
        a->opt.trials = stored.trials;
    if (!a->budget_given)
        a->opt.budget = stored.budget;
    return rc ? rc : check_args(a);
}
