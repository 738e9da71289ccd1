/* `lrscope find` and `lrscope train --lr auto` through the built binary on the embedded
 * sample: the --json object against lrs_find_suggest on its own curve, LR spacing, early
 * stop, the logdir's find/... tags and image, the SVG, weights restored after the sweep,
 * onecycle's max LR, bad flags (exit 2, one line), no answer (exit 1). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "lr.h"
#include "run_cli.h"
#include "testutil.h"
#include "tfevents.h"

static char out[1 << 18], err[4096];


/* Runs `lrscope ARGS` (one OpenBLAS thread: the same bits run after run). */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(args + n, sizeof args - (size_t)n, " --threads 1");
    return run_lrscope(test_tmp, args, out, sizeof out, err, sizeof err);
}

static const cJSON *item(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        fail_msg("no key %s", key);
    return v;
}

/* A JSON number, or NaN for null and the strings non-finite numbers are written as. */
static double num(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The find --json object of `lrscope find ARGS --json`, which must exit with status. */
static cJSON *find_json(int status, const char *args)
{
    assert_int_equal(run("find --json %s", args), status);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    return j;
}

/* The curve of the JSON as an lrs_find_result (iters planned), arrays malloc'ed. */
static void curve_of(const cJSON *j, int iters, lrs_find_result *r)
{
    const cJSON *curve = item(j, "curve");
    int n = cJSON_GetArraySize(curve);
    *r = (lrs_find_result){.iters = iters, .n = n};
    r->lr = malloc((size_t)n * sizeof *r->lr);
    r->loss = malloc((size_t)n * sizeof *r->loss);
    r->smooth = malloc((size_t)n * sizeof *r->smooth);
    for (int i = 0; i < n; i++) {
        const cJSON *p = cJSON_GetArrayItem(curve, i);
        assert_int_equal(cJSON_GetArraySize(p), 3);
        r->lr[i] = num(cJSON_GetArrayItem(p, 0));
        r->loss[i] = num(cJSON_GetArrayItem(p, 1));
        r->smooth[i] = num(cJSON_GetArrayItem(p, 2));
    }
}

static void assert_lr_spacing(const lrs_find_result *r, double start, double end, int iters, int exp_mode)
{
    for (int i = 0; i < r->n; i++) {
        double pos = (double)i / (iters - 1);
        double want = exp_mode ? start * pow(end / start, pos) : start + (end - start) * pos;
        assert_true(fabs(r->lr[i] - want) <= 1e-12 * want);
    }
}

/* valley, steep, minimum and the consensus are what lrs_find_suggest reads off the curve;
 * auto is the verified candidate with the lowest final loss. */
static void json_matches_lrs_find_suggest_on_its_curve(void **state)
{
    (void)state;
    cJSON *j = find_json(0, "--iters 30 --verify-steps 10 --start 1e-5 --end 1");
    lrs_find_result r;
    curve_of(j, 30, &r);
    assert_int_equal(r.n, (int)num(item(j, "iterations")));
    assert_false(cJSON_IsTrue(item(j, "stopped_early")));
    assert_int_equal(r.n, 30);
    assert_lr_spacing(&r, 1e-5, 1, 30, 1);
    assert_int_equal(lrs_find_suggest(&r), LRS_OK);
    const cJSON *s = item(j, "suggestions");
    for (int m = LRS_SUGGEST_VALLEY; m <= LRS_SUGGEST_MINIMUM; m++) {
        assert_true(r.suggest[m].ok);
        assert_true(num(item(s, lrs_suggestion_name(m))) == r.suggest[m].lr);
        assert_true(cJSON_IsString(item(item(j, "reasons"), lrs_suggestion_name(m))));
    }
    assert_true(num(item(j, "consensus")) == r.consensus);
    double picked = num(item(s, "auto"));
    assert_true(num(item(j, "suggested_lr")) == picked);
    assert_string_equal(item(j, "method")->valuestring, "auto");
    const cJSON *v = item(j, "verification");
    assert_int_equal(cJSON_GetArraySize(v), 3);
    double best_loss = INFINITY, best_lr = NAN, middle_loss = NAN;
    int steps = r.n;
    for (int i = 0; i < 3; i++) {
        const cJSON *c = cJSON_GetArrayItem(v, i);
        double lr = num(item(c, "lr")), loss = num(item(c, "loss"));
        double want_lr = r.consensus * (i == 0 ? 1.0 / 3 : i == 1 ? 1 : 3);
        assert_true(fabs(lr - want_lr) <= 1e-12 * want_lr);
        steps += (int)num(item(c, "steps"));
        assert_false(cJSON_IsTrue(item(c, "diverged")));
        if (loss <= best_loss * (1 + 1e-3))
            best_loss = loss, best_lr = lr;
        if (i == 1)
            middle_loss = loss;
    }
    /* the lowest loss, unless it does not lead the consensus's by 5% */
    assert_true(picked == (best_loss < 0.95 * middle_loss ? best_lr : r.consensus));
    assert_int_equal((int)num(item(j, "steps")), steps);
    lrs_find_result_free(&r);
    cJSON_Delete(j);
}

/* Linear spacing; without verification auto is the consensus itself. */
static void linear_sweep_without_verification(void **state)
{
    (void)state;
    cJSON *j = find_json(0, "--mode linear --start 1e-3 --end 0.3 --iters 20 --verify-steps 0");
    lrs_find_result r;
    curve_of(j, 20, &r);
    assert_int_equal(r.n, 20);
    assert_lr_spacing(&r, 1e-3, 0.3, 20, 0);
    assert_int_equal(cJSON_GetArraySize(item(j, "verification")), 0);
    assert_int_equal((int)num(item(j, "steps")), 20);
    assert_int_equal(lrs_find_suggest(&r), LRS_OK);
    assert_true(num(item(j, "suggested_lr")) == r.consensus);
    lrs_find_result_free(&r);
    cJSON_Delete(j);
}

static void huge_end_stops_early_on_divergence(void **state)
{
    (void)state;
    cJSON *j = find_json(0, "--start 1e-3 --end 1e4 --iters 60 --verify-steps 5");
    lrs_find_result r;
    curve_of(j, 60, &r);
    assert_true(cJSON_IsTrue(item(j, "stopped_early")));
    assert_int_equal(r.n, (int)num(item(j, "iterations")));
    assert_in_range(r.n, 10, 59);
    double low = INFINITY;
    for (int i = 0; i < r.n - 1; i++) {
        assert_true(isfinite(r.smooth[i]));
        low = fmin(low, r.smooth[i]);
        assert_true(r.smooth[i] <= 4 * low); /* nothing diverged before the last point */
    }
    double last = r.smooth[r.n - 1];
    assert_true(!isfinite(last) || last > 4 * fmin(low, last));
    lrs_find_result_free(&r);
    cJSON_Delete(j);
}

/* The run of logdir (one run: the logdir itself). */
static const lrs_run *only_run(lrs_reader **rd, const char *logdir)
{
    assert_int_equal(lrs_reader_open(rd, logdir, NULL), LRS_OK);
    assert_int_equal(lrs_reader_poll(*rd, NULL), LRS_OK);
    assert_int_equal(lrs_reader_run_count(*rd), 1);
    return lrs_reader_run(*rd, 0);
}

static int file_starts_with(const char *path, const char *prefix)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n >= strlen(prefix) && !strncmp(buf, prefix, strlen(prefix));
}

