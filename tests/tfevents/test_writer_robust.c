/* The writer under time, threads, kills and failing writes: data reaches the file within
 * flush_secs, concurrent appends stay whole records, a SIGKILL at any moment leaves only
 * complete records, and a failed write turns into a status and a closed writer. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "summary.pb-c.h"
#include "testutil.h"
#include "writer_internal.h"
#include "writer_testutil.h"

static void sleep_secs(double s)
{
    struct timespec t = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    while (nanosleep(&t, &t) != 0) {
    }
}

static size_t records_in(const char *path)
{
    test_records r;
    assert_int_equal(test_records_read(&r, path), 0);
    assert_false(r.bad_crc);
    size_t n = r.n;
    test_records_free(&r);
    return n;
}

static void idle_buffer_reaches_the_file_within_flush_secs(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.flush_secs = 0.2;
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, &opt), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar(w, "loss", 1, 0.5), LRS_OK);
    assert_int_equal(records_in(lrs_writer_path(w)), 1); /* still buffered */
    sleep_secs(0.2 + 0.3);
    assert_int_equal(records_in(lrs_writer_path(w)), 2); /* no flush call was made */
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    test_rmtree(dir);
}

enum { THREADS = 4, PER_THREAD = 10000 };

typedef struct {
    lrs_writer *w;
    char tag[16];
    int rc;
} worker;

static void *add_scalars(void *arg)
{
    worker *k = arg;
    for (int i = 0; i < PER_THREAD && k->rc == LRS_OK; i++)
        k->rc = lrs_writer_add_scalar(k->w, k->tag, i, i * 0.5);
    return NULL;
}

static void concurrent_appends_give_whole_records(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.buffer_bytes = 4096; /* many buffer-full flushes while threads race */
    opt.flush_secs = 0.01;
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, &opt), LRS_OK);
    pthread_t t[THREADS];
    worker k[THREADS];
    for (int i = 0; i < THREADS; i++) {
        k[i] = (worker){.w = w, .rc = LRS_OK};
        snprintf(k[i].tag, sizeof k[i].tag, "thread/%d", i);
        assert_int_equal(pthread_create(&t[i], NULL, add_scalars, &k[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(k[i].rc, LRS_OK);
    }
    char path[512];
    snprintf(path, sizeof path, "%s", lrs_writer_path(w));
    assert_int_equal(lrs_writer_close(w), LRS_OK);

    test_records r;
    assert_int_equal(test_records_read(&r, path), 0);
    assert_false(r.bad_crc);
    assert_int_equal(r.valid_bytes, r.len);
    assert_int_equal(r.n, 1 + THREADS * PER_THREAD);
    int next[THREADS] = {0};
    for (size_t i = 1; i < r.n; i++) {
        Tensorboard__Event *e = test_event(&r, i);
        assert_non_null(e);
        Tensorboard__Summary__Value *v = e->summary->value[0];
        int thread = v->tag[7] - '0';
        assert_true(thread >= 0 && thread < THREADS);
        assert_int_equal(e->step, next[thread]); /* each thread's points in its order */
        assert_true(v->simple_value == (float)(next[thread] * 0.5));
        next[thread]++;
        tensorboard__event__free_unpacked(e, NULL);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(next[i], PER_THREAD);
    test_records_free(&r);
    test_rmtree(dir);
}

/* The child: scalars at steps 0, 1, 2, ... until killed. */
static void write_until_killed(const char *dir)
{
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.flush_secs = 0.005;
    opt.buffer_bytes = 1000; /* records straddle buffer ends */
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, &opt) != LRS_OK)
        _exit(1);
    for (int64_t step = 0;; step++)
        if (lrs_writer_add_scalar(w, "kill/test", step, (double)step) != LRS_OK)
            _exit(2);
}

static void sigkill_leaves_only_complete_records(void **state)
{
    (void)state;
    srand((unsigned)time(NULL));
    for (int round = 0; round < 6; round++) {
        char dir[256], path[512];
        assert_non_null(test_tmpdir(dir, sizeof dir));
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0)
            write_until_killed(dir);
        while (!test_only_event_file(dir, path, sizeof path))
            sleep_secs(0.001);
        sleep_secs(0.01 + (rand() % 60) / 1000.0);
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFSIGNALED(status));

        test_records r;
        assert_int_equal(test_records_read(&r, path), 0);
        assert_false(r.bad_crc);
        assert_true(r.len - r.valid_bytes < 1000); /* at most a cut-short tail */
        assert_true(r.n > 1);
        for (size_t i = 1; i < r.n; i++) {
            Tensorboard__Event *e = test_event(&r, i);
            assert_non_null(e);
            assert_int_equal(e->step, (int64_t)i - 1); /* a prefix 0..k */
            assert_true(e->summary->value[0]->simple_value == (float)(i - 1));
            tensorboard__event__free_unpacked(e, NULL);
        }
        test_records_free(&r);
        test_rmtree(dir);
    }
}

