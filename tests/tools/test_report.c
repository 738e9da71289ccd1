/* lrscope report and lrscope check --format markdown through the binary (LRS_BIN), on a
 * healthy run, a diverging run and two range tests written here with the tfevents
 * writer; the page is then loaded in headless Chromium (skipped when not installed) to
 * check the rendered DOM and that the page made no network request. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"
#include "tfevents.h"

static char root[256];

/* Deterministic noise in [-1, 1). */
static double noise(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (*state >> 8) / 8388608.0 - 1;
}

static lrs_writer *open_run(const char *run)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/logs/%s", root, run);
    lrs_writer *w;
    assert_int_equal(lrs_writer_open(&w, dir, NULL), LRS_OK);
    return w;
}

/* 600 steps: the loss falls from 2.3 to 0.3 under a cosine LR; the norm stays level. */
static void write_healthy(void)
{
    lrs_writer *w = open_run("healthy");
    uint32_t rng = 1;
    for (int t = 0; t < 600; t++) {
        double lr = 0.05 * (1 + cos(M_PI * t / 600)) / 2;
        assert_int_equal(lrs_writer_add_scalar(w, "train/lr", t, lr), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/grad_norm", t, 1.2 + 0.1 * noise(&rng)), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, 0.3 + 2 * exp(-t / 120.0) + 0.03 * noise(&rng)),
                         LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
}

/* 320 steps: the loss falls, then from step 250 climbs a hundredfold and ends in NaN
 * while the LR keeps rising and the gradient norm explodes. */
static void write_divergent(void)
{
    lrs_writer *w = open_run("divergent");
    uint32_t rng = 2;
    for (int t = 0; t < 320; t++) {
        double loss = 0.5 + 1.8 * exp(-t / 60.0) + 0.03 * noise(&rng);
        double norm = 1 + 0.1 * noise(&rng);
        if (t >= 250) {
            loss *= exp((t - 250) / 12.0);
            norm *= exp((t - 250) / 8.0);
        }
        if (t >= 316) loss = NAN;
        assert_int_equal(lrs_writer_add_scalar(w, "train/lr", t, 0.01 + t * 0.002), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/grad_norm", t, norm), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, loss), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
}

/* A range test as lrscope find logs it; logged = 0 leaves the suggestions out. */
static void write_range_test(const char *run, int logged)
{
    lrs_writer *w = open_run(run);
    uint32_t rng = 3;
    double avg = 0;
    for (int i = 0; i < 100; i++) {
        double lr = 1e-7 * pow(1e8, i / 99.0), t = log10(lr) + 3;
        double loss = 2.3 - 1.5 / (1 + exp(-3 * t)) + (t > 1 ? (t - 1) * (t - 1) * 2 : 0) + 0.02 * noise(&rng);
        avg = 0.98 * avg + 0.02 * loss;
        assert_int_equal(lrs_writer_add_scalar(w, "find/lr", i, lr), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "find/loss", i, loss), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "find/smoothed_loss", i, avg / (1 - pow(0.98, i + 1))), LRS_OK);
    }
    if (logged) {
        assert_int_equal(lrs_writer_add_scalar(w, "find/suggested_lr/valley", 99, 1.25e-3), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "find/suggested_lr/minimum", 99, 2.5e-3), LRS_OK);
    }
    assert_int_equal(lrs_writer_close(w), LRS_OK);
}

static int setup(void **state)
{
    (void)state;
    if (!test_tmpdir(root, sizeof root)) return -1;
    write_healthy();
    write_divergent();
    write_range_test("find-logged", 1);
    write_range_test("find-bare", 0);
    return 0;
}

/* Runs a shell command, returns its exit status and its stdout in a malloc'd *out. */
static int run(char **out, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0)
        if ((len += got) == cap - 1) buf = realloc(buf, cap *= 2);
    buf[len] = '\0';
    int status = pclose(p);
    if (out) *out = buf;
    else free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

static void write_report(void)
{
    char *err;
    int rc = run(&err, "%s report %s/logs -o %s/report.html --overlay --title 'Runs & tests' 2>&1", getenv("LRS_BIN"),
                 root, root);
    if (rc) fprintf(stderr, "%s", err);
    assert_int_equal(rc, 0);
    free(err);
}

static void test_report_html(void **state)
{
    (void)state;
    write_report();
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", root);
    char *html = read_file(path);
    /* the verdicts check gives, at the top and per run */
    assert_non_null(strstr(html, "<title>Runs &amp; tests</title>"));
    assert_non_null(strstr(html, "Verdict over the training runs: <span class=\"badge critical verdict\">"));
    assert_int_equal(count(html, "<section class=\"run\" data-verdict=\"ok\">"), 1);
    assert_int_equal(count(html, "<section class=\"run\" data-verdict=\"critical\">"), 1);
    /* loss, LR and grad norm per run, the overlay, two range-test curves */
    assert_int_equal(count(html, "<svg xmlns="), 2 * 3 + 1 + 2);
    assert_non_null(strstr(html, "data-kind=\"divergence\""));
    assert_true(count(html, "<g class=\"band\">") >= 3);
    assert_non_null(strstr(html, "Suggestion: reduce the LR x"));
    /* range tests: logged suggestions drawn and explained, bare one recomputed */
    assert_non_null(strstr(html, ">valley 1.25e-3</text>"));
    assert_non_null(strstr(html, ">minimum 2.5e-3</text>"));
    assert_non_null(strstr(html, "As logged by the range test"));
    assert_non_null(strstr(html, "Recomputed from the curve"));
    /* self-contained: nothing to fetch */
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href="));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url("));
    free(html);
}

