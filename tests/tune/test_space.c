/* The space grammar: what parses, its canonical text, points as text, and each error
 * naming its column and parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tune.h"

static void parses_every_kind(void **state)
{
    (void)state;
    lrs_space *s;
    assert_int_equal(lrs_space_parse(&s, "lr=log(1e-5,1);optimizer=sgd:momentum=0.9,nesterov=1|adam;"
                                         "batch=int(32,256);momentum=uniform(0.8,0.99)"), LRS_OK);
    assert_int_equal(lrs_space_size(s), 4);
    assert_string_equal(lrs_space_name(s, 1), "optimizer");
    assert_int_equal(lrs_space_kind(s, 0), LRS_PARAM_LOG);
    assert_int_equal(lrs_space_kind(s, 1), LRS_PARAM_CHOICE);
    assert_int_equal(lrs_space_kind(s, 2), LRS_PARAM_INT);
    assert_int_equal(lrs_space_kind(s, 3), LRS_PARAM_UNIFORM);
    assert_int_equal(lrs_space_find(s, "batch"), 2);
    assert_int_equal(lrs_space_find(s, "wd"), -1);
    char buf[512];
    assert_int_equal(lrs_space_describe(s, buf, sizeof buf), LRS_OK);
    assert_string_equal(buf, "lr=log(1.0000000000000001e-05,1);optimizer=sgd:momentum=0.9,nesterov=1|adam;"
                             "batch=int(32,256);momentum=uniform(0.80000000000000004,0.98999999999999999)");
    lrs_space *again;
    assert_int_equal(lrs_space_parse(&again, buf), LRS_OK);
    lrs_space_free(again);
    assert_int_equal(lrs_space_describe(s, buf, 10), LRS_ERR_ARG);
    lrs_space_free(s);
}

static void points_round_trip_as_text(void **state)
{
    (void)state;
    lrs_space *s;
    assert_int_equal(lrs_space_parse(&s, "lr=log(1e-5,1);optimizer=sgd:momentum=0.9|adam;batch=64|128"), LRS_OK);
    lrs_point p = {{0.00123457, 1, 0}}, q;
    char buf[256];
    assert_int_equal(lrs_point_format(s, &p, buf, sizeof buf), LRS_OK);
    assert_string_equal(buf, "lr=0.00123457;optimizer=adam;batch=64");
    assert_int_equal(lrs_point_parse(s, buf, &q), LRS_OK);
    assert_true(memcmp(&p.x, &q.x, 3 * sizeof(double)) == 0);
    p.x[1] = 0;
    assert_int_equal(lrs_point_format(s, &p, buf, sizeof buf), LRS_OK);
    assert_string_equal(buf, "lr=0.00123457;optimizer=sgd:momentum=0.9;batch=64");
    assert_int_equal(lrs_point_parse(s, "lr=2;optimizer=adam;batch=64", &q), LRS_ERR_PARSE);
    assert_int_equal(lrs_point_parse(s, "lr=0.1;optimizer=rmsprop;batch=64", &q), LRS_ERR_PARSE);
    assert_int_equal(lrs_point_parse(s, "lr=0.1;optimizer=adam", &q), LRS_ERR_PARSE);
    lrs_space_free(s);
}

static void expect_error(const char *spec, const char *message)
{
    lrs_space *s = (lrs_space *)1;
    assert_int_equal(lrs_space_parse(&s, spec), LRS_ERR_PARSE);
    assert_null(s);
    assert_string_equal(lrs_errmsg(), message);
}

static void errors_name_the_column_and_parameter(void **state)
{
    (void)state;
    expect_error("lr=log(1e-5,1);lrate=1|2",
                 "space: column 16: unknown parameter 'lrate' (expected one of lr, optimizer, schedule, batch, wd, "
                 "momentum, model, clip)");
    expect_error("lr=log(0,1)", "space: column 4: parameter 'lr': log(a,b) needs 0 < a < b");
    expect_error("lr=log(1e-5,1", "space: column 4: parameter 'lr': log(...) needs a closing ')'");
    expect_error("wd=uniform(1,x)", "space: column 4: parameter 'wd': expected uniform(a,b) with two numbers");
    expect_error("batch=int(1.5,4)", "space: column 7: parameter 'batch': int(a,b) needs integers a <= b");
    expect_error("optimizer=sgd||adam", "space: column 15: parameter 'optimizer': empty value");
    expect_error("batch=64|64", "space: column 10: parameter 'batch': value '64' given twice");
    expect_error("lr=log(1e-5,1);;batch=1", "space: column 16: empty parameter (parameters are name=domain separated by ';')");
    expect_error("lr=0.1;lr=0.2", "space: column 8: parameter 'lr' given twice");
    expect_error("batch", "space: column 1: expected name=domain in 'batch'");
    expect_error("", "space: column 1: empty parameter (parameters are name=domain separated by ';')");
}

static void set_range_checks_its_arguments(void **state)
{
    (void)state;
    lrs_space *s;
    assert_int_equal(lrs_space_parse(&s, "lr=log(1e-5,1);batch=64|128"), LRS_OK);
    assert_int_equal(lrs_space_set_range(s, 0, 0.001, 0.1), LRS_OK);
    assert_int_equal(lrs_space_set_range(s, 0, 0, 0.1), LRS_ERR_ARG);
    assert_int_equal(lrs_space_set_range(s, 1, 1, 2), LRS_ERR_ARG);
    char buf[128];
    assert_int_equal(lrs_space_describe(s, buf, sizeof buf), LRS_OK);
    assert_string_equal(buf, "lr=log(0.001,0.10000000000000001);batch=64|128");
    lrs_space_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_kind),
        cmocka_unit_test(points_round_trip_as_text),
        cmocka_unit_test(errors_name_the_column_and_parameter),
        cmocka_unit_test(set_range_checks_its_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
