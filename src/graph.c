/*
 * graph: the architecture diagram, drawn from the plan so it is always
 * true. `infrac graph SPEC [--env E] [--format dot|mermaid]` prints it;
 * the "graph" build target writes diagram.dot (Graphviz) and diagram.mmd
 * (Mermaid) beside plan.json.
 *
 * One pass over the plan builds a small picture (boxes, nodes, edges) and
 * two writers render that same picture, so both formats always show the
 * same things. Boxes nest region > VPC > availability zone > subnet.
 * What spans every AZ of a tier (the load balancer, the services, the
 * databases, the interface endpoints) is drawn once, in a lane for that
 * tier beside the AZs, instead of once per AZ. Edges are what the plan
 * wires: security group rules between their owners (internet -> load
 * balancer -> services -> databases, service -> service), task-role
 * grants on tables, private routes to NAT gateways and out through the
 * internet gateway, cross-account trust and the registry grants of a
 * cross-account role.
 *
 * Identity: a node's ID is the plan identity of the resource it draws
 * (ecs_service.user_metadata), a box's ID is "cluster_" + its identity,
 * so diagrams diff as cleanly as plans. The few nodes that are not plan
 * resources have fixed IDs (internet, clients, endpoints). Every piece of
 * text goes through the writer's escaper (HTML entities in DOT labels,
 * entity codes in Mermaid); nothing a spec says can leave its label.
 *
 * Layout: Graphviz lays the picture out left to right (internet, gateway,
 * public row, private row, data). Rows, invisible edges and borderless
 * group boxes only steer its layout; the DOT also carries a legend of
 * the edge colours. Mermaid gets the picture without those hints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "driver.h"
#include "emit.h"
#include "tmpl.h"

typedef struct GBox {
  const char *id;      /* "region", "vpc.main", "az.a", "subnet.public_a", "tier.private" */
  const char *cls;     /* style class, see the style tables below */
  const char *title;
  Vec lines;           /* of char *: smaller text under the title */
  int parent;          /* index in Graph.boxes, -1 at the top */
} GBox;

typedef struct GNode {
  const char *id;
  const char *cls;
  const char *title;
  Vec lines;
  int box;             /* -1 at the top */
  int row;             /* the tier whose row it shares in DOT, -1: free */
} GNode;

typedef struct GEdge {
  const char *from, *to;
  const char *cls;
  Vec lines;           /* the label, one entry per line */
  bool both;           /* traffic both ways (internet <-> internet gateway) */
  bool layout;         /* invisible: only keeps the picture in order */
  bool dot_only;       /* a layout edge only Graphviz needs */
  bool lead;           /* a layout edge DOT declares before the boxes */
  bool loose;          /* drawn, but does not push its ends into ranks */
} GEdge;

/* A string-keyed hash table in the arena, so that drawing stays linear
 * in the size of the plan (a thousand services draw in milliseconds). */
typedef struct Index {
  const char **keys;
  void **vals;
  int cap, len;
} Index;

static void *index_get(const Index *ix, const char *key) {
  if (!ix->cap || !key)
    return NULL;
  for (uint32_t h = hash_fnv1a(key) & (uint32_t)(ix->cap - 1);; h = (h + 1) & (uint32_t)(ix->cap - 1)) {
    if (!ix->keys[h])
      return NULL;
    if (!strcmp(ix->keys[h], key))
      return ix->vals[h];
  }
}

/* Keeps the first value put for a key. */
static void index_put(Arena *a, Index *ix, const char *key, void *val) {
  if (2 * (ix->len + 1) > ix->cap) {
    Index bigger = {.cap = ix->cap ? ix->cap * 2 : 64};
    bigger.keys = arena_alloc(a, sizeof(char *) * (size_t)bigger.cap);
    bigger.vals = arena_alloc(a, sizeof(void *) * (size_t)bigger.cap);
    for (int i = 0; i < ix->cap; i++)
      if (ix->keys[i])
        index_put(a, &bigger, ix->keys[i], ix->vals[i]);
    *ix = bigger;
  }
  uint32_t h = hash_fnv1a(key) & (uint32_t)(ix->cap - 1);
  for (; ix->keys[h]; h = (h + 1) & (uint32_t)(ix->cap - 1))
    if (!strcmp(ix->keys[h], key))
      return;
  ix->keys[h] = key;
  ix->vals[h] = val;
  ix->len++;
}

typedef struct Graph {
  Arena *a;
  Diags *d;
  const Plan *p;
  const char *title;
  Vec boxes, nodes, edges;
  Index node_ix, edge_ix;
  Index owners;        /* security group -> the resource that lists it */
  Index routes;        /* target group -> its first path pattern */
  Index policies;      /* role -> Vec of its iam_role_policy resources */
  Value *actions;      /* templates/iam/actions.yaml, to name grants by their set */
} Graph;

/* ---- the picture ---- */

