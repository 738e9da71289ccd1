/* What lrscope check hands lib/signs' sweep comparison for one run: its settings (its
 * HParams but the LR and the seed), its peak LR and how its losses ended. */
#ifndef LRSCOPE_SWEEP_SUMMARY_H
#define LRSCOPE_SWEEP_SUMMARY_H

#include <stddef.h>

#include "sign_print.h"

/* Fills *out for a run whose series are picked into rs and whose HParams are hp_run's,
 * with settings written into settings[cap]. Returns 0 when the run cannot be compared: no
 * HParams (or unreadable ones), no LR in them or its series, no finite loss. */
int sweep_summary(const lrs_run *hp_run, const run_series *rs, const char *name, lrs_sweep_run *out,
                  char *settings, size_t cap);

#endif
