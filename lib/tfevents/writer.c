/* The event-file writer's life cycle: open (name the file, write the version record),
 * the background flusher, flush and close. Records and buffering: writer_record.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "status_internal.h"
#include "writer_internal.h"

/* Files opened by this process, so two writers opened in the same second differ. */
static unsigned file_counter;

void lrs_writer_options_init(lrs_writer_options *opt)
{
    opt->flush_secs = 2.0;
    opt->buffer_bytes = 1u << 20;
    opt->filename_suffix = NULL;
    opt->fsync_on_flush = 0;
}

/* mkdir -p: every missing folder of logdir, then a check that it is a folder. */
static int make_dirs(const char *logdir)
{
    size_t n = strlen(logdir);
    char *path = malloc(n + 1);
    if (!path)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", logdir);
    memcpy(path, logdir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int err = errno;
            int rc = lrs_fail(lrs_status_from_errno(err), "logdir %s: cannot create %s: %s",
                              logdir, path, strerror(err));
            free(path);
            return rc;
        }
        path[i] = saved;
    }
    free(path);
    struct stat st;
    if (stat(logdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return lrs_fail(LRS_ERR_IO, "logdir %s: not a directory", logdir);
    return LRS_OK;
}

/* Creates events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix> in logdir, bumping n
 * until the name is new (O_EXCL): two writers never share a file. */
static int create_event_file(const char *logdir, const char *suffix, int *fd, char **path)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    long long secs = (long long)time(NULL);
    size_t cap = strlen(logdir) + strlen(host) + strlen(suffix) + 96;
    char *p = malloc(cap);
    if (!p)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory", logdir);
    for (;;) {
        unsigned n = __atomic_fetch_add(&file_counter, 1, __ATOMIC_RELAXED);
        snprintf(p, cap, "%s/events.out.tfevents.%010lld.%s.%ld.%u%s", logdir, secs, host,
                 (long)getpid(), n, suffix);
        *fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0)
            break;
        if (errno != EEXIST) {
            int err = errno;
            int rc = lrs_fail(lrs_status_from_errno(err), "%s: cannot create: %s", p,
                              strerror(err));
            free(p);
            return rc;
        }
    }
    *path = p;
    return LRS_OK;
}

static void timespec_after(struct timespec *t, double secs)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    double whole = floor(secs);
    t->tv_sec += (time_t)whole;
    t->tv_nsec += (long)((secs - whole) * 1e9);
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

void writer_io_wake(lrs_writer *w)
{
    pthread_mutex_lock(&w->sleep_lock);
    w->io_pending = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->sleep_lock);
}

/* Writes the halves handed to it as they come (appends go on meanwhile), and every
 * flush_secs what is buffered: appends alone cannot flush an idle writer. A half handed
 * over before close is still written. */
static void *flusher_main(void *arg)
{
    lrs_writer *w = arg;
    pthread_mutex_lock(&w->sleep_lock);
    struct timespec deadline;
    timespec_after(&deadline, w->flush_secs);
    while (!w->stopping || w->io_pending) {
        int timed_out = 0;
        while (!w->stopping && !w->io_pending && !timed_out)
            timed_out = pthread_cond_timedwait(&w->wake, &w->sleep_lock, &deadline) != 0;
        int io = w->io_pending;
        w->io_pending = 0;
        pthread_mutex_unlock(&w->sleep_lock);
        if (io)
            writer_io_write(w);
        if (timed_out) {
            writer_acquire(w);
            if (!w->failed && w->len > 0 && writer_flush_locked(w) != LRS_OK)
                w->failed_reported = 0; /* nobody saw it: the next call returns it */
            writer_release(w);
            timespec_after(&deadline, w->flush_secs);
        }
        pthread_mutex_lock(&w->sleep_lock);
    }
    pthread_mutex_unlock(&w->sleep_lock);
    return NULL;
}

static int start_flusher(lrs_writer *w)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        return lrs_fail(LRS_ERR_NOMEM, "%s: cannot create flusher: %s", w->path, strerror(err));
    err = pthread_create(&w->flusher, NULL, flusher_main, w);
    if (err) {
        pthread_cond_destroy(&w->wake);
        return lrs_fail(LRS_ERR_NOMEM, "%s: cannot start flusher: %s", w->path, strerror(err));
    }
    w->has_flusher = 1;
    return LRS_OK;
}

