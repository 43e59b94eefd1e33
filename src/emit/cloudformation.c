/*
 * cloudformation: the plan as one CloudFormation template per spec and
 * environment, cloudformation/<name>.json, built as a jansson tree and
 * dumped with sorted keys and two-space indentation.
 *
 * Every plan resource becomes one CloudFormation resource, except the
 * kinds CloudFormation models as a property of another resource: an
 * iam_role_policy is an entry of its role's Policies, an
 * ecr_lifecycle_policy is its repository's LifecyclePolicy, and an
 * external trusted_policy (a document for another account) is an Output.
 * An internet gateway brings its VPCGatewayAttachment, which is what
 * routes, Elastic IPs, NAT gateways and an internet-facing load balancer
 * must wait for.
 *
 * Logical IDs and export names are functions of their own plan id, never
 * of the neighbours, so adding a resource renames nothing (CloudFormation
 * would replace a renamed resource). A logical ID is the CamelCase of
 * "kind.key" when it can be read back (subnet.public_a is SubnetPublicA,
 * the rule 80 from 11.0.0.0/8 SecurityGroupRuleAlbInN80N11N0N0N0N8), else
 * the PascalCase plus the stable hash of the plan id; two that still meet
 * fail the build.
 *
 * References follow each type's documented return values: Ref where Ref
 * returns what the plan asks for, Fn::GetAtt elsewhere. A log group's Arn
 * attribute ends in ":*", so its ARN is built with Fn::Sub from its name.
 * V_CONCAT is Fn::Join over "", V_AZ is Fn::Select over Fn::GetAZs.
 *
 * Assumes a valid plan: a reference that names no resource, or an
 * attribute this file cannot render, is reported as an internal error and
 * nothing is written. CloudFormation's quotas (resources, outputs, body
 * size, description) are checked before the file is handed to the writer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "names.h"

bool cfn_emit(Arena *a, Diags *d, const Plan *p, Output *out);

/* CloudFormation quotas, from the AWS CloudFormation User Guide. */
#define CFN_MAX_RESOURCES 500
#define CFN_MAX_OUTPUTS 200
#define CFN_MAX_BODY 1048576     /* bytes, for a template read from S3 */
#define CFN_MAX_DESCRIPTION 1024 /* bytes */
#define CFN_MAX_LOGICAL_ID 255
#define CFN_MAX_EXPORT_NAME 255

typedef struct C C;
typedef struct Res Res;
typedef void (*PropsFn)(C *c, Res *x);

/* How a plan attribute of a kind is referred to: GetAtt names the
 * attribute, NULL means Ref, and SUB_LOG_GROUP_ARN is the log-group ARN
 * built from the name. */
#define SUB_LOG_GROUP_ARN "\x01log-group-arn"
typedef struct RefRule {
  const char *attr;
  const char *getatt;
} RefRule;

typedef struct Kind {
  const char *kind;     /* plan kind */
  const char *type;     /* CloudFormation type; NULL: folded into another resource */
  bool tags;            /* the type takes Tags (checked against cfn-lint's schemas) */
  PropsFn props;
  RefRule refs[6];
} Kind;

struct Res {
  Resource *r;
  const Kind *k;
  const char *lid;      /* logical ID; NULL for folded kinds */
  json_t *props;        /* Properties (owned by 'res' once attached) */
  json_t *res;          /* the resource object */
  json_t *depends;      /* DependsOn ids, array */
  uint64_t used;        /* attribute entries read, by index */
  const char *extra;    /* the logical ID of a companion resource (the IGW attachment) */
};

struct C {
  Arena *a;
  Diags *d;
  const Plan *p;
  Res *res;             /* one per plan resource, in plan order */
  int n;
  json_t *resources;    /* the Resources object */
  json_t *outputs;
  int noutputs;
  bool failed;
};

/* ---- errors ---- */

static void bad(C *c, Res *x, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(C *c, Res *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(c->a, fmt, ap);
  va_end(ap);
  Pos pos = x ? x->r->origin : (Pos){.file = c->p->m->file, .line = 1, .col = 1};
  diag_error(c->d, pos, NULL, "cloudformation: %s%s%s", x ? x->r->id : "", x ? ": " : "", msg);
  c->failed = true;
}

/* ---- the resource index ---- */

/* c->res[i] wraps the plan's i-th resource, so the plan's index finds it. */
static Res *find(C *c, const char *id) {
  Resource *r = plan_find(c->p, id);
  return r && c->res[r->seq].k ? &c->res[r->seq] : NULL;
}

/* ---- logical IDs ---- */

static bool is_alnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}
static bool is_lower(char ch) { return ch >= 'a' && ch <= 'z'; }
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* PascalCase of a plan id: every run of other characters is a word break,
 * and the letter after one is upper-cased. The readable part of an ID that
 * cannot be read back. */
static char *pascal(Arena *a, const char *id) {
  size_t n = strlen(id);
  char *s = arena_alloc(a, n + 1);
  size_t k = 0;
  bool up = true;
  for (const char *q = id; *q; q++) {
    char ch = *q;
    if (!is_alnum(ch)) {
      up = true;
      continue;
    }
    s[k++] = up && is_lower(ch) ? (char)(ch - 32) : ch;
    up = false;
  }
  s[k] = '\0';
  return s;
}

/* A kind's words capitalised (security_group_rule: SecurityGroupRule) into
 * out, which holds strlen(kind) + 1; returns the length. */
static size_t kind_pascal(const char *kind, char *out) {
  size_t k = 0;
  bool up = true;
  for (const char *q = kind; *q; q++) {
    if (*q == '_') {
      up = true;
      continue;
    }
    out[k++] = up && is_lower(*q) ? (char)(*q - 32) : *q;
    up = false;
  }
  out[k] = '\0';
  return k;
}

static bool longer_kind_reads_in(const char *lid, size_t kind_len);

/* The readable ID of "kind.key", or NULL when it could not be read back.
 * The key's words (split at '_' or '-': ecr-push reads as ecr_push does,
 * and a spec holding both is refused by assign_ids rather than renamed)
 * are letter words, [a-z][a-z0-9]*, written
 * capitalised (public_a: PublicA, web2: Web2), and number words, [0-9]+,
 * written as they are when they open the key (listener.80: Listener80)
 * and after an 'N' elsewhere (public_ingress_100: PublicIngressN100, web_2:
 * WebN2, the rule alb_in_80_11_0_0_0_8 for 11.0.0.0/8: AlbInN80N11N0N0N0N8).
 * Read back, an upper-case letter opens a word, "N" and digits alone are a
 * number, and the kind is the longest one the ID starts with; so it is
 * not readable when a key word is empty, holds other characters or is a
 * letter word spelled like a number ("n1"), or when the ID starts with a
 * longer kind (route.table_x would read as route_table.x). */
static char *readable(Arena *a, const char *kind, const char *key) {
  char *s = arena_alloc(a, strlen(kind) + 2 * strlen(key) + 2);
  size_t kind_len = kind_pascal(kind, s), k = kind_len;
  for (const char *w = key;; w++) {
    size_t len = strcspn(w, "_-"), digits = 0;
    while (digits < len && is_digit(w[digits]))
      digits++;
    if (!len)
      return NULL;
    if (digits == len) {
      if (w != key)
        s[k++] = 'N';
    } else if (!is_lower(w[0]) || (w[0] == 'n' && len > 1 && strspn(w + 1, "0123456789") >= len - 1)) {
      return NULL;
    }
    for (size_t i = 0; i < len; i++) {
      if (!is_lower(w[i]) && !is_digit(w[i]))
        return NULL;
      s[k++] = i == 0 && is_lower(w[i]) ? (char)(w[i] - 32) : w[i];
    }
    w += len;
    if (!*w)
      break;
  }
  s[k] = '\0';
  return longer_kind_reads_in(s, kind_len) ? NULL : s;
}

/* Appends the 6-character hash of 'id', keeping within 255 characters. */
static const char *with_hash(C *c, const char *base, const char *id) {
  char h[7];
  name_hash(id, h);
  size_t keep = strlen(base);
  if (keep > CFN_MAX_LOGICAL_ID - 6)
    keep = CFN_MAX_LOGICAL_ID - 6;
  return arena_printf(c->a, "%.*s%s", (int)keep, base, h);
}

