/* A program outside the lrscope tree: writes three scalars and reads them back. */
#include <stdio.h>
#include <lrscope/lrscope.h>

int main(int argc, char **argv)
{
    const char *logdir = argc > 1 ? argv[1] : "runs/outside";
    lrs_writer *w;
    if (lrs_writer_open(&w, logdir, NULL) != LRS_OK) {
        fprintf(stderr, "outside: %s\n", lrs_errmsg());
        return 1;
    }
    for (int step = 0; step < 3; step++)
        lrs_writer_add_scalar(w, "outside/loss", step, 1.0 / (step + 1));
    if (lrs_writer_close(w) != LRS_OK) return 1;

    lrs_reader *r;
    size_t n = 0;
    if (lrs_reader_open(&r, logdir, NULL) != LRS_OK || lrs_reader_poll(r, NULL) != LRS_OK) return 1;
    const lrs_series *s = lrs_run_find(lrs_reader_run(r, 0), "outside/loss");
    if (s) n = lrs_series_len(s);
    printf("read back %zu points\n", n);
    lrs_reader_close(r);
    return n == 3 ? 0 : 1;
}
