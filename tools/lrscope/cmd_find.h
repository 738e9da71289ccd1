/* The LR range test of `lrscope find`, shared with `lrscope train --lr auto`: running
 * lrs_find on a trainer, logging the sweep and its plot, printing the answer. */
#ifndef LRSCOPE_CMD_FIND_H
#define LRSCOPE_CMD_FIND_H

#include <stdio.h>

#include "lr.h"
#include "plot.h"
#include "train.h"

/* Runs the range test on t: snapshots its whole state first and restores it after the
 * sweep and after each verification run, so t is back at the snapshot on return.
 * A NaN loss ends the sweep like a divergence. progress != 0 draws a live line on stderr.
 * res is to be freed with lrs_find_result_free (also after a failure). LRS status. */
int find_run(lrs_trainer *t, const lrs_find_options *o, int progress, lrs_find_result *res);

/* The suggestion `method` (LRS_SUGGEST_*) picked, with the chart of the sweep: loss and
 * smoothed loss against LR on a log axis, each suggestion a labelled vertical line. */
int find_plot(const lrs_find_result *res, lrs_plot **out);

/* Logs the sweep into logdir (a new event file): find/loss, find/smoothed_loss, find/lr
 * by iteration, find/suggested_lr/<method> at step 0 for each method with an answer, the
 * markdown summary find/suggestions and the chart as the image find/plot. svg_path, when
 * not NULL, also gets the chart as SVG. Returns 0 or CLI_FAILED after one line on stderr. */
int find_log(const char *logdir, const char *svg_path, const lrs_find_result *res);

/* --json's object, one line; method is the suggestion reported as suggested_lr. */
void find_print_json(FILE *f, const lrs_find_result *res, int method);

/* The human answer: the chosen suggestion with its reason, the others, and on a terminal
 * a text chart of the sweep. */
void find_print_human(FILE *f, const lrs_find_result *res, int method, int chart);

/* What to try when no method answers (widen --end, lower --start...), from the curve. */
const char *find_hint(const lrs_find_result *res);

/* ---- lrscope train --lr auto ---- */

typedef struct lr_auto_args {
    int on;          /* --lr auto */
    double fallback; /* --lr-fallback X: the LR when the range test has no answer (0: none) */
} lr_auto_args;

/* Parses argv[*i] when it is --lr auto or --lr-fallback X: 0, or CLI_USAGE after one line;
 * 1 when it is neither (left to train's parser). */
int lr_auto_parse_flag(lr_auto_args *a, int argc, char **argv, int *i);

/* Before a training run: the range test on t (from its initial state, which it keeps),
 * logged under find/... into logdir, then t's base LR (max LR of onecycle/cyclic) set to the
 * suggestion, or to the fallback when there is none. Returns 0 or an exit status after a
 * line on stderr (CLI_FAILED when no answer and no fallback). */
int lr_auto_apply(const lr_auto_args *a, lrs_trainer *t, const char *logdir, int json);

#endif
