/*
 * kubernetes: the "kubernetes" target. Turns the plan's services into
 * manifests that `kubectl apply -k` takes: one file per service
 * (service-<name>.yaml: ServiceAccount, ConfigMaps, ExternalSecret,
 * Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler,
 * NetworkPolicy), one for the shared objects (shared.yaml: Namespace,
 * default-deny NetworkPolicy, Ingress) and kustomization.yaml listing
 * exactly those files.
 *
 * The facts come from the plan: task_definition (image, port, user, cpu,
 * memory, env, secrets, volumes), ecs_service (desired count, security
 * group), autoscaling_target/policy, target_group (health checks),
 * listener/listener_rule (routes, certificates, redirects) and the
 * security_group_rule resources, which become NetworkPolicy rules, so the
 * network wiring is decided once, in plan.c. The model is read only for
 * the access list, the health_check path, the tags and, for errors, where
 * a listener's redirect was written. What the AWS Load Balancer Controller
 * cannot express (see ssl_redirect) is an error, never a silent difference
 * from the ALB the other targets build. Every tunable default (security
 * contexts, probes, rollout, resource ratios, PDB, spread, HPA behaviour,
 * ingress annotations, network policy peers, secret stores) lives in
 * templates/kubernetes/defaults.yaml.
 *
 * Documents are Value trees written through libyaml's emitter, never by
 * pasting text. Every string value is double-quoted and mapping keys are
 * plain only when they are schema field names or label-style keys that
 * no YAML 1.1 reader takes for anything else; a map whose keys are user
 * data (ConfigMap data) is marked with `quoted` and gets quoted keys.
 * Numbers and booleans Kubernetes needs as such are plain.
 */
#include <assert.h>
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "emit.h"
#include "jobs.h"
#include "names.h"
#include "tmpl.h"

#define TMPL "kubernetes/defaults.yaml"

typedef enum { PEER_SERVICE, PEER_LB, PEER_DATABASE } PeerKind;

/* What a security group in the plan stands for, so a security_group_rule
 * can become a NetworkPolicy peer: a service's pods, or the IP blocks of
 * the load balancer's or a database's subnets. */
typedef struct Peer {
  const char *sg;      /* plan id of the security group */
  PeerKind kind;
  int service;         /* model index for PEER_SERVICE */
  Value *cidrs;        /* V_LIST of CIDR strings for PEER_LB and PEER_DATABASE */
} Peer;

typedef struct K {
  Arena *a;
  Diags *d;
  const Plan *p;
  const Model *m;
  const char *ns;
  const char **svc;    /* DNS-1123 name per model service */
  TmplVar vars[4];
  int nvars;
  Vec peers;           /* of Peer * */
  Value *peer_ix;      /* security group id -> index of its first Peer */
  struct ByRef *rules_by_sg, *policies_by_target;   /* see by_ref */
  int nrules_by_sg, npolicies_by_target;
  Value *tcache;       /* template path -> its expansion (see tget) */
  Value **sel;         /* per model service: its selector, once made */
  Value absent;        /* in tcache: the path is absent */
  const char *header;  /* every file's first line */
  Vec files;           /* of YamlFile *, written by write_files */
  bool failed;
} K;

/* ---- small builders ---- */

static Value *M(K *k) { return val_map(k->a); }
static Value *L(K *k) { return val_list(k->a); }
/* A string that is not copied: every string a document holds lives as
 * long as the arena (a literal, the plan's, the templates' or k->a's). */
static Value *S(K *k, const char *s) {
  Value *v = val_new(k->a, V_STR, (Pos){0});
  v->s = s;
  return v;
}
static Value *I(K *k, long long i) { return val_int(k->a, i); }
static void set(K *k, Value *map, const char *key, Value *v) {
  if (v)
    val_set(k->a, map, key, v);
}
/* set for a key the map cannot hold yet (a fresh map and a field name
 * the caller writes once): appended without val_set's lookup and copy.
 * 'key' lives as long as the arena. Maps that reach val_set's index size
 * go through val_set, which builds the index. */
static void add(K *k, Value *map, const char *key, Value *v) {
  if (!v)
    return;
  assert(!val_entry(map, key));
  if (map->map.hidx || map->map.n + 1 >= MAP_INDEX_MIN) {
    val_set(k->a, map, key, v);
    return;
  }
  if (map->map.n == map->map.cap) {
    int cap = map->map.cap ? map->map.cap * 2 : 4;
    MapEntry *entries = arena_alloc(k->a, sizeof *entries * (size_t)cap);
    if (map->map.n)
      memcpy(entries, map->map.entries, sizeof *entries * (size_t)map->map.n);
    map->map.entries = entries;
    map->map.cap = cap;
  }
  map->map.entries[map->map.n++] = (MapEntry){.key = key, .val = v};
}
static void push(K *k, Value *list, Value *v) {
  if (v)
    val_push(k->a, list, v);
}
static const char *fmt(K *k, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(K *k, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = arena_vprintf(k->a, f, ap);
  va_end(ap);
  return s;
}

/* The concatenation of up to three strings (NULL: none) in the arena:
 * names are made by the thousand, and printf costs several times as much. */
static const char *cat(K *k, const char *x, const char *y, const char *z) {
  size_t lx = x ? strlen(x) : 0, ly = y ? strlen(y) : 0, lz = z ? strlen(z) : 0;
  char *s = arena_alloc(k->a, lx + ly + lz + 1);
  if (lx)
    memcpy(s, x, lx);
  if (ly)
    memcpy(s + lx, y, ly);
  if (lz)
    memcpy(s + lx + ly, z, lz);
  s[lx + ly + lz] = '\0';
  return s;
}

/* The decimal digits of i, ending at 'end' (room for 20 characters);
 * returns the first one. */
static char *put_dec(char *end, long long i) {
  unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
  char *p = end;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (i < 0)
    *--p = '-';
  return p;
}

static const char *dec(K *k, long long i) {
  char buf[24], *end = buf + sizeof buf, *p = put_dec(end, i);
  return arena_strndup(k->a, p, (size_t)(end - p));
}

/* An error at 'pos' (and the spec key 'path', NULL when there is none):
 * the target fails and writes nothing. */
static void problem_at(K *k, Pos pos, const char *path, const char *f, ...) __attribute__((format(printf, 4, 5)));
static void problem_at(K *k, Pos pos, const char *path, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *msg = arena_vprintf(k->a, f, ap);
  va_end(ap);
  diag_error(k->d, pos, path, "kubernetes: %s", msg);
  k->failed = true;
}
#define problem(k, pos, ...) problem_at(k, pos, NULL, __VA_ARGS__)

/* Copy every entry of map 'from' into 'to' (later keys win). */
static void merge_into(K *k, Value *to, const Value *from) {
  if (!from || from->kind != V_MAP)
    return;
  for (int i = 0; i < from->map.n; i++)
    set(k, to, from->map.entries[i].key, from->map.entries[i].val);
}

/* ---- templates ---- */

static void set_var(K *k, const char *name, const char *value) {
  for (int i = 0; i < k->nvars; i++)
    if (!strcmp(k->vars[i].name, name)) {
      k->vars[i].value = value;
      return;
    }
  k->vars[k->nvars++] = (TmplVar){name, value};
}

/* Whether a template value names the one variable that changes during a
 * run, ${service}: without it, its expansion is the same for every
 * service and tget keeps it. */
static bool names_service(const Value *v) {
  switch (v->kind) {
  case V_STR:
    return strstr(v->s, "${service}") != NULL;
  case V_LIST:
    for (int i = 0; i < v->list.n; i++)
      if (names_service(v->list.items[i]))
        return true;
    return false;
  case V_MAP:
    for (int i = 0; i < v->map.n; i++)
      if (strstr(v->map.entries[i].key, "${service}") || names_service(v->map.entries[i].val))
        return true;
    return false;
  default:
    return false;
  }
}

/* The template value at a dotted path of section names, expanded with the
 * current variables. NULL when it is absent (an error unless 'optional')
 * or not of kind 'want' (-1: any). The expansion may be shared with
 * other callers: copy it before changing it. Expansions that do not name
 * ${service} are made once per run; errors are reported at every call,
 * as before the cache. */
static Value *tget(K *k, const char *path, int want, bool optional) {
  Value *hit = val_get(k->tcache, path);
  if (hit == &k->absent && optional)
    return NULL;
  if (hit && hit != &k->absent && (want < 0 || hit->kind == (VKind)want))
    return hit;
  Value *v = tmpl_get(k->a, k->d, TMPL);
  if (!v) {
    k->failed = true;
    return NULL;
  }
  Pos at = v->pos;
  char *copy = arena_strdup(k->a, path), *save = NULL;
  for (char *part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save)) {
    at = v->pos;
    v = val_get(v, part);
  }
  if (!v) {
    if (!optional)
      problem(k, at, "template %s has no '%s'", TMPL, path);
    else
      val_set(k->a, k->tcache, path, &k->absent);
    return NULL;
  }
  if (want >= 0 && v->kind != (VKind)want) {
    problem(k, v->pos, "template %s: '%s' must be a %s, found a %s", TMPL, path,
            val_kind_name((VKind)want), val_kind_name(v->kind));
    return NULL;
  }
  Value *x = tmpl_expand(k->a, v, k->vars, k->nvars);
  if (x && !names_service(v))
    val_set(k->a, k->tcache, path, x);
  return x ? x : (want == V_LIST ? L(k) : want == V_MAP ? M(k) : NULL);
}

