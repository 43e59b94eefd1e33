/*
 * fuzz: what the libFuzzer targets share. Each target (yaml.c, json.c,
 * pipeline.c) defines LLVMFuzzerTestOneInput; the same file links either
 * with libFuzzer (fuzz/run, clang -fsanitize=fuzzer) or with replay.c, a
 * plain main that runs saved inputs, which is how fuzz/regressions/ runs
 * in ctest through the ordinary sanitized build.
 *
 * One input can hold several files, so the fuzzer can reach includes: the
 * input is the main spec until a line "#%file NAME", which starts the file
 * NAME (a YAML comment, so a seed stays a valid spec). The main spec is
 * spec.json when the input starts with '{', else spec.yaml. Every file is
 * served to the loader through its reader hook (load.h); any other path
 * does not exist. Nothing touches the disk.
 */
#ifndef INFRAC_FUZZ_H
#define INFRAC_FUZZ_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "load.h"

#define FUZZ_MAX_FILES 16
#define FUZZ_MARK "#%file "

typedef struct FuzzFile {
  char name[64];
  const char *text;
  size_t len;
} FuzzFile;

typedef struct FuzzFiles {
  FuzzFile f[FUZZ_MAX_FILES];
  int n;
} FuzzFiles;

/* Split 'data' into files; f[0] is the main spec. Names are kept as
 * written (up to 63 bytes), so a hostile name is hostile input too. */
static inline void fuzz_split(const uint8_t *data, size_t size, FuzzFiles *out) {
  const char *s = (const char *)data, *end = s + size;
  const size_t mlen = sizeof FUZZ_MARK - 1;
  out->n = 1;
  const char *p = s;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  snprintf(out->f[0].name, sizeof out->f[0].name, "%s",
           p < end && *p == '{' ? "spec.json" : "spec.yaml");
  out->f[0].text = s;
  const char *line = s;
  while (line < end) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    const char *next = nl ? nl + 1 : end;
    if ((size_t)(end - line) > mlen && !memcmp(line, FUZZ_MARK, mlen) && out->n < FUZZ_MAX_FILES) {
      FuzzFile *prev = &out->f[out->n - 1];
      prev->len = (size_t)(line - prev->text);
      FuzzFile *f = &out->f[out->n++];
      const char *name = line + mlen, *name_end = nl ? nl : end;
      size_t k = (size_t)(name_end - name);
      if (k >= sizeof f->name)
        k = sizeof f->name - 1;
      memcpy(f->name, name, k);
      f->name[k] = '\0';
      f->text = next;
    }
    line = next;
  }
  FuzzFile *last = &out->f[out->n - 1];
  last->len = (size_t)(end - last->text);
}

/* The loader's reader: a path names a file of the input, with or without
 * a leading "./". The text is copied into the arena with a NUL after it,
 * as file_read does. The last file of a name wins. */
static inline char *fuzz_reader(Arena *a, const char *path, size_t *len, const char **shown,
                                void *ctx) {
  const FuzzFiles *fs = ctx;
  while (path[0] == '.' && path[1] == '/')
    path += 2;
  for (int i = fs->n - 1; i >= 0; i--)
    if (!strcmp(fs->f[i].name, path)) {
      *len = fs->f[i].len;
      (void)shown;
      return arena_strndup(a, fs->f[i].text, fs->f[i].len);
    }
  errno = ENOENT;
  return NULL;
}

/* Where diagnostics and documents go: nowhere, quickly. stdout and stderr
 * are pointed at /dev/null as FILE streams only; file descriptor 2 stays,
 * so the sanitizers and libFuzzer still report on it. */
static inline FILE *fuzz_devnull(void) {
  static FILE *null;
  if (!null) {
    null = fopen("/dev/null", "w");
    if (!null)
      null = stderr;
  }
  return null;
}

static inline void fuzz_quiet(void) {
  FILE *n = fuzz_devnull();
  stdout = n;
  stderr = n;
}

#endif
