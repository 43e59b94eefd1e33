/*
 * load: YAML and JSON into Values.
 *
 * YAML: libyaml's event API drives a small stack machine. Plain scalars
 * are resolved with the YAML 1.2 core schema (so `no` and `on` stay
 * strings, only true/false are booleans); quoted and block scalars are
 * always strings. Anchors and aliases are supported by sharing the node;
 * the expanded size is capped so an alias bomb is an error, not a hang.
 * Duplicate keys are errors at the second key.
 *
 * JSON: jansson parses with duplicate keys rejected; each value records
 * its key path because jansson keeps no positions after a load.
 */
#include "load.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

bool spec_is_json(const char *path) { return str_ends(path, ".json"); }

Value *spec_load_file(Arena *a, Diags *d, const char *path) {
  size_t len;
  char *text = file_read(a, path, &len, LOAD_MAX_FILE_BYTES);
  if (!text) {
    Pos p = {.file = path};
    if (errno == EFBIG)
      diag_error(d, p, NULL, "file is larger than the %u MiB limit", LOAD_MAX_FILE_BYTES >> 20);
    else
      diag_error(d, p, NULL, "cannot read: %s", strerror(errno));
    return NULL;
  }
  return spec_load_text(a, d, path, text, len, spec_is_json(path));
}

/* ---- YAML ---- */

typedef struct Anchor {
  const char *name;
  Value *node;
  long size;
} Anchor;

typedef struct Frame {
  Value *node;
  const char *key;   /* pending key of a map, or NULL */
  Pos key_pos;
  long size;         /* expanded node count of this subtree */
  const char *anchor;
} Frame;

typedef struct YamlLoader {
  Arena *a;
  Diags *d;
  const char *file;
  Frame stack[LOAD_MAX_DEPTH + 2];
  int depth;
  Vec anchors;
  long nodes;
  Value *root;
  bool failed;
} YamlLoader;

static Pos mark_pos(YamlLoader *L, yaml_mark_t m) {
  return (Pos){.file = L->file, .line = (int)m.line + 1, .col = (int)m.column + 1};
}

static bool match_all(const char *s, const char *set) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!strchr(set, *s))
      return false;
  return true;
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static void resolve_plain(Arena *a, Value *v, const char *s) {
  static const char *nulls[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
    if (strcmp(s, nulls[i]) == 0) {
      v->kind = V_NULL;
      return;
    }
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
    v->kind = V_BOOL;
    v->b = true;
    return;
  }
  if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
    v->kind = V_BOOL;
    v->b = false;
    return;
  }
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  char *end;
  errno = 0;
  if (match_all(p, "0123456789")) {
    long long i = strtoll(s, &end, 10);
    if (errno == 0 && !*end) {
      v->kind = V_INT;
      v->i = i;
      return;
    }
  } else if ((s[0] == '0' && s[1] == 'x' && match_all(s + 2, "0123456789abcdefABCDEF")) ||
             (s[0] == '0' && s[1] == 'o' && match_all(s + 2, "01234567"))) {
    long long i = strtoll(s + 2, &end, s[1] == 'x' ? 16 : 8);
    if (errno == 0 && !*end) {
      v->kind = V_INT;
      v->i = i;
      return;
    }
  }
  if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
    v->kind = V_FLOAT;
    v->f = *s == '-' ? -INFINITY : INFINITY;
    return;
  }
  if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
    v->kind = V_FLOAT;
    v->f = NAN;
    return;
  }
  /* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
  const char *q = p;
  int digits = 0;
  while (*q >= '0' && *q <= '9')
    q++, digits++;
  if (*q == '.') {
    q++;
    while (*q >= '0' && *q <= '9')
      q++, digits++;
  }
  if (digits && (*q == 'e' || *q == 'E')) {
    q++;
    if (*q == '-' || *q == '+')
      q++;
    int ed = 0;
    while (*q >= '0' && *q <= '9')
      q++, ed++;
    if (!ed)
      digits = 0;
  }
  if (digits && !*q) {
    v->kind = V_FLOAT;
    v->f = strtod(s, NULL);
    return;
  }
  v->kind = V_STR;
  v->s = s;
}

static void add_node(YamlLoader *L, Value *v, long size, const char *anchor, Pos at) {
  L->nodes += size;
  if (L->nodes > LOAD_MAX_NODES && !L->failed) {
    diag_error(L->d, at, NULL, "document expands to more than %d nodes (alias bomb?)",
               LOAD_MAX_NODES);
    L->failed = true;
    return;
  }
  if (anchor) {
    Anchor *an = arena_alloc(L->a, sizeof *an);
    *an = (Anchor){anchor, v, size};
    vec_push(L->a, &L->anchors, an);
  }
  if (L->depth == 0) {
    if (!L->root)
      L->root = v;
    return;
  }
  Frame *f = &L->stack[L->depth - 1];
  f->size += size;
  if (f->node->kind == V_LIST) {
    val_push(L->a, f->node, v);
    return;
  }
  /* In a map: the first scalar is the key, the next node its value. */
  if (!f->key) {
    if (v->kind == V_LIST || v->kind == V_MAP) {
      diag_error(L->d, v->pos, NULL, "a map key must be a plain string, not a %s",
                 val_kind_name(v->kind));
      L->failed = true;
      f->key = "";
      f->key_pos = v->pos;
      return;
    }
    f->key = v->raw ? v->raw : "";
    f->key_pos = v->pos;
    if (val_entry(f->node, f->key)) {
      MapEntry *e = val_entry(f->node, f->key);
      diag_error(L->d, v->pos, NULL, "duplicate key '%s' (first written at line %d)",
                 f->key, e->key_pos.line);
      L->failed = true;
    }
    return;
  }
  if (!val_entry(f->node, f->key))
    val_set_at(L->a, f->node, f->key, f->key_pos, v);
  f->key = NULL;
}

