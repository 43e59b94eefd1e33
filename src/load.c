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

#include "jobs.h"

bool spec_is_json(const char *path) { return str_ends(path, ".json"); }

static Value *spec_load_uncached(Arena *a, Diags *d, const char *path, const Value *ref,
                                 const char *refpath);

/* Always read afresh; spec_load_named (what merge uses) keeps a cache. */
Value *spec_load_file(Arena *a, Diags *d, const char *path) {
  return spec_load_uncached(a, d, path, NULL, NULL);
}

/* Per thread: diff reads its two sides on two threads, one of them
 * perhaps from a git revision. */
static _Thread_local SpecReader reader;
static _Thread_local void *reader_ctx;

void spec_set_reader(SpecReader r, void *ctx) {
  reader = r;
  reader_ctx = ctx;
}

/* Files parsed in this run, kept in the root arena (a scratch arena's
 * parent): build and check compile a spec once per environment, and a
 * loaded tree is never changed (merging builds new maps), so each file is
 * read and parsed once. Not while a reader is set: diff --base serves
 * other versions of the same paths. */
typedef struct Loaded {
  const char *path;
  Value *v;
  const char *text;       /* its text, registered again with each Diags */
  size_t len;
  struct Loaded *next;
} Loaded;

Value *spec_load_named(Arena *a, Diags *d, const char *path, const Value *ref,
                       const char *refpath) {
  if (reader)
    return spec_load_uncached(a, d, path, ref, refpath);
  Arena *home = a;
  while (home->parent)
    home = home->parent;
  /* Pieces of one command compiling on several threads share the cache
   * (see jobs.h); each registers the file's text with its own Diags, so
   * its messages show the source line whichever piece read it first. */
  jobs_lock();
  Loaded *l = home->loaded;
  while (l && strcmp(l->path, path))
    l = l->next;
  Value *v;
  if (l) {
    v = l->v;
    diag_source(d, l->path, l->text, l->len);
  } else if ((v = spec_load_uncached(home, d, path, ref, refpath))) {
    const Source *src = diag_find_source(d, path);
    l = arena_alloc(home, sizeof *l);
    *l = (Loaded){arena_strdup(home, path), v, src ? src->text : "", src ? src->len : 0, home->loaded};
    home->loaded = l;
  }
  jobs_unlock();
  return v;
}

