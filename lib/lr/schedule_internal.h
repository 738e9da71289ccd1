/* What the schedule's parser and its stepping share: the phase layout and the key tables. */
#ifndef LRSCOPE_SCHEDULE_INTERNAL_H
#define LRSCOPE_SCHEDULE_INTERNAL_H

#include <stdint.h>

#include "lr.h"

#define SCHED_MAX_PHASES 8
#define SCHED_MAX_KEYS 10
#define SCHED_MAX_AT 32

enum sched_kind {
    SK_CONSTANT, SK_STEP, SK_MULTISTEP, SK_EXP, SK_COSINE, SK_RESTARTS, SK_LINEAR,
    SK_POLY, SK_CYCLIC, SK_ONECYCLE, SK_PLATEAU, SK_COUNT
};

/* Parameter indices into sched_phase.v, one enum per kind, in its key table's order. */
enum { CONST_FACTOR, CONST_STEPS };
enum { STEP_SIZE, STEP_GAMMA };
enum { MULTI_AT, MULTI_GAMMA };
enum { EXP_GAMMA };
enum { COS_T, COS_MIN };
enum { RST_T0, RST_MULT, RST_MIN };
enum { LIN_START, LIN_END, LIN_STEPS };
enum { POLY_STEPS, POLY_POWER };
enum { CYC_MODE, CYC_MIN, CYC_MAX, CYC_UP, CYC_DOWN, CYC_GAMMA, CYC_CYCLE_MOM, CYC_BASE_MOM,
       CYC_MAX_MOM };
enum { OC_MAX, OC_STEPS, OC_PCT, OC_DIV, OC_FINAL_DIV, OC_ANNEAL, OC_THREE_PHASE,
       OC_CYCLE_MOM, OC_BASE_MOM, OC_MAX_MOM };
enum { PL_FACTOR, PL_PATIENCE, PL_THRESHOLD, PL_THRESHOLD_MODE, PL_MODE, PL_COOLDOWN, PL_MIN,
       PL_EPS };

/* Choice values (the index of the word in the key's choices). */
enum { CYC_TRIANGULAR, CYC_TRIANGULAR2, CYC_EXP_RANGE };
enum { ANNEAL_COS, ANNEAL_LINEAR };
enum { PL_REL, PL_ABS };
enum { PL_MIN_MODE, PL_MAX_MODE };

enum key_type { KEY_NUM, KEY_INT, KEY_CHOICE, KEY_LIST };
enum key_check { CHECK_ANY, CHECK_POS, CHECK_NONNEG, CHECK_OPEN01, CHECK_HALF01, CHECK_UNIT,
                 CHECK_BOOL };
enum key_default { DEF_VALUE, DEF_REQUIRED, DEF_BASE_LR, DEF_PREVIOUS_KEY };

typedef struct {
    const char *name;
    enum key_type type;
    enum key_check check;
    enum key_default how;
    double def;            /* the default when how == DEF_VALUE */
    const char *choices;   /* KEY_CHOICE: words joined by '|' */
} sched_key;

typedef struct {
    const char *name;
    const sched_key *keys;
    int n_keys;
} sched_kind_def;

extern const sched_kind_def sched_kinds[SK_COUNT];

/* ReduceLROnPlateau's state: what a checkpoint must carry besides the step. */
typedef struct {
    double lr;
    double best;
    int64_t bad_steps;
    int64_t cooldown_left;
} plateau_state;

typedef struct {
    int kind;
    int64_t start;               /* global step where the phase begins (then@start) */
    double v[SCHED_MAX_KEYS];    /* parameters, indexed by the kind's enum */
    int n_at;                    /* multistep milestones */
    double at[SCHED_MAX_AT];
    plateau_state plateau;
} sched_phase;

struct lrs_schedule {
    double base_lr;
    int64_t t;                   /* scheduler.step() calls so far */
    int n;
    sched_phase phase[SCHED_MAX_PHASES];
};

/* Puts a plateau phase in its initial state for the base LR. */
void sched_plateau_init(sched_phase *p, double base_lr);

/* Shortest "%.*g" text that reads back as v, integers in full (buf of at least 32 bytes). */
const char *sched_format_double(char *buf, double v);

#endif
