/* lrscope train: train an MLP with lib/train, logging to a TensorBoard logdir, with
 * progress on a terminal, JSON lines with --json, checkpoints and resume. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_train.h"
#include "commands.h"
#include "train.h"
#include "tune.h"

enum { CLI_NUMERIC = 3 }; /* the loss became NaN or infinite, or a sign policy stopped the run */

static const char usage_text[] =
    "usage: lrscope train [--data sample|fashion-mnist|PATH] [--model mlp:256] [--optimizer SPEC]\n"
    "                     [--lr X|auto] [--lr-fallback X] [--schedule SPEC]\n"
    "                     [--epochs N | --steps N] [--batch 128]\n"
    "                     [--seed 1] [--threads N] [--clip-norm X] [--eval-every N]\n"
    "                     [--val-split F] [--logdir DIR] [--checkpoint FILE]\n"
    "                     [--checkpoint-every N] [--resume FILE] [--json]\n"
    "                     [--on-sign off|warn|stop|reduce|rollback|adapt] [--lr-min X]\n"
    "                     [--lr-max X] [--max-actions N] [--lr-scaling none|linear|sqrt]\n"
    "                     [--lr-warmup EPOCHS]\n"
    "       mpirun -np N lrscope train ... (data parallel: --batch per rank)\n"
    "  defaults: --data sample --model mlp:256 --optimizer sgd:momentum=0.9 --lr 0.1 (sgd)\n"
    "  or 1e-3 (adam, adamw) --schedule constant --epochs 1 --batch 128 --seed 1, --threads all\n"
    "  cores, --logdir runs/<date-time>. Exit 3 when the loss becomes NaN or infinite.\n"
    "  --seed S: PyTorch's initial weights and batches for torch.manual_seed(S) (nn.Linear\n"
    "  layers, a DataLoader(shuffle=True), evaluations through a DataLoader).\n"
    "  --lr auto: a range test (logged under find/*) picks the LR (onecycle/cyclic: the max LR).\n"
    "  --on-sign warn (default): warning signs on stderr and under signs/ in the log; stop: end\n"
    "  on a critical sign (exit 3); reduce: LR x factor on oscillation/plateau; rollback: on\n"
    "  divergence/NaN back to an in-memory snapshot at LR x0.1; adapt: all, and raise a slow\n"
    "  LR. LR bounds --lr-min LR/1000, --lr-max LR x10; --max-actions 10 LR changes.\n"
    "  Under mpirun -np N the global batch is N x --batch; --lr-scaling linear: LR x N (sqrt:\n"
    "  x sqrt(N)) with a warm-up from the LR over --lr-warmup 5 epochs (Goyal et al. 2017).\n";

/* --on-sign and its bounds: lib/train's sign policies (train.h). */
typedef struct {
    lrs_policy_config pc;
} sign_args;

int train_parse_sign_flag(const char *cmd, lrs_policy_config *pc, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--on-sign", "--lr-min", "--lr-max", "--max-actions"};
    const char *name = NULL, *value;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (cli_is_flag(argv[*i], names[k]))
            name = names[k];
    if (!name)
        return 1;
    if (!(value = cli_flag_value(cmd, argc, argv, i, name)))
        return CLI_USAGE;
    if (name == names[0])
        return lrs_sign_policy_parse(value, &pc->policy) == LRS_OK
                   ? 0 : cli_error(CLI_USAGE, "--on-sign: %s", lrs_errmsg());
    if (name == names[3]) {
        int64_t actions;
        int rc = cli_parse_int64(name, value, 0, 1000000, &actions);
        pc->max_actions = (int)actions;
        return rc;
    }
    double *out = name == names[1] ? &pc->lr_min : &pc->lr_max;
    int rc = cli_parse_double(name, value, out);
    if (rc == 0 && !(*out > 0))
        rc = cli_error(CLI_USAGE, "%s: expected a positive learning rate, got %g", name, *out);
    return rc;
}

static void print_sign(void *ctx, const lrs_sign *s, lrs_policy_act act, const char *done)
{
    (void)ctx, (void)act;
    fprintf(stderr, "lrscope: step %lld: %s %s on %s: %s; %s\n", (long long)s->end_step,
            lrs_severity_name(s->severity), lrs_sign_kind_name(s->kind), s->tag, s->message, done);
}

