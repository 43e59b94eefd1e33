/*
 * value: constructors, lookup, comparison and canonical text for Values.
 * Maps keep insertion order (the order written); stages that need an
 * order independent of the source sort keys explicitly.
 */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const Pos nopos;

Value *val_new(Arena *a, VKind kind, Pos pos) {
  Value *v = arena_alloc(a, sizeof *v);
  v->kind = kind;
  v->pos = pos;
  return v;
}

Value *val_str(Arena *a, const char *s) {
  Value *v = val_new(a, V_STR, nopos);
  v->s = arena_strdup(a, s);
  return v;
}

Value *val_str_lit(Arena *a, const char *s) {
  Value *v = val_new(a, V_STR, nopos);
  v->s = s;
  return v;
}

Value *val_strf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Value *v = val_new(a, V_STR, nopos);
  v->s = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return v;
}

Value *val_int(Arena *a, long long i) {
  Value *v = val_new(a, V_INT, nopos);
  v->i = i;
  return v;
}

Value *val_bool(Arena *a, bool b) {
  Value *v = val_new(a, V_BOOL, nopos);
  v->b = b;
  return v;
}

Value *val_list(Arena *a) { return val_new(a, V_LIST, nopos); }
Value *val_map(Arena *a) { return val_new(a, V_MAP, nopos); }
Value *val_concat(Arena *a) { return val_new(a, V_CONCAT, nopos); }

Value *val_ref(Arena *a, const char *res, const char *attr, const char *known) {
  Value *v = val_new(a, V_REF, nopos);
  v->ref.res = arena_strdup(a, res);
  v->ref.attr = arena_strdup(a, attr);
  v->ref.known = arena_strdup(a, known);
  return v;
}

Value *val_az(Arena *a, int index) {
  Value *v = val_new(a, V_AZ, nopos);
  v->az = index;
  return v;
}

void val_push(Arena *a, Value *list, Value *item) {
  /* list and concat share the same layout */
  if (list->list.n == list->list.cap) {
    int cap = list->list.cap ? list->list.cap * 2 : 4;
    Value **items = arena_alloc(a, sizeof(Value *) * (size_t)cap);
    if (list->list.n)
      memcpy(items, list->list.items, sizeof(Value *) * (size_t)list->list.n);
    list->list.items = items;
    list->list.cap = cap;
  }
  list->list.items[list->list.n++] = item;
}

/* The hash index of a big map: open addressing over entry numbers, kept
 * at most half full, rebuilt when it would fill. Maps only ever grow
 * (entries are replaced in place, never removed), so an index stays valid. */
static void index_put(Value *map, int i) {
  size_t mask = (size_t)map->map.hcap - 1;
  size_t h = hash_fnv1a(map->map.entries[i].key) & mask;
  while (map->map.hidx[h])
    h = (h + 1) & mask;
  map->map.hidx[h] = i + 1;
}

static void index_build(Arena *a, Value *map) {
  int cap = 64;
  while (cap < 2 * (map->map.n + 1))
    cap *= 2;
  map->map.hidx = arena_alloc(a, sizeof(int) * (size_t)cap);
  map->map.hcap = cap;
  for (int i = 0; i < map->map.n; i++)
    index_put(map, i);
}

/* Keys are compared on their first byte before strcmp is called: most
 * keys of a map differ there, and lookups run by the million. */
MapEntry *val_entry(const Value *map, const char *key) {
  if (!map || map->kind != V_MAP)
    return NULL;
  char k0 = key[0];
  if (map->map.hidx) {
    size_t mask = (size_t)map->map.hcap - 1;
    for (size_t h = hash_fnv1a(key) & mask; map->map.hidx[h]; h = (h + 1) & mask) {
      MapEntry *e = &map->map.entries[map->map.hidx[h] - 1];
      if (e->key[0] == k0 && strcmp(e->key, key) == 0)
        return e;
    }
    return NULL;
  }
  for (int i = 0; i < map->map.n; i++) {
    MapEntry *e = &map->map.entries[i];
    if (e->key[0] == k0 && (!k0 || strcmp(e->key + 1, key + 1) == 0))
      return e;
  }
  return NULL;
}

