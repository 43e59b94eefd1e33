/*
 * terraform: the plan as a Terraform tree, terraform/<concern>.tf, one file per
 * concern (versions, providers, backend, network, load_balancer,
 * services, databases, tables, registries, iam, outputs), each built with
 * the HCL writer (emit/hcl.h) and left out when it would be empty.
 *
 * Every plan resource becomes one Terraform resource of the AWS provider
 * (6.x), addressed by its plan identity: subnet.private_a is
 * aws_subnet.private_a, so adding an AZ or a service renames nothing.
 * Names are lower snake case made from the key alone, hyphens written as
 * underscores (ecr-push: ecr_push); a key of other characters takes a hash
 * of itself (snake_name); listener keys are ports
 * and read port_443. Security groups, their rules and log
 * groups live in the file of the resource that uses them (the load
 * balancer's group in load_balancer.tf, a database's in databases.tf).
 * The one kind that is not deployed, trusted_policy (a document for
 * another account), is an output.
 *
 * Values: V_REF is a reference to the target's attribute
 * (aws_dynamodb_table.configs.arn), V_CONCAT a string template
 * ("${aws_dynamodb_table.configs.arn}/index/<star>"), V_AZ an element of
 * data.aws_availability_zones.available.names. Documents (IAM policies,
 * container definitions, lifecycle rules) are jsonencode() of the plan's
 * value. Spec text only ever becomes an escaped string: references are
 * built here from plan identities, never from spec values.
 *
 * depends_on comes only from each resource's `after` list; everything
 * else Terraform orders from the references. taggable resources carry a
 * Name tag; the spec's tags are the provider's default_tags.
 *
 * Assumes a valid plan. A reference this file cannot render, or a plan
 * attribute it does not know, is an internal error: nothing is written,
 * so a new plan attribute cannot be dropped silently.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "emit/hcl.h"
#include "names.h"
#include "tmpl.h"

bool tf_emit(Arena *a, Diags *d, const Plan *p, Output *out);

#define TMPL "terraform/settings.yaml"
#define AZ_DATA "data.aws_availability_zones.available.names"

/* ORDER: the files, in the order they are listed to the writer. */
enum { F_VERSIONS, F_PROVIDERS, F_BACKEND, F_NETWORK, F_LB, F_SERVICES, F_DATABASES,
       F_TABLES, F_REGISTRIES, F_IAM, F_OUTPUTS, F_COUNT, F_FOLLOW = -1 };
static const char *const FILE_NAMES[F_COUNT] = {
    "versions.tf", "providers.tf", "backend.tf", "network.tf", "load_balancer.tf", "services.tf",
    "databases.tf", "tables.tf", "registries.tf", "iam.tf", "outputs.tf",
};

typedef struct T T;
typedef struct Res Res;
typedef void (*RenderFn)(T *t, Res *x, HclBody *b);

/* How a plan attribute of a kind reads in Terraform. */
typedef struct RefRule {
  const char *attr;
  const char *tf;
} RefRule;

typedef struct Kind {
  const char *kind;     /* plan kind */
  const char *type;     /* Terraform resource type; NULL: not a resource */
  int file;             /* F_FOLLOW: the file of the resource using it */
  bool tags;            /* the type has a tags argument */
  const char *prefix;   /* put before every key ("port" for listeners) */
  RenderFn render;
  RefRule refs[8];
} Kind;

struct Res {
  Resource *r;
  const Kind *k;
  const char *label;    /* the resource name: the key as an identifier */
  const char *addr;     /* type.label */
  int file;
  bool *used;           /* attribute entries read, by index */
};

struct T {
  Arena *a;
  Diags *d;
  const Plan *p;
  Res *res;             /* one per plan resource, in plan order */
  int n;
  HclBody *files[F_COUNT];
  int nblocks[F_COUNT];
  Value *scaled;        /* ids autoscaling targets depend on, built on first use */
  bool failed;
};

/* ---- errors ---- */

