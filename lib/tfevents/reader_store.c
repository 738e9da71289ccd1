/* Runs and their series as the reader keeps them: tags interned per run in a hash
 * table (a point costs no allocation beyond amortised array growth), and the restart
 * rule of TensorBoard's Rust data server applied on append. */
#define _GNU_SOURCE /* mremap */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "read_internal.h"
#include "status_internal.h"

/* Point arrays of 4 MiB and more live in their own mapping with transparent huge pages
 * and grow with mremap: faulting them in 4 KiB at a time cost more than decoding. */
enum { BIG_ARRAY = 4u << 20 };

static int points_grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return LRS_OK;
    size_t cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need)
        cap2 *= 2;
    size_t old = *cap * elem, bytes = cap2 * elem;
    void *p;
    if (bytes < BIG_ARRAY) {
        p = realloc(*array, bytes);
    } else if (old >= BIG_ARRAY) {
        p = mremap(*array, old, bytes, MREMAP_MAYMOVE);
    } else {
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            madvise(p, bytes, MADV_HUGEPAGE);
            if (old) memcpy(p, *array, old);
            free(*array);
        }
    }
    if (!p || p == MAP_FAILED)
        return lrs_fail(LRS_ERR_NOMEM, "reader: out of memory for %zu points", cap2);
    *array = p;
    *cap = cap2;
    return LRS_OK;
}

static void points_free(void *array, size_t cap, size_t elem)
{
    if (cap * elem >= BIG_ARRAY)
        munmap(array, cap * elem);
    else
        free(array);
}

lrs_run *lrs_run_new(const char *name, int raw)
{
    lrs_run *run = calloc(1, sizeof *run);
    if (!run || !(run->name = strdup(name))) {
        free(run);
        return NULL;
    }
    run->raw = raw;
    return run;
}

static void free_item(lrs_item *it)
{
    free((void *)it->data);
    free((void *)it->histogram.bucket_limit);
}

static void series_free(lrs_series *s)
{
    for (size_t i = 0; s->items && i < s->len; i++)
        free_item(&s->items[i]);
    points_free(s->items, s->cap, sizeof *s->items);
    points_free(s->scalars, s->cap, sizeof *s->scalars);
    free(s->tag);
    free(s);
}

void lrs_run_clear(lrs_run *run)
{
    for (size_t i = 0; i < run->n_series; i++)
        series_free(run->series[i]);
    free(run->series);
    free(run->table);
    run->series = NULL;
    run->table = NULL;
    run->n_series = run->cap_series = run->table_size = 0;
    run->unsorted = 0;
}

void lrs_run_free(lrs_run *run)
{
    if (!run)
        return;
    lrs_run_clear(run);
    for (size_t i = 0; i < run->n_files; i++)
        free(run->files[i].path);
    free(run->files);
    free(run->name);
    free(run);
}

int lrs_run_add_file(lrs_run *run, const char *path)
{
    int rc = lrs_array_grow((void **)&run->files, &run->cap_files, run->n_files + 1, sizeof *run->files,
                            "reader");
    if (rc != LRS_OK)
        return rc;
    lrs_file_state *f = &run->files[run->n_files];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path)))
        return lrs_fail(LRS_ERR_NOMEM, "reader: out of memory");
    run->n_files++;
    return LRS_OK;
}

static uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/* Hashing the tag is on the path of every point: eight bytes at a time, the last word
 * loaded overlapping the one before (no variable-length copy). */
static uint32_t hash_tag(const char *tag, size_t len)
{
    uint64_t h = len * 0x9e3779b97f4a7c15ull;
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8)
            h = mix(h, load64(tag + i));
        h = mix(h, load64(tag + len - 8));
    } else {
        uint64_t w = 0;
        for (size_t i = 0; i < len; i++)
            w = w << 8 | (uint8_t)tag[i];
        h = mix(h, w);
    }
    return (uint32_t)(h ^ (h >> 29));
}

lrs_series *lrs_run_lookup(const lrs_run *run, const char *tag, size_t tag_len)
{
    if (!run->table_size)
        return NULL;
    uint32_t h = hash_tag(tag, tag_len);
    size_t mask = run->table_size - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        lrs_series *s = run->table[i];
        if (!s)
            return NULL;
        if (s->hash == h && s->tag_len == tag_len && !memcmp(s->tag, tag, tag_len))
            return s;
    }
}

static void table_put(lrs_series **table, size_t size, lrs_series *s)
{
    size_t i = s->hash & (size - 1);
    while (table[i])
        i = (i + 1) & (size - 1);
    table[i] = s;
}