Value *val_get(const Value *map, const char *key) {
  MapEntry *e = val_entry(map, key);
  return e ? e->val : NULL;
}

/* A key the map does not hold yet, stored as given. */
static void append_entry(Arena *a, Value *map, const char *key, Pos key_pos, Value *v) {
  if (map->map.n == map->map.cap) {
    /* most maps hold one to four entries: start small (arena memory is
     * never reused, and 8 entries a map cost large plans tens of MB) */
    int cap = map->map.cap ? map->map.cap * 2 : 2;
    MapEntry *entries = arena_alloc(a, sizeof(MapEntry) * (size_t)cap);
    if (map->map.n)
      memcpy(entries, map->map.entries, sizeof(MapEntry) * (size_t)map->map.n);
    map->map.entries = entries;
    map->map.cap = cap;
  }
  map->map.entries[map->map.n++] = (MapEntry){key, key_pos, v};
  if (map->map.hidx && 2 * map->map.n <= map->map.hcap)
    index_put(map, map->map.n - 1);
  else if (map->map.n >= MAP_INDEX_MIN)
    index_build(a, map);
}

/* val_set_at; 'copy' is false when the key outlives the map already. */
static void set_entry(Arena *a, Value *map, const char *key, Pos key_pos, Value *v, bool copy) {
  MapEntry *e = val_entry(map, key);
  if (e) {
    e->val = v;
    e->key_pos = key_pos;
    return;
  }
  append_entry(a, map, copy ? arena_strdup(a, key) : key, key_pos, v);
}

void val_set_at(Arena *a, Value *map, const char *key, Pos key_pos, Value *v) {
  set_entry(a, map, key, key_pos, v, true);
}

void val_set(Arena *a, Value *map, const char *key, Value *v) {
  set_entry(a, map, key, nopos, v, true);
}

void val_set_lit(Arena *a, Value *map, const char *key, Value *v) {
  set_entry(a, map, key, nopos, v, false);
}

void val_add_new(Arena *a, Value *map, const char *key, Pos key_pos, Value *v) {
  append_entry(a, map, key, key_pos, v);
}

Value *val_map_copy(Arena *a, const Value *map) {
  Value *c = val_new(a, V_MAP, map->pos);
  c->map.n = c->map.cap = map->map.n;
  if (map->map.n) {
    c->map.entries = arena_alloc(a, sizeof(MapEntry) * (size_t)map->map.n);
    memcpy(c->map.entries, map->map.entries, sizeof(MapEntry) * (size_t)map->map.n);
  }
  if (c->map.n >= MAP_INDEX_MIN)
    index_build(a, c);
  return c;
}

static int cmp_entry(const void *x, const void *y) {
  const MapEntry *a = *(const MapEntry *const *)x, *b = *(const MapEntry *const *)y;
  return strcmp(a->key, b->key);
}

