/* lrscope check LOGDIR... [--tag GLOB] [--json] [--fail-on warning|critical] [--total-steps N]
 * Runs the warning-sign detectors over every run under the logdirs; a CI step. The runs
 * are read one at a time (a lazy reader): a CI logdir of many GB is judged in the memory
 * of its largest run. */
#define _GNU_SOURCE /* open_memstream */
#include <stdint.h>
#include <stdio.h>
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

/* One run's judgement, kept until every run is judged (a sweep compares them all) while
 * its series are not: they are read again only to draw a sign the sweep adds. */
typedef struct checked_run {
    char *name;
    char *loss_tag;         /* NULL: no loss series */
    char *text;             /* human or markdown output: the run as printed (NULL for JSON) */
    lrs_sign *signs;        /* n of them, room for one more (the sweep's) */
    int n, own, worst;      /* own: the signs it had before the sweep's */
    long swept;             /* its number in the sweep, -1 when not compared */
    int dir;                /* where to read it again: run `run` of logdirs[dir] */
    size_t run;
} checked_run;

/* A logdir's lazy reader, kept open (it holds only names) so a run can be read again. */
typedef struct check_logdir {
    lrs_reader *r;
    size_t warned;          /* damage entries already said on stderr */
    unsigned char *loaded;  /* per run: read at least once (its damage said) */
} check_logdir;

typedef struct check_state {
    lrs_monitor *monitor;
    lrs_sweep *sweep;
    check_logdir *dirs;
    int n_dirs;
    checked_run *runs;
    size_t n_runs, cap_runs;
} check_state;

/* After the first of its kind: how many more there were, and over which steps. */
static void print_repeats(FILE *f, const checked_run *c, int i)
{
    int64_t from = 0, to = 0;
    int more = sign_repeats_after(c->signs, c->n, i, &from, &to);
    if (more)
        fprintf(f, "           ... and %d more %s %s sign%s on %s, steps %lld..%lld (--all shows them)\n", more,
                lrs_severity_name(c->signs[i].severity), lrs_sign_kind_name(c->signs[i].kind), more == 1 ? "" : "s",
                c->signs[i].tag, (long long)from, (long long)to);
}

/* The run in human or markdown output; rs: its series, which the sparklines draw. */
static void print_run_text(FILE *f, const check_args *a, const checked_run *c, const run_series *rs)
{
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    if (a->markdown) {
        check_markdown_run(f, c->name, rs, c->signs, c->n, c->worst, a->all);
        return;
    }
    if (!loss) {
        fprintf(f, "%s: no loss series\n", c->name);
        return;
    }
    fprintf(f, "%s: %s (%s, %zu points, %d sign%s)\n", c->name, verdict_name(c->worst), lrs_series_tag(loss),
            lrs_series_len(loss), c->n, c->n == 1 ? "" : "s");
    for (int i = 0; i < c->n; i++) {
        if (!a->all && sign_repeats_earlier(c->signs, i)) continue;
        sign_print_human(f, &c->signs[i], rs->role[c->signs[i].role]);
        if (!a->all) print_repeats(f, c, i);
    }
}

static void print_run_json(check_totals *t, const checked_run *c)
{
    fputs(t->printed++ ? ",\n  {\"run\": " : "\n  {\"run\": ", stdout);
    json_string(stdout, c->name);
    printf(", \"verdict\": \"%s\", \"loss_tag\": ", c->loss_tag ? verdict_name(c->worst) : "no_loss");
    if (c->loss_tag) json_string(stdout, c->loss_tag);
    else fputs("null", stdout);
    fputs(", \"signs\": [", stdout);
    for (int i = 0; i < c->n; i++) {
        fputs(i ? ", " : "", stdout);
        sign_print_json(stdout, NULL, &c->signs[i]);
    }
    fputs("]}", stdout);
}

/* Writes the run's text into c->text while its series are in memory. */
static int render_run(const check_args *a, checked_run *c, const run_series *rs)
{
    size_t len;
    free(c->text);
    c->text = NULL;
    FILE *f = open_memstream(&c->text, &len);
    if (!f) return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    print_run_text(f, a, c, rs);
    return fclose(f) ? cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory") : 0;
}

/* Reads run i of d (again, if it was released), saying on stderr the damage met; each
 * entry once: the reader does not list again what an earlier read of it listed. */
static int load_run(check_logdir *d, size_t i)
{
    int rc = lrs_reader_load_run(d->r, i);
    d->loaded[i] = 1;
    for (; d->warned < lrs_reader_damage_count(d->r); d->warned++)
        cli_warn("%s", lrs_reader_damage(d->r, d->warned)->message);
    return rc == LRS_OK ? 0 : cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
}

/* The number of a run of r (runs are sorted by name). */
static size_t run_index(const lrs_reader *r, const lrs_run *run)
{
    return run_first_from(r, lrs_run_name(run));
}

/* A training run read with its val sibling (the run its val loss comes from), if any. */
typedef struct loaded_pair {
    const lrs_run *run, *val;
    size_t i, vi;           /* their numbers (vi SIZE_MAX without a sibling) */
} loaded_pair;

