/* Pairs a training run with its validation sibling by name (run_pair.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "run_pair.h"

static const char *const train_words[] = {"train", "training", NULL};
static const char *const val_words[] = {"validation", "valid", "val", "eval", "test", NULL};

size_t run_first_from(const lrs_reader *r, const char *key)
{
    size_t lo = 0, hi = lrs_reader_run_count(r);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(lrs_run_name(lrs_reader_run(r, mid)), key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The run named exactly name, NULL if none. */
static const lrs_run *find_run(const lrs_reader *r, const char *name)
{
    size_t i = run_first_from(r, name);
    if (i == lrs_reader_run_count(r)) return NULL;
    const lrs_run *run = lrs_reader_run(r, i);
    return strcmp(lrs_run_name(run), name) ? NULL : run;
}

/* If the last component of name is one of from[] or ends in "_" + one of them, the
 * first run read whose name has one of to[] there instead; else NULL. */
static const lrs_run *sibling(const lrs_reader *r, const char *name, const char *const *from,
                              const char *const *to)
{
    const char *slash = strrchr(name, '/'), *last = slash ? slash + 1 : name;
    size_t len = strlen(last);
    for (; *from; from++) {
        size_t w = strlen(*from);
        if (len < w || strcasecmp(last + len - w, *from)) continue;
        size_t keep = (size_t)(last - name) + len - w; /* the name up to the word */
        if (len > w && last[len - w - 1] != '_') continue;
        for (const char *const *t = to; *t; t++) {
            char other[4096];
            if (snprintf(other, sizeof other, "%.*s%s", (int)keep, name, *t) >= (int)sizeof other) continue;
            const lrs_run *found = find_run(r, other);
            if (found) return found;
        }
    }
    return NULL;
}

const lrs_run *run_pair_val(const lrs_reader *r, const lrs_run *run)
{
    const char *name = lrs_run_name(run);
    return strcmp(name, ".") ? sibling(r, name, train_words, val_words) : NULL;
}

int run_pair_is_val(const lrs_reader *r, const lrs_run *run)
{
    const char *name = lrs_run_name(run);
    return strcmp(name, ".") && sibling(r, name, val_words, train_words) != NULL;
}

void run_pair_take_val(const lrs_run *val_run, run_series *rs, char *tag, size_t size)
{
    run_series vs;
    run_series_pick(val_run, NULL, &vs);
    const lrs_series *val = vs.role[LRS_ROLE_VAL_LOSS] ? vs.role[LRS_ROLE_VAL_LOSS] : vs.role[LRS_ROLE_LOSS];
    if (!val) return;
    const char *name = lrs_run_name(val_run), *slash = strrchr(name, '/');
    rs->role[LRS_ROLE_VAL_LOSS] = val;
    snprintf(tag, size, "%s/%s", slash ? slash + 1 : name, lrs_series_tag(val));
}