/* A resource's logical ID, from its plan id alone: the readable form, or
 * the PascalCase plus the hash of the id when that cannot be read back or
 * is too long. No other resource takes part, so none can rename it. */
static const char *logical_id(C *c, const Resource *r) {
  const char *lid = readable(c->a, r->kind, r->key);
  if (lid && strlen(lid) <= CFN_MAX_LOGICAL_ID)
    return lid;
  return with_hash(c, pascal(c->a, r->id), r->id);
}

static int cmp_lid(const void *x, const void *y) {
  const Res *const *a = x, *const *b = y;
  int k = strcmp((*a)->lid, (*b)->lid);
  return k ? k : strcmp((*a)->r->id, (*b)->r->id);
}

/* Assigns every logical ID; companions (an IGW's attachment) count too.
 * Two IDs can still meet, through the hash or a key spelled like another's
 * hashed ID: that fails the build, since renaming either would replace it. */
static void assign_ids(C *c) {
  Res **all = arena_alloc(c->a, sizeof(Res *) * (size_t)(c->n + 1));
  int n = 0;
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    if (!x->k->type)
      continue;
    x->lid = logical_id(c, x->r);
    if (!strcmp(x->k->kind, "internet_gateway"))
      x->extra = arena_printf(c->a, "%sAttachment", x->lid);
    all[n++] = x;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; all[i]->extra && j < n; j++)
      if (!strcmp(all[i]->extra, all[j]->lid))
        bad(c, all[j], "its logical ID %s is also that of the attachment of %s; rename one of them",
            all[j]->lid, all[i]->r->id);
  qsort(all, (size_t)n, sizeof *all, cmp_lid);
  for (int i = 1; i < n; i++)
    if (!strcmp(all[i - 1]->lid, all[i]->lid))
      bad(c, all[i], "its logical ID %s is also that of %s; rename one of them", all[i]->lid,
          all[i - 1]->r->id);
}

/* ---- values ---- */

static json_t *ref_expr(C *c, Res *from, const Value *v);
static json_t *jv(C *c, Res *from, const Value *v);

static json_t *jstr(C *c, Res *x, const char *s) {
  json_t *j = json_string(s);
  if (!j)
    bad(c, x, "a string is not valid UTF-8");
  return j;
}

static json_t *fn_ref(const char *lid) { return json_pack("{s:s}", "Ref", lid); }
static json_t *fn_getatt(const char *lid, const char *attr) {
  return json_pack("{s:[s,s]}", "Fn::GetAtt", lid, attr);
}

static json_t *az_expr(int i) {
  return json_pack("{s:[i,{s:s}]}", "Fn::Select", i, "Fn::GetAZs", "");
}

/* Fn::Join over "", with adjacent literals merged; a single part is
 * returned as itself. Steals the parts. */
static json_t *join_parts(json_t *parts) {
  json_t *merged = json_array();
  size_t i;
  json_t *part;
  Buf lit;
  buf_init(&lit);
  bool have_lit = false;
  json_array_foreach(parts, i, part) {
    if (json_is_string(part)) {
      buf_add(&lit, json_string_value(part), json_string_length(part));
      have_lit = true;
      continue;
    }
    if (have_lit)
      json_array_append_new(merged, json_stringn(lit.data, lit.len));
    lit.len = 0;
    have_lit = false;
    json_array_append(merged, part);
  }
  if (have_lit)
    json_array_append_new(merged, json_stringn(lit.data, lit.len));
  buf_release(&lit);
  json_decref(parts);
  if (json_array_size(merged) == 0) {
    json_decref(merged);
    return json_string("");
  }
  if (json_array_size(merged) == 1) {
    json_t *only = json_incref(json_array_get(merged, 0));
    json_decref(merged);
    return only;
  }
  return json_pack("{s:[s,o]}", "Fn::Join", "", merged);
}

static json_t *jv(C *c, Res *from, const Value *v) {
  if (!v)
    return NULL;
  switch (v->kind) {
  case V_NULL:
    return json_null();
  case V_BOOL:
    return json_boolean(v->b);
  case V_INT:
    return json_integer(v->i);
  case V_FLOAT:
    return json_real(v->f);
  case V_STR:
    return jstr(c, from, v->s);
  case V_LIST: {
    json_t *arr = json_array();
    for (int i = 0; i < v->list.n; i++) {
      json_t *e = jv(c, from, v->list.items[i]);
      if (e)
        json_array_append_new(arr, e);
    }
    return arr;
  }
  case V_MAP: {
    json_t *obj = json_object();
    for (int i = 0; i < v->map.n; i++) {
      json_t *e = jv(c, from, v->map.entries[i].val);
      if (e && json_object_set_new(obj, v->map.entries[i].key, e))
        bad(c, from, "a key is not valid UTF-8");
    }
    return obj;
  }
  case V_REF:
    return ref_expr(c, from, v);
  case V_CONCAT: {
    json_t *parts = json_array();
    for (int i = 0; i < v->concat.n; i++) {
      json_t *e = jv(c, from, v->concat.parts[i]);
      if (e)
        json_array_append_new(parts, e);
    }
    return join_parts(parts);
  }
  case V_AZ:
    return az_expr(v->az);
  }
  return NULL;
}

static json_t *ref_expr(C *c, Res *from, const Value *v) {
  Res *t = find(c, v->ref.res);
  if (!t) {
    bad(c, from, "refers to %s, which is not in the plan", v->ref.res);
    return json_null();
  }
  if (!t->k->type) {
    bad(c, from, "refers to %s, which has no resource of its own in CloudFormation", t->r->id);
    return json_null();
  }
  for (const RefRule *rr = t->k->refs; rr->attr; rr++) {
    if (strcmp(rr->attr, v->ref.attr))
      continue;
    if (!rr->getatt)
      return fn_ref(t->lid);
    if (!strcmp(rr->getatt, SUB_LOG_GROUP_ARN))
      return json_pack("{s:s}", "Fn::Sub",
                       arena_printf(c->a, "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${%s}",
                                    t->lid));
    return fn_getatt(t->lid, rr->getatt);
  }
  bad(c, from, "cannot refer to attribute '%s' of %s (%s)", v->ref.attr, t->r->id, t->k->type);
  return json_null();
}

/* ---- reading attributes ---- */

/* The attribute 'key' of x, marked as read; NULL when absent. */
static const Value *A(Res *x, const char *key) {
  const Value *m = x->r->attrs;
  for (int i = 0; i < m->map.n; i++)
    if (!strcmp(m->map.entries[i].key, key)) {
      if (i < 64)
        x->used |= (uint64_t)1 << i;
      return m->map.entries[i].val;
    }
  return NULL;
}

/* Attributes CloudFormation has no property for, read on purpose. */
static void not_rendered(Res *x, const char *key) { (void)A(x, key); }

static json_t *J(C *c, Res *x, const char *key) { return jv(c, x, A(x, key)); }

static bool B(Res *x, const char *key) {
  const Value *v = A(x, key);
  return v && v->kind == V_BOOL && v->b;
}

static const char *S(Res *x, const char *key) {
  const Value *v = A(x, key);
  return v && v->kind == V_STR ? v->s : NULL;
}

/* An integer attribute as a string, for the properties typed String. */
static json_t *Jnumstr(C *c, Res *x, const char *key) {
  const Value *v = A(x, key);
  if (!v)
    return NULL;
  if (v->kind == V_INT)
    return json_string(arena_printf(c->a, "%lld", v->i));
  return jv(c, x, v);
}

static void put(json_t *obj, const char *key, json_t *v) {
  if (v)
    json_object_set_new(obj, key, v);
}

static void depend(Res *x, const char *lid) {
  size_t i;
  json_t *e;
  json_array_foreach(x->depends, i, e) {
    if (!strcmp(json_string_value(e), lid))
      return;
  }
  json_array_append_new(x->depends, json_string(lid));
}

/* The logical ID to wait for when waiting on plan resource 'id': an
 * internet gateway is usable once attached. */
static const char *wait_id(C *c, const char *id) {
  Res *t = find(c, id);
  if (!t || !t->k->type)
    return NULL;
  return t->extra ? t->extra : t->lid;
}

/* ---- one function per kind ---- */

static void p_vpc(C *c, Res *x) {
  put(x->props, "CidrBlock", J(c, x, "cidr_block"));
  put(x->props, "EnableDnsSupport", J(c, x, "enable_dns_support"));
  put(x->props, "EnableDnsHostnames", J(c, x, "enable_dns_hostnames"));
}

