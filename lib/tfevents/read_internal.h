/* The tfevents reader's insides, shared by record_read.c (framing), event_decode.c
 * (Event -> points), reader_store.c (runs, series, the restart rule) and reader.c
 * (files, polling, damage). Tests and the fuzz harness include it too. */
#ifndef LRSCOPE_READ_INTERNAL_H
#define LRSCOPE_READ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tfevents.h"

/* ---------------------------------------------------------------- record framing */

/* A record is: uint64 LE length | uint32 masked crc32c(length) | payload | uint32 masked
 * crc32c(payload). Lengths of 256 MiB or more are taken as damage, never as a record. */
enum { LRS_RECORD_OVERHEAD = 16, LRS_RECORD_MAX = 256u << 20 };

typedef enum lrs_record_status {
    LRS_RECORD_OK,         /* payload/len valid, next = first byte after the record */
    LRS_RECORD_INCOMPLETE, /* the data ends inside a record (or inside unrecoverable bytes) */
    LRS_RECORD_DATA_CRC,   /* length fine, payload checksum wrong: next skips the record */
    LRS_RECORD_LENGTH_CRC  /* header wrong: next is the next valid record found by scanning */
} lrs_record_status;

typedef struct lrs_record {
    lrs_record_status status;
    size_t next;            /* where reading goes on (unchanged when INCOMPLETE) */
    const uint8_t *payload; /* LRS_RECORD_OK only */
    size_t len;
} lrs_record;

/* Frames the record starting at buf[pos], reading no byte at or past buf[n]. */
void lrs_record_next(const uint8_t *buf, size_t n, size_t pos, lrs_record *rec);

/* ---------------------------------------------------------------- runs and series */

struct lrs_series {
    char *tag;
    size_t tag_len;
    uint32_t hash;
    lrs_kind kind;
    size_t len, cap;
    lrs_scalar *scalars; /* LRS_KIND_SCALAR */
    lrs_item *items;     /* other kinds; each item's data and buckets are one malloc block,
                          * owned through item.data or item.histogram.bucket_limit */
};

typedef struct lrs_file_state {
    char *path;
    uint64_t offset;       /* first byte not consumed yet */
    uint64_t size;         /* size at the last poll (a smaller size means rewritten) */
    uint64_t tail_noted;   /* offset + 1 of the last truncated tail reported (0: none) */
    uint64_t listed;       /* bytes read before the run was released: their damage is listed */
} lrs_file_state;

struct lrs_run {
    char *name;
    int raw;
    lrs_file_state *files;
    size_t n_files, cap_files;
    lrs_series **series;   /* sorted by tag after each poll */
    size_t n_series, cap_series;
    int unsorted;
    lrs_series **table;    /* open-addressing hash of tags, size a power of two */
    size_t table_size;
};

lrs_run *lrs_run_new(const char *name, int raw);
void lrs_run_free(lrs_run *run);
int lrs_run_add_file(lrs_run *run, const char *path);
void lrs_run_sort(lrs_run *run); /* puts series in tag order (after a poll) */
void lrs_run_clear(lrs_run *run); /* frees the series, keeps the name and files */

/* The series of tag (tag_len bytes, no NUL inside), created with kind when new.
 * NULL with *rc set when memory runs out. */
lrs_series *lrs_run_intern(lrs_run *run, const char *tag, size_t tag_len, lrs_kind kind, int *rc);
lrs_series *lrs_run_lookup(const lrs_run *run, const char *tag, size_t tag_len);

/* Append a point. In the default view a point at step s first drops the points of the
 * series with step >= s (they are sorted by step there). item->data or
 * item->histogram.bucket_limit owns the item's malloc block, freed when dropped. */
int lrs_series_push_scalar(lrs_series *s, int raw, const lrs_scalar *pt);
int lrs_series_push_item(lrs_series *s, int raw, const lrs_item *item);

/* ---------------------------------------------------------------- events */

/* Decodes one record payload as an Event and appends its points to run (file = index of
 * the file in run). LRS_ERR_FORMAT when the payload is not an Event. */
int lrs_event_decode(lrs_run *run, uint32_t file, const uint8_t *payload, size_t len);

/* ---------------------------------------------------------------- reader */

/* Reads the records of run->files[file] found in data[0..len), the file's bytes from
 * offset base on, from the file's offset (>= base) on; at_end: data ends where the file
 * does (a record cut there is a torn tail, noted; else it waits for the next chunk). */
int lrs_reader_consume_at(lrs_reader *r, lrs_run *run, uint32_t file, const uint8_t *data, uint64_t base,
                          size_t len, int at_end, size_t *n_records);

/* The same over a whole file's bytes data[0..size) (the fuzz harness calls it on raw
 * bytes). */
int lrs_reader_consume(lrs_reader *r, lrs_run *run, uint32_t file, const uint8_t *data,
                       size_t size, size_t *n_records);

/* The bytes lrs_reader_poll reads at a time (16 MiB; tests set it small to cut records). */
extern size_t lrs_reader_chunk;

#endif
