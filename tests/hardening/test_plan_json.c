/*
 * test_plan_json: plan.json is written straight into a buffer (plan_out.c)
 * instead of through a jansson tree, for speed on large plans; its bytes
 * must stay exactly what json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS) wrote.
 * The reference here is the jansson code plan_out.c had before, and the
 * plans are random: every value kind, nesting, empty maps and lists,
 * strings with quotes, backslashes, control characters and UTF-8 of every
 * length, floats whose %.17g has exponents, references with and without a
 * known value, resources with and without name, AZ, external and after.
 * A string that is not UTF-8 (jansson refuses it) is written with U+FFFD,
 * and the document still parses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* ---- the reference: plan_out.c's jansson writer, as it was ---- */

static json_t *ref_value(const Value *v) {
  switch (v->kind) {
  case V_NULL: return json_null();
  case V_BOOL: return json_boolean(v->b);
  case V_INT: return json_integer(v->i);
  case V_FLOAT: return json_real(v->f);
  case V_STR: return json_string(v->s);
  case V_AZ: return json_pack("{s:i}", "az", v->az);
  case V_REF: {
    json_t *o = json_pack("{s:s,s:s}", "ref", v->ref.res, "attr", v->ref.attr);
    if (v->ref.known)
      json_object_set_new(o, "value", json_string(v->ref.known));
    return o;
  }
  case V_CONCAT:
  case V_LIST: {
    json_t *a = json_array();
    for (int i = 0; i < v->list.n; i++)
      json_array_append_new(a, ref_value(v->list.items[i]));
    return v->kind == V_LIST ? a : json_pack("{s:o}", "join", a);
  }
  case V_MAP: {
    json_t *o = json_object();
    for (int i = 0; i < v->map.n; i++)
      json_object_set_new(o, v->map.entries[i].key, ref_value(v->map.entries[i].val));
    return o;
  }
  }
  return json_null();
}

static json_t *ref_ids(const Vec *v) {
  json_t *a = json_array();
  for (int i = 0; i < v->len; i++)
    json_array_append_new(a, json_string(v->items[i]));
  return a;
}

static char *ref_plan(const Plan *p) {
  const Model *m = p->m;
  json_t *root = json_object();
  json_object_set_new(root, "infrac", json_integer(1));
  json_object_set_new(root, "name", json_string(m->name));
  json_object_set_new(root, "env", json_string(m->env));
  json_object_set_new(root, "region", json_string(m->region));
  json_object_set_new(root, "partition", json_string(p->partition));
  json_object_set_new(root, "account", m->account ? json_string(m->account) : json_null());
  json_t *tags = json_object();
  for (int i = 0; i < m->ntags; i++)
    json_object_set_new(tags, m->tags[i].key, json_string(m->tags[i].value));
  json_object_set_new(root, "tags", tags);
  json_t *rs = json_array();
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "key", json_string(r->key));
    json_object_set_new(o, "name", r->name ? json_string(r->name) : json_null());
    if (r->az >= 0)
      json_object_set_new(o, "az", json_integer(r->az));
    if (r->external)
      json_object_set_new(o, "external", json_true());
    json_object_set_new(o, "attributes", ref_value(r->attrs));
    json_object_set_new(o, "depends_on", ref_ids(&r->deps));
    if (r->after.len)
      json_object_set_new(o, "after", ref_ids(&r->after));
    json_array_append_new(rs, o);
  }
  json_object_set_new(root, "resources", rs);
  char *s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(root);
  return s;
}

/* ---- random plans ---- */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* Valid UTF-8 only when 'utf8', else now and then a stray byte. */
static const char *rstr(Arena *a, bool utf8) {
  static const char *const pieces[] = {
      "a", "Z", "0", " ", "-", "_", "/", ".", "\"", "\\", "\n", "\t", "\r", "\b", "\f", "\x01", "\x1f",
      "\x7f", "${x}", "%{y}", "é", "€", "日本", "😀", "\xe2\x80\xa8", "key", "arn:aws:iam::1:role/x"};
  char buf[256];
  size_t n = 0;
  int parts = (int)rnd(8);
  for (int i = 0; i < parts; i++) {
    const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
    size_t k = strlen(p);
    if (n + k + 2 >= sizeof buf)
      break;
    memcpy(buf + n, p, k);
    n += k;
  }
  if (!utf8 && rnd(3) == 0)
    buf[n++] = (char)(0x80 + rnd(0x80));   /* a continuation or lead byte alone */
  buf[n] = '\0';
  return arena_strdup(a, buf);
}