static void p_igw(C *c, Res *x) {
  json_t *att = json_object();
  json_object_set_new(att, "Type", json_string("AWS::EC2::VPCGatewayAttachment"));
  json_object_set_new(att, "Metadata", json_pack("{s:s,s:s}", "infrac:id", x->r->id, "infrac:part", "attachment"));
  json_object_set_new(att, "Properties",
                      json_pack("{s:o,s:o}", "VpcId", J(c, x, "vpc"), "InternetGatewayId", fn_ref(x->lid)));
  json_object_set_new(c->resources, x->extra, att);
}

static void p_subnet(C *c, Res *x) {
  put(x->props, "VpcId", J(c, x, "vpc"));
  put(x->props, "CidrBlock", J(c, x, "cidr_block"));
  const Value *az = A(x, "availability_zone");
  put(x->props, "AvailabilityZone", jv(c, x, az));
  /* AZ names appear only when the spec lists them, and then they are
   * exactly what was asked for: cfn-lint's advice against hard-coded AZs
   * (W3010) does not apply to this resource. */
  if (az && az->kind == V_STR)
    json_object_set_new(json_object_get(x->res, "Metadata"), "cfn-lint",
                        json_pack("{s:{s:[s]}}", "config", "ignore_checks", "W3010"));
  put(x->props, "MapPublicIpOnLaunch", J(c, x, "map_public_ip_on_launch"));
  not_rendered(x, "tier");
}

static void p_eip(C *c, Res *x) {
  put(x->props, "Domain", J(c, x, "domain"));
  /* The static egress address: a BYOIP claim, allocated from the
   * account's pool by address. */
  put(x->props, "Address", J(c, x, "address"));
}

static void p_nat(C *c, Res *x) {
  put(x->props, "AllocationId", J(c, x, "allocation_id"));
  put(x->props, "SubnetId", J(c, x, "subnet"));
  put(x->props, "ConnectivityType", J(c, x, "connectivity_type"));
}

static void p_route_table(C *c, Res *x) {
  put(x->props, "VpcId", J(c, x, "vpc"));
  not_rendered(x, "tier");
}

static void p_route(C *c, Res *x) {
  put(x->props, "RouteTableId", J(c, x, "route_table"));
  put(x->props, "DestinationCidrBlock", J(c, x, "destination_cidr_block"));
  const Value *gw = A(x, "gateway");
  if (gw) {
    put(x->props, "GatewayId", jv(c, x, gw));
    /* A route to an internet gateway fails until the gateway is attached. */
    if (gw->kind == V_REF) {
      const char *w = wait_id(c, gw->ref.res);
      if (w)
        depend(x, w);
    }
  }
  put(x->props, "NatGatewayId", J(c, x, "nat_gateway"));
}

static void p_rt_assoc(C *c, Res *x) {
  put(x->props, "RouteTableId", J(c, x, "route_table"));
  put(x->props, "SubnetId", J(c, x, "subnet"));
}

static void p_nacl(C *c, Res *x) {
  put(x->props, "VpcId", J(c, x, "vpc"));
  not_rendered(x, "tier");
}

static void p_nacl_rule(C *c, Res *x) {
  put(x->props, "NetworkAclId", J(c, x, "network_acl"));
  put(x->props, "RuleNumber", J(c, x, "rule_number"));
  put(x->props, "Egress", J(c, x, "egress"));
  const char *proto = S(x, "protocol");
  /* CloudFormation wants the IP protocol number as an integer. */
  if (proto)
    put(x->props, "Protocol", json_integer(strtol(proto, NULL, 10)));
  put(x->props, "RuleAction", J(c, x, "rule_action"));
  put(x->props, "CidrBlock", J(c, x, "cidr_block"));
  const Value *from = A(x, "from_port"), *to = A(x, "to_port");
  if (from && to)
    json_object_set_new(x->props, "PortRange", json_pack("{s:o,s:o}", "From", jv(c, x, from), "To", jv(c, x, to)));
}

static void p_nacl_assoc(C *c, Res *x) {
  put(x->props, "NetworkAclId", J(c, x, "network_acl"));
  put(x->props, "SubnetId", J(c, x, "subnet"));
}

static void p_log_group(C *c, Res *x) {
  put(x->props, "LogGroupName", jstr(c, x, x->r->name));
  put(x->props, "RetentionInDays", J(c, x, "retention_in_days"));
}

static void p_role(C *c, Res *x) {
  put(x->props, "RoleName", jstr(c, x, x->r->name));
  put(x->props, "AssumeRolePolicyDocument", J(c, x, "assume_role_policy"));
  put(x->props, "MaxSessionDuration", J(c, x, "max_session_duration"));
  /* The trusted account is already in the trust policy's principal. */
  not_rendered(x, "trusted_account");
}

/* An inline policy: an entry of its role's Policies. */
static void p_role_policy(C *c, Res *x) {
  const Value *role = A(x, "role");
  Res *t = role && role->kind == V_REF ? find(c, role->ref.res) : NULL;
  if (!t || strcmp(t->k->kind, "iam_role")) {
    bad(c, x, "an inline policy must refer to an IAM role");
    return;
  }
  json_t *pols = json_object_get(t->props, "Policies");
  if (!pols) {
    pols = json_array();
    json_object_set_new(t->props, "Policies", pols);
  }
  json_array_append_new(pols, json_pack("{s:o,s:o}", "PolicyName", jstr(c, x, x->r->name), "PolicyDocument",
                                        J(c, x, "policy")));
}

static void p_flow_log(C *c, Res *x) {
  put(x->props, "ResourceId", J(c, x, "vpc"));
  put(x->props, "ResourceType", json_string("VPC"));
  put(x->props, "TrafficType", J(c, x, "traffic_type"));
  put(x->props, "LogDestinationType", J(c, x, "log_destination_type"));
  put(x->props, "LogDestination", J(c, x, "log_destination"));
  put(x->props, "DeliverLogsPermissionArn", J(c, x, "iam_role"));
  put(x->props, "MaxAggregationInterval", J(c, x, "max_aggregation_interval"));
}

static void p_endpoint(C *c, Res *x) {
  put(x->props, "VpcId", J(c, x, "vpc"));
  put(x->props, "ServiceName", J(c, x, "service_name"));
  put(x->props, "VpcEndpointType", J(c, x, "vpc_endpoint_type"));
  put(x->props, "RouteTableIds", J(c, x, "route_tables"));
  put(x->props, "SubnetIds", J(c, x, "subnets"));
  put(x->props, "SecurityGroupIds", J(c, x, "security_groups"));
  put(x->props, "PrivateDnsEnabled", J(c, x, "private_dns_enabled"));
}

static void p_sg(C *c, Res *x) {
  put(x->props, "GroupName", jstr(c, x, x->r->name));
  put(x->props, "GroupDescription", J(c, x, "description"));
  put(x->props, "VpcId", J(c, x, "vpc"));
  /* Without inline egress CloudFormation adds allow-all egress; the plan's
   * rules are the only ones wanted, so this documented placeholder (no
   * traffic leaves for 127.0.0.1) replaces that default. The real rules
   * are SecurityGroupEgress resources, free of reference cycles. */
  json_object_set_new(x->props, "SecurityGroupEgress",
                      json_pack("[{s:s,s:s,s:s}]", "CidrIp", "127.0.0.1/32", "IpProtocol", "-1", "Description",
                                "No egress beyond the rules of this stack"));
}

static void p_sg_rule(C *c, Res *x) {
  const char *dir = S(x, "direction");
  bool egress = dir && !strcmp(dir, "egress");
  put(x->props, "GroupId", J(c, x, "security_group"));
  put(x->props, "IpProtocol", J(c, x, "protocol"));
  put(x->props, "FromPort", J(c, x, "from_port"));
  put(x->props, "ToPort", J(c, x, "to_port"));
  put(x->props, "CidrIp", J(c, x, "cidr_block"));
  put(x->props, egress ? "DestinationSecurityGroupId" : "SourceSecurityGroupId", J(c, x, "peer_security_group"));
  put(x->props, "Description", J(c, x, "description"));
}

static json_t *attribute(const char *key, json_t *value) {
  return json_pack("{s:s,s:o}", "Key", key, "Value", value);
}

