/* tfevents: write and read TensorBoard event files.
 *
 * Writing:
 *
 *   lrs_writer *w;
 *   if (lrs_writer_open(&w, "runs/demo", NULL) != LRS_OK) { puts(lrs_errmsg()); return 1; }
 *   for (int64_t step = 0; step < 100; step++)
 *       lrs_writer_add_scalar(w, "train/loss", step, loss[step]);
 *   lrs_writer_close(w);
 *
 * Reading (every run below a logdir, the way TensorBoard shows it):
 *
 *   lrs_reader *r;
 *   lrs_reader_open(&r, "runs", NULL);
 *   lrs_reader_poll(r);                       // read everything written so far
 *   for (size_t i = 0; i < lrs_reader_run_count(r); i++) {
 *       const lrs_run *run = lrs_reader_run(r, i);
 *       const lrs_series *s = lrs_run_find(run, "train/loss");
 *       ...lrs_series_scalars(s)[k].value...
 *   }
 *   lrs_reader_close(r);
 *
 * Every function that can fail returns an lrs_status (0 on success); lrs_errmsg()
 * gives the detail. Strings and buffers passed in stay the caller's: the library
 * copies what it keeps. Pointers handed out by a reader stay valid until the next
 * lrs_reader_poll() or lrs_reader_close() on it.
 *
 * A logdir larger than memory is read run by run: open with options.lazy = 1, poll (finds
 * the runs, reads nothing), then lrs_reader_load_run(r, i) ... lrs_reader_release_run(r, i).
 */
#ifndef LRSCOPE_TFEVENTS_H
#define LRSCOPE_TFEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- histograms */

/* A histogram as TensorBoard stores it (HistogramProto): bucket[i] counts the values
 * in (bucket_limit[i-1], bucket_limit[i]]; the first bucket starts at -infinity. */
typedef struct lrs_histogram {
    double min, max, num, sum, sum_squares;
    const double *bucket_limit; /* n_buckets right edges, increasing */
    const double *bucket;       /* n_buckets counts */
    size_t n_buckets;
} lrs_histogram;

/* ---------------------------------------------------------------- writer */

typedef struct lrs_writer lrs_writer;

typedef struct lrs_writer_options {
    double flush_secs;           /* data reaches the file at least this often; default 2 */
    size_t buffer_bytes;         /* in-memory buffer, default 1 MiB: two halves, one filling
                                  * while a background thread writes the other */
    const char *filename_suffix; /* appended to the file name (e.g. ".v2"); default none */
    int fsync_on_flush;          /* fsync after every flush and at close; default 0 */
} lrs_writer_options;

/* Fills opt with the defaults above. */
void lrs_writer_options_init(lrs_writer_options *opt);

/* Creates logdir (and parents) if needed and a new event file in it named
 * events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>, whose first record,
 * file_version "brain.Event:2", is written and flushed before this returns.
 * opt may be NULL for the defaults. */
int lrs_writer_open(lrs_writer **w, const char *logdir, const lrs_writer_options *opt);

/* Path of the event file being written. */
const char *lrs_writer_path(const lrs_writer *w);

/* Wall time of the events that follow: NaN (the default) means "now" at each call.
 * A NaN is never written as a wall time. */
int lrs_writer_set_wall_time(lrs_writer *w, double wall_time);

/* A scalar as Summary.Value.simple_value (float32, what every TensorBoard reads).
 * NaN and infinities are written as given. */
int lrs_writer_add_scalar(lrs_writer *w, const char *tag, int64_t step, double value);

/* The same with an explicit wall time (seconds since the epoch; must be finite). */
int lrs_writer_add_scalar_at(lrs_writer *w, const char *tag, int64_t step, double value,
                             double wall_time);

/* A TF2-style scalar: a rank-0 DT_FLOAT tensor with plugin "scalars" metadata. */
int lrs_writer_add_tensor_scalar(lrs_writer *w, const char *tag, int64_t step, double value);

/* A histogram of n raw values, bucketed as TensorBoard does (exponential bucket
 * edges growing by 1.1 from 1e-12 to 1e20, mirrored for negatives, and 0). */
int lrs_writer_add_histogram(lrs_writer *w, const char *tag, int64_t step,
                             const double *values, size_t n);

/* A histogram from buckets the caller computed. */
int lrs_writer_add_histogram_buckets(lrs_writer *w, const char *tag, int64_t step,
                                     const lrs_histogram *h);

/* Markdown text (text plugin: a DT_STRING tensor). */
int lrs_writer_add_text(lrs_writer *w, const char *tag, int64_t step, const char *markdown);

