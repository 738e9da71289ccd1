/* Recall and precision of the detectors on a labelled synthetic corpus (corpus.h):
 * 40 series per label; recall >= 90% for oscillation, plateau and slow (and
 * divergence, spike), no warning-or-worse on any healthy series. Prints the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "corpus.h"
#include "signs.h"

#define PER_LABEL 40

static const lrs_sign_kind label_kind[LABEL_COUNT] = {
    [LABEL_DIVERGENCE] = LRS_SIGN_DIVERGENCE, [LABEL_OSCILLATION] = LRS_SIGN_OSCILLATION,
    [LABEL_PLATEAU] = LRS_SIGN_PLATEAU, [LABEL_SLOW] = LRS_SIGN_SLOW, [LABEL_SPIKE] = LRS_SIGN_SPIKE};

/* Feeds the series (LR then loss at each step) and returns the kinds raised as a bit
 * mask; *worst gets the highest severity seen (-1 for none). */
static unsigned run_series(const corpus_series *c, int *worst, lrs_sign *first_of_label)
{
    lrs_monitor *m;
    assert_int_equal(lrs_monitor_open(&m, NULL), LRS_OK);
    unsigned kinds = 0;
    *worst = -1;
    lrs_sign s;
    for (int t = 0; t < c->T; t++) {
        lrs_monitor_feed(m, LRS_ROLE_LR, t, c->lr[t]);
        lrs_monitor_feed(m, LRS_ROLE_LOSS, t, c->loss[t]);
    }
    lrs_monitor_finish(m);
    while (lrs_monitor_next_sign(m, &s)) {
        if (c->label != LABEL_HEALTHY && s.kind == label_kind[c->label] &&
            !(kinds & (1u << s.kind)))
            *first_of_label = s;
        kinds |= 1u << s.kind;
        if ((int)s.severity > *worst) *worst = (int)s.severity;
        if (getenv("LRS_SIGNS_VERBOSE"))
            printf("  %s %s: %s [%lld..%lld] %s\n", corpus_label_name(c->label),
                   lrs_sign_kind_name(s.kind), lrs_severity_name(s.severity),
                   (long long)s.start_step, (long long)s.end_step, s.message);
    }
    lrs_monitor_close(m);
    return kinds;
}

static corpus_series series; /* large: keep it off the stack */

static void corpus_recall_and_precision(void **state)
{
    (void)state;
    int hit[LABEL_COUNT] = {0}, raised_on[LABEL_COUNT][LABEL_COUNT] = {{0}};
    int healthy_warnings = 0;
    double delay_sum[LABEL_COUNT] = {0}, delay_max[LABEL_COUNT] = {0};
    double onset_err_max[LABEL_COUNT] = {0};
    for (int label = 0; label < LABEL_COUNT; label++) {
        for (uint64_t seed = 0; seed < PER_LABEL; seed++) {
            corpus_make(&series, (corpus_label)label, seed);
            if (getenv("LRS_SIGNS_VERBOSE"))
                printf("== %s seed %llu T %d onset %d\n", corpus_label_name((corpus_label)label),
                       (unsigned long long)seed, series.T, series.onset);
            int worst;
            lrs_sign first = {0};
            unsigned kinds = run_series(&series, &worst, &first);
            for (int other = 1; other < LABEL_COUNT; other++)
                if (kinds & (1u << label_kind[other])) raised_on[other][label]++;
            if (label == LABEL_HEALTHY && worst >= LRS_SEVERITY_WARNING) {
                healthy_warnings++;
                printf("healthy seed %llu (%s) raised a warning or worse\n",
                       (unsigned long long)seed, synth_schedule_name((synth_schedule)(seed % 4)));
            }
            if (label != LABEL_HEALTHY && (kinds & (1u << label_kind[label]))) {
                hit[label]++;
                double delay = (double)(first.end_step - series.onset);
                double err = fabs((double)(first.start_step - series.onset));
                delay_sum[label] += delay;
                if (delay > delay_max[label]) delay_max[label] = delay;
                if (err > onset_err_max[label]) onset_err_max[label] = err;
            }
            else if (label != LABEL_HEALTHY && getenv("LRS_SIGNS_VERBOSE"))
                printf("  MISS %s seed %llu T %d onset %d\n", corpus_label_name((corpus_label)label),
                       (unsigned long long)seed, series.T, series.onset);
        }
    }
    printf("%-12s %7s %9s %10s %9s %9s\n", "kind", "recall", "precision", "mean delay",
           "max delay", "max onset error");
    for (int k = 1; k < LABEL_COUNT; k++) {
        int raised = 0;
        for (int l = 0; l < LABEL_COUNT; l++) raised += raised_on[k][l];
        printf("%-12s %6.0f%% %8.0f%% %10.1f %9.0f %9.0f   (raised on %d series, %d labelled %s)\n",
               corpus_label_name((corpus_label)k), 100.0 * hit[k] / PER_LABEL,
               raised ? 100.0 * raised_on[k][k] / raised : 100.0,
               hit[k] ? delay_sum[k] / hit[k] : 0, delay_max[k], onset_err_max[k], raised,
               raised_on[k][k], corpus_label_name((corpus_label)k));
    }
    printf("healthy series with a warning or worse: %d of %d\n", healthy_warnings, PER_LABEL);
    assert_int_equal(healthy_warnings, 0);
    for (int k = 1; k < LABEL_COUNT; k++)
        assert_true(hit[k] >= PER_LABEL * 9 / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_recall_and_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
