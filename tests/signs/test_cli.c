/* lrscope check and lrscope watch through the binary (LRS_BIN; skipped when unset),
 * on logdirs written here with the tfevents writer. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "corpus.h"
#include "testutil.h"
#include "tfevents.h"

static char root[256];
static corpus_series series;

static const char *bin(void)
{
    return getenv("LRS_BIN");
}

/* Writes loss (and LR) of series to <root>/<run> under the given tags. */
static void write_run(const char *run, const corpus_series *c, const char *loss_tag)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, run);
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    for (int t = 0; t < c->T; t++) {
        assert_int_equal(lrs_writer_add_scalar(w, "train/lr", t, c->lr[t]), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, loss_tag, t, c->loss[t]), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
}

/* Runs `lrscope <args>`, returns its exit status, stdout into out (n bytes). */
static int lrscope(char *out, size_t n, const char *fmt, ...)
{
    char args[1024], cmd[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s 2>%s/stderr.txt", bin(), args, root);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char out[1 << 16];

/* The first line of <root>/<name>, into line[2048]. */
static const char *first_line(const char *name, char *line)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, 2048, f));
    fclose(f);
    return line;
}

static int setup(void **state)
{
    (void)state;
    if (!bin()) return 0;
    assert_non_null(test_tmpdir(root, sizeof root));
    corpus_make(&series, LABEL_HEALTHY, 1);
    write_run("healthy", &series, "train/loss");
    corpus_make(&series, LABEL_DIVERGENCE, 2);
    write_run("diverging", &series, "Loss/train");
    corpus_make(&series, LABEL_HEALTHY, 2);
    series.loss[500] = NAN;
    series.T = 510;
    write_run("nan", &series, "loss");
    corpus_make(&series, LABEL_PLATEAU, 2);
    write_run("plateau", &series, "train_loss");
    corpus_make(&series, LABEL_DIVERGENCE, 3);
    write_run("rangetest", &series, "find/loss"); /* an LR range test: never checked */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (bin() && root[0]) {
        assert_int_equal(test_rmtree(root), 0);
    }
    return 0;
}

static void check_json_shape_and_exit_codes(void **state)
{
    (void)state;
    if (!bin()) skip();
    assert_int_equal(lrscope(out, sizeof out, "check --json %s/healthy", root), 0);
    assert_non_null(strstr(out, "\"verdict\": \"ok\", \"loss_tag\": \"train/loss\", \"signs\": []"));

    assert_int_equal(lrscope(out, sizeof out, "check --json %s/diverging", root), 2);
    assert_non_null(strstr(out, "{\"runs\": [\n  {\"run\": \""));
    assert_non_null(strstr(out, "\"verdict\": \"critical\", \"loss_tag\": \"Loss/train\""));
    assert_non_null(strstr(out, "{\"kind\": \"divergence\", \"tag\": \"Loss/train\", \"severity\": \"critical\", \"start_step\": "));
    assert_non_null(strstr(out, "\"suggestion\": {\"action\": \"reduce_lr\", \"factor\": 0.1}}"));

    assert_int_equal(lrscope(out, sizeof out, "check --json %s/nan", root), 2);
    assert_non_null(strstr(out, "{\"kind\": \"nan\", \"tag\": \"loss\", \"severity\": \"critical\", \"start_step\": 500, \"end_step\": 500, "));
    assert_non_null(strstr(out, "\"suggestion\": {\"action\": \"stop\", \"factor\": null}}"));

    assert_int_equal(lrscope(out, sizeof out, "check --json %s/plateau", root), 1);
    assert_non_null(strstr(out, "\"kind\": \"plateau\", \"tag\": \"train_loss\", \"severity\": \"warning\""));
    assert_int_equal(lrscope(out, sizeof out, "check --fail-on critical %s/plateau", root), 0);
}

static void check_every_run_of_a_logdir(void **state)
{
    (void)state;
    if (!bin()) skip();
    assert_int_equal(lrscope(out, sizeof out, "check %s", root), 2);
    assert_non_null(strstr(out, "/healthy: ok (train/loss, "));
    assert_non_null(strstr(out, "/diverging: critical (Loss/train, "));
    assert_non_null(strstr(out, "  critical divergence on Loss/train, steps "));
    assert_non_null(strstr(out, "suggestion: reduce the LR x0.1"));
    assert_non_null(strstr(out, "\u2588")); /* the sparkline reaches its top */
    assert_non_null(strstr(out, "/rangetest: no loss series"));
}