/* An image from PNG bytes the caller encoded (width, height and channels describe it). */
int lrs_writer_add_image_png(lrs_writer *w, const char *tag, int64_t step, const void *png,
                             size_t png_len, int width, int height, int channels);

/* An image from raw 8-bit pixels, row-major, interleaved (channels 1 = gray, 3 = RGB,
 * 4 = RGBA), encoded to PNG here. */
int lrs_writer_add_image_pixels(lrs_writer *w, const char *tag, int64_t step,
                                const uint8_t *pixels, int width, int height, int channels);

/* Hyperparameters, for TensorBoard's HParams dashboard. */
typedef enum lrs_hparam_kind { LRS_HPARAM_NUMBER, LRS_HPARAM_STRING, LRS_HPARAM_BOOL } lrs_hparam_kind;

typedef struct lrs_hparam {
    const char *name;
    lrs_hparam_kind kind;
    double number;      /* LRS_HPARAM_NUMBER */
    const char *string; /* LRS_HPARAM_STRING */
    int boolean;        /* LRS_HPARAM_BOOL */
} lrs_hparam;

/* Writes the experiment (the hparams and the metric tags shown as columns, e.g.
 * "val/accuracy") and the session start for this run. */
int lrs_writer_add_hparams(lrs_writer *w, const lrs_hparam *hparams, size_t n_hparams,
                           const char *const *metric_tags, size_t n_metrics);

/* Writes the session end: status success (ok != 0) or failure. */
int lrs_writer_end_hparams(lrs_writer *w, int ok);

/* Custom-scalars layout: categories of multi-line charts; each chart's tags are
 * regular expressions matched against scalar tags (so loss and LR can share a chart). */
typedef struct lrs_chart {
    const char *title;
    const char *const *tags;
    size_t n_tags;
} lrs_chart;

typedef struct lrs_chart_category {
    const char *title;
    const lrs_chart *charts;
    size_t n_charts;
} lrs_chart_category;

int lrs_writer_add_layout(lrs_writer *w, const lrs_chart_category *categories, size_t n);

/* Writes buffered events to the file (and fsyncs if asked in the options). */
int lrs_writer_flush(lrs_writer *w);

/* Flushes, closes and frees the writer (also when the flush fails: the status says so). */
int lrs_writer_close(lrs_writer *w);

/* ---------------------------------------------------------------- reader */

typedef struct lrs_reader lrs_reader;
typedef struct lrs_run lrs_run;
typedef struct lrs_series lrs_series;

typedef struct lrs_reader_options {
    int raw;  /* 1: keep every record in file order; 0 (default): TensorBoard's view, where a
               * point at step s replaces every earlier point of its tag with step >= s */
    int lazy; /* 1: lrs_reader_poll() only finds the runs and their files, and each run is
               * read by lrs_reader_load_run() and freed by lrs_reader_release_run(): going
               * run by run holds one run's points at a time, not the logdir's. 0 (default):
               * every poll reads every run */
} lrs_reader_options;

void lrs_reader_options_init(lrs_reader_options *opt);

/* path is an event file, a run folder or a logdir tree. Each folder holding event files
 * (names containing "tfevents") is a run, named by its path relative to path ("." for
 * path itself). Nothing is read until lrs_reader_poll(). LRS_ERR_NOTFOUND if path does
 * not exist. */
int lrs_reader_open(lrs_reader **r, const char *path, const lrs_reader_options *opt);

/* Reads what was written since the last poll: new runs, new files, appended records.
 * A record cut short at the end of a file is left for a later poll. Sets *n_records
 * (may be NULL) to the number of records read by this call. A lazy reader only finds
 * new runs and files here (*n_records 0). */
int lrs_reader_poll(lrs_reader *r, size_t *n_records);

void lrs_reader_close(lrs_reader *r);

/* Reads what run i's files gained since its last load (or poll), as lrs_reader_poll() reads
 * them: files in name order with the restart rule across them, the damage met appended to
 * the reader's list. Damage an earlier load already listed (the run was released and is
 * read again) is not listed twice. LRS_ERR_ARG if there is no run i. */
int lrs_reader_load_run(lrs_reader *r, size_t i);

/* Frees run i's series (the run and its files stay listed, with no series) and rewinds its
 * files, so that the next load reads them again from the start. Pointers into the run's
 * series are invalid after it. */
void lrs_reader_release_run(lrs_reader *r, size_t i);

