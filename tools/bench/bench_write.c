/* bench_write: scalars per second through lrs_writer_add_scalar (10 million, including
 * the final flush and close) next to plain write(2) of the same bytes in 1 MiB chunks,
 * into /dev/shm (memory) and /tmp (disk). Best of 5. Run by hand:
 *   build/tools/bench/bench_write [N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "tfevents.h"

enum { REPEATS = 5, CHUNK = 1 << 20 };

static void remove_event_files(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_write: could not remove %s\n", dir);
}

/* Seconds to add n scalars and close; *file gets the event file's bytes for replay. */
static double time_writer(const char *dir, long n, char *file, size_t file_len)
{
    lrs_writer *w;
    double t0 = bench_now();
    if (lrs_writer_open(&w, dir, NULL) != LRS_OK) {
        fprintf(stderr, "bench_write: %s\n", lrs_errmsg());
        exit(1);
    }
    for (long i = 0; i < n; i++)
        lrs_writer_add_scalar(w, "train/loss", i, 1.0 / (double)(i + 1));
    snprintf(file, file_len, "%s", lrs_writer_path(w));
    if (lrs_writer_close(w) != LRS_OK) {
        fprintf(stderr, "bench_write: %s\n", lrs_errmsg());
        exit(1);
    }
    return bench_now() - t0;
}

/* Seconds to write(2) the same bytes to a new file in dir, 1 MiB at a time. */
static double time_plain_write(const char *dir, const unsigned char *bytes, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/plain.bin", dir);
    double t0 = bench_now();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    for (size_t off = 0; off < len;) {
        size_t k = len - off < CHUNK ? len - off : CHUNK;
        ssize_t got = write(fd, bytes + off, k);
        if (got <= 0) {
            perror(path);
            exit(1);
        }
        off += (size_t)got;
    }
    close(fd);
    double t = bench_now() - t0;
    unlink(path);
    return t;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    if (!buf || fread(buf, 1, *len, f) != *len) {
        fprintf(stderr, "bench_write: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return buf;
}

static void bench_place(const char *root, long n)
{
    char dir[256], file[1024];
    snprintf(dir, sizeof dir, "%s/lrs-bench-write-%ld", root, (long)getpid());
    double best_writer = 1e30, best_plain = 1e30;
    size_t len = 0;
    for (int r = 0; r < REPEATS; r++) {
        double t = time_writer(dir, n, file, sizeof file);
        best_writer = t < best_writer ? t : best_writer;
        unsigned char *bytes = read_all(file, &len);
        remove_event_files(dir);
        mkdir(dir, 0755);
        t = time_plain_write(dir, bytes, len);
        best_plain = t < best_plain ? t : best_plain;
        free(bytes);
        remove_event_files(dir);
    }
    double writer_rate = (double)n / best_writer, plain_rate = (double)n / best_plain;
    printf("%-9s %12.1f %14.1f %9.2f %10.1f\n", root, writer_rate / 1e6, plain_rate / 1e6,
           writer_rate / plain_rate, (double)len / (double)n);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000000L;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_write [N]  (N scalars, default 10000000)\n");
        return 2;
    }
    printf("%ld scalars 'train/loss' per run, best of %d, including open, flush and close\n", n,
           REPEATS);
    printf("%-9s %12s %14s %9s %10s\n", "place", "writer M/s", "write(2) M/s", "ratio",
           "bytes/rec");
    bench_place("/dev/shm", n);
    bench_place("/tmp", n);
    return 0;
}
