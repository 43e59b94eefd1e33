/*
 * test_graph: unit tests of the diagram writers' escaping and identities
 * (src/graph.c, included to reach its static functions, the cmocka way):
 * DOT IDs, DOT HTML-label text, Mermaid label text, Mermaid IDs and their
 * collision suffix.
 *
 * `test_graph --write DIR` instead draws a small picture whose IDs and
 * labels are hostile strings, and writes DIR/hostile.dot, DIR/hostile.mmd
 * and DIR/hostile.json (what every label must read back as). The graph
 * test suite renders those with Graphviz and parses them with Mermaid, so
 * the escaping is proven end to end by the real tools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "graph.c"

/* Strings no spec can carry today (validation refuses them) but that the
 * writers must still keep inside their labels. */
static const char *const hostile[] = {
    "<b>bold</b> & \"double\" 'single'",
    "back\\slash \\N \\G \\E \\n \\l",
    "#35; #quot; &amp; &#60; entity-looking",
    "`tick` |pipe| [square] {curly} (round)",
    "--> end subgraph ~~~ -.-> ==>",
    "%% not a comment ]] \")",
    "\u00fcn\u00efc\u00f6d\u00e9 \u2192 \u2713",
    "${var} %{x}",
};

static const char *const hostile_ids[] = {
    "ecs_service.a\"b\\c",
    "dynamodb_table.T.x-y",
    "iam_role.cross_a+b=c,d.e@f--g",
    "trusted_policy.end",
    "k.a-->b",
    "k.a b",
    "k.a-b",  /* these three collide once sanitized */
    "k.a_b",
    "k.a.b",
};

static Graph *picture(Arena *a) {
  Model *m = arena_alloc(a, sizeof *m);
  m->name = "x\"y";
  m->env = "base";
  m->region = "us-east-1";
  Plan *p = arena_alloc(a, sizeof *p);
  p->arena = a;
  p->m = m;
  Graph *g = arena_alloc(a, sizeof *g);
  g->a = a;
  g->p = p;
  g->title = "title <with> \"markup\" & \\ escapes";
  int region = box_add(g, "region", "region", "region \"<x>\"", -1);
  add_line(a, &box_at(g, region)->lines, "%s", hostile[0]);
  int inner = box_add(g, "inner\"box", "vpc", hostile[3], region);
  int n = (int)(sizeof hostile_ids / sizeof hostile_ids[0]);
  for (int i = 0; i < n; i++) {
    GNode *node = node_add(g, hostile_ids[i], i % 2 ? "service" : "table",
                           hostile[i % (sizeof hostile / sizeof hostile[0])], i < 4 ? inner : region);
    add_line(a, &node->lines, "%s", hostile[(i + 1) % (sizeof hostile / sizeof hostile[0])]);
    add_line(a, &node->lines, "plain line %d", i);
  }
  for (int i = 0; i + 1 < n; i++) {
    GEdge *e = edge_add(g, hostile_ids[i], hostile_ids[i + 1], i % 2 ? "traffic" : "data");
    edge_line(g, e, hostile[(i + 2) % (sizeof hostile / sizeof hostile[0])]);
  }
  return g;
}

static int setup(void **state) {
  *state = arena_new();
  return 0;
}

static int teardown(void **state) {
  arena_free(*state);
  return 0;
}

static const char *render(Arena *a, void (*fn)(Buf *, const char *), const char *s) {
  Buf b;
  buf_init(&b);
  fn(&b, s);
  return buf_finish(&b, a);
}

