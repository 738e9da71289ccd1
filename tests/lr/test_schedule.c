/* Schedules against PyTorch's own numbers (tests/data/reference/schedules.json), spec
 * errors, describe round trips and checkpoint save/load. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cJSON.h>

#include "lr.h"
#include "test_json.h"
#include "testutil.h"

/* The spec that says what each reference sequence's PyTorch arguments say. */
static const struct { const char *name, *spec; } specs[] = {
    {"steplr", "step:size=30,gamma=0.1"},
    {"multisteplr", "multistep:at=30/80,gamma=0.1"},
    {"exponentiallr", "exp:gamma=0.97"},
    {"cosine_annealing_past_tmax", "cosine:T=100,min=0.001"},
    {"cosine_warm_restarts", "restarts:T0=20,mult=2,min=1e-4"},
    {"linear_warmup", "linear:start=0.01,end=1,steps=20"},
    {"sequential_warmup_cosine", "linear:start=0.01,end=1.0,steps=10 then@10 cosine:T=90,min=0"},
    {"polynomial", "poly:steps=100,power=2"},
    {"cyclic_triangular", "cyclic:mode=triangular,min=0.001,max=0.1,up=20,cycle_mom=0"},
    {"cyclic_triangular2", "cyclic:mode=triangular2,min=0.001,max=0.1,up=20,cycle_mom=0"},
    {"cyclic_exp_range", "cyclic:mode=exp_range,min=0.001,max=0.1,up=20,gamma=0.99,cycle_mom=0"},
    {"onecycle_cos", "onecycle:max=0.1,steps=100,anneal=cos,cycle_mom=0"},
    {"onecycle_linear", "onecycle:max=0.1,steps=100,anneal=linear,cycle_mom=0"},
    {"onecycle_three_phase", "onecycle:max=0.1,steps=100,three_phase=1,cycle_mom=0"},
    {"onecycle_cos_sgd_momentum", "onecycle:max=0.1,steps=100,cycle_mom=1,base_mom=0.85,max_mom=0.95"},
    {"onecycle_cos_adam_beta1", "onecycle:max=0.1,steps=100,cycle_mom=1,base_mom=0.85,max_mom=0.95"},
    {"reduce_on_plateau", "plateau:factor=0.5,patience=5,threshold=1e-4,threshold_mode=rel,"
                          "mode=min,cooldown=2,min=1e-4,eps=1e-8"},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

static cJSON *reference;

static int load_reference(void **state)
{
    (void)state;
    reference = test_load_json("reference/schedules.json");
    return reference ? 0 : -1;
}

static int free_reference(void **state)
{
    (void)state;
    cJSON_Delete(reference);
    return 0;
}

static const char *spec_for(const char *name)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (!strcmp(specs[i].name, name))
            return specs[i].spec;
    return NULL;
}

static void assert_close(double got, double want, const char *what, const char *name, int i)
{
    if (got == want || fabs(got - want) <= 1e-9 * fabs(want))
        return;
    fail_msg("%s: %s[%d] = %.17g, PyTorch %.17g", name, what, i, got, want);
}

/* Runs s as the reference's semantics say and compares every LR and momentum. */
static void check_sequence(lrs_schedule *s, const cJSON *ref, const char *name)
{
    const cJSON *lrs = cJSON_GetObjectItem(ref, "lr");
    const cJSON *moms = cJSON_GetObjectItem(ref, "momentum");
    const cJSON *metrics = cJSON_GetObjectItem(ref, "metrics");
    int steps = cJSON_GetObjectItem(ref, "steps")->valueint;
    assert_int_equal(cJSON_GetArraySize(lrs), steps);
    for (int i = 0; i < steps; i++) {
        double lr, mom;
        if (metrics) /* lr[i] is the LR after step(metrics[i]) */
            assert_int_equal(lrs_schedule_step_metric(s, cJSON_GetArrayItem(metrics, i)->valuedouble), LRS_OK);
        assert_int_equal(lrs_schedule_get(s, &lr, &mom), LRS_OK);
        assert_close(lr, cJSON_GetArrayItem(lrs, i)->valuedouble, "lr", name, i);
        if (moms)
            assert_close(mom, cJSON_GetArrayItem(moms, i)->valuedouble, "momentum", name, i);
        else
            assert_true(isnan(mom));
        if (!metrics && i + 1 < steps)
            assert_int_equal(lrs_schedule_step(s), LRS_OK);
    }
}

