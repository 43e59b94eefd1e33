/*
 * value: the tree every spec file, template and plan attribute is made of.
 *
 * A Value is a YAML/JSON node that remembers where it was written: file,
 * line and column for YAML, the key path for JSON (where jansson gives no
 * position). Merging overlays never mutates a node; it builds new maps that
 * point at the original children, so every value keeps the position of the
 * file and line where it was written.
 *
 * Plans use two more kinds: V_REF (an attribute of another plan resource,
 * resolved differently by each emitter) and V_CONCAT (a string built from
 * literal parts and references, such as "<table arn>/index/<star>").
 * All Values live in the run's arena.
 */
#ifndef INFRAC_VALUE_H
#define INFRAC_VALUE_H

#include "util.h"

typedef struct Pos {
  const char *file;
  int line, col;       /* 1-based; 0 when unknown (JSON) */
  const char *path;    /* key path for JSON values, else NULL */
} Pos;

typedef enum {
  V_NULL,
  V_BOOL,
  V_INT,
  V_FLOAT,
  V_STR,
  V_LIST,
  V_MAP,
  V_REF,
  V_CONCAT,
  V_AZ,       /* the availability zone with a given index, looked up by the target */
} VKind;

typedef struct Value Value;

typedef struct MapEntry {
  const char *key;
  Pos key_pos;
  Value *val;
} MapEntry;

struct Value {
  VKind kind;
  Pos pos;
  const char *raw;     /* source text of a scalar, for messages */
  bool quoted;         /* a YAML scalar written in quotes (always a string) */
  union {
    bool b;
    long long i;
    double f;
    const char *s;
    struct { Value **items; int n, cap; } list;
    /* maps of MAP_INDEX_MIN entries or more carry a hash index (entry
     * number + 1 per slot, 0 empty) so lookups stay O(1) on huge maps */
    struct { MapEntry *entries; int n, cap; int *hidx; int hcap; } map;
    /* V_REF: attribute 'attr' of plan resource 'res'; 'known' is its value
     * when it can be computed without deploying (an ARN built from the
     * account), else NULL. */
    struct { const char *res, *attr, *known; } ref;
    struct { Value **parts; int n, cap; } concat;
    int az;
  };
};

Value *val_new(Arena *a, VKind kind, Pos pos);
Value *val_str(Arena *a, const char *s);
/* val_str for text that lives as long as the value (a literal): not copied. */
Value *val_str_lit(Arena *a, const char *s);
Value *val_strf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Value *val_int(Arena *a, long long i);
Value *val_bool(Arena *a, bool b);
Value *val_list(Arena *a);
Value *val_map(Arena *a);
Value *val_ref(Arena *a, const char *res, const char *attr, const char *known);
Value *val_az(Arena *a, int index);
Value *val_concat(Arena *a);

void val_push(Arena *a, Value *list, Value *item);          /* list or concat */
#define MAP_INDEX_MIN 16

void val_set(Arena *a, Value *map, const char *key, Value *v); /* replaces */
void val_set_at(Arena *a, Value *map, const char *key, Pos key_pos, Value *v);
/* val_set for a key that lives as long as the map (a string literal, or
 * arena text): it is stored as given, not copied. */
void val_set_lit(Arena *a, Value *map, const char *key, Value *v);
/* Append key, which the map does not hold yet (it comes from another map,
 * where keys are unique) and which lives as long as the map: no lookup,
 * no copy. For building a map from others. */
void val_add_new(Arena *a, Value *map, const char *key, Pos key_pos, Value *v);
Value *val_get(const Value *map, const char *key);          /* NULL if absent */
MapEntry *val_entry(const Value *map, const char *key);
/* Shallow copy of a map: new entry array, same children. */
Value *val_map_copy(Arena *a, const Value *map);
/* Map entries sorted by key: a new array of pointers into the map. */
MapEntry **val_sorted_entries(Arena *a, const Value *map);

bool val_equal(const Value *x, const Value *y);
bool val_is_scalar(const Value *v);
const char *val_kind_name(VKind k);
/* Canonical one-line text of a value (JSON-like), for plans and diffs. */
char *val_to_text(Arena *a, const Value *v);
void val_write_text(Buf *b, const Value *v);

#endif
