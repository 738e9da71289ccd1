/* lrscope report LOGDIR... -o report.html [--open] [--overlay] [--tag GLOB] [--title TEXT]
 * One self-contained HTML page for training runs, LR range tests and tuning studies. */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "run_pair.h"
#include "sign_print.h"

extern char **environ;

static const char usage[] =
    "usage: lrscope report LOGDIR... -o FILE.html [--overlay] [--open] [--tag GLOB] [--title TEXT]\n"
    "  LOGDIR     an event file, a run folder, a logdir tree or a study folder (lrscope tune)\n"
    "  -o         the HTML file to write (one file: inline SVG and CSS, nothing fetched)\n"
    "  --overlay  also one chart with the smoothed loss of every training run\n"
    "  --open     open the page with xdg-open once written\n"
    "  --tag      the loss is the first scalar tag matching this pattern (as lrscope check)\n"
    "  --title    the page's title (default: lrscope report)\n"
    "Training runs get the verdict of lrscope check, loss/LR/gradient-norm charts and their\n"
    "warning signs; range tests (find/* tags) loss against LR with the suggestions.\n";

typedef struct report_args {
    const char *out, *title;
    int open;
    report_options opt;
    char **paths;
    int n_paths;
} report_args;

static int parse_args(int argc, char **argv, report_args *a)
{
    *a = (report_args){.title = "lrscope report"};
    if (!(a->paths = calloc((size_t)argc, sizeof *a->paths))) return cli_error(CLI_FAILED, "report: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (cli_is_flag(arg, "-o") || cli_is_flag(arg, "--output")) {
            if (!(a->out = cli_flag_value("report", argc, argv, &i, arg[1] == 'o' ? "-o" : "--output")))
                return CLI_USAGE;
        } else if (cli_is_flag(arg, "--tag")) {
            if (!(a->opt.tag_glob = cli_flag_value("report", argc, argv, &i, "--tag"))) return CLI_USAGE;
        } else if (cli_is_flag(arg, "--title")) {
            if (!(a->title = cli_flag_value("report", argc, argv, &i, "--title"))) return CLI_USAGE;
        } else if (!strcmp(arg, "--overlay")) {
            a->opt.overlay = 1;
        } else if (!strcmp(arg, "--open")) {
            a->open = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_error(CLI_USAGE, "report: unknown flag '%s' (see lrscope report --help)", arg);
        } else {
            a->paths[a->n_paths++] = argv[i];
        }
    }
    if (!a->n_paths) return cli_error(CLI_USAGE, "report: expected at least one LOGDIR (see lrscope report --help)");
    if (!a->out) return cli_error(CLI_USAGE, "report: -o: expected the HTML file to write");
    return 0;
}

/* What was read: every reader stays open until the page is written (the overlay and
 * the summary refer to their runs). */
typedef struct report_state {
    lrs_reader **readers;
    size_t n_readers;
    const lrs_run **runs;     /* training runs, for the overlay */
    char **names;
    size_t n_runs, cap_runs;
    FILE *summary;            /* rows of the summary table */
    int worst;
} report_state;

static int remember_run(report_state *s, const lrs_run *run, const char *name)
{
    size_t cap_names = s->cap_runs; /* both arrays grow together */
    if (cli_grow((void **)&s->runs, &s->cap_runs, s->n_runs + 1, sizeof *s->runs) ||
        cli_grow((void **)&s->names, &cap_names, s->n_runs + 1, sizeof *s->names))
        return cli_error(CLI_FAILED, "report: out of memory for %zu runs", s->n_runs + 1);
    if (!(s->names[s->n_runs] = strdup(name))) return cli_error(CLI_FAILED, "report: out of memory");
    s->runs[s->n_runs++] = run;
    return 0;
}

static void summary_row(report_state *s, const char *name, const char *kind, const char *verdict)
{
    fputs("<tr><td>", s->summary);
    html_text(s->summary, name);
    fprintf(s->summary, "</td><td>%s</td><td><span class=\"badge %s\">%s</span></td></tr>\n", kind, verdict, verdict);
}