static const char *yaml_problem(yaml_parser_t *p) {
  return p->problem ? p->problem : "malformed YAML";
}

static Value *load_yaml(Arena *a, Diags *d, const char *name, const char *text, size_t len) {
  YamlLoader L = {.a = a, .d = d, .file = name};
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int docs = 0;
  bool done = false;
  while (!done && !L.failed) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      Pos p = mark_pos(&L, parser.problem_mark);
      if (parser.context)
        diag_error(d, p, NULL, "YAML syntax error: %s %s", parser.context, yaml_problem(&parser));
      else
        diag_error(d, p, NULL, "YAML syntax error: %s", yaml_problem(&parser));
      L.failed = true;
      break;
    }
    Pos at = mark_pos(&L, ev.start_mark);
    const char *anchor = NULL;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = true;
      break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1) {
        diag_error(d, at, NULL, "a spec file holds one YAML document, found a second");
        L.failed = true;
      }
      break;
    case YAML_ALIAS_EVENT: {
      const char *nm = (const char *)ev.data.alias.anchor;
      Anchor *found = NULL;
      for (int i = L.anchors.len - 1; i >= 0 && !found; i--)
        if (!strcmp(((Anchor *)L.anchors.items[i])->name, nm))
          found = L.anchors.items[i];
      if (!found) {
        diag_error(d, at, NULL, "unknown alias '*%s'", nm);
        L.failed = true;
        break;
      }
      if (L.depth && L.stack[L.depth - 1].node->kind == V_MAP && !L.stack[L.depth - 1].key) {
        diag_error(d, at, NULL, "an alias cannot be a map key");
        L.failed = true;
        break;
      }
      add_node(&L, found->node, found->size, NULL, at);
      break;
    }
    case YAML_SCALAR_EVENT: {
      if (ev.data.scalar.anchor)
        anchor = arena_strdup(a, (const char *)ev.data.scalar.anchor);
      const char *s = arena_strndup(a, (const char *)ev.data.scalar.value, ev.data.scalar.length);
      if (strlen(s) != ev.data.scalar.length) {
        diag_error(d, at, NULL, "a string may not contain a NUL character");
        L.failed = true;
        break;
      }
      Value *v = val_new(a, V_STR, at);
      v->raw = s;
      const char *tag = (const char *)ev.data.scalar.tag;
      if (tag && strcmp(tag, YAML_STR_TAG) && strcmp(tag, "!")) {
        diag_error(d, at, NULL, "YAML tag '%s' is not supported; quote the value instead", tag);
        L.failed = true;
        break;
      }
      if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag) {
        resolve_plain(a, v, s);
      } else {
        v->s = s;
        v->quoted = true;
      }
      add_node(&L, v, 1, anchor, at);
      break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
      const char *tag = (const char *)(seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag);
      const char *anc = (const char *)(seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor);
      if (tag && strcmp(tag, seq ? YAML_SEQ_TAG : YAML_MAP_TAG)) {
        diag_error(d, at, NULL, "YAML tag '%s' is not supported", tag);
        L.failed = true;
        break;
      }
      if (L.depth >= LOAD_MAX_DEPTH) {
        diag_error(d, at, NULL, "nesting deeper than %d levels", LOAD_MAX_DEPTH);
        L.failed = true;
        break;
      }
      Value *v = val_new(a, seq ? V_LIST : V_MAP, at);
      L.stack[L.depth++] = (Frame){.node = v, .size = 1, .anchor = anc ? arena_strdup(a, anc) : NULL};
      break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
      Frame f = L.stack[--L.depth];
      add_node(&L, f.node, f.size, f.anchor, f.node->pos);
      break;
    }
    default:
      break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  if (L.failed)
    return NULL;
  if (!L.root) {
    diag_error(d, (Pos){.file = name, .line = 1, .col = 1}, NULL, "the file is empty");
    return NULL;
  }
  return L.root;
}

