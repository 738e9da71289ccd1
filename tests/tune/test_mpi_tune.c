/* `mpirun -np 3 lrscope tune` on this machine: rank 0 owns the study, ranks 1-2 run the
 * trials; a worker rank killed mid-trial loses only that trial, handed out again. And
 * `mpirun -np 2 lrscope train` (data parallel, --batch per rank, --lr-scaling) against one
 * process of the global batch. Skipped when lrscope was built without MPI or mpirun is
 * missing. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>

#include "run_cli.h"
#include "test_reader.h"
#include "testutil.h"
#include "tfevents.h"
#include "tune.h"

static char tmp[256];

static const char *binary(void)
{
    if (!lrs_tune_mpi_available() || system("command -v mpirun >/dev/null") != 0)
        skip();
    return lrscope_bin();
}

/* Starts mpirun -np 3 lrscope tune in the background on study dir, under timeout(1): the
 * hard limit that ends a hung run (SIGTERM to mpirun's process group, SIGKILL 5 s later). */
static pid_t start(const char *dir, const char *flags)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec timeout -k 5 120 mpirun --allow-run-as-root --oversubscribe "
             "--mca orte_abort_on_non_zero_status 0 -x ASAN_OPTIONS=detect_leaks=0 "
             "-np 3 '%s' tune --study '%s' --space 'lr=log(1e-3,1e-2);optimizer=adam|sgd:momentum=0.9' "
             "--seed 2 %s >'%s.log' 2>&1", binary(), dir, flags, dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Trials of the study once none is left running (NULL after the deadline). */
static lrs_trial_info *ended(const char *dir, int want, double seconds, int *n)
{
    for (double waited = 0; waited < seconds; waited += 0.1) {
        lrs_study *st;
        lrs_trial_info *t = NULL;
        if (lrs_study_open(&st, dir) == LRS_OK && lrs_study_trials(st, &t, n) == LRS_OK && *n == want) {
            int running = 0;
            for (int i = 0; i < *n; i++)
                running += t[i].status == LRS_TRIAL_RUNNING;
            if (!running) {
                lrs_study_close(st);
                return t;
            }
        }
        free(t);
        if (st)
            lrs_study_close(st);
        usleep(100000);
    }
    return NULL;
}

/* The pid of the lrscope process with OMPI_COMM_WORLD_RANK=rank, or 0. */
static pid_t rank_pid(const char *dir, int rank)
{
    char want[64], path[300], env[65536];
    snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
    DIR *proc = opendir("/proc");
    pid_t found = 0;
    for (struct dirent *e; proc && !found && (e = readdir(proc));) {
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(env, 1, sizeof env - 1, f) : 0;
        if (f)
            fclose(f);
        env[n] = '\0';
        for (size_t i = 0; i + 1 < n; i++)
            if (!env[i])
                env[i] = ' ';
        if (!strstr(env, dir) || strncmp(env, "mpirun", 6) == 0 || !strstr(env, " tune "))
            continue;
        snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
        if (!(f = fopen(path, "rb")))
            continue;
        n = fread(env, 1, sizeof env - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i += strlen(env + i) + 1)
            if (!strcmp(env + i, want))
                found = (pid_t)atoi(e->d_name);
    }
    if (proc)
        closedir(proc);
    return found;
}

/* Leaves no process behind. Returns 1 when rank 0 ended by itself within 10 s (what
 * lrscope guarantees, also after a worker rank died), and mpirun's exit status in *code
 * (-1 when it had to be stopped: OpenMPI 4.1 with orte_abort_on_non_zero_status 0 keeps
 * mpirun waiting forever once a rank died by a signal, after the others have exited). */
static int stop(pid_t mpirun, const char *dir, int *code)
{
    int rank0_ended = 0;
    for (int rank = 0; rank < 3; rank++) {
        pid_t p = rank_pid(dir, rank);
        for (int waited = 0; p && waited < 100 && rank_pid(dir, rank) == p; waited++)
            usleep(100000);
        if (p && rank_pid(dir, rank) == p)
            kill(p, SIGKILL);
        else if (rank == 0)
            rank0_ended = 1;
    }
    int status;
    *code = -1;
    for (int waited = 0; waited < 50; waited++, usleep(100000))
        if (waitpid(mpirun, &status, WNOHANG) == mpirun) {
            *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            return rank0_ended;
        }
    kill(mpirun, SIGTERM); /* timeout(1) passes it on to mpirun */
    waitpid(mpirun, NULL, 0);
    return rank0_ended;
}

