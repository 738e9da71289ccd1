/* Reading back what a test wrote: the one run of a logdir and its series, for the tests
 * that train or log and then check the event files. Include after cmocka.h. */
#ifndef LRS_TEST_READER_H
#define LRS_TEST_READER_H

#include "tfevents.h"

/* The run "." of a logdir, read as TensorBoard shows it; asserts it is the only run. */
static inline lrs_reader *test_read_logdir(const char *logdir)
{
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, logdir, NULL), LRS_OK);
    assert_int_equal(lrs_reader_poll(r, NULL), LRS_OK);
    assert_int_equal(lrs_reader_run_count(r), 1);
    return r;
}

/* Series `tag` of the reader's first run; the test fails when it is missing. */
static inline const lrs_series *test_must_series(const lrs_reader *r, const char *tag)
{
    const lrs_series *s = lrs_run_find(lrs_reader_run(r, 0), tag);
    if (!s)
        fail_msg("tag %s is missing", tag);
    return s;
}

#endif
