/* lrs_sweep: runs of the same settings at other LRs, compared by how their losses ended. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "signs.h"

static int64_t end_step = 999;

static void add(lrs_sweep *s, const char *name, const char *settings, double lr, double loss, double val, int failed)
{
    lrs_sweep_run r = {.name = name, .settings = settings, .tag = "train/loss", .lr = lr, .loss = loss,
                       .val_loss = val, .end_start = end_step - 99, .end_step = end_step, .failed = failed};
    assert_int_equal(lrs_sweep_add(s, &r), LRS_OK);
}

static void too_high_and_too_low_against_the_best_sibling(void **state)
{
    (void)state;
    lrs_sweep *s;
    assert_int_equal(lrs_sweep_open(&s, NULL), LRS_OK);
    add(s, "lr0.1", "opt=sgd;", 0.1, 0.40, 0.45, 0);   /* 0: the best */
    add(s, "lr0.3", "opt=sgd;", 0.3, 0.62, 0.60, 0);   /* 1: 1.55x the best at a lower LR */
    add(s, "lr1e-3", "opt=sgd;", 1e-3, 0.90, 0.88, 0); /* 2: 2.25x the best at a higher LR */
    add(s, "lr0.2", "opt=sgd;", 0.2, 0.50, 0.50, 0);   /* 3: 1.25x: seed-to-seed scatter */
    add(s, "adam", "opt=adam;", 1.0, 2.00, NAN, 0);    /* 4: other settings: no sibling */
    add(s, "lr0.5", "opt=sgd;", 0.5, 0.70, 0.40, 0);   /* 5: trains worse, generalises better */
    add(s, "lr0.03", "opt=sgd;", 0.03, 0.30, NAN, 1);  /* 6: failed: never a reference */
    add(s, "lr3", NULL, 3, 5.00, NAN, 0);              /* 7: no settings: not compared */
    end_step = 199;
    add(s, "lr0.01", "opt=sgd;", 0.01, 0.1, NAN, 0);   /* 8: stopped at step 199: not compared */
    end_step = 999;
    assert_int_equal(lrs_sweep_count(s), 9);

    lrs_sign sign;
    assert_int_equal(lrs_sweep_judge(s, 1, &sign), 1);
    assert_int_equal(sign.kind, LRS_SIGN_OSCILLATION);
    assert_int_equal(sign.severity, LRS_SEVERITY_WARNING);
    assert_int_equal(sign.action, LRS_ACTION_REDUCE_LR);
    assert_true(sign.factor == 0.333);
    assert_string_equal(sign.tag, "train/loss");
    assert_int_equal(sign.start_step, 900);
    assert_int_equal(sign.end_step, 999);
    assert_string_equal(sign.message, "at LR 0.3 the loss ended at 0.62, 1.55x the 0.4 that lr0.1 reached at LR 0.1"
                                      " with the same settings (val loss 0.6 against 0.45): the LR is too high");

    assert_int_equal(lrs_sweep_judge(s, 2, &sign), 1);
    assert_int_equal(sign.kind, LRS_SIGN_SLOW);
    assert_int_equal(sign.action, LRS_ACTION_RAISE_LR);
    assert_true(sign.factor == 100);
    assert_non_null(strstr(sign.message, "the LR is too low"));

    for (size_t i = 0; i < 9; i++)
        if (i != 1 && i != 2) assert_int_equal(lrs_sweep_judge(s, i, &sign), 0);
    assert_int_equal(lrs_sweep_judge(s, 99, &sign), 0);
    lrs_sweep_close(s);
}

static void bad_runs_and_thresholds_are_refused(void **state)
{
    (void)state;
    lrs_sweep *s;
    lrs_signs_options opt;
    lrs_signs_options_init(&opt);
    opt.sweep_loss_ratio = 1;
    assert_int_equal(lrs_sweep_open(&s, &opt), LRS_ERR_ARG);
    assert_non_null(strstr(lrs_errmsg(), "sweep_loss_ratio"));
    assert_int_equal(lrs_sweep_open(&s, NULL), LRS_OK);
    lrs_sweep_run r = {.name = "x", .settings = "a", .lr = 0.1, .loss = NAN};
    assert_int_equal(lrs_sweep_add(s, &r), LRS_ERR_ARG);
    r.loss = 1, r.lr = 0;
    assert_int_equal(lrs_sweep_add(s, &r), LRS_ERR_ARG);
    assert_int_equal(lrs_sweep_count(s), 0);
    lrs_sweep_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(too_high_and_too_low_against_the_best_sibling),
        cmocka_unit_test(bad_runs_and_thresholds_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
