/*
 * diff: what a spec change does to the infrastructure, for review.
 *
 * Both versions of a spec are compiled to plans and the plans compared by
 * stable identity (resource ids), never the spec text, so reordering keys,
 * services or list items with identity changes nothing. For each resource
 * present in both plans the attributes are compared by path (maps key by
 * key, lists of maps by an identity key, health_check.path,
 * containers[web].image); templates/diff/replace.yaml says which changes
 * replace a resource instead of updating it in place, and which kinds hold
 * data. Replacement spreads along references: a resource that refers to an
 * attribute a replaced resource gets anew (id, arn, ...) changes with it,
 * and is replaced itself when that reference forces replacement, until
 * nothing more changes; one that lives inside a replaced resource without
 * naming it (an ALB in its VPC, through its subnets) goes with it
 * (`within`). Security-relevant changes are worked out from the two plans
 * (ingress, IAM statements, trust policies) and from the rules in
 * templates/diff/security.yaml, each citing the spec value behind it.
 *
 * `--base REV SPEC` reads SPEC and its includes as they are at git
 * revision REV through the loader's reader hook (load.h), the way a CI job
 * on a pull request sees the base branch. A spec absent on one side is an
 * empty plan: everything added, or everything destroyed.
 *
 * Exit status: 0 no differences, 1 differences, 2 error. Everything lives
 * in the run's arena; jansson trees for --format json are released here.
 */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cidr.h"
#include "jobs.h"
#include "load.h"
#include "merge.h"
#include "plan.h"
#include "tmpl.h"

extern char **environ;

/* ORDER: Act, act_name, act_title */
typedef enum { A_NONE, A_ADD, A_CHANGE, A_REPLACE, A_DESTROY } Act;
static const char *const act_name[] = {"none", "add", "change", "replace", "destroy"};

typedef struct Change {
  const char *path;        /* cidr_block, health_check.path, containers[web].image */
  const Value *old, *new;  /* NULL where absent on that side */
  const char *after;       /* the value is equal but refers to this replaced/renamed resource */
  Vec afters;              /* every such resource (of Item *) */
  bool forces;             /* this change forces replacement */
} Change;

typedef struct Item {
  const char *id, *kind;
  Resource *old, *new;
  Act act;
  Vec changes;             /* of Change * */
  const Change *forced;    /* the change that forces replacement */
  const char *root;        /* the resource whose own change started the replacement */
  bool data_loss;
  int rank;                /* report order within its action */
} Item;

typedef struct Finding {
  const char *category;
  const char *resource;
  const char *message;
  Pos origin;
  Vec actions, resources;  /* IAM: what a statement newly allows */
} Finding;

typedef struct EnvDiff {
  const char *name, *env;
  const char *note;        /* the environment exists on one side only */
  const Plan *op, *np;     /* NULL: an empty plan */
  Vec items;               /* of Item *, act != A_NONE, in report order */
  Vec findings;
  int count[5];
  int data_loss;
} EnvDiff;

typedef struct Ctx {
  Arena *a;
  Diags *d;
  Value *kinds, *regenerated, *identity, *ordered, *rules, *categories;
  /* the environment being compared */
  const Plan *op, *np;
  Item **table;            /* open-addressed by id */
  int cap;
  Vec all;                 /* every Item, matched or not */
} Ctx;

/* ---- small helpers ---- */

static bool list_has(const Value *list, const char *s) {
  if (!list || list->kind != V_LIST)
    return false;
  for (int i = 0; i < list->list.n; i++)
    if (list->list.items[i]->kind == V_STR && !strcmp(list->list.items[i]->s, s))
      return true;
  return false;
}

