/* Sign policies on the embedded sample (32 steps an epoch): warn logs, stop ends a
 * diverging run, reduce lowers the LR on a plateau, rollback rescues SGD at LR 1, adapt
 * raises the LR of a slow run within lr_max. Reference points from plain runs of the same
 * configs (lrscope train --threads 1 --on-sign off, SGD momentum 0.9 unless said): at LR 2
 * (seed 1) the loss climbs from step 1 to 12.3 at step 4; at LR 1 seed 2 climbs to 18.9 at
 * step 7 and ends at chance (val accuracy 0.1); LR 0.1 seed 2 reaches 0.832 in 10 epochs;
 * LR 1e-4 crawls. These runs are PyTorch's bit for bit, so they change only if the
 * arithmetic does. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run_cli.h"
#include "test_reader.h"
#include "testutil.h"
#include "sample_fixture.h"
#include "train.h"


typedef struct {
    int seen[LRS_SIGN_STALLED + 1]; /* signs per kind, through on_sign */
    int acts[6];          /* actions per lrs_policy_act */
    char last_done[256];
    char divergence[600];  /* the last divergence: its message, then what was done */
} sign_count;

static void count_sign(void *ctx, const lrs_sign *s, lrs_policy_act act, const char *done)
{
    sign_count *c = ctx;
    c->seen[s->kind]++;
    c->acts[act]++;
    snprintf(c->last_done, sizeof c->last_done, "%s", done);
    if (s->kind == LRS_SIGN_DIVERGENCE)
        snprintf(c->divergence, sizeof c->divergence, "%s; %s", s->message, done);
}

typedef struct {
    lrs_trainer *t;
    lrs_policy_result result;
    int rc;
    char logdir[300];
} watched;

/* Trains `optimizer` on ds at lr for epochs from seed under policy into test_tmp/name. */
static void run_watched(watched *w, lrs_dataset *ds, const char *name, const char *optimizer, double lr, int epochs,
                        uint64_t seed, lrs_policy_config *pc, sign_count *count)
{
    snprintf(w->logdir, sizeof w->logdir, "%s/%s", test_tmp, name);
    lrs_train_config cfg;
    lrs_train_config_init(&cfg);
    cfg.optimizer = optimizer;
    cfg.lr = lr;
    cfg.epochs = epochs;
    cfg.seed = seed;
    cfg.threads = 1;
    cfg.logdir = w->logdir;
    if (lrs_trainer_create(&w->t, ds, &cfg) != LRS_OK)
        fail_msg("create: %s", lrs_errmsg());
    *count = (sign_count){0};
    pc->on_sign = count_sign;
    pc->ctx = count;
    w->rc = lrs_trainer_run_watched(w->t, pc, &w->result);
}

/* The text logged under signs/log that contains `what`, or NULL. */
static const char *find_log(const lrs_reader *r, const char *what)
{
    const lrs_series *s = test_must_series(r, "signs/log");
    const lrs_item *items = lrs_series_items(s);
    for (size_t i = 0; i < lrs_series_len(s); i++)
        if (strstr(items[i].data, what))
            return items[i].data;
    return NULL;
}

static void warn_logs_the_divergence_as_text_and_scalar(void **state)
{
    (void)state;
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    assert_int_equal(pc.policy, LRS_POLICY_WARN); /* the default */
    sign_count c;
    watched w;
    run_watched(&w, sample, "warn", "sgd:momentum=0.9", 2.0, 2, 1, &pc, &c);
    assert_int_equal(w.rc, LRS_OK); /* warned, not stopped: the run goes to its end */
    assert_int_equal(lrs_trainer_step_count(w.t), 64);
    assert_int_equal(c.seen[LRS_SIGN_DIVERGENCE], 1);
    assert_int_equal(c.acts[LRS_ACT_LOGGED], w.result.signs);
    assert_int_equal(w.result.actions, 0);
    lrs_trainer_free(w.t);
    lrs_reader *r = test_read_logdir(w.logdir);
    const char *line = find_log(r, "**divergence** (critical, train/loss");
    assert_non_null(line);
    assert_non_null(strstr(line, "LR was 2"));
    assert_non_null(strstr(line, "Done: logged"));
    const lrs_series *action = test_must_series(r, "signs/action");
    assert_int_equal(lrs_series_len(action), (size_t)w.result.signs);
    assert_true(lrs_series_scalars(action)[0].value == LRS_ACT_LOGGED);
    const lrs_series *scale = test_must_series(r, "signs/lr_scale");
    assert_int_equal(lrs_series_len(scale), 1);
    assert_true(lrs_series_scalars(scale)[0].value == 1);
    lrs_reader_close(r);
}

