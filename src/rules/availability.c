/*
 * availability: single points of failure (INF-AVAIL-*): one NAT gateway
 * for every AZ, too few AZs, too few tasks for the AZs or for the
 * service's availability target, and task counts that leave a majority in
 * one failure domain. INF-AVAIL-006 (an AZ list that straddles regions) is
 * reported by validation, since such a spec cannot be built at all.
 *
 * Tasks are assumed spread evenly over the AZs of the service's subnets,
 * as ECS does; with a remainder, the worst case is assumed.
 */
#include <string.h>

#include "rules.h"

static void nat(Check *c) {
  const Network *n = c->m->network;
  if (!n || n->nat != NAT_SINGLE || n->az_count < 2 || !n->count[TIER_PUBLIC] || !n->count[TIER_PRIVATE])
    return;
  const char *az = n->az_names ? n->az_names[0] : "the first AZ";
  const char *azs = arena_printf(c->a, "%d", n->az_count);
  const Value *nv = n->nat_at;
  if (n->eip || n->eip_allocation) {
    const char *key = n->eip ? "eip" : "eip_allocation";
    const Value *v = check_at(nv, key);
    check_report(c, "INF-AVAIL-002", v ? v->pos : nv->pos, arena_printf(c->a, "network.nat.%s", key), "az", az,
                 "azs", azs, "eip", n->eip ? n->eip : n->eip_allocation, NULL);
    return;
  }
  const Value *mode = nv && nv->kind == V_MAP ? check_at(nv, "mode") : nv;
  check_report(c, "INF-AVAIL-001", mode ? mode->pos : n->at->pos,
               nv && nv->kind == V_MAP ? "network.nat.mode" : "network.nat", "az", az, "azs", azs, NULL);
}

static void azs(Check *c) {
  const Network *n = c->m->network;
  if (!n || n->az_count >= 2)
    return;
  const Value *v = check_at(n->at, "azs");
  check_report(c, "INF-AVAIL-003", v ? v->pos : check_key_pos(c->m->root, "network", n->at), "network.azs", "azs",
               arena_printf(c->a, "%d", n->az_count), NULL);
}

/* Where a finding about a service's task count points: replicas.min, the
 * plain replicas count, or the service's key. */
static Pos replicas_pos(const Model *m, const Service *s, const char **path, Arena *a) {
  const Value *r = check_at(s->at, "replicas");
  const Value *min = r && r->kind == V_MAP ? check_at(r, "min") : r;
  if (min) {
    *path = arena_printf(a, "services.%s.replicas%s", s->key, r->kind == V_MAP ? ".min" : "");
    return min->pos;
  }
  *path = arena_printf(a, "services.%s", s->key);
  return check_key_pos(val_get(m->root, "services"), s->key, s->at);
}

/* "99.9" and "95", not "99.900000" and "95.000000". */
static const char *pct(Arena *a, double v) { return arena_printf(a, "%.10g", v); }

/* The fewest tasks n with 1-(1-a)^n >= target, both fractions; 0 when
 * more than 'cap' would be needed. */
static int tasks_needed(double a, double target, int cap) {
  double down = 1 - a, allowed = 1 - target;
  double p = 1;
  for (int n = 1; n <= cap; n++) {
    p *= down;
    /* a relative tolerance, so 90% per task reaches 99% with 2 tasks */
    if (p <= allowed * (1 + 1e-9))
      return n;
  }
  return 0;
}

