/* For lrscope's own code: record the detail of a failure and return its status. */
#ifndef LRSCOPE_STATUS_INTERNAL_H
#define LRSCOPE_STATUS_INTERNAL_H

#include <stddef.h>

#include "status.h"

/* Sets this thread's error detail from a printf-style format and returns status,
 * so that a failure reads: return lrs_fail(LRS_ERR_IO, "%s: %s", path, strerror(errno)); */
int lrs_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Grows *array (of elem-byte items, *cap of them, doubling from 16) to hold at least need;
 * LRS_ERR_NOMEM with "<who>: out of memory for N items" when it cannot. */
int lrs_array_grow(void **array, size_t *cap, size_t need, size_t elem, const char *who);

/* Maps an errno value to a status (ENOSPC/EDQUOT -> LRS_ERR_NOSPACE, ENOMEM -> NOMEM, else IO). */
int lrs_status_from_errno(int err);

#endif
