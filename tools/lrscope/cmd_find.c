/* lrscope find: the LR range test on train's model, data and optimizer. Sweeps the LR,
 * suggests one (valley, steep, minimum, or auto: their consensus checked by short runs),
 * logs the sweep and its chart, prints the answer. Exit 0 with an answer, 1 without. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_find.h"
#include "cmd_train.h"
#include "commands.h"

static const char usage_text[] =
    "usage: lrscope find [--data sample|fashion-mnist|PATH] [--model mlp:256] [--optimizer SPEC]\n"
    "                    [--batch 128] [--seed 1] [--threads N] [--clip-norm X] [--val-split F]\n"
    "                    [--start 1e-7] [--end 10] [--iters 100] [--mode exp|linear]\n"
    "                    [--smooth 0.98] [--diverge 4] [--suggest auto|valley|steep|minimum]\n"
    "                    [--verify-steps 150] [--logdir DIR] [--plot FILE] [--json]\n"
    "  Trains one step per LR from --start to --end, stops once the smoothed loss exceeds\n"
    "  --diverge times its minimum, and suggests an LR. auto trains 3 candidates around the\n"
    "  methods' consensus for --verify-steps each (0: no verification) and keeps the best.\n"
    "  --logdir gets find/* scalars, the find/suggestions text and the find/plot image;\n"
    "  --plot (default DIR/find.svg with --logdir) the chart as SVG. Exit 1 without an answer.\n";

typedef struct {
    train_args train;
    lrs_find_options opt;
    int method;
    const char *plot;
    char plot_buf[4096];
} find_args;

/* train's flags that mean nothing to a range test. */
static int is_train_only(const char *arg)
{
    static const char *const names[] = {"--lr", "--lr-fallback", "--schedule", "--epochs",
                                        "--steps", "--checkpoint", "--checkpoint-every",
                                        "--resume", "--eval-every"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (cli_is_flag(arg, names[k]))
            return 1;
    return 0;
}

static int parse_choice(const char *flag, const char *value, const char *const *names, int n,
                        int *out)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(value, names[k]))
            return *out = k, 0;
    return cli_error(CLI_USAGE, "%s: expected %s, got '%s'", flag,
                     n == 2 ? "exp or linear" : "auto, valley, steep or minimum", value);
}

/* Parses argv[*i] when it is one of find's own flags; 1 when it is not. */
static int parse_find_flag(find_args *a, int argc, char **argv, int *i)
{
    static const char *const modes[] = {"exp", "linear"};
    static const char *const methods[] = {"valley", "steep", "minimum", "auto"};
    static const char *const doubles[] = {"--start", "--end", "--smooth", "--diverge"};
    double *double_out[] = {&a->opt.start_lr, &a->opt.end_lr, &a->opt.beta, &a->opt.diverge};
    lrs_find_options *o = &a->opt;
    for (int k = 0; k < 4; k++)
        if (cli_is_flag(argv[*i], doubles[k])) {
            const char *v = cli_flag_value("find", argc, argv, i, doubles[k]);
            return v ? cli_parse_double(doubles[k], v, double_out[k]) : CLI_USAGE;
        }
    int64_t n;
    const char *v;
    if (cli_is_flag(argv[*i], "--iters")) {
        int rc = (v = cli_flag_value("find", argc, argv, i, "--iters"))
                     ? cli_parse_int64("--iters", v, 10, 100000, &n) : CLI_USAGE;
        return rc ? rc : (o->iters = (int)n, 0);
    }
    if (cli_is_flag(argv[*i], "--verify-steps")) {
        int rc = (v = cli_flag_value("find", argc, argv, i, "--verify-steps"))
                     ? cli_parse_int64("--verify-steps", v, 0, 100000, &n) : CLI_USAGE;
        return rc ? rc : (o->verify_steps = (int)n, 0);
    }
    if (cli_is_flag(argv[*i], "--mode"))
        return (v = cli_flag_value("find", argc, argv, i, "--mode"))
                   ? parse_choice("--mode", v, modes, 2, &o->spacing) : CLI_USAGE;
    if (cli_is_flag(argv[*i], "--suggest"))
        return (v = cli_flag_value("find", argc, argv, i, "--suggest"))
                   ? parse_choice("--suggest", v, methods, 4, &a->method) : CLI_USAGE;
    if (cli_is_flag(argv[*i], "--plot"))
        return (a->plot = cli_flag_value("find", argc, argv, i, "--plot")) ? 0 : CLI_USAGE;
    return 1;
}

