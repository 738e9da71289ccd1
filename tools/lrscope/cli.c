#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    fputs("lrscope: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("lrscope: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_parse_double(const char *flag, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return cli_error(CLI_USAGE, "%s: expected a finite number, got '%s'", flag, text);
    *out = v;
    return 0;
}

int cli_parse_int64(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max)
        return cli_error(CLI_USAGE, "%s: expected a whole number from %lld to %lld, got '%s'",
                         flag, (long long)min, (long long)max, text);
    *out = v;
    return 0;
}

int cli_is_flag(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

const char *cli_flag_value(const char *cmd, int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc) {
        cli_error(CLI_USAGE, "%s: %s: expected a value", cmd, name);
        return NULL;
    }
    return argv[++*i];
}

int cli_parse_flag_table(const char *cmd, const cli_flag *flags, size_t n, int argc, char **argv,
                         int *i, const cli_flag **matched)
{
    for (size_t k = 0; k < n; k++) {
        const cli_flag *f = &flags[k];
        if (!cli_is_flag(argv[*i], f->name))
            continue;
        if (matched)
            *matched = f;
        const char *value = cli_flag_value(cmd, argc, argv, i, f->name);
        if (!value)
            return CLI_USAGE;
        if (f->type == CLI_TEXT) {
            *(const char **)f->out = value;
            return 0;
        }
        return f->type == CLI_NUMBER ? cli_parse_double(f->name, value, f->out)
                                     : cli_parse_int64(f->name, value, f->min, f->max, f->out);
    }
    return 1;
}

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

static const char *non_finite(double v)
{
    if (isnan(v)) return "\"NaN\"";
    return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
}

/* Shortest "%.Ng" that reads back as v; whole numbers below 2^53 print without an
 * exponent (290, not 2.9e+02), since that is both shortest-exact and easiest to read. */
static const char *format_shortest(char *buf, double v, int max_prec, int is_float)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, 32, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= max_prec; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
    }
    return buf;
}

const char *cli_format_double(char *buf, double v)
{
    return format_shortest(buf, v, 17, 0);
}

const char *cli_format_float(char *buf, float v)
{
    return format_shortest(buf, (double)v, 9, 1);
}

void json_double(FILE *f, double v)
{
    char buf[32];
    fputs(isfinite(v) ? cli_format_double(buf, v) : non_finite(v), f);
}

void json_float(FILE *f, float v)
{
    char buf[32];
    fputs(isfinite(v) ? cli_format_float(buf, v) : non_finite(v), f);
}

int cli_is_tty(FILE *f)
{
    return isatty(fileno(f));
}

int cli_grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t grown = *cap ? *cap : 16;
    while (grown < need) grown *= 2;
    void *bigger = realloc(*array, grown * elem);
    if (!bigger) return -1;
    *array = bigger;
    *cap = grown;
    return 0;
}