static json_t *boolstr(Res *x, const char *key) { return json_string(B(x, key) ? "true" : "false"); }

static void p_lb(C *c, Res *x) {
  put(x->props, "Name", jstr(c, x, x->r->name));
  put(x->props, "Type", J(c, x, "load_balancer_type"));
  put(x->props, "Scheme", json_string(B(x, "internal") ? "internal" : "internet-facing"));
  put(x->props, "Subnets", J(c, x, "subnets"));
  put(x->props, "SecurityGroups", J(c, x, "security_groups"));
  json_t *attrs = json_array();
  json_array_append_new(attrs, attribute("deletion_protection.enabled", boolstr(x, "deletion_protection")));
  json_array_append_new(attrs, attribute("routing.http.drop_invalid_header_fields.enabled",
                                         boolstr(x, "drop_invalid_header_fields")));
  json_array_append_new(attrs, attribute("idle_timeout.timeout_seconds", Jnumstr(c, x, "idle_timeout")));
  json_object_set_new(x->props, "LoadBalancerAttributes", attrs);
}

static void p_tg(C *c, Res *x) {
  put(x->props, "Name", jstr(c, x, x->r->name));
  put(x->props, "Port", J(c, x, "port"));
  put(x->props, "Protocol", J(c, x, "protocol"));
  put(x->props, "TargetType", J(c, x, "target_type"));
  put(x->props, "VpcId", J(c, x, "vpc"));
  const Value *hc = A(x, "health_check");
  if (hc && hc->kind == V_MAP) {
    put(x->props, "HealthCheckEnabled", json_true());
    put(x->props, "HealthCheckPath", jv(c, x, val_get(hc, "path")));
    put(x->props, "HealthCheckProtocol", jv(c, x, val_get(hc, "protocol")));
    const Value *m = val_get(hc, "matcher");
    if (m)
      json_object_set_new(x->props, "Matcher", json_pack("{s:o}", "HttpCode", jv(c, x, m)));
    put(x->props, "HealthCheckIntervalSeconds", jv(c, x, val_get(hc, "interval")));
    put(x->props, "HealthCheckTimeoutSeconds", jv(c, x, val_get(hc, "timeout")));
    put(x->props, "HealthyThresholdCount", jv(c, x, val_get(hc, "healthy_threshold")));
    put(x->props, "UnhealthyThresholdCount", jv(c, x, val_get(hc, "unhealthy_threshold")));
  }
  json_t *delay = Jnumstr(c, x, "deregistration_delay");
  if (delay)
    json_object_set_new(x->props, "TargetGroupAttributes",
                        json_pack("[o]", attribute("deregistration_delay.timeout_seconds", delay)));
}

static void p_listener(C *c, Res *x) {
  put(x->props, "LoadBalancerArn", J(c, x, "load_balancer"));
  put(x->props, "Port", J(c, x, "port"));
  put(x->props, "Protocol", J(c, x, "protocol"));
  json_t *cert = J(c, x, "certificate_arn");
  if (cert)
    json_object_set_new(x->props, "Certificates", json_pack("[{s:o}]", "CertificateArn", cert));
  put(x->props, "SslPolicy", J(c, x, "ssl_policy"));
  const Value *act = A(x, "default_action");
  if (!act || act->kind != V_MAP)
    return;
  const Value *type = val_get(act, "type");
  json_t *action = json_object();
  json_object_set_new(action, "Type", jv(c, x, type));
  if (type && type->kind == V_STR && !strcmp(type->s, "redirect")) {
    json_object_set_new(action, "RedirectConfig",
                        json_pack("{s:o,s:o,s:o}", "Port", jv(c, x, val_get(act, "port")), "Protocol",
                                  jv(c, x, val_get(act, "protocol")), "StatusCode",
                                  jv(c, x, val_get(act, "status_code"))));
  } else if (type && type->kind == V_STR && !strcmp(type->s, "fixed-response")) {
    json_object_set_new(action, "FixedResponseConfig",
                        json_pack("{s:o,s:o,s:o}", "StatusCode", jv(c, x, val_get(act, "status_code")),
                                  "ContentType", jv(c, x, val_get(act, "content_type")), "MessageBody",
                                  jv(c, x, val_get(act, "message_body"))));
  } else {
    bad(c, x, "unknown default action type");
  }
  json_object_set_new(x->props, "DefaultActions", json_pack("[o]", action));
}

static void p_listener_rule(C *c, Res *x) {
  put(x->props, "ListenerArn", J(c, x, "listener"));
  put(x->props, "Priority", J(c, x, "priority"));
  json_t *paths = J(c, x, "path_patterns");
  if (paths)
    json_object_set_new(x->props, "Conditions",
                        json_pack("[{s:s,s:{s:o}}]", "Field", "path-pattern", "PathPatternConfig", "Values", paths));
  json_t *tg = J(c, x, "target_group");
  if (tg)
    json_object_set_new(x->props, "Actions", json_pack("[{s:s,s:o}]", "Type", "forward", "TargetGroupArn", tg));
}

static void p_cluster(C *c, Res *x) {
  put(x->props, "ClusterName", jstr(c, x, x->r->name));
  json_object_set_new(x->props, "ClusterSettings",
                      json_pack("[{s:s,s:s}]", "Name", "containerInsights", "Value",
                                B(x, "container_insights") ? "enabled" : "disabled"));
}

/* ECS's API spells container definitions in camelCase, CloudFormation in
 * PascalCase; keys inside these maps are the user's and stay as written. */
static const char *const VERBATIM_KEYS[] = {"options", "dockerLabels", NULL};

static json_t *pascal_keys(C *c, Res *x, const Value *v, int depth) {
  if (!v || depth > 64)
    return NULL;
  if (v->kind == V_LIST) {
    json_t *arr = json_array();
    for (int i = 0; i < v->list.n; i++) {
      json_t *e = pascal_keys(c, x, v->list.items[i], depth + 1);
      if (e)
        json_array_append_new(arr, e);
    }
    return arr;
  }
  if (v->kind != V_MAP)
    return jv(c, x, v);
  json_t *obj = json_object();
  for (int i = 0; i < v->map.n; i++) {
    const char *k = v->map.entries[i].key;
    bool verbatim = false;
    for (const char *const *q = VERBATIM_KEYS; *q; q++)
      verbatim |= !strcmp(*q, k);
    char *pk = arena_strdup(c->a, k);
    if (pk[0] >= 'a' && pk[0] <= 'z')
      pk[0] = (char)(pk[0] - 32);
    json_t *e = verbatim ? jv(c, x, v->map.entries[i].val) : pascal_keys(c, x, v->map.entries[i].val, depth + 1);
    if (e)
      json_object_set_new(obj, pk, e);
  }
  return obj;
}

static void p_task_def(C *c, Res *x) {
  put(x->props, "Family", jstr(c, x, x->r->name));
  put(x->props, "Cpu", Jnumstr(c, x, "cpu"));
  put(x->props, "Memory", Jnumstr(c, x, "memory"));
  put(x->props, "NetworkMode", J(c, x, "network_mode"));
  json_t *lt = J(c, x, "launch_type");
  if (lt)
    json_object_set_new(x->props, "RequiresCompatibilities", json_pack("[o]", lt));
  json_t *os = J(c, x, "operating_system_family"), *arch = J(c, x, "cpu_architecture");
  if (os && arch)
    json_object_set_new(x->props, "RuntimePlatform",
                        json_pack("{s:o,s:o}", "OperatingSystemFamily", os, "CpuArchitecture", arch));
  else {
    json_decref(os);
    json_decref(arch);
  }
  put(x->props, "ExecutionRoleArn", J(c, x, "execution_role"));
  put(x->props, "TaskRoleArn", J(c, x, "task_role"));
  put(x->props, "Volumes", pascal_keys(c, x, A(x, "volumes"), 0));
  put(x->props, "ContainerDefinitions", pascal_keys(c, x, A(x, "containers"), 0));
}