static const char *tstr(K *k, const char *path) {
  Value *v = tget(k, path, V_STR, false);
  return v ? v->s : "";
}

/* ---- plan readers ---- */

static Resource *find(K *k, const char *kind, const char *key) {
  return plan_find(k->p, cat(k, kind, ".", key));
}

/* A resource the plan must have for a service; its absence is a bug. */
static Resource *need(K *k, const char *kind, const char *key, Pos at) {
  Resource *r = find(k, kind, key);
  if (!r)
    problem(k, at, "the plan has no %s.%s", kind, key);
  return r;
}

static long long aint(const Value *map, const char *key, long long def) {
  Value *v = val_get(map, key);
  return v && v->kind == V_INT ? v->i : def;
}

/* The literal text of a plan value: a string, a reference whose value is
 * known before deploying, or a concatenation of those; NULL otherwise. */
static const char *literal(K *k, const Value *v) {
  if (!v)
    return NULL;
  switch (v->kind) {
  case V_STR:
    return v->s;
  case V_REF:
    return v->ref.known;
  case V_CONCAT: {
    Buf b;
    buf_init(&b);
    for (int i = 0; i < v->concat.n; i++) {
      const char *s = literal(k, v->concat.parts[i]);
      if (!s) {
        buf_release(&b);
        return NULL;
      }
      buf_puts(&b, s);
    }
    return buf_finish(&b, k->a);
  }
  default:
    return NULL;
  }
}

static const char *ref_res(const Value *v) { return v && v->kind == V_REF ? v->ref.res : NULL; }
static const char *nz(const char *s, const char *dflt) { return s ? s : dflt; }

/* The first item of a list attribute, NULL when there is none. */
static Value *first(const Value *list) {
  return list && list->kind == V_LIST && list->list.n ? list->list.items[0] : NULL;
}

/* The container port of a service's task definition. */
static long long container_port(const Resource *td) {
  Value *ct = td ? first(val_get(td->attrs, "containers")) : NULL;
  return aint(first(val_get(ct, "portMappings")), "containerPort", 0);
}

/* The CIDR blocks of a list of subnet references, in order. */
static Value *subnet_cidrs(K *k, const Value *subnets) {
  Value *out = L(k);
  for (int i = 0; subnets && subnets->kind == V_LIST && i < subnets->list.n; i++) {
    Resource *sn = plan_find(k->p, ref_res(subnets->list.items[i]) ? ref_res(subnets->list.items[i]) : "");
    const char *cidr = sn ? literal(k, val_get(sn->attrs, "cidr_block")) : NULL;
    if (cidr)
      push(k, out, S(k, cidr));
  }
  return out;
}

static void add_peers(K *k, const Value *sgs, PeerKind kind, int service, Value *cidrs) {
  for (int i = 0; sgs && sgs->kind == V_LIST && i < sgs->list.n; i++) {
    const char *id = ref_res(sgs->list.items[i]);
    if (!id)
      continue;
    Peer *pe = arena_alloc(k->a, sizeof *pe);
    *pe = (Peer){id, kind, service, cidrs};
    vec_push(k->a, &k->peers, pe);
    if (!val_get(k->peer_ix, id))
      val_set(k->a, k->peer_ix, id, I(k, k->peers.len - 1));
  }
}

static Peer *peer_of(K *k, const char *sg) {
  Value *ix = sg && k->peer_ix ? val_get(k->peer_ix, sg) : NULL;
  return ix ? k->peers.items[ix->i] : NULL;
}

/* Resources of one kind by the resource an attribute of theirs refers to
 * (security group rules by group, scaling policies by target), sorted once
 * so each service finds its own with a binary search: scanning every rule
 * of the plan per service made large specs quadratic. */
struct ByRef {
  const char *ref;
  int order;
  Resource *r;
};

static int by_ref_cmp(const void *x, const void *y) {
  const struct ByRef *a = x, *b = y;
  int c = strcmp(a->ref, b->ref);
  return c ? c : a->order - b->order;
}

static int by_ref(K *k, const char *kind, const char *attr, struct ByRef **out) {
  Resource **rs;
  int n = plan_of_kind(k->p, kind, &rs), m = 0;
  struct ByRef *v = arena_alloc(k->a, sizeof *v * (size_t)(n + 1));
  for (int i = 0; i < n; i++) {
    const char *ref = ref_res(val_get(rs[i]->attrs, attr));
    if (ref)
      v[m++] = (struct ByRef){ref, i, rs[i]};
  }
  qsort(v, (size_t)m, sizeof *v, by_ref_cmp);
  *out = v;
  return m;
}

/* The entries of 'v' (n of them) referring to 'ref', in plan order. */
static int by_ref_find(const struct ByRef *v, int n, const char *ref, const struct ByRef **out) {
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (strcmp(v[mid].ref, ref) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  int m = 0;
  while (lo + m < n && !strcmp(v[lo + m].ref, ref))
    m++;
  *out = v + lo;
  return m;
}

/* Index the security groups of services, the load balancer and databases. */
static void index_peers(K *k) {
  k->peer_ix = M(k);
  k->nrules_by_sg = by_ref(k, "security_group_rule", "security_group", &k->rules_by_sg);
  k->npolicies_by_target = by_ref(k, "autoscaling_policy", "target", &k->policies_by_target);
  for (int i = 0; i < k->m->nservices; i++) {
    Resource *es = find(k, "ecs_service", k->m->services[i].key);
    if (es)
      add_peers(k, val_get(es->attrs, "security_groups"), PEER_SERVICE, i, NULL);
  }
  Resource **rs;
  int n = plan_of_kind(k->p, "load_balancer", &rs);
  for (int i = 0; i < n; i++)
    add_peers(k, val_get(rs[i]->attrs, "security_groups"), PEER_LB, -1,
              subnet_cidrs(k, val_get(rs[i]->attrs, "subnets")));
  n = plan_of_kind(k->p, "db_instance", &rs);
  for (int i = 0; i < n; i++) {
    Resource *group = plan_find(k->p, nz(ref_res(val_get(rs[i]->attrs, "db_subnet_group")), ""));
    add_peers(k, val_get(rs[i]->attrs, "security_groups"), PEER_DATABASE, -1,
              subnet_cidrs(k, group ? val_get(group->attrs, "subnets") : NULL));
  }
}

/* ---- names and labels ---- */

/* An environment-variable name from a spec key: upper case, '_' for the rest. */
static const char *env_part(K *k, const char *key) {
  char *s = arena_strdup(k->a, key);
  for (char *q = s; *q; q++)
    *q = isalnum((unsigned char)*q) ? (char)toupper((unsigned char)*q) : '_';
  return s;
}

static Value *common_labels(K *k) {
  Value *l = M(k);
  merge_into(k, l, tget(k, "labels.common", V_MAP, false));
  return l;
}

static void use_service(K *k, int i) { set_var(k, "service", i >= 0 ? k->svc[i] : NULL); }

/* The selector labels of service i (and ${service} set to it), made once
 * per service: each service's pods are selected by several objects, its
 * own and its peers'. Shared: never changed. */
static Value *selector(K *k, int i) {
  use_service(k, i);
  if (i >= 0 && k->sel[i])
    return k->sel[i];
  Value *sel = tget(k, "labels.selector", V_MAP, false);
  if (sel && i >= 0)
    k->sel[i] = sel;
  return sel ? sel : M(k);
}

static Value *service_labels(K *k, int i) {
  Value *l = common_labels(k);
  merge_into(k, l, selector(k, i));
  return l;
}

static Value *metadata(K *k, const char *name, Value *labels, Value *annotations) {
  Value *md = M(k);
  add(k, md, "name", S(k, name));
  add(k, md, "namespace", S(k, k->ns));
  if (labels && labels->map.n)
    add(k, md, "labels", labels);
  if (annotations && annotations->map.n)
    add(k, md, "annotations", annotations);
  return md;
}

static Value *object(K *k, const char *api, const char *kind, Value *md) {
  Value *o = M(k);
  add(k, o, "apiVersion", S(k, api));
  add(k, o, "kind", S(k, kind));
  add(k, o, "metadata", md);
  return o;
}

static Value *match_labels(K *k, Value *labels) {
  Value *m = M(k);
  add(k, m, "matchLabels", labels);
  return m;
}

/* ---- YAML through libyaml ----
 *
 * Files are turned into YAML text once every document is built, each file
 * on its own, so the files of a large spec are written on several threads
 * (see jobs.h; libyaml's emitter is most of this target's time). Writing
 * reads the trees and touches nothing else: a problem stays with its file
 * and is reported afterwards, in file order. */

typedef enum { YAML_OK, BAD_EMITTER, BAD_UTF8, BAD_KIND } YamlProblem;

typedef struct YamlFile {
  const char *path;
  const Value *docs;
  const char *header;
  Buf text;
  YamlProblem problem;  /* the first one */
  Pos at;
  const char *arg;      /* the emitter's words, the string, the kind */
} YamlFile;

static bool bad(YamlFile *f, YamlProblem what, Pos at, const char *arg) {
  f->problem = what;
  f->at = at;
  f->arg = arg;
  return false;
}

static int on_write(void *data, unsigned char *buffer, size_t size) {
  buf_add(data, (const char *)buffer, size);
  return 1;
}

static bool emit(YamlFile *f, yaml_emitter_t *e, yaml_event_t *ev) {
  return yaml_emitter_emit(e, ev) || bad(f, BAD_EMITTER, (Pos){0}, e->problem ? e->problem : "failed");
}

/* A scalar of 'len' bytes: double-quoted, or plain. */
static bool scalar(YamlFile *f, yaml_emitter_t *e, const char *s, size_t len, bool quote) {
  yaml_event_t ev;
  yaml_scalar_style_t style = quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE;
  if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, !quote, quote, style))
    return bad(f, BAD_UTF8, (Pos){0}, s);
  return emit(f, e, &ev);
}

