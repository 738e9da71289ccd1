/* Each command takes its own argv (argv[0] is the command's name) and returns the exit status. */
#ifndef LRSCOPE_COMMANDS_H
#define LRSCOPE_COMMANDS_H

int cmd_dump(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_schedule(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_find(int argc, char **argv);

#endif
