/* A loss logged once per epoch (lib/signs/epoch_log.c), on Keras epoch_loss series written
 * by tools/bench/bench_signs_torch.py (PyTorch training, logged as Keras's TensorBoard
 * callback does: the mean over each epoch, at step = epoch): a network killed by its LR is
 * stalled, a too-low LR is slow, a loss that swings after its first epoch oscillates,
 * healthy runs raise nothing; a short series whose tag names no epoch is not judged so. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "signs.h"

#define MAX_SIGNS 16

typedef struct {
    lrs_sign sign[MAX_SIGNS];
    int n;
} sign_list;

/* Feeds loss[0..n) at steps 0..n-1 under tag, told the series holds n points as check
 * tells it; live: the signs as raised (watch), else after the fact (check, hindsight). */
static void judge(const double *loss, int n, const char *tag, int live, sign_list *out)
{
    lrs_monitor *m;
    assert_int_equal(lrs_monitor_open(&m, NULL), LRS_OK);
    assert_int_equal(lrs_monitor_set_points(m, n), LRS_OK);
    assert_int_equal(lrs_monitor_set_hindsight(m, !live), LRS_OK);
    assert_int_equal(lrs_monitor_set_tag(m, LRS_ROLE_LOSS, tag), LRS_OK);
    for (int t = 0; t < n; t++) lrs_monitor_feed(m, LRS_ROLE_LOSS, t, loss[t]);
    if (!live) lrs_monitor_finish(m);
    out->n = 0;
    while (out->n < MAX_SIGNS && lrs_monitor_next_sign(m, &out->sign[out->n])) out->n++;
    lrs_monitor_close(m);
}

/* The only sign raised, which must be of that kind and severity. */
static const lrs_sign *only(const sign_list *l, lrs_sign_kind kind, lrs_severity severity)
{
    assert_int_equal(l->n, 1);
    assert_int_equal(l->sign[0].kind, kind);
    assert_int_equal(l->sign[0].severity, severity);
    return &l->sign[0];
}

/* Judges loss live as epoch_loss; its only sign must be of that kind and severity and
 * complete at end_step. */
static const lrs_sign *live_sign(const double *loss, int n, lrs_sign_kind kind, lrs_severity severity,
                                 int64_t end_step)
{
    static sign_list l;
    judge(loss, n, "epoch_loss", 1, &l);
    const lrs_sign *s = only(&l, kind, severity);
    assert_int_equal(s->end_step, end_step);
    return s;
}

/* A CNN on Fashion-MNIST at SGD 0.3 (seed 15): dead at chance (ln 10 = 2.303) within its
 * first epoch. Stalled once 3 epochs after the first show no fall: critical, stop. */
static const double dead_cnn[] = {2.321, 2.313, 2.313, 2.314, 2.311, 2.317, 2.311, 2.312};

static void a_network_dead_at_chance_is_stalled(void **state)
{
    (void)state;
    const lrs_sign *s = live_sign(dead_cnn, 8, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL, 3);
    assert_int_equal(s->start_step, 0);
    assert_int_equal(s->action, LRS_ACTION_STOP);
    sign_list l;
    judge(dead_cnn, 8, "epoch_loss", 0, &l); /* after the fact: it stayed dead */
    only(&l, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL);
}

/* The same CNN at SGD 1 without momentum (seed 18): its first epoch's mean is below
 * chance, and the loss climbed back to it: it kept nothing it learned. */
static void a_network_that_climbed_back_to_chance_is_stalled(void **state)
{
    (void)state;
    static const double loss[] = {2.036, 2.306, 2.306, 2.307, 2.307, 2.307, 2.306, 2.307};
    live_sign(loss, 8, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL, 3);
}

/* A regression MLP at Adam 3e-6 (seed 16) and Adam 1e-5 (seed 15): the loss falls at every
 * epoch by a steady or growing step. Slow (raise the LR) once 5 drops show it, at epoch 5;
 * not stalled, though the first falls only 5% in 12 epochs. */
static void a_steady_crawl_is_slow(void **state)
{
    (void)state;
    static const double adam_3e6[] = {1.115, 1.105, 1.095, 1.086, 1.076, 1.066,
                                      1.056, 1.047, 1.037, 1.027, 1.018, 1.008};
    static const double adam_1e5[] = {1.102, 1.08, 1.059, 1.038, 1.016, 0.9922,
                                      0.966, 0.9372, 0.9054, 0.8705, 0.8324, 0.7915};
    const lrs_sign *s = live_sign(adam_3e6, 12, LRS_SIGN_SLOW, LRS_SEVERITY_WARNING, 5);
    assert_int_equal(s->action, LRS_ACTION_RAISE_LR);
    assert_true(s->factor > 1);
    sign_list l;
    judge(adam_1e5, 12, "epoch_loss", 0, &l);
    assert_int_equal(only(&l, LRS_SIGN_SLOW, LRS_SEVERITY_WARNING)->end_step, 5);
}

/* The regression at SGD 0.4 (seed 25): its first epoch blew up (1.757), then the loss swung
 * around 1.27 and never fell again (R^2 -0.40 at the end): an oscillation once the epochs
 * after the first rose twice by 1% with their later half not below their earlier half, at
 * epoch 4; not stalled (27% below the first epoch: the blow-up is in that mean). */
