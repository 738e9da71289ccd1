/* IDX files (LeCun's MNIST format, also Fashion-MNIST's), plain or gzipped: a big-endian
 * header (magic 0x000008NN: unsigned bytes, NN dimensions; then NN uint32 sizes) and the
 * bytes. zlib's gzread reads plain files as they are, so ".gz" is optional. */
#include "dataset_internal.h"
#include "status_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define IDX_UBYTE 0x08

typedef struct {
    gzFile gz;
    char path[PATH_MAX];
    long count;     /* first dimension */
    long row_bytes; /* product of the other dimensions */
} idx_file;

static int read_exact(idx_file *f, void *buf, unsigned n, const char *what)
{
    int got = gzread(f->gz, buf, n);
    if (got < 0) {
        int zerr;
        const char *msg = gzerror(f->gz, &zerr);
        return lrs_fail(LRS_ERR_FORMAT, "%s: cannot read %s: %s", f->path, what, msg);
    }
    if ((unsigned)got < n)
        return lrs_fail(LRS_ERR_FORMAT, "%s: truncated %s (expected %u more bytes, found %d)",
                        f->path, what, n, got);
    return LRS_OK;
}

/* Opens an IDX file of unsigned bytes with `ndims` dimensions and reads its header. */
static int idx_open(idx_file *f, const char *path, int ndims)
{
    snprintf(f->path, sizeof f->path, "%s", path);
    f->gz = gzopen(path, "rb");
    if (!f->gz) return lrs_fail(LRS_ERR_NOTFOUND, "%s: cannot open: %s", path, strerror(errno));
    gzbuffer(f->gz, 1 << 16);
    unsigned char h[4 + 4 * 3];
    int rc = read_exact(f, h, 4 + 4 * (unsigned)ndims, "IDX header");
    if (rc) return rc;
    unsigned magic = (unsigned)h[0] << 24 | (unsigned)h[1] << 16 | (unsigned)h[2] << 8 | h[3];
    if (magic != (unsigned)(IDX_UBYTE << 8 | ndims))
        return lrs_fail(LRS_ERR_FORMAT, "%s: bad magic 0x%08x (expected 0x%08x: an IDX file of "
                        "unsigned bytes with %d dimension%s)", path, magic, IDX_UBYTE << 8 | ndims,
                        ndims, ndims > 1 ? "s" : "");
    long dims[3];
    for (int d = 0; d < ndims; d++)
        dims[d] = (long)((unsigned long)h[4 + 4 * d] << 24 | (unsigned long)h[5 + 4 * d] << 16 |
                         (unsigned long)h[6 + 4 * d] << 8 | h[7 + 4 * d]);
    f->count = dims[0];
    f->row_bytes = ndims == 3 ? dims[1] * dims[2] : 1;
    if (f->count > LRS_DATASET_MAX_ROWS || f->row_bytes < 1 || f->row_bytes > LRS_DATASET_MAX_FEATURES)
        return lrs_fail(LRS_ERR_FORMAT, "%s: implausible sizes %ld x %ld in the header",
                        path, f->count, f->row_bytes);
    return LRS_OK;
}

static void idx_close(idx_file *f)
{
    if (f->gz) gzclose(f->gz);
    f->gz = NULL;
}

/* After the declared bytes the file must end: more means the header lies. */
static int expect_end(idx_file *f)
{
    unsigned char extra;
    if (gzread(f->gz, &extra, 1) == 1)
        return lrs_fail(LRS_ERR_FORMAT, "%s: data continues past the %ld items the header declares",
                        f->path, f->count);
    return LRS_OK;
}

/* Reads all pixels as floats in [0,1] into x [count, row_bytes]. */
static int read_pixels(idx_file *f, float *x)
{
    unsigned char buf[1 << 16];
    size_t total = (size_t)f->count * (size_t)f->row_bytes;
    for (size_t done = 0; done < total;) {
        unsigned n = total - done < sizeof buf ? (unsigned)(total - done) : sizeof buf;
        int rc = read_exact(f, buf, n, "pixel data");
        if (rc) return rc;
        /* a division, as ToTensor divides: times (1/255) differs in the last bit for 28% of pixels */
        for (unsigned i = 0; i < n; i++) x[done + i] = buf[i] / 255.0f;
        done += n;
    }
    return expect_end(f);
}

static int read_labels(lrs_dataset *ds, idx_file *f, int32_t *y, int declared)
{
    unsigned char buf[1 << 16];
    char where[PATH_MAX + 32];
    for (long done = 0; done < f->count;) {
        unsigned n = f->count - done < (long)sizeof buf ? (unsigned)(f->count - done) : sizeof buf;
        int rc = read_exact(f, buf, n, "label data");
        if (rc) return rc;
        for (unsigned i = 0; i < n; i++) {
            y[done + i] = buf[i];
            if (buf[i] < ds->classes) continue;
            snprintf(where, sizeof where, "%s: item %ld", f->path, done + i);
            if ((rc = lrs_dataset_take_label(ds, buf[i], declared, where))) return rc;
        }
        done += n;
    }
    return expect_end(f);
}

