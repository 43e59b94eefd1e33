/*
 * test_identity: the plan keys everything by spec names and AZ index,
 * never by map order or list position (the contract's "Identity" and
 * "Determinism"). Reordering a spec's keys changes no byte of the plan;
 * adding an AZ or a service renames nothing and changes only the
 * resources that list every AZ or every service; the same spec planned
 * twice gives the same bytes. The specs are specs/cartful.yaml and
 * variants of it made by exact text substitutions, each checked to apply,
 * so the test fails rather than passes vacuously when cartful changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "merge.h"

#ifndef INFRAC_SOURCE_DIR
#error "INFRAC_SOURCE_DIR names the source tree (see tests/unit/tests.cmake)"
#endif

typedef struct {
  Arena *a;
  Diags d;
  char dir[64];
  const char *cartful;   /* the text of specs/cartful.yaml */
} Ctx;

static int setup(void **state) {
  Ctx *c = calloc(1, sizeof *c);
  c->a = arena_new();
  diag_init(&c->d, c->a);
  strcpy(c->dir, "/tmp/infrac-test-identity-XXXXXX");
  if (!mkdtemp(c->dir))
    return -1;
  size_t len;
  c->cartful = file_read(c->a, INFRAC_SOURCE_DIR "/specs/cartful.yaml", &len, 1 << 20);
  if (!c->cartful)
    return -1;
  *state = c;
  return 0;
}

static int teardown(void **state) {
  Ctx *c = *state;
  if (system(arena_printf(c->a, "rm -rf '%s'", c->dir)) != 0)
    return -1;
  arena_free(c->a);
  free(c);
  return 0;
}