/* The bytes of a plain key after its first letter: ASCII letters,
 * digits, '.', '/' and '-'. */
static const bool key_byte[256] = {
    ['-'] = 1, ['.'] = 1, ['/'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* A key that every YAML reader, 1.1 or 1.2, reads back as the same
 * string when written plain: a field name or a label-style key, and none
 * of the YAML 1.1 boolean and null words. Sets *len to strlen(s), found
 * on the way. */
static bool plain_key_len(const char *s, size_t *len) {
  static const struct { const char *w; size_t n; } words[] = {
      {"y", 1}, {"n", 1}, {"yes", 3}, {"no", 2}, {"on", 2}, {"off", 3}, {"true", 4}, {"false", 5}, {"null", 4},
  };
  const char *q = s;
  while (key_byte[(unsigned char)*q])
    q++;
  *len = (size_t)(q - s);
  if (*q) {
    *len += strlen(q);
    return false;
  }
  if (!isalpha((unsigned char)s[0]))
    return false;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (*len == words[i].n && !strcasecmp(s, words[i].w))
      return false;
  return true;
}

/* plain_key_len without the length (inline: only the unit tests call it) */
static inline bool plain_key(const char *s) {
  size_t len;
  return plain_key_len(s, &len);
}

static bool node(YamlFile *f, yaml_emitter_t *e, const Value *v) {
  yaml_event_t ev;
  switch (v->kind) {
  case V_MAP:
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    if (!emit(f, e, &ev))
      return false;
    for (int i = 0; i < v->map.n; i++) {
      const MapEntry *me = &v->map.entries[i];
      size_t len;
      bool plain = plain_key_len(me->key, &len);
      if (!scalar(f, e, me->key, len, v->quoted || !plain) || !node(f, e, me->val))
        return false;
    }
    yaml_mapping_end_event_initialize(&ev);
    return emit(f, e, &ev);
  case V_LIST:
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    if (!emit(f, e, &ev))
      return false;
    for (int i = 0; i < v->list.n; i++)
      if (!node(f, e, v->list.items[i]))
        return false;
    yaml_sequence_end_event_initialize(&ev);
    return emit(f, e, &ev);
  case V_STR:
    return scalar(f, e, v->s, strlen(v->s), true);
  case V_INT: {
    char buf[24], *end = buf + sizeof buf - 1, *p;
    *end = '\0';
    p = put_dec(end, v->i);
    return scalar(f, e, p, (size_t)(end - p), false);
  }
  case V_FLOAT: {
    char text[32];
    snprintf(text, sizeof text, "%.17g", v->f);
    return scalar(f, e, text, strlen(text), false);
  }
  case V_BOOL:
    return v->b ? scalar(f, e, "true", 4, false) : scalar(f, e, "false", 5, false);
  case V_NULL:
    return scalar(f, e, "null", 4, false);
  default:
    /* references are resolved to literals before a document is built */
    return bad(f, BAD_KIND, v->pos, val_kind_name(v->kind));
  }
}

/* One file: its documents (a list of maps) as one YAML stream, after a
 * header. Runs on any thread. */
static void write_yaml(void *ctx, int i) {
  YamlFile *f = ((YamlFile **)ctx)[i];
  buf_init(&f->text);
  buf_puts(&f->text, f->header);
  yaml_emitter_t e;
  yaml_emitter_initialize(&e);
  yaml_emitter_set_output(&e, on_write, &f->text);
  yaml_emitter_set_unicode(&e, 1);
  yaml_emitter_set_width(&e, -1);
  yaml_emitter_set_indent(&e, 2);
  yaml_emitter_set_break(&e, YAML_LN_BREAK);
  yaml_event_t ev;
  yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
  bool ok = emit(f, &e, &ev);
  for (int d = 0; ok && d < f->docs->list.n; d++) {
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
    ok = emit(f, &e, &ev) && node(f, &e, f->docs->list.items[d]);
    if (ok) {
      yaml_document_end_event_initialize(&ev, 1);
      ok = emit(f, &e, &ev);
    }
  }
  if (ok) {
    yaml_stream_end_event_initialize(&ev);
    if (emit(f, &e, &ev) && !yaml_emitter_flush(&e))
      bad(f, BAD_EMITTER, (Pos){0}, "failed");
  }
  yaml_emitter_delete(&e);
}

/* A file to write, once every document is built. */
static void add_file(K *k, const char *path, const Value *docs) {
  if (!k->header)
    k->header = arena_printf(k->a, "# Generated by infrac from the %s spec (%s). Edit the spec, not this file.\n",
                             k->m->name, k->m->env);
  YamlFile *f = arena_alloc(k->a, sizeof *f);
  f->path = path;
  f->docs = docs;
  f->header = k->header;
  vec_push(k->a, &k->files, f);
}

/* Every file, on several threads; then, in file order, each one's text
 * into the output or its problem into the diagnostics. */
static void write_files(K *k, Output *out) {
  jobs_run(k->files.len, write_yaml, k->files.items);
  for (int i = 0; i < k->files.len; i++) {
    YamlFile *f = k->files.items[i];
    size_t len = f->text.len;
    char *data = buf_finish(&f->text, k->a);
    if (f->problem == BAD_EMITTER)
      problem(k, f->at, "YAML emitter: %s", f->arg);
    else if (f->problem == BAD_UTF8)
      problem(k, f->at, "the string \"%s\" is not valid UTF-8", f->arg);
    else if (f->problem == BAD_KIND)
      problem(k, f->at, "a %s value has no Kubernetes form", f->arg);
    else
      out_add(out, f->path, data, len);
  }
}

/* ---- per-service objects ---- */

typedef struct Svc {
  int i;
  const Service *s;
  const char *name;
  Resource *td, *es;
  Value *ct;           /* the task definition's container */
  int port;
  Value *labels, *sel;
  Value *env;          /* ConfigMap data, NULL when none */
  Value *endpoints;    /* ConfigMap data, NULL when none */
  Value *secrets;      /* container secrets list from the plan */
} Svc;

/* millicores of Fargate CPU units (1024 units = 1 CPU), scaled by pct */
static long long millicores(long long units, long long pct) { return units * 1000 * pct / (1024 * 100); }

static Value *resources(K *k, const Svc *v) {
  Value *r = M(k);
  static const char *const sides[] = {"requests", "limits"};
  static const char *const paths[] = {"resources.requests", "resources.limits"};
  for (int s = 0; s < 2; s++) {
    Value *t = tget(k, paths[s], V_MAP, true);
    if (!t)
      continue;
    Value *side = M(k);
    for (int i = 0; i < t->map.n; i++) {
      const MapEntry *me = &t->map.entries[i];
      if (me->val->kind != V_INT || me->val->i <= 0 || me->val->i > 1000) {
        problem(k, me->val->pos, "template %s: resources.%s.%s is a percentage (1-1000)", TMPL, sides[s], me->key);
        continue;
      }
      if (!strcmp(me->key, "cpu"))
        set(k, side, "cpu", S(k, cat(k, dec(k, millicores(aint(v->td->attrs, "cpu", 256), me->val->i)), "m", NULL)));
      else if (!strcmp(me->key, "memory"))
        set(k, side, "memory", S(k, cat(k, dec(k, aint(v->td->attrs, "memory", 512) * me->val->i / 100), "Mi", NULL)));
      else
        problem(k, me->key_pos, "template %s: resources.%s has cpu and memory only, found '%s'", TMPL, sides[s], me->key);
    }
    if (side->map.n)
      set(k, r, sides[s], side);
  }
  return r;
}

static Value *probe(K *k, const char *path, const Svc *v) {
  Value *t = tget(k, path, V_MAP, true);
  if (!t)
    return NULL;
  Value *p = M(k);
  Value *get = M(k);
  set(k, get, "path", S(k, v->s->health_check));
  set(k, get, "port", S(k, "http"));
  set(k, p, "httpGet", get);
  merge_into(k, p, t);
  return p;
}

/* ConfigMap data for the service's access list: how the pods find what
 * they may reach (see docs/kubernetes.md). */
static Value *endpoint_data(K *k, const Svc *v) {
  const Service *s = v->s;
  if (!s->naccess)
    return NULL;
  Value *d = M(k);
  d->quoted = true;
  set(k, d, "AWS_REGION", S(k, k->m->region));
  for (int i = 0; i < s->naccess; i++) {
    const Access *ac = &s->access[i];
    const char *up = env_part(k, ac->target);
    Value *add = M(k);
    if (ac->kind == ACCESS_DATABASE) {
      Resource *db = need(k, "db_instance", ac->target, ac->at->pos);
      if (!db)
        continue;
      set(k, add, cat(k, "DB_", up, "_IDENTIFIER"), S(k, db->name));
      set(k, add, cat(k, "DB_", up, "_ENGINE"), S(k, nz(literal(k, val_get(db->attrs, "engine")), "")));
      set(k, add, cat(k, "DB_", up, "_PORT"), S(k, dec(k, aint(db->attrs, "port", 0))));
      set(k, add, cat(k, "DB_", up, "_USER"), S(k, nz(literal(k, val_get(db->attrs, "username")), "")));
      Value *iam = val_get(db->attrs, "iam_database_authentication_enabled");
      set(k, add, cat(k, "DB_", up, "_IAM_AUTH"), S(k, iam && iam->kind == V_BOOL && iam->b ? "true" : "false"));
      const char *host = literal(k, val_get(db->attrs, "endpoint"));
      if (host)
        set(k, add, cat(k, "DB_", up, "_HOST"), S(k, host));
    } else if (ac->kind == ACCESS_TABLE) {
      Resource *t = need(k, "dynamodb_table", ac->target, ac->at->pos);
      if (!t)
        continue;
      set(k, add, cat(k, "TABLE_", up, "_NAME"), S(k, t->name));
      const char *arn = plan_arn(k->a, k->p, "dynamodb", true, cat(k, "table/", t->name, NULL));
      if (arn)
        set(k, add, cat(k, "TABLE_", up, "_ARN"), S(k, arn));
    } else {
      Service *peer = model_service(k->m, ac->target);
      Resource *es = need(k, "ecs_service", ac->target, ac->at->pos);
      long long port = container_port(find(k, "task_definition", ac->target));
      if (!es || !peer)
        continue;
      int j = (int)(peer - k->m->services);
      set(k, add, cat(k, "SERVICE_", up, "_HOST"), S(k, k->svc[j]));
      const char *num = dec(k, port);
      set(k, add, cat(k, "SERVICE_", up, "_PORT"), S(k, num));
      set(k, add, cat(k, "SERVICE_", up, "_URL"), S(k, cat(k, cat(k, "http://", k->svc[j], ":"), num, NULL)));
    }
    for (int x = 0; x < add->map.n; x++) {
      if (val_get(d, add->map.entries[x].key))
        problem(k, ac->at->pos, "services.%s: two entries of access both give the variable %s", s->key,
                add->map.entries[x].key);
      set(k, d, add->map.entries[x].key, add->map.entries[x].val);
    }
  }
  return d;
}

static Value *config_map(K *k, const Svc *v, const char *suffix, Value *data) {
  Value *o = object(k, "v1", "ConfigMap", metadata(k, cat(k, v->name, "-", suffix), v->labels, NULL));
  add(k, o, "data", data);
  return o;
}

static Value *service_account(K *k, const Svc *v) {
  Value *ann = M(k);
  const char *arn = literal(k, val_get(v->td->attrs, "task_role"));
  if (arn) {
    merge_into(k, ann, tget(k, "service_account.annotations", V_MAP, true));
    set(k, ann, tstr(k, "service_account.role_arn_annotation"), S(k, arn));
  }
  Value *o = object(k, "v1", "ServiceAccount", metadata(k, v->name, v->labels, ann));
  add(k, o, "automountServiceAccountToken", tget(k, "service_account.automountServiceAccountToken", V_BOOL, false));
  return o;
}

/* Split a secret ARN into the ExternalSecret remote reference: Secrets
 * Manager ARNs may end in :json-key:version-stage:version-id, which
 * become property and version. */
static Value *remote_ref(K *k, const char *arn, bool *ssm) {
  Value *r = M(k);
  *ssm = strstr(arn, ":ssm:") != NULL;
  if (*ssm) {
    add(k, r, "key", S(k, arn));
    return r;
  }
  /* arn:partition:secretsmanager:region:account:secret:name[:key:stage:id] */
  const char *p = arn;
  for (int colons = 0; *p && colons < 7; p++)
    colons += *p == ':';
  if (!*p) {
    add(k, r, "key", S(k, arn));
    return r;
  }
  add(k, r, "key", S(k, arena_strndup(k->a, arn, (size_t)(p - 1 - arn))));
  char *rest = arena_strdup(k->a, p);
  char *parts[3] = {0};
  for (int i = 0; i < 3; i++) {
    parts[i] = rest;
    char *c = rest ? strchr(rest, ':') : NULL;
    if (c)
      *c = '\0';
    rest = c ? c + 1 : NULL;
  }
  if (parts[0] && *parts[0])
    add(k, r, "property", S(k, parts[0]));
  if (parts[2] && *parts[2])
    add(k, r, "version", S(k, cat(k, "uuid/", parts[2], NULL)));
  else if (parts[1] && *parts[1])
    add(k, r, "version", S(k, parts[1]));
  return r;
}

static Value *store_ref(K *k, bool ssm) {
  Value *st = tget(k, ssm ? "external_secrets.stores.ssm" : "external_secrets.stores.secretsmanager", V_MAP, false);
  Value *r = M(k);
  add(k, r, "kind", val_get(st, "kind"));
  add(k, r, "name", val_get(st, "name"));
  return r;
}

static Value *external_secret(K *k, const Svc *v) {
  Value *o = object(k, tstr(k, "external_secrets.apiVersion"), "ExternalSecret", metadata(k, v->name, v->labels, NULL));
  Value *spec = M(k);
  add(k, spec, "refreshInterval", tget(k, "external_secrets.refreshInterval", V_STR, false));
  bool all_ssm = true;
  for (int i = 0; i < v->secrets->list.n; i++) {
    const char *arn = literal(k, val_get(v->secrets->list.items[i], "valueFrom"));
    all_ssm &= arn && strstr(arn, ":ssm:");
  }
  add(k, spec, "secretStoreRef", store_ref(k, all_ssm));
  Value *target = M(k);
  add(k, target, "name", S(k, cat(k, v->name, "-secrets", NULL)));
  add(k, target, "creationPolicy", S(k, "Owner"));
  add(k, spec, "target", target);
  Value *data = L(k);
  for (int i = 0; i < v->secrets->list.n; i++) {
    Value *sec = v->secrets->list.items[i];
    const char *arn = literal(k, val_get(sec, "valueFrom"));
    if (!arn) {
      problem(k, v->s->at->pos, "services.%s: a secret without a known ARN", v->s->key);
      continue;
    }
    bool ssm;
    Value *item = M(k);
    add(k, item, "secretKey", S(k, nz(literal(k, val_get(sec, "name")), "")));
    add(k, item, "remoteRef", remote_ref(k, arn, &ssm));
    if (ssm != all_ssm) {
      Value *src = M(k);
      add(k, src, "storeRef", store_ref(k, ssm));
      add(k, item, "sourceRef", src);
    }
    push(k, data, item);
  }
  add(k, spec, "data", data);
  add(k, o, "spec", spec);
  return o;
}

static Value *container(K *k, const Svc *v) {
  Value *c = M(k);
  add(k, c, "name", S(k, v->name));
  add(k, c, "image", S(k, nz(literal(k, val_get(v->ct, "image")), "")));
  add(k, c, "imagePullPolicy", tget(k, "deployment.imagePullPolicy", V_STR, true));
  Value *ports = L(k);
  Value *port = M(k);
  add(k, port, "name", S(k, "http"));
  add(k, port, "containerPort", I(k, v->port));
  add(k, port, "protocol", S(k, "TCP"));
  push(k, ports, port);
  add(k, c, "ports", ports);
  Value *from = L(k);
  if (v->endpoints) {
    Value *ref = M(k), *src = M(k);
    add(k, ref, "name", S(k, cat(k, v->name, "-endpoints", NULL)));
    add(k, src, "configMapRef", ref);
    push(k, from, src);
  }
  if (v->env) {   /* last: its keys win over the endpoint variables */
    Value *ref = M(k), *src = M(k);
    add(k, ref, "name", S(k, cat(k, v->name, "-env", NULL)));
    add(k, src, "configMapRef", ref);
    push(k, from, src);
  }
  if (from->list.n)
    add(k, c, "envFrom", from);
  if (v->secrets->list.n) {
    Value *env = L(k);
    for (int i = 0; i < v->secrets->list.n; i++) {
      const char *key = nz(literal(k, val_get(v->secrets->list.items[i], "name")), "");
      Value *e = M(k), *vf = M(k), *ref = M(k);
      add(k, ref, "name", S(k, cat(k, v->name, "-secrets", NULL)));
      add(k, ref, "key", S(k, key));
      add(k, vf, "secretKeyRef", ref);
      add(k, e, "name", S(k, key));
      add(k, e, "valueFrom", vf);
      push(k, env, e);
    }
    add(k, c, "env", env);
  }
  add(k, c, "resources", resources(k, v));
  add(k, c, "startupProbe", probe(k, "probes.startup", v));
  add(k, c, "readinessProbe", probe(k, "probes.readiness", v));
  add(k, c, "livenessProbe", probe(k, "probes.liveness", v));
  Value *sc = tget(k, "container_security_context", V_MAP, false);
  if (sc) {
    sc = val_map_copy(k->a, sc);   /* tget's value is shared */
    set(k, sc, "runAsUser", I(k, strtoll(nz(literal(k, val_get(v->ct, "user")), "1000"), NULL, 10)));
  }
  add(k, c, "securityContext", sc);
  Value *mounts = L(k), *mp = val_get(v->ct, "mountPoints");
  for (int i = 0; mp && mp->kind == V_LIST && i < mp->list.n; i++) {
    Value *m = M(k);
    add(k, m, "name", val_get(mp->list.items[i], "sourceVolume"));
    add(k, m, "mountPath", val_get(mp->list.items[i], "containerPath"));
    push(k, mounts, m);
  }
  if (mounts->list.n)
    add(k, c, "volumeMounts", mounts);
  return c;
}

/* A short, stable hash of the service's configuration, so a changed value
 * changes the pod template and rolls the pods. */
static const char *config_hash(K *k, const Svc *v) {
  Buf b;
  buf_init(&b);
  if (v->env)
    val_write_text(&b, v->env);
  buf_putc(&b, '\n');
  if (v->endpoints)
    val_write_text(&b, v->endpoints);
  uint32_t x = hash_fnv1a(b.data);
  buf_release(&b);
  char *h = arena_alloc(k->a, 9);   /* "%08x" */
  for (int i = 7; i >= 0; i--, x >>= 4)
    h[i] = "0123456789abcdef"[x & 15];
  h[8] = '\0';
  return h;
}

static Value *deployment(K *k, const Svc *v) {
  Value *o = object(k, "apps/v1", "Deployment", metadata(k, v->name, v->labels, NULL));
  Value *spec = M(k);
  add(k, spec, "replicas", I(k, aint(v->es->attrs, "desired_count", 1)));
  static const char *const copied[][2] = {
      {"revisionHistoryLimit", "deployment.revisionHistoryLimit"},
      {"progressDeadlineSeconds", "deployment.progressDeadlineSeconds"},
      {"minReadySeconds", "deployment.minReadySeconds"},
  };
  for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
    set(k, spec, copied[i][0], tget(k, copied[i][1], -1, true));
  add(k, spec, "selector", match_labels(k, v->sel));
  add(k, spec, "strategy", tget(k, "deployment.strategy", V_MAP, false));

  Value *pod = M(k);
  add(k, pod, "serviceAccountName", S(k, v->name));
  add(k, pod, "automountServiceAccountToken", tget(k, "service_account.automountServiceAccountToken", V_BOOL, false));
  Value *psc = tget(k, "pod_security_context", V_MAP, false);
  if (psc) {
    psc = val_map_copy(k->a, psc);   /* tget's value is shared */
    set(k, psc, "runAsUser", I(k, strtoll(nz(literal(k, val_get(v->ct, "user")), "1000"), NULL, 10)));
  }
  add(k, pod, "securityContext", psc);
  add(k, pod, "terminationGracePeriodSeconds", tget(k, "deployment.terminationGracePeriodSeconds", -1, true));
  Value *spread = tget(k, "spread", V_LIST, false);
  if (spread && spread->list.n) {
    Value *own = L(k);   /* tget's value is shared: the maps get a selector in copies */
    for (int i = 0; i < spread->list.n; i++) {
      Value *item = spread->list.items[i];
      if (item->kind == V_MAP) {
        item = val_map_copy(k->a, item);
        set(k, item, "labelSelector", match_labels(k, v->sel));
      }
      push(k, own, item);
    }
    add(k, pod, "topologySpreadConstraints", own);
  }
  Value *cs = L(k);
  push(k, cs, container(k, v));
  add(k, pod, "containers", cs);
  Value *vols = L(k), *tv = val_get(v->td->attrs, "volumes");
  for (int i = 0; tv && tv->kind == V_LIST && i < tv->list.n; i++) {
    Value *vol = M(k);
    add(k, vol, "name", val_get(tv->list.items[i], "name"));
    add(k, vol, "emptyDir", tget(k, "deployment.tmp", V_MAP, false));
    push(k, vols, vol);
  }
  if (vols->list.n)
    add(k, pod, "volumes", vols);

  Value *tmd = M(k), *ann = M(k);
  add(k, tmd, "labels", v->labels);
  set(k, ann, tstr(k, "deployment.config_hash_annotation"), S(k, config_hash(k, v)));
  add(k, tmd, "annotations", ann);
  Value *tmpl = M(k);
  add(k, tmpl, "metadata", tmd);
  add(k, tmpl, "spec", pod);
  add(k, spec, "template", tmpl);
  add(k, o, "spec", spec);
  return o;
}

static Value *service(K *k, const Svc *v) {
  Value *ann = M(k);
  Resource *tg = find(k, "target_group", v->s->key);
  if (tg) {
    /* the AWS Load Balancer Controller reads target-group settings from
     * the Service; they mirror the plan's target group */
    Value *hc = val_get(tg->attrs, "health_check");
    static const char *const hcmap[][2] = {
        {"path", "alb.ingress.kubernetes.io/healthcheck-path"},
        {"interval", "alb.ingress.kubernetes.io/healthcheck-interval-seconds"},
        {"timeout", "alb.ingress.kubernetes.io/healthcheck-timeout-seconds"},
        {"healthy_threshold", "alb.ingress.kubernetes.io/healthy-threshold-count"},
        {"unhealthy_threshold", "alb.ingress.kubernetes.io/unhealthy-threshold-count"},
        {"matcher", "alb.ingress.kubernetes.io/success-codes"},
    };
    for (size_t i = 0; i < sizeof hcmap / sizeof hcmap[0]; i++) {
      Value *x = val_get(hc, hcmap[i][0]);
      if (x && (x->kind == V_STR || x->kind == V_INT))
        set(k, ann, hcmap[i][1], x->kind == V_STR ? S(k, x->s) : S(k, dec(k, x->i)));
    }
    long long dd = aint(tg->attrs, "deregistration_delay", -1);
    if (dd >= 0)
      set(k, ann, "alb.ingress.kubernetes.io/target-group-attributes",
          S(k, cat(k, "deregistration_delay.timeout_seconds=", dec(k, dd), NULL)));
  }
  Value *o = object(k, "v1", "Service", metadata(k, v->name, v->labels, ann));
  Value *spec = M(k);
  add(k, spec, "type", S(k, "ClusterIP"));
  add(k, spec, "selector", v->sel);
  Value *ports = L(k), *port = M(k);
  add(k, port, "name", S(k, "http"));
  add(k, port, "port", I(k, v->port));
  add(k, port, "targetPort", S(k, "http"));
  add(k, port, "protocol", S(k, "TCP"));
  push(k, ports, port);
  add(k, spec, "ports", ports);
  add(k, o, "spec", spec);
  return o;
}

static Value *pdb(K *k, const Svc *v) {
  Value *o = object(k, "policy/v1", "PodDisruptionBudget", metadata(k, v->name, v->labels, NULL));
  Value *spec = M(k);
  merge_into(k, spec, tget(k, "pdb", V_MAP, false));
  set(k, spec, "selector", match_labels(k, v->sel));
  add(k, o, "spec", spec);
  return o;
}

static Value *hpa(K *k, const Svc *v) {
  Resource *target = find(k, "autoscaling_target", v->s->key), *policy = NULL;
  if (!target)
    return NULL;
  const struct ByRef *rs;
  int n = by_ref_find(k->policies_by_target, k->npolicies_by_target, target->id, &rs);
  if (n)
    policy = rs[n - 1].r;
  Value *o = object(k, "autoscaling/v2", "HorizontalPodAutoscaler", metadata(k, v->name, v->labels, NULL));
  Value *spec = M(k), *ref = M(k);
  add(k, ref, "apiVersion", S(k, "apps/v1"));
  add(k, ref, "kind", S(k, "Deployment"));
  add(k, ref, "name", S(k, v->name));
  add(k, spec, "scaleTargetRef", ref);
  add(k, spec, "minReplicas", I(k, aint(target->attrs, "min_capacity", 1)));
  add(k, spec, "maxReplicas", I(k, aint(target->attrs, "max_capacity", 1)));
  if (policy) {
    Value *metrics = L(k), *metric = M(k), *res = M(k), *tgt = M(k);
    add(k, tgt, "type", S(k, "Utilization"));
    add(k, tgt, "averageUtilization", I(k, aint(policy->attrs, "target_value", 70)));
    add(k, res, "name", S(k, "cpu"));
    add(k, res, "target", tgt);
    add(k, metric, "type", S(k, "Resource"));
    add(k, metric, "resource", res);
    push(k, metrics, metric);
    add(k, spec, "metrics", metrics);
  }
  Value *behavior = tget(k, "hpa.behavior", V_MAP, true);
  long long cool = policy ? aint(policy->attrs, "scale_in_cooldown", -1) : -1;
  if (cool >= 0) {
    behavior = behavior ? val_map_copy(k->a, behavior) : M(k);   /* tget's value is shared */
    Value *down = val_get(behavior, "scaleDown");
    if (!down || down->kind != V_MAP) {
      down = M(k);
      set(k, behavior, "scaleDown", down);
    }
    Value *merged = M(k);
    set(k, merged, "stabilizationWindowSeconds", I(k, cool));
    merge_into(k, merged, down);
    set(k, merged, "stabilizationWindowSeconds", I(k, cool));
    set(k, behavior, "scaleDown", merged);
  }
  add(k, spec, "behavior", behavior);
  add(k, o, "spec", spec);
  return o;
}

/* One NetworkPolicy peer list for a security-group rule's other side. */
static Value *peers_for(K *k, const Svc *v, const Value *rule) {
  Value *out = L(k);
  const char *cidr = literal(k, val_get(rule, "cidr_block"));
  if (cidr) {
    Value *p = M(k), *ib = M(k);
    add(k, ib, "cidr", S(k, cidr));
    add(k, p, "ipBlock", ib);
    push(k, out, p);
    return out;
  }
  const char *sg = ref_res(val_get(rule, "peer_security_group"));
  Peer *pe = peer_of(k, sg);
  if (!pe) {
    problem(k, v->s->at->pos, "services.%s: no Kubernetes peer for security group %s", v->s->key, sg ? sg : "(none)");
    return NULL;
  }
  if (pe->kind == PEER_SERVICE) {
    Value *p = M(k);
    add(k, p, "podSelector", match_labels(k, selector(k, pe->service)));
    use_service(k, v->i);
    push(k, out, p);
    return out;
  }
  if (pe->kind == PEER_LB) {
    /* the pods of a proxying controller, if the template lists any, then the ALB's subnets */
    Value *extra = tget(k, "network_policy.ingress_controller_peers", V_LIST, false);
    for (int i = 0; extra && i < extra->list.n; i++) {
      if (extra->list.items[i]->kind == V_MAP)
        push(k, out, extra->list.items[i]);
      else
        problem(k, extra->list.items[i]->pos, "template %s: network_policy.ingress_controller_peers holds "
                "NetworkPolicy peers (maps), found a %s", TMPL, val_kind_name(extra->list.items[i]->kind));
    }
  }
  for (int i = 0; pe->cidrs && i < pe->cidrs->list.n; i++) {
    Value *p = M(k), *ib = M(k);
    add(k, ib, "cidr", pe->cidrs->list.items[i]);
    add(k, p, "ipBlock", ib);
    push(k, out, p);
  }
  return out;
}

static Value *rule_ports(K *k, const Value *rule) {
  const char *proto = literal(k, val_get(rule, "protocol"));
  if (!proto || !strcmp(proto, "-1"))
    return NULL;
  Value *ports = L(k), *p = M(k);
  char *up = arena_strdup(k->a, proto);
  for (char *q = up; *q; q++)
    *q = (char)toupper((unsigned char)*q);
  add(k, p, "protocol", S(k, up));
  long long from = aint(rule, "from_port", 0), to = aint(rule, "to_port", from);
  add(k, p, "port", I(k, from));
  if (to > from)
    add(k, p, "endPort", I(k, to));
  push(k, ports, p);
  return ports;
}

static Value *network_policy(K *k, const Svc *v) {
  Value *o = object(k, "networking.k8s.io/v1", "NetworkPolicy", metadata(k, v->name, v->labels, NULL));
  Value *spec = M(k), *types = L(k), *ingress = L(k), *egress = L(k);
  add(k, spec, "podSelector", match_labels(k, v->sel));
  push(k, types, S(k, "Ingress"));
  push(k, types, S(k, "Egress"));
  add(k, spec, "policyTypes", types);
  Value *dns = tget(k, "network_policy.dns", V_MAP, true);
  if (dns)
    push(k, egress, dns);
  const char *own = ref_res(first(val_get(v->es->attrs, "security_groups")));
  const struct ByRef *rs;
  int n = own ? by_ref_find(k->rules_by_sg, k->nrules_by_sg, own, &rs) : 0;
  for (int i = 0; i < n; i++) {
    Value *at = rs[i].r->attrs;
    bool out = str_eq(literal(k, val_get(at, "direction")), "egress");
    Value *peers = peers_for(k, v, at);
    if (!peers)
      continue;
    Value *r = M(k);
    set(k, r, out ? "to" : "from", peers);
    add(k, r, "ports", rule_ports(k, at));
    push(k, out ? egress : ingress, r);
  }
  add(k, spec, "ingress", ingress);
  add(k, spec, "egress", egress);
  add(k, o, "spec", spec);
  return o;
}

static void emit_service(K *k, int i, Value *files) {
  Svc v = {.i = i, .s = &k->m->services[i], .name = k->svc[i]};
  Pos at = v.s->at->pos;
  v.td = need(k, "task_definition", v.s->key, at);
  v.es = need(k, "ecs_service", v.s->key, at);
  if (!v.td || !v.es)
    return;
  v.ct = first(val_get(v.td->attrs, "containers"));
  if (!v.ct)
    v.ct = M(k);
  v.port = (int)container_port(v.td);
  v.labels = service_labels(k, i);
  v.sel = selector(k, i);
  Value *env = val_get(v.ct, "environment");
  if (env && env->kind == V_LIST && env->list.n) {
    v.env = M(k);
    v.env->quoted = true;
    for (int j = 0; j < env->list.n; j++)
      set(k, v.env, nz(literal(k, val_get(env->list.items[j], "name")), ""),
          S(k, nz(literal(k, val_get(env->list.items[j], "value")), "")));
  }
  v.endpoints = endpoint_data(k, &v);
  v.secrets = val_get(v.ct, "secrets");
  if (!v.secrets || v.secrets->kind != V_LIST)
    v.secrets = L(k);

  Value *docs = L(k);
  push(k, docs, service_account(k, &v));
  if (v.endpoints)
    push(k, docs, config_map(k, &v, "endpoints", v.endpoints));
  if (v.env)
    push(k, docs, config_map(k, &v, "env", v.env));
  if (v.secrets->list.n)
    push(k, docs, external_secret(k, &v));
  push(k, docs, deployment(k, &v));
  push(k, docs, service(k, &v));
  push(k, docs, pdb(k, &v));
  push(k, docs, hpa(k, &v));
  push(k, docs, network_policy(k, &v));
  if (k->failed)
    return;
  const char *path = cat(k, "service-", v.name, ".yaml");
  add_file(k, path, docs);
  push(k, files, S(k, path));
}

/* ---- shared objects ---- */

static Value *namespace_obj(K *k) {
  Value *labels = common_labels(k);
  merge_into(k, labels, tget(k, "namespace.labels", V_MAP, true));
  Value *md = M(k);
  set(k, md, "name", S(k, k->ns));
  set(k, md, "labels", labels);
  return object(k, "v1", "Namespace", md);
}

static Value *default_deny(K *k) {
  Value *o = object(k, "networking.k8s.io/v1", "NetworkPolicy", metadata(k, "default-deny", common_labels(k), NULL));
  Value *spec = M(k), *types = L(k);
  set(k, spec, "podSelector", M(k));
  push(k, types, S(k, "Ingress"));
  push(k, types, S(k, "Egress"));
  set(k, spec, "policyTypes", types);
  set(k, o, "spec", spec);
  return o;
}

static int by_priority(const void *x, const void *y) {
  const Resource *a = *(Resource *const *)x, *b = *(Resource *const *)y;
  long long pa = aint(a->attrs, "priority", 0), pb = aint(b->attrs, "priority", 0);
  return pa < pb ? -1 : pa > pb ? 1 : strcmp(a->id, b->id);
}

static int by_port(const void *x, const void *y) {
  const Resource *a = *(Resource *const *)x, *b = *(Resource *const *)y;
  long long pa = aint(a->attrs, "port", 0), pb = aint(b->attrs, "port", 0);
  return pa < pb ? -1 : pa > pb ? 1 : strcmp(a->id, b->id);
}

static const char *join(K *k, const Value *list, const char *sep) {
  Buf b;
  buf_init(&b);
  for (int i = 0; i < list->list.n; i++)
    buf_printf(&b, "%s%s", i ? sep : "", list->list.items[i]->s);
  return buf_finish(&b, k->a);
}

static void push_unique(K *k, Value *list, const char *s) {
  for (int i = 0; i < list->list.n; i++)
    if (!strcmp(list->list.items[i]->s, s))
      return;
  push(k, list, S(k, s));
}

/* Where the spec wrote a listener's redirect (and its key path), for an
 * error about it: the plan's listeners are sorted by port, the spec's not. */
static Pos redirect_at(K *k, const Value *listener, const char **path) {
  const Value *written = val_get(val_get(k->m->root, "load_balancer"), "listeners");
  long long port = aint(listener, "port", 0);
  *path = NULL;
  for (int i = 0; written && written->kind == V_LIST && i < written->list.n; i++) {
    const Value *l = written->list.items[i], *at = val_get(l, "redirect");
    if (at && aint(l, "port", 0) == port) {
      *path = fmt(k, "load_balancer.listeners[%d].redirect", i);
      return at->pos;
    }
  }
  return (Pos){0};
}

/* The port for alb.ingress.kubernetes.io/ssl-redirect, NULL when no
 * listener redirects. The AWS Load Balancer Controller gives every HTTP
 * listener of the Ingress the same redirect to one HTTPS port, and no
 * other: so a redirect from an HTTPS listener, to an HTTP port, to a
 * second port, or beside an HTTP listener that serves, has no Kubernetes
 * form. Each is an error at the listener whose redirect would be lost,
 * never a silent difference from the ALB the other targets build. */
static const char *ssl_redirect(K *k, Resource **listeners, int nl) {
  const Value *lead = NULL;   /* the first HTTP listener redirecting to HTTPS */
  long long serving = 0;      /* the port of the first HTTP listener that serves */
  for (int i = 0; i < nl; i++) {
    const Value *at = listeners[i]->attrs, *act = val_get(at, "default_action");
    if (!str_eq(nz(literal(k, val_get(at, "protocol")), "HTTP"), "HTTP"))
      continue;
    if (!str_eq(literal(k, val_get(act, "type")), "redirect")) {
      if (!serving)
        serving = aint(at, "port", 0);
    } else if (!lead && str_eq(literal(k, val_get(act, "protocol")), "HTTPS")) {
      lead = at;
    }
  }
  const char *to = lead ? literal(k, val_get(val_get(lead, "default_action"), "port")) : NULL;
  bool ok = true;
  for (int i = 0; i < nl; i++) {
    const Value *at = listeners[i]->attrs, *act = val_get(at, "default_action");
    if (!str_eq(literal(k, val_get(act, "type")), "redirect"))
      continue;
    long long port = aint(at, "port", 0);
    const char *dest = nz(literal(k, val_get(act, "port")), ""), *path;
    Pos pos = redirect_at(k, at, &path);
    bool carried = false;
    if (!str_eq(nz(literal(k, val_get(at, "protocol")), "HTTP"), "HTTP"))
      problem_at(k, pos, path, "the Ingress cannot carry a redirect from the HTTPS listener on port %lld: the AWS "
                 "Load Balancer Controller redirects HTTP listeners only", port);
    else if (!str_eq(literal(k, val_get(act, "protocol")), "HTTPS"))
      problem_at(k, pos, path, "the Ingress cannot carry the redirect of port %lld to the HTTP port %s: the AWS "
                 "Load Balancer Controller's ssl-redirect goes to an HTTPS port only", port, dest);
    else if (!str_eq(dest, to))
      problem_at(k, pos, path, "the Ingress cannot carry the redirect of port %lld to %s beside the redirect of "
                 "port %lld to %s: the AWS Load Balancer Controller's ssl-redirect sends every HTTP listener to "
                 "one HTTPS port", port, dest, aint(lead, "port", 0), to);
    else if (serving)
      problem_at(k, pos, path, "the Ingress cannot carry the redirect of port %lld to %s while the HTTP listener "
                 "on port %lld serves the routes: the AWS Load Balancer Controller's ssl-redirect redirects "
                 "every HTTP listener; redirect port %lld too, or make it HTTPS", port, dest, serving, serving);
    else
      carried = true;
    ok &= carried;
  }
  return ok ? to : NULL;
}

/* The Ingress for the AWS Load Balancer Controller: the plan's listeners
 * and listener rules, with the routes ordered as the ALB evaluates them. */
static Value *ingress(K *k) {
  Resource **rules, **lbs, **listeners;
  int nrules = plan_of_kind(k->p, "listener_rule", &rules);
  int nlb = plan_of_kind(k->p, "load_balancer", &lbs);
  if (!nrules || !nlb)
    return NULL;
  Resource *lb = lbs[0];
  Value *ann = M(k);
  merge_into(k, ann, tget(k, "ingress.annotations", V_MAP, true));
  Value *internal = val_get(lb->attrs, "internal");
  set(k, ann, "alb.ingress.kubernetes.io/scheme", S(k, internal && internal->kind == V_BOOL && internal->b ? "internal" : "internet-facing"));

  /* listeners by port, so the annotations never depend on list order */
  Resource **shared;
  int nl = plan_of_kind(k->p, "listener", &shared);
  listeners = arena_alloc(k->a, sizeof *listeners * (size_t)(nl + 1));
  memcpy(listeners, shared, sizeof *listeners * (size_t)nl);
  qsort(listeners, (size_t)nl, sizeof *listeners, by_port);
  json_t *ports = json_array();
  Value *certs = L(k);
  const char *ssl_policy = NULL;
  for (int i = 0; i < nl; i++) {
    const Value *at = listeners[i]->attrs;
    json_t *o = json_object();
    json_object_set_new(o, nz(literal(k, val_get(at, "protocol")), "HTTP"), json_integer(aint(at, "port", 80)));
    json_array_append_new(ports, o);
    const char *cert = literal(k, val_get(at, "certificate_arn"));
    if (cert)
      push_unique(k, certs, cert);
    if (!ssl_policy)
      ssl_policy = literal(k, val_get(at, "ssl_policy"));
  }
  char *lp = json_dumps(ports, JSON_COMPACT);
  json_decref(ports);
  set(k, ann, "alb.ingress.kubernetes.io/listen-ports", val_str(k->a, lp ? lp : "[]"));   /* a copy: lp is freed */
  free(lp);
  if (certs->list.n)
    set(k, ann, "alb.ingress.kubernetes.io/certificate-arn", S(k, join(k, certs, ",")));
  if (ssl_policy)
    set(k, ann, "alb.ingress.kubernetes.io/ssl-policy", S(k, ssl_policy));
  const char *redirect = ssl_redirect(k, listeners, nl);
  if (redirect)
    set(k, ann, "alb.ingress.kubernetes.io/ssl-redirect", S(k, redirect));

  Peer *pe = peer_of(k, ref_res(first(val_get(lb->attrs, "security_groups"))));
  Resource **sgr;
  int nsgr = plan_of_kind(k->p, "security_group_rule", &sgr);
  Value *cidrs = L(k);
  for (int i = 0; pe && i < nsgr; i++) {
    const Value *at = sgr[i]->attrs;
    const char *cidr = literal(k, val_get(at, "cidr_block"));
    if (cidr && str_eq(ref_res(val_get(at, "security_group")), pe->sg) &&
        str_eq(literal(k, val_get(at, "direction")), "ingress"))
      push_unique(k, cidrs, cidr);
  }
  if (cidrs->list.n)
    set(k, ann, "alb.ingress.kubernetes.io/inbound-cidrs", S(k, join(k, cidrs, ",")));

  Value *attrs = L(k);
  Value *dp = val_get(lb->attrs, "deletion_protection");
  if (dp && dp->kind == V_BOOL)
    push(k, attrs, S(k, fmt(k, "deletion_protection.enabled=%s", dp->b ? "true" : "false")));
  long long idle = aint(lb->attrs, "idle_timeout", -1);
  if (idle >= 0)
    push(k, attrs, S(k, fmt(k, "idle_timeout.timeout_seconds=%lld", idle)));
  Value *dih = val_get(lb->attrs, "drop_invalid_header_fields");
  if (dih && dih->kind == V_BOOL)
    push(k, attrs, S(k, fmt(k, "routing.http.drop_invalid_header_fields.enabled=%s", dih->b ? "true" : "false")));
  if (attrs->list.n)
    set(k, ann, "alb.ingress.kubernetes.io/load-balancer-attributes", S(k, join(k, attrs, ",")));
  Value *tags = L(k);
  for (int i = 0; i < k->m->ntags; i++) {
    const KV *t = &k->m->tags[i];
    if (strpbrk(t->key, ",=") || strchr(t->value, ','))
      diag_add(k->d, SEV_WARNING, NULL, t->at->pos, fmt(k, "tags.%s", t->key),
               "the Kubernetes Ingress cannot carry a tag with ',' or '=' in its key or ',' in its value; left out");
    else
      push(k, tags, S(k, fmt(k, "%s=%s", t->key, t->value)));
  }
  if (tags->list.n)
    set(k, ann, "alb.ingress.kubernetes.io/tags", S(k, join(k, tags, ",")));

  /* a copy: plan_of_kind's view is shared and read only */
  Resource **shared_rules = rules;
  rules = arena_alloc(k->a, sizeof *rules * (size_t)nrules);
  memcpy(rules, shared_rules, sizeof *rules * (size_t)nrules);
  qsort(rules, (size_t)nrules, sizeof *rules, by_priority);
  Value *paths = L(k), *seen = M(k);   /* prefix -> true, a hash map: no n² scan */
  for (int i = 0; i < nrules; i++) {
    const char *tg = ref_res(val_get(rules[i]->attrs, "target_group"));
    Resource *tgr = tg ? plan_find(k->p, tg) : NULL;
    Service *target = tgr ? model_service(k->m, tgr->key) : NULL;
    if (!target) {
      problem(k, rules[i]->origin, "listener rule %s routes to no service", rules[i]->id);
      continue;
    }
    int si = (int)(target - k->m->services);
    Value *pats = val_get(rules[i]->attrs, "path_patterns");
    for (int j = 0; pats && pats->kind == V_LIST && j < pats->list.n; j++) {
      const char *pat = literal(k, pats->list.items[j]);
      if (!pat)
        continue;
      /* "/users" and "/users/<star>" are both the Prefix "/users"; "/<star>" is "/" */
      size_t n = strlen(pat);
      const char *prefix = n >= 2 && !strcmp(pat + n - 2, "/*") ? arena_strndup(k->a, pat, n - 2) : pat;
      if (!*prefix)
        prefix = "/";
      if (val_get(seen, prefix))
        continue;
      val_set(k->a, seen, prefix, val_bool(k->a, true));
      Value *p = M(k), *be = M(k), *svc = M(k), *port = M(k);
      set(k, port, "number", I(k, k->m->services[si].port));
      set(k, svc, "name", S(k, k->svc[si]));
      set(k, svc, "port", port);
      set(k, be, "service", svc);
      set(k, p, "path", S(k, prefix));
      set(k, p, "pathType", S(k, "Prefix"));
      set(k, p, "backend", be);
      push(k, paths, p);
    }
  }
  Value *o = object(k, "networking.k8s.io/v1", "Ingress",
                    metadata(k, name_fit(k->a, k->m->name, 63, NAME_DNS), common_labels(k), ann));
  Value *spec = M(k), *rl = L(k), *rule = M(k), *http = M(k);
  set(k, spec, "ingressClassName", tget(k, "ingress.className", V_STR, false));
  set(k, http, "paths", paths);
  set(k, rule, "http", http);
  push(k, rl, rule);
  set(k, spec, "rules", rl);
  set(k, o, "spec", spec);
  return o;
}

bool k8s_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  K k = {.a = a, .d = d, .p = p, .m = p->m};
  k.tcache = M(&k);
  if (!tmpl_get(a, d, TMPL))
    return false;
  const Model *m = p->m;
  /* The same names the task roles' EKS trust names (src/names.c). */
  k.ns = name_k8s_namespace(a, m->name, m->env);
  set_var(&k, "name", m->name);
  set_var(&k, "env", m->env);
  set_var(&k, "namespace", k.ns);
  set_var(&k, "service", NULL);
  k.svc = arena_alloc(a, sizeof(char *) * (size_t)(m->nservices + 1));
  k.sel = arena_alloc(a, sizeof(Value *) * (size_t)(m->nservices + 1));
  Value *seen = M(&k);   /* name -> first service with it (a hash map: no n² scan) */
  for (int i = 0; i < m->nservices; i++) {
    k.svc[i] = name_k8s_service_account(a, m->services[i].key);
    Value *j = val_get(seen, k.svc[i]);
    if (j)
      problem(&k, m->services[i].at->pos, "services %s and %s both become the Kubernetes name %s",
              m->services[j->i].key, m->services[i].key, k.svc[i]);
    else
      val_set(a, seen, k.svc[i], I(&k, i));
  }
  Value *gone = tget(&k, "network_policy.ingress_controller_namespace", -1, true);
  if (gone)
    problem(&k, gone->pos, "template %s: network_policy.ingress_controller_namespace is gone: list the "
            "controller's pods in network_policy.ingress_controller_peers instead", TMPL);
  if (k.failed)
    return false;
  index_peers(&k);

  Value *files = L(&k);
  Value *shared = L(&k);
  push(&k, shared, namespace_obj(&k));
  push(&k, shared, default_deny(&k));
  push(&k, shared, ingress(&k));
  if (k.failed)
    return false;
  add_file(&k, "shared.yaml", shared);
  push(&k, files, S(&k, "shared.yaml"));
  for (int i = 0; i < m->nservices; i++)
    emit_service(&k, i, files);
  if (k.failed)
    return false;

  Value *kust = M(&k);
  set(&k, kust, "apiVersion", S(&k, "kustomize.config.k8s.io/v1beta1"));
  set(&k, kust, "kind", S(&k, "Kustomization"));
  set(&k, kust, "resources", files);
  Value *docs = L(&k);
  push(&k, docs, kust);
  add_file(&k, "kustomization.yaml", docs);
  if (k.failed)
    return false;
  write_files(&k, out);
  return !k.failed;
}
