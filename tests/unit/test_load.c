/*
 * test_load: the loader (src/load.c). Plain YAML scalars resolve by the
 * YAML 1.2 core schema, so the YAML 1.1 surprises (`no` and `on` as
 * booleans, `0777` as octal) never happen, and a quoted scalar is always
 * a string. JSON values get real line and column positions besides their
 * key paths. Hostile input (deep nesting, alias bombs, huge files) is a
 * clean error, never a crash or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

typedef struct {
  Arena *a;
  Diags d;
} Ctx;

static int setup(void **state) {
  Ctx *c = calloc(1, sizeof *c);
  c->a = arena_new();
  diag_init(&c->d, c->a);
  *state = c;
  return 0;
}

static int teardown(void **state) {
  Ctx *c = *state;
  arena_free(c->a);
  free(c);
  return 0;
}

static Value *yaml(Ctx *c, const char *text) {
  return spec_load_text(c->a, &c->d, "t.yaml", text, strlen(text), false);
}

static Value *json(Ctx *c, const char *text) {
  return spec_load_text(c->a, &c->d, "t.json", text, strlen(text), true);
}

/* The single value of "v: <text>". */
static Value *scalar(Ctx *c, const char *text) {
  char *doc = arena_printf(c->a, "v: %s\n", text);
  Value *root = yaml(c, doc);
  if (!root)
    fail_msg("'%s' did not load", doc);
  return val_get(root, "v");
}

static void yaml12_scalars(void **state) {
  Ctx *c = *state;
  /* strings that YAML 1.1 would turn into something else */
  static const char *strings[] = {"no", "No", "NO", "yes", "Yes", "on", "On", "off", "OFF",
                                  "y", "n", "tRue", "nULL", "1_000", "12:30", "2001-12-14",
                                  "0x", "0o", "0b101", ".e3", "1e", "-x", "+", "0o8", "0xZZ",
                                  "1.2.3", "16.4.1", ".", "nan", "inf", "99999999999999999999x"};
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
    Value *v = scalar(c, strings[i]);
    if (v->kind != V_STR || strcmp(v->s, strings[i]))
      fail_msg("'%s' should stay a string, got a %s", strings[i], val_kind_name(v->kind));
  }
  static const struct {
    const char *text;
    long long i;
  } ints[] = {{"0", 0},      {"0777", 777}, {"-12", -12}, {"+12", 12},
              {"0o777", 511}, {"0x1F", 31},  {"0xff", 255}, {"012345678901", 12345678901LL}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    Value *v = scalar(c, ints[i].text);
    if (v->kind != V_INT || v->i != ints[i].i)
      fail_msg("'%s' should be the integer %lld, got a %s", ints[i].text, ints[i].i,
               val_kind_name(v->kind));
    /* the source text is kept, for messages such as "quote it" */
    assert_string_equal(v->raw, ints[i].text);
  }
  static const struct {
    const char *text;
    double f;
  } floats[] = {{"1e3", 1000},   {"1E3", 1000},   {"16.4", 16.4}, {"-0.5", -0.5}, {".5", 0.5},
                {"0.", 0},       {"2.5e-3", 0.0025}, {"+1.0", 1}, {"1e+2", 100},
                {"99999999999999999999", 1e20}};
  for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
    Value *v = scalar(c, floats[i].text);
    if (v->kind != V_FLOAT || v->f != floats[i].f)
      fail_msg("'%s' should be the number %g, got a %s", floats[i].text, floats[i].f,
               val_kind_name(v->kind));
  }
  Value *v = scalar(c, ".inf");
  assert_true(v->kind == V_FLOAT && isinf(v->f) && v->f > 0);
  v = scalar(c, "-.Inf");
  assert_true(v->kind == V_FLOAT && isinf(v->f) && v->f < 0);
  v = scalar(c, ".NaN");
  assert_true(v->kind == V_FLOAT && isnan(v->f));
  static const char *nulls[] = {"~", "null", "Null", "NULL", ""};
  for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
    if (scalar(c, nulls[i])->kind != V_NULL)
      fail_msg("'%s' should be null", nulls[i]);
  static const char *trues[] = {"true", "True", "TRUE"}, *falses[] = {"false", "False", "FALSE"};
  for (int i = 0; i < 3; i++) {
    assert_true(scalar(c, trues[i])->kind == V_BOOL && scalar(c, trues[i])->b);
    assert_true(scalar(c, falses[i])->kind == V_BOOL && !scalar(c, falses[i])->b);
  }
  assert_int_equal(c->d.errors, 0);
}