static void ranks_run_every_trial_once(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/a", tmp);
    pid_t pid = start(dir, "--trials 6 --epochs 2");
    int n;
    lrs_trial_info *t = ended(dir, 6, 60, &n);
    int code, rank0_ended = stop(pid, dir, &code);
    assert_non_null(t);
    assert_true(rank0_ended);
    assert_int_equal(code, 0); /* no rank died: mpirun ends with the ranks */
    int ids = 0;
    for (int i = 0; i < n; i++) {
        assert_true(t[i].status == LRS_TRIAL_COMPLETE || t[i].status == LRS_TRIAL_PRUNED);
        ids |= 1 << t[i].id;
    }
    assert_int_equal(ids, 0x3f);
    free(t);
}

static void a_dead_rank_loses_only_its_trial(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/b", tmp);
    pid_t pid = start(dir, "--trials 4 --epochs 12 --mpi-timeout 2");
    pid_t victim = 0;
    for (int i = 0; i < 100 && !victim; i++) {
        usleep(100000);
        victim = rank_pid(dir, 2);
    }
    assert_true(victim > 0);
    usleep(500000); /* rank 2 is inside its first trial */
    kill(victim, SIGKILL);
    int n;
    lrs_trial_info *t = ended(dir, 4, 90, &n);
    int code, rank0_ended = stop(pid, dir, &code);
    assert_non_null(t);
    assert_true(rank0_ended); /* never blocked on the dead rank (mpirun itself may stay: see stop) */
    for (int i = 0; i < n; i++) /* none failed: the killed rank's trial ran again elsewhere */
        assert_true(t[i].status == LRS_TRIAL_COMPLETE || t[i].status == LRS_TRIAL_PRUNED);
    free(t);
}

/* The last line of `[mpirun -np 2] lrscope train ARGS --json` (the "done" object). */
static cJSON *train_done(const char *launcher, const char *args)
{
    char cmd[2048], path[300], line[4096], last[4096] = "";
    snprintf(path, sizeof path, "%s/train.out", tmp);
    snprintf(cmd, sizeof cmd, "%s '%s' train %s --json >'%s' 2>/dev/null", launcher, binary(), args, path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        strcpy(last, line);
    fclose(f);
    cJSON *done = cJSON_Parse(last);
    assert_non_null(done);
    return done;
}

/* OpenMPI's own allocations at exit are not ours to report (ASan builds). */
#define MPIRUN_2 "timeout -k 5 120 mpirun --allow-run-as-root --oversubscribe -x ASAN_OPTIONS=detect_leaks=0 -np 2"

/* Data parallel: 2 ranks of --batch 50 (per rank) end where one process of --batch 100 does
 * (uneven shares: tests/tune/test_data_parallel.c). */
static void two_ranks_train_like_one_process(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "--optimizer adam --steps 40 --batch 100 --threads 1 --logdir '%s/dp'", tmp);
    cJSON *one = train_done("", args);
    snprintf(args, sizeof args, "--optimizer adam --steps 40 --batch 50 --threads 1 --logdir '%s/dp'", tmp);
    cJSON *two = train_done(MPIRUN_2, args);
    double a = cJSON_GetObjectItem(one, "train_loss")->valuedouble, b = cJSON_GetObjectItem(two, "train_loss")->valuedouble;
    assert_true(fabs(a - b) <= 1e-5 * a);
    a = cJSON_GetObjectItem(one, "val_loss")->valuedouble;
    b = cJSON_GetObjectItem(two, "val_loss")->valuedouble;
    assert_true(fabs(a - b) <= 1e-5 * a);
    assert_true(cJSON_GetObjectItem(one, "steps")->valuedouble == cJSON_GetObjectItem(two, "steps")->valuedouble);
    cJSON_Delete(one);
    cJSON_Delete(two);
}

/* The scalar series tag of the run in logdir, n points (asserted), into out. */
static void read_series(const char *logdir, const char *tag, double *out, size_t n)
{
    lrs_reader *r = test_read_logdir(logdir);
    const lrs_series *s = test_must_series(r, tag);
    assert_int_equal(lrs_series_len(s), n);
    for (size_t i = 0; i < n; i++)
        out[i] = lrs_series_scalars(s)[i].value;
    lrs_reader_close(r);
}

/* --lr-scaling linear (Goyal et al.): 2 ranks of --batch 64 at --lr 0.1 train with LR 0.2,
 * warmed up from 0.1 over half an epoch (16 steps of the global 128), step for step as one
 * process of --batch 128 whose schedule is that warm-up at LR 0.2. */
