/* cmd.h: what a command is: its entry (name, summary, usage, options)
 * and the one option parser every command uses, built from the entry. */
#ifndef CMD_H
#define CMD_H

#include <stdbool.h>
#include <stdio.h>

/* One option of a command, as --help and jobq(1) show it. */
struct cmd_option {
	const char *name;	/* the long name, without "--" */
	int letter;		/* its short option, or 0 */
	const char *arg;	/* the argument's name, NULL for a flag */
	const char *help;	/* one line */
	int id;			/* what the command switches on */
};

/* Entry flags. */
#define CMD_EXEC_AFTER_DASHDASH 0x1	/* submit: a "--" first: a command */

struct cmd_entry {
	const char *name;
	const char *summary;	/* one line, for "jobq --help" */
	const char *usage;	/* operands; lines split by '\n' */
	const struct cmd_option *options;	/* ends with a NULL name */
	int flags;
	int (*exec)(int argc, char **argv);
};

/* The commands, in main.c; the list ends with NULL. */
extern const struct cmd_entry *const cmd_table[];

/* Each defined in its cmd-NAME.c. */
extern const struct cmd_entry cmd_submit_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_result_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_retry_entry;
extern const struct cmd_entry cmd_priority_entry;
extern const struct cmd_entry cmd_progress_entry;
extern const struct cmd_entry cmd_queues_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_limit_entry;
extern const struct cmd_entry cmd_prune_entry;
extern const struct cmd_entry cmd_rm_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_worker_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_complete_entry;

/* What cmd_parse() leaves besides the options it handed over. */
struct cmd_args {
	char **operands;	/* malloc'd, NULL-terminated, in order */
	int n;
	char **command;		/* CMD_EXEC_AFTER_DASHDASH: argv after a
				 * "--" before any operand, else NULL */
};

/* Called for each of the command's own options in order, with its id and
 * argument (NULL for a flag).  Returns EXIT_OK, or a status after saying
 * what is wrong, which ends the parse.  NULL for a command without
 * options of its own. */
typedef int cmd_option_fn(void *ctx, int id, const char *arg);

/* Parses argv (argv[0] the command's name) by the entry's options and the
 * global ones, which may come before, among or after the operands;
 * "--" ends the options.  --help or -h prints the help and exits 0.
 * Returns EXIT_OK with *a filled (free with cmd_args_free), or a usage
 * status after printing why and the usage. */
int cmd_parse(const struct cmd_entry *e, int argc, char **argv,
    cmd_option_fn *fn, void *ctx, struct cmd_args *a);
void cmd_args_free(struct cmd_args *a);

/* Prints "usage: ..." to stderr, and returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *e);

/* The usage, summary and every option with its help, on stdout. */
void cmd_print_help(const struct cmd_entry *e);

/* The command list with summaries, as "jobq --help" prints it. */
void cmd_print_commands(FILE *fp);

/* The command named name; NULL after saying it is unknown (with "did you
 * mean" if one command is close). */
const struct cmd_entry *cmd_find(const char *name);

#endif
