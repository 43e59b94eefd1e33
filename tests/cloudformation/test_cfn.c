/*
 * test_cfn: unit tests of the CloudFormation emitter's own logic. It
 * includes src/emit/cloudformation.c to reach its static functions:
 *   - the quotas, at each boundary, including the description's, which no
 *     spec can reach (names are short);
 *   - logical IDs: CamelCase that reads back (checked by reading every
 *     short key back), the hash suffix otherwise, IDs that still meet
 *     failing the build, the 255-character bound; export names;
 *   - ECS container definitions in PascalCase, user keys kept;
 *   - documents as JSON text spliced around references;
 *   - every attribute of every plan (every spec in specs/ and examples/,
 *     every environment) is rendered or skipped on purpose, so a new plan
 *     attribute cannot be dropped silently.
 * SOURCE_DIR is the repository root (set by tests.cmake).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/emit/cloudformation.c"

#include "compile.h"
#include "merge.h"

static int setup(void **state) {
  *state = arena_new();
  return 0;
}

static int teardown(void **state) {
  arena_free(*state);
  return 0;
}

static Model *model(Arena *a) {
  Model *m = arena_alloc(a, sizeof *m);
  m->name = "demo";
  m->env = "base";
  m->region = "us-east-1";
  m->file = "demo.yaml";
  return m;
}

static const char *only_message(Diags *d) {
  assert_int_equal(d->list.len, 1);
  return ((Diag *)d->list.items[0])->msg;
}

static void limits_at_the_boundaries(void **state) {
  Arena *a = *state;
  Model *m = model(a);
  Diags d;
  diag_init(&d, a);
  assert_true(check_limits(&d, m, 500, 200, 1048576, 1024));
  assert_int_equal(d.errors, 0);

  static const struct {
    int res, out;
    size_t body, desc;
    const char *says[3];
  } over[] = {
      {501, 200, 1048576, 1024, {"501 resources", "limit of 500", "split the spec"}},
      {500, 201, 1048576, 1024, {"201 outputs", "limit of 200", "split the spec"}},
      {500, 200, 1048577, 1024, {"1048577 bytes", "limit of 1048576 bytes", "split the spec"}},
      {500, 200, 1048576, 1025, {"1025 bytes", "limit of 1024 bytes", "shorter spec file name"}},
  };
  for (size_t i = 0; i < sizeof over / sizeof *over; i++) {
    diag_init(&d, a);
    assert_false(check_limits(&d, m, over[i].res, over[i].out, over[i].body, over[i].desc));
    const char *msg = only_message(&d);
    for (int k = 0; k < 3; k++)
      if (!strstr(msg, over[i].says[k]))
        fail_msg("case %zu: \"%s\" lacks \"%s\"", i, msg, over[i].says[k]);
    assert_non_null(strstr(msg, "demo (base)"));
  }
  /* every quota passed at once: every one reported */
  diag_init(&d, a);
  assert_false(check_limits(&d, m, 501, 201, 1048577, 1025));
  assert_int_equal(d.errors, 4);
}

static const Resource *resource(Arena *a, const char *kind, const char *key) {
  Resource *r = arena_alloc(a, sizeof *r);
  r->kind = kind;
  r->key = key;
  r->id = arena_printf(a, "%s.%s", kind, key);
  return r;
}

