/* The reader on damaged and growing files: the damaged fixtures against expected.json
 * plus what recovery adds, truncated tails finished later, files appended in pieces
 * (cut at every byte of a record), a rewritten file, garbage between records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_reader_util.h"
#include "testutil.h"

extern size_t lrs_reader_chunk; /* read_internal.h: the bytes the reader reads at a time */

#define INTACT "damaged/intact/events.out.tfevents.1717211717.fixturehost.4242.0"
enum { INTACT_SIZE = 1026, LAST_RECORD = 979, BAD_RECORD = 509, RECORD_SIZE = 47 };

/* The steps of run's tb/metric, as a list, each value checked to be step * 0.25
 * (steps >= 1000 belong to the newer file, written with step - 1000). */
static size_t metric_steps(const lrs_run *run, int64_t *steps, size_t max)
{
    const lrs_series *s = lrs_run_find(run, "tb/metric");
    if (!s)
        return 0;
    assert_true(lrs_series_len(s) <= max);
    for (size_t k = 0; k < lrs_series_len(s); k++) {
        const lrs_scalar *p = &lrs_series_scalars(s)[k];
        steps[k] = p->step;
        assert_true(p->value == (double)(p->step % 1000) * 0.25);
    }
    return lrs_series_len(s);
}

/* steps == lo..hi without the ones in skip (-1 ends it) */
static void assert_steps(const lrs_run *run, int64_t lo, int64_t hi, int64_t skip, int64_t lo2, int64_t hi2)
{
    int64_t got[64], want[64];
    size_t n = 0;
    for (int64_t s = lo; s <= hi; s++)
        if (s != skip) want[n++] = s;
    for (int64_t s = lo2; s <= hi2; s++)
        want[n++] = s;
    size_t m = metric_steps(run, got, 64);
    assert_int_equal(m, n);
    assert_memory_equal(got, want, n * sizeof *got);
}

/* What TensorBoard keeps (expected.json) is all there, point for point. */
static void assert_keeps_what_tensorboard_keeps(const lrs_run *run, const cJSON *expected_run)
{
    const cJSON *points = cJSON_GetObjectItem(cJSON_GetObjectItem(expected_run, "scalars"), "tb/metric"), *p;
    const lrs_series *s = lrs_run_find(run, "tb/metric");
    cJSON_ArrayForEach(p, points) {
        int64_t step = (int64_t)cJSON_GetArrayItem(p, 0)->valuedouble;
        int found = 0;
        for (size_t k = 0; k < lrs_series_len(s); k++) {
            const lrs_scalar *q = &lrs_series_scalars(s)[k];
            if (q->step == step && q->wall_time == cJSON_GetArrayItem(p, 1)->valuedouble &&
                q->value == cJSON_GetArrayItem(p, 2)->valuedouble)
                found = 1;
        }
        if (!found)
            fail_msg("%s: step %lld kept by TensorBoard is missing", lrs_run_name(run), (long long)step);
    }
}

static const lrs_damage *damage_of(const lrs_reader *r, const char *run_dir, lrs_damage_kind kind)
{
    for (size_t i = 0; i < lrs_reader_damage_count(r); i++) {
        const lrs_damage *d = lrs_reader_damage(r, i);
        if (d->kind == kind && strstr(d->file, run_dir))
            return d;
    }
    fail_msg("no damage of kind %d in %s", (int)kind, run_dir);
    return NULL;
}