int train_parse_flag(const char *cmd, train_args *a, int argc, char **argv, int *i)
{
    int64_t epochs = a->cfg.epochs, batch = a->cfg.batch, seed = (int64_t)a->cfg.seed,
            threads = a->cfg.threads;
    const cli_flag flags[] = {
        {CLI_TEXT, "--data", &a->data, 0, 0},
        {CLI_TEXT, "--model", &a->cfg.model, 0, 0},
        {CLI_TEXT, "--optimizer", &a->cfg.optimizer, 0, 0},
        {CLI_TEXT, "--schedule", &a->cfg.schedule, 0, 0},
        {CLI_TEXT, "--logdir", &a->cfg.logdir, 0, 0},
        {CLI_TEXT, "--checkpoint", &a->cfg.checkpoint, 0, 0},
        {CLI_TEXT, "--resume", &a->resume, 0, 0},
        {CLI_NUMBER, "--lr", &a->cfg.lr, 0, 0},
        {CLI_NUMBER, "--clip-norm", &a->cfg.clip_norm, 0, 0},
        {CLI_NUMBER, "--val-split", &a->val_split, 0, 0},
        {CLI_WHOLE, "--epochs", &epochs, 1, 1000000},
        {CLI_WHOLE, "--steps", &a->cfg.steps, 1, INT64_C(1) << 40},
        {CLI_WHOLE, "--batch", &batch, 1, 65536},
        {CLI_WHOLE, "--seed", &seed, 0, INT64_MAX},
        {CLI_WHOLE, "--threads", &threads, 1, 1024},
        {CLI_WHOLE, "--eval-every", &a->cfg.eval_every, 1, INT64_C(1) << 40},
        {CLI_WHOLE, "--checkpoint-every", &a->cfg.checkpoint_every, 1, INT64_C(1) << 40},
    };
    const cli_flag *f = NULL;
    int rc = cli_parse_flag_table(cmd, flags, sizeof flags / sizeof flags[0], argc, argv, i, &f);
    if (rc == 1)
        return 1;
    a->cfg.epochs = epochs, a->cfg.batch = (int)batch, a->cfg.seed = (uint64_t)seed;
    a->cfg.threads = (int)threads;
    a->epochs_given |= !strcmp(f->name, "--epochs");
    return rc;
}

int train_check_specs(const lrs_train_config *c)
{
    lrs_mlp *m = NULL;
    lrs_optim *o = NULL;
    lrs_schedule *s = NULL;
    int rc = 0;
    if (lrs_mlp_create(&m, c->model, 1, 2, 1, 0) != LRS_OK)
        rc = cli_error(CLI_USAGE, "--model %s: %s", c->model, lrs_errmsg());
    else if (lrs_optim_create(&o, c->optimizer, 1) != LRS_OK)
        rc = cli_error(CLI_USAGE, "--optimizer %s: %s", c->optimizer, lrs_errmsg());
    else if (/* the trainer fills in a missing length, see train.h */
             lrs_schedule_parse(&s, c->schedule, c->lr > 0 ? c->lr : 0.1) != LRS_OK &&
             !strstr(lrs_errmsg(), "needs steps=") && !strstr(lrs_errmsg(), "needs T="))
        rc = cli_error(CLI_USAGE, "--schedule %s: %s", c->schedule, lrs_errmsg());
    lrs_schedule_free(s);
    lrs_optim_free(o);
    lrs_mlp_free(m);
    return rc;
}

static int check_args(train_args *a)
{
    if (a->epochs_given && a->cfg.steps > 0)
        return cli_error(CLI_USAGE, "train: give --epochs or --steps, not both");
    if (!(a->cfg.lr > 0) && a->cfg.lr != 0)
        return cli_error(CLI_USAGE, "--lr: expected a positive learning rate, got %g", a->cfg.lr);
    if (a->cfg.clip_norm < 0)
        return cli_error(CLI_USAGE, "--clip-norm: expected a norm >= 0, got %g", a->cfg.clip_norm);
    if (!(a->val_split >= 0 && a->val_split < 1))
        return cli_error(CLI_USAGE, "--val-split: expected a fraction in [0, 1), got %g", a->val_split);
    if (!a->cfg.logdir) {
        time_t now = time(NULL);
        strftime(a->logdir, sizeof a->logdir, "runs/%Y%m%d-%H%M%S", localtime(&now));
        a->cfg.logdir = a->logdir;
    }
    a->cfg.data_label = a->data;
    a->cfg.val_split = a->val_split;
    return train_check_specs(&a->cfg);
}

static int parse_args(int argc, char **argv, train_args *a, sign_args *sign)
{
    lrs_train_config_init(&a->cfg);
    a->data = "sample";
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(arg, "--json")) {
            a->json = 1;
            continue;
        }
        if (strncmp(arg, "--", 2))
            return cli_error(CLI_USAGE, "train: unexpected argument '%s' (flags only, see --help)", arg);
        int rc = lr_auto_parse_flag(&a->lr_auto, argc, argv, &i);
        if (rc == 1)
            rc = train_parse_sign_flag("train", &sign->pc, argc, argv, &i);
        if (rc == 1)
            rc = lr_scaling_parse_flag(&a->scaling, argc, argv, &i);
        if (rc == 1 && (rc = train_parse_flag("train", a, argc, argv, &i)) == 1)
            return cli_error(CLI_USAGE, "train: unknown flag '%s' (see --help)", arg);
        if (rc)
            return rc;
    }
    int rc = lr_scaling_check(&a->scaling, &a->lr_auto);
    return rc ? rc : check_args(a);
}