static void p_service(C *c, Res *x) {
  put(x->props, "ServiceName", jstr(c, x, x->r->name));
  put(x->props, "Cluster", J(c, x, "cluster"));
  put(x->props, "TaskDefinition", J(c, x, "task_definition"));
  put(x->props, "DesiredCount", J(c, x, "desired_count"));
  put(x->props, "LaunchType", J(c, x, "launch_type"));
  put(x->props, "PlatformVersion", J(c, x, "platform_version"));
  json_t *vpc = json_object();
  put(vpc, "Subnets", J(c, x, "subnets"));
  put(vpc, "SecurityGroups", J(c, x, "security_groups"));
  put(vpc, "AssignPublicIp", json_string(B(x, "assign_public_ip") ? "ENABLED" : "DISABLED"));
  json_object_set_new(x->props, "NetworkConfiguration", json_pack("{s:o}", "AwsvpcConfiguration", vpc));
  json_t *dc = json_object();
  put(dc, "MinimumHealthyPercent", J(c, x, "deployment_minimum_healthy_percent"));
  put(dc, "MaximumPercent", J(c, x, "deployment_maximum_percent"));
  bool cb = B(x, "deployment_circuit_breaker");
  json_object_set_new(dc, "DeploymentCircuitBreaker", json_pack("{s:b,s:b}", "Enable", cb, "Rollback", cb));
  json_object_set_new(x->props, "DeploymentConfiguration", dc);
  put(x->props, "PropagateTags", J(c, x, "propagate_tags"));
  put(x->props, "EnableExecuteCommand", J(c, x, "enable_execute_command"));
  const Value *lb = A(x, "load_balancer");
  if (lb && lb->kind == V_MAP)
    json_object_set_new(x->props, "LoadBalancers",
                        json_pack("[{s:o,s:o,s:o}]", "TargetGroupArn", jv(c, x, val_get(lb, "target_group")),
                                  "ContainerName", jv(c, x, val_get(lb, "container_name")), "ContainerPort",
                                  jv(c, x, val_get(lb, "container_port"))));
  put(x->props, "HealthCheckGracePeriodSeconds", J(c, x, "health_check_grace_period"));
}

static void p_scalable_target(C *c, Res *x) {
  put(x->props, "ResourceId", J(c, x, "resource_id"));
  put(x->props, "ServiceNamespace", J(c, x, "service_namespace"));
  put(x->props, "ScalableDimension", J(c, x, "scalable_dimension"));
  put(x->props, "MinCapacity", J(c, x, "min_capacity"));
  put(x->props, "MaxCapacity", J(c, x, "max_capacity"));
}

static void p_scaling_policy(C *c, Res *x) {
  put(x->props, "PolicyName", jstr(c, x, x->r->name));
  put(x->props, "PolicyType", J(c, x, "policy_type"));
  /* ScalingTargetId names the target; CloudFormation refuses the resource,
   * namespace and dimension beside it. */
  put(x->props, "ScalingTargetId", J(c, x, "target"));
  not_rendered(x, "resource_id");
  not_rendered(x, "service_namespace");
  not_rendered(x, "scalable_dimension");
  json_t *tt = json_object();
  json_t *metric = J(c, x, "metric");
  if (metric)
    json_object_set_new(tt, "PredefinedMetricSpecification", json_pack("{s:o}", "PredefinedMetricType", metric));
  put(tt, "TargetValue", J(c, x, "target_value"));
  put(tt, "ScaleInCooldown", J(c, x, "scale_in_cooldown"));
  put(tt, "ScaleOutCooldown", J(c, x, "scale_out_cooldown"));
  json_object_set_new(x->props, "TargetTrackingScalingPolicyConfiguration", tt);
}

static void p_db_subnet_group(C *c, Res *x) {
  put(x->props, "DBSubnetGroupName", jstr(c, x, x->r->name));
  put(x->props, "DBSubnetGroupDescription", J(c, x, "description"));
  put(x->props, "SubnetIds", J(c, x, "subnets"));
}

static void policies(Res *x, const char *deletion, const char *replace) {
  json_object_set_new(x->res, "DeletionPolicy", json_string(deletion));
  json_object_set_new(x->res, "UpdateReplacePolicy", json_string(replace));
}

static void p_db(C *c, Res *x) {
  put(x->props, "DBInstanceIdentifier", jstr(c, x, x->r->name));
  put(x->props, "Engine", J(c, x, "engine"));
  put(x->props, "EngineVersion", J(c, x, "engine_version"));
  put(x->props, "DBInstanceClass", J(c, x, "instance_class"));
  put(x->props, "AllocatedStorage", Jnumstr(c, x, "allocated_storage"));
  put(x->props, "MaxAllocatedStorage", J(c, x, "max_allocated_storage"));
  put(x->props, "StorageType", J(c, x, "storage_type"));
  put(x->props, "StorageEncrypted", J(c, x, "storage_encrypted"));
  put(x->props, "MultiAZ", J(c, x, "multi_az"));
  put(x->props, "BackupRetentionPeriod", J(c, x, "backup_retention_period"));
  put(x->props, "EnableIAMDatabaseAuthentication", J(c, x, "iam_database_authentication_enabled"));
  put(x->props, "DeletionProtection", J(c, x, "deletion_protection"));
  put(x->props, "ManageMasterUserPassword", J(c, x, "manage_master_user_password"));
  put(x->props, "MasterUsername", J(c, x, "username"));
  put(x->props, "Port", Jnumstr(c, x, "port"));
  put(x->props, "DBSubnetGroupName", J(c, x, "db_subnet_group"));
  put(x->props, "VPCSecurityGroups", J(c, x, "security_groups"));
  put(x->props, "PubliclyAccessible", J(c, x, "publicly_accessible"));
  put(x->props, "CopyTagsToSnapshot", J(c, x, "copy_tags_to_snapshot"));
  put(x->props, "AutoMinorVersionUpgrade", J(c, x, "auto_minor_version_upgrade"));
  put(x->props, "EnableCloudwatchLogsExports", J(c, x, "cloudwatch_logs_exports"));
  /* CloudFormation has no final snapshot name: DeletionPolicy Snapshot
   * takes the final snapshot on delete and on replacement. */
  not_rendered(x, "final_snapshot_identifier");
  policies(x, "Snapshot", "Snapshot");
}

static json_t *key_schema(C *c, Res *x, const Value *hash, const Value *range) {
  json_t *ks = json_array();
  if (hash)
    json_array_append_new(ks, json_pack("{s:o,s:s}", "AttributeName", jv(c, x, hash), "KeyType", "HASH"));
  if (range)
    json_array_append_new(ks, json_pack("{s:o,s:s}", "AttributeName", jv(c, x, range), "KeyType", "RANGE"));
  return ks;
}

static void p_table(C *c, Res *x) {
  put(x->props, "TableName", jstr(c, x, x->r->name));
  put(x->props, "BillingMode", J(c, x, "billing_mode"));
  const Value *rc = A(x, "read_capacity"), *wc = A(x, "write_capacity");
  if (rc && wc)
    json_object_set_new(x->props, "ProvisionedThroughput",
                        json_pack("{s:o,s:o}", "ReadCapacityUnits", jv(c, x, rc), "WriteCapacityUnits", jv(c, x, wc)));
  json_object_set_new(x->props, "KeySchema", key_schema(c, x, A(x, "hash_key"), A(x, "range_key")));
  const Value *attrs = A(x, "attributes");
  json_t *defs = json_array();
  for (int i = 0; attrs && attrs->kind == V_LIST && i < attrs->list.n; i++) {
    const Value *e = attrs->list.items[i];
    json_array_append_new(defs, json_pack("{s:o,s:o}", "AttributeName", jv(c, x, val_get(e, "name")),
                                          "AttributeType", jv(c, x, val_get(e, "type"))));
  }
  json_object_set_new(x->props, "AttributeDefinitions", defs);
  const Value *gsis = A(x, "global_secondary_indexes");
  if (gsis && gsis->kind == V_LIST) {
    json_t *arr = json_array();
    for (int i = 0; i < gsis->list.n; i++) {
      const Value *g = gsis->list.items[i];
      json_t *o = json_object();
      put(o, "IndexName", jv(c, x, val_get(g, "name")));
      json_object_set_new(o, "KeySchema", key_schema(c, x, val_get(g, "hash_key"), val_get(g, "range_key")));
      json_object_set_new(o, "Projection", json_pack("{s:o}", "ProjectionType", jv(c, x, val_get(g, "projection_type"))));
      const Value *grc = val_get(g, "read_capacity"), *gwc = val_get(g, "write_capacity");
      if (grc && gwc)
        json_object_set_new(o, "ProvisionedThroughput", json_pack("{s:o,s:o}", "ReadCapacityUnits", jv(c, x, grc),
                                                                  "WriteCapacityUnits", jv(c, x, gwc)));
      json_array_append_new(arr, o);
    }
    json_object_set_new(x->props, "GlobalSecondaryIndexes", arr);
  }
  json_t *ttl = J(c, x, "ttl_attribute");
  if (ttl)
    json_object_set_new(x->props, "TimeToLiveSpecification", json_pack("{s:o,s:b}", "AttributeName", ttl, "Enabled", 1));
  json_object_set_new(x->props, "PointInTimeRecoverySpecification",
                      json_pack("{s:b}", "PointInTimeRecoveryEnabled", B(x, "point_in_time_recovery")));
  json_object_set_new(x->props, "SSESpecification", json_pack("{s:b}", "SSEEnabled", B(x, "server_side_encryption")));
  bool protect = B(x, "deletion_protection");
  put(x->props, "DeletionProtectionEnabled", json_boolean(protect));
  json_t *stream = J(c, x, "stream_view_type");
  if (stream)
    json_object_set_new(x->props, "StreamSpecification", json_pack("{s:o}", "StreamViewType", stream));
  /* A protected table also survives the stack and a replacement. */
  policies(x, protect ? "Retain" : "Delete", protect ? "Retain" : "Delete");
}

