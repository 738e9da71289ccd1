/* lrscope demo DIR: writes a small run of every summary kind into DIR (a noisy decaying
 * loss and a warm-up + cosine LR over 200 steps, a weight histogram, markdown notes, a
 * gradient image, hparams with val/accuracy, and a custom-scalars layout putting
 * train/loss and train/lr side by side), then prints the event file's path. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lr.h"
#include "tfevents.h"

enum { DEMO_STEPS = 200, HIST_VALUES = 1000, IMG_W = 64, IMG_H = 32 };

static const char usage_text[] =
    "usage: lrscope demo DIR\n"
    "  writes a demo TensorBoard run of every summary kind into DIR (created if needed)\n"
    "  and prints the event file's path; view it with: tensorboard --logdir DIR\n";

/* A fixed-seed uniform in (0, 1): the demo writes the same numbers every time. */
static double uniform(unsigned long long *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*state >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(unsigned long long *state)
{
    return sqrt(-2.0 * log(uniform(state))) * cos(2.0 * M_PI * uniform(state));
}

static int write_run_info(lrs_writer *w)
{
    const lrs_hparam hp[] = {
        {.name = "lr", .kind = LRS_HPARAM_NUMBER, .number = 0.1},
        {.name = "schedule", .kind = LRS_HPARAM_STRING, .string = "warmup 20 + cosine 180"},
        {.name = "batch_size", .kind = LRS_HPARAM_NUMBER, .number = 64},
        {.name = "nesterov", .kind = LRS_HPARAM_BOOL, .boolean = 1},
    };
    const char *metrics[] = {"val/accuracy"};
    const char *loss_and_lr[] = {"train/loss", "train/lr"};
    const lrs_chart charts[] = {{"loss and learning rate", loss_and_lr, 2}};
    const lrs_chart_category training = {"Training", charts, 1};
    int rc = lrs_writer_add_hparams(w, hp, sizeof hp / sizeof hp[0], metrics, 1);
    if (!rc)
        rc = lrs_writer_add_layout(w, &training, 1);
    if (!rc)
        rc = lrs_writer_add_text(w, "notes", 0,
                                 "# lrscope demo\n\nA **noisy** loss decaying under a "
                                 "*warm-up + cosine* learning rate.\n\n| step | lr |\n|---|---|\n"
                                 "| 0 | 0.001 |\n| 20 | 0.1 |");
    return rc;
}

static int write_image(lrs_writer *w)
{
    static uint8_t pixels[IMG_H][IMG_W][3];
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            pixels[y][x][0] = (uint8_t)(255 * x / (IMG_W - 1));
            pixels[y][x][1] = (uint8_t)(255 * y / (IMG_H - 1));
            pixels[y][x][2] = 128;
        }
    return lrs_writer_add_image_pixels(w, "samples/gradient", 0, &pixels[0][0][0], IMG_W, IMG_H, 3);
}

static int write_histogram(lrs_writer *w, int64_t step, unsigned long long *rng)
{
    static double values[HIST_VALUES];
    double spread = 0.05 + 0.5 * (double)step / DEMO_STEPS; /* weights grow while training */
    for (int i = 0; i < HIST_VALUES; i++)
        values[i] = spread * normal(rng);
    return lrs_writer_add_histogram(w, "weights/fc1", step, values, HIST_VALUES);
}

static int write_training(lrs_writer *w, lrs_schedule *schedule)
{
    unsigned long long rng = 42;
    int rc = LRS_OK;
    for (int64_t step = 0; step < DEMO_STEPS && !rc; step++) {
        double lr, momentum;
        rc = lrs_schedule_get(schedule, &lr, &momentum);
        double loss = 0.15 + 2.15 * exp(-(double)step / 50.0) + 0.05 * normal(&rng);
        if (!rc)
            rc = lrs_writer_add_scalar(w, "train/lr", step, lr);
        if (!rc)
            rc = lrs_writer_add_scalar(w, "train/loss", step, loss);
        if (!rc && step % 20 == 19)
            rc = lrs_writer_add_tensor_scalar(w, "val/accuracy", step,
                                              0.9 - 0.8 * exp(-(double)step / 60.0));
        if (!rc && step % 99 == 0)
            rc = write_histogram(w, step, &rng);
        if (!rc)
            rc = lrs_schedule_step(schedule);
    }
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(usage_text, stderr);
        return cli_error(CLI_USAGE, "demo: expected one argument, the output folder DIR");
    }
    const char *dir = argv[1];
    lrs_schedule *schedule;
    if (lrs_schedule_parse(&schedule, "linear:start=0.01,steps=20 then@20 cosine:T=180", 0.1) != LRS_OK)
        return cli_error(CLI_FAILED, "demo: schedule: %s", lrs_errmsg());
    lrs_writer *w;
    if (lrs_writer_open(&w, dir, NULL) != LRS_OK) {
        lrs_schedule_free(schedule);
        return cli_error(CLI_FAILED, "demo: %s", lrs_errmsg()); /* names DIR */
    }
    int rc = write_run_info(w);
    if (!rc)
        rc = write_image(w);
    if (!rc)
        rc = write_training(w, schedule);
    if (!rc)
        rc = lrs_writer_end_hparams(w, 1);
    lrs_schedule_free(schedule);
    char path[4096];
    snprintf(path, sizeof path, "%s", lrs_writer_path(w));
    int close_rc = lrs_writer_close(w);
    if (rc || close_rc)
        return cli_error(CLI_FAILED, "demo: writing into %s failed: %s", dir, lrs_errmsg());
    printf("%s\n", path);
    return CLI_OK;
}
