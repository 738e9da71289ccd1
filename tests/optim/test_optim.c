#include <cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "optim.h"
#include "status.h"
#include "test_json.h"
#include "testutil.h"

/* ---- tests/data/reference/optimizers.json (PyTorch 1.13, float64) ---- */

static cJSON *reference;

static int load_reference(void **state)
{
    (void)state;
    reference = test_load_json("reference/optimizers.json");
    return reference ? 0 : -1;
}

static int free_reference(void **state)
{
    (void)state;
    cJSON_Delete(reference);
    return 0;
}

/* A JSON array of numbers into out (at most max); returns the count. */
static int numbers(const cJSON *array, double *out, int max)
{
    int n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, array) {
        assert_true(n < max && cJSON_IsNumber(v));
        out[n++] = v->valuedouble;
    }
    return n;
}

static double arg(const cJSON *args, const char *key, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

/* The lrscope spec for one reference entry: PyTorch's class and arguments, defaults as
 * PyTorch's (given explicitly, so lrscope's defaults do not hide a mismatch). */
static void spec_of(const cJSON *entry, char *spec, size_t n)
{
    const char *cls = cJSON_GetObjectItemCaseSensitive(entry, "pytorch_class")->valuestring;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(entry, "args");
    if (strcmp(cls, "SGD") == 0)
        snprintf(spec, n, "sgd:lr=%.17g,momentum=%.17g,dampening=%.17g,nesterov=%d,wd=%.17g", arg(a, "lr", 0),
                 arg(a, "momentum", 0), arg(a, "dampening", 0), (int)arg(a, "nesterov", 0),
                 arg(a, "weight_decay", 0));
    else
        snprintf(spec, n, "%s:lr=%.17g,beta1=0.9,beta2=0.999,eps=1e-8,wd=%.17g,amsgrad=%d",
                 strcmp(cls, "Adam") == 0 ? "adam" : "adamw", arg(a, "lr", 0.001),
                 arg(a, "weight_decay", strcmp(cls, "Adam") == 0 ? 0 : 0.01), (int)arg(a, "amsgrad", 0));
}

enum { P = 8, STEPS = 20 };

/* Runs one reference entry through the float64 instance and, looser, the float32 one. */
static void check_trajectory(const cJSON *entry)
{
    const char *name = cJSON_GetObjectItemCaseSensitive(entry, "name")->valuestring;
    char spec[256];
    spec_of(entry, spec, sizeof spec);
    double p[P], g[STEPS][P], want[P];
    float pf[P], gf[P];
    assert_int_equal(numbers(cJSON_GetObjectItemCaseSensitive(reference, "p0"), p, P), P);
    const cJSON *grads = cJSON_GetObjectItemCaseSensitive(reference, "grads"), *row;
    int k = 0;
    cJSON_ArrayForEach(row, grads) assert_int_equal(numbers(row, g[k++], P), P);
    assert_int_equal(k, STEPS);
    for (int i = 0; i < P; i++) pf[i] = (float)p[i];
    lrs_optim *opt, *optf;
    assert_int_equal(lrs_optim_create_f64(&opt, spec, P), LRS_OK);
    assert_int_equal(lrs_optim_create(&optf, spec, P), LRS_OK);
    k = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(entry, "trajectory")) {
        assert_int_equal(lrs_optim_step_f64(opt, p, g[k]), LRS_OK);
        for (int i = 0; i < P; i++) gf[i] = (float)g[k][i];
        assert_int_equal(lrs_optim_step(optf, pf, gf), LRS_OK);
        assert_int_equal(numbers(row, want, P), P);
        for (int i = 0; i < P; i++) {
            if (fabs(p[i] - want[i]) > 1e-6 * fabs(want[i]) + 1e-12)
                print_error("%s step %d [%d]: %.17g, PyTorch %.17g\n", name, k, i, p[i], want[i]);
            assert_true(fabs(p[i] - want[i]) <= 1e-6 * fabs(want[i]) + 1e-12);
            assert_true(fabs(pf[i] - want[i]) <= 1e-4 * fabs(want[i]) + 1e-5);
        }
        k++;
    }
    assert_int_equal(k, STEPS);
    assert_int_equal(lrs_optim_steps(opt), STEPS);
    lrs_optim_free(opt);
    lrs_optim_free(optf);
}

