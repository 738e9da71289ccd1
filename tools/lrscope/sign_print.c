#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "sign_print.h"

#include <fnmatch.h>
#include <math.h>
#include <string.h>

#include "cli.h"

void run_series_pick(const lrs_run *run, const char *loss_glob, run_series *out)
{
    int best[LRS_ROLE_COUNT] = {0};
    *out = (run_series){{NULL}};
    for (size_t i = 0; i < lrs_run_series_count(run); i++) {
        const lrs_series *s = lrs_run_series(run, i);
        if (lrs_series_kind(s) != LRS_KIND_SCALAR) continue;
        const char *tag = lrs_series_tag(s);
        if (loss_glob && !out->role[LRS_ROLE_LOSS] && !fnmatch(loss_glob, tag, FNM_CASEFOLD)) {
            out->role[LRS_ROLE_LOSS] = s;
            best[LRS_ROLE_LOSS] = 1 << 30;
            continue;
        }
        lrs_role role;
        int score = lrs_signs_classify_tag(tag, &role);
        if (!score || (loss_glob && role == LRS_ROLE_LOSS)) continue; /* a glob alone picks the loss */
        if (score > best[role]) { /* ties: the first tag in sorted order */
            best[role] = score;
            out->role[role] = s;
        }
    }
}

/* At one step the LR comes first (the loss judgements read it), the val loss last
 * (it is compared with the training loss up to its step). */
static const lrs_role feed_order[LRS_ROLE_COUNT] = {LRS_ROLE_LR, LRS_ROLE_GRAD_NORM, LRS_ROLE_LOSS,
                                                    LRS_ROLE_VAL_LOSS};

void run_series_feed(lrs_monitor *m, const run_series *rs, size_t from[LRS_ROLE_COUNT])
{
    for (;;) {
        int pick = -1;
        int64_t pick_step = 0;
        for (int k = 0; k < LRS_ROLE_COUNT; k++) {
            lrs_role r = feed_order[k];
            const lrs_series *s = rs->role[r];
            if (!s || from[r] >= lrs_series_len(s)) continue;
            int64_t step = lrs_series_scalars(s)[from[r]].step;
            if (pick < 0 || step < pick_step) pick = (int)r, pick_step = step;
        }
        if (pick < 0) return;
        const lrs_scalar *p = &lrs_series_scalars(rs->role[pick])[from[pick]++];
        lrs_monitor_feed(m, (lrs_role)pick, p->step, p->value);
    }
}

int64_t run_series_points_at(const lrs_series *s, int64_t total_steps)
{
    size_t len = lrs_series_len(s);
    const lrs_scalar *p = lrs_series_scalars(s);
    if (len < 2 || total_steps <= p[len - 1].step) return (int64_t)len;
    double gap = (double)(p[len - 1].step - p[0].step) / (double)(len - 1);
    return gap > 0 ? (int64_t)((double)(total_steps - p[0].step) / gap) + 1 : (int64_t)len;
}

void sign_print_json(FILE *f, const char *run, const lrs_sign *s)
{
    fputc('{', f);
    if (run) {
        fputs("\"run\": ", f);
        json_string(f, run);
        fputs(", ", f);
    }
    fprintf(f, "\"kind\": \"%s\", \"tag\": ", lrs_sign_kind_name(s->kind));
    json_string(f, s->tag);
    fprintf(f, ", \"severity\": \"%s\", \"start_step\": %lld, \"end_step\": %lld, \"message\": ",
            lrs_severity_name(s->severity), (long long)s->start_step, (long long)s->end_step);
    json_string(f, s->message);
    fprintf(f, ", \"suggestion\": {\"action\": \"%s\", \"factor\": ", lrs_action_name(s->action));
    if (isnan(s->factor)) fputs("null", f);
    else json_double(f, s->factor);
    fputs("}}", f);
}

void sparkline(FILE *f, const lrs_series *s, int64_t start, int64_t end, int width)
{
    static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    const lrs_scalar *p = lrs_series_scalars(s);
    size_t n = lrs_series_len(s), lo = 0, hi = 0;
    while (lo < n && p[lo].step < start) lo++;
    hi = lo;
    while (hi < n && p[hi].step <= end) hi++;
    lo = hi - lo < 8 ? (hi >= 8 ? hi - 8 : 0) : lo; /* a one-step sign still shows its context */
    if (hi <= lo) return;
    double min = INFINITY, max = -INFINITY;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(p[i].value)) min = fmin(min, p[i].value), max = fmax(max, p[i].value);
    size_t count = hi - lo, cols = count < (size_t)width ? count : (size_t)width;
    for (size_t c = 0; c < cols; c++) {
        size_t a = lo + c * count / cols, b = lo + (c + 1) * count / cols;
        double v = -INFINITY;
        int non_finite = 0;
        for (size_t i = a; i < b; i++) {
            if (isfinite(p[i].value)) v = fmax(v, p[i].value);
            else non_finite = 1;
        }
        if (non_finite) fputs("!", f);
        else fputs(bars[max > min ? (int)(7.999 * (v - min) / (max - min)) : 0], f);
    }
}

void sign_print_suggestion(FILE *f, const lrs_sign *s)
{
    switch (s->action) {
    case LRS_ACTION_REDUCE_LR: fprintf(f, "reduce the LR x%g", s->factor); break;
    case LRS_ACTION_RAISE_LR: fprintf(f, "raise the LR x%g", s->factor); break;
    case LRS_ACTION_STOP: fputs("stop the run", f); break;
    default: fputs("none", f); break;
    }
}

void sign_print_human(FILE *f, const lrs_sign *s, const lrs_series *series)
{
    fprintf(f, "  %-8s %s on %s, steps %lld..%lld: %s\n", lrs_severity_name(s->severity),
            lrs_sign_kind_name(s->kind), s->tag, (long long)s->start_step, (long long)s->end_step,
            s->message);
    fputs("           ", f);
    if (series) {
        sparkline(f, series, s->start_step, s->end_step, 40);
        fputs("  ", f);
    }
    fputs("suggestion: ", f);
    sign_print_suggestion(f, s);
    fputc('\n', f);
}

int signs_set_flag(const char *cmd, const char *assignment, lrs_signs_options *opt)
{
    if (lrs_signs_options_set(opt, assignment) != LRS_OK)
        return cli_error(SIGNS_EXIT_UNREADABLE, "%s: --set: %s", cmd, lrs_errmsg());
    return 0;
}

void signs_print_options(FILE *f, const lrs_signs_options *opt)
{
    for (size_t i = 0; i < lrs_signs_option_count(); i++)
        fprintf(f, "%-28s %.15g\n", lrs_signs_option_name(i), lrs_signs_option_value(opt, i));
}

static int same_sign(const lrs_sign *a, const lrs_sign *b)
{
    return a->kind == b->kind && a->severity == b->severity && !strcmp(a->tag, b->tag);
}

int sign_repeats_earlier(const lrs_sign *signs, int i)
{
    for (int k = 0; k < i; k++)
        if (same_sign(&signs[k], &signs[i])) return 1;
    return 0;
}

int sign_repeats_after(const lrs_sign *signs, int n, int i, int64_t *from, int64_t *to)
{
    int more = 0;
    for (int k = i + 1; k < n; k++) {
        if (!same_sign(&signs[i], &signs[k])) continue;
        if (!more++ || signs[k].start_step < *from) *from = signs[k].start_step;
        if (more == 1 || signs[k].end_step > *to) *to = signs[k].end_step;
    }
    return more;
}