static void readable_logical_ids(void **state) {
  Arena *a = *state;
  C c = {.a = a};
  static const struct {
    const char *kind, *key, *want; /* want NULL: PascalCase plus the hash */
  } cases[] = {
      {"subnet", "public_a", "SubnetPublicA"},
      {"iam_role", "task_user_metadata", "IamRoleTaskUserMetadata"},
      {"listener", "80", "Listener80"},
      {"listener_rule", "443_flight_metadata", "ListenerRule443FlightMetadata"},
      {"network_acl_rule", "public_ingress_100", "NetworkAclRulePublicIngressN100"},
      {"security_group_rule", "alb_in_80_11_0_0_0_8", "SecurityGroupRuleAlbInN80N11N0N0N0N8"},
      {"security_group_rule", "alb_in_801_1_0_0_0_8", "SecurityGroupRuleAlbInN801N1N0N0N0N8"},
      {"ecs_service", "web2", "EcsServiceWeb2"},
      {"ecs_service", "web_2", "EcsServiceWebN2"},
      {"vpc_endpoint", "s3", "VpcEndpointS3"},
      {"vpc", "n", "VpcN"},
      {"vpc", "n_1", "VpcNN1"},
      {"route", "tablex", "RouteTablex"},
      {"iam_role", "cross_ecr-push", "IamRoleCrossEcrPush"}, /* '-' splits words as '_' does */
      {"iam_role", "cross_ecr_push", "IamRoleCrossEcrPush"},
      {"vpc", "a--b", NULL},       /* an empty word */
      {"vpc", "a-", NULL},
      {"iam_role", "cross_ecr.push", NULL},
      {"dynamodb_table", "Orders.v2", NULL},
      {"vpc", "n1", NULL},         /* would read as the number 1 */
      {"vpc", "a__b", NULL},       /* an empty word */
      {"vpc", "_a", NULL},
      {"vpc", "a_", NULL},
      {"route", "table_x", NULL},  /* would read as route_table.x */
      {"route", "table_1", NULL},
      {"listener", "rule443", NULL}, /* would read as listener_rule.443 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Resource *r = resource(a, cases[i].kind, cases[i].key);
    const char *want = cases[i].want ? cases[i].want : with_hash(&c, pascal(a, r->id), r->id);
    if (strcmp(logical_id(&c, r), want))
      fail_msg("%s: \"%s\", not \"%s\"", r->id, logical_id(&c, r), want);
  }
  /* the hash of a key that does not read back is its own id's */
  char h[7];
  name_hash("iam_role.cross_ecr.push", h);
  assert_string_equal(logical_id(&c, resource(a, "iam_role", "cross_ecr.push")),
                      arena_printf(a, "IamRoleCrossEcrPush%s", h));
}

/* The reader the readable IDs are made for: the longest kind the ID starts
 * with, then words at each upper-case letter, "N" and digits a number. */
static const char *read_back(Arena *a, const char *lid) {
  const Kind *kind = NULL;
  size_t at = 0;
  for (const Kind *k = KINDS; k->kind; k++) {
    char word[64];
    size_t n = kind_pascal(k->kind, word);
    if (n > at && !strncmp(lid, word, n) && (!lid[n] || is_digit(lid[n]) || (lid[n] >= 'A' && lid[n] <= 'Z'))) {
      kind = k;
      at = n;
    }
  }
  if (!kind)
    return NULL;
  Buf key;
  buf_init(&key);
  const char *q = lid + at;
  while (is_digit(*q))
    buf_add(&key, q++, 1);
  while (*q) {
    if (key.len)
      buf_add(&key, "_", 1);
    const char *w = q++;
    while (*q && !(*q >= 'A' && *q <= 'Z'))
      q++;
    bool number = *w == 'N' && q - w > 1 && strspn(w + 1, "0123456789") == (size_t)(q - w - 1);
    if (number) {
      buf_add(&key, w + 1, (size_t)(q - w - 1));
    } else {
      char first = (char)(*w + 32);
      buf_add(&key, &first, 1);
      buf_add(&key, w + 1, (size_t)(q - w - 1));
    }
  }
  const char *id = arena_printf(a, "%s.%.*s", kind->kind, (int)key.len, key.data ? key.data : "");
  buf_release(&key);
  return id;
}

/* Every key of up to five characters over a, n, 1 and '_', alone and after
 * words that extend one kind into another, under kinds that open one
 * another: each readable ID reads back as its own plan id, so no two plan
 * ids can share one, and enough of them are readable. */
static void logical_ids_read_back(void **state) {
  Arena *a = *state;
  C c = {.a = a};
  static const char *const kinds[] = {"route", "route_table", "route_table_association", "listener",
                                      "listener_rule", "vpc"};
  static const char *const heads[] = {"", "table", "table_", "rule", "rule_", "association_"};
  static const char alphabet[] = "an1_";
  int readable_ids = 0, all = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++) {
      /* all 4^len keys of each length, the n-th spelled in base 4 */
      for (int len = 0, combos = 1; len <= 5; len++, combos *= 4) {
        for (int n = 0; n < combos; n++) {
          char tail[6];
          for (int i = 0, v = n; i < len; i++, v /= 4)
            tail[i] = alphabet[v % 4];
          tail[len] = '\0';
          const char *key = arena_printf(a, "%s%s", heads[h], tail);
          if (!*key)
            continue;
          const Resource *r = resource(a, kinds[k], key);
          const char *lid = readable(a, r->kind, r->key);
          all++;
          if (!lid)
            continue;
          readable_ids++;
          const char *back = read_back(a, lid);
          if (!back || strcmp(back, r->id))
            fail_msg("%s reads \"%s\", which reads back as %s", r->id, lid, back ? back : "nothing");
          assert_string_equal(logical_id(&c, r), lid);
        }
      }
    }
  }
  assert_true(readable_ids > all / 4);
  assert_true(readable_ids < all);
}

