/* What the reader and dump tests share: the fixtures' JSON (cJSON), reading a
 * fixture, point-for-point comparison, TensorBoard's Rust restart rule, file copies. */
#ifndef LRS_TEST_READER_UTIL_H
#define LRS_TEST_READER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "tfevents.h"

/* tests/data/fixtures/tensorboard/<rel> parsed; fails the test if it cannot be. */
cJSON *fixture_json(const char *rel);

/* A JSON number, or one of the strings "NaN", "Infinity", "-Infinity". */
double json_number(const cJSON *x);

/* A reader over tests/data/fixtures/tensorboard/<rel>, polled once. */
lrs_reader *fixture_reader(const char *rel, int raw);
/* The same with options opt; *n_records (may be NULL): what the poll read. */
lrs_reader *fixture_reader_with(const char *rel, const lrs_reader_options *opt, size_t *n_records);

/* The run named name; fails the test if absent. */
const lrs_run *must_run(const lrs_reader *r, const char *name);

/* Asserts that s holds exactly points ([[step, wall_time, value], ...]): same steps,
 * the same wall_time and value bits (NaN matches NaN). */
void assert_points(const lrs_series *s, const cJSON *points);

/* A new array of points with the restart rule applied in order: a point at step s
 * drops the earlier points with step >= s. */
cJSON *restart_rule(const cJSON *points);

/* Whole file into a malloc'ed buffer (*len bytes). */
uint8_t *read_all(const char *path, size_t *len);

/* Writes (append = 0) or appends n bytes to path. */
void write_bytes(const char *path, const void *data, size_t n, int append);

#endif