int train_open_data(const char *data, double val_split, uint64_t seed, lrs_dataset **ds)
{
    if (lrs_dataset_open(ds, data, NULL) != LRS_OK) {
        if (!strcmp(data, "fashion-mnist"))
            return cli_error(CLI_FAILED, "--data fashion-mnist: %s (install Debian's "
                             "dataset-fashion-mnist: scripts/setup.sh fashion-mnist)", lrs_errmsg());
        return cli_error(CLI_FAILED, "--data %s: %s", data, lrs_errmsg());
    }
    if (val_split > 0 && lrs_dataset_val_split(*ds, val_split, seed) != LRS_OK)
        return cli_error(CLI_USAGE, "--val-split %g: %s", val_split, lrs_errmsg());
    return 0;
}

/* Progress on a terminal: a live line, redrawn at most 5 times a second, and a line per epoch. */
typedef struct {
    const train_args *args;
    double start, last_draw;
    int tty;
} progress;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int on_step(void *ctx, lrs_trainer *t, const lrs_step_info *s)
{
    progress *p = ctx;
    double now = wall_now();
    if (!p->tty || now - p->last_draw < 0.2)
        return LRS_OK;
    p->last_draw = now;
    lrs_train_result r;
    lrs_trainer_result(t, &r);
    int64_t spe = lrs_trainer_steps_per_epoch(t), total = lrs_trainer_total_steps(t);
    double eta = r.samples_per_sec > 0
                     ? (double)(total - s->step - 1) * p->args->cfg.batch / r.samples_per_sec : 0;
    fprintf(stderr, "\repoch %" PRId64 "/%" PRId64 " step %" PRId64 "/%" PRId64
                    " loss %.4f lr %.4g %.0f samples/s ETA %d:%02d   ",
            s->epoch + 1, (total + spe - 1) / spe, s->step + 1, total, s->loss, s->lr,
            r.samples_per_sec, (int)eta / 60, (int)eta % 60);
    fflush(stderr);
    return LRS_OK;
}

static int on_eval(void *ctx, lrs_trainer *t, const lrs_eval_info *e)
{
    progress *p = ctx;
    (void)t;
    if (!p->args->json)
        return LRS_OK;
    printf("{\"event\":\"eval\",\"epoch\":%" PRId64 ",\"step\":%" PRId64 ",\"val_loss\":", e->epoch + 1,
           e->step);
    json_double(stdout, e->val_loss);
    fputs(",\"val_accuracy\":", stdout);
    json_double(stdout, e->val_accuracy);
    fputs(",\"lr\":", stdout);
    json_double(stdout, e->lr);
    fputs("}\n", stdout);
    fflush(stdout);
    return LRS_OK;
}

static int on_epoch(void *ctx, lrs_trainer *t, const lrs_epoch_info *e)
{
    progress *p = ctx;
    if (!p->tty)
        return LRS_OK;
    lrs_train_result r;
    lrs_trainer_result(t, &r);
    fprintf(stderr, "\repoch %" PRId64 " step %" PRId64 " loss %.4f val_loss %.4f val_accuracy %.4f "
                    "%.0f samples/s %.1f s          \n",
            e->epoch + 1, e->step + 1, e->train_loss, r.val_loss, r.val_accuracy, e->samples_per_sec,
            wall_now() - p->start);
    return LRS_OK;
}

/* "0.8390", or "-" when there was nothing to measure it on (no held-out or test set). */
static const char *metric_text(char *buf, double v)
{
    if (isnan(v)) return "-";
    snprintf(buf, 32, "%.4f", v);
    return buf;
}

/* A run that ended without finishing (a NaN loss, a sign policy's stop, a failure): with
 * --json, a last line saying why on stdout too, so that a piped reader sees how it ended. */
static void print_stopped(const train_args *a, const char *why)
{
    if (!a->json)
        return;
    fputs("{\"event\":\"stopped\",\"message\":", stdout);
    json_string(stdout, why);
    fputs("}\n", stdout);
    fflush(stdout);
}

