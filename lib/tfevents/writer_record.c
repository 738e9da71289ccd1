/* The writer's buffer of whole TFRecords and the writes that move it to the file.
 * A record is framed in place in the buffer (or, for scalars, on the caller's stack and
 * copied in), with no allocation; the file only ever grows by whole records (a failed
 * write is cut back). */
#include <errno.h>
#include <sched.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "status_internal.h"
#include "writer_internal.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "TFRecord framing assumes little-endian");

int writer_lock_status(lrs_writer *w)
{
    if (w->failed_reported)
        return lrs_fail(LRS_ERR_CLOSED, "%s: the writer failed earlier (%s)", w->path,
                        w->failed_msg);
    w->failed_reported = 1;
    return lrs_fail(w->failed, "%s", w->failed_msg);
}

/* A hint to the CPU that this is a spin-wait loop (x86 PAUSE). */
static void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

void writer_wait_lock(lrs_writer *w)
{
    for (unsigned i = 0; __atomic_load_n(&w->lock, __ATOMIC_RELAXED); i++) {
        if (i < 64)
            cpu_relax();
        else if (i < 128)
            sched_yield();
        else
            nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
    }
}

int writer_null(void)
{
    return lrs_fail(LRS_ERR_ARG, "NULL writer");
}

/* Stops the writer: later calls answer LRS_ERR_CLOSED instead of writing garbage. */
static int writer_fail(lrs_writer *w, int status, const char *what, int err)
{
    w->failed = status;
    w->failed_reported = 1;
    snprintf(w->failed_msg, sizeof w->failed_msg, "%s: %s: %s", w->path, what, strerror(err));
    return lrs_fail(status, "%s", w->failed_msg);
}

/* write(2) until all n bytes are out, through EINTR and short writes. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int writer_flush_locked(lrs_writer *w)
{
    if (w->len > 0) {
        int err = write_all(w->fd, w->buf, w->len);
        if (err) {
            /* Cut a half-written buffer back so readers see only whole records (best
             * effort: if this fails too, the tail is a truncated record, which readers
             * already treat as "not written yet"). */
            if (ftruncate(w->fd, (off_t)w->file_len) != 0) {
            }
            return writer_fail(w, lrs_status_from_errno(err), "write failed", err);
        }
        w->file_len += w->len;
        w->len = 0;
    }
    if (w->fsync_on_flush && fsync(w->fd) != 0)
        return writer_fail(w, lrs_status_from_errno(errno), "fsync failed", errno);
    w->flush_deadline = writer_clock() + w->flush_secs;
    return LRS_OK;
}

uint8_t *writer_make_room(lrs_writer *w, size_t record_len, int *rc)
{
    if ((*rc = writer_flush_locked(w)) != LRS_OK)
        return NULL;
    if (record_len > w->cap) { /* one record bigger than the buffer: grow for it */
        uint8_t *bigger = realloc(w->buf, record_len);
        if (!bigger) {
            *rc = lrs_fail(LRS_ERR_NOMEM, "%s: out of memory for a %zu-byte record", w->path,
                           record_len - RECORD_OVERHEAD);
            return NULL;
        }
        w->buf = bigger;
        w->cap = record_len;
    }
    return w->buf + w->len;
}

uint8_t *writer_record_begin(lrs_writer *w, size_t payload_len, int *rc)
{
    uint8_t *record = writer_record_room(w, payload_len + RECORD_OVERHEAD, rc);
    return record ? record + RECORD_HEADER : NULL;
}

void writer_record_end(lrs_writer *w, size_t payload_len)
{
    writer_record_frame(w->buf + w->len, payload_len);
    w->len += payload_len + RECORD_OVERHEAD;
}

int writer_append_event(lrs_writer *w, const Tensorboard__Event *event)
{
    size_t n = tensorboard__event__get_packed_size(event);
    int rc;
    uint8_t *payload = writer_record_begin(w, n, &rc);
    if (!payload)
        return rc;
    tensorboard__event__pack(event, payload);
    writer_record_end(w, n);
    return LRS_OK;
}

int writer_append_value(lrs_writer *w, int64_t step, Tensorboard__Summary__Value *value)
{
    Tensorboard__Summary summary = TENSORBOARD__SUMMARY__INIT;
    summary.n_value = 1;
    summary.value = &value;
    Tensorboard__Event event = TENSORBOARD__EVENT__INIT;
    event.step = step;
    event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
    event.summary = &summary;
    int rc = writer_lock(w);
    if (rc)
        return rc;
    event.wall_time = writer_event_time(w);
    return writer_unlock(w, writer_append_event(w, &event));
}

int lrs_writer_test_fd(const lrs_writer *w)
{
    return w->fd;
}
