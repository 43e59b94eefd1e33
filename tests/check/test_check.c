/*
 * test_check: the parts of `infrac check` no spec can reach on its own.
 *   secrets_corpus   every line of tests/check/secrets/corpus.tsv through
 *                    secret_kind_with with the words of
 *                    templates/checks/secrets.yaml: realistic token shapes
 *                    fire with their kind, near misses (ARNs, digests,
 *                    UUIDs, names) stay silent
 *   public_exposure  INF-NET-001 guards the plan: unit/exposure.yaml is
 *                    clean, and its plan tampered into exposing two
 *                    services, a database and a security group is
 *                    reported resource by resource
 *   image_refs       the image reference grammar the image rules read
 *   registry         the registry loads, and names every known rule
 * It includes check.c (cmocka style) to drive the engine on a plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/check.c"
#include "secrets.h"

#ifndef INFRAC_SOURCE_DIR
#define INFRAC_SOURCE_DIR "."
#endif

/* "\n" in a corpus value stands for a newline. */
static char *unescape(Arena *a, const char *s) {
  char *out = arena_strdup(a, s), *q = out;
  for (const char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] == 'n') {
      *q++ = '\n';
      p++;
    } else {
      *q++ = *p;
    }
  }
  *q = '\0';
  return out;
}

static void secrets_corpus(void **state) {
  (void)state;
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  const char *const *words = secret_words(a, &d);
  assert_non_null(words);
  size_t len;
  char *text = file_read(a, INFRAC_SOURCE_DIR "/tests/check/secrets/corpus.tsv", &len, 1 << 20);
  assert_non_null(text);
  int lines = 0, fires = 0, misses = 0, failures = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || !line[0])
      continue;
    char *f[4] = {0};
    char *p = line;
    for (int i = 0; i < 4 && p; i++) {
      f[i] = p;
      p = strchr(p, '\t');
      if (p)
        *p++ = '\0';
    }
    if (!f[3]) {
      print_error("corpus line %d: expected 4 tab-separated fields\n", lines + 1);
      failures++;
      continue;
    }
    lines++;
    const char *want = strcmp(f[0], "-") ? f[0] : NULL;
    const char *got = secret_kind_with(f[1], unescape(a, f[2]), words);
    if (want ? !got || strcmp(got, want) : got != NULL) {
      print_error("corpus: %s (%s): expected %s, got %s\n", f[3], f[1], want ? want : "nothing",
                  got ? got : "nothing");
      failures++;
    }
    want ? fires++ : misses++;
  }
  /* the corpus keeps both sides substantial */
  assert_true(fires >= 25);
  assert_true(misses >= 20);
  assert_int_equal(failures, 0);
  arena_free(a);
}

/* The messages of one rule's findings when the rules run on 'p'. */
static int findings_of(Arena *a, Diags *d, RuleSet *rs, Plan *p, const char *rule, const char **msgs, Pos *pos,
                       int cap) {
  CheckRun run = {.rs = rs, .production = true};
  run.sev = arena_alloc(a, sizeof(Severity) * (size_t)rs->n);
  run.skipped = arena_alloc(a, sizeof(bool) * (size_t)rs->n);
  assert_true(apply_config(a, d, &run, p->m));
  Check c = {a, d, p->m, p, &run};
  for (size_t k = 0; k < sizeof areas / sizeof *areas; k++)
    areas[k](&c);
  int n = 0;
  int want = rule_index(rs, rule);
  for (int i = 0; i < run.findings.len; i++) {
    Finding *f = run.findings.items[i];
    if (f->rule != want)
      continue;
    if (n < cap) {
      msgs[n] = f->msg;
      pos[n] = f->pos;
    }
    n++;
  }
  return n;
}

static void set_attr(Arena *a, Plan *p, const char *id, const char *key, Value *v) {
  Resource *r = plan_find(p, id);
  if (!r)
    fail_msg("the plan has no %s", id);
  val_set(a, r->attrs, key, v);
}

