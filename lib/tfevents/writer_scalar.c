/* The hot path: a scalar Event encoded by hand, framed and checksummed on the caller's
 * stack, then copied into the writer's buffer under the lock.
 *
 *   Event   { wall_time: double = 1; step: int64 = 2; summary: Summary = 5 }
 *   Summary { value: Value = 1 }
 *   Value   { tag: string = 1; simple_value: float = 2 }
 *
 * Fields are written in field-number order and proto3 defaults (a zero wall_time or
 * step) are left out, so the bytes equal protobuf-c's packing of the same Event. */
#include <math.h>
#include <string.h>

#include "pb_encode.h"
#include "status_internal.h"
#include "writer_internal.h"

/* Value and Summary lengths as one-byte varints when the tag is short (always, in
 * practice): the length fields then cost a store each. */
static size_t value_len(size_t tag_len)
{
    return 1 + pb_varint_len(tag_len) + tag_len + 1 + 4;
}

static size_t summary_len(size_t value_len)
{
    return 1 + pb_varint_len(value_len) + value_len;
}

/* proto3 leaves out a zero double; protobuf-c also leaves out -0.0 (C++ protobuf keeps
 * it), and we follow protobuf-c so both encoders give the same bytes. */
static int double_is_default(double v)
{
    return v == 0.0;
}

size_t scalar_event_len(double wall_time, int64_t step, size_t tag_len)
{
    size_t s = summary_len(value_len(tag_len));
    return (double_is_default(wall_time) ? 0 : 1 + 8) +
           (step == 0 ? 0 : 1 + pb_varint_len((uint64_t)step)) + 1 + pb_varint_len(s) + s;
}

size_t scalar_event_encode(uint8_t *out, double wall_time, int64_t step, const char *tag,
                           size_t tag_len, float value)
{
    size_t v = value_len(tag_len), s = summary_len(v);
    uint8_t *p = out;
    if (!double_is_default(wall_time))
        p = pb_put_double(pb_put_key(p, 1, PB_FIXED64), wall_time);
    if (step != 0)
        p = pb_put_varint(pb_put_key(p, 2, PB_VARINT), (uint64_t)step);
    p = pb_put_varint(pb_put_key(p, 5, PB_BYTES), s);
    p = pb_put_varint(pb_put_key(p, 1, PB_BYTES), v);
    p = pb_put_varint(pb_put_key(p, 1, PB_BYTES), tag_len);
    memcpy(p, tag, tag_len);
    p += tag_len;
    p = pb_put_float(pb_put_key(p, 2, PB_FIXED32), value);
    return (size_t)(p - out);
}

/* A scalar record of a tag this long or shorter fits SCRATCH bytes (payload at most
 * 9 wall time + 11 step + 3 x 3 keys and lengths + 5 value + the tag). */
enum { SCRATCH = 256, SCRATCH_TAG_MAX = SCRATCH - RECORD_OVERHEAD - 34 };

/* The whole TFRecord (framing and checksums) of a scalar Event at out; returns its length. */
static size_t scalar_record_encode(uint8_t *out, double wall_time, int64_t step,
                                   const char *tag, size_t tag_len, float value)
{
    size_t n = scalar_event_encode(out + RECORD_HEADER, wall_time, step, tag, tag_len, value);
    writer_record_frame(out, n);
    return n + RECORD_OVERHEAD;
}

/* The record is encoded and checksummed before the lock is taken, so the critical
 * section is a bounds check and a copy of ~50 bytes: threads appending together wait
 * for each other only that long. A tag too long for the scratch is encoded in place. */
static int append_scalar(lrs_writer *w, const char *tag, size_t tag_len, int64_t step,
                         double value, double wall_time, double now)
{
    uint8_t scratch[SCRATCH];
    size_t n = 0;
    if (tag_len <= SCRATCH_TAG_MAX)
        n = scalar_record_encode(scratch, wall_time, step, tag, tag_len, (float)value);
    int rc = writer_lock(w);
    if (rc)
        return rc;
    if (n) {
        uint8_t *room = writer_record_room(w, n, &rc);
        if (room) {
            memcpy(room, scratch, n);
            w->len += n;
        }
    } else {
        size_t payload_len = scalar_event_len(wall_time, step, tag_len);
        uint8_t *payload = writer_record_begin(w, payload_len, &rc);
        if (payload) {
            scalar_event_encode(payload, wall_time, step, tag, tag_len, (float)value);
            writer_record_end(w, payload_len);
        }
    }
    return writer_unlock_at(w, rc, now);
}

static int check_tag(const lrs_writer *w, const char *tag)
{
    if (!tag || !*tag)
        return lrs_fail(LRS_ERR_ARG, "%s: a summary needs a non-empty tag",
                        w ? w->path : "NULL writer");
    return LRS_OK;
}

int lrs_writer_add_scalar(lrs_writer *w, const char *tag, int64_t step, double value)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    double now = writer_clock(); /* one clock read for the wall time and the flush check */
    double wall_time = writer_wall_time(w);
    return append_scalar(w, tag, strlen(tag), step, value, isnan(wall_time) ? now : wall_time,
                         now);
}

int lrs_writer_add_scalar_at(lrs_writer *w, const char *tag, int64_t step, double value,
                             double wall_time)
{
    int rc = check_tag(w, tag);
    if (rc)
        return rc;
    if (!isfinite(wall_time))
        return lrs_fail(LRS_ERR_ARG, "%s: tag %s: wall time must be finite, got %g",
                        w ? w->path : "NULL writer", tag, wall_time);
    return append_scalar(w, tag, strlen(tag), step, value, wall_time, writer_clock());
}
