/*
 * Unit tests for src/policy.c: how plan values become policy JSON
 * (references, placeholders, ARNs without an account) and which
 * documents belong to which role. Specs are written to a temporary
 * folder and compiled through the real front end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile.h"
#include "names.h"
#include "policy.h"

static const char *WITH_ACCOUNT =
    "infrac: 1\n"
    "name: unit\n"
    "region: eu-west-1\n"
    "account: \"111122223333\"\n"
    "network: {cidr: 10.0.0.0/16, azs: 2}\n"
    "services:\n"
    "  api: {image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1, port: 80,\n"
    "        access: [{database: main}, {table: items}]}\n"
    "  quiet: {image: nginx:1.25, port: 81}\n"
    "tables: {items: {key: {hash: id}}}\n"
    "databases: {main: {engine: postgres, version: \"16.4\"}}\n"
    "registries: {api: {}}\n"
    "cross_account_roles:\n"
    "  zeta: {trusted_account: \"444455556666\", grants: [{ecr_pull: [api]}]}\n"
    "  alpha: {trusted_account: \"444455556666\", trusted_principal: user/ci, grants: [{ecr_push: api}]}\n";

static const char *WITHOUT_ACCOUNT =
    "infrac: 1\n"
    "name: bare\n"
    "region: eu-west-1\n"
    "network: {cidr: 10.0.0.0/16, azs: 1}\n"
    "services:\n"
    "  api: {image: nginx:1.25, port: 80, access: [{table: items}]}\n"
    "tables: {items: {key: {hash: id}}}\n";

static const char *WITH_OIDC =
    "infrac: 1\n"
    "name: unit\n"
    "region: eu-west-1\n"
    "account: \"111122223333\"\n"
    "kubernetes: {oidc_provider: oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF}\n"
    "network: {cidr: 10.0.0.0/16, azs: 2}\n"
    "services:\n"
    "  my_api: {image: nginx:1.25, port: 80}\n";

typedef struct Fixture {
  Arena *a;
  Diags d;
  Plan *p;
  char path[64];
} Fixture;

static Fixture *compile_text(const char *text) {
  Fixture *f = calloc(1, sizeof *f);
  f->a = arena_new();
  diag_init(&f->d, f->a);
  snprintf(f->path, sizeof f->path, "/tmp/infrac-policy-unit-XXXXXX");
  int fd = mkstemp(f->path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  char *yaml = arena_printf(f->a, "%s.yaml", f->path);
  assert_int_equal(rename(f->path, yaml), 0);
  snprintf(f->path, sizeof f->path, "%s", yaml);
  f->p = compile_spec(f->a, &f->d, f->path, NULL);
  if (!f->p)
    diag_print(&f->d, stderr);
  assert_non_null(f->p);
  return f;
}

static void release(Fixture *f) {
  unlink(f->path);
  arena_free(f->a);
  free(f);
}

/* The JSON text of pol_resolve(v), compact, in the arena. */
static const char *resolved(Fixture *f, const Value *v) {
  json_t *j = pol_resolve(f->p, v);
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  json_decref(j);
  char *copy = arena_strdup(f->a, s);
  free(s);
  return copy;
}

static void known_references_become_literals(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_ACCOUNT);
  Value *v = val_ref(f->a, "dynamodb_table.items", "arn", "arn:aws:dynamodb:eu-west-1:111122223333:table/unit-items");
  assert_string_equal(resolved(f, v), "\"arn:aws:dynamodb:eu-west-1:111122223333:table/unit-items\"");
  release(f);
}

static void unknown_references_become_placeholders(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_ACCOUNT);
  Value *c = val_concat(f->a);
  val_push(f->a, c, val_str(f->a, "arn:aws:rds-db:eu-west-1:111122223333:dbuser:"));
  val_push(f->a, c, val_ref(f->a, "db_instance.main", "resource_id", NULL));
  val_push(f->a, c, val_str(f->a, "/app"));
  assert_string_equal(resolved(f, c),
                      "\"arn:aws:rds-db:eu-west-1:111122223333:dbuser:${db_instance.main.resource_id}/app\"");
  /* An ARN the plan does not know and that has no fixed shape stays a placeholder. */
  assert_string_equal(resolved(f, val_ref(f->a, "lb.main", "arn", NULL)), "\"${lb.main.arn}\"");
  assert_string_equal(resolved(f, val_ref(f->a, "nothing.here", "arn", NULL)), "\"${nothing.here.arn}\"");
  assert_string_equal(resolved(f, val_az(f->a, 1)), "\"${az.1}\"");
  release(f);
}

static void arns_without_an_account_keep_their_shape(void **state) {
  (void)state;
  Fixture *f = compile_text(WITHOUT_ACCOUNT);
  assert_string_equal(resolved(f, val_ref(f->a, "dynamodb_table.items", "arn", NULL)),
                      "\"arn:aws:dynamodb:eu-west-1:${account}:table/bare-items\"");
  assert_string_equal(resolved(f, val_ref(f->a, "iam_role.task_api", "arn", NULL)),
                      "\"arn:aws:iam::${account}:role/bare-api-task\"");
  Value *c = val_concat(f->a);
  val_push(f->a, c, val_ref(f->a, "log_group.service_api", "arn", NULL));
  val_push(f->a, c, val_str(f->a, ":*"));
  assert_string_equal(resolved(f, c), "\"arn:aws:logs:eu-west-1:${account}:log-group:/ecs/bare/api:*\"");
  /* Other attributes are not ARNs: the placeholder, as ever. */
  assert_string_equal(resolved(f, val_ref(f->a, "dynamodb_table.items", "name", NULL)),
                      "\"${dynamodb_table.items.name}\"");
  release(f);
}