static int check_options(const char *logdir, const lrs_writer_options *opt)
{
    if (!(opt->flush_secs > 0) || !isfinite(opt->flush_secs))
        return lrs_fail(LRS_ERR_ARG, "%s: flush_secs must be a positive number of seconds, got %g",
                        logdir, opt->flush_secs);
    if (opt->buffer_bytes < 64)
        return lrs_fail(LRS_ERR_ARG, "%s: buffer_bytes must be at least 64, got %zu", logdir,
                        opt->buffer_bytes);
    return LRS_OK;
}

/* Frees what open made; the file stays (it may hold the version record). */
static void writer_free(lrs_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    pthread_mutex_destroy(&w->sleep_lock);
    free(w->buf);
    free(w->spare);
    free(w);
}

static int write_version_record(lrs_writer *w)
{
    Tensorboard__Event event = TENSORBOARD__EVENT__INIT;
    event.wall_time = writer_event_time(w);
    event.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
    event.file_version = "brain.Event:2";
    int rc = writer_append_event(w, &event);
    return rc ? rc : writer_flush_locked(w);
}

int lrs_writer_open(lrs_writer **out, const char *logdir, const lrs_writer_options *opt)
{
    if (!out || !logdir || !*logdir)
        return lrs_fail(LRS_ERR_ARG, "lrs_writer_open: need a writer pointer and a logdir");
    *out = NULL;
    lrs_writer_options defaults;
    if (!opt) {
        lrs_writer_options_init(&defaults);
        opt = &defaults;
    }
    int rc = check_options(logdir, opt);
    if (!rc)
        rc = make_dirs(logdir);
    int fd = -1;
    char *path = NULL;
    if (!rc)
        rc = create_event_file(logdir, opt->filename_suffix ? opt->filename_suffix : "", &fd, &path);
    if (rc)
        return rc;

    size_t path_len = strlen(path);
    lrs_writer *w = calloc(1, sizeof *w + path_len + 1);
    size_t half = opt->buffer_bytes / 2; /* one half fills while the flusher writes the other */
    uint8_t *buf = malloc(half), *spare = malloc(half);
    if (!w || !buf || !spare) {
        free(w);
        free(buf);
        free(spare);
        close(fd);
        rc = lrs_fail(LRS_ERR_NOMEM, "%s: out of memory for a %zu-byte buffer", path,
                      opt->buffer_bytes);
        free(path);
        return rc;
    }
    memcpy(w->path, path, path_len + 1);
    free(path);
    pthread_mutex_init(&w->sleep_lock, NULL);
    w->fd = fd;
    w->buf = buf;
    w->cap = half;
    w->spare = spare;
    w->spare_cap = half;
    w->wall_time = NAN;
    w->flush_secs = opt->flush_secs;
    w->fsync_on_flush = opt->fsync_on_flush;

    rc = write_version_record(w);
    if (!rc)
        rc = start_flusher(w);
    if (rc) {
        writer_free(w);
        return rc;
    }
    *out = w;
    return LRS_OK;
}

const char *lrs_writer_path(const lrs_writer *w)
{
    return w ? w->path : NULL;
}

int lrs_writer_set_wall_time(lrs_writer *w, double wall_time)
{
    if (isinf(wall_time))
        return lrs_fail(LRS_ERR_ARG, "%s: wall time must be finite (or NaN for now)",
                        w ? w->path : "writer");
    int rc = writer_lock(w);
    if (rc)
        return rc;
    __atomic_store(&w->wall_time, &wall_time, __ATOMIC_RELAXED);
    return writer_unlock(w, LRS_OK);
}

int lrs_writer_flush(lrs_writer *w)
{
    int rc = writer_lock(w);
    if (rc)
        return rc;
    rc = writer_flush_locked(w);
    writer_release(w);
    return rc;
}

int lrs_writer_close(lrs_writer *w)
{
    if (!w)
        return lrs_fail(LRS_ERR_ARG, "lrs_writer_close: NULL writer");
    pthread_mutex_lock(&w->sleep_lock);
    w->stopping = 1;
    if (w->has_flusher)
        pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->sleep_lock);
    if (w->has_flusher) {
        pthread_join(w->flusher, NULL);
        pthread_cond_destroy(&w->wake);
    }
    /* No other thread may use w now: the lock is only for the helpers' contract. */
    writer_acquire(w);
    int rc = w->failed ? writer_lock_status(w) : writer_flush_locked(w);
    writer_release(w);
    if (close(w->fd) != 0 && rc == LRS_OK)
        rc = lrs_fail(lrs_status_from_errno(errno), "%s: close: %s", w->path, strerror(errno));
    w->fd = -1;
    writer_free(w);
    return rc;
}
