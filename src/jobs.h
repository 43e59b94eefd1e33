/*
 * jobs: run independent pieces of a command on several threads.
 *
 * A build emits every target of every environment from plans that are
 * finished and no longer written to, and diff compiles two specs that
 * share nothing: each piece gets its own arena and its own Diags, and the
 * caller merges their diagnostics in piece order afterwards, so output and
 * messages are the same whatever the number of threads.
 *
 * What pieces do share is guarded by one lock: the caches of parsed spec
 * files and templates in a root arena (load.c, tmpl.c), the only memory
 * two pieces may allocate from at once.
 */
#ifndef INFRAC_JOBS_H
#define INFRAC_JOBS_H

#include "util.h"

/* Threads a command uses: set by --jobs, else the CPUs this process may
 * run on (at least 1, at most JOBS_MAX). */
#define JOBS_MAX 64
void jobs_set(int n);
int jobs_count(void);

/* Run fn(ctx, i) once for every i in [0, n), on up to jobs_count()
 * threads, the caller's among them; pieces are taken in index order.
 * Returns when all are done. With one thread (or a failure to start
 * one) everything runs on the caller's, in order. */
void jobs_run(int n, void (*fn)(void *ctx, int i), void *ctx);

/* Give back 'root', then every arena in 'kept' (a Vec allocated from
 * root): the arenas that pieces' plans and diagnostics live in. */
void jobs_free(Arena *root, Vec *kept);

/* The lock around the shared caches of a root arena. Recursive. */
void jobs_lock(void);
void jobs_unlock(void);

#endif
