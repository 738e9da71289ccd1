/* PNG encoding with libpng's simplified API (png_image_write_to_memory). */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "png_encode.h"
#include "status_internal.h"

static const png_uint_32 format_of_channels[5] = {
    0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};

int png_encode(const uint8_t *pixels, int width, int height, int channels, uint8_t **png,
               size_t *png_len, const char *what)
{
    *png = NULL;
    *png_len = 0;
    if (!pixels || width <= 0 || height <= 0 || channels < 1 || channels > 4)
        return lrs_fail(LRS_ERR_ARG,
                        "%s: an image needs pixels, width and height > 0 and 1-4 channels "
                        "(got %dx%d, %d channels)", what, width, height, channels);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = format_of_channels[channels];
    png_alloc_size_t size = 0; /* first call: the size needed */
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL))
        goto fail;
    *png = malloc(size);
    if (!*png)
        return lrs_fail(LRS_ERR_NOMEM, "%s: out of memory for a %zu-byte PNG", what, (size_t)size);
    if (!png_image_write_to_memory(&image, *png, &size, 0, pixels, 0, NULL))
        goto fail;
    *png_len = size;
    return LRS_OK;
fail:
    free(*png);
    *png = NULL;
    int rc = lrs_fail(LRS_ERR_INTERNAL, "%s: PNG encoding failed: %s", what, image.message);
    png_image_free(&image);
    return rc;
}
