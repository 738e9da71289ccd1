/* The MLP model: spec parsing, the three allocations, and forward/backward over the layers. */
#include "nn.h"
#include "layers.h"
#include "torch_rng.h"
#include "status_internal.h"

#include <cblas.h>
#include <ctype.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS (LRS_MLP_MAX_HIDDEN + 1)

struct lrs_mlp {
    int layers;                 /* dense layers: hidden + 1 */
    int sizes[MAX_LAYERS + 1];  /* sizes[0] inputs, sizes[l+1] layer l's outputs, sizes[layers] classes */
    int max_batch;
    size_t num_params;
    float *params, *grads, *acts;
    float *w[MAX_LAYERS], *b[MAX_LAYERS], *dw[MAX_LAYERS], *db[MAX_LAYERS];
    float *out[MAX_LAYERS]; /* [max_batch, sizes[l+1]]: after ReLU; the last holds the probabilities */
    float *dbuf[2];         /* [max_batch, widest layer output]: activation gradients, ping-pong */
    const float *x;         /* the last forward's batch, for backward */
    const int32_t *y;
    int batch;
    char spec[32 + 8 * LRS_MLP_MAX_HIDDEN];
};

/* Parses "mlp" or "mlp:H1,H2,..." into hidden sizes; errors quote the bad part. */
static int parse_spec(const char *spec, int *hidden, int *n_hidden)
{
    *n_hidden = 0;
    if (strncmp(spec, "mlp", 3) != 0 || (spec[3] && spec[3] != ':'))
        return lrs_fail(LRS_ERR_PARSE, "model '%s': unknown kind (expected \"mlp\" or \"mlp:H1,H2,...\")", spec);
    if (!spec[3]) return LRS_OK;
    const char *p = spec + 4;
    for (;;) {
        const char *end = p + strcspn(p, ",");
        char *num_end;
        errno = 0;
        long h = isdigit((unsigned char)*p) ? strtol(p, &num_end, 10) : -1;
        if (h < 1 || h > LRS_MLP_MAX_WIDTH || errno || (h > 0 && num_end != end))
            return lrs_fail(LRS_ERR_PARSE, "model '%s': hidden size '%.*s' at position %d is not an integer "
                            "in 1..%d", spec, (int)(end - p), p, (int)(p - spec) + 1, LRS_MLP_MAX_WIDTH);
        if (*n_hidden == LRS_MLP_MAX_HIDDEN)
            return lrs_fail(LRS_ERR_PARSE, "model '%s': more than %d hidden layers", spec, LRS_MLP_MAX_HIDDEN);
        hidden[(*n_hidden)++] = (int)h;
        if (!*end) return LRS_OK;
        p = end + 1;
    }
}

/* Points w/b, dw/db, out and dbuf into the three allocations. */
static void lay_out(lrs_mlp *m)
{
    size_t p = 0, a = 0;
    int widest = 0;
    for (int l = 0; l < m->layers; l++) {
        size_t in = (size_t)m->sizes[l], out = (size_t)m->sizes[l + 1];
        m->w[l] = m->params + p, m->dw[l] = m->grads + p;
        m->b[l] = m->params + p + out * in, m->db[l] = m->grads + p + out * in;
        p += out * in + out;
        m->out[l] = m->acts + a;
        a += (size_t)m->max_batch * out;
        widest = m->sizes[l + 1] > widest ? m->sizes[l + 1] : widest;
    }
    m->dbuf[0] = m->acts + a;
    m->dbuf[1] = m->acts + a + (size_t)m->max_batch * widest;
}

static size_t activation_count(const lrs_mlp *m)
{
    size_t a = 0;
    int widest = 0;
    for (int l = 0; l < m->layers; l++) {
        a += (size_t)m->max_batch * m->sizes[l + 1];
        widest = m->sizes[l + 1] > widest ? m->sizes[l + 1] : widest;
    }
    return a + 2 * (size_t)m->max_batch * widest;
}

