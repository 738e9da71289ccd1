/* `lrscope dump` through the built binary (LRS_BIN; skipped when unset): jsonl and csv
 * against raw.json, the summary table, --tag, CSV quoting, exit codes and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_reader_util.h"
#include "testutil.h"

typedef struct output {
    char *out, *err; /* whole stdout and stderr */
    int status;      /* exit status */
} output;

static const char *bin(void)
{
    const char *b = getenv("LRS_BIN");
    if (!b || access(b, X_OK) != 0)
        skip();
    return b;
}

/* Runs `lrscope dump <args>` (args already shell-quoted). */
static output dump(const char *args)
{
    char dir[256], cmd[4096], out_path[300], err_path[300];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    snprintf(cmd, sizeof cmd, "'%s' dump %s >'%s' 2>'%s'", bin(), args, out_path, err_path);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    output o = {.status = WEXITSTATUS(st)};
    size_t n;
    o.out = (char *)read_all(out_path, &n);
    o.err = (char *)read_all(err_path, &n);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    return o;
}

static void output_free(output *o)
{
    free(o->out);
    free(o->err);
}

static const char *fixture(char *buf, size_t n, const char *rel)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "fixtures/tensorboard/%s", rel);
    return test_data_path(buf, n, tmp);
}

/* A printed value is the stored float32 or float64, exactly. */
static int same_value(double printed, double expected)
{
    if (printed != printed)
        return expected != expected;
    return printed == expected ||
           ((float)printed == (float)expected && (double)(float)expected == expected);
}

/* Appends [step, wall, value] to got[run][tag]. */
static void add_point(cJSON *got, const char *run, const char *tag, double step, double wall, cJSON *value)
{
    cJSON *r = cJSON_GetObjectItem(got, run);
    if (!r) r = cJSON_AddObjectToObject(got, run);
    cJSON *t = cJSON_GetObjectItem(r, tag);
    if (!t) t = cJSON_AddArrayToObject(r, tag);
    cJSON *p = cJSON_CreateArray();
    cJSON_AddItemToArray(p, cJSON_CreateNumber(step));
    cJSON_AddItemToArray(p, cJSON_CreateNumber(wall));
    cJSON_AddItemToArray(p, value);
    cJSON_AddItemToArray(t, p);
}

/* got (runs -> tags -> points, values as printed) equals raw.json (or its rule view). */
static void assert_same_runs(const cJSON *got, const cJSON *runs, int raw)
{
    const cJSON *run, *tag;
    assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(runs));
    cJSON_ArrayForEach(run, runs) {
        const cJSON *got_run = cJSON_GetObjectItem(got, run->string);
        assert_non_null(got_run);
        assert_int_equal(cJSON_GetArraySize(got_run), cJSON_GetArraySize(run));
        cJSON_ArrayForEach(tag, run) {
            cJSON *want = raw ? cJSON_Duplicate(tag, 1) : restart_rule(tag);
            const cJSON *have = cJSON_GetObjectItem(got_run, tag->string);
            assert_int_equal(cJSON_GetArraySize(have), cJSON_GetArraySize(want));
            for (int k = 0; k < cJSON_GetArraySize(want); k++) {
                const cJSON *w = cJSON_GetArrayItem(want, k), *h = cJSON_GetArrayItem(have, k);
                assert_true(cJSON_GetArrayItem(h, 0)->valuedouble == cJSON_GetArrayItem(w, 0)->valuedouble);
                assert_true(cJSON_GetArrayItem(h, 1)->valuedouble == cJSON_GetArrayItem(w, 1)->valuedouble);
                if (!same_value(json_number(cJSON_GetArrayItem(h, 2)), json_number(cJSON_GetArrayItem(w, 2))))
                    fail_msg("%s %s point %d: value differs", run->string, tag->string, k);
            }
            cJSON_Delete(want);
        }
    }
}

