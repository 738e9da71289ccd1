/* The trainer's state as bytes (snapshots and checkpoint files), little-endian hosts:
 *
 *   header   magic "LRSCKPT1", u32 version, u32 fingerprint, u64 total size,
 *            u32 n_sections, u32 model/optimizer/schedule spec lengths, the three specs
 *   sections u32 id, u32 0, u64 size, then size bytes; in the order trainer, params,
 *            optimizer, schedule
 *   trailer  u32 CRC32C of every byte before it
 *
 * The specs are stored as text so that a checkpoint of another model or optimizer is
 * refused with a message naming both. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status_internal.h"
#include "train_internal.h"

#define CKPT_MAGIC "LRSCKPT1"
#define CKPT_VERSION 1u

enum { SEC_TRAINER = 1, SEC_PARAMS = 2, SEC_OPTIM = 3, SEC_SCHEDULE = 4, N_SECTIONS = 4 };

typedef struct {
    char magic[8];
    uint32_t version, fingerprint;
    uint64_t total_size;
    uint32_t n_sections;
    uint32_t spec_len[3];
} ckpt_header;

typedef struct {
    uint32_t id, zero;
    uint64_t size;
} ckpt_section;

/* What the loop needs besides the parts' own states. epoch and position follow from step;
 * they are stored for readers of the file. */
typedef struct {
    int64_t step, epoch, position;
    double base_lr, lr_scale;
    double epoch_loss_sum;
    int64_t epoch_loss_count;
    double last_epoch_loss, val_loss, val_accuracy;
} ckpt_trainer;

static const char *spec_of(const lrs_trainer *t, int i)
{
    return i == 0 ? t->model_spec : i == 1 ? t->optim_spec : t->sched_spec;
}

static size_t header_size(const lrs_trainer *t)
{
    return sizeof(ckpt_header) + strlen(t->model_spec) + strlen(t->optim_spec) + strlen(t->sched_spec);
}

static size_t section_size(const lrs_trainer *t, int id)
{
    switch (id) {
    case SEC_TRAINER: return sizeof(ckpt_trainer);
    case SEC_PARAMS: return lrs_mlp_num_params(t->mlp) * sizeof(float);
    case SEC_OPTIM: return lrs_optim_state_size(t->opt);
    default: return lrs_schedule_state_size(t->sched);
    }
}

size_t train_state_size(const lrs_trainer *t)
{
    size_t n = header_size(t) + sizeof(uint32_t);
    for (int id = SEC_TRAINER; id <= SEC_SCHEDULE; id++)
        n += sizeof(ckpt_section) + section_size(t, id);
    return n;
}

/* What a checkpoint must share with the run resuming it beyond the specs: batch, seed, and
 * the data (sizes and labels of the training and held-out splits). */
uint32_t train_fingerprint(const lrs_trainer *t)
{
    int64_t shape[6] = {t->cfg.batch, (int64_t)t->cfg.seed, t->train.n, t->held.n, t->train.features,
                        lrs_dataset_classes(t->ds)};
    uint32_t crc = lrs_crc32c(0, shape, sizeof shape);
    for (int i = 0; i < 3; i++)
        crc = lrs_crc32c(crc, spec_of(t, i), strlen(spec_of(t, i)) + 1);
    crc = lrs_crc32c(crc, t->train.y, (size_t)t->train.n * sizeof *t->train.y);
    return lrs_crc32c(crc, t->held.y, (size_t)t->held.n * sizeof *t->held.y);
}

