/*
 * validate: the merged spec tree becomes a Model, or a list of errors.
 *
 * Every key of the contract is checked for type, range and pattern;
 * unknown keys get a "did you mean"; references between sections are
 * resolved; defaults are applied. Nothing stops at the first problem:
 * each section is checked as far as it can be, and a value that failed
 * takes its default so later checks do not cascade into noise.
 */
#include "model.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "merge.h"
#include "secrets.h"
#include "tags.h"

typedef struct Owner {
  const Value *node;
  Pos key_pos;
} Owner;

typedef struct V {
  Arena *a;
  Diags *d;
  Model *m;
  Owner *owners;   /* map or list -> the key naming it, built on first error */
  int owners_cap;
} V;

static void owners_add(V *v, const Value *node, Pos key_pos, bool *fresh) {
  size_t h = ((uintptr_t)node >> 4) & (size_t)(v->owners_cap - 1);
  while (v->owners[h].node && v->owners[h].node != node)
    h = (h + 1) & (size_t)(v->owners_cap - 1);
  *fresh = !v->owners[h].node;
  if (*fresh)
    v->owners[h] = (Owner){node, key_pos};
}

static int count_nodes(const Value *x, int depth, int cap) {
  int n = 1;
  if (depth > LOAD_MAX_DEPTH || n >= cap)
    return n;
  if (x->kind == V_MAP)
    for (int i = 0; i < x->map.n && n < cap; i++)
      n += count_nodes(x->map.entries[i].val, depth + 1, cap - n);
  else if (x->kind == V_LIST)
    for (int i = 0; i < x->list.n && n < cap; i++)
      n += count_nodes(x->list.items[i], depth + 1, cap - n);
  return n;
}

/* Record the key naming every map and list; a node shared through a YAML
 * alias is walked once, so an alias-heavy file costs its written size. */
static void owners_walk(V *v, const Value *x, Pos key_pos, int depth) {
  if ((x->kind != V_MAP && x->kind != V_LIST) || depth > LOAD_MAX_DEPTH)
    return;
  bool fresh;
  owners_add(v, x, key_pos, &fresh);
  if (!fresh)
    return;
  if (x->kind == V_MAP)
    for (int i = 0; i < x->map.n; i++)
      owners_walk(v, x->map.entries[i].val, x->map.entries[i].key_pos, depth + 1);
  else
    for (int i = 0; i < x->list.n; i++)
      owners_walk(v, x->list.items[i], (Pos){0}, depth + 1);
}

/* Where a message about a whole map or list points: at the key that
 * names it (`api:` rather than the first line inside), or at the node
 * itself when it has no key (a list item, the root). */
static Pos node_pos(V *v, const Value *x) {
  if (x->kind != V_MAP && x->kind != V_LIST)
    return x->pos;
  if (!v->owners) {
    int n = count_nodes(v->m->root, 0, 1 << 22);
    v->owners_cap = 64;
    while (v->owners_cap < 2 * n)
      v->owners_cap *= 2;
    v->owners = arena_alloc(v->a, sizeof(Owner) * (size_t)v->owners_cap);
    owners_walk(v, v->m->root, (Pos){0}, 0);
  }
  size_t h = ((uintptr_t)x >> 4) & (size_t)(v->owners_cap - 1);
  while (v->owners[h].node && v->owners[h].node != x)
    h = (h + 1) & (size_t)(v->owners_cap - 1);
  if (v->owners[h].node == x && v->owners[h].key_pos.file && v->owners[h].key_pos.line > 0)
    return v->owners[h].key_pos;
  return x->pos;
}