/* Points the writer's descriptor at /dev/full: every write fails with ENOSPC. */
static void make_writes_fail(lrs_writer *w)
{
    int full = open("/dev/full", O_WRONLY);
    assert_true(full >= 0);
    assert_true(dup2(full, lrs_writer_test_fd(w)) >= 0);
    close(full);
}

static void failed_write_is_reported_then_closed(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    make_writes_fail(w);
    assert_int_equal(lrs_writer_add_scalar(w, "a", 1, 1.0), LRS_OK); /* buffered */
    assert_int_equal(lrs_writer_flush(w), LRS_ERR_NOSPACE);
    assert_non_null(strstr(lrs_errmsg(), lrs_writer_path(w)));
    assert_int_equal(lrs_writer_add_scalar(w, "a", 2, 2.0), LRS_ERR_CLOSED);
    assert_int_equal(lrs_writer_add_text(w, "t", 2, "x"), LRS_ERR_CLOSED);
    assert_int_equal(lrs_writer_flush(w), LRS_ERR_CLOSED);
    assert_int_equal(lrs_writer_close(w), LRS_ERR_CLOSED);
    test_rmtree(dir);
}

/* A full half is written by the flusher thread; its failure reaches a later append (the
 * next hand-off), and the file is cut back to its whole records. */
static void failed_hand_off_reaches_a_later_append(void **state)
{
    (void)state;
    char dir[256], path[512];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.buffer_bytes = 256; /* halves of 128 bytes: a hand-off every 4 scalars */
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, &opt), LRS_OK);
    snprintf(path, sizeof path, "%s", lrs_writer_path(w));
    make_writes_fail(w);
    int rc = LRS_OK, n = 0;
    while (rc == LRS_OK && n < 100)
        rc = lrs_writer_add_scalar(w, "a", n++, 1.0);
    assert_int_equal(rc, LRS_ERR_NOSPACE);
    assert_true(n > 4 && n <= 12); /* found at the second or third hand-off */
    assert_non_null(strstr(lrs_errmsg(), "write failed"));
    assert_int_equal(lrs_writer_add_scalar(w, "a", n, 1.0), LRS_ERR_CLOSED);
    assert_int_equal(lrs_writer_close(w), LRS_ERR_CLOSED);
    assert_int_equal(records_in(path), 1); /* the version record only */
    test_rmtree(dir);
}

static void background_flush_failure_reaches_the_next_call(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer_options opt;
    lrs_writer_options_init(&opt);
    opt.flush_secs = 0.05;
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, &opt), LRS_OK);
    make_writes_fail(w);
    assert_int_equal(lrs_writer_add_scalar(w, "a", 1, 1.0), LRS_OK);
    sleep_secs(0.3); /* the flusher thread writes, and fails */
    assert_int_equal(lrs_writer_add_scalar(w, "a", 2, 2.0), LRS_ERR_NOSPACE);
    assert_non_null(strstr(lrs_errmsg(), "write failed"));
    assert_int_equal(lrs_writer_add_scalar(w, "a", 3, 3.0), LRS_ERR_CLOSED);
    assert_int_equal(lrs_writer_close(w), LRS_ERR_CLOSED);
    test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_buffer_reaches_the_file_within_flush_secs),
        cmocka_unit_test(concurrent_appends_give_whole_records),
        cmocka_unit_test(sigkill_leaves_only_complete_records),
        cmocka_unit_test(failed_write_is_reported_then_closed),
        cmocka_unit_test(failed_hand_off_reaches_a_later_append),
        cmocka_unit_test(background_flush_failure_reaches_the_next_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
