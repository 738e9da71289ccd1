/* The search space: its grammar (see tune.h), and points of it as text. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_internal.h"
#include "tune_internal.h"

/* The train flags a parameter can stand for; anything else is a typo worth an error. */
static const char *const known_names[] = {"lr", "optimizer", "schedule", "batch", "wd", "momentum", "model", "clip"};
#define KNOWN_LIST "lr, optimizer, schedule, batch, wd, momentum, model, clip"

static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (!strcmp(name, known_names[i]))
            return 1;
    return 0;
}

static const struct { const char *prefix; lrs_param_kind kind; } range_kinds[] = {
    {"log(", LRS_PARAM_LOG}, {"uniform(", LRS_PARAM_UNIFORM}, {"int(", LRS_PARAM_INT}};

/* text is "a,b)" up to its end; col is text's column for messages. */
static int parse_range(tune_param *p, const char *prefix, char *text, int col)
{
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] != ')')
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': %s...) needs a closing ')'", col, p->name, prefix);
    text[len - 1] = '\0';
    char *end;
    errno = 0;
    p->lo = strtod(text, &end);
    int ok = end != text && *end == ',';
    char *second = end + 1;
    if (ok) {
        p->hi = strtod(second, &end);
        ok = end != second && *end == '\0' && errno == 0 && isfinite(p->lo) && isfinite(p->hi);
    }
    if (!ok)
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': expected %sa,b) with two numbers", col, p->name, prefix);
    if (p->kind == LRS_PARAM_LOG && !(p->lo > 0 && p->lo < p->hi))
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': log(a,b) needs 0 < a < b", col, p->name);
    if (p->kind == LRS_PARAM_UNIFORM && !(p->lo < p->hi))
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': uniform(a,b) needs a < b", col, p->name);
    if (p->kind == LRS_PARAM_INT && !(p->lo == floor(p->lo) && p->hi == floor(p->hi) && p->lo <= p->hi))
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': int(a,b) needs integers a <= b", col, p->name);
    return LRS_OK;
}

/* text is "v1|v2|..." (modified in place: the choices point into it). */
static int parse_choices(tune_param *p, char *text, int col)
{
    p->kind = LRS_PARAM_CHOICE;
    for (char *v = text;;) {
        char *bar = strchr(v, '|');
        if (bar)
            *bar = '\0';
        int vcol = col + (int)(v - text);
        if (*v == '\0')
            return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': empty value", vcol, p->name);
        for (int k = 0; k < p->n_choices; k++)
            if (!strcmp(p->choices[k], v))
                return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': value '%s' given twice", vcol, p->name, v);
        if (p->n_choices == TUNE_MAX_CHOICES)
            return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s': more than %d values", vcol, p->name, TUNE_MAX_CHOICES);
        p->choices[p->n_choices++] = v;
        if (!bar)
            return LRS_OK;
        v = bar + 1;
    }
}

/* One "name=domain" at column col (1-based), NUL-terminated inside s->text. */
static int parse_param(lrs_space *s, char *part, int col)
{
    char *eq = strchr(part, '=');
    if (!eq)
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: expected name=domain in '%s'", col, part);
    *eq = '\0';
    if (*part == '\0' || strlen(part) >= sizeof s->p[0].name)
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: expected a parameter name before '='", col);
    if (!is_known(part))
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: unknown parameter '%s' (expected one of " KNOWN_LIST ")", col, part);
    if (lrs_space_find(s, part) >= 0)
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: parameter '%s' given twice", col, part);
    if (s->n == LRS_SPACE_MAX_PARAMS)
        return lrs_fail(LRS_ERR_PARSE, "space: column %d: more than %d parameters", col, LRS_SPACE_MAX_PARAMS);
    tune_param *p = &s->p[s->n];
    memset(p, 0, sizeof *p);
    strcpy(p->name, part);
    char *dom = eq + 1;
    int dcol = col + (int)(dom - part);
    int rc = LRS_ERR_INTERNAL;
    size_t i;
    for (i = 0; i < sizeof range_kinds / sizeof range_kinds[0]; i++) {
        size_t k = strlen(range_kinds[i].prefix);
        if (!strncmp(dom, range_kinds[i].prefix, k)) {
            p->kind = range_kinds[i].kind;
            rc = parse_range(p, range_kinds[i].prefix, dom + k, dcol);
            break;
        }
    }
    if (i == sizeof range_kinds / sizeof range_kinds[0])
        rc = parse_choices(p, dom, dcol);
    if (rc == LRS_OK)
        s->n++;
    return rc;
}

