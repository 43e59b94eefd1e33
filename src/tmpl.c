/*
 * tmpl: find, parse, cache and expand templates (see tmpl.h).
 */
#include "tmpl.h"

#include <string.h>
#include <sys/stat.h>

#include "jobs.h"
#include "load.h"

static const char *override_dir;

void tmpl_set_dir(const char *dir) { override_dir = dir; }

/* Parsed templates are cached in the arena that holds them (the root of a
 * scratch arena), so they go away with it and a fresh arena reads them
 * afresh. Emitters on several threads share the cache (see jobs.h). */
typedef struct Cached {
  const char *name;
  Value *value;
  const char *file, *text;   /* its source, registered again with each Diags */
  size_t len;
  struct Cached *next;
} Cached;

static Value *parse(Arena *a, Diags *d, const char *name, const char **file) {
  if (override_dir) {
    const char *path = arena_printf(a, "%s/%s", override_dir, name);
    struct stat st;
    if (stat(path, &st) == 0) {
      *file = path;
      return spec_load_file(a, d, path);
    }
  }
  for (const TmplFile *t = tmpl_embedded; t->name; t++)
    if (!strcmp(t->name, name)) {
      *file = arena_printf(a, "<templates>/%s", name);
      return spec_load_text(a, d, *file, t->data, t->len, spec_is_json(name));
    }
  diag_error(d, (Pos){0}, NULL, "template %s is missing", name);
  return NULL;
}

Value *tmpl_get(Arena *a, Diags *d, const char *name) {
  while (a->parent)
    a = a->parent;   /* a scratch arena's templates live as long as its parent */
  jobs_lock();
  Cached *c = a->tmpl;
  while (c && strcmp(c->name, name))
    c = c->next;
  if (c) {
    diag_source(d, c->file, c->text, c->len);
  } else {
    const char *file = NULL;
    Value *v = parse(a, d, name, &file);
    if (v) {
      const Source *src = diag_find_source(d, file);
      c = arena_alloc(a, sizeof *c);
      *c = (Cached){arena_strdup(a, name), v, file, src ? src->text : "", src ? src->len : 0, a->tmpl};
      a->tmpl = c;
    }
  }
  jobs_unlock();
  return c ? c->value : NULL;
}

Value *tmpl_entry(Arena *a, Diags *d, const char *name, const char *key) {
  Value *t = tmpl_get(a, d, name);
  if (!t)
    return NULL;
  Value *v = val_get(t, key);
  if (!v) {
    diag_error(d, t->pos, NULL, "template %s has no entry '%s'", name, key);
    return NULL;
  }
  return v;
}

static const char *lookup(const TmplVar *vars, int n, const char *name, size_t len, bool *found) {
  for (int i = 0; i < n; i++)
    if (strlen(vars[i].name) == len && !strncmp(vars[i].name, name, len)) {
      *found = true;
      return vars[i].value;
    }
  *found = false;
  return NULL;
}

/* Whole-string "${var}" with var unset: the caller drops the entry. */
static bool unset_whole(const char *s, const TmplVar *vars, int n) {
  size_t len = strlen(s);
  if (len < 4 || strncmp(s, "${", 2) || s[len - 1] != '}' || strchr(s + 2, '}') != s + len - 1)
    return false;
  bool found;
  const char *v = lookup(vars, n, s + 2, len - 3, &found);
  return !v;
}

/* 's' with every known "${var}" replaced; unknown ones stay as written. */
static char *subst(Arena *a, const char *s, const TmplVar *vars, int n) {
  Buf b;
  buf_init(&b);
  for (const char *p = s; *p;) {
    const char *start = strstr(p, "${");
    const char *end = start ? strchr(start, '}') : NULL;
    if (!start || !end) {
      buf_puts(&b, p);
      break;
    }
    buf_add(&b, p, (size_t)(start - p));
    bool found;
    const char *val = lookup(vars, n, start + 2, (size_t)(end - start - 2), &found);
    if (found && val)
      buf_puts(&b, val);
    else
      buf_add(&b, start, (size_t)(end - start + 1));
    p = end + 1;
  }
  return buf_finish(&b, a);
}

static Value *expand(Arena *a, const Value *v, const TmplVar *vars, int n) {
  switch (v->kind) {
  case V_STR: {
    if (!strstr(v->s, "${"))
      return (Value *)v;
    Value *out = val_new(a, V_STR, v->pos);
    out->s = subst(a, v->s, vars, n);
    out->quoted = true;
    return out;
  }
  case V_LIST: {
    Value *out = val_new(a, V_LIST, v->pos);
    for (int i = 0; i < v->list.n; i++) {
      Value *item = v->list.items[i];
      if (item->kind == V_STR && unset_whole(item->s, vars, n))
        continue;
      Value *e = expand(a, item, vars, n);
      if (e)
        val_push(a, out, e);
    }
    return out->list.n || !v->list.n ? out : NULL;
  }
  case V_MAP: {
    Value *out = val_new(a, V_MAP, v->pos);
    for (int i = 0; i < v->map.n; i++) {
      MapEntry *e = &v->map.entries[i];
      if (e->val->kind == V_STR && unset_whole(e->val->s, vars, n))
        continue;
      Value *x = expand(a, e->val, vars, n);
      /* keys too: an IAM condition key names the OIDC provider */
      if (x)
        val_set_at(a, out, strstr(e->key, "${") ? subst(a, e->key, vars, n) : e->key, e->key_pos, x);
    }
    return out->map.n || !v->map.n ? out : NULL;
  }
  default:
    return (Value *)v;
  }
}

Value *tmpl_expand(Arena *a, const Value *v, const TmplVar *vars, int nvars) {
  Value *out = expand(a, v, vars, nvars);
  return out ? out : val_new(a, v->kind, v->pos);
}
