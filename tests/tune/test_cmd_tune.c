/* `lrscope tune` through the built binary (LRS_BIN; skipped when it is not built), with
 * the real trainer on the embedded sample: the --show --json document, a diverging trial
 * pruned, a bad space, and a search killed and resumed. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "run_cli.h"
#include "testutil.h"
#include "tfevents.h"
#include "train.h"

static char tmp[256];

static int run(const char *args, char *out, size_t out_n, char *err, size_t err_n)
{
    return run_lrscope(tmp, args, out, out_n, err, err_n);
}

/* The --show --json document of study dir, parsed. */
static cJSON *show(const char *dir)
{
    static char out[65536], err[4096];
    char args[1500];
    snprintf(args, sizeof args, "tune --study '%s' --show --json", dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    cJSON *doc = cJSON_Parse(out);
    assert_non_null(doc);
    return doc;
}

static void show_json_has_the_documented_shape(void **state)
{
    (void)state;
    char out[16384], err[4096], args[1024];
    snprintf(args, sizeof args, "tune --study '%s/s' --space 'lr=log(1e-3,0.3);optimizer=sgd:momentum=0.9|adam' "
             "--trials 4 --epochs 1 --seed 3 --threads 1", tmp);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "4 trials:"));
    snprintf(args, sizeof args, "%s/s", tmp);
    cJSON *doc = show(args), *trials = cJSON_GetObjectItem(doc, "trials"), *best = cJSON_GetObjectItem(doc, "best");
    assert_int_equal(cJSON_GetArraySize(trials), 4);
    double best_value = -1;
    int ids = 0;
    for (cJSON *t = trials->child; t; t = t->next) {
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(t, "status"));
        assert_non_null(status);
        assert_true(!strcmp(status, "complete") || !strcmp(status, "pruned"));
        cJSON *value = cJSON_GetObjectItem(t, "value"), *params = cJSON_GetObjectItem(t, "params");
        assert_true(cJSON_IsNumber(value) || cJSON_IsNull(value));
        if (cJSON_IsNumber(value) && value->valuedouble > best_value)
            best_value = value->valuedouble;
        if (cJSON_IsNumber(value))
            assert_true(value->valuedouble > 0.1 && value->valuedouble <= 1);
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(t, "epochs")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(t, "reason")));
        double lr = cJSON_GetObjectItem(params, "lr")->valuedouble;
        assert_true(lr >= 1e-3 && lr <= 0.3);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(params, "optimizer")));
        ids |= 1 << (int)cJSON_GetObjectItem(t, "trial")->valuedouble;
    }
    assert_int_equal(ids, 0xf);
    assert_true(cJSON_GetObjectItem(best, "value")->valuedouble == best_value);
    assert_true(cJSON_GetObjectItem(best, "trial")->valuedouble == trials->child->child->valuedouble);
    cJSON_Delete(doc);
    /* The study is there: creating it again is refused. */
    snprintf(args, sizeof args, "tune --study '%s/s' --space 'lr=log(1e-3,0.3)'", tmp);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 1);
    assert_non_null(strstr(err, "already holds a study"));
}

static void a_diverging_trial_is_pruned_with_its_reason(void **state)
{
    (void)state;
    char out[16384], err[4096], args[1024];
    snprintf(args, sizeof args, "tune --study '%s/d' --space 'lr=50|0.05' --strategy grid --epochs 1 --threads 1", tmp);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    snprintf(args, sizeof args, "%s/d", tmp);
    cJSON *doc = show(args), *trials = cJSON_GetObjectItem(doc, "trials");
    cJSON *first = cJSON_GetArrayItem(trials, 0), *second = cJSON_GetArrayItem(trials, 1);
    assert_int_equal((int)cJSON_GetObjectItem(first, "trial")->valuedouble, 1);
    assert_string_equal(cJSON_GetObjectItem(first, "status")->valuestring, "complete");
    assert_int_equal((int)cJSON_GetObjectItem(second, "trial")->valuedouble, 0);
    assert_string_equal(cJSON_GetObjectItem(second, "status")->valuestring, "pruned");
    const char *reason = cJSON_GetObjectItem(second, "reason")->valuestring;
    assert_true(strstr(reason, "divergence at step") || strstr(reason, "nan at step"));
    assert_true(cJSON_GetObjectItem(second, "epochs")->valuedouble < 1);
    cJSON_Delete(doc);
}

