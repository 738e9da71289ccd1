/* lrscope check LOGDIR... [--tag GLOB] [--json] [--fail-on warning|critical] [--total-steps N]
 * Runs the warning-sign detectors over every run under the logdirs; a CI step. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "report.h"

#define CHECK_MAX_SIGNS 64

typedef struct check_args {
    const char *tag_glob;
    int json;
    int markdown;
    lrs_severity fail_on;
    lrs_signs_options opt; /* the thresholds; total_steps from --total-steps */
    char **paths;
    int n_paths;
} check_args;

static const char usage[] =
    "usage: lrscope check LOGDIR... [--tag GLOB] [--json | --format human|json|markdown]\n"
    "                     [--fail-on warning|critical] [--total-steps N] [--set NAME=VALUE]...\n"
    "  LOGDIR         an event file, a run folder or a logdir tree: every run is checked\n"
    "  --tag          the loss is the first scalar tag matching this pattern (default: by\n"
    "                 name: loss, train/loss, Loss/train, train_loss, ...; never find/*)\n"
    "  --json         {\"runs\": [{\"run\", \"verdict\", \"loss_tag\", \"signs\": [...]}]}\n"
    "  --format       markdown: a heading and a table of signs per run (CI job summaries)\n"
    "  --fail-on      warning (default): exit 1 on a warning, 2 on a critical sign;\n"
    "                 critical: warnings exit 0\n"
    "  --total-steps  expected length of the runs (judges `slow` against it)\n"
    "  --set          a detector threshold, e.g. --set divergence_confirm=8 (repeatable);\n"
    "                 --options lists them all with their values\n"
    "exit: 0 ok, 1 warning, 2 critical, 3 could not read (or no run has a loss)\n";

static int parse_args(int argc, char **argv, check_args *a)
{
    *a = (check_args){.fail_on = LRS_SEVERITY_WARNING};
    lrs_signs_options_init(&a->opt);
    a->paths = calloc((size_t)argc, sizeof *a->paths);
    if (!a->paths) return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (cli_is_flag(arg, "--tag")) {
            if (!(a->tag_glob = cli_flag_value("check", argc, argv, &i, "--tag")))
                return SIGNS_EXIT_UNREADABLE;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (cli_is_flag(arg, "--format")) {
            if (!(v = cli_flag_value("check", argc, argv, &i, "--format"))) return SIGNS_EXIT_UNREADABLE;
            a->json = !strcmp(v, "json");
            a->markdown = !strcmp(v, "markdown");
            if (strcmp(v, "human") && !a->json && !a->markdown)
                return cli_error(SIGNS_EXIT_UNREADABLE,
                                 "check: --format: expected human, json or markdown, got '%s'", v);
        } else if (cli_is_flag(arg, "--fail-on")) {
            if (!(v = cli_flag_value("check", argc, argv, &i, "--fail-on")))
                return SIGNS_EXIT_UNREADABLE;
            if (!strcmp(v, "warning")) a->fail_on = LRS_SEVERITY_WARNING;
            else if (!strcmp(v, "critical")) a->fail_on = LRS_SEVERITY_CRITICAL;
            else return cli_error(SIGNS_EXIT_UNREADABLE,
                                  "check: --fail-on: expected warning or critical, got '%s'", v);
        } else if (cli_is_flag(arg, "--total-steps")) {
            if (!(v = cli_flag_value("check", argc, argv, &i, "--total-steps")) ||
                cli_parse_int64("check: --total-steps", v, 1, INT64_MAX, &a->opt.total_steps))
                return SIGNS_EXIT_UNREADABLE;
        } else if (cli_is_flag(arg, "--set")) {
            if (!(v = cli_flag_value("check", argc, argv, &i, "--set")) || signs_set_flag("check", v, &a->opt))
                return SIGNS_EXIT_UNREADABLE;
        } else if (!strcmp(arg, "--options")) {
            signs_print_options(stdout, &a->opt);
            return -1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_error(SIGNS_EXIT_UNREADABLE,
                             "check: unknown flag '%s' (see lrscope check --help)", arg);
        } else {
            a->paths[a->n_paths++] = argv[i];
        }
    }
    if (!a->n_paths)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: expected at least one LOGDIR (see lrscope check --help)");
    return 0;
}

