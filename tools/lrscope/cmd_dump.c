#include "cli.h"
#include "commands.h"

int cmd_dump(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error(CLI_FAILED, "dump: not built yet");
}