static void fail(T *t, Res *x, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(T *t, Res *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(t->a, fmt, ap);
  va_end(ap);
  Pos pos = x ? x->r->origin : (Pos){.file = t->p->m->file, .line = 1, .col = 1};
  diag_error(t->d, pos, NULL, "terraform: %s%s%s", x ? x->r->id : "", x ? ": " : "", msg);
  t->failed = true;
}

/* ---- the resource index ---- */

/* t->res[i] wraps the plan's i-th resource, so the plan's indexes (by
 * identity, by kind) find it. */
static Res *wrap(T *t, const Resource *r) { return &t->res[r->seq]; }

static Res *find(T *t, const char *id) {
  Resource *r = plan_find(t->p, id);
  return r ? wrap(t, r) : NULL;
}

/* ---- values ---- */

/* Room for most references; hcl_ref copies what it is given, so a
 * reference can be made on the stack. */
#define REF_BUF 128

/* x, then sep, then y: the addresses and references made per resource,
 * without printf's cost. In buf (REF_BUF bytes) if given and it fits,
 * else in the arena. */
static const char *join(Arena *a, char *buf, const char *x, char sep, const char *y) {
  size_t nx = strlen(x), ny = strlen(y);
  char *s = buf && nx + ny + 2 <= REF_BUF ? buf : arena_alloc(a, nx + ny + 2);
  memcpy(s, x, nx);
  s[nx] = sep;
  memcpy(s + nx + 1, y, ny + 1);
  return s;
}

/* The traversal a V_REF stands for, in buf (see join); NULL, after a
 * diagnostic, when it has none. */
static const char *ref_text(T *t, Res *from, const Value *v, char *buf) {
  Res *to = find(t, v->ref.res);
  if (!to) {
    fail(t, from, "refers to %s, which is not in the plan", v->ref.res);
    return NULL;
  }
  if (!to->k->type) {
    fail(t, from, "refers to %s, which is no Terraform resource", to->r->id);
    return NULL;
  }
  for (const RefRule *rr = to->k->refs; rr->attr; rr++)
    if (!strcmp(rr->attr, v->ref.attr))
      return join(t->a, buf, to->addr, '.', rr->tf);
  fail(t, from, "cannot refer to attribute '%s' of %s (%s)", v->ref.attr, to->r->id, to->k->type);
  return NULL;
}

static const char *az_text(T *t, int i) { return arena_printf(t->a, AZ_DATA "[%d]", i); }

static HclExpr *tv(T *t, Res *x, const Value *v, int depth);

static HclExpr *concat_expr(T *t, Res *x, const Value *v) {
  HclExpr *e = hcl_tmpl(t->a);
  for (int i = 0; i < v->concat.n; i++) {
    const Value *part = v->concat.parts[i];
    switch (part->kind) {
    case V_STR:
      hcl_tmpl_lit(e, part->s);
      break;
    case V_INT:
      hcl_tmpl_lit(e, arena_printf(t->a, "%lld", part->i));
      break;
    case V_REF: {
      char buf[REF_BUF];
      const char *r = ref_text(t, x, part, buf);
      if (r)
        hcl_tmpl_ref(e, r);
      break;
    }
    case V_AZ:
      hcl_tmpl_ref(e, az_text(t, part->az));
      break;
    default:
      fail(t, x, "a string built from a %s has no Terraform form", val_kind_name(part->kind));
    }
  }
  return e;
}

static HclExpr *tv(T *t, Res *x, const Value *v, int depth) {
  if (!v || depth > 64) {
    fail(t, x, "a value is missing or nested too deeply");
    return hcl_null(t->a);
  }
  switch (v->kind) {
  case V_NULL:
    return hcl_null(t->a);
  case V_BOOL:
    return hcl_bool(t->a, v->b);
  case V_INT:
    return hcl_int(t->a, v->i);
  case V_FLOAT:
    return hcl_num(t->a, v->f);
  case V_STR:
    return hcl_str(t->a, v->s);
  case V_LIST: {
    HclExpr *l = hcl_list(t->a);
    for (int i = 0; i < v->list.n; i++)
      hcl_list_add(l, tv(t, x, v->list.items[i], depth + 1));
    return l;
  }
  case V_MAP: {
    HclExpr *o = hcl_obj(t->a);
    for (int i = 0; i < v->map.n; i++)
      hcl_obj_add(o, v->map.entries[i].key, tv(t, x, v->map.entries[i].val, depth + 1));
    return o;
  }
  case V_REF: {
    char buf[REF_BUF];
    const char *r = ref_text(t, x, v, buf);
    return r ? hcl_ref(t->a, r) : hcl_null(t->a);
  }
  case V_CONCAT:
    return concat_expr(t, x, v);
  case V_AZ:
    return hcl_ref(t->a, az_text(t, v->az));
  }
  return hcl_null(t->a);
}

static HclExpr *jsonencode(T *t, Res *x, const Value *v) {
  return hcl_call(t->a, "jsonencode", tv(t, x, v, 0));
}

static bool has_az(const Value *v, int depth) {
  if (!v || depth > 64)
    return false;
  switch (v->kind) {
  case V_AZ:
    return true;
  case V_LIST:
    for (int i = 0; i < v->list.n; i++)
      if (has_az(v->list.items[i], depth + 1))
        return true;
    return false;
  case V_CONCAT:
    for (int i = 0; i < v->concat.n; i++)
      if (has_az(v->concat.parts[i], depth + 1))
        return true;
    return false;
  case V_MAP:
    for (int i = 0; i < v->map.n; i++)
      if (has_az(v->map.entries[i].val, depth + 1))
        return true;
    return false;
  default:
    return false;
  }
}

/* ---- reading attributes ---- */

/* The attribute 'key' of x, marked as read; NULL when absent. */
static const Value *A(Res *x, const char *key) {
  const Value *m = x->r->attrs;
  for (int i = 0; i < m->map.n; i++)
    if (m->map.entries[i].key[0] == key[0] && !strcmp(m->map.entries[i].key, key)) {
      x->used[i] = true;
      return m->map.entries[i].val;
    }
  return NULL;
}

/* Attributes Terraform has no argument for, read on purpose. */
static void skip(Res *x, const char *key) { (void)A(x, key); }

static bool B(Res *x, const char *key) {
  const Value *v = A(x, key);
  return v && v->kind == V_BOOL && v->b;
}

/* `name = <plan attribute key>` when the plan has it. */
static void put(T *t, Res *x, HclBody *b, const char *name, const char *key) {
  const Value *v = A(x, key);
  if (v)
    hcl_attr(b, name, tv(t, x, v, 0));
}

static void put_str(T *t, HclBody *b, const char *name, const char *s) {
  if (s)
    hcl_attr(b, name, hcl_str(t->a, s));
}

/* A nested map of the plan as a block; 'names' pairs each plan key with
 * its argument name, and a key not listed there is an internal error. */
static void map_block(T *t, Res *x, HclBody *parent, const char *block, const Value *m,
                      const char *const *names) {
  if (!m)
    return;
  if (m->kind != V_MAP) {
    fail(t, x, "%s: expected a map", block);
    return;
  }
  HclBody *b = hcl_block(parent, block, NULL, NULL);
  for (int i = 0; i < m->map.n; i++) {
    const char *key = m->map.entries[i].key, *arg = NULL;
    for (const char *const *q = names; *q && !arg; q += 2)
      if (!strcmp(q[0], key))
        arg = q[1];
    if (!arg)
      fail(t, x, "%s: no Terraform argument for '%s'", block, key);
    else
      hcl_attr(b, arg, tv(t, x, m->map.entries[i].val, 0));
  }
}

/* The Res a reference attribute points at, or NULL. */
static Res *target_of(T *t, const Value *v) {
  return v && v->kind == V_REF ? find(t, v->ref.res) : NULL;
}

/* ---- one function per kind ---- */

static void r_vpc(T *t, Res *x, HclBody *b) {
  put(t, x, b, "cidr_block", "cidr_block");
  put(t, x, b, "enable_dns_support", "enable_dns_support");
  put(t, x, b, "enable_dns_hostnames", "enable_dns_hostnames");
}

static void r_igw(T *t, Res *x, HclBody *b) { put(t, x, b, "vpc_id", "vpc"); }

static void r_subnet(T *t, Res *x, HclBody *b) {
  put(t, x, b, "vpc_id", "vpc");
  put(t, x, b, "cidr_block", "cidr_block");
  put(t, x, b, "availability_zone", "availability_zone");
  put(t, x, b, "map_public_ip_on_launch", "map_public_ip_on_launch");
  /* The tier shows in the Name tag and in which route table serves it. */
  skip(x, "tier");
}

static void r_eip(T *t, Res *x, HclBody *b) {
  put(t, x, b, "domain", "domain");
  /* The static egress address: a BYOIP claim, allocated by address. */
  put(t, x, b, "address", "address");
}

static void r_nat(T *t, Res *x, HclBody *b) {
  /* A reused allocation (eip_allocation) is a plain ID string. */
  put(t, x, b, "allocation_id", "allocation_id");
  put(t, x, b, "subnet_id", "subnet");
  put(t, x, b, "connectivity_type", "connectivity_type");
}

static void r_route_table(T *t, Res *x, HclBody *b) {
  put(t, x, b, "vpc_id", "vpc");
  skip(x, "tier");
}

static void r_route(T *t, Res *x, HclBody *b) {
  put(t, x, b, "route_table_id", "route_table");
  put(t, x, b, "destination_cidr_block", "destination_cidr_block");
  put(t, x, b, "gateway_id", "gateway");
  put(t, x, b, "nat_gateway_id", "nat_gateway");
}

static void r_rt_assoc(T *t, Res *x, HclBody *b) {
  put(t, x, b, "subnet_id", "subnet");
  put(t, x, b, "route_table_id", "route_table");
}

static void r_nacl(T *t, Res *x, HclBody *b) {
  put(t, x, b, "vpc_id", "vpc");
  skip(x, "tier");
}

static void r_nacl_rule(T *t, Res *x, HclBody *b) {
  put(t, x, b, "network_acl_id", "network_acl");
  put(t, x, b, "rule_number", "rule_number");
  put(t, x, b, "egress", "egress");
  put(t, x, b, "protocol", "protocol");
  put(t, x, b, "rule_action", "rule_action");
  put(t, x, b, "cidr_block", "cidr_block");
  put(t, x, b, "from_port", "from_port");
  put(t, x, b, "to_port", "to_port");
}

static void r_nacl_assoc(T *t, Res *x, HclBody *b) {
  put(t, x, b, "network_acl_id", "network_acl");
  put(t, x, b, "subnet_id", "subnet");
}

static void r_log_group(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "retention_in_days", "retention_in_days");
}