static void add_line(Arena *a, Vec *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_line(Arena *a, Vec *v, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vec_push(a, v, arena_vprintf(a, fmt, ap));
  va_end(ap);
}

static int box_find(const Graph *g, const char *id) {
  for (int i = 0; i < g->boxes.len; i++)
    if (!strcmp(((GBox *)g->boxes.items[i])->id, id))
      return i;
  return -1;
}

static int box_add(Graph *g, const char *id, const char *cls, const char *title, int parent) {
  int i = box_find(g, id);
  if (i >= 0)
    return i;
  GBox *b = arena_alloc(g->a, sizeof *b);
  b->id = arena_strdup(g->a, id);
  b->cls = cls;
  b->title = title;
  b->parent = parent;
  vec_push(g->a, &g->boxes, b);
  return g->boxes.len - 1;
}

static GBox *box_at(const Graph *g, int i) { return i >= 0 ? g->boxes.items[i] : NULL; }

static GNode *node_find(const Graph *g, const char *id) { return index_get(&g->node_ix, id); }

static GNode *node_add(Graph *g, const char *id, const char *cls, const char *title, int box) {
  GNode *n = node_find(g, id);
  if (n)
    return n;
  n = arena_alloc(g->a, sizeof *n);
  n->id = arena_strdup(g->a, id);
  n->cls = cls;
  n->title = title;
  n->box = box;
  n->row = -1;
  vec_push(g->a, &g->nodes, n);
  index_put(g->a, &g->node_ix, n->id, n);
  return n;
}

/* The edge from -> to of a class, made on first use, so that several plan
 * facts about one pair (two ports, a port and a grant) share one arrow.
 * NULL when either end is not drawn. */
static GEdge *edge_add(Graph *g, const char *from, const char *to, const char *cls) {
  if (!from || !to || !node_find(g, from) || !node_find(g, to))
    return NULL;
  const char *key = arena_printf(g->a, "%s\n%s\n%s", from, to, cls);
  GEdge *e = index_get(&g->edge_ix, key);
  if (e)
    return e;
  e = arena_alloc(g->a, sizeof *e);
  e->from = arena_strdup(g->a, from);
  e->to = arena_strdup(g->a, to);
  e->cls = cls;
  vec_push(g->a, &g->edges, e);
  index_put(g->a, &g->edge_ix, key, e);
  return e;
}

static void edge_line(Graph *g, GEdge *e, const char *s) {
  if (!e || !s)
    return;
  for (int i = 0; i < e->lines.len; i++)
    if (!strcmp(e->lines.items[i], s))
      return;
  vec_push(g->a, &e->lines, (void *)s);
}

/* ---- reading the plan ---- */

static Value *attr(const Resource *r, const char *k) { return r ? val_get(r->attrs, k) : NULL; }

static const char *attr_str(const Resource *r, const char *k) {
  Value *v = attr(r, k);
  return v && v->kind == V_STR ? v->s : NULL;
}

static bool attr_int(const Resource *r, const char *k, long long *out) {
  Value *v = attr(r, k);
  if (!v || v->kind != V_INT)
    return false;
  *out = v->i;
  return true;
}

static bool attr_true(const Resource *r, const char *k) {
  Value *v = attr(r, k);
  return v && v->kind == V_BOOL && v->b;
}

/* Append 's' to a list of strings unless it is there already. */
static void push_unique(Arena *a, Vec *v, const char *s) {
  for (int i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return;
  vec_push(a, v, (void *)s);
}

static const char *join(Arena *a, const Vec *v, const char *sep) {
  Buf b;
  buf_init(&b);
  for (int i = 0; i < v->len; i++)
    buf_printf(&b, "%s%s", i ? sep : "", (const char *)v->items[i]);
  return buf_finish(&b, a);
}

static const char *ref_res(const Value *v) { return v && v->kind == V_REF ? v->ref.res : NULL; }
static const char *attr_ref(const Resource *r, const char *k) { return ref_res(attr(r, k)); }

static Resource *find(const Graph *g, const char *id) { return id ? plan_find(g->p, id) : NULL; }

static Resource *find_kind(const Graph *g, const char *kind, const char *key) {
  return plan_find(g->p, arena_printf(g->a, "%s.%s", kind, key));
}

static Resource *res_at(const Graph *g, int i) { return g->p->resources.items[i]; }

/* The first subnet a resource lists (its "subnets" attribute). */
static Resource *first_subnet(const Graph *g, const Resource *r) {
  Value *v = attr(r, "subnets");
  if (!v || v->kind != V_LIST || v->list.n == 0)
    return NULL;
  return find(g, ref_res(v->list.items[0]));
}

/* The AZ letters of the subnets a resource lists: "a, b, c". */
static const char *subnet_letters(const Graph *g, const Resource *r) {
  Value *v = attr(r, "subnets");
  Buf b;
  buf_init(&b);
  for (int i = 0; v && v->kind == V_LIST && i < v->list.n; i++) {
    Resource *s = find(g, ref_res(v->list.items[i]));
    const Network *n = g->p->m->network;
    if (s && n && s->az >= 0 && s->az < n->az_count)
      buf_printf(&b, "%s%s", b.len ? ", " : "", n->az_keys[s->az]);
  }
  return buf_finish(&b, g->a);
}

static const char *ordinal(Arena *a, int n) {
  const char *suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                    ? "st"
                       : n % 10 == 2                    ? "nd"
                       : n % 10 == 3                    ? "rd"
                                                        : "th";
  return arena_printf(a, "%d%s", n, suffix);
}

/* Whether a policy statement's Action (a string or a list) names 'action'. */
static bool has_action(const Value *st, const char *action) {
  Value *v = val_get(st, "Action");
  if (v && v->kind == V_STR)
    return !strcmp(v->s, action);
  for (int i = 0; v && v->kind == V_LIST && i < v->list.n; i++)
    if (v->list.items[i]->kind == V_STR && !strcmp(v->list.items[i]->s, action))
      return true;
  return false;
}

/* The name of the action set in templates/iam/actions.yaml whose actions
 * are exactly those of a statement ("table_read_write", "ecr_push"), with
 * 'prefix' removed; NULL when none matches. */
static const char *action_set(const Graph *g, const Value *st, const char *prefix) {
  Value *acts = val_get(st, "Action");
  if (!g->actions || g->actions->kind != V_MAP || !acts || acts->kind != V_LIST)
    return NULL;
  for (int i = 0; i < g->actions->map.n; i++) {
    MapEntry *e = &g->actions->map.entries[i];
    if (!str_starts(e->key, prefix) || !e->val || e->val->kind != V_LIST || e->val->list.n != acts->list.n)
      continue;
    bool same = true;
    for (int j = 0; same && j < acts->list.n; j++)
      same = has_action(st, e->val->list.items[j]->kind == V_STR ? e->val->list.items[j]->s : "");
    if (same)
      return e->key + strlen(prefix);
  }
  return NULL;
}

/* Every resource a statement's Resource names through a reference. */
static void statement_refs(const Value *v, Vec *out, Arena *a) {
  if (!v)
    return;
  if (v->kind == V_REF) {
    vec_push(a, out, (void *)v->ref.res);
  } else if (v->kind == V_LIST) {
    for (int i = 0; i < v->list.n; i++)
      statement_refs(v->list.items[i], out, a);
  } else if (v->kind == V_CONCAT) {
    for (int i = 0; i < v->concat.n; i++)
      statement_refs(v->concat.parts[i], out, a);
  }
}

/* The statements of the inline policies attached to a role. */
static void role_statements(const Graph *g, const char *role, Vec *out) {
  Vec *pols = index_get(&g->policies, role);
  for (int i = 0; pols && i < pols->len; i++) {
    Resource *r = pols->items[i];
    Value *st = val_get(attr(r, "policy"), "Statement");
    for (int j = 0; st && st->kind == V_LIST && j < st->list.n; j++)
      vec_push(g->a, out, st->list.items[j]);
  }
}

/* "arn:aws:iam::210987654321:user/ci-pusher" -> "user/ci-pusher". */
static const char *principal_short(const char *arn) {
  const char *p = arn;
  for (int colons = 0; *p && colons < 5; p++)
    if (*p == ':')
      colons++;
  return *p ? p : arn;
}

/* "com.amazonaws.us-east-1.ecr.api" -> "ecr.api". */
static const char *endpoint_short(const Graph *g, const char *service) {
  const char *pre = arena_printf(g->a, "com.amazonaws.%s.", g->p->m->region);
  return str_starts(service, pre) ? service + strlen(pre) : service;
}

/* ---- building the picture ---- */

static int tier_of(const Resource *subnet) {
  const char *t = attr_str(subnet, "tier");
  for (int i = 0; t && i < TIER_COUNT; i++)
    if (!strcmp(t, tier_name((Tier)i)))
      return i;
  return -1;
}

/* The lane for what spans the subnets of one tier, beside the AZ boxes. */
static int lane(Graph *g, int vpc, const Resource *spanning) {
  Resource *s = first_subnet(g, spanning);
  int t = tier_of(s);
  if (t < 0)
    return vpc;
  const char *id = arena_printf(g->a, "tier.%s", tier_name((Tier)t));
  int i = box_find(g, id);
  if (i >= 0)
    return i;
  int lanes = box_add(g, "lanes", "group", NULL, vpc);
  i = box_add(g, id, arena_printf(g->a, "lane_%s", tier_name((Tier)t)),
              arena_printf(g->a, "%s subnets %s", tier_name((Tier)t), subnet_letters(g, spanning)), lanes);
  add_line(g->a, &box_at(g, i)->lines, "one lane across every AZ");
  return i;
}

static void build_network(Graph *g, int region, int *vpc_out) {
  const Plan *p = g->p;
  const Network *net = p->m->network;
  Resource *vpc = plan_find(p, "vpc.main");
  *vpc_out = region;
  if (!vpc || !net)
    return;
  int vb = box_add(g, "vpc.main", "vpc",
                   arena_printf(g->a, "VPC %s  %s", vpc->name ? vpc->name : "", attr_str(vpc, "cidr_block")),
                   region);
  *vpc_out = vb;
  GBox *v = box_at(g, vb);
  Resource *fl = plan_find(p, "flow_log.main");
  if (fl) {
    Resource *lg = find(g, attr_ref(fl, "log_destination"));
    long long days = 0;
    if (lg && attr_int(lg, "retention_in_days", &days))
      add_line(g->a, &v->lines, "flow logs: %s traffic to CloudWatch Logs, kept %lld days",
               attr_str(fl, "traffic_type") ? attr_str(fl, "traffic_type") : "all", days);
    else
      add_line(g->a, &v->lines, "flow logs to CloudWatch Logs");
  }
  Resource **acls;
  int nacl = plan_of_kind(p, "network_acl", &acls);
  if (nacl)
    add_line(g->a, &v->lines, "a network ACL per tier");

  Resource *igw = plan_find(p, "internet_gateway.main");
  if (igw) {
    node_add(g, "internet", "internet", "Internet", -1);
    GNode *n = node_add(g, igw->id, "igw", "Internet gateway", vb);
    if (igw->name)
      add_line(g->a, &n->lines, "%s", igw->name);
  }

  /* AZ boxes in AZ order, each with its subnets in tier order. */
  Resource **subnets;
  int nsub = plan_of_kind(p, "subnet", &subnets);
  for (int az = 0; az < net->az_count; az++) {
    for (int t = 0; t < TIER_COUNT; t++)
      for (int i = 0; i < nsub; i++) {
        Resource *s = subnets[i];
        if (s->az != az || tier_of(s) != t)
          continue;
        Value *zone = attr(s, "availability_zone");
        int zones = box_add(g, "zones", "group", NULL, vb);
        int ab = box_add(g, arena_printf(g->a, "az.%s", net->az_keys[az]), "az",
                         zone && zone->kind == V_STR
                             ? arena_printf(g->a, "AZ %s: %s", net->az_keys[az], zone->s)
                             : arena_printf(g->a, "AZ %s", net->az_keys[az]),
                         zones);
        GBox *abx = box_at(g, ab);
        if (abx->lines.len == 0 && !(zone && zone->kind == V_STR))
          add_line(g->a, &abx->lines, "%s zone of %s (looked up)", ordinal(g->a, az + 1), p->m->region);
        int sb = box_add(g, s->id, arena_printf(g->a, "subnet_%s", tier_name((Tier)t)),
                         arena_printf(g->a, "%s subnet", tier_name((Tier)t)), ab);
        GNode *n = node_add(g, s->id, "subnet", s->name ? s->name : s->key, sb);
        n->row = t;
        add_line(g->a, &n->lines, "%s", attr_str(s, "cidr_block"));
      }
  }

  /* Routes: what each subnet's default route points at. */
  Resource **routes;
  int nroutes = plan_of_kind(p, "route", &routes);
  Resource **assocs;
  int nassoc = plan_of_kind(p, "route_table_association", &assocs);
  for (int i = 0; i < nsub; i++) {
    Resource *s = subnets[i];
    GNode *n = node_find(g, s->id);
    const char *rt = NULL;
    for (int j = 0; j < nassoc && !rt; j++)
      if (str_eq(attr_ref(assocs[j], "subnet"), s->id))
        rt = attr_ref(assocs[j], "route_table");
    const char *target = NULL, *dest = NULL;
    for (int j = 0; j < nroutes && !target; j++)
      if (rt && str_eq(attr_ref(routes[j], "route_table"), rt)) {
        dest = attr_str(routes[j], "destination_cidr_block");
        target = attr_ref(routes[j], "gateway") ? attr_ref(routes[j], "gateway")
                                                : attr_ref(routes[j], "nat_gateway");
      }
    if (!n)
      continue;
    if (!target) {
      add_line(g->a, &n->lines, "no route to the internet");
      continue;
    }
    Resource *tr = find(g, target);
    if (tr && !strcmp(tr->kind, "internet_gateway"))
      add_line(g->a, &n->lines, "route %s \u2192 IGW", dest ? dest : "default");
    else if (tr && !strcmp(tr->kind, "nat_gateway"))
      add_line(g->a, &n->lines, "route %s \u2192 NAT %s", dest ? dest : "default", tr->key);
  }

  /* NAT gateways in their public subnet, with the address they leave from. */
  Resource **nats;
  int nnat = plan_of_kind(p, "nat_gateway", &nats);
  for (int i = 0; i < nnat; i++) {
    Resource *nat = nats[i];
    int sb = box_find(g, attr_ref(nat, "subnet") ? attr_ref(nat, "subnet") : "");
    GNode *n = node_add(g, nat->id, "nat", arena_printf(g->a, "NAT gateway %s", nat->key), sb >= 0 ? sb : vb);
    n->row = TIER_PUBLIC;
    Value *alloc = attr(nat, "allocation_id");
    Resource *eip = find(g, ref_res(alloc));
    const char *addr = eip ? attr_str(eip, "address") : NULL;
    if (addr)
      add_line(g->a, &n->lines, "Elastic IP %s (static)", addr);
    else if (alloc && alloc->kind == V_STR)
      add_line(g->a, &n->lines, "Elastic IP %s (reused)", alloc->s);
    else
      add_line(g->a, &n->lines, "Elastic IP allocated by AWS");
  }
}

static void build_load_balancer(Graph *g, int vpc) {
  Resource **lbs;
  int nlb = plan_of_kind(g->p, "load_balancer", &lbs);
  Resource **ls;
  int nls = plan_of_kind(g->p, "listener", &ls);
  for (int i = 0; i < nlb; i++) {
    Resource *lb = lbs[i];
    bool internal = attr_true(lb, "internal");
    GNode *n = node_add(g, lb->id, "alb", lb->name ? lb->name : lb->key, lane(g, vpc, lb));
    if (!internal)
      n->row = TIER_PUBLIC;
    add_line(g->a, &n->lines, "Application Load Balancer, %s", internal ? "internal" : "internet-facing");
    /* Listeners by port. */
    long long ports[64];
    Resource *byport[64];
    int np = 0;
    for (int j = 0; j < nls && np < 64; j++) {
      long long port;
      if (!str_eq(attr_ref(ls[j], "load_balancer"), lb->id) || !attr_int(ls[j], "port", &port))
        continue;
      int k = np++;
      while (k > 0 && ports[k - 1] > port) {
        ports[k] = ports[k - 1];
        byport[k] = byport[k - 1];
        k--;
      }
      ports[k] = port;
      byport[k] = ls[j];
    }
    for (int j = 0; j < np; j++) {
      Resource *l = byport[j];
      const char *proto = attr_str(l, "protocol") ? attr_str(l, "protocol") : "";
      Value *act = attr(l, "default_action");
      Value *type = val_get(act, "type"), *to = val_get(act, "port");
      if (type && type->kind == V_STR && !strcmp(type->s, "redirect") && to && to->kind == V_STR)
        add_line(g->a, &n->lines, "%s %lld: redirect to %s", proto, ports[j], to->s);
      else if (attr_str(l, "ssl_policy")) {
        const char *pol = attr_str(l, "ssl_policy");
        add_line(g->a, &n->lines, "%s %lld, TLS policy %s", proto, ports[j],
                 str_starts(pol, "ELBSecurityPolicy-") ? pol + 18 : pol);
      }
      else
        add_line(g->a, &n->lines, "%s %lld", proto, ports[j]);
    }
    Value *sgs = attr(lb, "security_groups");
    for (int j = 0; sgs && sgs->kind == V_LIST && j < sgs->list.n; j++) {
      Resource *sg = find(g, ref_res(sgs->list.items[j]));
      if (sg && sg->name)
        add_line(g->a, &n->lines, "security group %s", sg->name);
    }
    if (attr_true(lb, "drop_invalid_header_fields"))
      add_line(g->a, &n->lines, "drops invalid headers");
  }
}

static void build_services(Graph *g, int vpc) {
  Resource **svcs;
  int n = plan_of_kind(g->p, "ecs_service", &svcs);
  for (int i = 0; i < n; i++) {
    Resource *es = svcs[i];
    GNode *node = node_add(g, es->id, "service", es->key, lane(g, vpc, es));
    node->row = TIER_PRIVATE;
    Resource *td = find(g, attr_ref(es, "task_definition"));
    Value *ctrs = attr(td, "containers");
    Value *c0 = ctrs && ctrs->kind == V_LIST && ctrs->list.n ? ctrs->list.items[0] : NULL;
    Value *pm = val_get(c0, "portMappings");
    Value *port = pm && pm->kind == V_LIST && pm->list.n ? val_get(pm->list.items[0], "containerPort") : NULL;
    const char *launch = attr_str(es, "launch_type") ? attr_str(es, "launch_type") : "";
    if (port && port->kind == V_INT)
      add_line(g->a, &node->lines, "ECS %s, port %lld", !strcmp(launch, "FARGATE") ? "Fargate" : launch,
               port->i);
    else
      add_line(g->a, &node->lines, "ECS %s", !strcmp(launch, "FARGATE") ? "Fargate" : launch);
    Resource *at = find_kind(g, "autoscaling_target", es->key);
    long long lo, hi, want;
    if (at && attr_int(at, "min_capacity", &lo) && attr_int(at, "max_capacity", &hi)) {
      Resource *pol = find_kind(g, "autoscaling_policy", arena_printf(g->a, "%s_cpu", es->key));
      long long target;
      if (pol && attr_int(pol, "target_value", &target))
        add_line(g->a, &node->lines, "replicas %lld\u2013%lld, CPU target %lld%%", lo, hi, target);
      else
        add_line(g->a, &node->lines, "replicas %lld\u2013%lld", lo, hi);
    } else if (attr_int(es, "desired_count", &want)) {
      add_line(g->a, &node->lines, "replicas %lld\u2013%lld (fixed)", want, want);
    }
    long long cpu, mem;
    if (attr_int(td, "cpu", &cpu) && attr_int(td, "memory", &mem))
      add_line(g->a, &node->lines, "%lld CPU units, %lld MiB", cpu, mem);
    Value *secrets = val_get(c0, "secrets");
    if (secrets && secrets->kind == V_LIST && secrets->list.n)
      add_line(g->a, &node->lines, "%d secret%s by reference", secrets->list.n, secrets->list.n == 1 ? "" : "s");
    Value *sgs = attr(es, "security_groups");
    Resource *role = find(g, attr_ref(td, "task_role"));
    bool sg = sgs && sgs->kind == V_LIST && sgs->list.n;
    if (sg || role)
      add_line(g->a, &node->lines, "%s%s%s", sg ? "own security group" : "", sg && role ? ", " : "",
               role ? "own task role" : "");
  }
}

static void build_databases(Graph *g, int vpc) {
  Resource **dbs;
  int n = plan_of_kind(g->p, "db_instance", &dbs);
  for (int i = 0; i < n; i++) {
    Resource *db = dbs[i];
    Resource *group = find(g, attr_ref(db, "db_subnet_group"));
    GNode *node = node_add(g, db->id, "database", db->key, group ? lane(g, vpc, group) : vpc);
    if (group && tier_of(first_subnet(g, group)) == TIER_ISOLATED)
      node->row = TIER_ISOLATED;
    add_line(g->a, &node->lines, "RDS %s %s, %s", attr_str(db, "engine"), attr_str(db, "engine_version"),
             attr_str(db, "instance_class"));
    add_line(g->a, &node->lines, "%s, %s", attr_true(db, "multi_az") ? "Multi-AZ" : "single AZ",
             attr_true(db, "storage_encrypted") ? "encrypted" : "NOT encrypted");
    long long gb, max, days;
    if (attr_int(db, "allocated_storage", &gb)) {
      if (attr_int(db, "max_allocated_storage", &max))
        add_line(g->a, &node->lines, "%lld\u2013%lld GiB, backups %lld days", gb, max,
                 attr_int(db, "backup_retention_period", &days) ? days : 0);
      else
        add_line(g->a, &node->lines, "%lld GiB, backups %lld days", gb,
                 attr_int(db, "backup_retention_period", &days) ? days : 0);
    }
    if (attr_true(db, "iam_database_authentication_enabled"))
      add_line(g->a, &node->lines, "IAM auth, password in Secrets Manager");
    else if (attr_true(db, "manage_master_user_password"))
      add_line(g->a, &node->lines, "password in Secrets Manager");
    Value *sgs = attr(db, "security_groups");
    Value *pub = attr(db, "publicly_accessible");
    bool sg = sgs && sgs->kind == V_LIST && sgs->list.n;
    if (pub && pub->kind == V_BOOL)
      add_line(g->a, &node->lines, "%s%s", sg ? "own security group, " : "", pub->b ? "PUBLIC" : "not public");
  }
}

static void build_endpoints(Graph *g, int vpc) {
  Resource **eps;
  int n = plan_of_kind(g->p, "vpc_endpoint", &eps);
  if (n == 0)
    return;
  Buf gw, in;
  buf_init(&gw);
  buf_init(&in);
  Resource *spanning = NULL;
  for (int i = 0; i < n; i++) {
    const char *type = attr_str(eps[i], "vpc_endpoint_type");
    const char *svc = attr_str(eps[i], "service_name") ? endpoint_short(g, attr_str(eps[i], "service_name")) : eps[i]->key;
    Buf *b = type && !strcmp(type, "Interface") ? &in : &gw;
    buf_printf(b, "%s%s", b->len ? ", " : "", svc);
    if (b == &in && !spanning)
      spanning = eps[i];
  }
  GNode *node = node_add(g, "endpoints", "endpoints", "VPC endpoints", spanning ? lane(g, vpc, spanning) : vpc);
  node->row = TIER_PRIVATE;
  if (gw.len)
    add_line(g->a, &node->lines, "gateway: %s", gw.data);
  if (in.len)
    add_line(g->a, &node->lines, "interface: %s", in.data);
  buf_release(&gw);
  buf_release(&in);
}

static void build_regional(Graph *g, int region) {
  Resource **ts;
  int n = plan_of_kind(g->p, "dynamodb_table", &ts);
  int tb = n ? box_add(g, "dynamodb", "service_group", "DynamoDB", region) : -1;
  for (int i = 0; i < n; i++) {
    Resource *t = ts[i];
    GNode *node = node_add(g, t->id, "table", t->key, tb);
    if (t->name)
      add_line(g->a, &node->lines, "table %s", t->name);
    const char *hash = attr_str(t, "hash_key"), *range = attr_str(t, "range_key");
    if (hash && range)
      add_line(g->a, &node->lines, "key %s + %s", hash, range);
    else if (hash)
      add_line(g->a, &node->lines, "key %s", hash);
    long long rd, wr;
    if (attr_int(t, "read_capacity", &rd) && attr_int(t, "write_capacity", &wr))
      add_line(g->a, &node->lines, "provisioned %lld read, %lld write", rd, wr);
    else
      add_line(g->a, &node->lines, "on demand");
    add_line(g->a, &node->lines, "%s%s", attr_true(t, "server_side_encryption") ? "encrypted (KMS)" : "default encryption",
             attr_true(t, "point_in_time_recovery") ? ", PITR" : "");
  }
  Resource **rs;
  n = plan_of_kind(g->p, "ecr_repository", &rs);
  int rb = n ? box_add(g, "ecr", "service_group", "ECR", region) : -1;
  for (int i = 0; i < n; i++) {
    Resource *r = rs[i];
    GNode *node = node_add(g, r->id, "registry", r->name ? r->name : r->key, rb);
    const char *mut = attr_str(r, "image_tag_mutability");
    add_line(g->a, &node->lines, "%s tags%s", mut && !strcmp(mut, "IMMUTABLE") ? "immutable" : "mutable",
             attr_true(r, "scan_on_push") ? ", scan on push" : "");
    if (attr_str(r, "encryption_type"))
      add_line(g->a, &node->lines, "encrypted (%s)", attr_str(r, "encryption_type"));
  }
}

static void build_roles(Graph *g) {
  Resource **roles;
  int n = plan_of_kind(g->p, "iam_role", &roles);
  int ib = -1;
  for (int i = 0; i < n; i++) {
    Resource *r = roles[i];
    const char *trusted = attr_str(r, "trusted_account");
    if (!trusted)
      continue;
    if (ib < 0)
      ib = box_add(g, "iam", "iam",
                   g->p->m->account ? arena_printf(g->a, "IAM, account %s", g->p->m->account) : "IAM", -1);
    GNode *node = node_add(g, r->id, "role", r->name ? r->name : r->key, ib);
    add_line(g->a, &node->lines, "cross-account role");
    long long secs;
    if (attr_int(r, "max_session_duration", &secs))
      add_line(g->a, &node->lines, "sessions up to %lld h", secs / 3600);
  }
  Resource **tps;
  n = plan_of_kind(g->p, "trusted_policy", &tps);
  for (int i = 0; i < n; i++) {
    Resource *t = tps[i];
    const char *acct = attr_str(t, "account");
    int ab = box_add(g, arena_printf(g->a, "account.%s", acct ? acct : t->key), "account",
                     arena_printf(g->a, "trusted account %s", acct ? acct : ""), -1);
    const char *principal = attr_str(t, "principal");
    const char *who = principal ? principal_short(principal) : "root";
    GNode *node = node_add(g, t->id, "principal", !strcmp(who, "root") ? "account root" : who, ab);
    add_line(g->a, &node->lines, "trusted principal");
  }
}

/* ---- edges ---- */

/* What node a security group stands for: the resource that lists it. */
static const char *sg_owner(const Graph *g, const char *sg) { return index_get(&g->owners, sg); }

/* The path patterns that send a load balancer's traffic to a service. */
static const char *service_route(const Graph *g, const Resource *svc) {
  return index_get(&g->routes, ref_res(val_get(attr(svc, "load_balancer"), "target_group")));
}

/* One pass over the plan for the lookups that edges need. */
static void build_indexes(Graph *g) {
  for (int i = 0; i < g->p->resources.len; i++) {
    Resource *r = res_at(g, i);
    if (!strcmp(r->kind, "load_balancer") || !strcmp(r->kind, "ecs_service") || !strcmp(r->kind, "db_instance")) {
      Value *v = attr(r, "security_groups");
      for (int j = 0; v && v->kind == V_LIST && j < v->list.n; j++)
        if (ref_res(v->list.items[j]))
          index_put(g->a, &g->owners, ref_res(v->list.items[j]), (void *)r->id);
    } else if (!strcmp(r->kind, "listener_rule")) {
      Value *pp = attr(r, "path_patterns");
      if (attr_ref(r, "target_group") && pp && pp->kind == V_LIST && pp->list.n && pp->list.items[0]->kind == V_STR)
        index_put(g->a, &g->routes, attr_ref(r, "target_group"), (void *)pp->list.items[0]->s);
    } else if (!strcmp(r->kind, "iam_role_policy") && attr_ref(r, "role")) {
      Vec *pols = index_get(&g->policies, attr_ref(r, "role"));
      if (!pols) {
        pols = arena_alloc(g->a, sizeof *pols);
        index_put(g->a, &g->policies, attr_ref(r, "role"), pols);
      }
      vec_push(g->a, pols, r);
    }
  }
}

static const char *port_text(Arena *a, const Resource *rule) {
  long long from, to;
  const char *proto = attr_str(rule, "protocol");
  if (!attr_int(rule, "from_port", &from) || !attr_int(rule, "to_port", &to))
    return "all traffic";
  if (from == to)
    return arena_printf(a, "%lld/%s", from, proto ? proto : "tcp");
  return arena_printf(a, "%lld\u2013%lld/%s", from, to, proto ? proto : "tcp");
}

static void build_traffic(Graph *g) {
  Resource **rules;
  int n = plan_of_kind(g->p, "security_group_rule", &rules);
  Resource *igw = plan_find(g->p, "internet_gateway.main");
  if (igw) {
    GEdge *e = edge_add(g, "internet", igw->id, "traffic");
    if (e)
      e->both = true;
  }
  /* Ingress from CIDRs to the load balancer: from the internet through
   * the gateway, or from the listed networks when it is internal. */
  Resource **lbs;
  int nlb = plan_of_kind(g->p, "load_balancer", &lbs);
  for (int i = 0; i < nlb; i++) {
    Resource *lb = lbs[i];
    bool internal = attr_true(lb, "internal");
    Value *sgs = attr(lb, "security_groups");
    const char *sg = sgs && sgs->kind == V_LIST && sgs->list.n ? ref_res(sgs->list.items[0]) : NULL;
    Vec ports = {0}, cidrs = {0};
    for (int j = 0; j < n; j++) {
      Resource *r = rules[j];
      const char *cidr = attr_str(r, "cidr_block");
      if (!str_eq(attr_ref(r, "security_group"), sg) || !str_eq(attr_str(r, "direction"), "ingress") || !cidr)
        continue;
      long long port;
      if (attr_int(r, "from_port", &port))
        push_unique(g->a, &ports, arena_printf(g->a, "%lld", port));
      push_unique(g->a, &cidrs, cidr);
    }
    const char *from;
    if (internal || !igw) {
      GNode *c = node_add(g, "clients", "internet", "Clients", -1);
      if (cidrs.len && c->lines.len == 0)
        add_line(g->a, &c->lines, "%s", join(g->a, &cidrs, ", "));
      from = "clients";
    } else {
      from = igw->id;
    }
    GEdge *e = edge_add(g, from, lb->id, "traffic");
    if (ports.len)
      edge_line(g, e, arena_printf(g->a, "port%s %s", ports.len > 1 ? "s" : "", join(g->a, &ports, ", ")));
    if (cidrs.len && !internal)
      edge_line(g, e, arena_printf(g->a, "from %s", join(g->a, &cidrs, ", ")));
  }
  /* Every ingress rule between two security groups is an arrow from the
   * owner of the peer to the owner of the group. */
  for (int j = 0; j < n; j++) {
    Resource *r = rules[j];
    if (!str_eq(attr_str(r, "direction"), "ingress"))
      continue;
    const char *to = sg_owner(g, attr_ref(r, "security_group"));
    const char *from = sg_owner(g, attr_ref(r, "peer_security_group"));
    if (!to || !from)
      continue;
    Resource *dst = find(g, to), *src = find(g, from);
    const char *cls = !strcmp(dst->kind, "db_instance")                                      ? "data"
                      : !strcmp(src->kind, "ecs_service") && !strcmp(dst->kind, "ecs_service") ? "call"
                                                                                                : "traffic";
    GEdge *e = edge_add(g, from, to, cls);
    const char *route = !strcmp(src->kind, "load_balancer") ? service_route(g, dst) : NULL;
    edge_line(g, e, route ? arena_printf(g->a, "%s to %s", route, port_text(g->a, r)) : port_text(g->a, r));
  }
}

/* What each service's task role may do to tables and databases. */
static void build_grants(Graph *g) {
  Resource **svcs;
  int n = plan_of_kind(g->p, "ecs_service", &svcs);
  for (int i = 0; i < n; i++) {
    Resource *td = find(g, attr_ref(svcs[i], "task_definition"));
    const char *role = attr_ref(td, "task_role");
    if (!role)
      continue;
    Vec sts = {0};
    role_statements(g, role, &sts);
    for (int j = 0; j < sts.len; j++) {
      Value *st = sts.items[j];
      Vec refs = {0};
      statement_refs(val_get(st, "Resource"), &refs, g->a);
      for (int k = 0; k < refs.len; k++) {
        Resource *target = find(g, refs.items[k]);
        if (!target)
          continue;
        if (!strcmp(target->kind, "dynamodb_table")) {
          const char *mode = action_set(g, st, "table_");
          GEdge *e = edge_add(g, svcs[i]->id, target->id, "data");
          edge_line(g, e, mode ? mode : "IAM grant");
        } else if (!strcmp(target->kind, "db_instance") && has_action(st, "rds-db:connect")) {
          GEdge *e = edge_add(g, svcs[i]->id, target->id, "data");
          edge_line(g, e, "IAM rds-db:connect");
        }
      }
    }
  }
}

static void build_egress(Graph *g) {
  Resource **routes;
  int nroutes = plan_of_kind(g->p, "route", &routes);
  Resource **assocs;
  int nassoc = plan_of_kind(g->p, "route_table_association", &assocs);
  for (int i = 0; i < nroutes; i++) {
    const char *nat = attr_ref(routes[i], "nat_gateway");
    const char *rt = attr_ref(routes[i], "route_table");
    if (!nat || !rt)
      continue;
    for (int j = 0; j < nassoc; j++)
      if (str_eq(attr_ref(assocs[j], "route_table"), rt)) {
        edge_add(g, attr_ref(assocs[j], "subnet"), nat, "egress");
      }
  }
  Resource **nats;
  int nnat = plan_of_kind(g->p, "nat_gateway", &nats);
  Resource *igw = plan_find(g->p, "internet_gateway.main");
  for (int i = 0; i < nnat && igw; i++)
    edge_add(g, nats[i]->id, igw->id, "egress");
}

static void build_trust(Graph *g) {
  Resource **tps;
  int n = plan_of_kind(g->p, "trusted_policy", &tps);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < tps[i]->deps.len; j++) {
      Resource *role = find(g, tps[i]->deps.items[j]);
      if (!role || strcmp(role->kind, "iam_role"))
        continue;
      GEdge *e = edge_add(g, tps[i]->id, role->id, "trust");
      edge_line(g, e, "sts:AssumeRole");
      /* The conditions the role's trust policy puts on the call. */
      Value *st = val_get(attr(role, "assume_role_policy"), "Statement");
      for (int k = 0; st && st->kind == V_LIST && k < st->list.n; k++) {
        Value *cond = val_get(st->list.items[k], "Condition");
        for (int c = 0; cond && cond->kind == V_MAP && c < cond->map.n; c++) {
          Value *ops = cond->map.entries[c].val;
          for (int o = 0; ops && ops->kind == V_MAP && o < ops->map.n; o++) {
            const char *key = ops->map.entries[o].key;
            if (!strcmp(key, "sts:ExternalId"))
              edge_line(g, e, "external ID required");
            else if (!strcmp(key, "aws:MultiFactorAuthPresent"))
              edge_line(g, e, "MFA required");
            else
              edge_line(g, e, arena_printf(g->a, "condition %s", key));
          }
        }
      }
    }
  }
  /* Registry grants of each cross-account role. */
  Resource **roles;
  int nr = plan_of_kind(g->p, "iam_role", &roles);
  for (int i = 0; i < nr; i++) {
    if (!attr_str(roles[i], "trusted_account"))
      continue;
    Vec sts = {0};
    role_statements(g, roles[i]->id, &sts);
    for (int j = 0; j < sts.len; j++) {
      Vec refs = {0};
      statement_refs(val_get(sts.items[j], "Resource"), &refs, g->a);
      const char *set = action_set(g, sts.items[j], "ecr_");
      for (int k = 0; k < refs.len; k++) {
        GEdge *e = edge_add(g, roles[i]->id, refs.items[k], "grant");
        edge_line(g, e, set ? set : "IAM grant");
      }
    }
  }
}