static bool vec_has(const Vec *v, const char *s) {
  for (int i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return true;
  return false;
}

static bool is_container(const Value *v) { return v && (v->kind == V_MAP || v->kind == V_LIST); }

/* A value as a reader wants it: strings bare, references by their known
 * value or as res.attr, joins concatenated. */
static void plain_write(Buf *b, const Value *v) {
  if (!v) {
    buf_puts(b, "(none)");
    return;
  }
  switch (v->kind) {
  case V_STR: buf_puts(b, v->s); break;
  case V_REF:
    if (v->ref.known)
      buf_puts(b, v->ref.known);
    else
      buf_printf(b, "${%s.%s}", v->ref.res, v->ref.attr);
    break;
  case V_CONCAT:
    for (int i = 0; i < v->concat.n; i++)
      plain_write(b, v->concat.parts[i]);
    break;
  default: val_write_text(b, v); break;
  }
}

static const char *plain(Arena *a, const Value *v) {
  Buf b;
  buf_init(&b);
  plain_write(&b, v);
  return buf_finish(&b, a);
}

static const char *vstr(const Value *map, const char *key) {
  Value *v = map && map->kind == V_MAP ? val_get(map, key) : NULL;
  return v && v->kind == V_STR ? v->s : NULL;
}

static const char *str_attr(const Resource *r, const char *key) { return r ? vstr(r->attrs, key) : NULL; }

static long long int_attr(const Resource *r, const char *key, long long def) {
  Value *v = r ? val_get(r->attrs, key) : NULL;
  return v && v->kind == V_INT ? v->i : def;
}

static const char *ref_attr(const Resource *r, const char *key) {
  Value *v = r ? val_get(r->attrs, key) : NULL;
  return v && v->kind == V_REF ? v->ref.res : NULL;
}

/* ---- the item table ---- */

static unsigned slot(const char *id, int cap) { return hash_fnv1a(id) & (unsigned)(cap - 1); }

static Item *item_find(Ctx *c, const char *id) {
  if (!c->cap)
    return NULL;
  for (unsigned s = slot(id, c->cap); c->table[s]; s = (s + 1) & (unsigned)(c->cap - 1))
    if (!strcmp(c->table[s]->id, id))
      return c->table[s];
  return NULL;
}

static Item *item_get(Ctx *c, Resource *r) {
  Item *it = item_find(c, r->id);
  if (it)
    return it;
  it = arena_alloc(c->a, sizeof *it);
  it->id = r->id;
  it->kind = r->kind;
  unsigned s = slot(r->id, c->cap);
  while (c->table[s])
    s = (s + 1) & (unsigned)(c->cap - 1);
  c->table[s] = it;
  vec_push(c->a, &c->all, it);
  return it;
}

static Value *kind_rules(Ctx *c, const char *kind) {
  Value *k = val_get(c->kinds, kind);
  return k && k->kind == V_MAP ? k : NULL;
}

static bool name_is_physical(Ctx *c, const char *kind) {
  Value *n = val_get(kind_rules(c, kind), "name");
  return !(n && n->kind == V_STR && !strcmp(n->s, "tag"));
}

static bool holds_data(Ctx *c, const char *kind) {
  Value *v = val_get(kind_rules(c, kind), "data");
  return v && v->kind == V_BOOL && v->b;
}

static const char *list_key(Ctx *c, const Value *o, const Value *n);
static const Value *find_by(const Value *list, const char *key, const char *val);

/* The values at a dotted attribute path, looking in every item of a list
 * of maps on the way (global_secondary_indexes.hash_key). */
static void values_at(Arena *a, const Value *v, const char *path, Vec *out, int depth) {
  if (!v || depth > 16)
    return;
  if (v->kind == V_LIST) {
    for (int i = 0; i < v->list.n; i++)
      values_at(a, v->list.items[i], path, out, depth + 1);
    return;
  }
  if (!*path) {
    vec_push(a, out, (void *)v);
    return;
  }
  if (v->kind != V_MAP)
    return;
  size_t n = strcspn(path, ".");
  values_at(a, val_get(v, arena_strndup(a, path, n)), path[n] ? path + n + 1 : "", out, depth + 1);
}

/* replace_named: whether 'path' (attributes[config_id].type) lies in an
 * item present in both versions of a list whose items other attributes
 * name (hash_key: config_id), and one of them names this item. */
static bool named_item(Ctx *c, const Item *it, const char *path) {
  Value *rules = val_get(kind_rules(c, it->kind), "replace_named");
  const char *open = strchr(path, '['), *close = open ? strchr(open, ']') : NULL;
  if (!rules || rules->kind != V_MAP || !close || !it->old || !it->new)
    return false;
  const char *list = arena_strndup(c->a, path, (size_t)(open - path));
  const char *id = arena_strndup(c->a, open + 1, (size_t)(close - open - 1));
  Value *namers = val_get(rules, list);
  Value *ol = val_get(it->old->attrs, list), *nl = val_get(it->new->attrs, list);
  if (!namers || namers->kind != V_LIST || !ol || !nl || ol->kind != V_LIST || nl->kind != V_LIST)
    return false;
  const char *key = list_key(c, ol, nl);
  if (!key || !find_by(ol, key, id) || !find_by(nl, key, id))
    return false;
  for (int i = 0; i < namers->list.n; i++) {
    if (namers->list.items[i]->kind != V_STR)
      continue;
    Vec named = {0};
    values_at(c->a, it->old->attrs, namers->list.items[i]->s, &named, 0);
    values_at(c->a, it->new->attrs, namers->list.items[i]->s, &named, 0);
    for (int k = 0; k < named.len; k++) {
      const Value *v = named.items[k];
      if (v->kind == V_STR && !strcmp(v->s, id))
        return true;
    }
  }
  return false;
}

/* Whether a change at 'path' replaces 'it'. */
static bool forces(Ctx *c, const Item *it, const char *path) {
  const char *kind = it->kind;
  if (!strcmp(path, "region") || !strcmp(path, "account"))
    return true;
  if (!strcmp(path, "name"))
    return name_is_physical(c, kind);
  if (named_item(c, it, path))
    return true;
  size_t head = strcspn(path, ".[");
  Value *list = val_get(kind_rules(c, kind), "replace");
  if (!list || list->kind != V_LIST)
    return false;
  for (int i = 0; i < list->list.n; i++) {
    Value *e = list->list.items[i];
    if (e->kind != V_STR)
      continue;
    if (!strcmp(e->s, "*")) {
      if (strncmp(path, "tags", head) || head != 4)
        return true;
      continue;
    }
    size_t n = strlen(e->s);
    if (!strncmp(path, e->s, n) && (path[n] == '\0' || path[n] == '.' || path[n] == '['))
      return true;
  }
  return false;
}

/* ---- comparing attributes ---- */

/* Collect the resources whose replacement or rename changes the value
 * of a reference inside 'v' (equal in both plans) into 'out'. */
static void changed_refs(Ctx *c, const Value *v, Vec *out, int depth) {
  if (!v || depth > 64)
    return;
  switch (v->kind) {
  case V_REF: {
    Item *t = item_find(c, v->ref.res);
    if (!t || !t->old || !t->new)
      return;
    bool changed = !strcmp(v->ref.attr, "name")
                       ? !str_eq(t->old->name, t->new->name)
                       : t->act == A_REPLACE && !v->ref.known && list_has(c->regenerated, v->ref.attr);
    for (int i = 0; i < out->len && changed; i++)
      changed = out->items[i] != t;
    if (changed)
      vec_push(c->a, out, t);
    return;
  }
  case V_LIST:
  case V_CONCAT:
    for (int i = 0; i < v->list.n; i++)
      changed_refs(c, v->list.items[i], out, depth + 1);
    return;
  case V_MAP:
    for (int i = 0; i < v->map.n; i++)
      changed_refs(c, v->map.entries[i].val, out, depth + 1);
    return;
  default: return;
  }
}

static Change *add_change(Ctx *c, Item *it, const char *path, const Value *o, const Value *n,
                          const Vec *afters) {
  Change *ch = arena_alloc(c->a, sizeof *ch);
  ch->path = path;
  ch->old = o;
  ch->new = n;
  if (afters && afters->len) {
    ch->afters = *afters;
    ch->after = ((Item *)afters->items[0])->id;
  }
  ch->forces = forces(c, it, path);
  vec_push(c->a, &it->changes, ch);
  return ch;
}

/* The identity key of two lists of maps: the first key of list_identity
 * that every item of both has as a string, unique within each list. */
static const char *list_key(Ctx *c, const Value *o, const Value *n) {
  if (!c->identity || c->identity->kind != V_LIST)
    return NULL;
  const Value *lists[2] = {o, n};
  for (int k = 0; k < c->identity->list.n; k++) {
    const Value *kv = c->identity->list.items[k];
    if (kv->kind != V_STR)
      continue;
    bool ok = true;
    for (int s = 0; s < 2 && ok; s++)
      for (int i = 0; i < lists[s]->list.n && ok; i++) {
        const Value *x = val_get(lists[s]->list.items[i], kv->s);
        if (lists[s]->list.items[i]->kind != V_MAP || !x || x->kind != V_STR) {
          ok = false;
          break;
        }
        for (int j = 0; j < i; j++)
          if (!strcmp(val_get(lists[s]->list.items[j], kv->s)->s, x->s))
            ok = false;
      }
    if (ok)
      return kv->s;
  }
  return NULL;
}

static const Value *find_by(const Value *list, const char *key, const char *val) {
  for (int i = 0; i < list->list.n; i++)
    if (str_eq(val_get(list->list.items[i], key)->s, val))
      return list->list.items[i];
  return NULL;
}

/* Two flat lists hold the same items, in any order. */
static bool same_set(Arena *a, const Value *o, const Value *n) {
  if (o->list.n != n->list.n)
    return false;
  const char **x = arena_alloc(a, sizeof(char *) * (size_t)(o->list.n + 1));
  const char **y = arena_alloc(a, sizeof(char *) * (size_t)(n->list.n + 1));
  for (int i = 0; i < o->list.n; i++) {
    x[i] = val_to_text(a, o->list.items[i]);
    y[i] = val_to_text(a, n->list.items[i]);
  }
  qsort(x, (size_t)o->list.n, sizeof *x, str_cmp_ptr);
  qsort(y, (size_t)n->list.n, sizeof *y, str_cmp_ptr);
  for (int i = 0; i < o->list.n; i++)
    if (strcmp(x[i], y[i]))
      return false;
  return true;
}

static const char *join_key(Ctx *c, const char *path, const char *key) {
  return *path ? arena_printf(c->a, "%s.%s", path, key) : key;
}

static void compare(Ctx *c, Item *it, const char *path, const Value *o, const Value *n, int depth) {
  if (depth > 64)
    return;
  if (o && n && val_equal(o, n)) {
    Vec afters = {0};
    changed_refs(c, n, &afters, 0);
    if (!afters.len)
      return;
    if (!is_container(n)) {
      add_change(c, it, path, o, n, &afters);
      return;
    }
  }
  if (o && n && o->kind == V_MAP && n->kind == V_MAP) {
    MapEntry **oe = val_sorted_entries(c->a, o), **ne = val_sorted_entries(c->a, n);
    int i = 0, j = 0;
    while (i < o->map.n || j < n->map.n) {
      int cmp = i >= o->map.n ? 1 : j >= n->map.n ? -1 : strcmp(oe[i]->key, ne[j]->key);
      if (cmp < 0) {
        compare(c, it, join_key(c, path, oe[i]->key), oe[i]->val, NULL, depth + 1);
        i++;
      } else if (cmp > 0) {
        compare(c, it, join_key(c, path, ne[j]->key), NULL, ne[j]->val, depth + 1);
        j++;
      } else {
        compare(c, it, join_key(c, path, oe[i]->key), oe[i]->val, ne[j]->val, depth + 1);
        i++, j++;
      }
    }
    return;
  }
  if (o && n && o->kind == V_LIST && n->kind == V_LIST) {
    const char *key = list_key(c, o, n);
    if (key) {
      for (int i = 0; i < n->list.n; i++) {
        const char *kv = val_get(n->list.items[i], key)->s;
        compare(c, it, arena_printf(c->a, "%s[%s]", path, kv), find_by(o, key, kv), n->list.items[i],
                depth + 1);
      }
      for (int i = 0; i < o->list.n; i++) {
        const char *kv = val_get(o->list.items[i], key)->s;
        if (!find_by(n, key, kv))
          compare(c, it, arena_printf(c->a, "%s[%s]", path, kv), o->list.items[i], NULL, depth + 1);
      }
      return;
    }
    bool flat = true;
    for (int i = 0; i < o->list.n; i++)
      flat &= !is_container(o->list.items[i]);
    for (int i = 0; i < n->list.n; i++)
      flat &= !is_container(n->list.items[i]);
    /* Flat lists are sets (subnets, security groups, IAM actions, path
     * patterns) unless the template names them ordered. */
    const char *last = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
    if (flat && !list_has(c->ordered, last) && same_set(c->a, o, n)) {
      Vec afters = {0};
      changed_refs(c, n, &afters, 0);
      if (afters.len)
        add_change(c, it, path, o, n, &afters);
      return;
    }
    if (!flat && o->list.n == n->list.n) {
      for (int i = 0; i < n->list.n; i++)
        compare(c, it, arena_printf(c->a, "%s[%d]", path, i), o->list.items[i], n->list.items[i],
                depth + 1);
      return;
    }
  }
  Vec afters = {0};
  if (o && n && val_equal(o, n))
    changed_refs(c, n, &afters, 0);
  add_change(c, it, path, o, n, &afters);
}

static Value *tags_value(Arena *a, const Plan *p) {
  Value *m = val_map(a);
  for (int i = 0; i < p->m->ntags; i++)
    val_set(a, m, p->m->tags[i].key, val_str(a, p->m->tags[i].value));
  return m;
}

/* The resources of 'kind' that 'r' reaches through its references, in
 * the plan it belongs to: the VPC an ALB lives in, through its subnets. */
static void reached(Ctx *c, const Plan *p, const Resource *r, const char *kind, Vec *out) {
  Vec seen = {0}, todo = {0};
  vec_push(c->a, &todo, (void *)r);
  for (int i = 0; i < todo.len && seen.len < 4096; i++) {
    const Resource *x = todo.items[i];
    for (int k = 0; k < x->deps.len; k++) {
      const char *id = x->deps.items[k];
      Resource *d = vec_has(&seen, id) ? NULL : plan_find(p, id);
      if (!d)
        continue;
      vec_push(c->a, &seen, (void *)id);
      if (!strcmp(d->kind, kind))
        vec_push(c->a, out, (void *)id);
      else
        vec_push(c->a, &todo, d);
    }
  }
}

static Value *refs_value(Ctx *c, const Vec *ids) {
  if (ids->len == 1)
    return val_ref(c->a, ids->items[0], "id", NULL);
  Value *l = val_list(c->a);
  for (int i = 0; i < ids->len; i++)
    val_push(c->a, l, val_ref(c->a, ids->items[i], "id", NULL));
  return l;
}

/* The `within` rule of replace.yaml: a resource living inside one of
 * another kind (an ALB in its VPC) is replaced when that one is replaced
 * or it moves to another, shown as a change of an attribute named after
 * the kind. A real attribute of that name is left to `replace`. */
static void within_changes(Ctx *c, Item *it) {
  Value *kinds = val_get(kind_rules(c, it->kind), "within");
  for (int i = 0; kinds && kinds->kind == V_LIST && i < kinds->list.n; i++) {
    const char *k = kinds->list.items[i]->kind == V_STR ? kinds->list.items[i]->s : NULL;
    if (!k || val_get(it->old->attrs, k) || val_get(it->new->attrs, k))
      continue;
    Vec o = {0}, n = {0}, afters = {0};
    reached(c, c->op, it->old, k, &o);
    reached(c, c->np, it->new, k, &n);
    if (!o.len || !n.len)
      continue;
    bool moved = o.len != n.len;
    for (int j = 0; j < n.len && !moved; j++)
      moved = !vec_has(&o, n.items[j]);
    for (int j = 0; j < n.len && !moved; j++) {
      Item *t = item_find(c, n.items[j]);
      if (t && t->act == A_REPLACE && t != it)
        vec_push(c->a, &afters, t);
    }
    if (moved || afters.len)
      add_change(c, it, k, refs_value(c, &o), refs_value(c, &n), &afters)->forces = true;
  }
}

/* Recompute the changes of a resource present in both plans. */
static void diff_item(Ctx *c, Item *it, Value *otags, Value *ntags) {
  it->changes = (Vec){0};
  Resource *o = it->old, *n = it->new;
  if (!str_eq(c->op->m->region, c->np->m->region))
    add_change(c, it, "region", val_str(c->a, c->op->m->region), val_str(c->a, c->np->m->region), NULL);
  if (!str_eq(c->op->m->account, c->np->m->account))
    add_change(c, it, "account", c->op->m->account ? val_str(c->a, c->op->m->account) : NULL,
               c->np->m->account ? val_str(c->a, c->np->m->account) : NULL, NULL);
  if (!str_eq(o->name, n->name))
    add_change(c, it, "name", o->name ? val_str(c->a, o->name) : NULL,
               n->name ? val_str(c->a, n->name) : NULL, NULL);
  compare(c, it, "", o->attrs, n->attrs, 0);
  if (o->taggable || n->taggable)
    compare(c, it, "tags", o->taggable ? otags : NULL, n->taggable ? ntags : NULL, 0);
  within_changes(c, it);
  Act act = A_NONE;
  it->forced = NULL;
  for (int i = 0; i < it->changes.len; i++) {
    Change *ch = it->changes.items[i];
    act = act == A_NONE ? A_CHANGE : act;
    if (ch->forces) {
      act = A_REPLACE;
      /* a change of its own explains a replacement better than a reference */
      if (!it->forced || (it->forced->after && !ch->after))
        it->forced = ch;
    }
  }
  it->act = act;
}

/* The resource whose own change started a replacement that reached 'it'.
 * A resource replaced both by its own change and because something it
 * refers to is replaced counts under the latter: it would go anyway, and
 * the reviewer sees one cause (a VPC CIDR) instead of one per subnet. */
static const char *root_of(Ctx *c, Item *it, int depth) {
  if (it->root)
    return it->root;
  it->root = it->id;
  if (depth > 256)
    return it->root;
  for (int i = 0; i < it->changes.len; i++) {
    const Change *ch = it->changes.items[i];
    for (int k = 0; ch->forces && k < ch->afters.len; k++) {
      Item *up = ch->afters.items[k];
      if (up->act == A_REPLACE && up != it)
        return it->root = root_of(c, up, depth + 1);
    }
  }
  return it->root;
}

/* ---- security ---- */

static Finding *finding(Ctx *c, EnvDiff *e, const char *cat, Item *it, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static Finding *finding(Ctx *c, EnvDiff *e, const char *cat, Item *it, const char *fmt, ...) {
  Finding *f = arena_alloc(c->a, sizeof *f);
  f->category = cat;
  f->resource = it->id;
  va_list ap;
  va_start(ap, fmt);
  f->message = arena_vprintf(c->a, fmt, ap);
  va_end(ap);
  f->origin = it->new ? it->new->origin : it->old->origin;
  vec_push(c->a, &e->findings, f);
  return f;
}

/* A finding cites the spec value that caused it, when the plan value
 * behind it knows where the new spec wrote it (plan.c gives a value made
 * from a spec value that value's position); else its resource's origin. */
static void cite(Finding *f, const Value *v) {
  if (v && v->pos.file)
    f->origin = v->pos;
}

/* The deepest value of a dotted spec path in the new spec: the key that
 * turned something off, or the map it would be in. */
static const Value *spec_at(Ctx *c, const char *path) {
  const Value *v = c->np ? c->np->m->root : NULL;
  while (v && path && *path) {
    size_t n = strcspn(path, ".");
    const Value *in = v->kind == V_MAP ? val_get(v, arena_strndup(c->a, path, n)) : NULL;
    if (!in)
      break;
    v = in;
    path = path[n] ? path + n + 1 : "";
  }
  return v && v != (c->np ? c->np->m->root : NULL) ? v : NULL;
}

/* The rules of templates/diff/security.yaml. */
static void rule_findings(Ctx *c, EnvDiff *e, Item *it) {
  if (!c->rules || c->rules->kind != V_LIST)
    return;
  for (int i = 0; i < c->rules->list.n; i++) {
    Value *r = c->rules->list.items[i];
    const char *kind = vstr(r, "kind"), *attr = vstr(r, "attribute");
    const char *cat = vstr(r, "category"), *msg = vstr(r, "message");
    Value *weak = val_get(r, "weak");
    Value *oc = val_get(r, "on_create");
    if (!kind || !cat || !msg || !weak || strcmp(kind, it->kind))
      continue;
    if (weak->kind == V_STR && !strcmp(weak->s, "destroyed")) {
      if (it->act == A_DESTROY)
        cite(finding(c, e, cat, it, "%s", msg), spec_at(c, vstr(r, "spec")));
      continue;
    }
    if (!attr || it->act == A_DESTROY)
      continue;
    const Value *nv = val_get(it->new->attrs, attr);
    const Value *ov = it->old ? val_get(it->old->attrs, attr) : NULL;
    if (!nv)
      continue;
    if (!it->old) {
      if (oc && oc->kind == V_BOOL && oc->b && weak->kind != V_STR && val_equal(weak, nv))
        cite(finding(c, e, cat, it, "%s (%s = %s)", msg, attr, val_to_text(c->a, nv)), nv);
      else if (oc && oc->kind == V_BOOL && oc->b && weak->kind == V_STR && nv->kind == V_STR &&
               !strcmp(weak->s, nv->s))
        cite(finding(c, e, cat, it, "%s (%s = %s)", msg, attr, val_to_text(c->a, nv)), nv);
      continue;
    }
    if (!ov)
      continue;
    bool fire;
    if (weak->kind == V_STR && (!strcmp(weak->s, "lower") || !strcmp(weak->s, "higher")))
      fire = ov->kind == V_INT && nv->kind == V_INT &&
             (!strcmp(weak->s, "lower") ? nv->i < ov->i : nv->i > ov->i);
    else if (weak->kind == V_STR)
      fire = nv->kind == V_STR && !strcmp(nv->s, weak->s) && !(ov->kind == V_STR && !strcmp(ov->s, weak->s));
    else
      fire = val_equal(weak, nv) && !val_equal(weak, ov);
    if (fire)
      cite(finding(c, e, cat, it, "%s (%s: %s -> %s)", msg, attr, val_to_text(c->a, ov), val_to_text(c->a, nv)),
           nv);
  }
}

/* One ingress rule of a security group or network ACL. */
typedef struct Ingress {
  const char *target;     /* the security group or network ACL it belongs to */
  const char *proto;      /* "tcp", "udp", "all", ... */
  int from, to;
  const char *cidr;       /* or */
  const char *peer;       /* a source security group */
} Ingress;

static bool ingress_of(const Resource *r, Ingress *g) {
  if (!r)
    return false;
  *g = (Ingress){0};
  if (!strcmp(r->kind, "security_group_rule")) {
    if (!str_eq(str_attr(r, "direction"), "ingress"))
      return false;
    g->target = ref_attr(r, "security_group");
    g->proto = str_attr(r, "protocol");
    g->peer = ref_attr(r, "peer_security_group");
  } else if (!strcmp(r->kind, "network_acl_rule")) {
    Value *eg = val_get(r->attrs, "egress");
    if (!eg || eg->kind != V_BOOL || eg->b || !str_eq(str_attr(r, "rule_action"), "allow"))
      return false;
    g->target = ref_attr(r, "network_acl");
    const char *p = str_attr(r, "protocol");
    g->proto = str_eq(p, "6") ? "tcp" : str_eq(p, "17") ? "udp" : str_eq(p, "1") ? "icmp" : p;
  } else {
    return false;
  }
  if (!g->proto || !strcmp(g->proto, "-1"))
    g->proto = "all";
  g->from = (int)int_attr(r, "from_port", 0);
  g->to = (int)int_attr(r, "to_port", 65535);
  if (!strcmp(g->proto, "all"))
    g->from = 0, g->to = 65535;
  g->cidr = str_attr(r, "cidr_block");
  return g->cidr || g->peer;
}

static const char *ports_text(Arena *a, const Ingress *g) {
  if (!strcmp(g->proto, "all"))
    return "all traffic";
  if (g->from == g->to)
    return arena_printf(a, "%s %d", g->proto, g->from);
  return arena_printf(a, "%s %d-%d", g->proto, g->from, g->to);
}

static const char *cidr_note(const char *cidr) {
  Cidr x;
  if (!cidr_parse(cidr, &x))
    return "";
  if (x.prefix == 0)
    return " (the internet)";
  return ip_is_public(x.addr) ? " (public addresses)" : "";
}

/* Whether 'n' lets in everything 'o' does and more. */
static bool wider(const Ingress *o, const Ingress *n) {
  Cidr oc, nc;
  if (!o->cidr || !n->cidr || !cidr_parse(o->cidr, &oc) || !cidr_parse(n->cidr, &nc))
    return false;
  bool proto_ok = !strcmp(n->proto, "all") || !strcmp(n->proto, o->proto);
  return proto_ok && cidr_contains(nc, oc) && n->from <= o->from && n->to >= o->to &&
         (nc.prefix < oc.prefix || n->from < o->from || n->to > o->to || strcmp(n->proto, o->proto));
}

static const char *vpc_cidr(const Plan *p) {
  Resource *v = p ? plan_find(p, "vpc.main") : NULL;
  return str_attr(v, "cidr_block");
}

/* Whether an ingress rule of the old plan on the same security group or
 * network ACL already let in everything 'n' does: rules that are only
 * renumbered or split (a NACL's rule numbers shift) open nothing. */
static bool covered(Ctx *c, const Item *it, const Ingress *n) {
  for (int i = 0; c->op && i < c->op->resources.len; i++) {
    const Resource *r = c->op->resources.items[i];
    Ingress x;
    if (strcmp(r->kind, it->kind) || !ingress_of(r, &x) || !str_eq(x.target, n->target))
      continue;
    if ((strcmp(x.proto, "all") && strcmp(x.proto, n->proto)) || x.from > n->from || x.to < n->to)
      continue;
    Cidr xc, nc;
    if (n->peer ? str_eq(x.peer, n->peer)
                : x.cidr && cidr_parse(x.cidr, &xc) && cidr_parse(n->cidr, &nc) && cidr_contains(xc, nc))
      return true;
  }
  return false;
}

static void ingress_findings(Ctx *c, EnvDiff *e, Item *it) {
  Ingress n, o;
  if (it->act == A_DESTROY || !ingress_of(it->new, &n) || covered(c, it, &n))
    return;
  bool had = ingress_of(it->old, &o);
  const char *ports = ports_text(c->a, &n);
  if (n.peer) {
    if (!had || !str_eq(o.peer, n.peer))
      finding(c, e, "ingress", it, "new source: %s may reach %s on %s", n.peer, n.target, ports);
    else if (n.from < o.from || n.to > o.to)
      /* the same source on a port it could not reach: more ports, or a
       * port that moved (a database engine change opens 3306, not 5432) */
      cite(finding(c, e, "ingress", it, "%s may now reach %s on %s (was %s)", n.peer, n.target, ports,
                   ports_text(c->a, &o)),
           val_get(it->new->attrs, "from_port"));
    return;
  }
  /* a rule that follows the VPC's own range when the VPC moves opens nothing */
  if (str_eq(n.cidr, vpc_cidr(c->np)) && !str_eq(vpc_cidr(c->op), vpc_cidr(c->np)))
    return;
  /* what it replaces: its own old version, or a destroyed rule it widens */
  const Ingress *was = had && o.cidr ? &o : NULL;
  Ingress x;
  for (int i = 0; i < c->all.len && !was; i++) {
    Item *d = c->all.items[i];
    if (!d->new && !strcmp(d->kind, it->kind) && ingress_of(d->old, &x) && str_eq(x.target, n.target) &&
        wider(&x, &n))
      was = &x;
  }
  Finding *f;
  if (was && wider(was, &n))
    f = finding(c, e, "ingress", it, "ingress widened: %s from %s%s into %s (was %s from %s)", ports, n.cidr,
                cidr_note(n.cidr), n.target, ports_text(c->a, was), was->cidr);
  else if (was)
    f = finding(c, e, "ingress", it, "ingress opened: %s from %s%s into %s (the rule was %s from %s)", ports,
                n.cidr, cidr_note(n.cidr), n.target, ports_text(c->a, was), was->cidr);
  else
    f = finding(c, e, "ingress", it, "ingress opened: %s from %s%s into %s", ports, n.cidr, cidr_note(n.cidr),
                n.target);
  cite(f, val_get(it->new->attrs, "cidr_block"));
}

/* Statement lookup: by Sid, else by position. */
static const Value *stmt_match(const Value *doc, const Value *s, int index) {
  Value *list = doc ? val_get(doc, "Statement") : NULL;
  if (!list || list->kind != V_LIST)
    return NULL;
  Value *sid = val_get(s, "Sid");
  for (int i = 0; i < list->list.n; i++) {
    Value *x = list->list.items[i];
    Value *xs = val_get(x, "Sid");
    if (sid && xs && val_equal(sid, xs))
      return x;
    if (!sid && !xs && i == index)
      return x;
  }
  return NULL;
}

/* The members of a string-or-list field, as plain text. */
static void members(Ctx *c, const Value *v, Vec *out) {
  if (!v)
    return;
  if (v->kind == V_LIST) {
    for (int i = 0; i < v->list.n; i++)
      vec_push(c->a, out, (void *)plain(c->a, v->list.items[i]));
  } else {
    vec_push(c->a, out, (void *)plain(c->a, v));
  }
}

static void added(Ctx *c, const Vec *old, const Vec *new, Vec *out) {
  for (int i = 0; i < new->len; i++)
    if (!vec_has(old, new->items[i]) && !vec_has(out, new->items[i]))
      vec_push(c->a, out, new->items[i]);
}

static const char *joined(Ctx *c, const Vec *v) {
  Buf b;
  buf_init(&b);
  for (int i = 0; i < v->len; i++)
    buf_printf(&b, "%s%s", i ? ", " : "", (const char *)v->items[i]);
  return buf_finish(&b, c->a);
}

/* Conditions flattened to "Operator key" -> value text. */
static void conditions(Ctx *c, const Value *s, Vec *keys, Vec *vals) {
  Value *cond = s ? val_get(s, "Condition") : NULL;
  if (!cond || cond->kind != V_MAP)
    return;
  for (int i = 0; i < cond->map.n; i++) {
    Value *ops = cond->map.entries[i].val;
    if (ops->kind != V_MAP)
      continue;
    for (int j = 0; j < ops->map.n; j++) {
      vec_push(c->a, keys, (void *)arena_printf(c->a, "%s %s", cond->map.entries[i].key, ops->map.entries[j].key));
      vec_push(c->a, vals, (void *)plain(c->a, ops->map.entries[j].val));
    }
  }
}

static void condition_findings(Ctx *c, EnvDiff *e, Item *it, const Value *os, const Value *ns,
                               const char *what) {
  Vec ok = {0}, ov = {0}, nk = {0}, nv = {0};
  conditions(c, os, &ok, &ov);
  conditions(c, ns, &nk, &nv);
  for (int i = 0; i < ok.len; i++) {
    int j = 0;
    while (j < nk.len && strcmp(nk.items[j], ok.items[i]))
      j++;
    if (j == nk.len)
      finding(c, e, "condition", it, "%s condition removed: %s = %s", what, (char *)ok.items[i],
              (char *)ov.items[i]);
    else if (strcmp(nv.items[j], ov.items[i]))
      finding(c, e, "trust", it, "%s condition changed: %s = %s (was %s)", what, (char *)ok.items[i],
              (char *)nv.items[j], (char *)ov.items[i]);
  }
}

static const char *role_name(Ctx *c, Item *it) {
  const char *rid = ref_attr(it->new, "role");
  Resource *role = rid ? plan_find(c->np, rid) : NULL;
  return role && role->name ? role->name : rid ? rid : it->id;
}

/* Whether 'pat' (an IAM action or resource, with * and ? wildcards)
 * covers 's'. */
static bool iam_match(const char *pat, const char *s) {
  for (; *pat; pat++, s++) {
    if (*pat == '*') {
      for (const char *t = s;; t++) {
        if (iam_match(pat + 1, t))
          return true;
        if (!*t)
          return false;
      }
    }
    if (!*s || (*pat != '?' && *pat != *s))
      return false;
  }
  return !*s;
}

/* The (action, resource) pairs a policy's Allow statements grant. */
typedef struct Grants {
  Vec actions, resources;   /* parallel: pair i is actions[i] on resources[i] */
} Grants;

static void grants_of(Ctx *c, const Value *doc, Grants *g) {
  Value *stmts = doc ? val_get(doc, "Statement") : NULL;
  if (!stmts || stmts->kind != V_LIST)
    return;
  for (int i = 0; i < stmts->list.n; i++) {
    const Value *s = stmts->list.items[i];
    if (!str_eq(vstr(s, "Effect"), "Allow"))
      continue;
    Vec as = {0}, rs = {0};
    members(c, val_get(s, "Action"), &as);
    members(c, val_get(s, "Resource"), &rs);
    for (int x = 0; x < as.len; x++)
      for (int y = 0; y < rs.len; y++) {
        vec_push(c->a, &g->actions, as.items[x]);
        vec_push(c->a, &g->resources, rs.items[y]);
      }
  }
}

static bool granted(const Grants *g, const char *action, const char *resource) {
  for (int i = 0; i < g->actions.len; i++)
    if (iam_match(g->actions.items[i], action) && iam_match(g->resources.items[i], resource))
      return true;
  return false;
}

/* New IAM permissions: every (action, resource) pair the new policy
 * allows that the old one did not, reported per statement. Comparing
 * pairs rather than statements means a statement renamed or split (read
 * becoming read_write changes its Sid) reports only what is really new. */
static void iam_findings(Ctx *c, EnvDiff *e, Item *it) {
  if (it->act == A_DESTROY || it->new->external)
    return;
  const Value *nd = val_get(it->new->attrs, "policy");
  const Value *od = it->old ? val_get(it->old->attrs, "policy") : NULL;
  Value *stmts = nd ? val_get(nd, "Statement") : NULL;
  if (!stmts || stmts->kind != V_LIST)
    return;
  Grants had = {0};
  grants_of(c, od, &had);
  const char *role = role_name(c, it);
  for (int i = 0; i < stmts->list.n; i++) {
    const Value *s = stmts->list.items[i];
    if (!str_eq(vstr(s, "Effect"), "Allow"))
      continue;
    Vec na = {0}, nr = {0}, aa = {0}, ar = {0};
    members(c, val_get(s, "Action"), &na);
    members(c, val_get(s, "Resource"), &nr);
    for (int x = 0; x < na.len; x++)
      for (int y = 0; y < nr.len; y++)
        if (!granted(&had, na.items[x], nr.items[y])) {
          if (!vec_has(&aa, na.items[x]))
            vec_push(c->a, &aa, na.items[x]);
          if (!vec_has(&ar, nr.items[y]))
            vec_push(c->a, &ar, nr.items[y]);
        }
    Value *sid = val_get(s, "Sid");
    const char *label = sid && sid->kind == V_STR ? arena_printf(c->a, " (%s)", sid->s) : "";
    if (aa.len) {
      Finding *f = finding(c, e, "iam", it, "role %s may now %s on %s%s", role, joined(c, &aa),
                           joined(c, &ar), label);
      cite(f, s);
      f->actions = aa;
      f->resources = ar;
    }
    const Value *o = stmt_match(od, s, i);
    if (o && str_eq(vstr(o, "Effect"), "Allow"))
      condition_findings(c, e, it, o, s, "permission");
  }
}

static void principals(Ctx *c, const Value *s, Vec *out) {
  Value *p = s ? val_get(s, "Principal") : NULL;
  if (!p)
    return;
  if (p->kind != V_MAP) {
    vec_push(c->a, out, (void *)plain(c->a, p));
    return;
  }
  for (int i = 0; i < p->map.n; i++) {
    Vec v = {0};
    members(c, p->map.entries[i].val, &v);
    for (int k = 0; k < v.len; k++)
      vec_push(c->a, out, (void *)arena_printf(c->a, "%s %s", p->map.entries[i].key, (char *)v.items[k]));
  }
}

static void trust_findings(Ctx *c, EnvDiff *e, Item *it) {
  if (it->act == A_DESTROY || strcmp(it->kind, "iam_role"))
    return;
  const Value *nd = val_get(it->new->attrs, "assume_role_policy");
  const Value *od = it->old ? val_get(it->old->attrs, "assume_role_policy") : NULL;
  Value *stmts = nd ? val_get(nd, "Statement") : NULL;
  if (!stmts || stmts->kind != V_LIST)
    return;
  const char *role = it->new->name ? it->new->name : it->id;
  for (int i = 0; i < stmts->list.n; i++) {
    const Value *s = stmts->list.items[i];
    if (!str_eq(vstr(s, "Effect"), "Allow"))
      continue;
    const Value *o = stmt_match(od, s, i);
    Vec np = {0}, op = {0}, ap = {0};
    principals(c, s, &np);
    principals(c, o, &op);
    added(c, &op, &np, &ap);
    for (int k = 0; k < ap.len; k++) {
      const char *p = ap.items[k];
      /* a new role that AWS services assume is part of what the spec asks for;
       * another account or everyone is worth a look */
      if (!it->old && str_starts(p, "Service "))
        continue;
      const char *sep = strchr(p, ' ');
      if (it->old)
        finding(c, e, "trust", it, "role %s now trusts %s", role, sep ? sep + 1 : p);
      else
        finding(c, e, "trust", it, "new role %s trusts %s", role, sep ? sep + 1 : p);
    }
    if (o)
      condition_findings(c, e, it, o, s, "trust");
  }
}

/* ---- one environment ---- */

static int item_cmp(const void *x, const void *y) {
  const Item *a = *(Item *const *)x, *b = *(Item *const *)y;
  /* destroy, replace, change, add: the most consequential first */
  static const int order[] = {4, 3, 2, 1, 0};
  if (a->act != b->act)
    return order[a->act] - order[b->act];
  return a->rank - b->rank;
}

static EnvDiff *diff_env(Ctx *c, const Plan *op, const Plan *np) {
  Arena *a = c->a;
  EnvDiff *e = arena_alloc(a, sizeof *e);
  e->op = op;
  e->np = np;
  const Plan *any = np ? np : op;
  e->name = any->m->name;
  e->env = any->m->env;
  c->op = op;
  c->np = np;
  c->all = (Vec){0};
  int n = (op ? op->resources.len : 0) + (np ? np->resources.len : 0);
  c->cap = 16;
  while (c->cap < 2 * n + 2)
    c->cap *= 2;
  c->table = arena_alloc(a, sizeof(Item *) * (size_t)c->cap);
  if (op)
    for (int i = 0; i < op->resources.len; i++) {
      Resource *r = op->resources.items[i];
      Item *it = item_get(c, r);
      it->old = r;
      it->rank = i;
    }
  if (np)
    for (int i = 0; i < np->resources.len; i++) {
      Resource *r = np->resources.items[i];
      Item *it = item_get(c, r);
      it->new = r;
      it->rank = i;
    }
  Value *otags = op ? tags_value(a, op) : NULL, *ntags = np ? tags_value(a, np) : NULL;
  /* Direct changes first, then replacement spreads along references until
   * nothing more is replaced (it only ever grows, so this ends). */
  int replaced = -1;
  for (int round = 0; round <= c->all.len + 1; round++) {
    int now = 0;
    for (int i = 0; i < c->all.len; i++) {
      Item *it = c->all.items[i];
      if (it->old && it->new) {
        diff_item(c, it, otags, ntags);
        now += it->act == A_REPLACE;
      }
    }
    if (now == replaced)
      break;
    replaced = now;
  }
  for (int i = 0; i < c->all.len; i++) {
    Item *it = c->all.items[i];
    if (!it->old)
      it->act = A_ADD;
    else if (!it->new)
      it->act = A_DESTROY;
    if (it->act == A_NONE)
      continue;
    if (it->act == A_REPLACE)
      root_of(c, it, 0);
    it->data_loss = (it->act == A_REPLACE || it->act == A_DESTROY) && holds_data(c, it->kind);
    e->data_loss += it->data_loss;
    e->count[it->act]++;
    vec_push(a, &e->items, it);
  }
  if (e->items.len)
    qsort(e->items.items, (size_t)e->items.len, sizeof(void *), item_cmp);
  for (int i = 0; i < e->items.len; i++) {
    Item *it = e->items.items[i];
    rule_findings(c, e, it);
    if (it->new && it->act != A_DESTROY) {
      if (!strcmp(it->kind, "security_group_rule") || !strcmp(it->kind, "network_acl_rule"))
        ingress_findings(c, e, it);
      if (!strcmp(it->kind, "iam_role_policy"))
        iam_findings(c, e, it);
      if (!strcmp(it->kind, "iam_role"))
        trust_findings(c, e, it);
    }
  }
  return e;
}

/* ---- text ---- */

#define CLIP 160

static void clip_write(Buf *b, const char *s) {
  size_t n = strlen(s);
  if (n <= CLIP) {
    buf_puts(b, s);
    return;
  }
  buf_add(b, s, CLIP - 3);
  buf_puts(b, "...");
}

static const char *value_text(Arena *a, const Value *v) {
  if (!v)
    return "(none)";
  return val_to_text(a, v);
}

/* "vpc.main is replaced", "subnet.private_a, subnet.private_b and
 * subnet.private_c are replaced", "iam_role.x is renamed". */
static const char *after_text(Arena *a, const Change *ch, bool md) {
  const char *q = md ? "`" : "";
  Buf b;
  buf_init(&b);
  for (int pass = 0; pass < 2; pass++) {
    Vec ids = {0};
    for (int i = 0; i < ch->afters.len; i++) {
      const Item *t = ch->afters.items[i];
      if ((t->act == A_REPLACE) == (pass == 0))
        vec_push(a, &ids, (void *)t->id);
    }
    if (!ids.len)
      continue;
    if (b.len)
      buf_puts(&b, "; ");
    for (int i = 0; i < ids.len; i++)
      buf_printf(&b, "%s%s%s%s", i == 0 ? "" : i == ids.len - 1 ? " and " : ", ", q, (char *)ids.items[i], q);
    buf_printf(&b, " %s %s", ids.len == 1 ? "is" : "are", pass == 0 ? "replaced" : "renamed");
  }
  return buf_finish(&b, a);
}

static void md_code(Buf *b, const char *s, bool cell);

/* One value in a change line: as it is in text, in a code span in markdown. */
static void put_val(Buf *b, const char *text, bool md) {
  Buf v;
  buf_init(&v);
  clip_write(&v, text);
  if (md)
    md_code(b, v.data, false);
  else
    buf_puts(b, v.data);
  buf_release(&v);
}

/* "old -> new", or for two flat lists what was added and removed. */
static const char *change_text(Arena *a, const Change *ch, bool md) {
  const char *arrow = md ? " → " : " -> ";
  Buf b;
  buf_init(&b);
  if (ch->after) {
    put_val(&b, value_text(a, ch->new), md);
    buf_printf(&b, "%s(known after apply: %s)", arrow, after_text(a, ch, md));
    return buf_finish(&b, a);
  }
  const Value *o = ch->old, *n = ch->new;
  if (o && n && o->kind == V_LIST && n->kind == V_LIST) {
    Vec os = {0}, ns = {0};
    for (int i = 0; i < o->list.n; i++)
      vec_push(a, &os, val_to_text(a, o->list.items[i]));
    for (int i = 0; i < n->list.n; i++)
      vec_push(a, &ns, val_to_text(a, n->list.items[i]));
    int nadd = 0, nrem = 0;
    for (int i = 0; i < ns.len; i++)
      nadd += !vec_has(&os, ns.items[i]);
    for (int i = 0; i < os.len; i++)
      nrem += !vec_has(&ns, os.items[i]);
    if (nadd || nrem) {
      bool first = true;
      for (int i = 0; i < ns.len; i++)
        if (!vec_has(&os, ns.items[i])) {
          buf_puts(&b, first ? "+ " : ", + ");
          put_val(&b, ns.items[i], md);
          first = false;
        }
      for (int i = 0; i < os.len; i++)
        if (!vec_has(&ns, os.items[i])) {
          buf_puts(&b, first ? "- " : ", - ");
          put_val(&b, os.items[i], md);
          first = false;
        }
      return buf_finish(&b, a);
    }
  }
  put_val(&b, value_text(a, o), md);
  buf_puts(&b, arrow);
  put_val(&b, value_text(a, n), md);
  return buf_finish(&b, a);
}

static const char *why_text(Arena *a, const Item *it, bool md) {
  const Change *f = it->forced;
  if (!f)
    return "";
  Buf b;
  buf_init(&b);
  if (md)
    md_code(&b, f->path, false);
  else
    buf_puts(&b, f->path);
  buf_puts(&b, " forces replacement");
  if (f->after)
    buf_printf(&b, " (%s)", after_text(a, f, md));
  return buf_finish(&b, a);
}

static const char *display_name(const Item *it) {
  const Resource *r = it->new ? it->new : it->old;
  return r->name;
}

static const char *category_title(Ctx *c, const char *cat) {
  Value *t = c->categories ? val_get(c->categories, cat) : NULL;
  return t && t->kind == V_STR ? t->s : cat;
}

static const char *pos_text(Arena *a, Pos p) {
  if (!p.file)
    return "";
  if (p.line)
    return arena_printf(a, "%s:%d:%d", p.file, p.line, p.col);
  return p.path ? arena_printf(a, "%s: %s", p.file, p.path) : p.file;
}

static const char *summary_line(Arena *a, const EnvDiff *e) {
  return arena_printf(a, "%d to add, %d to change, %d to replace, %d to destroy", e->count[A_ADD],
                      e->count[A_CHANGE], e->count[A_REPLACE], e->count[A_DESTROY]);
}

static const char *env_title(Arena *a, const EnvDiff *e) {
  const char *on = e->op ? e->op->m->name : NULL, *nn = e->np ? e->np->m->name : NULL;
  if (on && nn && strcmp(on, nn))
    return arena_printf(a, "%s -> %s (%s)", on, nn, e->env);
  return arena_printf(a, "%s (%s)", e->name, e->env);
}

static void text_item(Ctx *c, Buf *b, const Item *it) {
  static const char *const sym[] = {"   ", "  +", "  ~", "-/+", "  -"};
  static const char *const verb[] = {"", "will be created", "will be updated in place", "must be replaced",
                                     "will be destroyed"};
  const char *name = display_name(it);
  buf_printf(b, "\n  # %s %s", it->id, verb[it->act]);
  if (it->act == A_REPLACE)
    buf_printf(b, ": %s", why_text(c->a, it, false));
  buf_putc(b, '\n');
  if (it->data_loss)
    buf_printf(b, "  # DATA LOSS: %s holds data; %s it loses what it holds\n", it->id,
               it->act == A_DESTROY ? "destroying" : "replacing");
  if ((it->new ? it->new : it->old)->external)
    buf_puts(b, "  # (a document for the trusted account to attach)\n");
  buf_printf(b, "%s %s", sym[it->act], it->id);
  if (name)
    buf_printf(b, " (%s)", name);
  buf_putc(b, '\n');
  if (it->act == A_ADD) {
    for (int i = 0; i < it->new->attrs->map.n; i++) {
      MapEntry *me = &it->new->attrs->map.entries[i];
      buf_printf(b, "      + %s: ", me->key);
      clip_write(b, val_to_text(c->a, me->val));
      buf_putc(b, '\n');
    }
    return;
  }
  for (int i = 0; i < it->changes.len; i++) {
    const Change *ch = it->changes.items[i];
    if (!ch->old || !ch->new) {
      buf_printf(b, "      %s %s: ", ch->old ? "-" : "+", ch->path);
      clip_write(b, value_text(c->a, ch->old ? ch->old : ch->new));
    } else {
      buf_printf(b, "      ~ %s: %s", ch->path, change_text(c->a, ch, false));
    }
    buf_puts(b, ch->forces ? "  # forces replacement\n" : "\n");
  }
}

static void text_env(Ctx *c, Buf *b, const EnvDiff *e, const char *oldl, const char *newl) {
  buf_printf(b, "infrac diff: %s\n  old: %s\n  new: %s\n", env_title(c->a, e), oldl, newl);
  if (e->note)
    buf_printf(b, "  note: %s\n", e->note);
  if (!e->items.len)
    buf_puts(b, "\nNo changes: both specs give the same plan.\n");
  for (int i = 0; i < e->items.len; i++)
    text_item(c, b, e->items.items[i]);
  buf_putc(b, '\n');
  if (e->findings.len) {
    buf_printf(b, "Security-relevant changes (%d):\n", e->findings.len);
    for (int i = 0; i < e->findings.len; i++) {
      const Finding *f = e->findings.items[i];
      buf_printf(b, "  ! %-24s %s: %s", category_title(c, f->category), f->resource, f->message);
      if (f->origin.file)
        buf_printf(b, " [%s]", pos_text(c->a, f->origin));
      buf_putc(b, '\n');
    }
  } else {
    buf_puts(b, "Security-relevant changes: none (no wider network exposure, permissions or trust)\n");
  }
  if (e->data_loss)
    buf_printf(b, "Data loss: %d resource%s holding data %s destroyed or replaced\n", e->data_loss,
               e->data_loss == 1 ? "" : "s", e->data_loss == 1 ? "is" : "are");
  buf_printf(b, "Plan: %s.\n", summary_line(c->a, e));
}

/* ---- markdown ---- */

/* Inline code that holds any text: a fence longer than any backtick run
 * inside; in a table cell ('cell') pipes are escaped so it stays one cell
 * (GitHub's tables split on them even inside code). */
static void md_code(Buf *b, const char *s, bool cell) {
  int run = 0, longest = 0;
  for (const char *p = s; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    if (run > longest)
      longest = run;
  }
  char fence[8] = "`";
  int n = longest + 1 < 7 ? longest + 1 : 7;
  memset(fence, '`', (size_t)n);
  fence[n] = '\0';
  bool pad = s[0] == '`' || (*s && s[strlen(s) - 1] == '`');
  buf_puts(b, fence);
  if (pad)
    buf_putc(b, ' ');
  for (const char *p = s; *p; p++) {
    if (*p == '|' && cell)
      buf_puts(b, "\\|");
    else if (*p == '\n')
      buf_putc(b, ' ');
    else
      buf_putc(b, *p);
  }
  if (pad)
    buf_putc(b, ' ');
  buf_puts(b, fence);
}

/* Plain text in markdown, inside a line: the characters that could start
 * emphasis, code, links, HTML, entities or a table cell are escaped. */
static void md_text(Buf *b, const char *s) {
  for (const char *p = s; *p; p++) {
    if (strchr("\\`*_[]<>&|~", *p) && *p)
      buf_putc(b, '\\');
    if (*p == '\n')
      buf_putc(b, ' ');
    else
      buf_putc(b, *p);
  }
}

/* A finding's message with resource ids, CIDRs, ARNs and IAM actions
 * (the words with '.', '/', ':', '_' or '*') in code spans. */
static void md_message(Arena *a, Buf *b, const char *s) {
  const char *p = s;
  while (*p) {
    size_t n = strcspn(p, " ,()");
    if (n == 0) {
      char one[2] = {*p, 0};
      md_text(b, one);
      p++;
      continue;
    }
    /* trailing punctuation stays outside the code span */
    size_t core = n;
    while (core > 1 && strchr(":.;", p[core - 1]))
      core--;
    const char *w = arena_strndup(a, p, core);
    if (strpbrk(w, "./:_*"))
      md_code(b, w, true);
    else
      md_text(b, w);
    md_text(b, arena_strndup(a, p + core, n - core));
    p += n;
  }
}

static void md_change(Ctx *c, Buf *b, const Change *ch) {
  buf_puts(b, "  - ");
  md_code(b, ch->path, false);
  buf_puts(b, ": ");
  if (!ch->old || !ch->new) {
    Buf v;
    buf_init(&v);
    clip_write(&v, value_text(c->a, ch->old ? ch->old : ch->new));
    buf_puts(b, ch->old ? "removed (was " : "added ");
    md_code(b, v.data, false);
    buf_puts(b, ch->old ? ")" : "");
    buf_release(&v);
  } else {
    buf_puts(b, change_text(c->a, ch, true));
  }
  if (ch->forces)
    buf_puts(b, " **(forces replacement)**");
  buf_putc(b, '\n');
}

static void md_item_line(Ctx *c, Buf *b, const Item *it) {
  buf_puts(b, "- ");
  md_code(b, it->id, false);
  const char *name = display_name(it);
  if (name) {
    buf_puts(b, " (");
    md_code(b, name, false);
    buf_puts(b, ")");
  }
  if (it->act == A_REPLACE)
    buf_printf(b, ": %s", why_text(c->a, it, true));
  if (it->data_loss)
    buf_puts(b, " **data loss**");
  if ((it->new ? it->new : it->old)->external)
    buf_puts(b, " (for the trusted account)");
  buf_putc(b, '\n');
  if (it->act == A_CHANGE || it->act == A_REPLACE)
    for (int i = 0; i < it->changes.len; i++)
      md_change(c, b, it->changes.items[i]);
}

static void md_section(Ctx *c, Buf *b, const EnvDiff *e, Act act, const char *title) {
  if (!e->count[act])
    return;
  buf_printf(b, "<details>\n<summary>%s (%d)</summary>\n\n", title, e->count[act]);
  for (int i = 0; i < e->items.len; i++) {
    const Item *it = e->items.items[i];
    if (it->act == act)
      md_item_line(c, b, it);
  }
  buf_puts(b, "\n</details>\n\n");
}

static void md_env(Ctx *c, Buf *b, const EnvDiff *e, const char *oldl, const char *newl) {
  Arena *a = c->a;
  buf_puts(b, "### infrac diff: ");
  md_text(b, env_title(a, e));
  buf_printf(b, "\n\n**Plan: %s.**\n\n", summary_line(a, e));
  buf_puts(b, "Compared ");
  md_code(b, oldl, false);
  buf_puts(b, " with ");
  md_code(b, newl, false);
  buf_puts(b, ".");
  if (e->note) {
    buf_puts(b, " ");
    md_text(b, e->note);
    buf_puts(b, ".");
  }
  buf_puts(b, "\n\n");
  if (!e->items.len) {
    buf_puts(b, "No changes: both specs give the same plan.\n\n");
    return;
  }
  /* At a glance: what is lost, what is replaced and why, what grew. */
  for (int i = 0; i < e->items.len; i++) {
    const Item *it = e->items.items[i];
    if (!it->data_loss)
      continue;
    buf_puts(b, "- **Data loss:** ");
    md_code(b, it->id, false);
    if (display_name(it)) {
      buf_puts(b, " (");
      md_code(b, display_name(it), false);
      buf_puts(b, ")");
    }
    if (it->act == A_DESTROY)
      buf_puts(b, " is destroyed\n");
    else
      buf_printf(b, " is replaced: %s\n", why_text(a, it, true));
  }
  /* One line per cause: replacements started by the same change of the
   * same attribute on one kind (four rules whose port moved) go together,
   * each with the count of what depends on them. */
  Vec done = {0};
  for (int i = 0; i < e->items.len; i++) {
    const Item *it = e->items.items[i];
    if (it->act != A_REPLACE || strcmp(it->root, it->id) || vec_has(&done, it->id))
      continue;
    const char *why = why_text(a, it, true);
    const Change *f = it->forced;
    const char *what = f && f->old && f->new && !f->after ? change_text(a, f, true) : "";
    Vec group = {0};
    for (int k = i; k < e->items.len; k++) {
      const Item *x = e->items.items[k];
      if (x->act == A_REPLACE && !strcmp(x->root, x->id) && !strcmp(x->kind, it->kind) &&
          !strcmp(why_text(a, x, true), why) &&
          !strcmp(x->forced && x->forced->old && x->forced->new && !x->forced->after
                      ? change_text(a, x->forced, true) : "", what)) {
        vec_push(a, &group, (void *)x->id);
        vec_push(a, &done, (void *)x->id);
      }
    }
    int deps = 0;
    for (int k = 0; k < e->items.len; k++) {
      const Item *x = e->items.items[k];
      deps += x->act == A_REPLACE && !vec_has(&group, x->id) && vec_has(&group, x->root);
    }
    buf_puts(b, "- **Replaced:** ");
    for (int k = 0; k < group.len; k++) {
      buf_puts(b, k == 0 ? "" : k == group.len - 1 ? " and " : ", ");
      md_code(b, group.items[k], false);
    }
    buf_printf(b, " because %s", why);
    if (*what) {
      buf_printf(b, " (%s)", what);
    }
    if (deps)
      buf_printf(b, ", and %d resource%s that depend%s on %s", deps, deps == 1 ? "" : "s",
                 deps == 1 ? "s" : "", group.len == 1 ? "it" : "them");
    buf_puts(b, "\n");
  }
  if (e->count[A_DESTROY]) {
    buf_puts(b, "- **Destroyed:** ");
    int shown = 0;
    for (int i = 0; i < e->items.len; i++) {
      const Item *it = e->items.items[i];
      if (it->act != A_DESTROY)
        continue;
      if (shown == 12) {
        buf_printf(b, " and %d more", e->count[A_DESTROY] - shown);
        break;
      }
      buf_puts(b, shown ? ", " : "");
      md_code(b, it->id, false);
      shown++;
    }
    buf_puts(b, "\n");
  }
  if (e->findings.len)
    buf_printf(b, "- **Security:** %d change%s widen%s network exposure, permissions or trust, or weaken%s "
                  "protection (table below)\n",
               e->findings.len, e->findings.len == 1 ? "" : "s", e->findings.len == 1 ? "s" : "",
               e->findings.len == 1 ? "s" : "");
  else
    buf_puts(b, "- **Security:** no security-relevant changes; network exposure, permissions and trust "
                "did not grow\n");
  buf_puts(b, "\n");
  md_section(c, b, e, A_DESTROY, "Destroy");
  md_section(c, b, e, A_REPLACE, "Replace");
  md_section(c, b, e, A_CHANGE, "Update in place");
  md_section(c, b, e, A_ADD, "Create");
  if (!e->findings.len)
    return;
  buf_puts(b, "#### Security-relevant changes\n\n| Change | Resource | What | Spec |\n| --- | --- | --- | --- |\n");
  for (int i = 0; i < e->findings.len; i++) {
    const Finding *f = e->findings.items[i];
    buf_puts(b, "| ");
    md_text(b, category_title(c, f->category));
    buf_puts(b, " | ");
    md_code(b, f->resource, true);
    buf_puts(b, " | ");
    md_message(a, b, f->message);
    buf_puts(b, " | ");
    if (f->origin.file)
      md_code(b, pos_text(a, f->origin), true);
    buf_puts(b, " |\n");
  }
  buf_puts(b, "\n");
}

/* ---- json ---- */

static json_t *jv(const Value *v) {
  if (!v)
    return json_null();
  switch (v->kind) {
  case V_NULL: return json_null();
  case V_BOOL: return json_boolean(v->b);
  case V_INT: return json_integer(v->i);
  case V_FLOAT: return json_real(v->f);
  case V_STR: return json_string(v->s);
  case V_AZ: return json_pack("{s:i}", "az", v->az);
  case V_REF: {
    json_t *o = json_pack("{s:s,s:s}", "ref", v->ref.res, "attr", v->ref.attr);
    if (v->ref.known)
      json_object_set_new(o, "value", json_string(v->ref.known));
    return o;
  }
  case V_CONCAT:
  case V_LIST: {
    json_t *a = json_array();
    for (int i = 0; i < v->list.n; i++)
      json_array_append_new(a, jv(v->list.items[i]));
    return v->kind == V_LIST ? a : json_pack("{s:o}", "join", a);
  }
  case V_MAP: {
    json_t *o = json_object();
    for (int i = 0; i < v->map.n; i++)
      json_object_set_new(o, v->map.entries[i].key, jv(v->map.entries[i].val));
    return o;
  }
  }
  return json_null();
}

static json_t *jpos(Pos p) {
  if (!p.file)
    return json_null();
  json_t *o = json_pack("{s:s,s:i,s:i}", "file", p.file, "line", p.line, "col", p.col);
  if (p.path)
    json_object_set_new(o, "path", json_string(p.path));
  return o;
}

static json_t *jstrings(const Vec *v) {
  json_t *a = json_array();
  for (int i = 0; i < v->len; i++)
    json_array_append_new(a, json_string(v->items[i]));
  return a;
}

static json_t *json_env(Ctx *c, const EnvDiff *e) {
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(e->name));
  json_object_set_new(o, "env", json_string(e->env));
  json_object_set_new(o, "note", e->note ? json_string(e->note) : json_null());
  json_object_set_new(o, "summary",
                      json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "add", e->count[A_ADD], "change",
                                e->count[A_CHANGE], "replace", e->count[A_REPLACE], "destroy",
                                e->count[A_DESTROY], "data_loss", e->data_loss, "security", e->findings.len));
  json_t *rs = json_array();
  for (int i = 0; i < e->items.len; i++) {
    const Item *it = e->items.items[i];
    const Resource *r = it->new ? it->new : it->old;
    json_t *x = json_object();
    json_object_set_new(x, "id", json_string(it->id));
    json_object_set_new(x, "kind", json_string(it->kind));
    json_object_set_new(x, "action", json_string(act_name[it->act]));
    json_object_set_new(x, "name", r->name ? json_string(r->name) : json_null());
    if (it->old && it->new && !str_eq(it->old->name, it->new->name))
      json_object_set_new(x, "old_name", it->old->name ? json_string(it->old->name) : json_null());
    if (r->external)
      json_object_set_new(x, "external", json_true());
    json_object_set_new(x, "data_loss", json_boolean(it->data_loss));
    json_object_set_new(x, "origin", jpos(r->origin));
    if (it->act == A_REPLACE) {
      json_t *fb = json_array();
      for (int k = 0; k < it->changes.len; k++) {
        const Change *ch = it->changes.items[k];
        if (ch->forces)
          json_array_append_new(fb, json_pack("{s:s,s:o}", "path", ch->path, "because",
                                              ch->after ? json_string(ch->after) : json_null()));
      }
      json_object_set_new(x, "forced_by", fb);
      json_object_set_new(x, "root", json_string(it->root));
    }
    if (it->act == A_ADD && it->new)
      json_object_set_new(x, "attributes", jv(it->new->attrs));
    json_t *chs = json_array();
    for (int k = 0; k < it->changes.len && (it->act == A_CHANGE || it->act == A_REPLACE); k++) {
      const Change *ch = it->changes.items[k];
      json_t *y = json_pack("{s:s,s:o,s:o,s:b}", "path", ch->path, "old", jv(ch->old), "new", jv(ch->new),
                            "forces_replacement", ch->forces);
      if (ch->after) {
        json_t *ids = json_array();
        for (int n = 0; n < ch->afters.len; n++)
          json_array_append_new(ids, json_string(((Item *)ch->afters.items[n])->id));
        json_object_set_new(y, "known_after_apply", ids);
      }
      json_array_append_new(chs, y);
    }
    json_object_set_new(x, "changes", chs);
    json_array_append_new(rs, x);
  }
  json_object_set_new(o, "resources", rs);
  json_t *fs = json_array();
  for (int i = 0; i < e->findings.len; i++) {
    const Finding *f = e->findings.items[i];
    json_t *y = json_pack("{s:s,s:s,s:s,s:s,s:o}", "category", f->category, "title",
                          category_title(c, f->category), "resource", f->resource, "message", f->message,
                          "origin", jpos(f->origin));
    if (f->actions.len)
      json_object_set_new(y, "actions", jstrings(&f->actions));
    if (f->resources.len)
      json_object_set_new(y, "resources", jstrings(&f->resources));
    json_array_append_new(fs, y);
  }
  json_object_set_new(o, "security", fs);
  return o;
}

