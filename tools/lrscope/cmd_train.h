/* What `lrscope train` shares with the commands built on the trainer (tune, find). */
#ifndef LRSCOPE_CMD_TRAIN_H
#define LRSCOPE_CMD_TRAIN_H

#include <stdint.h>

#include "dataset.h"

/* Opens --data (naming Debian's dataset-fashion-mnist and scripts/setup.sh when the full
 * set is missing) and splits off --val-split with seed. Returns 0 or an exit status after
 * one line on stderr; *ds is then NULL or to be closed by the caller. */
int train_open_data(const char *data, double val_split, uint64_t seed, lrs_dataset **ds);

#endif
