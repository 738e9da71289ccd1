/* What `lrscope train` shares with the commands built on the trainer (tune, find). */
#ifndef LRSCOPE_CMD_TRAIN_H
#define LRSCOPE_CMD_TRAIN_H

#include <stdint.h>

#include "cmd_find.h"
#include "dataset.h"
#include "train.h"

/* train's flags, parsed; find and tune share the data, model and optimizer ones. */
typedef struct {
    lrs_train_config cfg;
    const char *data, *resume;
    double val_split;
    int json, epochs_given;
    char logdir[64];
    lr_auto_args lr_auto;
} train_args;

/* Parses argv[*i] (and its value) when it is one of train's valued flags (--data, --model,
 * --optimizer, --batch, --seed, --threads, --lr, ...): 0, or CLI_USAGE after one line that
 * names the flag (cmd names the command); 1 when it is not one of them. */
int train_parse_flag(const char *cmd, train_args *a, int argc, char **argv, int *i);

/* Checks --model, --optimizer and --schedule each on its own, so that an error names its
 * flag: 0 or CLI_USAGE after one line. */
int train_check_specs(const lrs_train_config *c);

/* Opens --data (naming Debian's dataset-fashion-mnist and scripts/setup.sh when the full
 * set is missing) and splits off --val-split with seed. Returns 0 or an exit status after
 * one line on stderr; *ds is then NULL or to be closed by the caller. */
int train_open_data(const char *data, double val_split, uint64_t seed, lrs_dataset **ds);

#endif
