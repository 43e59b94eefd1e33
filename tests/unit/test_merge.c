/*
 * test_merge: includes and overlays (src/merge.c). Maps merge key by key,
 * recursively; scalars and lists replace; null removes a key. Overlays
 * merged with one another keep their nulls until they are applied, and
 * every merged value still knows the file, line and column where it was
 * written. Merging never changes its inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "merge.h"

typedef struct {
  Arena *a;
  Diags d;
  char dir[64];
} Ctx;

static int setup(void **state) {
  Ctx *c = calloc(1, sizeof *c);
  c->a = arena_new();
  diag_init(&c->d, c->a);
  strcpy(c->dir, "/tmp/infrac-test-merge-XXXXXX");
  if (!mkdtemp(c->dir))
    return -1;
  *state = c;
  return 0;
}

static int teardown(void **state) {
  Ctx *c = *state;
  char *cmd = arena_printf(c->a, "rm -rf '%s'", c->dir);
  if (system(cmd) != 0)
    return -1;
  arena_free(c->a);
  free(c);
  return 0;
}

static Value *yaml(Ctx *c, const char *name, const char *text) {
  Value *v = spec_load_text(c->a, &c->d, name, text, strlen(text), false);
  if (!v)
    fail_msg("%s did not load", name);
  return v;
}

static const char *write_file(Ctx *c, const char *name, const char *text) {
  const char *path = arena_printf(c->a, "%s/%s", c->dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    fail_msg("cannot write %s", path);
  fputs(text, f);
  fclose(f);
  return path;
}

/* A value by dotted path ("a.b.c"), NULL when any step is missing. */
static Value *at(Arena *a, Value *v, const char *path) {
  char *p = arena_strdup(a, path), *save = NULL;
  for (char *k = strtok_r(p, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
    v = val_get(v, k);
  return v;
}

static const char *text(Ctx *c, const Value *v) { return val_to_text(c->a, v); }

static void maps_merge_recursively(void **state) {
  Ctx *c = *state;
  Value *base = yaml(c, "base.yaml", "a: {b: {c: 1, d: 2}, e: 3}\nf: 4\n");
  Value *over = yaml(c, "over.yaml", "a: {b: {d: 20, x: 5}}\ng: 6\n");
  Value *m = spec_merge(c->a, base, over);
  assert_string_equal(text(c, m), "{\"a\": {\"b\": {\"c\": 1, \"d\": 20, \"x\": 5}, \"e\": 3}, \"f\": 4, \"g\": 6}");
  /* the inputs are untouched */
  assert_string_equal(text(c, base), "{\"a\": {\"b\": {\"c\": 1, \"d\": 2}, \"e\": 3}, \"f\": 4}");
  assert_string_equal(text(c, over), "{\"a\": {\"b\": {\"d\": 20, \"x\": 5}}, \"g\": 6}");
}

static void lists_and_scalars_replace(void **state) {
  Ctx *c = *state;
  Value *base = yaml(c, "base.yaml", "l: [1, 2, 3]\ns: x\nm: {k: v}\nt: [a]\n");
  Value *over = yaml(c, "over.yaml", "l: [9]\ns: y\nm: scalar\nt: {now: map}\n");
  Value *m = spec_merge(c->a, base, over);
  assert_string_equal(text(c, val_get(m, "l")), "[9]");
  assert_string_equal(text(c, val_get(m, "s")), "\"y\"");
  /* a different kind replaces too, either way round */
  assert_string_equal(text(c, val_get(m, "m")), "\"scalar\"");
  assert_string_equal(text(c, val_get(m, "t")), "{\"now\": \"map\"}");
  /* an empty list is a value, not "no change" */
  m = spec_merge(c->a, base, yaml(c, "o2.yaml", "l: []\n"));
  assert_string_equal(text(c, val_get(m, "l")), "[]");
}

static void null_deletes(void **state) {
  Ctx *c = *state;
  Value *base = yaml(c, "base.yaml", "a: {b: 1, c: 2}\nd: 3\n");
  Value *m = spec_merge(c->a, base, yaml(c, "over.yaml", "a: {b: null}\nd: ~\nnew: {x: null, y: 1}\n"));
  assert_string_equal(text(c, m), "{\"a\": {\"c\": 2}, \"new\": {\"y\": 1}}");
  assert_null(val_entry(m, "d"));
  /* deleting a key that is not there is fine */
  m = spec_merge(c->a, base, yaml(c, "o2.yaml", "zzz: null\n"));
  assert_string_equal(text(c, m), text(c, base));
}

static void positions_survive(void **state) {
  Ctx *c = *state;
  Value *base = yaml(c, "base.yaml", "network:\n  cidr: 10.0.0.0/16\n  azs: 3\n");
  Value *over = yaml(c, "over.yaml", "# overlay\n\nnetwork: {azs: 2}\n");
  Value *m = spec_merge(c->a, base, over);
  Value *cidr = at(c->a, m, "network.cidr"), *azs = at(c->a, m, "network.azs");
  assert_string_equal(cidr->pos.file, "base.yaml");
  assert_int_equal(cidr->pos.line, 2);
  assert_int_equal(cidr->pos.col, 9);
  assert_string_equal(azs->pos.file, "over.yaml");
  assert_int_equal(azs->pos.line, 3);
  assert_int_equal(azs->pos.col, 16);
  /* key positions follow their values */
  MapEntry *e = val_entry(val_get(m, "network"), "azs");
  assert_string_equal(e->key_pos.file, "over.yaml");
  assert_int_equal(e->key_pos.col, 11);
  e = val_entry(val_get(m, "network"), "cidr");
  assert_string_equal(e->key_pos.file, "base.yaml");
  assert_int_equal(e->key_pos.line, 2);
}

static void includes_in_order(void **state) {
  Ctx *c = *state;
  assert_int_equal(mkdir(arena_printf(c->a, "%s/sub", c->dir), 0700), 0);
  write_file(c, "one.yaml", "region: us-east-1\ntags: {a: one, b: one}\nnetwork: {cidr: 10.1.0.0/16}\n");
  write_file(c, "sub/two.yaml", "tags: {b: two, c: two}\nnetwork: {azs: 2}\n");
  const char *spec = write_file(c, "spec.yaml",
                                "infrac: 1\ninclude: [one.yaml, sub/two.yaml]\nname: x\ntags: {c: spec}\n");
  Value *r = spec_resolve(c->a, &c->d, spec, NULL);
  assert_non_null(r);
  assert_int_equal(c->d.errors, 0);
  /* later includes win over earlier ones, the spec over both */
  assert_string_equal(text(c, val_get(r, "tags")), "{\"a\": \"one\", \"b\": \"two\", \"c\": \"spec\"}");
  assert_string_equal(text(c, val_get(r, "network")), "{\"azs\": 2, \"cidr\": \"10.1.0.0/16\"}");
  assert_null(val_get(r, "include"));
  /* an included value points at the fragment, path relative to the spec */
  Value *azs = at(c->a, r, "network.azs");
  assert_string_equal(azs->pos.file, arena_printf(c->a, "%s/sub/two.yaml", c->dir));
  assert_int_equal(azs->pos.line, 2);
  const char **files;
  int n = spec_files(c->a, &c->d, spec, &files);
  assert_int_equal(n, 3);
  assert_string_equal(files[1], arena_printf(c->a, "%s/one.yaml", c->dir));
}

static void overlays_keep_nulls_until_applied(void **state) {
  Ctx *c = *state;
  /* The fragment's overlay removes tags.a; the spec's overlay for the same
   * environment adds tags.c. Merged together the removal must survive,
   * and only applying the overlay removes the key. */
  write_file(c, "frag.yaml", "environments:\n  dev:\n    tags: {a: null}\n    network: {nat: {eip: null}}\n");
  const char *spec = write_file(c, "spec.yaml",
                                "infrac: 1\ninclude: [frag.yaml]\nname: x\nregion: us-east-1\n"
                                "tags: {a: \"1\", b: \"2\"}\n"
                                "network: {cidr: 10.0.0.0/16, nat: {mode: single, eip: 55.55.55.55}}\n"
                                "environments:\n  dev:\n    tags: {c: \"3\"}\n  prod: {}\n");
  Value *base = spec_resolve(c->a, &c->d, spec, NULL);
  assert_non_null(base);
  /* unapplied, the null is still there */
  Value *null_a = at(c->a, base, "environments.dev.tags.a");
  assert_non_null(null_a);
  assert_int_equal(null_a->kind, V_NULL);
  assert_string_equal(text(c, val_get(base, "tags")), "{\"a\": \"1\", \"b\": \"2\"}");
  Value *dev = spec_resolve(c->a, &c->d, spec, "dev");
  assert_non_null(dev);
  assert_string_equal(text(c, val_get(dev, "tags")), "{\"b\": \"2\", \"c\": \"3\"}");
  assert_string_equal(text(c, at(c->a, dev, "network.nat")), "{\"mode\": \"single\"}");
  assert_null(val_get(dev, "environments"));
  Value *prod = spec_resolve(c->a, &c->d, spec, "prod");
  assert_string_equal(text(c, val_get(prod, "tags")), "{\"a\": \"1\", \"b\": \"2\"}");
  const char **names;
  assert_int_equal(spec_env_names(c->a, base, &names), 2);
  assert_string_equal(names[0], "dev");
  assert_string_equal(names[1], "prod");
  assert_int_equal(c->d.errors, 0);
  /* an unknown environment is an error naming the known ones */
  assert_null(spec_resolve(c->a, &c->d, spec, "stage"));
  assert_int_equal(c->d.errors, 1);
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  assert_non_null(strstr(v[0]->msg, "the spec declares: dev, prod"));
}

static void include_errors(void **state) {
  Ctx *c = *state;
  write_file(c, "a.yaml", "include: [b.yaml]\n");
  write_file(c, "b.yaml", "include: [a.yaml]\n");
  const char *spec = write_file(c, "spec.yaml", "infrac: 1\ninclude: [a.yaml]\n");
  assert_null(spec_resolve(c->a, &c->d, spec, NULL));
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  assert_int_equal(n, 1);
  assert_non_null(strstr(v[0]->msg, "include cycle: "));
  assert_non_null(strstr(v[0]->msg, "spec.yaml -> "));
  assert_true(str_ends(v[0]->msg, "/a.yaml"));
  assert_true(str_ends(v[0]->pos.file, "/b.yaml"));
  /* a file including itself */
  write_file(c, "self.yaml", "infrac: 1\ninclude: [self.yaml]\n");
  assert_null(spec_resolve(c->a, &c->d, arena_printf(c->a, "%s/self.yaml", c->dir), NULL));
  /* a missing include points at the line naming it */
  spec = write_file(c, "missing.yaml", "infrac: 1\n\ninclude: [nope.yaml]\n");
  int before = c->d.errors;
  assert_null(spec_resolve(c->a, &c->d, spec, NULL));
  assert_int_equal(c->d.errors, before + 1);
  v = diag_sorted(&c->d, &n);
  bool found = false;
  for (int i = 0; i < n; i++)
    if (strstr(v[i]->msg, "cannot read") && v[i]->pos.line == 3 && v[i]->pos.col == 11)
      found = true;
  assert_true(found);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(maps_merge_recursively, setup, teardown),
      cmocka_unit_test_setup_teardown(lists_and_scalars_replace, setup, teardown),
      cmocka_unit_test_setup_teardown(null_deletes, setup, teardown),
      cmocka_unit_test_setup_teardown(positions_survive, setup, teardown),
      cmocka_unit_test_setup_teardown(includes_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(overlays_keep_nulls_until_applied, setup, teardown),
      cmocka_unit_test_setup_teardown(include_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
