/* Which series of a run is the loss, the val loss, the LR, the gradient norm: by tag
 * name, the way PyTorch, Lightning, Keras, Hugging Face, detectron2 and TensorBoard users
 * name them. */
#include <ctype.h>
#include <string.h>

#include "signs_internal.h"

/* Case-insensitive equality of the n bytes at a with the string b. */
static int word_is(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != b[i]) return 0;
    return 1;
}

static int word_in(const char *a, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (word_is(a, n, *list)) return 1;
    return 0;
}

static int word_starts(const char *a, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && word_is(a, p, prefix);
}

static const char *const val_words[] = {"val", "valid", "validation", "eval", "evaluation", "test", NULL};
static const char *const train_words[] = {"train", "training", NULL};
static const char *const loss_words[] = {"loss", "epoch_loss", "batch_loss", "total_loss", "loss_total",
                                         "train_loss", "training_loss", "loss_train",
                                         "val_loss", "valid_loss", "validation_loss", "eval_loss",
                                         "test_loss", "loss_val", "loss_valid", "loss_test", NULL};
static const char *const val_loss_words[] = {"val_loss", "valid_loss", "validation_loss",
                                             "eval_loss", "test_loss", "loss_val", "loss_valid",
                                             "loss_test", NULL};
static const char *const train_loss_words[] = {"train_loss", "training_loss", "loss_train", NULL};
static const char *const lr_words[] = {"lr", "learning_rate", "learning-rate", "learningrate", "epoch_lr",
                                       "epoch_learning_rate", NULL};
static const char *const grad_words[] = {"grad_norm", "gradient_norm", "grad-norm", "grad_norm_total",
                                         "global_grad_norm", "gradnorm", "global_norm",
                                         "grad_2.0_norm_total", NULL};

/* The length of a word without Lightning's "_step" / "_epoch" suffix (self.log(...,
 * on_step=True, on_epoch=True) logs train_loss_step and train_loss_epoch); *per_epoch
 * is set for "_epoch". */
static size_t stem(const char *w, size_t n, int *per_epoch)
{
    if (n > 5 && word_is(w + n - 5, 5, "_step")) return n - 5;
    if (n > 6 && word_is(w + n - 6, 6, "_epoch")) return *per_epoch = 1, n - 6;
    return n;
}

int lrs_signs_classify_tag(const char *tag, lrs_role *role)
{
    int loss = 0, val = 0, train = 0, lr = 0, grad = 0, per_epoch = 0, epoch_so_far = 0;
    for (const char *p = tag; *p;) {
        size_t n = strcspn(p, "/"), s = stem(p, n, &per_epoch);
        if (word_starts(p, n, "batch_")) epoch_so_far = 1;
        if (word_in(p, n, loss_words) || word_in(p, s, loss_words)) loss = 1;
        if (word_in(p, n, val_words) || word_in(p, n, val_loss_words) || word_in(p, s, val_loss_words)) val = 1;
        if (word_in(p, n, train_words) || word_in(p, n, train_loss_words) || word_in(p, s, train_loss_words))
            train = 1;
        if (word_in(p, n, lr_words) || word_starts(p, n, "lr-") || word_starts(p, n, "lr_")) lr = 1;
        if (word_in(p, n, grad_words)) grad = 1;
        p += n;
        if (*p == '/') p++;
    }
    if (word_starts(tag, strlen(tag), "find/")) return 0; /* LR range tests are not training */
    if (word_starts(tag, strlen(tag), "signs/")) return 0; /* what a policy did (signs/lr_scale) */
    if (loss && val) *role = LRS_ROLE_VAL_LOSS;
    else if (loss) *role = LRS_ROLE_LOSS;
    else if (lr) *role = LRS_ROLE_LR;
    else if (grad) *role = LRS_ROLE_GRAD_NORM;
    else return 0;
    /* Prefer the plainest name: "loss" over "train/loss" over "model/head/loss", and a
     * per-step series over its per-epoch mean; but Keras's batch_loss (update_freq) is the
     * mean of the epoch's batches so far, reset at each epoch: its noise vanishes towards
     * an epoch's end and jumps back at the next (a swing, to the detectors), and its steps
     * are global where epoch_loss, the val loss and epoch_learning_rate count epochs. */
    int depth = 0;
    for (const char *p = tag; *p; p++) depth += *p == '/';
    return 2 * ((train ? 8 : 0) + (depth == 0 ? 4 : 0) + (depth <= 1 ? 2 : 0)) + (epoch_so_far ? 0 : per_epoch ? 1 : 2);
}

int signs_tag_per_epoch(const char *tag)
{
    for (const char *p = tag; *p;) {
        size_t n = strcspn(p, "/");
        int per_epoch = 0;
        stem(p, n, &per_epoch);
        if (per_epoch || word_starts(p, n, "epoch")) return 1;
        p += n;
        if (*p == '/') p++;
    }
    return 0;
}