static void logdir_has_the_find_tags_image_and_svg(void **state)
{
    (void)state;
    char args[512], logdir[300], path[400];
    snprintf(logdir, sizeof logdir, "%s/run", test_tmp);
    snprintf(args, sizeof args, "--iters 30 --verify-steps 10 --logdir %s", logdir);
    cJSON *j = find_json(0, args);
    lrs_find_result r;
    curve_of(j, 30, &r);
    lrs_reader *rd;
    const lrs_run *rn = only_run(&rd, logdir);
    const char *tags[] = {"find/lr", "find/loss", "find/smoothed_loss"};
    const double *want[] = {r.lr, r.loss, r.smooth};
    for (int k = 0; k < 3; k++) {
        const lrs_series *s = lrs_run_find(rn, tags[k]);
        assert_non_null(s);
        assert_int_equal(lrs_series_len(s), r.n);
        for (int i = 0; i < r.n; i++) {
            assert_int_equal(lrs_series_scalars(s)[i].step, i);
            assert_true(lrs_series_scalars(s)[i].value == (double)(float)want[k][i]);
        }
    }
    for (int m = 0; m < LRS_SUGGEST_COUNT; m++) {
        char tag[64];
        snprintf(tag, sizeof tag, "find/suggested_lr/%s", lrs_suggestion_name(m));
        const lrs_series *s = lrs_run_find(rn, tag);
        assert_non_null(s);
        assert_int_equal(lrs_series_scalars(s)[0].step, 0);
        double lr = num(item(item(j, "suggestions"), lrs_suggestion_name(m)));
        assert_true(lrs_series_scalars(s)[0].value == (double)(float)lr);
    }
    assert_int_equal(lrs_series_kind(lrs_run_find(rn, "find/suggestions")), LRS_KIND_TEXT);
    assert_int_equal(lrs_series_kind(lrs_run_find(rn, "find/plot")), LRS_KIND_IMAGE);
    lrs_reader_close(rd);
    snprintf(path, sizeof path, "%s/find.svg", logdir);
    assert_true(file_starts_with(path, "<svg"));
    /* --plot alone: the SVG and no logdir */
    snprintf(path, sizeof path, "%s/chart.svg", test_tmp);
    snprintf(args, sizeof args, "find --iters 40 --verify-steps 0 --plot %s", path);
    assert_int_equal(run("%s", args), 0);
    assert_true(file_starts_with(path, "<svg"));
    assert_non_null(strstr(out, "suggested lr"));
    lrs_find_result_free(&r);
    cJSON_Delete(j);
}

