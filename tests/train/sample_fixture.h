/* Group setup/teardown of the trainer tests: the embedded sample, opened once, and one
 * temporary folder (test_tmp). Include after testutil.h. */
#ifndef LRS_SAMPLE_FIXTURE_H
#define LRS_SAMPLE_FIXTURE_H

#include "dataset.h"
#include "status.h"

static lrs_dataset *sample;

static int sample_setup(void **state)
{
    if (lrs_dataset_open(&sample, "sample", NULL) != LRS_OK)
        return -1;
    return test_tmp_setup(state);
}

static int sample_teardown(void **state)
{
    lrs_dataset_close(sample);
    return test_tmp_teardown(state);
}

#endif
