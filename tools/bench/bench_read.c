/* bench_read [MB | LOGDIR]: how fast the reader takes in scalar event files.
 * Writes MB (default 200) of scalar events into /dev/shm twice, as one big file and as a
 * logdir of 1000 small runs, then reads each with lrs_reader_poll (default view, as
 * `lrscope dump` does) and prints MB/s and records/s, best of 3. Removes the files.
 * Given an existing LOGDIR it only reads that (for profiling the reader alone). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "tfevents.h"

enum { TAGS = 3, SMALL_RUNS = 1000, REPEATS = 3 };
static const char *const tags[TAGS] = {"train/loss", "train/lr", "train/grad_norm"};

/* One run of n_events scalars (the tags in turn, 3 per step). */
static void write_run(const char *dir, long n_events)
{
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.buffer_bytes = 4u << 20;
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, &opt) != LRS_OK)
        bench_die("bench_read", dir);
    for (long i = 0; i < n_events; i++) {
        long step = i / TAGS;
        double value = 1.0 / (1.0 + 0.001 * (double)step) + 1e-3 * (double)(i % 7);
        if (lrs_writer_add_scalar_at(w, tags[i % TAGS], step, value, 1.7e9 + 0.1 * (double)step) != LRS_OK)
            bench_die("bench_read", dir);
    }
    if (lrs_writer_close(w) != LRS_OK)
        bench_die("bench_read", dir);
}

static long long tree_bytes;
static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path, (void)ftw;
    if (type == FTW_F)
        tree_bytes += st->st_size;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

/* Reads dir once; returns the seconds it took and the points read. */
static double read_once(const char *dir, size_t *records)
{
    double t0 = bench_now();
    lrs_reader *r;
    if (lrs_reader_open(&r, dir, NULL) != LRS_OK || lrs_reader_poll(r, records) != LRS_OK)
        bench_die("bench_read", dir);
    double t = bench_now() - t0;
    lrs_reader_close(r);
    return t;
}

static void bench(const char *name, const char *dir)
{
    tree_bytes = 0;
    nftw(dir, add_size, 16, FTW_PHYS);
    double best = 1e30;
    size_t records = 0;
    for (int i = 0; i < REPEATS; i++) {
        double t = read_once(dir, &records);
        if (t < best) best = t;
    }
    double mb = tree_bytes / 1e6;
    printf("%-24s %10.1f %12zu %9.3f %10.0f %12.2f\n", name, mb, records, best, mb / best,
           records / best / 1e6);
}

int main(int argc, char **argv)
{
    struct stat st;
    if (argc > 1 && stat(argv[1], &st) == 0) {
        printf("%-24s %10s %12s %9s %10s %12s\n", "case", "MB", "records", "best s", "MB/s", "Mrecords/s");
        bench(argv[1], argv[1]);
        return 0;
    }
    double mb = argc > 1 ? atof(argv[1]) : 200;
    if (mb <= 0) {
        fprintf(stderr, "bench_read: MB: expected a positive number, got '%s'\n", argv[1]);
        return 2;
    }
    long events = (long)(mb * 1e6 / 50); /* a scalar record of these tags is ~50 bytes */
    char root[64], big[96], run[128];
    snprintf(root, sizeof root, "/dev/shm/lrs-bench-read-%d", (int)getpid());
    snprintf(big, sizeof big, "%s/big", root);
    mkdir(root, 0755);
    write_run(big, events);
    for (int i = 0; i < SMALL_RUNS; i++) {
        snprintf(run, sizeof run, "%s/many/run%04d", root, i);
        write_run(run, events / SMALL_RUNS);
    }
    snprintf(run, sizeof run, "%s/many", root);
    printf("%-24s %10s %12s %9s %10s %12s\n", "case", "MB", "records", "best s", "MB/s", "Mrecords/s");
    bench("one big file", big);
    bench("1000 runs, 1 file each", run);
    if (!getenv("BENCH_READ_KEEP"))
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    else
        printf("kept %s\n", root);
    return 0;
}