/* ---- reading a spec at a git revision ---- */

typedef struct Git {
  const char *rev;
  const char *top;   /* the repository's top-level folder */
} Git;

/* Run git with 'argv' (after "git -C top"), collecting stdout up to
 * 'limit' bytes. Returns the output (NULL on failure, errno set) and the
 * exit status in *status. No shell is involved: REV is an argument. */
static char *git_run(Arena *a, const char *dir, const char *const *args, size_t *len, int *status,
                     size_t limit) {
  const char *argv[16];
  int n = 0;
  argv[n++] = "git";
  argv[n++] = "-C";
  argv[n++] = dir;
  for (int i = 0; args[i] && n < 15; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  int fds[2];
  if (pipe(fds) != 0)
    return NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    errno = rc;
    return NULL;
  }
  Buf b;
  buf_init(&b);
  char chunk[65536];
  bool big = false;
  ssize_t got;
  while ((got = read(fds[0], chunk, sizeof chunk)) != 0) {
    if (got < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (b.len + (size_t)got > limit)
      big = true;   /* keep draining so git can finish */
    else
      buf_add(&b, chunk, (size_t)got);
  }
  close(fds[0]);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
  if (big) {
    buf_release(&b);
    errno = EFBIG;
    return NULL;
  }
  *len = b.len;
  return buf_finish(&b, a);
}

/* Lexically normalise a relative path: "a/./b/../c" -> "a/c". NULL when
 * it climbs out of its root. */
static char *normalise(Arena *a, const char *path) {
  char *copy = arena_strdup(a, path), *save = NULL;
  const char *parts[512];
  int n = 0;
  for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (!strcmp(t, "."))
      continue;
    if (!strcmp(t, "..")) {
      if (!n)
        return NULL;
      n--;
      continue;
    }
    if (n == 512)
      return NULL;
    parts[n++] = t;
  }
  Buf b;
  buf_init(&b);
  for (int i = 0; i < n; i++)
    buf_printf(&b, "%s%s", i ? "/" : "", parts[i]);
  return buf_finish(&b, a);
}

