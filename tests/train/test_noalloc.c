/* No allocation inside the training loop: malloc, calloc, realloc and the aligned
 * allocators are interposed here (a symbol of the executable wins over libc's for
 * liblrscope too) and counted on the training thread from the hook of step 2 to the hook
 * of the second-last step, a window holding steps, log writes, evaluations, an epoch end
 * and checkpoints. One OpenBLAS thread: with more, Debian's OpenBLAS mallocs inside
 * every threaded sgemm call (a backtrace shows sgemm_thread_tn/nt -> malloc, about 7
 * calls a step), which is OpenBLAS's doing, not ours. AddressSanitizer owns malloc itself, so under
 * LRS_SANITIZE the test is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "testutil.h"
#include "train.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifndef UNDER_ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static __thread int counting;
static long allocations;

void *malloc(size_t n)
{
    allocations += counting;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    allocations += counting;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    allocations += counting;
    return __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    allocations += counting;
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    allocations += counting;
    *out = __libc_memalign(align, n);
    return *out ? 0 : 12 /* ENOMEM */;
}

typedef struct {
    int64_t from, to;
    int64_t steps_counted;
} window;

static int count_between(void *ctx, lrs_trainer *t, const lrs_step_info *s)
{
    window *w = ctx;
    (void)t;
    if (s->step == w->from)
        counting = 1;
    if (s->step == w->to)
        counting = 0;
    w->steps_counted += s->step > w->from && s->step <= w->to;
    return LRS_OK;
}
#endif

static void training_steps_allocate_nothing(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#else
    char dir[256], logdir[300], ckpt[300];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(logdir, sizeof logdir, "%s/run", dir);
    snprintf(ckpt, sizeof ckpt, "%s/run.ckpt", dir);
    lrs_dataset *ds;
    assert_int_equal(lrs_dataset_open(&ds, "sample", NULL), LRS_OK);
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.optimizer = "adam";
    cfg.schedule = "onecycle";
    cfg.steps = 48; /* crosses the epoch end at 32 */
    cfg.eval_every = 10;
    cfg.clip_norm = 1;
    cfg.logdir = logdir;
    cfg.checkpoint = ckpt;
    cfg.checkpoint_every = 8;
    cfg.threads = 1; /* OpenBLAS's threaded sgemm mallocs a job table per call (see README) */
    lrs_trainer *t;
    assert_int_equal(lrs_trainer_create(&t, ds, &cfg), LRS_OK);
    window w = {2, 46, 0};
    lrs_train_hooks hooks = {count_between, NULL, NULL, &w};
    lrs_trainer_set_hooks(t, &hooks);
    assert_int_equal(lrs_trainer_run(t, 0), LRS_OK);
    assert_int_equal(w.steps_counted, 44);
    assert_int_equal(allocations, 0);

    /* The counter works: an allocation in the window is seen. */
    counting = 1;
    free(malloc(16));
    counting = 0;
    assert_int_equal(allocations, 1);
    lrs_trainer_free(t);
    lrs_dataset_close(ds);
    assert_int_equal(test_rmtree(dir), 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(training_steps_allocate_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
