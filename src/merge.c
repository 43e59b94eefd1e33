/*
 * merge: fold includes and overlays into one tree (see merge.h).
 */
#include "merge.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load.h"

static Value *strip_nulls(Arena *a, const Value *v);

/* With 'keep' a null is kept as a value: overlays are merged with each
 * other that way, so their "remove this key" survives until applied. */
static Value *merge2(Arena *a, const Value *base, const Value *over, bool keep) {
  if (!over || over->kind != V_MAP || !base || base->kind != V_MAP)
    return over && over->kind == V_MAP && !keep ? strip_nulls(a, over) : (Value *)over;
  Value *out = val_new(a, V_MAP, over->pos);
  for (int i = 0; i < base->map.n; i++) {
    MapEntry *e = &base->map.entries[i];
    MapEntry *o = val_entry(over, e->key);
    /* keys are unique in each map, and those of over joined here are
     * not in base: every key is new to out */
    if (!o)
      val_add_new(a, out, e->key, e->key_pos, e->val);
    else if (keep || o->val->kind != V_NULL)
      val_add_new(a, out, e->key, o->key_pos, merge2(a, e->val, o->val, keep));
  }
  for (int i = 0; i < over->map.n; i++) {
    MapEntry *o = &over->map.entries[i];
    if (!val_entry(base, o->key) && (keep || o->val->kind != V_NULL))
      val_add_new(a, out, o->key, o->key_pos, keep ? o->val : strip_nulls(a, o->val));
  }
  return out;
}

Value *spec_merge(Arena *a, const Value *base, const Value *over) {
  return merge2(a, base, over, false);
}

/* A map written fresh still obeys "null removes the key". */
static Value *strip_nulls(Arena *a, const Value *v) {
  if (v->kind != V_MAP)
    return (Value *)v;
  Value *out = val_new(a, V_MAP, v->pos);
  for (int i = 0; i < v->map.n; i++) {
    MapEntry *e = &v->map.entries[i];
    if (e->val->kind != V_NULL)   /* keys are unique in v */
      val_add_new(a, out, e->key, e->key_pos, strip_nulls(a, e->val));
  }
  return out;
}

typedef struct Chain {
  const char *file;
  struct Chain *up;
} Chain;

static char *chain_text(Arena *a, Chain *c, const char *last) {
  Buf b;
  buf_init(&b);
  const char *files[MERGE_MAX_INCLUDE_DEPTH + 2];
  int n = 0;
  for (; c && n < MERGE_MAX_INCLUDE_DEPTH + 1; c = c->up)
    files[n++] = c->file;
  for (int i = n - 1; i >= 0; i--)
    buf_printf(&b, "%s -> ", files[i]);
  buf_puts(&b, last);
  return buf_finish(&b, a);
}

static Value *without_key(Arena *a, const Value *map, const char *key) {
  Value *out = val_new(a, V_MAP, map->pos);
  for (int i = 0; i < map->map.n; i++)
    if (strcmp(map->map.entries[i].key, key))   /* keys are unique in map */
      val_add_new(a, out, map->map.entries[i].key, map->map.entries[i].key_pos, map->map.entries[i].val);
  return out;
}

/* Merge two files' trees: the spec proper with nulls applied, the
 * environments map with nulls kept for when an overlay is applied. */
static Value *combine(Arena *a, const Value *base, const Value *over) {
  Value *out = spec_merge(a, base ? without_key(a, base, "environments") : NULL,
                          without_key(a, over, "environments"));
  MapEntry *be = base ? val_entry(base, "environments") : NULL;
  MapEntry *oe = val_entry(over, "environments");
  if (be || oe) {
    MapEntry *at = oe ? oe : be;
    Value *envs = be && oe ? merge2(a, be->val, oe->val, true) : at->val;
    val_set_at(a, out, "environments", at->key_pos, envs);
  }
  return out;
}

typedef struct Tree {
  Arena *a;
  Diags *d;
  Vec *files;   /* collects every file read, or NULL */
  int reads;    /* files read so far, diamonds counted each time */
  long long bytes;   /* their total size */
} Tree;

