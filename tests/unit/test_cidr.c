/*
 * test_cidr: IPv4 prefix arithmetic (src/cidr.c). Parsing accepts exactly
 * "a.b.c.d/n" with no leading zeros and nothing around it; carving numbers
 * slots of size /prefix from the start of the VPC, and the contract's
 * CartFul numbers (public 10.0.0-2.0/24, private 10.0.8-10.0/24) must
 * come out of slot 8*tier + az.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cidr.h"

static Cidr parse(const char *s) {
  Cidr c;
  if (!cidr_parse(s, &c))
    fail_msg("cidr_parse rejected %s", s);
  return c;
}

static void parse_valid(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t addr;
    int prefix;
  } cases[] = {
      {"10.0.0.0/16", 0x0a000000, 16},     {"0.0.0.0/0", 0, 0},
      {"255.255.255.255/32", 0xffffffff, 32}, {"192.168.1.0/24", 0xc0a80100, 24},
      {"172.16.0.0/12", 0xac100000, 12},   {"10.0.0.1/16", 0x0a000001, 16},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    Cidr c = parse(cases[i].text);
    assert_int_equal(c.addr, cases[i].addr);
    assert_int_equal(c.prefix, cases[i].prefix);
    char buf[20];
    /* formatting is the inverse of parsing */
    assert_string_equal(cidr_format(c, buf), cases[i].text);
  }
}

static void parse_malformed(void **state) {
  (void)state;
  static const char *bad[] = {
      "",            "10.0.0.0",      "10.0.0.0/",      "/16",          "10.0.0/16",
      "10.0.0.0.0/16", "256.0.0.0/8", "10.0.0.0/33",    "10.0.0.0/-1",  "10.0.0.0/016",
      "010.0.0.0/8", "10.00.0.0/16",  "10.0.0.0/1a",    "a.b.c.d/8",    " 10.0.0.0/16",
      "10.0.0.0/16 ", "10.0.0.0//16", "10..0.0/16",     "10.0.0.0/164", "1000.0.0.0/8",
      "10.0.0.0/16/8", "-1.0.0.0/8",  "10.0.0.0/+8",    "10.0.0.0:16",  "4294967296/0",
      "10.0.0.0/999",  "123456789012345678/8",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    Cidr c;
    if (cidr_parse(bad[i], &c))
      fail_msg("cidr_parse accepted \"%s\"", bad[i]);
  }
  uint32_t ip;
  assert_true(ip_parse("1.2.3.4", &ip));
  assert_int_equal(ip, 0x01020304);
  assert_false(ip_parse("1.2.3", &ip));
  assert_false(ip_parse("1.2.3.4.", &ip));
  assert_false(ip_parse("01.2.3.4", &ip));
  assert_false(ip_parse("1.2.3.256", &ip));
}

static void aligned(void **state) {
  (void)state;
  assert_true(cidr_aligned(parse("10.0.0.0/16")));
  assert_false(cidr_aligned(parse("10.0.0.1/16")));
  assert_false(cidr_aligned(parse("10.0.1.0/16")));
  assert_true(cidr_aligned(parse("10.0.1.0/24")));
  assert_true(cidr_aligned(parse("0.0.0.0/0")));
  assert_false(cidr_aligned(parse("1.0.0.0/0")));
  assert_true(cidr_aligned(parse("10.0.0.7/32")));
  assert_true(cidr_aligned(parse("10.0.0.16/28")));
  assert_false(cidr_aligned(parse("10.0.0.8/28")));
}

