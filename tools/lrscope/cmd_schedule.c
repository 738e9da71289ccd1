/* lrscope schedule SPEC --lr BASE --steps N [--metrics FILE] [--json]: the LR (and the
 * momentum, where the schedule sets it) at each step, in full double precision. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lr.h"

static const char usage_text[] =
    "usage: lrscope schedule SPEC --lr BASE --steps N [--metrics FILE] [--json]\n"
    "  prints 'step lr [momentum]' per step; SPEC as in README (e.g. 'cosine:T=100')\n"
    "  --metrics FILE  one metric per line for plateau: line i is the LR after metric i\n"
    "                  (--steps defaults to the number of metrics)\n";

typedef struct {
    const char *spec;
    double base_lr;
    int64_t steps;      /* -1: not given */
    const char *metrics_path;
    int json;
} schedule_args;

static int parse_args(int argc, char **argv, schedule_args *a)
{
    *a = (schedule_args){NULL, NAN, -1, NULL, 0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--lr") || !strcmp(arg, "--steps") || !strcmp(arg, "--metrics")) {
            if (!has_value)
                return cli_error(CLI_USAGE, "schedule: %s needs a value", arg);
            const char *v = argv[++i];
            int rc = 0;
            if (!strcmp(arg, "--lr"))
                rc = cli_parse_double("--lr", v, &a->base_lr);
            else if (!strcmp(arg, "--steps"))
                rc = cli_parse_int64("--steps", v, 1, 100000000, &a->steps);
            else
                a->metrics_path = v;
            if (rc)
                return rc;
        } else if (arg[0] == '-' && arg[1] == '-') {
            return cli_error(CLI_USAGE, "schedule: unknown flag '%s' (see --help)", arg);
        } else if (a->spec) {
            return cli_error(CLI_USAGE, "schedule: one SPEC expected, got '%s' and '%s' (quote a "
                                        "sequence: 'a then@N b')", a->spec, arg);
        } else {
            a->spec = arg;
        }
    }
    if (!a->spec)
        return cli_error(CLI_USAGE, "schedule: SPEC is missing (e.g. 'cosine:T=100')");
    if (isnan(a->base_lr) || !(a->base_lr > 0))
        return cli_error(CLI_USAGE, "schedule: --lr expects the positive base LR");
    if (a->steps < 0 && !a->metrics_path)
        return cli_error(CLI_USAGE, "schedule: --steps is missing (how many steps to print)");
    return 0;
}

/* Reads one number per line; *out is malloc'ed. */
static int read_metrics(const char *path, double **out, int64_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_error(CLI_USAGE, "--metrics %s: %s", path, strerror(errno));
    size_t cap = 256, count = 0;
    double *v = malloc(cap * sizeof *v);
    char line[256];
    int rc = v ? 0 : cli_error(CLI_FAILED, "--metrics %s: out of memory", path);
    for (int lineno = 1; !rc && fgets(line, sizeof line, f); lineno++) {
        line[strcspn(line, "\r\n")] = '\0';
        char *end;
        double x = strtod(line, &end);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end == line || *end) {
            rc = cli_error(CLI_USAGE, "--metrics %s:%d: expected one number, got '%s'", path,
                           lineno, line);
            break;
        }
        if (cli_grow((void **)&v, &cap, count + 1, sizeof *v)) {
            rc = cli_error(CLI_FAILED, "--metrics %s: out of memory", path);
            break;
        }
        v[count++] = x;
    }
    fclose(f);
    if (!rc && count == 0)
        rc = cli_error(CLI_USAGE, "--metrics %s: no metrics in the file", path);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = (int64_t)count;
    return 0;
}

static void print_step(const schedule_args *a, int64_t i, double lr, double mom, int with_mom)
{
    char num[32];
    if (a->json) {
        printf("%s{\"step\": %" PRId64 ", \"lr\": ", i ? ", " : "", i);
        json_double(stdout, lr);
        if (with_mom) {
            fputs(", \"momentum\": ", stdout);
            json_double(stdout, mom);
        }
        fputc('}', stdout);
        return;
    }
    printf("%" PRId64 " %s", i, cli_format_double(num, lr));
    if (with_mom)
        printf(" %s", cli_format_double(num, mom));
    fputc('\n', stdout);
}

/* Line i: the LR for step i, or with metrics, the LR after step(metric i). */
static int print_schedule(const schedule_args *a, lrs_schedule *s, const double *metrics)
{
    int with_mom = lrs_schedule_cycles_momentum(s);
    if (a->json) {
        char canonical[1024];
        if (lrs_schedule_describe(s, canonical, sizeof canonical) != LRS_OK)
            return cli_error(CLI_FAILED, "schedule: %s", lrs_errmsg());
        fputs("{\"spec\": ", stdout);
        json_string(stdout, canonical);
        fputs(", \"steps\": [", stdout);
    }
    for (int64_t i = 0; i < a->steps; i++) {
        int rc = LRS_OK;
        if (metrics)
            rc = lrs_schedule_step_metric(s, metrics[i]);
        else if (i > 0)
            rc = lrs_schedule_step(s);
        if (rc != LRS_OK)
            return cli_error(CLI_USAGE, "--steps %" PRId64 ": %s", a->steps, lrs_errmsg());
        double lr, mom;
        lrs_schedule_get(s, &lr, &mom);
        print_step(a, i, lr, mom, with_mom);
    }
    if (a->json)
        fputs("]}\n", stdout);
    return CLI_OK;
}

int cmd_schedule(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    schedule_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    lrs_schedule *s;
    if (lrs_schedule_parse(&s, a.spec, a.base_lr) != LRS_OK)
        return cli_error(CLI_USAGE, "schedule: %s", lrs_errmsg());
    double *metrics = NULL;
    if (lrs_schedule_needs_metric(s) && !a.metrics_path)
        rc = cli_error(CLI_USAGE, "schedule: --metrics FILE is needed by plateau");
    else if (!lrs_schedule_needs_metric(s) && a.metrics_path)
        rc = cli_error(CLI_USAGE, "--metrics: only schedules with plateau use metrics");
    else if (a.metrics_path) {
        int64_t n = 0;
        rc = read_metrics(a.metrics_path, &metrics, &n);
        if (!rc && a.steps < 0)
            a.steps = n;
        else if (!rc && a.steps > n)
            rc = cli_error(CLI_USAGE, "--steps %" PRId64 ": %s has only %" PRId64 " metrics",
                           a.steps, a.metrics_path, n);
    }
    if (!rc)
        rc = print_schedule(&a, s, metrics);
    free(metrics);
    lrs_schedule_free(s);
    return rc;
}
