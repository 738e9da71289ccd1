/* Trials across MPI ranks: rank 0 owns the study and hands out one trial per rank; the
 * other ranks train and report like forked workers, with a heartbeat so that rank 0
 * notices a dead rank instead of waiting on it (it only ever polls: MPI_Iprobe). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_internal.h"
#include "status_internal.h"

#ifndef LRS_HAVE_MPI

int lrs_tune_mpi_available(void) { return 0; }

int lrs_tune_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
    return LRS_OK;
}

void lrs_tune_mpi_finalize(void) {}

int lrs_study_run_mpi(lrs_study *st, double timeout)
{
    (void)st;
    (void)timeout;
    return lrs_fail(LRS_ERR_UNSUPPORTED, "tune: this lrscope was built without MPI");
}

int lrs_tune_mpi_worker(const lrs_objective *obj)
{
    (void)obj;
    return lrs_fail(LRS_ERR_UNSUPPORTED, "tune: this lrscope was built without MPI");
}

int lrs_tune_mpi_sum(void *ctx, float *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return lrs_fail(LRS_ERR_UNSUPPORTED, "train: this lrscope was built without MPI");
}

#else
#include <mpi.h>

enum { TAG_HELLO = 1, TAG_TRIAL, TAG_MSG, TAG_ANSWER, TAG_STOP };

/* Everything a rank needs to run a trial without the database. */
typedef struct mpi_trial {
    int id, threads;
    double max_epochs;
    lrs_tune_options opt;
    char dir[4096], space[4096], point[1024];
} mpi_trial;

static int mpi_started;
static int told_to_stop; /* a worker got TAG_STOP while it waited for an answer */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int lrs_tune_mpi_available(void) { return 1; }

int lrs_tune_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return LRS_OK;
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return lrs_fail(LRS_ERR_IO, "tune: MPI_Init failed");
    mpi_started = 1;
    /* Errors come back as codes: a send to a dead rank must not abort rank 0. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return LRS_OK;
}

void lrs_tune_mpi_finalize(void)
{
    if (mpi_started)
        MPI_Finalize();
    mpi_started = 0;
}

int lrs_tune_mpi_sum(void *ctx, float *buf, size_t n)
{
    (void)ctx;
    if (n > INT32_MAX || MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return lrs_fail(LRS_ERR_IO, "train: MPI_Allreduce of %zu floats failed (a rank died?)", n);
    return LRS_OK;
}

/* ---- the worker ranks ---- */

typedef struct {
    double last_beat;
} beat_state;

static void heartbeat(lrs_trial *t)
{
    beat_state *b = t->remote;
    double n = now();
    if (n - b->last_beat < 1.0)
        return;
    b->last_beat = n;
    run_msg m = {.kind = RUN_MSG_HEARTBEAT};
    MPI_Send(&m, sizeof m, MPI_BYTE, 0, TAG_MSG, MPI_COMM_WORLD);
}

static int mpi_report(lrs_trial *t, const run_msg *m, char *answer)
{
    beat_state *b = t->remote;
    b->last_beat = now();
    MPI_Status status;
    /* Any tag: rank 0 that gave up on this rank (it was silent too long) sends STOP. */
    if (MPI_Send(m, sizeof *m, MPI_BYTE, 0, TAG_MSG, MPI_COMM_WORLD) != MPI_SUCCESS ||
        MPI_Recv(answer, 1, MPI_CHAR, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status) != MPI_SUCCESS)
        return lrs_fail(LRS_ERR_IO, "trial %d: lost rank 0", t->id);
    if (status.MPI_TAG == TAG_STOP) {
        told_to_stop = 1;
        *answer = 's';
    }
    return LRS_OK;
}

/* One trial as rank 0 described it; its DONE message goes back. */
static int work_one(const lrs_objective *obj, const mpi_trial *job)
{
    struct lrs_study st = {.dir = (char *)job->dir, .opt = job->opt};
    lrs_trial t;
    lrs_point p;
    beat_state beat = {now()};
    int rc = lrs_space_parse(&st.space, job->space);
    if (rc == LRS_OK)
        rc = lrs_point_parse(st.space, job->point, &p);
    memset(&t, 0, sizeof t);
    if (rc == LRS_OK)
        rc = trial_prepare(&t, &st, job->id, &p, job->max_epochs, job->threads);
    t.remote_report = mpi_report;
    t.remote_tick = heartbeat;
    t.remote = &beat;
    run_msg m;
    trial_run_remote(&t, rc, obj, &m);
    lrs_space_free(st.space);
    return MPI_Send(&m, sizeof m, MPI_BYTE, 0, TAG_MSG, MPI_COMM_WORLD) == MPI_SUCCESS
               ? LRS_OK : lrs_fail(LRS_ERR_IO, "tune: lost rank 0");
}

int lrs_tune_mpi_worker(const lrs_objective *obj)
{
    mpi_trial *job = malloc(sizeof *job);
    if (!job)
        return lrs_fail(LRS_ERR_NOMEM, "tune: out of memory");
    int hello = 0, rc = MPI_Send(&hello, 1, MPI_INT, 0, TAG_HELLO, MPI_COMM_WORLD) == MPI_SUCCESS ? LRS_OK : LRS_ERR_IO;
    while (rc == LRS_OK) {
        MPI_Status status;
        if (MPI_Recv(job, sizeof *job, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status) != MPI_SUCCESS) {
            rc = lrs_fail(LRS_ERR_IO, "tune: lost rank 0");
            break;
        }
        if (status.MPI_TAG == TAG_STOP)
            break;
        rc = work_one(obj, job);
        if (told_to_stop)
            break;
    }
    free(job);
    return rc;
}