static void check_jsonl(const char *name, int raw)
{
    char path[1024], args[1200], rel[256];
    snprintf(args, sizeof args, "'%s' --format jsonl%s", fixture(path, sizeof path, name),
             raw ? " --raw" : "");
    output o = dump(args);
    assert_int_equal(o.status, 0);
    cJSON *got = cJSON_CreateObject();
    for (char *line = strtok(o.out, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *p = cJSON_Parse(line);
        if (!p)
            fail_msg("not JSON: %s", line);
        assert_int_equal(cJSON_GetArraySize(p), 5);
        add_point(got, cJSON_GetObjectItem(p, "run")->valuestring, cJSON_GetObjectItem(p, "tag")->valuestring,
                  cJSON_GetObjectItem(p, "step")->valuedouble, cJSON_GetObjectItem(p, "wall_time")->valuedouble,
                  cJSON_Duplicate(cJSON_GetObjectItem(p, "value"), 1));
        cJSON_Delete(p);
    }
    snprintf(rel, sizeof rel, "%s/raw.json", name);
    cJSON *json = fixture_json(rel);
    assert_same_runs(got, cJSON_GetObjectItem(json, "runs"), raw);
    cJSON_Delete(json);
    cJSON_Delete(got);
    output_free(&o);
}

static void jsonl_matches_raw_json(void **state)
{
    (void)state;
    check_jsonl("torch-scalars", 1); /* NaN and Infinity */
    check_jsonl("tb-writer", 1);     /* float64 and int64 scalars */
    check_jsonl("tb-writer", 0);     /* restarts under the rule */
}

/* Splits a CSV line without quotes into its 5 fields. */
static void split_csv(char *line, char **fields)
{
    for (int i = 0; i < 5; i++) {
        fields[i] = line;
        char *comma = strchr(line, ',');
        if (i < 4) {
            assert_non_null(comma);
            *comma = '\0';
            line = comma + 1;
        }
    }
}

static void csv_matches_raw_json(void **state)
{
    (void)state;
    for (int raw = 0; raw <= 1; raw++) {
        char path[1024], args[1200];
        snprintf(args, sizeof args, "'%s' --format=csv%s", fixture(path, sizeof path, "multi-file"),
                 raw ? " --raw" : "");
        output o = dump(args);
        assert_int_equal(o.status, 0);
        char *line = strtok(o.out, "\n");
        assert_string_equal(line, "run,tag,step,wall_time,value");
        cJSON *got = cJSON_CreateObject();
        while ((line = strtok(NULL, "\n"))) {
            char *f[5];
            split_csv(line, f);
            add_point(got, f[0], f[1], strtod(f[2], NULL), strtod(f[3], NULL), cJSON_CreateNumber(strtod(f[4], NULL)));
        }
        cJSON *json = fixture_json("multi-file/raw.json");
        assert_same_runs(got, cJSON_GetObjectItem(json, "runs"), raw);
        cJSON_Delete(json);
        cJSON_Delete(got);
        output_free(&o);
    }
}

static void csv_quotes_commas_and_quotes(void **state)
{
    (void)state;
    char dir[256], run[300], file[400], src[1024];
    bin();
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(run, sizeof run, "%s/a,\"b\"", dir);
    assert_int_equal(mkdir(run, 0755), 0);
    snprintf(file, sizeof file, "%s/events.out.tfevents.1.x", run);
    size_t n;
    uint8_t *bytes = read_all(fixture(src, sizeof src, "damaged/intact/events.out.tfevents.1717211717.fixturehost.4242.0"), &n);
    write_bytes(file, bytes, n, 0);
    free(bytes);
    char args[600];
    snprintf(args, sizeof args, "'%s' --format csv", dir);
    output o = dump(args);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "\n\"a,\"\"b\"\"\",tb/metric,0,1717211717.123456,0\n"));
    assert_non_null(strstr(o.out, "\n\"a,\"\"b\"\"\",tb/metric,19,1717211736.123456,4.75\n"));
    output_free(&o);
    unlink(file);
    rmdir(run);
    rmdir(dir);
}

