/* lrscope check LOGDIR... [--tag GLOB] [--json] [--fail-on warning|critical] [--total-steps N]
 * Runs the warning-sign detectors over every run under the logdirs; a CI step. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "run_pair.h"
#include "sweep_summary.h"

#define CHECK_MAX_SIGNS 64

typedef struct check_args {
    const char *tag_glob;
    int json;
    int markdown;
    int alone;             /* --alone: no sweep comparison */
    int live;              /* --live: each run judged as it was written (implies --alone) */
    int all;               /* --all: every sign in human output, repeats included */
    lrs_severity fail_on;
    lrs_signs_options opt; /* the thresholds; total_steps from --total-steps */
    char **paths;
    int n_paths;
} check_args;

static const char usage[] =
    "usage: lrscope check LOGDIR... [--tag GLOB] [--json | --format human|json|markdown]\n"
    "                     [--fail-on warning|critical] [--total-steps N] [--set NAME=VALUE]...\n"
    "                     [--alone] [--all] [--live]\n"
    "  LOGDIR         an event file, a run folder or a logdir tree: every run is checked;\n"
    "                 a validation run beside its training run (Keras's train/ and\n"
    "                 validation/, add_scalars' loss_train/ and loss_val/) is its val loss\n"
    "  --tag          the loss is the first scalar tag matching this pattern (default: by\n"
    "                 name: loss, train/loss, Loss/train, train_loss, ...; never find/*)\n"
    "  --json         {\"runs\": [{\"run\", \"verdict\", \"loss_tag\", \"signs\": [...]}]}\n"
    "  --format       markdown: a heading and a table of signs per run (CI job summaries)\n"
    "  --fail-on      warning (default): exit 1 on a warning, 2 on a critical sign;\n"
    "                 critical: warnings exit 0\n"
    "  --total-steps  expected length of the runs (judges `slow` against it)\n"
    "  --set          a detector threshold, e.g. --set divergence_confirm=8 (repeatable);\n"
    "                 --options lists them all with their values\n"
    "  --all          human and markdown output: every sign (by default a kind repeated on a\n"
    "                 tag is shown once, with how many more there were and over which steps)\n"
    "  --alone        judge each run alone: do not compare the runs of a sweep (runs whose\n"
    "                 HParams differ only in the LR and seed)\n"
    "  --live         each sign as watch, or the trainer's --on-sign, would have raised it\n"
    "                 while the run was being written, at the step it was raised: no\n"
    "                 hindsight on how the run went on (implies --alone)\n"
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
        } else if (!strcmp(arg, "--alone")) {
            a->alone = 1;
        } else if (!strcmp(arg, "--live")) {
            a->live = a->alone = 1;
        } else if (!strcmp(arg, "--all")) {
            a->all = 1;
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

/* One run's judgement, kept until every run is read: a sweep compares them all. */
typedef struct checked_run {
    char *name;
    run_series rs;          /* series of a reader kept open till the end */
    lrs_sign *signs;        /* n of them, room for one more (the sweep's) */
    int n, worst;
    long swept;             /* its number in the sweep, -1 when not compared */
} checked_run;

typedef struct check_state {
    lrs_monitor *monitor;
    lrs_sweep *sweep;
    lrs_reader **readers;
    int n_readers;
    checked_run *runs;
    size_t n_runs, cap_runs;
} check_state;

/* After the first of its kind: how many more there were, and over which steps. */
static void print_repeats(const checked_run *c, int i)
{
    int64_t from = 0, to = 0;
    int more = sign_repeats_after(c->signs, c->n, i, &from, &to);
    if (more)
        printf("           ... and %d more %s %s sign%s on %s, steps %lld..%lld (--all shows them)\n", more,
               lrs_severity_name(c->signs[i].severity), lrs_sign_kind_name(c->signs[i].kind), more == 1 ? "" : "s",
               c->signs[i].tag, (long long)from, (long long)to);
}

static void print_run(const check_args *a, check_totals *t, const checked_run *c)
{
    const lrs_series *loss = c->rs.role[LRS_ROLE_LOSS];
    if (a->markdown) {
        check_markdown_run(stdout, c->name, &c->rs, c->signs, c->n, c->worst, a->all);
        return;
    }
    if (a->json) {
        fputs(t->printed++ ? ",\n  {\"run\": " : "\n  {\"run\": ", stdout);
        json_string(stdout, c->name);
        printf(", \"verdict\": \"%s\", \"loss_tag\": ", loss ? verdict_name(c->worst) : "no_loss");
        if (loss) json_string(stdout, lrs_series_tag(loss));
        else fputs("null", stdout);
        fputs(", \"signs\": [", stdout);
        for (int i = 0; i < c->n; i++) {
            fputs(i ? ", " : "", stdout);
            sign_print_json(stdout, NULL, &c->signs[i]);
        }
        fputs("]}", stdout);
        return;
    }
    if (!loss) {
        printf("%s: no loss series\n", c->name);
        return;
    }
    printf("%s: %s (%s, %zu points, %d sign%s)\n", c->name, verdict_name(c->worst), lrs_series_tag(loss),
           lrs_series_len(loss), c->n, c->n == 1 ? "" : "s");
    for (int i = 0; i < c->n; i++) {
        if (!a->all && sign_repeats_earlier(c->signs, i)) continue;
        sign_print_human(stdout, &c->signs[i], c->rs.role[c->signs[i].role]);
        if (!a->all) print_repeats(c, i);
    }
}

static const char hparams_start[] = "_hparams_/session_start_info";

/* Whether child is a run directly inside the folder of the run named name. */
static int is_child(const char *name, const char *child)
{
    if (!strcmp(child, ".")) return 0;
    if (!strcmp(name, ".")) return !strchr(child, '/'); /* the root's children have no prefix */
    size_t len = strlen(name);
    return !strncmp(child, name, len) && child[len] == '/' && !strchr(child + len + 1, '/');
}

/* Where a run's HParams are: the run itself, or else the one child run that has them
 * (PyTorch's and tensorboardX's add_hparams write them to a new run inside the training
 * run's folder, named by the time or run_name). NULL when neither. The children of a run
 * other than the root are the sorted runs named "<name>/...": found by a binary search. */
static const lrs_run *hparams_run(const lrs_reader *r, const lrs_run *run)
{
    if (lrs_run_find(run, hparams_start)) return run;
    const char *name = lrs_run_name(run);
    size_t i = 0, n = lrs_reader_run_count(r);
    char prefix[4096];
    if (strcmp(name, ".")) {
        snprintf(prefix, sizeof prefix, "%s/", name);
        i = run_first_from(r, prefix);
    }
    const lrs_run *found = NULL;
    for (; i < n; i++) {
        const char *cn = lrs_run_name(lrs_reader_run(r, i));
        if (strcmp(name, ".") && strncmp(cn, prefix, strlen(prefix))) break; /* past "<name>/..." */
        if (!is_child(name, cn) || !lrs_run_find(lrs_reader_run(r, i), hparams_start)) continue;
        if (found) return NULL; /* two: which one is this run's is unclear */
        found = lrs_reader_run(r, i);
    }
    return found;
}

/* Judges one run of reader r alone with the monitor, keeps the result, and adds it to the
 * sweep when its HParams allow a comparison. Returns 0 or SIGNS_EXIT_UNREADABLE. */
static int check_run(check_state *st, const check_args *a, const lrs_reader *r, const lrs_run *run,
                     const char *name)
{
    if (cli_grow((void **)&st->runs, &st->cap_runs, st->n_runs + 1, sizeof *st->runs))
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory for %zu runs", st->n_runs + 1);
    lrs_sign signs[CHECK_MAX_SIGNS];
    checked_run c = {.swept = -1};
    c.worst = run_verdict(st->monitor, run, run_pair_val(r, run), a->tag_glob, a->opt.total_steps, a->live, &c.rs, signs,
                          CHECK_MAX_SIGNS, &c.n);
    c.name = strdup(name);
    c.signs = malloc((size_t)(c.n + 1) * sizeof *c.signs);
    if (!c.name || !c.signs) {
        free(c.name);
        free(c.signs);
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    }
    memcpy(c.signs, signs, (size_t)c.n * sizeof *signs);
    lrs_sweep_run summary;
    char settings[2048];
    const lrs_run *hp_run = st->sweep && c.rs.role[LRS_ROLE_LOSS] ? hparams_run(r, run) : NULL;
    if (hp_run && sweep_summary(hp_run, &c.rs, name, &summary, settings, sizeof settings)) {
        summary.failed = c.worst >= LRS_SEVERITY_CRITICAL;
        if (lrs_sweep_add(st->sweep, &summary) == LRS_OK) c.swept = (long)lrs_sweep_count(st->sweep) - 1;
    }
    st->runs[st->n_runs++] = c;
    return 0;
}

/* Whether the run already carries what the sweep would say: a sign of that kind at
 * warning or above, or a critical one. */
static int already_said(const checked_run *c, lrs_sign_kind kind)
{
    for (int i = 0; i < c->n; i++)
        if (c->signs[i].severity == LRS_SEVERITY_CRITICAL ||
            (c->signs[i].kind == kind && c->signs[i].severity >= LRS_SEVERITY_WARNING))
            return 1;
    return 0;
}

/* Each compared run gets its sign from its siblings, if any. */
static void judge_sweep(check_state *st)
{
    for (size_t i = 0; i < st->n_runs; i++) {
        checked_run *c = &st->runs[i];
        lrs_sign s;
        if (c->swept < 0 || !lrs_sweep_judge(st->sweep, (size_t)c->swept, &s) || already_said(c, s.kind)) continue;
        c->signs[c->n++] = s;
        if ((int)s.severity > c->worst) c->worst = (int)s.severity;
    }
}

/* Reads one logdir (kept open) and judges its runs; returns 0 or SIGNS_EXIT_UNREADABLE. */
static int check_path(check_state *st, const check_args *a, const char *path)
{
    lrs_reader *r;
    if (lrs_reader_open(&r, path, NULL) != LRS_OK)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    st->readers[st->n_readers++] = r;
    int rc = lrs_reader_poll(r, NULL);
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++)
        cli_warn("%s", lrs_reader_damage(r, i)->message);
    if (rc != LRS_OK) return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    char name[4096];
    for (size_t i = 0; i < lrs_reader_run_count(r) && !rc; i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        const char *rn = lrs_run_name(run);
        if (run_pair_is_val(r, run)) continue; /* judged as its training run's val loss */
        if (!strcmp(rn, ".")) snprintf(name, sizeof name, "%s", path);
        else snprintf(name, sizeof name, "%s/%s", path, rn);
        rc = check_run(st, a, r, run, name);
    }
    return rc;
}