static void bad_space_is_one_line_naming_the_column(void **state)
{
    (void)state;
    char out[1024], err[1024];
    assert_int_equal(run("tune --space 'lr=log(1e-5,1);lrate=1|2'", out, sizeof out, err, sizeof err), 2);
    assert_string_equal(err, "lrscope: --space: space: column 16: unknown parameter 'lrate' (expected one of lr, "
                             "optimizer, schedule, batch, wd, momentum, model, clip)\n");
    assert_int_equal(run("tune --space 'lr=log(1e-5,1)' --strategy hyperband", out, sizeof out, err, sizeof err), 2);
    assert_string_equal(err, "lrscope: --strategy hyperband: expected random, grid, asha, tpe or tpe+asha\n");
    assert_int_equal(run("tune --show", out, sizeof out, err, sizeof err), 2);
}

/* --on-sign: the trial at LR 50 recovers by rollbacks (complete, its divergences noted)
 * or is pruned by `stop` on the policy's sign; the sign policy logs signs/ in the trial. */
static void on_sign_policy_judges_the_trials(void **state)
{
    (void)state;
    char out[16384], err[4096], args[1024], dir[300];
    const char *expect[][2] = {{"rollback", "complete"}, {"stop", "pruned"}};
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/sign-%s", tmp, expect[i][0]);
        snprintf(args, sizeof args, "tune --study '%s' --space 'lr=50|0.05' --strategy grid --epochs 1 --threads 1 "
                 "--on-sign %s", dir, expect[i][0]);
        assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
        cJSON *doc = show(dir), *last = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "trials"), 1);
        assert_int_equal((int)cJSON_GetObjectItem(last, "trial")->valuedouble, 0); /* lr=50 ranks last */
        assert_string_equal(cJSON_GetObjectItem(last, "status")->valuestring, expect[i][1]);
        assert_non_null(strstr(cJSON_GetObjectItem(last, "reason")->valuestring, "divergence at step"));
        double value = cJSON_GetNumberValue(cJSON_GetObjectItem(last, "value"));
        assert_true(i == 0 ? value > 0.3 : isnan(value)); /* rolled back, it still learned */
        cJSON_Delete(doc);
        /* The policy's record in the trial's run: signs/action has the roll-back or the stop. */
        snprintf(args, sizeof args, "%s/trial-0000", dir);
        lrs_reader *r;
        assert_int_equal(lrs_reader_open(&r, args, NULL), LRS_OK);
        assert_int_equal(lrs_reader_poll(r, NULL), LRS_OK);
        const lrs_series *act = lrs_run_find(lrs_reader_run(r, 0), "signs/action");
        assert_non_null(act);
        int acted = 0, want = i == 0 ? LRS_ACT_ROLLED_BACK : LRS_ACT_STOPPED;
        for (size_t k = 0; k < lrs_series_len(act); k++) acted += (int)lrs_series_scalars(act)[k].value == want;
        assert_true(acted >= 1);
        lrs_reader_close(r);
    }
}

#define KILL_SEARCH "--space 'lr=log(1e-3,0.3);batch=32|64' --trials 6 --epochs 2 --strategy tpe --startup 2 " \
                    "--seed 4 --threads 1"