static void r_role(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "max_session_duration", "max_session_duration");
  const Value *trust = A(x, "assume_role_policy");
  if (trust)
    hcl_attr(b, "assume_role_policy", jsonencode(t, x, trust));
  /* The trusted account is already the trust policy's principal. */
  skip(x, "trusted_account");
}

static void r_role_policy(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "role", "role");
  const Value *doc = A(x, "policy");
  if (doc)
    hcl_attr(b, "policy", jsonencode(t, x, doc));
}

static void r_flow_log(T *t, Res *x, HclBody *b) {
  put(t, x, b, "vpc_id", "vpc");
  put(t, x, b, "traffic_type", "traffic_type");
  put(t, x, b, "log_destination_type", "log_destination_type");
  put(t, x, b, "log_destination", "log_destination");
  put(t, x, b, "iam_role_arn", "iam_role");
  put(t, x, b, "max_aggregation_interval", "max_aggregation_interval");
}

static void r_endpoint(T *t, Res *x, HclBody *b) {
  put(t, x, b, "vpc_id", "vpc");
  put(t, x, b, "service_name", "service_name");
  put(t, x, b, "vpc_endpoint_type", "vpc_endpoint_type");
  put(t, x, b, "route_table_ids", "route_tables");
  put(t, x, b, "subnet_ids", "subnets");
  put(t, x, b, "security_group_ids", "security_groups");
  put(t, x, b, "private_dns_enabled", "private_dns_enabled");
}

static void r_sg(T *t, Res *x, HclBody *b) {
  /* No inline rules: Terraform removes the default allow-all egress of a
   * new group, and the rules are resources of their own. */
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "description", "description");
  put(t, x, b, "vpc_id", "vpc");
}

static void r_sg_rule(T *t, Res *x, HclBody *b) {
  put(t, x, b, "security_group_id", "security_group");
  skip(x, "direction");
  put(t, x, b, "ip_protocol", "protocol");
  put(t, x, b, "from_port", "from_port");
  put(t, x, b, "to_port", "to_port");
  const Value *cidr = A(x, "cidr_block");
  if (cidr)
    hcl_attr(b, cidr->kind == V_STR && strchr(cidr->s, ':') ? "cidr_ipv6" : "cidr_ipv4", tv(t, x, cidr, 0));
  put(t, x, b, "referenced_security_group_id", "peer_security_group");
  put(t, x, b, "description", "description");
}

static void r_lb(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "load_balancer_type", "load_balancer_type");
  put(t, x, b, "internal", "internal");
  put(t, x, b, "security_groups", "security_groups");
  put(t, x, b, "subnets", "subnets");
  put(t, x, b, "enable_deletion_protection", "deletion_protection");
  put(t, x, b, "drop_invalid_header_fields", "drop_invalid_header_fields");
  put(t, x, b, "idle_timeout", "idle_timeout");
}

static const char *const HEALTH_CHECK[] = {
    "path", "path", "protocol", "protocol", "matcher", "matcher", "interval", "interval",
    "timeout", "timeout", "healthy_threshold", "healthy_threshold", "unhealthy_threshold",
    "unhealthy_threshold", "port", "port", NULL,
};

static void r_tg(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "port", "port");
  put(t, x, b, "protocol", "protocol");
  put(t, x, b, "target_type", "target_type");
  put(t, x, b, "vpc_id", "vpc");
  put(t, x, b, "deregistration_delay", "deregistration_delay");
  hcl_gap(b);
  map_block(t, x, b, "health_check", A(x, "health_check"), HEALTH_CHECK);
}

/* A listener action: `type`, and the rest in the block its type names
 * (redirect, fixed_response). */
static void action_block(T *t, Res *x, HclBody *parent, const char *block, const Value *act) {
  if (!act || act->kind != V_MAP) {
    fail(t, x, "%s: expected a map", block);
    return;
  }
  const Value *type = val_get(act, "type");
  if (!type || type->kind != V_STR) {
    fail(t, x, "%s has no type", block);
    return;
  }
  HclBody *b = hcl_block(parent, block, NULL, NULL);
  hcl_attr(b, "type", hcl_str(t->a, type->s));
  static const char *const REDIRECT[] = {"port", "port", "protocol", "protocol", "status_code", "status_code",
                                         "host", "host", "path", "path", "query", "query", NULL};
  static const char *const FIXED[] = {"status_code", "status_code", "content_type", "content_type",
                                      "message_body", "message_body", NULL};
  const char *const *names = !strcmp(type->s, "redirect") ? REDIRECT : !strcmp(type->s, "fixed-response") ? FIXED : NULL;
  if (!names) {
    fail(t, x, "%s: unknown action type '%s'", block, type->s);
    return;
  }
  Value *rest = val_map(t->a);
  for (int i = 0; i < act->map.n; i++)
    if (strcmp(act->map.entries[i].key, "type"))
      val_set(t->a, rest, act->map.entries[i].key, act->map.entries[i].val);
  hcl_gap(b);
  map_block(t, x, b, names == REDIRECT ? "redirect" : "fixed_response", rest, names);
}

static void r_listener(T *t, Res *x, HclBody *b) {
  put(t, x, b, "load_balancer_arn", "load_balancer");
  put(t, x, b, "port", "port");
  put(t, x, b, "protocol", "protocol");
  put(t, x, b, "certificate_arn", "certificate_arn");
  put(t, x, b, "ssl_policy", "ssl_policy");
  hcl_gap(b);
  action_block(t, x, b, "default_action", A(x, "default_action"));
}

static void r_listener_rule(T *t, Res *x, HclBody *b) {
  put(t, x, b, "listener_arn", "listener");
  put(t, x, b, "priority", "priority");
  hcl_gap(b);
  const Value *tg = A(x, "target_group");
  if (tg) {
    HclBody *act = hcl_block(b, "action", NULL, NULL);
    hcl_attr(act, "type", hcl_str(t->a, "forward"));
    hcl_attr(act, "target_group_arn", tv(t, x, tg, 0));
  }
  const Value *paths = A(x, "path_patterns");
  if (paths) {
    hcl_gap(b);
    HclBody *cond = hcl_block(b, "condition", NULL, NULL);
    HclBody *pp = hcl_block(cond, "path_pattern", NULL, NULL);
    hcl_attr(pp, "values", tv(t, x, paths, 0));
  }
}

static void r_cluster(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  hcl_gap(b);
  HclBody *s = hcl_block(b, "setting", NULL, NULL);
  hcl_attr(s, "name", hcl_str(t->a, "containerInsights"));
  hcl_attr(s, "value", hcl_str(t->a, B(x, "container_insights") ? "enabled" : "disabled"));
}

