/* cmd-resume.c: jobq resume: claims from paused queues start again. */
#include "common.h"
#include "jobq.h"

static int cmd_resume(int, char **);

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.summary = "resume claims from paused queues (all: every queue)",
	.usage = "[QUEUE]...",
	.exec = cmd_resume,
};

static int
cmd_resume(int argc, char **argv)
{
	return pause_or_resume(&cmd_resume_entry, argc, argv, false);
}