/* The lexicographically first file in dir named *<stem> or *<stem>.gz, or "" if none. */
static int find_file(const char *dir, const char *stem, char *out, size_t n)
{
    DIR *d = opendir(dir);
    if (!d) return lrs_fail(LRS_ERR_NOTFOUND, "%s: cannot open folder: %s", dir, strerror(errno));
    char best[NAME_MAX + 1] = "";
    size_t ls = strlen(stem);
    for (struct dirent *e; (e = readdir(d));) {
        size_t ln = strlen(e->d_name);
        int plain = ln >= ls && strcmp(e->d_name + ln - ls, stem) == 0;
        int gz = ln >= ls + 3 && strncmp(e->d_name + ln - ls - 3, stem, ls) == 0 &&
                 strcmp(e->d_name + ln - 3, ".gz") == 0;
        if ((plain || gz) && (!best[0] || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    out[0] = '\0';
    if (best[0]) snprintf(out, n, "%s/%s", dir, best);
    return LRS_OK;
}

/* Paths of one split's images and labels; "" for both when the split is absent. */
static int find_pair(const char *dir, const char *const prefixes[], char *img, char *lab, size_t n)
{
    char stem[64];
    img[0] = lab[0] = '\0';
    for (int i = 0; prefixes[i] && !img[0] && !lab[0]; i++) {
        snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", prefixes[i]);
        int rc = find_file(dir, stem, img, n);
        snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", prefixes[i]);
        if (rc || (rc = find_file(dir, stem, lab, n))) return rc;
        if (img[0] && !lab[0])
            return lrs_fail(LRS_ERR_NOTFOUND, "%s: %s has no matching *%s[.gz] file", dir, img, stem);
        if (lab[0] && !img[0])
            return lrs_fail(LRS_ERR_NOTFOUND, "%s: %s has no matching *%s-images-idx3-ubyte[.gz] file",
                            dir, lab, prefixes[i]);
    }
    return LRS_OK;
}

static int open_pair(idx_file *img, idx_file *lab, const char *img_path, const char *lab_path)
{
    int rc = idx_open(img, img_path, 3);
    if (rc || (rc = idx_open(lab, lab_path, 1))) return rc;
    if (img->count != lab->count)
        return lrs_fail(LRS_ERR_FORMAT, "%s: %ld labels but %s has %ld images (expected the same count)",
                        lab->path, lab->count, img->path, img->count);
    return LRS_OK;
}

static int load_files(lrs_dataset *ds, idx_file f[4], const char *dir, int declared)
{
    static const char *const train_prefixes[] = { "train", NULL };
    static const char *const test_prefixes[] = { "t10k", "test", NULL };
    char p[4][PATH_MAX];
    int rc = find_pair(dir, train_prefixes, p[0], p[1], PATH_MAX);
    if (rc || (rc = find_pair(dir, test_prefixes, p[2], p[3], PATH_MAX))) return rc;
    if (!p[0][0])
        return lrs_fail(LRS_ERR_NOTFOUND, "%s: no *train-images-idx3-ubyte[.gz] file "
                        "(expected a folder of IDX files as Fashion-MNIST ships them)", dir);
    if ((rc = open_pair(&f[0], &f[1], p[0], p[1]))) return rc;
    if (p[2][0] && (rc = open_pair(&f[2], &f[3], p[2], p[3]))) return rc;
    if (p[2][0] && f[2].row_bytes != f[0].row_bytes)
        return lrs_fail(LRS_ERR_FORMAT, "%s: images of %ld pixels (expected %ld as in %s)",
                        f[2].path, f[2].row_bytes, f[0].row_bytes, f[0].path);
    ds->n_train = (int)f[0].count;
    ds->n_test = p[2][0] ? (int)f[2].count : 0;
    if ((rc = lrs_dataset_alloc(ds, (long)ds->n_train + ds->n_test, f[0].row_bytes))) return rc;
    if ((rc = read_pixels(&f[0], ds->x)) || (rc = read_labels(ds, &f[1], ds->y, declared))) return rc;
    if (!ds->n_test) return LRS_OK;
    size_t off = (size_t)ds->n_train;
    if ((rc = read_pixels(&f[2], ds->x + off * ds->features))) return rc;
    return read_labels(ds, &f[3], ds->y + off, declared);
}

int lrs_idx_load_dir(lrs_dataset *ds, const char *dir, int declared_classes)
{
    idx_file f[4] = { { 0 } };
    snprintf(ds->source, sizeof ds->source, "%s", dir);
    int rc = load_files(ds, f, dir, declared_classes);
    for (int i = 0; i < 4; i++) idx_close(&f[i]);
    return rc;
}