/* Prints every run and returns the totals. */
static check_totals print_runs(const check_args *a, const check_state *st)
{
    check_totals t = {.worst = -1};
    if (a->json) fputs("{\"runs\": [", stdout);
    if (a->markdown) check_markdown_begin(stdout);
    for (size_t i = 0; i < st->n_runs; i++) {
        const checked_run *c = &st->runs[i];
        t.runs++;
        if (c->rs.role[LRS_ROLE_LOSS]) t.runs_with_loss++;
        if (c->worst > t.worst) t.worst = c->worst;
        print_run(a, &t, c);
    }
    if (a->json) fputs(t.printed ? "\n]}\n" : "]}\n", stdout);
    if (a->markdown) check_markdown_end(stdout, t.runs, t.worst);
    return t;
}

static void check_state_free(check_state *st)
{
    for (size_t i = 0; i < st->n_runs; i++) {
        free(st->runs[i].name);
        free(st->runs[i].signs);
    }
    free(st->runs);
    for (int i = 0; i < st->n_readers; i++) lrs_reader_close(st->readers[i]);
    free(st->readers);
    lrs_sweep_close(st->sweep);
    lrs_monitor_close(st->monitor);
}

int cmd_check(int argc, char **argv)
{
    check_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        free(a.paths);
        return rc < 0 ? SIGNS_EXIT_OK : rc;
    }
    check_state st = {0};
    st.readers = calloc((size_t)a.n_paths, sizeof *st.readers);
    if (!st.readers) rc = cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    else if (lrs_monitor_open(&st.monitor, &a.opt) != LRS_OK ||
             (!a.alone && lrs_sweep_open(&st.sweep, &a.opt) != LRS_OK))
        rc = cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    for (int i = 0; i < a.n_paths && !rc; i++) rc = check_path(&st, &a, a.paths[i]);
    check_totals t = {0};
    if (!rc) {
        if (st.sweep) judge_sweep(&st);
        t = print_runs(&a, &st);
    }
    check_state_free(&st);
    free(a.paths);
    if (rc) return rc;
    if (!t.runs_with_loss)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: no run has a loss series (%d run%s read)",
                         t.runs, t.runs == 1 ? "" : "s");
    if (t.worst >= LRS_SEVERITY_CRITICAL) return SIGNS_EXIT_CRITICAL;
    if (t.worst >= LRS_SEVERITY_WARNING && a.fail_on == LRS_SEVERITY_WARNING) return SIGNS_EXIT_WARNING;
    return SIGNS_EXIT_OK;
}