static int check_dims(const char *spec, int inputs, int classes, int max_batch)
{
    if (inputs < 1 || inputs > 10000000)
        return lrs_fail(LRS_ERR_ARG, "model '%s': %d inputs (expected 1..10000000)", spec, inputs);
    if (classes < 2 || classes > LRS_DATASET_MAX_CLASSES)
        return lrs_fail(LRS_ERR_ARG, "model '%s': %d classes (expected 2..%d)", spec, classes,
                        LRS_DATASET_MAX_CLASSES);
    if (max_batch < 1 || max_batch > 1 << 20)
        return lrs_fail(LRS_ERR_ARG, "model '%s': max batch %d (expected 1..1048576)", spec, max_batch);
    return LRS_OK;
}

int lrs_mlp_create(lrs_mlp **out, const char *spec, int inputs, int classes, int max_batch, uint64_t seed)
{
    *out = NULL;
    int hidden[LRS_MLP_MAX_HIDDEN], n_hidden;
    if (!spec) return lrs_fail(LRS_ERR_ARG, "model: no spec");
    int rc = parse_spec(spec, hidden, &n_hidden);
    if (rc || (rc = check_dims(spec, inputs, classes, max_batch))) return rc;
    lrs_mlp *m = calloc(1, sizeof *m);
    if (!m) return lrs_fail(LRS_ERR_NOMEM, "model '%s': out of memory", spec);
    m->layers = n_hidden + 1;
    m->max_batch = max_batch;
    m->sizes[0] = inputs;
    int len = snprintf(m->spec, sizeof m->spec, "mlp");
    for (int i = 0; i < n_hidden; i++) {
        m->sizes[i + 1] = hidden[i];
        len += snprintf(m->spec + len, sizeof m->spec - len, "%c%d", i ? ',' : ':', hidden[i]);
    }
    m->sizes[m->layers] = classes;
    for (int l = 0; l < m->layers; l++)
        m->num_params += (size_t)m->sizes[l + 1] * m->sizes[l] + m->sizes[l + 1];
    m->params = malloc(m->num_params * sizeof(float));
    m->grads = calloc(m->num_params, sizeof(float));
    m->acts = malloc(activation_count(m) * sizeof(float));
    if (!m->params || !m->grads || !m->acts) {
        lrs_mlp_free(m);
        return lrs_fail(LRS_ERR_NOMEM, "model '%s': out of memory", spec);
    }
    lay_out(m);
    lrs_mlp_init(m, seed);
    *out = m;
    return LRS_OK;
}

void lrs_mlp_free(lrs_mlp *m)
{
    if (!m) return;
    free(m->params);
    free(m->grads);
    free(m->acts);
    free(m);
}

/* nn.Linear.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)) then the bias uniform in
 * +-1/sqrt(fan_in). The weight's bound is computed in double as torch.nn.init does (it is
 * not exactly 1/sqrt(fan_in) there) and rounded to float as uniform_ rounds it. */
static float kaiming_bound(int fan_in)
{
    double a = sqrt(5.0), gain = sqrt(2.0 / (1 + a * a));
    return (float)(sqrt(3.0) * (gain / sqrt((double)fan_in)));
}

void lrs_mlp_init(lrs_mlp *m, uint64_t seed)
{
    lrs_torch_rng g;
    lrs_torch_rng_seed(&g, seed);
    for (int l = 0; l < m->layers; l++) {
        int in = m->sizes[l], out = m->sizes[l + 1];
        float wb = kaiming_bound(in), bb = (float)(1.0 / sqrt((double)in));
        float *w = m->w[l], *b = w + (size_t)out * in; /* w then b, contiguous */
        for (size_t i = 0; i < (size_t)out * in; i++) w[i] = lrs_torch_rng_uniform(&g, -wb, wb);
        for (int i = 0; i < out; i++) b[i] = lrs_torch_rng_uniform(&g, -bb, bb);
    }
}