static void every_pytorch_trajectory_matches(void **state)
{
    (void)state;
    const cJSON *entry;
    int count = 0;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(reference, "optimizers")) {
        check_trajectory(entry);
        count++;
    }
    assert_int_equal(count, 9);
}

static void clip_grad_norm_matches_pytorch(void **state)
{
    (void)state;
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reference,
                                                          "clip_grad_norm"), "cases"), *c, *t;
    int count = 0;
    cJSON_ArrayForEach(c, cases) {
        double g[64], want[64];
        float gf[64];
        int n = 0, m = 0;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(c, "inputs"))
            n += numbers(cJSON_GetObjectItemCaseSensitive(t, "grad"), g + n, 64 - n);
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(c, "clipped")) m += numbers(t, want + m, 64 - m);
        assert_int_equal(n, m);
        for (int i = 0; i < n; i++) gf[i] = (float)g[i];
        double max_norm = cJSON_GetObjectItemCaseSensitive(c, "max_norm")->valuedouble;
        double total = cJSON_GetObjectItemCaseSensitive(c, "total_norm")->valuedouble;
        assert_float_equal(lrs_grad_norm_f64(g, (size_t)n), total, 1e-12 * total);
        assert_float_equal(lrs_clip_grad_norm_f64(g, (size_t)n, max_norm), total, 1e-12 * total);
        assert_float_equal(lrs_clip_grad_norm(gf, (size_t)n, max_norm), total, 1e-6 * total);
        for (int i = 0; i < n; i++) {
            assert_float_equal(g[i], want[i], 1e-12 * fabs(want[i]) + 1e-15);
            assert_float_equal(gf[i], want[i], 1e-6 * fabs(want[i]) + 1e-7);
        }
        count++;
    }
    assert_int_equal(count, 2);
}

/* ---- specs ---- */

static void spec_errors_point_at_the_bad_part(void **state)
{
    (void)state;
    struct { const char *spec, *needle; } bad[] = {
        { "rmsprop:lr=1", "unknown name 'rmsprop' (expected sgd, adam or adamw)" },
        { "sgd:momentum=x", "'momentum=x' needs a number in [0, 1] (got 'x')" },
        { "sgd:momentum=0.9,nesterov=2", "'nesterov=2' needs 0 or 1" },
        { "sgd:beta1=0.9", "unknown key 'beta1' for sgd (expected lr, momentum, dampening, nesterov, wd)" },
        { "adam:beta2=1", "'beta2=1' needs a number in [0, 1)" },
        { "adam:eps=-1", "'eps=-1' needs a number >= 0" },
        { "adamw:wd", "'wd' needs a number >= 0 (got '')" },
        { "adam:lr=nan", "'lr=nan' needs a number >= 0" },
        { "sgd:lr=0.1,", "unknown key '' for sgd" },
        { "sgd:nesterov=1", "nesterov=1 needs momentum > 0 and dampening=0" },
    };
    lrs_optim *opt;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(lrs_optim_create(&opt, bad[i].spec, 4), LRS_ERR_PARSE);
        assert_null(opt);
        if (!strstr(lrs_errmsg(), bad[i].needle)) print_error("%s -> %s\n", bad[i].spec, lrs_errmsg());
        assert_non_null(strstr(lrs_errmsg(), bad[i].needle));
    }
    assert_int_equal(lrs_optim_create(&opt, "adamw", 4), LRS_OK);
    assert_string_equal(lrs_optim_spec(opt), "adamw:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,wd=0.01,amsgrad=0");
    lrs_optim_free(opt);
    assert_int_equal(lrs_optim_create(&opt, "sgd:momentum=0.9,nesterov=1,wd=5e-4,dampening=0", 4), LRS_OK);
    assert_string_equal(lrs_optim_spec(opt), "sgd:lr=0.01,momentum=0.9,dampening=0,nesterov=1,wd=0.0005");
    double p[4] = { 0 }, g[4] = { 0 };
    assert_int_equal(lrs_optim_step_f64(opt, p, g), LRS_ERR_ARG);  /* a float optimizer */
    lrs_optim_free(opt);
}

