/* The detectors on real training runs (the small version of tools/bench/bench_signs.sh):
 * lib/train on the embedded sample, 10 epochs (320 steps) each, watched by the trainer's
 * monitor (--on-sign warn: total steps known). Healthy runs (good LRs, every schedule,
 * both optimizers: val accuracy 0.84-0.86) raise no warning; runs that diverge (SGD at
 * LR 1 and 3 collapse to chance, Adam at 0.05 jumps 13x at step 1) raise a critical sign,
 * as does plain SGD at LR 1, which never explodes: it falls to 1.6, swings and is back at
 * its untrained loss (chance, 2.3) by step 252: the return rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "train.h"

static lrs_dataset *sample;

typedef struct {
    int worst;              /* highest severity seen, -1 for none */
    char first[400];        /* the first warning or worse, for the failure message */
} seen;

static void note(void *ctx, const lrs_sign *s, lrs_policy_act act, const char *done)
{
    seen *w = ctx;
    (void)act, (void)done;
    if (getenv("LRS_SIGNS_VERBOSE"))
        printf("  %s %s [%lld..%lld] %s\n", lrs_severity_name(s->severity), lrs_sign_kind_name(s->kind),
               (long long)s->start_step, (long long)s->end_step, s->message);
    if (s->severity >= LRS_SEVERITY_WARNING && w->first[0] == '\0')
        snprintf(w->first, sizeof w->first, "%s %s: %s", lrs_severity_name(s->severity),
                 lrs_sign_kind_name(s->kind), s->message);
    if ((int)s->severity > w->worst)
        w->worst = (int)s->severity;
}

typedef struct {
    const char *optimizer, *schedule;
    double lr;
} run_spec;

static seen watch(const run_spec *r)
{
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.optimizer = r->optimizer;
    cfg.schedule = r->schedule;
    cfg.lr = r->lr;
    cfg.epochs = 10;
    cfg.threads = 1;
    cfg.logdir = getenv("LRS_SIGNS_LOGDIR"); /* to look at a run's curve: lrscope dump */
    lrs_trainer *t;
    if (lrs_trainer_create(&t, sample, &cfg) != LRS_OK)
        fail_msg("create: %s", lrs_errmsg());
    seen w = {.worst = -1};
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.on_sign = note;
    pc.ctx = &w;
    int rc = lrs_trainer_run_watched(t, &pc, NULL);
    lrs_trainer_free(t);
    if (rc != LRS_OK && rc != LRS_ERR_NUMERIC)
        fail_msg("run: %s", lrs_errmsg());
    return w;
}

static void healthy_runs_raise_no_warning(void **state)
{
    (void)state;
    static const run_spec healthy[] = {
        {"sgd:momentum=0.9", "constant", 0.1},
        {"sgd:momentum=0.9", "cosine", 0.1},
        {"sgd:momentum=0.9", "step:size=107,gamma=0.1", 0.1},
        {"sgd:momentum=0.9", "onecycle", 0.1},
        {"adam", "constant", 1e-3},
        {"adam", "onecycle", 3e-3},
    };
    for (size_t i = 0; i < sizeof healthy / sizeof healthy[0]; i++) {
        seen w = watch(&healthy[i]);
        if (w.worst >= LRS_SEVERITY_WARNING)
            fail_msg("%s %s lr %g: %s", healthy[i].optimizer, healthy[i].schedule, healthy[i].lr, w.first);
    }
}

static void diverged_runs_raise_a_critical_sign(void **state)
{
    (void)state;
    static const run_spec diverged[] = {
        {"sgd:momentum=0.9", "constant", 3},
        {"sgd:momentum=0.9", "constant", 1},
        {"adam", "constant", 0.05},
        {"sgd", "constant", 1},
    };
    for (size_t i = 0; i < sizeof diverged / sizeof diverged[0]; i++) {
        seen w = watch(&diverged[i]);
        if (w.worst != LRS_SEVERITY_CRITICAL)
            fail_msg("%s lr %g: no critical sign (worst %d)", diverged[i].optimizer, diverged[i].lr, w.worst);
    }
}

static int setup(void **state)
{
    (void)state;
    return lrs_dataset_open(&sample, "sample", NULL) == LRS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lrs_dataset_close(sample);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_runs_raise_no_warning),
        cmocka_unit_test(diverged_runs_raise_a_critical_sign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
