/*
 * secrets: credential shapes. Each known token format is matched by its
 * documented prefix and alphabet; anything else only counts when it sits
 * under a key named like a credential and is long and random enough.
 * ARNs, image references, digests and UUIDs are never credentials.
 */
#include "secrets.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tmpl.h"

static int run_of(const char *s, const char *alphabet) {
  int n = 0;
  while (s[n] && strchr(alphabet, s[n]))
    n++;
  return n;
}

#define UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define HEX "0123456789abcdef"

/* What one pass over a value learns: its length and the bytes in it.
 * A shape whose prefix has a byte the value lacks, or that is longer than
 * the value, cannot be in it, so most checks end without a scan. */
typedef struct Seen {
  size_t len;
  uint64_t bytes[4];
} Seen;

static void seen_of(Seen *sn, const char *v) {
  memset(sn, 0, sizeof *sn);
  const unsigned char *p = (const unsigned char *)v;
  for (; *p; p++)
    sn->bytes[*p >> 6] |= (uint64_t)1 << (*p & 63);
  sn->len = (size_t)(p - (const unsigned char *)v);
}

static bool seen_all(const Seen *sn, const char *chars) {
  for (const unsigned char *p = (const unsigned char *)chars; *p; p++)
    if (!(sn->bytes[*p >> 6] & ((uint64_t)1 << (*p & 63))))
      return false;
  return true;
}

/* A token with 'prefix' followed by at least 'min' characters of 'alphabet',
 * not glued to other word characters on the left. */
static bool has_token(const char *s, const Seen *sn, const char *prefix, const char *alphabet, int min) {
  if (!seen_all(sn, prefix))
    return false;
  size_t pl = strlen(prefix);
  if (sn->len < pl + (size_t)min)
    return false;
  for (const char *p = strstr(s, prefix); p; p = strstr(p + 1, prefix)) {
    if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
      continue;
    if (run_of(p + pl, alphabet) >= min)
      return true;
  }
  return false;
}

double secret_entropy(const char *s) {
  int counts[256] = {0}, n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
    counts[*p]++;
  double h = 0;
  for (int i = 0; i < 256; i++)
    if (counts[i]) {
      double q = (double)counts[i] / n;
      h -= q * log2(q);
    }
  return h;
}

/* The words when no template is at hand; templates/checks/secrets.yaml
 * holds the list a platform team tunes. */
static const char *const default_words[] = {"password", "passwd", "pwd", "passphrase", "secret",
                                            "token", "apikey", "api_key", "api-key", "private_key",
                                            "access_key", "credential", "auth", NULL};

static bool key_has_word(const char *key, const char *const *words) {
  if (!key)
    return false;
  char low[128];
  size_t n = 0;
  for (; n < sizeof low - 1 && key[n]; n++)
    low[n] = (char)tolower((unsigned char)key[n]);
  low[n] = '\0';
  Seen sn;   /* a word with a byte the key lacks is not in it */
  seen_of(&sn, low);
  for (const char *const *w = words ? words : default_words; *w; w++)
    if (seen_all(&sn, *w) && strstr(low, *w))
      return true;
  return false;
}

bool secret_key_name(const char *key) { return key_has_word(key, NULL); }

const char *const *secret_words(Arena *a, Diags *d) {
  Value *list = tmpl_entry(a, d, "checks/secrets.yaml", "key_words");
  if (!list)
    return NULL;
  if (list->kind != V_LIST) {
    diag_error(d, list->pos, "key_words", "checks/secrets.yaml: key_words is a list of words");
    return NULL;
  }
  const char **words = arena_alloc(a, sizeof(char *) * (size_t)(list->list.n + 1));
  int n = 0;
  for (int i = 0; i < list->list.n; i++) {
    const Value *w = list->list.items[i];
    if (w->kind != V_STR || !*w->s) {
      diag_error(d, w->pos, "key_words", "checks/secrets.yaml: a key word is a non-empty string");
      return NULL;
    }
    char *low = arena_strdup(a, w->s);
    for (char *q = low; *q; q++)
      *q = (char)tolower((unsigned char)*q);
    words[n++] = low;
  }
  return words;
}

/* Words and numbers joined by - _ . / (prod/orders/db-credentials,
 * oauth2-client-credentials): a name, not a random value. */
static bool is_slug(const char *v) {
  for (const char *p = v; *p;) {
    size_t letters = strspn(p, "abcdefghijklmnopqrstuvwxyz");
    if (!letters)
      letters = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    size_t digits = strspn(p + letters, "0123456789");
    if (!letters && !digits)
      return false;
    if (letters && digits > 3)
      return false;
    p += letters + digits;
    if (!*p)
      return true;
    if (!strchr("-_./", *p) || !p[1])
      return false;
    p++;
  }
  return false;
}

/* header.payload.signature, the first two base64url JSON objects. */
static bool has_jwt(const char *v) {
  for (const char *p = strstr(v, "eyJ"); p; p = strstr(p + 1, "eyJ")) {
    size_t a = strspn(p, ALNUM "-_");
    if (a < 10 || p[a] != '.' || strncmp(p + a + 1, "eyJ", 3))
      continue;
    const char *q = p + a + 1;
    size_t b = strspn(q, ALNUM "-_");
    if (b >= 10 && q[b] == '.' && strspn(q + b + 1, ALNUM "-_") >= 16)
      return true;
  }
  return false;
}

