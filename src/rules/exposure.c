/*
 * exposure: who can reach what (INF-NET-*). Public reachability is read
 * from the plan, so it holds whatever produced the resources; listeners,
 * allowed CIDRs and endpoints are read from the model, where the spec's
 * positions are.
 */
#include <string.h>

#include "rules.h"

/* ---- INF-NET-001: only the load balancer answers from the internet ---- */

static bool private_range(Cidr c) {
  static const char *const ranges[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                       "100.64.0.0/10", NULL};
  for (const char *const *r = ranges; *r; r++) {
    Cidr p;
    if (cidr_parse(*r, &p) && cidr_contains(p, c))
      return true;
  }
  return false;
}

static bool list_has_ref(const Value *list, const char *id) {
  for (int i = 0; list && list->kind == V_LIST && i < list->list.n; i++) {
    const Value *x = list->list.items[i];
    if (x->kind == V_REF && !strcmp(x->ref.res, id))
      return true;
  }
  return false;
}

static bool is_true(const Value *v) { return v && v->kind == V_BOOL && v->b; }

/* A list of subnet references that names a public-tier subnet: its key. */
static const char *public_subnet(const Plan *p, const Value *subnets) {
  for (int i = 0; subnets && subnets->kind == V_LIST && i < subnets->list.n; i++) {
    const Value *x = subnets->list.items[i];
    const Resource *s = x->kind == V_REF ? plan_find(p, x->ref.res) : NULL;
    const Value *tier = s ? val_get(s->attrs, "tier") : NULL;
    if (tier && tier->kind == V_STR && !strcmp(tier->s, "public"))
      return s->id;
  }
  return NULL;
}

static void public_resources(Check *c) {
  const Plan *p = c->p;
  Resource **lbs;
  int nlb = plan_of_kind(p, "load_balancer", &lbs);
  const Resource *vpc = plan_find(p, "vpc.main");
  const Value *vcidr = vpc ? val_get(vpc->attrs, "cidr_block") : NULL;
  Cidr vpc_cidr = {0, 33};
  if (vcidr && vcidr->kind == V_STR)
    cidr_parse(vcidr->s, &vpc_cidr);
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    if (!strcmp(r->kind, "load_balancer"))
      continue;
    if (is_true(val_get(r->attrs, "assign_public_ip")))
      check_report(c, "INF-NET-001", check_origin(c, r), NULL, "what", r->id, "how", "assign_public_ip is true", NULL);
    if (is_true(val_get(r->attrs, "publicly_accessible")))
      check_report(c, "INF-NET-001", check_origin(c, r), NULL, "what", r->id, "how", "publicly_accessible is true",
                   NULL);
    if (!strcmp(r->kind, "ecs_service") || !strcmp(r->kind, "db_subnet_group")) {
      const char *s = public_subnet(p, val_get(r->attrs, "subnets"));
      if (s)
        check_report(c, "INF-NET-001", check_origin(c, r), NULL, "what", r->id, "how",
                     arena_printf(c->a, "it is placed in the public subnet %s", s), NULL);
    }
    if (!strcmp(r->kind, "security_group_rule")) {
      const Value *dir = val_get(r->attrs, "direction"), *cidr = val_get(r->attrs, "cidr_block");
      const Value *sg = val_get(r->attrs, "security_group");
      Cidr cc;
      if (!dir || dir->kind != V_STR || strcmp(dir->s, "ingress") || !cidr || cidr->kind != V_STR ||
          !cidr_parse(cidr->s, &cc) || private_range(cc) ||
          (vpc_cidr.prefix <= 32 && cidr_contains(vpc_cidr, cc)))
        continue;
      bool on_lb = false;
      for (int k = 0; k < nlb && sg && sg->kind == V_REF; k++)
        on_lb |= list_has_ref(val_get(lbs[k]->attrs, "security_groups"), sg->ref.res);
      if (!on_lb)
        check_report(c, "INF-NET-001", check_origin(c, r), NULL, "what",
                     sg && sg->kind == V_REF ? sg->ref.res : r->id, "how",
                     arena_printf(c->a, "%s admits %s", r->id, cidr->s), NULL);
    }
  }
}

/* ---- INF-NET-002: HTTP listeners redirect ---- */

static void listeners(Check *c) {
  const LoadBalancer *lb = c->m->lb;
  if (!lb)
    return;
  const Value *list = check_at(lb->at, "listeners");
  for (int i = 0; i < lb->nlisteners; i++) {
    const Listener *li = &lb->listeners[i];
    if (strcmp(li->protocol, "HTTP") || li->redirect)
      continue;
    const char *port = arena_printf(c->a, "%d", li->port);
    int k = -1;   /* its index as written (the model sorts by port) */
    for (int j = 0; list && list->kind == V_LIST && j < list->list.n; j++)
      if (list->list.items[j] == li->at)
        k = j;
    if (k >= 0)
      check_report(c, "INF-NET-002", li->at->pos, arena_printf(c->a, "load_balancer.listeners[%d]", k), "port",
                   port, NULL);
    else   /* the default listener: port 80, HTTP */
      check_report(c, "INF-NET-002", check_key_pos(c->m->root, "load_balancer", lb->at), "load_balancer",
                   "port", arena_printf(c->a, "%s (the default listener)", port), NULL);
  }
}

