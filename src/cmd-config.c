/* cmd-config.c: jobq config: settings kept in the spool, which every
 * worker of it follows. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "util.h"

/* Far more ended jobs than a spool could want. */
#define KEEP_MAX 1000000000000LL

/* A setting: how a value is checked and shown.  Values are numbers, or
 * unset ("none"). */
struct setting {
	const char *name;
	long long min, max;
	const char *why_min;	/* why a value below min is refused */
};

static const struct setting settings[] = {
	{ SETTING_KEEP, 1, KEEP_MAX, "a job would be deleted as it ends, "
	  "before wait or result could see it" },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *
find_setting(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	cmd_warnx("unknown setting '%s': the settings are keep", name);
	return NULL;
}

static int cmd_config(int, char **);

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.summary = "show or change the spool's settings (keep N)",
	.usage = "[NAME [VALUE|none]]",
	.exec = cmd_config,
};

/* "none" unsets: *value NULL. */
static int
check_value(const struct setting *set, const char *arg, char **value)
{
	long long n;

	*value = NULL;
	if (strcmp(arg, "none") == 0)
		return EXIT_OK;
	if (!parse_int(arg, LLONG_MIN, LLONG_MAX, &n) || n > set->max) {
		cmd_warnx("bad value '%s' for %s: use a number from %lld to "
		    "%lld, or none", arg, set->name, set->min, set->max);
		return EXIT_USAGE;
	}
	if (n < set->min) {
		cmd_warnx("%s %s: %s; use at least %lld, or none", set->name,
		    arg, set->why_min, set->min);
		return EXIT_USAGE;
	}
	*value = xasprintf("%lld", n);
	return EXIT_OK;
}

static void
show(const struct setting *set, const char *value, json_t *obj)
{
	long long n;

	if (obj != NULL)
		json_object_set_new(obj, set->name, value != NULL &&
		    parse_int(value, LLONG_MIN, LLONG_MAX, &n) ?
		    json_integer(n) : json_null());
	else
		printf("%s\t%s\n", set->name, value != NULL ? value : "none");
}

/* One setting, or with set NULL every one. */
static int
show_settings(struct store *st, const struct setting *set)
{
	json_t *obj = g_opts.json ? json_object() : NULL;
	enum store_rc src;
	char *value;

	for (size_t i = 0; i < NSETTINGS; i++) {
		if (set != NULL && set != &settings[i])
			continue;
		value = NULL;
		/* No spool yet: nothing is set. */
		if (st != NULL && (src = store_get_setting(st,
		    settings[i].name, &value)) != STORE_OK) {
			json_decref(obj);
			return store_failure(st, src);
		}
		if (set != NULL && obj == NULL)
			printf("%s\n", value != NULL ? value : "none");
		else
			show(&settings[i], value, obj);
		free(value);
	}
	if (obj != NULL)
		print_json_line(obj);
	return EXIT_OK;
}

static int
cmd_config(int argc, char **argv)
{
	const struct setting *set = NULL;
	struct cmd_args a;
	struct spool sp;
	struct store *st;
	enum store_rc src;
	char *value = NULL;
	int rc;

	if ((rc = cmd_parse(&cmd_config_entry, argc, argv, NULL, NULL,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n > 2)
		rc = cmd_usage_error(&cmd_config_entry);
	else if (a.n >= 1 && (set = find_setting(a.operands[0])) == NULL)
		rc = EXIT_USAGE;
	else if (a.n == 2)
		rc = check_value(set, a.operands[1], &value);
	if (rc == EXIT_OK &&
	    (rc = open_store(&sp, &st, a.n == 2)) == EXIT_OK) {
		if (a.n < 2)
			rc = show_settings(st, set);
		else if ((src = store_set_setting(st, set->name, value)) !=
		    STORE_OK)
			rc = store_failure(st, src);
		close_store(&sp, st);
	}
	free(value);
	cmd_args_free(&a);
	return rc;
}