static Value *spec_load_uncached(Arena *a, Diags *d, const char *path, const Value *ref,
                                 const char *refpath) {
  size_t len;
  const char *shown = path;
  char *text = reader ? reader(a, path, &len, &shown, reader_ctx)
                      : file_read(a, path, &len, LOAD_MAX_FILE_BYTES);
  if (!text) {
    const char *why = errno == EFBIG
                          ? arena_printf(a, "larger than the %u MiB limit", LOAD_MAX_FILE_BYTES >> 20)
                          : strerror(errno);
    if (ref)
      diag_error(d, ref->pos, refpath, "cannot read %s: %s", shown, why);
    else
      diag_error(d, (Pos){.file = shown}, NULL, "cannot read the file: %s", why);
    return NULL;
  }
  return spec_load_text(a, d, shown, text, len, spec_is_json(path));
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
  const char *text;
  size_t len;
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

static const char *yaml_problem(yaml_parser_t *p) {
  return p->problem ? p->problem : "malformed YAML";
}

/* libyaml names the construct it was reading ("while parsing a flow
 * mapping") and where it began; an unclosed bracket or quote is found far
 * from where it was opened, so say both. */
static void syntax_error(YamlLoader *L, yaml_parser_t *p) {
  Pos at = mark_pos(L, p->problem_mark);
  /* A tab where indentation goes is the commonest cause; name it. */
  size_t n;
  const char *line = diag_line(L->d, L->file, at.line, &n);
  bool tab = line && memchr(line, '\t', strspn(line, " \t")) != NULL;
  const char *hint = tab ? "; YAML indents with spaces, never tabs" : "";
  if (!p->context) {
    diag_error(L->d, at, NULL, "YAML syntax error: %s%s", yaml_problem(p), hint);
  } else {
    Pos from = mark_pos(L, p->context_mark);
    if (from.line != at.line || from.col != at.col)
      diag_error(L->d, at, NULL, "YAML syntax error: %s %s (it started at line %d, column %d)%s",
                 p->context, yaml_problem(p), from.line, from.col, hint);
    else
      diag_error(L->d, at, NULL, "YAML syntax error: %s %s%s", p->context, yaml_problem(p), hint);
  }
  L->failed = true;
}

/* The dotted key path of the node being built at stack level 'upto'
 * (exclusive), for messages raised while loading; deep paths are cut
 * after a few levels, which is enough to find the spot. */
static const char *stack_path(YamlLoader *L, int upto, const char *last) {
  Buf b;
  buf_init(&b);
  for (int i = 0; i < upto; i++) {
    if (i == 4 && upto > 5) {
      buf_puts(&b, "...");
      break;
    }
    Frame *f = &L->stack[i];
    if (f->node->kind == V_LIST)
      buf_printf(&b, "[%d]", f->node->list.n);
    else if (f->key)
      buf_printf(&b, "%s%s", b.len ? "." : "", f->key);
  }
  if (last)
    buf_printf(&b, "%s%s", b.len ? "." : "", last);
  return buf_finish(&b, L->a);
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

/* Attach a finished node to its parent. 'size' is its expanded node
 * count (what an alias to it would add); 'fresh' the nodes it adds to the
 * document now: 1 for a scalar or a closed collection (its children were
 * counted as they came), its whole size for an alias. */
static void add_node(YamlLoader *L, Value *v, long size, long fresh, const char *anchor, Pos at) {
  L->nodes += fresh;
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
    if (strlen(f->key) > LOAD_MAX_KEY) {
      diag_error(L->d, v->pos, stack_path(L, L->depth - 1, NULL), "a key is at most %d characters",
                 LOAD_MAX_KEY);
      L->failed = true;
      return;
    }
    if (val_entry(f->node, f->key)) {
      MapEntry *e = val_entry(f->node, f->key);
      diag_error(L->d, v->pos, stack_path(L, L->depth - 1, f->key),
                 "duplicate key '%s' (first written at line %d, column %d)", f->key,
                 e->key_pos.line, e->key_pos.col);
      L->failed = true;
    }
    return;
  }
  if (!val_entry(f->node, f->key))
    val_set_at(L->a, f->node, f->key, f->key_pos, v);
  f->key = NULL;
}

static Value *load_yaml(Arena *a, Diags *d, const char *name, const char *text, size_t len) {
  YamlLoader L = {.a = a, .d = d, .file = name, .text = text, .len = len};
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int docs = 0;
  bool done = false;
  while (!done && !L.failed) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      syntax_error(&L, &parser);
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
      add_node(&L, found->node, found->size, found->size, NULL, at);
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
      add_node(&L, v, 1, 1, anchor, at);
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
        diag_error(d, at, stack_path(&L, L.depth, NULL), "nesting deeper than %d levels",
                   LOAD_MAX_DEPTH);
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
      if (f.node)   /* libyaml pairs every end with its start */
        add_node(&L, f.node, f.size, 1, f.anchor, f.node->pos);
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

/* jansson keeps no positions, so a second pass walks the text in step
 * with the parsed tree and records where each value and key starts. The
 * text is known to be valid JSON by then, so the walk only skips
 * whitespace, strings and bare tokens; should it ever lose step it stops
 * recording and the values keep their key paths alone. Columns count
 * characters, as libyaml's do. */
typedef struct JScan {
  const char *p, *end;
  int line, col;
  bool lost;
} JScan;

static void js_next(JScan *s) {
  if (s->p >= s->end)
    return;
  unsigned char c = (unsigned char)*s->p++;
  if (c == '\n')
    s->line++, s->col = 1;
  else if ((c & 0xC0) != 0x80)
    s->col++;
}

static void js_ws(JScan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    js_next(s);
}

static bool js_expect(JScan *s, char c) {
  js_ws(s);
  if (s->lost || s->p >= s->end || *s->p != c) {
    s->lost = true;
    return false;
  }
  js_next(s);
  return true;
}

/* Skip a string token; returns its raw text between the quotes. */
static const char *js_string(JScan *s, size_t *len) {
  if (!js_expect(s, '"'))
    return NULL;
  const char *start = s->p;
  while (s->p < s->end && *s->p != '"') {
    if (*s->p == '\\')
      js_next(s);
    js_next(s);
  }
  *len = (size_t)(s->p - start);
  if (!js_expect(s, '"'))
    return NULL;
  return start;
}

static void js_skip_value(JScan *s) {
  js_ws(s);
  if (s->p < s->end && *s->p == '"') {
    size_t n;
    js_string(s, &n);
    return;
  }
  while (s->p < s->end && strchr("+-0123456789.eEtruefalsn", *s->p))
    js_next(s);
}

static Pos js_pos(JScan *s, const char *file, const char *path) {
  js_ws(s);
  if (s->lost)
    return (Pos){.file = file, .path = path};
  return (Pos){.file = file, .line = s->line, .col = s->col, .path = path};
}

const char *spec_path_join(Arena *a, const char *parent, const char *key) {
  if (!*parent)
    return strlen(key) > LOAD_MAX_PATH ? arena_printf(a, "%.*s...", LOAD_MAX_PATH, key) : key;
  size_t pl = strlen(parent);
  if (pl >= 3 && !strcmp(parent + pl - 3, "..."))
    return parent;
  if (pl + 1 + strlen(key) > LOAD_MAX_PATH)
    return arena_printf(a, "%s.%.*s...", parent, (int)(LOAD_MAX_PATH > pl ? LOAD_MAX_PATH - pl : 0), key);
  return arena_printf(a, "%s.%s", parent, key);
}

const char *spec_path_index(Arena *a, const char *parent, long i) {
  size_t pl = strlen(parent);
  if (pl >= 3 && !strcmp(parent + pl - 3, "..."))
    return parent;
  if (pl > LOAD_MAX_PATH)
    return arena_printf(a, "%s...", parent);
  return arena_printf(a, "%s[%ld]", parent, i);
}

static Value *from_json(Arena *a, Diags *d, const char *file, json_t *j, const char *path,
                        int depth, bool *failed, JScan *sc) {
  Pos pos = js_pos(sc, file, path);
  /* the same count as YAML's: at most LOAD_MAX_DEPTH nested collections */
  if (depth >= LOAD_MAX_DEPTH && (json_is_object(j) || json_is_array(j))) {
    if (!*failed)
      diag_error(d, pos, arena_printf(a, "%.40s...", path), "nesting deeper than %d levels",
                 LOAD_MAX_DEPTH);
    *failed = true;
    return NULL;
  }
  Value *v;
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    v = val_new(a, V_MAP, pos);
    js_expect(sc, '{');
    /* Members in text order: the text is the only order a reader sees. */
    for (size_t i = 0, n = json_object_size(j); i < n && !sc->lost; i++) {
      if (i)
        js_expect(sc, ',');
      Pos kpos = js_pos(sc, file, NULL);
      size_t rawlen = 0;
      const char *raw = js_string(sc, &rawlen);
      js_expect(sc, ':');
      if (sc->lost)
        break;
      json_t *key = memchr(raw, '\\', rawlen)
                        ? json_loadb(raw - 1, rawlen + 2, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
                        : json_stringn(raw, rawlen);
      json_t *child = key ? json_object_getn(j, json_string_value(key), json_string_length(key)) : NULL;
      if (!child) {
        json_decref(key);
        sc->lost = true;
        break;
      }
      const char *k = arena_strndup(a, json_string_value(key), json_string_length(key));
      json_decref(key);
      if (strlen(k) > LOAD_MAX_KEY) {
        if (!*failed)
          diag_error(d, kpos, path, "a key is at most %d characters", LOAD_MAX_KEY);
        *failed = true;
        return NULL;
      }
      const char *cp = spec_path_join(a, path, k);
      kpos.path = cp;
      Value *c = from_json(a, d, file, child, cp, depth + 1, failed, sc);
      if (!c)
        return NULL;
      val_set_at(a, v, k, kpos, c);
    }
    if (sc->lost) {
      /* Out of step: take the members as jansson holds them, unpositioned. */
      v = val_new(a, V_MAP, pos);
      const char *key;
      json_t *child;
      json_object_foreach(j, key, child) {
        const char *cp = spec_path_join(a, path, key);
        Value *c = from_json(a, d, file, child, cp, depth + 1, failed, sc);
        if (!c)
          return NULL;
        val_set_at(a, v, key, (Pos){.file = file, .path = cp}, c);
      }
    }
    js_expect(sc, '}');
    return v;
  }
  case JSON_ARRAY: {
    v = val_new(a, V_LIST, pos);
    js_expect(sc, '[');
    size_t i;
    json_t *child;
    json_array_foreach(j, i, child) {
      if (i)
        js_expect(sc, ',');
      Value *c = from_json(a, d, file, child, spec_path_index(a, path, (long)i), depth + 1, failed, sc);
      if (!c)
        return NULL;
      val_push(a, v, c);
    }
    js_expect(sc, ']');
    return v;
  }
  case JSON_STRING:
    js_skip_value(sc);
    v = val_new(a, V_STR, pos);
    v->s = v->raw = arena_strndup(a, json_string_value(j), json_string_length(j));
    v->quoted = true;
    return v;
  case JSON_INTEGER:
    js_skip_value(sc);
    v = val_new(a, V_INT, pos);
    v->i = json_integer_value(j);
    v->raw = arena_printf(a, "%lld", v->i);
    return v;
  case JSON_REAL:
    js_skip_value(sc);
    v = val_new(a, V_FLOAT, pos);
    v->f = json_real_value(j);
    v->raw = arena_printf(a, "%g", v->f);
    return v;
  case JSON_TRUE:
  case JSON_FALSE:
    js_skip_value(sc);
    v = val_new(a, V_BOOL, pos);
    v->b = json_is_true(j);
    v->raw = v->b ? "true" : "false";
    return v;
  default:
    js_skip_value(sc);
    v = val_new(a, V_NULL, pos);
    v->raw = "null";
    return v;
  }
}

/* jansson reports the column of the last character of the token it
 * choked on ("near 'tru'"); move to its first character, and say
 * "duplicate key" the way the YAML loader does. */
static void json_syntax_error(Diags *d, const char *name, const json_error_t *err, const char *text,
                              size_t len) {
  Pos p = {.file = name, .line = err->line > 0 ? err->line : 1,
           .col = err->column > 0 ? err->column : 1};
  const char *near = strstr(err->text, " near '");
  const char *close = near ? strrchr(err->text, '\'') : NULL;
  if (near && close > near + 7) {
    const char *tok = near + 7;
    int chars = 0;
    for (const char *q = tok; q < close; q++)
      chars += ((unsigned char)*q & 0xC0) != 0x80;
    if (p.col - chars + 1 >= 1)
      p.col = p.col - chars + 1;
    /* {"a": 1,} : point at the comma, the actual mistake */
    if ((!strcmp(tok, "}'") || !strcmp(tok, "]'")) && err->position > 0 &&
        (size_t)err->position <= len) {
      size_t i = (size_t)err->position - 1;
      while (i > 0 && strchr(" \t\r\n", text[i - 1]))
        i--;
      if (i > 0 && text[i - 1] == ',') {
        Pos c = {.file = name, .line = 1, .col = 1};
        for (size_t k = 0; k + 1 < i; k++) {
          if (text[k] == '\n')
            c.line++, c.col = 1;
          else if (((unsigned char)text[k] & 0xC0) != 0x80)
            c.col++;
        }
        diag_error(d, c, NULL, "JSON syntax error: a comma before '%c' (JSON allows no trailing comma)",
                   tok[0]);
        return;
      }
    }
    if (strstr(err->text, "maximum parsing depth")) {
      diag_error(d, p, NULL, "nesting deeper than %d levels", LOAD_MAX_DEPTH);
      return;
    }
    if (str_starts(err->text, "duplicate object key")) {
      int n = (int)(close - tok);
      if (n >= 2 && tok[0] == '"' && tok[n - 1] == '"')
        tok++, n -= 2;
      diag_error(d, p, NULL, "duplicate key '%.*s'", n, tok);
      return;
    }
  }
  diag_error(d, p, NULL, "JSON syntax error: %s", err->text);
}

static Value *load_json(Arena *a, Diags *d, const char *name, const char *text, size_t len) {
  json_error_t err;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  if (!j) {
    json_syntax_error(d, name, &err, text, len);
    return NULL;
  }
  bool failed = false;
  JScan sc = {text, text + len, 1, 1, false};
  Value *v = from_json(a, d, name, j, "", 0, &failed, &sc);
  json_decref(j);
  return failed ? NULL : v;
}

Value *spec_load_text(Arena *a, Diags *d, const char *name, const char *text, size_t len,
                      bool json) {
  diag_source(d, name, text, len);
  return json ? load_json(a, d, name, text, len) : load_yaml(a, d, name, text, len);
}