static void linear_scaling_matches_one_process_with_warmup(void **state)
{
    (void)state;
    enum { STEPS = 40, WARM = 16 };
    char args[512], dir[300];
    snprintf(args, sizeof args, "--steps %d --batch 128 --lr 0.2 --threads 1 --logdir '%s/ls1' --schedule "
             "'linear:start=0.5,end=1,steps=%d then@%d constant'", STEPS, tmp, WARM, WARM);
    cJSON_Delete(train_done("", args));
    snprintf(args, sizeof args, "--steps %d --batch 64 --lr 0.1 --threads 1 --logdir '%s/ls2' --lr-scaling linear "
             "--lr-warmup 0.5", STEPS, tmp);
    cJSON_Delete(train_done(MPIRUN_2, args));
    double loss1[STEPS], loss2[STEPS], lr1[STEPS], lr2[STEPS];
    snprintf(dir, sizeof dir, "%s/ls1", tmp);
    read_series(dir, "train/loss", loss1, STEPS);
    read_series(dir, "train/lr", lr1, STEPS);
    snprintf(dir, sizeof dir, "%s/ls2", tmp);
    read_series(dir, "train/loss", loss2, STEPS);
    read_series(dir, "train/lr", lr2, STEPS);
    double worst = 0;
    for (int i = 0; i < STEPS; i++) worst = fmax(worst, fabs(loss2[i] - loss1[i]) / loss1[i]);
    print_message("2 ranks against 1 process: worst relative loss difference %.2e over %d steps\n", worst, STEPS);
    /* Two half batches are summed in another order than one batch: float32 rounding, about
     * 1e-7 in the first steps, grows with training (1.5e-5 by step 32 at seed 1). */
    for (int i = 0; i < STEPS; i++) {
        assert_float_equal(loss2[i], loss1[i], 1e-4 * loss1[i]);
        assert_float_equal(lr2[i], lr1[i], 1e-7);
    }
    /* Goyal's ramp: LR at step s = 0.1 + (0.2 - 0.1) * s / 16, then 0.2 (as float32). */
    assert_float_equal(lr2[0], 0.1, 1e-7);
    assert_float_equal(lr2[8], 0.15, 1e-7);
    assert_float_equal(lr2[15], 0.1 + 0.1 * 15 / 16, 1e-7);
    assert_float_equal(lr2[WARM], 0.2, 1e-7);
    assert_float_equal(lr2[STEPS - 1], 0.2, 1e-7);

    /* sqrt: LR x sqrt(2), and --lr-warmup 0 starts there. */
    snprintf(args, sizeof args, "--steps 2 --batch 64 --lr 0.1 --threads 1 --logdir '%s/ls3' --lr-scaling sqrt "
             "--lr-warmup 0", tmp);
    cJSON_Delete(train_done(MPIRUN_2, args));
    snprintf(dir, sizeof dir, "%s/ls3", tmp);
    read_series(dir, "train/lr", lr2, 2);
    assert_float_equal(lr2[0], 0.1 * sqrt(2), 1e-7);
}

/* Bad --lr-scaling flags: exit 2 with one line naming the flag (no mpirun needed). */
static void bad_scaling_flags_exit_2_with_one_line(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"--lr-scaling cubic", "--lr-scaling cubic: expected none, linear or sqrt"},
        {"--lr-warmup 2", "--lr-warmup: only with --lr-scaling linear|sqrt"},
        {"--lr-scaling linear --lr-warmup -1", "--lr-warmup: expected epochs >= 0, got -1"},
        {"--lr-scaling linear --lr auto", "--lr-scaling: --lr auto already finds the LR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[300], out[4096], err[4096];
        snprintf(args, sizeof args, "train --steps 1 --logdir '%s/bad' %s", tmp, cases[i][0]);
        assert_int_equal(run_lrscope(tmp, args, out, sizeof out, err, sizeof err), 2);
        assert_non_null(strstr(err, cases[i][1]));
        assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
    }
}

static int setup(void **state)
{
    if (test_scratch_setup(state)) return -1;
    return test_tmpdir(tmp, sizeof tmp) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks_run_every_trial_once),
        cmocka_unit_test(a_dead_rank_loses_only_its_trial),
        cmocka_unit_test(two_ranks_train_like_one_process),
        cmocka_unit_test(linear_scaling_matches_one_process_with_warmup),
        cmocka_unit_test(bad_scaling_flags_exit_2_with_one_line),
    };
    return cmocka_run_group_tests(tests, setup, test_scratch_teardown);
}