/* The values of tag in the run of logdir, into v[n]. */
static void read_series(const char *logdir, const char *tag, double *v, int n)
{
    lrs_reader *rd;
    const lrs_series *s = lrs_run_find(only_run(&rd, logdir), tag);
    assert_non_null(s);
    assert_int_equal(lrs_series_len(s), n);
    for (int i = 0; i < n; i++)
        v[i] = lrs_series_scalars(s)[i].value;
    lrs_reader_close(rd);
}

/* The LR of train --lr auto --json's "find" line. */
static double auto_lr(void)
{
    const char *end = strchr(out, '\n');
    assert_non_null(end);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(end - out), out);
    cJSON *j = cJSON_Parse(line);
    assert_non_null(j);
    assert_string_equal(item(j, "event")->valuestring, "find");
    assert_true(cJSON_IsTrue(item(j, "suggested")));
    double lr = num(item(j, "lr"));
    cJSON_Delete(j);
    return lr;
}

/* train --lr auto trains from the initial weights, optimizer state and data position: its
 * losses equal those of a plain run at the same LR, bit for bit. */
static void lr_auto_trains_from_the_initial_state(void **state)
{
    (void)state;
    enum { STEPS = 6 };
    double with_auto[STEPS], plain[STEPS];
    assert_int_equal(run("train --lr auto --steps %d --json --logdir %s/auto", STEPS, test_tmp), 0);
    double lr = auto_lr();
    assert_true(lr > 1e-4 && lr < 1);
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/auto", test_tmp);
    read_series(logdir, "train/loss", with_auto, STEPS);
    char lr_text[64];
    snprintf(lr_text, sizeof lr_text, "%.17g", lr);
    assert_int_equal(run("train --lr %s --steps %d --json --logdir %s/plain", lr_text, STEPS, test_tmp), 0);
    snprintf(logdir, sizeof logdir, "%s/plain", test_tmp);
    read_series(logdir, "train/loss", plain, STEPS);
    for (int i = 0; i < STEPS; i++)
        assert_true(with_auto[i] == plain[i]);
    /* the range test is in the run's logdir */
    lrs_reader *rd;
    snprintf(logdir, sizeof logdir, "%s/auto", test_tmp);
    assert_non_null(lrs_run_find(only_run(&rd, logdir), "find/smoothed_loss"));
    lrs_reader_close(rd);
}

