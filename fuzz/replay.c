/*
 * replay: run saved inputs through a fuzz target without libFuzzer, for
 * the regression tests (tests/hardening) and for reproducing a crash in a
 * debugger. Links with one target and the ordinary (sanitized) build.
 *
 *   replay FILE|DIR...
 *
 * Every file is run once; a directory means each file in it. A sanitizer
 * report aborts the process, so a zero exit status means every input ran
 * clean. Prints how many inputs ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static FILE *out, *err;   /* the streams as they were at start */

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(err, "%s: cannot read\n", path);
    return 1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        buf = NULL;
      } else {
        buf = b;
      }
    }
  }
  fclose(f);
  if (!buf) {
    fprintf(err, "%s: out of memory\n", path);
    return 1;
  }
  /* The exact bytes, in a buffer of exactly that size, as libFuzzer
   * passes them, so an over-read is caught here too. */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    return 1;
  }
  memcpy(exact, buf, len);
  free(buf);
  fprintf(err, "replay: %s\n", path);
  fflush(err);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  /* The target may point stdout and stderr at /dev/null; keep ours. */
  out = stdout;
  err = stderr;
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  int fails = 0, ran = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(err, "%s: not found\n", argv[i]);
      fails++;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      fails += run_file(argv[i]);
      ran++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (!d) {
      fprintf(err, "%s: not found\n", argv[i]);
      fails++;
      continue;
    }
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.')
        continue;
      if (n == cap) {
        char **v = realloc(names, sizeof *names * (size_t)(cap = cap ? cap * 2 : 64));
        if (!v)
          break;
        names = v;
      }
      names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    for (int k = 0; k < n; k++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
      fails += run_file(path);
      ran++;
      free(names[k]);
    }
    free(names);
  }
  fprintf(out, "replay: %d inputs, %d could not be read\n", ran, fails);
  return fails ? 1 : 0;
}