/* Writes <root>/<dir>/train and .../validation as Keras does: epoch_loss, 50 epochs; the
 * training loss falls, then from epoch 12 climbs back (climbs) or keeps falling while the
 * validation loss rises (overfits). */
/* batches > 0: also Keras's batch_loss (update_freq="batch") at global step 1, 2, ...:
 * the mean of the epoch's batches so far, reset at each epoch. */
static void write_keras_run(const char *name, int climbs, int batches)
{
    char dir[512];
    lrs_writer *train, *val;
    snprintf(dir, sizeof dir, "%s/%s/train", root, name);
    assert_int_equal(lrs_writer_open(&train, dir, NULL), LRS_OK);
    snprintf(dir, sizeof dir, "%s/%s/validation", root, name);
    assert_int_equal(lrs_writer_open(&val, dir, NULL), LRS_OK);
    for (int e = 0; e < 50; e++) {
        double wobble = 1 + 0.01 * sin(3.7 * e);
        double t = 0.05 + 0.9 * exp(-(climbs ? fmin(e, 12) : e) / 6.0) + (climbs ? 0.12 * fmax(0, e - 12) : 0);
        double sum = 0;
        for (int b = 1; b <= batches; b++) {
            sum += fmin(t, 0.95) * wobble * (1 + 0.2 * sin(1.3 * b + e));
            int64_t step = (int64_t)e * batches + b;
            assert_int_equal(lrs_writer_add_scalar(train, "batch_loss", step, sum / b), LRS_OK);
        }
        assert_int_equal(lrs_writer_add_scalar(train, "epoch_loss", e, fmin(t, 0.95) * wobble), LRS_OK);
        double v = 0.35 + 0.7 * exp(-e / 5.0) + 0.012 * fmax(0, e - 12);
        assert_int_equal(lrs_writer_add_scalar(val, "epoch_loss", e, v * wobble), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(train), LRS_OK);
    assert_int_equal(lrs_writer_close(val), LRS_OK);
}

/* Keras's TensorBoard callback: <dir>/train and <dir>/validation, both tagged epoch_loss,
 * one point per epoch. The validation loss rises while the model overfits; judged alone it
 * would be a diverging training loss (critical), paired it is the run's val loss. */
static void check_pairs_keras_train_and_validation_runs(void **state)
{
    (void)state;
    if (!bin()) skip();
    char dir[512];
    write_keras_run("keras", 0, 0);
    snprintf(dir, sizeof dir, "%s/keras", root);
    assert_int_equal(lrscope(out, sizeof out, "check --json %s", dir), 1);
    assert_non_null(strstr(out, "/keras/train\", \"verdict\": \"warning\", \"loss_tag\": \"epoch_loss\""));
    const char *overfit = strstr(out, "{\"kind\": \"overfit\", \"tag\": \"validation/epoch_loss\", \"severity\": \"warning\"");
    assert_non_null(overfit);
    char epochs_only[256];
    snprintf(epochs_only, sizeof epochs_only, "%.*s", (int)(strstr(overfit, "\"message\"") - overfit), overfit);
    assert_null(strstr(out, "/keras/validation\""));
    assert_null(strstr(out, "critical"));
    /* With update_freq="batch", Keras also writes batch_loss: the mean of the epoch so far,
     * at global steps where epoch_loss and the validation loss count epochs. Judged on
     * it, the 50 validation points would fall among its first 50 batches; the run is
     * judged on epoch_loss, with the same signs. */
    write_keras_run("keras-batch", 0, 40);
    snprintf(dir, sizeof dir, "%s/keras-batch", root);
    assert_int_equal(lrscope(out, sizeof out, "check --json %s", dir), 1);
    assert_non_null(strstr(out, "/keras-batch/train\", \"verdict\": \"warning\", \"loss_tag\": \"epoch_loss\""));
    assert_non_null(strstr(out, epochs_only));
    snprintf(dir, sizeof dir, "%s/keras", root);
    /* watch follows the pair the same way (alone, judged per epoch, the validation loss
     * would read as a divergence) */
    assert_int_equal(lrscope(out, sizeof out, "watch --once --json --total-steps 49 %s", dir), 1);
    assert_non_null(strstr(out, "{\"run\": \"train\", \"kind\": \"overfit\", \"tag\": \"validation/epoch_loss\""));
    assert_null(strstr(out, "{\"run\": \"validation\""));
    assert_null(strstr(out, "critical"));
}

/* 8 epochs of Keras's epoch_loss from a CNN the LR killed in its first steps (PyTorch at SGD
 * 0.3, seed 15, logged as Keras does): too few points for any trend, but each an epoch's
 * mean: check reads them per epoch and says the network is not learning (exit 2). The same
 * 8 points tagged train/loss may be a smoke test's first steps: nothing (exit 0). */
static void check_reads_a_short_keras_log_per_epoch(void **state)
{
    (void)state;
    if (!bin()) skip();
    static const double train[] = {2.321, 2.313, 2.313, 2.314, 2.311, 2.317, 2.311, 2.312};
    static const double val[] = {2.309, 2.312, 2.311, 2.313, 2.310, 2.312, 2.311, 2.311};
    const char *tags[] = {"epoch_loss", "train/loss"};
    for (int k = 0; k < 2; k++) {
        char dir[512];
        lrs_writer *w;
        snprintf(dir, sizeof dir, "%s/keras-dead-%d/train", root, k);
        assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
        for (int e = 0; e < 8; e++) assert_int_equal(lrs_writer_add_scalar(w, tags[k], e, train[e]), LRS_OK);
        assert_int_equal(lrs_writer_close(w), LRS_OK);
        snprintf(dir, sizeof dir, "%s/keras-dead-%d/validation", root, k);
        assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
        for (int e = 0; e < 8; e++) assert_int_equal(lrs_writer_add_scalar(w, "epoch_loss", e, val[e]), LRS_OK);
        assert_int_equal(lrs_writer_close(w), LRS_OK);
        snprintf(dir, sizeof dir, "%s/keras-dead-%d", root, k);
        assert_int_equal(lrscope(out, sizeof out, "check --json %s", dir), k ? 0 : 2);
        const char *stalled = strstr(out, "{\"kind\": \"stalled\", \"tag\": \"epoch_loss\", \"severity\": \"critical\","
                                          " \"start_step\": 0, \"end_step\": 3, \"message\": \"loss has not fallen in the 3"
                                          " epochs after its first (mean 2.321)");
        assert_true((stalled != NULL) == (k == 0));
    }
}

/* The divergence watch raises on <root>/keras-climbs/train: 0 when none, else its end step
 * (its start step into *start). */
static long long watched_divergence(const char *flags, long long *start)
{
    lrscope(out, sizeof out, "watch --once --json %s %s/keras-climbs/train", flags, root);
    const char *d = strstr(out, "\"kind\": \"divergence\", \"tag\": \"epoch_loss\", \"severity\": \"critical\"");
    long long end = 0;
    if (d) assert_int_equal(sscanf(strstr(d, "\"start_step\": "), "\"start_step\": %lld, \"end_step\": %lld", start, &end), 2);
    return end;
}

/* Live, a per-epoch loss is judged per epoch once --total-steps says how many there will
 * be: the climb back from epoch 12 is critical by epoch 20; with per-step windows, at 43. */
static void watch_judges_a_per_epoch_loss_on_its_time_scale(void **state)
{
    (void)state;
    if (!bin()) skip();
    write_keras_run("keras-climbs", 1, 0);
    long long start = -1, per_step = watched_divergence("", &start);
    long long per_epoch = watched_divergence("--total-steps 49", &start);
    assert_true(start >= 11 && start <= 13 && per_epoch >= 13 && per_epoch <= 20);
    assert_true(per_step == 0 || per_step > per_epoch);
}

/* A sign repeated on a tag (the gradient norm exploding 3 times) is printed once with
 * the count and the steps of the others, as text and as Markdown; --all and --json give
 * every one. */
static void check_prints_a_repeated_sign_once(void **state)
{
    (void)state;
    if (!bin()) skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/repeats", root);
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    corpus_make(&series, LABEL_HEALTHY, 3);
    for (int t = 0; t < series.T; t++) {
        /* its last quarter 1.7x higher: not a run that recovered, so after the fact the
         * explosions stay warnings (grad_hindsight) */
        double x = 4 * t >= 3 * series.T ? 1.7 * series.loss[t] : series.loss[t];
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, x), LRS_OK);
        double g = t == 200 || t == 400 || t == 600 ? 50.0 : 1.0 + 0.01 * (t % 7);
        assert_int_equal(lrs_writer_add_scalar(w, "train/grad_norm", t, g), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    assert_int_equal(lrscope(out, sizeof out, "check %s", dir), 1);
    assert_non_null(strstr(out, "  warning  grad_explosion on train/grad_norm, steps 200..200: "));
    assert_non_null(strstr(out, "... and 2 more warning grad_explosion signs on train/grad_norm, steps 400..600 (--all shows them)"));
    assert_null(strstr(out, "steps 400..400: "));
    assert_int_equal(lrscope(out, sizeof out, "check --all %s", dir), 1);
    assert_non_null(strstr(out, "  warning  grad_explosion on train/grad_norm, steps 600..600: "));
    assert_null(strstr(out, "more warning"));
    assert_int_equal(lrscope(out, sizeof out, "check --json %s", dir), 1);
    assert_non_null(strstr(out, "\"start_step\": 400, \"end_step\": 400"));
    assert_int_equal(lrscope(out, sizeof out, "check --format markdown %s", dir), 1);
    assert_non_null(strstr(out, " (and 2 more, steps 400\u2013600) | "));
}

/* Adam's first steps at 30x its usual LR blow the loss up 4.5x, then it learns well (the
 * first 12 losses of a Fashion-MNIST run). After the fact that is a transient (info); with
 * --live, the critical divergence watch and the trainer raised at step 4, and no sign that
 * needs the run's end. */
static void check_live_gives_each_sign_as_raised(void **state)
{
    (void)state;
    if (!bin()) skip();
    static const double start[12] = {2.31, 8.52, 10.38, 7.04, 6.69, 5.92, 2.93, 2.09, 1.55, 1.42, 1.39, 1.13};
    char dir[512];
    snprintf(dir, sizeof dir, "%s/live/transient", root);
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    for (int t = 0; t < 2000; t++) { /* a per-step log: not thinned */
        double x = t < 12 ? start[t] : (0.3 + 0.9 * exp(-(t - 12) / 500.0)) * (1 + 0.1 * ((t * 7) % 5 - 2) / 2.0);
        assert_int_equal(lrs_writer_add_scalar(w, "train/lr", t, 0.03), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, x), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    assert_int_equal(lrscope(out, sizeof out, "check --json %s", dir), 0);
    assert_non_null(strstr(out, "{\"kind\": \"spike\", \"tag\": \"train/loss\", \"severity\": \"info\", \"start_step\": 0, "));
    assert_null(strstr(out, "\"divergence\""));
    assert_int_equal(lrscope(out, sizeof out, "check --json --live %s", dir), 2);
    assert_non_null(strstr(out, "{\"kind\": \"divergence\", \"tag\": \"train/loss\", \"severity\": \"critical\", \"start_step\": 0, \"end_step\": 4, "));
    assert_null(strstr(out, "\"spike\", \"tag\": \"train/loss\", \"severity\": \"info\", \"start_step\": 0"));
}

static void check_cannot_read(void **state)
{
    (void)state;
    if (!bin()) skip();
    assert_int_equal(lrscope(out, sizeof out, "check %s/missing", root), 3);
    assert_int_equal(lrscope(out, sizeof out, "check %s/rangetest", root), 3);
    assert_int_equal(lrscope(out, sizeof out, "check --fail-on sometimes %s", root), 3);
    char line[2048];
    assert_string_equal(first_line("stderr.txt", line),
                        "lrscope: check: --fail-on: expected warning or critical, got 'sometimes'\n");
    assert_int_equal(lrscope(out, sizeof out, "check --set divergence_confirmed=8 %s", root), 3);
    assert_string_equal(first_line("stderr.txt", line), "lrscope: check: --set: signs option 'divergence_confirmed': "
                        "no such threshold (lrscope check --options lists them)\n");
}

/* --set reaches the detectors: the diverging run is critical by default and, with the
 * divergence rules out of reach, no longer; --options lists what is in force. */
static void check_thresholds_are_options(void **state)
{
    (void)state;
    if (!bin()) skip();
    assert_int_equal(lrscope(out, sizeof out, "check --set divergence_confirm=7 --options"), 0);
    assert_non_null(strstr(out, "\ndivergence_confirm           7\n"));
    assert_non_null(strstr(out, "\ndivergence_ratio             2\n"));
    assert_int_equal(lrscope(out, sizeof out, "check --json %s/diverging", root), 2);
    assert_int_equal(lrscope(out, sizeof out, "check --json --set divergence_ratio=1e9 --set divergence_climb_ratio=1e9 "
                             "--set divergence_jump=1e9 --set divergence_return_confirm=100000 "
                             "--set divergence_return_fall=0.99 %s/diverging", root), 1);
    assert_null(strstr(out, "\"kind\": \"divergence\""));
}

/* A run of a sweep (HParams: lr, optimizer, seed): 200 points falling to floor. As
 * PyTorch's add_hparams does it (torch != 0), the HParams go to a run of their own inside
 * the run's folder, named by the time. */
static void write_sweep_run(const char *sweep, const char *run, double lr, double floor, double seed, int torch)
{
    char dir[512], hp_dir[600];
    snprintf(dir, sizeof dir, "%s/%s/%s", root, sweep, run);
    snprintf(hp_dir, sizeof hp_dir, "%s/1795919826.%d", dir, (int)(1000 * lr));
    lrs_writer *w, *hw;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    const lrs_hparam hp[] = {{"lr", LRS_HPARAM_NUMBER, lr, NULL, 0},
                             {"optimizer", LRS_HPARAM_STRING, 0, "sgd", 0},
                             {"seed", LRS_HPARAM_NUMBER, seed, NULL, 0}};
    static const char *const metrics[] = {"train/loss"};
    if (torch) assert_int_equal(lrs_writer_open(&hw, hp_dir, NULL), LRS_OK);
    assert_int_equal(lrs_writer_add_hparams(torch ? hw : w, hp, 3, metrics, 1), LRS_OK);
    if (torch) assert_int_equal(lrs_writer_close(hw), LRS_OK);
    for (int t = 0; t < 200; t++) {
        double loss = (floor + (2.3 - floor) * exp(-t / 20.0)) * (1 + 0.05 * ((t * 7) % 5 - 2) / 2.0);
        assert_int_equal(lrs_writer_add_scalar(w, "train/lr", t, lr), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, loss), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
}

/* Each curve alone is smooth and healthy; overlaid, LR 0.3 settles 1.55x above LR 0.1 and
 * LR 0.001 2.25x above it: what check says of a sweep, unless told --alone. */
static void check_compares_the_runs_of_a_sweep(void **state)
{
    (void)state;
    if (!bin()) skip();
    for (int torch = 1; torch >= 0; torch--) {
        const char *sweep = torch ? "torchsweep" : "sweep";
        write_sweep_run(sweep, "lr0.1", 0.1, 0.4, 1, torch);
        write_sweep_run(sweep, "lr0.3", 0.3, 0.62, 2, torch);
        write_sweep_run(sweep, "lr0.001", 0.001, 0.9, 1, torch);
    }
    assert_int_equal(lrscope(out, sizeof out, "check --json %s/torchsweep", root), 1);
    assert_non_null(strstr(out, "/torchsweep/lr0.1 reached at LR 0.1 with the same settings: the LR is too high\""));
    /* each run given as its own logdir: the training run is the root, its HParams a child */
    assert_int_equal(lrscope(out, sizeof out, "check --json %s/torchsweep/lr0.1 %s/torchsweep/lr0.3", root, root), 1);
    assert_non_null(strstr(out, "/torchsweep/lr0.1 reached at LR 0.1 with the same settings: the LR is too high\""));
    assert_int_equal(lrscope(out, sizeof out, "check --alone %s/sweep", root), 0);
    assert_int_equal(lrscope(out, sizeof out, "check --json %s/sweep", root), 1);
    assert_non_null(strstr(out, "{\"kind\": \"oscillation\", \"tag\": \"train/loss\", \"severity\": \"warning\", "
                                "\"start_step\": 180, \"end_step\": 199, \"message\": \"at LR 0.3 the loss "));
    assert_non_null(strstr(out, "the loss ended at 0.6201, 1.55x the 0.4002 that "));
    assert_non_null(strstr(out, "/sweep/lr0.1 reached at LR 0.1 with the same settings: the LR is too high\""));
    assert_non_null(strstr(out, "\"message\": \"at LR 0.001 the loss ended at 0.9001, 2.25x the 0.4002 that "));
    assert_non_null(strstr(out, "the LR is too low\", \"suggestion\": {\"action\": \"raise_lr\", \"factor\": 100}}"));
    assert_non_null(strstr(out, "/sweep/lr0.1\", \"verdict\": \"ok\""));
}

/* Appends a record whose payload fails its checksum to the event file in dir: damage
 * check says on stderr (the reader skips the record). */
static void append_bad_record(const char *dir)
{
    char path[1024];
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    path[0] = '\0';
    while ((e = readdir(d)))
        if (strstr(e->d_name, "tfevents")) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(path[0] != '\0');
    uint8_t rec[8 + 4 + 4 + 4] = {4}; /* length 4, little-endian */
    uint32_t len_crc = lrs_crc32c_mask(lrs_crc32c(0, rec, 8)), data_crc = 0x12345678;
    memcpy(rec + 8, &len_crc, 4);
    memcpy(rec + 12, "junk", 4);
    memcpy(rec + 16, &data_crc, 4);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(rec, 1, sizeof rec, f), sizeof rec);
    fclose(f);
}

/* How many times needle occurs in hay. */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* check reads a logdir run by run, and some runs more than once: a sweep's HParams child
 * (probed for its parent, then judged itself), a run the sweep gives a sign (read again to
 * draw it). Each damaged file is said once, a val sibling no run took (keras/val beside
 * keras/validation) is read for its damage too, and the sweep's sign has its sparkline. */
static void check_reads_run_by_run_and_says_damage_once(void **state)
{
    (void)state;
    if (!bin()) skip();
    char dir[600], err[8192], logdir[400];
    snprintf(logdir, sizeof logdir, "%s/stream", root);
    write_sweep_run("stream", "lr0.1", 0.1, 0.4, 1, 1);
    write_sweep_run("stream", "lr0.3", 0.3, 0.62, 2, 1);
    write_sweep_run("stream", "lr0.001", 0.001, 0.9, 1, 1);
    write_keras_run("stream/keras", 0, 0);
    snprintf(dir, sizeof dir, "%s/keras/val", logdir);
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    assert_int_equal(lrs_writer_add_scalar(w, "epoch_loss", 0, 1.0), LRS_OK);
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    const char *damaged[] = {"lr0.3", "lr0.1/1795919826.100", "keras/val"};
    for (int i = 0; i < 3; i++) {
        snprintf(dir, sizeof dir, "%s/%s", logdir, damaged[i]);
        append_bad_record(dir);
    }
    const char *const formats[] = {"", "--format markdown", "--json"};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(lrscope(out, sizeof out, "check %s %s", formats[k], logdir), 1);
        snprintf(dir, sizeof dir, "%s/stderr.txt", root);
        FILE *f = fopen(dir, "r");
        assert_non_null(f);
        err[fread(err, 1, sizeof err - 1, f)] = '\0';
        fclose(f);
        assert_int_equal(occurrences(err, "record payload checksum mismatch"), 3);
        for (int i = 0; i < 3; i++) {
            snprintf(dir, sizeof dir, "/stream/%s/events.out.tfevents.", damaged[i]);
            assert_int_equal(occurrences(err, dir), 1);
        }
    }
    assert_int_equal(lrscope(out, sizeof out, "check %s", logdir), 1);
    const char *run = strstr(out, "/stream/lr0.3: warning (train/loss, 200 points, 1 sign)\n"
                                  "  warning  oscillation on train/loss, steps 180..199: at LR 0.3 ");
    assert_non_null(run);
    const char *spark = strstr(strchr(run, '\n') + 1, "\n           ");
    assert_non_null(spark);
    assert_true((unsigned char)spark[12] == 0xe2); /* a bar (U+2581..2588), not "suggestion:" */
    assert_non_null(strstr(out, "/stream/keras/train: warning (epoch_loss, 50 points, 1 sign)\n"));
    assert_null(strstr(out, "/stream/keras/val"));
}

static void watch_once_runs_the_alert_command(void **state)
{
    (void)state;
    if (!bin()) skip();
    assert_int_equal(lrscope(out, sizeof out,
                             "watch --once --json %s/diverging --on-alert 'cat > %s/alert.json;"
                             " echo \"$LRSCOPE_KIND $LRSCOPE_SEVERITY $LRSCOPE_ACTION $LRSCOPE_FACTOR\""
                             " > %s/alert.env'", root, root, root), 2);
    assert_non_null(strstr(out, "{\"run\": \".\", \"kind\": \"divergence\""));
    char line[2048];
    assert_string_equal(first_line("alert.env", line), "divergence critical reduce_lr 0.1\n");
    assert_non_null(strstr(first_line("alert.json", line), "{\"run\": \".\", \"kind\": \"divergence\", \"tag\": \"Loss/train\""));
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The child writes a healthy start, waits, then a divergence one point per 10 ms with
 * a flush each, and sends the time it wrote the first diverging point. */
static void write_live_run(const char *dir, int time_pipe)
{
    corpus_make(&series, LABEL_HEALTHY, 5);
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, NULL) != LRS_OK) _exit(1);
    for (int t = 0; t < 400; t++) lrs_writer_add_scalar(w, "loss", t, series.loss[t]);
    lrs_writer_flush(w);
    usleep(600 * 1000);
    double level = series.loss[399], onset = now();
    if (write(time_pipe, &onset, sizeof onset) != sizeof onset) _exit(1);
    for (int t = 400; t < 480; t++) {
        lrs_writer_add_scalar(w, "loss", t, level * pow(1.12, t - 399));
        lrs_writer_flush(w);
        usleep(10 * 1000);
    }
    lrs_writer_close(w);
    _exit(0);
}

