/* The update rules, written once and instantiated for REAL = float and double by
 * optim_step.c (SUFFIX names the instance). Each follows torch/optim/{sgd,adam,adamw}.py of PyTorch 1.13
 * (_single_tensor_* paths), including the order of operations, so the double instance
 * reproduces PyTorch's float64 trajectories to rounding and the float instance its float32
 * ones bit for bit. Scalars are cast to REAL as PyTorch casts Python scalars to the tensor's
 * dtype. PyTorch's AVX2 kernels round `a.add_(b, alpha=s)` once, as fma(b, s, a), and
 * `a.addcmul_(t1, t2, value=s)` as fma(s * t1, t2, a) (the compiler fused it); mul_ and
 * addcdiv_ round each operation, addcdiv_ as a + (s * t1) / t2. Checked bit for bit against
 * torch 1.13's SGD, Adam and AdamW (foreach=False).
 * FAST_KERNEL gives the loops an FMA instance chosen at load time (optim_step.c). */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)

/* SGD: d = g + wd*p; buf = first ? d : momentum*buf + (1-dampening)*d;
 * d = nesterov ? d + momentum*buf : buf; p -= lr*d. (momentum 0: p -= lr*d.) */
FAST_KERNEL static void CAT(sgd_update, SUFFIX)(REAL *restrict p, const REAL *restrict g, REAL *restrict buf,
                                                size_t n, const optim_hparams *hp, int first)
{
    const REAL lr = (REAL)hp->lr, wd = (REAL)hp->wd, mom = (REAL)hp->momentum;
    const REAL keep = (REAL)(1.0 - hp->dampening);
    const int nesterov = hp->nesterov;
    for (size_t i = 0; i < n; i++) {
        REAL d = g[i];
        if (wd != 0) d = FMA(p[i], wd, d);
        if (mom != 0) {
            buf[i] = first ? d : FMA(d, keep, buf[i] * mom);
            d = nesterov ? FMA(buf[i], mom, d) : buf[i];
        }
        p[i] = FMA(d, -lr, p[i]);
    }
}

/* Adam / AdamW at step t (1-based): AdamW first shrinks p by (1 - lr*wd), Adam adds wd*p to
 * g; m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g*g; vmax = max(vmax, v) with
 * AMSGrad; p -= (lr / (1-beta1^t)) * m / (sqrt(v or vmax) / sqrt(1-beta2^t) + eps). */
FAST_KERNEL static void CAT(adam_update, SUFFIX)(REAL *restrict p, const REAL *restrict g, REAL *restrict m,
                                                 REAL *restrict v, REAL *restrict vmax, size_t n,
                                                 const optim_hparams *hp, uint64_t t)
{
    const int decoupled = hp->kind == OPTIM_ADAMW, amsgrad = hp->amsgrad;
    const REAL shrink = (REAL)(1.0 - hp->lr * hp->wd), wd = (REAL)hp->wd;
    const REAL beta1 = (REAL)hp->beta1, beta2 = (REAL)hp->beta2;
    const REAL one_minus_beta1 = (REAL)(1.0 - hp->beta1), one_minus_beta2 = (REAL)(1.0 - hp->beta2);
    const REAL step_size = (REAL)(hp->lr / (1.0 - pow(hp->beta1, (double)t)));
    const REAL bc2_sqrt = (REAL)sqrt(1.0 - pow(hp->beta2, (double)t)), eps = (REAL)hp->eps;
    for (size_t i = 0; i < n; i++) {
        REAL grad = g[i];
        if (decoupled) p[i] = p[i] * shrink;
        else if (wd != 0) grad = FMA(p[i], wd, grad);
        m[i] = FMA(grad, one_minus_beta1, m[i] * beta1);
        v[i] = FMA(one_minus_beta2 * grad, grad, v[i] * beta2);
        REAL second = v[i];
        if (amsgrad) second = vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];
        REAL denom = SQRT(second) / bc2_sqrt + eps;
        p[i] = p[i] + (-step_size) * m[i] / denom;
    }
}

static double CAT(sum_squares, SUFFIX)(const REAL *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * (double)g[i];
    return s;
}

static double CAT(clip, SUFFIX)(REAL *g, size_t n, double max_norm)
{
    double total = sqrt(CAT(sum_squares, SUFFIX)(g, n));
    double coef = max_norm / (total + 1e-6);
    if (coef < 1) {
        const REAL c = (REAL)coef;
        for (size_t i = 0; i < n; i++) g[i] *= c;
    }
    return total;
}

#undef CAT
#undef CAT_