/* Invisible edges that give the picture its order: the gateway above
 * the public subnets, and in each AZ the tiers stacked public, private,
 * isolated. Egress runs against that order, so it does not rank. */
static void build_layout(Graph *g) {
  const Network *net = g->p->m->network;
  Resource **subnets;
  int nsub = plan_of_kind(g->p, "subnet", &subnets);
  Resource *igw = plan_find(g->p, "internet_gateway.main");
  for (int az = 0; net && az < net->az_count; az++) {
    const char *prev = igw ? igw->id : NULL;
    for (int t = 0; t < TIER_COUNT; t++)
      for (int i = 0; i < nsub; i++)
        if (subnets[i]->az == az && tier_of(subnets[i]) == t) {
          GEdge *e = edge_add(g, prev, subnets[i]->id, "layout");
          if (e) {
            e->layout = true;
            e->lead = prev == (igw ? igw->id : NULL);
          }
          prev = subnets[i]->id;
        }
  }
  /* Regional services (tables, registries) sit in a row below the VPC:
   * hang them under the VPC's lowest row. */
  int low = -1;
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (n->row > low)
      low = n->row;
  }
  const char *anchor = NULL;
  for (int i = 0; i < g->nodes.len && !anchor; i++) {
    GNode *n = g->nodes.items[i];
    if (n->row == low)
      anchor = n->id;
  }
  for (int i = 0; anchor && i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (!strcmp(n->cls, "table") || !strcmp(n->cls, "registry")) {
      GEdge *e = edge_add(g, anchor, n->id, "layout");
      e->layout = e->dot_only = true;
    }
  }
  for (int i = 0; i < g->edges.len; i++) {
    GEdge *e = g->edges.items[i];
    e->loose |= !strcmp(e->cls, "egress");
  }
}

