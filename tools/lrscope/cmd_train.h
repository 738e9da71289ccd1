/* What `lrscope train` shares with the commands built on the trainer (tune, find). */
#ifndef LRSCOPE_CMD_TRAIN_H
#define LRSCOPE_CMD_TRAIN_H

#include <stdint.h>

#include "cmd_find.h"
#include "dataset.h"
#include "train.h"

/* --lr-scaling and --lr-warmup (cmd_train_scaling.c). */
typedef enum { LR_SCALING_NONE, LR_SCALING_LINEAR, LR_SCALING_SQRT } lr_scaling_rule;
typedef struct {
    lr_scaling_rule rule; /* none */
    double warmup_epochs; /* 5 (Goyal et al.) unless given */
    int warmup_given;
} lr_scaling_args;

/* train's flags, parsed; find and tune share the data, model and optimizer ones. */
typedef struct {
    lrs_train_config cfg;
    const char *data, *resume;
    double val_split;
    int json, epochs_given;
    char logdir[64];
    lr_auto_args lr_auto;
    lr_scaling_args scaling;
} train_args;

/* Parses argv[*i] (and its value) when it is one of train's valued flags (--data, --model,
 * --optimizer, --batch, --seed, --threads, --lr, ...): 0, or CLI_USAGE after one line that
 * names the flag (cmd names the command); 1 when it is not one of them. */
int train_parse_flag(const char *cmd, train_args *a, int argc, char **argv, int *i);

/* Parses argv[*i] when it is --on-sign, --lr-min, --lr-max or --max-actions into pc (lib/train's
 * sign policies): 0, or CLI_USAGE after one line naming the flag; 1 when it is none of them. */
int train_parse_sign_flag(const char *cmd, lrs_policy_config *pc, int argc, char **argv, int *i);

/* Checks --model, --optimizer and --schedule each on its own, so that an error names its
 * flag: 0 or CLI_USAGE after one line. */
int train_check_specs(const lrs_train_config *c);

/* Opens --data (naming Debian's dataset-fashion-mnist and scripts/setup.sh when the full
 * set is missing) and splits off --val-split with seed. Returns 0 or an exit status after
 * one line on stderr; *ds is then NULL or to be closed by the caller. */
int train_open_data(const char *data, double val_split, uint64_t seed, lrs_dataset **ds);

/* Parses argv[*i] when it is --lr-scaling or --lr-warmup: 0, or CLI_USAGE after one line;
 * 1 when it is neither. */
int lr_scaling_parse_flag(lr_scaling_args *s, int argc, char **argv, int *i);
/* After parsing: refuses --lr-warmup without a rule and a rule with --lr auto; fills in
 * the default warm-up. 0 or CLI_USAGE after one line. */
int lr_scaling_check(lr_scaling_args *s, const lr_auto_args *lr_auto);
/* The LR multiplier of rule for a global batch of `ranks` per-rank batches: 1, ranks or
 * sqrt(ranks). */
double lr_scaling_factor(lr_scaling_rule rule, int ranks);
/* On a new trainer of cfg (cfg->shards ranks, cfg->batch the global batch): base LR x the
 * factor k and a warm-up from x1/k over the warm-up epochs; a line on stderr unless quiet
 * says what was done. Nothing on one rank. 0 or an exit status after one line. */
int lr_scaling_apply(const lr_scaling_args *s, lrs_trainer *t, const lrs_train_config *cfg, int quiet);

#endif
