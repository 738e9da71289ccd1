/* Helpers shared by the tests: where the reference data is, temporary folders. */
#ifndef LRS_TESTUTIL_H
#define LRS_TESTUTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Path of a file under tests/data (LRS_TEST_DATA, set by ctest). */
static inline const char *test_data_path(char *buf, size_t n, const char *rel)
{
    const char *root = getenv("LRS_TEST_DATA");
    snprintf(buf, n, "%s/%s", root ? root : "tests/data", rel);
    return buf;
}

/* A fresh temporary folder (mkdtemp under $TMPDIR or /tmp). */
static inline char *test_tmpdir(char *buf, size_t n)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, n, "%s/lrs-test-XXXXXX", t ? t : "/tmp");
    return mkdtemp(buf);
}

/* rm -r of a test's temporary folder; 0 when it is gone. */
static inline int test_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return remove(dir);
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) test_rmtree(path);
        else remove(path);
    }
    closedir(d);
    return rmdir(dir);
}

/* Group setup/teardown of a test program's one temporary folder, test_tmp. */
static char test_tmp[256];

static inline int test_tmp_setup(void **state)
{
    (void)state;
    return test_tmpdir(test_tmp, sizeof test_tmp) ? 0 : -1;
}

static inline int test_tmp_teardown(void **state)
{
    (void)state;
    return test_rmtree(test_tmp) == 0 ? 0 : -1;
}

/* Group setup/teardown that keep every test_tmpdir() of a test program under one root
 * folder (by pointing TMPDIR at it), removed at the end. */
static char test_scratch_root[256];

static inline int test_scratch_setup(void **state)
{
    (void)state;
    if (!test_tmpdir(test_scratch_root, sizeof test_scratch_root)) return -1;
    return setenv("TMPDIR", test_scratch_root, 1);
}

static inline int test_scratch_teardown(void **state)
{
    (void)state;
    return test_rmtree(test_scratch_root) == 0 ? 0 : -1;
}

#endif