static void a_loss_that_swings_after_its_first_epoch_oscillates(void **state)
{
    (void)state;
    static const double loss[] = {1.757, 1.215, 1.279, 1.255, 1.317, 1.257,
                                  1.232, 1.287, 1.285, 1.35,  1.259, 1.275};
    const lrs_sign *s = live_sign(loss, 12, LRS_SIGN_OSCILLATION, LRS_SEVERITY_WARNING, 4);
    assert_int_equal(s->action, LRS_ACTION_REDUCE_LR);
    assert_true(s->factor == 0.5);
}

/* Healthy runs: the CNN at SGD 0.05 with a cosine schedule (seed 17), the regression MLP at
 * Adam 1e-3 (seed 18), and at SGD 0.02 with an exponential decay that flattened it from
 * epoch 5 (seed 16; it ended within 0.10 of the best R^2): its later epochs sit 29.5% below
 * the first (28.6% the least of any run of seeds 1-20 that did not diverge or crawl).
 * Nothing, live or after the fact. */
static void healthy_epoch_logs_raise_nothing(void **state)
{
    (void)state;
    static const double cnn[] = {1.133, 0.540, 0.473, 0.433, 0.390, 0.373, 0.355, 0.344};
    static const double reg[] = {0.416, 0.288, 0.270, 0.250, 0.228, 0.212,
                                 0.200, 0.188, 0.177, 0.168, 0.160, 0.153};
    static const double decayed[] = {0.3581, 0.2736, 0.2604, 0.2555, 0.2536, 0.2529,
                                     0.2526, 0.2525, 0.2525, 0.2525, 0.2525, 0.2525};
    sign_list l;
    for (int live = 0; live < 2; live++) {
        judge(cnn, 8, "epoch_loss", live, &l);
        assert_int_equal(l.n, 0);
        judge(reg, 12, "epoch_loss", live, &l);
        assert_int_equal(l.n, 0);
        judge(decayed, 12, "epoch_loss", live, &l);
        assert_int_equal(l.n, 0);
    }
}

/* Made up: a network that sat still for 4 epochs and then learned (a long warm-up it was
 * not told of): stalled live, but after the fact only info, its last epochs far below its
 * first. */
static void a_late_learner_is_only_info_after_the_fact(void **state)
{
    (void)state;
    static const double loss[] = {2.31, 2.31, 2.30, 2.31, 2.30, 1.62, 0.95, 0.71};
    sign_list l;
    judge(loss, 8, "epoch_loss", 1, &l);
    only(&l, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL);
    judge(loss, 8, "epoch_loss", 0, &l);
    assert_int_equal(only(&l, LRS_SIGN_STALLED, LRS_SEVERITY_INFO)->action, LRS_ACTION_NONE);
}

/* The tag says whether few points are epochs: Lightning's train_loss_epoch and a
 * "loss/epoch" are; 8 points of "train/loss" may be a smoke test's first steps or every
 * 50th step of a short run (single noisy points), judged as before: nothing here. */
static void only_a_tag_naming_an_epoch_is_judged_per_epoch(void **state)
{
    (void)state;
    sign_list l;
    judge(dead_cnn, 8, "train_loss_epoch", 1, &l);
    only(&l, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL);
    judge(dead_cnn, 8, "loss/epoch", 1, &l);
    only(&l, LRS_SIGN_STALLED, LRS_SEVERITY_CRITICAL);
    judge(dead_cnn, 8, "train/loss", 1, &l);
    assert_int_equal(l.n, 0);
    judge(dead_cnn, 3, "epoch_loss", 1, &l); /* 3 points: too few to judge */
    assert_int_equal(l.n, 0);
}

/* Made up: a NaN ends the judging: the nan sign says it, and nothing is judged on what
 * follows. A loss at or below zero has no ratios to judge by: nothing. */
static void a_nan_or_a_loss_below_zero_ends_the_judging(void **state)
{
    (void)state;
    static const double loss[] = {2.31, NAN, 2.31, 2.31, 2.31, 2.31};
    sign_list l;
    judge(loss, 6, "epoch_loss", 1, &l);
    only(&l, LRS_SIGN_NAN, LRS_SEVERITY_CRITICAL);
    static const double below_zero[] = {-1.0, -0.9, -0.8, -0.7, -0.6, -0.5}; /* a log-likelihood */
    judge(below_zero, 6, "epoch_loss", 1, &l);
    assert_int_equal(l.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_network_dead_at_chance_is_stalled),
        cmocka_unit_test(a_network_that_climbed_back_to_chance_is_stalled),
        cmocka_unit_test(a_steady_crawl_is_slow),
        cmocka_unit_test(a_loss_that_swings_after_its_first_epoch_oscillates),
        cmocka_unit_test(healthy_epoch_logs_raise_nothing),
        cmocka_unit_test(a_late_learner_is_only_info_after_the_fact),
        cmocka_unit_test(only_a_tag_naming_an_epoch_is_judged_per_epoch),
        cmocka_unit_test(a_nan_or_a_loss_below_zero_ends_the_judging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
