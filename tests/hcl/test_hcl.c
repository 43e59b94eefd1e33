/*
 * test_hcl: unit tests of the HCL writer through its public API. Each test
 * builds a small tree and compares the rendered text byte for byte with
 * what terraform fmt produces (the expected texts were checked with
 * terraform fmt -check; tests/hcl/fmt_conformance.sh keeps checking the
 * writer against the real tool on many more documents).
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "emit/hcl.h"

static int setup(void **state) {
  *state = arena_new();
  return 0;
}

static int teardown(void **state) {
  arena_free(*state);
  return 0;
}

/* With HCL_TEST_DUMP=DIR set, every rendered document is also written to
 * DIR/unit_NNN.tf, so fmt_conformance.sh can hold the expected texts here
 * against terraform fmt itself. */
static const char *render(HclBody *f, size_t *len) {
  static int count;
  size_t n;
  const char *text = hcl_render(f, &n);
  const char *dir = getenv("HCL_TEST_DUMP");
  if (dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/unit_%03d.tf", dir, count++);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(text, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
  }
  if (len)
    *len = n;
  return text;
}

/* Renders the file `x = <e>` and returns the value's text. */
static const char *value_text(Arena *a, HclExpr *e) {
  HclBody *f = hcl_file(a);
  hcl_attr(f, "x", e);
  const char *text = render(f, NULL);
  assert_true(strncmp(text, "x = ", 4) == 0);
  size_t n = strlen(text);
  assert_true(n > 4 && text[n - 1] == '\n');
  return arena_strndup(a, text + 4, n - 5);
}

static void expect_file(HclBody *f, const char *want) {
  size_t len;
  const char *got = render(f, &len);
  assert_int_equal(len, strlen(got));
  assert_string_equal(got, want);
}

/* ---- Escaping ---- */

static void test_escape_basic(void **state) {
  Arena *a = *state;
  assert_string_equal(value_text(a, hcl_str(a, "plain text")), "\"plain text\"");
  assert_string_equal(value_text(a, hcl_str(a, "a\\b\"c")), "\"a\\\\b\\\"c\"");
  assert_string_equal(value_text(a, hcl_str(a, "l1\nl2\r\nt\tx")), "\"l1\\nl2\\r\\nt\\tx\"");
  assert_string_equal(value_text(a, hcl_str(a, "")), "\"\"");
  assert_string_equal(value_text(a, hcl_str(a, NULL)), "\"\"");
  /* Escape sequences in the input are text, not escapes. */
  assert_string_equal(value_text(a, hcl_str(a, "\\n\\u0041")), "\"\\\\n\\\\u0041\"");
}

static void test_escape_controls(void **state) {
  Arena *a = *state;
  assert_string_equal(value_text(a, hcl_str(a, "\x01\x1b[0m\x1f\x7f")),
                      "\"\\u0001\\u001b[0m\\u001f\\u007f\"");
  assert_string_equal(value_text(a, hcl_strn(a, "a\0b", 3)), "\"a\\u0000b\"");
  /* C1 controls (U+0080..U+009F) are controls too. */
  assert_string_equal(value_text(a, hcl_str(a, "\xc2\x85\xc2\x9f")), "\"\\u0085\\u009f\"");
  /* Bidi overrides, zero width space, line separators and BOM are escaped. */
  assert_string_equal(value_text(a, hcl_str(a, "\xe2\x80\xae\xe2\x80\x8b\xe2\x80\xa8\xef\xbb\xbf")),
                      "\"\\u202e\\u200b\\u2028\\ufeff\"");
}

static void test_escape_template_introducers(void **state) {
  Arena *a = *state;
  assert_string_equal(value_text(a, hcl_str(a, "${file(\"/etc/passwd\")}")),
                      "\"$${file(\\\"/etc/passwd\\\")}\"");
  assert_string_equal(value_text(a, hcl_str(a, "%{ if true }x%{ endif }")),
                      "\"%%{ if true }x%%{ endif }\"");
  assert_string_equal(value_text(a, hcl_str(a, "$${x}")), "\"$$${x}\"");
  assert_string_equal(value_text(a, hcl_str(a, "%%{x}")), "\"%%%{x}\"");
  assert_string_equal(value_text(a, hcl_str(a, "$ $$ % %% ${")), "\"$ $$ % %% $${\"");
  assert_string_equal(value_text(a, hcl_str(a, "end$")), "\"end$\"");
  assert_string_equal(value_text(a, hcl_str(a, "{}")), "\"{}\"");
}

