/* What `lrscope check` and `lrscope watch` share: picking a run's series, feeding
 * them to a monitor in step order, printing signs (JSON and human, with sparklines). */
#ifndef LRSCOPE_SIGN_PRINT_H
#define LRSCOPE_SIGN_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "signs.h"
#include "tfevents.h"

/* The series of one run that the monitor takes, by role (NULL when absent). */
typedef struct run_series {
    const lrs_series *role[LRS_ROLE_COUNT];
} run_series;

/* Picks by lrs_signs_classify_tag; loss_glob (fnmatch, case-insensitive), when not
 * NULL, chooses the loss among every scalar tag instead. */
void run_series_pick(const lrs_run *run, const char *loss_glob, run_series *out);

/* Feeds the points of every picked series from index from[role] on, merged in step
 * order (at one step: LR, then gradient norm, loss, val loss), and advances from[]. */
void run_series_feed(lrs_monitor *m, const run_series *rs, size_t from[LRS_ROLE_COUNT]);

/* How many points series s would hold at total_steps, logged as it was (its mean step
 * gap so far): what lrs_monitor_set_points wants. A run that stopped early (a NaN at step
 * 161 of 938) is still a per-step log. Its length when total_steps is not past its end. */
int64_t run_series_points_at(const lrs_series *s, int64_t total_steps);

/* {"run": ..., "kind": ..., "tag", "severity", "start_step", "end_step", "message",
 * "suggestion": {"action", "factor"}} (no "run" when run is NULL). */
void sign_print_json(FILE *f, const char *run, const lrs_sign *s);

/* Two lines: severity, kind, tag, steps, message; then a sparkline of the series over
 * the sign's steps and the suggestion. series may be NULL (no sparkline). */
void sign_print_human(FILE *f, const lrs_sign *s, const lrs_series *series);

/* "reduce the LR x0.1", "raise the LR x2", "stop the run" or "none". */
void sign_print_suggestion(FILE *f, const lrs_sign *s);

/* A run's signs shown once per kind, severity and tag (a gradient norm exploding 18 times
 * says so once): whether signs[i] repeats an earlier one, and for a first one how many
 * repeat it after it, over which steps (*from..*to). */
int sign_repeats_earlier(const lrs_sign *signs, int i);
int sign_repeats_after(const lrs_sign *signs, int n, int i, int64_t *from, int64_t *to);

/* ▁▂▃▄▅▆▇█ of the values of s with step in [start, end] (at least 8 points back),
 * at most width characters (buckets keep their largest value). */
void sparkline(FILE *f, const lrs_series *s, int64_t start, int64_t end, int width);

/* The flags check and watch share for the thresholds: "--set NAME=VALUE" sets one of
 * lib/signs' options (0, or an exit status once the one-line error is printed), and
 * "--options" prints every threshold with its value, one "name value" per line. */
int signs_set_flag(const char *cmd, const char *assignment, lrs_signs_options *opt);
void signs_print_options(FILE *f, const lrs_signs_options *opt);

/* Exit statuses of check and watch (a CI step reads them). */
enum { SIGNS_EXIT_OK = 0, SIGNS_EXIT_WARNING = 1, SIGNS_EXIT_CRITICAL = 2, SIGNS_EXIT_UNREADABLE = 3 };

#endif
