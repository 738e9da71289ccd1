/* lrscope watch LOGDIR [--interval SECS] [--on-alert CMD] [--json] [--once] [--timeout SECS]
 * Follows runs still being written and raises each new warning sign once, as it happens. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "run_pair.h"
#include "sign_print.h"

typedef struct watch_args {
    const char *path, *on_alert, *tag_glob;
    double interval, timeout; /* timeout 0: none */
    int json, once;
    lrs_signs_options opt; /* the thresholds; total_steps from --total-steps */
} watch_args;

/* A followed run: its monitor and how far each picked series has been fed. */
typedef struct watched_run {
    char *name;
    lrs_monitor *monitor;
    const char *tag[LRS_ROLE_COUNT]; /* tags fed so far (owned copies), NULL when none */
    size_t from[LRS_ROLE_COUNT];
    int points_known;        /* the loss series' expected length was given to the monitor */
} watched_run;

static const char usage[] =
    "usage: lrscope watch LOGDIR [--interval SECS] [--on-alert CMD] [--json] [--once]\n"
    "                     [--timeout SECS] [--tag GLOB] [--total-steps N] [--set NAME=VALUE]...\n"
    "  --interval     seconds between polls (default 2)\n"
    "  --on-alert     run CMD with /bin/sh -c for each new sign: the sign as JSON on stdin and\n"
    "                 in LRSCOPE_RUN, _KIND, _SEVERITY, _TAG, _START_STEP, _END_STEP, _MESSAGE,\n"
    "                 _ACTION, _FACTOR\n"
    "  --json         one JSON object per sign and line (check's sign shape plus \"run\")\n"
    "  --once         poll once and exit;  --timeout  stop after SECS\n"
    "  --tag, --total-steps, --set, --options  as for lrscope check; with --total-steps\n"
    "                 a loss logged every k-th step is judged on its own time scale\n"
    "stops on SIGINT/SIGTERM; exit: the worst sign raised (0 none, 1 warning, 2 critical),\n"
    "3 when LOGDIR cannot be read\n";

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int parse_args(int argc, char **argv, watch_args *a)
{
    *a = (watch_args){.interval = 2};
    lrs_signs_options_init(&a->opt);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--once")) {
            a->once = 1;
        } else if (cli_is_flag(arg, "--interval") || cli_is_flag(arg, "--timeout")) {
            const char *flag = cli_is_flag(arg, "--interval") ? "--interval" : "--timeout";
            double *out = flag[2] == 'i' ? &a->interval : &a->timeout;
            if (!(v = cli_flag_value("watch", argc, argv, &i, flag)) ||
                cli_parse_double(flag, v, out))
                return SIGNS_EXIT_UNREADABLE;
            if (*out <= 0)
                return cli_error(SIGNS_EXIT_UNREADABLE, "watch: %s: expected seconds > 0, got '%s'", flag, v);
        } else if (cli_is_flag(arg, "--on-alert")) {
            if (!(a->on_alert = cli_flag_value("watch", argc, argv, &i, "--on-alert")))
                return SIGNS_EXIT_UNREADABLE;
        } else if (cli_is_flag(arg, "--set")) {
            if (!(v = cli_flag_value("watch", argc, argv, &i, "--set")) || signs_set_flag("watch", v, &a->opt))
                return SIGNS_EXIT_UNREADABLE;
        } else if (!strcmp(arg, "--options")) {
            signs_print_options(stdout, &a->opt);
            return -1;
        } else if (cli_is_flag(arg, "--tag")) {
            if (!(a->tag_glob = cli_flag_value("watch", argc, argv, &i, "--tag")))
                return SIGNS_EXIT_UNREADABLE;
        } else if (cli_is_flag(arg, "--total-steps")) {
            if (!(v = cli_flag_value("watch", argc, argv, &i, "--total-steps")) ||
                cli_parse_int64("watch: --total-steps", v, 1, INT64_MAX, &a->opt.total_steps))
                return SIGNS_EXIT_UNREADABLE;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_error(SIGNS_EXIT_UNREADABLE, "watch: unknown flag '%s' (see lrscope watch --help)", arg);
        } else if (a->path) {
            return cli_error(SIGNS_EXIT_UNREADABLE, "watch: expected one LOGDIR, got '%s' and '%s'", a->path, arg);
        } else {
            a->path = arg;
        }
    }
    if (!a->path) return cli_error(SIGNS_EXIT_UNREADABLE, "watch: expected a LOGDIR (see lrscope watch --help)");
    return 0;
}

