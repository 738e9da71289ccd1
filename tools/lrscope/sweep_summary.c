/* A run's summary for the sweep comparison (lrs_sweep in lib/signs). */
#define _GNU_SOURCE /* strcasestr */
#include "sweep_summary.h"

#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether an hparam name is the LR ("lr", "learning_rate", "base_lr", "max_lr", ...):
 * the value compared, not a setting. */
static int names_lr(const char *name)
{
    size_t n = strlen(name);
    return (n >= 2 && !strcasecmp(name + n - 2, "lr") && (n == 2 || !isalpha((unsigned char)name[n - 3]))) ||
           (n >= 13 && !strcasecmp(name + n - 13, "learning_rate"));
}

/* Seeds vary within a sweep without making runs incomparable. */
static int names_seed(const char *name)
{
    return strcasestr(name, "seed") != NULL;
}

/* "name=value;..." of every hparam but the LR and seeds (sorted by name already); the LR
 * hparam's value into *lr. Returns 0 when it does not fit. */
static int write_settings(const lrs_hparams *h, char *out, size_t cap, double *lr)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lrs_hparams_count(h); i++) {
        const lrs_hparam *p = lrs_hparams_at(h, i);
        if (names_lr(p->name)) {
            if (p->kind == LRS_HPARAM_NUMBER && isnan(*lr)) *lr = p->number;
            continue;
        }
        if (names_seed(p->name)) continue;
        int len = p->kind == LRS_HPARAM_STRING ? snprintf(out + used, cap - used, "%s=%s;", p->name, p->string)
                  : p->kind == LRS_HPARAM_BOOL ? snprintf(out + used, cap - used, "%s=%d;", p->name, p->boolean)
                                               : snprintf(out + used, cap - used, "%s=%.17g;", p->name, p->number);
        if (len < 0 || (size_t)len >= cap - used) return 0;
        used += (size_t)len;
    }
    return 1;
}

/* The median of the finite values among the last `last` points of s, NaN if none;
 * *from gets the step of the first of them. */
static double final_median(const lrs_series *s, size_t last, int64_t *from)
{
    size_t n = lrs_series_len(s), k = 0;
    if (!n) return NAN;
    if (last > n) last = n;
    const lrs_scalar *p = lrs_series_scalars(s) + (n - last);
    double *v = malloc(last * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < last; i++)
        if (isfinite(p[i].value)) v[k++] = p[i].value;
    if (from) *from = p[0].step;
    double m = lrs_signs_median(v, k);
    free(v);
    return m;
}

static double series_peak(const lrs_series *s)
{
    double peak = NAN;
    const lrs_scalar *p = lrs_series_scalars(s);
    for (size_t i = 0; i < lrs_series_len(s); i++)
        if (isfinite(p[i].value) && !(peak >= p[i].value)) peak = p[i].value;
    return peak;
}

int sweep_summary(const lrs_run *hp_run, const run_series *rs, const char *name, lrs_sweep_run *out,
                  char *settings, size_t cap)
{
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    lrs_hparams *h = NULL;
    if (!loss || !lrs_series_len(loss)) return 0;
    if (lrs_run_hparams(hp_run, &h) != LRS_OK) { /* damaged: said, and the run judged alone */
        cli_warn("%s; %s is not compared with other runs", lrs_errmsg(), name);
        return 0;
    }
    if (!h) return 0;
    double lr = rs->role[LRS_ROLE_LR] ? series_peak(rs->role[LRS_ROLE_LR]) : NAN;
    int fits = write_settings(h, settings, cap, &lr);
    lrs_hparams_free(h);
    if (!fits) return 0;
    size_t n = lrs_series_len(loss);
    *out = (lrs_sweep_run){.name = name, .settings = settings, .tag = lrs_series_tag(loss), .lr = lr,
                           .val_loss = NAN, .end_step = lrs_series_scalars(loss)[n - 1].step};
    /* the last tenth of the run: long enough that minibatch noise averages out */
    out->loss = final_median(loss, n / 10 > 0 ? n / 10 : 1, &out->end_start);
    if (rs->role[LRS_ROLE_VAL_LOSS]) out->val_loss = final_median(rs->role[LRS_ROLE_VAL_LOSS], 3, NULL);
    return isfinite(out->lr) && out->lr > 0 && isfinite(out->loss);
}