static void stop_ends_a_diverging_run_with_a_flushed_log(void **state)
{
    (void)state;
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.policy = LRS_POLICY_STOP;
    sign_count c;
    watched w;
    run_watched(&w, sample, "stop", "sgd:momentum=0.9", 2.0, 2, 1, &pc, &c);
    assert_int_equal(w.rc, LRS_ERR_STOPPED);
    assert_non_null(strstr(lrs_errmsg(), "policy stop stopped the run at step"));
    assert_non_null(strstr(lrs_errmsg(), "on divergence: loss"));
    int64_t steps = lrs_trainer_step_count(w.t);
    assert_true(steps >= 3 && steps <= 10); /* it climbs from step 1 */
    assert_int_equal(c.acts[LRS_ACT_STOPPED], 1);
    /* Read before the trainer is freed: the stop itself flushed the log. */
    lrs_reader *r = test_read_logdir(w.logdir);
    assert_int_equal(lrs_series_len(test_must_series(r, "train/loss")), (size_t)steps);
    assert_non_null(find_log(r, "Done: stopped the run"));
    assert_true(lrs_series_scalars(test_must_series(r, "signs/action"))[0].value == LRS_ACT_STOPPED);
    lrs_reader_close(r);
    lrs_trainer_free(w.t);
}

/* A loss that must plateau: features all zero and labels 90% one class, so the model can
 * only learn the label frequencies; the loss falls from 0.8 to their entropy (0.325) by
 * step ~200 and stays there (seen: the plateau raised at step 499). Reduce multiplies the
 * LR by 0.1 (ReduceLROnPlateau's factor), once in 800 steps. */
static void reduce_lowers_the_lr_tenfold_on_a_plateau(void **state)
{
    (void)state;
    char csv[400];
    snprintf(csv, sizeof csv, "%s/flat.csv", test_tmp);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("label,a,b,c,d\n", f);
    for (int i = 0; i < 1000; i++) fprintf(f, "%d,0,0,0,0\n", i % 10 == 3); /* 10% class 1 */
    fclose(f);
    lrs_dataset *flat;
    assert_int_equal(lrs_dataset_open(&flat, csv, NULL), LRS_OK);
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.policy = LRS_POLICY_REDUCE;
    sign_count c;
    watched w;
    run_watched(&w, flat, "reduce", "sgd:momentum=0.9", 0.1, 100, 1, &pc, &c);
    assert_int_equal(w.rc, LRS_OK);
    assert_int_equal(c.acts[LRS_ACT_REDUCED], 1);
    assert_true(fabs(w.result.lr_scale - 0.1) < 1e-12);
    lrs_trainer_free(w.t);
    lrs_dataset_close(flat);
    lrs_reader *r = test_read_logdir(w.logdir);
    assert_non_null(find_log(r, "**plateau**"));
    assert_non_null(find_log(r, "reduced the LR x0.1: 0.1 -> 0.01"));
    const lrs_series *lr = test_must_series(r, "train/lr");
    const lrs_scalar *p = lrs_series_scalars(lr);
    size_t n = lrs_series_len(lr), drops = 0;
    assert_int_equal(n, 800);
    for (size_t i = 1; i < n; i++)
        if (p[i].value != p[i - 1].value) {
            drops++;
            assert_true(fabs(p[i].value / p[i - 1].value - 0.1) < 1e-6);
        }
    assert_int_equal(drops, 1);
    assert_true(fabs(p[n - 1].value - 0.01) < 1e-8);
    lrs_reader_close(r);
}