/* Reads run i of d and its val sibling into *p; release them with release_pair, whatever
 * this returns (0 or SIGNS_EXIT_UNREADABLE). */
static int load_pair(check_logdir *d, size_t i, loaded_pair *p)
{
    p->i = i;
    p->run = lrs_reader_run(d->r, i);
    p->val = run_pair_val(d->r, p->run);
    p->vi = p->val ? run_index(d->r, p->val) : SIZE_MAX;
    int rc = load_run(d, i);
    return !rc && p->val ? load_run(d, p->vi) : rc;
}

static void release_pair(check_logdir *d, const loaded_pair *p)
{
    lrs_reader_release_run(d->r, p->i);
    if (p->val) lrs_reader_release_run(d->r, p->vi);
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

/* Whether child run i holds HParams; it is read for that, and released unless it does. */
static int child_has_hparams(check_logdir *d, size_t i, int *has)
{
    int rc = load_run(d, i);
    *has = !rc && lrs_run_find(lrs_reader_run(d->r, i), hparams_start);
    if (!*has) lrs_reader_release_run(d->r, i);
    return rc;
}

/* Where the HParams of run `run` (read) are, into *found: the run itself, or else the one
 * child run that has them (PyTorch's and tensorboardX's add_hparams write them to a new
 * run inside the training run's folder, named by the time or run_name), read and left in
 * memory; SIZE_MAX when neither. The children of a run other than the root are the sorted
 * runs named "<name>/...": found by a binary search, and read one at a time. */
static int hparams_run(check_logdir *d, size_t run, size_t *found)
{
    const lrs_reader *r = d->r;
    *found = SIZE_MAX;
    if (lrs_run_find(lrs_reader_run(r, run), hparams_start)) {
        *found = run;
        return 0;
    }
    const char *name = lrs_run_name(lrs_reader_run(r, run));
    size_t i = 0, n = lrs_reader_run_count(r);
    char prefix[4096];
    if (strcmp(name, ".")) {
        snprintf(prefix, sizeof prefix, "%s/", name);
        i = run_first_from(r, prefix);
    }
    for (int has; i < n; i++) {
        const char *cn = lrs_run_name(lrs_reader_run(r, i));
        if (strcmp(name, ".") && strncmp(cn, prefix, strlen(prefix))) break; /* past "<name>/..." */
        if (!is_child(name, cn)) continue;
        if (child_has_hparams(d, i, &has)) return SIGNS_EXIT_UNREADABLE;
        if (!has) continue;
        if (*found != SIZE_MAX) { /* two: which one is this run's is unclear */
            lrs_reader_release_run(d->r, *found);
            lrs_reader_release_run(d->r, i);
            *found = SIZE_MAX;
            return 0;
        }
        *found = i;
    }
    return 0;
}

/* Adds the run to the sweep when its HParams (its own or a child's) allow a comparison. */
static int sweep_run(check_state *st, check_logdir *d, size_t run, checked_run *c, const run_series *rs)
{
    size_t hp;
    if (!st->sweep || !c->loss_tag) return 0;
    if (hparams_run(d, run, &hp)) return SIGNS_EXIT_UNREADABLE;
    if (hp == SIZE_MAX) return 0;
    lrs_sweep_run summary;
    char settings[2048];
    if (sweep_summary(lrs_reader_run(d->r, hp), rs, c->name, &summary, settings, sizeof settings)) {
        summary.failed = c->worst >= LRS_SEVERITY_CRITICAL;
        if (lrs_sweep_add(st->sweep, &summary) == LRS_OK) c->swept = (long)lrs_sweep_count(st->sweep) - 1;
    }
    if (hp != run) lrs_reader_release_run(d->r, hp);
    return 0;
}

/* Judges the run alone with the monitor and keeps the result (c, its series in rs). */
static int judge_run(check_state *st, const check_args *a, const lrs_run *run, const lrs_run *val,
                     checked_run *c, run_series *rs)
{
    lrs_sign signs[CHECK_MAX_SIGNS];
    c->worst = run_verdict(st->monitor, run, val, a->tag_glob, a->opt.total_steps, a->live, rs, signs,
                           CHECK_MAX_SIGNS, &c->n);
    c->own = c->n;
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    c->signs = malloc((size_t)(c->n + 1) * sizeof *c->signs);
    if (!c->signs || (loss && !(c->loss_tag = strdup(lrs_series_tag(loss)))))
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    memcpy(c->signs, signs, (size_t)c->n * sizeof *signs);
    return a->json ? 0 : render_run(a, c, rs);
}

/* Reads run i of d with its val sibling, judges it, adds it to the sweep, and forgets
 * its series. Returns 0 or SIGNS_EXIT_UNREADABLE. */
static int check_run(check_state *st, const check_args *a, int dir, size_t i, const char *name)
{
    if (cli_grow((void **)&st->runs, &st->cap_runs, st->n_runs + 1, sizeof *st->runs))
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory for %zu runs", st->n_runs + 1);
    check_logdir *d = &st->dirs[dir];
    checked_run *c = &st->runs[st->n_runs];
    *c = (checked_run){.swept = -1, .dir = dir, .run = i, .name = strdup(name)};
    st->n_runs++; /* freed with the others, even half made */
    if (!c->name) return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    loaded_pair p;
    run_series rs;
    int rc = load_pair(d, i, &p);
    if (!rc) rc = judge_run(st, a, p.run, p.val, c, &rs);
    if (!rc) rc = sweep_run(st, d, i, c, &rs);
    release_pair(d, &p);
    return rc;
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

/* Writes again the text of a run the sweep gave a sign, whose sparkline needs the run's
 * series: read once more (with its val sibling) and released. */
static int redraw_run(check_state *st, const check_args *a, checked_run *c)
{
    check_logdir *d = &st->dirs[c->dir];
    loaded_pair p;
    run_series rs;
    char val_tag[128];
    int rc = load_pair(d, c->run, &p);
    if (!rc) {
        run_verdict_pick(p.run, p.val, a->tag_glob, &rs, val_tag, sizeof val_tag);
        rc = render_run(a, c, &rs);
    }
    release_pair(d, &p);
    return rc;
}

/* Reads the runs no training run took as its val sibling (run_pair_is_val with another
 * sibling paired), only to say their damage as a full read did. */
static int read_the_rest(check_logdir *d)
{
    for (size_t i = 0; i < lrs_reader_run_count(d->r); i++) {
        if (d->loaded[i]) continue;
        int rc = load_run(d, i);
        lrs_reader_release_run(d->r, i);
        if (rc) return rc;
    }
    return 0;
}

/* Finds one logdir's runs (its reader kept open) and judges them one at a time; returns
 * 0 or SIGNS_EXIT_UNREADABLE. */
static int check_path(check_state *st, const check_args *a, const char *path)
{
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.lazy = 1;
    check_logdir *d = &st->dirs[st->n_dirs];
    if (lrs_reader_open(&d->r, path, &opt) != LRS_OK)
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    int dir = st->n_dirs++;
    if (lrs_reader_poll(d->r, NULL) != LRS_OK) return cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    if (!(d->loaded = calloc(lrs_reader_run_count(d->r) + 1, 1)))
        return cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    char name[4096];
    int rc = 0;
    for (size_t i = 0; i < lrs_reader_run_count(d->r) && !rc; i++) {
        const lrs_run *run = lrs_reader_run(d->r, i);
        const char *rn = lrs_run_name(run);
        if (run_pair_is_val(d->r, run)) continue; /* judged as its training run's val loss */
        if (!strcmp(rn, ".")) snprintf(name, sizeof name, "%s", path);
        else snprintf(name, sizeof name, "%s/%s", path, rn);
        rc = check_run(st, a, dir, i, name);
    }
    return rc ? rc : read_the_rest(d);
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
        if (c->loss_tag) t.runs_with_loss++;
        if (c->worst > t.worst) t.worst = c->worst;
        if (a->json) print_run_json(&t, c);
        else fputs(c->text, stdout);
    }
    if (a->json) fputs(t.printed ? "\n]}\n" : "]}\n", stdout);
    if (a->markdown) check_markdown_end(stdout, t.runs, t.worst);
    return t;
}

/* After every run is judged: the sweep's signs, and the text of the runs that got one. */
static int finish_runs(check_state *st, const check_args *a)
{
    if (!st->sweep) return 0;
    judge_sweep(st);
    for (size_t i = 0; i < st->n_runs && !a->json; i++)
        if (st->runs[i].n > st->runs[i].own && redraw_run(st, a, &st->runs[i])) return SIGNS_EXIT_UNREADABLE;
    return 0;
}

static void check_state_free(check_state *st)
{
    for (size_t i = 0; i < st->n_runs; i++) {
        free(st->runs[i].name);
        free(st->runs[i].loss_tag);
        free(st->runs[i].text);
        free(st->runs[i].signs);
    }
    free(st->runs);
    for (int i = 0; i < st->n_dirs; i++) {
        lrs_reader_close(st->dirs[i].r);
        free(st->dirs[i].loaded);
    }
    free(st->dirs);
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
    st.dirs = calloc((size_t)a.n_paths, sizeof *st.dirs);
    if (!st.dirs) rc = cli_error(SIGNS_EXIT_UNREADABLE, "check: out of memory");
    else if (lrs_monitor_open(&st.monitor, &a.opt) != LRS_OK ||
             (!a.alone && lrs_sweep_open(&st.sweep, &a.opt) != LRS_OK))
        rc = cli_error(SIGNS_EXIT_UNREADABLE, "check: %s", lrs_errmsg());
    for (int i = 0; i < a.n_paths && !rc; i++) rc = check_path(&st, &a, a.paths[i]);
    if (!rc) rc = finish_runs(&st, &a);
    check_totals t = {0};
    if (!rc) t = print_runs(&a, &st);
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
