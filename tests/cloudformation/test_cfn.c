/*
 * test_cfn: unit tests of the CloudFormation emitter's own logic. It
 * includes src/emit/cloudformation.c to reach its static functions:
 *   - the quotas, at each boundary, including the description's, which no
 *     spec can reach (names are short);
 *   - logical IDs: PascalCase, the hash suffix when a key loses
 *     information, collisions, the 255-character bound;
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

static void pascal_case(void **state) {
  Arena *a = *state;
  static const struct {
    const char *id, *want;
    bool lossy;
  } cases[] = {
      {"subnet.public_a", "SubnetPublicA", false},
      {"iam_role.task_user_metadata", "IamRoleTaskUserMetadata", false},
      {"listener_rule.443_flight_metadata", "ListenerRule443FlightMetadata", false},
      {"iam_role.cross_ecr-push", "IamRoleCrossEcrPush", true},
      {"dynamodb_table.Orders.v2", "DynamodbTableOrdersV2", true},
      {"security_group_rule.alb_in_443_0_0_0_0_0", "SecurityGroupRuleAlbIn44300000", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bool lossy;
    assert_string_equal(pascal(a, cases[i].id, &lossy), cases[i].want);
    assert_int_equal(lossy, cases[i].lossy);
  }
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
  const char *keys[] = {"a_1", "a1", "main", "Main", "x-y", "x_y", longkey, "b_c"};
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
  /* clean keys keep their plain PascalCase; lossy and colliding ones hash */
  assert_string_equal(c->res[2].lid, "VpcMain");
  assert_string_equal(c->res[7].lid, "VpcBC");
  assert_int_equal(strlen(c->res[0].lid), strlen("VpcA1") + 6);
  assert_int_equal(strlen(c->res[1].lid), strlen("VpcA1") + 6);
  assert_int_equal(strlen(c->res[3].lid), strlen("VpcMain") + 6);
  assert_int_equal(strlen(c->res[6].lid), CFN_MAX_LOGICAL_ID);
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
      cmocka_unit_test_setup_teardown(pascal_case, setup, teardown),
      cmocka_unit_test_setup_teardown(logical_ids_are_unique_and_safe, setup, teardown),
      cmocka_unit_test_setup_teardown(container_definitions_in_pascal_case, setup, teardown),
      cmocka_unit_test_setup_teardown(documents_as_text_around_references, setup, teardown),
      cmocka_unit_test_setup_teardown(every_plan_attribute_is_rendered, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
