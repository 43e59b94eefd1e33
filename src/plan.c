/*
 * plan: from Model to resources (see plan.h). One section per part of the
 * spec, in the order a person would read the architecture: network, load
 * balancer, services, databases, tables, registries, cross-account roles.
 * Identities use spec keys and AZ identities; physical names go through
 * name_fit so every service's length and character rules hold.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tmpl.h"

typedef struct P {
  Arena *a;
  Diags *d;
  Plan *p;
  Model *m;
  const char *N;     /* the spec name, prefix of every physical name */
  bool failed;
  bool full;         /* PLAN_MAX_RESOURCES reached and reported */
} P;

/* ---- the resource table ---- */

static unsigned slot_of(const char *id, int cap) { return hash_fnv1a(id) & (unsigned)(cap - 1); }

/* h is hash_fnv1a(r->id): add() has it already from its lookup. */
static void index_put(Plan *p, Resource *r, uint32_t h) {
  if ((p->resources.len + 1) * 2 > p->index_cap) {
    int cap = p->index_cap ? p->index_cap * 2 : 256;
    Resource **t = arena_alloc(p->arena, sizeof(Resource *) * (size_t)cap);
    for (int i = 0; i < p->index_cap; i++)
      if (p->index[i]) {
        unsigned s = slot_of(p->index[i]->id, cap);
        while (t[s])
          s = (s + 1) & (unsigned)(cap - 1);
        t[s] = p->index[i];
      }
    p->index = t;
    p->index_cap = cap;
  }
  unsigned s = h & (unsigned)(p->index_cap - 1);
  while (p->index[s])
    s = (s + 1) & (unsigned)(p->index_cap - 1);
  p->index[s] = r;
}

static void insert(Plan *p, Resource *r, uint32_t h) {
  r->seq = p->resources.len;
  vec_push(p->arena, &p->resources, r);
  index_put(p, r, h);
}

void plan_insert(Plan *p, Resource *r) { insert(p, r, hash_fnv1a(r->id)); }

static Resource *find(const Plan *p, const char *id, uint32_t h) {
  if (!p->index_cap)
    return NULL;
  unsigned s = h & (unsigned)(p->index_cap - 1);
  while (p->index[s]) {
    if (!strcmp(p->index[s]->id, id))
      return p->index[s];
    s = (s + 1) & (unsigned)(p->index_cap - 1);
  }
  return NULL;
}

Resource *plan_find(const Plan *p, const char *id) { return find(p, id, hash_fnv1a(id)); }

static int by_kind_cmp(const void *x, const void *y) {
  const Resource *a = *(Resource *const *)x, *b = *(Resource *const *)y;
  int c = strcmp(a->kind, b->kind);
  return c ? c : a->seq - b->seq;
}

/* Every resource sorted by kind, then by plan order: what plan_of_kind
 * answers from. Built again only when the plan has grown since, so once
 * plan_build has returned the plan is never written to, and emitters may
 * read it from several threads at once. */
static void index_kinds(Plan *p) {
  int len = p->resources.len;
  if (p->by_kind && p->by_kind_len == len)
    return;
  p->by_kind = arena_alloc(p->arena, sizeof(Resource *) * (size_t)(len + 1));
  if (len)
    memcpy(p->by_kind, p->resources.items, sizeof(Resource *) * (size_t)len);
  qsort(p->by_kind, (size_t)len, sizeof *p->by_kind, by_kind_cmp);
  p->by_kind_len = len;
}

/* Emitters ask for a kind once per service, so a scan of the whole plan
 * per call made them quadratic: answer from the index with a binary
 * search instead. The answer points into the index: read it, never sort
 * or change it (copy it first). */
