/* `lrscope train` through the built binary on the embedded sample: the --json lines, bad
 * flags (exit 2, one line), the NaN stop (exit 3), resume equal to a straight run, refused
 * checkpoints, the missing-Fashion-MNIST hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "run_cli.h"
#include "testutil.h"

static char out[65536], err[4096];


/* Runs `lrscope train ARGS` (one OpenBLAS thread) and returns its exit status. */
static int train(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int train(const char *fmt, ...)
{
    char args[2048];
    int n = snprintf(args, sizeof args, "train --threads 1 ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args + n, sizeof args - (size_t)n, fmt, ap);
    va_end(ap);
    return run_lrscope(test_tmp, args, out, sizeof out, err, sizeof err);
}

static double number(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", key);
    return v->valuedouble;
}

static void json_lines_have_the_documented_shape(void **state)
{
    (void)state;
    assert_int_equal(train("--steps 40 --eval-every 16 --json --logdir '%s/json'", test_tmp), 0);
    assert_string_equal(err, ""); /* --json: nothing but JSON, and no progress when piped */
    /* Evaluations after steps 16 and 32 (an epoch is 32 steps) and the last, 40. */
    const int eval_steps[] = {15, 31, 39}, eval_epochs[] = {1, 1, 2};
    char *line = strtok(out, "\n");
    for (int i = 0; i < 3; i++, line = strtok(NULL, "\n")) {
        assert_non_null(line);
        cJSON *e = cJSON_Parse(line);
        assert_non_null(e);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "event")->valuestring, "eval");
        assert_int_equal((int)number(e, "step"), eval_steps[i]);
        assert_int_equal((int)number(e, "epoch"), eval_epochs[i]);
        assert_true(number(e, "lr") == 0.1);
        assert_true(number(e, "val_accuracy") > 0.5 && number(e, "val_loss") < 1.5);
        cJSON_Delete(e);
    }
    assert_non_null(line);
    cJSON *done = cJSON_Parse(line);
    assert_non_null(done);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(done, "event")->valuestring, "done");
    assert_int_equal((int)number(done, "steps"), 40);
    assert_true(number(done, "epochs") == 1.25);
    /* No --val-split: the held-out set is the test set. */
    assert_true(number(done, "test_accuracy") == number(done, "val_accuracy"));
    assert_true(number(done, "train_loss") > 0 && number(done, "seconds") > 0 &&
                number(done, "samples_per_sec") > 0);
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/json", test_tmp);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(done, "logdir")->valuestring, logdir);
    cJSON_Delete(done);
    assert_null(strtok(NULL, "\n"));
}

static void bad_flags_exit_2_with_one_line_naming_the_flag(void **state)
{
    (void)state;
    const struct {
        const char *args, *says;
    } cases[] = {
        {"--batch 0", "--batch: expected a whole number from 1 to 65536, got '0'"},
        {"--bogus 1", "train: unknown flag '--bogus'"},
        {"--epochs 2 --steps 3", "give --epochs or --steps, not both"},
        {"--optimizer sgdd", "--optimizer sgdd: "},
        {"--model mlp:0", "--model mlp:0: "},
        {"--schedule cosine:T=x", "--schedule cosine:T=x: "},
        {"--val-split 1", "--val-split: expected a fraction in [0, 1), got 1"},
        {"--lr", "--lr: expected a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = train("%s", cases[i].args);
        if (rc != 2 || !strstr(err, cases[i].says) || count_lines(err) != 1 || strncmp(err, "lrscope: ", 9))
            fail_msg("'%s': exit %d, stderr '%s'", cases[i].args, rc, err);
    }
}

static void nan_loss_exits_3_naming_the_step(void **state)
{
    (void)state;
    assert_int_equal(train("--lr 1e12 --steps 10 --logdir '%s/nan'", test_tmp), 3);
    assert_non_null(strstr(err, "lrscope: train: step 2: the training loss is NaN"));
    /* --json: the same, and a last line on stdout saying why it stopped */
    assert_int_equal(train("--lr 1e12 --steps 10 --json --logdir '%s/nan-json'", test_tmp), 3);
    assert_non_null(strstr(err, "lrscope: train: step 2: the training loss is NaN"));
    const char *last = strrchr(out, '{');
    assert_non_null(last);
    cJSON *line = cJSON_Parse(last);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(line, "event")->valuestring, "stopped");
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(line, "message")->valuestring,
                           "step 2: the training loss is NaN"));
    cJSON_Delete(line);
}

/* The whole file, malloc'ed. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void resumed_run_writes_the_same_checkpoint_as_a_straight_one(void **state)
{
    (void)state;
    assert_int_equal(train("--steps 40 --schedule cosine --checkpoint '%s/a.ckpt' --logdir '%s/a'", test_tmp, test_tmp), 0);
    /* A run stopped after step 15 (its checkpoint is what a kill after step 15 leaves),
     * resumed to 40. */
    assert_int_equal(train("--steps 15 --schedule cosine:T=40 --checkpoint '%s/c.ckpt' --logdir '%s/c'", test_tmp, test_tmp), 0);
    assert_int_equal(train("--steps 40 --schedule cosine --resume '%s/c.ckpt' --checkpoint '%s/c.ckpt' "
                           "--logdir '%s/c'", test_tmp, test_tmp, test_tmp), 0);
    char path[300];
    size_t na, nc;
    snprintf(path, sizeof path, "%s/a.ckpt", test_tmp);
    unsigned char *a = slurp(path, &na);
    snprintf(path, sizeof path, "%s/c.ckpt", test_tmp);
    unsigned char *c = slurp(path, &nc);
    assert_true(na > 1600000); /* 203,530 parameters and their momentum, float32 */
    assert_int_equal(na, nc);
    assert_memory_equal(a, c, na);
    free(a);
    free(c);
}

static void damaged_or_foreign_checkpoint_is_refused(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/d.ckpt", test_tmp);
    assert_int_equal(train("--steps 3 --checkpoint '%s' --logdir '%s/d'", path, test_tmp), 0);
    assert_int_equal(train("--steps 6 --model mlp:64 --resume '%s' --logdir '%s/d'", path, test_tmp), 1);
    assert_non_null(strstr(err, "checkpoint of model mlp:256, but this run's model is mlp:64"));
    assert_int_equal(count_lines(err), 1);
    size_t n;
    unsigned char *bytes = slurp(path, &n);
    bytes[n - 10] ^= 1;
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
    assert_int_equal(train("--steps 6 --resume '%s' --logdir '%s/d'", path, test_tmp), 1);
    assert_non_null(strstr(err, "damaged checkpoint (CRC mismatch)"));
    assert_int_equal(count_lines(err), 1);
    free(bytes);
}

static void missing_fashion_mnist_names_the_package(void **state)
{
    (void)state;
    char none[300];
    snprintf(none, sizeof none, "%s/no-such-folder", test_tmp);
    setenv("LRSCOPE_DATA", none, 1);
    int rc = train("--data fashion-mnist --steps 1");
    unsetenv("LRSCOPE_DATA");
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "dataset-fashion-mnist"));
    assert_non_null(strstr(err, "scripts/setup.sh fashion-mnist"));
    assert_int_equal(count_lines(err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_lines_have_the_documented_shape),
        cmocka_unit_test(bad_flags_exit_2_with_one_line_naming_the_flag),
        cmocka_unit_test(nan_loss_exits_3_naming_the_step),
        cmocka_unit_test(resumed_run_writes_the_same_checkpoint_as_a_straight_one),
        cmocka_unit_test(damaged_or_foreign_checkpoint_is_refused),
        cmocka_unit_test(missing_fashion_mnist_names_the_package),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