/* Damage met while reading, in the order found; new ones are appended by each poll. */
typedef enum lrs_damage_kind {
    LRS_DAMAGE_DATA_CRC,   /* payload checksum failed: record skipped */
    LRS_DAMAGE_LENGTH_CRC, /* header checksum failed: resynchronised at the next valid header */
    LRS_DAMAGE_PROTO,      /* checksums fine but the payload is not an Event: skipped */
    LRS_DAMAGE_TRUNCATED   /* the file ends inside a record: retried on the next poll */
} lrs_damage_kind;

typedef struct lrs_damage {
    const char *file;     /* path of the event file */
    uint64_t offset;      /* byte offset of the damaged record */
    uint64_t length;      /* bytes skipped (0 for a truncated tail) */
    lrs_damage_kind kind;
    const char *message;  /* one line, naming the file and offset */
} lrs_damage;

size_t lrs_reader_damage_count(const lrs_reader *r);
const lrs_damage *lrs_reader_damage(const lrs_reader *r, size_t i);

/* Runs, sorted by name. */
size_t lrs_reader_run_count(const lrs_reader *r);
const lrs_run *lrs_reader_run(const lrs_reader *r, size_t i);
const char *lrs_run_name(const lrs_run *run);
size_t lrs_run_file_count(const lrs_run *run);
const char *lrs_run_file(const lrs_run *run, size_t i);

/* Series (one per tag), sorted by tag. */
size_t lrs_run_series_count(const lrs_run *run);
const lrs_series *lrs_run_series(const lrs_run *run, size_t i);
const lrs_series *lrs_run_find(const lrs_run *run, const char *tag); /* NULL if absent */

typedef enum lrs_kind {
    LRS_KIND_SCALAR,    /* simple_value, or a rank-0 tensor with plugin "scalars" */
    LRS_KIND_HISTOGRAM,
    LRS_KIND_TEXT,
    LRS_KIND_IMAGE,
    LRS_KIND_HPARAMS,   /* plugin "hparams": blob is the HParamsPluginData content */
    LRS_KIND_LAYOUT,    /* plugin "custom_scalars": blob is the serialized Layout */
    LRS_KIND_OTHER      /* any other tensor summary: kept as the tensor's bytes */
} lrs_kind;

const char *lrs_series_tag(const lrs_series *s);
lrs_kind lrs_series_kind(const lrs_series *s);
const char *lrs_kind_name(lrs_kind kind); /* "scalar", "histogram", ... */
size_t lrs_series_len(const lrs_series *s);

typedef struct lrs_scalar {
    int64_t step;
    double wall_time;
    double value;      /* widened to double when stored as float32 */
    uint32_t is_double;/* 1 when stored as float64 (so printing can round-trip either) */
    uint32_t file;     /* index of the file it came from, for lrs_run_file() */
} lrs_scalar;

/* The points of a scalar series in order (NULL for other kinds). */
const lrs_scalar *lrs_series_scalars(const lrs_series *s);

typedef struct lrs_item {
    int64_t step;
    double wall_time;
    lrs_histogram histogram;  /* LRS_KIND_HISTOGRAM */
    const void *data;         /* text (NUL-terminated), PNG bytes, or plugin content */
    size_t len;
    int width, height, channels; /* LRS_KIND_IMAGE */
} lrs_item;

/* The points of a non-scalar series in order (NULL for scalars). */
const lrs_item *lrs_series_items(const lrs_series *s);

/* A run's hyperparameters: its last "_hparams_/session_start_info" (TensorBoard's hparams
 * API, PyTorch's and tensorboardX's add_hparams, lrscope train), decoded. Numbers,
 * strings and booleans, sorted by name; the caller frees them. *out is NULL (LRS_OK)
 * when the run has none; LRS_ERR_FORMAT when they do not parse. */
typedef struct lrs_hparams lrs_hparams;
int lrs_run_hparams(const lrs_run *run, lrs_hparams **out);
size_t lrs_hparams_count(const lrs_hparams *h);
const lrs_hparam *lrs_hparams_at(const lrs_hparams *h, size_t i);
const lrs_hparam *lrs_hparams_find(const lrs_hparams *h, const char *name); /* NULL if absent */
void lrs_hparams_free(lrs_hparams *h);

/* ---------------------------------------------------------------- low level */

/* CRC32C (Castagnoli) of n bytes, continuing from crc (0 to start); uses the CPU's
 * crc32 instruction where it has one. */
uint32_t lrs_crc32c(uint32_t crc, const void *data, size_t n);

/* TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
uint32_t lrs_crc32c_mask(uint32_t crc);

#ifdef __cplusplus
}
#endif
#endif
