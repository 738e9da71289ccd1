/* The schedule grammar: "name:key=value,... then@N name:...", its key tables with
 * PyTorch's defaults, and describe() which prints the canonical form back. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_internal.h"
#include "status_internal.h"

#define NUM(n, c, d) {n, KEY_NUM, c, DEF_VALUE, d, NULL}
#define INT(n, c, d) {n, KEY_INT, c, DEF_VALUE, d, NULL}
#define REQ_NUM(n, c) {n, KEY_NUM, c, DEF_REQUIRED, 0, NULL}
#define REQ_INT(n) {n, KEY_INT, CHECK_POS, DEF_REQUIRED, 0, NULL}
#define CHOICE(n, words) {n, KEY_CHOICE, CHECK_ANY, DEF_VALUE, 0, words}
#define BOOL(n, d) {n, KEY_INT, CHECK_BOOL, DEF_VALUE, d, NULL}

static const sched_key constant_keys[] = {NUM("factor", CHECK_HALF01, 1), INT("steps", CHECK_NONNEG, 0)};
static const sched_key step_keys[] = {REQ_INT("size"), NUM("gamma", CHECK_POS, 0.1)};
static const sched_key multistep_keys[] = {{"at", KEY_LIST, CHECK_ANY, DEF_REQUIRED, 0, NULL},
                                           NUM("gamma", CHECK_POS, 0.1)};
static const sched_key exp_keys[] = {REQ_NUM("gamma", CHECK_POS)};
static const sched_key cosine_keys[] = {REQ_INT("T"), NUM("min", CHECK_NONNEG, 0)};
static const sched_key restarts_keys[] = {REQ_INT("T0"), INT("mult", CHECK_POS, 1),
                                          NUM("min", CHECK_NONNEG, 0)};
static const sched_key linear_keys[] = {NUM("start", CHECK_HALF01, 1.0 / 3), NUM("end", CHECK_UNIT, 1),
                                        INT("steps", CHECK_POS, 5)};
static const sched_key poly_keys[] = {INT("steps", CHECK_POS, 5), NUM("power", CHECK_POS, 1)};
static const sched_key cyclic_keys[] = {
    CHOICE("mode", "triangular|triangular2|exp_range"), REQ_NUM("min", CHECK_POS),
    {"max", KEY_NUM, CHECK_POS, DEF_BASE_LR, 0, NULL}, NUM("up", CHECK_POS, 2000),
    {"down", KEY_NUM, CHECK_POS, DEF_PREVIOUS_KEY, 0, NULL}, NUM("gamma", CHECK_POS, 1),
    BOOL("cycle_mom", 1), NUM("base_mom", CHECK_UNIT, 0.8), NUM("max_mom", CHECK_UNIT, 0.9)};
static const sched_key onecycle_keys[] = {
    {"max", KEY_NUM, CHECK_POS, DEF_BASE_LR, 0, NULL}, REQ_INT("steps"), NUM("pct", CHECK_OPEN01, 0.3),
    NUM("div", CHECK_POS, 25), NUM("final_div", CHECK_POS, 1e4), CHOICE("anneal", "cos|linear"),
    BOOL("three_phase", 0), BOOL("cycle_mom", 1), NUM("base_mom", CHECK_UNIT, 0.85),
    NUM("max_mom", CHECK_UNIT, 0.95)};
static const sched_key plateau_keys[] = {
    NUM("factor", CHECK_OPEN01, 0.1), INT("patience", CHECK_NONNEG, 10),
    NUM("threshold", CHECK_NONNEG, 1e-4), CHOICE("threshold_mode", "rel|abs"),
    CHOICE("mode", "min|max"), INT("cooldown", CHECK_NONNEG, 0), NUM("min", CHECK_NONNEG, 0),
    NUM("eps", CHECK_NONNEG, 1e-8)};

#define KIND(name, keys) {name, keys, (int)(sizeof keys / sizeof keys[0])}
const sched_kind_def sched_kinds[SK_COUNT] = {
    [SK_CONSTANT] = KIND("constant", constant_keys), [SK_STEP] = KIND("step", step_keys),
    [SK_MULTISTEP] = KIND("multistep", multistep_keys), [SK_EXP] = KIND("exp", exp_keys),
    [SK_COSINE] = KIND("cosine", cosine_keys), [SK_RESTARTS] = KIND("restarts", restarts_keys),
    [SK_LINEAR] = KIND("linear", linear_keys), [SK_POLY] = KIND("poly", poly_keys),
    [SK_CYCLIC] = KIND("cyclic", cyclic_keys), [SK_ONECYCLE] = KIND("onecycle", onecycle_keys),
    [SK_PLATEAU] = KIND("plateau", plateau_keys),
};

/* Where the parser is: the whole spec (for columns) and the phase being read (for messages). */
typedef struct {
    const char *spec;
    const char *phase;
    size_t phase_len;
} cursor;

