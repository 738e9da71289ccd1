#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "status_internal.h"

static void fail_records_detail_and_returns_status(void **state)
{
    (void)state;
    lrs_errclear();
    assert_string_equal(lrs_errmsg(), "");
    int rc = lrs_fail(LRS_ERR_IO, "%s: %s", "runs/x", "Permission denied");
    assert_int_equal(rc, LRS_ERR_IO);
    assert_string_equal(lrs_errmsg(), "runs/x: Permission denied");
}

static void every_status_has_a_name(void **state)
{
    (void)state;
    for (int s = LRS_OK; s >= LRS_ERR_INTERNAL; s--)
        assert_string_not_equal(lrs_strerror(s), "unknown status");
    assert_string_equal(lrs_strerror(42), "unknown status");
    assert_string_equal(lrs_strerror(LRS_ERR_NOSPACE), "no space left on device");
}

static void errno_maps_to_status(void **state)
{
    (void)state;
    assert_int_equal(lrs_status_from_errno(ENOSPC), LRS_ERR_NOSPACE);
    assert_int_equal(lrs_status_from_errno(ENOMEM), LRS_ERR_NOMEM);
    assert_int_equal(lrs_status_from_errno(EACCES), LRS_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_records_detail_and_returns_status),
        cmocka_unit_test(every_status_has_a_name),
        cmocka_unit_test(errno_maps_to_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
