/* bench_report: how long charts and reports of long runs take, and how big they are.
 * Renders an N-point loss (default 1,000,000) with lrs_plot as SVG, PNG and text, then
 * writes a run of N steps (loss, LR, grad norm) and times `lrscope report` on it (the
 * binary next to this one: build/tools/lrscope/lrscope). Best of 3. Run by hand:
 *   build/tools/bench/bench_report [N] [DIR]      (DIR default /dev/shm/bench_report) */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "plot.h"
#include "tfevents.h"

enum { REPEATS = 3 };

/* A falling noisy loss that diverges over its last 2%. */
static double loss_at(long i, long n, unsigned *rng)
{
    *rng = *rng * 1664525u + 1013904223u;
    double v = 0.3 + 2 * exp(-(double)i / ((double)n / 5)) + 0.05 * ((*rng >> 8) / 16777216.0);
    return i > n - n / 50 ? v * exp((double)(i - (n - n / 50)) / ((double)n / 500)) : v;
}

static void row(const char *what, double secs, size_t bytes)
{
    printf("%-28s %10.3f %12zu\n", what, secs * 1e3, bytes);
}

static void bench_plot(long n)
{
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    unsigned rng = 1;
    for (long i = 0; i < n; i++) x[i] = (double)i, y[i] = loss_at(i, n, &rng);
    lrs_plot *p;
    if (lrs_plot_new(&p, "bench") || lrs_plot_series(p, "loss", x, y, (size_t)n, LRS_PLOT_LINE)) bench_die("bench_report", "plot");
    lrs_plot_axis(p, LRS_AXIS_Y, "loss", 1);
    double best[3] = {1e9, 1e9, 1e9};
    size_t size[3] = {0};
    for (int r = 0; r < REPEATS; r++) {
        char *svg, *text;
        unsigned char *png;
        double t0 = bench_now();
        if (lrs_plot_svg(p, 760, 320, &svg, &size[0])) bench_die("bench_report", "svg");
        double t1 = bench_now();
        if (lrs_plot_png(p, 760, 320, &png, &size[1])) bench_die("bench_report", "png");
        double t2 = bench_now();
        if (lrs_plot_ascii(p, 100, 24, 1, &text)) bench_die("bench_report", "ascii");
        double t3 = bench_now();
        size[2] = strlen(text);
        best[0] = fmin(best[0], t1 - t0), best[1] = fmin(best[1], t2 - t1), best[2] = fmin(best[2], t3 - t2);
        free(svg), free(png), free(text);
    }
    row("lrs_plot_svg 760x320", best[0], size[0]);
    row("lrs_plot_png 760x320", best[1], size[1]);
    row("lrs_plot_ascii 100x24", best[2], size[2]);
    lrs_plot_free(p);
    free(x), free(y);
}

static void write_run(const char *dir, long n)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_report: could not clear %s\n", dir);
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, NULL)) bench_die("bench_report", dir);
    unsigned rng = 1;
    for (long i = 0; i < n; i++) {
        double lr = 0.1 * (1 + cos(M_PI * (double)i / (double)n)) / 2;
        if (lrs_writer_add_scalar(w, "train/lr", i, lr) || lrs_writer_add_scalar(w, "train/grad_norm", i, 1 + lr) ||
            lrs_writer_add_scalar(w, "train/loss", i, loss_at(i, n, &rng)))
            bench_die("bench_report", "write");
    }
    if (lrs_writer_close(w)) bench_die("bench_report", "close");
}

static void bench_cli(const char *dir, long n)
{
    char self[PATH_MAX], cmd[3 * PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return;
    self[len] = '\0';
    *strrchr(self, '/') = '\0';
    write_run(dir, n);
    snprintf(cmd, sizeof cmd, "'%s/../lrscope/lrscope' report '%s' -o '%s.html'", self, dir, dir);
    double best = 1e9;
    for (int r = 0; r < REPEATS; r++) {
        double t0 = bench_now();
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_report: failed: %s\n", cmd);
            return;
        }
        best = fmin(best, bench_now() - t0);
    }
    snprintf(cmd, sizeof cmd, "%s.html", dir);
    struct stat st;
    row("lrscope report (3 series)", best, stat(cmd, &st) ? 0 : (size_t)st.st_size);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/dev/shm/bench_report";
    if (n < 10) {
        fprintf(stderr, "usage: bench_report [N >= 10] [DIR]\n");
        return 2;
    }
    printf("%ld points, best of %d\n%-28s %10s %12s\n", n, REPEATS, "what", "ms", "bytes");
    bench_plot(n);
    bench_cli(dir, n);
    return 0;
}