static void test_utf8_passthrough(void **state) {
  Arena *a = *state;
  const char *s = "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 "
                  "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 e\xcc\x81 \xc2\xa0";
  char *want = arena_printf(a, "\"%s\"", s);
  assert_string_equal(value_text(a, hcl_str(a, s)), want);
}

static void test_invalid_utf8(void **state) {
  Arena *a = *state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"\xff", "\xef\xbf\xbd"},
      {"a\xc3", "a\xef\xbf\xbd"},                        /* truncated */
      {"\xe2\x82x", "\xef\xbf\xbdx"},                    /* maximal subpart: one U+FFFD */
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},          /* overlong */
      {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
      {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
      {"\x80z", "\xef\xbf\xbdz"},                         /* lone continuation */
      {"\xf0\x9f\x98", "\xef\xbf\xbd"},                   /* emoji cut short */
      {"$\xff{", "$\xef\xbf\xbd{"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *want = arena_printf(a, "\"%s\"", cases[i].out);
    assert_string_equal(value_text(a, hcl_str(a, cases[i].in)), want);
  }
  /* In a key, U+FFFD is escaped like every wide or combining code point. */
  HclExpr *o = hcl_obj(a);
  hcl_obj_add(o, "k\xff", hcl_int(a, 1));
  assert_string_equal(value_text(a, o), "{\n  \"k\\ufffd\" = 1\n}");
}

/* ---- Scalars ---- */

static void test_numbers(void **state) {
  Arena *a = *state;
  assert_string_equal(value_text(a, hcl_int(a, 0)), "0");
  assert_string_equal(value_text(a, hcl_int(a, -42)), "-42");
  assert_string_equal(value_text(a, hcl_int(a, INT64_MIN)), "-9223372036854775808");
  assert_string_equal(value_text(a, hcl_num(a, 2.5)), "2.5");
  assert_string_equal(value_text(a, hcl_num(a, 1.0)), "1");
  assert_string_equal(value_text(a, hcl_num(a, 0.1)), "0.1");
  assert_string_equal(value_text(a, hcl_num(a, 1.0 / 3)), "0.3333333333333333");
  assert_string_equal(value_text(a, hcl_num(a, 1e21)), "1e+21");
  assert_string_equal(value_text(a, hcl_num(a, -1e-7)), "-1e-07");
  assert_string_equal(value_text(a, hcl_num(a, NAN)), "null");
  assert_string_equal(value_text(a, hcl_num(a, INFINITY)), "null");
  assert_string_equal(value_text(a, hcl_bool(a, true)), "true");
  assert_string_equal(value_text(a, hcl_bool(a, false)), "false");
  assert_string_equal(value_text(a, hcl_null(a)), "null");
}

static void test_refs(void **state) {
  Arena *a = *state;
  static const char *const good[] = {
      "aws_subnet.private_a.id", "data.aws_availability_zones.available.names[0]",
      "aws_nat_gateway.x[0]", "aws_subnet.private[*].id", "aws_subnet.private.*.id",
      "var.name", "each.value", "count.index", "path.module", "a-b.c-d", "_x"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    assert_true(hcl_is_traversal(good[i]));
    assert_string_equal(value_text(a, hcl_ref(a, good[i])), good[i]);
  }
  static const char *const bad[] = {
      "", "1abc", "a.", "a..b", "a.0", "a.0.1", "a[x]", "a[]", "a[*][*]", "a.*.b[0]",
      "a.*.*", "a b", "a.b}", "${a}", "a\"", "file(\"/etc/passwd\")", "a.b[0] ", "-a",
      "a[-1]", "a.\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_false(hcl_is_traversal(bad[i]));
  assert_false(hcl_is_traversal(NULL));
}

static void test_idents(void **state) {
  (void)state;
  assert_true(hcl_is_ident("a"));
  assert_true(hcl_is_ident("_a-b_9"));
  assert_true(hcl_is_ident("Name"));
  assert_false(hcl_is_ident(""));
  assert_false(hcl_is_ident("9a"));
  assert_false(hcl_is_ident("-a"));
  assert_false(hcl_is_ident("a.b"));
  assert_false(hcl_is_ident("a b"));
  assert_false(hcl_is_ident("\xc3\xa9"));
  assert_false(hcl_is_ident(NULL));
}

/* ---- Templates ---- */

static void test_templates(void **state) {
  Arena *a = *state;
  HclExpr *t = hcl_tmpl(a);
  hcl_tmpl_ref(t, "aws_dynamodb_table.configs.arn");
  hcl_tmpl_lit(t, "/index/*");
  assert_string_equal(value_text(a, t), "\"${aws_dynamodb_table.configs.arn}/index/*\"");

  /* A lone interpolation is the bare reference, as terraform fmt writes it. */
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "");
  hcl_tmpl_ref(t, "aws_vpc.main.id");
  assert_string_equal(value_text(a, t), "aws_vpc.main.id");

  /* Literal parts are escaped; a spec string cannot open an interpolation. */
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "${var.secret}\"\n");
  hcl_tmpl_ref(t, "var.name");
  hcl_tmpl_lit(t, "%{");
  assert_string_equal(value_text(a, t), "\"$${var.secret}\\\"\\n${var.name}%%{\"");

  /* Adjacent literal parts are escaped as one: "$" then "{" is "${". */
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "$");
  hcl_tmpl_lit(t, "{");
  hcl_tmpl_ref(t, "local.v");
  assert_string_equal(value_text(a, t), "\"$${${local.v}\"");

  /* Dollars right before an interpolation move into a quoted string, else
   * `$${` would be the escape and the reference would become text. */
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "cost $");
  hcl_tmpl_ref(t, "local.v");
  hcl_tmpl_lit(t, "$");
  assert_string_equal(value_text(a, t), "\"cost ${\"$\"}${local.v}$\"");
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "$$");
  hcl_tmpl_ref(t, "local.v");
  assert_string_equal(value_text(a, t), "\"${\"$$\"}${local.v}\"");

  t = hcl_tmpl(a);
  hcl_tmpl_ref(t, "a.b");
  hcl_tmpl_ref(t, "c.d");
  assert_string_equal(value_text(a, t), "\"${a.b}${c.d}\"");

  assert_string_equal(value_text(a, hcl_tmpl(a)), "\"\"");
  t = hcl_tmpl(a);
  hcl_tmpl_lit(t, "only text ${x}");
  assert_string_equal(value_text(a, t), "\"only text $${x}\"");
}

