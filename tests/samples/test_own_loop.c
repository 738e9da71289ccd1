/* samples/own_loop: a user's own loop (logistic regression) with lrscope's schedule, log
 * and signs. At LR 0.5 it trains without a warning; at LR 300 it diverges, goes back to its
 * best weights at a tenth of the LR and ends as well (test accuracy 0.887 either way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/wait.h>

#include "test_reader.h"
#include "testutil.h"
#include "tfevents.h"

static char out[16384];

/* Runs own_loop LOGDIR LR; returns its exit status with its stdout in out. */
static int own_loop(const char *logdir, const char *lr)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' '%s' %s > '%s/out'", OWN_LOOP_BIN, logdir, lr, test_tmp);
    int status = system(cmd);
    snprintf(cmd, sizeof cmd, "%s/out", test_tmp);
    FILE *f = fopen(cmd, "rb");
    assert_non_null(f);
    out[fread(out, 1, sizeof out - 1, f)] = '\0';
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double accuracy(void)
{
    const char *a = strstr(out, "test accuracy ");
    assert_non_null(a);
    return atof(a + strlen("test accuracy "));
}

/* Points of tag in the one run of logdir. */
static size_t points(const char *logdir, const char *tag)
{
    lrs_reader *r = test_read_logdir(logdir);
    const lrs_series *s = lrs_run_find(lrs_reader_run(r, 0), tag);
    size_t n = s ? lrs_series_len(s) : 0;
    lrs_reader_close(r);
    return n;
}

static void a_good_lr_trains_without_a_warning(void **state)
{
    (void)state;
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/good", test_tmp);
    assert_int_equal(own_loop(logdir, "0.5"), 0);
    assert_null(strstr(out, "warning"));
    assert_null(strstr(out, "critical"));
    assert_true(accuracy() > 0.87);
    assert_int_equal(points(logdir, "train/loss"), 600);
    assert_int_equal(points(logdir, "train/lr"), 600);
    assert_int_equal(points(logdir, "signs/log"), 0);
}

static void a_diverging_lr_is_caught_and_recovers(void **state)
{
    (void)state;
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/high", test_tmp);
    assert_int_equal(own_loop(logdir, "300"), 0);
    assert_non_null(strstr(out, "step 7: critical divergence: loss keeps climbing"));
    assert_non_null(strstr(out, "-> back to the best weights, LR x0.1"));
    /* one rollback or more, each a tenth of the LR */
    const char *scale = strstr(out, "LR scale ");
    assert_non_null(scale);
    assert_true(strtod(scale + strlen("LR scale "), NULL) <= 0.1 + 1e-12);
    assert_true(accuracy() > 0.87);
    assert_true(points(logdir, "signs/log") >= 1);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_lr_trains_without_a_warning),
        cmocka_unit_test(a_diverging_lr_is_caught_and_recovers),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