/* A plan of VPCs with the given keys (p_vpc needs no attribute). */
static C *vpc_plan(Arena *a, Diags *d, const char **keys, int n) {
  Plan *p = arena_alloc(a, sizeof *p);
  p->arena = a;
  p->m = model(a);
  for (int i = 0; i < n; i++) {
    Resource *r = arena_alloc(a, sizeof *r);
    r->kind = "vpc";
    r->key = keys[i];
    r->id = arena_printf(a, "vpc.%s", keys[i]);
    r->attrs = val_map(a);
    r->az = -1;
    plan_insert(p, r);
  }
  C *c = arena_alloc(a, sizeof *c);
  c->a = a;
  c->d = d;
  c->p = p;
  return c;
}

static bool alnum_id(const char *s) {
  size_t n = strlen(s);
  if (!n || n > CFN_MAX_LOGICAL_ID)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_alnum(s[i]))
      return false;
  return true;
}

static void logical_ids_are_unique_and_safe(void **state) {
  Arena *a = *state;
  Diags d;
  diag_init(&d, a);
  char *longkey = arena_alloc(a, 400);
  memset(longkey, 'k', 399);
  const char *keys[] = {"a_1", "a1", "main", "Main", "x.y", "x_y", longkey, "b_c"};
  int n = (int)(sizeof keys / sizeof *keys);
  C *c = vpc_plan(a, &d, keys, n);
  json_t *t = build(c);
  assert_non_null(t);
  assert_int_equal(d.errors, 0);
  for (int i = 0; i < n; i++) {
    const char *lid = c->res[i].lid;
    if (!alnum_id(lid))
      fail_msg("%s: logical ID \"%s\" is not [A-Za-z0-9]{1,255}", c->res[i].r->id, lid);
    for (int j = 0; j < i; j++)
      if (!strcmp(lid, c->res[j].lid))
        fail_msg("%s and %s share %s", c->res[i].r->id, c->res[j].r->id, lid);
  }
  /* keys that read back keep their CamelCase, whatever their neighbours;
   * the others take their own hash */
  assert_string_equal(c->res[0].lid, "VpcAN1");
  assert_string_equal(c->res[1].lid, "VpcA1");
  assert_string_equal(c->res[2].lid, "VpcMain");
  assert_string_equal(c->res[5].lid, "VpcXY");
  assert_string_equal(c->res[7].lid, "VpcBC");
  assert_int_equal(strlen(c->res[3].lid), strlen("VpcMain") + 6);
  assert_int_equal(strlen(c->res[4].lid), strlen("VpcXY") + 6);
  assert_int_equal(strlen(c->res[6].lid), CFN_MAX_LOGICAL_ID);
  for (int i = 0; i < n; i++) {
    /* alone in its plan, each key gets the same ID */
    Diags d1;
    diag_init(&d1, a);
    C *one = vpc_plan(a, &d1, &keys[i], 1);
    json_t *t1 = build(one);
    assert_string_equal(one->res[0].lid, c->res[i].lid);
    json_decref(t1);
  }
  json_decref(t);

  /* stable: the same plan gives the same IDs */
  Diags d2;
  diag_init(&d2, a);
  C *again = vpc_plan(a, &d2, keys, n);
  json_t *t2 = build(again);
  for (int i = 0; i < n; i++)
    assert_string_equal(again->res[i].lid, c->res[i].lid);
  json_decref(t2);
}

/* True when some error of d says every one of the given texts. */
static bool error_says(const Diags *d, const char *a, const char *b, const char *c) {
  for (int i = 0; i < d->list.len; i++) {
    const Diag *g = d->list.items[i];
    if (g->sev == SEV_ERROR && strstr(g->msg, a) && strstr(g->msg, b) && strstr(g->msg, c))
      return true;
  }
  return false;
}

/* Two IDs that still meet fail the build, naming both plan ids, instead of
 * renaming either: a key spelled like another's hashed ID, and two keys
 * with one PascalCase whose hashes collide (found by search). */