static void r_task_def(T *t, Res *x, HclBody *b) {
  put_str(t, b, "family", x->r->name);
  const Value *lt = A(x, "launch_type");
  if (lt) {
    HclExpr *l = hcl_list(t->a);
    hcl_list_add(l, tv(t, x, lt, 0));
    hcl_attr(b, "requires_compatibilities", l);
  }
  put(t, x, b, "network_mode", "network_mode");
  put(t, x, b, "cpu", "cpu");
  put(t, x, b, "memory", "memory");
  put(t, x, b, "execution_role_arn", "execution_role");
  put(t, x, b, "task_role_arn", "task_role");
  const Value *cds = A(x, "containers");
  if (cds)
    hcl_attr(b, "container_definitions", jsonencode(t, x, cds));
  const Value *os = A(x, "operating_system_family"), *arch = A(x, "cpu_architecture");
  if (os || arch) {
    hcl_gap(b);
    HclBody *rp = hcl_block(b, "runtime_platform", NULL, NULL);
    if (os)
      hcl_attr(rp, "operating_system_family", tv(t, x, os, 0));
    if (arch)
      hcl_attr(rp, "cpu_architecture", tv(t, x, arch, 0));
  }
  const Value *vols = A(x, "volumes");
  static const char *const VOLUME[] = {"name", "name", NULL};
  for (int i = 0; vols && vols->kind == V_LIST && i < vols->list.n; i++) {
    hcl_gap(b);
    map_block(t, x, b, "volume", vols->list.items[i], VOLUME);
  }
}

/* Whether an autoscaling target scales this service: then Terraform must
 * leave desired_count to it after creation. */
static bool autoscaled(T *t, Res *svc) {
  /* one pass over the targets, then a lookup per service: scanning every
   * resource per service was quadratic on large specs */
  if (!t->scaled) {
    t->scaled = val_map(t->a);
    Resource **rs;
    int n = plan_of_kind(t->p, "autoscaling_target", &rs);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < rs[i]->deps.len; k++)
        val_set(t->a, t->scaled, rs[i]->deps.items[k], val_bool(t->a, true));
  }
  return val_get(t->scaled, svc->r->id) != NULL;
}

static void r_service(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "cluster", "cluster");
  put(t, x, b, "task_definition", "task_definition");
  put(t, x, b, "desired_count", "desired_count");
  put(t, x, b, "launch_type", "launch_type");
  put(t, x, b, "platform_version", "platform_version");
  put(t, x, b, "deployment_minimum_healthy_percent", "deployment_minimum_healthy_percent");
  put(t, x, b, "deployment_maximum_percent", "deployment_maximum_percent");
  put(t, x, b, "health_check_grace_period_seconds", "health_check_grace_period");
  put(t, x, b, "propagate_tags", "propagate_tags");
  put(t, x, b, "enable_execute_command", "enable_execute_command");
  hcl_gap(b);
  HclBody *nc = hcl_block(b, "network_configuration", NULL, NULL);
  put(t, x, nc, "subnets", "subnets");
  put(t, x, nc, "security_groups", "security_groups");
  put(t, x, nc, "assign_public_ip", "assign_public_ip");
  hcl_gap(b);
  bool cb = B(x, "deployment_circuit_breaker");
  HclBody *dcb = hcl_block(b, "deployment_circuit_breaker", NULL, NULL);
  hcl_attr(dcb, "enable", hcl_bool(t->a, cb));
  hcl_attr(dcb, "rollback", hcl_bool(t->a, cb));
  static const char *const LB[] = {"target_group", "target_group_arn", "container_name", "container_name",
                                   "container_port", "container_port", NULL};
  const Value *lb = A(x, "load_balancer");
  if (lb) {
    hcl_gap(b);
    map_block(t, x, b, "load_balancer", lb, LB);
  }
}

static void r_scalable_target(T *t, Res *x, HclBody *b) {
  put(t, x, b, "service_namespace", "service_namespace");
  put(t, x, b, "resource_id", "resource_id");
  put(t, x, b, "scalable_dimension", "scalable_dimension");
  put(t, x, b, "min_capacity", "min_capacity");
  put(t, x, b, "max_capacity", "max_capacity");
}

static void r_scaling_policy(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "policy_type", "policy_type");
  /* The policy names its target by the target's own resource ID,
   * namespace and dimension: reading them from the target resource is
   * what links the two in Terraform. */
  Res *target = target_of(t, A(x, "target"));
  if (target && target->k->type && !strcmp(target->r->kind, "autoscaling_target")) {
    char buf[REF_BUF];
    hcl_attr(b, "service_namespace", hcl_ref(t->a, join(t->a, buf, target->addr, '.', "service_namespace")));
    hcl_attr(b, "resource_id", hcl_ref(t->a, join(t->a, buf, target->addr, '.', "resource_id")));
    hcl_attr(b, "scalable_dimension", hcl_ref(t->a, join(t->a, buf, target->addr, '.', "scalable_dimension")));
    skip(x, "service_namespace");
    skip(x, "resource_id");
    skip(x, "scalable_dimension");
  } else {
    put(t, x, b, "service_namespace", "service_namespace");
    put(t, x, b, "resource_id", "resource_id");
    put(t, x, b, "scalable_dimension", "scalable_dimension");
  }
  hcl_gap(b);
  HclBody *tt = hcl_block(b, "target_tracking_scaling_policy_configuration", NULL, NULL);
  put(t, x, tt, "target_value", "target_value");
  put(t, x, tt, "scale_in_cooldown", "scale_in_cooldown");
  put(t, x, tt, "scale_out_cooldown", "scale_out_cooldown");
  const Value *metric = A(x, "metric");
  if (metric) {
    hcl_gap(tt);
    HclBody *pm = hcl_block(tt, "predefined_metric_specification", NULL, NULL);
    hcl_attr(pm, "predefined_metric_type", tv(t, x, metric, 0));
  }
}

static void r_db_subnet_group(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "description", "description");
  put(t, x, b, "subnet_ids", "subnets");
}

static void r_db(T *t, Res *x, HclBody *b) {
  put_str(t, b, "identifier", x->r->name);
  put(t, x, b, "engine", "engine");
  put(t, x, b, "engine_version", "engine_version");
  put(t, x, b, "instance_class", "instance_class");
  put(t, x, b, "allocated_storage", "allocated_storage");
  put(t, x, b, "max_allocated_storage", "max_allocated_storage");
  put(t, x, b, "storage_type", "storage_type");
  put(t, x, b, "storage_encrypted", "storage_encrypted");
  put(t, x, b, "multi_az", "multi_az");
  hcl_gap(b);
  put(t, x, b, "username", "username");
  /* The master password lives in Secrets Manager, managed by RDS: it is
   * never in the configuration or the state. */
  put(t, x, b, "manage_master_user_password", "manage_master_user_password");
  put(t, x, b, "iam_database_authentication_enabled", "iam_database_authentication_enabled");
  put(t, x, b, "port", "port");
  hcl_gap(b);
  put(t, x, b, "db_subnet_group_name", "db_subnet_group");
  put(t, x, b, "vpc_security_group_ids", "security_groups");
  put(t, x, b, "publicly_accessible", "publicly_accessible");
  hcl_gap(b);
  put(t, x, b, "backup_retention_period", "backup_retention_period");
  put(t, x, b, "copy_tags_to_snapshot", "copy_tags_to_snapshot");
  put(t, x, b, "final_snapshot_identifier", "final_snapshot_identifier");
  put(t, x, b, "deletion_protection", "deletion_protection");
  put(t, x, b, "auto_minor_version_upgrade", "auto_minor_version_upgrade");
  put(t, x, b, "enabled_cloudwatch_logs_exports", "cloudwatch_logs_exports");
}

