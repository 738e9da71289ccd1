/* Studies end to end on the fake objective: warning-sign pruning, the database after a
 * SIGKILL at random moments (resume loses and repeats nothing), forked workers. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "fake_objective.h"
#include "testutil.h"

static lrs_study *new_study(char *dir, size_t n, const char *spec, const lrs_tune_options *o)
{
    lrs_study *st;
    assert_non_null(test_tmpdir(dir, n));
    assert_int_equal(lrs_study_create(&st, dir, spec, o), LRS_OK);
    return st;
}

static void signs_prune_diverging_trials(void **state)
{
    (void)state;
    char dir[256];
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.sampler = LRS_SAMPLER_GRID;
    o.grid_points = 3;
    o.max_epochs = 3;
    /* lr 0.01: healthy; 1: diverges (loss x e^0.3 per step); 100: NaN after step 15. */
    lrs_study *st = new_study(dir, sizeof dir, "lr=log(0.01,100)", &o);
    int n = 3;
    lrs_trial_info *t = run_fake(st, (fake_ctx){.crash_trial = -1}, 1, n);
    assert_int_equal(t[0].id, 0);
    assert_int_equal(t[0].status, LRS_TRIAL_COMPLETE);
    assert_true(t[0].epochs == 3);
    for (int i = 1; i < 3; i++) {
        assert_int_equal(t[i].status, LRS_TRIAL_PRUNED);
        assert_true(t[i].epochs < 1); /* stopped inside its first epoch */
        assert_true(isnan(t[i].value));
        assert_non_null(strstr(t[i].reason, "divergence at step"));
    }
    free(t);
    lrs_study_close(st);
}

static void study_reopens_with_its_options_and_notes(void **state)
{
    (void)state;
    char dir[256], buf[64];
    lrs_tune_options o, back;
    lrs_tune_options_init(&o);
    o.sampler = LRS_SAMPLER_TPE;
    o.seed = 12345678901234ull;
    o.grace = 0.25;
    o.asha = 1;
    lrs_study *st = new_study(dir, sizeof dir, "lr=log(1e-4,1);batch=64|128", &o);
    assert_int_equal(lrs_study_set_note(st, "train", "--data sample"), LRS_OK);
    lrs_study_close(st);
    lrs_study *again;
    assert_int_equal(lrs_study_create(&again, dir, "lr=log(1e-4,1)", &o), LRS_ERR_ARG);
    assert_int_equal(lrs_study_open(&st, dir), LRS_OK);
    lrs_study_options(st, &back);
    assert_true(memcmp(&o, &back, sizeof o) == 0);
    assert_int_equal(lrs_study_get_note(st, "train", buf, sizeof buf), LRS_OK);
    assert_string_equal(buf, "--data sample");
    assert_int_equal(lrs_study_get_note(st, "nope", buf, sizeof buf), LRS_ERR_NOTFOUND);
    assert_int_equal(lrs_space_size(lrs_study_space(st)), 2);
    lrs_study_close(st);
    assert_int_equal(lrs_study_open(&st, "/nonexistent/study"), LRS_ERR_NOTFOUND);
}

/* What a study ended with, one line per trial, in id order. */
static char *outcome(const char *dir)
{
    lrs_study *st;
    assert_int_equal(lrs_study_open(&st, dir), LRS_OK);
    lrs_trial_info *t;
    int n;
    assert_int_equal(lrs_study_trials(st, &t, &n), LRS_OK);
    char *out = calloc((size_t)n + 1, 1024);
    for (int id = 0; id < n; id++)
        for (int i = 0; i < n; i++)
            if (t[i].id == id)
                snprintf(out + strlen(out), 1024, "%d %s %s %.17g %g\n", id, lrs_trial_status_name(t[i].status),
                         t[i].params, t[i].value, t[i].epochs);
    free(t);
    lrs_study_close(st);
    return out;
}