static void damaged_fixtures(void **state)
{
    (void)state;
    cJSON *json = fixture_json("damaged/expected.json");
    const cJSON *runs = cJSON_GetObjectItem(json, "runs"), *run_json;
    lrs_reader *r = fixture_reader("damaged", 0);
    assert_int_equal(lrs_reader_run_count(r), (size_t)cJSON_GetArraySize(runs));
    cJSON_ArrayForEach(run_json, runs)
        assert_keeps_what_tensorboard_keeps(must_run(r, run_json->string), run_json);

    assert_steps(must_run(r, "intact"), 0, 19, -1, 0, -1);
    assert_steps(must_run(r, "data_crc"), 0, 19, 9, 0, -1);
    assert_steps(must_run(r, "data_crc_then_next_file"), 0, 19, 9, 1000, 1019);
    assert_steps(must_run(r, "length_crc"), 0, 19, 9, 0, -1);
    assert_steps(must_run(r, "truncated"), 0, 18, -1, 0, -1);
    assert_steps(must_run(r, "zero_len_plus_other"), 0, 19, -1, 0, -1);
    assert_int_equal(lrs_run_series_count(must_run(r, "empty")), 0);
    assert_int_equal(lrs_run_file_count(must_run(r, "empty")), 1);

    /* checkpoint.txt is not an event file */
    const lrs_run *zero = must_run(r, "zero_len_plus_other");
    assert_int_equal(lrs_run_file_count(zero), 2);
    for (size_t i = 0; i < 2; i++)
        assert_non_null(strstr(lrs_run_file(zero, i), "tfevents"));

    const lrs_damage *d = damage_of(r, "/data_crc/", LRS_DAMAGE_DATA_CRC);
    assert_int_equal(d->offset, BAD_RECORD);
    assert_int_equal(d->length, RECORD_SIZE);
    assert_non_null(strstr(d->message, "byte 509"));
    assert_non_null(strstr(d->message, d->file));
    d = damage_of(r, "/length_crc/", LRS_DAMAGE_LENGTH_CRC);
    assert_int_equal(d->offset, BAD_RECORD);
    assert_int_equal(d->length, RECORD_SIZE); /* resynchronised at the next record, 556 */
    d = damage_of(r, "/truncated/", LRS_DAMAGE_TRUNCATED);
    assert_int_equal(d->offset, LAST_RECORD);
    assert_int_equal(d->length, 0);
    assert_int_equal(lrs_reader_damage_count(r), 4);
    lrs_reader_close(r);
    cJSON_Delete(json);
}

/* The reader reads a file a chunk at a time: records cut by a chunk's end, a record
 * larger than a chunk and damage to skip across chunks give what one read of the whole
 * file gives, damage offsets included (47-byte records: chunks of 1, 13, 47, 100 bytes). */
static void small_chunks_read_the_same(void **state)
{
    static const size_t chunks[] = {1, 13, 47, 100};
    size_t saved = lrs_reader_chunk;
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        lrs_reader_chunk = chunks[i];
        damaged_fixtures(state);
    }
    lrs_reader_chunk = saved;
}

static char *tmp_event_file(char *dir, size_t n)
{
    assert_non_null(test_tmpdir(dir, n));
    char *path = malloc(strlen(dir) + 64);
    sprintf(path, "%s/events.out.tfevents.1.test", dir);
    return path;
}

static void remove_tmp(const char *dir, char *path)
{
    unlink(path);
    rmdir(dir);
    free(path);
}

static lrs_reader *open_dir(const char *dir)
{
    lrs_reader *r;
    assert_int_equal(lrs_reader_open(&r, dir, NULL), LRS_OK);
    return r;
}

static size_t poll_records(lrs_reader *r)
{
    size_t n = 99;
    assert_int_equal(lrs_reader_poll(r, &n), LRS_OK);
    return n;
}

static uint8_t *intact_bytes(size_t *len)
{
    char path[1024];
    test_data_path(path, sizeof path, "fixtures/tensorboard/" INTACT);
    uint8_t *b = read_all(path, len);
    assert_int_equal(*len, INTACT_SIZE);
    return b;
}

/* truncated/ is intact/ cut inside its last record: appending the rest completes it. */
static void truncated_tail_is_read_once_complete(void **state)
{
    (void)state;
    char dir[256], trunc_path[1024];
    size_t len, cut;
    uint8_t *intact = intact_bytes(&len);
    test_data_path(trunc_path, sizeof trunc_path,
                   "fixtures/tensorboard/damaged/truncated/events.out.tfevents.1717211717.fixturehost.4242.0");
    uint8_t *trunc = read_all(trunc_path, &cut);
    assert_memory_equal(trunc, intact, cut);
    char *path = tmp_event_file(dir, sizeof dir);
    write_bytes(path, trunc, cut, 0);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 20);
    assert_steps(must_run(r, "."), 0, 18, -1, 0, -1);
    assert_int_equal(lrs_reader_damage_count(r), 1);
    assert_int_equal(poll_records(r), 0); /* nothing new, and the tail is not reported twice */
    assert_int_equal(lrs_reader_damage_count(r), 1);
    write_bytes(path, intact + cut, len - cut, 1);
    assert_int_equal(poll_records(r), 1);
    assert_steps(must_run(r, "."), 0, 19, -1, 0, -1);
    lrs_reader_close(r);
    remove_tmp(dir, path);
    free(trunc);
    free(intact);
}

