/* The reader: finds runs and event files under a path, reads what was appended since
 * the last poll (pread in chunks: a file truncated while it is read gives a short read,
 * not the SIGBUS of a mapping), and records the damage it met. A lazy reader reads a run
 * only when asked (lrs_reader_load_run) and can forget it again (lrs_reader_release_run). */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read_internal.h"
#include "status_internal.h"

enum { MAX_DEPTH = 64 }; /* a symlink loop must not recurse forever */

struct lrs_reader {
    char *root;
    int root_is_file;
    lrs_reader_options opt;
    lrs_run **runs; /* sorted by name after each poll */
    size_t n_runs, cap_runs;
    lrs_damage *damage;
    size_t n_damage, cap_damage;
};

void lrs_reader_options_init(lrs_reader_options *opt)
{
    memset(opt, 0, sizeof *opt);
}

int lrs_reader_open(lrs_reader **out, const char *path, const lrs_reader_options *opt)
{
    struct stat st;
    if (!out || !path || !*path)
        return lrs_fail(LRS_ERR_ARG, "lrs_reader_open: NULL or empty argument");
    *out = NULL;
    if (stat(path, &st) != 0)
        return lrs_fail(errno == ENOENT ? LRS_ERR_NOTFOUND : LRS_ERR_IO, "%s: %s", path,
                        strerror(errno));
    lrs_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->root = strdup(path))) {
        free(r);
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t n = strlen(r->root);
    while (n > 1 && r->root[n - 1] == '/')
        r->root[--n] = '\0';
    r->root_is_file = !S_ISDIR(st.st_mode);
    if (opt)
        r->opt = *opt;
    *out = r;
    return LRS_OK;
}

void lrs_reader_close(lrs_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_runs; i++)
        lrs_run_free(r->runs[i]);
    for (size_t i = 0; i < r->n_damage; i++)
        free((void *)r->damage[i].message);
    free(r->runs);
    free(r->damage);
    free(r->root);
    free(r);
}

/* ---------------------------------------------------------------- damage */