MapEntry **val_sorted_entries(Arena *a, const Value *map) {
  int n = map && map->kind == V_MAP ? map->map.n : 0;
  MapEntry **out = arena_alloc(a, sizeof(MapEntry *) * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    out[i] = &map->map.entries[i];
  qsort(out, (size_t)n, sizeof *out, cmp_entry);
  return out;
}

bool val_is_scalar(const Value *v) {
  return v->kind == V_NULL || v->kind == V_BOOL || v->kind == V_INT ||
         v->kind == V_FLOAT || v->kind == V_STR;
}

const char *val_kind_name(VKind k) {
  static const char *names[] = {"null", "boolean", "integer", "number", "string",
                                "list", "map", "reference", "template", "zone"};
  return names[k];
}

/* Maps compare as sets of keys (order-free); lists by position. */
bool val_equal(const Value *x, const Value *y) {
  if (x == y)
    return true;
  if (!x || !y || x->kind != y->kind)
    return false;
  switch (x->kind) {
  case V_NULL: return true;
  case V_BOOL: return x->b == y->b;
  case V_INT: return x->i == y->i;
  case V_FLOAT: return x->f == y->f;
  case V_STR: return strcmp(x->s, y->s) == 0;
  case V_AZ: return x->az == y->az;
  case V_REF:
    return str_eq(x->ref.res, y->ref.res) && str_eq(x->ref.attr, y->ref.attr) &&
           str_eq(x->ref.known, y->ref.known);
  case V_LIST:
  case V_CONCAT:
    if (x->list.n != y->list.n)
      return false;
    for (int i = 0; i < x->list.n; i++)
      if (!val_equal(x->list.items[i], y->list.items[i]))
        return false;
    return true;
  case V_MAP:
    if (x->map.n != y->map.n)
      return false;
    for (int i = 0; i < x->map.n; i++) {
      /* Maps built alike hold their keys in the same order: try the entry
       * at the same place before a lookup (keys are unique in a map). */
      const MapEntry *xe = &x->map.entries[i], *ye = &y->map.entries[i];
      const Value *yv = ye->key == xe->key || !strcmp(ye->key, xe->key) ? ye->val : val_get(y, xe->key);
      if (!val_equal(xe->val, yv))
        return false;
    }
    return true;
  }
  return false;
}

static void write_quoted(Buf *b, const char *s) {
  buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': buf_puts(b, "\\\""); break;
    case '\\': buf_puts(b, "\\\\"); break;
    case '\n': buf_puts(b, "\\n"); break;
    case '\t': buf_puts(b, "\\t"); break;
    case '\r': buf_puts(b, "\\r"); break;
    default:
      if (*p < 0x20)
        buf_printf(b, "\\u%04x", *p);
      else
        buf_putc(b, (char)*p);
    }
  }
  buf_putc(b, '"');
}

/* Canonical text: maps print with sorted keys so equal values print alike. */
void val_write_text(Buf *b, const Value *v) {
  if (!v) {
    buf_puts(b, "null");
    return;
  }
  switch (v->kind) {
  case V_NULL: buf_puts(b, "null"); break;
  case V_BOOL: buf_puts(b, v->b ? "true" : "false"); break;
  case V_INT: buf_printf(b, "%lld", v->i); break;
  case V_FLOAT: buf_printf(b, "%.17g", v->f); break;
  case V_STR: write_quoted(b, v->s); break;
  case V_AZ: buf_printf(b, "az[%d]", v->az); break;
  case V_REF:
    if (v->ref.known)
      write_quoted(b, v->ref.known);
    else
      buf_printf(b, "${%s.%s}", v->ref.res, v->ref.attr);
    break;
  case V_CONCAT:
    buf_putc(b, '"');
    for (int i = 0; i < v->list.n; i++) {
      const Value *p = v->list.items[i];
      if (p->kind == V_STR)
        buf_puts(b, p->s);
      else if (p->kind == V_REF && p->ref.known)
        buf_puts(b, p->ref.known);
      else if (p->kind == V_REF)
        buf_printf(b, "${%s.%s}", p->ref.res, p->ref.attr);
      else
        val_write_text(b, p);
    }
    buf_putc(b, '"');
    break;
  case V_LIST:
    buf_putc(b, '[');
    for (int i = 0; i < v->list.n; i++) {
      if (i)
        buf_puts(b, ", ");
      val_write_text(b, v->list.items[i]);
    }
    buf_putc(b, ']');
    break;
  case V_MAP: {
    /* sorted on the stack: a scratch arena per map cost a zeroed page */
    MapEntry *small[32], **es = small;
    if (v->map.n > 32) {
      es = malloc(sizeof *es * (size_t)v->map.n);
      if (!es) {
        fputs("infrac: out of memory\n", stderr);
        abort();
      }
    }
    for (int i = 0; i < v->map.n; i++)
      es[i] = &v->map.entries[i];
    qsort(es, (size_t)v->map.n, sizeof *es, cmp_entry);
    buf_putc(b, '{');
    for (int i = 0; i < v->map.n; i++) {
      if (i)
        buf_puts(b, ", ");
      write_quoted(b, es[i]->key);
      buf_puts(b, ": ");
      val_write_text(b, es[i]->val);
    }
    buf_putc(b, '}');
    if (es != small)
      free(es);
    break;
  }
  }
}

char *val_to_text(Arena *a, const Value *v) {
  Buf b;
  buf_init(&b);
  val_write_text(&b, v);
  return buf_finish(&b, a);
}