/* What lrs_find would refuse, named by flag. */
static int check_find_options(find_args *a)
{
    lrs_find_options *o = &a->opt;
    if (!(o->start_lr > 0) || !isfinite(o->start_lr))
        return cli_error(CLI_USAGE, "--start: expected a positive learning rate, got %g", o->start_lr);
    if (!(o->end_lr > o->start_lr) || !isfinite(o->end_lr))
        return cli_error(CLI_USAGE, "--end: expected a learning rate above --start %g, got %g",
                         o->start_lr, o->end_lr);
    if (!(o->beta >= 0 && o->beta < 1))
        return cli_error(CLI_USAGE, "--smooth: expected a factor in [0, 1), got %g", o->beta);
    if (!(o->diverge > 1) || !isfinite(o->diverge))
        return cli_error(CLI_USAGE, "--diverge: expected a factor above 1, got %g", o->diverge);
    o->verify = o->verify_steps > 0;
    o->max_steps = o->iters + (o->verify ? o->candidates * o->verify_steps : 0);
    if (!a->plot && a->train.cfg.logdir) {
        snprintf(a->plot_buf, sizeof a->plot_buf, "%s/find.svg", a->train.cfg.logdir);
        a->plot = a->plot_buf;
    }
    return 0;
}

static int check_args(find_args *a)
{
    train_args *t = &a->train;
    if (t->cfg.clip_norm < 0)
        return cli_error(CLI_USAGE, "--clip-norm: expected a norm >= 0, got %g", t->cfg.clip_norm);
    if (!(t->val_split >= 0 && t->val_split < 1))
        return cli_error(CLI_USAGE, "--val-split: expected a fraction in [0, 1), got %g", t->val_split);
    t->cfg.data_label = t->data;
    t->cfg.val_split = t->val_split;
    int rc = check_find_options(a);
    return rc ? rc : train_check_specs(&t->cfg);
}

static int parse_args(int argc, char **argv, find_args *a)
{
    lrs_train_config_init(&a->train.cfg);
    a->train.data = "sample";
    lrs_find_options_default(&a->opt);
    a->method = LRS_SUGGEST_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(arg, "--json")) {
            a->train.json = 1;
            continue;
        }
        if (strncmp(arg, "--", 2))
            return cli_error(CLI_USAGE, "find: unexpected argument '%s' (flags only, see --help)", arg);
        if (is_train_only(arg))
            return cli_error(CLI_USAGE, "find: %.*s is a train flag; the range test sets the LR "
                             "and its length itself (see --help)", (int)strcspn(arg, "="), arg);
        int rc = parse_find_flag(a, argc, argv, &i);
        if (rc == 1 && (rc = train_parse_flag("find", &a->train, argc, argv, &i)) == 1)
            return cli_error(CLI_USAGE, "find: unknown flag '%s' (see --help)", arg);
        if (rc)
            return rc;
    }
    return check_args(a);
}

static int find(const find_args *a, lrs_dataset *ds)
{
    lrs_train_config cfg = a->train.cfg;
    cfg.logdir = NULL; /* the sweep is logged here, not by the trainer */
    lrs_trainer *t;
    if (lrs_trainer_create(&t, ds, &cfg) != LRS_OK)
        return cli_error(CLI_USAGE, "find: %s", lrs_errmsg());
    lrs_find_result res;
    int status = 0, json = a->train.json;
    if (find_run(t, &a->opt, cli_is_tty(stderr) && !json, &res) != LRS_OK)
        status = cli_error(CLI_FAILED, "find: %s", lrs_errmsg());
    if (!status && (a->train.cfg.logdir || a->plot))
        status = find_log(a->train.cfg.logdir, a->plot, &res);
    if (!status && json)
        find_print_json(stdout, &res, a->method);
    else if (!status)
        find_print_human(stdout, &res, a->method, cli_is_tty(stdout));
    if (!status && !res.suggest[a->method].ok)
        status = CLI_FAILED;
    lrs_find_result_free(&res);
    lrs_trainer_free(t);
    return status;
}

int cmd_find(int argc, char **argv)
{
    find_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    lrs_dataset *ds = NULL;
    if ((rc = train_open_data(a.train.data, a.train.val_split, a.train.cfg.seed, &ds)) == 0)
        rc = find(&a, ds);
    lrs_dataset_close(ds);
    return rc;
}