/* The loader's reader for the old side: 'path' is relative to the
 * repository's top (includes joined to it stay so). */
static char *git_reader(Arena *a, const char *path, size_t *len, const char **shown, void *ctx) {
  Git *g = ctx;
  *shown = arena_printf(a, "%s:%s", g->rev, path);
  const char *rel = path;
  size_t tl = strlen(g->top);
  if (path[0] == '/') {
    if (strncmp(path, g->top, tl) || path[tl] != '/') {
      errno = ENOENT;
      return NULL;
    }
    rel = path + tl + 1;
  }
  char *norm = normalise(a, rel);
  if (!norm || !*norm) {
    errno = ENOENT;
    return NULL;
  }
  const char *args[] = {"show", arena_printf(a, "%s:%s", g->rev, norm), NULL};
  int status;
  char *text = git_run(a, g->top, args, len, &status, LOAD_MAX_FILE_BYTES);
  if (text && status != 0) {
    errno = ENOENT;
    return NULL;
  }
  return text;
}

/* ---- the command ---- */

typedef struct Side {
  const char *path;     /* what the loader is given */
  const char *label;    /* what the report calls it */
  Git *git;             /* read at a revision, or NULL */
  bool absent;          /* the file does not exist: an empty plan */
  const char **envs;
  int nenvs;
} Side;

