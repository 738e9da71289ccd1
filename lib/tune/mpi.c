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
    int hello = 0, rc = MPI_Send(&hello, sizeof hello, MPI_BYTE, 0, TAG_HELLO, MPI_COMM_WORLD) == MPI_SUCCESS ? LRS_OK : LRS_ERR_IO;
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

/* ---- rank 0 ----
 * Rank 0 never blocks on another rank: a rank can die at any moment (SIGKILL, OOM) and
 * OpenMPI does not say so. Over shared memory (the vader BTL) a blocking MPI_Send of more
 * than btl_vader_eager_limit (4096 bytes; a trial's description is about 9 KB) waits until
 * the receiver matches it: forever when the receiver died right after its hello, and
 * meanwhile nobody answered the other ranks' reports. So rank 0 only polls: every send is
 * an MPI_Isend from a buffer in the rank's state, every receive ends within the timeout,
 * and a rank silent for the timeout counts as dead (its trial goes back in the queue). */

enum { RANK_WAITING, RANK_IDLE, RANK_BUSY, RANK_DEAD }; /* WAITING: for its hello */

typedef struct rank_state {
    int state;
    double last_seen;
    run_slot slot;
    MPI_Request send; /* the last message to this rank */
    char answer;      /* the buffer of an answer to a report */
    mpi_trial job;    /* the buffer of a trial */
} rank_state;

/* Sends n bytes of buf (in r) to rank without waiting; 0 when MPI refused. The rank's
 * previous send is dropped if still pending: the rank answered it, so the data arrived (a
 * message below the rendezvous eager limit, 32 KB, is never read again after MPI_Isend). */