/* ---- INF-NET-003: allowed_cidrs no wider than needed ---- */

static void allowed_cidrs(Check *c) {
  const LoadBalancer *lb = c->m->lb;
  if (!lb)
    return;
  const Value *list = check_at(lb->at, "allowed_cidrs");
  const Value *wp = check_param(c, "INF-NET-003", "widest_prefix");
  int widest = wp && wp->kind == V_INT ? (int)wp->i : 8;
  for (int i = 0; i < lb->nallowed; i++) {
    const char *s = lb->allowed_cidrs[i];
    Cidr cc;
    if (!cidr_parse(s, &cc) || cc.prefix >= widest || (lb->public && cc.prefix == 0))
      continue;
    const char *reason =
        !lb->public && cc.prefix == 0
            ? "every network connected to the VPC to an internal load balancer; list the VPC and the ranges "
              "that need it"
        : lb->public ? arena_printf(c->a, "a /%d slice of the internet, wider than /%d; write 0.0.0.0/0 to "
                                          "admit everyone, or list the ranges meant",
                                    cc.prefix, widest)
                     : arena_printf(c->a, "a /%d range, wider than /%d, to an internal load balancer; list the "
                                          "VPC and the ranges that need it",
                                    cc.prefix, widest);
    const Value *at = NULL;
    int k = -1;
    for (int j = 0; list && list->kind == V_LIST && j < list->list.n; j++)
      if (list->list.items[j]->kind == V_STR && !strcmp(list->list.items[j]->s, s)) {
        at = list->list.items[j];
        k = j;
      }
    if (at)
      check_report(c, "INF-NET-003", at->pos, arena_printf(c->a, "load_balancer.allowed_cidrs[%d]", k), "cidr",
                   s, "reason", reason, NULL);
    else
      check_report(c, "INF-NET-003", check_key_pos(c->m->root, "load_balancer", lb->at), "load_balancer",
                   "cidr", arena_printf(c->a, "%s (the default allowed_cidrs)", s), "reason", reason, NULL);
  }
}

/* ---- INF-NET-004, INF-NET-005: no NAT, so endpoints or nothing ---- */

static bool has_endpoint(const Network *n, const char *name) {
  for (int i = 0; i < n->nendpoints; i++)
    if (!strcmp(n->endpoints[i], name))
      return true;
  return false;
}

static void no_nat(Check *c) {
  const Model *m = c->m;
  const Network *n = m->network;
  if (!n || n->nat != NAT_NONE || !m->nservices || !n->count[TIER_PRIVATE])
    return;
  const Value *eps = check_at(n->at, "endpoints");
  Pos at = eps ? check_key_pos(n->at, "endpoints", eps)
               : check_key_pos(n->at, "nat", check_at(n->at, "nat"));
  /* The first service that needs each endpoint, in key order. */
  const char *ecr = NULL, *sm = NULL, *ssm = NULL;
  for (int i = 0; i < m->nservices; i++) {
    const Service *s = &m->services[i];
    ImageRef ref = check_image_ref(c->a, s->image);
    if (*ref.ecr_account && !strcmp(ref.ecr_region, m->region)) {
      if (!ecr)
        ecr = s->key;
    } else {
      const char *where = *ref.ecr_account
                              ? arena_printf(c->a, "from ECR in another region (%s)", ref.ecr_region)
                              : "from outside ECR";
      const Value *iv = check_at(s->at, "image");
      check_report(c, "INF-NET-005", iv ? iv->pos : s->at->pos, arena_printf(c->a, "services.%s.image", s->key),
                   "service", s->key, "image", s->image, "where", where, NULL);
    }
    for (int k = 0; k < s->nsecrets; k++) {
      if (strstr(s->secrets[k].value, ":secretsmanager:") && !sm)
        sm = s->key;
      if (strstr(s->secrets[k].value, ":ssm:") && !ssm)
        ssm = s->key;
    }
  }
  struct {
    const char *endpoint, *who, *need;
  } needs[] = {
      {"ecr", ecr, "service %s pulls its image from ECR (ecr.api and ecr.dkr)"},
      {"logs", m->services[0].key, "the awslogs driver of every service (first: %s) writes to CloudWatch Logs"},
      {"secretsmanager", sm, "service %s reads secrets from Secrets Manager"},
      {"ssm", ssm, "service %s reads parameters from SSM Parameter Store"},
  };
  for (size_t i = 0; i < sizeof needs / sizeof *needs; i++)
    if (needs[i].who && !has_endpoint(n, needs[i].endpoint))
      check_report(c, "INF-NET-004", at, "network.endpoints", "need", arena_printf(c->a, needs[i].need, needs[i].who),
                   "endpoint", needs[i].endpoint, NULL);
}

void check_exposure(Check *c) {
  public_resources(c);
  listeners(c);
  allowed_cidrs(c);
  no_nat(c);
}