static const char *const ATTRIBUTE[] = {"name", "name", "type", "type", NULL};
static const char *const GSI[] = {
    "name", "name", "hash_key", "hash_key", "range_key", "range_key", "projection_type", "projection_type",
    "read_capacity", "read_capacity", "write_capacity", "write_capacity", "non_key_attributes",
    "non_key_attributes", NULL,
};

static void r_table(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "billing_mode", "billing_mode");
  put(t, x, b, "read_capacity", "read_capacity");
  put(t, x, b, "write_capacity", "write_capacity");
  put(t, x, b, "hash_key", "hash_key");
  put(t, x, b, "range_key", "range_key");
  put(t, x, b, "deletion_protection_enabled", "deletion_protection");
  const Value *stream = A(x, "stream_view_type");
  if (stream) {
    hcl_attr(b, "stream_enabled", hcl_bool(t->a, true));
    hcl_attr(b, "stream_view_type", tv(t, x, stream, 0));
  }
  const Value *attrs = A(x, "attributes");
  for (int i = 0; attrs && attrs->kind == V_LIST && i < attrs->list.n; i++) {
    hcl_gap(b);
    map_block(t, x, b, "attribute", attrs->list.items[i], ATTRIBUTE);
  }
  const Value *gsis = A(x, "global_secondary_indexes");
  for (int i = 0; gsis && gsis->kind == V_LIST && i < gsis->list.n; i++) {
    hcl_gap(b);
    map_block(t, x, b, "global_secondary_index", gsis->list.items[i], GSI);
  }
  const Value *ttl = A(x, "ttl_attribute");
  if (ttl) {
    hcl_gap(b);
    HclBody *tb = hcl_block(b, "ttl", NULL, NULL);
    hcl_attr(tb, "attribute_name", tv(t, x, ttl, 0));
    hcl_attr(tb, "enabled", hcl_bool(t->a, true));
  }
  hcl_gap(b);
  HclBody *pitr = hcl_block(b, "point_in_time_recovery", NULL, NULL);
  hcl_attr(pitr, "enabled", hcl_bool(t->a, B(x, "point_in_time_recovery")));
  hcl_gap(b);
  HclBody *sse = hcl_block(b, "server_side_encryption", NULL, NULL);
  hcl_attr(sse, "enabled", hcl_bool(t->a, B(x, "server_side_encryption")));
}

static void r_ecr(T *t, Res *x, HclBody *b) {
  put_str(t, b, "name", x->r->name);
  put(t, x, b, "image_tag_mutability", "image_tag_mutability");
  hcl_gap(b);
  HclBody *scan = hcl_block(b, "image_scanning_configuration", NULL, NULL);
  hcl_attr(scan, "scan_on_push", hcl_bool(t->a, B(x, "scan_on_push")));
  const Value *enc = A(x, "encryption_type");
  if (enc) {
    hcl_gap(b);
    HclBody *eb = hcl_block(b, "encryption_configuration", NULL, NULL);
    hcl_attr(eb, "encryption_type", tv(t, x, enc, 0));
  }
}

static void r_ecr_lifecycle(T *t, Res *x, HclBody *b) {
  put(t, x, b, "repository", "repository");
  const Value *pol = A(x, "policy");
  if (pol)
    hcl_attr(b, "policy", jsonencode(t, x, pol));
}

/* ORDER: one row per plan kind (docs/plan.md); `tags` as the AWS
 * provider's schema has it (tests/terraform/schema/aws-schema.json). */
static const Kind KINDS[] = {
    {"vpc", "aws_vpc", F_NETWORK, true, NULL, r_vpc, {{"id", "id"}}},
    {"internet_gateway", "aws_internet_gateway", F_NETWORK, true, NULL, r_igw, {{"id", "id"}}},
    {"subnet", "aws_subnet", F_NETWORK, true, NULL, r_subnet, {{"id", "id"}}},
    {"eip", "aws_eip", F_NETWORK, true, NULL, r_eip, {{"allocation_id", "allocation_id"}, {"public_ip", "public_ip"}}},
    {"nat_gateway", "aws_nat_gateway", F_NETWORK, true, NULL, r_nat, {{"id", "id"}, {"public_ip", "public_ip"}}},
    {"route_table", "aws_route_table", F_NETWORK, true, NULL, r_route_table, {{"id", "id"}}},
    {"route", "aws_route", F_NETWORK, false, NULL, r_route, {{"id", "id"}}},
    {"route_table_association", "aws_route_table_association", F_NETWORK, false, NULL, r_rt_assoc, {{"id", "id"}}},
    {"network_acl", "aws_network_acl", F_NETWORK, true, NULL, r_nacl, {{"id", "id"}}},
    {"network_acl_rule", "aws_network_acl_rule", F_NETWORK, false, NULL, r_nacl_rule, {{"id", "id"}}},
    {"network_acl_association", "aws_network_acl_association", F_NETWORK, false, NULL, r_nacl_assoc, {{"id", "id"}}},
    {"log_group", "aws_cloudwatch_log_group", F_FOLLOW, true, NULL, r_log_group, {{"name", "name"}, {"arn", "arn"}}},
    {"iam_role", "aws_iam_role", F_IAM, true, NULL, r_role, {{"name", "name"}, {"arn", "arn"}, {"id", "unique_id"}}},
    {"iam_role_policy", "aws_iam_role_policy", F_IAM, false, NULL, r_role_policy, {{"id", "id"}}},
    {"flow_log", "aws_flow_log", F_NETWORK, true, NULL, r_flow_log, {{"id", "id"}, {"arn", "arn"}}},
    {"vpc_endpoint", "aws_vpc_endpoint", F_NETWORK, true, NULL, r_endpoint, {{"id", "id"}, {"arn", "arn"}}},
    {"security_group", "aws_security_group", F_FOLLOW, true, NULL, r_sg, {{"id", "id"}, {"arn", "arn"}}},
    {"security_group_rule", "aws_vpc_security_group_ingress_rule", F_FOLLOW, true, NULL, r_sg_rule, {{"id", "id"}}},
    {"load_balancer", "aws_lb", F_LB, true, NULL, r_lb,
     {{"arn", "arn"}, {"dns_name", "dns_name"}, {"name", "name"}, {"zone_id", "zone_id"}, {"arn_suffix", "arn_suffix"}}},
    {"target_group", "aws_lb_target_group", F_LB, true, NULL, r_tg,
     {{"arn", "arn"}, {"name", "name"}, {"arn_suffix", "arn_suffix"}}},
    {"listener", "aws_lb_listener", F_LB, true, "port", r_listener, {{"arn", "arn"}}},
    {"listener_rule", "aws_lb_listener_rule", F_LB, true, "port", r_listener_rule, {{"arn", "arn"}}},
    {"ecs_cluster", "aws_ecs_cluster", F_SERVICES, true, NULL, r_cluster, {{"name", "name"}, {"arn", "arn"}}},
    {"task_definition", "aws_ecs_task_definition", F_SERVICES, true, NULL, r_task_def,
     {{"arn", "arn"}, {"family", "family"}}},
    {"ecs_service", "aws_ecs_service", F_SERVICES, true, NULL, r_service, {{"name", "name"}, {"arn", "arn"}}},
    {"autoscaling_target", "aws_appautoscaling_target", F_SERVICES, true, NULL, r_scalable_target,
     {{"id", "id"}, {"arn", "arn"}}},
    {"autoscaling_policy", "aws_appautoscaling_policy", F_SERVICES, false, NULL, r_scaling_policy, {{"arn", "arn"}}},
    {"db_subnet_group", "aws_db_subnet_group", F_DATABASES, true, NULL, r_db_subnet_group, {{"name", "name"}}},
    {"db_instance", "aws_db_instance", F_DATABASES, true, NULL, r_db,
     {{"id", "identifier"}, {"endpoint", "endpoint"}, {"address", "address"}, {"port", "port"},
      {"resource_id", "resource_id"}, {"arn", "arn"}}},
    {"dynamodb_table", "aws_dynamodb_table", F_TABLES, true, NULL, r_table,
     {{"name", "name"}, {"arn", "arn"}, {"stream_arn", "stream_arn"}}},
    {"ecr_repository", "aws_ecr_repository", F_REGISTRIES, true, NULL, r_ecr,
     {{"name", "name"}, {"arn", "arn"}, {"url", "repository_url"}}},
    {"ecr_lifecycle_policy", "aws_ecr_lifecycle_policy", F_REGISTRIES, false, NULL, r_ecr_lifecycle, {{0}}},
    {"trusted_policy", NULL, F_OUTPUTS, false, NULL, NULL, {{0}}},
    {NULL, NULL, 0, false, NULL, NULL, {{0}}},
};

