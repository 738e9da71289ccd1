/* Float sums in PyTorch 1.13's CPU order (aten/src/ATen/native/cpu/SumKernel.cpp and
 * LossNLL.cpp): a cascade of 4 partial sums, each level taking the one below every
 * 2^power additions, so that a batch's gradient sums round exactly as PyTorch's do. */
#include "layers.h"

#include <stddef.h>

#define LEVELS 4
#define BLOCK 32 /* columns summed side by side: SumKernel's 4 rows of 8-lane vectors */

/* level_power: max(4, ceil(log2 n) / 4), as multi_row_sum and nll_loss compute it. */
static int cascade_power(long n)
{
    int lg = n <= 2 ? 1 : 64 - __builtin_clzll((unsigned long long)(n - 1));
    return lg / LEVELS > 4 ? lg / LEVELS : 4;
}

/* sums [cols <= BLOCK]: sums[c] = sum over r < n of x[r * ld + c], in multi_row_sum's order. */
static void cascade_columns(float *sums, const float *x, size_t ld, int n, int cols)
{
    float acc[LEVELS][BLOCK] = {{0}};
    int power = cascade_power(n), step = 1 << power, i = 0;
    while (i + step <= n) {
        for (int j = 0; j < step; j++, i++)
            for (int c = 0; c < cols; c++) acc[0][c] += x[(size_t)i * ld + c];
        for (int l = 1; l < LEVELS; l++) {
            for (int c = 0; c < cols; c++) acc[l][c] += acc[l - 1][c], acc[l - 1][c] = 0;
            if (i & ((step - 1) << (l * power))) break;
        }
    }
    for (; i < n; i++)
        for (int c = 0; c < cols; c++) acc[0][c] += x[(size_t)i * ld + c];
    for (int c = 0; c < cols; c++) sums[c] = acc[0][c];
    for (int l = 1; l < LEVELS; l++)
        for (int c = 0; c < cols; c++) sums[c] += acc[l][c];
}

/* As cascade_columns, in row_sum's order: rows taken 4 apart into 4 partial sums, the rows
 * left over added to the first, then the partials added in turn. */
static void interleaved_columns(float *sums, const float *x, size_t ld, int n, int cols)
{
    float part[4][BLOCK];
    int m = n / 4;
    for (int k = 0; k < 4; k++) cascade_columns(part[k], x + (size_t)k * ld, 4 * ld, m, cols);
    for (int i = 4 * m; i < n; i++)
        for (int c = 0; c < cols; c++) part[0][c] += x[(size_t)i * ld + c];
    for (int c = 0; c < cols; c++) sums[c] = part[0][c] + part[1][c] + part[2][c] + part[3][c];
}

/* SumKernel's outer reduction: whole blocks of 32 columns (4 when there are fewer than 8)
 * are cascaded directly, the columns left over row_sum's way. */
void column_sums(float *sums, const float *x, int B, int OC)
{
    int width = OC >= 8 ? BLOCK : 4, direct = OC / width * width;
    for (int c = 0; c < direct; c += width) cascade_columns(sums + c, x + c, (size_t)OC, B, width);
    for (int c = direct; c < OC; c += BLOCK)
        interleaved_columns(sums + c, x + c, (size_t)OC, B, OC - c < BLOCK ? OC - c : BLOCK);
}

void nll_sum_init(nll_sum *s, int n)
{
    *s = (nll_sum){.power = cascade_power(n)};
}

/* nll_loss_out_frame's loop: the value joins level 0, then, where the index's low bits are
 * zero, each level is carried up (so index 0 is carried at once). */
void nll_sum_add(nll_sum *s, float v)
{
    s->acc[0] += v;
    for (int l = 0; l + 1 < LEVELS; l++) {
        if (s->i & (((1L << s->power) - 1) << (l * s->power))) break;
        s->acc[l + 1] += s->acc[l];
        s->acc[l] = 0;
    }
    s->i++;
}

float nll_sum_total(const nll_sum *s)
{
    float total = 0;
    for (int l = 0; l < LEVELS; l++) total += s->acc[l];
    return total;
}