/* Runs the alert command with the sign in its environment and as JSON on its stdin. */
static void run_alert(const char *cmd, const char *run, const lrs_sign *s)
{
    int fd[2];
    if (pipe(fd)) {
        cli_warn("watch: --on-alert: pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char num[3][32];
        snprintf(num[0], 32, "%lld", (long long)s->start_step);
        snprintf(num[1], 32, "%lld", (long long)s->end_step);
        if (isnan(s->factor)) num[2][0] = '\0';
        else cli_format_double(num[2], s->factor);
        setenv("LRSCOPE_RUN", run, 1);
        setenv("LRSCOPE_KIND", lrs_sign_kind_name(s->kind), 1);
        setenv("LRSCOPE_SEVERITY", lrs_severity_name(s->severity), 1);
        setenv("LRSCOPE_TAG", s->tag, 1);
        setenv("LRSCOPE_START_STEP", num[0], 1);
        setenv("LRSCOPE_END_STEP", num[1], 1);
        setenv("LRSCOPE_MESSAGE", s->message, 1);
        setenv("LRSCOPE_ACTION", lrs_action_name(s->action), 1);
        setenv("LRSCOPE_FACTOR", num[2], 1);
        dup2(fd[0], STDIN_FILENO);
        close(fd[0]);
        close(fd[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    if (pid < 0) {
        close(fd[1]);
        cli_warn("watch: --on-alert: fork: %s", strerror(errno));
        return;
    }
    FILE *in = fdopen(fd[1], "w");
    if (in) {
        sign_print_json(in, run, s);
        fputc('\n', in);
        fclose(in); /* a command that does not read stdin gets EPIPE here: ignored */
    } else {
        close(fd[1]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status))
        cli_warn("watch: --on-alert exited with status %d for %s %s", WEXITSTATUS(status),
                 run, lrs_sign_kind_name(s->kind));
}

/* The runs followed so far, in the order they appeared. */
typedef struct watched_runs {
    watched_run *run;
    size_t n, cap;
} watched_runs;

static watched_run *find_or_add(watched_runs *runs, const char *name, const lrs_signs_options *opt)
{
    for (size_t i = 0; i < runs->n; i++)
        if (!strcmp(runs->run[i].name, name)) return &runs->run[i];
    if (cli_grow((void **)&runs->run, &runs->cap, runs->n + 1, sizeof *runs->run)) return NULL;
    watched_run *w = &runs->run[runs->n];
    *w = (watched_run){.name = strdup(name)};
    if (!w->name || lrs_monitor_open(&w->monitor, opt) != LRS_OK) {
        free(w->name);
        return NULL;
    }
    runs->n++;
    return w;
}

/* Keeps the fed positions of series whose tag is unchanged; a new tag starts at 0. */
static void follow_tags(watched_run *w, const run_series *rs)
{
    for (int r = 0; r < LRS_ROLE_COUNT; r++) {
        const char *tag = rs->role[r] ? lrs_series_tag(rs->role[r]) : NULL;
        if (tag && w->tag[r] && !strcmp(tag, w->tag[r])) continue;
        free((char *)w->tag[r]);
        w->tag[r] = tag ? strdup(tag) : NULL;
        w->from[r] = 0;
        if (tag) lrs_monitor_set_tag(w->monitor, (lrs_role)r, tag);
    }
}

/* Live, a loss logged every k-th step is judged on its own time scale (as check does, by
 * lrs_monitor_set_points) once its length can be told: --total-steps over the step gap
 * of its points so far (two at least). Without --total-steps it stays unknown. */
static void expect_points(watched_run *w, const run_series *rs, int64_t total_steps)
{
    const lrs_series *loss = rs->role[LRS_ROLE_LOSS];
    if (w->points_known || total_steps <= 0 || !loss || lrs_series_len(loss) < 2) return;
    lrs_monitor_set_points(w->monitor, run_series_points_at(loss, total_steps));
    w->points_known = 1;
}

/* Feeds what each run gained since the last poll and reports new signs; returns the worst. */
static int watch_poll(const watch_args *a, lrs_reader *r, watched_runs *runs,
                      const lrs_signs_options *opt)
{
    int worst = -1;
    for (size_t i = 0; i < lrs_reader_run_count(r); i++) {
        const lrs_run *run = lrs_reader_run(r, i);
        if (run_pair_is_val(r, run)) continue; /* followed as its training run's val loss */
        watched_run *w = find_or_add(runs, lrs_run_name(run), opt);
        if (!w) {
            cli_warn("watch: out of memory following %s", lrs_run_name(run));
            continue;
        }
        run_series rs;
        run_series_pick(run, a->tag_glob, &rs);
        const lrs_run *val_run = rs.role[LRS_ROLE_VAL_LOSS] ? NULL : run_pair_val(r, run);
        char val_tag[128] = "";
        if (val_run) run_pair_take_val(val_run, &rs, val_tag, sizeof val_tag);
        follow_tags(w, &rs);
        if (val_tag[0]) lrs_monitor_set_tag(w->monitor, LRS_ROLE_VAL_LOSS, val_tag);
        expect_points(w, &rs, opt->total_steps);
        run_series_feed(w->monitor, &rs, w->from);
        lrs_sign s;
        while (lrs_monitor_next_sign(w->monitor, &s)) {
            if ((int)s.severity > worst) worst = (int)s.severity;
            if (a->json) {
                sign_print_json(stdout, w->name, &s);
                fputc('\n', stdout);
            } else {
                printf("%s:\n", w->name);
                sign_print_human(stdout, &s, rs.role[s.role]);
            }
            fflush(stdout);
            if (a->on_alert) run_alert(a->on_alert, w->name, &s);
        }
    }
    return worst;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Sleeps up to secs, waking early on SIGINT/SIGTERM. */
static void pause_for(double secs)
{
    struct timespec t = {(time_t)secs, (long)(1e9 * (secs - floor(secs)))};
    nanosleep(&t, NULL);
}

int cmd_watch(int argc, char **argv)
{
    watch_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? SIGNS_EXIT_OK : rc;
    lrs_reader_options ropt;
    lrs_reader_options_init(&ropt);
    ropt.raw = 1; /* points only get appended: a restart shows as steps going back */
    lrs_reader *r;
    if (lrs_reader_open(&r, a.path, &ropt) != LRS_OK)
        return cli_error(SIGNS_EXIT_UNREADABLE, "watch: %s", lrs_errmsg());
    struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART: wake the sleep */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    watched_runs runs = {0};
    size_t damage_seen = 0;
    int worst = -1;
    double deadline = a.timeout > 0 ? now_seconds() + a.timeout : INFINITY;
    while (!stop_requested) {
        if (lrs_reader_poll(r, NULL) != LRS_OK) cli_warn("watch: %s", lrs_errmsg());
        for (; damage_seen < lrs_reader_damage_count(r); damage_seen++)
            if (lrs_reader_damage(r, damage_seen)->kind != LRS_DAMAGE_TRUNCATED)
                cli_warn("%s", lrs_reader_damage(r, damage_seen)->message);
        int w = watch_poll(&a, r, &runs, &a.opt);
        if (w > worst) worst = w;
        double left = deadline - now_seconds();
        if (a.once || left <= 0) break;
        pause_for(fmin(a.interval, left));
    }
    for (size_t i = 0; i < runs.n; i++) {
        for (int k = 0; k < LRS_ROLE_COUNT; k++) free((char *)runs.run[i].tag[k]);
        lrs_monitor_close(runs.run[i].monitor);
        free(runs.run[i].name);
    }
    free(runs.run);
    lrs_reader_close(r);
    return worst >= LRS_SEVERITY_CRITICAL ? SIGNS_EXIT_CRITICAL
         : worst >= LRS_SEVERITY_WARNING  ? SIGNS_EXIT_WARNING : SIGNS_EXIT_OK;
}
