/* lrs_find on synthetic training steps whose answers are known. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lr.h"

#define assert_near(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- Curves: the loss is a function of log10(lr) only ---- */

/* Falls around 1e-3 (a sigmoid in log lr, steepest at x = -3), rises sharply past 1e-1. */
static double valley_curve(double x)
{
    return 2.0 - 1.5 / (1 + exp(-(x + 3) / 0.3)) + 0.05 * exp(3 * (x + 1));
}

typedef struct {
    double (*curve)(double x);
    double noise;       /* uniform in [-noise, noise] */
    uint64_t rng;
    int calls;
    double exploding;   /* > 0: every step multiplies the loss by this */
} curve_ctx;

static double uniform(uint64_t *s) /* deterministic LCG in [-1, 1) */
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / (double)(1ULL << 52) - 1.0;
}

static int curve_step(void *ctx, double lr, double *loss)
{
    curve_ctx *c = ctx;
    c->calls++;
    if (c->exploding > 0)
        *loss = pow(c->exploding, c->calls);
    else
        *loss = c->curve(log10(lr)) + c->noise * uniform(&c->rng);
    return LRS_OK;
}

static lrs_find_options no_verify(void)
{
    lrs_find_options o;
    lrs_find_options_default(&o);
    o.verify = 0;
    return o;
}

static void clean_valley_gives_fastais_answers(void **state)
{
    (void)state;
    curve_ctx c = {valley_curve, 0, 1, 0, 0};
    lrs_find_callbacks cb = {curve_step, NULL, NULL, &c};
    lrs_find_options o = no_verify();
    o.beta = 0; /* no smoothing: the curve is exact */
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    assert_int_equal(r.steps_used, r.n);
    /* The true minimum over the grid, and the window fastai reads: [iters/10, n-5). */
    int m = 10;
    for (int i = 10; i < r.n - 5; i++)
        if (valley_curve(log10(r.lr[i])) < valley_curve(log10(r.lr[m])))
            m = i;
    const lrs_suggestion *min = &r.suggest[LRS_SUGGEST_MINIMUM];
    assert_true(min->ok);
    assert_int_equal(min->index, m);
    assert_near(min->lr, r.lr[m] / 10, 1e-15);
    /* Steepest descent of the sigmoid is at 1e-3, one grid step is 0.08 decades. */
    const lrs_suggestion *steep = &r.suggest[LRS_SUGGEST_STEEP];
    assert_true(steep->ok);
    assert_true(fabs(log10(steep->lr) + 3) < 0.1);
    /* The curve falls from the window start to m: fastai's index in that valley. */
    int len = m - 10 + 1, start = (m - 10) - len;
    double sections = (m - 10 - start) / 3.0;
    int idx = 10 + start + (int)sections + (int)(sections / 2);
    const lrs_suggestion *valley = &r.suggest[LRS_SUGGEST_VALLEY];
    assert_true(valley->ok);
    assert_int_equal(valley->index, idx);
    /* auto without verification: the median of the three, under the minimum's LR / 3. */
    double s[3] = {valley->lr, steep->lr, min->lr}, median = s[0] + s[1] + s[2] -
        fmax(fmax(s[0], s[1]), s[2]) - fmin(fmin(s[0], s[1]), s[2]);
    const lrs_suggestion *a = &r.suggest[LRS_SUGGEST_AUTO];
    assert_true(a->ok);
    assert_near(a->lr, fmin(median, r.lr[m] / 3), 1e-12 * a->lr);
    assert_int_equal(r.n_candidates, 0);
    lrs_find_result_free(&r);
}

static double rising_curve(double x)
{
    return 1.0 + 0.01 * (x + 7);
}

static void curve_that_never_falls_has_no_answer(void **state)
{
    (void)state;
    curve_ctx c = {rising_curve, 0, 1, 0, 0};
    lrs_find_callbacks cb = {curve_step, NULL, NULL, &c};
    lrs_find_options o = no_verify();
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    for (int m = 0; m < LRS_SUGGEST_COUNT; m++) {
        assert_false(r.suggest[m].ok);
        assert_true(isnan(r.suggest[m].lr));
        assert_non_null(strstr(r.suggest[m].reason, "never falls"));
    }
    lrs_find_result_free(&r);
}

static void curve_that_diverges_at_once_has_no_answer(void **state)
{
    (void)state;
    curve_ctx c = {NULL, 0, 1, 0, 3.0};
    lrs_find_callbacks cb = {curve_step, NULL, NULL, &c};
    lrs_find_options o = no_verify();
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    assert_true(r.stopped_early);
    assert_true(r.n < 10);
    assert_int_equal(c.calls, r.n);
    for (int m = 0; m < LRS_SUGGEST_COUNT; m++) {
        assert_false(r.suggest[m].ok);
        assert_non_null(strstr(r.suggest[m].reason, "usable points"));
    }
    lrs_find_result_free(&r);
}

