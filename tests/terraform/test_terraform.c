/*
 * test_terraform: the Terraform emitter's guards, on CartFul's plan
 * changed in memory. A plan the emitter cannot render completely must
 * fail with a diagnostic and no files, never drop something silently: an
 * attribute it has no argument for, a kind it has no resource for, a
 * reference to a resource that is not there or to an attribute it cannot
 * name, two keys that sanitise to one address. And the plain plan renders
 * to the eleven files of docs/terraform.md, with the address rules (keys
 * kept when they are identifiers, ports prefixed, others hashed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "compile.h"
#include "emit.h"
#include "names.h"

#ifndef INFRAC_SOURCE_DIR
#error "INFRAC_SOURCE_DIR names the source tree (see tests/terraform/tests.cmake)"
#endif

bool tf_emit(Arena *a, Diags *d, const Plan *p, Output *out);

typedef struct {
  Arena *a;
  Diags d;
  Plan *p;
  Output out;
} Ctx;

static int setup(void **state) {
  Ctx *c = test_calloc(1, sizeof *c);
  c->a = arena_new();
  diag_init(&c->d, c->a);
  c->p = compile_spec(c->a, &c->d, INFRAC_SOURCE_DIR "/specs/cartful.yaml", NULL);
  if (!c->p)
    return -1;
  c->out.arena = c->a;
  *state = c;
  return 0;
}

static int teardown(void **state) {
  Ctx *c = *state;
  arena_free(c->a);
  test_free(c);
  return 0;
}

static Resource *res(Ctx *c, const char *id) {
  Resource *r = plan_find(c->p, id);
  if (!r)
    fail_msg("CartFul's plan has no %s", id);
  return r;
}

static const OutFile *file(Ctx *c, const char *path) {
  for (int i = 0; i < c->out.files.len; i++) {
    const OutFile *f = c->out.files.items[i];
    if (!strcmp(f->path, path))
      return f;
  }
  return NULL;
}

/* tf_emit fails, writes nothing, and one diagnostic says 'needle'. */
static void fails_with(Ctx *c, const char *needle) {
  assert_false(tf_emit(c->a, &c->d, c->p, &c->out));
  assert_int_equal(c->out.files.len, 0);
  bool found = false;
  for (int i = 0; i < c->d.list.len; i++) {
    const Diag *g = c->d.list.items[i];
    found |= g->sev == SEV_ERROR && strstr(g->msg, needle) != NULL;
  }
  if (!found) {
    diag_print(&c->d, stderr);
    fail_msg("no error mentions \"%s\"", needle);
  }
}

static void renders_every_file(void **state) {
  Ctx *c = *state;
  assert_true(tf_emit(c->a, &c->d, c->p, &c->out));
  assert_int_equal(c->d.errors, 0);
  static const char *const files[] = {"versions.tf", "providers.tf", "backend.tf", "network.tf",
                                      "load_balancer.tf", "services.tf", "databases.tf", "tables.tf",
                                      "registries.tf", "iam.tf", "outputs.tf"};
  assert_int_equal(c->out.files.len, 11);
  for (int i = 0; i < 11; i++) {
    const OutFile *f = c->out.files.items[i];
    assert_string_equal(f->path, files[i]);
    assert_true(f->len > 0 && f->data[f->len - 1] == '\n');
  }
  const OutFile *lb = file(c, "load_balancer.tf"), *iam = file(c, "iam.tf"), *net = file(c, "network.tf");
  assert_non_null(strstr(lb->data, "resource \"aws_lb_listener\" \"port_443\" {"));
  assert_non_null(strstr(lb->data, "resource \"aws_lb_listener_rule\" \"port_443_user_metadata\" {"));
  assert_non_null(strstr(iam->data, "resource \"aws_iam_role\" \"cross_ecr-push\" {"));
  assert_non_null(strstr(net->data, "data.aws_availability_zones.available.names[2]"));
  /* security groups live with what uses them */
  assert_non_null(strstr(lb->data, "resource \"aws_security_group\" \"alb\" {"));
  assert_non_null(strstr(file(c, "databases.tf")->data, "resource \"aws_security_group\" \"database_orders\" {"));
  assert_null(strstr(net->data, "resource \"aws_security_group\" \"alb\""));
}

static void no_backend_without_state(void **state) {
  Ctx *c = *state;
  c->p->m->state = NULL;
  assert_true(tf_emit(c->a, &c->d, c->p, &c->out));
  assert_null(file(c, "backend.tf"));
  assert_int_equal(c->out.files.len, 10);
}

static void unknown_attribute_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "vpc.main");
  val_set(c->a, r->attrs, "ipv6_cidr_block", val_str(c->a, "2001:db8::/56"));
  fails_with(c, "attribute 'ipv6_cidr_block' has no Terraform form");
}

static void unknown_nested_key_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "target_group.user_metadata");
  val_set(c->a, val_get(r->attrs, "health_check"), "grpc_code", val_str(c->a, "12"));
  fails_with(c, "health_check: no Terraform argument for 'grpc_code'");
}

static void unknown_kind_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "vpc.main");
  r->kind = "transit_gateway";
  fails_with(c, "no resource for kind 'transit_gateway'");
}

static void dangling_reference_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "subnet.public_a");
  val_set(c->a, r->attrs, "vpc", val_ref(c->a, "vpc.other", "id", NULL));
  fails_with(c, "refers to vpc.other, which is not in the plan");
}

static void unknown_reference_attribute_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "subnet.public_a");
  val_set(c->a, r->attrs, "vpc", val_ref(c->a, "vpc.main", "ipv6_association_id", NULL));
  fails_with(c, "cannot refer to attribute 'ipv6_association_id' of vpc.main");
}

static void colliding_addresses_fail(void **state) {
  Ctx *c = *state;
  /* "config.s" is no identifier, so it is hashed; a key spelled like the
   * hashed form must not take the same address. */
  Resource *t = res(c, "dynamodb_table.configs");
  t->key = "config.s";
  t->id = "dynamodb_table.config.s";
  Resource *reg = res(c, "ecr_repository.user_metadata");
  reg->kind = "dynamodb_table";
  reg->key = name_ident(c->a, "config.s");
  reg->id = arena_printf(c->a, "dynamodb_table.%s", reg->key);
  fails_with(c, "is also the address of");
}

static void wait_for_a_missing_resource_fails(void **state) {
  Ctx *c = *state;
  Resource *r = res(c, "eip.nat_a");
  vec_push(c->a, &r->after, (void *)"internet_gateway.other");
  fails_with(c, "must wait for internet_gateway.other");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(renders_every_file, setup, teardown),
      cmocka_unit_test_setup_teardown(no_backend_without_state, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_attribute_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_nested_key_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_kind_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(dangling_reference_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_reference_attribute_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(colliding_addresses_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(wait_for_a_missing_resource_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
