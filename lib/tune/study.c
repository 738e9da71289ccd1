/* The study's state in DIR/study.db (SQLite, WAL): its space and options, trials,
 * per-epoch reports and notes. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "status_internal.h"
#include "study_internal.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notes(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS trials(id INTEGER PRIMARY KEY, params TEXT NOT NULL, status TEXT NOT NULL,"
    " value REAL, score REAL, epochs REAL NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',"
    " started REAL, finished REAL);"
    "CREATE TABLE IF NOT EXISTS reports(trial INTEGER NOT NULL, epoch REAL NOT NULL, value REAL, score REAL,"
    " PRIMARY KEY(trial, epoch));";

static int db_fail(lrs_study *st, const char *what)
{
    return lrs_fail(LRS_ERR_IO, "%s/study.db: %s: %s", st->dir, what, sqlite3_errmsg(st->db));
}

/* Runs sql with its '?' bound to the doubles/texts described by types ('d', 't', 'i'). */
static int exec(lrs_study *st, const char *sql, const char *types, ...)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return db_fail(st, sql);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'd')
            sqlite3_bind_double(q, i + 1, va_arg(ap, double));
        else if (types[i] == 'i')
            sqlite3_bind_int(q, i + 1, va_arg(ap, int));
        else
            sqlite3_bind_text(q, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
    }
    va_end(ap);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? LRS_OK : db_fail(st, sql);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- options as meta rows ---- */

#define OPTION_FIELDS(X)                                                                                     \
    X(sampler, "%d", int) X(asha, "%d", int) X(trials, "%d", int) X(budget, "%.17g", double)                 \
    X(max_epochs, "%.17g", double) X(grace, "%.17g", double) X(eta, "%.17g", double)                         \
    X(grid_points, "%d", int) X(n_startup, "%d", int) X(n_candidates, "%d", int) X(gamma, "%.17g", double)   \
    X(prune_signs, "%d", int) X(sign_penalty, "%.17g", double)

static int set_meta(lrs_study *st, const char *key, const char *value)
{
    return exec(st, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", "tt", key, value);
}

static int get_text(lrs_study *st, const char *table_sql, const char *key, char *buf, size_t n)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, table_sql, -1, &q, NULL) != SQLITE_OK)
        return db_fail(st, table_sql);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return LRS_OK;
    if (rc == SQLITE_DONE)
        return lrs_fail(LRS_ERR_NOTFOUND, "%s/study.db: no '%s'", st->dir, key);
    return db_fail(st, table_sql);
}

static int save_options(lrs_study *st)
{
    char v[64];
    int rc = LRS_OK;
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->opt.seed);
    rc = set_meta(st, "seed", v);