static void quoted_is_string(void **state) {
  Ctx *c = *state;
  static const char *texts[] = {"\"0777\"", "'0777'", "\"1e3\"", "'~'", "\"null\"", "'true'",
                                "\"16.4\"", "!!str 123", "! 42", "\"\""};
  static const char *want[] = {"0777", "0777", "1e3", "~", "null", "true", "16.4", "123", "42", ""};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    Value *v = scalar(c, texts[i]);
    if (v->kind != V_STR || strcmp(v->s, want[i]) || !v->quoted)
      fail_msg("%s should be the quoted string '%s'", texts[i], want[i]);
  }
  /* block scalars are strings too */
  Value *root = yaml(c, "v: |\n  0777\nw: >-\n  true\n");
  assert_int_equal(val_get(root, "v")->kind, V_STR);
  assert_string_equal(val_get(root, "v")->s, "0777\n");
  assert_int_equal(val_get(root, "w")->kind, V_STR);
  assert_string_equal(val_get(root, "w")->s, "true");
  /* a plain scalar is not "quoted" */
  assert_false(scalar(c, "abc")->quoted);
  assert_int_equal(c->d.errors, 0);
}

static void yaml_positions(void **state) {
  Ctx *c = *state;
  Value *root = yaml(c, "# comment\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [a, \"é\", c]\n");
  assert_non_null(root);
  MapEntry *e = val_entry(root, "network");
  assert_int_equal(e->key_pos.line, 2);
  assert_int_equal(e->key_pos.col, 1);
  Value *cidr = val_get(e->val, "cidr");
  assert_int_equal(cidr->pos.line, 3);
  assert_int_equal(cidr->pos.col, 9);
  assert_string_equal(cidr->pos.file, "t.yaml");
  Value *azs = val_get(e->val, "azs");
  /* a quoted scalar starts at its quote; columns count characters, not
   * bytes, so c comes one column after the 2-byte é plus its quotes */
  assert_int_equal(azs->list.items[1]->pos.col, 12);
  assert_int_equal(azs->list.items[2]->pos.col, 17);
}

static void json_positions(void **state) {
  Ctx *c = *state;
  const char *text = "{\n"
                     "  \"name\": \"demo\",\n"
                     "  \"network\": {\"cidr\": \"10.0.0.0/16\", \"azs\": [\"é\", 2]},\n"
                     "  \"k\\u00e9y\": {\"x\\\"y\": true}\n"
                     "}\n";
  Value *root = json(c, text);
  assert_non_null(root);
  assert_int_equal(c->d.errors, 0);
  MapEntry *name = val_entry(root, "name");
  assert_int_equal(name->key_pos.line, 2);
  assert_int_equal(name->key_pos.col, 3);
  assert_int_equal(name->val->pos.line, 2);
  assert_int_equal(name->val->pos.col, 11);
  assert_string_equal(name->val->pos.path, "name");
  Value *net = val_get(root, "network");
  assert_int_equal(net->pos.col, 14);
  Value *cidr = val_get(net, "cidr");
  assert_int_equal(cidr->pos.line, 3);
  assert_int_equal(cidr->pos.col, 23);
  assert_string_equal(cidr->pos.path, "network.cidr");
  Value *azs = val_get(net, "azs");
  assert_string_equal(azs->list.items[1]->pos.path, "network.azs[1]");
  assert_int_equal(azs->list.items[1]->pos.col, 51);   /* after the 1-character é */
  /* escaped keys are decoded, and still positioned */
  MapEntry *k = val_entry(root, "k\xc3\xa9y");
  assert_non_null(k);
  assert_int_equal(k->key_pos.line, 4);
  assert_int_equal(k->key_pos.col, 3);
  Value *xy = val_get(k->val, "x\"y");
  assert_non_null(xy);
  assert_int_equal(xy->kind, V_BOOL);
  assert_int_equal(xy->pos.line, 4);
  assert_int_equal(xy->pos.col, 24);
  /* members keep the order they were written in */
  Value *o = json(c, "{\"z\": 1, \"a\": 2, \"m\": 3}");
  assert_string_equal(o->map.entries[0].key, "z");
  assert_string_equal(o->map.entries[2].key, "m");
}

