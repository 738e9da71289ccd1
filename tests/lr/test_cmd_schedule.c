/* `lrscope schedule` through the built binary (LRS_BIN; skipped when it is not built). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run_cli.h"
#include "testutil.h"

static char tmp[256];

static int run(const char *args, char *out, size_t out_n, char *err, size_t err_n)
{
    return run_lrscope(tmp, args, out, out_n, err, err_n);
}

static void prints_each_step_in_full_precision(void **state)
{
    (void)state;
    char out[4096], err[1024];
    int rc = run("schedule 'linear:start=0.5,steps=2 then@2 exp:gamma=0.5' --lr 0.2 --steps 5",
                 out, sizeof out, err, sizeof err);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "0 0.1\n1 0.15000000000000002\n2 0.2\n3 0.1\n4 0.05\n");
    assert_string_equal(err, "");
}

static void prints_momentum_and_json(void **state)
{
    (void)state;
    char out[4096], err[1024];
    assert_int_equal(run("schedule onecycle:steps=10 --lr 0.1 --steps 3", out, sizeof out, err,
                         sizeof err), 0);
    assert_string_equal(out, "0 0.0040000000000000036 0.95\n1 0.052000000000000005 "
                             "0.8999999999999999\n2 0.1 0.85\n");
    assert_int_equal(run("schedule exp:gamma=0.5 --lr 1 --steps 2 --json", out, sizeof out, err,
                         sizeof err), 0);
    assert_string_equal(out, "{\"spec\": \"exp:gamma=0.5\", \"steps\": [{\"step\": 0, \"lr\": 1}, "
                             "{\"step\": 1, \"lr\": 0.5}]}\n");
}

static void plateau_reads_metrics(void **state)
{
    (void)state;
    char path[300], args[512], out[4096], err[1024];
    snprintf(path, sizeof path, "%s/metrics.txt", tmp);
    FILE *f = fopen(path, "w");
    fputs("1\n0.5\n0.5\n0.5\n", f);
    fclose(f);
    snprintf(args, sizeof args, "schedule plateau:patience=1,factor=0.5 --lr 1 --metrics '%s'", path);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "0 1\n1 1\n2 1\n3 0.5\n");
}

static void bad_spec_exits_2_with_one_line(void **state)
{
    (void)state;
    char out[4096], err[1024];
    assert_int_equal(run("schedule cosine:T=abc --lr 0.1 --steps 3", out, sizeof out, err,
                         sizeof err), 2);
    assert_string_equal(out, "");
    assert_string_equal(err, "lrscope: schedule: cosine:T=abc: T expects a positive integer, "
                             "got 'abc' (column 10)\n");
    assert_int_equal(run("schedule cosine:T=5 --lr 0.1", out, sizeof out, err, sizeof err), 2);
    assert_string_equal(err, "lrscope: schedule: --steps is missing (how many steps to print)\n");
}

static int make_tmp(void **state)
{
    (void)state;
    return test_tmpdir(tmp, sizeof tmp) ? 0 : -1;
}

static int remove_tmp(void **state)
{
    (void)state;
    return test_rmtree(tmp) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prints_each_step_in_full_precision),
        cmocka_unit_test(prints_momentum_and_json),
        cmocka_unit_test(plateau_reads_metrics),
        cmocka_unit_test(bad_spec_exits_2_with_one_line),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