/* The last record cut at each of its byte boundaries, the rest appended later. */
static void record_cut_at_every_byte(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    for (size_t cut = LAST_RECORD; cut <= len; cut++) {
        char dir[256];
        char *path = tmp_event_file(dir, sizeof dir);
        write_bytes(path, intact, cut, 0);
        lrs_reader *r = open_dir(dir);
        size_t n = poll_records(r);
        assert_int_equal(n, cut == len ? 21 : 20);
        write_bytes(path, intact + cut, len - cut, 1);
        n += poll_records(r);
        assert_int_equal(n, 21);
        assert_steps(must_run(r, "."), 0, 19, -1, 0, -1);
        for (size_t i = 0; i < lrs_reader_damage_count(r); i++)
            assert_int_equal(lrs_reader_damage(r, i)->kind, LRS_DAMAGE_TRUNCATED);
        lrs_reader_close(r);
        remove_tmp(dir, path);
    }
    free(intact);
}

/* Appended in pieces of every size from 1 to 100 bytes: each poll returns only what is new. */
static void appended_in_pieces(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    for (size_t piece = 1; piece <= 100; piece += 9) {
        char dir[256];
        char *path = tmp_event_file(dir, sizeof dir);
        write_bytes(path, "", 0, 0);
        lrs_reader *r = open_dir(dir);
        size_t total = 0;
        for (size_t at = 0; at < len; at += piece) {
            write_bytes(path, intact + at, at + piece < len ? piece : len - at, 1);
            total += poll_records(r);
        }
        assert_int_equal(total, 21);
        assert_steps(must_run(r, "."), 0, 19, -1, 0, -1);
        lrs_reader_close(r);
        remove_tmp(dir, path);
    }
    free(intact);
}

/* New files and new runs appear in later polls. */
static void new_files_and_runs_appear(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    char dir[256], sub[300], second[400];
    char *path = tmp_event_file(dir, sizeof dir);
    write_bytes(path, intact, len, 0);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 21);
    snprintf(sub, sizeof sub, "%s/b", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(second, sizeof second, "%s/events.out.tfevents.2.test", sub);
    write_bytes(second, intact, len, 0);
    assert_int_equal(poll_records(r), 21);
    assert_int_equal(lrs_reader_run_count(r), 2);
    assert_steps(must_run(r, "b"), 0, 19, -1, 0, -1);
    assert_steps(must_run(r, "."), 0, 19, -1, 0, -1);
    unlink(second);
    rmdir(sub);
    lrs_reader_close(r);
    remove_tmp(dir, path);
    free(intact);
}

/* A file that shrank was rewritten: reported, then read again from the start. */
static void rewritten_file_is_read_again(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    char dir[256];
    char *path = tmp_event_file(dir, sizeof dir);
    write_bytes(path, intact, len, 0);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 21);
    write_bytes(path, intact, BAD_RECORD, 0); /* records 0..9: steps 0..8 */
    assert_int_equal(poll_records(r), 10);
    const lrs_damage *d = lrs_reader_damage(r, 0);
    assert_int_equal(d->kind, LRS_DAMAGE_TRUNCATED);
    assert_int_equal(d->length, len - BAD_RECORD);
    assert_non_null(strstr(d->message, "shrank"));
    /* the default view: step 0 again replaces everything after it */
    assert_steps(must_run(r, "."), 0, 8, -1, 0, -1);
    lrs_reader_close(r);
    remove_tmp(dir, path);
    free(intact);
}