static void json_errors(void **state) {
  Ctx *c = *state;
  assert_null(json(c, "{\"a\": 1, \"a\": 2}"));
  assert_null(json(c, "{\"a\": 1,}"));
  assert_null(json(c, "{\"a\": tru}"));
  assert_null(json(c, "{\"a\": \"x\\u0000y\"}"));   /* NUL in a string */
  assert_null(json(c, ""));
  assert_int_equal(c->d.errors, 5);
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  /* the duplicate points at the second key, the trailing comma at itself */
  bool dup = false, comma = false;
  for (int i = 0; i < n; i++) {
    if (strstr(v[i]->msg, "duplicate key 'a'")) {
      dup = true;
      assert_int_equal(v[i]->pos.col, 10);
    }
    if (strstr(v[i]->msg, "trailing comma")) {
      comma = true;
      assert_int_equal(v[i]->pos.col, 8);
    }
  }
  assert_true(dup && comma);
}

static char *nest(Arena *a, const char *open, const char *close, int n, bool json_doc) {
  Buf b;
  buf_init(&b);
  buf_puts(&b, json_doc ? "{\"v\": " : "v: ");
  for (int i = 0; i < n; i++)
    buf_puts(&b, open);
  for (int i = 0; i < n; i++)
    buf_puts(&b, close);
  buf_puts(&b, json_doc ? "}\n" : "\n");
  return buf_finish(&b, a);
}

static void nesting_limit(void **state) {
  Ctx *c = *state;
  /* the root map plus 63 nested lists is 64 levels: allowed in both formats */
  assert_non_null(yaml(c, nest(c->a, "[", "]", LOAD_MAX_DEPTH - 1, false)));
  assert_non_null(json(c, nest(c->a, "[", "]", LOAD_MAX_DEPTH - 1, true)));
  assert_int_equal(c->d.errors, 0);
  assert_null(yaml(c, nest(c->a, "[", "]", LOAD_MAX_DEPTH, false)));
  assert_null(json(c, nest(c->a, "[", "]", LOAD_MAX_DEPTH, true)));
  assert_int_equal(c->d.errors, 2);
  /* far past every limit: libyaml and jansson never recurse this deep
   * (a hang or a stack overflow here fails the test by its timeout) */
  assert_null(yaml(c, nest(c->a, "[", "]", 200000, false)));
  assert_null(yaml(c, nest(c->a, "{a: ", "}", 100000, false)));
  assert_null(json(c, nest(c->a, "[", "]", 200000, true)));
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  for (int i = 0; i < n; i++)
    assert_non_null(strstr(v[i]->msg, "nesting deeper than 64 levels"));
}

static void alias_bomb(void **state) {
  Ctx *c = *state;
  /* aliases share the anchored node */
  Value *ok = yaml(c, "a: &x {k: 1}\nb: *x\nc: [*x, *x]\n");
  assert_non_null(ok);
  assert_ptr_equal(val_get(ok, "a"), val_get(ok, "b"));
  assert_ptr_equal(val_get(ok, "a"), val_get(ok, "c")->list.items[1]);
  /* a billion laughs: 10^9 nodes written in ten lines fails at the cap */
  Buf b;
  buf_init(&b);
  buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 10; i++) {
    buf_printf(&b, "a%d: &a%d [", i, i);
    for (int j = 0; j < 10; j++)
      buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
    buf_puts(&b, "]\n");
  }
  char *bomb = buf_finish(&b, c->a);
  assert_null(yaml(c, bomb));
  assert_int_equal(c->d.errors, 1);
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  assert_non_null(strstr(v[0]->msg, "more than 1000000 nodes"));
  /* an alias to an anchor still open is unknown, not a cycle */
  assert_null(yaml(c, "a: &x [1, *x]\n"));
}