static int parse_error(const cursor *c, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parse_error(const cursor *c, const char *at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lrs_fail(LRS_ERR_PARSE, "%.*s: %s (column %d)", (int)c->phase_len, c->phase, msg,
                    (int)(at - c->spec) + 1);
}

static const char *check_wording(const sched_key *k)
{
    int whole = k->type == KEY_INT;
    switch (k->check) {
    case CHECK_POS: return whole ? "a positive integer" : "a positive number";
    case CHECK_NONNEG: return whole ? "an integer >= 0" : "a number >= 0";
    case CHECK_OPEN01: return "a number in (0, 1)";
    case CHECK_HALF01: return "a number in (0, 1]";
    case CHECK_UNIT: return "a number in [0, 1]";
    case CHECK_BOOL: return "0 or 1";
    default: return "a number";
    }
}

static int value_fits(const sched_key *k, double v)
{
    if (!isfinite(v) || (k->type == KEY_INT && (v != floor(v) || fabs(v) > 1e15)))
        return 0;
    switch (k->check) {
    case CHECK_POS: return v > 0;
    case CHECK_NONNEG: return v >= 0;
    case CHECK_OPEN01: return v > 0 && v < 1;
    case CHECK_HALF01: return v > 0 && v <= 1;
    case CHECK_UNIT: return v >= 0 && v <= 1;
    case CHECK_BOOL: return v == 0 || v == 1;
    default: return 1;
    }
}

/* Parses the number in [text, end) entirely; 0 when it is not one. */
static int read_number(const char *text, const char *end, double *out)
{
    char buf[64];
    size_t n = (size_t)(end - text);
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *stop;
    *out = strtod(buf, &stop);
    return *stop == '\0';
}

/* The index of [text, end) among the '|'-joined words, or -1. */
static int choice_index(const char *words, const char *text, const char *end)
{
    size_t n = (size_t)(end - text);
    for (int i = 0; *words; i++) {
        size_t len = strcspn(words, "|");
        if (len == n && !strncmp(words, text, n))
            return i;
        words += len + (words[len] == '|');
    }
    return -1;
}

/* "30/80": increasing non-negative step numbers. */
static int read_milestones(const cursor *c, sched_phase *p, const char *text, const char *end)
{
    p->n_at = 0;
    const char *item = text;
    while (item <= end) {
        const char *stop = memchr(item, '/', (size_t)(end - item));
        if (!stop)
            stop = end;
        double v;
        int ok = read_number(item, stop, &v) && isfinite(v) && v >= 0 && v == floor(v) &&
                 (p->n_at == 0 || v > p->at[p->n_at - 1]) && p->n_at < SCHED_MAX_AT;
        if (!ok)
            return parse_error(c, item, "at expects increasing step numbers joined by '/' "
                                        "(at most %d), e.g. at=30/80, got '%.*s'",
                               SCHED_MAX_AT, (int)(end - text), text);
        p->at[p->n_at++] = v;
        item = stop + 1;
    }
    return LRS_OK;
}

static int read_value(const cursor *c, const sched_key *k, sched_phase *p, int idx,
                      const char *text, const char *end)
{
    if (k->type == KEY_LIST)
        return read_milestones(c, p, text, end);
    if (k->type == KEY_CHOICE) {
        int i = choice_index(k->choices, text, end);
        if (i < 0)
            return parse_error(c, text, "%s expects one of %s, got '%.*s'", k->name, k->choices,
                               (int)(end - text), text);
        p->v[idx] = i;
        return LRS_OK;
    }
    double v;
    if (!read_number(text, end, &v) || !value_fits(k, v))
        return parse_error(c, text, "%s expects %s, got '%.*s'", k->name, check_wording(k),
                           (int)(end - text), text);
    p->v[idx] = v;
    return LRS_OK;
}

static int find_kind(const char *name, size_t n)
{
    for (int k = 0; k < SK_COUNT; k++)
        if (strlen(sched_kinds[k].name) == n && !strncmp(sched_kinds[k].name, name, n))
            return k;
    return -1;
}

static int find_key(const sched_kind_def *def, const char *name, size_t n)
{
    for (int i = 0; i < def->n_keys; i++)
        if (strlen(def->keys[i].name) == n && !strncmp(def->keys[i].name, name, n))
            return i;
    return -1;
}

static void key_names(const sched_kind_def *def, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; i < def->n_keys; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? ", " : "", def->keys[i].name);
}