static void noisy_curve_lands_near_the_truth(void **state)
{
    (void)state;
    curve_ctx c = {valley_curve, 0.05, 42, 0, 0};
    lrs_find_callbacks cb = {curve_step, NULL, NULL, &c};
    lrs_find_options o = no_verify();
    o.iters = 400;
    o.beta = 0.9;
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    /* Truth of the noiseless curve on a fine grid. */
    double best_x = -7;
    for (double x = -7; x <= 1; x += 0.001)
        if (valley_curve(x) < valley_curve(best_x))
            best_x = x;
    const lrs_suggestion *min = &r.suggest[LRS_SUGGEST_MINIMUM];
    const lrs_suggestion *steep = &r.suggest[LRS_SUGGEST_STEEP];
    assert_true(min->ok && steep->ok);
    assert_true(fabs(log10(min->lr) - (best_x - 1)) < 0.3);   /* within a factor 2 */
    assert_true(fabs(log10(steep->lr) + 3) < 0.5);            /* steepest at 1e-3 */
    lrs_find_result_free(&r);
}

static double cliff_curve(double x)
{
    return x < -2 ? 1.0 - 0.05 * (x + 7) : 0.75 + 100 * (x + 2);
}

static void divergence_stops_the_sweep_early(void **state)
{
    (void)state;
    curve_ctx c = {cliff_curve, 0, 1, 0, 0};
    lrs_find_callbacks cb = {curve_step, NULL, NULL, &c};
    lrs_find_options o = no_verify();
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    assert_true(r.stopped_early);
    assert_true(r.n < 100);
    assert_int_equal(c.calls, r.n);
    double best = INFINITY;
    for (int i = 0; i < r.n - 1; i++) {
        best = fmin(best, r.smooth[i]);
        assert_true(r.smooth[i] <= 4 * best); /* nothing diverged before the last point */
    }
    assert_true(r.smooth[r.n - 1] > 4 * best);
    assert_true(r.lr[r.n - 1] > 1e-2 && r.lr[r.n - 1] < 1); /* past the cliff at 1e-2 */
    lrs_find_result_free(&r);
}

/* ---- A toy model: loss = 0.5 * sum_i a_i (w_i - 1)^2, trained by gradient descent ---- */

#define DIM 4
typedef struct {
    double a[DIM], w[DIM], snapshot[DIM];
    int resets, steps;
    int restarts_from_snapshot; /* first steps after a reset that saw the snapshot */
    int fresh;                  /* set by reset */
} quad_ctx;

static double quad_loss(const quad_ctx *q)
{
    double l = 0;
    for (int i = 0; i < DIM; i++)
        l += 0.5 * q->a[i] * (q->w[i] - 1) * (q->w[i] - 1);
    return l;
}

static int quad_step(void *ctx, double lr, double *loss)
{
    quad_ctx *q = ctx;
    if (q->fresh && !memcmp(q->w, q->snapshot, sizeof q->w))
        q->restarts_from_snapshot++;
    q->fresh = 0;
    *loss = quad_loss(q);
    for (int i = 0; i < DIM; i++)
        q->w[i] -= lr * q->a[i] * (q->w[i] - 1);
    q->steps++;
    return LRS_OK;
}

static int quad_reset(void *ctx)
{
    quad_ctx *q = ctx;
    memcpy(q->w, q->snapshot, sizeof q->w);
    q->resets++;
    q->fresh = 1;
    return LRS_OK;
}

static quad_ctx quad(double a)
{
    quad_ctx q = {{a, a, a, a}, {-1, 0, 2, 3}, {-1, 0, 2, 3}, 0, 0, 0, 0};
    return q;
}

static void reset_restores_the_snapshot_around_each_run(void **state)
{
    (void)state;
    quad_ctx q = quad(1.0);
    lrs_find_callbacks cb = {quad_step, NULL, quad_reset, &q};
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, NULL, &r), LRS_OK);
    assert_true(r.suggest[LRS_SUGGEST_AUTO].ok);
    assert_int_equal(r.n_candidates, 3);
    assert_int_equal(q.resets, 1 + 3);                /* after the sweep and each run */
    assert_int_equal(q.restarts_from_snapshot, 3);    /* every verification from the snapshot */
    assert_memory_equal(q.w, q.snapshot, sizeof q.w); /* restored on return */
    int verify_steps = 0;
    for (int i = 0; i < r.n_candidates; i++)
        verify_steps += r.candidates[i].steps;
    assert_int_equal(r.steps_used, r.n + verify_steps);
    assert_int_equal(q.steps, r.steps_used);
    assert_true(r.steps_used <= 560);
    lrs_find_result_free(&r);
}

