/* claim-bench.c: the claim and the finish alone, against the store, with
 * no handler to run: what bench/claim-scale.sh times besides the whole
 * worker, whose rate fork and exec dominate.  Claims and completes every
 * runnable job of the spool DIR, and prints how many and the rate.
 *
 *   claim-bench DIR        (built with the tests: build/tests/claim-bench) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "store.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct outcome o = { 0 };
	struct spool sp;
	struct store *st;
	struct job j;
	char *cause = NULL;
	int64_t t0, n = 0;
	enum store_rc r;

	if (argc != 2) {
		fprintf(stderr, "usage: claim-bench DIR\n");
		return 2;
	}
	spool_init(&sp);
	if (spool_open(&sp, argv[1], false, &cause) != SPOOL_OK ||
	    store_open(&sp, NULL, false, &st, &cause) != STORE_OK) {
		fprintf(stderr, "claim-bench: %s\n", cause ? cause : "no spool");
		return 1;
	}
	store_worker_register(st, "claimbench", 1, DEFAULT_GRACE_MS, NULL, 0);
	t0 = mono_ms();
	for (;;) {
		memset(&j, 0, sizeof(j));
		if ((r = store_claim(st, "claimbench", NULL, 0, &j)) ==
		    STORE_NOTFOUND)
			break;
		if (r != STORE_OK) {
			fprintf(stderr, "claim-bench: %s\n", store_error(st));
			return 1;
		}
		o = (struct outcome){ .id = j.id, .attempt = j.attempt,
		    .worker = "claimbench", .end = { STOP_NONE, 0, 0, NULL,
		    0 }, .result = "", .result_len = 0 };
		if (store_finish(st, &o, NULL) != STORE_OK) {
			fprintf(stderr, "claim-bench: %s\n", store_error(st));
			return 1;
		}
		job_clear(&j);
		n++;
	}
	t0 = mono_ms() - t0;
	store_worker_unregister(st, "claimbench");
	store_close(st);
	spool_close(&sp);
	printf("%lld %.0f\n", (long long)n,
	    t0 > 0 ? (double)n * 1000.0 / (double)t0 : 0.0);
	return 0;
}
