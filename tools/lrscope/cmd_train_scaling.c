/* lrscope train --lr-scaling under mpirun: --batch is each rank's batch (as Horovod and
 * PyTorch DDP), so N ranks train a global batch of N x batch, and the LR may follow it:
 * linear, the rule of Goyal et al. 2017 ("Accurate, Large Minibatch SGD"): LR x N with a
 * gradual warm-up from the LR to N x LR over the first epochs (5 in the paper); sqrt: LR x
 * sqrt(N) with the same warm-up (the rule often used with Adam). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_train.h"

int lr_scaling_parse_flag(lr_scaling_args *s, int argc, char **argv, int *i)
{
    static const char *const rules[] = {"none", "linear", "sqrt"};
    const char *value;
    if (cli_is_flag(argv[*i], "--lr-warmup")) {
        if (!(value = cli_flag_value("train", argc, argv, i, "--lr-warmup")))
            return CLI_USAGE;
        s->warmup_given = 1;
        int rc = cli_parse_double("--lr-warmup", value, &s->warmup_epochs);
        if (rc == 0 && !(s->warmup_epochs >= 0 && s->warmup_epochs <= 1e6))
            rc = cli_error(CLI_USAGE, "--lr-warmup: expected epochs >= 0, got %s", value);
        return rc;
    }
    if (!cli_is_flag(argv[*i], "--lr-scaling"))
        return 1;
    if (!(value = cli_flag_value("train", argc, argv, i, "--lr-scaling")))
        return CLI_USAGE;
    for (int k = 0; k < 3; k++)
        if (!strcmp(value, rules[k])) {
            s->rule = (lr_scaling_rule)k;
            return 0;
        }
    return cli_error(CLI_USAGE, "--lr-scaling %s: expected none, linear or sqrt", value);
}

int lr_scaling_check(lr_scaling_args *s, const lr_auto_args *lr_auto)
{
    if (s->warmup_given && s->rule == LR_SCALING_NONE)
        return cli_error(CLI_USAGE, "--lr-warmup: only with --lr-scaling linear|sqrt (a warm-up alone is "
                         "a schedule: --schedule 'linear:start=0.1,steps=N then@N constant')");
    if (s->rule != LR_SCALING_NONE && lr_auto->on)
        return cli_error(CLI_USAGE, "--lr-scaling: --lr auto already finds the LR of the global batch; "
                         "give one or the other");
    if (!s->warmup_given)
        s->warmup_epochs = 5; /* Goyal et al.'s warm-up */
    return 0;
}

double lr_scaling_factor(lr_scaling_rule rule, int ranks)
{
    if (ranks < 2 || rule == LR_SCALING_NONE)
        return 1;
    return rule == LR_SCALING_LINEAR ? ranks : sqrt(ranks);
}

int lr_scaling_apply(const lr_scaling_args *s, lrs_trainer *t, const lrs_train_config *cfg, int quiet)
{
    int ranks = cfg->shards > 1 ? cfg->shards : 1;
    if (ranks < 2)
        return 0;
    double k = lr_scaling_factor(s->rule, ranks), base = lrs_trainer_base_lr(t);
    int64_t steps = llround(s->warmup_epochs * (double)lrs_trainer_steps_per_epoch(t));
    if (k == 1) {
        if (!quiet)
            fprintf(stderr, "lrscope: %d ranks x --batch %d: global batch %d, LR %g (--lr-scaling none)\n",
                    ranks, cfg->batch / ranks, cfg->batch, base);
        return 0;
    }
    if (lrs_trainer_set_base_lr(t, base * k) != LRS_OK || lrs_trainer_set_warmup(t, 1 / k, steps) != LRS_OK)
        return cli_error(CLI_USAGE, "--lr-scaling: %s", lrs_errmsg());
    if (!quiet)
        fprintf(stderr, "lrscope: %d ranks x --batch %d: global batch %d, LR %g x %.4g = %g (--lr-scaling %s), "
                "warm-up from %g over %lld steps (%g epochs)\n", ranks, cfg->batch / ranks, cfg->batch, base, k,
                base * k, s->rule == LR_SCALING_LINEAR ? "linear" : "sqrt", base, (long long)steps,
                s->warmup_epochs);
    if (steps > lrs_trainer_total_steps(t))
        cli_warn("--lr-warmup %g: %lld steps, longer than the run's %lld: the LR never reaches %g",
                 s->warmup_epochs, (long long)steps, (long long)lrs_trainer_total_steps(t), base * k);
    return 0;
}
