/* Helpers shared by the tests: where the reference data is, temporary folders. */
#ifndef LRS_TESTUTIL_H
#define LRS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
