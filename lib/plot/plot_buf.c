/* A growable text buffer for the SVG and ASCII renderers. After a failed allocation
 * it stops growing and says so (failed), so callers check once at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

static int reserve(plot_buf *b, size_t more)
{
    if (b->failed) return 0;
    if (b->len + more + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) cap *= 2;
    char *bigger = realloc(b->data, cap);
    if (!bigger) {
        b->failed = 1;
        return 0;
    }
    b->data = bigger;
    b->cap = cap;
    return 1;
}

void plot_buf_put(plot_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void plot_buf_printf(plot_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        plot_buf_put(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void plot_buf_xml(plot_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': plot_buf_put(b, "&amp;", 5); break;
        case '<': plot_buf_put(b, "&lt;", 4); break;
        case '>': plot_buf_put(b, "&gt;", 4); break;
        case '"': plot_buf_put(b, "&quot;", 6); break;
        case '\'': plot_buf_put(b, "&#39;", 5); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') plot_buf_put(b, " ", 1);
            else plot_buf_put(b, s, 1);
        }
    }
}