/* The row of tag in the summary table, split on blanks (at most 9 columns). */
static int summary_row(char *out, const char *tag, char **cols)
{
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int n = 0;
        for (char *c = strtok_r(line, " ", &line); c && n < 9; c = strtok_r(NULL, " ", &line))
            cols[n++] = c;
        if (n == 9 && !strcmp(cols[1], tag))
            return n;
    }
    return 0;
}

static void summary_table(void **state)
{
    (void)state;
    char path[1024], args[1200];
    snprintf(args, sizeof args, "'%s'", fixture(path, sizeof path, "torch-scalars"));
    output o = dump(args);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "run"));
    cJSON *json = fixture_json("torch-scalars/raw.json");
    const cJSON *pts = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "runs"), "."), "train/loss");
    double lo = INFINITY, hi = -INFINITY, last = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, pts) {
        double v = json_number(cJSON_GetArrayItem(p, 2));
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        last = v;
    }
    char *cols[9];
    assert_int_equal(summary_row(o.out, "train/loss", cols), 9);
    assert_string_equal(cols[0], ".");
    assert_string_equal(cols[2], "scalar");
    assert_string_equal(cols[3], "500");
    assert_string_equal(cols[4], "0");
    assert_string_equal(cols[5], "499");
    assert_true(same_value(strtod(cols[6], NULL), lo)); /* the NaN at step 137 is not the min */
    assert_true(same_value(strtod(cols[7], NULL), hi));
    assert_true(same_value(strtod(cols[8], NULL), last));
    cJSON_Delete(json);
    output_free(&o);
    snprintf(args, sizeof args, "'%s'", fixture(path, sizeof path, "torch-scalars"));
    o = dump(args);
    assert_int_equal(summary_row(o.out, "train/grad_norm", cols), 9);
    assert_string_equal(cols[7], "Infinity");
    output_free(&o);
}

static void tag_glob_filters(void **state)
{
    (void)state;
    char path[1024], args[1200];
    snprintf(args, sizeof args, "'%s' --format jsonl --tag 'train/l*'", fixture(path, sizeof path, "torch-scalars"));
    output o = dump(args);
    assert_int_equal(o.status, 0);
    size_t lines = 0;
    for (char *line = strtok(o.out, "\n"); line; line = strtok(NULL, "\n"), lines++)
        assert_true(strstr(line, "\"tag\": \"train/loss\"") || strstr(line, "\"tag\": \"train/lr\""));
    assert_int_equal(lines, 1000);
    output_free(&o);
}

static void exit_codes_and_messages(void **state)
{
    (void)state;
    output o = dump("/nonexistent/lrs-run");
    assert_int_equal(o.status, 1);
    assert_non_null(strstr(o.err, "/nonexistent/lrs-run"));
    output_free(&o);

    char path[1024], args[1200];
    snprintf(args, sizeof args, "'%s' --bogus", fixture(path, sizeof path, "multi-file"));
    o = dump(args);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "--bogus"));
    output_free(&o);

    snprintf(args, sizeof args, "'%s' --format xml", path);
    o = dump(args);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "--format"));
    output_free(&o);

    o = dump("");
    assert_int_equal(o.status, 2);
    output_free(&o);

    char dir[256];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(args, sizeof args, "'%s'", dir);
    o = dump(args);
    assert_int_equal(o.status, 1);
    assert_non_null(strstr(o.err, "no event files"));
    output_free(&o);
    rmdir(dir);

    /* damage is a warning naming the file and offset; what was read is printed */
    snprintf(args, sizeof args, "'%s' --format jsonl", fixture(path, sizeof path, "damaged/data_crc"));
    o = dump(args);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.err, "warning"));
    assert_non_null(strstr(o.err, "events.out.tfevents.1717211717.fixturehost.4242.0: byte 509"));
    assert_non_null(strstr(o.out, "\"step\": 19,"));
    output_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonl_matches_raw_json),
        cmocka_unit_test(csv_matches_raw_json),
        cmocka_unit_test(csv_quotes_commas_and_quotes),
        cmocka_unit_test(summary_table),
        cmocka_unit_test(tag_glob_filters),
        cmocka_unit_test(exit_codes_and_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