static void p_ecr(C *c, Res *x) {
  put(x->props, "RepositoryName", jstr(c, x, x->r->name));
  put(x->props, "ImageTagMutability", J(c, x, "image_tag_mutability"));
  json_object_set_new(x->props, "ImageScanningConfiguration", json_pack("{s:b}", "ScanOnPush", B(x, "scan_on_push")));
  json_t *enc = J(c, x, "encryption_type");
  if (enc)
    json_object_set_new(x->props, "EncryptionConfiguration", json_pack("{s:o}", "EncryptionType", enc));
}

/* A document as JSON text (compact, sorted keys), split around references
 * so Fn::Join can splice their values in: the text a policy field or an
 * Output needs. */
static void doc_text(C *c, Res *x, const Value *v, Buf *lit, json_t *parts, int depth);

static void flush_lit(Buf *lit, json_t *parts) {
  if (lit->len)
    json_array_append_new(parts, json_stringn(lit->data, lit->len));
  lit->len = 0;
}

/* A JSON-escaped string without its quotes. */
static void escaped(C *c, Res *x, const char *s, Buf *lit) {
  json_t *j = jstr(c, x, s);
  if (!j)
    return;
  char *t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
  json_decref(j);
  if (t) {
    size_t n = strlen(t);
    buf_add(lit, t + 1, n - 2);
    free(t);
  }
}

static void doc_text(C *c, Res *x, const Value *v, Buf *lit, json_t *parts, int depth) {
  if (!v || depth > 64)
    return;
  switch (v->kind) {
  case V_LIST:
    buf_putc(lit, '[');
    for (int i = 0; i < v->list.n; i++) {
      if (i)
        buf_putc(lit, ',');
      doc_text(c, x, v->list.items[i], lit, parts, depth + 1);
    }
    buf_putc(lit, ']');
    return;
  case V_MAP: {
    MapEntry **es = val_sorted_entries(c->a, v);
    buf_putc(lit, '{');
    for (int i = 0; i < v->map.n; i++) {
      if (i)
        buf_putc(lit, ',');
      buf_putc(lit, '"');
      escaped(c, x, es[i]->key, lit);
      buf_puts(lit, "\":");
      doc_text(c, x, es[i]->val, lit, parts, depth + 1);
    }
    buf_putc(lit, '}');
    return;
  }
  case V_STR:
    buf_putc(lit, '"');
    escaped(c, x, v->s, lit);
    buf_putc(lit, '"');
    return;
  case V_REF:
  case V_AZ:
    /* Resolved values (ARNs, IDs) need no JSON escaping. */
    buf_putc(lit, '"');
    flush_lit(lit, parts);
    json_array_append_new(parts, jv(c, x, v));
    buf_putc(lit, '"');
    return;
  case V_CONCAT:
    buf_putc(lit, '"');
    for (int i = 0; i < v->concat.n; i++) {
      const Value *part = v->concat.parts[i];
      if (part->kind == V_STR) {
        escaped(c, x, part->s, lit);
      } else {
        flush_lit(lit, parts);
        json_array_append_new(parts, jv(c, x, part));
      }
    }
    buf_putc(lit, '"');
    return;
  default: {
    json_t *j = jv(c, x, v);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(j);
    if (t) {
      buf_puts(lit, t);
      free(t);
    }
    return;
  }
  }
}

static json_t *as_text(C *c, Res *x, const Value *v) {
  Buf lit;
  buf_init(&lit);
  json_t *parts = json_array();
  doc_text(c, x, v, &lit, parts, 0);
  flush_lit(&lit, parts);
  buf_release(&lit);
  return join_parts(parts);
}

/* The lifecycle policy is the repository's LifecyclePolicyText. */
static void p_ecr_lifecycle(C *c, Res *x) {
  const Value *repo = A(x, "repository");
  Res *t = repo && repo->kind == V_REF ? find(c, repo->ref.res) : NULL;
  if (!t || strcmp(t->k->kind, "ecr_repository")) {
    bad(c, x, "a lifecycle policy must refer to an ECR repository");
    return;
  }
  json_object_set_new(t->props, "LifecyclePolicy",
                      json_pack("{s:o}", "LifecyclePolicyText", as_text(c, x, A(x, "policy"))));
}

static void output(C *c, const char *lid, const char *desc, json_t *value, const char *export_suffix);
static const char *export_key(C *c, const Resource *r);

/* A document for another account: an Output, as the JSON text the trusted
 * account attaches to its principal. */
static void p_trusted(C *c, Res *x) {
  const char *account = S(x, "account"), *principal = S(x, "principal");
  const char *desc = arena_printf(c->a, "Identity policy for %s (account %s) to assume this stack's role",
                                  principal ? principal : "the trusted principal", account ? account : "?");
  const char *lid = arena_printf(c->a, "%sDocument", logical_id(c, x->r));
  const char *suffix = arena_printf(c->a, "trusted-policy-%s", export_key(c, x->r));
  output(c, lid, desc, as_text(c, x, A(x, "policy")), suffix);
}

/* ORDER: one row per plan kind (docs/plan.md). Tags: whether the type's
 * schema (cfn-lint's us-east-1 provider schemas) has a Tags property. */
