/*
 * hcl_gen: writes HCL documents with the HCL writer for the tests that run
 * real tools on its output.
 *
 *   hcl_gen fmt DIR [COUNT]  fixed documents that exercise every layout rule,
 *                            plus COUNT (default 300) random ones from a fixed
 *                            seed, for `terraform fmt -check` (fmt_conformance.sh)
 *   hcl_gen inject DIR       DIR/tf/main.tf: hostile strings as string values,
 *                            template literals and object keys, in a config
 *                            terraform can evaluate; DIR/labels/labels.tf:
 *                            hostile block labels; DIR/expected.json: what
 *                            each must read back as (roundtrip.mjs)
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit/hcl.h"

static void write_file(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "hcl_gen: cannot write %s: %s\n", path, strerror(errno));
    exit(2);
  }
}

static void make_dir(const char *path) {
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "hcl_gen: cannot create %s: %s\n", path, strerror(errno));
    exit(2);
  }
}

static void render_to(HclBody *f, const char *dir, const char *name) {
  size_t len;
  char *text = hcl_render(f, &len);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  write_file(path, text, len);
}

/* ---- Fixed documents: one per layout rule, plus a realistic file ---- */

static HclExpr *tags(Arena *a) {
  HclExpr *t = hcl_obj(a);
  hcl_obj_add(t, "Name", hcl_str(a, "cartful-main"));
  hcl_obj_add(t, "project", hcl_str(a, "cartful"));
  hcl_obj_add(t, "owner-team", hcl_str(a, "platform"));
  return t;
}