static void file_size_limit(void **state) {
  Ctx *c = *state;
  char dir[] = "/tmp/infrac-test-load-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *path = arena_printf(c->a, "%s/big.yaml", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("infrac: 1\n#", f);
  for (size_t i = 0; i < LOAD_MAX_FILE_BYTES; i++)
    fputc('#', f);
  fclose(f);
  assert_null(spec_load_file(c->a, &c->d, path));
  assert_int_equal(c->d.errors, 1);
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  assert_non_null(strstr(v[0]->msg, "larger than the 8 MiB limit"));
  /* just under the limit loads */
  f = fopen(path, "w");
  fputs("infrac: 1\n", f);
  fclose(f);
  assert_non_null(spec_load_file(c->a, &c->d, path));
  unlink(path);
  rmdir(dir);
  assert_null(spec_load_file(c->a, &c->d, path));   /* gone: "cannot read" */
  assert_int_equal(c->d.errors, 2);
}

/* Maps far bigger than any spec: every key is found, the duplicate is
 * caught where it is written, and merging two of them keeps every key
 * (maps of MAP_INDEX_MIN keys or more are hashed; were lookups linear,
 * this test would run into its timeout). */
static void huge_maps(void **state) {
  Ctx *c = *state;
  enum { N = 200000 };
  Buf b;
  buf_init(&b);
  for (int i = 0; i < N; i++)
    buf_printf(&b, "k%d: %d\n", i, i);
  char *text = buf_finish(&b, c->a);
  Value *root = yaml(c, text);
  assert_non_null(root);
  assert_int_equal(root->map.n, N);
  for (int i = 0; i < N; i += 997) {
    Value *v = val_get(root, arena_printf(c->a, "k%d", i));
    if (!v || v->kind != V_INT || v->i != i)
      fail_msg("k%d lost in a map of %d keys", i, N);
  }
  assert_null(val_get(root, "k-1"));
  /* a duplicate at the very end is found, at its own line */
  assert_null(yaml(c, arena_printf(c->a, "%sk%d: again\n", text, N / 2)));
  int n;
  Diag **v = diag_sorted(&c->d, &n);
  assert_int_equal(n, 1);
  assert_int_equal(v[0]->pos.line, N + 1);
  assert_non_null(strstr(v[0]->msg, "first written at line 100001"));
  /* JSON too */
  buf_init(&b);
  buf_putc(&b, '{');
  for (int i = 0; i < N; i++)
    buf_printf(&b, "%s\"j%d\": %d", i ? ", " : "", i, i);
  buf_putc(&b, '}');
  Value *j = json(c, buf_finish(&b, c->a));
  assert_non_null(j);
  assert_int_equal(val_get(j, "j123457")->i, 123457);
  assert_int_equal(val_get(j, "j123457")->pos.line, 1);
}

/* The node cap counts each node once, however deep: 300000 scalars under
 * 60 levels of maps load (counting a node again at every level that
 * closes above it would put this at 18 million). Keys are capped, and key
 * paths are cut, so deep and wide documents stay small in memory. */
static void deep_and_wide(void **state) {
  Ctx *c = *state;
  Buf b;
  buf_init(&b);
  for (int i = 0; i < 60; i++)
    buf_printf(&b, "%*sk%d:\n", 2 * i, "", i);
  buf_printf(&b, "%*sv: [", 120, "");
  for (int i = 0; i < 300000; i++)
    buf_puts(&b, i ? ", x" : "x");
  buf_puts(&b, "]\n");
  Value *root = yaml(c, buf_finish(&b, c->a));
  assert_non_null(root);
  assert_int_equal(c->d.errors, 0);
  char *long_key = arena_alloc(c->a, LOAD_MAX_KEY + 2);
  memset(long_key, 'k', LOAD_MAX_KEY + 1);
  assert_null(json(c, arena_printf(c->a, "{\"a\": {\"%s\": 1}}", long_key)));
  assert_null(yaml(c, arena_printf(c->a, "? %s\n: 1\n", long_key)));
  assert_int_equal(c->d.errors, 2);
  long_key[LOAD_MAX_KEY] = '\0';
  assert_non_null(json(c, arena_printf(c->a, "{\"%s\": 1}", long_key)));
  /* paths are cut once, then shared */
  const char *p = spec_path_join(c->a, "", long_key);
  assert_true(strlen(p) <= LOAD_MAX_PATH + 3);
  assert_true(str_ends(p, "..."));
  assert_ptr_equal(spec_path_join(c->a, p, "more"), p);
  assert_ptr_equal(spec_path_index(c->a, p, 7), p);
  assert_string_equal(spec_path_join(c->a, "a", "b"), "a.b");
  assert_string_equal(spec_path_index(c->a, "a.b", 3), "a.b[3]");
}

