/*
 * test_names: physical names within each service's limits (src/names.c).
 * A name that fits is only normalised; one that does not keeps a prefix
 * and the stable 6-character hash of the full name, so two long names
 * that share a prefix never collide and no name changes between runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "names.h"

static int setup(void **state) {
  *state = arena_new();
  return 0;
}

static int teardown(void **state) {
  arena_free(*state);
  return 0;
}

static void fits_unchanged(void **state) {
  Arena *a = *state;
  assert_string_equal(name_fit(a, "cartful-orders", 63, 0), "cartful-orders");
  assert_string_equal(name_fit(a, "cartful-user_metadata-task", 64, 0), "cartful-user_metadata-task");
  /* exactly at the limit is not shortened */
  assert_string_equal(name_fit(a, "abcdefghij", 10, 0), "abcdefghij");
}

static void lowercase_and_separators(void **state) {
  Arena *a = *state;
  assert_string_equal(name_fit(a, "Cartful-Orders", 63, NAME_LOWER), "cartful-orders");
  /* NAME_LOWER alone keeps underscores */
  assert_string_equal(name_fit(a, "A_B", 63, NAME_LOWER), "a_b");
  assert_string_equal(name_fit(a, "cartful-user_metadata", 32, NAME_NO_UNDERSCORE),
                      "cartful-user-metadata");
  /* NAME_NO_UNDERSCORE keeps case; DNS folds it */
  assert_string_equal(name_fit(a, "My_App", 63, NAME_NO_UNDERSCORE), "My-App");
  assert_string_equal(name_fit(a, "My_App.v2", 63, NAME_DNS), "my-app-v2");
  /* "--" collapses (RDS forbids it) and separators at the ends go */
  assert_string_equal(name_fit(a, "a__b--c_-d", 63, NAME_NO_UNDERSCORE), "a-b-c-d");
  assert_string_equal(name_fit(a, "_edge_", 63, NAME_DNS), "edge");
  assert_string_equal(name_fit(a, "--x--", 63, NAME_LOWER | NAME_NO_UNDERSCORE), "x");
  /* without a separator flag nothing but case changes */
  assert_string_equal(name_fit(a, "a__b", 63, 0), "a__b");
}

static bool dns_label(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
      return false;
  return true;
}

static void shortening(void **state) {
  Arena *a = *state;
  const char *full = "cartful-a_really_long_service_name_for_the_target_group";
  for (int limit = 1; limit <= 70; limit++) {
    const char *s = name_fit(a, full, limit, NAME_NO_UNDERSCORE);
    if ((int)strlen(s) > limit)
      fail_msg("name_fit(%d) gave %zu characters: %s", limit, strlen(s), s);
    assert_null(strchr(s, '_'));
    assert_null(strstr(s, "--"));
    if (*s)
      assert_true(isalnum((unsigned char)s[strlen(s) - 1]));
  }
  /* The shortened form is prefix + '-' + name_hash(full). */
  char h[7];
  name_hash(full, h);
  const char *s32 = name_fit(a, full, 32, NAME_NO_UNDERSCORE);
  assert_int_equal(strlen(s32), 32);
  assert_string_equal(s32 + 26, h);
  assert_int_equal(s32[25], '-');
  assert_memory_equal(s32, "cartful-a-really-long-ser", 25);

  /* a prefix ending in a separator is trimmed before the hash */
  const char *t = name_fit(a, "abcdef-ghijklmnop", 14, 0);
  name_hash("abcdef-ghijklmnop", h);
  assert_string_equal(t, arena_printf(a, "abcdef-%s", h));
  t = name_fit(a, "abcdef--ghijklmnop", 15, 0);
  name_hash("abcdef--ghijklmnop", h);
  assert_string_equal(t, arena_printf(a, "abcdef-%s", h));

  /* DNS labels stay DNS labels at every limit that can hold one */
  const char *k = "Flights_Availability.Service-With-A-Name-Longer-Than-Sixty-Three-Characters";
  for (int limit = 8; limit <= 63; limit++) {
    const char *s = name_fit(a, k, limit, NAME_DNS);
    if (!dns_label(s) || (int)strlen(s) > limit)
      fail_msg("not a DNS-1123 label of at most %d: %s", limit, s);
  }
}

static void stable_hash_suffix(void **state) {
  Arena *a = *state;
  const char *x = "cartful-flights_availability-target-group-blue";
  const char *y = "cartful-flights_availability-target-group-green";
  const char *fx = name_fit(a, x, 32, NAME_NO_UNDERSCORE);
  /* same input, same output, in this arena and in a fresh one */
  assert_string_equal(fx, name_fit(a, x, 32, NAME_NO_UNDERSCORE));
  Arena *b = arena_new();
  assert_string_equal(fx, name_fit(b, x, 32, NAME_NO_UNDERSCORE));
  arena_free(b);
  /* a shared 25-character prefix does not make the names collide */
  const char *fy = name_fit(a, y, 32, NAME_NO_UNDERSCORE);
  assert_memory_equal(fx, fy, 25);
  assert_string_not_equal(fx, fy);

  /* The hash is base-36, 6 characters, a pure function of the input.
   * Pinned values: changing the hash renames every shortened resource. */
  char h[7];
  name_hash("", h);
  assert_string_equal(h, "pftntz");
  name_hash("cartful-orders", h);
  for (int i = 0; i < 6; i++)
    assert_true(islower((unsigned char)h[i]) || isdigit((unsigned char)h[i]));
  char h2[7];
  name_hash("cartful-orders", h2);
  assert_string_equal(h, h2);
  name_hash("cartful-orderz", h2);
  assert_string_not_equal(h, h2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(fits_unchanged, setup, teardown),
      cmocka_unit_test_setup_teardown(lowercase_and_separators, setup, teardown),
      cmocka_unit_test_setup_teardown(shortening, setup, teardown),
      cmocka_unit_test_setup_teardown(stable_hash_suffix, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
