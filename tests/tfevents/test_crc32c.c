/* CRC32C against RFC 3720 B.4's known answers, and the hardware path against the
 * portable one on every length and alignment the framing code meets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c_internal.h"
#include "tfevents.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static void check_known_answers(crc_fn crc)
{
    uint8_t buf[48];
    memset(buf, 0, 32);
    assert_int_equal(crc(0, buf, 32), 0x8a9136aa);
    memset(buf, 0xff, 32);
    assert_int_equal(crc(0, buf, 32), 0x62a8ab43);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(crc(0, buf, 32), 0x46dd794e);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(crc(0, buf, 32), 0x113fdb5c);
    static const uint8_t iscsi_read[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(crc(0, iscsi_read, 48), 0xd9963a56);
    assert_int_equal(crc(0, "123456789", 9), 0xe3069283);
    assert_int_equal(crc(0, "", 0), 0);
    /* Continuing from a previous CRC equals one pass over the whole. */
    assert_int_equal(crc(crc(0, "1234", 4), "56789", 5), 0xe3069283);
}

static void portable_matches_rfc3720(void **state)
{
    (void)state;
    check_known_answers(lrs_crc32c_portable);
}

static void public_matches_rfc3720(void **state)
{
    (void)state;
    check_known_answers(lrs_crc32c);
}

static void hardware_matches_rfc3720(void **state)
{
    (void)state;
    if (!lrs_crc32c_has_hardware())
        skip();
    check_known_answers(lrs_crc32c_hardware);
}

static void hardware_equals_portable_on_every_length_and_alignment(void **state)
{
    (void)state;
    if (!lrs_crc32c_has_hardware())
        skip();
    uint8_t buf[300 + 8];
    srand(12345);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (size_t start = 0; start < 8; start++)
        for (size_t n = 0; n <= 300; n++) {
            uint32_t seed = (uint32_t)rand();
            assert_int_equal(lrs_crc32c_hardware(seed, buf + start, n),
                             lrs_crc32c_portable(seed, buf + start, n));
        }
}

static void mask_matches_tfrecord_formula(void **state)
{
    (void)state;
    /* crc("123456789") = 0xe3069283: rotate right 15 -> 0x2507c60d, plus 0xa282ead8. */
    assert_int_equal(lrs_crc32c_mask(0xe3069283), 0xc78ab0e5);
    assert_int_equal(lrs_crc32c_mask(0), 0xa282ead8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(portable_matches_rfc3720),
        cmocka_unit_test(public_matches_rfc3720),
        cmocka_unit_test(hardware_matches_rfc3720),
        cmocka_unit_test(hardware_equals_portable_on_every_length_and_alignment),
        cmocka_unit_test(mask_matches_tfrecord_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
