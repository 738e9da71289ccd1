/* For the writer's own files and tests: the writer handle and the record framing. */
#ifndef LRSCOPE_WRITER_INTERNAL_H
#define LRSCOPE_WRITER_INTERNAL_H

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "crc32c_internal.h"
#include "event.pb-c.h"
#include "status.h"
#include "tfevents.h"

/* TFRecord framing around a payload: uint64 length, uint32 masked crc of the length,
 * payload, uint32 masked crc of the payload. */
enum { RECORD_HEADER = 12, RECORD_FOOTER = 4, RECORD_OVERHEAD = 16 };

enum { IO_IDLE, IO_HANDED, IO_WRITING };

struct lrs_writer {
    int lock;             /* spin lock (writer_acquire) guarding everything below but path,
                           * the flusher fields and the io_ fields */
    int fd;
    uint8_t *buf;         /* whole records waiting for the file */
    size_t len, cap;
    uint8_t *spare;       /* the other half: being written by the flusher, or free */
    size_t spare_cap;
    uint64_t file_len;    /* bytes known to be in the file: where a failed write truncates to */
    double wall_time;     /* NaN: "now" at each event; atomic loads/stores (read unlocked) */
    double flush_secs;
    double flush_deadline;/* writer clock (coarse wall clock) time after which an append flushes */
    int fsync_on_flush;
    int failed;           /* status of the failure that stopped this writer, 0 when fine */
    int failed_reported;  /* whether that failure's own status was returned already */
    char failed_msg[256];

    /* A full half handed to the flusher thread, so appends go on while it is written. The
     * lock holder sets io_buf/io_len and io_state = IO_HANDED; whoever moves it to
     * IO_WRITING (the flusher, or a lock holder that cannot wait) writes without the lock,
     * sets io_err/io_what (and file_len) and then io_state = IO_IDLE (atomic release). */
    const uint8_t *io_buf;
    size_t io_len;
    int io_state;
    int io_err;           /* errno of the failed write or fsync, 0 when fine */
    const char *io_what;

    pthread_t flusher;    /* wakes every flush_secs so an idle buffer still reaches the file,
                           * and when a half is handed to it */
    pthread_mutex_t sleep_lock; /* guards stopping and io_pending; the flusher sleeps on wake */
    pthread_cond_t wake;
    int stopping;
    int io_pending;
    int has_flusher;

    char path[];
};

/* The small helpers of the hot path are inline here: liblrscope is a shared library,
 * so a call to another file's function goes through the PLT and is never inlined, and
 * these calls were a third of a scalar append's instructions. */

/* The writer's one clock, for wall times and flush deadlines (seconds since the epoch).
 * CLOCK_REALTIME costs ~24 ns here (half the time of a whole scalar append); the coarse
 * clock costs ~3 ns and ticks every 1-4 ms, finer than anything TensorBoard plots. */
static inline double writer_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME_COARSE, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The wall time set with lrs_writer_set_wall_time (NaN: now), read without the lock. */
static inline double writer_wall_time(const lrs_writer *w)
{
    double t = NAN;
    if (w)
        __atomic_load(&w->wall_time, &t, __ATOMIC_RELAXED);
    return t;
}

/* Seconds since the epoch for an event written now (the set wall time if any). */
static inline double writer_event_time(const lrs_writer *w)
{
    double t = writer_wall_time(w);
    return isnan(t) ? writer_clock() : t;
}

/* Waits until *word is 0 (spinning briefly, then yielding, then sleeping). */
void writer_wait_zero(const int *word);

/* Waits until the lock looks free (spinning briefly, then yielding, then sleeping: the
 * holder may be in write(2) or fsync). */
void writer_wait_lock(lrs_writer *w);

/* The writer's lock is a spin lock: a critical section is a ~50-byte copy, and
 * pthread_mutex_lock + unlock (two locked instructions and two calls) were a quarter
 * of a scalar append's time; here releasing is a plain store. */
static inline void writer_acquire(lrs_writer *w)
{
    while (__builtin_expect(__atomic_exchange_n(&w->lock, 1, __ATOMIC_ACQUIRE), 0))
        writer_wait_lock(w);
}

static inline void writer_release(lrs_writer *w)
{
    __atomic_store_n(&w->lock, 0, __ATOMIC_RELEASE);
}

/* The status a failed writer answers with: the failure's own status the first time it
 * reaches a caller, LRS_ERR_CLOSED after that; sets the message. Caller holds lock. */
int writer_lock_status(lrs_writer *w);

/* The NULL-writer message for writer_lock. */
int writer_null(void);

