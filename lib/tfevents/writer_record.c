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

void writer_wait_zero(const int *word)
{
    for (unsigned i = 0; __atomic_load_n(word, __ATOMIC_ACQUIRE); i++) {
        if (i < 64)
            cpu_relax();
        else if (i < 128)
            sched_yield();
        else
            nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
    }
}

void writer_wait_lock(lrs_writer *w)
{
    writer_wait_zero(&w->lock);
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

/* Writes n bytes at the end of the file; on failure cuts the file back to its last
 * whole record (best effort: if that fails too, the tail is a truncated record, which
 * readers already treat as "not written yet") and returns errno, *what saying which. */
static int write_records(lrs_writer *w, const uint8_t *p, size_t n, const char **what)
{
    int err = write_all(w->fd, p, n);
    if (err) {
        if (ftruncate(w->fd, (off_t)w->file_len) != 0) {
        }
        *what = "write failed";
        return err;
    }
    w->file_len += n;
    if (w->fsync_on_flush && fsync(w->fd) != 0) {
        *what = "fsync failed";
        return errno;
    }
    return 0;
}

void writer_io_write(lrs_writer *w)
{
    int handed = IO_HANDED;
    if (!__atomic_compare_exchange_n(&w->io_state, &handed, IO_WRITING, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return; /* nothing handed over, or a lock holder took it */
    w->io_err = write_records(w, w->io_buf, w->io_len, &w->io_what);
    __atomic_store_n(&w->io_state, IO_IDLE, __ATOMIC_RELEASE);
}

/* Waits for the half in flight (writing it here if the flusher has not started: it may
 * be waiting for this very lock); its failure becomes the writer's. Caller holds lock. */
static int settle_io(lrs_writer *w)
{
    writer_io_write(w);
    writer_wait_zero(&w->io_state);
    if (!w->io_err)
        return LRS_OK;
    int err = w->io_err;
    w->io_err = 0;
    return writer_fail(w, lrs_status_from_errno(err), w->io_what, err);
}

int writer_flush_locked(lrs_writer *w)
{
    int rc = settle_io(w);
    if (rc)
        return rc;
    const char *what = NULL;
    int err = w->len > 0 || w->fsync_on_flush ? write_records(w, w->buf, w->len, &what) : 0;
    if (err)
        return writer_fail(w, lrs_status_from_errno(err), what, err);
    w->len = 0;
    w->flush_deadline = writer_clock() + w->flush_secs;
    return LRS_OK;
}

/* The full buffer becomes the flusher's to write; the free half takes its place. */
static int hand_off(lrs_writer *w)
{
    int rc = settle_io(w);
    if (rc)
        return rc;
    uint8_t *full = w->buf;
    size_t full_cap = w->cap;
    w->io_buf = full;
    w->io_len = w->len;
    w->buf = w->spare;
    w->cap = w->spare_cap;
    w->spare = full;
    w->spare_cap = full_cap;
    w->len = 0;
    __atomic_store_n(&w->io_state, IO_HANDED, __ATOMIC_RELEASE);
    writer_io_wake(w);
    return LRS_OK;
}

uint8_t *writer_make_room(lrs_writer *w, size_t record_len, int *rc)
{
    *rc = w->has_flusher && w->len > 0 ? hand_off(w) : writer_flush_locked(w);
    if (*rc != LRS_OK)
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