static void dot_ids(void **state) {
  Arena *a = *state;
  const struct { const char *in, *out; } cases[] = {
      {"ecs_service.user_metadata", "\"ecs_service.user_metadata\""},
      {"a\"b", "\"a\\\"b\""},
      {"a\\b", "\"a\\\\b\""},
      {"a\nb\tc", "\"a b c\""},
      {"", "\"\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(render(a, dot_id, cases[i].in), cases[i].out);
}

static void dot_html_text(void **state) {
  Arena *a = *state;
  const struct { const char *in, *out; } cases[] = {
      {"plain 10.0.0.0/24", "plain 10.0.0.0/24"},
      {"<b>&\"'", "&lt;b&gt;&amp;&quot;&#39;"},
      {"a\nb", "a<br/>b"},
      {"tab\there\x7f", "tab here "},
      {"back\\slash \\N", "back\\slash \\N"},
      {"\u2192 \u2013", "\u2192 \u2013"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(render(a, dot_html, cases[i].in), cases[i].out);
}

static void mermaid_text(void **state) {
  Arena *a = *state;
  const struct { const char *in, *out; } cases[] = {
      {"plain 10.0.0.0/24", "plain 10.0.0.0/24"},
      {"\"#&<>`|", "#quot;#35;#38;#lt;#gt;#96;#124;"},
      {"a\nb", "a<br/>b"},
      {"tab\there", "tab here"},
      {"[x](y){z}", "[x](y){z}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(render(a, mm_text, cases[i].in), cases[i].out);
}

static const char *mm_of(const MmIds *m, const char *id) {
  for (int i = 0; i < m->from.len; i++)
    if (!strcmp(m->from.items[i], id))
      return m->to.items[i];
  return NULL;
}

static void mermaid_ids(void **state) {
  Arena *a = *state;
  Graph *g = picture(a);
  MmIds m = {0};
  mm_ids(g, &m);
  assert_string_equal(mm_of(&m, "trusted_policy.end"), "trusted_policy_end");
  assert_string_equal(mm_of(&m, "iam_role.cross_a+b=c,d.e@f--g"), "iam_role_cross_a_b_c_d_e_f__g");
  assert_string_equal(mm_of(&m, "cluster_region"), "cluster_region");
  /* Colliding identities keep their readable form plus a stable hash. */
  const char *ab = mm_of(&m, "k.a-b");
  assert_true(str_starts(ab, "k_a_b_"));
  assert_string_equal(ab, arena_printf(a, "k_a_b_%08x", hash_fnv1a("k.a-b")));
  /* Every ID is [A-Za-z0-9_] and no two are equal. */
  for (int i = 0; i < m.to.len; i++) {
    const char *s = m.to.items[i];
    assert_int_equal(strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), strlen(s));
    for (int j = i + 1; j < m.to.len; j++)
      assert_string_not_equal(s, m.to.items[j]);
  }
}

/* An edge is only drawn between drawn nodes, and facts about one pair
 * share one edge without repeating a line. */
static void edges_merge(void **state) {
  Arena *a = *state;
  Graph *g = picture(a);
  int before = g->edges.len;
  assert_null(edge_add(g, "k.a b", "missing.node", "traffic"));
  GEdge *e1 = edge_add(g, "k.a b", "k.a_b", "call");
  GEdge *e2 = edge_add(g, "k.a b", "k.a_b", "call");
  assert_ptr_equal(e1, e2);
  edge_line(g, e1, "2020/tcp");
  edge_line(g, e2, "2020/tcp");
  edge_line(g, e2, "IAM grant");
  assert_int_equal(e1->lines.len, 2);
  assert_int_equal(g->edges.len, before + 1);
}

/* Writes the hostile picture for the suite's end-to-end check. */
static int write_hostile(const char *dir) {
  Arena *a = arena_new();
  Graph *g = picture(a);
  const char *names[] = {"hostile.dot", "hostile.mmd", "hostile.json"};
  const char *docs[3] = {to_dot(g), to_mermaid(g), NULL};
  /* The label text each node and edge must read back as. */
  json_t *want = json_object(), *nodes = json_object(), *edges = json_array();
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    Buf b;
    buf_init(&b);
    buf_puts(&b, n->title);
    for (int j = 0; j < n->lines.len; j++)
      buf_printf(&b, "\n%s", (const char *)n->lines.items[j]);
    json_object_set_new(nodes, n->id, json_string(b.data));
    buf_release(&b);
  }
  for (int i = 0; i < g->edges.len; i++) {
    GEdge *e = g->edges.items[i];
    json_array_append_new(edges, json_pack("{s:s, s:s, s:s}", "from", e->from, "to", e->to, "text",
                                           e->lines.len ? (const char *)e->lines.items[0] : ""));
  }
  json_object_set_new(want, "nodes", nodes);
  json_object_set_new(want, "edges", edges);
  char *text = json_dumps(want, JSON_SORT_KEYS | JSON_INDENT(1));
  docs[2] = arena_strdup(a, text);
  free(text);
  json_decref(want);
  int status = 0;
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(arena_printf(a, "%s/%s", dir, names[i]), "w");
    if (!f || fputs(docs[i], f) == EOF || fclose(f) != 0) {
      perror(names[i]);
      status = 1;
    }
  }
  arena_free(a);
  return status;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write"))
    return write_hostile(argv[2]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(dot_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(dot_html_text, setup, teardown),
      cmocka_unit_test_setup_teardown(mermaid_text, setup, teardown),
      cmocka_unit_test_setup_teardown(mermaid_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(edges_merge, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