int lrs_space_parse(lrs_space **out, const char *spec)
{
    if (!out || !spec)
        return lrs_fail(LRS_ERR_ARG, "lrs_space_parse: NULL argument");
    *out = NULL;
    lrs_space *s = calloc(1, sizeof *s);
    if (!s || !(s->text = strdup(spec))) {
        free(s);
        return lrs_fail(LRS_ERR_NOMEM, "space: out of memory");
    }
    int rc = LRS_OK;
    for (char *part = s->text; rc == LRS_OK;) {
        char *semi = strchr(part, ';');
        if (semi)
            *semi = '\0';
        int col = 1 + (int)(part - s->text);
        if (*part == '\0' && (semi || s->n == 0))
            rc = lrs_fail(LRS_ERR_PARSE, "space: column %d: empty parameter (parameters are name=domain separated by ';')", col);
        else if (*part != '\0')
            rc = parse_param(s, part, col);
        if (!semi)
            break;
        part = semi + 1;
    }
    if (rc != LRS_OK) {
        lrs_space_free(s);
        return rc;
    }
    *out = s;
    return LRS_OK;
}

void lrs_space_free(lrs_space *s)
{
    if (!s)
        return;
    free(s->text);
    free(s);
}

int lrs_space_size(const lrs_space *s) { return s->n; }
const char *lrs_space_name(const lrs_space *s, int i) { return s->p[i].name; }
lrs_param_kind lrs_space_kind(const lrs_space *s, int i) { return s->p[i].kind; }

int lrs_space_find(const lrs_space *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->p[i].name, name))
            return i;
    return -1;
}

int lrs_space_set_range(lrs_space *s, int i, double lo, double hi)
{
    if (i < 0 || i >= s->n || s->p[i].kind == LRS_PARAM_CHOICE || !(lo < hi) || (s->p[i].kind == LRS_PARAM_LOG && !(lo > 0)))
        return lrs_fail(LRS_ERR_ARG, "space: cannot set parameter %d's range to [%g, %g]", i, lo, hi);
    s->p[i].lo = lo;
    s->p[i].hi = hi;
    return LRS_OK;
}

/* Appends printf output at *used; LRS_ERR_ARG once it does not fit. */
static int append(char *buf, size_t n, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *used, *used < n ? n - *used : 0, fmt, ap);
    va_end(ap);
    if (k < 0 || *used + (size_t)k >= n)
        return lrs_fail(LRS_ERR_ARG, "space: text longer than %zu bytes", n);
    *used += (size_t)k;
    return LRS_OK;
}

int lrs_space_describe(const lrs_space *s, char *buf, size_t n)
{
    static const char *const kind_name[] = {"log", "uniform", "int"};
    size_t used = 0;
    int rc = n ? LRS_OK : lrs_fail(LRS_ERR_ARG, "space: no room");
    if (n)
        buf[0] = '\0';
    for (int i = 0; i < s->n && rc == LRS_OK; i++) {
        const tune_param *p = &s->p[i];
        rc = append(buf, n, &used, "%s%s=", i ? ";" : "", p->name);
        if (p->kind != LRS_PARAM_CHOICE && rc == LRS_OK)
            rc = append(buf, n, &used, "%s(%.17g,%.17g)", kind_name[p->kind], p->lo, p->hi);
        for (int k = 0; p->kind == LRS_PARAM_CHOICE && k < p->n_choices && rc == LRS_OK; k++)
            rc = append(buf, n, &used, "%s%s", k ? "|" : "", p->choices[k]);
    }
    return rc;
}

