/* own_loop: your own C training loop with lrscope's pieces around it.
 *
 * The model is ours, not lrscope's: logistic regression on synthetic data (20 features,
 * labels from a hidden linear rule with noise), trained by minibatch SGD. lrscope gives
 *   - the LR of each step, from a schedule spec (warm-up then cosine, like PyTorch's),
 *   - a TensorBoard log (train/loss, train/lr, test/accuracy; signs/log for what we did),
 *   - online warning signs on the loss, to which the loop reacts like a person would:
 *     on divergence it goes back to the best weights seen and divides the LR by 10.
 *
 *   own_loop LOGDIR [BASE_LR]     (BASE_LR 0.5 trains well; 300 diverges and recovers)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lrscope/lrscope.h>

enum { FEATURES = 20, TRAIN = 4000, TEST = 1000, BATCH = 64, STEPS = 600 };

static float x_all[TRAIN + TEST][FEATURES]; /* [examples, features] */
static float y_all[TRAIN + TEST];           /* 0 or 1 */

static double uniform(uint64_t *s) /* xorshift64*, in (0, 1) */
{
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return ((*s * 2685821657736338717ULL) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}

static double normal(uint64_t *s)
{
    return sqrt(-2 * log(uniform(s))) * cos(2 * M_PI * uniform(s));
}

/* Labels from a hidden rule w_true . x + noise > 0. */
static void make_data(uint64_t seed)
{
    double w_true[FEATURES];
    for (int j = 0; j < FEATURES; j++) w_true[j] = normal(&seed);
    for (int i = 0; i < TRAIN + TEST; i++) {
        double z = 0;
        for (int j = 0; j < FEATURES; j++) z += w_true[j] * (x_all[i][j] = (float)normal(&seed));
        y_all[i] = z + 1.5 * normal(&seed) > 0;
    }
}

/* Mean cross-entropy of examples [first, first+n) under w[FEATURES+1] (bias last); adds
 * its gradient to grad when grad is not NULL; *correct counts right answers. */
static double loss_and_grad(const double *w, int first, int n, double *grad, int *correct)
{
    double loss = 0;
    *correct = 0;
    for (int i = first; i < first + n; i++) {
        double z = w[FEATURES];
        for (int j = 0; j < FEATURES; j++) z += w[j] * x_all[i][j];
        double y = y_all[i], p = 1 / (1 + exp(-z));
        loss += fmax(z, 0) + log1p(exp(-fabs(z))) - y * z; /* softplus(z) - y z, stable */
        *correct += (z > 0) == (y > 0.5);
        if (!grad) continue;
        for (int j = 0; j < FEATURES; j++) grad[j] += (p - y) * x_all[i][j] / n;
        grad[FEATURES] += (p - y) / n;
    }
    return loss / n;
}

/* A sign came: print it, log it, act on it. Returns 1 to stop the run. */
static int react(const lrs_sign *s, int step, lrs_writer *log, double *lr_scale, double *w,
                 const double *best_w)
{
    char line[800];
    int stop = s->action == LRS_ACTION_STOP;
    if (s->kind == LRS_SIGN_DIVERGENCE) {
        memcpy(w, best_w, (FEATURES + 1) * sizeof *w);
        *lr_scale *= s->factor;
    }
    snprintf(line, sizeof line, "step %d: %s %s: %s -> %s", step, lrs_severity_name(s->severity),
             lrs_sign_kind_name(s->kind), s->message,
             s->kind == LRS_SIGN_DIVERGENCE ? "back to the best weights, LR x0.1"
             : stop ? "stopping" : "noted");
    printf("%s\n", line);
    lrs_writer_add_text(log, "signs/log", step, line);
    return stop;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: own_loop LOGDIR [BASE_LR]\n");
        return 2;
    }
    double base_lr = argc > 2 ? atof(argv[2]) : 0.5, lr_scale = 1;
    lrs_writer *log = NULL;
    lrs_schedule *sched = NULL;
    lrs_monitor *monitor = NULL;
    if (lrs_writer_open(&log, argv[1], NULL) != LRS_OK ||
        lrs_schedule_parse(&sched, "linear:start=0.1,steps=30 then@30 cosine:T=570", base_lr) != LRS_OK ||
        lrs_monitor_open(&monitor, NULL) != LRS_OK) {
        fprintf(stderr, "own_loop: %s\n", lrs_errmsg());
        return 1;
    }
    make_data(42);
    double w[FEATURES + 1] = {0}, best_w[FEATURES + 1] = {0}, grad[FEATURES + 1];
    double best_loss = INFINITY, smooth = NAN;
    int correct, stopped = 0;
    for (int step = 0; step < STEPS && !stopped; step++) {
        double lr, momentum;
        lrs_schedule_get(sched, &lr, &momentum);
        lr *= lr_scale;
        memset(grad, 0, sizeof grad);
        int first = (step * BATCH) % TRAIN;
        double loss = loss_and_grad(w, first, BATCH, grad, &correct);
        for (int j = 0; j <= FEATURES; j++) w[j] -= lr * grad[j];
        lrs_schedule_step(sched);

        /* The best weights by a smoothed loss: where a divergence sends us back to. */
        smooth = isnan(smooth) ? loss : 0.9 * smooth + 0.1 * loss;
        if (smooth < best_loss) best_loss = smooth, memcpy(best_w, w, sizeof w);

        lrs_writer_add_scalar(log, "train/loss", step, loss);
        lrs_writer_add_scalar(log, "train/lr", step, lr);
        lrs_monitor_feed(monitor, LRS_ROLE_LR, step, lr);
        lrs_monitor_feed(monitor, LRS_ROLE_LOSS, step, loss);
        lrs_sign s;
        while (lrs_monitor_next_sign(monitor, &s))
            stopped |= react(&s, step, log, &lr_scale, w, best_w);
    }
    double test_loss = loss_and_grad(w, TRAIN, TEST, NULL, &correct);
    lrs_writer_add_scalar(log, "test/accuracy", STEPS - 1, (double)correct / TEST);
    printf("done: test loss %.4f, test accuracy %.4f, LR scale %g\n", test_loss,
           (double)correct / TEST, lr_scale);
    lrs_monitor_close(monitor);
    lrs_schedule_free(sched);
    return lrs_writer_close(log) == LRS_OK && !stopped ? 0 : 1;
}