static void print_done(const train_args *a, lrs_trainer *t, lrs_dataset *ds)
{
    lrs_train_result r;
    lrs_trainer_result(t, &r);
    double test_loss = NAN, test_accuracy = NAN;
    if (lrs_dataset_split(ds, LRS_SPLIT_TEST).n > 0)
        lrs_trainer_evaluate(t, LRS_SPLIT_TEST, &test_loss, &test_accuracy);
    if (!a->json) {
        char vl[32], va[32], ta[32];
        printf("done: %" PRId64 " steps, %.2f epochs, train loss %.4f, val loss %s, val accuracy %s, "
               "test accuracy %s, %.1f s, %.0f samples/s, logdir %s\n",
               r.steps, r.epochs, r.train_loss, metric_text(vl, r.val_loss), metric_text(va, r.val_accuracy),
               metric_text(ta, test_accuracy), r.seconds, r.samples_per_sec, a->cfg.logdir);
        return;
    }
    const char *keys[] = {"epochs", "train_loss", "val_loss", "val_accuracy", "test_accuracy", "seconds",
                          "samples_per_sec"};
    double values[] = {r.epochs, r.train_loss, r.val_loss, r.val_accuracy, test_accuracy, r.seconds,
                       r.samples_per_sec};
    printf("{\"event\":\"done\",\"steps\":%" PRId64, r.steps);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        printf(",\"%s\":", keys[i]);
        json_double(stdout, values[i]);
    }
    fputs(",\"logdir\":", stdout);
    json_string(stdout, a->cfg.logdir);
    fputs("}\n", stdout);
}

static int train(const train_args *a, sign_args *sign, lrs_dataset *ds)
{
    lrs_trainer *t;
    if (lrs_trainer_create(&t, ds, &a->cfg) != LRS_OK)
        return cli_error(CLI_USAGE, "train: %s", lrs_errmsg());
    int status = lr_scaling_apply(&a->scaling, t, &a->cfg, a->json);
    if (status == 0 && a->resume && lrs_trainer_load(t, a->resume) != LRS_OK)
        status = cli_error(CLI_FAILED, "--resume: %s", lrs_errmsg());
    if (status) {
        lrs_trainer_free(t);
        return status;
    }
    progress p = {a, wall_now(), 0, cli_is_tty(stderr) && !a->json};
    lrs_train_hooks hooks = {on_step, on_eval, on_epoch, &p};
    lrs_trainer_set_hooks(t, &hooks);
    status = lr_auto_apply(&a->lr_auto, t, a->cfg.logdir, a->json);
    if (status) {
        lrs_trainer_free(t);
        return status;
    }
    if (!a->json)
        fprintf(stderr, "lrscope: logging to %s\n", a->cfg.logdir);
    sign->pc.on_sign = print_sign;
    int rc = lrs_trainer_run_watched(t, &sign->pc, NULL);
    if (rc != LRS_OK)
        print_stopped(a, lrs_errmsg());
    if (rc == LRS_ERR_NUMERIC || rc == LRS_ERR_STOPPED)
        status = cli_error(CLI_NUMERIC, "train: %s", lrs_errmsg());
    else if (rc != LRS_OK)
        status = cli_error(CLI_FAILED, "train: %s", lrs_errmsg());
    else
        print_done(a, t, ds);
    lrs_trainer_free(t);
    return status;
}

/* Under mpirun: --batch is each rank's batch (as Horovod and PyTorch DDP), the global batch
 * size x --batch; every rank trains its share of each global batch and the gradients are
 * summed (lrs_train_config.shards), so the run is the single-process run of the global
 * batch; rank 0 alone logs, checkpoints and prints. */
static int shard_over_ranks(train_args *a, int rank, int size)
{
    if (size < 2)
        return 0;
    if ((int64_t)a->cfg.batch * size > 1 << 20)
        return cli_error(CLI_USAGE, "--batch %d: %d ranks make a global batch over 1048576", a->cfg.batch, size);
    a->cfg.batch *= size;
    a->cfg.shard = rank;
    a->cfg.shards = size;
    a->cfg.reduce = lrs_tune_mpi_sum;
    if (rank > 0) {
        a->cfg.logdir = NULL;
        a->cfg.checkpoint = NULL;
        a->json = 0; /* nothing to print: rank 0 prints */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return CLI_FAILED;
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    train_args a = {0};
    sign_args sign;
    int rank, size;
    if (lrs_tune_mpi_init(&argc, &argv, &rank, &size) != LRS_OK)
        return cli_error(CLI_FAILED, "train: %s", lrs_errmsg());
    lrs_policy_config_init(&sign.pc);
    int rc = parse_args(argc, argv, &a, &sign);
    if (rc == 0)
        rc = shard_over_ranks(&a, rank, size);
    lrs_dataset *ds = NULL;
    if (rc == 0 && (rc = train_open_data(a.data, a.val_split, a.cfg.seed, &ds)) == 0)
        rc = train(&a, &sign, ds);
    lrs_dataset_close(ds);
    lrs_tune_mpi_finalize();
    return rc < 0 ? CLI_OK : rc;
}