typedef struct check_totals {
    int runs, runs_with_loss, worst; /* worst: highest severity of a sign, -1 for none */
    int printed;                     /* JSON runs printed so far (for commas) */
} check_totals;

static void print_run(const check_args *a, check_totals *t, const char *name, const run_series *rs,
                      const lrs_sign *signs, int n, int worst)
{
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    if (a->markdown) {
        check_markdown_run(stdout, name, rs, signs, n, worst);
        return;
    }
    if (a->json) {
        fputs(t->printed++ ? ",\n  {\"run\": " : "\n  {\"run\": ", stdout);
        json_string(stdout, name);
        printf(", \"verdict\": \"%s\", \"loss_tag\": ", loss ? verdict_name(worst) : "no_loss");
        if (loss) json_string(stdout, lrs_series_tag(loss));
        else fputs("null", stdout);
        fputs(", \"signs\": [", stdout);
        for (int i = 0; i < n; i++) {
            fputs(i ? ", " : "", stdout);
            sign_print_json(stdout, NULL, &signs[i]);
        }
        fputs("]}", stdout);
        return;
    }
    if (!loss) {
        printf("%s: no loss series\n", name);
        return;
    }
    printf("%s: %s (%s, %zu points, %d sign%s)\n", name, verdict_name(worst), lrs_series_tag(loss),
           lrs_series_len(loss), n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++) sign_print_human(stdout, &signs[i], rs->role[signs[i].role]);
}

/* Checks one run with m (reset here) and prints its verdict. */
static void check_run(lrs_monitor *m, const check_args *a, check_totals *t, const lrs_run *run,
                      const char *name)
{
    run_series rs;
    lrs_sign signs[CHECK_MAX_SIGNS];
    int n, worst = run_verdict(m, run, a->tag_glob, a->opt.total_steps, &rs, signs, CHECK_MAX_SIGNS, &n);
    t->runs++;
    if (rs.role[LRS_ROLE_LOSS]) t->runs_with_loss++;
    if (worst > t->worst) t->worst = worst;
    print_run(a, t, name, &rs, signs, n, worst);
}

/* Reads one logdir and checks its runs; returns 0 or SIGNS_EXIT_UNREADABLE. */
static int check_path(lrs_monitor *m, const check_args *a, check_totals *t, const char *path)
{
    lrs_reader *r;
    if (lrs_reader_open(&r, path, NULL) != LRS_OK)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    int rc = lrs_reader_poll(r, NULL);
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++)
        cli_warn("%s", lrs_reader_damage(r, i)->message);
    if (rc != LRS_OK) {
        lrs_reader_close(r);
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    }
    char name[4096];
    for (size_t i = 0; i < lrs_reader_run_count(r); i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        const char *rn = lrs_run_name(run);
        if (!strcmp(rn, ".")) snprintf(name, sizeof name, "%s", path);
        else snprintf(name, sizeof name, "%s/%s", path, rn);
        check_run(m, a, t, run, name);
    }
    lrs_reader_close(r);
    return 0;
}

int cmd_check(int argc, char **argv)
{
    check_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        free(a.paths);
        return rc < 0 ? SIGNS_EXIT_OK : rc;
    }
    lrs_monitor *m;
    if (lrs_monitor_open(&m, &a.opt) != LRS_OK) {
        free(a.paths);
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    }
    check_totals t = {.worst = -1};
    if (a.json) fputs("{\"runs\": [", stdout);
    if (a.markdown) check_markdown_begin(stdout);
    for (int i = 0; i < a.n_paths && !rc; i++) rc = check_path(m, &a, &t, a.paths[i]);
    if (a.json) fputs(t.printed ? "\n]}\n" : "]}\n", stdout);
    if (a.markdown && !rc) check_markdown_end(stdout, t.runs, t.worst);
    lrs_monitor_close(m);
    free(a.paths);
    if (rc) return rc;
    if (!t.runs_with_loss)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: no run has a loss series (%d run%s read)",
                         t.runs, t.runs == 1 ? "" : "s");
    if (t.worst >= LRS_SEVERITY_CRITICAL) return SIGNS_EXIT_CRITICAL;
    if (t.worst >= LRS_SEVERITY_WARNING && a.fail_on == LRS_SEVERITY_WARNING) return SIGNS_EXIT_WARNING;
    return SIGNS_EXIT_OK;
}
