/* lib/train on the embedded sample: a short run (loss, tags read back), resume after a
 * "kill" equals a straight run bit for bit, the NaN stop, snapshots, hooks, checkpoint
 * refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_json.h"
#include "test_reader.h"
#include "testutil.h"
#include "sample_fixture.h"
#include "train.h"


static const char *tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", test_tmp, name);
    return buf;
}

static lrs_trainer *must_create(const lrs_train_config *cfg)
{
    lrs_trainer *t = NULL;
    lrs_train_config one_thread = *cfg; /* the same rounding in every run of this test */
    one_thread.threads = 1;
    int rc = lrs_trainer_create(&t, sample, &one_thread);
    if (rc != LRS_OK)
        fail_msg("create: %s", lrs_errmsg());
    return t;
}

/* Series tag of the run, which must hold len points. */
static const lrs_series *must_series(const lrs_reader *r, const char *tag, size_t len)
{
    const lrs_series *s = test_must_series(r, tag);
    assert_int_equal(lrs_series_len(s), len);
    return s;
}

static void short_run_learns_and_logs_every_tag(void **state)
{
    (void)state;
    char logdir[300];
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.schedule = "onecycle"; /* cycles momentum: train/momentum appears */
    cfg.epochs = 2;            /* 4000 / 128 -> 32 steps an epoch */
    cfg.eval_every = 20;
    cfg.logdir = tmp_path(logdir, sizeof logdir, "short");
    lrs_trainer *t = must_create(&cfg);
    assert_int_equal(lrs_trainer_steps_per_epoch(t), 32);
    assert_non_null(strstr(lrs_trainer_schedule_spec(t), "steps=64")); /* the run's length filled in */
    assert_int_equal(lrs_trainer_run(t, 0), LRS_OK);
    lrs_train_result res;
    lrs_trainer_result(t, &res);
    assert_int_equal(res.steps, 64);
    assert_true(res.val_accuracy > 0.70); /* 10 classes: chance is 0.1 */

    lrs_reader *r = test_read_logdir(logdir);
    const lrs_scalar *loss = lrs_series_scalars(must_series(r, "train/loss", 64));
    assert_float_equal(loss[0].value, log(10.0), 0.1); /* PyTorch init: near-uniform softmax */
    double first = 0, last = 0;
    for (int i = 0; i < 8; i++)
        first += loss[i].value / 8, last += loss[56 + i].value / 8;
    assert_true(last < 0.5 * first);

    /* train/lr and train/momentum are OneCycleLR's, step for step (as float32). */
    lrs_schedule *ref;
    assert_int_equal(lrs_schedule_parse(&ref, "onecycle:steps=64", 0.1), LRS_OK);
    const lrs_scalar *lr = lrs_series_scalars(must_series(r, "train/lr", 64));
    const lrs_scalar *mom = lrs_series_scalars(must_series(r, "train/momentum", 64));
    for (int i = 0; i < 64; i++) {
        double want_lr, want_mom;
        lrs_schedule_get(ref, &want_lr, &want_mom);
        assert_int_equal(lr[i].step, i);
        assert_true(lr[i].value == (float)want_lr && mom[i].value == (float)want_mom);
        lrs_schedule_step(ref);
    }
    lrs_schedule_free(ref);
    must_series(r, "train/grad_norm", 64);

    /* Evaluations after steps 20, 40, 60 (eval_every) and at the epoch ends 32 and 64,
     * logged at the index of the step just taken. */
    const int64_t eval_steps[] = {19, 31, 39, 59, 63};
    const lrs_scalar *acc = lrs_series_scalars(must_series(r, "val/accuracy", 5));
    must_series(r, "val/loss", 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(acc[i].step, eval_steps[i]);
    assert_true(acc[4].value == (float)res.val_accuracy);
    const lrs_scalar *perf = lrs_series_scalars(must_series(r, "perf/samples_per_sec", 2));
    assert_int_equal(perf[1].step, 63);
    assert_true(perf[1].value > 0);
    assert_int_equal(lrs_series_kind(must_series(r, "_hparams_/session_end_info", 1)), LRS_KIND_HPARAMS);
    assert_int_equal(lrs_series_kind(must_series(r, "_hparams_/experiment", 1)), LRS_KIND_HPARAMS);
    assert_int_equal(lrs_series_kind(must_series(r, "custom_scalars__config__", 1)), LRS_KIND_LAYOUT);
    lrs_reader_close(r);
    lrs_trainer_free(t);
}

/* A config that touches every part of the state: momentum buffers, a schedule position
 * (cosine), clipping, evaluations in the middle of an epoch. */
static void resume_config(lrs_train_config *cfg, const char *logdir)
{
    lrs_train_config_init(cfg);
    cfg->optimizer = "sgd:momentum=0.9,nesterov=1";
    cfg->schedule = "linear:start=0.1,steps=10 then@10 cosine:T=40";
    cfg->steps = 50;
    cfg->clip_norm = 1.0;
    cfg->eval_every = 7;
    cfg->logdir = logdir;
}

static void assert_same_series(const lrs_reader *a, const lrs_reader *b, const char *tag)
{
    const lrs_series *sa = lrs_run_find(lrs_reader_run(a, 0), tag), *sb = lrs_run_find(lrs_reader_run(b, 0), tag);
    assert_non_null(sa);
    assert_non_null(sb);
    assert_int_equal(lrs_series_len(sa), lrs_series_len(sb));
    const lrs_scalar *pa = lrs_series_scalars(sa), *pb = lrs_series_scalars(sb);
    for (size_t i = 0; i < lrs_series_len(sa); i++) {
        assert_int_equal(pa[i].step, pb[i].step);
        if (memcmp(&pa[i].value, &pb[i].value, sizeof pa[i].value))
            fail_msg("%s step %lld: %.9g vs %.9g", tag, (long long)pa[i].step, pa[i].value, pb[i].value);
    }
}

static void resume_after_kill_equals_straight_run(void **state)
{
    (void)state;
    char dir_a[300], dir_b[300], ckpt[300];
    lrs_train_config cfg;
    resume_config(&cfg, tmp_path(dir_a, sizeof dir_a, "straight"));
    lrs_trainer *straight = must_create(&cfg);
    assert_int_equal(lrs_trainer_run(straight, 0), LRS_OK);

    /* Checkpoints at steps 10 and 20, then "killed" at step 25 with 21..25 already logged. */
    resume_config(&cfg, tmp_path(dir_b, sizeof dir_b, "resumed"));
    cfg.checkpoint = tmp_path(ckpt, sizeof ckpt, "resume.ckpt");
    cfg.checkpoint_every = 10;
    lrs_trainer *first = must_create(&cfg);
    assert_int_equal(lrs_trainer_run(first, 25), LRS_OK);
    lrs_trainer_free(first);
    lrs_trainer *second = must_create(&cfg);
    assert_int_equal(lrs_trainer_load(second, ckpt), LRS_OK);
    assert_int_equal(lrs_trainer_step_count(second), 20);
    assert_int_equal(lrs_trainer_run(second, 0), LRS_OK);

    size_t n = lrs_trainer_state_size(straight);
    assert_int_equal(n, lrs_trainer_state_size(second));
    uint8_t *sa = malloc(n), *sb = malloc(n);
    assert_int_equal(lrs_trainer_state_save(straight, sa, n), LRS_OK);
    assert_int_equal(lrs_trainer_state_save(second, sb, n), LRS_OK);
    assert_memory_equal(sa, sb, n); /* weights, moments, schedule, counters: bit for bit */
    free(sa);
    free(sb);
    lrs_trainer_free(straight);
    lrs_trainer_free(second);

    lrs_reader *ra = test_read_logdir(dir_a), *rb = test_read_logdir(dir_b);
    assert_int_equal(lrs_run_file_count(lrs_reader_run(rb, 0)), 2);
    const char *tags[] = {"train/loss", "train/lr", "train/grad_norm", "val/loss", "val/accuracy"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        assert_same_series(ra, rb, tags[i]);
    must_series(rb, "train/loss", 50);
    lrs_reader_close(ra);
    lrs_reader_close(rb);
}

static void nan_loss_stops_with_the_step_and_a_flushed_log(void **state)
{
    (void)state;
    char logdir[300];
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.lr = 1e12; /* the weights overflow float within a few steps */
    cfg.steps = 100;
    cfg.logdir = tmp_path(logdir, sizeof logdir, "nan");
    lrs_trainer *t = must_create(&cfg);
    assert_int_equal(lrs_trainer_run(t, 0), LRS_ERR_NUMERIC);
    int64_t stopped = lrs_trainer_step_count(t);
    assert_true(stopped > 0 && stopped < 100);
    char want[64];
    snprintf(want, sizeof want, "step %lld: the training loss is ", (long long)stopped);
    assert_non_null(strstr(lrs_errmsg(), want));

    lrs_reader *r = test_read_logdir(logdir); /* before free: run() flushed */
    const lrs_series *loss = must_series(r, "train/loss", (size_t)stopped + 1);
    const lrs_scalar *last = &lrs_series_scalars(loss)[stopped];
    assert_int_equal(last->step, stopped);
    assert_false(isfinite(last->value));
    must_series(r, "_hparams_/session_end_info", 1);
    lrs_reader_close(r);
    lrs_trainer_free(t);
}

static void snapshot_restore_repeats_the_same_steps(void **state)
{
    (void)state;
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.optimizer = "adam";
    lrs_trainer *t = must_create(&cfg);
    assert_int_equal(lrs_trainer_run(t, 5), LRS_OK);
    size_t n = lrs_trainer_state_size(t);
    uint8_t *snap = malloc(n), *after = malloc(n), *again = malloc(n);
    assert_int_equal(lrs_trainer_state_save(t, snap, n), LRS_OK);
    double first[3], second[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(lrs_trainer_step_at(t, 0.01 * (i + 1), &first[i]), LRS_OK);
    lrs_trainer_state_save(t, after, n);
    assert_int_equal(lrs_trainer_state_load(t, snap, n), LRS_OK);
    assert_int_equal(lrs_trainer_step_count(t), 5);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lrs_trainer_step_at(t, 0.01 * (i + 1), &second[i]), LRS_OK);
    lrs_trainer_state_save(t, again, n);
    assert_memory_equal(first, second, sizeof first);
    assert_memory_equal(after, again, n);
    assert_true(first[2] < first[0] + 1); /* finite, trained values */
    free(snap);
    free(after);
    free(again);
    lrs_trainer_free(t);
}

typedef struct {
    int64_t stop_after;
    double lr_at[12];
} hook_log;

static int halve_then_stop(void *ctx, lrs_trainer *t, const lrs_step_info *s)
{
    hook_log *h = ctx;
    h->lr_at[s->step] = s->lr;
    if (s->step == 3)
        lrs_trainer_set_lr_scale(t, 0.5);
    return s->step == h->stop_after ? LRS_ERR_STOPPED : LRS_OK;
}

static void hooks_change_the_lr_and_stop_the_run(void **state)
{
    (void)state;
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    lrs_trainer *t = must_create(&cfg);
    hook_log h = {7, {0}};
    lrs_train_hooks hooks = {halve_then_stop, NULL, NULL, &h};
    lrs_trainer_set_hooks(t, &hooks);
    assert_int_equal(lrs_trainer_run(t, 0), LRS_ERR_STOPPED);
    assert_int_equal(lrs_trainer_step_count(t), 8);
    assert_true(h.lr_at[3] == 0.1 && h.lr_at[4] == 0.05 && h.lr_at[7] == 0.05);
    lrs_trainer_free(t);
}

/* ---- against PyTorch: the same seed, the same steps ---- */

enum { TORCH_STEPS = 40 };

typedef struct {
    double loss[TORCH_STEPS], grad_norm[TORCH_STEPS];
    double epoch_accuracy; /* the evaluation at the end of the first epoch */
} step_record;

static int record_eval(void *ctx, lrs_trainer *t, const lrs_eval_info *e)
{
    (void)t;
    step_record *r = ctx;
    if (e->epoch == 0) r->epoch_accuracy = e->val_accuracy;
    return LRS_OK;
}

static int record_step(void *ctx, lrs_trainer *t, const lrs_step_info *s)
{
    (void)t;
    step_record *r = ctx;
    r->loss[s->step] = s->loss;
    r->grad_norm[s->step] = s->grad_norm;
    return s->step + 1 == TORCH_STEPS ? LRS_ERR_STOPPED : LRS_OK;
}

/* tests/data/reference/torch_runs.json holds the first 40 steps (across an epoch boundary)
 * of torch.manual_seed(seed), nn.Linear layers, DataLoader(shuffle=True) and SGD or Adam on
 * the sample, evaluated on the test set through a DataLoader after the first epoch, with
 * OpenBLAS on one thread. With the same seed lrscope starts from the same weights, sees the
 * same batches and rounds every operation of a step as PyTorch does, so at --threads 1 its
 * losses are PyTorch's bit for bit, step after step (a single differing bit would grow
 * chaotically). The gradient norm is summed in another order than PyTorch's, so it agrees
 * to rounding only. */
static void first_steps_follow_pytorch(void **state)
{
    (void)state;
    cJSON *ref = test_load_json("reference/torch_runs.json");
    assert_non_null(ref);
    const cJSON *run;
    cJSON_ArrayForEach(run, test_json_get(ref, "runs")) {
        lrs_train_config cfg;
        lrs_train_config_init(&cfg);
        cfg.model = test_json_get(run, "model")->valuestring;
        cfg.optimizer = test_json_get(run, "optimizer")->valuestring;
        cfg.lr = test_json_get(run, "lr")->valuedouble;
        cfg.batch = test_json_get(run, "batch")->valueint;
        cfg.seed = (uint64_t)test_json_get(run, "seed")->valuedouble;
        cfg.epochs = 2;
        cfg.threads = 1;
        lrs_trainer *t = must_create(&cfg);
        step_record got;
        lrs_train_hooks hooks = {record_step, record_eval, NULL, &got};
        lrs_trainer_set_hooks(t, &hooks);
        assert_int_equal(lrs_trainer_run(t, 0), LRS_ERR_STOPPED);
        double worst_norm = 0;
        for (int i = 0; i < TORCH_STEPS; i++) {
            float want = (float)cJSON_GetArrayItem(test_json_get(run, "loss"), i)->valuedouble;
            double norm = cJSON_GetArrayItem(test_json_get(run, "grad_norm"), i)->valuedouble;
            if ((float)got.loss[i] != want)
                fail_msg("%s: step %d's loss %.9g is not PyTorch's %.9g", test_json_get(run, "name")->valuestring,
                         i, got.loss[i], (double)want);
            worst_norm = fmax(worst_norm, fabs(got.grad_norm[i] - norm) / norm);
        }
        assert_true(worst_norm < 1e-12);
        /* Bit-identical weights predict as PyTorch's do: the same test accuracy. */
        assert_float_equal(got.epoch_accuracy, cJSON_GetArrayItem(test_json_get(run, "epoch_accuracy"), 0)->valuedouble,
                           1e-9);
        lrs_trainer_free(t);
    }
    cJSON_Delete(ref);
}

static void checkpoint_of_another_run_or_damaged_is_refused(void **state)
{
    (void)state;
    char path[300];
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    lrs_trainer *t = must_create(&cfg);
    assert_int_equal(lrs_trainer_run(t, 3), LRS_OK);
    assert_int_equal(lrs_trainer_save(t, tmp_path(path, sizeof path, "refuse.ckpt")), LRS_OK);

    cfg.model = "mlp:128";
    lrs_trainer *other = must_create(&cfg);
    assert_int_equal(lrs_trainer_load(other, path), LRS_ERR_FORMAT);
    assert_non_null(strstr(lrs_errmsg(), "checkpoint of model mlp:256, but this run's model is mlp:128"));
    lrs_trainer_free(other);
    cfg.model = "mlp:256";
    cfg.optimizer = "adam";
    other = must_create(&cfg);
    assert_int_equal(lrs_trainer_load(other, path), LRS_ERR_FORMAT);
    assert_non_null(strstr(lrs_errmsg(), "checkpoint of optimizer sgd:"));
    lrs_trainer_free(other);
    cfg.optimizer = "sgd:momentum=0.9";
    cfg.seed = 2;
    other = must_create(&cfg);
    assert_int_equal(lrs_trainer_load(other, path), LRS_ERR_FORMAT);
    assert_non_null(strstr(lrs_errmsg(), "another batch size, seed or data set"));
    lrs_trainer_free(other);

    /* One flipped bit in the weights; then a cut file. Neither changes the trainer. */
    size_t n = lrs_trainer_state_size(t);
    uint8_t *bytes = malloc(n);
    FILE *f = fopen(path, "rb");
    assert_int_equal(fread(bytes, 1, n, f), n);
    fclose(f);
    bytes[n / 2] ^= 4;
    f = fopen(path, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
    assert_int_equal(lrs_trainer_load(t, path), LRS_ERR_CRC);
    assert_non_null(strstr(lrs_errmsg(), "damaged checkpoint (CRC mismatch)"));
    f = fopen(path, "wb");
    fwrite(bytes, 1, n - 100, f);
    fclose(f);
    assert_int_equal(lrs_trainer_load(t, path), LRS_ERR_FORMAT);
    assert_non_null(strstr(lrs_errmsg(), "damaged checkpoint"));
    assert_int_equal(lrs_trainer_step_count(t), 3);
    free(bytes);
    lrs_trainer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_run_learns_and_logs_every_tag),
        cmocka_unit_test(resume_after_kill_equals_straight_run),
        cmocka_unit_test(nan_loss_stops_with_the_step_and_a_flushed_log),
        cmocka_unit_test(snapshot_restore_repeats_the_same_steps),
        cmocka_unit_test(hooks_change_the_lr_and_stop_the_run),
        cmocka_unit_test(checkpoint_of_another_run_or_damaged_is_refused),
        cmocka_unit_test(first_steps_follow_pytorch),
    };
    return cmocka_run_group_tests(tests, sample_setup, sample_teardown);
}