/* The picture of a plan; NULL (with a diagnostic) when the IAM action
 * template is broken. */
static Graph *draw(Arena *a, Diags *d, const Plan *p) {
  Graph *g = arena_alloc(a, sizeof *g);
  g->a = a;
  g->d = d;
  g->p = p;
  g->actions = tmpl_get(a, d, "iam/actions.yaml");
  if (!g->actions)
    return NULL;
  g->title = arena_printf(a, "%s (%s)", p->m->name, p->m->env);
  build_indexes(g);
  int region = box_add(g, "region", "region", arena_printf(a, "region %s", p->m->region), -1);
  if (p->m->account)
    add_line(a, &box_at(g, region)->lines, "account %s", p->m->account);
  int vpc;
  build_network(g, region, &vpc);
  build_load_balancer(g, vpc);
  build_services(g, vpc);
  build_endpoints(g, vpc);
  build_databases(g, vpc);
  build_regional(g, region);
  build_roles(g);
  build_traffic(g);
  build_grants(g);
  build_egress(g);
  build_trust(g);
  build_layout(g);
  return g;
}

/* ---- Graphviz DOT ---- */

/* ORDER: every class the builder uses has a line in each style table,
 * here and in the Mermaid tables below. */
typedef struct Style {
  const char *cls, *attrs;
} Style;