static void service_counts(Check *c) {
  const Model *m = c->m;
  const Network *n = m->network;
  const Value *dp = check_param(c, "INF-AVAIL-005", "instance_availability");
  double def = dp && dp->kind == V_FLOAT ? dp->f : dp && dp->kind == V_INT ? (double)dp->i : 99.5;
  for (int i = 0; i < m->nservices; i++) {
    const Service *s = &m->services[i];
    const char *path;
    Pos at = replicas_pos(m, s, &path, c->a);
    if (n && s->min < n->az_count)
      check_report(c, "INF-AVAIL-004", at, path, "service", s->key, "min", arena_printf(c->a, "%d", s->min), "azs",
                   arena_printf(c->a, "%d", n->az_count), NULL);
    if (s->availability > 0) {
      double a = s->instance_availability > 0 ? s->instance_availability : def;
      int needed = tasks_needed(a / 100, s->availability / 100, 1000);
      if (needed == 0 || s->min < needed) {
        const Value *av = check_at(s->at, "availability");
        check_report(c, "INF-AVAIL-005", av ? av->pos : at, arena_printf(c->a, "services.%s.availability", s->key),
                     "service", s->key, "target", pct(c->a, s->availability), "instance", pct(c->a, a), "needed",
                     needed ? arena_printf(c->a, "%d", needed) : "more than 1000", "min",
                     arena_printf(c->a, "%d", s->min), NULL);
      }
    }
  }
}

/* The failure domain of an AZ: the AZ itself, or for a Local Zone
 * (us-west-2-lax-1a) its group in one metro (us-west-2-lax-1). */
static const char *domain_of(Arena *a, const char *region, const char *az) {
  size_t rl = strlen(region), n = strlen(az);
  if (n > rl + 2 && !strncmp(az, region, rl) && az[rl] == '-')
    return arena_strndup(a, az, n - 1);
  return az;
}

static void majority(Check *c) {
  const Model *m = c->m;
  const Network *n = m->network;
  if (!n || n->az_count < 2)
    return;
  int k = n->az_count;
  const char *dom[6];
  for (int i = 0; i < k; i++)
    dom[i] = n->az_names ? domain_of(c->a, m->region, n->az_names[i]) : n->az_keys[i];
  for (int i = 0; i < m->nservices; i++) {
    const Service *s = &m->services[i];
    int tasks = s->min;
    if (tasks < 2)
      continue;   /* one task: INF-AVAIL-004 says it */
    /* The worst case: the remainder lands in the largest domain. */
    int best = 0, besti = 0, members = 0;
    for (int d = 0; d < k; d++) {
      bool first = true;
      for (int e = 0; e < d; e++)
        first &= strcmp(dom[e], dom[d]) != 0;
      if (!first)
        continue;
      int size = 0;
      for (int e = 0; e < k; e++)
        size += !strcmp(dom[e], dom[d]);
      int extra = tasks % k < size ? tasks % k : size;
      int count = size * (tasks / k) + extra;
      if (count > best) {
        best = count;
        besti = d;
        members = size;
      }
    }
    if (2 * best <= tasks)
      continue;
    const char *where;
    if (!n->az_names)
      where = arena_printf(c->a, "one AZ (of %d)", k);
    else if (members == 1) {
      /* which AZ takes the extra task is ECS's choice: name them all */
      Buf b;
      buf_init(&b);
      buf_puts(&b, "one AZ (of ");
      for (int e = 0; e < k; e++)
        buf_printf(&b, "%s%s", e ? ", " : "", n->az_names[e]);
      buf_putc(&b, ')');
      where = buf_finish(&b, c->a);
    } else {
      Buf b;
      buf_init(&b);
      buf_printf(&b, "the Local Zone group %s (", dom[besti]);
      int w = 0;
      for (int e = 0; e < k; e++)
        if (!strcmp(dom[e], dom[besti]))
          buf_printf(&b, "%s%s", w++ ? ", " : "", n->az_names[e]);
      buf_putc(&b, ')');
      where = buf_finish(&b, c->a);
    }
    const char *path;
    Pos at = replicas_pos(m, s, &path, c->a);
    check_report(c, "INF-AVAIL-007", at, path, "service", s->key, "count", arena_printf(c->a, "%d", best), "min",
                 arena_printf(c->a, "%d", tasks), "domain", where, NULL);
  }
}

void check_availability(Check *c) {
  nat(c);
  azs(c);
  service_counts(c);
  majority(c);
}