static Value *side_resolve(Arena *a, Diags *d, Side *s, const char *env) {
  if (s->git)
    spec_set_reader(git_reader, s->git);
  Value *root = spec_resolve(a, d, s->path, env);
  spec_set_reader(NULL, NULL);
  return root;
}

static bool side_open(Arena *a, Diags *d, Side *s) {
  if (s->absent)
    return true;
  Value *root = side_resolve(a, d, s, NULL);
  if (!root)
    return false;
  s->nenvs = spec_env_names(a, root, &s->envs);
  return true;
}

static bool side_has_env(const Side *s, const char *env) {
  for (int i = 0; i < s->nenvs; i++)
    if (!strcmp(s->envs[i], env))
      return true;
  return false;
}

/* The plan of one side in one environment; *empty when that side has no
 * such spec or environment. NULL with diagnostics when it is invalid. */
static Plan *side_plan(Arena *a, Diags *d, Side *s, const char *env, bool *empty) {
  *empty = s->absent || (env && !side_has_env(s, env));
  if (*empty)
    return NULL;
  Value *root = side_resolve(a, d, s, env);
  if (!root)
    return NULL;
  const char *file = s->git ? arena_printf(a, "%s:%s", s->git->rev, s->path) : s->path;
  Model *m = spec_validate(a, d, root, file, env);
  return m ? plan_build(a, d, m) : NULL;
}