/* ---- Alignment ---- */

static void test_alignment_runs(void **state) {
  Arena *a = *state;
  HclBody *f = hcl_file(a);
  HclBody *b = hcl_block(f, "resource", "aws_vpc", "main");
  hcl_attr(b, "a", hcl_int(a, 1));
  hcl_attr(b, "bbbb", hcl_int(a, 2));
  hcl_comment(b, "a comment ends the run");
  hcl_attr(b, "cc", hcl_int(a, 3));
  hcl_attr(b, "dddddd", hcl_list(a));
  hcl_gap(b);
  hcl_attr(b, "e", hcl_obj(a));
  hcl_attr(b, "ffffffff", hcl_call(a, "jsonencode", hcl_obj(a)));
  HclExpr *m = hcl_obj(a);
  hcl_obj_add(m, "x", hcl_int(a, 1));
  hcl_obj_add(m, "long-key", hcl_int(a, 2));
  hcl_attr(b, "g", m);
  hcl_attr(b, "hh", hcl_int(a, 4));
  HclBody *n = hcl_block(b, "nested", NULL, NULL);
  hcl_attr(n, "z", hcl_int(a, 1));
  hcl_attr(n, "zzzzz", hcl_int(a, 1));
  hcl_attr(b, "iiiiii", hcl_int(a, 5));
  hcl_attr(b, "j", hcl_int(a, 6));
  expect_file(f, "resource \"aws_vpc\" \"main\" {\n"
                 "  a    = 1\n"
                 "  bbbb = 2\n"
                 "  # a comment ends the run\n"
                 "  cc     = 3\n"
                 "  dddddd = []\n"
                 "\n"
                 "  e        = {}\n"
                 "  ffffffff = jsonencode({})\n"
                 "  g = {\n"
                 "    x          = 1\n"
                 "    \"long-key\" = 2\n"
                 "  }\n"
                 "  hh = 4\n"
                 "  nested {\n"
                 "    z     = 1\n"
                 "    zzzzz = 1\n"
                 "  }\n"
                 "  iiiiii = 5\n"
                 "  j      = 6\n"
                 "}\n");
}

