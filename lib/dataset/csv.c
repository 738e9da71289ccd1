/* CSV data sets: a header row naming the columns, then one example per line. The label
 * column is the one named "label" (any case), else the first; every other column is a
 * feature. Fields are plain numbers (no quoting); blank lines are skipped. */
#include "dataset_internal.h"
#include "status_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *path;
    char *text;      /* the whole file, NUL-terminated; lines are cut in place */
    char **names;    /* column names, pointing into text */
    int columns;
    int label_col;
} csv_file;

static int read_all(csv_file *c)
{
    FILE *f = fopen(c->path, "rb");
    if (!f) return lrs_fail(LRS_ERR_NOTFOUND, "%s: cannot open: %s", c->path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    c->text = malloc(cap);
    for (size_t got; c->text && (got = fread(c->text + len, 1, cap - len - 1, f)) > 0;) {
        len += got;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(c->text, cap *= 2);
            if (!bigger) free(c->text);
            c->text = bigger;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!c->text) return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", c->path);
    if (failed) return lrs_fail(LRS_ERR_IO, "%s: read error", c->path);
    c->text[len] = '\0';
    return LRS_OK;
}

/* Cuts the next line out of *cursor (NUL in place of the newline, "\r" dropped). */
static char *next_line(char **cursor)
{
    char *line = *cursor;
    if (!*line) return NULL;
    char *nl = strchr(line, '\n');
    *cursor = nl ? nl + 1 : line + strlen(line);
    if (nl) *nl = '\0';
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[n - 1] = '\0';
    return line;
}

static int is_blank(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return *s == '\0';
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
    return s;
}

static int count_fields(const char *line)
{
    int n = 1;
    for (; *line; line++) n += *line == ',';
    return n;
}

static int parse_header(csv_file *c, char *line)
{
    c->columns = count_fields(line);
    if (c->columns < 2)
        return lrs_fail(LRS_ERR_FORMAT, "%s:1: header has %d column (expected a label and at least one feature)",
                        c->path, c->columns);
    c->names = malloc((size_t)c->columns * sizeof *c->names);
    if (!c->names) return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", c->path);
    c->label_col = 0;
    for (int i = 0; i < c->columns; i++) {
        char *comma = strchr(line, ',');
        if (comma) *comma = '\0';
        c->names[i] = trim(line);
        if (strcasecmp(c->names[i], "label") == 0) c->label_col = i;
        line = comma ? comma + 1 : line + strlen(line);
    }
    return LRS_OK;
}

/* One field as a finite number; `where` is "path:line". */
static int parse_field(const csv_file *c, const char *where, int col, char *field, double *out)
{
    char *s = trim(field), *end;
    errno = 0;
    *out = strtod(s, &end);
    if (end == s || *end)
        return lrs_fail(LRS_ERR_FORMAT, "%s: column %d (%s): expected a number, found '%.40s'",
                        where, col + 1, c->names[col], s);
    if (!isfinite(*out))
        return lrs_fail(LRS_ERR_NUMERIC, "%s: column %d (%s): '%.40s' is not a finite number",
                        where, col + 1, c->names[col], s);
    return LRS_OK;
}

/* Parses one data line into x [features] and *y. */
static int parse_row(lrs_dataset *ds, const csv_file *c, char *line, int lineno, float *x, int32_t *y,
                     int declared)
{
    char where[PATH_MAX + 48];
    snprintf(where, sizeof where, "%s:%d", c->path, lineno);
    int found = count_fields(line);
    if (found != c->columns)
        return lrs_fail(LRS_ERR_FORMAT, "%s: %d columns (expected %d as in the header)",
                        where, found, c->columns);
    for (int col = 0, feat = 0; col < c->columns; col++) {
        char *comma = strchr(line, ',');
        if (comma) *comma = '\0';
        double v;
        int rc = parse_field(c, where, col, line, &v);
        if (rc) return rc;
        if (col != c->label_col) {
            x[feat++] = (float)v;
        } else if (v != floor(v)) {
            return lrs_fail(LRS_ERR_FORMAT, "%s: column %d (%s): label %g is not a whole number",
                            where, col + 1, c->names[col], v);
        } else {
            if ((rc = lrs_dataset_take_label(ds, v < 0 ? -1 : v > 1e9 ? 1000000000L : (long)v,
                                             declared, where)))
                return rc;
            *y = (int32_t)v;
        }
        line = comma ? comma + 1 : line + strlen(line);
    }
    return LRS_OK;
}

static int load(lrs_dataset *ds, csv_file *c, int declared)
{
    int rc = read_all(c);
    if (rc) return rc;
    char *cursor = c->text, *line;
    int lineno = 0;
    do {
        line = next_line(&cursor);
        lineno++;
    } while (line && is_blank(line));
    if (!line) return lrs_fail(LRS_ERR_FORMAT, "%s: empty (expected a header row and examples)", c->path);
    if ((rc = parse_header(c, line))) return rc;
    long rows = 0;
    for (const char *p = cursor; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        int blank = 1;
        for (size_t i = 0; i < n; i++) blank &= isspace((unsigned char)p[i]) != 0;
        rows += !blank;
        p += n + (nl != NULL);
    }
    if ((rc = lrs_dataset_alloc(ds, rows, c->columns - 1))) return rc;
    ds->n_train = (int)rows;
    long row = 0;
    for (lineno++; (line = next_line(&cursor)); lineno++) {
        if (is_blank(line)) continue;
        rc = parse_row(ds, c, line, lineno, ds->x + (size_t)row * ds->features, ds->y + row, declared);
        if (rc) return rc;
        row++;
    }
    return LRS_OK;
}

int lrs_csv_load(lrs_dataset *ds, const char *path, int declared_classes)
{
    csv_file c = { .path = path };
    snprintf(ds->source, sizeof ds->source, "%s", path);
    int rc = load(ds, &c, declared_classes);
    free(c.text);
    free(c.names);
    return rc;
}
