/* For the writer tests: read back an event file with a small TFRecord splitter of our
 * own (so the writer is checked independently of the reader) and protobuf-c. */
#ifndef LRS_WRITER_TESTUTIL_H
#define LRS_WRITER_TESTUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "testutil.h"
#include "tfevents.h"

typedef struct {
    uint8_t *data;     /* the whole file */
    size_t len;
    size_t n;          /* complete records with valid CRCs */
    const uint8_t **payload;
    size_t *payload_len;
    size_t valid_bytes;/* bytes covered by those records */
    int bad_crc;       /* a complete record whose CRCs do not match */
} test_records;

static inline uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Splits the file into records, stopping at the first incomplete or damaged one. */
static inline int test_records_read(test_records *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->data = test_read_file(path, &r->len);
    if (!r->data)
        return -1;
    size_t cap = r->len / 16 + 1;
    r->payload = malloc(cap * sizeof *r->payload);
    r->payload_len = malloc(cap * sizeof *r->payload_len);
    size_t off = 0;
    while (off + 12 <= r->len) {
        uint64_t n;
        uint32_t len_crc, data_crc;
        memcpy(&n, r->data + off, 8);
        memcpy(&len_crc, r->data + off + 8, 4);
        if (lrs_crc32c_mask(lrs_crc32c(0, r->data + off, 8)) != len_crc) {
            r->bad_crc = 1;
            break;
        }
        if (n > r->len - off - 12 || r->len - off - 12 - n < 4)
            break; /* cut short: the unflushed tail */
        memcpy(&data_crc, r->data + off + 12 + n, 4);
        if (lrs_crc32c_mask(lrs_crc32c(0, r->data + off + 12, n)) != data_crc) {
            r->bad_crc = 1;
            break;
        }
        r->payload[r->n] = r->data + off + 12;
        r->payload_len[r->n] = n;
        r->n++;
        off += 16 + n;
    }
    r->valid_bytes = off;
    return 0;
}

static inline void test_records_free(test_records *r)
{
    free(r->data);
    free(r->payload);
    free(r->payload_len);
}

static inline Tensorboard__Event *test_event(const test_records *r, size_t i)
{
    return tensorboard__event__unpack(NULL, r->payload_len[i], r->payload[i]);
}

/* The single event file in dir, into path (NULL when there is not exactly one). */
static inline const char *test_only_event_file(const char *dir, char *path, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, "tfevents")) {
            snprintf(path, n, "%s/%s", dir, e->d_name);
            count++;
        }
    closedir(d);
    return count == 1 ? path : NULL;
}


#endif