static const Kind KINDS[] = {
    {"vpc", "AWS::EC2::VPC", true, p_vpc, {{"id", NULL}}},
    {"internet_gateway", "AWS::EC2::InternetGateway", true, p_igw, {{"id", NULL}}},
    {"subnet", "AWS::EC2::Subnet", true, p_subnet, {{"id", NULL}}},
    {"eip", "AWS::EC2::EIP", true, p_eip, {{"allocation_id", "AllocationId"}, {"public_ip", NULL}}},
    {"nat_gateway", "AWS::EC2::NatGateway", true, p_nat, {{"id", NULL}}},
    {"route_table", "AWS::EC2::RouteTable", true, p_route_table, {{"id", NULL}}},
    {"route", "AWS::EC2::Route", false, p_route, {{0}}},
    {"route_table_association", "AWS::EC2::SubnetRouteTableAssociation", false, p_rt_assoc, {{"id", NULL}}},
    {"network_acl", "AWS::EC2::NetworkAcl", true, p_nacl, {{"id", NULL}}},
    {"network_acl_rule", "AWS::EC2::NetworkAclEntry", false, p_nacl_rule, {{0}}},
    {"network_acl_association", "AWS::EC2::SubnetNetworkAclAssociation", false, p_nacl_assoc, {{0}}},
    {"log_group", "AWS::Logs::LogGroup", true, p_log_group, {{"name", NULL}, {"arn", SUB_LOG_GROUP_ARN}}},
    {"iam_role", "AWS::IAM::Role", true, p_role, {{"name", NULL}, {"arn", "Arn"}, {"id", "RoleId"}}},
    {"iam_role_policy", NULL, false, p_role_policy, {{0}}},
    {"flow_log", "AWS::EC2::FlowLog", true, p_flow_log, {{"id", NULL}}},
    {"vpc_endpoint", "AWS::EC2::VPCEndpoint", true, p_endpoint, {{"id", NULL}}},
    {"security_group", "AWS::EC2::SecurityGroup", true, p_sg, {{"id", "GroupId"}}},
    {"security_group_rule", "AWS::EC2::SecurityGroupIngress", false, p_sg_rule, {{0}}},
    {"load_balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer", true, p_lb,
     {{"arn", NULL}, {"dns_name", "DNSName"}, {"name", "LoadBalancerName"}, {"zone_id", "CanonicalHostedZoneID"},
      {"arn_suffix", "LoadBalancerFullName"}}},
    {"target_group", "AWS::ElasticLoadBalancingV2::TargetGroup", true, p_tg,
     {{"arn", NULL}, {"name", "TargetGroupName"}, {"arn_suffix", "TargetGroupFullName"}}},
    {"listener", "AWS::ElasticLoadBalancingV2::Listener", false, p_listener, {{"arn", NULL}}},
    {"listener_rule", "AWS::ElasticLoadBalancingV2::ListenerRule", false, p_listener_rule, {{"arn", NULL}}},
    {"ecs_cluster", "AWS::ECS::Cluster", true, p_cluster, {{"name", NULL}, {"arn", "Arn"}}},
    {"task_definition", "AWS::ECS::TaskDefinition", true, p_task_def, {{"arn", NULL}}},
    {"ecs_service", "AWS::ECS::Service", true, p_service, {{"arn", NULL}, {"name", "Name"}}},
    {"autoscaling_target", "AWS::ApplicationAutoScaling::ScalableTarget", false, p_scalable_target, {{"id", NULL}}},
    {"autoscaling_policy", "AWS::ApplicationAutoScaling::ScalingPolicy", false, p_scaling_policy, {{"arn", NULL}}},
    {"db_subnet_group", "AWS::RDS::DBSubnetGroup", true, p_db_subnet_group, {{"name", NULL}}},
    {"db_instance", "AWS::RDS::DBInstance", true, p_db,
     {{"id", NULL}, {"endpoint", "Endpoint.Address"}, {"address", "Endpoint.Address"}, {"port", "Endpoint.Port"},
      {"resource_id", "DbiResourceId"}, {"arn", "DBInstanceArn"}}},
    {"dynamodb_table", "AWS::DynamoDB::Table", true, p_table,
     {{"name", NULL}, {"arn", "Arn"}, {"stream_arn", "StreamArn"}}},
    {"ecr_repository", "AWS::ECR::Repository", true, p_ecr, {{"name", NULL}, {"arn", "Arn"}, {"url", "RepositoryUri"}}},
    {"ecr_lifecycle_policy", NULL, false, p_ecr_lifecycle, {{0}}},
    {"trusted_policy", NULL, false, p_trusted, {{0}}},
    {NULL, NULL, false, NULL, {{0}}},
};

/* Whether a kind longer than lid's own (its first kind_len characters)
 * also opens lid where a key could start: then lid would read back as
 * that kind's. */
static bool longer_kind_reads_in(const char *lid, size_t kind_len) {
  for (const Kind *k = KINDS; k->kind; k++) {
    char word[64];
    if (strlen(k->kind) >= sizeof word)
      continue;
    size_t n = kind_pascal(k->kind, word);
    if (n > kind_len && !strncmp(lid, word, n) && (!lid[n] || is_digit(lid[n]) || (lid[n] >= 'A' && lid[n] <= 'Z')))
      return true;
  }
  return false;
}

static const Kind SG_EGRESS = {"security_group_rule", "AWS::EC2::SecurityGroupEgress", false, p_sg_rule, {{0}}};

static const Kind *kind_of(const Resource *r) {
  if (!strcmp(r->kind, "security_group_rule")) {
    const Value *d = val_get(r->attrs, "direction");
    if (d && d->kind == V_STR && !strcmp(d->s, "egress"))
      return &SG_EGRESS;
  }
  for (const Kind *k = KINDS; k->kind; k++)
    if (!strcmp(k->kind, r->kind))
      return k;
  return NULL;
}

/* ---- outputs ---- */

/* "<name>-<env>-<suffix>", with every character an export name may not
 * hold ([A-Za-z0-9:-] only) as '-'. */
static const char *export_name(C *c, const char *suffix) {
  char *s = arena_printf(c->a, "%s-%s-%s", c->p->m->name, c->p->m->env, suffix);
  for (char *q = s; *q; q++)
    if (!is_alnum(*q) && *q != ':' && *q != '-')
      *q = '-';
  return s;
}

static void output(C *c, const char *lid, const char *desc, json_t *value, const char *export_suffix) {
  if (strlen(lid) > CFN_MAX_LOGICAL_ID)
    lid = with_hash(c, lid, lid);
  json_t *o = json_object();
  json_object_set_new(o, "Description", json_string(desc));
  json_object_set_new(o, "Value", value);
  json_object_set_new(o, "Export", json_pack("{s:s}", "Name", export_name(c, export_suffix)));
  if (json_object_get(c->outputs, lid))
    bad(c, NULL, "two outputs are both named %s", lid);
  json_object_set_new(c->outputs, lid, o);
  c->noutputs++;
}

/* ORDER: the values other stacks import, per kind and attribute. */
static const struct {
  const char *kind, *attr, *suffix, *export, *what;
} OUTPUTS[] = {
    {"vpc", "id", "Id", "id", "ID"},
    {"subnet", "id", "Id", "id", "ID"},
    {"eip", "public_ip", "PublicIp", "public-ip", "public IP"},
    {"load_balancer", "dns_name", "DnsName", "dns-name", "DNS name"},
    {"db_instance", "endpoint", "Endpoint", "endpoint", "endpoint address"},
    {"db_instance", "port", "Port", "port", "port"},
    {"dynamodb_table", "arn", "Arn", "arn", "ARN"},
    {"iam_role", "arn", "Arn", "arn", "ARN"},
    {"ecr_repository", "url", "Uri", "uri", "repository URI"},
    {NULL, NULL, NULL, NULL, NULL},
};

/* The key as it reads in export names, from the resource alone: words of
 * [a-z0-9] joined by '-' (user_metadata: user-metadata, ecr-push:
 * ecr-push); any other key in [A-Za-z0-9-] plus the hash of the plan id,
 * the one its logical ID carries (Orders.v2: Orders-v2-<hash>). "ecr-push"
 * and "ecr_push" would export one name, but they already share a logical
 * ID, which assign_ids refuses. */
static const char *export_key(C *c, const Resource *r) {
  char *s = arena_strdup(c->a, r->key);
  bool plain = *s && *s != '_';
  for (char *q = s; *q; q++) {
    plain &= is_lower(*q) || is_digit(*q) || ((*q == '_' || *q == '-') && q[1] && q[1] != '_' && q[1] != '-');
    if (!is_alnum(*q))
      *q = '-';
  }
  if (plain)
    return s;
  char h[7];
  name_hash(r->id, h);
  return arena_printf(c->a, "%s-%s", s, h);
}

/* "kind_name-key" in lower-case words, "main" keys dropped: vpc-id,
 * subnet-public-a-id, role-task-user-metadata-arn. */
static const char *export_suffix(C *c, const Resource *r, const char *what) {
  static const struct {
    const char *kind, *word;
  } words[] = {{"load_balancer", "alb"}, {"db_instance", "db"}, {"dynamodb_table", "table"},
               {"iam_role", "role"},     {"ecr_repository", "ecr"}, {"eip", ""}, {NULL, NULL}};
  const char *word = r->kind;
  for (int i = 0; words[i].kind; i++)
    if (!strcmp(words[i].kind, r->kind))
      word = words[i].word;
  const char *key = strcmp(r->key, "main") ? export_key(c, r) : "";
  char *s = arena_printf(c->a, "%s%s%s-%s", word, *word && *key ? "-" : "", key, what);
  for (char *q = s; *q; q++)
    if (*q == '_')
      *q = '-';
  return s;
}

static void add_outputs(C *c) {
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    if (!x->lid)
      continue;
    for (int k = 0; OUTPUTS[k].kind; k++) {
      if (strcmp(OUTPUTS[k].kind, x->r->kind))
        continue;
      Value ref = {.kind = V_REF, .ref = {x->r->id, OUTPUTS[k].attr, NULL}};
      const char *desc = arena_printf(c->a, "%s %s of %s", x->r->name ? x->r->name : x->r->id, OUTPUTS[k].what,
                                      x->k->type);
      output(c, arena_printf(c->a, "%s%s", x->lid, OUTPUTS[k].suffix), desc, jv(c, x, &ref),
             export_suffix(c, x->r, OUTPUTS[k].export));
    }
  }
}