static Value *rvalue(Arena *a, int depth, bool utf8) {
  static const double floats[] = {0.5, -2.25, 1e21, 1e-7, 123456789.125, 3.0, -0.0, 1e300, 2.5e-300};
  switch (rnd(depth > 4 ? 6 : 10)) {
  case 0: return val_new(a, V_NULL, (Pos){0});
  case 1: return val_bool(a, rnd(2));
  case 2: return val_int(a, (long long)rnd(1u << 31) * (rnd(2) ? -1 : 1) * (rnd(4) ? 1 : 4294967296LL));
  case 3: {
    Value *v = val_new(a, V_FLOAT, (Pos){0});
    v->f = floats[rnd(sizeof floats / sizeof *floats)];
    return v;
  }
  case 4: return val_str(a, rstr(a, utf8));
  case 5: return rnd(2) ? val_az(a, (int)rnd(6))
                        : val_ref(a, rstr(a, utf8), rstr(a, utf8), rnd(2) ? rstr(a, utf8) : NULL);
  case 6: case 7: {
    Value *l = rnd(3) ? val_list(a) : val_concat(a);
    int n = (int)rnd(5);
    for (int i = 0; i < n; i++)
      val_push(a, l, rvalue(a, depth + 1, utf8));
    return l;
  }
  default: {
    Value *m = val_map(a);
    int n = (int)rnd(rnd(8) ? 5 : 40);   /* some past the hash index size */
    for (int i = 0; i < n; i++)
      val_set(a, m, rstr(a, utf8), rvalue(a, depth + 1, utf8));
    return m;
  }
  }
}

static Plan *rplan(Arena *a, bool utf8) {
  Model *m = arena_alloc(a, sizeof *m);
  m->name = rstr(a, utf8);
  m->env = rnd(2) ? "base" : rstr(a, utf8);
  m->region = "us-east-1";
  m->account = rnd(2) ? "123456789012" : NULL;
  m->ntags = (int)rnd(4);
  m->tags = arena_alloc(a, sizeof(KV) * (size_t)(m->ntags + 1));
  for (int i = 0; i < m->ntags; i++)
    m->tags[i] = (KV){.key = arena_printf(a, "t%d%s", i, rstr(a, utf8)), .value = rstr(a, utf8)};
  Plan *p = arena_alloc(a, sizeof *p);
  p->arena = a;
  p->m = m;
  p->partition = "aws";
  int n = (int)rnd(12);
  for (int i = 0; i < n; i++) {
    Resource *r = arena_alloc(a, sizeof *r);
    r->kind = rnd(2) ? "security_group_rule" : rstr(a, utf8);
    r->key = arena_printf(a, "k%d%s", i, rstr(a, utf8));
    r->id = arena_printf(a, "%s.%s", r->kind, r->key);
    r->name = rnd(3) ? rstr(a, utf8) : NULL;
    r->az = rnd(3) ? -1 : (int)rnd(6);
    r->external = rnd(5) == 0;
    r->attrs = val_map(a);
    int na = (int)rnd(8);
    for (int k = 0; k < na; k++)
      val_set(a, r->attrs, rstr(a, utf8), rvalue(a, 0, utf8));
    int nd = (int)rnd(4);
    for (int k = 0; k < nd; k++)
      vec_push(a, &r->deps, (void *)rstr(a, utf8));
    int nf = rnd(3) ? 0 : (int)rnd(3) + 1;
    for (int k = 0; k < nf; k++)
      vec_push(a, &r->after, (void *)rstr(a, utf8));
    plan_insert(p, r);
  }
  return p;
}

static void same_as_jansson(void **state) {
  (void)state;
  int compared = 0;
  for (int round = 0; round < 3000; round++) {
    Arena *a = arena_new();
    Plan *p = rplan(a, true);
    size_t len;
    char *ours = plan_to_json(p, &len);
    char *theirs = ref_plan(p);
    assert_non_null(theirs);
    if (strcmp(ours, theirs)) {
      fprintf(stderr, "round %d differs:\n--- jansson\n%s\n--- plan_to_json\n%s\n", round, theirs, ours);
      fail();
    }
    assert_int_equal(len, strlen(ours));
    free(theirs);
    arena_free(a);
    compared++;
  }
  assert_int_equal(compared, 3000);
}

/* Not UTF-8: jansson refuses such a string; ours replaces the byte and the
 * document still parses, with every resource in it. */
static void invalid_utf8_still_json(void **state) {
  (void)state;
  int replaced = 0;
  for (int round = 0; round < 2000; round++) {
    Arena *a = arena_new();
    Plan *p = rplan(a, false);
    size_t len;
    char *ours = plan_to_json(p, &len);
    json_error_t err;
    json_t *j = json_loadb(ours, len, 0, &err);
    if (!j) {
      fprintf(stderr, "round %d: not JSON (%s at %d:%d):\n%s\n", round, err.text, err.line, err.column, ours);
      fail();
    }
    assert_int_equal(json_array_size(json_object_get(j, "resources")), p->resources.len);
    replaced += strstr(ours, "\xEF\xBF\xBD") != NULL;
    json_decref(j);
    arena_free(a);
  }
  assert_true(replaced > 0);   /* the generator did make invalid strings */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_as_jansson),
      cmocka_unit_test(invalid_utf8_still_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
