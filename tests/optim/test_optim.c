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

/* torch 1.13's float32 updates, bit for bit (tests/optim/torch_update_bits.py prints this
 * table): BIT_N parameters after BIT_STEPS steps from float32 ramps. PyTorch's kernels fuse some
 * multiply-adds (add_ with alpha, addcmul_) and not others; rounding once more or less
 * anywhere changes some of these bits. */
enum { BIT_N = 36, BIT_STEPS = 4 };
static const struct {
    const char *spec;
    uint32_t bits[BIT_N];
} torch_updates[] = {
    {"sgd:lr=0.1,momentum=0.9,nesterov=1,wd=0.01",
     {0xbdec5c41, 0x3b8e46b4, 0xbe013ced, 0x3d8c7263, 0xbddd42a3, 0x3d6ca992,
      0xbd336958, 0x3dc27579, 0xbd5fa489, 0x3e0f8cfb, 0xbc8ec654, 0xbe07e082,
      0x3ce3cb9f, 0xbe04ec52, 0x3d521b3e, 0xbdad3425, 0x3d5dec01, 0xbd7a32e0,
      0x3dcb9a7d, 0xbcff0f22, 0x3dfbb534, 0xbc54648a, 0xbe12f56c, 0x3d5202c9,
      0xbe0059cf, 0x3d25c799, 0xbd7a4b53, 0x3d703607, 0xbd934342, 0x3dfba8fb,
      0xbd0e4526, 0x3de58b62, 0x3c2c0f5f, 0xbe16a4d1, 0x3d0b3943, 0xbdd0a523}},
    {"sgd:lr=0.1,momentum=0.8,dampening=0.3",
     {0xbe041538, 0x3c42825c, 0xbe02bba9, 0x3d74e677, 0xbdcb786e, 0x3d7a4cb1,
      0xbd52aaff, 0x3dc57b43, 0xbd4d44c3, 0x3e0ca416, 0xbc726bc8, 0xbe13b823,
      0x3cd5fdc6, 0xbe010b1a, 0x3d365acd, 0xbdae4947, 0x3d808779, 0xbd889b55,
      0x3dd45463, 0xbd12e676, 0x3dfa0259, 0xbbf7456c, 0xbe169dfc, 0x3d255d30,
      0xbdf33d12, 0x3d2ac36c, 0xbd911a22, 0x3d8f609a, 0xbd8e6703, 0x3df1838b,
      0xbd0c2439, 0x3df436a8, 0x3bdbacfb, 0xbe14ed6c, 0x3ccda30d, 0xbdd60dea}},
    {"adam:lr=0.01,wd=0.01,amsgrad=1",
     {0xbdec1854, 0x3c9870b4, 0xbe0fefac, 0x3d989189, 0xbdc2b3ec, 0x3d41d978,
      0xbd1035b7, 0x3dc5a88e, 0xbd80b29a, 0x3e1c6f27, 0xbc802fa1, 0xbe14341f,
      0x3d2b6f94, 0xbe16344e, 0x3d2d44bb, 0xbd8e72df, 0x3d29c4cd, 0xbd8cc412,
      0x3deb5e87, 0xbd4b5c36, 0x3df0b6a6, 0x3b0e33d8, 0xbe23d58f, 0x3d5d69e8,
      0xbde35f1c, 0x3ce3d2b6, 0xbd62a64a, 0x3d90602e, 0xbda8e538, 0x3e089d40,
      0xbd07c5ab, 0x3dd8a32c, 0x3cbc5fbc, 0xbe14dcad, 0x3cbf9b22, 0xbdb4017c}},
    {"adamw:lr=0.01",
     {0xbdeca409, 0x3c9aff52, 0xbe10b831, 0x3d99037f, 0xbdc59ce6, 0x3d432030,
      0xbd110a44, 0x3dc8763a, 0xbd813b64, 0x3e1d6085, 0xbc80e43d, 0xbe153486,
      0x3d2c8344, 0xbe1706ea, 0x3d2e7f9c, 0xbd9002e9, 0x3d2ade4a, 0xbd8de6a3,
      0x3dee1af7, 0xbd4c6291, 0x3df2c07f, 0x3b0f03c2, 0xbe24be6e, 0x3d5de4fc,
      0xbde6bcec, 0x3ce5881e, 0xbd6390c3, 0x3d92e415, 0xbda9b2ec, 0x3e0943e6,
      0xbd0958d2, 0x3dd9c74c, 0x3cbd1231, 0xbe162033, 0x3cc0af8d, 0xbdb5a9ec}},
};

/* ((i * mult + t * add) % mod) / mod - 0.5 in float32, as torch_update_bits.py's ramp. */
static float ramp(int i, int mult, int add, int mod, int t)
{
    return (float)((i * mult + t * add) % mod) / (float)mod - 0.5f;
}

static void updates_are_pytorchs_bit_for_bit(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof torch_updates / sizeof torch_updates[0]; k++) {
        float p[BIT_N], g[BIT_N];
        for (int i = 0; i < BIT_N; i++) p[i] = ramp(i, 53, 0, 97, 0) * 0.3f;
        lrs_optim *opt;
        assert_int_equal(lrs_optim_create(&opt, torch_updates[k].spec, BIT_N), LRS_OK);
        for (int t = 0; t < BIT_STEPS; t++) {
            for (int i = 0; i < BIT_N; i++) g[i] = ramp(i, 31, 17, 89, t) * 0.1f;
            assert_int_equal(lrs_optim_step(opt, p, g), LRS_OK);
        }
        int differ = 0;
        for (int i = 0; i < BIT_N; i++) {
            uint32_t got;
            memcpy(&got, &p[i], sizeof got);
            differ += got != torch_updates[k].bits[i];
        }
        if (differ) fail_msg("%s: %d of %d parameters differ from PyTorch's bits", torch_updates[k].spec, differ, BIT_N);
        lrs_optim_free(opt);
    }
}

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
        cmocka_unit_test(updates_are_pytorchs_bit_for_bit),
        cmocka_unit_test(spec_errors_point_at_the_bad_part),
        cmocka_unit_test(lr_and_momentum_are_settable),
        cmocka_unit_test(state_save_load_resumes_bit_exactly),
    };
    return cmocka_run_group_tests(tests, load_reference, free_reference);
}
