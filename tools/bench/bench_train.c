/* bench_train: lib/train's speed on Fashion-MNIST next to sgemm's on the same shapes.
 *
 *   bench_train [DATA] [THREADS] [REPEATS]        defaults: fashion-mnist 2 3
 *
 * 1. sgemm alone on each product one step of mlp:256 at batch 128 makes (forward, weight
 *    gradients, input gradient of layer 2; layer 1's input gradient is not needed), in the
 *    transposition lib/nn uses: GFLOP/s per shape, best of REPEATS.
 * 2. A one-epoch `lrscope train` run (SGD momentum 0.9, lr 0.1, batch 128, every step
 *    logged to an event file under $TMPDIR), best of REPEATS: samples/s, ms/step, and the
 *    share of the step that the same products take at the GFLOP/s measured in 1.
 *    BENCH_KEEP=1 keeps the event files. */
#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "train.h"

enum { B = 128, IN = 784, HID = 256, OUT = 10 };

typedef struct {
    const char *what;
    int ta, tb, m, n, k; /* C[m,n] = op(A)[m,k] op(B)[k,n], row-major */
} product;

static const product products[] = {
    {"fwd  x W1^T", 0, 1, B, HID, IN},
    {"fwd  h W2^T", 0, 1, B, OUT, HID},
    {"bwd  dW2 = d2^T h", 1, 0, OUT, HID, B},
    {"bwd  dh = d2 W2", 0, 0, B, HID, OUT},
    {"bwd  dW1 = d1^T x", 1, 0, HID, IN, B},
};
enum { N_PRODUCTS = sizeof products / sizeof products[0] };

/* OpenBLAS is liblrscope's private dependency (benchmarks link liblrscope only), but it is
 * loaded with it: take the very sgemm lib/nn calls from the process. */
typedef void sgemm_fn(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint,
                      blasint, float, const float *, blasint, const float *, blasint, float, float *,
                      blasint);
static sgemm_fn *sgemm;

/* Seconds per call of product p, best of `repeats` batches of calls. */
static double time_product(const product *p, int repeats, float *a, float *b, float *c)
{
    int lda = p->ta ? p->m : p->k, ldb = p->tb ? p->k : p->n, calls = 200;
    double best = 1e9;
    for (int r = 0; r <= repeats; r++) { /* r = 0 warms up */
        double start = bench_now();
        for (int i = 0; i < calls; i++)
            sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans, p->tb ? CblasTrans : CblasNoTrans,
                        p->m, p->n, p->k, 1.0f, a, lda, b, ldb, 0.0f, c, p->n);
        double per_call = (bench_now() - start) / calls;
        if (r > 0 && per_call < best)
            best = per_call;
    }
    return best;
}

/* Seconds of sgemm per training step (the sum over the shapes). */
static double bench_sgemm(int repeats)
{
    size_t big = (size_t)HID * IN;
    float *a = calloc(big, sizeof *a), *b = calloc(big, sizeof *b), *c = calloc(big, sizeof *c);
    for (size_t i = 0; i < big; i++)
        a[i] = (float)(i % 17) * 0.01f, b[i] = (float)(i % 13) * 0.01f;
    double total = 0, flops = 0;
    printf("%-20s %5s %5s %5s %10s %10s\n", "sgemm", "M", "N", "K", "us/call", "GFLOP/s");
    for (int i = 0; i < N_PRODUCTS; i++) {
        const product *p = &products[i];
        double s = time_product(p, repeats, a, b, c), f = 2.0 * p->m * p->n * p->k;
        printf("%-20s %5d %5d %5d %10.1f %10.1f\n", p->what, p->m, p->n, p->k, s * 1e6, f / s * 1e-9);
        total += s, flops += f;
    }
    printf("%-20s %17s %10.1f %10.1f\n\n", "per step", "", total * 1e6, flops / total * 1e-9);
    free(a);
    free(b);
    free(c);
    return total;
}

static int bench_trainer(lrs_dataset *ds, int threads, int repeats, double sgemm_per_step)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bench_train-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.threads = threads;
    cfg.logdir = dir;
    double best = 0;
    lrs_train_result r = {0};
    for (int i = 0; i < repeats; i++) {
        lrs_trainer *t;
        if (lrs_trainer_create(&t, ds, &cfg) != LRS_OK || lrs_trainer_run(t, 0) != LRS_OK) {
            fprintf(stderr, "bench_train: %s\n", lrs_errmsg());
            return 1;
        }
        lrs_trainer_result(t, &r);
        if (r.samples_per_sec > best)
            best = r.samples_per_sec;
        lrs_trainer_free(t);
    }
    double step_s = B / best;
    printf("%-28s %8s %14s %10s %14s %16s\n", "lrscope train (1 epoch)", "threads", "samples/s", "ms/step",
           "sgemm ms/step", "sgemm share");
    printf("%-28s %8d %14.0f %10.3f %14.3f %15.0f%%\n", "mlp:256 sgd batch 128 +log", threads, best,
           step_s * 1e3, sgemm_per_step * 1e3, 100 * sgemm_per_step / step_s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("BENCH_KEEP"))
        printf("(event files kept in %s)\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench_train: could not remove %s\n", dir);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "fashion-mnist";
    int threads = argc > 2 ? atoi(argv[2]) : 2, repeats = argc > 3 ? atoi(argv[3]) : 3;
    lrs_dataset *ds;
    if (lrs_dataset_open(&ds, data, NULL) != LRS_OK) {
        fprintf(stderr, "bench_train: %s\n", lrs_errmsg());
        return 1;
    }
    if (!(sgemm = (sgemm_fn *)dlsym(RTLD_DEFAULT, "cblas_sgemm"))) {
        fprintf(stderr, "bench_train: cblas_sgemm not found in the process\n");
        return 1;
    }
    lrs_nn_set_threads(threads);
    printf("OpenBLAS threads: %d\n\n", lrs_nn_threads());
    double sgemm_per_step = bench_sgemm(repeats);
    int rc = bench_trainer(ds, threads, repeats, sgemm_per_step);
    lrs_dataset_close(ds);
    return rc;
}