static void doc_realistic(Arena *a, const char *dir) {
  HclBody *f = hcl_file(a);
  HclBody *tf = hcl_block(f, "terraform", NULL, NULL);
  hcl_attr(tf, "required_version", hcl_str(a, ">= 1.5"));
  hcl_gap(tf);
  HclBody *rp = hcl_block(tf, "required_providers", NULL, NULL);
  HclExpr *aws = hcl_obj(a);
  hcl_obj_add(aws, "source", hcl_str(a, "hashicorp/aws"));
  hcl_obj_add(aws, "version", hcl_str(a, "~> 6.0"));
  hcl_attr(rp, "aws", aws);
  HclBody *be = hcl_block(tf, "backend", "s3", NULL);
  hcl_attr(be, "bucket", hcl_str(a, "cartful-tfstate"));
  hcl_attr(be, "key", hcl_str(a, "cartful/base/terraform.tfstate"));
  hcl_attr(be, "use_lockfile", hcl_bool(a, true));

  HclBody *p = hcl_block(f, "provider", "aws", NULL);
  hcl_attr(p, "region", hcl_str(a, "us-east-1"));
  HclBody *dt = hcl_block(p, "default_tags", NULL, NULL);
  hcl_attr(dt, "tags", tags(a));

  hcl_comment(f, "Availability zones are looked up, never hard-coded.");
  HclBody *az = hcl_block(f, "data", "aws_availability_zones", "available");
  hcl_attr(az, "state", hcl_str(a, "available"));
  hcl_block(f, "data", "aws_caller_identity", "current");

  HclBody *vpc = hcl_block(f, "resource", "aws_vpc", "main");
  hcl_attr(vpc, "cidr_block", hcl_str(a, "10.0.0.0/16"));
  hcl_attr(vpc, "enable_dns_support", hcl_bool(a, true));
  hcl_attr(vpc, "enable_dns_hostnames", hcl_bool(a, true));
  hcl_gap(vpc);
  hcl_attr(vpc, "tags", tags(a));

  HclBody *sn = hcl_block(f, "resource", "aws_subnet", "private_a");
  hcl_attr(sn, "vpc_id", hcl_ref(a, "aws_vpc.main.id"));
  hcl_attr(sn, "cidr_block", hcl_str(a, "10.0.8.0/24"));
  hcl_attr(sn, "availability_zone", hcl_ref(a, "data.aws_availability_zones.available.names[0]"));
  hcl_attr(sn, "map_public_ip_on_launch", hcl_bool(a, false));

  HclBody *sg = hcl_block(f, "resource", "aws_security_group", "db");
  hcl_attr(sg, "name", hcl_str(a, "cartful-orders-db"));
  hcl_attr(sg, "vpc_id", hcl_ref(a, "aws_vpc.main.id"));
  hcl_gap(sg);
  HclBody *ing = hcl_block(sg, "ingress", NULL, NULL);
  hcl_attr(ing, "from_port", hcl_int(a, 5432));
  hcl_attr(ing, "to_port", hcl_int(a, 5432));
  hcl_attr(ing, "protocol", hcl_str(a, "tcp"));
  HclExpr *sgs = hcl_list(a);
  hcl_list_add(sgs, hcl_ref(a, "aws_security_group.user_metadata.id"));
  hcl_list_add(sgs, hcl_ref(a, "aws_security_group.flight_metadata.id"));
  hcl_attr(ing, "security_groups", sgs);
  HclBody *lc = hcl_block(sg, "lifecycle", NULL, NULL);
  hcl_attr(lc, "create_before_destroy", hcl_bool(a, true));

  HclBody *pol = hcl_block(f, "resource", "aws_iam_role_policy", "user_metadata");
  hcl_attr(pol, "name", hcl_str(a, "cartful-user_metadata"));
  hcl_attr(pol, "role", hcl_ref(a, "aws_iam_role.user_metadata.id"));
  HclExpr *doc = hcl_obj(a);
  hcl_obj_add(doc, "Version", hcl_str(a, "2012-10-17"));
  HclExpr *stmts = hcl_list(a);
  HclExpr *st = hcl_obj(a);
  hcl_obj_add(st, "Sid", hcl_str(a, "ConfigsReadWrite"));
  hcl_obj_add(st, "Effect", hcl_str(a, "Allow"));
  HclExpr *acts = hcl_list(a);
  hcl_list_add(acts, hcl_str(a, "dynamodb:GetItem"));
  hcl_list_add(acts, hcl_str(a, "dynamodb:PutItem"));
  hcl_list_add(acts, hcl_str(a, "dynamodb:Query"));
  hcl_obj_add(st, "Action", acts);
  HclExpr *res = hcl_list(a);
  hcl_list_add(res, hcl_ref(a, "aws_dynamodb_table.configs.arn"));
  HclExpr *idx = hcl_tmpl(a);
  hcl_tmpl_ref(idx, "aws_dynamodb_table.configs.arn");
  hcl_tmpl_lit(idx, "/index/*");
  hcl_list_add(res, idx);
  hcl_obj_add(st, "Resource", res);
  hcl_list_add(stmts, st);
  hcl_obj_add(doc, "Statement", stmts);
  hcl_attr(pol, "policy", hcl_call(a, "jsonencode", doc));

  HclBody *out = hcl_block(f, "output", "vpc_id", NULL);
  hcl_attr(out, "value", hcl_ref(a, "aws_vpc.main.id"));
  hcl_attr(out, "description", hcl_str(a, "The VPC"));
  render_to(f, dir, "fixed_realistic.tf");
}

/* What ends an alignment run: a blank line, a comment, a nested block, a
 * multi-line value; what does not: values of any width on one line. */
static void doc_alignment(Arena *a, const char *dir) {
  HclBody *f = hcl_file(a);
  HclBody *b = hcl_block(f, "resource", "x", "y");
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
  hcl_obj_add(m, "\xc3\xa9t\xc3\xa9", hcl_int(a, 3));
  hcl_obj_add(m, "\xf0\x9f\x98\x80", hcl_int(a, 4));
  hcl_obj_add(m, "e\xcc\x81", hcl_int(a, 5));
  hcl_obj_add(m, "\xe4\xb8\xad\xe6\x96\x87", hcl_int(a, 6));
  hcl_attr(b, "g", m);
  hcl_attr(b, "hh", hcl_int(a, 4));
  HclBody *n = hcl_block(b, "nested", NULL, NULL);
  hcl_attr(n, "z", hcl_int(a, 1));
  hcl_attr(n, "zzzzz", hcl_int(a, 1));
  hcl_attr(b, "iiiiii", hcl_int(a, 5));
  hcl_attr(b, "j", hcl_int(a, 6));
  render_to(f, dir, "fixed_alignment.tf");
}

