/* main.c: global options and the command table; every command lives in its
 * own cmd-NAME.c. */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "jobq.h"
#include "outcheck.h"
#include "util.h"

extern char **environ;

struct global_opts g_opts;
size_t g_title_room;
const char *g_cmdname = NULL;

static const struct cmd_entry commands[] = {
	{ "submit", cmd_submit,
	  "submit [--queue Q] [--priority P] [--timeout DUR] TYPE [PAYLOAD|-|@FILE]\n"
	  "       jobq submit [--queue Q] [--priority P] [--timeout DUR] -- COMMAND [ARG]...",
	  "add a job and print its id" },
	{ "status", cmd_status, "status [--json] ID...",
	  "show the state and record of jobs" },
	{ "result", cmd_result, "result ID",
	  "print the output of a finished job" },
	{ "wait", cmd_wait, "wait [--timeout DUR] [--json] ID...",
	  "wait until jobs have ended" },
	{ "list", cmd_list,
	  "list [--status S,...] [--queue Q] [--type T] [--limit N] [--json]",
	  "list jobs, oldest first" },
	{ "cancel", cmd_cancel, "cancel ID...",
	  "cancel pending or running jobs" },
	{ "worker", cmd_worker,
	  "worker [-j N] [--queue Q]... [--handlers DIR]... [--grace DUR]\n"
	  "                   [--drain] [--quiet]",
	  "claim and run jobs" },
};

static void
print_main_usage(FILE *fp)
{
	fprintf(fp, "usage: jobq [--dir DIR] [--json] COMMAND [ARGS]\n"
	    "       jobq --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(fp, "\nRun 'jobq COMMAND --help' for a command's options; "
	    "see jobq(1).\n");
}

bool
global_option(int ch, const char *arg, const char *usage)
{
	switch (ch) {
	case 0x100:
		g_opts.dir = arg;
		return true;
	case 0x101:
		g_opts.json = true;
		return true;
	case 0x102:
		printf("usage: jobq %s\n", usage);
		exit(out_close(EXIT_OK));
	}
	return false;
}

int
usage_error(const char *usage)
{
	fprintf(stderr, "usage: jobq %s\n", usage);
	return EXIT_USAGE;
}

int
bad_option(int ch, char **argv, const char *usage)
{
	const char *arg = argv[optind - 1];

	if (ch == ':')
		cmd_warnx("option '%s' needs a value", arg);
	else if (optopt != 0 && (arg[0] != '-' || arg[1] != '-'))
		cmd_warnx("unknown option '-%c'", optopt);
	else
		cmd_warnx("unknown option '%s'", arg);
	return usage_error(usage);
}

static const struct cmd_entry *
find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *cmd;
	int ch;

	/* A descriptor we open must never land on 0, 1 or 2: the spool's
	 * lock file would receive our output.  /dev/null holds the place,
	 * opened the wrong way round, so that reading a closed stdin or
	 * writing a closed stdout still fails (EBADF) instead of losing an
	 * id in /dev/null. */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int nul = open("/dev/null", fd == 0 ? O_WRONLY :
			    O_RDONLY);

			if (nul >= 0 && nul != fd) {
				dup2(nul, fd);
				close(nul);
			}
		}
	}
	/* libbsd marks a title shorter than the command line with a
	 * trailing " ." in ps; set_title() pads to this length instead. */
	g_title_room = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) -
	    argv[0]);
	setproctitle_init(argc, argv, environ);
	/* A closed stdout must give an error, not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);

	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			g_opts.dir = optarg;
			break;
		case 'J':
			g_opts.json = true;
			break;
		case 'h':
			print_main_usage(stdout);
			return out_close(EXIT_OK);
		case 'V':
			printf("jobq %s\n", JOBQ_VERSION);
			return out_close(EXIT_OK);
		default:
			if (ch == ':')
				cmd_warnx("option '%s' needs a value",
				    argv[optind - 1]);
			else
				cmd_warnx("unknown option '%s'",
				    argv[optind - 1]);
			return usage_error("[--dir DIR] [--json] COMMAND "
			    "[ARGS]; see 'jobq --help'");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = find_command(argv[0])) == NULL) {
		cmd_warnx("unknown command '%s'; see 'jobq --help'", argv[0]);
		return EXIT_USAGE;
	}
	g_cmdname = cmd->name;
	util_set_progname(cmd->name);
	optind = 0;
	return out_close(cmd->fn(argc, argv));
}

const char *
command_usage(const char *name)
{
	const struct cmd_entry *cmd = find_command(name);

	return cmd != NULL ? cmd->usage : "";
}
