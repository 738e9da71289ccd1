/* Running the built lrscope binary from a test (LRS_BIN, set by ctest): the test is
 * skipped when the binary is not built. Include after <cmocka.h>. */
#ifndef LRS_RUN_CLI_H
#define LRS_RUN_CLI_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lines in a command's output (an error must be exactly one). */
static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The built binary's path (LRS_BIN); skips the test when it is not built. */
static inline const char *lrscope_bin(void)
{
    const char *bin = getenv("LRS_BIN");
    if (!bin || access(bin, X_OK) != 0)
        skip();
    return bin;
}

/* Runs `lrscope ARGS` with stdout and stderr captured through files in dir; returns the
 * exit status (-1 when killed) with up to out_n-1 / err_n-1 bytes of each, NUL-ended. */
static inline int run_lrscope(const char *dir, const char *args, char *out, size_t out_n, char *err,
                              size_t err_n)
{
    const char *bin = lrscope_bin();
    char cmd[4096], path[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s/out' 2>'%s/err'", bin, args, dir, dir);
    int status = system(cmd);
    const char *names[2] = {"out", "err"};
    char *bufs[2] = {out, err};
    size_t sizes[2] = {out_n, err_n};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t n = fread(bufs[i], 1, sizes[i] - 1, f);
        bufs[i][n] = '\0';
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
