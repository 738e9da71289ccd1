/* lrscope check --format markdown: GitHub-flavoured Markdown for CI job summaries
 * ($GITHUB_STEP_SUMMARY), one heading per run with its verdict and a table of signs. */
#include <string.h>

#include "report.h"

static const char *verdict_icon(int worst)
{
    return worst >= LRS_SEVERITY_CRITICAL ? "🔴" : worst >= LRS_SEVERITY_WARNING ? "🟠" : "🟢";
}

/* Text inside a table cell: '|' would end the cell, a newline the row. */
static void cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

void check_markdown_begin(FILE *f)
{
    fputs("## lrscope check\n\n", f);
}

void check_markdown_run(FILE *f, const char *name, const run_series *rs, const lrs_sign *signs, int n,
                        int worst, int all)
{
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    fputs("### ", f);
    if (!loss) {
        fputs("⚪ `", f);
        cell(f, name);
        fputs("`: no loss series\n\n", f);
        return;
    }
    fprintf(f, "%s `", verdict_icon(worst));
    cell(f, name);
    fprintf(f, "`: **%s**\n\n`", verdict_name(worst));
    cell(f, lrs_series_tag(loss));
    fprintf(f, "`, %zu points, %d sign%s\n\n", lrs_series_len(loss), n, n == 1 ? "" : "s");
    if (!n) return;
    fputs("| severity | sign | series | steps | what was seen | suggestion |\n"
          "|---|---|---|---|---|---|\n",
          f);
    for (int i = 0; i < n; i++) {
        const lrs_sign *s = &signs[i];
        if (!all && sign_repeats_earlier(signs, i)) continue;
        fprintf(f, "| %s | %s | `", lrs_severity_name(s->severity), lrs_sign_kind_name(s->kind));
        cell(f, s->tag);
        fprintf(f, "` | %lld–%lld | ", (long long)s->start_step, (long long)s->end_step);
        cell(f, s->message);
        int64_t from = 0, to = 0;
        int more = all ? 0 : sign_repeats_after(signs, n, i, &from, &to);
        if (more) fprintf(f, " (and %d more, steps %lld–%lld)", more, (long long)from, (long long)to);
        fputs(" | ", f);
        sign_print_suggestion(f, s);
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

void check_markdown_end(FILE *f, int runs, int worst)
{
    fprintf(f, "**Verdict: %s %s** (%d run%s checked)\n", verdict_icon(worst), verdict_name(worst), runs,
            runs == 1 ? "" : "s");
}
