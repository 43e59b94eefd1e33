/*
 * names: shortening with a stable hash suffix (see names.h).
 */
#include "names.h"

#include <ctype.h>
#include <string.h>

void name_hash(const char *s, char out[7]) {
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint32_t h = hash_fnv1a(s);
  for (int i = 0; i < 6; i++) {
    out[i] = digits[h % 36];
    h /= 36;
  }
  out[6] = '\0';
}

const char *name_fit(Arena *a, const char *full, int limit, unsigned flags) {
  size_t n = strlen(full);
  char *s = arena_strndup(a, full, n);
  for (size_t i = 0; i < n; i++) {
    if (flags & NAME_LOWER || flags & NAME_DNS)
      s[i] = (char)tolower((unsigned char)s[i]);
    if ((flags & (NAME_NO_UNDERSCORE | NAME_DNS)) && !isalnum((unsigned char)s[i]))
      s[i] = '-';
  }
  if (flags & (NAME_NO_UNDERSCORE | NAME_DNS)) {
    /* collapse "--" (RDS forbids it) and trim '-' at the ends */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (!(s[i] == '-' && (k == 0 || s[k - 1] == '-')))
        s[k++] = s[i];
    while (k && s[k - 1] == '-')
      k--;
    s[k] = '\0';
    n = k;
  }
  if ((int)n <= limit)
    return s;
  char h[7];
  name_hash(full, h);
  /* Room for "<prefix>-<hash>"; a prefix that would be empty or end in a
   * separator is trimmed, and a limit too small for any prefix gets the
   * hash alone. */
  size_t keep = limit > 7 ? (size_t)limit - 7 : 0;
  while (keep && !isalnum((unsigned char)s[keep - 1]))
    keep--;
  if (!keep)
    return arena_printf(a, "%.*s", limit > 0 ? (limit < 6 ? limit : 6) : 0, h);
  return arena_printf(a, "%.*s-%s", (int)keep, s, h);
}

const char *name_k8s_namespace(Arena *a, const char *name, const char *env) {
  if (!env || !strcmp(env, "base"))
    return name_fit(a, name, 63, NAME_DNS);
  return name_fit(a, arena_printf(a, "%s-%s", name, env), 63, NAME_DNS);
}

const char *name_k8s_service_account(Arena *a, const char *key) { return name_fit(a, key, 63, NAME_DNS); }