/* Reads "key=value,key=value" in [text, end) into p; set[i] marks the keys given. */
static int read_items(const cursor *c, sched_phase *p, const char *text, const char *end, int *set)
{
    const sched_kind_def *def = &sched_kinds[p->kind];
    while (text < end) {
        const char *stop = memchr(text, ',', (size_t)(end - text));
        if (!stop)
            stop = end;
        const char *eq = memchr(text, '=', (size_t)(stop - text));
        if (!eq)
            return parse_error(c, text, "expected key=value, got '%.*s'", (int)(stop - text), text);
        int idx = find_key(def, text, (size_t)(eq - text));
        if (idx < 0) {
            char keys[160];
            key_names(def, keys, sizeof keys);
            return parse_error(c, text, "'%.*s' is not a key of %s (keys: %s)", (int)(eq - text),
                               text, def->name, keys);
        }
        if (set[idx])
            return parse_error(c, text, "%s is given twice", def->keys[idx].name);
        int rc = read_value(c, &def->keys[idx], p, idx, eq + 1, stop);
        if (rc != LRS_OK)
            return rc;
        set[idx] = 1;
        text = stop + (stop < end);
        if (stop + 1 == end)
            return parse_error(c, stop, "a key=value must follow ','");
    }
    return LRS_OK;
}

static int fill_defaults(const cursor *c, sched_phase *p, const int *set, double base_lr)
{
    const sched_kind_def *def = &sched_kinds[p->kind];
    for (int i = 0; i < def->n_keys; i++) {
        const sched_key *k = &def->keys[i];
        if (set[i])
            continue;
        switch (k->how) {
        case DEF_REQUIRED:
            return parse_error(c, c->phase, "%s needs %s=", def->name, k->name);
        case DEF_BASE_LR: p->v[i] = base_lr; break;
        case DEF_PREVIOUS_KEY: p->v[i] = p->v[i - 1]; break;
        default: p->v[i] = k->def;
        }
    }
    return LRS_OK;
}

/* Constraints between keys, checked once every value is known. */
static int check_phase(const cursor *c, const sched_phase *p)
{
    const double *v = p->v;
    if (p->kind == SK_CYCLIC && !(v[CYC_MAX] > v[CYC_MIN]))
        return parse_error(c, c->phase, "cyclic needs max > min");
    if ((p->kind == SK_CYCLIC && v[CYC_BASE_MOM] > v[CYC_MAX_MOM]) ||
        (p->kind == SK_ONECYCLE && v[OC_BASE_MOM] > v[OC_MAX_MOM]))
        return parse_error(c, c->phase, "%s needs base_mom <= max_mom", sched_kinds[p->kind].name);
    if (p->kind == SK_ONECYCLE) {
        /* PyTorch's phase ends; each phase needs at least one step or its pct divides by 0. */
        double up = v[OC_PCT] * v[OC_STEPS] - 1, last = v[OC_STEPS] - 1;
        double mid = v[OC_THREE_PHASE] ? 2 * v[OC_PCT] * v[OC_STEPS] - 2 : up;
        if (!(up > 0 && mid >= up && last > mid && (!v[OC_THREE_PHASE] || mid > up)))
            return parse_error(c, c->phase, "steps=%g with pct=%g leaves a phase of onecycle "
                                            "without steps", v[OC_STEPS], v[OC_PCT]);
    }
    return LRS_OK;
}

