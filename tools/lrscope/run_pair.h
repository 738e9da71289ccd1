/* Training and validation losses written to sibling runs: Keras's TensorBoard callback
 * writes "<dir>/train" and "<dir>/validation" (both tagged epoch_loss), PyTorch's
 * add_scalars("loss", {"train": ..., "val": ...}) writes "<run>/loss_train" and
 * "<run>/loss_val". Judged apart, a validation loss that rises while the model overfits
 * looks like a diverging training loss; paired, it is the training run's val loss. */
#ifndef LRSCOPE_RUN_PAIR_H
#define LRSCOPE_RUN_PAIR_H

#include <stddef.h>

#include "sign_print.h"
#include "tfevents.h"

/* The first run (the reader sorts runs by name) whose name is >= key, by binary search;
 * the run count when none is. */
size_t run_first_from(const lrs_reader *r, const char *key);

/* The validation sibling of a training run ("train", "training" or a name ending in
 * "_train": the same name with val, valid, validation, eval or test instead), NULL if
 * none was read. */
const lrs_run *run_pair_val(const lrs_reader *r, const lrs_run *run);

/* Whether run is the validation sibling of a training run that was read (judged with it,
 * not alone). */
int run_pair_is_val(const lrs_reader *r, const lrs_run *run);

/* Takes val_run's loss (Keras: epoch_loss), or its val loss, as rs's val loss, and names
 * it after the sibling ("validation/epoch_loss") into tag; nothing when it has neither. */
void run_pair_take_val(const lrs_run *val_run, run_series *rs, char *tag, size_t size);

#endif