/* Garbage between two records: one LENGTH_CRC damage covering exactly the garbage. */
static void garbage_between_records_is_skipped(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    uint8_t garbage[37];
    memset(garbage, 7, sizeof garbage);
    char dir[256];
    char *path = tmp_event_file(dir, sizeof dir);
    write_bytes(path, intact, BAD_RECORD, 0);
    write_bytes(path, garbage, sizeof garbage, 1);
    write_bytes(path, intact + BAD_RECORD, len - BAD_RECORD, 1);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 21);
    assert_steps(must_run(r, "."), 0, 19, -1, 0, -1);
    assert_int_equal(lrs_reader_damage_count(r), 1);
    const lrs_damage *d = lrs_reader_damage(r, 0);
    assert_int_equal(d->kind, LRS_DAMAGE_LENGTH_CRC);
    assert_int_equal(d->offset, BAD_RECORD);
    assert_int_equal(d->length, sizeof garbage);
    lrs_reader_close(r);
    remove_tmp(dir, path);
    free(intact);
}

/* Garbage at the very end may be a header being written: no damage beyond a tail note,
 * and the records after it are read once they are complete. */
static void torn_header_at_the_end_waits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *intact = intact_bytes(&len);
    char dir[256];
    char *path = tmp_event_file(dir, sizeof dir);
    uint8_t bad[12];
    memcpy(bad, intact + BAD_RECORD, 12);
    bad[0] ^= 1; /* a header whose length checksum fails */
    write_bytes(path, intact, BAD_RECORD, 0);
    write_bytes(path, bad, sizeof bad, 1);
    write_bytes(path, intact + BAD_RECORD + 12, 20, 1);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 10);
    assert_int_equal(lrs_reader_damage(r, 0)->kind, LRS_DAMAGE_TRUNCATED);
    write_bytes(path, intact + BAD_RECORD + 32, len - BAD_RECORD - 32, 1);
    assert_int_equal(poll_records(r), 10);
    assert_steps(must_run(r, "."), 0, 19, 9, 0, -1);
    assert_int_equal(lrs_reader_damage(r, 1)->kind, LRS_DAMAGE_LENGTH_CRC);
    lrs_reader_close(r);
    remove_tmp(dir, path);
    free(intact);
}

/* A series long enough for its array to leave malloc for its own mapping (4 MiB), then
 * cut by a restart: the points on both sides of the move are intact. */
static void long_series_and_restart(void **state)
{
    (void)state;
    enum { STEPS = 200000, RESUME = 150000 };
    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    for (int64_t s = 0; s < STEPS; s++)
        assert_int_equal(lrs_writer_add_scalar_at(w, "loss", s, (double)s, 1e9 + (double)s), LRS_OK);
    for (int64_t s = RESUME; s < RESUME + 10; s++)
        assert_int_equal(lrs_writer_add_scalar_at(w, "loss", s, -(double)s, 2e9), LRS_OK);
    char *path = strdup(lrs_writer_path(w));
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    lrs_reader *r = open_dir(dir);
    assert_int_equal(poll_records(r), 1 + STEPS + 10);
    const lrs_series *s = lrs_run_find(must_run(r, "."), "loss");
    assert_int_equal(lrs_series_len(s), RESUME + 10);
    const lrs_scalar *p = lrs_series_scalars(s);
    for (int64_t k = 0; k < RESUME + 10; k++) {
        assert_int_equal(p[k].step, k);
        assert_true(p[k].value == (k < RESUME ? (double)k : -(double)k));
    }
    lrs_reader_close(r);
    remove_tmp(dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(damaged_fixtures),
        cmocka_unit_test(small_chunks_read_the_same),
        cmocka_unit_test(truncated_tail_is_read_once_complete),
        cmocka_unit_test(record_cut_at_every_byte),
        cmocka_unit_test(appended_in_pieces),
        cmocka_unit_test(new_files_and_runs_appear),
        cmocka_unit_test(rewritten_file_is_read_again),
        cmocka_unit_test(garbage_between_records_is_skipped),
        cmocka_unit_test(torn_header_at_the_end_waits),
        cmocka_unit_test(long_series_and_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