static void meeting_ids_fail(void **state) {
  Arena *a = *state;
  C c0 = {.a = a};
  const char *hashed = logical_id(&c0, resource(a, "vpc", "Main"));
  const char *pairs[][2] = {{"Main", arena_printf(a, "main%s", hashed + strlen("VpcMain"))},
                            {"a-b.c=d+e=f+g@i", "a-b+c-d,e=f@g-i"}};
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    Diags d;
    diag_init(&d, a);
    C *c = vpc_plan(a, &d, pairs[i], 2);
    json_t *t = build(c);
    json_decref(t);
    assert_string_equal(c->res[0].lid, c->res[1].lid);
    assert_true(c->failed);
    if (!error_says(&d, "is also that of", c->res[0].r->id, c->res[1].r->id))
      fail_msg("no error names %s and %s", c->res[0].r->id, c->res[1].r->id);
  }
}

/* Export names, like logical IDs, come from the resource alone: keys of
 * [a-z0-9] words keep their words, any other takes its id's hash. */
static void export_names_stand_alone(void **state) {
  Arena *a = *state;
  C c = {.a = a};
  static const struct {
    const char *key, *want;
  } cases[] = {
      {"cross_ecr_push", "cross-ecr-push"}, {"user_metadata", "user-metadata"}, {"nat_a", "nat-a"},
      {"443_x", "443-x"},                   {"cross_ecr-push", "cross-ecr-push"}, {"Orders.v2", NULL},
      {"cross_ecr.push", NULL},             {"a--b", NULL},
      {"a__b", NULL},                       {"_a", NULL},                       {"a_", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Resource *r = resource(a, "iam_role", cases[i].key);
    char h[7];
    name_hash(r->id, h);
    const char *want = cases[i].want;
    if (!want) {
      char *dashed = arena_strdup(a, cases[i].key);
      for (char *q = dashed; *q; q++)
        if (!is_alnum(*q))
          *q = '-';
      want = arena_printf(a, "%s-%s", dashed, h);
    }
    assert_string_equal(export_key(&c, r), want);
  }
}

static void container_definitions_in_pascal_case(void **state) {
  Arena *a = *state;
  Diags d;
  diag_init(&d, a);
  C *c = vpc_plan(a, &d, NULL, 0);
  Value *ct = val_map(a);
  Value *pm = val_map(a);
  val_set(a, pm, "containerPort", val_int(a, 80));
  Value *pms = val_list(a);
  val_push(a, pms, pm);
  val_set(a, ct, "portMappings", pms);
  Value *lp = val_map(a), *caps = val_map(a), *drop = val_list(a);
  val_push(a, drop, val_str(a, "ALL"));
  val_set(a, caps, "drop", drop);
  val_set(a, lp, "capabilities", caps);
  val_set(a, ct, "linuxParameters", lp);
  Value *lc = val_map(a), *opts = val_map(a);
  val_set(a, opts, "awslogs-group", val_str(a, "/ecs/x"));
  val_set(a, opts, "mode", val_str(a, "non-blocking"));
  val_set(a, lc, "logDriver", val_str(a, "awslogs"));
  val_set(a, lc, "options", opts);
  val_set(a, ct, "logConfiguration", lc);
  val_set(a, ct, "readonlyRootFilesystem", val_bool(a, true));
  json_t *j = pascal_keys(c, NULL, ct, 0);
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(s, "{\"LinuxParameters\":{\"Capabilities\":{\"Drop\":[\"ALL\"]}},"
                         "\"LogConfiguration\":{\"LogDriver\":\"awslogs\",\"Options\":{\"awslogs-group\":\"/ecs/x\","
                         "\"mode\":\"non-blocking\"}},\"PortMappings\":[{\"ContainerPort\":80}],"
                         "\"ReadonlyRootFilesystem\":true}");
  free(s);
  json_decref(j);
}

static void documents_as_text_around_references(void **state) {
  Arena *a = *state;
  Diags d;
  diag_init(&d, a);
  const char *keys[] = {"main"};
  C *c = vpc_plan(a, &d, keys, 1);
  json_decref(build(c));
  Value *doc = val_map(a);
  val_set(a, doc, "Quote", val_str(a, "say \"hi\" \\ ${x}\n"));
  Value *cat = val_concat(a);
  val_push(a, cat, val_str(a, "arn:\"x\":"));
  val_push(a, cat, val_ref(a, "vpc.main", "id", NULL));
  val_push(a, cat, val_str(a, "/*"));
  val_set(a, doc, "Resource", cat);
  val_set(a, doc, "Id", val_ref(a, "vpc.main", "id", NULL));
  json_t *j = as_text(c, NULL, doc);
  char *s = json_dumps(j, JSON_COMPACT);
  assert_string_equal(s, "{\"Fn::Join\":[\"\",[\"{\\\"Id\\\":\\\"\",{\"Ref\":\"VpcMain\"},"
                         "\"\\\",\\\"Quote\\\":\\\"say \\\\\\\"hi\\\\\\\" \\\\\\\\ ${x}\\\\n\\\",\\\"Resource\\\":"
                         "\\\"arn:\\\\\\\"x\\\\\\\":\",{\"Ref\":\"VpcMain\"},\"/*\\\"}\"]]}");
  free(s);
  json_decref(j);
  /* without references it is one string that parses back to the document */
  Value *plain = val_map(a);
  val_set(a, plain, "k", val_str(a, "v\"\n"));
  j = as_text(c, NULL, plain);
  assert_true(json_is_string(j));
  json_t *back = json_loads(json_string_value(j), 0, NULL);
  assert_non_null(back);
  assert_string_equal(json_string_value(json_object_get(back, "k")), "v\"\n");
  json_decref(back);
  json_decref(j);
  assert_int_equal(d.errors, 0);
}

/* Calls f on every spec golden-check builds. */
static int each_spec(Arena *a, void (*f)(Arena *, const char *)) {
  int n = 0;
  const char *roots[] = {SOURCE_DIR "/specs", SOURCE_DIR "/examples", SOURCE_DIR "/tests/cloudformation"};
  for (int r = 0; r < 3; r++) {
    DIR *dir = opendir(roots[r]);
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
      if (e->d_name[0] == '.')
        continue;
      const char *path = arena_printf(a, "%s/%s", roots[r], e->d_name);
      const char *cands[] = {path, arena_printf(a, "%s/spec.yaml", path), arena_printf(a, "%s/spec.json", path)};
      for (int k = r == 0 ? 0 : 1; k < 3; k++) {
        if ((k == 0 && !str_ends(path, ".yaml") && !str_ends(path, ".json")) || access(cands[k], R_OK))
          continue;
        f(a, cands[k]);
        n++;
      }
    }
    closedir(dir);
  }
  return n;
}

