/* lrscope: choose and watch the learning rate. One sub-command per cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "status.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train an MLP, logging loss, LR and accuracy to a TensorBoard logdir"},
    {"find", cmd_find, "LR range test: sweep the LR, suggest one (valley, steep, minimum, auto)"},
    {"check", cmd_check, "find warning signs (divergence, oscillation, plateau...) in runs"},
    {"watch", cmd_watch, "follow runs being written and raise each new warning sign once"},
    {"tune", cmd_tune, "search learning rates and other train flags (random, grid, ASHA, TPE)"},
    {"report", cmd_report, "write one self-contained HTML page of runs, range tests and studies"},
    {"schedule", cmd_schedule, "print a learning-rate schedule step by step"},
    {"dump", cmd_dump, "print the scalars (and other summaries) of event files"},
    {"demo", cmd_demo, "write a small demo run of every summary kind"},
};

static void usage(FILE *f)
{
    fputs("usage: lrscope COMMAND [ARGS...]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'lrscope COMMAND --help' describes a command.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    usage(stderr);
    return cli_error(CLI_USAGE, "unknown command '%s'", argv[1]);
}