static void lr_and_momentum_are_settable(void **state)
{
    (void)state;
    lrs_optim *opt;
    assert_int_equal(lrs_optim_create_f64(&opt, "adam", 1), LRS_OK);
    assert_int_equal(lrs_optim_set_lr(opt, 0.5), LRS_OK);
    assert_int_equal(lrs_optim_set_momentum(opt, 0.85), LRS_OK);
    assert_true(lrs_optim_lr(opt) == 0.5 && lrs_optim_momentum(opt) == 0.85);
    assert_int_equal(lrs_optim_set_momentum(opt, 1.0), LRS_ERR_ARG);
    assert_int_equal(lrs_optim_set_lr(opt, -1), LRS_ERR_ARG);
    /* First Adam step moves by lr * sign(g) whatever beta1 is (bias correction). */
    double p = 1, g = 3;
    assert_int_equal(lrs_optim_step_f64(opt, &p, &g), LRS_OK);
    assert_float_equal(p, 0.5, 1e-7);
    lrs_optim_free(opt);
    /* SGD with momentum 0.5 then 0: the second step ignores the buffer. */
    assert_int_equal(lrs_optim_create_f64(&opt, "sgd:lr=0.1,momentum=0.5", 1), LRS_OK);
    p = 0, g = 1;
    lrs_optim_step_f64(opt, &p, &g);
    assert_int_equal(lrs_optim_set_momentum(opt, 0), LRS_OK);
    lrs_optim_step_f64(opt, &p, &g);
    assert_float_equal(p, -0.2, 1e-15);
    lrs_optim_free(opt);
}

/* Save after 10 steps, run 10 more; a fresh optimizer loaded from the save must end on the
 * same bits. */
static void state_save_load_resumes_bit_exactly(void **state)
{
    (void)state;
    const char *specs[] = { "adam:amsgrad=1,wd=0.1", "sgd:lr=0.1,momentum=0.9,nesterov=1", "adamw" };
    for (int s = 0; s < 3; s++) {
        enum { N = 100 };
        float p[N], q[N], g[N];
        lrs_optim *a, *b;
        assert_int_equal(lrs_optim_create(&a, specs[s], N), LRS_OK);
        assert_int_equal(lrs_optim_create(&b, specs[s], N), LRS_OK);
        for (int i = 0; i < N; i++) p[i] = sinf((float)i);
        for (int step = 0; step < 10; step++) {
            for (int i = 0; i < N; i++) g[i] = cosf((float)(i * step + 1));
            lrs_optim_step(a, p, g);
        }
        size_t size = lrs_optim_state_size(a);
        void *saved = malloc(size);
        assert_int_equal(lrs_optim_state_save(a, saved, size), LRS_OK);
        memcpy(q, p, sizeof p);
        lrs_optim_set_lr(b, 123);
        assert_int_equal(lrs_optim_state_load(b, saved, size), LRS_OK);
        assert_int_equal(lrs_optim_steps(b), 10);
        for (int step = 10; step < 20; step++) {
            for (int i = 0; i < N; i++) g[i] = cosf((float)(i * step + 1));
            lrs_optim_step(a, p, g);
            lrs_optim_step(b, q, g);
        }
        assert_memory_equal(p, q, sizeof p);
        assert_int_equal(lrs_optim_state_load(b, saved, size - 1), LRS_ERR_FORMAT);
        ((char *)saved)[0] ^= 1;  /* not a state this optimizer wrote */
        assert_int_equal(lrs_optim_state_load(b, saved, size), LRS_ERR_FORMAT);
        free(saved);
        lrs_optim_free(a);
        lrs_optim_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_pytorch_trajectory_matches),
        cmocka_unit_test(clip_grad_norm_matches_pytorch),
        cmocka_unit_test(spec_errors_point_at_the_bad_part),
        cmocka_unit_test(lr_and_momentum_are_settable),
        cmocka_unit_test(state_save_load_resumes_bit_exactly),
    };
    return cmocka_run_group_tests(tests, load_reference, free_reference);
}