/* Keys are measured in grapheme clusters, as terraform fmt does: code points
 * that may join a cluster (combining marks, emoji, joiners) are escaped so
 * every key character is one column. */
static void test_alignment_unicode_keys(void **state) {
  Arena *a = *state;
  HclExpr *o = hcl_obj(a);
  hcl_obj_add(o, "x", hcl_int(a, 1));
  hcl_obj_add(o, "\xc3\xa9t\xc3\xa9", hcl_int(a, 2));
  hcl_obj_add(o, "\xe4\xb8\xad\xe6\x96\x87", hcl_int(a, 3));
  hcl_obj_add(o, "\xf0\x9f\x98\x80", hcl_int(a, 4));
  hcl_obj_add(o, "e\xcc\x81", hcl_int(a, 5));
  hcl_obj_add(o, "\xd0\x96\xce\xa9", hcl_int(a, 6));
  assert_string_equal(value_text(a, o), "{\n"
                                        "  x            = 1\n"
                                        "  \"\xc3\xa9t\xc3\xa9\"        = 2\n"
                                        "  \"\xe4\xb8\xad\xe6\x96\x87\"         = 3\n"
                                        "  \"\\U0001f600\" = 4\n"
                                        "  \"e\\u0301\"    = 5\n"
                                        "  \"\xd0\x96\xce\xa9\"         = 6\n"
                                        "}");
}

