/* Sign policies: their names, defaults, and what a watched run writes to its log so that
 * TensorBoard shows what was seen and done, and when. */
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"
#include "status_internal.h"

static const char *const policy_names[] = {"off", "warn", "stop", "reduce", "rollback", "adapt"};

void lrs_policy_config_init(lrs_policy_config *pc)
{
    *pc = (lrs_policy_config){.policy = LRS_POLICY_WARN, .lr_min = 0, .lr_max = 0,
                              .max_actions = 10, .max_rollbacks = 5, .snapshot_every = 25};
}

int lrs_sign_policy_parse(const char *name, lrs_sign_policy *out)
{
    for (int i = 0; i < (int)(sizeof policy_names / sizeof policy_names[0]); i++)
        if (name && !strcmp(name, policy_names[i])) {
            *out = (lrs_sign_policy)i;
            return LRS_OK;
        }
    return lrs_fail(LRS_ERR_ARG, "expected off, warn, stop, reduce, rollback or adapt, got '%s'",
                    name ? name : "");
}

const char *lrs_sign_policy_name(lrs_sign_policy policy)
{
    return (unsigned)policy < sizeof policy_names / sizeof policy_names[0] ? policy_names[policy]
                                                                          : "unknown";
}

const char *lrs_policy_act_name(lrs_policy_act act)
{
    static const char *const names[] = {"logged", "reduced", "raised", "rolled_back", "stopped",
                                        "skipped"};
    return (unsigned)act < sizeof names / sizeof names[0] ? names[act] : "unknown";
}

int policy_log_scale(policy_run *p, int64_t step)
{
    lrs_writer *w = lrs_trainer_writer(p->t);
    return w ? lrs_writer_add_scalar(w, "signs/lr_scale", step, p->scale) : LRS_OK;
}

/* One Markdown line: "step 42: **divergence** (critical, train/loss): message. Done: ..." */
int policy_log_sign(policy_run *p, const lrs_sign *s, int64_t step, lrs_policy_act act,
                    const char *done)
{
    lrs_writer *w = lrs_trainer_writer(p->t);
    if (!w)
        return LRS_OK;
    char line[sizeof s->message + sizeof s->tag + 320];
    snprintf(line, sizeof line, "step %lld: **%s** (%s, %s, steps %lld..%lld): %s. Done: %s",
             (long long)step, lrs_sign_kind_name(s->kind), lrs_severity_name(s->severity), s->tag,
             (long long)s->start_step, (long long)s->end_step, s->message, done);
    int rc = lrs_writer_add_text(w, "signs/log", step, line);
    if (rc == LRS_OK)
        rc = lrs_writer_add_scalar(w, "signs/action", step, (double)act);
    return rc;
}
