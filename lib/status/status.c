#include "status_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* One buffer per thread, so concurrent callers never read each other's detail. */
static _Thread_local char last_error[512];

const char *lrs_strerror(int status)
{
    switch (status) {
    case LRS_OK: return "ok";
    case LRS_ERR_ARG: return "invalid argument";
    case LRS_ERR_NOMEM: return "out of memory";
    case LRS_ERR_IO: return "input/output error";
    case LRS_ERR_NOSPACE: return "no space left on device";
    case LRS_ERR_CLOSED: return "handle is closed or failed";
    case LRS_ERR_FORMAT: return "unexpected format";
    case LRS_ERR_CRC: return "checksum mismatch";
    case LRS_ERR_NOTFOUND: return "not found";
    case LRS_ERR_PARSE: return "cannot parse specification";
    case LRS_ERR_NUMERIC: return "non-finite number";
    case LRS_ERR_UNSUPPORTED: return "not supported";
    case LRS_ERR_STOPPED: return "stopped";
    case LRS_ERR_INTERNAL: return "internal error";
    default: return "unknown status";
    }
}

const char *lrs_errmsg(void)
{
    return last_error;
}

void lrs_errclear(void)
{
    last_error[0] = '\0';
}

int lrs_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

int lrs_status_from_errno(int err)
{
    if (err == ENOSPC || err == EDQUOT) return LRS_ERR_NOSPACE;
    if (err == ENOMEM) return LRS_ERR_NOMEM;
    return LRS_ERR_IO;
}

int lrs_array_grow(void **array, size_t *cap, size_t need, size_t elem, const char *who)
{
    if (need <= *cap)
        return LRS_OK;
    size_t cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*array, cap2 * elem);
    if (!p)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory for %zu items", who, cap2);
    *array = p;
    *cap = cap2;
    return LRS_OK;
}
