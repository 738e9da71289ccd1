/* A tiny protobuf wire-format encoder for the hot path (the scalar Event), where
 * building a protobuf-c message tree per value would cost more than the rest. */
#ifndef LRSCOPE_PB_ENCODE_H
#define LRSCOPE_PB_ENCODE_H

#include <stdint.h>
#include <string.h>

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_BYTES = 2, PB_FIXED32 = 5 };

/* Bytes taken by v as a varint (1..10). */
static inline size_t pb_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v as a varint at p; returns the byte after it. */
static inline uint8_t *pb_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* A field key (field number and wire type); every field we write has number < 16. */
static inline uint8_t *pb_put_key(uint8_t *p, unsigned field, unsigned wire_type)
{
    *p++ = (uint8_t)(field << 3 | wire_type);
    return p;
}

/* Little-endian fixed-width values (x86-64 and aarch64 hosts are little-endian). */
static inline uint8_t *pb_put_double(uint8_t *p, double v)
{
    memcpy(p, &v, 8);
    return p + 8;
}

static inline uint8_t *pb_put_float(uint8_t *p, float v)
{
    memcpy(p, &v, 4);
    return p + 4;
}

#endif
