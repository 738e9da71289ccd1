/* K trials at once: each in a forked worker that reports through pipes, while this
 * process alone owns the database and makes ASHA's decisions as reports arrive. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_internal.h"
#include "status_internal.h"

#define MAX_WORKERS 64

typedef struct worker {
    pid_t pid;          /* 0: free */
    int to_child, from_child;
    double last_epoch;
    run_slot slot;
} worker;

/* Child side: a report crosses the pipe, the parent answers one byte. */
static int pipe_report(lrs_trial *t, const run_msg *m, char *answer)
{
    const int *fds = t->remote; /* to parent, from parent */
    if (write(fds[0], m, sizeof *m) != (ssize_t)sizeof *m || read(fds[1], answer, 1) != 1)
        return lrs_fail(LRS_ERR_IO, "trial %d: lost the parent process", t->id);
    return LRS_OK;
}

/* Child side: run the objective and report its end; never returns. */
static void worker_main(lrs_study *st, const lrs_objective *obj, int id, const lrs_point *p, double max_epochs,
                        int threads, int to_parent, int from_parent)
{
    lrs_trial t;
    int fds[2] = {to_parent, from_parent};
    int rc = trial_prepare(&t, st, id, p, max_epochs, threads);
    t.remote_report = pipe_report;
    t.remote = fds;
    run_msg m;
    trial_run_remote(&t, rc, obj, &m);
    _exit(write(to_parent, &m, sizeof m) == (ssize_t)sizeof m ? 0 : 1);
}

static int spawn(lrs_study *st, const lrs_objective *obj, worker *w, int id, const lrs_point *p, double max_epochs,
                 int threads)
{
    int up[2], down[2];
    if (pipe(up) != 0)
        return lrs_fail(lrs_status_from_errno(errno), "tune: pipe: %s", strerror(errno));
    if (pipe(down) != 0) {
        close(up[0]);
        close(up[1]);
        return lrs_fail(lrs_status_from_errno(errno), "tune: pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(up[0]);
        close(up[1]);
        close(down[0]);
        close(down[1]);
        return lrs_fail(lrs_status_from_errno(e), "tune: fork: %s", strerror(e));
    }
    if (pid == 0) {
        /* A killed parent takes its workers along, so a resumed study meets no orphan
         * still writing into a trial folder it restarts. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(1);
        close(up[0]);
        close(down[1]);
        worker_main(st, obj, id, p, max_epochs, threads, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->from_child = up[0];
    w->to_child = down[1];
    w->slot.id = id;
    w->slot.stop_status = -1;
    return LRS_OK;
}

/* The worker ended (message or not): record it, reap it, free its slot. */
static int retire(lrs_study *st, worker *w, const run_msg *done)
{
    int status = 0, rc;
    close(w->from_child);
    close(w->to_child);
    waitpid(w->pid, &status, 0);
    if (done) {
        rc = run_finish(st, &w->slot, done->rc, done->epoch, done->sign_stopped, done->notes, done->error);
    } else {
        char why[96];
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "worker process killed by signal %d", WTERMSIG(status));
        else
            snprintf(why, sizeof why, "worker process exited (status %d) without a result", WEXITSTATUS(status));
        rc = run_finish(st, &w->slot, LRS_ERR_INTERNAL, w->last_epoch, 0, "", why);
    }
    w->pid = 0;
    return rc;
}

/* One message (or the end) from worker w. */
static int serve(lrs_study *st, worker *w)
{
    run_msg m;
    ssize_t got = read(w->from_child, &m, sizeof m);
    if (got < 0 && errno == EINTR)
        return LRS_OK;
    if (got != (ssize_t)sizeof m)
        return retire(st, w, NULL);
    if (m.kind == RUN_MSG_DONE)
        return retire(st, w, &m);
    w->last_epoch = m.epoch;
    int rc = run_decide(st, &w->slot, m.epoch, m.value, m.score);
    char answer = rc == LRS_OK ? 'c' : 's';
    if (write(w->to_child, &answer, 1) != 1) /* the worker died: its EOF comes next */
        return LRS_OK;
    return rc == LRS_ERR_STOPPED ? LRS_OK : rc;
}

int run_parallel(lrs_study *st, const lrs_objective *obj, run_plan *plan, int parallel)
{
    worker w[MAX_WORKERS] = {{0}};
    int k = parallel < MAX_WORKERS ? parallel : MAX_WORKERS, active = 0, done = 0, rc = LRS_OK;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores / k > 1 ? (int)(cores / k) : 1;
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    while (rc == LRS_OK) {
        for (int i = 0; i < k && !done && rc == LRS_OK; i++) {
            if (w[i].pid)
                continue;
            int id;
            lrs_point p;
            double max_epochs;
            rc = run_next(st, plan, &id, &p, &max_epochs, &done);
            if (rc == LRS_OK && !done && (rc = spawn(st, obj, &w[i], id, &p, max_epochs, threads)) == LRS_OK)
                active++;
        }
        if (active == 0)
            break;
        struct pollfd fds[MAX_WORKERS];
        int which[MAX_WORKERS], n = 0;
        for (int i = 0; i < k; i++)
            if (w[i].pid) {
                fds[n] = (struct pollfd){.fd = w[i].from_child, .events = POLLIN};
                which[n++] = i;
            }
        if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR) {
            rc = lrs_fail(LRS_ERR_IO, "tune: poll: %s", strerror(errno));
            break;
        }
        for (int j = 0; j < n && rc == LRS_OK; j++)
            if (fds[j].revents) {
                rc = serve(st, &w[which[j]]);
                active -= w[which[j]].pid == 0;
            }
    }
    for (int i = 0; i < k; i++) /* after a database failure: stop the workers left */
        if (w[i].pid) {
            kill(w[i].pid, SIGKILL);
            close(w[i].from_child);
            close(w[i].to_child);
            waitpid(w[i].pid, NULL, 0);
        }
    signal(SIGPIPE, old_pipe);
    return rc;
}