static void every_reference_schedule_matches_pytorch(void **state)
{
    (void)state;
    const cJSON *all = cJSON_GetObjectItem(reference, "schedules"), *ref;
    int checked = 0;
    cJSON_ArrayForEach(ref, all) {
        const char *name = cJSON_GetObjectItem(ref, "name")->valuestring;
        const char *spec = spec_for(name);
        if (!spec)
            fail_msg("no spec for reference schedule %s", name);
        lrs_schedule *s;
        int rc = lrs_schedule_parse(&s, spec, cJSON_GetObjectItem(ref, "base_lr")->valuedouble);
        if (rc != LRS_OK)
            fail_msg("%s: %s", spec, lrs_errmsg());
        check_sequence(s, ref, name);
        lrs_schedule_free(s);
        checked++;
    }
    assert_int_equal(checked, N_SPECS);
}

static void expect_error(const char *spec, const char *message)
{
    lrs_schedule *s = (lrs_schedule *)1;
    int rc = lrs_schedule_parse(&s, spec, 0.1);
    if (rc != LRS_ERR_PARSE)
        fail_msg("'%s' gave status %d, expected a parse error", spec, rc);
    assert_null(s);
    assert_string_equal(lrs_errmsg(), message);
}

static void bad_specs_name_the_offending_part(void **state)
{
    (void)state;
    expect_error("cosine:T=abc", "cosine:T=abc: T expects a positive integer, got 'abc' (column 10)");
    expect_error("cosine:T=0", "cosine:T=0: T expects a positive integer, got '0' (column 10)");
    expect_error("cosine:min=0.1", "cosine:min=0.1: cosine needs T= (column 1)");
    expect_error("cosin:T=5", "cosin:T=5: unknown schedule 'cosin' (expected constant, step, "
                              "multistep, exp, cosine, restarts, linear, poly, cyclic, onecycle "
                              "or plateau) (column 1)");
    expect_error("exp:gamma=0.9,T=3", "exp:gamma=0.9,T=3: 'T' is not a key of exp (keys: gamma) (column 15)");
    expect_error("exp:gamma=-1", "exp:gamma=-1: gamma expects a positive number, got '-1' (column 11)");
    expect_error("step:size=30,gamma=0", "step:size=30,gamma=0: gamma expects a positive number, got '0' (column 20)");
    expect_error("onecycle:steps=100,pct=1", "onecycle:steps=100,pct=1: pct expects a number in (0, 1), got '1' (column 24)");
    expect_error("onecycle:steps=100,anneal=sin", "onecycle:steps=100,anneal=sin: anneal expects one of cos|linear, got 'sin' (column 27)");
    expect_error("multistep:at=80/30", "multistep:at=80/30: at expects increasing step numbers joined by '/' (at most 32), e.g. at=30/80, got '80/30' (column 17)");
    expect_error("exp:gamma=0.9,gamma=0.8", "exp:gamma=0.9,gamma=0.8: gamma is given twice (column 15)");
    expect_error("exp:gamma", "exp:gamma: expected key=value, got 'gamma' (column 5)");
    expect_error("exp:gamma=0.9,", "exp:gamma=0.9,: a key=value must follow ',' (column 14)");
    expect_error("linear then 10 cosine:T=9", "linear: expected 'then@N' between phases, got 'then' (column 8)");
    expect_error("linear then@x cosine:T=9", "linear: then@ expects a step number after 0, got 'x' (column 8)");
    expect_error("linear then@5", "schedule 'linear then@5': expected a schedule name (column 14)");
    expect_error("", "schedule '': expected a schedule name (column 1)");
    expect_error("cyclic:min=0.2", "cyclic:min=0.2: cyclic needs max > min (column 1)");
    expect_error("onecycle:steps=3", "onecycle:steps=3: steps=3 with pct=0.3 leaves a phase of onecycle without steps (column 1)");
}