static void public_exposure(void **state) {
  (void)state;
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  RuleSet *rs = load_rules(a, &d);
  assert_non_null(rs);
  Plan *p = compile_spec(a, &d, INFRAC_SOURCE_DIR "/tests/check/unit/exposure.yaml", NULL);
  assert_non_null(p);
  const char *msgs[8];
  Pos pos[8];
  assert_int_equal(findings_of(a, &d, rs, p, "INF-NET-001", msgs, pos, 8), 0);

  set_attr(a, p, "ecs_service.api", "assign_public_ip", val_bool(a, true));
  set_attr(a, p, "db_instance.orders", "publicly_accessible", val_bool(a, true));
  /* the service's own security group opened to the internet */
  Resource *rule = plan_find(p, "security_group_rule.service_web_from_alb");
  assert_non_null(rule);
  val_set(a, rule->attrs, "cidr_block", val_str(a, "0.0.0.0/0"));
  /* a service moved into the public subnets */
  Value *pub = val_list(a);
  val_push(a, pub, val_ref(a, "subnet.public_a", "id", NULL));
  set_attr(a, p, "ecs_service.web", "subnets", pub);
  /* what the load balancer admits stays allowed */
  int n = findings_of(a, &d, rs, p, "INF-NET-001", msgs, pos, 8);
  assert_int_equal(n, 4);
  static const struct {
    const char *msg;
    int line;
  } want[] = {
      {"ecs_service.api is reachable from the internet (assign_public_ip is true); only the load balancer "
       "may be",
       13},
      {"ecs_service.web is reachable from the internet (it is placed in the public subnet subnet.public_a); "
       "only the load balancer may be",
       18},
      {"security_group.service_web is reachable from the internet (security_group_rule.service_web_from_alb "
       "admits 0.0.0.0/0); only the load balancer may be",
       21},
      {"db_instance.orders is reachable from the internet (publicly_accessible is true); only the load "
       "balancer may be",
       23},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    bool found = false;
    for (int k = 0; k < n; k++)
      if (!strcmp(msgs[k], want[i].msg)) {
        found = true;
        if (pos[k].line != want[i].line)
          fail_msg("%s: line %d, expected %d", msgs[k], pos[k].line, want[i].line);
      }
    if (!found)
      fail_msg("missing finding: %s", want[i].msg);
  }
  arena_free(a);
}

static void image_refs(void **state) {
  (void)state;
  Arena *a = arena_new();
  static const struct {
    const char *image, *host, *repo, *tag, *digest, *account, *region;
  } cases[] = {
      {"nginx", "", "nginx", "", "", "", ""},
      {"nginx:1.27", "", "nginx", "1.27", "", "", ""},
      {"library/nginx:latest", "", "library/nginx", "latest", "", "", ""},
      {"localhost:5000/app:1", "localhost:5000", "app", "1", "", "", ""},
      {"ghcr.io/org/app@sha256:abc", "ghcr.io", "org/app", "", "sha256:abc", "", ""},
      {"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:2.0", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
       "team/api", "2.0", "", "123456789012", "us-east-1"},
      {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
       "api", "", "", "123456789012", "cn-north-1"},
      {"public.ecr.aws/nginx/nginx:1.27", "public.ecr.aws", "nginx/nginx", "1.27", "", "", ""},
      {"12345.dkr.ecr.us-east-1.amazonaws.com/api:1", "12345.dkr.ecr.us-east-1.amazonaws.com", "api", "1", "", "",
       ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ImageRef r = check_image_ref(a, cases[i].image);
    assert_string_equal(r.host, cases[i].host);
    assert_string_equal(r.repo, cases[i].repo);
    assert_string_equal(r.tag, cases[i].tag);
    assert_string_equal(r.digest, cases[i].digest);
    assert_string_equal(r.ecr_account, cases[i].account);
    assert_string_equal(r.ecr_region, cases[i].region);
  }
  arena_free(a);
}

static void registry(void **state) {
  (void)state;
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  RuleSet *rs = load_rules(a, &d);
  assert_non_null(rs);
  int known = 0;
  for (const char *const *k = known_rules; *k; k++, known++)
    assert_true(rule_index(rs, *k) >= 0);
  assert_int_equal(rs->n, known);
  Model none = {0};
  assert_true(is_production(rs, &none, NULL));
  assert_true(is_production(rs, &none, "prod"));
  assert_true(is_production(rs, &none, "prod-eu"));
  assert_false(is_production(rs, &none, "dev"));
  assert_false(is_production(rs, &none, "preprod"));
  /* The spec's checks.production wins over the patterns, both ways. */
  Value *own = val_map(a);
  val_set(a, own, "production", val_bool(a, true));
  Model staging = {.checks = own};
  assert_true(is_production(rs, &staging, "staging"));
  val_set(a, own, "production", val_bool(a, false));
  assert_false(is_production(rs, &staging, "prod"));
  assert_false(is_production(rs, &staging, NULL));
  arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(secrets_corpus),
      cmocka_unit_test(public_exposure),
      cmocka_unit_test(image_refs),
      cmocka_unit_test(registry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