/* Export names must be unique in an account and region. Each is made from
 * its own resource, so two that still meet (through the hash) fail the
 * build rather than rename one of them, which stacks importing it forbid.
 * A name past 255 characters keeps its head and its own hash. */
static void check_exports(C *c) {
  Value *seen = val_map(c->a);
  const char *lid;
  json_t *o;
  json_object_foreach(c->outputs, lid, o) {
    json_t *exp = json_object_get(json_object_get(o, "Export"), "Name");
    const char *name = json_string_value(exp);
    if (strlen(name) > CFN_MAX_EXPORT_NAME) {
      char h[7];
      name_hash(name, h);
      json_string_set(exp, arena_printf(c->a, "%.*s-%s", CFN_MAX_EXPORT_NAME - 7, name, h));
      name = json_string_value(exp);
    }
    const Value *other = val_get(seen, name);
    if (other)
      bad(c, NULL, "outputs %s and %s would both export %s; rename one of their keys", other->s, lid, name);
    else
      val_set(c->a, seen, name, val_str(c->a, lid));
  }
}

/* ---- tags ---- */

static json_t *tags(C *c, Res *x) {
  const Model *m = c->p->m;
  json_t *t = json_array();
  for (int i = 0; i < m->ntags; i++)
    json_array_append_new(t, json_pack("{s:o,s:o}", "Key", jstr(c, x, m->tags[i].key), "Value",
                                       jstr(c, x, m->tags[i].value)));
  if (x->r->name)
    json_array_append_new(t, json_pack("{s:s,s:o}", "Key", "Name", "Value", jstr(c, x, x->r->name)));
  if (!json_array_size(t)) {
    json_decref(t);
    return NULL;
  }
  return t;
}

/* ---- limits ---- */

/* Reports every quota the template passes; true when it fits. */
static bool check_limits(Diags *d, const Model *m, int nresources, int noutputs, size_t body, size_t desc) {
  Pos pos = m->root ? m->root->pos : (Pos){.file = m->file, .line = 1, .col = 1};
  if (!pos.file)
    pos = (Pos){.file = m->file, .line = 1, .col = 1};
  bool ok = true;
  const char *who = m->env ? m->env : "base";
  if (nresources > CFN_MAX_RESOURCES) {
    diag_error(d, pos, NULL,
               "cloudformation: %s (%s) needs %d resources, past CloudFormation's limit of %d per stack; "
               "split the spec into smaller specs (for example services and data apart), one stack each",
               m->name, who, nresources, CFN_MAX_RESOURCES);
    ok = false;
  }
  if (noutputs > CFN_MAX_OUTPUTS) {
    diag_error(d, pos, NULL,
               "cloudformation: %s (%s) needs %d outputs, past CloudFormation's limit of %d per stack; "
               "split the spec into smaller specs, one stack each",
               m->name, who, noutputs, CFN_MAX_OUTPUTS);
    ok = false;
  }
  if (body > CFN_MAX_BODY) {
    diag_error(d, pos, NULL,
               "cloudformation: the template of %s (%s) is %zu bytes, past CloudFormation's limit of %d bytes "
               "for a template body; split the spec into smaller specs, or shorten large values such as env",
               m->name, who, body, CFN_MAX_BODY);
    ok = false;
  }
  if (desc > CFN_MAX_DESCRIPTION) {
    diag_error(d, pos, NULL,
               "cloudformation: the template description of %s (%s) is %zu bytes, past CloudFormation's limit "
               "of %d bytes; use a shorter spec file name",
               m->name, who, desc, CFN_MAX_DESCRIPTION);
    ok = false;
  }
  return ok;
}

/* ---- the template ---- */

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static json_t *build(C *c) {
  const Plan *p = c->p;
  c->n = p->resources.len;
  c->res = arena_alloc(c->a, sizeof(Res) * (size_t)(c->n + 1));
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    x->r = p->resources.items[i];
    x->k = kind_of(x->r);
    if (!x->k) {
      bad(c, x, "no CloudFormation type for plan kind '%s'", x->r->kind);
      x->k = &KINDS[sizeof KINDS / sizeof *KINDS - 1];
      continue;
    }
  }
  if (c->failed)
    return NULL;
  assign_ids(c);
  c->resources = json_object();
  c->outputs = json_object();
  /* Resources first, so folded kinds find their owner's Properties. */
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    x->depends = json_array();
    if (!x->k->type)
      continue;
    x->props = json_object();
    x->res = json_object();
    json_object_set_new(x->res, "Type", json_string(x->k->type));
    /* Which plan resource this is, as CDK records its construct path. */
    json_object_set_new(x->res, "Metadata", json_pack("{s:s}", "infrac:id", x->r->id));
    json_object_set(x->res, "Properties", x->props);
    json_object_set_new(c->resources, x->lid, x->res);
  }
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    x->k->props(c, x);
    if (!x->k->type)
      continue;
    if (x->k->tags && x->r->taggable)
      put(x->props, "Tags", tags(c, x));
    /* Ordering the plan needs beyond references, minus what a reference
     * already implies (cfn-lint W3005). */
    for (int k = 0; k < x->r->after.len; k++) {
      const char *id = x->r->after.items[k];
      bool implied = false;
      const char *w = wait_id(c, id);
      for (int j = 0; j < x->r->deps.len; j++)
        implied |= !strcmp(x->r->deps.items[j], id) && w == find(c, id)->lid;
      if (!implied && w)
        depend(x, w);
    }
  }
  for (int i = 0; i < c->n; i++) {
    Res *x = &c->res[i];
    if (x->res && json_array_size(x->depends)) {
      json_t *sorted = json_array();
      const char **ids = arena_alloc(c->a, sizeof(char *) * json_array_size(x->depends));
      size_t k;
      json_t *e;
      json_array_foreach(x->depends, k, e) ids[k] = json_string_value(e);
      qsort(ids, json_array_size(x->depends), sizeof *ids, str_cmp_ptr);
      for (k = 0; k < json_array_size(x->depends); k++)
        json_array_append_new(sorted, json_string(ids[k]));
      json_object_set_new(x->res, "DependsOn", sorted);
    }
    json_decref(x->depends);
    x->depends = NULL;
    json_decref(x->props);
  }
  add_outputs(c);
  check_exports(c);
  if (!json_object_size(c->resources)) {
    /* A stack needs one resource; a spec without any still deploys, as a
     * stack holding only this handle (it creates nothing in the account). */
    json_object_set_new(c->resources, "Placeholder",
                        json_pack("{s:s}", "Type", "AWS::CloudFormation::WaitConditionHandle"));
  }
  const Model *m = p->m;
  json_t *t = json_object();
  json_object_set_new(t, "AWSTemplateFormatVersion", json_string("2010-09-09"));
  json_object_set_new(t, "Description",
                      jstr(c, NULL, arena_printf(c->a, "infrac spec %s, environment %s (%s), compiled from %s; "
                                                       "edit the spec, not this template",
                                                 m->name, m->env, m->region, base_name(m->file))));
  json_object_set_new(t, "Resources", c->resources);
  if (json_object_size(c->outputs))
    json_object_set_new(t, "Outputs", c->outputs);
  else
    json_decref(c->outputs);
  return t;
}

bool cfn_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  C cc = {.a = a, .d = d, .p = p}, *c = &cc;
  json_t *t = build(c);
  if (!t || c->failed) {
    json_decref(t);
    return false;
  }
  char *text = json_dumps(t, JSON_INDENT(2) | JSON_SORT_KEYS);
  int nresources = (int)json_object_size(json_object_get(t, "Resources"));
  size_t desc = json_string_length(json_object_get(t, "Description"));
  json_decref(t);
  if (!text) {
    bad(c, NULL, "the template could not be serialised");
    return false;
  }
  size_t len = strlen(text);
  char *body = arena_alloc(a, len + 2);
  memcpy(body, text, len);
  body[len] = '\n';
  free(text);
  if (!check_limits(d, p->m, nresources, c->noutputs, len + 1, desc))
    return false;
  out_add(out, arena_printf(a, "%s.json", p->m->name), body, len + 1);
  return true;
}