/* With onecycle, --lr auto is the max LR: the peak of train/lr. */
static void lr_auto_sets_onecycle_max(void **state)
{
    (void)state;
    enum { STEPS = 10 };
    assert_int_equal(run("train --lr auto --schedule onecycle --steps %d --json --logdir %s/oc", STEPS, test_tmp),
                     0);
    double lr = auto_lr(), seen[STEPS], peak = 0;
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/oc", test_tmp);
    read_series(logdir, "train/lr", seen, STEPS);
    for (int i = 0; i < STEPS; i++)
        peak = fmax(peak, seen[i]);
    assert_true(fabs(peak - lr) <= 1e-6 * lr);
    assert_true(seen[0] < lr / 20); /* onecycle starts at max / 25 */
}

static void bad_flags_exit_2_with_one_line_naming_the_flag(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"find --iters x", "--iters"},         {"find --mode sideways", "--mode"},
        {"find --suggest best", "--suggest"},  {"find --end 1e-8", "--end"},
        {"find --start 0", "--start"},         {"find --smooth 1", "--smooth"},
        {"find --diverge 1", "--diverge"},     {"find --lr 0.1", "--lr"},
        {"find --epochs 2", "--epochs"},       {"find --bogus", "--bogus"},
        {"find --model mlp:x", "--model"},     {"find --verify-steps -1", "--verify-steps"},
        {"train --lr auto --lr-fallback 0", "--lr-fallback"},
        {"train --lr-fallback 0.1 --steps 1", "--lr-fallback"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int status = run("%s", cases[k][0]);
        if (status != 2 || count_lines(err) != 1 || !strstr(err, cases[k][1]))
            fail_msg("'%s': exit %d, stderr '%s'", cases[k][0], status, err);
    }
}

static void flat_curve_exits_1_saying_what_to_try(void **state)
{
    (void)state;
    cJSON *j = find_json(1, "--start 1e-9 --end 1e-8 --iters 20");
    assert_true(cJSON_IsNull(item(j, "suggested_lr")));
    assert_non_null(strstr(item(j, "reason")->valuestring, "--end"));
    for (int m = 0; m < LRS_SUGGEST_COUNT; m++)
        assert_true(cJSON_IsNull(item(item(j, "suggestions"), lrs_suggestion_name(m))));
    cJSON_Delete(j);
    assert_int_equal(run("find --start 1e-9 --end 1e-8 --iters 20"), 1);
    assert_non_null(strstr(out, "no suggestion"));
}

/* Features that are all zero: the model can learn nothing but the class priors, which are
 * balanced, so the loss never falls. train --lr auto stops (exit 1, one line saying what
 * to do) unless --lr-fallback gives the LR to use. */
static void lr_auto_without_an_answer_stops_or_falls_back(void **state)
{
    (void)state;
    char csv[300];
    snprintf(csv, sizeof csv, "%s/zeros.csv", test_tmp);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("label,a,b,c\n", f);
    for (int i = 0; i < 400; i++) fprintf(f, "%d,0,0,0\n", i % 4);
    fclose(f);
    assert_int_equal(run("train --data %s --lr auto --steps 5 --logdir %s/z1", csv, test_tmp), 1);
    assert_non_null(strstr(err, "--lr auto: no reliable answer"));
    assert_non_null(strstr(err, "--lr-fallback"));
    assert_int_equal(count_lines(err), 1);
    assert_int_equal(run("train --data %s --lr auto --lr-fallback 0.01 --steps 5 --json --logdir %s/z2", csv,
                         test_tmp), 0);
    assert_non_null(strstr(err, "training with --lr-fallback 0.01"));
    assert_non_null(strstr(out, "\"event\":\"done\""));
}

static void suggest_picks_the_reported_method(void **state)
{
    (void)state;
    cJSON *j = find_json(0, "--iters 30 --verify-steps 0 --suggest valley");
    assert_string_equal(item(j, "method")->valuestring, "valley");
    assert_true(num(item(j, "suggested_lr")) == num(item(item(j, "suggestions"), "valley")));
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(json_matches_lrs_find_suggest_on_its_curve, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(linear_sweep_without_verification, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(huge_end_stops_early_on_divergence, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(logdir_has_the_find_tags_image_and_svg, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(lr_auto_trains_from_the_initial_state, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(lr_auto_sets_onecycle_max, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(bad_flags_exit_2_with_one_line_naming_the_flag, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(flat_curve_exits_1_saying_what_to_try, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(suggest_picks_the_reported_method, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(lr_auto_without_an_answer_stops_or_falls_back, test_tmp_setup,
                                        test_tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