/* With curvature a, gradient descent contracts by |1 - lr a| a step: best at lr = 1/a. */
static void verification_keeps_the_candidate_that_trains_best(void **state)
{
    (void)state;
    quad_ctx q = quad(2.0);
    lrs_find_callbacks cb = {quad_step, NULL, quad_reset, &q};
    lrs_find_options o;
    lrs_find_options_default(&o);
    o.verify_steps = 20;
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    assert_int_equal(r.n_candidates, 3);
    int best = 0;
    for (int i = 1; i < 3; i++) {
        assert_true(r.candidates[i].lr > r.candidates[i - 1].lr);
        if (fabs(1 - 2.0 * r.candidates[i].lr) < fabs(1 - 2.0 * r.candidates[best].lr))
            best = i;
    }
    for (int i = 0; i < 3; i++)
        if (i != best)
            assert_true(r.candidates[best].loss < r.candidates[i].loss);
    assert_near(r.suggest[LRS_SUGGEST_AUTO].lr, r.candidates[best].lr, 0);
    assert_near(r.candidates[1].lr, r.consensus, 0);
    lrs_find_result_free(&r);
}

/* The sweep follows valley_curve; after it (the first reset) a step at lr has the loss
 * lr^-p, so each candidate (3x the one below) ends 3^-p times the loss of the one below. */
typedef struct {
    curve_ctx sweep;
    double p;
    int resets;
} lead_ctx;

static int lead_step(void *ctx, double lr, double *loss)
{
    lead_ctx *l = ctx;
    if (!l->resets)
        return curve_step(&l->sweep, lr, loss);
    *loss = pow(lr, -l->p);
    return LRS_OK;
}

static int lead_reset(void *ctx)
{
    ((lead_ctx *)ctx)->resets++;
    return LRS_OK;
}

static lrs_find_result run_lead(double ratio)
{
    lead_ctx l = {{valley_curve, 0, 1, 0, 0}, -log(ratio) / log(3), 0};
    lrs_find_callbacks cb = {lead_step, NULL, lead_reset, &l};
    lrs_find_options o;
    lrs_find_options_default(&o);
    o.verify_steps = 10;
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    assert_int_equal(r.n_candidates, 3);
    assert_near(r.candidates[2].loss / r.candidates[1].loss, ratio, 1e-9);
    return r;
}

/* Short runs favour large LRs: the consensus stays unless another candidate leads by 5%. */
static void consensus_stays_unless_beaten_by_a_clear_lead(void **state)
{
    (void)state;
    lrs_find_result r = run_lead(0.97); /* 3x the consensus ends 3% lower: not enough */
    assert_near(r.suggest[LRS_SUGGEST_AUTO].lr, r.consensus, 0);
    assert_non_null(strstr(r.suggest[LRS_SUGGEST_AUTO].reason, "kept"));
    lrs_find_result_free(&r);
    r = run_lead(0.90); /* 10% lower: the larger LR wins */
    assert_near(r.suggest[LRS_SUGGEST_AUTO].lr, r.candidates[2].lr, 0);
    assert_true(r.candidates[2].lr > 2.9 * r.consensus);
    lrs_find_result_free(&r);
}

static int quad_val(void *ctx, double *loss)
{
    *loss = 10 + quad_loss(ctx);
    return LRS_OK;
}

static void val_loss_feeds_the_curve(void **state)
{
    (void)state;
    quad_ctx q = quad(1.0);
    lrs_find_callbacks cb = {quad_step, quad_val, NULL, &q};
    lrs_find_options o = no_verify();
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_OK);
    for (int i = 0; i < r.n; i++)
        assert_true(r.loss[i] >= 10);
    lrs_find_result_free(&r);
}

static void bad_options_and_budget_are_refused(void **state)
{
    (void)state;
    quad_ctx q = quad(1.0);
    lrs_find_callbacks cb = {quad_step, NULL, quad_reset, &q};
    lrs_find_options o;
    lrs_find_options_default(&o);
    o.verify_steps = 200; /* 100 + 3 x 200 > 560 */
    lrs_find_result r;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_ERR_ARG);
    assert_string_equal(lrs_errmsg(), "lrs_find: iters=100 + 3 candidates x verify_steps=200 = "
                                      "700 steps exceeds max_steps=560");
    lrs_find_result_free(&r);
    lrs_find_options_default(&o);
    cb.reset = NULL;
    assert_int_equal(lrs_find(&cb, &o, &r), LRS_ERR_ARG);
    lrs_find_result_free(&r);
    assert_int_equal(q.steps, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_valley_gives_fastais_answers),
        cmocka_unit_test(curve_that_never_falls_has_no_answer),
        cmocka_unit_test(curve_that_diverges_at_once_has_no_answer),
        cmocka_unit_test(noisy_curve_lands_near_the_truth),
        cmocka_unit_test(divergence_stops_the_sweep_early),
        cmocka_unit_test(reset_restores_the_snapshot_around_each_run),
        cmocka_unit_test(verification_keeps_the_candidate_that_trains_best),
        cmocka_unit_test(consensus_stays_unless_beaten_by_a_clear_lead),
        cmocka_unit_test(val_loss_feeds_the_curve),
        cmocka_unit_test(bad_options_and_budget_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
