/* cmd-help.c: jobq help [COMMAND]: the command list, or one command's
 * usage and options, as --help prints them. */
#include <stdio.h>

#include "cmd.h"
#include "jobq.h"
#include "util.h"

static int cmd_help(int, char **);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.summary = "list the commands, or show one command's options",
	.usage = "[COMMAND]",
	.exec = cmd_help,
};

static int
cmd_help(int argc, char **argv)
{
	const struct cmd_entry *e;
	struct cmd_args a;
	int rc;

	if ((rc = cmd_parse(&cmd_help_entry, argc, argv, NULL, NULL,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n > 1) {
		cmd_warnx("unexpected argument '%s'", a.operands[1]);
		rc = cmd_usage_error(&cmd_help_entry);
	}
	else if (a.n == 0)
		cmd_print_commands(stdout);
	else if ((e = cmd_find(a.operands[0])) != NULL)
		cmd_print_help(e);
	else
		rc = EXIT_USAGE;
	cmd_args_free(&a);
	return rc;
}
