/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of TFRecord
 * framing. The SSE4.2 crc32 instruction does 8 bytes per instruction; the
 * slicing-by-8 tables are the fallback for other CPUs. */
#include <pthread.h>
#include <string.h>

#include "crc32c_internal.h"
#include "tfevents.h"

#define POLY 0x82f63b78u

/* table[k][b]: CRC of byte b followed by k zero bytes, so 8 lookups advance 8 bytes. */
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++)
            c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
}

uint32_t lrs_crc32c_portable(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&table_once, table_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (n && ((uintptr_t)p & 7)) {
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
        n--;
    }
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4); /* little-endian hosts only, like the rest of the framing code */
        memcpy(&hi, p + 4, 4);
        lo ^= c;
        c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
            table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
            table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
    while (n--)
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
    return ~c;
}

#if defined(__x86_64__)
#define SSE42 __attribute__((target("sse4.2")))

/* x86 loads need no alignment, so 8 bytes at a time from the start and a 4/2/1-byte
 * tail: a 40-byte record costs 5 + 2 instructions rather than a byte loop at each end. */
static inline SSE42 uint32_t crc_sse42(uint32_t crc, const uint8_t *p, size_t n)
{
    uint64_t c = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
    }
    uint32_t c32 = (uint32_t)c;
    if (n & 4) {
        uint32_t word;
        memcpy(&word, p, 4);
        c32 = __builtin_ia32_crc32si(c32, word);
        p += 4;
    }
    if (n & 2) {
        uint16_t word;
        memcpy(&word, p, 2);
        c32 = __builtin_ia32_crc32hi(c32, word);
        p += 2;
    }
    if (n & 1)
        c32 = __builtin_ia32_crc32qi(c32, *p);
    return ~c32;
}

SSE42 uint32_t lrs_crc32c_hardware(uint32_t crc, const void *data, size_t n)
{
    return crc_sse42(crc, data, n);
}

/* The length's checksum is one instruction; it and the payload's are independent
 * chains the CPU runs side by side. */
static SSE42 void record_crcs_sse42(const uint8_t *record, size_t payload_len,
                                    uint32_t *len_crc, uint32_t *data_crc)
{
    uint64_t len64;
    memcpy(&len64, record, 8);
    *len_crc = lrs_crc32c_mask(~(uint32_t)__builtin_ia32_crc32di(0xffffffffu, len64));
    *data_crc = lrs_crc32c_mask(crc_sse42(0, record + 12, payload_len));
}

int lrs_crc32c_has_hardware(void)
{
    return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t lrs_crc32c_hardware(uint32_t crc, const void *data, size_t n)
{
    return lrs_crc32c_portable(crc, data, n);
}

static void record_crcs_sse42(const uint8_t *record, size_t payload_len, uint32_t *len_crc,
                              uint32_t *data_crc)
{
    (void)record, (void)payload_len, (void)len_crc, (void)data_crc;
}

int lrs_crc32c_has_hardware(void)
{
    return 0;
}
#endif

static int use_hardware(void)
{
    static int hardware = -1; /* decided once; racing threads all store the same answer */
    int hw = __atomic_load_n(&hardware, __ATOMIC_RELAXED);
    if (hw < 0) {
        hw = lrs_crc32c_has_hardware();
        __atomic_store_n(&hardware, hw, __ATOMIC_RELAXED);
    }
    return hw;
}

uint32_t lrs_crc32c(uint32_t crc, const void *data, size_t n)
{
    return use_hardware() ? lrs_crc32c_hardware(crc, data, n) : lrs_crc32c_portable(crc, data, n);
}

void lrs_crc32c_record(const uint8_t *record, size_t payload_len, uint32_t *len_crc,
                       uint32_t *data_crc)
{
    if (use_hardware()) {
        record_crcs_sse42(record, payload_len, len_crc, data_crc);
        return;
    }
    *len_crc = lrs_crc32c_mask(lrs_crc32c_portable(0, record, 8));
    *data_crc = lrs_crc32c_mask(lrs_crc32c_portable(0, record + 12, payload_len));
}

uint32_t lrs_crc32c_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
