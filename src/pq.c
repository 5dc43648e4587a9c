/* pq.c: loading libpq (see pq.h). */
#define PQ_IMPLEMENTATION
#include <dlfcn.h>
#include <stdlib.h>

#include "pq.h"
#include "util.h"

/* The soname of libpq 10 and later, which every function here has. */
#define LIBPQ_SONAME "libpq.so.5"

struct pq_api pq;

bool
pq_load(char **cause)
{
	static bool loaded;
	void *h;

	if (loaded)
		return true;
	/* Never closed: the library stays for the life of the process. */
	if ((h = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		*cause = xasprintf("cannot load %s, PostgreSQL's client "
		    "library (Debian: apt install libpq5): %s", LIBPQ_SONAME,
		    dlerror());
		return false;
	}
#define PQ_RESOLVE(f) \
	/* POSIX's way to a function pointer from dlsym(). */ \
	if ((*(void **)&pq.f = dlsym(h, #f)) == NULL) { \
		*cause = xasprintf("%s has no %s: %s", LIBPQ_SONAME, #f, \
		    dlerror()); \
		return false; \
	}
	PQ_FUNCTIONS(PQ_RESOLVE)
#undef PQ_RESOLVE
	loaded = true;
	return true;
}