static uint8_t *put(uint8_t *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

static uint8_t *put_section(uint8_t *p, uint32_t id, size_t size)
{
    ckpt_section s = {id, 0, size};
    return put(p, &s, sizeof s);
}

int lrs_trainer_state_save(lrs_trainer *t, void *buf, size_t size)
{
    if (size < t->state_size)
        return lrs_fail(LRS_ERR_ARG, "train: the state needs %zu bytes, got %zu", t->state_size, size);
    ckpt_header h = {CKPT_MAGIC, CKPT_VERSION, t->fingerprint, t->state_size, N_SECTIONS, {0, 0, 0}};
    for (int i = 0; i < 3; i++)
        h.spec_len[i] = (uint32_t)strlen(spec_of(t, i));
    uint8_t *p = put(buf, &h, sizeof h);
    for (int i = 0; i < 3; i++)
        p = put(p, spec_of(t, i), h.spec_len[i]);
    ckpt_trainer tr = {t->step, t->step / t->steps_per_epoch, (t->step % t->steps_per_epoch) * t->cfg.batch,
                       t->base_lr, t->lr_scale, t->epoch_loss_sum, t->epoch_loss_count,
                       t->last_epoch_loss, t->val_loss, t->val_accuracy};
    p = put(put_section(p, SEC_TRAINER, sizeof tr), &tr, sizeof tr);
    p = put(put_section(p, SEC_PARAMS, section_size(t, SEC_PARAMS)), lrs_mlp_params(t->mlp),
            section_size(t, SEC_PARAMS));
    size_t n = section_size(t, SEC_OPTIM);
    int rc = lrs_optim_state_save(t->opt, put_section(p, SEC_OPTIM, n), n);
    p += sizeof(ckpt_section) + n;
    n = section_size(t, SEC_SCHEDULE);
    if (rc == LRS_OK)
        rc = lrs_schedule_save(t->sched, put_section(p, SEC_SCHEDULE, n), n);
    p += sizeof(ckpt_section) + n;
    uint32_t crc = lrs_crc32c(0, buf, (size_t)(p - (uint8_t *)buf));
    put(p, &crc, sizeof crc);
    return rc;
}

/* Refuses a state that is not this run's, naming the first difference. */
static int check_header(const lrs_trainer *t, const uint8_t *buf, size_t size, const char *name)
{
    ckpt_header h;
    if (size < sizeof h || memcmp(buf, CKPT_MAGIC, 8) != 0)
        return lrs_fail(LRS_ERR_FORMAT, "%s: not an lrscope checkpoint (no LRSCKPT1 header)", name);
    memcpy(&h, buf, sizeof h);
    if (h.version != CKPT_VERSION)
        return lrs_fail(LRS_ERR_FORMAT, "%s: checkpoint version %u, this lrscope reads version %u", name,
                        h.version, CKPT_VERSION);
    static const char *const what[3] = {"model", "optimizer", "schedule"};
    size_t at = sizeof h;
    for (int i = 0; i < 3; i++) {
        const char *mine = spec_of(t, i);
        if (h.spec_len[i] > TRAIN_SPEC_MAX || at + h.spec_len[i] > size)
            return lrs_fail(LRS_ERR_FORMAT, "%s: damaged checkpoint (truncated header)", name);
        if (h.spec_len[i] != strlen(mine) || memcmp(buf + at, mine, h.spec_len[i]) != 0)
            return lrs_fail(LRS_ERR_FORMAT, "%s: checkpoint of %s %.*s, but this run's %s is %s", name,
                            what[i], (int)h.spec_len[i], (const char *)buf + at, what[i], mine);
        at += h.spec_len[i];
    }
    if (h.fingerprint != t->fingerprint)
        return lrs_fail(LRS_ERR_FORMAT, "%s: checkpoint of another batch size, seed or data set", name);
    if (h.total_size != size || size != t->state_size)
        return lrs_fail(LRS_ERR_FORMAT, "%s: damaged checkpoint (%zu bytes, its header says %llu)", name,
                        size, (unsigned long long)h.total_size);
    uint32_t crc;
    memcpy(&crc, buf + size - sizeof crc, sizeof crc);
    if (crc != lrs_crc32c(0, buf, size - sizeof crc))
        return lrs_fail(LRS_ERR_CRC, "%s: damaged checkpoint (CRC mismatch)", name);
    return LRS_OK;
}

/* The section `id` at *at (advanced past it), NULL when the layout is not this run's. */
static const uint8_t *take_section(const lrs_trainer *t, const uint8_t *buf, size_t *at, int id)
{
    ckpt_section s;
    memcpy(&s, buf + *at, sizeof s);
    if (s.id != (uint32_t)id || s.size != section_size(t, id))
        return NULL;
    *at += sizeof s + s.size;
    return buf + *at - s.size;
}

static int load_state(lrs_trainer *t, const uint8_t *buf, size_t size, const char *name)
{
    int rc = check_header(t, buf, size, name);
    if (rc != LRS_OK)
        return rc;
    size_t at = header_size(t);
    const uint8_t *sec[N_SECTIONS + 1] = {NULL};
    for (int id = SEC_TRAINER; id <= SEC_SCHEDULE; id++)
        if (!(sec[id] = take_section(t, buf, &at, id)))
            return lrs_fail(LRS_ERR_FORMAT, "%s: damaged checkpoint (section %d)", name, id);
    ckpt_trainer tr;
    memcpy(&tr, sec[SEC_TRAINER], sizeof tr);
    if (tr.step < 0 || !(tr.lr_scale > 0) || !(tr.base_lr > 0))
        return lrs_fail(LRS_ERR_FORMAT, "%s: damaged checkpoint (trainer section)", name);
    if ((rc = lrs_schedule_load(t->sched, sec[SEC_SCHEDULE], section_size(t, SEC_SCHEDULE))) != LRS_OK ||
        (rc = lrs_optim_state_load(t->opt, sec[SEC_OPTIM], section_size(t, SEC_OPTIM))) != LRS_OK)
        return lrs_fail(rc, "%s: %s", name, lrs_errmsg());
    memcpy(lrs_mlp_params(t->mlp), sec[SEC_PARAMS], section_size(t, SEC_PARAMS));
    t->step = tr.step;
    t->base_lr = tr.base_lr, t->lr_scale = tr.lr_scale;
    t->epoch_loss_sum = tr.epoch_loss_sum, t->epoch_loss_count = tr.epoch_loss_count;
    t->last_epoch_loss = tr.last_epoch_loss;
    t->val_loss = tr.val_loss, t->val_accuracy = tr.val_accuracy;
    t->order_epoch = -1;
    return LRS_OK;
}

size_t lrs_trainer_state_size(const lrs_trainer *t) { return t->state_size; }

int lrs_trainer_state_load(lrs_trainer *t, const void *buf, size_t size)
{
    return load_state(t, buf, size, "state");
}

static int fail_errno(const char *what, const char *path)
{
    int err = errno;
    return lrs_fail(lrs_status_from_errno(err), "%s %s: %s", what, path, strerror(err));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

int lrs_trainer_save(lrs_trainer *t, const char *path)
{
    char tmp_path[4096], dir[4096];
    if (snprintf(tmp_path, sizeof tmp_path, "%s.tmp", path) >= (int)sizeof tmp_path)
        return lrs_fail(LRS_ERR_ARG, "checkpoint %s: path too long", path);
    int rc = lrs_trainer_state_save(t, t->state, t->state_size);
    if (rc != LRS_OK)
        return rc;
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail_errno("checkpoint", tmp_path);
    if (write_all(fd, t->state, t->state_size) != 0 || fsync(fd) != 0) {
        rc = fail_errno("checkpoint", tmp_path);
        close(fd);
        unlink(tmp_path);
        return rc;
    }
    if (close(fd) != 0 || rename(tmp_path, path) != 0)
        return fail_errno("checkpoint", path);
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1,
             slash ? path : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* best effort: some file systems refuse fsync on folders */
        close(dfd);
    }
    return LRS_OK;
}

int lrs_trainer_load(lrs_trainer *t, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno("checkpoint", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = fail_errno("checkpoint", path);
        close(fd);
        return rc;
    }
    size_t want = (size_t)st.st_size < t->state_size ? (size_t)st.st_size : t->state_size, got = 0;
    while (got < want) {
        ssize_t r = read(fd, t->state + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != want)
        return lrs_fail(LRS_ERR_IO, "checkpoint %s: short read (%zu of %zu bytes)", path, got, want);
    /* The header first, for the clearest message about a file of another run. */
    int rc = check_header(t, t->state, got, path);
    if (rc == LRS_OK && (size_t)st.st_size != t->state_size)
        rc = lrs_fail(LRS_ERR_FORMAT, "checkpoint %s: %lld bytes, expected %zu", path,
                      (long long)st.st_size, t->state_size);
    return rc != LRS_OK ? rc : load_state(t, t->state, t->state_size, path);
}
