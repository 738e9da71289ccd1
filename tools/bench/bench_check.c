/* bench_check [RUNS [STEPS]]: how fast `lrscope check` gets through a large logdir.
 * Writes RUNS (default 2000) runs x STEPS (default 1000) steps x 3 tags (train/loss,
 * train/lr, train/grad_norm: a noisy decaying loss, one run in ten diverging) and HParams
 * (one sweep: every run is compared with the others) into
 * /dev/shm, runs the lrscope binary next to this benchmark (../lrscope/lrscope, or
 * $LRS_BIN) with --json into /dev/null, best of 3, and prints runs/s, MB/s and check's
 * peak RSS (getrusage of the children: it reads one run at a time, so this stays near
 * the largest run's, whatever the number of runs). Removes the files. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "tfevents.h"

enum { REPEATS = 3 };

/* A cheap deterministic noise in [-1, 1). */
static double noise(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (double)(*state >> 8) / (1u << 23) - 1;
}

static void write_run(const char *dir, int run, long steps)
{
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.buffer_bytes = 1u << 20;
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, &opt) != LRS_OK) bench_die("bench_check", dir);
    unsigned state = (unsigned)run * 2654435761u + 1;
    long diverge_at = run % 10 == 0 ? steps / 2 : -1;
    /* one sweep: the same settings at 10 LRs, so check compares every run with the others */
    const lrs_hparam hp[] = {{"lr", LRS_HPARAM_NUMBER, 0.01 * (1 + run % 10), NULL, 0},
                             {"optimizer", LRS_HPARAM_STRING, 0, "sgd", 0},
                             {"seed", LRS_HPARAM_NUMBER, run / 10, NULL, 0}};
    static const char *const metrics[] = {"train/loss"};
    if (lrs_writer_add_hparams(w, hp, 3, metrics, 1) != LRS_OK) bench_die("bench_check", "hparams");
    for (long t = 0; t < steps; t++) {
        double loss = 0.3 + 2.0 * exp(-4.0 * (double)t / (double)steps);
        if (diverge_at >= 0 && t > diverge_at) loss *= pow(1.1, (double)(t - diverge_at));
        int rc = lrs_writer_add_scalar(w, "train/loss", t, loss * (1 + 0.15 * noise(&state)));
        rc |= lrs_writer_add_scalar(w, "train/lr", t, 0.1);
        rc |= lrs_writer_add_scalar(w, "train/grad_norm", t, 1.5 * (1 + 0.2 * noise(&state)));
        if (rc != LRS_OK) bench_die("bench_check", "add_scalar");
    }
    if (lrs_writer_close(w) != LRS_OK) bench_die("bench_check", "close");
}

static long long total_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)path, (void)f;
    if (flag == FTW_F) total_bytes += st->st_size;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* The lrscope binary: $LRS_BIN, else ../lrscope/lrscope next to this program. */
static void find_lrscope(char *out, size_t n)
{
    const char *env = getenv("LRS_BIN");
    if (env) {
        snprintf(out, n, "%s", env);
        return;
    }
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0) bench_die("bench_check", "/proc/self/exe");
    self[len] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) *slash = '\0';
    snprintf(out, n, "%s/../lrscope/lrscope", self);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 2000;
    long steps = argc > 2 ? atol(argv[2]) : 1000;
    if (runs < 1 || steps < 1) {
        fprintf(stderr, "usage: bench_check [RUNS [STEPS]]\n");
        return 2;
    }
    char root[64], dir[128], lrscope[PATH_MAX + 32], cmd[PATH_MAX + 256];
    snprintf(root, sizeof root, "/dev/shm/bench_check.%d", (int)getpid());
    find_lrscope(lrscope, sizeof lrscope);
    double t0 = bench_now();
    for (int i = 0; i < runs; i++) {
        snprintf(dir, sizeof dir, "%s/run%05d", root, i);
        write_run(dir, i, steps);
    }
    double t_write = bench_now() - t0;
    nftw(root, add_size, 16, FTW_PHYS);
    snprintf(cmd, sizeof cmd, "'%s' check --json '%s' >/dev/null", lrscope, root);
    double best = INFINITY;
    int status = 0;
    for (int r = 0; r < REPEATS; r++) {
        double t = bench_now();
        status = system(cmd);
        best = fmin(best, bench_now() - t);
    }
    if (getenv("BENCH_KEEP")) printf("kept %s\n", root);
    else nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    double mb = (double)total_bytes / 1e6;
    struct rusage ru; /* ru_maxrss: the largest child's peak, in KiB */
    double peak_mb = getrusage(RUSAGE_CHILDREN, &ru) == 0 ? (double)ru.ru_maxrss * 1024 / 1e6 : NAN;
    printf("%-28s %10s %10s %10s %10s %10s\n", "logdir", "MB", "seconds", "runs/s", "MB/s", "peak MB");
    printf("%5d runs x %5ld steps x 3 %10.1f %10.3f %10.0f %10.1f %10.1f\n", runs, steps, mb, best,
           runs / best, mb / best, peak_mb);
    printf("(written in %.1f s; lrscope check exit status %d: 2 expected, 1 run in 10 diverges)\n",
           t_write, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