static int report_path(FILE *body, report_state *s, lrs_monitor *m, const report_args *a, const char *path)
{
    if (is_study(path)) {
        summary_row(s, path, "study", "info");
        return report_study(body, m, path, &a->opt);
    }
    lrs_reader *r;
    if (lrs_reader_open(&r, path, NULL) != LRS_OK) return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    s->readers[s->n_readers++] = r;
    int rc = lrs_reader_poll(r, NULL);
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++) cli_warn("%s", lrs_reader_damage(r, i)->message);
    if (rc != LRS_OK) return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    char name[4096];
    rc = 0;
    for (size_t i = 0; i < lrs_reader_run_count(r) && !rc; i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        const char *rn = lrs_run_name(run);
        if (run_pair_is_val(r, run)) continue; /* shown as its training run's val loss */
        if (!strcmp(rn, ".")) snprintf(name, sizeof name, "%s", path);
        else snprintf(name, sizeof name, "%s/%s", path, rn);
        if (is_range_test(run)) {
            summary_row(s, name, "range test", "range");
            if ((rc = report_range_test(body, run, name)) != 0) break;
            /* `train --lr auto` logs its range test into the training run's own logdir. */
            run_series rs;
            run_series_pick(run, a->opt.tag_glob, &rs);
            if (!rs.role[LRS_ROLE_LOSS]) continue;
        }
        int worst = report_run(body, m, run, run_pair_val(r, run), name, &a->opt);
        if (worst == REPORT_FAILED) return CLI_FAILED;
        if (worst > s->worst) s->worst = worst;
        summary_row(s, name, "training", worst == REPORT_NO_LOSS ? "none" : verdict_name(worst));
        rc = remember_run(s, run, name);
    }
    return rc;
}

static int write_page(const report_args *a, report_state *s, const char *body, size_t body_len,
                      const char *summary, size_t summary_len)
{
    FILE *f = fopen(a->out, "w");
    if (!f) return cli_error(CLI_FAILED, "report: -o %s: cannot write: %s", a->out, strerror(errno));
    html_begin(f, a->title);
    fputs("<header class=\"page\"><h1>", f);
    html_text(f, a->title);
    if (s->n_runs)
        fprintf(f, "</h1><p>Verdict over the training runs: <span class=\"badge %s verdict\">%s</span></p></header>\n",
                verdict_name(s->worst), verdict_name(s->worst));
    else
        fputs("</h1><p>No training runs (range tests and studies only).</p></header>\n", f);
    fputs("<section class=\"summary\"><h2>Runs</h2>\n<table class=\"sortable\"><thead><tr><th>run</th><th>kind</th>"
          "<th>verdict</th></tr></thead>\n<tbody>\n", f);
    fwrite(summary, 1, summary_len, f);
    fputs("</tbody></table></section>\n", f);
    int rc = 0;
    if (a->opt.overlay && s->n_runs)
        rc = report_overlay(f, s->runs, (const char *const *)s->names, s->n_runs, a->opt.tag_glob);
    fwrite(body, 1, body_len, f);
    html_end(f);
    if (fclose(f) != 0 && !rc) rc = cli_error(CLI_FAILED, "report: -o %s: %s", a->out, strerror(errno));
    return rc;
}

static void open_page(const char *path)
{
    char *argv[] = {"xdg-open", (char *)path, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, "xdg-open", NULL, NULL, argv, environ) != 0) {
        cli_warn("report: --open: xdg-open is not available; open %s yourself", path);
        return;
    }
    waitpid(pid, NULL, 0);
}

static void free_state(report_state *s)
{
    for (size_t i = 0; i < s->n_readers; i++) lrs_reader_close(s->readers[i]);
    for (size_t i = 0; i < s->n_runs; i++) free(s->names[i]);
    free(s->readers);
    free(s->runs);
    free(s->names);
}

int cmd_report(int argc, char **argv)
{
    report_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        free(a.paths);
        return rc < 0 ? CLI_OK : rc;
    }
    report_state s = {.worst = -1, .readers = calloc((size_t)a.n_paths, sizeof(lrs_reader *))};
    char *body = NULL, *summary = NULL;
    size_t body_len = 0, summary_len = 0;
    FILE *bf = open_memstream(&body, &body_len);
    s.summary = open_memstream(&summary, &summary_len);
    lrs_monitor *m = NULL;
    if (!s.readers || !bf || !s.summary) rc = cli_error(CLI_FAILED, "report: out of memory");
    else if (lrs_monitor_open(&m, NULL) != LRS_OK) rc = cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    for (int i = 0; i < a.n_paths && !rc; i++) rc = report_path(bf, &s, m, &a, a.paths[i]);
    if (bf) fclose(bf);
    if (s.summary) fclose(s.summary);
    if (!rc) rc = write_page(&a, &s, body, body_len, summary, summary_len);
    lrs_monitor_close(m);
    free_state(&s);
    free(body);
    free(summary);
    if (!rc && a.open) open_page(a.out);
    free(a.paths);
    return rc;
}