static const Kind SG_EGRESS = {"security_group_rule", "aws_vpc_security_group_egress_rule", F_FOLLOW, true, NULL,
                               r_sg_rule, {{"id", "id"}}};

static const Kind *kind_of(const Resource *r) {
  if (!strcmp(r->kind, "security_group_rule")) {
    const Value *d = val_get(r->attrs, "direction");
    if (d && d->kind == V_STR && !strcmp(d->s, "egress"))
      return &SG_EGRESS;
  }
  for (const Kind *k = KINDS; k->kind; k++)
    if (k->kind[0] == r->kind[0] && !strcmp(k->kind, r->kind))
      return k;
  return NULL;
}

/* ---- addresses and files ---- */

static int cmp_addr(const void *x, const void *y) {
  const Res *const *a = x, *const *b = y;
  return strcmp((*a)->addr, (*b)->addr);
}

/* A resource or output name in Terraform's convention, lower snake case
 * [a-z0-9_], made from 's' alone. Words of [a-z0-9], the first starting
 * with a letter, joined by single underscores or hyphens, are kept, the
 * hyphens written as underscores (ecr-push: ecr_push), as an engineer
 * would name them by hand. Anything else (Orders.v2, 2fa.codes, a__b)
 * becomes its words in lower case, with a leading '_' before a digit,
 * then "__" and the stable hash of 's': orders_v2__<hash>. A kept name
 * never holds "__", so it never meets a hashed one; two keys that differ
 * only by '-' and '_' (ecr-push, ecr_push) do meet, and assign_addresses
 * refuses the spec rather than rename either. */
static const char *snake_name(Arena *a, const char *s) {
  bool kept = *s >= 'a' && *s <= 'z';
  for (const char *q = s; *q && kept; q++)
    kept = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
           ((*q == '_' || *q == '-') && q[1] && q[1] != '_' && q[1] != '-');
  if (kept && !strchr(s, '-'))
    return s;
  if (kept) {
    char *out = arena_strdup(a, s);
    for (char *q = out; *q; q++)
      if (*q == '-')
        *q = '_';
    return out;
  }
  char *out = arena_alloc(a, strlen(s) + 10);
  size_t k = 0;
  for (const char *q = s; *q; q++) {
    char ch = *q >= 'A' && *q <= 'Z' ? (char)(*q + 32) : *q;
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
      if (!k && ch <= '9')
        out[k++] = '_';
      out[k++] = ch;
    } else if (k && out[k - 1] != '_') {
      out[k++] = '_';
    }
  }
  while (k && out[k - 1] == '_')
    k--;
  char h[7];
  name_hash(s, h);
  memcpy(out + k, "__", 2);
  memcpy(out + k + 2, h, 7);
  return out;
}

/* Whether two of all[0..n) share an address: one pass over a hash set,
 * so a large plan is not sorted just to learn that none do. */
static bool any_shared_addr(T *t, Res **all, int n) {
  size_t cap = 16;
  while (cap < 2 * (size_t)n)
    cap *= 2;
  Res **slot = arena_alloc(t->a, sizeof *slot * cap);
  for (int i = 0; i < n; i++) {
    size_t h = hash_fnv1a(all[i]->addr) & (cap - 1);
    for (; slot[h]; h = (h + 1) & (cap - 1))
      if (!strcmp(slot[h]->addr, all[i]->addr))
        return true;
    slot[h] = all[i];
  }
  return false;
}

/* Labels from plan keys, each from its own key alone (snake_name); two
 * that still meet (a hash collision) would be one address, which must
 * never happen silently. */
static void assign_addresses(T *t) {
  Res **all = arena_alloc(t->a, sizeof(Res *) * (size_t)(t->n + 1));
  int n = 0;
  for (int i = 0; i < t->n; i++) {
    Res *x = &t->res[i];
    if (!x->k->type)
      continue;
    const char *key = x->k->prefix ? join(t->a, NULL, x->k->prefix, '_', x->r->key) : x->r->key;
    x->label = snake_name(t->a, key);
    x->addr = join(t->a, NULL, x->k->type, '.', x->label);
    all[n++] = x;
  }
  if (!any_shared_addr(t, all, n))
    return;
  qsort(all, (size_t)n, sizeof *all, cmp_addr);
  for (int i = 1; i < n; i++)
    if (!strcmp(all[i - 1]->addr, all[i]->addr))
      fail(t, all[i], "its Terraform address %s is also the address of %s; rename one of the two keys",
           all[i]->addr, all[i - 1]->r->id);
}

/* A security group or log group goes to the file of the first resource
 * (in plan order) that uses it, not counting IAM, whose documents name
 * many; a rule goes with its group. */
static void assign_files(T *t) {
  for (int i = 0; i < t->n; i++)
    t->res[i].file = t->res[i].k->file;
  for (int i = 0; i < t->n; i++) {
    Res *user = &t->res[i];
    if (user->file == F_FOLLOW || user->file == F_IAM || user->file == F_OUTPUTS)
      continue;
    for (int k = 0; k < user->r->deps.len; k++) {
      Res *dep = find(t, user->r->deps.items[k]);
      if (dep && dep->file == F_FOLLOW && strcmp(dep->r->kind, "security_group_rule"))
        dep->file = user->file;
    }
  }
  for (int i = 0; i < t->n; i++) {
    Res *x = &t->res[i];
    if (x->file != F_FOLLOW)
      continue;
    if (!strcmp(x->r->kind, "security_group_rule")) {
      Res *sg = target_of(t, val_get(x->r->attrs, "security_group"));
      x->file = sg && sg->file != F_FOLLOW ? sg->file : F_NETWORK;
    } else {
      x->file = F_NETWORK;
    }
  }
}