/* Lists and calls in every shape the writer picks a layout for. */
static void doc_shapes(Arena *a, const char *dir) {
  HclBody *f = hcl_file(a);
  HclBody *l = hcl_block(f, "locals", NULL, NULL);
  HclExpr *nums = hcl_list(a);
  hcl_list_add(nums, hcl_int(a, -1));
  hcl_list_add(nums, hcl_num(a, 2.5));
  hcl_list_add(nums, hcl_num(a, -1e-7));
  hcl_list_add(nums, hcl_num(a, 1e21));
  hcl_list_add(nums, hcl_num(a, 0.1));
  hcl_attr(l, "numbers", nums);
  HclExpr *longl = hcl_list(a);
  for (int i = 0; i < 8; i++)
    hcl_list_add(longl, hcl_str(a, "arn:aws:iam::123456789012:role/x"));
  hcl_attr(l, "long_list", longl);
  HclExpr *nested = hcl_list(a);
  HclExpr *inner = hcl_list(a);
  hcl_list_add(inner, hcl_int(a, 1));
  hcl_list_add(nested, inner);
  hcl_list_add(nested, hcl_list(a));
  hcl_attr(l, "nested", nested);
  HclExpr *mixed = hcl_list(a);
  hcl_list_add(mixed, hcl_str(a, "a"));
  HclExpr *o = hcl_obj(a);
  hcl_obj_add(o, "k", hcl_str(a, "v"));
  hcl_list_add(mixed, o);
  hcl_attr(l, "mixed", mixed);
  HclExpr *merge = hcl_call(a, "merge", hcl_ref(a, "local.base"));
  hcl_call_add(merge, o);
  hcl_attr(l, "merged", merge);
  HclExpr *two = hcl_call(a, "merge", o);
  hcl_call_add(two, o);
  hcl_attr(l, "two_objects", two);
  hcl_attr(l, "no_args", hcl_call(a, "timestamp", NULL));
  HclExpr *fmt = hcl_call(a, "format", hcl_str(a, "%s-%d"));
  hcl_call_add(fmt, hcl_ref(a, "var.name"));
  hcl_call_add(fmt, hcl_ref(a, "count.index"));
  hcl_attr(l, "formatted", fmt);
  hcl_attr(l, "splat", hcl_ref(a, "aws_subnet.private[*].id"));
  hcl_attr(l, "legacy_splat", hcl_ref(a, "aws_subnet.private.*.id"));
  hcl_attr(l, "nothing", hcl_null(a));
  HclExpr *deep = hcl_obj(a);
  HclExpr *cur = deep;
  for (int i = 0; i < 5; i++) {
    HclExpr *next = hcl_obj(a);
    hcl_obj_add(cur, "level", hcl_int(a, i));
    hcl_obj_add(cur, "child", next);
    cur = next;
  }
  hcl_attr(l, "deep", deep);
  render_to(f, dir, "fixed_shapes.tf");
}

/* ---- Random documents ---- */

/* Every draw is its own statement: C leaves the order in which a call's
 * arguments are evaluated open, and the documents must not depend on it. */
static uint64_t rng_state;

/* splitmix64: the same sequence on every platform, unlike rand(). */
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int rn(int n) { return (int)(rnd() % (uint64_t)n); }

static const char *const PIECES[] = {
    "a", "Z", "0", " ", "-", "_", "/", "*", "$", "{", "}", "%", "\"", "\\", "\n", "\r\n", "\t",
    "\x01", "\x1b", "\x7f", "${", "%{", "$${", "%%{", "${x}", "\xc3\xa9", "e\xcc\x81",
    "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", "\xe2\x80\xae", "\xc2\x85", "\xff", "\xc3", "\xed\xa0\x80",
    "\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1", "#", "//", "<<EOF", "\xd0\x96", "\xce\xa9",
};

static char *rand_text(Arena *a, int max_pieces, size_t *len) {
  Buf b;
  buf_init(&b);
  int n = rn(max_pieces + 1);
  for (int i = 0; i < n; i++) {
    if (rn(3) == 0) {
      buf_putc(&b, (char)('a' + rn(26)));
      continue;
    }
    buf_puts(&b, PIECES[rn((int)(sizeof PIECES / sizeof *PIECES))]);
  }
  if (rn(20) == 0)
    buf_add(&b, "\0nul", 4);
  *len = b.len;
  char *s = arena_strndup(a, b.data, b.len);
  buf_release(&b);
  return s;
}