/* 'text' with 'from' replaced by 'to' exactly once; fails otherwise. */
static char *subst(Ctx *c, const char *text, const char *from, const char *to) {
  const char *p = strstr(text, from);
  if (!p || strstr(p + 1, from))
    fail_msg("the substitution of \"%s\" must apply exactly once", from);
  return arena_printf(c->a, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
}

static const char *write_spec(Ctx *c, const char *name, const char *text) {
  const char *path = arena_printf(c->a, "%s/%s", c->dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    fail_msg("cannot write %s", path);
  fputs(text, f);
  fclose(f);
  return path;
}

static Plan *plan_of(Ctx *c, const char *path, const char *env) {
  Plan *p = compile_spec(c->a, &c->d, path, env);
  if (!p) {
    diag_print(&c->d, stderr);
    fail_msg("%s (env %s) did not plan", path, env ? env : "base");
  }
  return p;
}

static const char *json_of(const Plan *p) {
  size_t len;
  return plan_to_json(p, &len);
}

/* A deep copy of a tree with every map's keys in reverse order. */
static Value *reversed(Arena *a, const Value *v) {
  if (v->kind == V_MAP) {
    Value *out = val_new(a, V_MAP, v->pos);
    for (int i = v->map.n - 1; i >= 0; i--)
      val_set_at(a, out, v->map.entries[i].key, v->map.entries[i].key_pos,
                 reversed(a, v->map.entries[i].val));
    return out;
  }
  if (v->kind == V_LIST) {
    Value *out = val_new(a, V_LIST, v->pos);
    for (int i = 0; i < v->list.n; i++)
      val_push(a, out, reversed(a, v->list.items[i]));
    return out;
  }
  return (Value *)v;
}

static void reordered_tree_same_bytes(void **state) {
  Ctx *c = *state;
  const char *spec = INFRAC_SOURCE_DIR "/specs/cartful.yaml";
  const char *envs[] = {NULL, "dev", "prod"};
  for (int e = 0; e < 3; e++) {
    Value *root = spec_resolve(c->a, &c->d, spec, envs[e]);
    assert_non_null(root);
    Value *rev = reversed(c->a, root);
    /* the reversal did reorder: the first key is now the last */
    assert_string_equal(rev->map.entries[rev->map.n - 1].key, root->map.entries[0].key);
    Model *m1 = spec_validate(c->a, &c->d, root, spec, envs[e]);
    Model *m2 = spec_validate(c->a, &c->d, rev, spec, envs[e]);
    assert_non_null(m1);
    assert_non_null(m2);
    Plan *p1 = plan_build(c->a, &c->d, m1), *p2 = plan_build(c->a, &c->d, m2);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_string_equal(json_of(p1), json_of(p2));
  }
}

/* The same spec written twice in different orders: sections, services,
 * tables, databases, keys within every map, and the lists whose order
 * means nothing (access entries, endpoints, listeners, allowed CIDRs,
 * registries in a grant). */
static const char *spec_a =
    "infrac: 1\n"
    "name: shop\n"
    "region: eu-west-1\n"
    "account: \"111122223333\"\n"
    "tags: {team: web, cost: \"42\"}\n"
    "network:\n"
    "  cidr: 10.20.0.0/16\n"
    "  azs: 2\n"
    "  subnets: {public: 2, private: 2, isolated: 2}\n"
    "  nat: {mode: single, eip: 52.1.2.3}\n"
    "  endpoints: [ecr, logs, secretsmanager]\n"
    "load_balancer:\n"
    "  listeners:\n"
    "    - {port: 443, certificate: \"arn:aws:acm:eu-west-1:111122223333:certificate/abc-123\"}\n"
    "    - {port: 80, redirect: 443}\n"
    "  allowed_cidrs: [203.0.113.0/24, 198.51.100.0/24]\n"
    "services:\n"
    "  web:\n"
    "    image: nginx:1.27\n"
    "    port: 8080\n"
    "    route: /\n"
    "    env: {A: \"1\", B: \"2\"}\n"
    "    secrets: {K: \"arn:aws:ssm:eu-west-1:111122223333:parameter/k\"}\n"
    "    access: [{service: api}, {table: carts, mode: read_write}, {table: orders}]\n"
    "  api:\n"
    "    image: api:2.0\n"
    "    port: 9000\n"
    "    cpu: 512\n"
    "    memory: 1024\n"
    "    route: /api\n"
    "    replicas: {min: 2, max: 4, cpu_target: 50}\n"
    "    access: [{database: main}, {table: orders, mode: write}]\n"
    "databases:\n"
    "  main: {engine: postgres, version: \"16.4\", multi_az: false}\n"
    "  audit: {engine: mysql, version: \"8.0\"}\n"
    "tables:\n"
    "  orders: {key: {hash: id, range: ts}, attributes: {id: S, ts: N}}\n"
    "  carts: {key: cart_id, pitr: false}\n"
    "registries:\n"
    "  web: {}\n"
    "  api: {keep_last: 5}\n"
    "cross_account_roles:\n"
    "  ci:\n"
    "    trusted_account: \"444455556666\"\n"
    "    grants: [{ecr_push: [web, api]}, {ecr_pull: [api]}]\n";

static const char *spec_b =
    "cross_account_roles:\n"
    "  ci:\n"
    "    grants: [{ecr_pull: [api]}, {ecr_push: [api, web]}]\n"
    "    trusted_account: \"444455556666\"\n"
    "registries:\n"
    "  api: {keep_last: 5}\n"
    "  web: {}\n"
    "tables:\n"
    "  carts: {pitr: false, key: cart_id}\n"
    "  orders: {attributes: {ts: N, id: S}, key: {range: ts, hash: id}}\n"
    "databases:\n"
    "  audit: {version: \"8.0\", engine: mysql}\n"
    "  main: {multi_az: false, version: \"16.4\", engine: postgres}\n"
    "services:\n"
    "  api:\n"
    "    access: [{table: orders, mode: write}, {database: main}]\n"
    "    replicas: {cpu_target: 50, max: 4, min: 2}\n"
    "    route: /api\n"
    "    memory: 1024\n"
    "    cpu: 512\n"
    "    port: 9000\n"
    "    image: api:2.0\n"
    "  web:\n"
    "    access: [{table: orders}, {mode: read_write, table: carts}, {service: api}]\n"
    "    secrets: {K: \"arn:aws:ssm:eu-west-1:111122223333:parameter/k\"}\n"
    "    env: {B: \"2\", A: \"1\"}\n"
    "    route: /\n"
    "    port: 8080\n"
    "    image: nginx:1.27\n"
    "load_balancer:\n"
    "  allowed_cidrs: [198.51.100.0/24, 203.0.113.0/24]\n"
    "  listeners:\n"
    "    - {redirect: 443, port: 80}\n"
    "    - {certificate: \"arn:aws:acm:eu-west-1:111122223333:certificate/abc-123\", port: 443}\n"
    "network:\n"
    "  endpoints: [secretsmanager, logs, ecr]\n"
    "  nat: {eip: 52.1.2.3, mode: single}\n"
    "  subnets: {isolated: 2, private: 2, public: 2}\n"
    "  azs: 2\n"
    "  cidr: 10.20.0.0/16\n"
    "tags: {cost: \"42\", team: web}\n"
    "account: \"111122223333\"\n"
    "region: eu-west-1\n"
    "name: shop\n"
    "infrac: 1\n";

static void reordered_text_same_bytes(void **state) {
  Ctx *c = *state;
  const char *a = json_of(plan_of(c, write_spec(c, "a.yaml", spec_a), NULL));
  const char *b = json_of(plan_of(c, write_spec(c, "b.yaml", spec_b), NULL));
  assert_string_equal(a, b);
  /* the plan is not trivially small: both specs were read in full */
  assert_non_null(strstr(a, "\"id\": \"ecs_service.api\""));
  assert_non_null(strstr(a, "\"id\": \"dynamodb_table.carts\""));
  assert_non_null(strstr(a, "\"id\": \"listener.443\""));
}

/* Resources that list every AZ. Between a 2-AZ and a 3-AZ plan only the
 * named attribute may change, and only by growing: every item of the
 * 2-AZ list is in the 3-AZ list. */
static const struct {
  const char *id, *attr;
} all_azs[] = {
    {"vpc_endpoint.dynamodb", "route_tables"},
    {"vpc_endpoint.s3", "route_tables"},
    {"vpc_endpoint.ecr_api", "subnets"},
    {"vpc_endpoint.ecr_dkr", "subnets"},
    {"vpc_endpoint.logs", "subnets"},
    {"load_balancer.main", "subnets"},
    {"ecs_service.flight_metadata", "subnets"},
    {"ecs_service.flights_availability", "subnets"},
    {"ecs_service.user_metadata", "subnets"},
    {"db_subnet_group.main", "subnets"},
};

static const char *az_list_attr(const char *id) {
  for (size_t i = 0; i < sizeof all_azs / sizeof *all_azs; i++)
    if (!strcmp(all_azs[i].id, id))
      return all_azs[i].attr;
  return NULL;
}

/* Every resource of 'small' is in 'big' under the same id and name with
 * the same attributes, except the one attribute exception(id) names. */
static void compare_grown(Ctx *c, const Plan *small, const Plan *big,
                          const char *(*exception)(const char *id), const char *what) {
  for (int i = 0; i < small->resources.len; i++) {
    const Resource *r = small->resources.items[i];
    const Resource *q = plan_find(big, r->id);
    if (!q)
      fail_msg("%s: %s is gone", what, r->id);
    if (!str_eq(r->name, q->name))
      fail_msg("%s: %s was renamed from %s to %s", what, r->id, r->name, q->name);
    assert_int_equal(r->az, q->az);
    const char *skip = exception(r->id);
    for (int k = 0; k < r->attrs->map.n; k++) {
      const MapEntry *e = &r->attrs->map.entries[k];
      Value *other = val_get(q->attrs, e->key);
      if (skip && !strcmp(skip, e->key)) {
        /* the list only grows: every item it had is still there */
        if (e->val->kind == V_LIST) {
          if (!other || other->kind != V_LIST || other->list.n <= e->val->list.n)
            fail_msg("%s: %s.%s did not grow", what, r->id, e->key);
          for (int j = 0; j < e->val->list.n; j++) {
            bool kept = false;
            for (int k2 = 0; k2 < other->list.n && !kept; k2++)
              kept = val_equal(e->val->list.items[j], other->list.items[k2]);
            if (!kept)
              fail_msg("%s: %s.%s lost %s", what, r->id, e->key,
                       val_to_text(c->a, e->val->list.items[j]));
          }
        }
        continue;
      }
      if (!val_equal(e->val, other))
        fail_msg("%s: %s.%s changed from %s to %s", what, r->id, e->key,
                 val_to_text(c->a, e->val), other ? val_to_text(c->a, other) : "nothing");
    }
    if (r->attrs->map.n != q->attrs->map.n)
      fail_msg("%s: %s gained or lost attributes", what, r->id);
  }
  assert_true(big->resources.len > small->resources.len);
}

static char *azs_variant(Ctx *c, const char *text, int n) {
  char *s = subst(c, text, "  azs: 3 ", arena_printf(c->a, "  azs: %d ", n));
  s = subst(c, s, "    public: 3 ", arena_printf(c->a, "    public: %d ", n));
  return subst(c, s, "    private: 3 ", arena_printf(c->a, "    private: %d ", n));
}

static void adding_an_az_renames_nothing(void **state) {
  Ctx *c = *state;
  /* cartful as written (one NAT), and with a NAT and isolated subnets per AZ */
  char *per_az = subst(c, c->cartful, "    mode: single ", "    mode: per_az ");
  per_az = subst(c, per_az, "    eip: 55.55.55.55 ", "    # no eip ");
  per_az = subst(c, per_az, "    isolated: 0 ", "    isolated: 3 ");
  const char *texts[] = {c->cartful, per_az};
  for (int t = 0; t < 2; t++) {
    char *three = (char *)texts[t], *two = azs_variant(c, three, 2);
    if (t == 1)
      two = subst(c, two, "    isolated: 3 ", "    isolated: 2 ");
    const char *envs[] = {NULL, "dev", "prod"};
    for (int e = 0; e < 3; e++) {
      Plan *p2 = plan_of(c, write_spec(c, arena_printf(c->a, "two%d.yaml", t), two), envs[e]);
      Plan *p3 = plan_of(c, write_spec(c, arena_printf(c->a, "three%d.yaml", t), three), envs[e]);
      compare_grown(c, p2, p3, az_list_attr,
                    arena_printf(c->a, "variant %d, env %s, 2 -> 3 AZs", t, envs[e] ? envs[e] : "base"));
      /* every exception exists in both, so none is listed for nothing */
      for (size_t i = 0; i < sizeof all_azs / sizeof *all_azs; i++)
        if (!plan_find(p2, all_azs[i].id))
          fail_msg("%s is named as listing every AZ but is not in the plan", all_azs[i].id);
    }
  }
  /* explicit AZ names: adding a name adds resources, renames none */
  char *named3 = subst(c, c->cartful, "  azs: 3 ", "  azs: [us-east-1a, us-east-1b, us-east-1d] ");
  char *named2 = subst(c, azs_variant(c, c->cartful, 2), "  azs: 2 ", "  azs: [us-east-1a, us-east-1b] ");
  Plan *p2 = plan_of(c, write_spec(c, "named2.yaml", named2), NULL);
  Plan *p3 = plan_of(c, write_spec(c, "named3.yaml", named3), NULL);
  compare_grown(c, p2, p3, az_list_attr, "explicit AZ names");
  assert_non_null(plan_find(p3, "subnet.public_d"));
}

static const char *task_execution_only(const char *id) {
  /* the execution role pulls every service's image and writes every
   * service's logs, so its policy lists them all */
  return !strcmp(id, "iam_role_policy.execution") ? "policy" : NULL;
}

static void adding_a_service_renames_nothing(void **state) {
  Ctx *c = *state;
  /* "aaa_new" sorts before every other service, so anything numbered by
   * position would shift */
  char *more = subst(c, c->cartful, "\n  user_metadata:                # key",
                     "\n  aaa_new:\n"
                     "    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/aaa:1.0.0\n"
                     "    port: 4040\n"
                     "    route: /aaa\n"
                     "    access: [{table: configs, mode: write}, {service: user_metadata}, {database: orders}]\n"
                     "  user_metadata:                # key");
  const char *envs[] = {NULL, "dev", "prod"};
  for (int e = 0; e < 3; e++) {
    Plan *before = plan_of(c, INFRAC_SOURCE_DIR "/specs/cartful.yaml", envs[e]);
    Plan *after = plan_of(c, write_spec(c, "more.yaml", more), envs[e]);
    compare_grown(c, before, after, task_execution_only,
                  arena_printf(c->a, "env %s, a service added", envs[e] ? envs[e] : "base"));
    assert_non_null(plan_find(after, "ecs_service.aaa_new"));
  }
}

static const char *no_exception(const char *id) {
  (void)id;
  return NULL;
}

static void adding_a_listener_or_cidr_renames_nothing(void **state) {
  Ctx *c = *state;
  /* 81 and 1.0.0.0/8 sort before what cartful has, so anything keyed or
   * numbered by position would shift; 11.0.0.0/8 on 80 and 1.0.0.0/8 on
   * 801 meet if keys are digits run together */
  char *more = subst(c, c->cartful, "    - {port: 80, redirect: 443} ",
                     "    - {port: 81, redirect: 443}\n"
                     "    - {port: 801, redirect: 443}\n"
                     "    - {port: 80, redirect: 443} ");
  char *before = subst(c, c->cartful, "  allowed_cidrs: [0.0.0.0/0] ", "  allowed_cidrs: [0.0.0.0/0, 11.0.0.0/8] ");
  more = subst(c, more, "  allowed_cidrs: [0.0.0.0/0] ",
               "  allowed_cidrs: [1.0.0.0/8, 0.0.0.0/0, 11.0.0.0/8] ");
  const char *envs[] = {NULL, "dev", "prod"};
  for (int e = 0; e < 3; e++) {
    Plan *p1 = plan_of(c, write_spec(c, "before.yaml", before), envs[e]);
    Plan *p2 = plan_of(c, write_spec(c, "more.yaml", more), envs[e]);
    compare_grown(c, p1, p2, no_exception,
                  arena_printf(c->a, "env %s, listeners and a CIDR added", envs[e] ? envs[e] : "base"));
    assert_non_null(plan_find(p2, "network_acl_rule.public_ingress_801_1_0_0_0_8"));
    assert_non_null(plan_find(p2, "network_acl_rule.public_ingress_80_11_0_0_0_8"));
    /* rule numbers are unique within the ACL */
    int seen = 0;
    for (int i = 0; i < p2->resources.len; i++) {
      const Resource *r = p2->resources.items[i];
      if (strcmp(r->kind, "network_acl_rule") || strncmp(r->id, "network_acl_rule.public_ingress_", 32))
        continue;
      for (int j = i + 1; j < p2->resources.len; j++) {
        const Resource *q = p2->resources.items[j];
        if (!strcmp(q->kind, "network_acl_rule") && !strncmp(q->id, "network_acl_rule.public_ingress_", 32))
          assert_false(val_equal(val_get(r->attrs, "rule_number"), val_get(q->attrs, "rule_number")));
      }
      seen++;
    }
    assert_int_equal(seen, 2 + 4 * 3);
  }
}

static void same_spec_same_bytes(void **state) {
  (void)state;
  const char *specs[] = {INFRAC_SOURCE_DIR "/specs/cartful.yaml",
                         INFRAC_SOURCE_DIR "/examples/json-spec/spec.json",
                         INFRAC_SOURCE_DIR "/examples/includes/spec.yaml"};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    /* separate arenas, so no cached state is shared between the runs */
    Arena *a1 = arena_new(), *a2 = arena_new();
    Diags d1, d2;
    diag_init(&d1, a1);
    diag_init(&d2, a2);
    Plan *p1 = compile_spec(a1, &d1, specs[i], NULL), *p2 = compile_spec(a2, &d2, specs[i], NULL);
    assert_non_null(p1);
    assert_non_null(p2);
    size_t n1, n2;
    const char *j1 = plan_to_json(p1, &n1), *j2 = plan_to_json(p2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(j1, j2, n1);
    Buf t1, t2;
    buf_init(&t1);
    buf_init(&t2);
    plan_print_text(p1, &t1);
    plan_print_text(p2, &t2);
    assert_string_equal(t1.data, t2.data);
    buf_release(&t1);
    buf_release(&t2);
    arena_free(a1);
    arena_free(a2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(reordered_tree_same_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(reordered_text_same_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(adding_an_az_renames_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(adding_a_service_renames_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(adding_a_listener_or_cidr_renames_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(same_spec_same_bytes, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