/* Checks the handle (LRS_ERR_CLOSED after a failure) and takes the lock; on failure
 * the lock is not held. */
static inline int writer_lock(lrs_writer *w)
{
    if (!w)
        return writer_null();
    writer_acquire(w);
    if (__builtin_expect(!w->failed, 1))
        return LRS_OK;
    int rc = writer_lock_status(w);
    writer_release(w);
    return rc;
}

/* Writes the buffer to the file (and fsyncs if asked), after the half in flight if any.
 * Caller holds lock. */
int writer_flush_locked(lrs_writer *w);

/* Writes the half handed over (w->io_buf) unless nothing is handed over or another
 * thread is writing it. The flusher calls it without the lock. */
void writer_io_write(lrs_writer *w);

/* Tells the flusher thread a half is waiting (writer.c). */
void writer_io_wake(lrs_writer *w);

/* Releases the lock after flushing if the flush deadline passed (now: writer_clock()
 * read by the caller); returns status, or the flush's failure when status was LRS_OK. */
static inline int writer_unlock_at(lrs_writer *w, int status, double now)
{
    if (status == LRS_OK && w->len > 0 && now >= w->flush_deadline)
        status = writer_flush_locked(w);
    writer_release(w);
    return status;
}

/* The same, reading the clock. */
static inline int writer_unlock(lrs_writer *w, int status)
{
    return writer_unlock_at(w, status, writer_clock());
}

/* Hands the full buffer to the flusher thread (or writes it, before the thread runs) and
 * grows the empty one for a record bigger than it, so that record_len more bytes fit;
 * NULL with the status in *rc on failure. Caller holds lock. */
uint8_t *writer_make_room(lrs_writer *w, size_t record_len, int *rc);

/* Room for one whole record of record_len bytes at the end of the buffer (flushing or
 * growing it first): returns where the record goes, or NULL with the status in *rc. The
 * caller writes the record there and adds record_len to w->len. Caller holds lock. */
static inline uint8_t *writer_record_room(lrs_writer *w, size_t record_len, int *rc)
{
    if (__builtin_expect(w->len + record_len > w->cap, 0))
        return writer_make_room(w, record_len, rc);
    *rc = LRS_OK;
    return w->buf + w->len;
}

/* Room for one record of payload_len bytes: returns where its payload goes, or NULL with
 * the status in *rc (a failed flush, or no memory). Caller holds lock. */
uint8_t *writer_record_begin(lrs_writer *w, size_t payload_len, int *rc);

/* Writes the length, its checksum and the payload's checksum around the payload_len
 * bytes at record + RECORD_HEADER. */
static inline void writer_record_frame(uint8_t *record, size_t payload_len)
{
    uint64_t len64 = payload_len;
    memcpy(record, &len64, 8);
    uint32_t len_crc, data_crc;
    lrs_crc32c_record(record, payload_len, &len_crc, &data_crc);
    memcpy(record + 8, &len_crc, 4);
    memcpy(record + RECORD_HEADER + payload_len, &data_crc, 4);
}

/* Frames the payload written after writer_record_begin. Caller holds lock. */
void writer_record_end(lrs_writer *w, size_t payload_len);

/* Packs a whole Event into one record. Caller holds lock. */
int writer_append_event(lrs_writer *w, const Tensorboard__Event *event);

/* Appends Event{now, step, Summary{value}} (wall time from writer_event_time). */
int writer_append_value(lrs_writer *w, int64_t step, Tensorboard__Summary__Value *value);

/* Appends a value whose tensor is for plugin (PluginData content empty: version 0). */
int writer_append_plugin_tensor(lrs_writer *w, const char *tag, int64_t step, const char *plugin,
                                Tensorboard__DataClass data_class, Tensorboard__TensorProto *tensor);

/* The same with a rank-0 DT_STRING tensor holding len bytes (text, layouts). */
int writer_append_plugin_string(lrs_writer *w, const char *tag, int64_t step, const char *plugin,
                                Tensorboard__DataClass data_class, const void *bytes, size_t len);

/* The file descriptor, so tests can make writes fail (dup2 /dev/full over it). */
int lrs_writer_test_fd(const lrs_writer *w);

/* Encodes the scalar Event {wall_time, step, Summary{Value{tag, simple_value}}} at out
 * (at least scalar_event_len bytes); returns its length. */
size_t scalar_event_encode(uint8_t *out, double wall_time, int64_t step, const char *tag,
                           size_t tag_len, float value);
size_t scalar_event_len(double wall_time, int64_t step, size_t tag_len);

#endif