static int post(rank_state *r, int rank, const void *buf, int n, int tag)
{
    int done = 0;
    if (MPI_Test(&r->send, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || !done)
        MPI_Request_free(&r->send);
    return MPI_Isend(buf, n, MPI_BYTE, rank, tag, MPI_COMM_WORLD, &r->send) == MPI_SUCCESS;
}

/* Receives the message MPI_Iprobe announced: 0 when it does not arrive within timeout (a
 * sender killed half-way through). */
static int receive(void *buf, int n, int src, int tag, double timeout)
{
    MPI_Request req;
    if (MPI_Irecv(buf, n, MPI_BYTE, src, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return 0;
    for (double until = now() + timeout;;) {
        int done = 0;
        if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return 0;
        if (done)
            return 1;
        if (now() > until) {
            MPI_Cancel(&req);
            MPI_Request_free(&req);
            return 0;
        }
        usleep(1000);
    }
}

static int requeue_dead(rank_state *r, run_plan *plan)
{
    int busy = r->state == RANK_BUSY;
    r->state = RANK_DEAD;
    return busy ? run_requeue(plan, r->slot.id) : LRS_OK;
}

/* Gives rank r the next trial; *done when there is none (r then waits). */
static int hand_out(lrs_study *st, run_plan *plan, rank_state *r, int rank, int threads, int *done)
{
    mpi_trial *job = &r->job;
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
    return post(r, rank, job, sizeof *job, TAG_TRIAL) ? LRS_OK : requeue_dead(r, plan);
}

/* One message from rank src. A rank given up on that turns out alive gets its report
 * answered with stop (its trial runs elsewhere) and is idle again after its DONE. */
static int serve(lrs_study *st, rank_state *r, int src, int tag, const run_msg *m)
{
    r->last_seen = now();
    if (tag == TAG_HELLO || (r->state == RANK_DEAD && m->kind == RUN_MSG_DONE)) {
        r->state = RANK_IDLE;
        return LRS_OK;
    }
    if (m->kind == RUN_MSG_HEARTBEAT)
        return LRS_OK;
    if (r->state != RANK_BUSY) {
        r->answer = 's';
        return m->kind == RUN_MSG_REPORT ? (post(r, src, &r->answer, 1, TAG_ANSWER), LRS_OK) : LRS_OK;
    }
    if (m->kind == RUN_MSG_DONE) {
        r->state = RANK_IDLE;
        return run_finish(st, &r->slot, m->rc, m->epoch, m->sign_stopped, m->notes, m->error);
    }
    int rc = run_decide(st, &r->slot, m->epoch, m->value, m->score);
    r->answer = rc == LRS_OK ? 'c' : 's';
    post(r, src, &r->answer, 1, TAG_ANSWER);
    return rc == LRS_ERR_STOPPED ? LRS_OK : rc;
}

/* Ranks silent past the timeout (busy, or still to say hello) are dead. LRS_ERR_IO when
 * every rank has been silent for twice the timeout: no one is left to run the trials. */
static int bury(rank_state *ranks, int size, double timeout, run_plan *plan)
{
    double t = now(), latest = 0;
    int alive = 0;
    for (int i = 1; i < size; i++) {
        rank_state *r = &ranks[i];
        if ((r->state == RANK_BUSY || r->state == RANK_WAITING) && t - r->last_seen > timeout) {
            int rc = requeue_dead(r, plan);
            if (rc != LRS_OK)
                return rc;
        }
        alive += r->state != RANK_DEAD;
        latest = r->last_seen > latest ? r->last_seen : latest;
    }
    if (!alive && t - latest > 2 * timeout)
        return lrs_fail(LRS_ERR_IO, "tune: no worker rank left (all silent for %g s, --mpi-timeout %g)", t - latest,
                        timeout);
    return LRS_OK;
}

static int serve_all(lrs_study *st, run_plan *plan, rank_state *ranks, int size, double timeout)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores / (size - 1) > 1 ? (int)(cores / (size - 1)) : 1, rc = LRS_OK;
    for (;;) {
        int done = 0, busy = 0;
        for (int i = 1; i < size && rc == LRS_OK; i++) {
            if (ranks[i].state == RANK_IDLE && !done)
                rc = hand_out(st, plan, &ranks[i], i, threads, &done);
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
        int src = status.MPI_SOURCE, tag = status.MPI_TAG, n = tag == TAG_HELLO ? (int)sizeof(int) : (int)sizeof m;
        if (src < 1 || src >= size)
            continue;
        if (receive(&m, n, src, tag, timeout))
            rc = serve(st, &ranks[src], src, tag, &m);
        else
            rc = requeue_dead(&ranks[src], plan);
    }
}

/* STOP to every rank (also one given up on that still lives), waiting at most a second:
 * a dead rank's sends are left to MPI_Finalize, which does not wait for them. */
static void stop_all(rank_state *ranks, int size)
{
    for (int i = 1; i < size; i++)
        post(&ranks[i], i, NULL, 0, TAG_STOP);
    for (double until = now() + 1; now() < until; usleep(1000)) {
        int pending = 0;
        for (int i = 1; i < size; i++) {
            int done = 0;
            MPI_Test(&ranks[i].send, &done, MPI_STATUS_IGNORE);
            pending += !done;
        }
        if (!pending)
            break;
    }
    for (int i = 1; i < size; i++)
        if (ranks[i].send != MPI_REQUEST_NULL)
            MPI_Request_free(&ranks[i].send);
}

int lrs_study_run_mpi(lrs_study *st, double timeout)
{
    int size = 1;
    if (mpi_started)
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2)
        return lrs_fail(LRS_ERR_ARG, "tune: MPI needs 2 ranks or more (mpirun -np N, N >= 2)");
    rank_state *ranks = calloc((size_t)size, sizeof *ranks);
    run_plan plan = {0};
    int rc = ranks ? study_running(st, &plan.restarts, &plan.n_restarts) : lrs_fail(LRS_ERR_NOMEM, "tune: out of memory");
    for (int i = 1; i < size && ranks; i++)
        ranks[i] = (rank_state){.state = RANK_WAITING, .last_seen = now(), .send = MPI_REQUEST_NULL};
    if (rc == LRS_OK)
        rc = serve_all(st, &plan, ranks, size, timeout);
    if (ranks)
        stop_all(ranks, size);
    free(plan.restarts);
    free(ranks);
    return rc;
}

#endif
