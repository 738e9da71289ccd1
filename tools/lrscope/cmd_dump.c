/* lrscope dump PATH... [--format summary|jsonl|csv] [--tag GLOB] [--raw]
 * Prints what event files hold: a table per run and tag, or every scalar point. */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "tfevents.h"

typedef enum { FORMAT_SUMMARY, FORMAT_JSONL, FORMAT_CSV } dump_format;

typedef struct dump_args {
    dump_format format;
    const char *tag_glob; /* NULL: every tag */
    int raw;
    char **paths;
    int n_paths;
} dump_args;

static const char usage[] =
    "usage: lrscope dump PATH... [--format summary|jsonl|csv] [--tag GLOB] [--raw]\n"
    "  PATH       an event file, a run folder or a logdir tree\n"
    "  --format   summary (default): per run and tag, kind, count, steps, min/max/last;\n"
    "             jsonl / csv: one line per scalar point\n"
    "  --tag      only tags matching this shell pattern (fnmatch), e.g. 'train/*'\n"
    "  --raw      every record in file order (default: TensorBoard's view, where a point\n"
    "             at step s replaces earlier points of its tag with step >= s)\n";

static int parse_args(int argc, char **argv, dump_args *a)
{
    memset(a, 0, sizeof *a);
    a->paths = calloc((size_t)argc, sizeof *a->paths);
    if (!a->paths)
        return cli_error(CLI_FAILED, "dump: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (cli_is_flag(arg, "--format")) {
            if (!(v = cli_flag_value("dump", argc, argv, &i, "--format")))
                return CLI_USAGE;
            if (!strcmp(v, "summary")) a->format = FORMAT_SUMMARY;
            else if (!strcmp(v, "jsonl")) a->format = FORMAT_JSONL;
            else if (!strcmp(v, "csv")) a->format = FORMAT_CSV;
            else return cli_error(CLI_USAGE, "dump: --format: expected summary, jsonl or csv, got '%s'", v);
        } else if (cli_is_flag(arg, "--tag")) {
            if (!(a->tag_glob = cli_flag_value("dump", argc, argv, &i, "--tag")))
                return CLI_USAGE;
        } else if (!strcmp(arg, "--raw")) {
            a->raw = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_error(CLI_USAGE, "dump: unknown flag '%s' (see lrscope dump --help)", arg);
        } else {
            a->paths[a->n_paths++] = argv[i];
        }
    }
    if (!a->n_paths)
        return cli_error(CLI_USAGE, "dump: expected at least one PATH (see lrscope dump --help)");
    return CLI_OK;
}

/* ---------------------------------------------------------------- values */

static const char *format_value(char *buf, const lrs_scalar *p)
{
    if (isnan(p->value)) return "NaN";
    if (isinf(p->value)) return p->value > 0 ? "Infinity" : "-Infinity";
    return p->is_double ? cli_format_double(buf, p->value) : cli_format_float(buf, (float)p->value);
}

/* format_value's text, always in buf (at least 32 bytes). */
static void value_text(char *buf, const lrs_scalar *p)
{
    char tmp[32];
    snprintf(buf, 32, "%s", format_value(tmp, p));
}

static void json_value(FILE *f, const lrs_scalar *p)
{
    if (p->is_double) json_double(f, p->value);
    else json_float(f, (float)p->value);
}

/* RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---------------------------------------------------------------- point formats */

static void print_points(FILE *f, const dump_args *a, const lrs_run *run, const lrs_series *s)
{
    const lrs_scalar *pts = lrs_series_scalars(s);
    char buf[32];
    for (size_t k = 0; pts && k < lrs_series_len(s); k++) {
        const lrs_scalar *p = &pts[k];
        if (a->format == FORMAT_JSONL) {
            fputs("{\"run\": ", f);
            json_string(f, lrs_run_name(run));
            fputs(", \"tag\": ", f);
            json_string(f, lrs_series_tag(s));
            fprintf(f, ", \"step\": %lld, \"wall_time\": ", (long long)p->step);
            json_double(f, p->wall_time);
            fputs(", \"value\": ", f);
            json_value(f, p);
            fputs("}\n", f);
        } else {
            csv_field(f, lrs_run_name(run));
            fputc(',', f);
            csv_field(f, lrs_series_tag(s));
            fprintf(f, ",%lld,", (long long)p->step);
            fputs(isfinite(p->wall_time) ? cli_format_double(buf, p->wall_time) : "NaN", f);
            fputc(',', f);
            fputs(format_value(buf, p), f);
            fputc('\n', f);
        }
    }
}

/* ---------------------------------------------------------------- summary table */

enum { COLUMNS = 9 };
typedef struct table {
    char **cells; /* rows * COLUMNS strings */
    size_t rows, cap;
} table;