static const Style dot_node_styles[] = {
    {"internet", "shape=ellipse, fillcolor=\"#ffffff\", penwidth=1.5"},
    {"igw", "fillcolor=\"#f7d9b5\""},
    {"nat", "fillcolor=\"#fde9c9\""},
    {"subnet", "shape=plain, style=\"\", fontsize=9"},
    {"alb", "fillcolor=\"#e6dcf7\""},
    {"service", "fillcolor=\"#ffe2b8\""},
    {"database", "shape=cylinder, style=filled, fillcolor=\"#d3e3fb\""},
    {"table", "shape=cylinder, style=filled, fillcolor=\"#d7f0dd\""},
    {"registry", "fillcolor=\"#fbdada\""},
    {"endpoints", "fillcolor=\"#eeeeee\", fontsize=9"},
    {"role", "fillcolor=\"#fdf1c4\""},
    {"principal", "fillcolor=\"#ffffff\", style=\"rounded,dashed\""},
};

static const Style dot_box_styles[] = {
    {"region", "style=dashed, color=\"#147eba\", fontcolor=\"#147eba\""},
    {"vpc", "style=\"rounded,filled\", color=\"#3f8624\", fillcolor=\"#fbfdf8\", fontcolor=\"#3f8624\""},
    {"az", "style=\"rounded,dashed\", color=\"#5a6b86\", fontcolor=\"#5a6b86\""},
    {"subnet_public", "style=\"rounded,filled\", color=\"#7aa116\", fillcolor=\"#eef6df\""},
    {"subnet_private", "style=\"rounded,filled\", color=\"#147eba\", fillcolor=\"#e3f0f9\""},
    {"subnet_isolated", "style=\"rounded,filled\", color=\"#8c4fff\", fillcolor=\"#efe8fb\""},
    {"lane_public", "style=\"rounded,filled\", color=\"#7aa116\", fillcolor=\"#eef6df\""},
    {"lane_private", "style=\"rounded,filled\", color=\"#147eba\", fillcolor=\"#e3f0f9\""},
    {"lane_isolated", "style=\"rounded,filled\", color=\"#8c4fff\", fillcolor=\"#efe8fb\""},
    {"service_group", "style=rounded, color=\"#5a6b86\""},
    {"iam", "style=\"rounded,dashed\", color=\"#c7254e\", fontcolor=\"#c7254e\""},
    {"account", "style=\"rounded,dashed\", color=\"#777777\", fontcolor=\"#555555\""},
    {"group", "style=invis"},
};

