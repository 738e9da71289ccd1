/* lrscope tune --show: the study's leaderboard, best first, with pruned trials and why. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_tune.h"

void tune_row(const lrs_trial_info *t, int rank, tune_column out[TUNE_COLUMNS])
{
    const tune_column row[TUNE_COLUMNS] = {
        {"rank", rank, NULL},     {"trial", t->id, NULL},         {"status", 0, lrs_trial_status_name(t->status)},
        {"value", t->value, NULL}, {"score", t->score, NULL},     {"epochs", t->epochs, NULL},
        {"params", 0, t->params}, {"reason", 0, t->reason},
    };
    memcpy(out, row, sizeof row);
}

/* {"lr": 0.01, "optimizer": "adam"}: ranges as numbers, choices as strings. */
static void json_params(const lrs_space *s, const char *text)
{
    lrs_point p;
    fputc('{', stdout);
    if (lrs_point_parse(s, text, &p) == LRS_OK)
        for (int i = 0; i < lrs_space_size(s); i++) {
            char v[256];
            printf("%s", i ? ", " : "");
            json_string(stdout, lrs_space_name(s, i));
            fputs(": ", stdout);
            if (lrs_space_kind(s, i) == LRS_PARAM_CHOICE && lrs_point_value(s, &p, i, v, sizeof v) == LRS_OK)
                json_string(stdout, v);
            else
                json_double(stdout, p.x[i]);
        }
    fputc('}', stdout);
}

static void show_json(const lrs_space *s, const lrs_trial_info *t, int n)
{
    fputs("{\"best\": ", stdout);
    if (n > 0 && !isnan(t[0].value)) {
        printf("{\"trial\": %d, \"value\": ", t[0].id);
        json_double(stdout, t[0].value);
        fputs(", \"params\": ", stdout);
        json_params(s, t[0].params);
        fputc('}', stdout);
    } else {
        fputs("null", stdout);
    }
    fputs(", \"trials\": [", stdout);
    for (int i = 0; i < n; i++) {
        tune_column c[TUNE_COLUMNS];
        tune_row(&t[i], i + 1, c);
        fputs(i ? ",\n  {" : "\n  {", stdout);
        for (int k = 1; k < TUNE_COLUMNS; k++) { /* the order is the rank */
            printf("%s\"%s\": ", k > 1 ? ", " : "", c[k].name);
            if (!strcmp(c[k].name, "params"))
                json_params(s, c[k].text);
            else if (c[k].text)
                json_string(stdout, c[k].text);
            else if (isnan(c[k].number))
                fputs("null", stdout);
            else
                json_double(stdout, c[k].number);
        }
        fputc('}', stdout);
    }
    fputs("\n]}\n", stdout);
}

static void show_text(lrs_study *st, const lrs_trial_info *t, int n)
{
    int count[4] = {0};
    for (int i = 0; i < n; i++)
        count[t[i].status]++;
    printf("%d trials: %d complete, %d pruned, %d failed, %d running; %.4g epochs spent\n", n, count[LRS_TRIAL_COMPLETE],
           count[LRS_TRIAL_PRUNED], count[LRS_TRIAL_FAILED], count[LRS_TRIAL_RUNNING], lrs_study_spent(st));
    printf("%4s %5s %-8s %8s %6s  %s\n", "rank", "trial", "status", "value", "epochs", "params / reason");
    for (int i = 0; i < n; i++) {
        printf("%4d %5d %-8s %8.4f %6.3g  %s\n", i + 1, t[i].id, lrs_trial_status_name(t[i].status), t[i].value,
               t[i].epochs, t[i].params);
        if (t[i].reason[0])
            printf("%27s %s\n", "", t[i].reason);
    }
}

int tune_show(lrs_study *st, int json)
{
    lrs_trial_info *t;
    int n;
    if (lrs_study_trials(st, &t, &n) != LRS_OK)
        return cli_error(CLI_FAILED, "tune: %s", lrs_errmsg());
    if (json)
        show_json(lrs_study_space(st), t, n);
    else
        show_text(st, t, n);
    free(t);
    return CLI_OK;
}