static void defaults_are_pytorchs(void **state)
{
    (void)state;
    static const struct { const char *spec, *canonical; } cases[] = {
        {"constant", "constant:factor=1,steps=0"},
        {"step:size=3", "step:size=3,gamma=0.1"},
        {"linear", "linear:start=0.3333333333333333,end=1,steps=5"},
        {"poly", "poly:steps=5,power=1"},
        {"restarts:T0=10", "restarts:T0=10,mult=1,min=0"},
        {"cyclic:min=0.01", "cyclic:mode=triangular,min=0.01,max=0.1,up=2000,down=2000,gamma=1,"
                            "cycle_mom=1,base_mom=0.8,max_mom=0.9"},
        {"onecycle:steps=50", "onecycle:max=0.1,steps=50,pct=0.3,div=25,final_div=10000,anneal=cos,"
                              "three_phase=0,cycle_mom=1,base_mom=0.85,max_mom=0.95"},
        {"plateau", "plateau:factor=0.1,patience=10,threshold=0.0001,threshold_mode=rel,mode=min,"
                    "cooldown=0,min=0,eps=1e-08"},
        {"linear:steps=4  then@4 exp:gamma=0.5", "linear:start=0.3333333333333333,end=1,steps=4 then@4 exp:gamma=0.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lrs_schedule *s;
        char buf[512];
        assert_int_equal(lrs_schedule_parse(&s, cases[i].spec, 0.1), LRS_OK);
        assert_int_equal(lrs_schedule_describe(s, buf, sizeof buf), LRS_OK);
        assert_string_equal(buf, cases[i].canonical);
        lrs_schedule_free(s);
    }
}

/* Steps a and b side by side (with a metric when needed) and requires identical values. */
static void assert_same_run(lrs_schedule *a, lrs_schedule *b, int steps)
{
    for (int i = 0; i < steps; i++) {
        double lr_a, lr_b, m_a, m_b;
        lrs_schedule_get(a, &lr_a, &m_a);
        lrs_schedule_get(b, &lr_b, &m_b);
        assert_memory_equal(&lr_a, &lr_b, sizeof lr_a);
        assert_memory_equal(&m_a, &m_b, sizeof m_a);
        double metric = 1.0 / (1 + i % 17); /* plateaus and improvements */
        assert_int_equal(lrs_schedule_step_metric(a, metric), LRS_OK);
        assert_int_equal(lrs_schedule_step_metric(b, metric), LRS_OK);
    }
}

static const char *const varied[] = {
    "step:size=7,gamma=0.5 then@30 cosine:T=40,min=0.001 then@60 plateau:patience=2,factor=0.5",
    "onecycle:steps=90,three_phase=1,anneal=linear",
    "cyclic:mode=exp_range,min=0.001,up=7,down=3,gamma=0.97",
    "restarts:T0=5,mult=3,min=1e-5",
    "multistep:at=3/9/27,gamma=0.3 then@40 poly:steps=20,power=0.5",
};

static void describe_parses_back_to_the_same_schedule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof varied / sizeof varied[0]; i++) {
        lrs_schedule *a, *b;
        char first[512], second[512];
        assert_int_equal(lrs_schedule_parse(&a, varied[i], 0.05), LRS_OK);
        assert_int_equal(lrs_schedule_describe(a, first, sizeof first), LRS_OK);
        assert_int_equal(lrs_schedule_parse(&b, first, 0.05), LRS_OK);
        assert_int_equal(lrs_schedule_describe(b, second, sizeof second), LRS_OK);
        assert_string_equal(first, second);
        assert_same_run(a, b, 85);
        lrs_schedule_free(a);
        lrs_schedule_free(b);
    }
}

