/* The samplers' choices for a fixed seed (exact values), ASHA's rule on scripted scores,
 * and TPE concentrating near the optimum of a synthetic objective better than random. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_objective.h"
#include "testutil.h"
#include "tune_internal.h"

static lrs_space *space(const char *spec)
{
    lrs_space *s;
    assert_int_equal(lrs_space_parse(&s, spec), LRS_OK);
    return s;
}

static void random_is_seeded_and_exact(void **state)
{
    (void)state;
    lrs_space *s = space("lr=log(1e-5,1);optimizer=sgd|adam;batch=int(32,256);momentum=uniform(0.8,0.99)");
    static const double want[3][4] = {
        {0.000889506, 0, 234, 0.910757},
        {0.000765971, 1, 92, 0.837238},
        {0.000163328, 1, 133, 0.881568},
    };
    for (int n = 0; n < 3; n++) {
        lrs_point p, again;
        tune_sample_random(s, 7, n, &p);
        tune_sample_random(s, 7, n, &again);
        for (int i = 0; i < 4; i++) {
            assert_true(p.x[i] == want[n][i]);
            assert_true(again.x[i] == p.x[i]);
        }
    }
    lrs_point other;
    tune_sample_random(s, 8, 0, &other);
    assert_true(other.x[0] != want[0][0]);
    lrs_space_free(s);
}

static void grid_walks_log_ranges_and_choices(void **state)
{
    (void)state;
    lrs_space *s = space("lr=log(1e-4,1e-2);optimizer=sgd|adam;batch=int(1,2)");
    assert_int_equal(tune_grid_size(s, 3), 12);
    static const double want[12][3] = {
        {1e-4, 0, 1}, {1e-4, 0, 2}, {1e-4, 1, 1}, {1e-4, 1, 2}, {1e-3, 0, 1}, {1e-3, 0, 2},
        {1e-3, 1, 1}, {1e-3, 1, 2}, {1e-2, 0, 1}, {1e-2, 0, 2}, {1e-2, 1, 1}, {1e-2, 1, 2},
    };
    for (int n = 0; n < 12; n++) {
        lrs_point p;
        assert_int_equal(tune_sample_grid(s, 3, n, &p), LRS_OK);
        for (int i = 0; i < 3; i++)
            assert_true(p.x[i] == want[n][i]);
    }
    lrs_point p;
    assert_int_equal(tune_sample_grid(s, 3, 12, &p), LRS_ERR_STOPPED);
    lrs_space_free(s);
}

/* A fixed history: good trials near lr = 0.01 with adam, bad ones elsewhere. */
static void tpe_is_seeded_and_exact(void **state)
{
    (void)state;
    lrs_space *s = space("lr=log(1e-5,1);optimizer=sgd|adam");
    tune_history h[12];
    for (int i = 0; i < 12; i++) {
        double lr = pow(10.0, -5.0 + 5.0 * i / 11.0);
        h[i] = (tune_history){.point = {{lr, (double)(i % 2)}}, .epochs = 1, .score = -fabs(log10(lr / 0.01))};
    }
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.seed = 3;
    lrs_point p, again;
    assert_int_equal(tune_sample_tpe(s, &o, 12, h, 12, &p), LRS_OK);
    assert_int_equal(tune_sample_tpe(s, &o, 12, h, 12, &again), LRS_OK);
    assert_true(p.x[0] == 0.0118927 && p.x[1] == 0 /* sgd: 2 of the 3 good trials */);
    assert_true(again.x[0] == p.x[0] && again.x[1] == p.x[1]);
    /* Below n_startup ended trials it is the random sampler. */
    lrs_point r;
    tune_sample_random(s, 3, 5, &r);
    assert_int_equal(tune_sample_tpe(s, &o, 5, h, 5, &p), LRS_OK);
    assert_true(p.x[0] == r.x[0] && p.x[1] == r.x[1]);
    lrs_space_free(s);
}