/* Keeps the table at most half full. */
static int table_reserve(lrs_run *run, size_t n)
{
    if (2 * n <= run->table_size)
        return LRS_OK;
    size_t size = run->table_size ? run->table_size * 2 : 64;
    while (2 * n > size)
        size *= 2;
    lrs_series **table = calloc(size, sizeof *table);
    if (!table)
        return lrs_fail(LRS_ERR_NOMEM, "reader: out of memory for %zu tags", n);
    for (size_t i = 0; i < run->n_series; i++)
        table_put(table, size, run->series[i]);
    free(run->table);
    run->table = table;
    run->table_size = size;
    return LRS_OK;
}

lrs_series *lrs_run_intern(lrs_run *run, const char *tag, size_t tag_len, lrs_kind kind, int *rc)
{
    lrs_series *s = lrs_run_lookup(run, tag, tag_len);
    if (s)
        return s;
    *rc = table_reserve(run, run->n_series + 1);
    if (*rc == LRS_OK)
        *rc = lrs_array_grow((void **)&run->series, &run->cap_series, run->n_series + 1,
                             sizeof *run->series, "reader");
    if (*rc != LRS_OK)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->tag = malloc(tag_len + 1))) {
        free(s);
        *rc = lrs_fail(LRS_ERR_NOMEM, "reader: out of memory");
        return NULL;
    }
    memcpy(s->tag, tag, tag_len);
    s->tag[tag_len] = '\0';
    s->tag_len = tag_len;
    s->hash = hash_tag(tag, tag_len);
    s->kind = kind;
    run->series[run->n_series++] = s;
    table_put(run->table, run->table_size, s);
    run->unsorted = 1;
    return s;
}

static int by_tag(const void *a, const void *b)
{
    return strcmp((*(lrs_series *const *)a)->tag, (*(lrs_series *const *)b)->tag);
}

void lrs_run_sort(lrs_run *run)
{
    if (run->unsorted)
        qsort(run->series, run->n_series, sizeof *run->series, by_tag);
    run->unsorted = 0;
}

/* First index whose step is >= step, in points sorted by step (stride bytes apart, the
 * step the first field). */
static size_t lower_bound(const void *points, size_t n, size_t stride, int64_t step)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (*(const int64_t *)((const char *)points + mid * stride) < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int lrs_series_push_scalar(lrs_series *s, int raw, const lrs_scalar *pt)
{
    if (!raw && s->len && s->scalars[s->len - 1].step >= pt->step)
        s->len = lower_bound(s->scalars, s->len, sizeof *s->scalars, pt->step);
    if (s->len == s->cap) {
        int rc = points_grow((void **)&s->scalars, &s->cap, s->len + 1, sizeof *s->scalars);
        if (rc != LRS_OK)
            return rc;
    }
    s->scalars[s->len++] = *pt;
    return LRS_OK;
}

int lrs_series_push_item(lrs_series *s, int raw, const lrs_item *item)
{
    if (!raw && s->len && s->items[s->len - 1].step >= item->step) {
        size_t cut = lower_bound(s->items, s->len, sizeof *s->items, item->step);
        while (s->len > cut)
            free_item(&s->items[--s->len]);
    }
    int rc = points_grow((void **)&s->items, &s->cap, s->len + 1, sizeof *s->items);
    if (rc != LRS_OK)
        return rc;
    s->items[s->len++] = *item;
    return LRS_OK;
}

/* ---------------------------------------------------------------- public accessors */

const char *lrs_run_name(const lrs_run *run) { return run->name; }
size_t lrs_run_file_count(const lrs_run *run) { return run->n_files; }

const char *lrs_run_file(const lrs_run *run, size_t i)
{
    return i < run->n_files ? run->files[i].path : NULL;
}

size_t lrs_run_series_count(const lrs_run *run) { return run->n_series; }

const lrs_series *lrs_run_series(const lrs_run *run, size_t i)
{
    return i < run->n_series ? run->series[i] : NULL;
}

const lrs_series *lrs_run_find(const lrs_run *run, const char *tag)
{
    return tag ? lrs_run_lookup(run, tag, strlen(tag)) : NULL;
}

const char *lrs_series_tag(const lrs_series *s) { return s->tag; }
lrs_kind lrs_series_kind(const lrs_series *s) { return s->kind; }
size_t lrs_series_len(const lrs_series *s) { return s->len; }

const lrs_scalar *lrs_series_scalars(const lrs_series *s)
{
    return s->kind == LRS_KIND_SCALAR ? s->scalars : NULL;
}

const lrs_item *lrs_series_items(const lrs_series *s)
{
    return s->kind == LRS_KIND_SCALAR ? NULL : s->items;
}

const char *lrs_kind_name(lrs_kind kind)
{
    static const char *const names[] = {"scalar", "histogram", "text", "image",
                                        "hparams", "layout", "other"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}