static const Style dot_edge_styles[] = {
    {"traffic", "color=\"#1a5fb4\", fontcolor=\"#1a5fb4\", penwidth=1.4"},
    {"call", "color=\"#6a3fb5\", fontcolor=\"#6a3fb5\", penwidth=1.4"},
    {"data", "color=\"#26803a\", fontcolor=\"#26803a\", penwidth=1.4"},
    {"egress", "color=\"#c96a00\", fontcolor=\"#c96a00\", style=dashed"},
    {"trust", "color=\"#c7254e\", fontcolor=\"#c7254e\", style=dashed"},
    {"grant", "color=\"#c7254e\", fontcolor=\"#c7254e\", style=dotted"},
    {"layout", "style=invis"},
};

static const char *style_of(const Style *t, size_t n, const char *cls) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].cls, cls))
      return t[i].attrs;
  return "";
}
#define STYLE(table, cls) style_of(table, sizeof(table) / sizeof((table)[0]), cls)

static const struct {
  const char *cls, *color, *arrow, *text;
} dot_legend[] = {
    {"traffic", "#1a5fb4", "\u2014\u2014\u25b6", "requests: ports, paths"},
    {"call", "#6a3fb5", "\u2014\u2014\u25b6", "service to service"},
    {"data", "#26803a", "\u2014\u2014\u25b6", "data: port, IAM grant"},
    {"egress", "#c96a00", "- - \u25b6", "outbound via NAT"},
    {"trust", "#c7254e", "- - \u25b6", "cross-account trust"},
    {"grant", "#c7254e", "\u00b7 \u00b7 \u25b6", "registry grant"},
};

/* A double-quoted DOT ID. Inside quotes Graphviz turns only \" into a
 * quote and keeps every other backslash as written, so a backslash is
 * doubled: it can then never escape the closing quote, and reads back
 * doubled (plan identities never hold one). */
static void dot_id(Buf *b, const char *s) {
  buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      buf_putc(b, '\\');
    buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
  }
  buf_putc(b, '"');
}

/* Text inside a DOT HTML-like label: the markup characters become
 * entities, a newline a line break, other control characters a space. */
static void dot_html(Buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '&': buf_puts(b, "&amp;"); break;
    case '<': buf_puts(b, "&lt;"); break;
    case '>': buf_puts(b, "&gt;"); break;
    case '"': buf_puts(b, "&quot;"); break;
    case '\'': buf_puts(b, "&#39;"); break;
    case '\n': buf_puts(b, "<br/>"); break;
    default: buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
    }
  }
}

static void dot_label(Buf *b, const char *title, const Vec *lines, int small) {
  buf_puts(b, "<");
  if (title) {
    buf_puts(b, "<b>");
    dot_html(b, title);
    buf_puts(b, "</b>");
  }
  if (lines && lines->len) {
    buf_printf(b, "%s<font point-size=\"%d\">", title ? "<br/>" : "", small);
    for (int i = 0; i < lines->len; i++) {
      if (i)
        buf_puts(b, "<br/>");
      dot_html(b, lines->items[i]);
    }
    buf_puts(b, "</font>");
  }
  buf_puts(b, ">");
}

static void dot_box(const Graph *g, Buf *b, int bi, int depth) {
  GBox *x = box_at(g, bi);
  buf_indent(b, depth * 2);
  buf_puts(b, "subgraph ");
  dot_id(b, arena_printf(g->a, "cluster_%s", x->id));
  buf_puts(b, " {\n");
  buf_indent(b, depth * 2 + 2);
  /* Clusters inherit their parent's attributes: say every one. */
  /* AZ titles sit right, clear of the routes that cross into AZ a. */
  buf_printf(b, "graph [%s, margin=%d, labeljust=%s, label=", STYLE(dot_box_styles, x->cls),
             strcmp(x->cls, "group") ? 8 : 0, strcmp(x->cls, "az") ? "c" : "r");
  if (x->title || x->lines.len)
    dot_label(b, x->title, &x->lines, 9);
  else
    buf_puts(b, "\"\"");
  buf_puts(b, "];\n");
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (n->box != bi)
      continue;
    buf_indent(b, depth * 2 + 2);
    dot_id(b, n->id);
    buf_printf(b, " [class=\"%s\", %s, label=", n->cls, STYLE(dot_node_styles, n->cls));
    dot_label(b, n->title, &n->lines, 9);
    buf_puts(b, "];\n");
  }
  for (int i = 0; i < g->boxes.len; i++)
    if (box_at(g, i)->parent == bi)
      dot_box(g, b, i, depth + 1);
  buf_indent(b, depth * 2);
  buf_puts(b, "}\n");
}