static void killed_search_resumes_without_loss_or_repeat(void **state)
{
    (void)state;
    char out[16384], err[4096], cmd[2048], dir[300], args[1500];
    snprintf(args, sizeof args, "tune --study '%s/straight' " KILL_SEARCH, tmp);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    snprintf(dir, sizeof dir, "%s/k", tmp);
    snprintf(cmd, sizeof cmd, "exec '%s' tune --study '%s' " KILL_SEARCH " >/dev/null 2>&1", lrscope_bin(), dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    usleep(300000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cJSON *before = show(dir);
    int ended = 0;
    for (cJSON *t = cJSON_GetObjectItem(before, "trials")->child; t; t = t->next)
        ended += strcmp(cJSON_GetObjectItem(t, "status")->valuestring, "running") != 0;
    assert_true(ended < 6); /* the kill came mid-search */
    cJSON_Delete(before);
    snprintf(args, sizeof args, "tune --study '%s' --resume", dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    /* The same trials, parameters, statuses, values and epochs as the straight run. */
    snprintf(args, sizeof args, "%s/straight", tmp);
    cJSON *doc = show(dir), *straight = show(args), *trials = cJSON_GetObjectItem(doc, "trials");
    assert_int_equal(cJSON_GetArraySize(trials), 6);
    int ids = 0;
    for (cJSON *t = trials->child; t; t = t->next) {
        const char *status = cJSON_GetObjectItem(t, "status")->valuestring;
        assert_true(!strcmp(status, "complete") || !strcmp(status, "pruned"));
        ids |= 1 << (int)cJSON_GetObjectItem(t, "trial")->valuedouble;
    }
    assert_int_equal(ids, 0x3f);
    assert_true(cJSON_Compare(doc, straight, 1));
    cJSON_Delete(doc);
    cJSON_Delete(straight);
}

#define EXTEND_SEARCH "--space 'lr=log(1e-3,0.3);optimizer=sgd:momentum=0.9|adam' --epochs 1 --seed 5 --threads 1"

/* Number of trials in the --show --json document of dir. */
static int trial_count(const char *dir)
{
    cJSON *doc = show(dir);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "trials"));
    cJSON_Delete(doc);
    return n;
}

static void resume_extends_trials_and_budget_and_refuses_other_changes(void **state)
{
    (void)state;
    char out[16384], err[4096], dir[300], args[1500];
    snprintf(dir, sizeof dir, "%s/x", tmp);
    snprintf(args, sizeof args, "tune --study '%s' --trials 2 " EXTEND_SEARCH, dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(trial_count(dir), 2);
    /* More trials: the study goes on to 4, as a straight run of 4 would have gone. */
    snprintf(args, sizeof args, "tune --study '%s' --resume --trials 4", dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    snprintf(args, sizeof args, "tune --study '%s/x4' --trials 4 " EXTEND_SEARCH, tmp);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    snprintf(args, sizeof args, "%s/x4", tmp);
    cJSON *extended = show(dir), *straight = show(args);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(extended, "trials")), 4);
    assert_true(cJSON_Compare(extended, straight, 1));
    cJSON_Delete(extended);
    cJSON_Delete(straight);
    /* A plain resume keeps the extended count (stored in the study, not the old flags). */
    snprintf(args, sizeof args, "tune --study '%s' --resume", dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(trial_count(dir), 4);

    static const char *const refused[][2] = {
        {"--trials 3", "3 trials is fewer than the study's 4"},
        {"--budget 2", "a budget of 2 epochs is below the study's 0 (0: no cap)"},
        {"--space 'lr=log(1e-2,0.1)'", "--resume: --space differs from the study's"},
        {"--strategy tpe", "--resume: --strategy differs from the study's"},
        {"--lr 0.5", "--resume: --lr differs from the study's"},
        {"--epochs 2", "--resume: --epochs differs from the study's"},
        {"--on-sign warn", "--resume: --on-sign differs from the study's"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(args, sizeof args, "tune --study '%s' --resume %s", dir, refused[i][0]);
        assert_int_equal(run(args, out, sizeof out, err, sizeof err), 2);
        if (!strstr(err, refused[i][1]))
            fail_msg("%s: %s", refused[i][0], err);
        assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
    }
    assert_int_equal(trial_count(dir), 4);

    /* A budget: 1 trial-epoch, then 2 on resume. */
    snprintf(dir, sizeof dir, "%s/b", tmp);
    snprintf(args, sizeof args, "tune --study '%s' --trials 10 --budget 1 " EXTEND_SEARCH, dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(trial_count(dir), 1);
    snprintf(args, sizeof args, "tune --study '%s' --resume --budget 2", dir);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(trial_count(dir), 2);
}

static int setup(void **state)
{
    if (test_scratch_setup(state)) return -1;
    return test_tmpdir(tmp, sizeof tmp) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(show_json_has_the_documented_shape),
        cmocka_unit_test(a_diverging_trial_is_pruned_with_its_reason),
        cmocka_unit_test(on_sign_policy_judges_the_trials),
        cmocka_unit_test(bad_space_is_one_line_naming_the_column),
        cmocka_unit_test(killed_search_resumes_without_loss_or_repeat),
        cmocka_unit_test(resume_extends_trials_and_budget_and_refuses_other_changes),
    };
    return cmocka_run_group_tests(tests, setup, test_scratch_teardown);
}