static void err(V *v, const Value *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void err(V *v, const Value *at, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(v->a, fmt, ap);
  va_end(ap);
  Pos p = at ? node_pos(v, at) : (Pos){.file = v->m->file};
  diag_error(v->d, p, path, "%s", msg);
}

static void err_key(V *v, const MapEntry *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void err_key(V *v, const MapEntry *e, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(v->a, fmt, ap);
  va_end(ap);
  Pos p = e->key_pos.file ? e->key_pos : e->val->pos;
  diag_error(v->d, p, path, "%s", msg);
}

static const char *join(V *v, const char *path, const char *key) {
  return *path ? arena_printf(v->a, "%s.%s", path, key) : key;
}

static const char *describe(const Value *x) {
  if (x->kind == V_STR)
    return "a string";
  if (x->kind == V_INT)
    return "an integer";
  if (x->kind == V_FLOAT)
    return "a number";
  if (x->kind == V_BOOL)
    return "a boolean";
  if (x->kind == V_NULL)
    return "null";
  if (x->kind == V_LIST)
    return "a list";
  return "a map";
}

/* The candidate closest to 'word', for "did you mean": a small edit
 * distance (1 for short names, 2 otherwise), or a name that 'word' is a
 * clear abbreviation of (eip_alloc for eip_allocation). NULL when none is
 * close enough to be a good guess. */
static const char *closest(const char *word, const char *const *cands, int n) {
  const char *best = NULL;
  int bestd = 3;
  size_t wl = strlen(word);
  for (int i = 0; i < n; i++) {
    const char *k = cands[i];
    int dist = str_distance(word, k, 2);
    int cap = strlen(k) <= 4 ? 1 : 2;
    if (dist <= cap && dist < bestd) {
      bestd = dist;
      best = k;
    }
  }
  for (int i = 0; i < n && !best; i++)
    if (wl >= 4 && str_starts(cands[i], word))
      best = cands[i];
  return best;
}

static const char *mean(V *v, const char *name, const char *section);

/* Report keys of 'map' not in 'known' (NULL-terminated), with a hint. */
static void known_keys(V *v, const Value *map, const char *path, const char *const *known) {
  int nknown = 0;
  while (known[nknown])
    nknown++;
  for (int i = 0; i < map->map.n; i++) {
    const MapEntry *e = &map->map.entries[i];
    bool ok = false;
    for (const char *const *k = known; *k && !ok; k++)
      ok = !strcmp(*k, e->key);
    if (ok)
      continue;
    const char *best = closest(e->key, known, nknown);
    if (best)
      err_key(v, e, join(v, path, e->key), "unknown key '%s'; did you mean '%s'?", e->key, best);
    else
      err_key(v, e, join(v, path, e->key), "unknown key '%s'", e->key);
  }
}

static Value *expect_map(V *v, Value *x, const char *path) {
  if (!x)
    return NULL;
  if (x->kind != V_MAP) {
    err(v, x, path, "expected a map, found %s", describe(x));
    return NULL;
  }
  return x;
}

/* Far above any real spec, and low enough that the checks comparing
 * every item of a list or section with every other stay instant: a list
 * or section past it is reported and left out. */
#define MAX_ITEMS 1000
/* Sections (services, databases, ...) are bigger: the benchmark's largest
 * spec has 5000 services (bench/gen 5000); the plan's resource limit
 * (PLAN_MAX_RESOURCES) bounds what they make. */
#define MAX_SECTION 10000
/* Inbound (or outbound) rules of one network ACL: AWS's hard ceiling. */
#define MAX_NACL_RULES 40

static Value *expect_list(V *v, Value *x, const char *path) {
  if (!x)
    return NULL;
  if (x->kind != V_LIST) {
    err(v, x, path, "expected a list, found %s", describe(x));
    return NULL;
  }
  if (x->list.n > MAX_ITEMS) {
    err(v, x, path, "a list holds at most %d items, found %d", MAX_ITEMS, x->list.n);
    return NULL;
  }
  return x;
}

static const char *get_str(V *v, Value *map, const char *key, const char *path, const char *def) {
  Value *x = val_get(map, key);
  if (!x)
    return def;
  if (x->kind != V_STR) {
    if (x->kind == V_INT || x->kind == V_FLOAT)
      err(v, x, join(v, path, key), "expected a string, found %s; quote it: \"%s\"", describe(x),
          x->raw ? x->raw : "");
    else
      err(v, x, join(v, path, key), "expected a string, found %s", describe(x));
    return def;
  }
  return x->s;
}

static const char *req_str(V *v, Value *map, const char *key, const char *path) {
  Value *x = val_get(map, key);
  if (!x) {
    err(v, map, *path ? path : key, "'%s' is required", key);
    return NULL;
  }
  return get_str(v, map, key, path, NULL);
}

static long long get_int(V *v, Value *map, const char *key, const char *path, long long def,
                         long long lo, long long hi) {
  Value *x = val_get(map, key);
  if (!x)
    return def;
  if (x->kind != V_INT) {
    err(v, x, join(v, path, key), "expected an integer, found %s", describe(x));
    return def;
  }
  if (x->i < lo || x->i > hi) {
    err(v, x, join(v, path, key), "must be between %lld and %lld, found %lld", lo, hi, x->i);
    return def;
  }
  return x->i;
}

static bool get_bool(V *v, Value *map, const char *key, const char *path, bool def) {
  Value *x = val_get(map, key);
  if (!x)
    return def;
  if (x->kind != V_BOOL) {
    if (x->kind == V_STR && (!strcasecmp(x->s, "yes") || !strcasecmp(x->s, "no") ||
                             !strcasecmp(x->s, "on") || !strcasecmp(x->s, "off")))
      err(v, x, join(v, path, key), "expected true or false, found the string '%s'", x->s);
    else if (x->kind == V_STR && (!strcmp(x->s, "true") || !strcmp(x->s, "false")))
      err(v, x, join(v, path, key), "expected true or false, found the string \"%s\"; write it without quotes",
          x->s);
    else
      err(v, x, join(v, path, key), "expected true or false, found %s", describe(x));
    return def;
  }
  return x->b;
}

static bool get_number(V *v, Value *map, const char *key, const char *path, double *out) {
  Value *x = val_get(map, key);
  if (!x)
    return false;
  if (x->kind == V_INT)
    *out = (double)x->i;
  else if (x->kind == V_FLOAT && isfinite(x->f))
    *out = x->f;
  else {
    err(v, x, join(v, path, key), "expected a number, found %s", describe(x));
    return false;
  }
  return true;
}

/* A tiny matcher for the name patterns of the contract: a first-character
 * class, then a class for the rest, and a length range. */
static bool name_ok(const char *s, const char *first, const char *rest, int min, int max) {
  int n = (int)strlen(s);
  if (n < min || n > max)
    return false;
  for (int i = 0; i < n; i++)
    if (!strchr(i == 0 && first ? first : rest, s[i]))
      return false;
  return true;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static bool digits12(const char *s) {
  return s && strlen(s) == 12 && strspn(s, DIGIT) == 12;
}

static const char *account_str(V *v, Value *map, const char *key, const char *path, bool required) {
  Value *x = val_get(map, key);
  if (!x) {
    if (required)
      err(v, map, *path ? path : key, "'%s' is required", key);
    return NULL;
  }
  if (x->kind == V_INT) {
    if (x->raw && digits12(x->raw))
      err(v, x, join(v, path, key), "an account ID must be quoted, so leading zeros survive: \"%s\"",
          x->raw);
    else
      err(v, x, join(v, path, key), "an AWS account ID is exactly 12 digits, quoted: \"123456789012\"");
    return NULL;
  }
  const char *s = get_str(v, map, key, path, NULL);
  if (s && !digits12(s)) {
    err(v, x, join(v, path, key), "an AWS account ID is exactly 12 digits");
    return NULL;
  }
  return s;
}

/* Where scan_secrets is in the tree: a key or an index under 'up'. The
 * key path is only spelled out for a value that looks like a credential,
 * since building it for every node cost more than the scan itself. */
typedef struct Step {
  const struct Step *up;
  const char *key;   /* NULL: a list item */
  long index;
} Step;

/* The same path spec_path_join and spec_path_index give, step by step. */
static const char *step_path(Arena *a, const Step *s) {
  if (!s)
    return "";
  const char *parent = step_path(a, s->up);
  return s->key ? spec_path_join(a, parent, s->key) : spec_path_index(a, parent, s->index);
}

/* Walk every string in the tree for plaintext credentials. */
static void scan_secrets(V *v, const char *const *words, const Value *x, const char *key, const Step *at,
                         int depth) {
  if (!x || depth > 64)
    return;
  if (x->kind == V_STR) {
    const char *kind = secret_kind_with(key, x->s, words);
    if (kind)
      diag_redact(v->d, x->pos);
    if (kind)   /* rule INF-SEC-001 of infrac check (templates/checks/rules.yaml) */
      diag_add(v->d, SEV_ERROR, "INF-SEC-001", x->pos, step_path(v->a, at),
               "this value looks like %s; never write credentials in a spec: store it in "
               "Secrets Manager and reference its ARN under a service's 'secrets'", kind);
  } else if (x->kind == V_MAP) {
    for (int i = 0; i < x->map.n; i++) {
      const MapEntry *e = &x->map.entries[i];
      /* secrets: values are references by construction */
      if (!strcmp(e->key, "secrets") && e->val->kind == V_MAP)
        continue;
      Step next = {at, e->key, 0};
      scan_secrets(v, words, e->val, e->key, &next, depth + 1);
    }
  } else if (x->kind == V_LIST) {
    for (int i = 0; i < x->list.n; i++) {
      Step next = {at, NULL, i};
      scan_secrets(v, words, x->list.items[i], key, &next, depth + 1);
    }
  }
}

/* ---- network ---- */

static const char *const network_keys[] = {"cidr", "azs", "subnets", "nat", "flow_logs",
                                           "nacls", "endpoints", NULL};
static const char *const subnet_keys[] = {"public", "private", "isolated", "prefix", NULL};
static const char *const nat_keys[] = {"mode", "eip", "eip_allocation", NULL};

/* Interface endpoints infrac knows how to make (AWS service short names). */
static const char *const endpoint_names[] = {
    "application-autoscaling", "ec2", "ec2messages", "ecr", "ecs", "ecs-agent",
    "ecs-telemetry", "elasticloadbalancing", "events", "execute-api", "kms", "logs",
    "monitoring", "rds", "secretsmanager", "sns", "sqs", "ssm", "ssmmessages", "sts",
    "xray", NULL};

static const char *tier_names[] = {"public", "private", "isolated"};

static bool region_ok(const char *s);

const char *tier_name(Tier t) { return tier_names[t]; }

static void check_azs(V *v, Network *n, Value *azs, const char *path) {
  n->az_count = 3;
  if (!azs)
    goto letters;
  if (azs->kind == V_INT) {
    if (azs->i < 1 || azs->i > 6)
      err(v, azs, path, "must be between 1 and 6 AZs, found %lld", azs->i);
    else
      n->az_count = (int)azs->i;
    goto letters;
  }
  if (azs->kind != V_LIST) {
    err(v, azs, path, "expected a count (1..6) or a list of AZ names, found %s", describe(azs));
    goto letters;
  }
  if (azs->list.n < 1 || azs->list.n > 6) {
    err(v, azs, path, "list 1 to 6 AZs, found %d", azs->list.n);
    goto letters;
  }
  n->az_count = azs->list.n;
  n->az_names = arena_alloc(v->a, sizeof(char *) * (size_t)n->az_count);
  n->az_keys = arena_alloc(v->a, sizeof(char *) * (size_t)n->az_count);
  const char *region = v->m->region ? v->m->region : "";
  for (int i = 0; i < azs->list.n; i++) {
    Value *x = azs->list.items[i];
    const char *ipath = arena_printf(v->a, "%s[%d]", path, i);
    n->az_names[i] = "";
    n->az_keys[i] = arena_printf(v->a, "%c", 'a' + i);
    if (x->kind != V_STR) {
      err(v, x, ipath, "expected an AZ name such as %sa, found %s", region, describe(x));
      continue;
    }
    size_t rl = strlen(region);
    const char *s = x->s;
    bool in_region = rl && strncmp(s, region, rl) == 0;
    const char *suffix = s + (in_region ? rl : 0);
    if (!in_region) {
      /* us-west-1a belongs to us-west-1: say so, the list mixes regions */
      size_t sl = strlen(s);
      const char *other = sl > 1 && islower((unsigned char)s[sl - 1])
                              ? arena_strndup(v->a, s, sl - 1) : NULL;
      if (other && region_ok(other))   /* rule INF-AVAIL-006 of infrac check */
        diag_add(v->d, SEV_ERROR, "INF-AVAIL-006", x->pos, ipath,
                 "AZ '%s' is in region %s, not %s: every AZ of the list must be in the spec's region", s,
                 other, region);
      else
        err(v, x, ipath, "AZ '%s' is not in region %s", s, region);
      continue;
    }
    /* us-east-1a, or a Local Zone such as us-west-2-lax-1a */
    if (!(strlen(suffix) == 1 && islower((unsigned char)*suffix)) &&
        !(suffix[0] == '-' && strlen(suffix) >= 3 && islower((unsigned char)suffix[strlen(suffix) - 1]) &&
          name_ok(suffix + 1, LOWER, LOWER DIGIT "-", 2, 20))) {
      err(v, x, ipath, "'%s' is not an AZ name of region %s (expected %sa, %sb, ...)", s, region,
          region, region);
      continue;
    }
    for (int j = 0; j < i; j++)
      if (!strcmp(n->az_names[j], s))
        err(v, x, ipath, "AZ '%s' is listed twice", s);
    n->az_names[i] = s;
    n->az_keys[i] = suffix[0] == '-' ? arena_strdup(v->a, suffix + 1) : suffix;
  }
  return;
letters:
  n->az_keys = arena_alloc(v->a, sizeof(char *) * (size_t)n->az_count);
  for (int i = 0; i < n->az_count; i++)
    n->az_keys[i] = arena_printf(v->a, "%c", 'a' + i);
}

/* One tier: a count (0 or the AZ count) or one explicit CIDR per AZ. */
static void check_tier(V *v, Network *n, Tier t, Value *subnets, const char *path, int def,
                       Value **lists) {
  Value *x = val_get(subnets, tier_names[t]);
  const char *tpath = join(v, path, tier_names[t]);
  n->count[t] = def;
  lists[t] = NULL;
  if (!x)
    return;
  if (x->kind == V_INT) {
    if (x->i != 0 && x->i != n->az_count)
      err(v, x, tpath, "a tier has 0 subnets or one per AZ (%d), found %lld", n->az_count, x->i);
    else
      n->count[t] = (int)x->i;
    return;
  }
  if (x->kind != V_LIST) {
    err(v, x, tpath, "expected a count or a list of CIDRs, found %s", describe(x));
    return;
  }
  if (x->list.n != 0 && x->list.n != n->az_count) {
    err(v, x, tpath, "a tier has 0 subnets or one per AZ (%d), found %d CIDRs", n->az_count,
        x->list.n);
    return;
  }
  n->count[t] = x->list.n;
  lists[t] = x;
}

static void check_subnets(V *v, Network *n, Value *subnets, const char *path) {
  Value *lists[TIER_COUNT];
  if (subnets)
    known_keys(v, subnets, path, subnet_keys);
  int max_prefix = n->cidr.prefix + 8 > 28 ? 28 : n->cidr.prefix + 8;
  n->prefix = (int)get_int(v, subnets, "prefix", path, max_prefix, n->cidr.prefix, 28);
  check_tier(v, n, TIER_PUBLIC, subnets, path, n->az_count, lists);
  check_tier(v, n, TIER_PRIVATE, subnets, path, n->az_count, lists);
  check_tier(v, n, TIER_ISOLATED, subnets, path, 0, lists);

  /* Validate the explicit CIDRs and carve the counted tiers, then check
   * every subnet against every other one. */
  struct {
    Cidr c;
    const Value *at;   /* the explicit CIDR, NULL when carved */
    const char *path;
    int tier, slot;
  } all[TIER_COUNT * 6];
  int nall = 0, need = -1;   /* 'need': the highest slot that did not fit */
  for (int t = 0; t < TIER_COUNT; t++) {
    n->subnets[t] = arena_alloc(v->a, sizeof(Cidr) * (size_t)(n->count[t] + 1));
    for (int i = 0; i < n->count[t]; i++) {
      Cidr c;
      const char *ipath = arena_printf(v->a, "%s.%s[%d]", path, tier_names[t], i);
      Value *x = lists[t] ? lists[t]->list.items[i] : NULL;
      if (x) {
        if (x->kind != V_STR || !cidr_parse(x->s, &c)) {
          err(v, x, ipath, "expected a CIDR such as 10.0.0.0/24");
          continue;
        }
        if (!cidr_aligned(c)) {
          char buf[20];
          Cidr fixed = {c.addr & (c.prefix ? 0xffffffffu << (32 - c.prefix) : 0), c.prefix};
          err(v, x, ipath, "%s has host bits set; did you mean %s?", x->s, cidr_format(fixed, buf));
          continue;
        }
        if (c.prefix > 28) {
          err(v, x, ipath, "a subnet is at most /28 (AWS minimum size), found /%d", c.prefix);
          continue;
        }
        if (!cidr_contains(n->cidr, c)) {
          char buf[20];
          err(v, x, ipath, "%s is outside the VPC %s", x->s, cidr_format(n->cidr, buf));
          continue;
        }
      } else if (!cidr_slot(n->cidr, n->prefix, 8 * t + i, &c)) {
        need = 8 * t + i;
        continue;
      }
      n->subnets[t][i] = c;
      all[nall].c = c;
      all[nall].at = x;
      all[nall].path = ipath;
      all[nall].tier = t;
      all[nall++].slot = 8 * t + i;
    }
  }
  if (need >= 0) {
    /* One message for the whole carving: how many slots it needs and the
     * two ways to get them. */
    int bits = 0;
    while ((1 << bits) <= need)
      bits++;
    int vpc = n->prefix - bits, sub = n->cidr.prefix + bits;
    Value *pv = val_get(subnets, "prefix");
    Value *at = pv ? pv : val_get(n->at, "cidr");
    char buf[20];
    Buf hint;
    buf_init(&hint);
    if (vpc >= 16)
      buf_printf(&hint, "a /%d VPC or larger", vpc);
    if (sub <= 28)
      buf_printf(&hint, "%ssubnets.prefix %d", hint.len ? " or " : "", sub);
    err(v, at, pv ? join(v, path, "prefix") : "network.cidr",
        "the VPC %s holds %d subnets of /%d, but carving needs slot %d (tier t in AZ i takes "
        "slot 8*t + i; public 0, private 1, isolated 2)%s%s",
        cidr_format(n->cidr, buf), 1 << (n->prefix - n->cidr.prefix), n->prefix, need,
        hint.len ? "; use " : "; use fewer AZs or tiers", hint.len ? hint.data : "");
    buf_release(&hint);
  }
  for (int k = 0; k < nall; k++)
    for (int j = 0; j < nall; j++) {
      /* Report each overlap once, at an explicit CIDR: carved slots never
       * overlap one another, so one of the two was written. */
      bool here = all[k].at && (j < k || !all[j].at);
      if (j == k || !here || !cidr_overlaps(all[j].c, all[k].c))
        continue;
      char b1[20], b2[20];
      if (all[j].at)
        err(v, all[k].at, all[k].path, "%s overlaps %s (%s)", cidr_format(all[k].c, b1),
            cidr_format(all[j].c, b2), all[j].path);
      else
        err(v, all[k].at, all[k].path, "%s overlaps %s, the %s subnet carved in slot %d",
            cidr_format(all[k].c, b1), cidr_format(all[j].c, b2), tier_names[all[j].tier],
            all[j].slot);
    }
}

static void check_nat(V *v, Network *n, Value *nat, const char *path) {
  n->nat = NAT_PER_AZ;
  n->nat_at = nat;
  if (!nat)
    return;
  Value *mode = nat;
  const char *mpath = path;
  if (nat->kind == V_MAP) {
    known_keys(v, nat, path, nat_keys);
    mode = val_get(nat, "mode");
    mpath = join(v, path, "mode");
    n->eip = get_str(v, nat, "eip", path, NULL);
    n->eip_allocation = get_str(v, nat, "eip_allocation", path, NULL);
  } else if (nat->kind != V_STR) {
    err(v, nat, path, "expected per_az, single, none or a map, found %s", describe(nat));
    return;
  }
  if (mode) {
    if (mode->kind != V_STR || (strcmp(mode->s, "per_az") && strcmp(mode->s, "single") &&
                                strcmp(mode->s, "none")))
      err(v, mode, mpath, "expected per_az, single or none");
    else
      n->nat = !strcmp(mode->s, "single") ? NAT_SINGLE : !strcmp(mode->s, "none") ? NAT_NONE : NAT_PER_AZ;
  }
  if (n->eip) {
    Value *at = val_get(nat, "eip");
    uint32_t ip;
    if (!ip_parse(n->eip, &ip))
      err(v, at, join(v, path, "eip"), "expected an IPv4 address such as 55.55.55.55");
    else if (!ip_is_public(ip))
      err(v, at, join(v, path, "eip"), "%s is not a public address; an Elastic IP must be public",
          n->eip);
  }
  if (n->eip_allocation) {
    Value *at = val_get(nat, "eip_allocation");
    const char *s = n->eip_allocation;
    if (!str_starts(s, "eipalloc-") || !name_ok(s + 9, NULL, DIGIT "abcdef", 8, 17))
      err(v, at, join(v, path, "eip_allocation"), "expected an allocation ID such as eipalloc-0123456789abcdef0");
  }
  if (n->eip && n->eip_allocation)
    err(v, val_get(nat, "eip_allocation"), join(v, path, "eip_allocation"),
        "set either eip or eip_allocation, not both");
  if ((n->eip || n->eip_allocation) && n->nat != NAT_SINGLE)
    err(v, val_get(nat, n->eip ? "eip" : "eip_allocation"),
        join(v, path, n->eip ? "eip" : "eip_allocation"),
        "a static Elastic IP applies to nat mode 'single' only (the mode is %s)",
        n->nat == NAT_NONE ? "none" : "per_az");
}

static void check_endpoints(V *v, Network *n, Value *eps, const char *path) {
  if (!expect_list(v, eps, path))
    return;
  n->endpoints = arena_alloc(v->a, sizeof(char *) * (size_t)(eps->list.n + 1));
  for (int i = 0; i < eps->list.n; i++) {
    Value *x = eps->list.items[i];
    const char *ipath = arena_printf(v->a, "%s[%d]", path, i);
    if (x->kind != V_STR) {
      err(v, x, ipath, "expected an AWS service name such as ecr or logs");
      continue;
    }
    if (!strcmp(x->s, "s3") || !strcmp(x->s, "dynamodb")) {
      err(v, x, ipath, "the %s gateway endpoint is always made; remove it from the list", x->s);
      continue;
    }
    bool ok = false;
    const char *best = NULL;
    for (const char *const *k = endpoint_names; *k; k++) {
      if (!strcmp(*k, x->s))
        ok = true;
      else if (!best && str_distance(*k, x->s, 2) <= 2)
        best = *k;
    }
    if (!ok) {
      if (best)
        err(v, x, ipath, "unknown endpoint service '%s'; did you mean '%s'?", x->s, best);
      else
        err(v, x, ipath, "unknown endpoint service '%s'", x->s);
      continue;
    }
    bool dup = false;
    for (int j = 0; j < n->nendpoints; j++)
      dup |= !strcmp(n->endpoints[j], x->s);
    if (dup) {
      err(v, x, ipath, "endpoint '%s' is listed twice", x->s);
      continue;
    }
    n->endpoints[n->nendpoints++] = x->s;
  }
  qsort(n->endpoints, (size_t)n->nendpoints, sizeof(char *), str_cmp_ptr);
}

static Network *check_network(V *v, Value *x) {
  const char *path = "network";
  if (!expect_map(v, x, path))
    return NULL;
  known_keys(v, x, path, network_keys);
  Network *n = arena_alloc(v->a, sizeof *n);
  n->at = x;
  Value *cidr = val_get(x, "cidr");
  n->cidr = (Cidr){0x0a000000, 16};
  if (!cidr)
    err(v, x, path, "'cidr' is required");
  else if (cidr->kind != V_STR || !cidr_parse(cidr->s, &n->cidr))
    err(v, cidr, "network.cidr", "expected a CIDR such as 10.0.0.0/16");
  else if (n->cidr.prefix < 16 || n->cidr.prefix > 24) {
    err(v, cidr, "network.cidr", "a VPC prefix is /16 to /24, found /%d", n->cidr.prefix);
    n->cidr.prefix = 16;
  } else if (!cidr_aligned(n->cidr)) {
    char buf[20];
    Cidr fixed = {n->cidr.addr & (0xffffffffu << (32 - n->cidr.prefix)), n->cidr.prefix};
    err(v, cidr, "network.cidr", "%s has host bits set; did you mean %s?", cidr->s,
        cidr_format(fixed, buf));
    n->cidr = fixed;
  }
  check_azs(v, n, val_get(x, "azs"), "network.azs");
  Value *subnets = val_get(x, "subnets");
  check_subnets(v, n, expect_map(v, subnets, "network.subnets"), "network.subnets");
  check_nat(v, n, val_get(x, "nat"), "network.nat");
  n->flow_logs = get_bool(v, x, "flow_logs", path, true);
  n->nacls = get_bool(v, x, "nacls", path, true);
  check_endpoints(v, n, val_get(x, "endpoints"), "network.endpoints");
  if (n->nat != NAT_NONE && n->count[TIER_PUBLIC] == 0)
    err(v, n->nat_at ? n->nat_at : x, n->nat_at ? "network.nat" : path,
        "a NAT gateway lives in a public subnet, but there are none; set nat: none or add "
        "public subnets");
  return n;
}

/* ---- load balancer ---- */

static const char *const lb_keys[] = {"public", "listeners", "allowed_cidrs",
                                      "deletion_protection", NULL};
static const char *const listener_keys[] = {"port", "protocol", "certificate", "redirect", NULL};

static bool acm_arn(const char *s) {
  /* arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID */
  if (!str_starts(s, "arn:aws"))
    return false;
  const char *p = strchr(s + 4, ':');
  if (!p || !str_starts(p, ":acm:"))
    return false;
  p += 5;
  const char *q = strchr(p, ':');
  if (!q || q == p)
    return false;
  q++;
  if (strlen(q) < 13 || strspn(q, DIGIT) != 12 || q[12] != ':')
    return false;
  return str_starts(q + 13, "certificate/") && strlen(q + 13) > 12;
}

static int cmp_listener(const void *x, const void *y) {
  const Listener *a = x, *b = y;
  return (a->port > b->port) - (a->port < b->port);
}

static LoadBalancer *check_lb(V *v, Value *x) {
  const char *path = "load_balancer";
  if (x && x->kind == V_NULL)
    return NULL;
  if (!expect_map(v, x, path))
    return NULL;
  known_keys(v, x, path, lb_keys);
  LoadBalancer *lb = arena_alloc(v->a, sizeof *lb);
  lb->at = x;
  lb->public = get_bool(v, x, "public", path, true);
  lb->deletion_protection = get_bool(v, x, "deletion_protection", path, true);
  Value *ls = val_get(x, "listeners");
  if (ls && expect_list(v, ls, "load_balancer.listeners")) {
    if (ls->list.n == 0)
      err(v, ls, "load_balancer.listeners", "a load balancer needs at least one listener");
    if (ls->list.n > 50)
      err(v, ls, "load_balancer.listeners", "an Application Load Balancer has at most 50 listeners, found %d",
          ls->list.n);
    lb->listeners = arena_alloc(v->a, sizeof(Listener) * (size_t)(ls->list.n + 1));
    for (int i = 0; i < ls->list.n; i++) {
      Value *l = ls->list.items[i];
      const char *lpath = arena_printf(v->a, "load_balancer.listeners[%d]", i);
      if (!expect_map(v, l, lpath))
        continue;
      known_keys(v, l, lpath, listener_keys);
      Listener *li = &lb->listeners[lb->nlisteners++];
      li->at = l;
      if (!val_get(l, "port"))
        err(v, l, lpath, "'port' is required");
      li->port = (int)get_int(v, l, "port", lpath, 0, 1, 65535);
      li->certificate = get_str(v, l, "certificate", lpath, NULL);
      li->redirect = (int)get_int(v, l, "redirect", lpath, 0, 1, 65535);
      const char *proto = get_str(v, l, "protocol", lpath, NULL);
      if (proto && strcmp(proto, "HTTP") && strcmp(proto, "HTTPS")) {
        err(v, val_get(l, "protocol"), join(v, lpath, "protocol"), "expected HTTP or HTTPS");
        proto = NULL;
      }
      li->protocol = proto ? proto : li->certificate ? "HTTPS" : "HTTP";
      if (!strcmp(li->protocol, "HTTPS") && !li->certificate)
        err(v, val_get(l, "protocol") ? val_get(l, "protocol") : l,
            val_get(l, "protocol") ? join(v, lpath, "protocol") : lpath,
            "an HTTPS listener needs a certificate (an ACM certificate ARN)");
      if (!strcmp(li->protocol, "HTTP") && li->certificate)
        err(v, val_get(l, "certificate"), join(v, lpath, "certificate"),
            "a certificate needs protocol HTTPS");
      if (li->certificate && !acm_arn(li->certificate))
        err(v, val_get(l, "certificate"), join(v, lpath, "certificate"),
            "expected an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)");
      for (int j = 0; j < lb->nlisteners - 1; j++)
        if (li->port && lb->listeners[j].port == li->port)
          err(v, val_get(l, "port"), join(v, lpath, "port"), "port %d has two listeners", li->port);
    }
    for (int i = 0; i < lb->nlisteners; i++) {
      Listener *li = &lb->listeners[i];
      if (!li->redirect)
        continue;
      Value *at = val_get(li->at, "redirect");
      const char *rpath = arena_printf(v->a, "load_balancer.listeners[%d].redirect", i);
      Listener *target = NULL;
      for (int j = 0; j < lb->nlisteners; j++)
        if (lb->listeners[j].port == li->redirect)
          target = &lb->listeners[j];
      if (li->redirect == li->port)
        err(v, at, rpath, "a listener cannot redirect to itself");
      else if (!target) {
        Buf ports;
        buf_init(&ports);
        for (int j = 0; j < lb->nlisteners; j++)
          if (lb->listeners[j].port)
            buf_printf(&ports, "%s%d", ports.len ? ", " : "", lb->listeners[j].port);
        err(v, at, rpath, "redirect names port %d, but no listener has that port (the listeners are on %s)",
            li->redirect, ports.len ? ports.data : "no port");
        buf_release(&ports);
      }
      else if (target->redirect)
        err(v, at, rpath, "port %d redirects again; point at the listener that serves", li->redirect);
    }
  } else if (!ls) {
    lb->listeners = arena_alloc(v->a, sizeof(Listener));
    lb->listeners[0] = (Listener){.at = x, .port = 80, .protocol = "HTTP"};
    lb->nlisteners = 1;
  }
  Value *cidrs = val_get(x, "allowed_cidrs");
  if (cidrs && expect_list(v, cidrs, "load_balancer.allowed_cidrs")) {
    lb->allowed_cidrs = arena_alloc(v->a, sizeof(char *) * (size_t)(cidrs->list.n + 1));
    for (int i = 0; i < cidrs->list.n; i++) {
      Value *c = cidrs->list.items[i];
      const char *cpath = arena_printf(v->a, "load_balancer.allowed_cidrs[%d]", i);
      Cidr cc;
      if (c->kind != V_STR || !cidr_parse(c->s, &cc)) {
        err(v, c, cpath, "expected a CIDR such as 0.0.0.0/0 or 203.0.113.0/24");
        continue;
      }
      if (!cidr_aligned(cc)) {
        char buf[20];
        Cidr fixed = {cc.addr & (cc.prefix ? 0xffffffffu << (32 - cc.prefix) : 0), cc.prefix};
        err(v, c, cpath, "%s has host bits set; did you mean %s?", c->s, cidr_format(fixed, buf));
        continue;
      }
      bool dup = false;
      for (int j = 0; j < lb->nallowed; j++)
        dup |= !strcmp(lb->allowed_cidrs[j], c->s);
      if (dup)
        err(v, c, cpath, "%s is listed twice", c->s);
      else
        lb->allowed_cidrs[lb->nallowed++] = c->s;
    }
    if (cidrs->list.n == 0)
      err(v, cidrs, "load_balancer.allowed_cidrs", "an empty list lets nobody in; list at least one CIDR");
    qsort(lb->allowed_cidrs, (size_t)lb->nallowed, sizeof(char *), str_cmp_ptr);
  } else if (!cidrs) {
    lb->allowed_cidrs = arena_alloc(v->a, sizeof(char *));
    lb->allowed_cidrs[0] = "0.0.0.0/0";
    lb->nallowed = 1;
  }
  /* A listener's identity is its port: sorted by it, the order they are
   * written in never reaches the plan. */
  if (lb->nlisteners > 1)
    qsort(lb->listeners, (size_t)lb->nlisteners, sizeof(Listener), cmp_listener);
  return lb;
}

/* The public tier's network ACL admits every listener port from every
 * allowed CIDR, besides the VPC and return traffic: AWS allows at most
 * 40 inbound rules per ACL (20 unless the quota is raised). */
static void check_nacl_quota(V *v, const Network *n, const LoadBalancer *lb) {
  if (!n || !n->nacls || !lb || !lb->public)
    return;
  int rules = lb->nlisteners * lb->nallowed + 2;
  if (rules > MAX_NACL_RULES) {
    Value *at = val_get(lb->at, "allowed_cidrs");
    err(v, at ? at : lb->at, at ? "load_balancer.allowed_cidrs" : "load_balancer",
        "the public network ACL would need %d inbound rules (%d listeners times %d allowed CIDRs, plus 2), "
        "past the %d AWS allows; list fewer CIDRs or set network.nacls: false",
        rules, lb->nlisteners, lb->nallowed, MAX_NACL_RULES);
  }
}

/* ---- services ---- */

static const char *const service_keys[] = {
    "image", "port", "cpu", "memory", "replicas", "route", "health_check", "user", "env",
    "secrets", "access", "availability", "instance_availability", NULL};
static const char *const replica_keys[] = {"min", "max", "cpu_target", NULL};
static const char *const access_keys[] = {"database", "table", "service", "mode", NULL};

/* Fargate's CPU units and the memory each allows (MiB): min, max, step. */
static const struct {
  int cpu, min, max, step;
} fargate[] = {
    {256, 512, 2048, 0},      /* 512, 1024, 2048 */
    {512, 1024, 4096, 1024},  {1024, 2048, 8192, 1024}, {2048, 4096, 16384, 1024},
    {4096, 8192, 30720, 1024}, {8192, 16384, 61440, 4096}, {16384, 32768, 122880, 8192},
};

static bool fargate_ok(int cpu, int mem, const char **hint, Arena *a) {
  for (size_t i = 0; i < sizeof fargate / sizeof *fargate; i++) {
    if (fargate[i].cpu != cpu)
      continue;
    if (fargate[i].step == 0) {
      *hint = "512, 1024 or 2048";
      return mem == 512 || mem == 1024 || mem == 2048;
    }
    *hint = arena_printf(a, "%d to %d in steps of %d", fargate[i].min, fargate[i].max, fargate[i].step);
    return mem >= fargate[i].min && mem <= fargate[i].max && mem % fargate[i].step == 0;
  }
  *hint = NULL;
  return false;
}

static bool secret_arn(const char *s) {
  /* arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[:json-key:stage:version]
   * arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME */
  if (!str_starts(s, "arn:aws"))
    return false;
  const char *p = strchr(s + 4, ':');
  if (!p)
    return false;
  bool sm = str_starts(p, ":secretsmanager:"), ssm = str_starts(p, ":ssm:");
  if (!sm && !ssm)
    return false;
  p = strchr(p + 1, ':');   /* after the service */
  const char *region = p + 1;
  p = strchr(region, ':');
  if (!p || p == region)
    return false;
  p++;
  if (strlen(p) < 13 || strspn(p, DIGIT) != 12 || p[12] != ':')
    return false;
  p += 13;
  if (sm)
    return str_starts(p, "secret:") && strlen(p) > 7;
  return str_starts(p, "parameter/") && strlen(p) > 10;
}

static bool env_name_ok(const char *s) {
  return name_ok(s, "_" UPPER LOWER, "_" UPPER LOWER DIGIT, 1, 255);
}

static const char *scalar_text(const Value *x) {
  if (x->kind == V_STR)
    return x->s;
  if (x->kind == V_INT || x->kind == V_FLOAT || x->kind == V_BOOL)
    return x->raw;
  return NULL;
}

static int cmp_kv(const void *x, const void *y) {
  return strcmp(((const KV *)x)->key, ((const KV *)y)->key);
}

static KV *string_map(V *v, Value *x, const char *path, int *n, bool env_names) {
  *n = 0;
  if (!expect_map(v, x, path))
    return NULL;
  if (x->map.n > MAX_ITEMS) {
    err(v, x, path, "a map holds at most %d keys here, found %d", MAX_ITEMS, x->map.n);
    return NULL;
  }
  KV *out = arena_alloc(v->a, sizeof(KV) * (size_t)(x->map.n + 1));
  for (int i = 0; i < x->map.n; i++) {
    MapEntry *e = &x->map.entries[i];
    const char *kpath = join(v, path, e->key);
    if (env_names && !env_name_ok(e->key)) {
      err_key(v, e, kpath, "'%s' is not a valid environment variable name", e->key);
      continue;
    }
    const char *s = scalar_text(e->val);
    if (!s) {
      err(v, e->val, kpath, "expected a string, found %s", describe(e->val));
      continue;
    }
    out[(*n)++] = (KV){e->key, s, e->val};
  }
  qsort(out, (size_t)*n, sizeof(KV), cmp_kv);
  return out;
}

static void check_access(V *v, Service *s, Value *x, const char *path) {
  if (!expect_list(v, x, path))
    return;
  s->access = arena_alloc(v->a, sizeof(Access) * (size_t)(x->list.n + 1));
  for (int i = 0; i < x->list.n; i++) {
    Value *e = x->list.items[i];
    const char *epath = arena_printf(v->a, "%s[%d]", path, i);
    if (!expect_map(v, e, epath))
      continue;
    known_keys(v, e, epath, access_keys);
    Access ac = {.at = e, .mode = MODE_READ};
    int kinds = 0;
    static const char *names[] = {"database", "table", "service"};
    for (int k = 0; k < 3; k++)
      if (val_get(e, names[k])) {
        kinds++;
        ac.kind = (AccessKind)k;
        ac.target = get_str(v, e, names[k], epath, NULL);
      }
    if (kinds != 1) {
      err(v, e, epath, "an access entry names exactly one of database, table or service");
      continue;
    }
    Value *mode = val_get(e, "mode");
    if (mode && ac.kind != ACCESS_TABLE)
      err(v, mode, join(v, epath, "mode"), "mode applies to table access only");
    else if (mode) {
      const char *ms = get_str(v, e, "mode", epath, "read");
      if (!strcmp(ms, "read"))
        ac.mode = MODE_READ;
      else if (!strcmp(ms, "write"))
        ac.mode = MODE_WRITE;
      else if (!strcmp(ms, "read_write"))
        ac.mode = MODE_READ_WRITE;
      else
        err(v, mode, join(v, epath, "mode"), "expected read, write or read_write");
    }
    if (!ac.target)
      continue;
    for (int j = 0; j < s->naccess; j++)
      if (s->access[j].kind == ac.kind && !strcmp(s->access[j].target, ac.target))
        err(v, e, epath, "%s '%s' is listed twice", names[ac.kind], ac.target);
    s->access[s->naccess++] = ac;
  }
}

static void check_replicas(V *v, Service *s, Value *x, const char *path, int def) {
  s->min = s->max = def;
  s->cpu_target = 70;
  if (!x)
    return;
  if (x->kind == V_INT) {
    if (x->i < 1 || x->i > 1000)
      err(v, x, path, "must be between 1 and 1000, found %lld", x->i);
    else
      s->min = s->max = (int)x->i;
    return;
  }
  if (!expect_map(v, x, path))
    return;
  known_keys(v, x, path, replica_keys);
  s->min = (int)get_int(v, x, "min", path, def, 1, 1000);
  s->max = (int)get_int(v, x, "max", path, s->min > def ? s->min : def, 1, 1000);
  if (!val_get(x, "max"))
    s->max = s->min;
  s->cpu_target = (int)get_int(v, x, "cpu_target", path, 70, 1, 100);
  if (s->max < s->min)
    err(v, val_get(x, "max"), join(v, path, "max"), "max (%d) is below min (%d)", s->max, s->min);
}

static bool route_ok(const char *r) {
  if (r[0] != '/' || strlen(r) > 120)
    return false;
  if (strlen(r) > 1 && r[strlen(r) - 1] == '/')
    return false;
  return strspn(r, LOWER UPPER DIGIT "/-_.~") == strlen(r) && !strstr(r, "//");
}

static void check_service(V *v, Service *s, MapEntry *e, int default_replicas) {
  const char *path = arena_printf(v->a, "services.%s", e->key);
  s->key = e->key;
  s->at = e->val;
  if (!name_ok(e->key, LOWER, LOWER DIGIT "_-", 1, 32))
    err_key(v, e, path, "a service key matches [a-z][a-z0-9_-]{0,31}");
  Value *x = e->val;
  if (!expect_map(v, x, path))
    return;
  known_keys(v, x, path, service_keys);
  s->image = req_str(v, x, "image", path);
  if (s->image && (!*s->image || strpbrk(s->image, " \t\n\"'$")))
    err(v, val_get(x, "image"), join(v, path, "image"), "not a container image reference");
  if (!val_get(x, "port"))
    err(v, x, path, "'port' is required");
  s->port = (int)get_int(v, x, "port", path, 0, 1, 65535);
  s->cpu = (int)get_int(v, x, "cpu", path, 256, 1, 16384);
  s->memory = (int)get_int(v, x, "memory", path, 512, 1, 122880);
  const char *hint;
  if ((val_get(x, "cpu") || val_get(x, "memory")) && !fargate_ok(s->cpu, s->memory, &hint, v->a)) {
    Value *at = val_get(x, "memory") ? val_get(x, "memory") : val_get(x, "cpu");
    if (hint)
      err(v, at, join(v, path, val_get(x, "memory") ? "memory" : "cpu"),
          "Fargate does not run %d CPU units with %d MiB; with %d CPU units memory is %s", s->cpu,
          s->memory, s->cpu, hint);
    else
      err(v, val_get(x, "cpu") ? val_get(x, "cpu") : at, join(v, path, "cpu"),
          "Fargate CPU units are 256, 512, 1024, 2048, 4096, 8192 or 16384, found %d", s->cpu);
  }
  check_replicas(v, s, val_get(x, "replicas"), join(v, path, "replicas"), default_replicas);
  s->route = get_str(v, x, "route", path, NULL);
  if (s->route && !route_ok(s->route)) {
    err(v, val_get(x, "route"), join(v, path, "route"),
        "a route is a path prefix such as /users: it starts with /, has no trailing / and no wildcards");
    s->route = NULL;
  }
  s->health_check = get_str(v, x, "health_check", path, "/");
  if (s->health_check[0] != '/' || strpbrk(s->health_check, " \t\"'"))
    err(v, val_get(x, "health_check"), join(v, path, "health_check"), "a health check is a path starting with /");
  Value *user = val_get(x, "user");
  if (user && user->kind == V_INT && user->i == 0)
    err(v, user, join(v, path, "user"), "uid 0 runs the container as root; use an unprivileged uid such as 1000");
  else
    s->user = (int)get_int(v, x, "user", path, 1000, 1, 2147483647);
  if (!s->user)
    s->user = 1000;
  s->env = string_map(v, val_get(x, "env"), join(v, path, "env"), &s->nenv, true);
  s->secrets = string_map(v, val_get(x, "secrets"), join(v, path, "secrets"), &s->nsecrets, true);
  for (int i = 0; i < s->nsecrets; i++) {
    if (!secret_arn(s->secrets[i].value))
      diag_redact(v->d, s->secrets[i].at->pos);
    if (!secret_arn(s->secrets[i].value))
      err(v, s->secrets[i].at, arena_printf(v->a, "%s.secrets.%s", path, s->secrets[i].key),
          "a secret is a Secrets Manager secret ARN or an SSM parameter ARN, never a value");
    for (int j = 0; j < s->nenv; j++)
      if (!strcmp(s->env[j].key, s->secrets[i].key))
        err(v, s->secrets[i].at, arena_printf(v->a, "%s.secrets.%s", path, s->secrets[i].key),
            "'%s' is both in env and in secrets", s->env[j].key);
  }
  check_access(v, s, val_get(x, "access"), join(v, path, "access"));
  double av;
  if (get_number(v, x, "availability", path, &av)) {
    if (av <= 0 || av >= 100)
      err(v, val_get(x, "availability"), join(v, path, "availability"),
          "a percentage strictly between 0 and 100, such as 99.9");
    else
      s->availability = av;
  }
  if (get_number(v, x, "instance_availability", path, &av)) {
    if (av <= 0 || av >= 100)
      err(v, val_get(x, "instance_availability"), join(v, path, "instance_availability"),
          "a percentage strictly between 0 and 100, such as 95");
    else
      s->instance_availability = av;
  }
}

/* ---- databases, tables, registries ---- */

static const char *const database_keys[] = {
    "engine", "version", "instance", "storage_gb", "max_storage_gb", "multi_az", "backup_days",
    "iam_auth", "deletion_protection", "port", "username", NULL};

int engine_default_port(const char *engine) {
  return engine && !strcmp(engine, "postgres") ? 5432 : 3306;
}

static void check_database(V *v, Database *db, MapEntry *e) {
  const char *path = arena_printf(v->a, "databases.%s", e->key);
  db->key = e->key;
  db->at = e->val;
  if (!name_ok(e->key, LOWER, LOWER DIGIT "-", 1, 40) || str_ends(e->key, "-") || strstr(e->key, "--"))
    err_key(v, e, path, "a database key matches [a-z][a-z0-9-]{0,39}, with no '--' and no trailing '-'");
  Value *x = e->val;
  if (!expect_map(v, x, path))
    return;
  known_keys(v, x, path, database_keys);
  db->engine = req_str(v, x, "engine", path);
  if (db->engine && strcmp(db->engine, "postgres") && strcmp(db->engine, "mysql") &&
      strcmp(db->engine, "mariadb")) {
    err(v, val_get(x, "engine"), join(v, path, "engine"), "expected postgres, mysql or mariadb");
    db->engine = NULL;
  }
  Value *ver = val_get(x, "version");
  if (ver && (ver->kind == V_FLOAT || ver->kind == V_INT))
    err(v, ver, join(v, path, "version"),
        "a version must be a string, or YAML reads %s as a number; quote it: \"%s\"", ver->raw, ver->raw);
  else {
    db->version = req_str(v, x, "version", path);
    if (db->version && (!*db->version || strspn(db->version, DIGIT ".") != strlen(db->version)))
      err(v, ver, join(v, path, "version"), "expected an engine version such as \"16.4\"");
  }
  db->instance = get_str(v, x, "instance", path, "db.t4g.micro");
  if (!str_starts(db->instance, "db.") || !name_ok(db->instance + 3, LOWER, LOWER DIGIT ".-", 3, 40) ||
      !strchr(db->instance + 3, '.'))
    err(v, val_get(x, "instance"), join(v, path, "instance"), "expected an instance class such as db.t4g.medium");
  db->storage_gb = (int)get_int(v, x, "storage_gb", path, 20, 20, 65536);
  db->max_storage_gb = (int)get_int(v, x, "max_storage_gb", path, 0, 21, 65536);
  if (db->max_storage_gb && db->max_storage_gb <= db->storage_gb)
    err(v, val_get(x, "max_storage_gb"), join(v, path, "max_storage_gb"),
        "the autoscaling ceiling (%d) must exceed storage_gb (%d)", db->max_storage_gb, db->storage_gb);
  db->multi_az = get_bool(v, x, "multi_az", path, true);
  db->backup_days = (int)get_int(v, x, "backup_days", path, 7, 1, 35);
  db->iam_auth = get_bool(v, x, "iam_auth", path, true);
  db->deletion_protection = get_bool(v, x, "deletion_protection", path, true);
  db->port = (int)get_int(v, x, "port", path, engine_default_port(db->engine), 1150, 65535);
  db->username = get_str(v, x, "username", path, "app");
  static const char *reserved[] = {"rdsadmin", "admin", "root", "postgres", "mysql", "user", NULL};
  if (!name_ok(db->username, LOWER UPPER, LOWER UPPER DIGIT "_", 1, 16))
    err(v, val_get(x, "username"), join(v, path, "username"), "a master username matches [a-zA-Z][a-zA-Z0-9_]{0,15}");
  for (const char **r = reserved; *r; r++)
    if (!strcasecmp(*r, db->username))
      err(v, val_get(x, "username"), join(v, path, "username"), "'%s' is reserved by the engine or RDS", db->username);
}

static const char *const table_keys[] = {"key", "attributes", "billing", "pitr", "ttl", "indexes",
                                         "stream", "deletion_protection", NULL};
static const char *const tkey_keys[] = {"hash", "range", NULL};
static const char *const index_keys[] = {"hash", "range", "projection", NULL};
static const char *const billing_keys[] = {"read", "write", NULL};

static bool attr_name_ok(const char *s) { return *s && strlen(s) <= 255; }

static void use_attr(V *v, Table *t, const char **used, int *nused, const char *name) {
  for (int i = 0; i < *nused; i++)
    if (!strcmp(used[i], name))
      return;
  used[(*nused)++] = name;
}

static void check_table(V *v, Table *t, MapEntry *e) {
  const char *path = arena_printf(v->a, "tables.%s", e->key);
  t->key = e->key;
  t->at = e->val;
  if (!name_ok(e->key, NULL, LOWER UPPER DIGIT "_.-", 1, 200))
    err_key(v, e, path, "a table key matches [a-zA-Z0-9_.-]{1,200}");
  Value *x = e->val;
  if (!expect_map(v, x, path))
    return;
  known_keys(v, x, path, table_keys);
  Value *key = val_get(x, "key");
  const char *kpath = join(v, path, "key");
  if (!key)
    err(v, x, path, "'key' is required: {hash: ATTRIBUTE} or {hash: ..., range: ...}");
  else if (key->kind == V_STR)
    t->hash = key->s;   /* shorthand: key: id */
  else if (expect_map(v, key, kpath)) {
    known_keys(v, key, kpath, tkey_keys);
    t->hash = req_str(v, key, "hash", kpath);
    t->range = get_str(v, key, "range", kpath, NULL);
  }
  const char *used[64] = {0};
  int nused = 0;
  if (t->hash)
    use_attr(v, t, used, &nused, t->hash);
  if (t->range)
    use_attr(v, t, used, &nused, t->range);
  Value *ix = val_get(x, "indexes");
  const char *ipath = join(v, path, "indexes");
  if (expect_map(v, ix, ipath)) {
    if (ix->map.n > 20)
      err(v, ix, ipath, "DynamoDB allows at most 20 global secondary indexes");
    MapEntry **es = val_sorted_entries(v->a, ix);
    t->indexes = arena_alloc(v->a, sizeof(TableIndex) * (size_t)(ix->map.n + 1));
    for (int i = 0; i < ix->map.n && i < 20; i++) {
      const char *p = join(v, ipath, es[i]->key);
      if (!name_ok(es[i]->key, NULL, LOWER UPPER DIGIT "_.-", 3, 255))
        err_key(v, es[i], p, "an index name matches [a-zA-Z0-9_.-]{3,255}");
      Value *y = es[i]->val;
      if (!expect_map(v, y, p))
        continue;
      known_keys(v, y, p, index_keys);
      TableIndex *ti = &t->indexes[t->nindexes++];
      ti->at = y;
      ti->key = es[i]->key;
      ti->hash = req_str(v, y, "hash", p);
      ti->range = get_str(v, y, "range", p, NULL);
      ti->projection = get_str(v, y, "projection", p, "all");
      if (strcmp(ti->projection, "all") && strcmp(ti->projection, "keys_only"))
        err(v, val_get(y, "projection"), join(v, p, "projection"), "expected all or keys_only");
      if (ti->hash && nused < 62)
        use_attr(v, t, used, &nused, ti->hash);
      if (ti->range && nused < 62)
        use_attr(v, t, used, &nused, ti->range);
    }
  }
  Value *attrs = val_get(x, "attributes");
  const char *apath = join(v, path, "attributes");
  t->attributes = arena_alloc(v->a, sizeof(KV) * (size_t)(nused + 1));
  if (expect_map(v, attrs, apath)) {
    for (int i = 0; i < attrs->map.n; i++) {
      MapEntry *a = &attrs->map.entries[i];
      const char *p = join(v, apath, a->key);
      if (a->val->kind != V_STR || (strcmp(a->val->s, "S") && strcmp(a->val->s, "N") && strcmp(a->val->s, "B")))
        err(v, a->val, p, "an attribute type is S, N or B");
      bool in_key = false;
      for (int j = 0; j < nused; j++)
        in_key |= !strcmp(used[j], a->key);
      if (!in_key)
        err_key(v, a, p, "'%s' is in no key or index; DynamoDB declares key attributes only", a->key);
    }
  }
  for (int j = 0; j < nused; j++) {
    if (!attr_name_ok(used[j]))
      continue;
    Value *ty = val_get(attrs, used[j]);
    const char *type = ty && ty->kind == V_STR ? ty->s : "S";
    t->attributes[t->nattributes++] = (KV){used[j], type, ty};
  }
  qsort(t->attributes, (size_t)t->nattributes, sizeof(KV), cmp_kv);
  Value *billing = val_get(x, "billing");
  t->on_demand = true;
  if (billing && billing->kind == V_STR) {
    if (strcmp(billing->s, "on_demand"))
      err(v, billing, join(v, path, "billing"), "expected on_demand or {read: N, write: N}");
  } else if (billing && expect_map(v, billing, join(v, path, "billing"))) {
    const char *bp = join(v, path, "billing");
    known_keys(v, billing, bp, billing_keys);
    t->on_demand = false;
    if (!val_get(billing, "read") || !val_get(billing, "write"))
      err(v, billing, bp, "provisioned billing needs both read and write capacity");
    t->read = (int)get_int(v, billing, "read", bp, 1, 1, 40000);
    t->write = (int)get_int(v, billing, "write", bp, 1, 1, 40000);
  }
  t->pitr = get_bool(v, x, "pitr", path, true);
  t->deletion_protection = get_bool(v, x, "deletion_protection", path, true);
  t->ttl = get_str(v, x, "ttl", path, NULL);
  t->stream = get_str(v, x, "stream", path, NULL);
  if (t->stream && strcmp(t->stream, "new_image") && strcmp(t->stream, "old_image") &&
      strcmp(t->stream, "new_and_old_images") && strcmp(t->stream, "keys_only"))
    err(v, val_get(x, "stream"), join(v, path, "stream"),
        "expected new_image, old_image, new_and_old_images or keys_only");
}

static const char *const registry_keys[] = {"scan_on_push", "immutable_tags", "keep_last", NULL};

static bool repo_name_ok(const char *s) {
  /* (?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)* */
  size_t n = strlen(s);
  if (n < 2 || n > 256)
    return false;
  char prev = '/';
  for (const char *p = s; *p; p++) {
    bool alnum = islower((unsigned char)*p) || isdigit((unsigned char)*p);
    bool sep = *p == '.' || *p == '_' || *p == '-' || *p == '/';
    if (!alnum && !sep)
      return false;
    if (sep && !(islower((unsigned char)prev) || isdigit((unsigned char)prev)))
      return false;
    prev = *p;
  }
  return islower((unsigned char)prev) || isdigit((unsigned char)prev);
}

static void check_registry(V *v, Registry *r, MapEntry *e) {
  const char *path = arena_printf(v->a, "registries.%s", e->key);
  r->key = e->key;
  r->at = e->val;
  if (!repo_name_ok(e->key))
    err_key(v, e, path, "an ECR repository name is 2-256 lowercase letters, digits and single . _ - / separators");
  Value *x = e->val;
  r->scan_on_push = r->immutable_tags = true;
  r->keep_last = 30;
  if (x->kind == V_NULL || !expect_map(v, x, path))
    return;
  known_keys(v, x, path, registry_keys);
  r->scan_on_push = get_bool(v, x, "scan_on_push", path, true);
  r->immutable_tags = get_bool(v, x, "immutable_tags", path, true);
  r->keep_last = (int)get_int(v, x, "keep_last", path, 30, 1, 1000);
}

/* ---- cross-account roles, state ---- */

static const char *const role_keys[] = {"trusted_account", "trusted_principal", "external_id",
                                        "require_mfa", "max_session_hours", "grants", NULL};

static void check_role(V *v, CrossRole *r, MapEntry *e) {
  const char *path = arena_printf(v->a, "cross_account_roles.%s", e->key);
  r->key = e->key;
  r->at = e->val;
  const char *name = v->m->name ? v->m->name : "";
  if (!name_ok(e->key, NULL, LOWER UPPER DIGIT "+=,.@_-", 1, 64))
    err_key(v, e, path, "a role key matches [a-zA-Z0-9+=,.@_-]");
  else if (strlen(name) + 1 + strlen(e->key) > 64)
    err_key(v, e, path, "the role name %s-%s is longer than IAM's 64 characters", name, e->key);
  Value *x = e->val;
  if (!expect_map(v, x, path))
    return;
  known_keys(v, x, path, role_keys);
  r->trusted_account = account_str(v, x, "trusted_account", path, true);
  r->trusted_principal = get_str(v, x, "trusted_principal", path, NULL);
  if (r->trusted_principal) {
    const char *p = r->trusted_principal;
    const char *rest = str_starts(p, "user/") ? p + 5 : str_starts(p, "role/") ? p + 5 : NULL;
    if (!rest || !name_ok(rest, NULL, LOWER UPPER DIGIT "+=,.@_-/", 1, 64) || str_ends(p, "/"))
      err(v, val_get(x, "trusted_principal"), join(v, path, "trusted_principal"),
          "expected user/NAME or role/NAME (a principal in the trusted account)");
  }
  r->external_id = get_str(v, x, "external_id", path, NULL);
  if (r->external_id && !name_ok(r->external_id, NULL, LOWER UPPER DIGIT "+=,.@:/-_", 2, 1224))
    err(v, val_get(x, "external_id"), join(v, path, "external_id"),
        "an external ID is 2-1224 characters of [a-zA-Z0-9+=,.@:/_-]");
  r->require_mfa = get_bool(v, x, "require_mfa", path, false);
  r->max_session_hours = (int)get_int(v, x, "max_session_hours", path, 1, 1, 12);
  Value *grants = val_get(x, "grants");
  const char *gpath = join(v, path, "grants");
  if (!expect_list(v, grants, gpath))
    return;
  r->grants = arena_alloc(v->a, sizeof(Grant) * (size_t)(grants->list.n + 1));
  for (int i = 0; i < grants->list.n; i++) {
    Value *g = grants->list.items[i];
    const char *p = arena_printf(v->a, "%s[%d]", gpath, i);
    if (!expect_map(v, g, p))
      continue;
    if (g->map.n != 1) {
      err(v, g, p, "a grant is one of {ecr_push: [REGISTRY...]} or {ecr_pull: [REGISTRY...]}");
      continue;
    }
    MapEntry *ge = &g->map.entries[0];
    static const char *const grant_keys[] = {"ecr_push", "ecr_pull", NULL};
    const char *gp = join(v, p, ge->key);
    if (strcmp(ge->key, "ecr_push") && strcmp(ge->key, "ecr_pull")) {
      known_keys(v, g, p, grant_keys);
      continue;
    }
    Grant *gr = &r->grants[r->ngrants++];
    gr->at = g;
    gr->kind = !strcmp(ge->key, "ecr_push") ? GRANT_ECR_PUSH : GRANT_ECR_PULL;
    Value *regs = ge->val;
    if (regs->kind == V_STR) {
      Value *l = val_new(v->a, V_LIST, regs->pos);
      val_push(v->a, l, regs);
      regs = l;
    }
    if (!expect_list(v, regs, gp))
      continue;
    if (regs->list.n == 0)
      err(v, regs, gp, "list at least one registry");
    gr->registries = arena_alloc(v->a, sizeof(char *) * (size_t)(regs->list.n + 1));
    for (int j = 0; j < regs->list.n; j++) {
      Value *rv = regs->list.items[j];
      const char *rp = arena_printf(v->a, "%s[%d]", gp, j);
      if (rv->kind != V_STR) {
        err(v, rv, rp, "expected a registry key");
        continue;
      }
      if (!model_registry(v->m, rv->s)) {
        err(v, rv, rp, "no registry '%s' in registries%s", rv->s, mean(v, rv->s, "registries"));
        continue;
      }
      bool dup = false;
      for (int k = 0; k < gr->nregistries; k++)
        dup |= !strcmp(gr->registries[k], rv->s);
      if (dup)
        err(v, rv, rp, "registry '%s' is listed twice", rv->s);
      else
        gr->registries[gr->nregistries++] = rv->s;
    }
    qsort(gr->registries, (size_t)gr->nregistries, sizeof(char *), str_cmp_ptr);
  }
}

static const char *const state_keys[] = {"bucket", "key", "lock", NULL};

static State *check_state(V *v, Value *x) {
  if (!expect_map(v, x, "state"))
    return NULL;
  known_keys(v, x, "state", state_keys);
  State *s = arena_alloc(v->a, sizeof *s);
  s->at = x;
  s->bucket = req_str(v, x, "bucket", "state");
  if (s->bucket && (!name_ok(s->bucket, LOWER DIGIT, LOWER DIGIT ".-", 3, 63) || str_ends(s->bucket, "-") ||
                    str_ends(s->bucket, ".") || strstr(s->bucket, "..")))
    err(v, val_get(x, "bucket"), "state.bucket", "an S3 bucket name is 3-63 lowercase letters, digits, '.' and '-'");
  s->key = get_str(v, x, "key", "state", NULL);
  if (!s->key)
    s->key = arena_printf(v->a, "%s/%s/terraform.tfstate", v->m->name ? v->m->name : "", v->m->env);
  else if (!*s->key || s->key[0] == '/')
    err(v, val_get(x, "key"), "state.key", "a state key is a relative object key such as cartful/prod/terraform.tfstate");
  s->lock = get_str(v, x, "lock", "state", "lockfile");
  if (strcmp(s->lock, "lockfile") && !name_ok(s->lock, NULL, LOWER UPPER DIGIT "_.-", 3, 255))
    err(v, val_get(x, "lock"), "state.lock", "expected lockfile or a DynamoDB table name");
  return s;
}

/* ---- kubernetes ---- */

static const char *const kubernetes_keys[] = {"oidc_provider", NULL};

/* An EKS cluster's OIDC issuer as IAM names it: no scheme, the host
 * oidc.eks.<region>.amazonaws.com (.com.cn in China) and /id/<ID>, the ID
 * in uppercase as EKS writes it (IAM compares condition keys exactly). */
static bool oidc_provider_ok(Arena *a, const char *s) {
  const char *host = "oidc.eks.";
  if (!str_starts(s, host))
    return false;
  const char *region = s + strlen(host), *dot = strchr(region, '.');
  if (!dot)
    return false;
  char *r = arena_strndup(a, region, (size_t)(dot - region));
  const char *rest = str_starts(r, "cn-") ? ".amazonaws.com.cn/id/" : ".amazonaws.com/id/";
  if (!region_ok(r) || !str_starts(dot, rest))
    return false;
  return name_ok(dot + strlen(rest), NULL, UPPER DIGIT, 1, 64);
}

static Kubernetes *check_kubernetes(V *v, Value *x) {
  if (!expect_map(v, x, "kubernetes"))
    return NULL;
  known_keys(v, x, "kubernetes", kubernetes_keys);
  Kubernetes *k = arena_alloc(v->a, sizeof *k);
  k->at = x;
  const char *p = get_str(v, x, "oidc_provider", "kubernetes", NULL);
  Value *at = val_get(x, "oidc_provider");
  if (p && str_starts(p, "https://") && oidc_provider_ok(v->a, p + strlen("https://"))) {
    err(v, at, "kubernetes.oidc_provider", "write the OIDC issuer without https://: %s", p + strlen("https://"));
  } else if (p && !oidc_provider_ok(v->a, p)) {
    err(v, at, "kubernetes.oidc_provider",
        "expected an EKS cluster's OIDC issuer without https://: oidc.eks.<region>.amazonaws.com/id/<ID>, "
        "the ID in uppercase letters and digits");
  } else if (p && !v->m->account && !val_get(v->m->root, "account")) {
    err(v, at, "kubernetes.oidc_provider",
        "'account' is required: the task roles' trust names the OIDC provider's ARN in this account");
  } else {
    k->oidc_provider = p;
  }
  return k;
}

/* ---- the top level ---- */

static const char *const top_keys[] = {
    "infrac", "name", "region", "account", "tags", "network", "load_balancer", "services",
    "databases", "tables", "registries", "cross_account_roles", "state", "environments",
    "include", "checks", "kubernetes", NULL};
static const char *const check_keys[] = {"skip", "severity", "production", NULL};

static bool region_ok(const char *s) {
  /* us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4 */
  int parts = 0;
  const char *p = s;
  while (*p) {
    size_t n = strspn(p, LOWER);
    if (n < 2 && parts < 1)
      return false;
    if (!n) {
      n = strspn(p, DIGIT);
      if (!n || p[n])
        return false;
      return parts >= 2;
    }
    p += n;
    if (*p != '-')
      return false;
    p++;
    parts++;
  }
  return false;
}

static void check_tags(V *v, Model *m, Value *x) {
  m->tags = string_map(v, x, "tags", &m->ntags, false);
  if (m->ntags > 49) {
    err(v, x, "tags", "at most 49 tags: AWS allows 50 on a resource and infrac sets Name, found %d",
        m->ntags);
    m->ntags = 0;
  }
  for (int i = 0; i < m->ntags; i++) {
    const char *p = join(v, "tags", m->tags[i].key);
    MapEntry *e = val_entry(x, m->tags[i].key);
    /* AWS's lengths and characters (tags.h): refused here, not at deploy */
    const char *why = tag_problem(v->a, m->tags[i].key, true);
    if (why)
      err_key(v, e, p, "%s", why);
    if (strncasecmp(m->tags[i].key, "aws:", 4) == 0)
      err_key(v, e, p, "tag keys starting with aws: are reserved by AWS");
    if ((why = tag_problem(v->a, m->tags[i].value, false)))
      err(v, m->tags[i].at, p, "%s", why);
    if (!strcmp(m->tags[i].key, "Name"))
      err_key(v, e, p, "infrac sets the Name tag of every resource itself");
  }
}

static void check_checks(V *v, Model *m, Value *x) {
  if (!expect_map(v, x, "checks"))
    return;
  known_keys(v, x, "checks", check_keys);
  m->checks = x;
  Value *skip = val_get(x, "skip");
  if (expect_list(v, skip, "checks.skip"))
    for (int i = 0; i < skip->list.n; i++)
      if (skip->list.items[i]->kind != V_STR)
        err(v, skip->list.items[i], arena_printf(v->a, "checks.skip[%d]", i), "expected a rule ID such as INF-NET-001");
  Value *sev = val_get(x, "severity");
  if (expect_map(v, sev, "checks.severity"))
    for (int i = 0; i < sev->map.n; i++) {
      Value *s = sev->map.entries[i].val;
      if (s->kind != V_STR || (strcmp(s->s, "error") && strcmp(s->s, "warning") && strcmp(s->s, "info")))
        err(v, s, join(v, "checks.severity", sev->map.entries[i].key), "expected error, warning or info");
    }
  get_bool(v, x, "production", "checks", false);
}

static int cmp_entry_ptr(const void *x, const void *y) {
  return strcmp((*(MapEntry *const *)x)->key, (*(MapEntry *const *)y)->key);
}

/* Sorted entries of a section map, or NULL (after reporting) when it is not one. */
static MapEntry **section(V *v, Value *root, const char *key, int *n) {
  *n = 0;
  Value *x = val_get(root, key);
  if (!x || x->kind == V_NULL)
    return NULL;
  if (!expect_map(v, x, key))
    return NULL;
  if (x->map.n > MAX_SECTION) {
    err(v, x, key, "a spec holds at most %d %s, found %d", MAX_SECTION, key, x->map.n);
    return NULL;
  }
  MapEntry **es = arena_alloc(v->a, sizeof(MapEntry *) * (size_t)(x->map.n + 1));
  for (int i = 0; i < x->map.n; i++)
    es[i] = &x->map.entries[i];
  qsort(es, (size_t)x->map.n, sizeof *es, cmp_entry_ptr);
  *n = x->map.n;
  return es;
}

/* "; did you mean 'orders'?" when a section holds a key close to 'name'. */
static const char *mean(V *v, const char *name, const char *section) {
  Model *m = v->m;
  int n = 0;
  const char **keys = NULL;
#define KEYS(arr, cnt)                                              \
  keys = arena_alloc(v->a, sizeof(char *) * (size_t)(m->cnt + 1)); \
  for (int i = 0; i < m->cnt; i++)                                  \
    keys[n++] = m->arr[i].key;
  if (!strcmp(section, "databases")) {
    KEYS(databases, ndatabases)
  } else if (!strcmp(section, "tables")) {
    KEYS(tables, ntables)
  } else if (!strcmp(section, "services")) {
    KEYS(services, nservices)
  } else {
    KEYS(registries, nregistries)
  }
#undef KEYS
  const char *best = closest(name, (const char *const *)keys, n);
  return best ? arena_printf(v->a, "; did you mean '%s'?", best) : "";
}

static void check_references(V *v, Model *m) {
  /* services by route, so a service meets only those on its own route
   * (comparing every pair was quadratic on large specs) */
  Value *by_route = val_map(v->a);
  for (int j = 0; j < m->nservices; j++) {
    const char *r = m->services[j].route;
    if (!r)
      continue;
    Value *same = val_get(by_route, r);
    if (!same)
      val_set(v->a, by_route, r, same = val_list(v->a));
    val_push(v->a, same, val_int(v->a, j));
  }
  for (int i = 0; i < m->nservices; i++) {
    Service *s = &m->services[i];
    for (int j = 0; j < s->naccess; j++) {
      Access *ac = &s->access[j];
      const char *p = arena_printf(v->a, "services.%s.access[%d]", s->key, j);
      if (ac->kind == ACCESS_DATABASE && !model_database(m, ac->target))
        err(v, val_get(ac->at, "database"), join(v, p, "database"), "no database '%s' in databases%s",
            ac->target, mean(v, ac->target, "databases"));
      if (ac->kind == ACCESS_TABLE && !model_table(m, ac->target))
        err(v, val_get(ac->at, "table"), join(v, p, "table"), "no table '%s' in tables%s", ac->target,
            mean(v, ac->target, "tables"));
      if (ac->kind == ACCESS_SERVICE) {
        if (!model_service(m, ac->target))
          err(v, val_get(ac->at, "service"), join(v, p, "service"), "no service '%s' in services%s",
              ac->target, mean(v, ac->target, "services"));
        else if (!strcmp(ac->target, s->key))
          err(v, val_get(ac->at, "service"), join(v, p, "service"), "a service does not need access to itself");
      }
    }
    if (s->route && !m->lb)
      err(v, val_get(s->at, "route"), arena_printf(v->a, "services.%s.route", s->key),
          "a route needs a load_balancer");
    /* Two services on one route: report the one written later. */
    Value *same = s->route ? val_get(by_route, s->route) : NULL;
    for (int k = 0; same && k < same->list.n; k++) {
      int j = (int)same->list.items[k]->i;
      Service *o = &m->services[j];
      if (j == i || !s->route || !o->route || strcmp(s->route, o->route))
        continue;
      Value *sv = val_get(s->at, "route"), *ov = val_get(o->at, "route");
      bool later = strcmp(sv->pos.file ? sv->pos.file : "", ov->pos.file ? ov->pos.file : "") != 0
                       ? j < i
                       : (sv->pos.line > ov->pos.line || (sv->pos.line == ov->pos.line && j < i));
      if (later)
        err(v, sv, arena_printf(v->a, "services.%s.route", s->key), "route %s is already taken by service %s",
            s->route, o->key);
    }
  }
  Network *n = m->network;
  if (!n)
    return;
  if (m->nservices && n->count[TIER_PRIVATE] == 0)
    err(v, n->at, "network.subnets.private", "services run in private subnets, but there are none");
  if (m->lb) {
    Tier t = m->lb->public ? TIER_PUBLIC : TIER_PRIVATE;
    if (n->count[t] == 0)
      err(v, m->lb->at, "load_balancer", "a%s load balancer needs %s subnets, but there are none",
          m->lb->public ? "n internet-facing" : "n internal", tier_name(t));
    else if (n->az_count < 2)
      err(v, m->lb->at, "load_balancer", "an Application Load Balancer needs subnets in at least 2 AZs (azs is %d)",
          n->az_count);
  }
  if (m->ndatabases) {
    Tier t = n->count[TIER_ISOLATED] ? TIER_ISOLATED : TIER_PRIVATE;
    if (n->count[t] == 0)
      err(v, m->databases[0].at, arena_printf(v->a, "databases.%s", m->databases[0].key),
          "databases need isolated or private subnets, but there are none");
    else if (n->az_count < 2)
      err(v, m->databases[0].at, arena_printf(v->a, "databases.%s", m->databases[0].key),
          "an RDS subnet group needs subnets in at least 2 AZs (azs is %d)", n->az_count);
  }
}

Model *spec_validate(Arena *a, Diags *d, Value *root, const char *file, const char *env) {
  Model *m = arena_alloc(a, sizeof *m);
  V vv = {.a = a, .d = d, .m = m}, *v = &vv;
  int before = d->errors;
  m->root = root;
  m->file = file;
  m->env = env ? env : "base";
  known_keys(v, root, "", top_keys);
  scan_secrets(v, secret_words(a, d), root, NULL, NULL, 0);

  Value *ver = val_get(root, "infrac");
  if (!ver)
    err(v, root, "infrac", "'infrac: 1' is required: it names the spec format version");
  else if (ver->kind != V_INT || ver->i != 1)
    err(v, ver, "infrac", "this infrac reads spec format version 1, found %s", ver->raw ? ver->raw : describe(ver));

  m->name = req_str(v, root, "name", "");
  if (m->name && !name_ok(m->name, LOWER, LOWER DIGIT "-", 1, 20)) {
    err(v, val_get(root, "name"), "name", "a name matches [a-z][a-z0-9-]{0,19}: it prefixes every generated name");
    m->name = NULL;
  }
  m->region = req_str(v, root, "region", "");
  if (m->region && !region_ok(m->region)) {
    err(v, val_get(root, "region"), "region", "'%s' is not an AWS region name such as us-east-1", m->region);
    m->region = NULL;
  }
  m->account = account_str(v, root, "account", "", false);
  check_tags(v, m, val_get(root, "tags"));
  const char **envs;
  m->nenvironments = spec_env_names(a, root, &envs);
  m->environments = envs;
  Value *ev = val_get(root, "environments");
  if (expect_map(v, ev, "environments"))
    for (int i = 0; i < ev->map.n; i++) {
      MapEntry *e = &ev->map.entries[i];
      if (!name_ok(e->key, LOWER, LOWER DIGIT "-", 1, 20) || !strcmp(e->key, "base"))
        err_key(v, e, join(v, "environments", e->key),
                "an environment name matches [a-z][a-z0-9-]{0,19} and is not 'base'");
      else if (e->val->kind != V_MAP && e->val->kind != V_NULL)
        err_key(v, e, join(v, "environments", e->key), "an environment overlay is a map, found %s",
                describe(e->val));
    }
  Value *checks = val_get(root, "checks");
  if (checks)
    check_checks(v, m, checks);

  int n;
  MapEntry **es;
  es = section(v, root, "registries", &n);
  m->registries = arena_alloc(a, sizeof(Registry) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    check_registry(v, &m->registries[m->nregistries++], es[i]);

  Value *net = val_get(root, "network");
  if (net && net->kind != V_NULL)
    m->network = check_network(v, net);
  m->lb = check_lb(v, val_get(root, "load_balancer"));
  check_nacl_quota(v, m->network, m->lb);

  int default_replicas = m->network ? m->network->az_count : 2;
  es = section(v, root, "services", &n);
  m->services = arena_alloc(a, sizeof(Service) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    check_service(v, &m->services[m->nservices++], es[i], default_replicas);
  es = section(v, root, "databases", &n);
  m->databases = arena_alloc(a, sizeof(Database) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    check_database(v, &m->databases[m->ndatabases++], es[i]);
  es = section(v, root, "tables", &n);
  m->tables = arena_alloc(a, sizeof(Table) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    check_table(v, &m->tables[m->ntables++], es[i]);
  es = section(v, root, "cross_account_roles", &n);
  m->roles = arena_alloc(a, sizeof(CrossRole) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    check_role(v, &m->roles[m->nroles++], es[i]);
  if (n && !m->account && !val_get(root, "account"))
    err(v, val_get(root, "cross_account_roles"), "cross_account_roles",
        "'account' is required: the trusted side's policy names this account's role ARN");
  Value *st = val_get(root, "state");
  if (st && st->kind != V_NULL)
    m->state = check_state(v, st);
  Value *kx = val_get(root, "kubernetes");
  if (kx && kx->kind != V_NULL)
    m->k8s = check_kubernetes(v, kx);

  if (!m->network && (m->nservices || m->ndatabases || m->lb)) {
    const char *what = m->nservices ? "services" : m->ndatabases ? "databases" : "load_balancer";
    err(v, val_get(root, what), what, "'network' is required once services, databases or a load_balancer exist");
  }
  check_references(v, m);
  return d->errors > before ? NULL : m;
}

/* Collections are sorted by key: a binary search, then a scan only when
 * that misses (a hand-built model may be in any order). Lookups run per
 * grant, so a scan each made large specs quadratic. */
#define FIND(field, count, type)                         \
  int lo = 0, hi = m->count;                             \
  while (lo < hi) {                                      \
    int mid = lo + (hi - lo) / 2, c = strcmp(m->field[mid].key, key); \
    if (!c)                                              \
      return &m->field[mid];                             \
    if (c < 0)                                           \
      lo = mid + 1;                                      \
    else                                                 \
      hi = mid;                                          \
  }                                                      \
  for (int i = 0; i < m->count; i++)                     \
    if (!strcmp(m->field[i].key, key))                   \
      return &m->field[i];                               \
  return NULL;

Service *model_service(const Model *m, const char *key) { FIND(services, nservices, Service) }
Database *model_database(const Model *m, const char *key) { FIND(databases, ndatabases, Database) }
Table *model_table(const Model *m, const char *key) { FIND(tables, ntables, Table) }
Registry *model_registry(const Model *m, const char *key) { FIND(registries, nregistries, Registry) }

const char *access_mode_name(AccessMode mode) {
  return mode == MODE_READ ? "read" : mode == MODE_WRITE ? "write" : "read_write";
}