static char *to_dot(const Graph *g) {
  Buf b;
  buf_init(&b);
  buf_puts(&b, "// The architecture of ");
  dot_html(&b, g->title);
  buf_puts(&b, ", drawn by infrac from its plan. Render: dot -Tsvg diagram.dot\n");
  buf_puts(&b, "digraph ");
  dot_id(&b, g->p->m->name);
  buf_puts(&b, " {\n"
               "  graph [rankdir=LR, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=12,\n"
               "         nodesep=0.5, ranksep=0.55, labelloc=t, label=");
  Vec none = {0};
  dot_label(&b, g->title, &none, 9);
  buf_puts(&b, "];\n"
               "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.12,0.06\"];\n"
               "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n");
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (n->box >= 0)
      continue;
    buf_puts(&b, "  ");
    dot_id(&b, n->id);
    buf_printf(&b, " [class=\"%s\", %s, label=", n->cls, STYLE(dot_node_styles, n->cls));
    dot_label(&b, n->title, &n->lines, 9);
    buf_puts(&b, "];\n");
  }
  /* Where a rank starts its order is where dot first met its nodes, and
   * rankdir=LR stacks that order bottom-up: declaring the gateway's edges
   * to the public subnets first, last AZ first, puts AZ a on top (mincross
   * can still move AZs of a diagram whose crossings demand it). */
  for (int i = g->edges.len - 1; i >= 0; i--) {
    GEdge *e = g->edges.items[i];
    if (!e->lead)
      continue;
    buf_puts(&b, "  ");
    dot_id(&b, e->from);
    buf_puts(&b, " -> ");
    dot_id(&b, e->to);
    buf_printf(&b, " [class=\"%s\", %s];\n", e->cls, STYLE(dot_edge_styles, e->cls));
  }
  for (int i = 0; i < g->boxes.len; i++)
    if (box_at(g, i)->parent < 0)
      dot_box(g, &b, i, 1);
  /* The legend names the edge classes the picture uses. */
  Buf legend;
  buf_init(&legend);
  for (size_t k = 0; k < sizeof dot_legend / sizeof dot_legend[0]; k++) {
    bool used = false;
    for (int i = 0; i < g->edges.len && !used; i++)
      used = !strcmp(((GEdge *)g->edges.items[i])->cls, dot_legend[k].cls);
    if (used)
      buf_printf(&legend, "<tr><td align=\"left\"><font color=\"%s\">%s</font></td><td align=\"left\">%s</td></tr>",
                 dot_legend[k].color, dot_legend[k].arrow, dot_legend[k].text);
  }
  if (legend.len)
    buf_printf(&b, "  \"legend\" [class=\"legend\", shape=plain, style=\"\", fontsize=9, label=<<table border=\"0\" "
                   "cellborder=\"0\" cellspacing=\"0\" cellpadding=\"2\"><tr><td colspan=\"2\" align=\"left\">"
                   "<b>edges</b></td></tr>%s</table>>];\n",
               legend.data);
  buf_release(&legend);
  /* Rows: a tier's subnets share a rank with what runs in that tier. */
  for (int t = 0; t < TIER_COUNT; t++) {
    Buf row;
    buf_init(&row);
    for (int i = 0; i < g->nodes.len; i++) {
      GNode *n = g->nodes.items[i];
      if (n->row == t) {
        buf_putc(&row, ' ');
        dot_id(&row, n->id);
        buf_putc(&row, ';');
      }
    }
    if (row.len)
      buf_printf(&b, "  { rank=same;%s }\n", row.data);
    buf_release(&row);
  }
  /* Then the other layout edges, then what the picture shows. */
  for (int pass = 0; pass < 2; pass++)
  for (int i = 0; i < g->edges.len; i++) {
    GEdge *e = g->edges.items[i];
    if (e->lead || e->layout != (pass == 0))
      continue;
    buf_puts(&b, "  ");
    dot_id(&b, e->from);
    buf_puts(&b, " -> ");
    dot_id(&b, e->to);
    buf_printf(&b, " [class=\"%s\", %s%s%s", e->cls, STYLE(dot_edge_styles, e->cls), e->both ? ", dir=both" : "",
               e->loose ? ", constraint=false" : "");
    if (e->lines.len) {
      /* An edge within a row gets an external label: dot places those
       * after layout, clear of the labels of the edges it crosses. */
      GNode *from = node_find(g, e->from), *to = node_find(g, e->to);
      buf_puts(&b, from->row >= 0 && from->row == to->row ? ", xlabel=" : ", label=");
      dot_label(&b, NULL, &e->lines, 9);
    }
    buf_puts(&b, "];\n");
  }
  buf_puts(&b, "}\n");
  return buf_finish(&b, g->a);
}

/* ---- Mermaid ---- */

/* Mermaid IDs: letters, digits and '_' only, since viewers put IDs in
 * CSS selectors and the flowchart grammar reads '.', '-', '=' and '@'
 * as syntax. Every other byte becomes '_' (ecs_service.user_metadata ->
 * ecs_service_user_metadata); IDs that would then collide in one diagram
 * get a hash of their identity appended, so each stays stable. */
typedef struct MmIds {
  Vec from, to;        /* of const char *: identity, Mermaid ID */
  Index ix;            /* identity -> Mermaid ID */
} MmIds;

static char *mm_plain(Arena *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      *p = '_';
  return o;
}

static void mm_ids(const Graph *g, MmIds *m) {
  for (int i = 0; i < g->nodes.len; i++)
    vec_push(g->a, &m->from, (void *)((GNode *)g->nodes.items[i])->id);
  for (int i = 0; i < g->boxes.len; i++)
    vec_push(g->a, &m->from, arena_printf(g->a, "cluster_%s", box_at(g, i)->id));
  for (int i = 0; i < m->from.len; i++)
    vec_push(g->a, &m->to, mm_plain(g->a, m->from.items[i]));
  int n = m->to.len;
  Index first = {0};  /* sanitized ID -> 1 + index of its first holder */
  bool *clash = arena_alloc(g->a, sizeof(bool) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) {
    intptr_t j = (intptr_t)index_get(&first, m->to.items[i]);
    if (j)
      clash[i] = clash[j - 1] = true;
    else
      index_put(g->a, &first, m->to.items[i], (void *)(intptr_t)(i + 1));
  }
  for (int i = 0; i < n; i++)
    if (clash[i])
      m->to.items[i] = arena_printf(g->a, "%s_%08x", (char *)m->to.items[i], hash_fnv1a(m->from.items[i]));
  for (int i = 0; i < n; i++)
    index_put(g->a, &m->ix, m->from.items[i], m->to.items[i]);
}

static void mm_id(Buf *b, const MmIds *m, const char *id) {
  const char *s = index_get(&m->ix, id);
  buf_puts(b, s ? s : "unknown"); /* not reached: every edge joins drawn nodes */
}

/* Text inside a quoted Mermaid label: characters that are syntax in a
 * flowchart or markup in its HTML labels become entity codes, a newline
 * a line break. */
static void mm_text(Buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': buf_puts(b, "#quot;"); break;
    case '#': buf_puts(b, "#35;"); break;
    case '&': buf_puts(b, "#38;"); break;
    case '<': buf_puts(b, "#lt;"); break;
    case '>': buf_puts(b, "#gt;"); break;
    case '`': buf_puts(b, "#96;"); break;
    case '|': buf_puts(b, "#124;"); break;
    case '\n': buf_puts(b, "<br/>"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        buf_putc(b, ' ');
      else
        buf_putc(b, (char)*p);
    }
  }
}

static void mm_label(Buf *b, const char *title, const Vec *lines) {
  buf_putc(b, '"');
  if (title) {
    buf_puts(b, "<b>");
    mm_text(b, title);
    buf_puts(b, "</b>");
  }
  for (int i = 0; lines && i < lines->len; i++) {
    if (title || i)
      buf_puts(b, "<br/>");
    buf_puts(b, "<small>");
    mm_text(b, lines->items[i]);
    buf_puts(b, "</small>");
  }
  buf_putc(b, '"');
}

