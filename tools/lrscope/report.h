/* What `lrscope report` (one self-contained HTML page) and `lrscope check --format
 * markdown` share: the verdict of a run, HTML escaping, charts inlined as SVG, and
 * the sections of the page (training run, range test, study, overlay). */
#ifndef LRSCOPE_REPORT_H
#define LRSCOPE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "plot.h"
#include "sign_print.h"

#define REPORT_MAX_SIGNS 64

/* ---- verdicts (report_verdict.c), the same as lrscope check's */

/* Picks the run's series (loss_glob as check's --tag, may be NULL), and its val loss from
 * val_run (its validation sibling, run_pair.h; may be NULL) when it has none, resets m
 * and feeds them, and takes up to max signs into signs[] (*n of them). total_steps is the
 * run's length for the detectors; <= 0: the loss series' last step. live: judged as watch
 * and the trainer judge a run being written (no hindsight, no end). Returns the worst
 * severity, -1 when none (or when there is no loss: rs->role[LRS_ROLE_LOSS] is NULL). */
int run_verdict(lrs_monitor *m, const lrs_run *run, const lrs_run *val_run, const char *loss_glob,
                int64_t total_steps, int live, run_series *rs, lrs_sign *signs, int max, int *n);

/* The series run_verdict judges, without judging them: rs as it fills it, and the name of
 * val_run's loss taken as the val loss into val_tag[size] ("" when none). 0 when there is
 * no loss. check draws a sign known later (the sweep's) from them. */
int run_verdict_pick(const lrs_run *run, const lrs_run *val_run, const char *loss_glob, run_series *rs,
                     char *val_tag, size_t size);

/* "ok", "warning", "critical" for a worst severity (-1: ok). */
const char *verdict_name(int worst);

/* lrscope check --format markdown: a heading, then per run a line with the verdict and
 * a table of its signs (a kind repeated on a tag once, with the count, unless all); the
 * summary after the last run. */
void check_markdown_begin(FILE *f);
void check_markdown_run(FILE *f, const char *name, const run_series *rs, const lrs_sign *signs, int n,
                        int worst, int all);
void check_markdown_end(FILE *f, int runs, int worst);

/* ---- HTML (report_html.c) */

void html_text(FILE *f, const char *s);          /* escaped text or attribute value */
void html_begin(FILE *f, const char *title);     /* doctype, inline CSS, <body> */
void html_end(FILE *f);                          /* sorting script, </html> */
/* The chart as inline SVG inside <figure class="chart">; returns 0 or prints an error. */
int html_chart(FILE *f, const lrs_plot *p, int width, int height);

/* A scalar series as doubles: x = step, y = value; *x and *y malloc'd (caller frees). */
int series_xy(const lrs_series *s, double **x, double **y, size_t *n);

/* TensorBoard's smoothing of y[n] (EMA of weight w with debiasing, NaN/Inf skipped:
 * they stay NaN in out) into out[n]. */
void smooth_ema(const double *y, size_t n, double w, double *out);

/* ---- sections */

typedef struct report_options {
    const char *tag_glob; /* check's --tag */
    int overlay;          /* one loss chart over every training run */
} report_options;

/* Whether a run is an LR range test (it has find/lr and find/loss or find/smoothed_loss). */
int is_range_test(const lrs_run *run);

/* <section> of a training run: verdict, signs beside the loss / LR / grad-norm charts
 * (every sign shaded over its steps). Returns the worst severity as run_verdict, or
 * REPORT_NO_LOSS, or REPORT_FAILED (after printing why). */
enum { REPORT_FAILED = -2, REPORT_NO_LOSS = -3 };
int report_run(FILE *f, lrs_monitor *m, const lrs_run *run, const lrs_run *val_run, const char *name,
               const report_options *o);

/* <section> of a range test: loss against LR (log axis) with each suggestion marked. */
int report_range_test(FILE *f, const lrs_run *run, const char *name);

/* <section> with one smoothed loss line per training run of runs[n]. */
int report_overlay(FILE *f, const lrs_run *const *runs, const char *const *names, size_t n,
                   const char *tag_glob);

/* Whether dir holds a study of lrscope tune (dir/study.db). */
int is_study(const char *dir);

/* <section> of a study: the leaderboard (a sortable table), the value against LR for
 * every trial (pruned ones hollow), and the best trial's run. 0 or an exit status. */
int report_study(FILE *f, lrs_monitor *m, const char *dir, const report_options *o);

#endif
