/* What the lrscope commands share: errors, flag values, JSON output, terminal checks. */
#ifndef LRSCOPE_CLI_H
#define LRSCOPE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <stddef.h>

/* Makes room for need elements of elem bytes in *array (of *cap so far), doubling from 16:
 * 0, or -1 out of memory with *array and *cap as they were (the caller names what). */
int cli_grow(void **array, size_t *cap, size_t need, size_t elem);

/* Exit statuses shared by every command. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* Prints "lrscope: <message>" on one line to stderr and returns status. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "lrscope: warning: <message>" on one line to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a flag's value; on failure print an error naming the flag and what was expected,
 * and return CLI_USAGE (0 on success). */
int cli_parse_double(const char *flag, const char *text, double *out);
int cli_parse_int64(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out);

/* Long flags, written "--name value" or "--name=value". cli_is_flag tells whether arg is
 * the flag name; cli_flag_value returns its value (advancing *i past a separate value), or
 * prints "lrscope: CMD: --name: expected a value" and returns NULL. */
int cli_is_flag(const char *arg, const char *name);
const char *cli_flag_value(const char *cmd, int argc, char **argv, int *i, const char *name);

/* A table of flags with typed values: CLI_TEXT stores the argument's pointer in a
 * const char *, CLI_NUMBER parses a finite double, CLI_WHOLE an int64_t in [min, max]. */
typedef enum { CLI_TEXT, CLI_NUMBER, CLI_WHOLE } cli_flag_type;

typedef struct cli_flag {
    cli_flag_type type;
    const char *name;
    void *out;
    int64_t min, max;
} cli_flag;

/* When argv[*i] is one of the n flags: parses its value into the flag's out (advancing *i
 * past a separate value), sets *matched (may be NULL) and returns 0, or CLI_USAGE after
 * printing why. Returns 1 when argv[*i] is none of them. */
int cli_parse_flag_table(const char *cmd, const cli_flag *flags, size_t n, int argc, char **argv,
                         int *i, const cli_flag **matched);

/* JSON output. Non-finite numbers become the strings "NaN", "Infinity", "-Infinity". */
void json_string(FILE *f, const char *s);
void json_double(FILE *f, double v); /* shortest text that reads back as the same double */
void json_float(FILE *f, float v);   /* shortest text that reads back as the same float */

/* Shortest round-trip decimal for a double / a float, into buf (at least 32 bytes). */
const char *cli_format_double(char *buf, double v);
const char *cli_format_float(char *buf, float v);

/* True when f is a terminal (progress bars and colours only then). */
int cli_is_tty(FILE *f);

#endif