/* ---- JSON ---- */

static char *child_path(Arena *a, const char *parent, const char *key) {
  return *parent ? arena_printf(a, "%s.%s", parent, key) : arena_strdup(a, key);
}

static Value *from_json(Arena *a, Diags *d, const char *file, json_t *j, const char *path,
                        int depth, bool *failed) {
  Pos pos = {.file = file, .path = path};
  if (depth > LOAD_MAX_DEPTH) {
    if (!*failed)
      diag_error(d, pos, NULL, "nesting deeper than %d levels", LOAD_MAX_DEPTH);
    *failed = true;
    return NULL;
  }
  Value *v;
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    v = val_new(a, V_MAP, pos);
    const char *key;
    json_t *child;
    json_object_foreach(j, key, child) {
      const char *cp = child_path(a, path, key);
      Value *c = from_json(a, d, file, child, cp, depth + 1, failed);
      if (!c)
        return NULL;
      val_set_at(a, v, key, (Pos){.file = file, .path = cp}, c);
    }
    return v;
  }
  case JSON_ARRAY: {
    v = val_new(a, V_LIST, pos);
    size_t i;
    json_t *child;
    json_array_foreach(j, i, child) {
      Value *c = from_json(a, d, file, child, arena_printf(a, "%s[%zu]", path, i), depth + 1, failed);
      if (!c)
        return NULL;
      val_push(a, v, c);
    }
    return v;
  }
  case JSON_STRING:
    v = val_new(a, V_STR, pos);
    v->s = v->raw = arena_strndup(a, json_string_value(j), json_string_length(j));
    v->quoted = true;
    return v;
  case JSON_INTEGER:
    v = val_new(a, V_INT, pos);
    v->i = json_integer_value(j);
    v->raw = arena_printf(a, "%lld", v->i);
    return v;
  case JSON_REAL:
    v = val_new(a, V_FLOAT, pos);
    v->f = json_real_value(j);
    v->raw = arena_printf(a, "%g", v->f);
    return v;
  case JSON_TRUE:
  case JSON_FALSE:
    v = val_new(a, V_BOOL, pos);
    v->b = json_is_true(j);
    v->raw = v->b ? "true" : "false";
    return v;
  default:
    v = val_new(a, V_NULL, pos);
    v->raw = "null";
    return v;
  }
}

static Value *load_json(Arena *a, Diags *d, const char *name, const char *text, size_t len) {
  json_error_t err;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  if (!j) {
    Pos p = {.file = name, .line = err.line > 0 ? err.line : 1, .col = err.column > 0 ? err.column : 1};
    diag_error(d, p, NULL, "JSON syntax error: %s", err.text);
    return NULL;
  }
  bool failed = false;
  Value *v = from_json(a, d, name, j, "", 0, &failed);
  json_decref(j);
  return failed ? NULL : v;
}

Value *spec_load_text(Arena *a, Diags *d, const char *name, const char *text, size_t len,
                      bool json) {
  diag_source(d, name, text, len);
  return json ? load_json(a, d, name, text, len) : load_yaml(a, d, name, text, len);
}
