/* For the writer's own files and tests: the writer handle and the record framing. */
#ifndef LRSCOPE_WRITER_INTERNAL_H
#define LRSCOPE_WRITER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "event.pb-c.h"
#include "tfevents.h"

/* TFRecord framing around a payload: uint64 length, uint32 masked crc of the length,
 * payload, uint32 masked crc of the payload. */
enum { RECORD_HEADER = 12, RECORD_FOOTER = 4, RECORD_OVERHEAD = 16 };

struct lrs_writer {
    pthread_mutex_t lock; /* guards everything below but path and the flusher fields */
    int fd;
    uint8_t *buf;         /* whole records waiting for the file */
    size_t len, cap;
    uint64_t file_len;    /* bytes known to be in the file: where a failed write truncates to */
    double wall_time;     /* NaN: "now" at each event */
    double flush_secs;
    double flush_deadline;/* writer clock (coarse wall clock) time after which an append flushes */
    int fsync_on_flush;
    int failed;           /* status of the failure that stopped this writer, 0 when fine */
    int failed_reported;  /* whether that failure's own status was returned already */
    char failed_msg[256];

    pthread_t flusher;    /* wakes every flush_secs so an idle buffer still reaches the file */
    pthread_cond_t wake;
    int stopping;
    int has_flusher;

    char path[];
};

/* The coarse wall clock the writer reads (seconds since the epoch). */
double writer_clock(void);

/* Seconds since the epoch for an event written now (w->wall_time if set). Caller holds lock. */
double writer_event_time(const lrs_writer *w);

/* Checks the handle (LRS_ERR_CLOSED after a failure) and takes the lock; on failure
 * the lock is not held. */
int writer_lock(lrs_writer *w);

/* The status a failed writer answers with: the failure's own status the first time it
 * reaches a caller, LRS_ERR_CLOSED after that; sets the message. Caller holds lock. */
int writer_lock_status(lrs_writer *w);

/* Releases the lock after flushing if the flush deadline passed; returns status, or the
 * flush's failure when status was LRS_OK. */
int writer_unlock(lrs_writer *w, int status);

/* The same when the caller has just read writer_clock() into now. */
int writer_unlock_at(lrs_writer *w, int status, double now);

/* Room for one record of payload_len bytes: returns where its payload goes, or NULL with
 * the status in *rc (a failed flush, or no memory). Caller holds lock. */
uint8_t *writer_record_begin(lrs_writer *w, size_t payload_len, int *rc);

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

/* Writes the buffer to the file (and fsyncs if asked). Caller holds lock. */
int writer_flush_locked(lrs_writer *w);

/* The file descriptor, so tests can make writes fail (dup2 /dev/full over it). */
int lrs_writer_test_fd(const lrs_writer *w);

/* Encodes the scalar Event {wall_time, step, Summary{Value{tag, simple_value}}} at out
 * (at least scalar_event_max_len(tag_len) bytes); returns its length. */
size_t scalar_event_encode(uint8_t *out, double wall_time, int64_t step, const char *tag,
                           size_t tag_len, float value);
size_t scalar_event_len(double wall_time, int64_t step, size_t tag_len);

#endif