/* Tens of thousands of diagnostics on one huge line print in one pass
 * (each caret column resumes the walk of the one before it). */
static void many_diagnostics_on_one_line(void **state) {
  Ctx *c = *state;
  enum { N = 50000 };
  Buf b;
  buf_init(&b);
  buf_putc(&b, '{');
  for (int i = 0; i < N; i++)
    buf_printf(&b, "%sk%d: 1", i ? ", " : "", i);
  buf_puts(&b, "}\n");
  char *text = buf_finish(&b, c->a);
  Value *root = yaml(c, text);
  assert_non_null(root);
  for (int i = 0; i < N; i++) {
    MapEntry *e = &root->map.entries[i];
    diag_error(&c->d, e->key_pos, e->key, "unknown key '%s'", e->key);
    /* each reported twice: the second is dropped as a repeat */
    diag_error(&c->d, e->key_pos, e->key, "unknown key '%s'", e->key);
  }
  FILE *out = tmpfile();
  assert_non_null(out);
  diag_print(&c->d, out);
  long size = ftell(out);
  fclose(out);
  int n;
  diag_sorted(&c->d, &n);
  assert_int_equal(n, N);
  /* three lines per diagnostic, the source line cut to its window */
  assert_true(size > 3L * N * 20 && size < 3L * N * 200);
}

/* A value quoted in a message cannot drive the terminal, and a value
 * marked as a credential never shows in the source line under it. */
static void printing_is_safe(void **state) {
  Ctx *c = *state;
  Value *root = yaml(c, "region: \"us\\e[2J\\x07\"\ncfg: {token: \"ghp_secretsecretsecret\", other: 1}\n");
  assert_non_null(root);
  Value *r = val_get(root, "region");
  diag_error(&c->d, r->pos, "region", "'%s' is not a region", r->s);
  Value *cfg = val_get(root, "cfg"), *t = val_get(cfg, "token");
  diag_redact(&c->d, t->pos);
  diag_error(&c->d, val_entry(cfg, "other")->key_pos, "cfg.other", "unknown key 'other'");
  FILE *out = tmpfile();
  diag_print(&c->d, out);
  long n = ftell(out);
  rewind(out);
  char *text = arena_alloc(c->a, (size_t)n + 1);
  assert_int_equal(fread(text, 1, (size_t)n, out), (size_t)n);
  fclose(out);
  for (long i = 0; i < n; i++)
    if ((unsigned char)text[i] < 0x20 && text[i] != '\n')
      fail_msg("a control character reached the output at byte %ld", i);
  assert_non_null(strstr(text, "'us\\x1b[2J\\x07' is not a region"));
  assert_null(strstr(text, "secretsecret"));
  assert_non_null(strstr(text, "cfg: {token: \"**********************\", other: 1}"));
}

static void structure_errors(void **state) {
  Ctx *c = *state;
  static const char *bad[] = {
      "a: 1\na: 2\n",              /* duplicate key */
      "a: 1\n---\nb: 2\n",         /* a second document */
      "a: !Ref x\n",               /* tags */
      "? [a, b]\n: 1\n",           /* a list as a key */
      "a: *nope\n",                /* unknown alias */
      "a: [1, 2\n",                /* syntax */
      "a: \"x\\0y\"\n",            /* NUL in a string */
      "# only a comment\n",        /* empty */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int before = c->d.errors;
    if (yaml(c, bad[i]))
      fail_msg("loaded a broken document: %s", bad[i]);
    if (c->d.errors != before + 1)
      fail_msg("expected exactly one error for: %s", bad[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(yaml12_scalars, setup, teardown),
      cmocka_unit_test_setup_teardown(quoted_is_string, setup, teardown),
      cmocka_unit_test_setup_teardown(yaml_positions, setup, teardown),
      cmocka_unit_test_setup_teardown(json_positions, setup, teardown),
      cmocka_unit_test_setup_teardown(json_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(nesting_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(alias_bomb, setup, teardown),
      cmocka_unit_test_setup_teardown(file_size_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(structure_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(printing_is_safe, setup, teardown),
      cmocka_unit_test_setup_teardown(huge_maps, setup, teardown),
      cmocka_unit_test_setup_teardown(deep_and_wide, setup, teardown),
      cmocka_unit_test_setup_teardown(many_diagnostics_on_one_line, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
