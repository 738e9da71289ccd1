/* The hand-encoded scalar Event equals protobuf-c's packing of the same Event, byte for
 * byte, across the cases where the wire format changes shape (zero and negative steps,
 * long tags with two-byte lengths, NaN and infinities, a zero wall time). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.pb-c.h"
#include "summary.pb-c.h"
#include "writer_internal.h"

static void check_same_bytes(double wall_time, int64_t step, const char *tag, float value)
{
    Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT;
    v.tag = (char *)tag;
    v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
    v.simple_value = value;
    Tensorboard__Summary__Value *values[1] = {&v};
    Tensorboard__Summary s = TENSORBOARD__SUMMARY__INIT;
    s.n_value = 1;
    s.value = values;
    Tensorboard__Event e = TENSORBOARD__EVENT__INIT;
    e.wall_time = wall_time;
    e.step = step;
    e.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
    e.summary = &s;
    size_t want_len = tensorboard__event__get_packed_size(&e);
    uint8_t *want = malloc(want_len), *got = malloc(want_len + 64);
    tensorboard__event__pack(&e, want);

    size_t tag_len = strlen(tag);
    assert_int_equal(scalar_event_len(wall_time, step, tag_len), want_len);
    assert_int_equal(scalar_event_encode(got, wall_time, step, tag, tag_len, value), want_len);
    assert_memory_equal(got, want, want_len);
    free(want);
    free(got);
}

static void hand_encoding_equals_protobuf_c(void **state)
{
    (void)state;
    char long_tag[300];
    memset(long_tag, 'x', sizeof long_tag - 1);
    long_tag[sizeof long_tag - 1] = '\0';
    char tag_127[128];
    memset(tag_127, 'y', 127);
    tag_127[127] = '\0';
    const char *tags[] = {"a", "train/loss", tag_127, long_tag};
    const int64_t steps[] = {0, 1, 127, 128, 1000000, -1, INT64_MIN, INT64_MAX};
    const float values[] = {0.0f, -0.0f, 1.5f, -3.25e-20f, NAN, INFINITY, -INFINITY, 3.4e38f};
    const double times[] = {1717181717.123456, 0.0, -0.0, 1e-300};
    for (size_t t = 0; t < sizeof tags / sizeof *tags; t++)
        for (size_t s = 0; s < sizeof steps / sizeof *steps; s++)
            for (size_t v = 0; v < sizeof values / sizeof *values; v++)
                for (size_t w = 0; w < sizeof times / sizeof *times; w++)
                    check_same_bytes(times[w], steps[s], tags[t], values[v]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_encoding_equals_protobuf_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