static void watch_reports_a_live_divergence_once_within_the_latency_bound(void **state)
{
    (void)state;
    if (!bin()) skip();
    char dir[400];
    snprintf(dir, sizeof dir, "%s/live", root);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && %s watch --json --interval 0.2 --timeout 4 %s", dir,
             bin(), root);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    usleep(300 * 1000);
    pid_t child = fork();
    if (child == 0) write_live_run(dir, fd[1]);
    close(fd[1]);
    double onset = 0;
    assert_int_equal(read(fd[0], &onset, sizeof onset), sizeof onset);
    close(fd[0]);
    char line[2048];
    int divergences = 0;
    double latency = INFINITY;
    while (fgets(line, sizeof line, p)) {
        if (!strstr(line, "{\"run\": \"live\"")) continue; /* the other runs' signs */
        if (strstr(line, "\"kind\": \"divergence\"") && divergences++ == 0) latency = now() - onset;
    }
    pclose(p);
    int status;
    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("watch: divergence reported %.2f s after its first point was written\n", latency);
    assert_int_equal(divergences, 1);
    /* one interval (0.2 s) + the detector's window (<= 25 points of 10 ms) + slack */
    assert_true(latency < 0.2 + 0.25 + 0.75);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_json_shape_and_exit_codes),
        cmocka_unit_test(check_every_run_of_a_logdir),
        cmocka_unit_test(check_pairs_keras_train_and_validation_runs),
        cmocka_unit_test(check_reads_a_short_keras_log_per_epoch),
        cmocka_unit_test(watch_judges_a_per_epoch_loss_on_its_time_scale),
        cmocka_unit_test(check_prints_a_repeated_sign_once),
        cmocka_unit_test(check_live_gives_each_sign_as_raised),
        cmocka_unit_test(check_cannot_read),
        cmocka_unit_test(check_thresholds_are_options),
        cmocka_unit_test(check_compares_the_runs_of_a_sweep),
        cmocka_unit_test(check_reads_run_by_run_and_says_damage_once),
        cmocka_unit_test(watch_once_runs_the_alert_command),
        cmocka_unit_test(watch_reports_a_live_divergence_once_within_the_latency_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