int lrs_point_value(const lrs_space *s, const lrs_point *pt, int i, char *buf, size_t n)
{
    const tune_param *p = &s->p[i];
    int k;
    if (p->kind == LRS_PARAM_CHOICE)
        k = snprintf(buf, n, "%s", p->choices[(int)pt->x[i]]);
    else
        k = snprintf(buf, n, "%.6g", pt->x[i]);
    if (k < 0 || (size_t)k >= n)
        return lrs_fail(LRS_ERR_ARG, "space: value of '%s' longer than %zu bytes", p->name, n);
    return LRS_OK;
}

int lrs_point_format(const lrs_space *s, const lrs_point *pt, char *buf, size_t n)
{
    size_t used = 0;
    int rc = n ? LRS_OK : lrs_fail(LRS_ERR_ARG, "space: no room");
    if (n)
        buf[0] = '\0';
    for (int i = 0; i < s->n && rc == LRS_OK; i++) {
        char value[256];
        rc = lrs_point_value(s, pt, i, value, sizeof value);
        if (rc == LRS_OK)
            rc = append(buf, n, &used, "%s%s=%s", i ? ";" : "", s->p[i].name, value);
    }
    return rc;
}

static int parse_value(const tune_param *p, const char *v, double *x)
{
    if (p->kind == LRS_PARAM_CHOICE) {
        for (int k = 0; k < p->n_choices; k++)
            if (!strcmp(p->choices[k], v)) {
                *x = k;
                return LRS_OK;
            }
        return lrs_fail(LRS_ERR_PARSE, "point: '%s' is not a value of '%s'", v, p->name);
    }
    char *end;
    *x = strtod(v, &end);
    if (end == v || *end != '\0' || !(*x >= p->lo && *x <= p->hi))
        return lrs_fail(LRS_ERR_PARSE, "point: '%s' is not a number in [%g, %g] for '%s'", v, p->lo, p->hi, p->name);
    return LRS_OK;
}

int lrs_point_parse(const lrs_space *s, const char *text, lrs_point *pt)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        return lrs_fail(LRS_ERR_PARSE, "point: longer than %zu bytes", sizeof buf - 1);
    strcpy(buf, text);
    int seen = 0, rc = LRS_OK;
    for (char *part = buf, *semi; part && rc == LRS_OK; part = semi ? semi + 1 : NULL) {
        semi = strchr(part, ';');
        if (semi)
            *semi = '\0';
        char *eq = strchr(part, '=');
        int i = -1;
        if (eq) {
            *eq = '\0';
            i = lrs_space_find(s, part);
        }
        if (i < 0)
            return lrs_fail(LRS_ERR_PARSE, "point: '%s' names no parameter of the space", part);
        rc = parse_value(&s->p[i], eq + 1, &pt->x[i]);
        seen++;
    }
    if (rc == LRS_OK && seen != s->n)
        return lrs_fail(LRS_ERR_PARSE, "point: %d values for %d parameters", seen, s->n);
    return rc;
}

double tune_round6(double x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", x);
    return strtod(buf, NULL);
}

double tune_to_coord(const tune_param *p, double x)
{
    return p->kind == LRS_PARAM_LOG ? log10(x) : x;
}

double tune_from_coord(const tune_param *p, double c)
{
    double lo = tune_to_coord(p, p->lo), hi = tune_to_coord(p, p->hi);
    c = c < lo ? lo : c > hi ? hi : c;
    if (p->kind == LRS_PARAM_INT)
        return floor(c + 0.5);
    double x = tune_round6(p->kind == LRS_PARAM_LOG ? pow(10.0, c) : c);
    return x < p->lo ? p->lo : x > p->hi ? p->hi : x;
}
