/* Data-parallel training (lrs_train_config.shards): two trainers, each on half of every
 * batch, whose reduce sums through shared memory between two threads (what MPI_Allreduce
 * does between ranks), end with the weights and losses of one trainer on whole batches. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "train.h"

#define SHARDS 2
#define STEPS 30

/* An all-reduce between SHARDS threads: each adds its buffer into sum, then all copy it. */
typedef struct {
    pthread_barrier_t barrier;
    pthread_mutex_t lock;
    float *sum;
} allreduce;

static int thread_sum(void *ctx, float *buf, size_t n)
{
    allreduce *r = ctx;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < n; i++)
        r->sum[i] += buf[i];
    pthread_mutex_unlock(&r->lock);
    pthread_barrier_wait(&r->barrier);
    memcpy(buf, r->sum, n * sizeof *buf);
    if (pthread_barrier_wait(&r->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
        memset(r->sum, 0, n * sizeof *buf);
    pthread_barrier_wait(&r->barrier);
    return LRS_OK;
}

typedef struct {
    lrs_dataset *ds;
    lrs_train_config cfg;
    float *params; /* after the run */
    size_t n;
    double loss;   /* of the last step */
    int rc;
} run;

static int last_loss(void *ctx, lrs_trainer *t, const lrs_step_info *s)
{
    (void)t;
    ((run *)ctx)->loss = s->loss;
    return LRS_OK;
}

static void *train(void *arg)
{
    run *r = arg;
    lrs_trainer *t;
    r->rc = lrs_trainer_create(&t, r->ds, &r->cfg);
    if (r->rc != LRS_OK)
        return NULL;
    lrs_train_hooks hooks = {.on_step = last_loss, .ctx = r};
    lrs_trainer_set_hooks(t, &hooks);
    r->rc = lrs_trainer_run(t, 0);
    r->n = lrs_mlp_num_params(lrs_trainer_mlp(t));
    r->params = malloc(r->n * sizeof *r->params);
    memcpy(r->params, lrs_mlp_params(lrs_trainer_mlp(t)), r->n * sizeof *r->params);
    lrs_trainer_free(t);
    return NULL;
}

static void shards_match_whole_batches(void **state)
{
    (void)state;
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    lrs_train_config base;
    lrs_train_config_init(&base);
    base.optimizer = "adam";
    base.steps = STEPS;
    base.batch = 101; /* odd: the shards differ in size (50 and 51) */
    base.threads = 1;
    run whole = {.ds = ds, .cfg = base};
    train(&whole);
    assert_int_equal(whole.rc, LRS_OK);

    allreduce r = {.sum = calloc(whole.n, sizeof(float))};
    pthread_barrier_init(&r.barrier, NULL, SHARDS);
    pthread_mutex_init(&r.lock, NULL);
    run part[SHARDS];
    pthread_t tid[SHARDS];
    for (int s = 0; s < SHARDS; s++) {
        part[s] = (run){.ds = ds, .cfg = base};
        part[s].cfg.shard = s;
        part[s].cfg.shards = SHARDS;
        part[s].cfg.reduce = thread_sum;
        part[s].cfg.reduce_ctx = &r;
        assert_int_equal(pthread_create(&tid[s], NULL, train, &part[s]), 0);
    }
    for (int s = 0; s < SHARDS; s++)
        pthread_join(tid[s], NULL);
    for (int s = 0; s < SHARDS; s++)
        assert_int_equal(part[s].rc, LRS_OK);
    /* The shards hold the very same weights: they took the same steps. */
    assert_memory_equal(part[0].params, part[1].params, whole.n * sizeof(float));
    for (int s = 0; s < SHARDS; s++) {
        assert_true(fabs(part[s].loss - whole.loss) <= 1e-4 * whole.loss);
        double worst = 0;
        for (size_t i = 0; i < whole.n; i++)
            worst = fmax(worst, fabs(part[s].params[i] - whole.params[i]));
        assert_true(worst < 1e-5); /* measured 1.2e-6: float rounding of a sum in another order, over 30 Adam steps */
        free(part[s].params);
    }
    free(whole.params);
    free(r.sum);
    pthread_barrier_destroy(&r.barrier);
    pthread_mutex_destroy(&r.lock);
    lrs_dataset_close(ds);
}

static void shards_need_a_reduce(void **state)
{
    (void)state;
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.shards = 2;
    lrs_trainer *t;
    assert_int_equal(lrs_trainer_create(&t, ds, &cfg), LRS_ERR_ARG);
    assert_string_equal(lrs_errmsg(), "train: shard 0 of 2 needs 0 <= shard < shards and a reduce function");
    lrs_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shards_match_whole_batches),
        cmocka_unit_test(shards_need_a_reduce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