static lrs_tune_options kill_options(void)
{
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.sampler = LRS_SAMPLER_TPE;
    o.n_startup = 4;
    o.asha = 1;
    o.grace = 0.5;
    o.max_epochs = 4.5;
    o.trials = 14;
    o.seed = 5;
    return o;
}

/* Runs (or resumes) the study in a child; kills it after `after_us` (0: lets it end).
 * Returns 1 when the child finished the study. */
static int run_child(const char *dir, int after_us)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lrs_study *st;
        if (lrs_study_open(&st, dir) != LRS_OK)
            _exit(3);
        fake_ctx c = {.sleep_us = 200, .crash_trial = -1};
        lrs_objective obj = {fake_run, &c};
        int rc = lrs_study_run(st, &obj, 1);
        lrs_study_close(st);
        _exit(rc == LRS_OK ? 0 : 4);
    }
    if (after_us > 0) {
        usleep((useconds_t)after_us);
        kill(pid, SIGKILL);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status))
        assert_int_equal(WEXITSTATUS(status), 0);
    return WIFEXITED(status);
}

static void resume_after_sigkill_loses_and_repeats_nothing(void **state)
{
    (void)state;
    char straight[256], killed[256];
    lrs_tune_options o = kill_options();
    lrs_study_close(new_study(straight, sizeof straight, "lr=log(1e-4,10);optimizer=sgd|adam", &o));
    assert_true(run_child(straight, 0));
    lrs_study_close(new_study(killed, sizeof killed, "lr=log(1e-4,10);optimizer=sgd|adam", &o));
    srand(20251129);
    int kills = 0;
    while (!run_child(killed, 2000 + rand() % 40000))
        kills++;
    assert_true(kills >= 3);
    char *a = outcome(straight), *b = outcome(killed);
    assert_string_equal(a, b);
    assert_int_equal((int)(strchr(a, '\0') - a) > 0, 1);
    free(a);
    free(b);
}

static void parallel_workers_run_every_trial_and_survive_a_crash(void **state)
{
    (void)state;
    char dir[256];
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.trials = 8;
    o.max_epochs = 2;
    o.seed = 9;
    lrs_study *st = new_study(dir, sizeof dir, "lr=log(1e-3,0.3)", &o);
    int n = 8;
    lrs_trial_info *t = run_fake(st, (fake_ctx){.sleep_us = 100, .crash_trial = 3}, 3, n);
    for (int i = 0; i < n; i++) {
        if (t[i].id == 3) {
            assert_int_equal(t[i].status, LRS_TRIAL_FAILED);
            assert_string_equal(t[i].reason, "worker process killed by signal 9");
        } else {
            assert_int_equal(t[i].status, LRS_TRIAL_COMPLETE);
            assert_true(t[i].epochs == 2);
        }
    }
    free(t);
    lrs_study_close(st);
}

static void budget_caps_the_epochs_spent(void **state)
{
    (void)state;
    char dir[256];
    lrs_tune_options o;
    lrs_tune_options_init(&o);
    o.trials = 100;
    o.max_epochs = 3;
    o.budget = 7.5;
    lrs_study *st = new_study(dir, sizeof dir, "lr=log(1e-3,0.3)", &o);
    int n = 3; /* 3 + 3 + 1.5 */
    lrs_trial_info *t = run_fake(st, (fake_ctx){.crash_trial = -1}, 1, n);
    assert_true(lrs_study_spent(st) == 7.5);
    free(t);
    lrs_study_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signs_prune_diverging_trials),
        cmocka_unit_test(study_reopens_with_its_options_and_notes),
        cmocka_unit_test(resume_after_sigkill_loses_and_repeats_nothing),
        cmocka_unit_test(parallel_workers_run_every_trial_and_survive_a_crash),
        cmocka_unit_test(budget_caps_the_epochs_spent),
    };
    return cmocka_run_group_tests(tests, test_scratch_setup, test_scratch_teardown);
}
