/*
 * test_terraform: the Terraform emitter's guards, on CartFul's plan
 * changed in memory. A plan the emitter cannot render completely must
 * fail with a diagnostic and no files, never drop something silently: an
 * attribute it has no argument for, a kind it has no resource for, a
 * reference to a resource that is not there or to an attribute it cannot
 * name, two keys that sanitise to one address. And the plain plan renders
 * to the eleven files of docs/terraform.md, with the address rules (keys
 * kept when they are lower snake case, ports prefixed, others hashed),
 * which are also tested on their own (the file includes the emitter).
 */
/* Before cmocka.h, whose fail() and skip() macros would rewrite the
 * emitter's own functions of those names. */
#include "../../src/emit/terraform.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "compile.h"

#ifndef INFRAC_SOURCE_DIR
#error "INFRAC_SOURCE_DIR names the source tree (see tests/terraform/tests.cmake)"
#endif

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
  assert_non_null(strstr(iam->data, "resource \"aws_iam_role\" \"cross_ecr_push\" {"));
  assert_non_null(strstr(file(c, "outputs.tf")->data, "output \"trusted_policy_ecr_push\" {"));
  assert_non_null(strstr(net->data, "data.aws_availability_zones.available.names[2]"));
  /* the region's own AZs, as Fn::GetAZs: no Local Zone comes first */
  assert_non_null(strstr(net->data, "  filter {\n    name   = \"opt-in-status\"\n"
                                    "    values = [\"opt-in-not-required\"]\n  }\n"));
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

/* Names in Terraform's convention, each from its own key: lower snake case
 * kept, anything else its words plus "__" and its hash. */
static void snake_names(void **state) {
  Ctx *c = *state;
  static const struct {
    const char *key, *words; /* words NULL: kept as it is */
  } cases[] = {
      {"user_metadata", NULL},   {"port_443_user_metadata", NULL}, {"ecr_push", NULL},
      {"a1_2b", NULL},           {"cross_ecr.push", "cross_ecr_push"}, {"Orders.v2", "orders_v2"},
      {"a-_b", "a_b"},           {"a-", "a"},
      {"2fa.codes", "_2fa_codes"}, {"a__b", "a_b"},               {"a_", "a"},
      {"_a", "a"},               {"ci+deploy@x.y", "ci_deploy_x_y"}, {"caf\xc3\xa9", "caf"},
      {"--", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *got = snake_name(c->a, cases[i].key);
    char h[7];
    name_hash(cases[i].key, h);
    const char *want = cases[i].words ? arena_printf(c->a, "%s__%s", cases[i].words, h) : cases[i].key;
    assert_string_equal(got, want);
    assert_true(hcl_is_ident(got));
    assert_int_equal(strspn(got, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(got));
  }
  /* hyphens read as underscores, as by hand: ecr-push and ecr_push meet
   * (assign_addresses refuses the pair); other punctuation never meets */
  assert_string_equal(snake_name(c->a, "ecr-push"), "ecr_push");
  assert_string_equal(snake_name(c->a, "cross_ecr-push-2"), "cross_ecr_push_2");
  assert_string_not_equal(snake_name(c->a, "ecr-push"), snake_name(c->a, "ecr.push"));
}

/* Two keys of one type whose names still meet fail the build: these two
 * read a_b_c_d_e_f_g_i and their hashes collide (found by search). */
static void colliding_addresses_fail(void **state) {
  Ctx *c = *state;
  const char *keys[2] = {"a.b-c@d.e,f@g@i", "a+b-c,d@e@f.g=i"};
  assert_string_equal(snake_name(c->a, keys[0]), snake_name(c->a, keys[1]));
  Resource *t = res(c, "dynamodb_table.configs");
  t->key = keys[0];
  t->id = arena_printf(c->a, "dynamodb_table.%s", keys[0]);
  Resource *reg = res(c, "ecr_repository.user_metadata");
  reg->kind = "dynamodb_table";
  reg->key = keys[1];
  reg->id = arena_printf(c->a, "dynamodb_table.%s", keys[1]);
  fails_with(c, "is also the address of");
}

/* Keys that differ only by '-' and '_' share a name, as by hand: the
 * build refuses them rather than renaming either. */
static void hyphen_and_underscore_twins_fail(void **state) {
  Ctx *c = *state;
  Resource *t = res(c, "dynamodb_table.configs");
  t->key = "order-items";
  t->id = "dynamodb_table.order-items";
  Resource *reg = res(c, "ecr_repository.user_metadata");
  reg->kind = "dynamodb_table";
  reg->key = "order_items";
  reg->id = "dynamodb_table.order_items";
  fails_with(c, "its Terraform address aws_dynamodb_table.order_items is also the address of");
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
      cmocka_unit_test_setup_teardown(hyphen_and_underscore_twins_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_attribute_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_nested_key_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_kind_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(dangling_reference_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_reference_attribute_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(snake_names, setup, teardown),
      cmocka_unit_test_setup_teardown(colliding_addresses_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(wait_for_a_missing_resource_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
