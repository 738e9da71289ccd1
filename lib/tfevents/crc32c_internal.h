/* For lrscope's own code and tests: the two CRC32C paths behind lrs_crc32c. */
#ifndef LRSCOPE_CRC32C_INTERNAL_H
#define LRSCOPE_CRC32C_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Portable slicing-by-8 table version; same contract as lrs_crc32c. */
uint32_t lrs_crc32c_portable(uint32_t crc, const void *data, size_t n);

/* SSE4.2 crc32 instruction version; only call when lrs_crc32c_has_hardware(). */
uint32_t lrs_crc32c_hardware(uint32_t crc, const void *data, size_t n);

/* The masked checksums of a TFRecord's 8-byte length (record[0..8)) and of its payload
 * (record[12..12+payload_len)), as the framing stores them. */
void lrs_crc32c_record(const uint8_t *record, size_t payload_len, uint32_t *len_crc,
                       uint32_t *data_crc);

/* 1 when this CPU has the crc32 instruction (and this build can use it). */
int lrs_crc32c_has_hardware(void);

#endif