static void contains_and_overlaps(void **state) {
  (void)state;
  Cidr vpc = parse("10.0.0.0/16");
  assert_true(cidr_contains(vpc, parse("10.0.0.0/24")));
  assert_true(cidr_contains(vpc, parse("10.0.255.240/28")));
  assert_true(cidr_contains(vpc, vpc));
  assert_false(cidr_contains(vpc, parse("10.1.0.0/24")));
  assert_false(cidr_contains(vpc, parse("10.0.0.0/15")));   /* wider than the VPC */
  assert_false(cidr_contains(parse("10.0.0.0/24"), vpc));
  assert_true(cidr_contains(parse("0.0.0.0/0"), parse("203.0.113.0/24")));

  assert_true(cidr_overlaps(parse("10.0.0.0/24"), parse("10.0.0.128/25")));
  assert_true(cidr_overlaps(parse("10.0.0.128/25"), parse("10.0.0.0/24")));  /* symmetric */
  assert_true(cidr_overlaps(parse("10.0.0.0/23"), parse("10.0.1.0/24")));
  assert_false(cidr_overlaps(parse("10.0.0.0/24"), parse("10.0.1.0/24")));
  assert_false(cidr_overlaps(parse("10.0.0.0/25"), parse("10.0.0.128/25")));
  assert_true(cidr_overlaps(parse("0.0.0.0/0"), parse("10.0.0.0/8")));
  assert_true(cidr_overlaps(parse("10.0.0.5/32"), parse("10.0.0.5/32")));
}

static const char *slot(const char *base, int prefix, int n, char *buf) {
  Cidr out;
  if (!cidr_slot(parse(base), prefix, n, &out))
    return NULL;
  return cidr_format(out, buf);
}

static void carving(void **state) {
  (void)state;
  char buf[20];
  /* The contract's CartFul numbers: tier t in AZ i is slot 8*t + i. */
  static const char *cartful[2][3] = {
      {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"},
      {"10.0.8.0/24", "10.0.9.0/24", "10.0.10.0/24"},
  };
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 3; i++)
      assert_string_equal(slot("10.0.0.0/16", 24, 8 * t + i, buf), cartful[t][i]);
  assert_string_equal(slot("10.0.0.0/16", 24, 16, buf), "10.0.16.0/24");   /* isolated a */
  assert_string_equal(slot("10.0.0.0/16", 24, 255, buf), "10.0.255.0/24");
  assert_string_equal(slot("10.50.0.0/18", 26, 9, buf), "10.50.2.64/26");
  assert_string_equal(slot("10.0.0.0/24", 28, 15, buf), "10.0.0.240/28");
  assert_string_equal(slot("10.0.0.0/16", 16, 0, buf), "10.0.0.0/16");
  /* Host bits in the base are ignored: slots start at the network. */
  assert_string_equal(slot("10.0.0.1/16", 24, 1, buf), "10.0.1.0/24");

  /* Overflow: a /16 holds 256 /24s, a /24 holds 16 /28s. */
  assert_null(slot("10.0.0.0/16", 24, 256, buf));
  assert_null(slot("10.0.0.0/24", 28, 16, buf));
  assert_null(slot("10.0.0.0/24", 25, 8, buf));   /* private a in a /24 carved at /25 */
  assert_null(slot("10.0.0.0/16", 24, -1, buf));
  assert_null(slot("10.0.0.0/16", 15, 0, buf));   /* slot wider than the base */
  assert_null(slot("10.0.0.0/16", 33, 0, buf));
  assert_null(slot("255.255.0.0/16", 24, 1 << 30, buf));
  assert_string_equal(slot("255.255.0.0/16", 24, 255, buf), "255.255.255.0/24");
  assert_string_equal(slot("0.0.0.0/0", 32, 0x7fffffff, buf), "127.255.255.255/32");
}

static void public_addresses(void **state) {
  (void)state;
  static const struct {
    const char *ip;
    bool public;
  } cases[] = {
      {"55.55.55.55", true},  {"8.8.8.8", true},     {"203.0.114.1", true},
      {"10.1.2.3", false},    {"172.16.0.1", false}, {"172.31.255.255", false},
      {"172.32.0.1", true},   {"192.168.10.4", false}, {"127.0.0.1", false},
      {"169.254.1.1", false}, {"100.64.0.1", false}, {"0.1.2.3", false},
      {"224.0.0.1", false},   {"255.255.255.255", false}, {"192.0.2.1", false},
      {"198.51.100.7", false}, {"203.0.113.9", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint32_t ip;
    assert_true(ip_parse(cases[i].ip, &ip));
    if (ip_is_public(ip) != cases[i].public)
      fail_msg("ip_is_public(%s) should be %d", cases[i].ip, cases[i].public);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_valid),   cmocka_unit_test(parse_malformed),
      cmocka_unit_test(aligned),       cmocka_unit_test(contains_and_overlaps),
      cmocka_unit_test(carving),       cmocka_unit_test(public_addresses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