static const struct { const char *cls, *style; } mm_styles[] = {
    {"internet", "fill:#ffffff,stroke:#333333,stroke-width:1.5px"},
    {"igw", "fill:#f7d9b5,stroke:#9a6324"},
    {"nat", "fill:#fde9c9,stroke:#9a6324"},
    {"subnet", "fill:#ffffff,stroke:#999999,font-size:11px"},
    {"alb", "fill:#e6dcf7,stroke:#6a3fb5"},
    {"service", "fill:#ffe2b8,stroke:#c96a00"},
    {"database", "fill:#d3e3fb,stroke:#1a5fb4"},
    {"table", "fill:#d7f0dd,stroke:#26803a"},
    {"registry", "fill:#fbdada,stroke:#b3261e"},
    {"endpoints", "fill:#eeeeee,stroke:#777777"},
    {"role", "fill:#fdf1c4,stroke:#c7254e"},
    {"principal", "fill:#ffffff,stroke:#777777,stroke-dasharray:4 3"},
    {"region", "fill:#ffffff,stroke:#147eba,stroke-dasharray:6 4"},
    {"vpc", "fill:#fbfdf8,stroke:#3f8624"},
    {"az", "fill:#ffffff,stroke:#5a6b86,stroke-dasharray:5 4"},
    {"subnet_public", "fill:#eef6df,stroke:#7aa116"},
    {"subnet_private", "fill:#e3f0f9,stroke:#147eba"},
    {"subnet_isolated", "fill:#efe8fb,stroke:#8c4fff"},
    {"lane_public", "fill:#eef6df,stroke:#7aa116"},
    {"lane_private", "fill:#e3f0f9,stroke:#147eba"},
    {"lane_isolated", "fill:#efe8fb,stroke:#8c4fff"},
    {"service_group", "fill:#ffffff,stroke:#5a6b86"},
    {"iam", "fill:#ffffff,stroke:#c7254e,stroke-dasharray:5 4"},
    {"account", "fill:#ffffff,stroke:#777777,stroke-dasharray:5 4"},
};

static const struct { const char *cls, *arrow, *style; } mm_edges[] = {
    {"traffic", "-->", "stroke:#1a5fb4,stroke-width:1.5px"},
    {"call", "-->", "stroke:#6a3fb5,stroke-width:1.5px"},
    {"data", "-->", "stroke:#26803a,stroke-width:1.5px"},
    {"egress", "-.->", "stroke:#c96a00"},
    {"trust", "-.->", "stroke:#c7254e"},
    {"grant", "-.->", "stroke:#c7254e,stroke-dasharray:2 3"},
    {"layout", "~~~", NULL},
};

static void mm_box(const Graph *g, const MmIds *m, Buf *b, int bi, int depth) {
  GBox *x = box_at(g, bi);
  if (!strcmp(x->cls, "group")) {
    /* Groups only steer Graphviz; Mermaid gets their contents. */
    for (int i = 0; i < g->boxes.len; i++)
      if (box_at(g, i)->parent == bi)
        mm_box(g, m, b, i, depth);
    return;
  }
  buf_indent(b, depth * 2);
  buf_puts(b, "subgraph ");
  mm_id(b, m, arena_printf(g->a, "cluster_%s", x->id));
  buf_putc(b, '[');
  mm_label(b, x->title, &x->lines);
  buf_puts(b, "]\n");
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (n->box != bi)
      continue;
    buf_indent(b, depth * 2 + 2);
    mm_id(b, m, n->id);
    buf_puts(b, !strcmp(n->cls, "database") || !strcmp(n->cls, "table") ? "[(" : "[");
    mm_label(b, n->title, &n->lines);
    buf_puts(b, !strcmp(n->cls, "database") || !strcmp(n->cls, "table") ? ")]\n" : "]\n");
  }
  for (int i = 0; i < g->boxes.len; i++)
    if (box_at(g, i)->parent == bi)
      mm_box(g, m, b, i, depth + 1);
  buf_indent(b, depth * 2);
  buf_puts(b, "end\n");
}

static char *to_mermaid(const Graph *g) {
  MmIds ids = {0};
  mm_ids(g, &ids);
  Buf b;
  buf_init(&b);
  buf_puts(&b, "%% The architecture of ");
  mm_text(&b, g->title);
  buf_puts(&b, ", drawn by infrac from its plan.\nflowchart TB\n");
  for (int i = 0; i < g->nodes.len; i++) {
    GNode *n = g->nodes.items[i];
    if (n->box >= 0)
      continue;
    buf_puts(&b, "  ");
    mm_id(&b, &ids, n->id);
    buf_puts(&b, "([");
    mm_label(&b, n->title, &n->lines);
    buf_puts(&b, "])\n");
  }
  for (int i = 0; i < g->boxes.len; i++)
    if (box_at(g, i)->parent < 0)
      mm_box(g, &ids, &b, i, 1);
  for (int i = 0; i < g->edges.len; i++) {
    GEdge *e = g->edges.items[i];
    const char *arrow = "-->";
    if (e->dot_only)
      continue;
    for (size_t k = 0; k < sizeof mm_edges / sizeof mm_edges[0]; k++)
      if (!strcmp(mm_edges[k].cls, e->cls))
        arrow = mm_edges[k].arrow;
    buf_puts(&b, "  ");
    mm_id(&b, &ids, e->from);
    buf_printf(&b, " %s%s", e->both ? "<" : "", arrow);
    if (e->lines.len) {
      buf_putc(&b, '|');
      mm_label(&b, NULL, &e->lines);
      buf_putc(&b, '|');
    }
    buf_putc(&b, ' ');
    mm_id(&b, &ids, e->to);
    buf_putc(&b, '\n');
  }
  /* Styles: one classDef per class used, then the members of each. */
  for (size_t k = 0; k < sizeof mm_styles / sizeof mm_styles[0]; k++) {
    Buf members;
    buf_init(&members);
    for (int i = 0; i < g->nodes.len; i++) {
      GNode *n = g->nodes.items[i];
      if (!strcmp(n->cls, mm_styles[k].cls)) {
        if (members.len)
          buf_putc(&members, ',');
        mm_id(&members, &ids, n->id);
      }
    }
    for (int i = 0; i < g->boxes.len; i++) {
      GBox *x = box_at(g, i);
      if (!strcmp(x->cls, mm_styles[k].cls)) {
        if (members.len)
          buf_putc(&members, ',');
        mm_id(&members, &ids, arena_printf(g->a, "cluster_%s", x->id));
      }
    }
    if (members.len)
      buf_printf(&b, "  classDef %s %s\n  class %s %s\n", mm_styles[k].cls, mm_styles[k].style, members.data,
                 mm_styles[k].cls);
    buf_release(&members);
  }
  for (size_t k = 0; k < sizeof mm_edges / sizeof mm_edges[0]; k++) {
    Buf idx;
    buf_init(&idx);
    /* linkStyle counts the links in the order written. */
    for (int i = 0, at = 0; i < g->edges.len; i++) {
      GEdge *e = g->edges.items[i];
      if (e->dot_only)
        continue;
      if (!strcmp(e->cls, mm_edges[k].cls))
        buf_printf(&idx, "%s%d", idx.len ? "," : "", at);
      at++;
    }
    if (idx.len && mm_edges[k].style)
      buf_printf(&b, "  linkStyle %s %s\n", idx.data, mm_edges[k].style);
    buf_release(&idx);
  }
  return buf_finish(&b, g->a);
}

/* ---- the target and the command ---- */

bool graph_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  Graph *g = draw(a, d, p);
  if (!g)
    return false;
  char *dot = to_dot(g), *mmd = to_mermaid(g);
  out_add(out, "diagram.dot", dot, strlen(dot));
  out_add(out, "diagram.mmd", mmd, strlen(mmd));
  return true;
}

static int finish(Arena *a, Diags *d, int status) {
  diag_print(d, stderr);
  arena_free(a);
  return status;
}

int run_graph(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  if (o->nspecs != 1) {
    diag_error(&d, (Pos){0}, NULL, "graph takes exactly one SPEC (found %d)", o->nspecs);
    return finish(a, &d, EXIT_INVALID);
  }
  const char *format = o->format ? o->format : "dot";
  if (strcmp(format, "dot") && strcmp(format, "mermaid")) {
    diag_error(&d, (Pos){0}, NULL, "unknown format '%s' for graph; choose dot or mermaid", format);
    return finish(a, &d, EXIT_INVALID);
  }
  Plan *p = compile_spec(a, &d, o->specs[0], o->env);
  Graph *g = p ? draw(a, &d, p) : NULL;
  if (!g)
    return finish(a, &d, EXIT_INVALID);
  const char *text = !strcmp(format, "dot") ? to_dot(g) : to_mermaid(g);
  fputs(text, stdout);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    diag_error(&d, (Pos){0}, NULL, "cannot write the diagram to stdout");
    return finish(a, &d, EXIT_INVALID);
  }
  return finish(a, &d, EXIT_OK);
}
