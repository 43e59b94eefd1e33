/*
 * fuzz/pipeline: the whole compiler on arbitrary bytes. The input is a
 * spec and the files it may include (see fuzz.h); it goes through load,
 * merge, validate and plan for the base spec and each environment it
 * declares, then through every emitter of emit_targets, so an emitter is
 * fuzzed as soon as it is in the table. Then the commands that read plans
 * their own way: check (every rule, every format), and diff of the spec
 * against its file new.yaml when the input has one (else against itself).
 *
 * Nothing is written to disk: emitters fill Outputs in memory. Documents
 * and messages go to /dev/null (see fuzz_quiet).
 */
#include <stdlib.h>

#include "compile.h"
#include "driver.h"
#include "emit.h"
#include "fuzz.h"
#include "merge.h"

/* Environments compiled per input, the base spec included: enough to
 * reach the overlay code, few enough to keep each run quick. */
#define MAX_ENVS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fuzz_quiet();
  return 0;
}

static void compile_and_emit(FuzzFiles *fs) {
  const char *spec = fs->f[0].name;
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  Value *root = spec_resolve(a, &d, spec, NULL);
  if (root) {
    const char **names;
    int n = spec_env_names(a, root, &names);
    for (int e = 0; e <= n && e < MAX_ENVS; e++) {
      Plan *p = compile_spec(a, &d, spec, e ? names[e - 1] : NULL);
      if (!p)
        continue;
      for (const Target *t = emit_targets; t->name; t++) {
        Output out = {.arena = a};
        t->emit(a, &d, p, &out);
        /* Touch every byte, so a length that overstates its data shows. */
        unsigned sum = 0;
        for (int i = 0; i < out.files.len; i++) {
          const OutFile *f = out.files.items[i];
          for (size_t k = 0; k < f->len; k++)
            sum += (unsigned char)f->data[k];
          sum += (unsigned)strlen(f->path);
        }
        (void)sum;
      }
      Buf b;
      buf_init(&b);
      plan_print_text(p, &b);
      buf_release(&b);
    }
  }
  diag_print(&d, fuzz_devnull());
  arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FuzzFiles fs;
  fuzz_quiet();
  fuzz_split(data, size, &fs);
  spec_set_reader(fuzz_reader, &fs);
  compile_and_emit(&fs);

  const char *spec = fs.f[0].name;
  static const char *formats[] = {"text", "json", "sarif"};
  const char *one[1] = {spec};
  Options o = {.command = "check", .specs = one, .nspecs = 1, .format = formats[size % 3]};
  run_check(&o);

  const char *other = spec;
  for (int i = 1; i < fs.n; i++)
    if (!strcmp(fs.f[i].name, "new.yaml"))
      other = "new.yaml";
  static const char *dformats[] = {"text", "markdown", "json"};
  const char *two[2] = {spec, other};
  Options od = {.command = "diff", .specs = two, .nspecs = 2, .format = dformats[(size / 3) % 3]};
  run_diff(&od);

  spec_set_reader(NULL, NULL);
  return 0;
}