/* `lrscope train --lr auto` logs its range test and the training into one run: the
 * report shows both, the range test's curve and the training charts with a verdict. */
static void test_report_range_test_and_training_in_one_run(void **state)
{
    (void)state;
    lrs_writer *w = open_run("../auto-logs/run");
    uint32_t rng = 4;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(lrs_writer_add_scalar(w, "find/lr", i, 1e-5 * pow(1e6, i / 49.0)), LRS_OK);
        assert_int_equal(lrs_writer_add_scalar(w, "find/loss", i, 2.3 - i * 0.01), LRS_OK);
    }
    for (int t = 0; t < 300; t++)
        assert_int_equal(lrs_writer_add_scalar(w, "train/loss", t, 0.3 + 2 * exp(-t / 60.0) + 0.03 * noise(&rng)),
                         LRS_OK);
    assert_int_equal(lrs_writer_close(w), LRS_OK);
    char *err;
    int rc = run(&err, "%s report %s/auto-logs -o %s/auto.html 2>&1", getenv("LRS_BIN"), root, root);
    assert_int_equal(rc, 0);
    free(err);
    char path[512];
    snprintf(path, sizeof path, "%s/auto.html", root);
    char *html = read_file(path);
    assert_non_null(strstr(html, "Loss against learning rate"));
    assert_int_equal(count(html, "<section class=\"run\" data-verdict=\"ok\">"), 1);
    free(html);
}

static void test_report_errors(void **state)
{
    (void)state;
    char *err;
    assert_int_equal(run(&err, "%s report %s/logs 2>&1", getenv("LRS_BIN"), root), 2);
    assert_string_equal(err, "lrscope: report: -o: expected the HTML file to write\n");
    free(err);
    assert_int_equal(run(&err, "%s report %s/nowhere -o %s/x.html 2>&1", getenv("LRS_BIN"), root, root), 1);
    assert_non_null(strstr(err, "nowhere"));
    free(err);
}

static void test_check_markdown(void **state)
{
    (void)state;
    char *md;
    assert_int_equal(run(&md, "%s check %s/logs/healthy %s/logs/divergent --format markdown", getenv("LRS_BIN"), root,
                         root),
                     2);
    assert_int_equal(strncmp(md, "## lrscope check\n\n### 🟢 `", 28), 0);
    assert_non_null(strstr(md, "/logs/healthy`: **ok**\n\n`train/loss`, 600 points, 0 signs\n"));
    assert_non_null(strstr(md, "/logs/divergent`: **critical**"));
    assert_non_null(strstr(md, "| severity | sign | series | steps | what was seen | suggestion |\n|---|"));
    assert_non_null(strstr(md, "| critical | divergence | `train/loss` | "));
    assert_non_null(strstr(md, "**Verdict: 🔴 critical** (2 runs checked)\n"));
    free(md);
    assert_int_equal(run(&md, "%s check %s/logs/healthy --format yaml 2>&1", getenv("LRS_BIN"), root), 3);
    assert_string_equal(md, "lrscope: check: --format: expected human, json or markdown, got 'yaml'\n");
    free(md);
}

/* A study of 8 one-epoch trials by lrscope tune (two diverge and are pruned): the
 * leaderboard in rank order, the value/LR chart with every trial, the best trial's run. */
static void test_report_study(void **state)
{
    (void)state;
    const char *bin = getenv("LRS_BIN");
    char *out, *html, path[512];
    if (run(&out, "%s tune --study %s/study --space 'lr=log(1e-3,30)' --trials 8 --epochs 1 --seed 3 --threads 1 "
            "2>&1", bin, root)) {
        fprintf(stderr, "lrscope tune failed or is not built: skipping\n%s", out);
        free(out);
        skip();
    }
    free(out);
    assert_int_equal(run(&out, "%s tune --study %s/study --show", bin, root), 0);
    int best = -1;
    const char *rank1 = strstr(out, "\n   1 ");
    assert_non_null(rank1);
    assert_int_equal(sscanf(rank1, " 1 %d", &best), 1);
    free(out);
    assert_int_equal(run(NULL, "%s report %s/study -o %s/study.html", bin, root, root), 0);
    snprintf(path, sizeof path, "%s/study.html", root);
    html = read_file(path);
    assert_non_null(strstr(html, "<table class=\"sortable leaderboard\">"));
    assert_int_equal(count(html, "<tr class=\"complete\">") + count(html, "<tr class=\"pruned\">"), 8);
    assert_int_equal(count(html, "<tr class=\"pruned\">"), 2);
    char want[64];
    snprintf(want, sizeof want, "<td class=\"num\">1</td><td class=\"num\">%d</td>", best);
    assert_non_null(strstr(html, want));
    snprintf(want, sizeof want, "<h3>Best trial: %d</h3>", best);
    assert_non_null(strstr(html, want));
    assert_non_null(strstr(html, ">pruned (no value: at the bottom)</text>"));
    assert_true(count(html, "<circle ") >= 8 + 2); /* every trial, plus the legend's two */
    assert_non_null(strstr(html, "<section class=\"run\" data-verdict="));
    free(html);
}

