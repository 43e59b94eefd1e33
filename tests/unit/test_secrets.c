/*
 * test_secrets: plaintext credential detection (src/secrets.c). Every
 * token shape secrets.c knows is a true positive, alone and inside a
 * longer string; the near misses a spec is full of (ARNs, image
 * references and digests, UUIDs, ordinary words and versions) are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "secrets.h"

typedef struct {
  const char *key;     /* the map key it is written under, or NULL */
  const char *value;
  const char *kind;    /* expected secret_kind, NULL for a near miss */
} Case;

static void check(const Case *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *got = secret_kind(c[i].key, c[i].value);
    if (c[i].kind && (!got || strcmp(got, c[i].kind)))
      fail_msg("case %zu (%s=%s): expected \"%s\", got \"%s\"", i, c[i].key ? c[i].key : "-",
               c[i].value, c[i].kind, got ? got : "nothing");
    if (!c[i].kind && got)
      fail_msg("case %zu (%s=%s): a near miss taken for \"%s\"", i, c[i].key ? c[i].key : "-",
               c[i].value, got);
  }
}

#define PRIVATE "a private key block"
#define AKID "an AWS access key ID"
#define SLACK "a Slack token"
#define GITHUB "a GitHub token"
#define GITLAB "a GitLab token"
#define SONAR "a SonarQube token"
#define AWSSECRET "an AWS secret access key"
#define PLAIN "a plaintext credential"
#define URL "a URL with an embedded password"

static void token_shapes(void **state) {
  (void)state;
  static const Case cases[] = {
      {NULL, "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----", PRIVATE},
      {NULL, "-----BEGIN OPENSSH PRIVATE KEY-----", PRIVATE},
      {NULL, "-----BEGIN PRIVATE KEY-----", PRIVATE},
      {NULL, "AKIAIOSFODNN7EXAMPLE", AKID},
      {NULL, "ASIAY34FZKBOKMUTVV7A", AKID},
      {"LOG", "key=AKIAIOSFODNN7EXAMPLE;", AKID},           /* inside a longer value */
      {NULL, "xoxb-123456789012-abcdefghijkl", SLACK},
      {NULL, "xoxp-1111-2222-3333-aaaa", SLACK},
      {NULL, "xoxa-2-abcdefghij", SLACK},
      {NULL, "xoxr-abcdefghijkl", SLACK},
      {NULL, "xoxs-abcdefghijkl", SLACK},
      {NULL, "xoxe-1-abcdefghij", SLACK},
      {NULL, "ghp_0123456789abcdefghijABCDEFGHIJ012345", GITHUB},
      {NULL, "gho_0123456789abcdefghijABCDEFGHIJ012345", GITHUB},
      {NULL, "ghu_0123456789abcdefghijABCDEFGHIJ012345", GITHUB},
      {NULL, "ghs_0123456789abcdefghijABCDEFGHIJ012345", GITHUB},
      {NULL, "ghr_0123456789abcdefghijABCDEFGHIJ012345", GITHUB},
      {NULL, "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", GITHUB},
      {NULL, "glpat-abcdefghij0123456789", GITLAB},
      {NULL, "squ_0123456789abcdef0123456789abcdef01234567", SONAR},
      {NULL, "sqp_0123456789abcdef0123456789abcdef01234567", SONAR},
      {NULL, "sqa_0123456789abcdef0123456789abcdef01234567", SONAR},
      {NULL, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWSSECRET},
      {"DB_PASSWORD", "Tr0ub4dor&3xYz!9", PLAIN},
      {"api_key", "f00dfeedcafe1234", PLAIN},
      {"Token", "s3cr3tv4lue", PLAIN},
      {"auth", "hunter2hunter2", PLAIN},
      {"DATABASE_URL", "postgres://app:s3cr3t-pw@db.internal:5432/orders", URL},
      {NULL, "https://user:pass@example.com/path", URL},
      {NULL, "redis://:hunter2@cache:6379/0", URL},
  };
  check(cases, sizeof cases / sizeof *cases);
}

static void near_misses(void **state) {
  (void)state;
  static const Case cases[] = {
      /* references are what a spec should hold */
      {"API_KEY", "arn:aws:secretsmanager:us-east-1:123456789012:secret:cartful/api-AbCdEf", NULL},
      {"TOKEN", "arn:aws:ssm:us-east-1:123456789012:parameter/metrics/ingest-token", NULL},
      {NULL, "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000", NULL},
      {"password", "${DB_PASSWORD}", NULL},
      {"secret", "{{resolve:secretsmanager:prod/db:SecretString:password}}", NULL},
      /* images and digests */
      {"image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/user_metadata:1.4.2", NULL},
      {"image", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL},
      {NULL, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL},
      /* identifiers */
      {"token", "0f0e0d0c-0000-4000-8000-000000000000", NULL},
      {"external_id", "cartful-ci-7f3a", NULL},
      {NULL, "eipalloc-0123456789abcdef0", NULL},
      /* ordinary words and values */
      {"LOG_LEVEL", "info", NULL},
      {"password_policy", "strict", NULL},
      {"TOKEN_TTL", "3600", NULL},
      {"auth_mode", "iam only", NULL},
      {"secret_name", "database", NULL},
      {NULL, "flights_availability", NULL},
      {NULL, "10.0.0.0/16", NULL},
      {NULL, "16.4", NULL},
      {NULL, "AKIA", NULL},                          /* the prefix alone */
      {NULL, "AKIAIOSFODNN7EXAMP", NULL},            /* too short */
      {NULL, "XAKIAIOSFODNN7EXAMPLE", NULL},         /* glued to a word on the left */
      {NULL, "ghp_short", NULL},
      {NULL, "glpat-short", NULL},
      {NULL, "xoxb-", NULL},
      {NULL, "squ_notahexstringatallnotahexstringatallzz", NULL},
      /* 40 characters but not random: no digits, low entropy */
      {NULL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
      {NULL, "ThisIsJustAVeryLongCamelCaseIdentifierOk", NULL},
      /* URLs without a password */
      {"url", "https://example.com/a:b@c", NULL},
      {NULL, "postgres://app@db.internal:5432/orders", NULL},
      {NULL, "redis://cache.internal:6379/0", NULL},
      {NULL, "https://user:${PASSWORD}@example.com/", NULL},
      {NULL, "", NULL},
  };
  check(cases, sizeof cases / sizeof *cases);
}

static void key_names(void **state) {
  (void)state;
  static const char *yes[] = {"password", "DB_PASSWORD", "passwd", "pwd", "client_secret",
                              "GITHUB_TOKEN", "apikey", "API_KEY", "api-key", "private_key",
                              "aws_access_key", "credentials", "BasicAuth"};
  static const char *no[] = {"image", "port", "LOG_LEVEL", "region", "username", "host", NULL};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    if (!secret_key_name(yes[i]))
      fail_msg("'%s' should name a credential", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    if (secret_key_name(no[i]))
      fail_msg("'%s' should not name a credential", no[i] ? no[i] : "NULL");
}

static void entropy(void **state) {
  (void)state;
  assert_true(secret_entropy("") == 0.0);
  assert_true(secret_entropy("aaaa") == 0.0);
  assert_true(secret_entropy("ab") == 1.0);
  assert_true(secret_entropy("abcd") == 2.0);
  assert_true(secret_entropy("0123456789abcdef") == 4.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(token_shapes), cmocka_unit_test(near_misses),
      cmocka_unit_test(key_names),    cmocka_unit_test(entropy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
