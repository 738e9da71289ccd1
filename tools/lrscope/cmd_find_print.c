/* What lrscope find prints: the answer for people (with a text chart on a terminal) or
 * one JSON object, and what to try when there is no answer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_find.h"

static void json_lr(FILE *f, const lrs_suggestion *s)
{
    if (s->ok)
        json_double(f, s->lr);
    else
        fputs("null", f);
}

static void json_methods(FILE *f, const lrs_find_result *res, int reasons)
{
    static const int order[] = {LRS_SUGGEST_AUTO, LRS_SUGGEST_VALLEY, LRS_SUGGEST_STEEP,
                                LRS_SUGGEST_MINIMUM};
    fputc('{', f);
    for (int k = 0; k < LRS_SUGGEST_COUNT; k++) {
        const lrs_suggestion *s = &res->suggest[order[k]];
        fprintf(f, "%s\"%s\":", k ? "," : "", lrs_suggestion_name(order[k]));
        if (reasons)
            json_string(f, s->reason);
        else
            json_lr(f, s);
    }
    fputc('}', f);
}

static void json_verification(FILE *f, const lrs_find_result *res)
{
    fputc('[', f);
    for (int i = 0; i < res->n_candidates; i++) {
        const lrs_find_candidate *c = &res->candidates[i];
        fputs(i ? ",{\"lr\":" : "{\"lr\":", f);
        json_double(f, c->lr);
        fputs(",\"loss\":", f);
        json_double(f, c->loss);
        fprintf(f, ",\"steps\":%d,\"diverged\":%s}", c->steps, c->diverged ? "true" : "false");
    }
    fputc(']', f);
}

static void json_curve(FILE *f, const lrs_find_result *res)
{
    fputc('[', f);
    for (int i = 0; i < res->n; i++) {
        fputs(i ? ",[" : "[", f);
        json_double(f, res->lr[i]);
        fputc(',', f);
        json_double(f, res->loss[i]);
        fputc(',', f);
        json_double(f, res->smooth[i]);
        fputc(']', f);
    }
    fputc(']', f);
}

void find_print_json(FILE *f, const lrs_find_result *res, int method)
{
    const lrs_suggestion *s = &res->suggest[method];
    fputs("{\"suggested_lr\":", f);
    json_lr(f, s);
    fprintf(f, ",\"method\":\"%s\"", lrs_suggestion_name(method));
    if (!s->ok) {
        char why[512];
        snprintf(why, sizeof why, "%s; %s", s->reason, find_hint(res));
        fputs(",\"reason\":", f);
        json_string(f, why);
    }
    fputs(",\"suggestions\":", f);
    json_methods(f, res, 0);
    fputs(",\"reasons\":", f);
    json_methods(f, res, 1);
    fprintf(f, ",\"iterations\":%d,\"stopped_early\":%s,\"steps\":%d,\"consensus\":", res->n,
            res->stopped_early ? "true" : "false", res->steps_used);
    json_double(f, res->consensus);
    fputs(",\"verification\":", f);
    json_verification(f, res);
    fputs(",\"curve\":", f);
    json_curve(f, res);
    fputs("}\n", f);
}

static void print_chart(FILE *f, const lrs_find_result *res)
{
    lrs_plot *p = NULL;
    char *text = NULL;
    const char *lang = getenv("LANG");
    int unicode = lang && (strstr(lang, "UTF-8") || strstr(lang, "utf8"));
    if (find_plot(res, &p) == LRS_OK && lrs_plot_ascii(p, 72, 16, unicode, &text) == LRS_OK)
        fputs(text, f);
    free(text);
    lrs_plot_free(p);
}

void find_print_human(FILE *f, const lrs_find_result *res, int method, int chart)
{
    if (chart)
        print_chart(f, res);
    const lrs_suggestion *s = &res->suggest[method];
    if (s->ok)
        fprintf(f, "suggested lr %.3g (%s): %s\n", s->lr, lrs_suggestion_name(method), s->reason);
    else
        fprintf(f, "no suggestion (%s): %s; %s\n", lrs_suggestion_name(method), s->reason,
                find_hint(res));
    for (int m = 0; m < LRS_SUGGEST_COUNT; m++) {
        const lrs_suggestion *o = &res->suggest[m];
        char lr[32] = "-";
        if (o->ok)
            snprintf(lr, sizeof lr, "%.3g", o->lr);
        if (m != method)
            fprintf(f, "  %-8s %-9s %s\n", lrs_suggestion_name(m), lr, o->ok ? o->reason : "no answer");
    }
    fprintf(f, "%d sweep iterations%s, %d training steps in all\n", res->n,
            res->stopped_early ? " (stopped early: the loss diverged)" : "", res->steps_used);
}

const char *find_hint(const lrs_find_result *res)
{
    if (res->suggest[LRS_SUGGEST_MINIMUM].ok)
        return "every candidate diverged when trained on: try a smaller --end or a longer sweep "
               "(--iters)";
    if (res->stopped_early && res->n < res->iters / 2)
        return "the loss blew up early in the sweep: try a smaller --start and --end";
    return "the loss did not fall enough between --start and --end: try a wider range (a larger "
           "--end) or more --iters";
}
