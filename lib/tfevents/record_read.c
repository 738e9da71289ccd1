/* TFRecord framing for reading: one record at a time out of a byte buffer, with
 * recovery from damaged checksums. Never reads outside buf[0..n). */
#include <string.h>

#include "crc32c_internal.h"
#include "read_internal.h"

static uint64_t load_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* files are little-endian, like every machine we build for */
    return v;
}

static uint32_t load_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int header_ok(const uint8_t *h)
{
    return lrs_crc32c_mask(lrs_crc32c(0, h, 8)) == load_u32(h + 8);
}

static int payload_ok(const uint8_t *payload, size_t len)
{
    return lrs_crc32c_mask(lrs_crc32c(0, payload, len)) == load_u32(payload + len);
}

/* A complete record whose both checksums hold starts at buf[p]. */
static int valid_record_at(const uint8_t *buf, size_t n, size_t p)
{
    if (n - p < LRS_RECORD_OVERHEAD || !header_ok(buf + p))
        return 0;
    uint64_t len = load_u64(buf + p);
    return len < LRS_RECORD_MAX && len <= n - p - LRS_RECORD_OVERHEAD &&
           payload_ok(buf + p + 12, (size_t)len);
}

/* After a bad header nothing says where the record ends: scan forward byte by byte for
 * the next position holding a complete, valid record. Finding none, the bytes may be a
 * header the writer has not finished, so the caller waits for more. */
static void resync(const uint8_t *buf, size_t n, size_t pos, lrs_record *rec)
{
    for (size_t p = pos + 1; n - p >= LRS_RECORD_OVERHEAD; p++) {
        if (valid_record_at(buf, n, p)) {
            rec->status = LRS_RECORD_LENGTH_CRC;
            rec->next = p;
            return;
        }
    }
}

void lrs_record_next(const uint8_t *buf, size_t n, size_t pos, lrs_record *rec)
{
    rec->status = LRS_RECORD_INCOMPLETE;
    rec->next = pos;
    rec->payload = NULL;
    rec->len = 0;
    if (pos > n || n - pos < 12)
        return;
    const uint8_t *h = buf + pos;
    uint64_t len = load_u64(h);
    if (len < LRS_RECORD_MAX && n - pos >= LRS_RECORD_OVERHEAD &&
        len <= n - pos - LRS_RECORD_OVERHEAD) {
        /* The common case, a whole record: both checksums in one call. */
        uint32_t len_crc, data_crc;
        lrs_crc32c_record(h, (size_t)len, &len_crc, &data_crc);
        if (len_crc != load_u32(h + 8)) {
            resync(buf, n, pos, rec);
            return;
        }
        rec->next = pos + LRS_RECORD_OVERHEAD + (size_t)len;
        if (data_crc != load_u32(h + 12 + len)) {
            rec->status = LRS_RECORD_DATA_CRC;
            return;
        }
        rec->status = LRS_RECORD_OK;
        rec->payload = h + 12;
        rec->len = (size_t)len;
        return;
    }
    if (!header_ok(h) || len >= LRS_RECORD_MAX)
        resync(buf, n, pos, rec);
    /* else: not all written yet */
}
