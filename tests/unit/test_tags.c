/*
 * test_tags: the AWS tag rules of src/tags.c. Tag text is letters,
 * numbers and spaces of any script (Unicode L, N, Z) plus + - = . _ : / @;
 * keys are 1-128 characters and values at most 256, counted in
 * characters, not bytes; anything that is not strict UTF-8 is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "tags.h"

static int setup(void **state) {
  *state = arena_new();
  return 0;
}

static int teardown(void **state) {
  arena_free(*state);
  return 0;
}

static void ascii_exactly_the_documented_set(void **state) {
  (void)state;
  for (uint32_t c = 1; c < 0x80; c++) {
    bool want = isalnum((int)c) || strchr(" +-=._:/@", (int)c);
    assert_int_equal(tag_char_ok(c), want);
  }
  assert_false(tag_char_ok(0));
}

static void letters_numbers_spaces_of_every_script(void **state) {
  (void)state;
  static const uint32_t ok[] = {
      0xE9,    /* é  Ll */
      0xDF,    /* ß  Ll */
      0xC0,    /* À  first of a range */
      0xD6,    /* Ö  last of that range */
      0x416,   /* Ж  Lu */
      0x4E2D,  /* 中 Lo */
      0x663,   /* ٣  Nd, Arabic-Indic three */
      0x216B,  /* Ⅻ  Nl */
      0xBD,    /* ½  No */
      0xA0,    /* no-break space, Zs, the table's first entry */
      0x3000,  /* ideographic space, Zs */
      0x2028,  /* line separator, Zl */
      0x2029,  /* paragraph separator, Zp */
      0x1D400, /* mathematical bold A, Lu */
      0x20000, /* CJK extension B, Lo */
      0x3134A, /* CJK extension G's last, the table's last entry */
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    assert_true(tag_char_ok(ok[i]));
}

static void symbols_marks_and_format_characters_refused(void **state) {
  (void)state;
  static const uint32_t bad[] = {
      0x80,     /* a C1 control */
      0x9F,     /* the last one, right before the table's first entry */
      0xD7,     /* ×  Sm, between two letter ranges */
      0xF7,     /* ÷  Sm */
      0xA9,     /* ©  So */
      0x301,    /* combining acute accent, Mn */
      0x200B,   /* zero-width space, Cf */
      0x200D,   /* zero-width joiner, Cf */
      0x202E,   /* right-to-left override, Cf */
      0xFEFF,   /* byte order mark, Cf */
      0x2713,   /* ✓  So */
      0x1F680,  /* 🚀 So */
      0xE000,   /* private use */
      0x3134B,  /* right after the table's last entry */
      0x10FFFF, /* a noncharacter, the last code point */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(tag_char_ok(bad[i]));
}

static const char *repeat(Arena *a, const char *unit, int n) {
  size_t len = strlen(unit);
  char *s = arena_alloc(a, len * (size_t)n + 1);
  for (int i = 0; i < n; i++)
    memcpy(s + len * (size_t)i, unit, len);
  s[len * (size_t)n] = '\0';
  return s;
}

static void lengths_count_characters(void **state) {
  Arena *a = *state;
  /* 128 two-byte characters: 256 bytes, a valid key */
  assert_null(tag_problem(a, repeat(a, "\xC3\xA4", 128), true));
  assert_string_equal(tag_problem(a, repeat(a, "\xC3\xA4", 129), true), "a tag key is 1-128 characters, found 129");
  assert_string_equal(tag_problem(a, "", true), "a tag key is 1-128 characters, found 0");
  assert_null(tag_problem(a, "", false));
  assert_null(tag_problem(a, repeat(a, "\xE4\xB8\xAD", 256), false));   /* 768 bytes */
  assert_string_equal(tag_problem(a, repeat(a, "x", 257), false),
                      "a tag value is at most 256 characters, found 257");
}

static void messages_name_the_first_refused_character(void **state) {
  Arena *a = *state;
  assert_null(tag_problem(a, "a:b/c=d+e-f@g.h_i j", true));
  assert_null(tag_problem(a, "\xC3\xBC" "n" "\xC3\xAF" "c" "\xC3\xB6" "d" "\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87", false));
  assert_string_equal(tag_problem(a, "${file(\"/etc/passwd\")}", false),
                      "AWS allows only letters, numbers, spaces and + - = . _ : / @ in a tag value, found '$'");
  assert_string_equal(tag_problem(a, "key \"q\"", true),
                      "AWS allows only letters, numbers, spaces and + - = . _ : / @ in a tag key, found '\"'");
  /* a quote, a control character and anything past ASCII as a code point */
  assert_non_null(strstr(tag_problem(a, "it's", false), "found U+0027"));
  assert_non_null(strstr(tag_problem(a, "a\nb", false), "found U+000A"));
  assert_non_null(strstr(tag_problem(a, "rocket \xF0\x9F\x9A\x80 $", false), "found U+1F680"));
}

static void only_strict_utf8(void **state) {
  Arena *a = *state;
  static const char *const bad[] = {
      "\xC3",             /* truncated */
      "a\x80" "b",        /* a lone continuation byte */
      "\xC0\xAF",         /* overlong '/' */
      "\xE0\x80\xAF",     /* overlong, three bytes */
      "\xED\xA0\x80",     /* a UTF-16 surrogate */
      "\xF4\x90\x80\x80", /* past U+10FFFF */
      "\xF8\x88\x80\x80\x80",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_string_equal(tag_problem(a, bad[i], false), "a tag value must be valid UTF-8");
    assert_string_equal(tag_problem(a, bad[i], true), "a tag key must be valid UTF-8");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ascii_exactly_the_documented_set),
      cmocka_unit_test(letters_numbers_spaces_of_every_script),
      cmocka_unit_test(symbols_marks_and_format_characters_refused),
      cmocka_unit_test_setup_teardown(lengths_count_characters, setup, teardown),
      cmocka_unit_test_setup_teardown(messages_name_the_first_refused_character, setup, teardown),
      cmocka_unit_test_setup_teardown(only_strict_utf8, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