static char *rand_ident(Arena *a) {
  static const char first[] = "abcdefghijklmnopqrstuvwxyz_ABCXYZ";
  static const char rest[] = "abcdefghijklmnopqrstuvwxyz_0123456789-";
  int n = 1 + rn(rn(4) == 0 ? 24 : 10);
  char *s = arena_alloc(a, (size_t)n + 1);
  s[0] = first[rn((int)sizeof first - 1)];
  for (int i = 1; i < n; i++)
    s[i] = rest[rn((int)sizeof rest - 1)];
  return s;
}

static char *rand_ref(Arena *a) {
  static const char *const roots[] = {"aws_vpc", "data", "var", "local", "each", "count", "module"};
  Buf b;
  buf_init(&b);
  buf_puts(&b, roots[rn(7)]);
  int n = 1 + rn(4);
  bool splat = false, attr_splat = false;
  for (int i = 0; i < n; i++) {
    int k = rn(6);
    if (k == 0 && !attr_splat) {
      buf_printf(&b, "[%d]", rn(12));
    } else if (k == 1 && !splat) {
      splat = true;
      attr_splat = rn(2);
      buf_puts(&b, attr_splat ? ".*" : "[*]");
    } else {
      buf_printf(&b, ".%s", rand_ident(a));
    }
  }
  char *s = buf_finish(&b, a);
  if (!hcl_is_traversal(s)) {
    fprintf(stderr, "hcl_gen: made a bad traversal %s\n", s);
    exit(2);
  }
  return s;
}

static HclExpr *rand_expr(Arena *a, int depth) {
  int k = rn(depth > 3 ? 8 : 12);
  size_t len;
  switch (k) {
  case 0:
  case 1: {
    char *s = rand_text(a, 8, &len);
    return hcl_strn(a, s, len);
  }
  case 2: {
    int shift = 1 + rn(63);
    long long v = (long long)(rnd() >> shift);
    return hcl_int(a, rn(2) ? v : -v);
  }
  case 3: {
    double d = (double)(int64_t)rnd();
    d /= (double)(1ull << rn(63));
    if (rn(4) == 0)
      d *= 1e-300;
    return hcl_num(a, d);
  }
  case 4: return rn(3) ? hcl_bool(a, rn(2)) : hcl_null(a);
  case 5: return hcl_ref(a, rand_ref(a));
  case 6:
  case 7: {
    HclExpr *t = hcl_tmpl(a);
    int n = rn(5);
    for (int i = 0; i < n; i++) {
      if (rn(2))
        hcl_tmpl_ref(t, rand_ref(a));
      else
        hcl_tmpl_lit(t, rand_text(a, 4, &len)); /* stops at a NUL: fine */
    }
    return t;
  }
  case 8:
  case 9: {
    HclExpr *l = hcl_list(a);
    int n = rn(6);
    for (int i = 0; i < n; i++)
      hcl_list_add(l, rand_expr(a, depth + 1));
    return l;
  }
  case 10: {
    HclExpr *o = hcl_obj(a);
    int n = rn(7);
    for (int i = 0; i < n; i++) {
      const char *key = rn(2) ? rand_ident(a) : rand_text(a, 4, &len);
      hcl_obj_add(o, key, rand_expr(a, depth + 1));
    }
    return o;
  }
  default: {
    static const char *const fns[] = {"jsonencode", "merge", "concat", "format", "tolist", "max"};
    HclExpr *c = hcl_call(a, fns[rn(6)], NULL);
    int n = rn(4);
    for (int i = 0; i < n; i++)
      hcl_call_add(c, rand_expr(a, depth + 1));
    return c;
  }
  }
}

static void rand_body(Arena *a, HclBody *b, int depth) {
  int n = rn(10);
  for (int i = 0; i < n; i++) {
    int k = rn(10);
    if (k < 5) {
      const char *name = rand_ident(a);
      hcl_attr(b, name, rand_expr(a, depth));
    } else if (k < 7 && depth < 4) {
      const char *l1 = rn(3) ? rand_ident(a) : NULL;
      const char *l2 = l1 && rn(2) ? "label \"quoted\" \\ # }{\t" : NULL;
      const char *type = rand_ident(a);
      rand_body(a, hcl_block(b, type, l1, l2), depth + 1);
    } else if (k < 9) {
      hcl_gap(b);
    } else {
      size_t len;
      hcl_comment(b, rand_text(a, 10, &len));
    }
  }
}