static int have_chromium(void)
{
    return run(NULL, "command -v chromium >/dev/null 2>&1") == 0;
}

#define CHROMIUM                                                                                                      \
    "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking " \
    "--disable-component-update --disable-sync --host-resolver-rules='MAP * ~NOTFOUND' "

/* The first URL in Chromium's net log that a page asked for (its requests carry the
 * page's origin as initiator, "null" for file:; the browser's own update and time
 * checks say "not an origin") and that is not file: or data:; NULL when none. */
static char *page_request(const char *netlog)
{
    static char bad[160];
    const char *key = "\"initiator\":\"";
    for (const char *p = netlog; (p = strstr(p, key)); p += strlen(key)) {
        if (!strncmp(p + strlen(key), "not an origin\"", 14)) continue;
        const char *u = strstr(p, "\"url\":\"");
        if (!u) break;
        u += 7;
        if (strncmp(u, "file:", 5) && strncmp(u, "data:", 5)) {
            snprintf(bad, sizeof bad, "%.*s", (int)strcspn(u, "\""), u);
            return bad;
        }
    }
    return NULL;
}

static char *load_netlog(const char *page, const char *name)
{
    char *dom, path[512];
    int rc = run(&dom, CHROMIUM "--user-data-dir=%s/profile-%s --log-net-log=%s/%s.json --dump-dom file://%s "
                 "2>/dev/null", root, name, root, name, page);
    assert_int_equal(rc, 0);
    free(dom);
    snprintf(path, sizeof path, "%s/%s.json", root, name);
    return read_file(path);
}

/* The net-log check can fail: a page with a remote image and stylesheet is caught. */
static void test_netlog_catches_requests(void **state)
{
    (void)state;
    if (!have_chromium()) {
        fprintf(stderr, "chromium not installed: skipping\n");
        skip();
    }
    char page[512];
    snprintf(page, sizeof page, "%s/remote.html", root);
    FILE *f = fopen(page, "w");
    assert_non_null(f);
    fputs("<!DOCTYPE html><img src=\"http://example.invalid/x.png\">"
          "<link rel=\"stylesheet\" href=\"https://fonts.example.invalid/a.css\">\n", f);
    fclose(f);
    char *netlog = load_netlog(page, "remote");
    const char *bad = page_request(netlog);
    assert_non_null(bad);
    assert_non_null(strstr(bad, "example.invalid/"));
    free(netlog);
}

static void test_report_in_chromium(void **state)
{
    (void)state;
    if (!have_chromium()) {
        fprintf(stderr, "chromium not installed: skipping\n");
        skip();
    }
    write_report();
    char *dom;
    int rc = run(&dom, CHROMIUM "--user-data-dir=%s/profile --dump-dom file://%s/report.html 2>/dev/null", root, root);
    assert_int_equal(rc, 0);
    /* the page's content after rendering: charts, bands, the signs beside them */
    assert_int_equal(count(dom, "class=\"lrs-chart\""), 9);
    assert_true(count(dom, "<polyline ") > 20);
    assert_true(count(dom, "<g class=\"band\">") >= 3);
    assert_non_null(strstr(dom, "data-kind=\"divergence\""));
    assert_non_null(strstr(dom, "<p class=\"suggestion\">Suggestion: "));
    assert_non_null(strstr(dom, ">valley 1.25e-3</text>"));
    free(dom);
    char page[512];
    snprintf(page, sizeof page, "%s/report.html", root);
    char *netlog = load_netlog(page, "report");
    const char *bad = page_request(netlog);
    if (bad) fail_msg("the report asked for %s", bad);
    free(netlog);
    const char *shot = getenv("LRS_REPORT_SCREENSHOT"); /* a path: keep a picture to look at */
    if (shot)
        run(NULL, CHROMIUM "--user-data-dir=%s/profile2 --window-size=1200,2000 --screenshot=%s file://%s/report.html "
            ">/dev/null 2>&1", root, shot, root);
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("LRS_KEEP")) run(NULL, "rm -rf '%s'", root);
    else fprintf(stderr, "kept %s\n", root);
    return 0;
}

int main(void)
{
    if (!getenv("LRS_BIN")) {
        fprintf(stderr, "LRS_BIN not set: skipping\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_html),
        cmocka_unit_test(test_report_errors),
        cmocka_unit_test(test_report_range_test_and_training_in_one_run),
        cmocka_unit_test(test_check_markdown),
        cmocka_unit_test(test_report_study),
        cmocka_unit_test(test_report_in_chromium),
        cmocka_unit_test(test_netlog_catches_requests),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