/* Load 'path' and everything it includes. */
static Value *load_tree(Tree *t, const char *path, Chain *up, int depth, const Value *ref,
                        const char *refpath) {
  Arena *a = t->a;
  Diags *d = t->d;
  if (t->files)
    vec_push(a, t->files, (void *)path);
  t->reads++;
  /* The size limit holds for a spec and its includes together, so a file
   * included from many places cannot multiply it. */
  struct stat st;
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
    t->bytes += st.st_size;
    if (ref && t->bytes > LOAD_MAX_FILE_BYTES && st.st_size <= LOAD_MAX_FILE_BYTES) {
      diag_error(d, ref->pos, refpath, "a spec and its includes hold at most %u MiB together",
                 LOAD_MAX_FILE_BYTES >> 20);
      return NULL;
    }
  }
  Value *root = spec_load_named(a, d, path, ref, refpath);
  if (!root)
    return NULL;
  if (root->kind != V_MAP) {
    diag_error(d, root->pos, NULL, "a spec must be a map of keys, found a %s",
               val_kind_name(root->kind));
    return NULL;
  }
  MapEntry *inc = val_entry(root, "include");
  if (!inc)
    return combine(a, NULL, root);
  Value *list = inc->val;
  if (list->kind == V_STR) {
    Value *l = val_new(a, V_LIST, list->pos);
    val_push(a, l, list);
    list = l;
  }
  if (list->kind != V_LIST) {
    diag_error(d, list->pos, "include", "expected a list of file paths, found a %s",
               val_kind_name(list->kind));
    return NULL;
  }
  Chain here = {path, up};
  Value *acc = NULL;
  bool ok = true;
  for (int i = 0; i < list->list.n; i++) {
    Value *item = list->list.items[i];
    char *ipath = arena_printf(a, "include[%d]", i);
    if (item->kind != V_STR || !*item->s) {
      diag_error(d, item->pos, ipath, "expected a file path (a string)");
      ok = false;
      continue;
    }
    const char *target = path_join(a, path_dir(a, path), item->s);
    bool cycle = false;
    for (Chain *c = &here; c; c = c->up)
      if (str_eq(c->file, target))
        cycle = true;
    if (cycle) {
      diag_error(d, item->pos, ipath, "include cycle: %s", chain_text(a, &here, target));
      ok = false;
      continue;
    }
    if (depth + 1 > MERGE_MAX_INCLUDE_DEPTH) {
      diag_error(d, item->pos, ipath, "includes nest deeper than %d files", MERGE_MAX_INCLUDE_DEPTH);
      ok = false;
      continue;
    }
    /* A file may be included from many places (a diamond), so depth alone
     * does not bound the work: count every read. */
    if (t->reads >= MERGE_MAX_INCLUDE_READS) {
      diag_error(d, item->pos, ipath, "the includes read more than %d files", MERGE_MAX_INCLUDE_READS);
      return NULL;
    }
    Value *frag = load_tree(t, target, &here, depth + 1, item, ipath);
    if (!frag) {
      ok = false;
      continue;
    }
    acc = acc ? combine(a, acc, frag) : frag;
  }
  if (!ok)
    return NULL;
  Value *self = without_key(a, root, "include");
  return combine(a, acc, self);
}

int spec_env_names(Arena *a, const Value *root, const char ***names) {
  Value *envs = val_get(root, "environments");
  int n = envs && envs->kind == V_MAP ? envs->map.n : 0;
  const char **v = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    v[i] = envs->map.entries[i].key;
  qsort(v, (size_t)n, sizeof *v, str_cmp_ptr);
  *names = v;
  return n;
}

Value *spec_resolve(Arena *a, Diags *d, const char *path, const char *env) {
  Tree t = {a, d, NULL, 0, 0};
  Value *root = load_tree(&t, path, NULL, 0, NULL, NULL);
  if (!root || !env)
    return root;
  Value *envs = val_get(root, "environments");
  Value *overlay = envs && envs->kind == V_MAP ? val_get(envs, env) : NULL;
  if (!val_entry(envs, env)) {
    const char **names;
    int n = spec_env_names(a, root, &names);
    Buf b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
      buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    diag_error(d, (Pos){.file = path}, NULL, "--env %s: unknown environment; %s%s", env,
               n ? "the spec declares: " : "the spec declares no environments", b.data);
    buf_release(&b);
    return NULL;
  }
  if (!overlay || overlay->kind == V_NULL)
    return without_key(a, root, "environments");
  if (overlay->kind != V_MAP) {
    /* the same words and place as validation's, so `check` says it once */
    const char *kind = val_kind_name(overlay->kind);
    diag_error(d, val_entry(envs, env)->key_pos, arena_printf(a, "environments.%s", env),
               "an environment overlay is a map, found %s %s", strchr("aeiou", kind[0]) ? "an" : "a",
               kind);
    return NULL;
  }
  static const char *forbidden[] = {"environments", "include", "infrac"};
  bool ok = true;
  for (size_t i = 0; i < sizeof forbidden / sizeof *forbidden; i++) {
    MapEntry *e = val_entry(overlay, forbidden[i]);
    if (e) {
      diag_error(d, e->key_pos, arena_printf(a, "environments.%s.%s", env, forbidden[i]),
                 "'%s' cannot be set inside an environment overlay", forbidden[i]);
      ok = false;
    }
  }
  if (!ok)
    return NULL;
  return spec_merge(a, without_key(a, root, "environments"), overlay);
}

int spec_files(Arena *a, Diags *d, const char *path, const char ***files) {
  Vec v = {0};
  Tree t = {a, d, &v, 0, 0};
  load_tree(&t, path, NULL, 0, NULL, NULL);
  *files = (const char **)v.items;
  return v.len;
}