static HclBody *file_body(T *t, int f) {
  t->nblocks[f]++;
  return t->files[f];
}

/* ---- resources ---- */

/* A plan attribute no renderer read would be dropped without a word. */
static void unread(T *t, Res *x) {
  const Value *m = x->r->attrs;
  for (int i = 0; i < m->map.n; i++)
    if (!x->used[i])
      fail(t, x, "attribute '%s' has no Terraform form", m->map.entries[i].key);
}

static void render(T *t, Res *x) {
  HclBody *b = hcl_block(file_body(t, x->file), "resource", x->k->type, x->label);
  x->k->render(t, x, b);
  if (x->k->tags && x->r->taggable && x->r->name) {
    HclExpr *tags = hcl_obj(t->a);
    hcl_obj_add(tags, "Name", hcl_str(t->a, x->r->name));
    hcl_gap(b);
    hcl_attr(b, "tags", tags);
  }
  if (!strcmp(x->r->kind, "ecs_service") && autoscaled(t, x)) {
    hcl_gap(b);
    HclBody *lc = hcl_block(b, "lifecycle", NULL, NULL);
    HclExpr *ign = hcl_list(t->a);
    hcl_list_add(ign, hcl_ref(t->a, "desired_count"));
    hcl_attr(lc, "ignore_changes", ign);
  }
  if (x->r->after.len) {
    HclExpr *deps = hcl_list(t->a);
    for (int i = 0; i < x->r->after.len; i++) {
      Res *dep = find(t, x->r->after.items[i]);
      if (!dep || !dep->k->type)
        fail(t, x, "must wait for %s, which is no Terraform resource", (const char *)x->r->after.items[i]);
      else
        hcl_list_add(deps, hcl_ref(t->a, dep->addr));
    }
    hcl_gap(b);
    hcl_attr(b, "depends_on", deps);
  }
  unread(t, x);
}

/* ---- outputs ---- */

static void output(T *t, const char *name, const char *desc, HclExpr *value) {
  HclBody *o = hcl_block(file_body(t, F_OUTPUTS), "output", name, NULL);
  hcl_attr(o, "description", hcl_str(t->a, desc));
  hcl_attr(o, "value", value);
}

static HclExpr *attr_ref(T *t, Res *x, const char *attr) {
  char buf[REF_BUF];
  return hcl_ref(t->a, join(t->a, buf, x->addr, '.', attr));
}

/* A map output keyed by plan key, over one kind; NULL when none. */
static HclExpr *by_key(T *t, const char *kind, const char *attr) {
  HclExpr *o = NULL;
  Resource **rs;
  int n = plan_of_kind(t->p, kind, &rs);
  for (int i = 0; i < n; i++) {
    Res *x = wrap(t, rs[i]);
    if (!x->k->type)
      continue;
    if (!o)
      o = hcl_obj(t->a);
    hcl_obj_add(o, x->r->key, attr_ref(t, x, attr));
  }
  return o;
}

static void outputs(T *t) {
  Resource **rs;
  int n = plan_of_kind(t->p, "vpc", &rs);
  if (n)
    output(t, "vpc_id", "The VPC.", attr_ref(t, wrap(t, rs[0]), "id"));
  static const char *const TIERS[] = {"public", "private", "isolated"};
  for (int k = 0; k < 3; k++) {
    HclExpr *l = NULL;
    n = plan_of_kind(t->p, "subnet", &rs);
    for (int i = 0; i < n; i++) {
      Res *x = wrap(t, rs[i]);
      const Value *tier = val_get(x->r->attrs, "tier");
      if (!tier || tier->kind != V_STR || strcmp(tier->s, TIERS[k]))
        continue;
      if (!l)
        l = hcl_list(t->a);
      hcl_list_add(l, attr_ref(t, x, "id"));
    }
    if (l)
      output(t, arena_printf(t->a, "%s_subnet_ids", TIERS[k]),
             arena_printf(t->a, "The %s subnets, in availability-zone order.", TIERS[k]), l);
  }
  HclExpr *nat = NULL;
  n = plan_of_kind(t->p, "nat_gateway", &rs);
  for (int i = 0; i < n; i++) {
    if (!nat)
      nat = hcl_list(t->a);
    hcl_list_add(nat, attr_ref(t, wrap(t, rs[i]), "public_ip"));
  }
  if (nat)
    output(t, "nat_public_ips", "The public addresses the private subnets reach the internet from.", nat);
  n = plan_of_kind(t->p, "load_balancer", &rs);
  for (int i = 0; i < n; i++) {
    Res *x = wrap(t, rs[i]);
    const char *name = !strcmp(x->r->key, "main") ? "load_balancer_dns_name"
                                                  : arena_printf(t->a, "load_balancer_%s_dns_name", x->label);
    output(t, name, "The DNS name of the load balancer.", attr_ref(t, x, "dns_name"));
  }
  HclExpr *v;
  if ((v = by_key(t, "db_instance", "endpoint")))
    output(t, "database_endpoints", "Each database's endpoint (address:port), by database.", v);
  if ((v = by_key(t, "db_instance", "master_user_secret[0].secret_arn")))
    output(t, "database_master_user_secret_arns",
           "The Secrets Manager secret holding each database's master password, by database.", v);
  if ((v = by_key(t, "dynamodb_table", "arn")))
    output(t, "table_arns", "Each DynamoDB table's ARN, by table.", v);
  if ((v = by_key(t, "ecr_repository", "repository_url")))
    output(t, "registry_urls", "Each ECR repository's URL, by registry.", v);
  HclExpr *roles = NULL;
  n = plan_of_kind(t->p, "iam_role", &rs);
  for (int i = 0; i < n; i++) {
    Res *x = wrap(t, rs[i]);
    if (!x->r->name)
      continue;
    if (!roles)
      roles = hcl_obj(t->a);
    hcl_obj_add(roles, x->r->name, attr_ref(t, x, "arn"));
  }
  if (roles)
    output(t, "role_arns", "Each IAM role's ARN, by role name.", roles);
  /* Documents for other accounts: what each trusted account attaches to
   * its principal so that it may assume the role. */
  n = plan_of_kind(t->p, "trusted_policy", &rs);
  for (int i = 0; i < n; i++) {
    Res *x = wrap(t, rs[i]);
    const Value *account = A(x, "account"), *principal = A(x, "principal"), *doc = A(x, "policy");
    const char *key = x->r->key;
    const char *name = snake_name(t->a, arena_printf(t->a, "trusted_policy_%s", key));
    const char *desc = arena_printf(
        t->a, "The identity policy %s (account %s) needs to assume its role: attach it in that account.",
        principal && principal->kind == V_STR ? principal->s : "the trusted principal",
        account && account->kind == V_STR ? account->s : "?");
    if (doc)
      output(t, name, desc, jsonencode(t, x, doc));
    unread(t, x);
  }
}

