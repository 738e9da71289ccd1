/* The page around the sections: one self-contained HTML file (inline CSS and SVG, a
 * few lines of script to sort tables, no fonts, images or scripts from elsewhere),
 * readable on screen and printed. Also the helpers the sections share. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"

void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char css[] =
    ":root{--ink:#1d2228;--muted:#5b6570;--line:#dde2e7;--ok:#2e8540;--warning:#c77700;--critical:#c62828;"
    "--info:#2f6fb3}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:var(--ink);background:#f4f6f8}\n"
    "main{max-width:1180px;margin:0 auto;padding:24px}\n"
    "header.page h1{font-size:22px;margin:0 0 4px}\n"
    "header.page p{margin:0 0 16px;color:var(--muted)}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin:0 0 20px}\n"
    "section h2{font-size:18px;margin:0 0 6px;word-break:break-all}\n"
    "section h3{font-size:15px;margin:14px 0 6px}\n"
    ".meta{color:var(--muted);margin:0 0 12px}\n"
    ".badge{display:inline-block;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;"
    "padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle;margin-left:8px}\n"
    ".badge.ok{background:var(--ok)}.badge.warning{background:var(--warning)}"
    ".badge.critical{background:var(--critical)}.badge.info,.badge.range{background:var(--info)}\n"
    ".summary td,.summary th{padding:4px 10px}\n"
    ".run-body{display:grid;grid-template-columns:minmax(0,1fr) 330px;gap:18px;align-items:start}\n"
    "figure.chart{margin:0 0 8px}\n"
    "figure.chart svg{max-width:100%;height:auto;display:block}\n"
    "aside.signs ol{list-style:none;margin:0;padding:0}\n"
    "li.sign{border-left:4px solid var(--info);background:#f7f9fb;padding:8px 10px;margin:0 0 10px;"
    "border-radius:0 6px 6px 0}\n"
    "li.sign.warning{border-color:var(--warning)}li.sign.critical{border-color:var(--critical)}\n"
    "li.sign .num{display:inline-block;min-width:20px;font-weight:700}\n"
    "li.sign p{margin:4px 0 0}\n"
    ".suggestion{font-weight:600}\n"
    ".none{color:var(--ok)}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.sortable th{cursor:pointer;user-select:none}\n"
    "table.sortable th:after{content:' \\2195';color:#aab}\n"
    "tr.pruned td{color:var(--muted)}tr.failed td{color:var(--critical)}\n"
    "code{font-size:12.5px;background:#eef1f4;padding:1px 4px;border-radius:3px}\n"
    "pre{white-space:pre-wrap;background:#f7f9fb;padding:8px;border-radius:6px}\n"
    "@media (max-width:900px){.run-body{grid-template-columns:1fr}}\n"
    "@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}"
    "section{border:none;border-top:2px solid #999;border-radius:0;padding:10px 0;break-inside:avoid}"
    ".run-body{grid-template-columns:1fr}figure.chart{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}table.sortable th:after{content:''}}\n";

/* Click a header to sort by that column (numbers as numbers), click again to reverse. */
static const char script[] =
    "document.querySelectorAll('table.sortable').forEach(function(t){"
    "t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){"
    "var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),up=th.dataset.dir!=='up';"
    "th.dataset.dir=up?'up':'down';rows.sort(function(x,y){"
    "var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,"
    "p=parseFloat(a),q=parseFloat(c),r=(isNaN(p)||isNaN(q))?a.localeCompare(c):p-q;return up?r:-r});"
    "rows.forEach(function(r){b.appendChild(r)})})})});\n";

void html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>",
          f);
    html_text(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
}

void html_end(FILE *f)
{
    fprintf(f, "</main>\n<script>\n%s</script>\n</body>\n</html>\n", script);
}

int html_chart(FILE *f, const lrs_plot *p, int width, int height)
{
    char *svg;
    size_t len;
    if (lrs_plot_svg(p, width, height, &svg, &len) != LRS_OK)
        return cli_error(CLI_FAILED, "report: %s", lrs_errmsg());
    fputs("<figure class=\"chart\">\n", f);
    fwrite(svg, 1, len, f);
    fputs("</figure>\n", f);
    free(svg);
    return 0;
}

int series_xy(const lrs_series *s, double **x, double **y, size_t *n)
{
    size_t len = lrs_series_len(s);
    const lrs_scalar *pts = lrs_series_scalars(s);
    *x = malloc((len ? len : 1) * sizeof **x);
    *y = malloc((len ? len : 1) * sizeof **y);
    if (!*x || !*y) {
        free(*x);
        free(*y);
        return cli_error(CLI_FAILED, "report: out of memory for %zu points of %s", len, lrs_series_tag(s));
    }
    for (size_t i = 0; i < len; i++) {
        (*x)[i] = (double)pts[i].step;
        (*y)[i] = pts[i].value;
    }
    *n = len;
    return 0;
}

void smooth_ema(const double *y, size_t n, double w, double *out)
{
    double last = 0, weight = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            out[i] = NAN;
            continue;
        }
        last = last * w + (1 - w) * y[i];
        weight = weight * w + (1 - w);
        out[i] = last / weight;
    }
}