#define SAVE(name, fmt, type) \
    if (rc == LRS_OK) { snprintf(v, sizeof v, fmt, (type)st->opt.name); rc = set_meta(st, #name, v); }
    OPTION_FIELDS(SAVE)
#undef SAVE
    return rc;
}

static int load_options(lrs_study *st)
{
    char v[64];
    lrs_tune_options_init(&st->opt);
    int rc = get_text(st, "SELECT value FROM meta WHERE key = ?", "seed", v, sizeof v);
    if (rc == LRS_OK)
        st->opt.seed = strtoull(v, NULL, 10);
#define LOAD(name, fmt, type) \
    if (rc == LRS_OK && (rc = get_text(st, "SELECT value FROM meta WHERE key = ?", #name, v, sizeof v)) == LRS_OK) \
        st->opt.name = (__typeof__(st->opt.name))strtod(v, NULL);
    OPTION_FIELDS(LOAD)
#undef LOAD
    return rc;
}

/* ---- open / create ---- */

static int open_db(lrs_study **out, const char *dir, int create)
{
    *out = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/study.db", dir);
    int exists = access(path, F_OK) == 0;
    if (create && exists)
        return lrs_fail(LRS_ERR_ARG, "%s: already holds a study (resume it, or choose another folder)", path);
    if (!create && !exists)
        return lrs_fail(LRS_ERR_NOTFOUND, "%s: no study there", path);
    if (create && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return lrs_fail(lrs_status_from_errno(errno), "%s: %s", dir, strerror(errno));
    lrs_study *st = calloc(1, sizeof *st);
    if (!st || !(st->dir = strdup(dir))) {
        free(st);
        return lrs_fail(LRS_ERR_NOMEM, "study: out of memory");
    }
    int rc = LRS_OK;
    if (sqlite3_open(path, &st->db) != SQLITE_OK)
        rc = lrs_fail(LRS_ERR_IO, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
    else {
        sqlite3_busy_timeout(st->db, 10000);
        if (sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK)
            rc = db_fail(st, "creating tables");
    }
    if (rc != LRS_OK) {
        lrs_study_close(st);
        return rc;
    }
    *out = st;
    return LRS_OK;
}

int lrs_study_create(lrs_study **out, const char *dir, const char *space_spec, const lrs_tune_options *opt)
{
    lrs_space *space;
    int rc = lrs_space_parse(&space, space_spec);
    if (rc != LRS_OK)
        return rc;
    char canon[4096];
    if ((rc = lrs_space_describe(space, canon, sizeof canon)) != LRS_OK || (rc = open_db(out, dir, 1)) != LRS_OK) {
        lrs_space_free(space);
        return rc;
    }
    lrs_study *st = *out;
    st->space = space;
    st->opt = *opt;
    rc = exec(st, "BEGIN", "");
    if (rc == LRS_OK)
        rc = set_meta(st, "space", canon);
    if (rc == LRS_OK)
        rc = save_options(st);
    if (rc == LRS_OK)
        rc = exec(st, "COMMIT", "");
    if (rc != LRS_OK) {
        lrs_study_close(st);
        *out = NULL;
    }
    return rc;
}

int lrs_study_open(lrs_study **out, const char *dir)
{
    int rc = open_db(out, dir, 0);
    if (rc != LRS_OK)
        return rc;
    lrs_study *st = *out;
    char spec[4096];
    rc = get_text(st, "SELECT value FROM meta WHERE key = ?", "space", spec, sizeof spec);
    if (rc == LRS_OK)
        rc = lrs_space_parse(&st->space, spec);
    if (rc == LRS_OK)
        rc = load_options(st);
    if (rc != LRS_OK) {
        lrs_study_close(st);
        *out = NULL;
    }
    return rc;
}

void lrs_study_close(lrs_study *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    lrs_space_free(st->space);
    free(st->dir);
    free(st);
}

/* A budget of 0 is no cap: more than any number. */
static double budget_cap(double budget) { return budget > 0 ? budget : INFINITY; }

int lrs_study_extend(lrs_study *st, int trials, double budget)
{
    if (trials < st->opt.trials)
        return lrs_fail(LRS_ERR_ARG, "%s: %d trials is fewer than the study's %d: a study can only be extended",
                        st->dir, trials, st->opt.trials);
    if (!(budget >= 0) || budget_cap(budget) < budget_cap(st->opt.budget))
        return lrs_fail(LRS_ERR_ARG, "%s: a budget of %g epochs is below the study's %g (0: no cap): a study "
                        "can only be extended", st->dir, budget, st->opt.budget);
    if (trials == st->opt.trials && budget == st->opt.budget)
        return LRS_OK;
    lrs_tune_options before = st->opt;
    st->opt.trials = trials;
    st->opt.budget = budget;
    int rc = exec(st, "BEGIN", "");
    if (rc == LRS_OK)
        rc = save_options(st);
    if (rc == LRS_OK)
        rc = exec(st, "COMMIT", "");
    if (rc != LRS_OK)
        st->opt = before;
    return rc == LRS_OK ? rc : (exec(st, "ROLLBACK", ""), rc);
}

const lrs_space *lrs_study_space(const lrs_study *st) { return st->space; }
void lrs_study_options(const lrs_study *st, lrs_tune_options *out) { *out = st->opt; }

int lrs_study_set_note(lrs_study *st, const char *key, const char *value)
{
    return exec(st, "INSERT OR REPLACE INTO notes(key, value) VALUES(?, ?)", "tt", key, value);
}

int lrs_study_get_note(lrs_study *st, const char *key, char *buf, size_t n)
{
    return get_text(st, "SELECT value FROM notes WHERE key = ?", key, buf, n);
}

/* ---- trials ---- */

static const char *const status_names[] = {"running", "complete", "pruned", "failed"};

const char *lrs_trial_status_name(lrs_trial_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "unknown";
}

static lrs_trial_status status_from_name(const char *name)
{
    for (int s = 0; s < 4; s++)
        if (!strcmp(name, status_names[s]))
            return (lrs_trial_status)s;
    return LRS_TRIAL_FAILED;
}

int study_add_trial(lrs_study *st, int id, const char *params)
{
    return exec(st, "INSERT INTO trials(id, params, status, started) VALUES(?, ?, 'running', ?)", "itd", id, params, now());
}

int study_restart_trial(lrs_study *st, int id)
{
    int rc = exec(st, "BEGIN", "");
    if (rc == LRS_OK)
        rc = exec(st, "DELETE FROM reports WHERE trial = ?", "i", id);
    if (rc == LRS_OK)
        rc = exec(st, "UPDATE trials SET value = NULL, score = NULL, epochs = 0, reason = '', started = ? WHERE id = ?",
                  "di", now(), id);
    return rc == LRS_OK ? exec(st, "COMMIT", "") : (exec(st, "ROLLBACK", ""), rc);
}

int study_report(lrs_study *st, int id, double epoch, double value, double score)
{
    int rc = exec(st, "BEGIN", "");
    if (rc == LRS_OK)
        rc = exec(st, "INSERT OR REPLACE INTO reports(trial, epoch, value, score) VALUES(?, ?, ?, ?)", "iddd", id, epoch,
                  value, score);
    if (rc == LRS_OK)
        rc = exec(st, "UPDATE trials SET value = ?, score = ?, epochs = ? WHERE id = ?", "dddi", value, score, epoch, id);
    return rc == LRS_OK ? exec(st, "COMMIT", "") : (exec(st, "ROLLBACK", ""), rc);
}

int study_finish(lrs_study *st, int id, lrs_trial_status status, double epochs, const char *reason)
{
    return exec(st, "UPDATE trials SET status = ?, epochs = max(epochs, ?), reason = ?, finished = ? WHERE id = ?", "tdtdi",
                lrs_trial_status_name(status), epochs, reason, now(), id);
}

/* Prepares sql, binds ints, and hands each row to row(); rows() grows *out by `size`. */
static int query(lrs_study *st, const char *sql, int bind, void **out, int *n, size_t size,
                 void (*row)(sqlite3_stmt *q, void *item))
{
    sqlite3_stmt *q;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return db_fail(st, sql);
    if (sqlite3_bind_parameter_count(q) > 0)
        sqlite3_bind_int(q, 1, bind);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (lrs_array_grow(out, &cap, (size_t)*n + 1, size, "study") != LRS_OK) {
            sqlite3_finalize(q);
            return LRS_ERR_NOMEM;
        }
        row(q, (char *)*out + (size_t)(*n)++ * size);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? LRS_OK : db_fail(st, sql);
}

static double column_double(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

static void row_double(sqlite3_stmt *q, void *item) { *(double *)item = column_double(q, 0); }
static void row_int(sqlite3_stmt *q, void *item) { *(int *)item = sqlite3_column_int(q, 0); }

int study_rung_scores(lrs_study *st, double epoch, double **out, int *n)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT score FROM reports WHERE abs(epoch - %.17g) < 1e-9 AND trial >= ?", epoch);
    return query(st, sql, 0, (void **)out, n, sizeof **out, row_double);
}

int study_running(lrs_study *st, int **ids, int *n)
{
    return query(st, "SELECT id FROM trials WHERE status = 'running' AND id >= ? ORDER BY id", 0, (void **)ids, n,
                 sizeof **ids, row_int);
}

int study_count(lrs_study *st, int *n)
{
    int *c, k;
    int rc = query(st, "SELECT count(*) FROM trials WHERE id >= ?", 0, (void **)&c, &k, sizeof *c, row_int);
    if (rc == LRS_OK)
        *n = c[0];
    free(c);
    return rc;
}

static void row_info(sqlite3_stmt *q, void *item)
{
    lrs_trial_info *t = item;
    t->id = sqlite3_column_int(q, 0);
    snprintf(t->params, sizeof t->params, "%s", (const char *)sqlite3_column_text(q, 1));
    t->status = status_from_name((const char *)sqlite3_column_text(q, 2));
    t->value = column_double(q, 3);
    t->score = column_double(q, 4);
    t->epochs = sqlite3_column_double(q, 5);
    snprintf(t->reason, sizeof t->reason, "%s", (const char *)sqlite3_column_text(q, 6));
}

#define INFO_COLUMNS "SELECT id, params, status, value, score, epochs, reason FROM trials "

int study_point(lrs_study *st, int id, lrs_point *p)
{
    lrs_trial_info *t;
    int n, rc = query(st, INFO_COLUMNS "WHERE id = ?", id, (void **)&t, &n, sizeof *t, row_info);
    if (rc == LRS_OK && n == 0)
        rc = lrs_fail(LRS_ERR_NOTFOUND, "%s/study.db: no trial %d", st->dir, id);
    if (rc == LRS_OK)
        rc = lrs_point_parse(st->space, t->params, p);
    free(t);
    return rc;
}

int study_history(lrs_study *st, int before, tune_history **out, int *n)
{
    lrs_trial_info *t;
    int k, rc = query(st, INFO_COLUMNS "WHERE status != 'running' AND id < ? ORDER BY id", before, (void **)&t, &k,
                      sizeof *t, row_info);
    *out = NULL;
    *n = 0;
    if (rc == LRS_OK && k > 0 && !(*out = calloc((size_t)k, sizeof **out)))
        rc = lrs_fail(LRS_ERR_NOMEM, "study: out of memory");
    for (int i = 0; rc == LRS_OK && i < k; i++) {
        rc = lrs_point_parse(st->space, t[i].params, &(*out)[i].point);
        (*out)[i].epochs = t[i].epochs;
        (*out)[i].score = t[i].score;
    }
    if (rc == LRS_OK)
        *n = k;
    else {
        free(*out);
        *out = NULL;
    }
    free(t);
    return rc;
}

int lrs_study_trials(lrs_study *st, lrs_trial_info **out, int *n)
{
    return query(st, INFO_COLUMNS "WHERE id >= ? ORDER BY score IS NULL, score DESC, id", 0, (void **)out, n,
                 sizeof **out, row_info);
}

double lrs_study_spent(lrs_study *st)
{
    double *s;
    int n;
    double spent = 0;
    if (query(st, "SELECT total(epochs) FROM trials WHERE id >= ?", 0, (void **)&s, &n, sizeof *s, row_double) == LRS_OK &&
        n == 1)
        spent = s[0];
    free(s);
    return spent;
}
