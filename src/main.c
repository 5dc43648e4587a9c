/* main.c: the global options and the list of commands; every command
 * lives in its own cmd-NAME.c, with its entry. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cmd.h"
#include "jobq.h"
#include "outcheck.h"
#include "util.h"

extern char **environ;

struct global_opts g_opts;
size_t g_title_room;

/* In the order "jobq --help" shows them. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_submit_entry,
	&cmd_status_entry,
	&cmd_result_entry,
	&cmd_wait_entry,
	&cmd_watch_entry,
	&cmd_list_entry,
	&cmd_logs_entry,
	&cmd_cancel_entry,
	&cmd_retry_entry,
	&cmd_priority_entry,
	&cmd_progress_entry,
	&cmd_stats_entry,
	&cmd_queues_entry,
	&cmd_pause_entry,
	&cmd_resume_entry,
	&cmd_limit_entry,
	&cmd_prune_entry,
	&cmd_rm_entry,
	&cmd_config_entry,
	&cmd_worker_entry,
	&cmd_help_entry,
	&cmd_complete_entry,
	NULL
};

/* A descriptor we open must never land on 0, 1 or 2: the spool's lock
 * file would receive our output.  /dev/null holds the place, opened the
 * wrong way round, so that reading a closed stdin or writing a closed
 * stdout still fails (EBADF) instead of losing an id in /dev/null. */
static void
hold_std_descriptors(void)
{
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
}

/* The options before the command.  Returns -1 to go on to the command,
 * else the exit status. */
static int
parse_global(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "db", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'J' },
		{ "color", optional_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	optind = 0;
	/* "+": the first operand is the command, whose options follow. */
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			g_opts.dir = optarg;
			break;
		case 'D':
			g_opts.db = optarg;
			break;
		case 'J':
			g_opts.json = true;
			break;
		case 'C':
			if (!parse_color_when(optarg, &g_opts.color)) {
				cmd_warnx("--color: '%s' is not auto, always "
				    "or never", optarg);
				fprintf(stderr, "usage: jobq [--dir DIR] "
				    "[--db URL] [--json] [--color[=WHEN]] "
				    "COMMAND [ARGS]; see 'jobq --help'\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			cmd_print_commands(stdout);
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
			fprintf(stderr, "usage: jobq [--dir DIR] [--db URL] "
			    "[--json] [--color[=WHEN]] COMMAND [ARGS]; see 'jobq "
			    "--help'\n");
			return EXIT_USAGE;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *cmd;
	int rc;

	hold_std_descriptors();
	/* libbsd marks a title shorter than the command line with a
	 * trailing " ." in ps; set_title() pads to this length instead. */
	g_title_room = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) -
	    argv[0]);
	/* A closed stdout must give an error, not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);

	if ((rc = parse_global(argc, argv)) >= 0)
		return rc;
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cmd_print_commands(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cmd_find(argv[0])) == NULL)
		return EXIT_USAGE;
	/* Only the worker sets its title; the copy of the environment
	 * this makes is a tenth of a short command's work.  The global
	 * parse ("+") has not reordered argv. */
	if (cmd == &cmd_worker_entry)
		setproctitle_init(argc + optind, argv - optind, environ);
	util_set_progname(cmd->name);
	return out_close(cmd->exec(argc, argv));
}
