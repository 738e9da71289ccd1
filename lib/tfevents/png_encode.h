/* For the writer and tests: raw 8-bit pixels to PNG bytes in memory. */
#ifndef LRSCOPE_PNG_ENCODE_H
#define LRSCOPE_PNG_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Encodes width x height pixels, row-major and interleaved, with channels 1 (gray),
 * 2 (gray+alpha), 3 (RGB) or 4 (RGBA). *png is malloc'd (the caller frees it). what
 * names the image in messages. */
int png_encode(const uint8_t *pixels, int width, int height, int channels, uint8_t **png,
               size_t *png_len, const char *what);

#endif
