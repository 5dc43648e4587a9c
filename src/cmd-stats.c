/* cmd-stats.c: jobq stats: jobs by state, queue and priority, how many
 * ended lately, wait and run times, and the live workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "jobq.h"
#include "output.h"
#include "recover.h"
#include "timefmt.h"
#include "util.h"

/* The wait and run times are those of the last jobs that ran. */
#define STATS_SAMPLES 1000

static int cmd_stats(int, char **);

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.summary = "counts, recent throughput, wait and run times, workers",
	.usage = "",
	.exec = cmd_stats,
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of the values at
 * or below it; -1 if there is none. */
static int64_t
percentile(const int64_t *sorted, size_t n, int pct)
{
	size_t rank;

	if (n == 0)
		return -1;
	rank = (n * (size_t)pct + 99) / 100;
	return sorted[rank > 0 ? rank - 1 : 0];
}

/* Per-state counts under key (a queue, a priority) of obj, made on
 * first use, each with its total. */
static void
add_count(json_t *obj, const char *key, enum job_state state, int64_t n)
{
	json_t *o = json_object_get(obj, key);

	if (o == NULL) {
		o = json_object();
		json_object_set_new(o, "total", json_integer(0));
		for (int i = 0; i < JOB_NSTATES; i++)
			json_object_set_new(o, job_state_name(i),
			    json_integer(0));
		json_object_set_new(obj, key, o);
	}
	json_integer_set(json_object_get(o, "total"),
	    json_integer_value(json_object_get(o, "total")) + n);
	json_integer_set(json_object_get(o, job_state_name(state)),
	    json_integer_value(json_object_get(o, job_state_name(state))) +
	    n);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
prio_order(const struct stats *s, json_t *prios)
{
	int *p = xcalloc(s->ncounts + 1, sizeof(*p));
	char key[16];

	for (size_t i = 0; i < s->ncounts; i++)
		p[i] = s->counts[i].priority;
	if (s->ncounts > 0)
		qsort(p, s->ncounts, sizeof(*p), cmp_int);
	for (size_t i = 0; i < s->ncounts; i++) {
		snprintf(key, sizeof(key), "%d", p[i]);
		add_count(prios, key, JOB_PENDING, 0);
	}
	free(p);
}

/* {"jobs": {...}, "queues": {Q: {...}}, "priorities": {P: {...}}} */
static void
counts_json(const struct stats *s, json_t *v)
{
	json_t *all = json_object(), *queues = json_object(),
	    *prios = json_object();
	char prio[16];

	add_count(all, "jobs", JOB_PENDING, 0);
	/* Priorities in claim order: made first, in order, with 0. */
	prio_order(s, prios);
	for (size_t i = 0; i < s->ncounts; i++) {
		const struct stats_count *c = &s->counts[i];

		snprintf(prio, sizeof(prio), "%d", c->priority);
		add_count(all, "jobs", c->state, c->n);
		add_count(queues, c->queue, c->state, c->n);
		add_count(prios, prio, c->state, c->n);
	}
	json_object_set(v, "jobs", json_object_get(all, "jobs"));
	json_decref(all);
	json_object_set_new(v, "queues", queues);
	json_object_set_new(v, "priorities", prios);
}

static json_t *
times_json(int64_t *ms, size_t n)
{
	json_t *o = json_object();
	int64_t med, p95;

	if (n > 0)	/* ms may be NULL then, which qsort may not get */
		qsort(ms, n, sizeof(*ms), cmp_i64);
	med = percentile(ms, n, 50);
	p95 = percentile(ms, n, 95);
	json_object_set_new(o, "median", med < 0 ? json_null() :
	    json_integer(med));
	json_object_set_new(o, "p95", p95 < 0 ? json_null() :
	    json_integer(p95));
	return o;
}

static json_t *
time_json(int64_t ms)
{
	char buf[TIMEBUF];

	format_rfc3339(ms, buf, sizeof(buf));
	return json_string(buf);
}

/* For people, each worker also gets "since_local". */
static json_t *
workers_json(struct store *st, const struct spool *sp,
    const struct stats *s, bool people)
{
	json_t *arr = json_array(), *o, *q;
	char since[TIMEBUF];

	for (size_t i = 0; i < s->nworkers; i++) {
		const struct worker_info *w = &s->workers[i];

		/* A dead one is recovery's to deal with. */
		if (st == NULL || !worker_alive(st, sp, w->id))
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_string(w->id));
		json_object_set_new(o, "pid", json_integer(w->pid));
		json_object_set_new(o, "running", json_integer(w->running));
		json_object_set_new(o, "since", time_json(w->started_at));
		q = w->queues != NULL ? json_loads(w->queues, 0, NULL) :
		    NULL;
		json_object_set_new(o, "queues", q != NULL ? q :
		    json_null());
		if (people) {
			format_local(w->started_at, since, sizeof(since));
			json_object_set_new(o, "since_local",
			    json_string(since));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
stats_json(struct store *st, const struct spool *sp, struct stats *s)
{
	json_t *v = json_object(), *f = json_object();

	counts_json(s, v);
	json_object_set_new(f, "last_minute", json_integer(s->last_minute));
	json_object_set_new(f, "last_hour", json_integer(s->last_hour));
	json_object_set_new(v, "ended", f);
	json_object_set_new(v, "samples", json_integer((json_int_t)
	    s->nsamples));
	json_object_set_new(v, "wait_ms", times_json(s->wait_ms,
	    s->nsamples));
	json_object_set_new(v, "run_ms", times_json(s->run_ms,
	    s->nsamples));
	json_object_set_new(v, "workers", workers_json(st, sp, s,
	    !g_opts.json));
	return v;
}

/* "12  pending 3, completed 9": the total and the states that have
 * jobs. */
static void
print_counts(const char *label, const char *key, json_t *o)
{
	const char *sep = "";

	printf("%-10s%s%s%lld", label, key, key[0] != '\0' ? "\t" : "",
	    (long long)json_integer_value(json_object_get(o, "total")));
	for (int i = 0; i < JOB_NSTATES; i++) {
		json_int_t n = json_integer_value(json_object_get(o,
		    job_state_name(i)));

		if (n == 0)
			continue;
		printf("%s %s %lld", *sep ? sep : " ", job_state_name(i),
		    (long long)n);
		sep = ",";
	}
	printf("\n");
}

static void
print_times(const char *label, json_t *o)
{
	char med[32], p95[32];
	json_t *m = json_object_get(o, "median"), *p = json_object_get(o,
	    "p95");

	if (json_is_null(m)) {
		printf("%-10s-\n", label);
		return;
	}
	format_span(json_integer_value(m), med, sizeof(med));
	format_span(json_integer_value(p), p95, sizeof(p95));
	printf("%-10smedian %s, p95 %s\n", label, med, p95);
}

static void
print_human(const struct stats *s, json_t *v)
{
	const char *key;
	json_t *o, *w;
	size_t i;
	char *queues;

	print_counts("jobs", "", json_object_get(v, "jobs"));
	json_object_foreach(json_object_get(v, "queues"), key, o)
		print_counts("queue", key, o);
	json_object_foreach(json_object_get(v, "priorities"), key, o)
		print_counts("priority", key, o);
	printf("%-10s%lld in the last minute, %lld in the last hour\n",
	    "ended", (long long)s->last_minute, (long long)s->last_hour);
	printf("%-10s%zu (the last jobs that ran, at most %d)\n", "samples",
	    s->nsamples, STATS_SAMPLES);
	print_times("wait", json_object_get(v, "wait_ms"));
	print_times("run", json_object_get(v, "run_ms"));
	json_array_foreach(json_object_get(v, "workers"), i, w) {
		queues = json_is_null(json_object_get(w, "queues")) ?
		    xstrdup("all") : json_dumps(json_object_get(w, "queues"),
		    JSON_COMPACT);
		printf("%-10s%s\tpid %lld, %lld running, queues %s, since "
		    "%s\n", "worker",
		    json_string_value(json_object_get(w, "id")),
		    (long long)json_integer_value(json_object_get(w, "pid")),
		    (long long)json_integer_value(json_object_get(w,
		    "running")), queues, json_string_value(json_object_get(w,
		    "since_local")));
		free(queues);
	}
	if (json_array_size(json_object_get(v, "workers")) == 0)
		printf("%-10snone alive\n", "workers");
}

static int
cmd_stats(int argc, char **argv)
{
	struct cmd_args a;
	struct spool sp;
	struct store *st;
	struct stats s = { 0 };
	enum store_rc src;
	json_t *v;
	int rc;

	if ((rc = cmd_parse(&cmd_stats_entry, argc, argv, NULL, NULL,
	    &a)) != EXIT_OK)
		return rc;
	if (a.n != 0) {
		cmd_warnx("unexpected argument '%s'", a.operands[0]);
		rc = cmd_usage_error(&cmd_stats_entry);
	}
	cmd_args_free(&a);
	if (rc != EXIT_OK || (rc = open_store(&sp, &st, false)) != EXIT_OK)
		return rc;
	/* No spool yet: every figure is zero. */
	if (st != NULL &&
	    (src = store_stats(st, now_ms(), STATS_SAMPLES, &s)) != STORE_OK)
		rc = store_failure(st, src);
	if (rc == EXIT_OK) {
		v = stats_json(st, &sp, &s);
		if (g_opts.json)
			print_json_line(v);
		else {
			print_human(&s, v);
			json_decref(v);
		}
	}
	stats_clear(&s);
	close_store(&sp, st);
	return rc;
}
