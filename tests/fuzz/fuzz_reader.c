/* libFuzzer harness: arbitrary bytes as an event file through the reader (record
 * framing, damage recovery, the scalar fast path, protobuf-c decoding of every kind),
 * read whole and in two polls, in the default view and raw. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"

static volatile size_t sink; /* keeps the walk over the results from being optimised out */

static void touch_results(const lrs_reader *r)
{
    for (size_t i = 0; i < lrs_reader_run_count(r); i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        for (size_t k = 0; k < lrs_run_series_count(run); k++) {
            const lrs_series *s = lrs_run_series(run, k);
            sink += lrs_run_find(run, lrs_series_tag(s)) == s;
            const lrs_item *items = lrs_series_items(s);
            for (size_t j = 0; items && j < lrs_series_len(s); j++) {
                const uint8_t *d = items[j].data;
                sink += items[j].len ? d[0] + d[items[j].len - 1] : 0;
                for (size_t b = 0; b < items[j].histogram.n_buckets; b++)
                    sink += items[j].histogram.bucket[b] != 0;
            }
        }
    }
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++)
        sink += strlen(lrs_reader_damage(r, i)->message);
}

static void read_bytes(const uint8_t *data, size_t size, int raw)
{
    lrs_reader_options opt;
    lrs_reader_options_init(&opt);
    opt.raw = raw;
    lrs_reader *r;
    if (lrs_reader_open(&r, "/dev/null", &opt) != LRS_OK)
        abort();
    lrs_reader_poll(r, NULL); /* makes run "." holding one (empty) file */
    lrs_run *run = (lrs_run *)lrs_reader_run(r, 0);
    /* first a prefix in a buffer of its own, so ASan sees any read past it */
    size_t split = size ? data[0] % (size + 1) : 0;
    uint8_t *prefix = malloc(split ? split : 1);
    memcpy(prefix, data, split);
    size_t n = 0;
    lrs_reader_consume(r, run, 0, prefix, split, &n);
    free(prefix);
    lrs_reader_consume(r, run, 0, data, size, &n);
    lrs_run_sort(run);
    touch_results(r);
    lrs_reader_close(r);
}

/* Mutated bytes nearly always break a checksum, which would hide the decoder from the
 * fuzzer: this rewrites both checksums of every record that fits, so mutated payloads
 * of real Events reach protobuf-c and the fast path. */
static void repair_checksums(uint8_t *buf, size_t size)
{
    size_t pos = 0;
    while (size - pos >= LRS_RECORD_OVERHEAD) {
        uint64_t len;
        memcpy(&len, buf + pos, 8);
        if (len > size - pos - LRS_RECORD_OVERHEAD)
            break;
        uint32_t h = lrs_crc32c_mask(lrs_crc32c(0, buf + pos, 8));
        uint32_t d = lrs_crc32c_mask(lrs_crc32c(0, buf + pos + 12, (size_t)len));
        memcpy(buf + pos + 8, &h, 4);
        memcpy(buf + pos + 12 + len, &d, 4);
        pos += LRS_RECORD_OVERHEAD + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_bytes(data, size, 0);
    read_bytes(data, size, 1);
    uint8_t *fixed = malloc(size ? size : 1);
    memcpy(fixed, data, size);
    repair_checksums(fixed, size);
    read_bytes(fixed, size, 0);
    read_bytes(fixed, size, 1);
    free(fixed);
    return 0;
}