static int add_damage(lrs_reader *r, const lrs_file_state *f, lrs_damage_kind kind,
                      uint64_t offset, uint64_t length, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add_damage(lrs_reader *r, const lrs_file_state *f, lrs_damage_kind kind,
                      uint64_t offset, uint64_t length, const char *fmt, ...)
{
    if (offset < f->listed) /* read again after a release: listed the first time */
        return LRS_OK;
    int rc = lrs_array_grow((void **)&r->damage, &r->cap_damage, r->n_damage + 1,
                            sizeof *r->damage, "reader");
    if (rc != LRS_OK)
        return rc;
    char detail[160], *message;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (asprintf(&message, "%s: byte %llu: %s", f->path, (unsigned long long)offset, detail) < 0)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", f->path);
    r->damage[r->n_damage++] = (lrs_damage){f->path, offset, length, kind, message};
    return LRS_OK;
}

size_t lrs_reader_damage_count(const lrs_reader *r) { return r->n_damage; }

const lrs_damage *lrs_reader_damage(const lrs_reader *r, size_t i)
{
    return i < r->n_damage ? &r->damage[i] : NULL;
}

/* ---------------------------------------------------------------- records */

/* pos: the record's offset in the file; rec->next - at: its length with what was skipped. */
static int note_bad_record(lrs_reader *r, lrs_file_state *f, const lrs_record *rec, uint64_t pos, size_t at)
{
    unsigned long long skipped = rec->next - at;
    if (rec->status == LRS_RECORD_DATA_CRC)
        return add_damage(r, f, LRS_DAMAGE_DATA_CRC, pos, skipped,
                          "record payload checksum mismatch, skipped %llu bytes", skipped);
    return add_damage(r, f, LRS_DAMAGE_LENGTH_CRC, pos, skipped,
                      "record header checksum mismatch, skipped %llu bytes to the next valid "
                      "record", skipped);
}

/* A tail cut inside a record is noted once per offset: the writer may still finish it. */
static int note_tail(lrs_reader *r, lrs_file_state *f, uint64_t pos, uint64_t size)
{
    if (pos >= size || f->tail_noted == pos + 1)
        return LRS_OK;
    f->tail_noted = pos + 1;
    return add_damage(r, f, LRS_DAMAGE_TRUNCATED, pos, 0,
                      "file ends inside a record (%llu bytes so far), read again when it grows",
                      (unsigned long long)(size - pos));
}

int lrs_reader_consume_at(lrs_reader *r, lrs_run *run, uint32_t file, const uint8_t *data, uint64_t base,
                          size_t len, int at_end, size_t *n_records)
{
    lrs_file_state *f = &run->files[file];
    size_t at = (size_t)(f->offset - base); /* f->offset in data */
    int rc = LRS_OK;
    for (;;) {
        lrs_record rec;
        lrs_record_next(data, len, at, &rec);
        if (rec.status == LRS_RECORD_INCOMPLETE) {
            if (at_end) rc = note_tail(r, f, base + at, base + len);
            break;
        }
        if (rec.status == LRS_RECORD_OK) {
            rc = lrs_event_decode(run, file, rec.payload, rec.len);
            if (rc == LRS_ERR_FORMAT)
                rc = add_damage(r, f, LRS_DAMAGE_PROTO, base + at, rec.next - at,
                                "record of %zu bytes is not an Event, skipped", rec.len);
            else if (rc == LRS_OK && n_records)
                (*n_records)++;
        } else {
            rc = note_bad_record(r, f, &rec, base + at, at);
        }
        if (rc != LRS_OK)
            break;
        at = rec.next;
    }
    f->offset = base + at;
    return rc;
}

int lrs_reader_consume(lrs_reader *r, lrs_run *run, uint32_t file, const uint8_t *data,
                       size_t size, size_t *n_records)
{
    return lrs_reader_consume_at(r, run, file, data, 0, size, 1, n_records);
}

size_t lrs_reader_chunk = 16u << 20;

/* Reads up to n bytes at offset (fewer at the end of the file, or if it shrank meanwhile);
 * the count read, or -1 with errno. */
static ssize_t read_at(int fd, uint8_t *buf, size_t n, uint64_t offset)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(offset + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* Reads the file from f->offset to size, a chunk at a time: the records a chunk holds
 * whole, then the next chunk from the first record it cut. A chunk that holds no whole
 * record (one record, or damage to skip, larger than it) is doubled. */
static int read_new_bytes(lrs_reader *r, lrs_run *run, uint32_t file, int fd, uint64_t size, size_t *n_records)
{
    lrs_file_state *f = &run->files[file];
    size_t chunk = lrs_reader_chunk ? lrs_reader_chunk : 1, cap = 0;
    uint8_t *buf = NULL;
    int rc = LRS_OK;
    while (rc == LRS_OK && f->offset < size) {
        uint64_t left = size - f->offset;
        size_t want = left < chunk ? (size_t)left : chunk;
        if ((rc = lrs_array_grow((void **)&buf, &cap, want, 1, f->path)) != LRS_OK)
            break;
        ssize_t got = read_at(fd, buf, want, f->offset);
        if (got < 0) {
            rc = lrs_fail(LRS_ERR_IO, "%s: %s", f->path, strerror(errno));
            break;
        }
        uint64_t before = f->offset;
        int at_end = (size_t)got < want || want == left;
        rc = lrs_reader_consume_at(r, run, file, buf, before, (size_t)got, at_end, n_records);
        if (at_end) break;
        if (f->offset == before) chunk = want * 2; /* nothing whole in it */
    }
    free(buf);
    return rc;
}

/* Reads what file gained since the last poll. A file that shrank was rewritten: it is
 * noted as damage and read again from the start (the restart rule then replaces the
 * points it had given). */
static int poll_file(lrs_reader *r, lrs_run *run, uint32_t file, size_t *n_records)
{
    lrs_file_state *f = &run->files[file];
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LRS_OK : lrs_fail(LRS_ERR_IO, "%s: %s", f->path, strerror(errno));
    struct stat st;
    int rc = LRS_OK;
    if (fstat(fd, &st) != 0) {
        rc = lrs_fail(LRS_ERR_IO, "%s: %s", f->path, strerror(errno));
        goto done;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < f->size) {
        f->listed = 0; /* a new file: its damage is new */
        rc = add_damage(r, f, LRS_DAMAGE_TRUNCATED, size, f->size - size,
                        "file shrank from %llu bytes, reading it again from the start",
                        (unsigned long long)f->size);
        f->offset = 0;
        f->tail_noted = 0;
    }
    f->size = size;
    if (rc != LRS_OK || size <= f->offset)
        goto done;
    rc = read_new_bytes(r, run, file, fd, size, n_records);
done:
    close(fd);
    return rc;
}

/* ---------------------------------------------------------------- runs and files */

static lrs_run *find_or_add_run(lrs_reader *r, const char *name, int *rc)
{
    for (size_t i = 0; i < r->n_runs; i++)
        if (!strcmp(r->runs[i]->name, name))
            return r->runs[i];
    *rc = lrs_array_grow((void **)&r->runs, &r->cap_runs, r->n_runs + 1, sizeof *r->runs, "reader");
    if (*rc != LRS_OK)
        return NULL;
    lrs_run *run = lrs_run_new(name, r->opt.raw);
    if (!run) {
        *rc = lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", r->root);
        return NULL;
    }
    r->runs[r->n_runs++] = run;
    return run;
}

static int add_file_once(lrs_run *run, const char *path)
{
    for (size_t i = 0; i < run->n_files; i++)
        if (!strcmp(run->files[i].path, path))
            return LRS_OK;
    return lrs_run_add_file(run, path);
}

typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list;

static int name_list_add(name_list *l, const char *name)
{
    int rc = lrs_array_grow((void **)&l->names, &l->cap, l->n + 1, sizeof *l->names, "reader");
    if (rc != LRS_OK)
        return rc;
    if (!(l->names[l->n] = strdup(name)))
        return lrs_fail(LRS_ERR_NOMEM, "out of memory");
    l->n++;
    return LRS_OK;
}

static void name_list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    char *p;
    return asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0 ? NULL
                                                                                          : p;
}

/* Lists dir's event files and subfolders, both sorted by name. */
static int list_dir(const char *dir, name_list *files, name_list *subdirs)
{
    DIR *d = opendir(dir);
    if (!d)
        return LRS_ERR_IO;
    struct dirent *e;
    int rc = LRS_OK;
    while (rc == LRS_OK && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int is_dir = e->d_type == DT_DIR, is_file = e->d_type == DT_REG;
        if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
            char *path = join(dir, e->d_name);
            struct stat st;
            if (path && stat(path, &st) == 0) {
                is_dir = S_ISDIR(st.st_mode);
                is_file = S_ISREG(st.st_mode);
            }
            free(path);
        }
        if (is_file && strstr(e->d_name, "tfevents"))
            rc = name_list_add(files, e->d_name);
        else if (is_dir)
            rc = name_list_add(subdirs, e->d_name);
    }
    closedir(d);
    if (files->n)
        qsort(files->names, files->n, sizeof *files->names, by_name);
    if (subdirs->n)
        qsort(subdirs->names, subdirs->n, sizeof *subdirs->names, by_name);
    return rc;
}