static int table_add(table *t, char *const row[COLUMNS])
{
    if (cli_grow((void **)&t->cells, &t->cap, t->rows + 1, COLUMNS * sizeof *t->cells))
        return CLI_FAILED;
    for (int c = 0; c < COLUMNS; c++)
        if (!(t->cells[t->rows * COLUMNS + c] = strdup(row[c])))
            return CLI_FAILED;
    t->rows++;
    return CLI_OK;
}

static void table_print(FILE *f, table *t)
{
    size_t width[COLUMNS] = {0};
    for (size_t r = 0; r < t->rows; r++)
        for (int c = 0; c < COLUMNS; c++) {
            size_t n = strlen(t->cells[r * COLUMNS + c]);
            if (n > width[c]) width[c] = n;
        }
    for (size_t r = 0; r < t->rows; r++) {
        for (int c = 0; c < COLUMNS; c++) {
            const char *cell = t->cells[r * COLUMNS + c];
            if (c == COLUMNS - 1) fprintf(f, "%s\n", cell);
            else if (c < 3) fprintf(f, "%-*s  ", (int)width[c], cell); /* text left */
            else fprintf(f, "%*s  ", (int)width[c], cell);             /* numbers right */
        }
    }
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->rows * COLUMNS; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* Min and max ignore NaN (fmin/fmax); a series of NaN only shows NaN. */
static int summary_row(table *t, const lrs_run *run, const lrs_series *s)
{
    size_t n = lrs_series_len(s);
    char count[24], first[24] = "-", last_step[24] = "-";
    char min_s[32] = "-", max_s[32] = "-", last_s[32] = "-";
    snprintf(count, sizeof count, "%zu", n);
    const lrs_scalar *pts = lrs_series_scalars(s);
    const lrs_item *items = lrs_series_items(s);
    if (n) {
        snprintf(first, sizeof first, "%lld", (long long)(pts ? pts[0].step : items[0].step));
        snprintf(last_step, sizeof last_step, "%lld",
                 (long long)(pts ? pts[n - 1].step : items[n - 1].step));
    }
    if (pts && n) {
        lrs_scalar lo = pts[0], hi = pts[0];
        for (size_t k = 1; k < n; k++) {
            if (pts[k].value < lo.value || isnan(lo.value)) lo = pts[k];
            if (pts[k].value > hi.value || isnan(hi.value)) hi = pts[k];
        }
        value_text(min_s, &lo);
        value_text(max_s, &hi);
        value_text(last_s, &pts[n - 1]);
    }
    char *row[COLUMNS] = {(char *)lrs_run_name(run), (char *)lrs_series_tag(s),
                          (char *)lrs_kind_name(lrs_series_kind(s)), count, first, last_step,
                          min_s, max_s, last_s};
    return table_add(t, row);
}

/* ---------------------------------------------------------------- driver */

static int dump_path(const dump_args *a, const char *path, table *t)
{
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.raw = a->raw;
    lrs_reader *r;
    if (lrs_reader_open(&r, path, &opt) != LRS_OK)
        return cli_error(CLI_FAILED, "dump: %s", lrs_errmsg());
    int rc = lrs_reader_poll(r, NULL);
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++)
        cli_warn("%s", lrs_reader_damage(r, i)->message);
    if (rc != LRS_OK) {
        rc = cli_error(CLI_FAILED, "dump: %s", lrs_errmsg());
    } else if (!lrs_reader_run_count(r)) {
        rc = cli_error(CLI_FAILED, "dump: %s: no event files (names containing 'tfevents')", path);
    }
    for (size_t i = 0; rc == CLI_OK && i < lrs_reader_run_count(r); i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        for (size_t k = 0; rc == CLI_OK && k < lrs_run_series_count(run); k++) {
            const lrs_series *s = lrs_run_series(run, k);
            if (a->tag_glob && fnmatch(a->tag_glob, lrs_series_tag(s), 0) != 0)
                continue;
            if (a->format == FORMAT_SUMMARY) {
                if (summary_row(t, run, s) != CLI_OK)
                    rc = cli_error(CLI_FAILED, "dump: out of memory");
            } else {
                print_points(stdout, a, run, s);
            }
        }
    }
    lrs_reader_close(r);
    return rc;
}

int cmd_dump(int argc, char **argv)
{
    dump_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != CLI_OK) {
        free(a.paths);
        return rc < 0 ? CLI_OK : rc;
    }
    table t = {0};
    char *header[COLUMNS] = {"run", "tag", "kind", "count", "first_step", "last_step",
                             "min", "max", "last"};
    if (a.format == FORMAT_SUMMARY) table_add(&t, header);
    if (a.format == FORMAT_CSV) fputs("run,tag,step,wall_time,value\n", stdout);
    for (int i = 0; i < a.n_paths; i++)
        if (dump_path(&a, a.paths[i], &t) != CLI_OK)
            rc = CLI_FAILED;
    if (a.format == FORMAT_SUMMARY && t.rows > 1)
        table_print(stdout, &t);
    table_free(&t);
    free(a.paths);
    return rc;
}