static void saved_state_resumes_bit_for_bit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof varied / sizeof varied[0]; i++) {
        lrs_schedule *a, *b;
        assert_int_equal(lrs_schedule_parse(&a, varied[i], 0.05), LRS_OK);
        assert_int_equal(lrs_schedule_parse(&b, varied[i], 0.05), LRS_OK);
        for (int k = 0; k < 67; k++)
            assert_int_equal(lrs_schedule_step_metric(a, 1.0 / (1 + k % 11)), LRS_OK);
        unsigned char buf[2048];
        size_t n = lrs_schedule_state_size(a);
        assert_true(n <= sizeof buf);
        assert_int_equal(lrs_schedule_save(a, buf, n), LRS_OK);
        assert_int_equal(lrs_schedule_load(b, buf, n), LRS_OK);
        assert_int_equal(lrs_schedule_steps_taken(b), 67);
        assert_same_run(a, b, 20);
        lrs_schedule_free(a);
        lrs_schedule_free(b);
    }
    lrs_schedule *s, *other;
    unsigned char buf[2048];
    assert_int_equal(lrs_schedule_parse(&s, "exp:gamma=0.9", 0.1), LRS_OK);
    assert_int_equal(lrs_schedule_parse(&other, "cosine:T=9", 0.1), LRS_OK);
    assert_int_equal(lrs_schedule_save(s, buf, sizeof buf), LRS_OK);
    assert_int_equal(lrs_schedule_load(other, buf, lrs_schedule_state_size(s)), LRS_ERR_FORMAT);
    assert_int_equal(lrs_schedule_load(s, buf, 3), LRS_ERR_FORMAT);
    lrs_schedule_free(s);
    lrs_schedule_free(other);
}

static void set_base_lr_moves_onecycle_max(void **state)
{
    (void)state;
    lrs_schedule *a, *b;
    assert_int_equal(lrs_schedule_parse(&a, "onecycle:max=0.1,steps=100", 1.0), LRS_OK);
    assert_int_equal(lrs_schedule_parse(&b, "onecycle:steps=100", 0.3), LRS_OK);
    assert_int_equal(lrs_schedule_set_base_lr(a, 0.3), LRS_OK);
    assert_same_run(a, b, 60);
    double lr;
    lrs_schedule_get(b, &lr, NULL);
    assert_true(lrs_schedule_cycles_momentum(b));
    assert_false(lrs_schedule_needs_metric(b));
    lrs_schedule_free(a);
    lrs_schedule_free(b);
}

static void onecycle_refuses_to_step_past_its_end(void **state)
{
    (void)state;
    lrs_schedule *s;
    assert_int_equal(lrs_schedule_parse(&s, "onecycle:steps=10", 0.1), LRS_OK);
    for (int i = 0; i < 10; i++) /* PyTorch allows t == total_steps */
        assert_int_equal(lrs_schedule_step(s), LRS_OK);
    assert_int_equal(lrs_schedule_step(s), LRS_ERR_ARG);
    assert_string_equal(lrs_errmsg(), "onecycle: stepped past its steps=10 (step 11)");
    lrs_schedule_free(s);
}

static void plateau_in_a_sequence_starts_from_the_base_lr(void **state)
{
    (void)state;
    lrs_schedule *s;
    assert_int_equal(lrs_schedule_parse(&s, "linear:start=0.5,steps=2 then@2 plateau:patience=0", 0.2), LRS_OK);
    assert_true(lrs_schedule_needs_metric(s));
    double want[] = {0.1, 0.15, 0.2, 0.02, 0.002, 0.0002};
    double metric[] = {1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 6; i++) {
        double lr;
        lrs_schedule_get(s, &lr, NULL);
        assert_true(fabs(lr - want[i]) <= 1e-15);
        lrs_schedule_step_metric(s, metric[i]);
    }
    lrs_schedule_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_reference_schedule_matches_pytorch),
        cmocka_unit_test(bad_specs_name_the_offending_part),
        cmocka_unit_test(defaults_are_pytorchs),
        cmocka_unit_test(describe_parses_back_to_the_same_schedule),
        cmocka_unit_test(saved_state_resumes_bit_for_bit),
        cmocka_unit_test(set_base_lr_moves_onecycle_max),
        cmocka_unit_test(onecycle_refuses_to_step_past_its_end),
        cmocka_unit_test(plateau_in_a_sequence_starts_from_the_base_lr),
    };
    return cmocka_run_group_tests(tests, load_reference, free_reference);
}