static int read_phase(const cursor *c, sched_phase *p, double base_lr)
{
    const char *text = c->phase, *end = c->phase + c->phase_len;
    const char *colon = memchr(text, ':', c->phase_len);
    const char *name_end = colon ? colon : end;
    p->kind = find_kind(text, (size_t)(name_end - text));
    if (p->kind < 0)
        return parse_error(c, text, "unknown schedule '%.*s' (expected constant, step, multistep, "
                                    "exp, cosine, restarts, linear, poly, cyclic, onecycle or plateau)",
                           (int)(name_end - text), text);
    if (colon && colon + 1 == end)
        return parse_error(c, colon, "expected key=value after ':'");
    int set[SCHED_MAX_KEYS] = {0};
    int rc = colon ? read_items(c, p, colon + 1, end, set) : LRS_OK;
    if (rc == LRS_OK)
        rc = fill_defaults(c, p, set, base_lr);
    if (rc == LRS_OK)
        rc = check_phase(c, p);
    if (p->kind == SK_PLATEAU)
        sched_plateau_init(p, base_lr);
    return rc;
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static const char *token_end(const char *s)
{
    while (*s && *s != ' ' && *s != '\t')
        s++;
    return s;
}

/* "then@N": the global step where the next phase starts, after the previous one. */
static int read_then(const cursor *c, const char *tok, const char *end, int64_t after, int64_t *start)
{
    double v;
    if ((size_t)(end - tok) < 5 || strncmp(tok, "then@", 5))
        return parse_error(c, tok, "expected 'then@N' between phases, got '%.*s'",
                           (int)(end - tok), tok);
    if (!read_number(tok + 5, end, &v) || v != floor(v) || !(v > (double)after) || v > 1e15)
        return parse_error(c, tok, "then@ expects a step number after %lld, got '%.*s'",
                           (long long)after, (int)(end - tok - 5), tok + 5);
    *start = (int64_t)v;
    return LRS_OK;
}

static int read_spec(lrs_schedule *s, const char *spec)
{
    cursor c = {spec, spec, 0};
    const char *tok = skip_spaces(spec);
    int64_t start = 0;
    while (1) {
        if (!*tok)
            return lrs_fail(LRS_ERR_PARSE, "schedule '%s': expected a schedule name (column %d)",
                            spec, (int)(tok - spec) + 1);
        if (s->n == SCHED_MAX_PHASES)
            return parse_error(&c, tok, "more than %d phases", SCHED_MAX_PHASES);
        c.phase = tok;
        c.phase_len = (size_t)(token_end(tok) - tok);
        sched_phase *p = &s->phase[s->n++];
        p->start = start;
        int rc = read_phase(&c, p, s->base_lr);
        if (rc != LRS_OK)
            return rc;
        tok = skip_spaces(token_end(tok));
        if (!*tok)
            return LRS_OK;
        rc = read_then(&c, tok, token_end(tok), start, &start);
        if (rc != LRS_OK)
            return rc;
        tok = skip_spaces(token_end(tok));
    }
}

int lrs_schedule_parse(lrs_schedule **out, const char *spec, double base_lr)
{
    if (!out || !spec)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_parse: NULL argument");
    *out = NULL;
    if (!(base_lr > 0) || !isfinite(base_lr))
        return lrs_fail(LRS_ERR_ARG, "schedule '%s': base LR must be a positive number, got %g",
                        spec, base_lr);
    lrs_schedule *s = calloc(1, sizeof *s);
    if (!s)
        return lrs_fail(LRS_ERR_NOMEM, "schedule '%s': out of memory", spec);
    s->base_lr = base_lr;
    int rc = read_spec(s, spec);
    if (rc != LRS_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return LRS_OK;
}

const char *sched_format_double(char *buf, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) { /* 10000, not 1e+04 */
        snprintf(buf, 32, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* Appends to buf like snprintf at its end; the caller checks for truncation once. */
static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t n, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, n - used, fmt, ap);
    va_end(ap);
}

static void describe_value(const sched_key *k, const sched_phase *p, int idx, char *buf, size_t n)
{
    char num[32];
    if (k->type == KEY_LIST) {
        for (int i = 0; i < p->n_at; i++)
            append(buf, n, "%s%.0f", i ? "/" : "", p->at[i]);
    } else if (k->type == KEY_CHOICE) {
        const char *w = k->choices;
        for (int i = 0; i < (int)p->v[idx]; i++)
            w += strcspn(w, "|") + 1;
        append(buf, n, "%.*s", (int)strcspn(w, "|"), w);
    } else {
        append(buf, n, "%s", sched_format_double(num, p->v[idx]));
    }
}

int lrs_schedule_describe(const lrs_schedule *s, char *buf, size_t n)
{
    if (!s || !buf || n == 0)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_describe: NULL argument");
    buf[0] = '\0';
    for (int i = 0; i < s->n; i++) {
        const sched_phase *p = &s->phase[i];
        const sched_kind_def *def = &sched_kinds[p->kind];
        if (i)
            append(buf, n, " then@%lld ", (long long)p->start);
        append(buf, n, "%s", def->name);
        for (int k = 0; k < def->n_keys; k++) {
            append(buf, n, "%s%s=", k ? "," : ":", def->keys[k].name);
            describe_value(&def->keys[k], p, k, buf, n);
        }
    }
    if (strlen(buf) + 1 >= n)
        return lrs_fail(LRS_ERR_ARG, "lrs_schedule_describe: buffer of %zu bytes is too small", n);
    return LRS_OK;
}
