/* lrscope status codes: every library function that can fail returns one.
 *
 *   int rc = lrs_writer_open(&w, "runs/a", NULL);
 *   if (rc != LRS_OK) fprintf(stderr, "%s\n", lrs_errmsg());
 *
 * lrs_strerror() names the kind of failure; lrs_errmsg() gives the detail of the
 * most recent failure in the calling thread (file, offset, flag, what was expected),
 * like dlerror(). */
#ifndef LRSCOPE_STATUS_H
#define LRSCOPE_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum lrs_status {
    LRS_OK = 0,
    LRS_ERR_ARG = -1,         /* an argument is invalid */
    LRS_ERR_NOMEM = -2,       /* out of memory */
    LRS_ERR_IO = -3,          /* a system call failed (open, read, write, fsync) */
    LRS_ERR_NOSPACE = -4,     /* the disk is full */
    LRS_ERR_CLOSED = -5,      /* the handle was closed or failed earlier */
    LRS_ERR_FORMAT = -6,      /* input is not in the expected format */
    LRS_ERR_CRC = -7,         /* a checksum does not match */
    LRS_ERR_NOTFOUND = -8,    /* a path, tag or item does not exist */
    LRS_ERR_PARSE = -9,       /* a specification string does not parse */
    LRS_ERR_NUMERIC = -10,    /* a NaN or infinity where a finite number is needed */
    LRS_ERR_UNSUPPORTED = -11,/* valid, but not supported by this build */
    LRS_ERR_STOPPED = -12,    /* stopped on request (a callback or a policy) */
    LRS_ERR_INTERNAL = -13    /* a bug in lrscope */
};

/* A static, human-readable name for a status code. Never NULL. */
const char *lrs_strerror(int status);

/* Detail of the last failure reported in this thread ("" when none). The text
 * stays valid until the next failing lrscope call in the same thread. */
const char *lrs_errmsg(void);

/* Clear the calling thread's error detail. */
void lrs_errclear(void);

#ifdef __cplusplus
}
#endif
#endif