static void test_object_keys(void **state) {
  Arena *a = *state;
  HclExpr *o = hcl_obj(a);
  static const char *const keys[] = {"Name", "_x9",  "a-b", "for", "true", "null", "in",
                                     "",     "1abc", "a b", "${x}", "%{y}", "q\"", "\n"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    hcl_obj_add(o, keys[i], hcl_int(a, (long long)i));
  hcl_obj_add(o, "Name", hcl_str(a, "replaced"));
  assert_string_equal(value_text(a, o), "{\n"
                                        "  Name    = \"replaced\"\n"
                                        "  _x9     = 1\n"
                                        "  \"a-b\"   = 2\n"
                                        "  \"for\"   = 3\n"
                                        "  \"true\"  = 4\n"
                                        "  \"null\"  = 5\n"
                                        "  \"in\"    = 6\n"
                                        "  \"\"      = 7\n"
                                        "  \"1abc\"  = 8\n"
                                        "  \"a b\"   = 9\n"
                                        "  \"$${x}\" = 10\n"
                                        "  \"%%{y}\" = 11\n"
                                        "  \"q\\\"\"   = 12\n"
                                        "  \"\\n\"    = 13\n"
                                        "}");
}

/* ---- Lists, objects, calls ---- */

static void test_lists(void **state) {
  Arena *a = *state;
  HclExpr *l = hcl_list(a);
  hcl_list_add(l, hcl_int(a, -1));
  hcl_list_add(l, hcl_str(a, "a"));
  hcl_list_add(l, hcl_ref(a, "aws_subnet.a.id"));
  hcl_list_add(l, hcl_list(a));
  hcl_list_add(l, hcl_obj(a));
  assert_string_equal(value_text(a, l), "[-1, \"a\", aws_subnet.a.id, [], {}]");
  assert_string_equal(value_text(a, hcl_list(a)), "[]");

  HclExpr *longl = hcl_list(a);
  for (int i = 0; i < 4; i++)
    hcl_list_add(longl, hcl_str(a, "arn:aws:iam::123456789012:role/abc"));
  assert_string_equal(value_text(a, longl), "[\n"
                                            "  \"arn:aws:iam::123456789012:role/abc\",\n"
                                            "  \"arn:aws:iam::123456789012:role/abc\",\n"
                                            "  \"arn:aws:iam::123456789012:role/abc\",\n"
                                            "  \"arn:aws:iam::123456789012:role/abc\",\n"
                                            "]");

  HclExpr *objs = hcl_list(a);
  HclExpr *o = hcl_obj(a);
  hcl_obj_add(o, "k", hcl_str(a, "v"));
  hcl_obj_add(o, "kk", l);
  hcl_list_add(objs, o);
  hcl_list_add(objs, hcl_str(a, "s"));
  assert_string_equal(value_text(a, objs), "[\n"
                                           "  {\n"
                                           "    k  = \"v\"\n"
                                           "    kk = [-1, \"a\", aws_subnet.a.id, [], {}]\n"
                                           "  },\n"
                                           "  \"s\",\n"
                                           "]");
}

static void test_calls(void **state) {
  Arena *a = *state;
  assert_string_equal(value_text(a, hcl_call(a, "timestamp", NULL)), "timestamp()");
  HclExpr *c = hcl_call(a, "format", hcl_str(a, "%s-%d"));
  hcl_call_add(c, hcl_ref(a, "var.name"));
  hcl_call_add(c, hcl_int(a, 3));
  assert_string_equal(value_text(a, c), "format(\"%s-%d\", var.name, 3)");

  HclExpr *doc = hcl_obj(a);
  hcl_obj_add(doc, "Version", hcl_str(a, "2012-10-17"));
  HclExpr *stmts = hcl_list(a);
  HclExpr *st = hcl_obj(a);
  hcl_obj_add(st, "Effect", hcl_str(a, "Allow"));
  hcl_obj_add(st, "Action", hcl_str(a, "s3:GetObject"));
  hcl_list_add(stmts, st);
  hcl_obj_add(doc, "Statement", stmts);
  assert_string_equal(value_text(a, hcl_call(a, "jsonencode", doc)), "jsonencode({\n"
                                                                      "  Version = \"2012-10-17\"\n"
                                                                      "  Statement = [\n"
                                                                      "    {\n"
                                                                      "      Effect = \"Allow\"\n"
                                                                      "      Action = \"s3:GetObject\"\n"
                                                                      "    },\n"
                                                                      "  ]\n"
                                                                      "})");

  HclExpr *tagso = hcl_obj(a);
  hcl_obj_add(tagso, "Name", hcl_str(a, "x"));
  HclExpr *m = hcl_call(a, "merge", hcl_ref(a, "local.tags"));
  hcl_call_add(m, tagso);
  assert_string_equal(value_text(a, m), "merge(local.tags, {\n"
                                        "  Name = \"x\"\n"
                                        "})");

  HclExpr *two = hcl_call(a, "merge", tagso);
  hcl_call_add(two, hcl_ref(a, "local.tags"));
  assert_string_equal(value_text(a, two), "merge(\n"
                                          "  {\n"
                                          "    Name = \"x\"\n"
                                          "  },\n"
                                          "  local.tags,\n"
                                          ")");
}

/* ---- Bodies ---- */

static void test_blocks_and_layout(void **state) {
  Arena *a = *state;
  HclBody *f = hcl_file(a);
  hcl_gap(f);
  HclBody *tf = hcl_block(f, "terraform", NULL, NULL);
  hcl_attr(tf, "required_version", hcl_str(a, ">= 1.5"));
  hcl_gap(tf);
  hcl_gap(tf);
  HclBody *be = hcl_block(tf, "backend", "s3", NULL);
  hcl_attr(be, "bucket", hcl_str(a, "b"));
  hcl_gap(tf);
  hcl_comment(f, "Looked up, never hard-coded.");
  hcl_block(f, "data", "aws_availability_zones", "available");
  HclBody *r = hcl_block(f, "resource", "aws_vpc", "main");
  hcl_gap(r);
  hcl_attr(r, "cidr_block", hcl_str(a, "10.0.0.0/16"));
  hcl_attr(r, "cidr_block", hcl_str(a, "10.1.0.0/16"));
  HclBody *o = hcl_block(f, "output", "q\"uo\\te\t", NULL);
  hcl_gap(o);
  hcl_gap(f);
  expect_file(f, "terraform {\n"
                 "  required_version = \">= 1.5\"\n"
                 "\n"
                 "  backend \"s3\" {\n"
                 "    bucket = \"b\"\n"
                 "  }\n"
                 "}\n"
                 "\n"
                 "# Looked up, never hard-coded.\n"
                 "data \"aws_availability_zones\" \"available\" {}\n"
                 "\n"
                 "resource \"aws_vpc\" \"main\" {\n"
                 "  cidr_block = \"10.1.0.0/16\"\n"
                 "}\n"
                 "\n"
                 "output \"q\\\"uo\\\\te\\t\" {}\n");
}

static void test_comments(void **state) {
  Arena *a = *state;
  HclBody *f = hcl_file(a);
  HclBody *b = hcl_block(f, "locals", NULL, NULL);
  hcl_comment(b, "two\nlines   ");
  hcl_comment(b, "");
  hcl_comment(b, "ctl\x01\r bidi\xe2\x80\xa8 bad\xff tab\tok");
  hcl_attr(b, "x", hcl_int(a, 1));
  expect_file(f, "locals {\n"
                 "  # two\n"
                 "  # lines\n"
                 "  #\n"
                 "  # ctl   bidi  bad\xef\xbf\xbd tab\tok\n"
                 "  x = 1\n"
                 "}\n");
}

static void test_empty_file(void **state) {
  Arena *a = *state;
  size_t len = 99;
  assert_string_equal(render(hcl_file(a), &len), "");
  assert_int_equal(len, 0);
}

static void test_top_level_attrs(void **state) {
  Arena *a = *state;
  HclBody *f = hcl_file(a);
  hcl_attr(f, "a", hcl_int(a, 1));
  hcl_attr(f, "bbb", hcl_int(a, 2));
  hcl_block(f, "x", NULL, NULL);
  hcl_attr(f, "c", hcl_int(a, 3));
  expect_file(f, "a   = 1\nbbb = 2\n\nx {}\n\nc = 3\n");
}

/* ---- Misuse aborts instead of writing live HCL ---- */

static bool aborts(void (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr))
      _exit(2);
    fn();
    _exit(0);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void bad_ref(void) { hcl_ref(arena_new(), "x}${file(\"/etc/passwd\")"); }
static void bad_tmpl_ref(void) { hcl_tmpl_ref(hcl_tmpl(arena_new()), "a b"); }
static void bad_attr(void) { hcl_attr(hcl_file(arena_new()), "a = 1\nb", hcl_null(arena_new())); }
static void bad_label(void) { hcl_block(hcl_file(arena_new()), "resource", "x", "a${b}"); }
static void bad_label_utf8(void) { hcl_block(hcl_file(arena_new()), "resource", "\xc3\xa9", NULL); }
static void bad_fn(void) { hcl_call(arena_new(), "f(x)", NULL); }
static void good_ref(void) { hcl_ref(arena_new(), "aws_vpc.main.id"); }

static void test_misuse_aborts(void **state) {
  (void)state;
  assert_true(aborts(bad_ref));
  assert_true(aborts(bad_tmpl_ref));
  assert_true(aborts(bad_attr));
  assert_true(aborts(bad_label));
  assert_true(aborts(bad_label_utf8));
  assert_true(aborts(bad_fn));
  assert_false(aborts(good_ref));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_escape_basic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_escape_controls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_escape_template_introducers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_utf8_passthrough, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
      cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_idents, setup, teardown),
      cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_alignment_runs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_alignment_unicode_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_object_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
      cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blocks_and_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
      cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_top_level_attrs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_misuse_aborts, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