static void asha_rungs_and_rule(void **state)
{
    (void)state;
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.grace = 0.5;
    o.eta = 3;
    o.max_epochs = 9;
    assert_true(tune_rung_epoch(&o, 0) == 0.5 && tune_rung_epoch(&o, 2) == 4.5);
    assert_int_equal(tune_rung_of(&o, 0.5), 0);
    assert_int_equal(tune_rung_of(&o, 1.5), 1);
    assert_int_equal(tune_rung_of(&o, 4.5), 2);
    assert_int_equal(tune_rung_of(&o, 1), -1);
    assert_int_equal(tune_rung_of(&o, 13.5), -1); /* past max_epochs: the end, no rung */
    /* Scores arriving one by one at a rung: below eta only the best so far goes on,
     * then the best floor(n / eta). */
    const double arrivals[] = {0.5, 0.4, 0.6, 0.55, 0.7, 0.65, 0.3, 0.62, 0.66};
    const int promoted[] = {1, 0, 1, 0, 1, 1, 0, 0, 1};
    for (int n = 1; n <= 9; n++)
        assert_int_equal(tune_asha_promotes(arrivals[n - 1], arrivals, n, 3), promoted[n - 1]);
    assert_int_equal(tune_asha_promotes(NAN, arrivals, 1, 3), 0);
}

/* A whole study with scripted values: known promotions and stops. */
static void asha_study_promotes_and_stops_known_trials(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.asha = 1;
    o.trials = 9;
    o.max_epochs = 9;
    o.grace = 1;
    o.prune_signs = 0;
    lrs_study *st;
    assert_int_equal(lrs_study_create(&st, dir, "lr=log(1e-4,1e-2)", &o), LRS_OK);
    /* Rung 1 sees the table's order; rung 3 the promoted ones in order. */
    static const double table[9] = {0.5, 0.4, 0.6, 0.55, 0.7, 0.65, 0.3, 0.62, 0.66};
    int n = 9;
    lrs_trial_info *t = run_fake(st, (fake_ctx){.crash_trial = -1, .table = table}, 1, n);
    /* epochs each trial reached, by id: rung 1 stops 1, 3, 6, 7; at rung 3 (epoch 3) the
     * scores come 0.53 (t0), 0.63 (t2), 0.73 (t4), 0.68 (t5), 0.69 (t8): t0 goes on (first),
     * t2 (best of 2), t4 (best of 3), t5 stops (1 of 4 kept), t8 stops (1 of 5 kept). */
    static const double epochs[9] = {9, 1, 9, 1, 9, 3, 1, 1, 3};
    for (int i = 0; i < n; i++) {
        assert_true(t[i].epochs == epochs[t[i].id]);
        assert_int_equal(t[i].status, epochs[t[i].id] == 9 ? LRS_TRIAL_COMPLETE : LRS_TRIAL_PRUNED);
        if (t[i].status == LRS_TRIAL_PRUNED)
            assert_non_null(strstr(t[i].reason, "asha: rung"));
    }
    assert_int_equal(t[0].id, 4); /* best first: 0.7 + 0.09 */
    assert_true(fabs(t[0].value - 0.79) < 1e-12);
    free(t);
    lrs_study_close(st);
}

/* Mean distance (decades) from lr = 0.05 over trials 20..39 of a study. */
static double late_distance(lrs_sampler_kind sampler, uint64_t seed)
{
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.sampler = sampler;
    o.seed = seed;
    o.trials = 40;
    o.prune_signs = 0;
    lrs_study *st;
    assert_int_equal(lrs_study_create(&st, dir, "lr=log(1e-5,1)", &o), LRS_OK);
    int n = 40;
    lrs_trial_info *t = run_fake(st, (fake_ctx){.crash_trial = -1}, 1, n);
    double sum = 0;
    for (int i = 0; i < n; i++)
        if (t[i].id >= 20)
            sum += fabs(log10(strtod(t[i].params + 3, NULL) / 0.05));
    free(t);
    lrs_study_close(st);
    return sum / 20;
}

static void tpe_concentrates_near_the_optimum(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        double tpe = late_distance(LRS_SAMPLER_TPE, seed), rnd = late_distance(LRS_SAMPLER_RANDOM, seed);
        assert_true(tpe < 0.5 * rnd);
        assert_true(tpe < 0.5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_is_seeded_and_exact),
        cmocka_unit_test(grid_walks_log_ranges_and_choices),
        cmocka_unit_test(tpe_is_seeded_and_exact),
        cmocka_unit_test(asha_rungs_and_rule),
        cmocka_unit_test(asha_study_promotes_and_stops_known_trials),
        cmocka_unit_test(tpe_concentrates_near_the_optimum),
    };
    return cmocka_run_group_tests(tests, test_scratch_setup, test_scratch_teardown);
}
