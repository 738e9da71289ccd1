/* bench_nn: training throughput of the MLP on Fashion-MNIST-shaped random data.
 *
 *   bench_nn [SPEC] [BATCH] [SECONDS]      defaults: mlp:256 128 2
 *
 * One step = batch gather + forward + backward + SGD step (lr 0.01, momentum 0.9), as
 * lrscope train does it. Prints samples/s with 1 and 2 OpenBLAS threads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "dataset.h"
#include "nn.h"
#include "optim.h"
#include "status.h"

enum { INPUTS = 784, CLASSES = 10, ROWS = 8192 };

static int run(const char *spec, int batch, double seconds, int threads, const lrs_split *data)
{
    lrs_mlp *m;
    lrs_optim *opt;
    lrs_shuffler *sh;
    if (lrs_mlp_create(&m, spec, INPUTS, CLASSES, batch, 1) ||
        lrs_shuffler_create(&sh, data->n, 1, lrs_mlp_num_params(m)) ||
        lrs_optim_create(&opt, "sgd:lr=0.01,momentum=0.9", lrs_mlp_num_params(m))) {
        fprintf(stderr, "bench_nn: %s\n", lrs_errmsg());
        return 1;
    }
    lrs_nn_set_threads(threads);
    float *x = malloc((size_t)batch * INPUTS * sizeof *x), loss = 0;
    int32_t *y = malloc((size_t)batch * sizeof *y);
    long steps = 0;
    double start = 0;
    const int32_t *order = lrs_shuffler_epoch(sh, 0, 0);
    for (int warm = 1;; warm = 0) {
        start = bench_now();
        for (long s = 0; warm ? s < 20 : bench_now() - start < seconds; s++, steps += !warm) {
            int at = (int)((s * batch) % (data->n - batch));
            lrs_split_gather(data, order + at, batch, x, y);
            lrs_mlp_forward(m, x, y, batch, &loss, NULL);
            lrs_mlp_backward(m);
            lrs_optim_step(opt, lrs_mlp_params(m), lrs_mlp_grads(m));
        }
        if (!warm) break;
    }
    double elapsed = bench_now() - start;
    printf("%-12s %6d %8d %14.0f %12.3f\n", spec, batch, threads, steps * batch / elapsed, 1e3 * elapsed / steps);
    free(x);
    free(y);
    lrs_optim_free(opt);
    lrs_shuffler_free(sh);
    lrs_mlp_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    const char *spec = argc > 1 ? argv[1] : "mlp:256";
    int batch = argc > 2 ? atoi(argv[2]) : 128;
    double seconds = argc > 3 ? atof(argv[3]) : 2;
    float *x = malloc((size_t)ROWS * INPUTS * sizeof *x);
    int32_t *y = malloc(ROWS * sizeof *y);
    srand(1);
    for (size_t i = 0; i < (size_t)ROWS * INPUTS; i++) x[i] = (float)(rand() % 256) / 255.0f;
    for (int i = 0; i < ROWS; i++) y[i] = rand() % CLASSES;
    lrs_split data = { x, y, ROWS, INPUTS };
    printf("%-12s %6s %8s %14s %12s\n", "model", "batch", "threads", "samples/s", "ms/step");
    int rc = run(spec, batch, seconds, 1, &data) || run(spec, batch, seconds, 2, &data);
    free(x);
    free(y);
    return rc;
}