static int cmd_fmt(const char *dir, int count) {
  make_dir(dir);
  Arena *a = arena_new();
  doc_realistic(a, dir);
  doc_alignment(a, dir);
  doc_shapes(a, dir);
  rng_state = 20240601;
  for (int i = 0; i < count; i++) {
    HclBody *f = hcl_file(a);
    rand_body(a, f, 0);
    char name[64];
    snprintf(name, sizeof name, "random_%03d.tf", i);
    render_to(f, dir, name);
  }
  arena_free(a);
  return 0;
}

/* ---- Injection cases ---- */

typedef struct Case {
  const char *in;
  size_t len;         /* 0: strlen(in) */
  const char *expect; /* NULL: same as in */
} Case;

#define C(s) {s, sizeof(s) - 1, NULL}
#define BAD(s, e) {s, sizeof(s) - 1, e}

static const Case STRINGS[] = {
    C("${file(\"/etc/passwd\")}"),
    C("%{ if true }x%{ endif }"),
    C("%{ for x in [1] }${x}%{ endfor }"),
    C("\"quoted\" and 'single'"),
    C("back\\slash \\\\ double \\\" \\n \\u0041 \\${"),
    C("line1\nline2\r\nline3\r"),
    C("tab\there"),
    C("\xf0\x9f\x98\x80 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
      "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"),
    C("nul\0inside"),
    C("\x01\x02\x1b[31m\x1f\x7f"),
    C("c1 \xc2\x85 \xc2\x9f nbsp\xc2\xa0"),
    C("bidi \xe2\x80\xae gnp.exe \xe2\x80\xac zw\xe2\x80\x8bsp \xef\xbb\xbf"),
    C("$${already} $$${x} %%{y} %%%{z}"),
    C("$"),
    C("$$"),
    C("%"),
    C("${"),
    C("%{"),
    C("${}"),
    C("}{"),
    C("ends with $"),
    C("ends with %"),
    C("<<EOF\nheredoc\nEOF\n"),
    C("# not a comment // nor /* this */"),
    C("e\xcc\x81 NFC"),
    C("\xe4\xb8\xad\xe6\x96\x87 \xd0\x96 \xce\xa9"),
    C(""),
    BAD("\xff", "\xef\xbf\xbd"),
    BAD("a\xc3", "a\xef\xbf\xbd"),
    BAD("\xe2\x82x", "\xef\xbf\xbdx"),
    BAD("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"),
    BAD("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    BAD("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    BAD("$\xff{", "$\xef\xbf\xbd{"),
};

/* Templates: parts alternate; "@" stands for the reference local.v. */
static const char *const TEMPLATES[][5] = {
    {"arn:", "@", "/index/*", NULL},
    {"${", "@", "}", NULL},
    {"cost $", "@", NULL},
    {"$$", "@", "$", NULL},
    {"%", "@", "%{", NULL},
    {"@", "@", NULL},
    {"\"", "@", "\\", NULL},
    {"@", NULL},
    {"$", "{", "@", NULL},
    {"line\n", "@", "\t${x}", NULL},
};

static const char *const KEYS[] = {
    "plain",        "Name",         "a-b",           "for",         "true",
    "null",         "if",           "${x}",          "%{y}",        "\"q\"",
    "back\\slash",  "with space",   "",              "new\nline",   "ctl\x01",
    "1abc",         "\xc3\xa9t\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
    "\xe2\x80\xae", "$", "%",
};

static const char *const LABELS[] = {
    "a\"b", "c\\d", "tab\there", "nl\nx", "ctl\x01\x7f", "}{", "#", "//", "",
};

static json_t *jstr(const char *s, size_t n) {
  json_t *j = json_stringn(s, n);
  if (!j) {
    fprintf(stderr, "hcl_gen: expected value is not UTF-8\n");
    exit(2);
  }
  return j;
}

static int cmd_inject(const char *dir) {
  make_dir(dir);
  char tfdir[4096], labdir[4096], path[4096];
  snprintf(tfdir, sizeof tfdir, "%s/tf", dir);
  snprintf(labdir, sizeof labdir, "%s/labels", dir);
  make_dir(tfdir);
  make_dir(labdir);
  Arena *a = arena_new();
  json_t *expect = json_object();

  HclBody *f = hcl_file(a);
  HclBody *loc = hcl_block(f, "locals", NULL, NULL);
  hcl_attr(loc, "v", hcl_str(a, "VAL"));
  json_object_set_new(expect, "v", json_string("VAL"));

  HclExpr *strs = hcl_obj(a);
  json_t *jstrs = json_object();
  for (size_t i = 0; i < sizeof STRINGS / sizeof *STRINGS; i++) {
    const Case *c = &STRINGS[i];
    char name[16];
    snprintf(name, sizeof name, "s%02zu", i);
    hcl_obj_add(strs, name, hcl_strn(a, c->in, c->len));
    json_object_set_new(jstrs, name, c->expect ? json_string(c->expect) : jstr(c->in, c->len));
  }
  hcl_attr(loc, "strings", strs);
  json_object_set_new(expect, "strings", jstrs);

  /* Each template is also listed as its parts, so the checker can build
   * both terraform's value and hcl2json's rendering of it. */
  HclExpr *tmpls = hcl_obj(a);
  json_t *jtmpls = json_object();
  for (size_t i = 0; i < sizeof TEMPLATES / sizeof *TEMPLATES; i++) {
    HclExpr *t = hcl_tmpl(a);
    json_t *parts = json_array();
    for (int p = 0; TEMPLATES[i][p]; p++) {
      if (strcmp(TEMPLATES[i][p], "@") == 0) {
        hcl_tmpl_ref(t, "local.v");
        json_array_append_new(parts, json_pack("{s:s}", "ref", "local.v"));
      } else {
        hcl_tmpl_lit(t, TEMPLATES[i][p]);
        json_array_append_new(parts, json_pack("{s:s}", "lit", TEMPLATES[i][p]));
      }
    }
    char name[16];
    snprintf(name, sizeof name, "t%02zu", i);
    hcl_obj_add(tmpls, name, t);
    json_object_set_new(jtmpls, name, parts);
  }
  hcl_attr(loc, "templates", tmpls);
  json_object_set_new(expect, "templates", jtmpls);

  HclExpr *keys = hcl_obj(a);
  json_t *jkeys = json_object();
  for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++) {
    char val[16];
    snprintf(val, sizeof val, "k%02zu", i);
    hcl_obj_add(keys, KEYS[i], hcl_str(a, val));
    json_object_set_new(jkeys, KEYS[i], json_string(val));
  }
  hcl_attr(loc, "keys", keys);
  json_object_set_new(expect, "keys", jkeys);

  static const char *const outs[] = {"strings", "templates", "keys"};
  for (int i = 0; i < 3; i++) {
    HclBody *o = hcl_block(f, "output", outs[i], NULL);
    hcl_attr(o, "value", hcl_ref(a, arena_printf(a, "local.%s", outs[i])));
  }
  render_to(f, tfdir, "main.tf");

  HclBody *lf = hcl_file(a);
  json_t *jlabels = json_array();
  for (size_t i = 0; i < sizeof LABELS / sizeof *LABELS; i++) {
    char name[16];
    snprintf(name, sizeof name, "l%02zu", i);
    HclBody *b = hcl_block(lf, "thing", LABELS[i], name);
    hcl_attr(b, "n", hcl_int(a, (long long)i));
    json_array_append_new(jlabels, json_string(LABELS[i]));
  }
  render_to(lf, labdir, "labels.tf");
  json_object_set_new(expect, "labels", jlabels);

  snprintf(path, sizeof path, "%s/expected.json", dir);
  char *text = json_dumps(expect, JSON_INDENT(1) | JSON_SORT_KEYS);
  write_file(path, text, strlen(text));
  free(text);
  json_decref(expect);
  arena_free(a);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "fmt") == 0)
    return cmd_fmt(argv[2], argc >= 4 ? atoi(argv[3]) : 300);
  if (argc == 3 && strcmp(argv[1], "inject") == 0)
    return cmd_inject(argv[2]);
  fprintf(stderr, "usage: hcl_gen fmt DIR [COUNT] | hcl_gen inject DIR\n");
  return 2;
}