static bool is_reference(const char *v, const Seen *sn) {
  return strncmp(v, "arn:", 4) == 0 || strncmp(v, "sha256:", 7) == 0 ||
         (seen_all(sn, ":/") && strstr(v, "://")) || (seen_all(sn, "${") && strstr(v, "${")) ||
         (seen_all(sn, "{:") && strstr(v, "{{resolve:"));
}

/* scheme://user:password@host: the password sits between the first ':'
 * of the authority and its '@'. A placeholder (${VAR}) is no password. */
static bool url_password(const char *v) {
  const char *auth = strstr(v, "://");
  if (!auth)
    return false;
  auth += 3;
  size_t n = strcspn(auth, "/?#");
  const char *at = NULL;
  for (const char *p = auth; p < auth + n; p++)
    if (*p == '@')
      at = p;
  if (!at)
    return false;
  const char *colon = memchr(auth, ':', (size_t)(at - auth));
  if (!colon || colon + 1 == at)
    return false;
  return !(colon[1] == '$' && colon[2] == '{');
}

static bool is_uuid(const char *v, size_t len) {
  if (len != 36)
    return false;
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
      return false;
  }
  return true;
}

const char *secret_kind(const char *key, const char *value) { return secret_kind_with(key, value, NULL); }

const char *secret_kind_with(const char *key, const char *value, const char *const *words) {
  const char *v = value;
  /* Each shape below needs a least length and some bytes (see Seen):
   * the scan for one is skipped when the value cannot hold it. */
  Seen sn;
  seen_of(&sn, v);
  size_t len = sn.len;
  if (len >= 11 && seen_all(&sn, "-BPK") && strstr(v, "-----BEGIN") && strstr(v, "PRIVATE KEY"))
    return "a private key block";
  if (has_token(v, &sn, "AKIA", UPPER_DIGITS, 16) || has_token(v, &sn, "ASIA", UPPER_DIGITS, 16))
    return "an AWS access key ID";
  static const char *slack[] = {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"};
  /* each family's prefixes share some bytes: test those once */
  if (seen_all(&sn, "xox-"))
    for (size_t i = 0; i < sizeof slack / sizeof *slack; i++)
      if (has_token(v, &sn, slack[i], ALNUM "-", 10))
        return "a Slack token";
  static const char *github[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"};
  if (seen_all(&sn, "gh_"))
    for (size_t i = 0; i < sizeof github / sizeof *github; i++)
      if (has_token(v, &sn, github[i], ALNUM, 36))
        return "a GitHub token";
  if (has_token(v, &sn, "github_pat_", ALNUM "_", 40))
    return "a GitHub token";
  static const char *gitlab[] = {"glpat-", "glrt-", "gldt-", "glptt-", "glsoat-"};
  if (seen_all(&sn, "glt-"))
    for (size_t i = 0; i < sizeof gitlab / sizeof *gitlab; i++)
      if (has_token(v, &sn, gitlab[i], ALNUM "-_", 20))
        return "a GitLab token";
  static const char *sonar[] = {"squ_", "sqp_", "sqa_"};
  if (seen_all(&sn, "sq_"))
    for (size_t i = 0; i < sizeof sonar / sizeof *sonar; i++)
      if (has_token(v, &sn, sonar[i], HEX, 40))
        return "a SonarQube token";
  static const char *stripe[] = {"sk_live_", "rk_live_", "sk_test_", "rk_test_"};
  if (seen_all(&sn, "k_e"))
    for (size_t i = 0; i < sizeof stripe / sizeof *stripe; i++)
      if (has_token(v, &sn, stripe[i], ALNUM, 24))
        return "a Stripe API key";
  if (has_token(v, &sn, "AIza", ALNUM "-_", 35))
    return "a Google API key";
  if (has_token(v, &sn, "npm_", ALNUM, 36))
    return "an npm access token";
  if (len >= 38 && seen_all(&sn, "eyJ.") && has_jwt(v))   /* 10 + '.' + 10 + '.' + 16 */
    return "a JSON Web Token";
  if (len >= 26 && seen_all(&sn, "hooks.lac/") &&
      (strstr(v, "hooks.slack.com/services/T") || strstr(v, "hooks.slack.com/workflows/")))
    return "a Slack webhook URL";
  if (seen_all(&sn, ":/@") && url_password(v))
    return "a URL with an embedded password";
  if (is_reference(v, &sn) || is_uuid(v, len))
    return NULL;
  /* AWS secret access keys: 40 characters of base64-ish alphabet. */
  if (len == 40 && run_of(v, ALNUM "/+") == 40 && secret_entropy(v) > 4.0 &&
      strpbrk(v, "0123456789") && strpbrk(v, "abcdefghijklmnopqrstuvwxyz") &&
      strpbrk(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return "an AWS secret access key";
  if (len >= 8 && key_has_word(key, words) && !strchr(v, ' ') && !is_slug(v)) {
    size_t n = len;
    double h = secret_entropy(v);
    if ((n >= 16 && h >= 3.5) || (n >= 8 && h >= 2.5 && strpbrk(v, "0123456789") &&
                                  strpbrk(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")))
      return "a plaintext credential";
  }
  return NULL;
}