/* ---- rank 0 ---- */

enum { RANK_IDLE, RANK_BUSY, RANK_STOPPED, RANK_DEAD };

typedef struct rank_state {
    int state;
    double last_seen;
    run_slot slot;
} rank_state;

/* Gives rank r the next trial; *done when there is none (r then waits). */
static int hand_out(lrs_study *st, run_plan *plan, rank_state *r, int rank, int threads, mpi_trial *job, int *done)
{
    lrs_point p;
    int rc = run_next(st, plan, &job->id, &p, &job->max_epochs, done);
    if (rc != LRS_OK || *done)
        return rc;
    job->threads = threads;
    job->opt = st->opt;
    snprintf(job->dir, sizeof job->dir, "%s", st->dir);
    if ((rc = lrs_space_describe(st->space, job->space, sizeof job->space)) == LRS_OK)
        rc = lrs_point_format(st->space, &p, job->point, sizeof job->point);
    if (rc != LRS_OK)
        return rc;
    r->state = RANK_BUSY;
    r->last_seen = now();
    r->slot = (run_slot){.id = job->id, .stop_status = -1};
    if (MPI_Send(job, sizeof *job, MPI_BYTE, rank, TAG_TRIAL, MPI_COMM_WORLD) != MPI_SUCCESS) {
        r->state = RANK_DEAD;
        return run_requeue(plan, job->id);
    }
    return LRS_OK;
}

/* One message from rank src. */
static int serve(lrs_study *st, rank_state *r, int src, int tag, const run_msg *m)
{
    r->last_seen = now();
    if (tag == TAG_HELLO) {
        r->state = RANK_IDLE;
        return LRS_OK;
    }
    if (m->kind == RUN_MSG_HEARTBEAT || r->state != RANK_BUSY)
        return LRS_OK;
    if (m->kind == RUN_MSG_DONE) {
        r->state = RANK_IDLE;
        return run_finish(st, &r->slot, m->rc, m->epoch, m->sign_stopped, m->notes, m->error);
    }
    int rc = run_decide(st, &r->slot, m->epoch, m->value, m->score);
    char answer = rc == LRS_OK ? 'c' : 's';
    MPI_Send(&answer, 1, MPI_CHAR, src, TAG_ANSWER, MPI_COMM_WORLD);
    return rc == LRS_ERR_STOPPED ? LRS_OK : rc;
}

/* Ranks silent past the timeout are dead: their trials go back in the queue. */
static int bury(rank_state *ranks, int size, double timeout, run_plan *plan)
{
    double t = now();
    for (int i = 1; i < size; i++)
        if (ranks[i].state == RANK_BUSY && t - ranks[i].last_seen > timeout) {
            ranks[i].state = RANK_DEAD;
            int rc = run_requeue(plan, ranks[i].slot.id);
            if (rc != LRS_OK)
                return rc;
        }
    return LRS_OK;
}

static int serve_all(lrs_study *st, run_plan *plan, rank_state *ranks, int size, double timeout, mpi_trial *job)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores / (size - 1) > 1 ? (int)(cores / (size - 1)) : 1, rc = LRS_OK;
    for (;;) {
        int done = 0, busy = 0;
        for (int i = 1; i < size && rc == LRS_OK; i++) {
            if (ranks[i].state == RANK_IDLE && !done)
                rc = hand_out(st, plan, &ranks[i], i, threads, job, &done);
            busy += ranks[i].state == RANK_BUSY;
        }
        if (rc != LRS_OK || (done && busy == 0))
            return rc;
        int flag = 0;
        MPI_Status status;
        if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status) != MPI_SUCCESS)
            flag = 0;
        if (!flag) {
            rc = bury(ranks, size, timeout, plan);
            usleep(1000);
            continue;
        }
        run_msg m = {0};
        int src = status.MPI_SOURCE, tag = status.MPI_TAG;
        if (tag == TAG_HELLO)
            MPI_Recv(&m.kind, 1, MPI_INT, src, TAG_HELLO, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
            MPI_Recv(&m, sizeof m, MPI_BYTE, src, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (ranks[src].state != RANK_DEAD)
            rc = serve(st, &ranks[src], src, tag, &m);
    }
}

int lrs_study_run_mpi(lrs_study *st, double timeout)
{
    int size = 1;
    if (mpi_started)
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2)
        return lrs_fail(LRS_ERR_ARG, "tune: MPI needs 2 ranks or more (mpirun -np N, N >= 2)");
    rank_state *ranks = calloc((size_t)size, sizeof *ranks);
    mpi_trial *job = malloc(sizeof *job);
    run_plan plan = {0};
    int rc = ranks && job ? study_running(st, &plan.restarts, &plan.n_restarts) : lrs_fail(LRS_ERR_NOMEM, "tune: out of memory");
    for (int i = 1; i < size && ranks; i++)
        ranks[i] = (rank_state){.state = RANK_STOPPED, .last_seen = now()}; /* until its hello */
    if (rc == LRS_OK)
        rc = serve_all(st, &plan, ranks, size, timeout, job);
    for (int i = 1; i < size && ranks; i++) /* every rank, also one given up on that still lives */
        MPI_Send(&i, 0, MPI_BYTE, i, TAG_STOP, MPI_COMM_WORLD);
    free(plan.restarts);
    free(job);
    free(ranks);
    return rc;
}

#endif