int lrs_mlp_forward(lrs_mlp *m, const float *x, const int32_t *y, int batch, float *loss, int *correct)
{
    if (batch < 1 || batch > m->max_batch)
        return lrs_fail(LRS_ERR_ARG, "model %s: batch of %d (expected 1..%d)", m->spec, batch, m->max_batch);
    for (int i = 0; y && i < batch; i++)
        if (y[i] < 0 || y[i] >= m->sizes[m->layers])
            return lrs_fail(LRS_ERR_ARG, "model %s: label %d at batch row %d (expected 0..%d)", m->spec,
                            (int)y[i], i, m->sizes[m->layers] - 1);
    const float *inp = x;
    for (int l = 0; l < m->layers; l++) {
        int relu = l < m->layers - 1;
        dense_forward(m->out[l], inp, m->w[l], m->b[l], batch, m->sizes[l], m->sizes[l + 1], relu);
        inp = m->out[l];
    }
    int right = 0;
    float mean = softmax_xent_forward(m->out[m->layers - 1], y, batch, m->sizes[m->layers], &right);
    if (loss) *loss = mean;
    if (correct) *correct = right;
    m->x = x, m->y = y, m->batch = batch;
    return LRS_OK;
}

int lrs_mlp_backward(lrs_mlp *m)
{
    if (!m->x || !m->y)
        return lrs_fail(LRS_ERR_ARG, "model %s: backward needs a forward pass with labels first", m->spec);
    int B = m->batch, L = m->layers, cur = 0;
    softmax_xent_backward(m->dbuf[cur], m->out[L - 1], m->y, B, m->sizes[L]);
    for (int l = L - 1; l >= 0; l--) {
        const float *inp = l ? m->out[l - 1] : m->x;
        float *dinp = l ? m->dbuf[1 - cur] : NULL;
        dense_backward(dinp, m->dw[l], m->db[l], m->dbuf[cur], inp, m->w[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l) relu_backward(dinp, m->out[l - 1], B * m->sizes[l]);
        cur = 1 - cur;
    }
    return LRS_OK;
}

int lrs_mlp_evaluate(lrs_mlp *m, const lrs_split *s, double *loss, double *accuracy)
{
    if (s->features != m->sizes[0])
        return lrs_fail(LRS_ERR_ARG, "model %s: data has %d features (expected %d)", m->spec, s->features,
                        m->sizes[0]);
    double sum = 0;
    long right = 0;
    for (int i = 0; i < s->n; i += m->max_batch) {
        int B = s->n - i < m->max_batch ? s->n - i : m->max_batch, correct = 0;
        float batch_loss;
        lrs_mlp_forward(m, s->x + (size_t)i * s->features, s->y + i, B, &batch_loss, &correct);
        sum += (double)batch_loss * B;
        right += correct;
    }
    *loss = s->n ? sum / s->n : 0;
    *accuracy = s->n ? (double)right / s->n : 0;
    m->x = NULL, m->y = NULL;
    return LRS_OK;
}

const float *lrs_mlp_probs(const lrs_mlp *m) { return m->out[m->layers - 1]; }
size_t lrs_mlp_num_params(const lrs_mlp *m) { return m->num_params; }
float *lrs_mlp_params(lrs_mlp *m) { return m->params; }
float *lrs_mlp_grads(lrs_mlp *m) { return m->grads; }
int lrs_mlp_inputs(const lrs_mlp *m) { return m->sizes[0]; }
int lrs_mlp_classes(const lrs_mlp *m) { return m->sizes[m->layers]; }
int lrs_mlp_max_batch(const lrs_mlp *m) { return m->max_batch; }
const char *lrs_mlp_spec(const lrs_mlp *m) { return m->spec; }

void lrs_nn_set_threads(int n)
{
    openblas_set_num_threads(n > 0 ? n : (int)sysconf(_SC_NPROCESSORS_ONLN));
}

int lrs_nn_threads(void) { return openblas_get_num_threads(); }