static void structure_and_scalars_are_kept(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_ACCOUNT);
  Value *m = val_map(f->a);
  Value *l = val_list(f->a);
  val_push(f->a, l, val_int(f->a, 3600));
  val_push(f->a, l, val_bool(f->a, true));
  val_push(f->a, l, val_new(f->a, V_NULL, (Pos){0}));
  val_set(f->a, m, "b", l);
  val_set(f->a, m, "a", val_str(f->a, "${aws:username}"));
  assert_string_equal(resolved(f, m), "{\"a\":\"${aws:username}\",\"b\":[3600,true,null]}");
  release(f);
}

static void roles_come_in_a_fixed_order_with_their_documents(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_ACCOUNT);
  PolRole *r;
  int n = pol_roles(f->a, f->p, &r);
  const char *want[][2] = {{"cross_account_roles", "alpha"}, {"cross_account_roles", "zeta"},
                           {"services", "api"},             {"services", "quiet"},
                           {NULL, "task_execution"},         {NULL, "flow_logs"}};
  assert_int_equal(n, 6);
  for (int i = 0; i < n; i++) {
    assert_true(str_eq(r[i].section, want[i][0]));
    assert_string_equal(r[i].key, want[i][1]);
    assert_non_null(pol_role_document(&r[i], "trust"));
    assert_true((pol_role_document(&r[i], "trusted_side") != NULL) == (i < 2));
  }
  assert_null(pol_role_document(&r[3], "permissions"));   /* quiet: no access */
  assert_non_null(pol_role_document(&r[2], "permissions"));
  assert_null(pol_role_document(&r[0], "nonsense"));
  release(f);
}

static void role_json_names_the_role_and_the_trusted_side(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_ACCOUNT);
  PolRole *r;
  pol_roles(f->a, f->p, &r);
  json_t *j = pol_role_json(f->a, f->p, &r[0]);
  assert_string_equal(json_string_value(json_object_get(j, "role")), "unit-alpha");
  assert_string_equal(json_string_value(json_object_get(j, "arn")), "arn:aws:iam::111122223333:role/unit-alpha");
  assert_int_equal(json_integer_value(json_object_get(j, "max_session_duration")), 3600);
  assert_string_equal(json_string_value(json_object_get(j, "trusted_principal")),
                      "arn:aws:iam::444455556666:user/ci");
  assert_non_null(json_object_get(j, "trusted_side"));
  size_t len;
  char *text = pol_dump(f->a, j, &len);
  json_decref(j);
  assert_int_equal(strlen(text), len);
  assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] == '}');
  /* sorted keys, two-space indent */
  assert_non_null(strstr(text, "{\n  \"arn\": "));
  assert_true(strstr(text, "\"permissions\"") < strstr(text, "\"role\""));
  release(f);
}

/* The IRSA statement names the ServiceAccount exactly as the Kubernetes
 * target does (names.h), and only when kubernetes.oidc_provider is set. */
static void task_trust_names_the_kubernetes_service_account(void **state) {
  (void)state;
  Fixture *f = compile_text(WITH_OIDC);
  assert_string_equal(name_k8s_namespace(f->a, "unit", NULL), "unit");
  assert_string_equal(name_k8s_namespace(f->a, "unit", "base"), "unit");
  assert_string_equal(name_k8s_namespace(f->a, "unit", "dev"), "unit-dev");
  assert_string_equal(name_k8s_service_account(f->a, "my_api"), "my-api");
  PolRole *r;
  pol_roles(f->a, f->p, &r);
  assert_string_equal(r[0].key, "my_api");
  const char *issuer = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
  const char *want = arena_printf(
      f->a,
      "{\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
      "\"%s:aud\":\"sts.amazonaws.com\",\"%s:sub\":\"system:serviceaccount:%s:%s\"}},"
      "\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/%s\"},"
      "\"Sid\":\"EksServiceAccountAssumeRole\"}",
      issuer, issuer, name_k8s_namespace(f->a, "unit", "base"), name_k8s_service_account(f->a, "my_api"), issuer);
  const Value *trust = pol_role_document(&r[0], "trust");
  const Value *st = val_get(trust, "Statement");
  assert_int_equal(st->list.n, 2);
  assert_string_equal(resolved(f, st->list.items[1]), want);
  assert_non_null(strstr(want, "system:serviceaccount:unit:my-api\""));
  release(f);
  /* Without the key: ECS tasks alone. */
  f = compile_text(WITH_ACCOUNT);
  pol_roles(f->a, f->p, &r);
  assert_int_equal(val_get(pol_role_document(&r[2], "trust"), "Statement")->list.n, 1);
  release(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_references_become_literals),
      cmocka_unit_test(unknown_references_become_placeholders),
      cmocka_unit_test(arns_without_an_account_keep_their_shape),
      cmocka_unit_test(structure_and_scalars_are_kept),
      cmocka_unit_test(roles_come_in_a_fixed_order_with_their_documents),
      cmocka_unit_test(role_json_names_the_role_and_the_trusted_side),
      cmocka_unit_test(task_trust_names_the_kubernetes_service_account),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
