/*
 * stages: where a build spends its time and memory, stage by stage.
 *
 * bench/run compiles this against a build's libinfrac_core.a. For one spec
 * it runs the pipeline in one process, as `infrac build --target all` does,
 * and prints per stage the CPU time, what the run's arena grew by and
 * the peak RSS so far:
 * load + merge, validate, plan, then each emitter of emit_targets (so a
 * new target is measured as soon as it is in the table), and finally the
 * bytes emitted and the peak RSS. Nothing is written to disk; the time
 * the writer takes is the difference with the command's wall time.
 *
 *   stages SPEC [ENV]
 *
 * Output is one line per stage, "stage cpu-ms arena-bytes peak-KiB", for bench/run to
 * parse and for people to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "emit.h"
#include "merge.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static long peak_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void row(const char *stage, double *t0, size_t *u0, const Arena *a) {
  double t = now_ms();
  printf("%-20s %9.2f %12zu %10ld\n", stage, t - *t0, a->used - *u0, peak_kib());
  *t0 = t;
  *u0 = a->used;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: stages SPEC [ENV]\n", stderr);
    return 2;
  }
  const char *env = argc > 2 ? argv[2] : NULL;
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  double t0 = now_ms();
  size_t u0 = a->used;
  printf("%-20s %9s %12s %10s\n", "stage", "cpu-ms", "arena-bytes", "peak-KiB");
  Value *root = spec_resolve(a, &d, argv[1], env);
  row("load+merge", &t0, &u0, a);
  Model *m = root ? spec_validate(a, &d, root, argv[1], env) : NULL;
  row("validate", &t0, &u0, a);
  Plan *p = m ? plan_build(a, &d, m) : NULL;
  row("plan", &t0, &u0, a);
  int status = p ? 0 : 2;
  size_t bytes = 0;
  int files = 0;
  for (const Target *t = p ? emit_targets : NULL; t && t->name; t++) {
    Output out = {.arena = a};
    if (!t->emit(a, &d, p, &out))
      status = 1;
    for (int i = 0; i < out.files.len; i++) {
      bytes += ((OutFile *)out.files.items[i])->len;
      files++;
    }
    char label[64];
    snprintf(label, sizeof label, "emit %s", t->name);
    row(label, &t0, &u0, a);
  }
  printf("%-20s %9s %12zu\n", "arena total", "", a->used);
  printf("output: %d files, %zu bytes; peak RSS %ld KiB; %d diagnostics\n", files, bytes,
         peak_kib(), d.list.len);
  if (status == 2)
    diag_print(&d, stderr);
  arena_free(a);
  return status;
}