/* The plans of both sides in one environment, compiled at once on two
 * threads (see jobs.h), each in its own arena and with its own Diags. */
typedef struct SideJob {
  Arena *root;
  Side *side;
  const char *env;
  Arena *arena, *keep;
  Diags d;
  Plan *plan;
  bool empty;
} SideJob;

static void side_job(void *ctx, int i) {
  SideJob *j = (SideJob *)ctx + i;
  j->arena = arena_new();
  j->arena->parent = j->root;
  j->keep = arena_new();
  diag_init(&j->d, j->keep);
  j->plan = side_plan(j->arena, &j->d, j->side, j->env, &j->empty);
}

static int fail(Arena *a, Diags *d, Vec *kept) {
  diag_print(d, stderr);
  jobs_free(a, kept);
  return EXIT_INVALID;
}

static char *trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
    s[--n] = '\0';
  return s;
}

/* Set up the old side of --base REV SPEC. */
static bool git_side(Arena *a, Diags *d, const char *rev, const char *spec, Side *s) {
  Pos at = {.file = spec};
  if (!*rev || rev[0] == '-') {
    diag_error(d, (Pos){0}, NULL, "--base needs a git revision, found '%s'", rev);
    return false;
  }
  /* git runs in the spec's folder, or the nearest one that exists */
  char *dir = path_dir(a, spec);
  struct stat st;
  while (stat(dir, &st) != 0 && strcmp(dir, ".") && strcmp(dir, "/"))
    dir = path_dir(a, dir);
  size_t len;
  int status;
  const char *top_args[] = {"rev-parse", "--show-toplevel", NULL};
  char *top = git_run(a, dir, top_args, &len, &status, 1 << 16);
  if (!top) {
    diag_error(d, at, NULL, "cannot run git: %s", strerror(errno));
    return false;
  }
  if (status != 0 || !*trim(top)) {
    diag_error(d, at, NULL, "--base needs the spec inside a git repository; %s is not in one", spec);
    return false;
  }
  const char *verify[] = {"rev-parse", "--verify", "--quiet", "--end-of-options",
                          arena_printf(a, "%s^{commit}", rev), NULL};
  git_run(a, top, verify, &len, &status, 1 << 16);
  if (status != 0) {
    diag_error(d, (Pos){0}, NULL, "--base: unknown git revision '%s' in %s", rev, top);
    return false;
  }
  /* SPEC relative to the top: through the real path of its folder, so
   * symbolic links and "./" or "../" resolve as git sees them */
  char real[PATH_MAX];
  const char *abs;
  char *sdir = path_dir(a, spec);
  const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
  if (realpath(sdir, real)) {
    abs = arena_printf(a, "%s/%s", real, base);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      diag_error(d, at, NULL, "cannot find the current folder: %s", strerror(errno));
      return false;
    }
    abs = spec[0] == '/' ? spec : arena_printf(a, "%s/%s", cwd, spec);
  }
  size_t tl = strlen(top);
  char *rel = strncmp(abs, top, tl) == 0 && abs[tl] == '/' ? normalise(a, abs + tl + 1) : NULL;
  if (!rel || !*rel) {
    diag_error(d, at, NULL, "--base: %s is not inside the git repository %s", spec, top);
    return false;
  }
  Git *g = arena_alloc(a, sizeof *g);
  g->rev = rev;
  g->top = top;
  s->git = g;
  s->path = rel;
  s->label = arena_printf(a, "%s:%s", rev, rel);
  const char *exists[] = {"cat-file", "-e", arena_printf(a, "%s:%s", rev, rel), NULL};
  git_run(a, top, exists, &len, &status, 1 << 16);
  s->absent = status != 0;
  return true;
}