int plan_of_kind(const Plan *p, const char *kind, Resource ***out) {
  if (!p->by_kind || p->by_kind_len != p->resources.len)
    index_kinds((Plan *)p);   /* only while the plan is being built */
  int len = p->by_kind_len, lo = 0, hi = len;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (strcmp(p->by_kind[mid]->kind, kind) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  int n = 0;
  while (lo + n < len && !strcmp(p->by_kind[lo + n]->kind, kind))
    n++;
  *out = p->by_kind + lo;
  return n;
}

static Resource *add(P *c, const char *kind, const char *key, const char *name, const Value *at, int az) {
  Resource *r = arena_alloc(c->a, sizeof *r);
  r->kind = kind;
  r->key = key;
  r->id = arena_printf(c->a, "%s.%s", kind, key);
  r->name = name;
  r->attrs = val_map(c->a);
  r->origin = at ? at->pos : (Pos){.file = c->m->file, .line = 1, .col = 1};
  r->az = az;
  r->taggable = true;
  uint32_t h = hash_fnv1a(r->id);
  if (find(c->p, r->id, h)) {
    /* Two spec names that map to one identity (e.g. after sanitising). */
    diag_error(c->d, r->origin, NULL, "two parts of the spec both make %s; rename one", r->id);
    c->failed = true;
  }
  insert(c->p, r, h);
  return r;
}

/* True once the plan holds PLAN_MAX_RESOURCES: the loops that make
 * resources per service, grant, database, table, registry and role stop
 * there, so a hostile spec costs bounded time and memory. */
static bool full(P *c) {
  if (c->p->resources.len < PLAN_MAX_RESOURCES)
    return false;
  if (!c->full) {
    Pos at = c->m->root ? c->m->root->pos : (Pos){.file = c->m->file, .line = 1, .col = 1};
    diag_error(c->d, at, NULL,
               "the spec makes more than %d resources, more than one stack should hold; "
               "split it into smaller specs", PLAN_MAX_RESOURCES);
    c->full = c->failed = true;
  }
  return true;
}

/* Every attribute name is a literal, so it is not copied. */
static void set(P *c, Resource *r, const char *k, Value *v) { val_set_lit(c->a, r->attrs, k, v); }
static Value *S(P *c, const char *s) { return val_str(c->a, s); }
static Value *SL(P *c, const char *literal) { return val_str_lit(c->a, literal); }
static Value *I(P *c, long long i) { return val_int(c->a, i); }
static Value *B(P *c, bool b) { return val_bool(c->a, b); }
/* Every caller passes a resource it made; the analyzer also follows paths
 * validation rules out (a tier without subnets, a load balancer without a
 * network), hence the NOLINT. */
static Value *R(P *c, Resource *r, const char *attr) {
  return val_ref(c->a, r->id, attr, NULL);   // NOLINT(clang-analyzer-core.NullDereference)
}
static Value *RK(P *c, Resource *r, const char *attr, const char *known) {
  return val_ref(c->a, r->id, attr, known);
}
static Value *L(P *c) { return val_list(c->a); }
static Value *M(P *c) { return val_map(c->a); }
static void push(P *c, Value *list, Value *v) { val_push(c->a, list, v); }
static void after(P *c, Resource *r, Resource *dep) { vec_push(c->a, &r->after, (void *)dep->id); }
/* A plan value made from the spec value 'src' takes its position, so
 * `infrac diff` can cite the line that asked for it. */
static Value *sourced(Value *v, const Value *src) {
  if (v && src)
    v->pos = src->pos;
  return v;
}
static void cite(Resource *r, const char *attr, const Value *src) { sourced(val_get(r->attrs, attr), src); }
static void cite_ports(Resource *r, const Value *src) {
  cite(r, "from_port", src);
  cite(r, "to_port", src);
}

static Value *concat2(P *c, Value *x, const char *tail) {
  Value *v = val_concat(c->a);
  push(c, v, x);
  push(c, v, S(c, tail));
  return v;
}

static const char *fmt(P *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *dashed(P *c, const char *key);
static void unique_sorted(Vec *v);
static const char *fmt(P *c, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = arena_vprintf(c->a, f, ap);
  va_end(ap);
  return s;
}

/* "<name>-<key>" with '_' as '-', for Name tags of network resources. */
static const char *dashed(P *c, const char *key) {
  char *s = arena_printf(c->a, "%s-%s", c->N, key);
  for (char *q = s; *q; q++)
    if (*q == '_' || *q == '.')
      *q = '-';
  return s;
}

const char *plan_arn(Arena *a, const Plan *p, const char *service, bool regional, const char *rest) {
  if (!p->m->account)
    return NULL;
  return arena_printf(a, "arn:%s:%s:%s:%s:%s", p->partition, service,
                      regional ? p->m->region : "", p->m->account, rest);
}

static Value *az_value(P *c, int i) {
  Network *n = c->m->network;
  return n->az_names ? S(c, n->az_names[i]) : val_az(c->a, i);
}

/* ---- templates ---- */

static Value *actions(P *c, const char *set) {
  Value *v = tmpl_entry(c->a, c->d, "iam/actions.yaml", set);
  if (!v || v->kind != V_LIST) {
    if (v)
      diag_error(c->d, v->pos, set, "an action set is a list of IAM actions");
    c->failed = true;
    return L(c);
  }
  return v;
}

static Value *trust(P *c, const char *shape, const TmplVar *vars, int n) {
  Value *v = tmpl_entry(c->a, c->d, "iam/trust.yaml", shape);
  if (!v) {
    c->failed = true;
    return M(c);
  }
  return tmpl_expand(c->a, v, vars, n);
}

static Value *ecs_trust(P *c) {
  TmplVar vars[] = {
      {"account", c->m->account},
      {"ecs_source_arn", plan_arn(c->a, c->p, "ecs", true, "*")},
  };
  return trust(c, "ecs_tasks", vars, 2);
}

/* A task role's trust: ECS tasks and, with kubernetes.oidc_provider, the
 * EKS web identity of this service's ServiceAccount alone, named exactly
 * as the Kubernetes target names it (names.h). */
static Value *task_trust(P *c, const Service *s) {
  Value *d = ecs_trust(c);
  const char *provider = c->m->k8s ? c->m->k8s->oidc_provider : NULL;
  if (!provider)
    return d;
  TmplVar vars[] = {
      {"partition", c->p->partition},
      {"account", c->m->account},
      {"oidc_provider", provider},
      {"namespace", name_k8s_namespace(c->a, c->m->name, c->m->env)},
      {"service_account", name_k8s_service_account(c->a, s->key)},
  };
  Value *eks = trust(c, "eks_service_account", vars, 5);
  Value *to = val_get(d, "Statement"), *from = val_get(eks, "Statement");
  if (!to || to->kind != V_LIST || !from || from->kind != V_LIST) {
    diag_error(c->d, eks->pos, NULL, "template iam/trust.yaml: ecs_tasks and eks_service_account each need a Statement list");
    c->failed = true;
    return d;
  }
  for (int i = 0; i < from->list.n; i++)
    push(c, to, from->list.items[i]);
  return d;
}

static Value *doc(P *c) {
  Value *d = M(c);
  val_set_lit(c->a, d, "Version", SL(c, "2012-10-17"));
  val_set_lit(c->a, d, "Statement", L(c));
  return d;
}

/* IAM refuses a document whose Sids repeat, and sid_part is lossy ("a.b"
 * and "a_b" both give "AB"): a Sid already taken gets the hash of the key
 * it was made from, so it stays the same from run to run. */
static Value *stmt_keyed(P *c, Value *d, const char *sid, const char *key, Value *acts, Value *resources) {
  Value *list = val_get(d, "Statement");
  for (int i = 0; i < list->list.n; i++) {
    Value *taken = val_get(list->list.items[i], "Sid");
    if (taken && taken->kind == V_STR && !strcmp(taken->s, sid)) {
      sid = fmt(c, "%s%08X", sid, (unsigned)hash_fnv1a(key ? key : sid));
      i = -1;
      key = sid;
    }
  }
  Value *s = M(c);
  val_set_lit(c->a, s, "Sid", S(c, sid));
  val_set_lit(c->a, s, "Effect", SL(c, "Allow"));
  val_set_lit(c->a, s, "Action", acts);
  val_set_lit(c->a, s, "Resource", resources);
  push(c, val_get(d, "Statement"), s);
  return s;
}

static Value *stmt(P *c, Value *d, const char *sid, Value *acts, Value *resources) {
  return stmt_keyed(c, d, sid, NULL, acts, resources);
}

/* "user_metadata" -> "UserMetadata": Sids allow [A-Za-z0-9] only. */
static const char *sid_part(P *c, const char *key) {
  char *s = arena_alloc(c->a, strlen(key) + 1);
  size_t k = 0;
  bool up = true;
  for (const char *p = key; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
      s[k++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
      up = false;
    } else
      up = true;
  }
  return s;
}

/* ---- network ---- */

typedef struct NetRefs {
  Resource *vpc, *igw;
  Resource *subnets[TIER_COUNT][6];
  Resource *private_rt[6], *public_rt, *isolated_rt;
  Resource *endpoint_sg;
} NetRefs;

/* "10.0.0.0/16" as a key: "10_0_0_0_16". */
static const char *cidr_key(P *c, const char *cidr) {
  char *k = arena_strdup(c->a, cidr);
  for (char *q = k; *q; q++)
    if (*q == '.' || *q == '/')
      *q = '_';
  return k;
}

/* A network ACL rule, keyed by what it allows ("public_ingress_vpc",
 * "public_ingress_443_0_0_0_0_0"), never by its place in a list. */
static void nacl_rule(P *c, Resource *acl, const char *tier, const char *what, bool egress, int number,
                      const char *proto, int from, int to, const char *cidr, const Value *cidr_at) {
  Resource *r = add(c, "network_acl_rule", fmt(c, "%s_%s_%s", tier, egress ? "egress" : "ingress", what),
                    NULL, c->m->network->at, -1);
  r->taggable = false;
  set(c, r, "network_acl", R(c, acl, "id"));
  set(c, r, "rule_number", I(c, number));
  set(c, r, "egress", B(c, egress));
  set(c, r, "protocol", S(c, proto));
  set(c, r, "rule_action", SL(c, "allow"));
  set(c, r, "cidr_block", sourced(S(c, cidr), cidr_at));
  if (strcmp(proto, "-1")) {
    set(c, r, "from_port", I(c, from));
    set(c, r, "to_port", I(c, to));
  }
}

/* Where the spec allows 'cidr' in: its allowed_cidrs item, or the load
 * balancer when the default applies. */
static const Value *allowed_at(const LoadBalancer *lb, const char *cidr) {
  Value *l = val_get(lb->at, "allowed_cidrs");
  for (int i = 0; l && l->kind == V_LIST && i < l->list.n; i++)
    if (l->list.items[i]->kind == V_STR && !strcmp(l->list.items[i]->s, cidr))
      return l->list.items[i];
  return lb->at;
}

/* Rule numbers. Every rule allows, so their order never matters, but a
 * rule's number cannot change in place (both targets replace the rule,
 * leaving a moment where its traffic is dropped): the fixed rules have
 * fixed numbers, and each listener port and allowed CIDR pair a number
 * hashed from the pair, the first free one at or after it in the order
 * of the pairs, so adding a listener or a CIDR moves no other rule. */
enum { NACL_VPC = 100, NACL_RETURN = 200, NACL_HASHED_FIRST = 1000, NACL_HASHED_SLOTS = 30000 };

typedef struct NaclPair {
  int port;
  const char *cidr;
} NaclPair;

static int cmp_nacl_pair(const void *x, const void *y) {
  const NaclPair *a = x, *b = y;
  return a->port != b->port ? (a->port > b->port) - (a->port < b->port) : strcmp(a->cidr, b->cidr);
}

static void nacl_listener_rules(P *c, Resource *acl, const char *tier) {
  LoadBalancer *lb = c->m->lb;
  int n = 0;
  NaclPair *pairs = arena_alloc(c->a, sizeof *pairs * (size_t)(lb->nallowed * lb->nlisteners + 1));
  for (int i = 0; i < lb->nallowed; i++)
    for (int j = 0; j < lb->nlisteners; j++)
      pairs[n++] = (NaclPair){lb->listeners[j].port, lb->allowed_cidrs[i]};
  qsort(pairs, (size_t)n, sizeof *pairs, cmp_nacl_pair);
  bool *taken = arena_alloc(c->a, sizeof(bool) * NACL_HASHED_SLOTS);
  /* validation refuses a port or CIDR listed twice, so every pair differs */
  for (int k = 0; k < n; k++) {
    const char *what = fmt(c, "%d_%s", pairs[k].port, cidr_key(c, pairs[k].cidr));
    /* Validation caps listeners and CIDRs far below the slots. */
    int s = (int)(hash_fnv1a(what) % NACL_HASHED_SLOTS);
    while (taken[s])
      s = (s + 1) % NACL_HASHED_SLOTS;
    taken[s] = true;
    nacl_rule(c, acl, tier, what, false, NACL_HASHED_FIRST + s, "6", pairs[k].port, pairs[k].port, pairs[k].cidr,
              allowed_at(lb, pairs[k].cidr));
  }
}

static void plan_nacls(P *c, NetRefs *nr) {
  Network *n = c->m->network;
  char vpc[20];
  cidr_format(n->cidr, vpc);
  for (int t = 0; t < TIER_COUNT; t++) {
    if (!n->count[t])
      continue;
    const char *tier = tier_name((Tier)t);
    Resource *acl = add(c, "network_acl", tier, fmt(c, "%s-%s", c->N, tier), n->at, -1);
    set(c, acl, "vpc", R(c, nr->vpc, "id"));
    set(c, acl, "tier", S(c, tier));
    const Value *vpc_at = val_get(n->at, "cidr");
    nacl_rule(c, acl, tier, "vpc", false, NACL_VPC, "-1", 0, 0, vpc, vpc_at);
    if (t == TIER_PUBLIC && c->m->lb && c->m->lb->public)
      nacl_listener_rules(c, acl, tier);
    /* Return traffic of connections opened from inside (NAT, endpoints). */
    if (t == TIER_PUBLIC || (t == TIER_PRIVATE && n->nat != NAT_NONE))
      nacl_rule(c, acl, tier, "return", false, NACL_RETURN, "6", 1024, 65535, "0.0.0.0/0", NULL);
    nacl_rule(c, acl, tier, "all", true, NACL_VPC, "-1", 0, 0, t == TIER_ISOLATED ? vpc : "0.0.0.0/0",
              t == TIER_ISOLATED ? vpc_at : NULL);
    for (int i = 0; i < n->az_count; i++) {
      Resource *as = add(c, "network_acl_association", fmt(c, "%s_%s", tier, n->az_keys[i]), NULL, n->at, i);
      as->taggable = false;
      set(c, as, "network_acl", R(c, acl, "id"));
      set(c, as, "subnet", R(c, nr->subnets[t][i], "id"));
    }
  }
}

static Resource *route_table(P *c, NetRefs *nr, const char *key, const char *tier, int az) {
  Resource *rt = add(c, "route_table", key, dashed(c, key), c->m->network->at, az);
  set(c, rt, "vpc", R(c, nr->vpc, "id"));
  set(c, rt, "tier", S(c, tier));
  return rt;
}

static void associate(P *c, Resource *rt, Resource *subnet, const char *key, int az) {
  Resource *as = add(c, "route_table_association", key, NULL, c->m->network->at, az);
  as->taggable = false;
  set(c, as, "route_table", R(c, rt, "id"));
  set(c, as, "subnet", R(c, subnet, "id"));
}

static void plan_flow_logs(P *c, NetRefs *nr) {
  Network *n = c->m->network;
  const char *group = fmt(c, "/aws/vpc/flow-logs/%s", c->N);
  Resource *lg = add(c, "log_group", "flow_logs", group, n->at, -1);
  set(c, lg, "retention_in_days", I(c, 365));
  const char *lg_arn = plan_arn(c->a, c->p, "logs", true, fmt(c, "log-group:%s", group));
  Resource *role = add(c, "iam_role", "flow_logs", name_fit(c->a, fmt(c, "%s-flow-logs", c->N), 64, 0), n->at, -1);
  TmplVar vars[] = {{"account", c->m->account}};
  set(c, role, "assume_role_policy", trust(c, "vpc_flow_logs", vars, 1));
  Resource *pol = add(c, "iam_role_policy", "flow_logs", "flow-logs", n->at, -1);
  pol->taggable = false;
  set(c, pol, "role", R(c, role, "name"));
  Value *d = doc(c);
  Value *res = L(c);
  push(c, res, concat2(c, RK(c, lg, "arn", lg_arn), ":*"));
  stmt(c, d, "DeliverFlowLogs", actions(c, "flow_logs_write"), res);
  set(c, pol, "policy", d);
  Resource *fl = add(c, "flow_log", "main", fmt(c, "%s-vpc", c->N), n->at, -1);
  set(c, fl, "vpc", R(c, nr->vpc, "id"));
  set(c, fl, "traffic_type", SL(c, "ALL"));
  set(c, fl, "log_destination_type", SL(c, "cloud-watch-logs"));
  set(c, fl, "log_destination", RK(c, lg, "arn", lg_arn));
  set(c, fl, "iam_role", RK(c, role, "arn", plan_arn(c->a, c->p, "iam", false, fmt(c, "role/%s", role->name))));
  set(c, fl, "max_aggregation_interval", I(c, 60));
}

static Resource *security_group(P *c, const char *key, const char *desc, const Value *at, NetRefs *nr) {
  Resource *sg = add(c, "security_group", key, name_fit(c->a, dashed(c, key), 255, 0), at, -1);
  set(c, sg, "vpc", R(c, nr->vpc, "id"));
  set(c, sg, "description", S(c, desc));
  return sg;
}

/* One security-group rule; 'peer' is a CIDR string or a security group. */
static Resource *sg_rule(P *c, const char *key, Resource *sg, bool egress, int from, int to,
                         const char *cidr, Resource *peer, const char *desc, const Value *at) {
  Resource *r = add(c, "security_group_rule", key, NULL, at, -1);
  r->taggable = false;
  set(c, r, "security_group", R(c, sg, "id"));
  set(c, r, "direction", S(c, egress ? "egress" : "ingress"));
  set(c, r, "protocol", SL(c, "tcp"));
  set(c, r, "from_port", I(c, from));
  set(c, r, "to_port", I(c, to));
  if (cidr)
    set(c, r, "cidr_block", S(c, cidr));
  else if (peer)
    set(c, r, "peer_security_group", R(c, peer, "id"));
  set(c, r, "description", S(c, desc));
  return r;
}

static void plan_endpoints(P *c, NetRefs *nr) {
  Network *n = c->m->network;
  char vpc[20];
  cidr_format(n->cidr, vpc);
  /* Gateway endpoints serve the private and isolated route tables. */
  Value *rts = L(c);
  for (int i = 0; i < n->az_count; i++)
    if (nr->private_rt[i])
      push(c, rts, R(c, nr->private_rt[i], "id"));
  if (nr->isolated_rt)
    push(c, rts, R(c, nr->isolated_rt, "id"));
  if (!rts->list.n && nr->public_rt)
    push(c, rts, R(c, nr->public_rt, "id"));
  static const char *gateways[] = {"dynamodb", "s3"};
  for (int g = 0; g < 2; g++) {
    Resource *ep = add(c, "vpc_endpoint", gateways[g], fmt(c, "%s-%s", c->N, gateways[g]), n->at, -1);
    set(c, ep, "vpc", R(c, nr->vpc, "id"));
    set(c, ep, "service_name", S(c, fmt(c, "com.amazonaws.%s.%s", c->m->region, gateways[g])));
    set(c, ep, "vpc_endpoint_type", SL(c, "Gateway"));
    set(c, ep, "route_tables", rts);
  }
  if (!n->nendpoints)
    return;
  Tier t = n->count[TIER_PRIVATE] ? TIER_PRIVATE : n->count[TIER_ISOLATED] ? TIER_ISOLATED : TIER_PUBLIC;
  Value *subnets = L(c);
  for (int i = 0; i < n->az_count; i++)
    if (nr->subnets[t][i])
      push(c, subnets, R(c, nr->subnets[t][i], "id"));
  Resource *sg = security_group(c, "endpoints", "Interface endpoints: HTTPS from inside the VPC",
                                val_get(n->at, "endpoints"), nr);
  nr->endpoint_sg = sg;
  Resource *in = sg_rule(c, "endpoints_https_in", sg, false, 443, 443, vpc, NULL, "HTTPS from the VPC",
                         val_get(n->at, "endpoints"));
  cite(in, "cidr_block", val_get(n->at, "cidr"));
  for (int i = 0; i < n->nendpoints; i++) {
    const char *svc = n->endpoints[i];
    const char *names[2] = {svc, NULL};
    if (!strcmp(svc, "ecr")) {
      names[0] = "ecr.api";
      names[1] = "ecr.dkr";
    }
    for (int k = 0; k < 2 && names[k]; k++) {
      char *key = arena_strdup(c->a, names[k]);
      for (char *q = key; *q; q++)
        if (*q == '.' || *q == '-')
          *q = '_';
      Resource *ep = add(c, "vpc_endpoint", key, dashed(c, key), val_get(n->at, "endpoints"), -1);
      set(c, ep, "vpc", R(c, nr->vpc, "id"));
      set(c, ep, "service_name", S(c, fmt(c, "com.amazonaws.%s.%s", c->m->region, names[k])));
      set(c, ep, "vpc_endpoint_type", SL(c, "Interface"));
      set(c, ep, "subnets", subnets);
      Value *sgs = L(c);
      push(c, sgs, R(c, sg, "id"));
      set(c, ep, "security_groups", sgs);
      set(c, ep, "private_dns_enabled", B(c, true));
    }
  }
}

static void plan_network(P *c, NetRefs *nr) {
  Network *n = c->m->network;
  char buf[20];
  nr->vpc = add(c, "vpc", "main", fmt(c, "%s-vpc", c->N), n->at, -1);
  set(c, nr->vpc, "cidr_block", S(c, cidr_format(n->cidr, buf)));
  set(c, nr->vpc, "enable_dns_support", B(c, true));
  set(c, nr->vpc, "enable_dns_hostnames", B(c, true));
  if (n->count[TIER_PUBLIC]) {
    nr->igw = add(c, "internet_gateway", "main", fmt(c, "%s-igw", c->N), n->at, -1);
    set(c, nr->igw, "vpc", R(c, nr->vpc, "id"));
  }
  for (int t = 0; t < TIER_COUNT; t++)
    for (int i = 0; i < n->count[t]; i++) {
      const char *key = fmt(c, "%s_%s", tier_name((Tier)t), n->az_keys[i]);
      Resource *s = add(c, "subnet", key, fmt(c, "%s-%s-%s", c->N, tier_name((Tier)t), n->az_keys[i]), n->at, i);
      set(c, s, "vpc", R(c, nr->vpc, "id"));
      set(c, s, "cidr_block", S(c, cidr_format(n->subnets[t][i], buf)));
      set(c, s, "availability_zone", az_value(c, i));
      set(c, s, "tier", S(c, tier_name((Tier)t)));
      set(c, s, "map_public_ip_on_launch", B(c, t == TIER_PUBLIC));
      nr->subnets[t][i] = s;
    }
  /* NAT: per AZ, or one in the first AZ, keyed by AZ so switching modes
   * keeps the first one. */
  Resource *nat[6] = {0};
  int nats = n->nat == NAT_PER_AZ ? n->az_count : n->nat == NAT_SINGLE ? 1 : 0;
  if (!n->count[TIER_PUBLIC])
    nats = 0;
  for (int i = 0; i < nats; i++) {
    const char *az = n->az_keys[i];
    Value *alloc;
    if (n->eip_allocation) {
      alloc = S(c, n->eip_allocation);
    } else {
      Resource *eip = add(c, "eip", fmt(c, "nat_%s", az), fmt(c, "%s-nat-%s", c->N, az), n->nat_at ? n->nat_at : n->at, i);
      set(c, eip, "domain", SL(c, "vpc"));
      if (n->eip)
        set(c, eip, "address", S(c, n->eip));
      after(c, eip, nr->igw);
      alloc = R(c, eip, "allocation_id");
    }
    nat[i] = add(c, "nat_gateway", az, fmt(c, "%s-nat-%s", c->N, az), n->nat_at ? n->nat_at : n->at, i);
    set(c, nat[i], "allocation_id", alloc);
    set(c, nat[i], "subnet", R(c, nr->subnets[TIER_PUBLIC][i], "id"));
    set(c, nat[i], "connectivity_type", SL(c, "public"));
    after(c, nat[i], nr->igw);
  }
  if (n->count[TIER_PUBLIC]) {
    nr->public_rt = route_table(c, nr, "public", "public", -1);
    Resource *r = add(c, "route", "public_default", NULL, n->at, -1);
    r->taggable = false;
    set(c, r, "route_table", R(c, nr->public_rt, "id"));
    set(c, r, "destination_cidr_block", SL(c, "0.0.0.0/0"));
    set(c, r, "gateway", R(c, nr->igw, "id"));
    for (int i = 0; i < n->az_count; i++)
      associate(c, nr->public_rt, nr->subnets[TIER_PUBLIC][i], fmt(c, "public_%s", n->az_keys[i]), i);
  }
  if (n->count[TIER_PRIVATE])
    for (int i = 0; i < n->az_count; i++) {
      const char *az = n->az_keys[i];
      nr->private_rt[i] = route_table(c, nr, fmt(c, "private_%s", az), "private", i);
      Resource *gw = nats == 0 ? NULL : nat[n->nat == NAT_PER_AZ ? i : 0];
      if (gw) {
        Resource *r = add(c, "route", fmt(c, "private_%s_default", az), NULL, n->nat_at ? n->nat_at : n->at, i);
        r->taggable = false;
        set(c, r, "route_table", R(c, nr->private_rt[i], "id"));
        set(c, r, "destination_cidr_block", SL(c, "0.0.0.0/0"));
        set(c, r, "nat_gateway", R(c, gw, "id"));
      }
      associate(c, nr->private_rt[i], nr->subnets[TIER_PRIVATE][i], fmt(c, "private_%s", az), i);
    }
  if (n->count[TIER_ISOLATED]) {
    nr->isolated_rt = route_table(c, nr, "isolated", "isolated", -1);
    for (int i = 0; i < n->az_count; i++)
      associate(c, nr->isolated_rt, nr->subnets[TIER_ISOLATED][i], fmt(c, "isolated_%s", n->az_keys[i]), i);
  }
  if (n->nacls)
    plan_nacls(c, nr);
  if (n->flow_logs)
    plan_flow_logs(c, nr);
  plan_endpoints(c, nr);
}

/* ---- load balancer ---- */

typedef struct LbRefs {
  Resource *lb, *sg;
  Resource **tg;        /* per service, NULL when not routed */
  Vec rules;            /* listener rules, for ECS services to wait on */
} LbRefs;

/* "/" is 0, "/users" 1, "/users/admin" 2. */
static int route_depth(const char *r) {
  int d = 0;
  for (const char *p = r; *p; p++)
    d += *p == '/';
  return strcmp(r, "/") ? d : 0;
}

/* Priorities: deeper paths first (they are more specific), then a stable
 * hash within the band, so adding a route rarely moves another one. */
/* The first free priority at or after p in the order p, p+1, ... 50000,
 * 1, ...: next[] points each taken slot further along (with path
 * compression), so a crowded band costs no long walks, and the answer is
 * the one a walk slot by slot would give. */
static int free_slot(int *next, int p) {
  int root = p;
  while (next[root] != root)
    root = next[root];
  while (next[p] != root) {
    int n = next[p];
    next[p] = root;
    p = n;
  }
  return root;
}

static int *route_priorities(P *c) {
  Model *m = c->m;
  int *prio = arena_alloc(c->a, sizeof(int) * (size_t)(m->nservices + 1));
  int *next = arena_alloc(c->a, sizeof(int) * 50001);
  for (int k = 0; k <= 50000; k++)
    next[k] = k;
  int taken = 0;
  for (int i = 0; i < m->nservices; i++) {
    const char *r = m->services[i].route;
    if (!r)
      continue;
    int depth = route_depth(r);
    if (depth > 40)
      depth = 40;
    int p = (41 - depth) * 1000 + (int)(hash_fnv1a(r) % 1000);
    /* a spec cannot have 50000 routes (MAX_SECTION), but a full table
     * must not turn into an endless search */
    if (taken < 50000) {
      p = free_slot(next, p);
      next[p] = p % 50000 + 1;
      taken++;
    }
    prio[i] = p;
  }
  return prio;
}

static void plan_lb(P *c, NetRefs *nr, LbRefs *lr) {
  Model *m = c->m;
  LoadBalancer *lb = m->lb;
  lr->tg = arena_alloc(c->a, sizeof(Resource *) * (size_t)(m->nservices + 1));
  lr->sg = security_group(c, "alb", lb->public ? "Load balancer: listener ports from allowed_cidrs"
                                                : "Internal load balancer: listener ports from allowed_cidrs",
                          lb->at, nr);
  for (int j = 0; j < lb->nlisteners; j++)
    for (int i = 0; i < lb->nallowed; i++) {
      int port = lb->listeners[j].port;
      const char *cidr = lb->allowed_cidrs[i];
      Resource *in = sg_rule(c, fmt(c, "alb_in_%d_%s", port, cidr_key(c, cidr)), lr->sg, false, port, port, cidr,
                             NULL, fmt(c, "Listener %d from %s", port, cidr), lb->listeners[j].at);
      cite(in, "cidr_block", allowed_at(lb, cidr));
    }
  Tier t = lb->public ? TIER_PUBLIC : TIER_PRIVATE;
  Value *subnets = L(c);
  for (int i = 0; i < m->network->az_count; i++)
    push(c, subnets, R(c, nr->subnets[t][i], "id"));
  lr->lb = add(c, "load_balancer", "main", name_fit(c->a, fmt(c, "%s-alb", c->N), 32, NAME_NO_UNDERSCORE), lb->at, -1);
  set(c, lr->lb, "load_balancer_type", SL(c, "application"));
  set(c, lr->lb, "internal", sourced(B(c, !lb->public), val_get(lb->at, "public")));
  set(c, lr->lb, "subnets", subnets);
  Value *sgs = L(c);
  push(c, sgs, R(c, lr->sg, "id"));
  set(c, lr->lb, "security_groups", sgs);
  set(c, lr->lb, "deletion_protection", sourced(B(c, lb->deletion_protection), val_get(lb->at, "deletion_protection")));
  set(c, lr->lb, "drop_invalid_header_fields", B(c, true));
  set(c, lr->lb, "idle_timeout", I(c, 60));
  if (nr->igw && lb->public)
    after(c, lr->lb, nr->igw);

  for (int i = 0; i < m->nservices && !full(c); i++) {
    Service *s = &m->services[i];
    if (!s->route)
      continue;
    Resource *tg = add(c, "target_group", s->key,
                       name_fit(c->a, fmt(c, "%s-%s", c->N, s->key), 32, NAME_NO_UNDERSCORE),
                       val_get(s->at, "route"), -1);
    set(c, tg, "port", I(c, s->port));
    set(c, tg, "protocol", SL(c, "HTTP"));
    set(c, tg, "target_type", SL(c, "ip"));
    set(c, tg, "vpc", R(c, nr->vpc, "id"));
    set(c, tg, "deregistration_delay", I(c, 30));
    Value *hc = M(c);
    val_set_lit(c->a, hc, "path", S(c, s->health_check));
    val_set_lit(c->a, hc, "protocol", SL(c, "HTTP"));
    val_set_lit(c->a, hc, "matcher", SL(c, "200-399"));
    val_set_lit(c->a, hc, "interval", I(c, 15));
    val_set_lit(c->a, hc, "timeout", I(c, 5));
    val_set_lit(c->a, hc, "healthy_threshold", I(c, 2));
    val_set_lit(c->a, hc, "unhealthy_threshold", I(c, 3));
    set(c, tg, "health_check", hc);
    lr->tg[i] = tg;
  }
  int *prio = route_priorities(c);
  for (int j = 0; j < lb->nlisteners && !full(c); j++) {
    Listener *li = &lb->listeners[j];
    Resource *l = add(c, "listener", fmt(c, "%d", li->port), NULL, li->at, -1);
    set(c, l, "load_balancer", R(c, lr->lb, "arn"));
    set(c, l, "port", I(c, li->port));
    set(c, l, "protocol", S(c, li->protocol));
    if (li->certificate) {
      set(c, l, "certificate_arn", S(c, li->certificate));
      set(c, l, "ssl_policy", SL(c, "ELBSecurityPolicy-TLS13-1-2-2021-06"));
    }
    Value *act = M(c);
    if (li->redirect) {
      Listener *to = NULL;
      for (int k = 0; k < lb->nlisteners; k++)
        if (lb->listeners[k].port == li->redirect)
          to = &lb->listeners[k];
      val_set_lit(c->a, act, "type", SL(c, "redirect"));
      val_set_lit(c->a, act, "port", S(c, fmt(c, "%d", li->redirect)));
      val_set_lit(c->a, act, "protocol", S(c, to ? to->protocol : "HTTPS"));
      val_set_lit(c->a, act, "status_code", SL(c, "HTTP_301"));
    } else {
      val_set_lit(c->a, act, "type", SL(c, "fixed-response"));
      val_set_lit(c->a, act, "status_code", SL(c, "404"));
      val_set_lit(c->a, act, "content_type", SL(c, "text/plain"));
      val_set_lit(c->a, act, "message_body", SL(c, "Not Found"));
    }
    set(c, l, "default_action", act);
    if (li->redirect)
      continue;
    for (int i = 0; i < m->nservices && !full(c); i++) {
      Service *s = &m->services[i];
      if (!s->route)
        continue;
      Resource *rule = add(c, "listener_rule", fmt(c, "%d_%s", li->port, s->key), NULL, val_get(s->at, "route"), -1);
      set(c, rule, "listener", R(c, l, "arn"));
      set(c, rule, "priority", I(c, prio[i]));
      Value *paths = L(c);
      if (!strcmp(s->route, "/")) {
        push(c, paths, SL(c, "/*"));
      } else {
        push(c, paths, S(c, s->route));
        push(c, paths, S(c, fmt(c, "%s/*", s->route)));
      }
      set(c, rule, "path_patterns", paths);
      set(c, rule, "target_group", R(c, lr->tg[i], "arn"));
      vec_push(c->a, &lr->rules, rule);
    }
  }
}

/* ---- services ---- */

typedef struct SvcRefs {
  Resource **sg;        /* per service */
  Resource **task_role; /* per service */
  Resource *exec_role;
  Resource *cluster;
} SvcRefs;

/* The ECR repository an image lives in, as an ARN value, or NULL when the
 * image is not in ECR. */
static Value *image_repo(P *c, const char *image, Vec *registry_ids) {
  const char *dkr = strstr(image, ".dkr.ecr.");
  const char *slash = strchr(image, '/');
  if (!dkr || !slash || dkr > slash)
    return NULL;
  const char *acct = arena_strndup(c->a, image, (size_t)(dkr - image));
  const char *rs = dkr + 9;
  const char *dot = strchr(rs, '.');
  if (!dot || dot > slash)
    return NULL;
  const char *region = arena_strndup(c->a, rs, (size_t)(dot - rs));
  const char *repo = slash + 1;
  size_t rl = strcspn(repo, ":@");
  const char *rname = arena_strndup(c->a, repo, rl);
  if (str_eq(acct, c->m->account) && str_eq(region, c->m->region) && model_registry(c->m, rname)) {
    Resource *r = plan_find(c->p, fmt(c, "ecr_repository.%s", rname));
    if (r) {
      vec_push(c->a, registry_ids, (void *)r->id);
      return RK(c, r, "arn", plan_arn(c->a, c->p, "ecr", true, fmt(c, "repository/%s", rname)));
    }
  }
  return S(c, fmt(c, "arn:%s:ecr:%s:%s:repository/%s", c->p->partition, region, acct, rname));
}

/* Secrets Manager ARNs may carry ":json-key:stage:version"; IAM wants the
 * secret's own ARN (7 fields). */
static const char *secret_base(P *c, const char *arn) {
  const char *p = arn;
  for (int i = 0; i < 7 && p; i++) {
    p = strchr(p, ':');
    if (p)
      p++;
  }
  return p ? arena_strndup(c->a, arn, (size_t)(p - arn - 1)) : arn;
}

static void plan_exec_role(P *c, SvcRefs *sr, Resource **log_groups) {
  Model *m = c->m;
  sr->exec_role = add(c, "iam_role", "execution", name_fit(c->a, fmt(c, "%s-task-execution", c->N), 64, 0),
                      val_get(m->root, "services"), -1);
  set(c, sr->exec_role, "assume_role_policy", ecs_trust(c));
  Resource *pol = add(c, "iam_role_policy", "execution", "task-execution", val_get(m->root, "services"), -1);
  pol->taggable = false;
  set(c, pol, "role", R(c, sr->exec_role, "name"));
  Value *d = doc(c);
  Vec seen = {0};
  Value *repos = L(c);
  /* first of each, by canonical text: comparing every pair was quadratic */
  Value *have = M(c);
  for (int i = 0; i < m->nservices; i++) {
    Value *repo = image_repo(c, m->services[i].image, &seen);
    if (!repo)
      continue;
    const char *key = val_to_text(c->a, repo);
    if (!val_get(have, key)) {
      val_set(c->a, have, key, repo);
      push(c, repos, repo);
    }
  }
  if (repos->list.n) {
    stmt(c, d, "EcrAuth", actions(c, "ecr_auth"), SL(c, "*"));
    stmt(c, d, "PullServiceImages", actions(c, "ecr_pull"), repos);
  }
  Value *logs = L(c);
  for (int i = 0; i < m->nservices; i++)
    push(c, logs, concat2(c, RK(c, log_groups[i], "arn",
                                 plan_arn(c->a, c->p, "logs", true, fmt(c, "log-group:%s", log_groups[i]->name))),
                          ":*"));
  if (logs->list.n)
    stmt(c, d, "WriteServiceLogs", actions(c, "logs_write"), logs);
  Value *sm = L(c), *ssm = L(c);
  for (int i = 0; i < m->nservices; i++)
    for (int k = 0; k < m->services[i].nsecrets; k++) {
      const char *arn = m->services[i].secrets[k].value;
      bool is_ssm = strstr(arn, ":ssm:") != NULL;
      Value *v = S(c, is_ssm ? arn : secret_base(c, arn));
      Value *list = is_ssm ? ssm : sm;
      if (!val_get(have, v->s)) {   /* an ARN: no repository text looks like one */
        val_set(c->a, have, v->s, v);
        push(c, list, v);
      }
    }
  if (sm->list.n)
    stmt(c, d, "ReadServiceSecrets", actions(c, "secrets_read"), sm);
  if (ssm->list.n)
    stmt(c, d, "ReadServiceParameters", actions(c, "parameters_read"), ssm);
  set(c, pol, "policy", d);
}

static Value *container(P *c, Service *s, Resource *log_group) {
  Value *ct = M(c);
  val_set_lit(c->a, ct, "name", S(c, s->key));
  val_set_lit(c->a, ct, "image", S(c, s->image));
  val_set_lit(c->a, ct, "essential", B(c, true));
  Value *pm = M(c);
  val_set_lit(c->a, pm, "containerPort", I(c, s->port));
  val_set_lit(c->a, pm, "protocol", SL(c, "tcp"));
  Value *pms = L(c);
  push(c, pms, pm);
  val_set_lit(c->a, ct, "portMappings", pms);
  Value *env = L(c);
  for (int i = 0; i < s->nenv; i++) {
    Value *e = M(c);
    val_set_lit(c->a, e, "name", S(c, s->env[i].key));
    val_set_lit(c->a, e, "value", S(c, s->env[i].value));
    push(c, env, e);
  }
  val_set_lit(c->a, ct, "environment", env);
  Value *secrets = L(c);
  for (int i = 0; i < s->nsecrets; i++) {
    Value *e = M(c);
    val_set_lit(c->a, e, "name", S(c, s->secrets[i].key));
    val_set_lit(c->a, e, "valueFrom", S(c, s->secrets[i].value));
    push(c, secrets, e);
  }
  val_set_lit(c->a, ct, "secrets", secrets);
  val_set_lit(c->a, ct, "user", S(c, fmt(c, "%d", s->user)));
  val_set_lit(c->a, ct, "readonlyRootFilesystem", B(c, true));
  Value *lp = M(c);
  val_set_lit(c->a, lp, "initProcessEnabled", B(c, true));
  Value *caps = M(c);
  Value *drop = L(c);
  push(c, drop, SL(c, "ALL"));
  val_set_lit(c->a, caps, "drop", drop);
  val_set_lit(c->a, lp, "capabilities", caps);
  val_set_lit(c->a, ct, "linuxParameters", lp);
  Value *mp = M(c);
  val_set_lit(c->a, mp, "sourceVolume", SL(c, "tmp"));
  val_set_lit(c->a, mp, "containerPath", SL(c, "/tmp"));
  val_set_lit(c->a, mp, "readOnly", B(c, false));
  Value *mps = L(c);
  push(c, mps, mp);
  val_set_lit(c->a, ct, "mountPoints", mps);
  Value *lc = M(c);
  val_set_lit(c->a, lc, "logDriver", SL(c, "awslogs"));
  Value *opts = M(c);
  val_set_lit(c->a, opts, "awslogs-group", RK(c, log_group, "name", log_group->name));
  val_set_lit(c->a, opts, "awslogs-region", S(c, c->m->region));
  val_set_lit(c->a, opts, "awslogs-stream-prefix", SL(c, "ecs"));
  val_set_lit(c->a, lc, "options", opts);
  val_set_lit(c->a, ct, "logConfiguration", lc);
  Value *list = L(c);
  push(c, list, ct);
  return list;
}

static int access_cmp(const void *x, const void *y) {
  const Access *a = *(Access *const *)x, *b = *(Access *const *)y;
  return a->kind != b->kind ? (int)a->kind - (int)b->kind : strcmp(a->target, b->target);
}

static void plan_task_role(P *c, SvcRefs *sr, int i) {
  Model *m = c->m;
  Service *s = &m->services[i];
  Resource *role = add(c, "iam_role", fmt(c, "task_%s", s->key),
                       name_fit(c->a, fmt(c, "%s-%s-task", c->N, s->key), 64, 0), s->at, -1);
  set(c, role, "assume_role_policy", task_trust(c, s));
  sr->task_role[i] = role;
  Value *d = doc(c);
  /* Statements follow (kind, target), not the order access was written in. */
  Access **order = arena_alloc(c->a, sizeof(Access *) * (size_t)(s->naccess + 1));
  for (int k = 0; k < s->naccess; k++)
    order[k] = &s->access[k];
  qsort(order, (size_t)s->naccess, sizeof(Access *), access_cmp);
  for (int k = 0; k < s->naccess; k++) {
    Access *ac = order[k];
    if (ac->kind == ACCESS_TABLE) {
      Resource *t = plan_find(c->p, fmt(c, "dynamodb_table.%s", ac->target));
      Value *res = L(c);
      Value *arn = RK(c, t, "arn", plan_arn(c->a, c->p, "dynamodb", true, fmt(c, "table/%s", t->name)));
      push(c, res, arn);
      push(c, res, concat2(c, arn, "/index/*"));
      const char *set_name = ac->mode == MODE_READ ? "table_read" : ac->mode == MODE_WRITE ? "table_write" : "table_read_write";
      const char *mode = ac->mode == MODE_READ ? "Read" : ac->mode == MODE_WRITE ? "Write" : "ReadWrite";
      sourced(stmt_keyed(c, d, fmt(c, "Table%s%s", sid_part(c, ac->target), mode), ac->target,
                         actions(c, set_name), res), ac->at);
    } else if (ac->kind == ACCESS_DATABASE) {
      /* databases are planned after services; refer to one by identity */
      const char *db = fmt(c, "db_instance.%s", ac->target);
      Database *dm = model_database(m, ac->target);
      if (!dm->iam_auth)
        continue;   /* network path only; the check rules flag it */
      Value *res = L(c);
      Value *arn = val_concat(c->a);
      push(c, arn, S(c, fmt(c, "arn:%s:rds-db:%s:%s:dbuser:", c->p->partition, m->region,
                            m->account ? m->account : "*")));
      push(c, arn, val_ref(c->a, db, "resource_id", NULL));
      push(c, arn, S(c, fmt(c, "/%s", dm->username)));
      push(c, res, arn);
      sourced(stmt_keyed(c, d, fmt(c, "Database%sConnect", sid_part(c, ac->target)), ac->target,
                         actions(c, "database_connect"), res), ac->at);
    }
  }
  if (!val_get(d, "Statement")->list.n)
    return;
  Resource *pol = add(c, "iam_role_policy", fmt(c, "task_%s", s->key), "access", val_get(s->at, "access"), -1);
  pol->taggable = false;
  set(c, pol, "role", R(c, role, "name"));
  set(c, pol, "policy", d);
}

static void plan_services(P *c, NetRefs *nr, LbRefs *lr, SvcRefs *sr) {
  Model *m = c->m;
  int n = m->nservices;
  sr->sg = arena_alloc(c->a, sizeof(Resource *) * (size_t)(n + 1));
  sr->task_role = arena_alloc(c->a, sizeof(Resource *) * (size_t)(n + 1));
  Resource **logs = arena_alloc(c->a, sizeof(Resource *) * (size_t)(n + 1));
  const Value *at = val_get(m->root, "services");
  sr->cluster = add(c, "ecs_cluster", "main", c->N, at, -1);
  set(c, sr->cluster, "container_insights", B(c, true));
  for (int i = 0; i < n && !full(c); i++) {
    Service *s = &m->services[i];
    logs[i] = add(c, "log_group", fmt(c, "service_%s", s->key), fmt(c, "/ecs/%s/%s", c->N, s->key), s->at, -1);
    set(c, logs[i], "retention_in_days", I(c, 30));
  }
  if (c->full)
    return;
  plan_exec_role(c, sr, logs);
  for (int i = 0; i < n && !full(c); i++) {
    Service *s = &m->services[i];
    sr->sg[i] = security_group(c, fmt(c, "service_%s", s->key), fmt(c, "Service %s: its port from the load balancer and from services that list it", s->key), s->at, nr);
  }
  if (c->full)
    return;
  /* Ingress: from the load balancer and from services listing this one.
   * Egress: HTTPS out (AWS APIs, image pulls) and exactly the ports of
   * what the service lists in access. */
  for (int i = 0; i < n && !full(c); i++) {
    Service *s = &m->services[i];
    if (s->route) {
      Resource *in = sg_rule(c, fmt(c, "service_%s_from_alb", s->key), sr->sg[i], false, s->port, s->port, NULL,
                             lr->sg, "From the load balancer", val_get(s->at, "route"));
      cite_ports(in, val_get(s->at, "port"));
      sg_rule(c, fmt(c, "alb_to_%s", s->key), lr->sg, true, s->port, s->port, NULL, sr->sg[i],
              fmt(c, "To service %s", s->key), val_get(s->at, "route"));
    }
    sg_rule(c, fmt(c, "service_%s_https_out", s->key), sr->sg[i], true, 443, 443, "0.0.0.0/0", NULL,
            "HTTPS to AWS APIs and registries", s->at);
    for (int k = 0; k < s->naccess; k++) {
      Access *ac = &s->access[k];
      if (ac->kind != ACCESS_SERVICE)
        continue;
      int j = (int)(model_service(m, ac->target) - m->services);
      Service *o = &m->services[j];
      Resource *in = sg_rule(c, fmt(c, "service_%s_from_%s", o->key, s->key), sr->sg[j], false, o->port, o->port,
                             NULL, sr->sg[i], fmt(c, "From service %s", s->key), ac->at);
      cite_ports(in, val_get(o->at, "port"));
      sg_rule(c, fmt(c, "service_%s_to_%s", s->key, o->key), sr->sg[i], true, o->port, o->port, NULL,
              sr->sg[j], fmt(c, "To service %s", o->key), ac->at);
    }
  }
  if (c->full)
    return;
  for (int i = 0; i < n && !full(c); i++)
    plan_task_role(c, sr, i);
  if (c->full)
    return;
  Value *subnets = L(c);
  for (int k = 0; k < m->network->az_count; k++)
    push(c, subnets, R(c, nr->subnets[TIER_PRIVATE][k], "id"));
  /* Listener rules by the target group they forward to, so each service
   * finds its own without scanning them all (quadratic on large specs). */
  Value *rules_by_tg = M(c);
  for (int k = 0; k < lr->rules.len; k++) {
    const Value *tg = val_get(((Resource *)lr->rules.items[k])->attrs, "target_group");
    if (!tg || tg->kind != V_REF)
      continue;
    Value *bucket = val_get(rules_by_tg, tg->ref.res);
    if (!bucket)
      val_set(c->a, rules_by_tg, tg->ref.res, bucket = L(c));
    push(c, bucket, I(c, k));
  }
  for (int i = 0; i < n && !full(c); i++) {
    Service *s = &m->services[i];
    Resource *td = add(c, "task_definition", s->key, name_fit(c->a, fmt(c, "%s-%s", c->N, s->key), 255, 0), s->at, -1);
    set(c, td, "cpu", I(c, s->cpu));
    set(c, td, "memory", I(c, s->memory));
    set(c, td, "network_mode", SL(c, "awsvpc"));
    set(c, td, "launch_type", SL(c, "FARGATE"));
    set(c, td, "operating_system_family", SL(c, "LINUX"));
    set(c, td, "cpu_architecture", SL(c, "X86_64"));
    set(c, td, "execution_role", RK(c, sr->exec_role, "arn", plan_arn(c->a, c->p, "iam", false, fmt(c, "role/%s", sr->exec_role->name))));
    set(c, td, "task_role", RK(c, sr->task_role[i], "arn", plan_arn(c->a, c->p, "iam", false, fmt(c, "role/%s", sr->task_role[i]->name))));
    Value *vols = L(c);
    Value *vol = M(c);
    val_set_lit(c->a, vol, "name", SL(c, "tmp"));
    push(c, vols, vol);
    set(c, td, "volumes", vols);
    set(c, td, "containers", container(c, s, logs[i]));

    Resource *es = add(c, "ecs_service", s->key, name_fit(c->a, s->key, 255, 0), s->at, -1);
    set(c, es, "cluster", R(c, sr->cluster, "arn"));
    set(c, es, "task_definition", R(c, td, "arn"));
    set(c, es, "desired_count", I(c, s->min));
    set(c, es, "launch_type", SL(c, "FARGATE"));
    set(c, es, "platform_version", SL(c, "LATEST"));
    set(c, es, "subnets", subnets);
    Value *sgs = L(c);
    push(c, sgs, R(c, sr->sg[i], "id"));
    set(c, es, "security_groups", sgs);
    set(c, es, "assign_public_ip", B(c, false));
    set(c, es, "deployment_minimum_healthy_percent", I(c, 100));
    set(c, es, "deployment_maximum_percent", I(c, 200));
    set(c, es, "deployment_circuit_breaker", B(c, true));
    set(c, es, "propagate_tags", SL(c, "SERVICE"));
    set(c, es, "enable_execute_command", B(c, false));
    if (s->route) {
      Value *lb = M(c);
      val_set_lit(c->a, lb, "target_group", R(c, lr->tg[i], "arn"));
      val_set_lit(c->a, lb, "container_name", S(c, s->key));
      val_set_lit(c->a, lb, "container_port", I(c, s->port));
      set(c, es, "load_balancer", lb);
      set(c, es, "health_check_grace_period", I(c, 60));
      const char *suffix = fmt(c, "_%s", s->key);
      Value *bucket = val_get(rules_by_tg, lr->tg[i]->id);
      for (int b = 0; bucket && b < bucket->list.n; b++) {
        Resource *rule = lr->rules.items[bucket->list.items[b]->i];
        if (str_ends(rule->key, suffix) && val_equal(val_get(rule->attrs, "target_group"), val_get(lb, "target_group")))
          after(c, es, rule);
      }
    }
    if (s->max > s->min) {
      Resource *st = add(c, "autoscaling_target", s->key, NULL, val_get(s->at, "replicas"), -1);
      st->taggable = false;
      Value *rid = val_concat(c->a);
      push(c, rid, SL(c, "service/"));
      push(c, rid, RK(c, sr->cluster, "name", sr->cluster->name));
      push(c, rid, SL(c, "/"));
      push(c, rid, RK(c, es, "name", es->name));
      set(c, st, "resource_id", rid);
      set(c, st, "service_namespace", SL(c, "ecs"));
      set(c, st, "scalable_dimension", SL(c, "ecs:service:DesiredCount"));
      set(c, st, "min_capacity", I(c, s->min));
      set(c, st, "max_capacity", I(c, s->max));
      Resource *sp = add(c, "autoscaling_policy", fmt(c, "%s_cpu", s->key),
                         name_fit(c->a, fmt(c, "%s-%s-cpu", c->N, s->key), 255, 0), val_get(s->at, "replicas"), -1);
      sp->taggable = false;
      set(c, sp, "target", R(c, st, "id"));
      set(c, sp, "resource_id", rid);
      set(c, sp, "service_namespace", SL(c, "ecs"));
      set(c, sp, "scalable_dimension", SL(c, "ecs:service:DesiredCount"));
      set(c, sp, "policy_type", SL(c, "TargetTrackingScaling"));
      set(c, sp, "metric", SL(c, "ECSServiceAverageCPUUtilization"));
      set(c, sp, "target_value", I(c, s->cpu_target));
      set(c, sp, "scale_in_cooldown", I(c, 300));
      set(c, sp, "scale_out_cooldown", I(c, 60));
    }
  }
}

/* ---- data ---- */

static void plan_databases(P *c, NetRefs *nr, SvcRefs *sr) {
  Model *m = c->m;
  Network *n = m->network;
  Tier t = n->count[TIER_ISOLATED] ? TIER_ISOLATED : TIER_PRIVATE;
  Value *subnets = L(c);
  for (int i = 0; i < n->az_count; i++)
    push(c, subnets, R(c, nr->subnets[t][i], "id"));
  Resource *group = add(c, "db_subnet_group", "main", name_fit(c->a, fmt(c, "%s-db", c->N), 255, NAME_LOWER),
                        val_get(m->root, "databases"), -1);
  set(c, group, "description", S(c, fmt(c, "%s databases, %s subnets", c->N, tier_name(t))));
  set(c, group, "subnets", subnets);
  /* The accesses naming each database, in service order: a scan of every
   * service per database made large specs quadratic. users[first[i]]
   * up to users[first[i + 1]] name database i. */
  typedef struct { int k, j; } User;
  int *first = arena_alloc(c->a, sizeof(int) * (size_t)(m->ndatabases + 2));
  int nusers = 0;
  for (int k = 0; k < m->nservices; k++)
    for (int j = 0; j < m->services[k].naccess; j++) {
      const Access *ac = &m->services[k].access[j];
      Database *db = ac->kind == ACCESS_DATABASE ? model_database(m, ac->target) : NULL;
      if (db) {
        first[db - m->databases + 2]++;
        nusers++;
      }
    }
  for (int i = 0; i < m->ndatabases; i++)
    first[i + 2] += first[i + 1];
  User *users = arena_alloc(c->a, sizeof(User) * (size_t)(nusers + 1));
  for (int k = 0; k < m->nservices; k++)
    for (int j = 0; j < m->services[k].naccess; j++) {
      const Access *ac = &m->services[k].access[j];
      Database *db = ac->kind == ACCESS_DATABASE ? model_database(m, ac->target) : NULL;
      if (db)
        users[first[db - m->databases + 1]++] = (User){k, j};
    }
  for (int i = 0; i < m->ndatabases && !full(c); i++) {
    Database *db = &m->databases[i];
    Resource *sg = security_group(c, fmt(c, "database_%s", db->key),
                                  fmt(c, "Database %s: its port from the services that list it", db->key), db->at, nr);
    for (int u = first[i]; u < first[i + 1]; u++) {
      int k = users[u].k, j = users[u].j;
      Service *s = &m->services[k];
      Resource *in = sg_rule(c, fmt(c, "database_%s_from_%s", db->key, s->key), sg, false, db->port,
                             db->port, NULL, sr->sg[k], fmt(c, "From service %s", s->key), s->access[j].at);
      /* the port is the engine's unless the spec sets one */
      cite_ports(in, val_get(db->at, "port") ? val_get(db->at, "port") : val_get(db->at, "engine"));
      sg_rule(c, fmt(c, "service_%s_to_database_%s", s->key, db->key), sr->sg[k], true, db->port,
              db->port, NULL, sg, fmt(c, "To database %s", db->key), s->access[j].at);
    }
    const char *ident = name_fit(c->a, fmt(c, "%s-%s", c->N, db->key), 63, NAME_LOWER | NAME_NO_UNDERSCORE);
    Resource *r = add(c, "db_instance", db->key, ident, db->at, -1);
    set(c, r, "engine", S(c, db->engine));
    set(c, r, "engine_version", S(c, db->version));
    set(c, r, "instance_class", S(c, db->instance));
    set(c, r, "allocated_storage", I(c, db->storage_gb));
    if (db->max_storage_gb)
      set(c, r, "max_allocated_storage", I(c, db->max_storage_gb));
    set(c, r, "storage_type", SL(c, "gp3"));
    set(c, r, "storage_encrypted", B(c, true));
    set(c, r, "multi_az", B(c, db->multi_az));
    set(c, r, "backup_retention_period", sourced(I(c, db->backup_days), val_get(db->at, "backup_days")));
    set(c, r, "iam_database_authentication_enabled", sourced(B(c, db->iam_auth), val_get(db->at, "iam_auth")));
    set(c, r, "deletion_protection", sourced(B(c, db->deletion_protection), val_get(db->at, "deletion_protection")));
    set(c, r, "manage_master_user_password", B(c, true));
    set(c, r, "username", S(c, db->username));
    set(c, r, "port", I(c, db->port));
    set(c, r, "db_subnet_group", R(c, group, "name"));
    Value *sgs = L(c);
    push(c, sgs, R(c, sg, "id"));
    set(c, r, "security_groups", sgs);
    set(c, r, "publicly_accessible", B(c, false));
    set(c, r, "copy_tags_to_snapshot", B(c, true));
    set(c, r, "auto_minor_version_upgrade", B(c, true));
    set(c, r, "final_snapshot_identifier", S(c, name_fit(c->a, fmt(c, "%s-final", ident), 255, NAME_LOWER | NAME_NO_UNDERSCORE)));
    Value *logs = L(c);
    if (!strcmp(db->engine, "postgres")) {
      push(c, logs, SL(c, "postgresql"));
      push(c, logs, SL(c, "upgrade"));
    } else {
      push(c, logs, SL(c, "error"));
      push(c, logs, SL(c, "slowquery"));
    }
    set(c, r, "cloudwatch_logs_exports", logs);
  }
}

static void plan_tables(P *c) {
  Model *m = c->m;
  for (int i = 0; i < m->ntables && !full(c); i++) {
    Table *t = &m->tables[i];
    Resource *r = add(c, "dynamodb_table", t->key, fmt(c, "%s-%s", c->N, t->key), t->at, -1);
    set(c, r, "billing_mode", S(c, t->on_demand ? "PAY_PER_REQUEST" : "PROVISIONED"));
    if (!t->on_demand) {
      set(c, r, "read_capacity", I(c, t->read));
      set(c, r, "write_capacity", I(c, t->write));
    }
    set(c, r, "hash_key", S(c, t->hash));
    if (t->range)
      set(c, r, "range_key", S(c, t->range));
    Value *attrs = L(c);
    for (int k = 0; k < t->nattributes; k++) {
      Value *a = M(c);
      val_set_lit(c->a, a, "name", S(c, t->attributes[k].key));
      val_set_lit(c->a, a, "type", S(c, t->attributes[k].value));
      push(c, attrs, a);
    }
    set(c, r, "attributes", attrs);
    Value *gsis = L(c);
    for (int k = 0; k < t->nindexes; k++) {
      TableIndex *ix = &t->indexes[k];
      Value *g = M(c);
      val_set_lit(c->a, g, "name", S(c, ix->key));
      val_set_lit(c->a, g, "hash_key", S(c, ix->hash));
      if (ix->range)
        val_set_lit(c->a, g, "range_key", S(c, ix->range));
      val_set_lit(c->a, g, "projection_type", S(c, !strcmp(ix->projection, "all") ? "ALL" : "KEYS_ONLY"));
      if (!t->on_demand) {
        val_set_lit(c->a, g, "read_capacity", I(c, t->read));
        val_set_lit(c->a, g, "write_capacity", I(c, t->write));
      }
      push(c, gsis, g);
    }
    if (gsis->list.n)
      set(c, r, "global_secondary_indexes", gsis);
    if (t->ttl)
      set(c, r, "ttl_attribute", S(c, t->ttl));
    set(c, r, "point_in_time_recovery", sourced(B(c, t->pitr), val_get(t->at, "pitr")));
    set(c, r, "server_side_encryption", B(c, true));
    set(c, r, "deletion_protection", sourced(B(c, t->deletion_protection), val_get(t->at, "deletion_protection")));
    if (t->stream) {
      char *up = arena_strdup(c->a, t->stream);
      for (char *q = up; *q; q++)
        *q = *q >= 'a' && *q <= 'z' ? (char)(*q - 32) : *q;
      set(c, r, "stream_view_type", S(c, up));
    }
  }
}

static void plan_registries(P *c) {
  Model *m = c->m;
  for (int i = 0; i < m->nregistries && !full(c); i++) {
    Registry *g = &m->registries[i];
    Resource *r = add(c, "ecr_repository", g->key, g->key, g->at, -1);
    set(c, r, "image_tag_mutability", sourced(S(c, g->immutable_tags ? "IMMUTABLE" : "MUTABLE"),
                                             val_get(g->at, "immutable_tags")));
    set(c, r, "scan_on_push", sourced(B(c, g->scan_on_push), val_get(g->at, "scan_on_push")));
    set(c, r, "encryption_type", SL(c, "AES256"));
    Resource *lp = add(c, "ecr_lifecycle_policy", g->key, NULL, g->at, -1);
    lp->taggable = false;
    set(c, lp, "repository", R(c, r, "name"));
    Value *rule = M(c);
    val_set_lit(c->a, rule, "rulePriority", I(c, 1));
    val_set_lit(c->a, rule, "description", S(c, fmt(c, "Keep the last %d images", g->keep_last)));
    Value *sel = M(c);
    val_set_lit(c->a, sel, "tagStatus", SL(c, "any"));
    val_set_lit(c->a, sel, "countType", SL(c, "imageCountMoreThan"));
    val_set_lit(c->a, sel, "countNumber", I(c, g->keep_last));
    val_set_lit(c->a, rule, "selection", sel);
    Value *act = M(c);
    val_set_lit(c->a, act, "type", SL(c, "expire"));
    val_set_lit(c->a, rule, "action", act);
    Value *rules = L(c);
    push(c, rules, rule);
    Value *pol = M(c);
    val_set_lit(c->a, pol, "rules", rules);
    set(c, lp, "policy", pol);
  }
}

/* ---- cross-account roles ---- */

static void plan_roles(P *c) {
  Model *m = c->m;
  for (int i = 0; i < m->nroles && !full(c); i++) {
    CrossRole *x = &m->roles[i];
    const char *name = fmt(c, "%s-%s", c->N, x->key);
    const char *key = fmt(c, "cross_%s", x->key);
    Resource *role = add(c, "iam_role", key, name, x->at, -1);
    const char *principal = x->trusted_principal
                                ? fmt(c, "arn:%s:iam::%s:%s", c->p->partition, x->trusted_account, x->trusted_principal)
                                : fmt(c, "arn:%s:iam::%s:root", c->p->partition, x->trusted_account);
    TmplVar vars[] = {
        {"principal", principal},
        {"external_id", x->external_id},
        {"mfa", x->require_mfa ? "true" : NULL},
        {"account", m->account},
    };
    set(c, role, "assume_role_policy", trust(c, "cross_account", vars, 4));
    set(c, role, "max_session_duration", sourced(I(c, x->max_session_hours * 3600), val_get(x->at, "max_session_hours")));
    set(c, role, "trusted_account", S(c, x->trusted_account));
    Value *d = doc(c);
    /* One statement per grant kind over the union of its registries, so
     * splitting or reordering grants changes no byte of the document. */
    Vec regs[2] = {{0}, {0}};
    for (int g = 0; g < x->ngrants; g++)
      for (int k = 0; k < x->grants[g].nregistries; k++)
        vec_push(c->a, &regs[x->grants[g].kind == GRANT_ECR_PUSH ? 0 : 1], (void *)x->grants[g].registries[k]);
    if (regs[0].len || regs[1].len)
      /* GetAuthorizationToken cannot be scoped: its own statement on "*". */
      stmt(c, d, "EcrAuthorizationToken", actions(c, "ecr_auth"), SL(c, "*"));
    for (int g = 0; g < 2; g++) {
      if (!regs[g].len)
        continue;
      unique_sorted(&regs[g]);
      Value *res = L(c);
      for (int k = 0; k < regs[g].len; k++) {
        Resource *repo = plan_find(c->p, fmt(c, "ecr_repository.%s", (const char *)regs[g].items[k]));
        push(c, res, RK(c, repo, "arn", plan_arn(c->a, c->p, "ecr", true, fmt(c, "repository/%s", repo->name))));
      }
      stmt(c, d, g == 0 ? "EcrPush" : "EcrPull", actions(c, g == 0 ? "ecr_push" : "ecr_pull"), res);
    }
    if (val_get(d, "Statement")->list.n) {
      Resource *pol = add(c, "iam_role_policy", key, "permissions", val_get(x->at, "grants"), -1);
      pol->taggable = false;
      set(c, pol, "role", R(c, role, "name"));
      set(c, pol, "policy", d);
    }
    /* What the trusted account attaches to its principal. */
    Resource *tp = add(c, "trusted_policy", x->key, name_fit(c->a, fmt(c, "assume-%s", name), 128, 0), x->at, -1);
    tp->external = true;
    tp->taggable = false;
    set(c, tp, "account", S(c, x->trusted_account));
    set(c, tp, "principal", S(c, principal));
    Value *td = doc(c);
    stmt(c, td, "AssumeRole", actions(c, "assume_role"),
         RK(c, role, "arn", plan_arn(c->a, c->p, "iam", false, fmt(c, "role/%s", name))));
    set(c, tp, "policy", td);
  }
}

/* ---- dependencies ---- */

static void collect_refs(Arena *a, const Value *v, Vec *out, int depth) {
  if (!v || depth > 64)
    return;
  switch (v->kind) {
  case V_REF:
    vec_push(a, out, (void *)v->ref.res);
    break;
  case V_LIST:
  case V_CONCAT:
    for (int i = 0; i < v->list.n; i++)
      collect_refs(a, v->list.items[i], out, depth + 1);
    break;
  case V_MAP:
    for (int i = 0; i < v->map.n; i++)
      collect_refs(a, v->map.entries[i].val, out, depth + 1);
    break;
  default:
    break;
  }
}

static void unique_sorted(Vec *v) {
  if (!v->len)
    return;
  qsort(v->items, (size_t)v->len, sizeof(void *), str_cmp_ptr);
  int k = 0;
  for (int i = 0; i < v->len; i++)
    if (k == 0 || strcmp(v->items[k - 1], v->items[i]))
      v->items[k++] = v->items[i];
  v->len = k;
}

static void link_deps(P *c) {
  for (int i = 0; i < c->p->resources.len; i++) {
    Resource *r = c->p->resources.items[i];
    collect_refs(c->a, r->attrs, &r->deps, 0);
    unique_sorted(&r->deps);
    unique_sorted(&r->after);
  }
}

Plan *plan_build(Arena *a, Diags *d, Model *m) {
  Plan *p = arena_alloc(a, sizeof *p);
  p->arena = a;
  p->m = m;
  p->partition = str_starts(m->region, "cn-") ? "aws-cn" : str_starts(m->region, "us-gov-") ? "aws-us-gov" : "aws";
  P cc = {a, d, p, m, m->name, false, false}, *c = &cc;
  NetRefs nr = {0};
  LbRefs lr = {0};
  SvcRefs sr = {0};
  /* Data stores and registries come first in identity order only because
   * task roles and images refer to them; the output order is by section. */
  /* validate requires the network for a load balancer, services and
   * databases; without one (a hand-built model) they are left out */
  const bool net = m->network != NULL;
  if (net)
    plan_network(c, &nr);
  plan_registries(c);
  plan_tables(c);
  if (m->lb && net && !c->full)
    plan_lb(c, &nr, &lr);
  if (m->nservices && net && !c->full)
    plan_services(c, &nr, &lr, &sr);
  if (m->ndatabases && net && !c->full)
    plan_databases(c, &nr, &sr);
  if (!c->full)
    plan_roles(c);
  if (c->full)
    return NULL;
  link_deps(c);
  if (c->failed)
    return NULL;
  index_kinds(p);
  return p;
}