/* SGD momentum 0.9 at LR 1 (seed 2) collapses to chance; rollback restores the snapshot
 * from before the climb at LR 0.1 and ends as LR 0.1 does (0.832). */
static void rollback_rescues_sgd_at_lr_1(void **state)
{
    (void)state;
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.policy = LRS_POLICY_ROLLBACK;
    sign_count c;
    watched w;
    run_watched(&w, sample, "rollback", "sgd:momentum=0.9", 1.0, 10, 2, &pc, &c);
    assert_int_equal(w.rc, LRS_OK);
    assert_int_equal(lrs_trainer_step_count(w.t), 320);
    assert_true(w.result.rollbacks >= 1 && w.result.rollbacks <= 2);
    assert_true(w.result.lr_scale <= 0.1 + 1e-12);
    lrs_train_result r;
    lrs_trainer_result(w.t, &r);
    print_message("rollback at LR 1: %d rollback(s), LR scale %g, train loss %.4f, val accuracy %.4f\n",
                  w.result.rollbacks, w.result.lr_scale, r.train_loss, r.val_accuracy);
    assert_true(isfinite(r.train_loss) && r.train_loss < 0.6);
    assert_true(r.val_accuracy > 0.82);
    lrs_trainer_free(w.t);
    lrs_reader *rd = test_read_logdir(w.logdir);
    assert_non_null(find_log(rd, "rolled back to step 0 (rollback 1 of 5) and reduced the LR x0.1: 1 -> 0.1"));
    /* TensorBoard's restart rule: the curve shows the rescued run from step 0. */
    const lrs_series *lr = test_must_series(rd, "train/lr");
    assert_int_equal(lrs_series_len(lr), 320);
    assert_true(fabs(lrs_series_scalars(lr)[319].value - 0.1) < 1e-6);
    lrs_reader_close(rd);
}

/* Plain SGD (no momentum) at LR 1 (seed 1) falls to 1.66, swings, and is back near chance
 * (2.48, its untrained loss 2.32) at step 233: a divergence by the return rule. The run
 * never got below half its untrained loss, so rollback restarts it from step 0 at LR 0.1
 * and it ends like a plain LR 0.1 run (0.79). */
static void rollback_rescues_a_collapse_to_chance(void **state)
{
    (void)state;
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.policy = LRS_POLICY_ROLLBACK;
    sign_count c;
    watched w;
    run_watched(&w, sample, "collapse", "sgd", 1.0, 10, 1, &pc, &c);
    assert_int_equal(w.rc, LRS_OK);
    assert_int_equal(w.result.rollbacks, 1);
    assert_int_equal(c.seen[LRS_SIGN_DIVERGENCE], 1);
    lrs_train_result r;
    lrs_trainer_result(w.t, &r);
    print_message("collapse at plain SGD LR 1: val accuracy %.4f after the rollback\n", r.val_accuracy);
    assert_true(r.val_accuracy > 0.76);
    lrs_trainer_free(w.t);
    /* (signs/log at step 252 is past the restart: TensorBoard's rule drops it) */
    assert_non_null(strstr(c.divergence, "back at its untrained level"));
    assert_non_null(strstr(c.divergence, "rolled back to step 0 (rollback 1 of 5) and reduced the LR x0.1: 1 -> 0.1"));
}

/* SGD at LR 1e-4 is slow (see above); adapt raises its LR, never above lr_max. */
static void adapt_raises_a_slow_lr_up_to_lr_max(void **state)
{
    (void)state;
    lrs_policy_config pc;
    lrs_policy_config_init(&pc);
    pc.policy = LRS_POLICY_ADAPT;
    pc.lr_max = 3e-4;
    sign_count c;
    watched w;
    run_watched(&w, sample, "adapt", "sgd:momentum=0.9", 1e-4, 20, 1, &pc, &c);
    assert_int_equal(w.rc, LRS_OK);
    assert_true(c.acts[LRS_ACT_RAISED] >= 1);
    assert_true(fabs(w.result.lr_scale - 3) < 1e-9); /* the second raise (x2) stops at lr_max */
    lrs_trainer_free(w.t);
    lrs_reader *r = test_read_logdir(w.logdir);
    assert_non_null(find_log(r, "**slow**"));
    assert_non_null(find_log(r, "raised the LR x"));
    const lrs_series *lr = test_must_series(r, "train/lr");
    const lrs_scalar *p = lrs_series_scalars(lr);
    size_t n = lrs_series_len(lr);
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(p[i].value >= 1e-4 * (1 - 1e-6));
        top = fmax(top, p[i].value);
    }
    assert_true(p[0].value == (double)(float)1e-4);
    print_message("adapt at LR 1e-4: %d raise(s), top LR %g; last: %s\n", c.acts[LRS_ACT_RAISED], top,
                  c.last_done);
    assert_true(fabs(top - 3e-4) < 3e-4 * 1e-6);
    lrs_reader_close(r);
}