/* ---- the skeleton: versions, providers, backend ---- */

static void bad_template(T *t, const Value *at, const char *path, const char *what) {
  diag_error(t->d, at->pos, path, "expected %s (template %s)", what, TMPL);
  t->failed = true;
}

/* The template value at 'key', which must be of kind 'want'. */
static Value *setting(T *t, Value *root, const char *key, VKind want, const char *what) {
  Value *v = val_get(root, key);
  if (!v || v->kind != want) {
    bad_template(t, v ? v : root, key, what);
    return NULL;
  }
  return v;
}

static void skeleton(T *t) {
  Model *m = t->p->m;
  Value *root = tmpl_get(t->a, t->d, TMPL);
  if (!root || root->kind != V_MAP) {
    if (root)
      bad_template(t, root, NULL, "a map");
    t->failed = true;
    return;
  }
  Value *version = setting(t, root, "required_version", V_STR, "a version constraint string");
  Value *providers = setting(t, root, "required_providers", V_MAP, "a map of providers");
  Value *backend = setting(t, root, "backend", V_MAP, "a map of S3 backend settings");

  HclBody *tf = hcl_block(file_body(t, F_VERSIONS), "terraform", NULL, NULL);
  if (version)
    hcl_attr(tf, "required_version", hcl_str(t->a, version->s));
  hcl_gap(tf);
  HclBody *rp = hcl_block(tf, "required_providers", NULL, NULL);
  for (int i = 0; providers && i < providers->map.n; i++) {
    const MapEntry *e = &providers->map.entries[i];
    const Value *src = e->val->kind == V_MAP ? val_get(e->val, "source") : NULL;
    const Value *ver = e->val->kind == V_MAP ? val_get(e->val, "version") : NULL;
    const char *path = arena_printf(t->a, "required_providers.%s", e->key);
    if (!hcl_is_ident(e->key) || !src || src->kind != V_STR || !ver || ver->kind != V_STR) {
      bad_template(t, e->val, path, "a provider name with a source and a version string");
      continue;
    }
    HclExpr *o = hcl_obj(t->a);
    hcl_obj_add(o, "source", hcl_str(t->a, src->s));
    hcl_obj_add(o, "version", hcl_str(t->a, ver->s));
    hcl_attr(rp, e->key, o);
  }
  if (providers && !val_get(providers, "aws"))
    bad_template(t, providers, "required_providers", "the aws provider among them");

  HclBody *prov = hcl_block(file_body(t, F_PROVIDERS), "provider", "aws", NULL);
  hcl_attr(prov, "region", hcl_str(t->a, m->region));
  if (m->account) {
    /* A plan made for one account never applies to another. */
    HclExpr *ids = hcl_list(t->a);
    hcl_list_add(ids, hcl_str(t->a, m->account));
    hcl_attr(prov, "allowed_account_ids", ids);
  }
  if (m->ntags) {
    HclExpr *tags = hcl_obj(t->a);
    for (int i = 0; i < m->ntags; i++)
      hcl_obj_add(tags, m->tags[i].key, hcl_str(t->a, m->tags[i].value));
    hcl_gap(prov);
    HclBody *dt = hcl_block(prov, "default_tags", NULL, NULL);
    hcl_attr(dt, "tags", tags);
  }

  if (m->state) {
    HclBody *tb = hcl_block(file_body(t, F_BACKEND), "terraform", NULL, NULL);
    HclBody *s3 = hcl_block(tb, "backend", "s3", NULL);
    hcl_attr(s3, "bucket", hcl_str(t->a, m->state->bucket));
    hcl_attr(s3, "key", hcl_str(t->a, m->state->key));
    hcl_attr(s3, "region", hcl_str(t->a, m->region));
    for (int i = 0; backend && i < backend->map.n; i++) {
      const MapEntry *e = &backend->map.entries[i];
      if (!hcl_is_ident(e->key) || !val_is_scalar(e->val)) {
        bad_template(t, e->val, arena_printf(t->a, "backend.%s", e->key), "a setting name with a plain value");
        continue;
      }
      hcl_attr(s3, e->key, tv(t, NULL, e->val, 0));
    }
    /* A DynamoDB table as the spec asks, with the S3 lock file beside it:
     * Terraform 1.11 deprecates dynamodb_table and holds both locks while
     * a team moves over (docs/terraform.md). */
    if (!str_eq(m->state->lock, "lockfile"))
      hcl_attr(s3, "dynamodb_table", hcl_str(t->a, m->state->lock));
    hcl_attr(s3, "use_lockfile", hcl_bool(t->a, true));
  }
}

/* ---- the whole tree ---- */

bool tf_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  T tt = {.a = a, .d = d, .p = p}, *t = &tt;
  t->n = p->resources.len;
  t->res = arena_alloc(a, sizeof(Res) * (size_t)(t->n + 1));
  bool azs = false;
  for (int i = 0; i < t->n; i++) {
    Res *x = &t->res[i];
    x->r = p->resources.items[i];
    x->k = kind_of(x->r);
    x->used = arena_alloc(a, sizeof(bool) * (size_t)(x->r->attrs->map.n + 1));
    if (!x->k) {
      fail(t, x, "the Terraform target has no resource for kind '%s'", x->r->kind);
      x->k = &KINDS[sizeof KINDS / sizeof KINDS[0] - 1];
    }
    azs |= has_az(x->r->attrs, 0);
  }
  if (t->failed)
    return false;
  assign_addresses(t);
  assign_files(t);
  for (int f = 0; f < F_COUNT; f++) {
    t->files[f] = hcl_file(a);
    hcl_comment(t->files[f], arena_printf(a, "Generated by infrac from the spec \"%s\": edit the spec, not this file.",
                                          p->m->name));
    hcl_gap(t->files[f]);
  }
  skeleton(t);
  if (azs) {
    /* AZs given as a count are looked up, never hard-coded. */
    HclBody *az = hcl_block(file_body(t, F_NETWORK), "data", "aws_availability_zones", "available");
    hcl_attr(az, "state", hcl_str(a, "available"));
    hcl_gap(az);
    /* The region's own AZs only, as Fn::GetAZs gives: a Local Zone or a
     * Wavelength Zone (opted in) has no NAT gateway or load balancer. */
    HclBody *f = hcl_block(az, "filter", NULL, NULL);
    HclExpr *values = hcl_list(a);
    hcl_list_add(values, hcl_str(a, "opt-in-not-required"));
    hcl_attr(f, "name", hcl_str(a, "opt-in-status"));
    hcl_attr(f, "values", values);
  }
  for (int i = 0; i < t->n; i++)
    if (t->res[i].k->type)
      render(t, &t->res[i]);
  outputs(t);
  if (t->failed)
    return false;
  for (int f = 0; f < F_COUNT; f++) {
    if (!t->nblocks[f])
      continue;
    size_t len;
    char *text = hcl_render(t->files[f], &len);
    out_add(out, FILE_NAMES[f], text, len);
  }
  return true;
}