static int walk(lrs_reader *r, const char *dir, const char *rel, int depth)
{
    name_list files = {0}, subdirs = {0};
    int rc = list_dir(dir, &files, &subdirs);
    if (rc == LRS_ERR_IO) /* an unreadable folder below the root is skipped */
        rc = depth ? LRS_OK : lrs_fail(LRS_ERR_IO, "%s: %s", dir, strerror(errno));
    lrs_run *run = NULL;
    if (rc == LRS_OK && files.n)
        run = find_or_add_run(r, *rel ? rel : ".", &rc);
    for (size_t i = 0; run && rc == LRS_OK && i < files.n; i++) {
        char *path = join(dir, files.names[i]);
        rc = path ? add_file_once(run, path) : lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", dir);
        free(path);
    }
    for (size_t i = 0; rc == LRS_OK && depth < MAX_DEPTH && i < subdirs.n; i++) {
        char *sub = join(dir, subdirs.names[i]);
        char *sub_rel = *rel ? join(rel, subdirs.names[i]) : strdup(subdirs.names[i]);
        rc = sub && sub_rel ? walk(r, sub, sub_rel, depth + 1)
                            : lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", dir);
        free(sub);
        free(sub_rel);
    }
    name_list_free(&files);
    name_list_free(&subdirs);
    return rc;
}

/* Finds runs and files, new ones included: the root file itself, or a walk of the tree. */
static int discover(lrs_reader *r)
{
    if (!r->root_is_file)
        return walk(r, r->root, "", 0);
    int rc = LRS_OK;
    lrs_run *run = find_or_add_run(r, ".", &rc);
    return run ? add_file_once(run, r->root) : rc;
}

static int by_run_name(const void *a, const void *b)
{
    return strcmp((*(lrs_run *const *)a)->name, (*(lrs_run *const *)b)->name);
}

/* Reads what each file of run gained since the last read, in name order (the restart
 * rule runs across them); *n_records (may be NULL) counts the records. */
static int poll_run(lrs_reader *r, lrs_run *run, size_t *n_records)
{
    int rc = LRS_OK;
    for (size_t k = 0; rc == LRS_OK && k < run->n_files; k++)
        rc = poll_file(r, run, (uint32_t)k, n_records);
    return rc;
}

int lrs_reader_poll(lrs_reader *r, size_t *n_records)
{
    if (!r)
        return lrs_fail(LRS_ERR_ARG, "lrs_reader_poll: NULL reader");
    if (n_records)
        *n_records = 0;
    int rc = discover(r);
    for (size_t i = 0; rc == LRS_OK && !r->opt.lazy && i < r->n_runs; i++)
        rc = poll_run(r, r->runs[i], n_records);
    if (r->n_runs)
        qsort(r->runs, r->n_runs, sizeof *r->runs, by_run_name);
    for (size_t i = 0; i < r->n_runs; i++)
        lrs_run_sort(r->runs[i]);
    return rc;
}

size_t lrs_reader_run_count(const lrs_reader *r) { return r->n_runs; }

const lrs_run *lrs_reader_run(const lrs_reader *r, size_t i)
{
    return i < r->n_runs ? r->runs[i] : NULL;
}

int lrs_reader_load_run(lrs_reader *r, size_t i)
{
    if (!r || i >= r->n_runs)
        return lrs_fail(LRS_ERR_ARG, "lrs_reader_load_run: no run %zu", i);
    int rc = poll_run(r, r->runs[i], NULL);
    lrs_run_sort(r->runs[i]);
    return rc;
}

void lrs_reader_release_run(lrs_reader *r, size_t i)
{
    if (!r || i >= r->n_runs)
        return;
    lrs_run *run = r->runs[i];
    lrs_run_clear(run);
    for (size_t k = 0; k < run->n_files; k++) {
        lrs_file_state *f = &run->files[k];
        if (f->offset > f->listed)
            f->listed = f->offset;
        f->offset = 0;
    }
}