static void policy_names_parse_and_bad_ones_are_named(void **state)
{
    (void)state;
    const char *names[] = {"off", "warn", "stop", "reduce", "rollback", "adapt"};
    for (int i = 0; i < 6; i++) {
        lrs_sign_policy p;
        assert_int_equal(lrs_sign_policy_parse(names[i], &p), LRS_OK);
        assert_int_equal(p, i);
        assert_string_equal(lrs_sign_policy_name(p), names[i]);
    }
    lrs_sign_policy p;
    assert_int_equal(lrs_sign_policy_parse("rolback", &p), LRS_ERR_ARG);
    assert_string_equal(lrs_errmsg(), "expected off, warn, stop, reduce, rollback or adapt, got 'rolback'");
}

/* Through the binary: a bad --on-sign value or bound is one line and exit 2; stop exits 3
 * naming the sign; rollback exits 0 with the action on stderr. */
static void on_sign_flags_through_the_binary(void **state)
{
    (void)state;
    static char out[8192], err[8192];
    const struct {
        const char *args, *says;
    } bad[] = {
        {"--on-sign rolback", "lrscope: --on-sign: expected off, warn, stop, reduce, rollback or adapt, got 'rolback'"},
        {"--on-sign", "lrscope: train: --on-sign: expected a value"},
        {"--lr-max 0", "lrscope: --lr-max: expected a positive learning rate, got 0"},
        {"--max-actions x", "lrscope: --max-actions: expected a whole number"},
    };
    char args[600];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "train --threads 1 --logdir '%s/bad' %s", test_tmp, bad[i].args);
        int rc = run_lrscope(test_tmp, args, out, sizeof out, err, sizeof err);
        if (rc != 2 || strncmp(err, bad[i].says, strlen(bad[i].says)) || count_lines(err) != 1)
            fail_msg("'%s': exit %d, stderr '%s'", bad[i].args, rc, err);
    }
    snprintf(args, sizeof args, "train --threads 1 --lr 2 --steps 40 --on-sign stop --logdir '%s/cli-stop'", test_tmp);
    assert_int_equal(run_lrscope(test_tmp, args, out, sizeof out, err, sizeof err), 3);
    assert_non_null(strstr(err, "lrscope: train: policy stop stopped the run at step 4 on divergence"));
    snprintf(args, sizeof args, "train --threads 1 --lr 2 --steps 40 --on-sign rollback --logdir '%s/cli-rb'", test_tmp);
    assert_int_equal(run_lrscope(test_tmp, args, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "critical divergence on train/loss"));
    assert_non_null(strstr(err, "rolled back to step 0 (rollback 1 of 5) and reduced the LR x0.1: 2 -> 0.2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(warn_logs_the_divergence_as_text_and_scalar),
        cmocka_unit_test(stop_ends_a_diverging_run_with_a_flushed_log),
        cmocka_unit_test(reduce_lowers_the_lr_tenfold_on_a_plateau),
        cmocka_unit_test(rollback_rescues_sgd_at_lr_1),
        cmocka_unit_test(rollback_rescues_a_collapse_to_chance),
        cmocka_unit_test(adapt_raises_a_slow_lr_up_to_lr_max),
        cmocka_unit_test(policy_names_parse_and_bad_ones_are_named),
        cmocka_unit_test(on_sign_flags_through_the_binary),
    };
    return cmocka_run_group_tests(tests, sample_setup, sample_teardown);
}