static void every_attribute(Arena *a, const char *spec, const char *env) {
  Diags d;
  diag_init(&d, a);
  Plan *p = compile_spec(a, &d, spec, env);
  if (!p)
    fail_msg("%s (%s) does not compile", spec, env ? env : "base");
  C cc = {.a = a, .d = &d, .p = p}, *c = &cc;
  json_t *t = build(c);
  assert_non_null(t);
  assert_int_equal(d.errors, 0);
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    const Value *attrs = x->r->attrs;
    assert_true(attrs->map.n <= 64);
    for (int k = 0; k < attrs->map.n; k++)
      if (!(x->used & ((uint64_t)1 << k)))
        fail_msg("%s: attribute %s of %s is neither rendered nor skipped on purpose", spec, attrs->map.entries[k].key,
                 x->r->id);
  }
  json_decref(t);
}

static void every_env(Arena *a, const char *spec) {
  Diags d;
  diag_init(&d, a);
  Value *root = spec_resolve(a, &d, spec, NULL);
  assert_non_null(root);
  const char **envs;
  int n = spec_env_names(a, root, &envs);
  every_attribute(a, spec, NULL);
  for (int i = 0; i < n; i++)
    every_attribute(a, spec, envs[i]);
}

static void every_plan_attribute_is_rendered(void **state) {
  assert_true(each_spec(*state, every_env) >= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(limits_at_the_boundaries, setup, teardown),
      cmocka_unit_test_setup_teardown(readable_logical_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(logical_ids_read_back, setup, teardown),
      cmocka_unit_test_setup_teardown(logical_ids_are_unique_and_safe, setup, teardown),
      cmocka_unit_test_setup_teardown(meeting_ids_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(export_names_stand_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(container_definitions_in_pascal_case, setup, teardown),
      cmocka_unit_test_setup_teardown(documents_as_text_around_references, setup, teardown),
      cmocka_unit_test_setup_teardown(every_plan_attribute_is_rendered, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
