/* Running the range test on a trainer (lrscope find, lrscope train --lr auto): the
 * callbacks lrs_find drives, a snapshot of the whole trainer state, progress. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_find.h"

typedef struct {
    lrs_trainer *t;
    void *snapshot;
    size_t size;
    int progress, steps, max_steps;
} find_ctx;

/* A live line on stderr, redrawn every few steps (a step takes about a millisecond). */
static void draw_progress(const find_ctx *f, double lr, double loss)
{
    if (f->steps % 16 && f->steps < f->max_steps)
        return;
    fprintf(stderr, "\rrange test: step %d/%d lr %.3g loss %.4g   ", f->steps, f->max_steps, lr, loss);
    fflush(stderr);
}

static int find_step(void *ctx, double lr, double *loss)
{
    find_ctx *f = ctx;
    int rc = lrs_trainer_step_at(f->t, lr, loss);
    if (rc == LRS_ERR_NUMERIC) { /* a NaN ends the sweep (or a candidate) like a divergence */
        *loss = NAN;
        rc = LRS_OK;
    }
    f->steps++;
    if (f->progress)
        draw_progress(f, lr, *loss);
    return rc;
}

static int find_reset(void *ctx)
{
    find_ctx *f = ctx;
    return lrs_trainer_state_load(f->t, f->snapshot, f->size);
}

int find_run(lrs_trainer *t, const lrs_find_options *o, int progress, lrs_find_result *res)
{
    lrs_find_options defaults;
    lrs_find_options_default(&defaults);
    o = o ? o : &defaults;
    find_ctx f = {t, NULL, lrs_trainer_state_size(t), progress, 0,
                  o->iters + (o->verify ? o->candidates * o->verify_steps : 0)};
    memset(res, 0, sizeof *res);
    if (!(f.snapshot = malloc(f.size)))
        return LRS_ERR_NOMEM;
    lrs_find_callbacks cb = {find_step, NULL, find_reset, &f};
    int rc = lrs_trainer_state_save(t, f.snapshot, f.size);
    if (rc == LRS_OK && (rc = lrs_find(&cb, o, res)) != LRS_OK)
        find_reset(&f); /* the weights may be half-way through a run: put them back */
    if (progress)
        fputs("\r\033[K", stderr);
    free(f.snapshot);
    return rc;
}

/* ---- lrscope train --lr auto ---- */

int lr_auto_parse_flag(lr_auto_args *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    if (cli_is_flag(arg, "--lr")) {
        const char *value = arg[4] == '=' ? arg + 5 : *i + 1 < argc ? argv[*i + 1] : NULL;
        if (!value || strcmp(value, "auto"))
            return 1; /* a number: train's */
        cli_flag_value("train", argc, argv, i, "--lr");
        a->on = 1;
        return 0;
    }
    if (!cli_is_flag(arg, "--lr-fallback"))
        return 1;
    const char *value = cli_flag_value("train", argc, argv, i, "--lr-fallback");
    if (!value || cli_parse_double("--lr-fallback", value, &a->fallback))
        return CLI_USAGE;
    if (!(a->fallback > 0) || !isfinite(a->fallback))
        return cli_error(CLI_USAGE, "--lr-fallback: expected a positive learning rate, got %s", value);
    return 0;
}

static void print_choice(const lrs_find_result *res, double lr, int json)
{
    const lrs_suggestion *s = &res->suggest[LRS_SUGGEST_AUTO];
    if (!json) {
        fprintf(stderr, "lrscope: range test (%d steps): lr %.3g, %s\n", res->steps_used, lr,
                s->ok ? s->reason : "the --lr-fallback");
        return;
    }
    fputs("{\"event\":\"find\",\"lr\":", stdout);
    json_double(stdout, lr);
    printf(",\"suggested\":%s,\"steps\":%d,\"reason\":", s->ok ? "true" : "false", res->steps_used);
    json_string(stdout, s->reason);
    fputs("}\n", stdout);
    fflush(stdout);
}

int lr_auto_apply(const lr_auto_args *a, lrs_trainer *t, const char *logdir, int json)
{
    if (!a->on)
        return a->fallback > 0 ? cli_error(CLI_USAGE, "--lr-fallback: only with --lr auto") : 0;
    if (lrs_trainer_step_count(t) > 0)
        return cli_error(CLI_USAGE, "--lr auto: not with --resume (a resumed run keeps its LR)");
    lrs_find_result res;
    int rc = find_run(t, NULL, cli_is_tty(stderr) && !json, &res), status = 0;
    const lrs_suggestion *s = &res.suggest[LRS_SUGGEST_AUTO];
    if (rc != LRS_OK)
        status = cli_error(CLI_FAILED, "--lr auto: %s", lrs_errmsg());
    else if (logdir)
        status = find_log(logdir, NULL, &res);
    if (!status && !s->ok && !(a->fallback > 0))
        status = cli_error(CLI_FAILED, "--lr auto: %s; %s, or give --lr-fallback X", s->reason,
                           find_hint(&res));
    double lr = s->ok ? s->lr : a->fallback;
    if (!status && !s->ok)
        cli_warn("--lr auto: %s; training with --lr-fallback %g", s->reason, lr);
    if (!status && lrs_trainer_set_base_lr(t, lr) != LRS_OK)
        status = cli_error(CLI_FAILED, "--lr auto: %s", lrs_errmsg());
    if (!status)
        print_choice(&res, lr, json);
    lrs_find_result_free(&res);
    return status;
}