int run_diff(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  Vec kept = {0};   /* the arenas of the sides' plans */
  const char *format = o->format ? o->format : "text";
  if (strcmp(format, "text") && strcmp(format, "markdown") && strcmp(format, "json")) {
    diag_error(&d, (Pos){0}, NULL, "unknown format '%s' for diff; choose text, markdown or json", format);
    return fail(a, &d, &kept);
  }
  Side sides[2] = {{0}, {0}};
  Side *old = &sides[0], *new = &sides[1];
  struct stat st;
  if (o->base) {
    if (o->nspecs != 1) {
      diag_error(&d, (Pos){0}, NULL, "diff --base takes exactly one SPEC (found %d)", o->nspecs);
      return fail(a, &d, &kept);
    }
    new->path = new->label = o->specs[0];
    if (!git_side(a, &d, o->base, o->specs[0], old))
      return fail(a, &d, &kept);
    /* a spec deleted by the change: everything it made is destroyed */
    new->absent = stat(new->path, &st) != 0 && errno == ENOENT;
    if (new->absent && old->absent) {
      diag_error(&d, (Pos){.file = new->path}, NULL, "the spec exists neither here nor at %s", o->base);
      return fail(a, &d, &kept);
    }
  } else {
    if (o->nspecs != 2) {
      diag_error(&d, (Pos){0}, NULL, "diff takes OLD and NEW, or --base REV and one SPEC (found %d specs)",
                 o->nspecs);
      return fail(a, &d, &kept);
    }
    old->path = old->label = o->specs[0];
    new->path = new->label = o->specs[1];
    /* /dev/null stands for no spec at all, as in diff(1) */
    old->absent = !strcmp(old->path, "/dev/null");
    new->absent = !strcmp(new->path, "/dev/null");
    if (old->absent && new->absent) {
      diag_error(&d, (Pos){0}, NULL, "at least one of OLD and NEW must be a spec");
      return fail(a, &d, &kept);
    }
  }
  Ctx c = {.a = a, .d = &d};
  c.kinds = tmpl_entry(a, &d, "diff/replace.yaml", "kinds");
  Value *rt = tmpl_get(a, &d, "diff/replace.yaml");
  Value *st_ = tmpl_get(a, &d, "diff/security.yaml");
  if (!c.kinds || !rt || !st_)
    return fail(a, &d, &kept);
  c.regenerated = val_get(rt, "regenerated");
  c.identity = val_get(rt, "list_identity");
  c.ordered = val_get(rt, "ordered_lists");
  c.rules = val_get(st_, "rules");
  c.categories = val_get(st_, "categories");
  bool ok = side_open(a, &d, old);
  ok = side_open(a, &d, new) && ok;
  if (!ok)
    return fail(a, &d, &kept);
  /* The environments: the one named, or the base and every environment
   * either side declares. */
  Vec envs = {0};
  if (o->all_envs) {
    vec_push(a, &envs, NULL);
    Vec names = {0};
    for (int s = 0; s < 2; s++)
      for (int i = 0; i < sides[s].nenvs; i++)
        if (!vec_has(&names, sides[s].envs[i]))
          vec_push(a, &names, (void *)sides[s].envs[i]);
    if (names.len)
      qsort(names.items, (size_t)names.len, sizeof(void *), str_cmp_ptr);
    for (int i = 0; i < names.len; i++)
      vec_push(a, &envs, names.items[i]);
  } else {
    vec_push(a, &envs, (void *)o->env);
  }
  Vec diffs = {0};
  for (int i = 0; i < envs.len; i++) {
    const char *env = envs.items[i];
    bool oe, ne;
    if (env && !side_has_env(old, env) && !side_has_env(new, env)) {
      /* neither side declares it: let the new side report it */
      Side *s = new->absent ? old : new;
      side_resolve(a, &d, s, env);
      return fail(a, &d, &kept);
    }
    SideJob jobs[2] = {{.root = a, .side = old, .env = env}, {.root = a, .side = new, .env = env}};
    jobs_run(2, side_job, jobs);
    for (int k = 0; k < 2; k++) {
      diag_merge(&d, &jobs[k].d);
      vec_push(a, &kept, jobs[k].keep);
      vec_push(a, &kept, jobs[k].arena);
    }
    Plan *op = jobs[0].plan, *np = jobs[1].plan;
    oe = jobs[0].empty;
    ne = jobs[1].empty;
    if ((!op && !oe) || (!np && !ne)) {
      ok = false;
      continue;
    }
    if (!op && !np)
      continue;   /* neither side has it (the check above returns first) */
    EnvDiff *e = diff_env(&c, op, np);
    if (env && !old->absent && oe)
      e->note = arena_printf(a, "the environment %s is new", env);
    else if (env && !new->absent && ne)
      e->note = arena_printf(a, "the environment %s is removed", env);
    else if (old->absent)
      e->note = "the spec is new";
    else if (new->absent)
      e->note = "the spec is removed";
    vec_push(a, &diffs, e);
  }
  if (!ok || d.errors)
    return fail(a, &d, &kept);
  bool differ = false;
  for (int i = 0; i < diffs.len; i++)
    differ |= ((EnvDiff *)diffs.items[i])->items.len > 0;
  Buf out;
  buf_init(&out);
  if (!strcmp(format, "json")) {
    json_t *root = json_object();
    json_object_set_new(root, "infrac_diff", json_integer(1));
    json_object_set_new(root, "old", json_string(old->label));
    json_object_set_new(root, "new", json_string(new->label));
    json_object_set_new(root, "differences", json_boolean(differ));
    json_t *es = json_array();
    for (int i = 0; i < diffs.len; i++)
      json_array_append_new(es, json_env(&c, diffs.items[i]));
    json_object_set_new(root, "environments", es);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (s)
      buf_printf(&out, "%s\n", s);
    free(s);
  } else {
    for (int i = 0; i < diffs.len; i++) {
      if (i)
        buf_puts(&out, !strcmp(format, "text") ? "\n" : "---\n\n");
      if (!strcmp(format, "text"))
        text_env(&c, &out, diffs.items[i], old->label, new->label);
      else
        md_env(&c, &out, diffs.items[i], old->label, new->label);
    }
  }
  fwrite(out.data, 1, out.len, stdout);
  buf_release(&out);
  diag_print(&d, stderr);
  jobs_free(a, &kept);
  if (fflush(stdout) != 0)
    return EXIT_INVALID;
  return differ ? EXIT_FINDINGS : EXIT_OK;
}
