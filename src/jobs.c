/*
 * jobs: a few worker threads over an index counter (see jobs.h).
 */
#include "jobs.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

static int chosen;   /* 0: not set, use the CPUs */

void jobs_set(int n) { chosen = n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : n; }

int jobs_count(void) {
  if (chosen)
    return chosen;
  cpu_set_t set;
  int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : n;
}

typedef struct Work {
  void (*fn)(void *ctx, int i);
  void *ctx;
  int n;
  atomic_int next;
} Work;

static void *worker(void *arg) {
  Work *w = arg;
  for (int i; (i = atomic_fetch_add(&w->next, 1)) < w->n;)
    w->fn(w->ctx, i);
  return NULL;
}

void jobs_run(int n, void (*fn)(void *ctx, int i), void *ctx) {
  Work w = {.fn = fn, .ctx = ctx, .n = n};
  atomic_init(&w.next, 0);
  int threads = jobs_count();
  if (threads > n)
    threads = n;
  pthread_t tid[JOBS_MAX];
  int started = 0;
  if (threads > 1) {
    /* the same stack as the main thread's usual limit: the loaders'
     * depth limits are sized for it */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    while (started < threads - 1 && pthread_create(&tid[started], &attr, worker, &w) == 0)
      started++;
    pthread_attr_destroy(&attr);
  }
  worker(&w);
  for (int i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
}

static pthread_mutex_t lock;
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;

static void lock_init(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&lock, &attr);
  pthread_mutexattr_destroy(&attr);
}

void jobs_lock(void) {
  pthread_once(&lock_once, lock_init);
  pthread_mutex_lock(&lock);
}

void jobs_unlock(void) { pthread_mutex_unlock(&lock); }

void jobs_free(Arena *root, Vec *kept) {
  int n = kept->len;
  Arena **v = n ? malloc(sizeof *v * (size_t)n) : NULL;
  for (int i = 0; v && i < n; i++)
    v[i] = kept->items[i];
  arena_free(root);
  for (int i = 0; v && i < n; i++)
    arena_free(v[i]);
  free(v);
}
