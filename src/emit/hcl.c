/*
 * hcl: builds an HCL tree in an arena and renders it the way terraform fmt
 * (hclwrite's formatter) lays text out, so the output passes
 * `terraform fmt -check` unchanged.
 *
 * Rendering happens in two passes. The first walks the tree and produces
 * lines: an indent depth, an optional key and the rest of the line. A line
 * whose value is complete on that line (`key = value`) is an "assign" line.
 * The second pass pads keys the way terraform fmt does: it aligns `=` over
 * every maximal run of consecutive assign lines, measuring the key in
 * columns from the start of the line. Anything else ends a run: a blank
 * line, a comment, a block header or closing brace, and a line that opens
 * a multi-line value (`tags = {`). terraform fmt counts grapheme clusters;
 * keys here are ASCII plus code points that are always a cluster of their
 * own (everything else in a key is written as a \u escape), so one code
 * point is one column.
 *
 * Indentation follows the tree: each multi-line list, object, call or block
 * indents its inside by one level, and a call whose last argument is the
 * only multi-line one (`jsonencode({`) opens just one level, as terraform
 * fmt counts brackets per line.
 */
#include "emit/hcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest single-line list, in bytes; longer ones get a line per item. */
#define LIST_INLINE_MAX 80

typedef enum { EX_STR, EX_RAW, EX_LIST, EX_OBJ, EX_CALL, EX_TMPL } ExprKind;

typedef struct ObjEntry {
  const char *key;
  HclExpr *value;
} ObjEntry;

typedef struct TmplPart {
  bool is_ref;
  const char *text;
  size_t len;
} TmplPart;

struct HclExpr {
  ExprKind kind;
  Arena *arena;
  const char *text; /* EX_STR: the string; EX_RAW: literal HCL; EX_CALL: fn */
  size_t len;       /* EX_STR */
  Vec items;        /* EX_LIST, EX_CALL: HclExpr*; EX_OBJ: ObjEntry*;
                       EX_TMPL: TmplPart* */
};

typedef enum { IT_ATTR, IT_BLOCK, IT_GAP, IT_COMMENT } ItemKind;

typedef struct Item {
  ItemKind kind;
  const char *name;  /* IT_ATTR: name; IT_BLOCK: type; IT_COMMENT: text */
  const char *label1, *label2;
  HclExpr *value;    /* IT_ATTR */
  HclBody *body;     /* IT_BLOCK */
} Item;

struct HclBody {
  Arena *arena;
  bool is_file;
  Vec items; /* Item* */
};

/* Programmer errors: the tree was fed text that must come from C code. */
static void bug(const char *what, const char *text) {
  fprintf(stderr, "infrac: internal error: hcl: %s: \"%s\"\n", what, text ? text : "(null)");
  abort();
}

/* ---- Building the tree ---- */

bool hcl_is_ident(const char *s) {
  if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
    return false;
  for (s++; *s; s++)
    if (!(*s == '_' || *s == '-' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9')))
      return false;
  return true;
}

/* Length of the identifier at s (0 if none). */
static size_t ident_len(const char *s) {
  size_t n = 0;
  if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
    return 0;
  for (n = 1; s[n] == '_' || s[n] == '-' || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9');
       n++)
    ;
  return n;
}

static size_t digits_len(const char *s) {
  size_t n = 0;
  while (s[n] >= '0' && s[n] <= '9')
    n++;
  return n;
}

/* The shapes HCL's parser takes without complaint: no legacy `.0` index
 * (`.0.1` scans as a number) and at most one splat, since a splat inside an
 * attribute-only splat (`a.*.b[*]`) is an error; after `.*` only attribute
 * names may follow. */
bool hcl_is_traversal(const char *s) {
  if (!s)
    return false;
  size_t n = ident_len(s);
  if (!n)
    return false;
  bool splat = false, attr_splat = false;
  for (s += n; *s;) {
    if (s[0] == '.' && (n = ident_len(s + 1)) > 0) {
      s += 1 + n;
    } else if (attr_splat) {
      return false;
    } else if (s[0] == '[' && (n = digits_len(s + 1)) > 0 && s[1 + n] == ']') {
      s += 2 + n;
    } else if (!splat && s[0] == '[' && s[1] == '*' && s[2] == ']') {
      s += 3, splat = true;
    } else if (!splat && s[0] == '.' && s[1] == '*') {
      s += 2, splat = attr_splat = true;
    } else {
      return false;
    }
  }
  return true;
}

HclBody *hcl_file(Arena *a) {
  HclBody *b = arena_alloc(a, sizeof *b);
  b->arena = a;
  b->is_file = true;
  return b;
}

static Item *add_item(HclBody *b, ItemKind kind) {
  Item *it = arena_alloc(b->arena, sizeof *it);
  it->kind = kind;
  vec_push(b->arena, &b->items, it);
  return it;
}

/* terraform fmt rewrites labels with hclwrite, which escapes non-ASCII its
 * own way (by Go's unicode.IsPrint) and silently drops a label whose text
 * scans as more than one token, as any '$' or '%' inside makes it do. */
static bool label_ok(const char *s) {
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p >= 0x80 || *p == '$' || *p == '%')
      return false;
  return true;
}

HclBody *hcl_block(HclBody *parent, const char *type, const char *label1,
                   const char *label2) {
  if (!hcl_is_ident(type))
    bug("block type is not an identifier", type);
  if (label2 && !label1)
    bug("second label without a first", label2);
  if ((label1 && !label_ok(label1)) || (label2 && !label_ok(label2)))
    bug("block label must be ASCII without $ or %", label2 && !label_ok(label2) ? label2 : label1);
  Item *it = add_item(parent, IT_BLOCK);
  it->name = arena_strdup(parent->arena, type);
  it->label1 = label1 ? arena_strdup(parent->arena, label1) : NULL;
  it->label2 = label2 ? arena_strdup(parent->arena, label2) : NULL;
  it->body = arena_alloc(parent->arena, sizeof *it->body);
  it->body->arena = parent->arena;
  return it->body;
}

void hcl_attr(HclBody *b, const char *name, HclExpr *value) {
  if (!hcl_is_ident(name))
    bug("attribute name is not an identifier", name);
  if (!value)
    bug("attribute without a value", name);
  for (int i = 0; i < b->items.len; i++) {
    Item *it = b->items.items[i];
    if (it->kind == IT_ATTR && strcmp(it->name, name) == 0) {
      it->value = value;
      return;
    }
  }
  Item *it = add_item(b, IT_ATTR);
  it->name = arena_strdup(b->arena, name);
  it->value = value;
}

void hcl_gap(HclBody *b) { add_item(b, IT_GAP); }

void hcl_comment(HclBody *b, const char *text) {
  add_item(b, IT_COMMENT)->name = arena_strdup(b->arena, text ? text : "");
}

static HclExpr *new_expr(Arena *a, ExprKind kind) {
  HclExpr *e = arena_alloc(a, sizeof *e);
  e->kind = kind;
  e->arena = a;
  return e;
}

HclExpr *hcl_strn(Arena *a, const char *s, size_t n) {
  HclExpr *e = new_expr(a, EX_STR);
  e->text = arena_strndup(a, s ? s : "", s ? n : 0);
  e->len = s ? n : 0;
  return e;
}

HclExpr *hcl_str(Arena *a, const char *s) { return hcl_strn(a, s, s ? strlen(s) : 0); }

static HclExpr *raw(Arena *a, const char *text) {
  HclExpr *e = new_expr(a, EX_RAW);
  e->text = text;
  return e;
}

HclExpr *hcl_int(Arena *a, long long v) { return raw(a, arena_printf(a, "%lld", v)); }

HclExpr *hcl_num(Arena *a, double v) {
  if (!isfinite(v))
    return raw(a, "null");
  /* The shortest %g that reads back exactly; %g never yields "inf" here and
   * its exponent form (1e+06) is a valid HCL number literal. */
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  return raw(a, arena_strdup(a, buf));
}

HclExpr *hcl_bool(Arena *a, bool v) { return raw(a, v ? "true" : "false"); }

HclExpr *hcl_null(Arena *a) { return raw(a, "null"); }

HclExpr *hcl_ref(Arena *a, const char *traversal) {
  if (!hcl_is_traversal(traversal))
    bug("not a traversal", traversal);
  return raw(a, arena_strdup(a, traversal));
}

HclExpr *hcl_list(Arena *a) { return new_expr(a, EX_LIST); }

void hcl_list_add(HclExpr *list, HclExpr *item) {
  if (!item)
    bug("list item is NULL", "");
  vec_push(list->arena, &list->items, item);
}

HclExpr *hcl_obj(Arena *a) { return new_expr(a, EX_OBJ); }

void hcl_obj_add(HclExpr *obj, const char *key, HclExpr *value) {
  if (!key || !value)
    bug("object entry without key or value", key);
  for (int i = 0; i < obj->items.len; i++) {
    ObjEntry *e = obj->items.items[i];
    if (strcmp(e->key, key) == 0) {
      e->value = value;
      return;
    }
  }
  ObjEntry *e = arena_alloc(obj->arena, sizeof *e);
  e->key = arena_strdup(obj->arena, key);
  e->value = value;
  vec_push(obj->arena, &obj->items, e);
}

HclExpr *hcl_call(Arena *a, const char *fn, HclExpr *arg) {
  if (!hcl_is_ident(fn) || strchr(fn, '-'))
    bug("not a function name", fn);
  HclExpr *e = new_expr(a, EX_CALL);
  e->text = arena_strdup(a, fn);
  if (arg)
    hcl_call_add(e, arg);
  return e;
}

void hcl_call_add(HclExpr *call, HclExpr *arg) {
  if (!arg)
    bug("call argument is NULL", call->text);
  vec_push(call->arena, &call->items, arg);
}

HclExpr *hcl_tmpl(Arena *a) { return new_expr(a, EX_TMPL); }

void hcl_tmpl_lit(HclExpr *t, const char *text) {
  if (!text || !*text)
    return;
  TmplPart *p = arena_alloc(t->arena, sizeof *p);
  p->text = arena_strdup(t->arena, text);
  p->len = strlen(text);
  vec_push(t->arena, &t->items, p);
}

void hcl_tmpl_ref(HclExpr *t, const char *traversal) {
  if (!hcl_is_traversal(traversal))
    bug("not a traversal", traversal);
  TmplPart *p = arena_alloc(t->arena, sizeof *p);
  p->is_ref = true;
  p->text = arena_strdup(t->arena, traversal);
  vec_push(t->arena, &t->items, p);
}

/* ---- Escaping ---- */

/* Decodes one UTF-8 sequence at s (n > 0 bytes left). Returns the bytes
 * used and sets *cp; an invalid sequence yields U+FFFD and uses its longest
 * valid-looking prefix (at least one byte), as Unicode recommends. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t need;
  unsigned lo = 0x80, hi = 0xBF, v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, v = c & 0x0F;
    if (c == 0xE0)
      lo = 0xA0;
    if (c == 0xED) /* no UTF-16 surrogates */
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, v = c & 0x07;
    if (c == 0xF0)
      lo = 0x90;
    if (c == 0xF4)
      hi = 0x8F;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  size_t i = 1;
  for (; i <= need; i++) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *cp = 0xFFFD;
      return i;
    }
    v = (v << 6) | (s[i] & 0x3F);
    lo = 0x80, hi = 0xBF;
  }
  *cp = v;
  return i;
}

static void put_utf8(Buf *b, unsigned cp) {
  char u[4];
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F));
    buf_add(b, u, 4);
  }
}

/* Invisible code points that reorder or hide text (bidi controls, zero
 * width space, line separators, BOM): written as escapes so a reviewer sees
 * them. The joiners U+200C and U+200D stay: emoji and scripts need them. */
static bool is_invisible(unsigned cp) {
  return cp == 0x200B || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/* Code points that are a grapheme cluster on their own whatever surrounds
 * them (no combining marks, joiners, Hangul jamo or regional indicators),
 * so terraform fmt counts each as one column when aligning keys. */
static bool is_one_column(unsigned cp) {
  return (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0x24F) || cp == 0x386 ||
         (cp >= 0x388 && cp <= 0x38A) || cp == 0x38C || (cp >= 0x38E && cp <= 0x3A1) ||
         (cp >= 0x3A3 && cp <= 0x3CE) || (cp >= 0x400 && cp <= 0x481) ||
         (cp >= 0x48A && cp <= 0x4FF) || (cp >= 0x3041 && cp <= 0x3096) ||
         (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x4E00 && cp <= 0x9FFF);
}

typedef enum { ESC_VALUE, ESC_KEY } EscMode;

/* Writes s as the inside of an HCL quoted string. Nothing in it can start
 * an interpolation or directive: `${` becomes `$${` and `%{` `%%{`. In
 * ESC_KEY mode every code point that is not one column wide is escaped too.
 * Hex digits are lowercase, as hclwrite writes them. */
static void put_escaped(Buf *b, const char *s, size_t n, EscMode mode) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned cp;
    size_t used = utf8_next(p + i, n - i, &cp);
    switch (cp) {
    case '\\': buf_puts(b, "\\\\"); break;
    case '"': buf_puts(b, "\\\""); break;
    case '\n': buf_puts(b, "\\n"); break;
    case '\r': buf_puts(b, "\\r"); break;
    case '\t': buf_puts(b, "\\t"); break;
    case '$':
    case '%':
      buf_putc(b, (char)cp);
      if (i + 1 < n && p[i + 1] == '{')
        buf_putc(b, (char)cp);
      break;
    default:
      if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || is_invisible(cp) ||
          (mode == ESC_KEY && cp >= 0x80 && !is_one_column(cp))) {
        if (cp < 0x10000)
          buf_printf(b, "\\u%04x", cp);
        else
          buf_printf(b, "\\U%08x", cp);
      } else {
        put_utf8(b, cp);
      }
    }
    i += used;
  }
}

/* Object keys stay bare only when plainly identifiers; keywords and names
 * with '-' are quoted so no reader mistakes them for expressions. */
static bool bare_key(const char *k) {
  static const char *const keywords[] = {"for", "in", "if", "else", "endif", "endfor",
                                         "true", "false", "null"};
  if (!hcl_is_ident(k) || strchr(k, '-'))
    return false;
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (strcmp(k, keywords[i]) == 0)
      return false;
  return true;
}

static void put_key(Buf *b, const char *k) {
  if (bare_key(k)) {
    buf_puts(b, k);
  } else {
    buf_putc(b, '"');
    put_escaped(b, k, strlen(k), ESC_KEY);
    buf_putc(b, '"');
  }
}

/* Columns terraform fmt sees in a rendered key: one per code point, since
 * keys hold only one-column code points (see is_one_column). */
static int key_columns(const char *s) {
  int cols = 0;
  for (; *s; s++)
    cols += ((unsigned char)*s & 0xC0) != 0x80;
  return cols;
}

/* ---- Single-line expressions ---- */

static void put_inline(Buf *b, const HclExpr *e);

static void put_template(Buf *b, const HclExpr *e) {
  const Vec *v = &e->items;
  if (v->len == 1 && ((TmplPart *)v->items[0])->is_ref) {
    buf_puts(b, ((TmplPart *)v->items[0])->text);
    return;
  }
  buf_putc(b, '"');
  for (int i = 0; i < v->len; i++) {
    TmplPart *p = v->items[i];
    if (p->is_ref) {
      buf_printf(b, "${%s}", p->text);
      continue;
    }
    /* Adjacent literal parts are escaped as one, so "$" then "{" still
     * becomes "$${". */
    Buf lit;
    buf_init(&lit);
    for (; i < v->len && !((TmplPart *)v->items[i])->is_ref; i++)
      buf_add(&lit, ((TmplPart *)v->items[i])->text, ((TmplPart *)v->items[i])->len);
    i--;
    /* A literal '$' right before an interpolation would turn `${` into the
     * escape `$${`; HCL has no escape for a lone '$', so trailing dollars
     * move into an interpolated string of their own: ${"$"}. */
    size_t keep = lit.len, dollars = 0;
    if (i + 1 < v->len)
      while (keep > 0 && lit.data[keep - 1] == '$')
        keep--, dollars++;
    put_escaped(b, lit.data, keep, ESC_VALUE);
    if (dollars) {
      buf_puts(b, "${\"");
      for (size_t d = 0; d < dollars; d++)
        buf_putc(b, '$');
      buf_puts(b, "\"}");
    }
    buf_release(&lit);
  }
  buf_putc(b, '"');
}

static void put_inline(Buf *b, const HclExpr *e) {
  switch (e->kind) {
  case EX_STR:
    buf_putc(b, '"');
    put_escaped(b, e->text, e->len, ESC_VALUE);
    buf_putc(b, '"');
    break;
  case EX_RAW:
    buf_puts(b, e->text);
    break;
  case EX_TMPL:
    put_template(b, e);
    break;
  case EX_LIST:
  case EX_CALL:
    if (e->kind == EX_CALL)
      buf_printf(b, "%s(", e->text);
    else
      buf_putc(b, '[');
    for (int i = 0; i < e->items.len; i++) {
      if (i)
        buf_puts(b, ", ");
      put_inline(b, e->items.items[i]);
    }
    buf_putc(b, e->kind == EX_CALL ? ')' : ']');
    break;
  case EX_OBJ: /* only ever inline when empty */
    buf_puts(b, "{}");
    break;
  }
}

static bool is_inline(const HclExpr *e) {
  switch (e->kind) {
  case EX_OBJ:
    return e->items.len == 0;
  case EX_LIST:
  case EX_CALL:
    for (int i = 0; i < e->items.len; i++)
      if (!is_inline(e->items.items[i]))
        return false;
    if (e->kind == EX_LIST) {
      Buf b;
      buf_init(&b);
      put_inline(&b, e);
      bool fits = b.len <= LIST_INLINE_MAX;
      buf_release(&b);
      return fits;
    }
    return true;
  default:
    return true;
  }
}

/* ---- Lines ---- */

typedef struct Line {
  int depth;
  const char *key;  /* rendered key of a `key = ...` line, or NULL */
  const char *rest; /* the text after `key = `, or the whole line */
  bool assign;      /* `key = value` complete on this line: aligned */
} Line;

typedef struct Out {
  Arena *arena;
  Vec lines; /* Line* */
  Buf cur;   /* the line being written */
  int depth;       /* of the line being written */
  const char *key; /* of the line being written */
} Out;

static void line_start(Out *o, int depth, const char *key) {
  o->depth = depth;
  o->key = key;
  o->cur.len = 0;
  o->cur.data[0] = '\0';
}

static void line_end(Out *o, bool assign) {
  Line *l = arena_alloc(o->arena, sizeof *l);
  l->depth = o->depth;
  l->key = o->key;
  l->rest = arena_strndup(o->arena, o->cur.data, o->cur.len);
  l->assign = assign && o->key;
  vec_push(o->arena, &o->lines, l);
}

static void blank_line(Out *o) {
  line_start(o, 0, NULL);
  line_end(o, false);
}

static const char *render_key(Arena *a, const char *k) {
  Buf b;
  buf_init(&b);
  put_key(&b, k);
  return buf_finish(&b, a);
}

static void put_value(Out *o, const HclExpr *e, int depth);

/* Writes `key = value` at depth: an assign line if the value fits on it,
 * else lines down to the value's closing bracket. */
static void put_entry(Out *o, const char *key, const HclExpr *value, int depth) {
  line_start(o, depth, key);
  if (is_inline(value)) {
    put_inline(&o->cur, value);
    line_end(o, true);
  } else {
    put_value(o, value, depth);
    line_end(o, false);
  }
}

/* Writes e onto the open line. A multi-line value ends that line after its
 * opening bracket, writes its inside one level deeper, and leaves the line
 * with its closing bracket open, so the caller can add `,` or `)`. */
static void put_value(Out *o, const HclExpr *e, int depth) {
  if (is_inline(e)) {
    put_inline(&o->cur, e);
    return;
  }
  switch (e->kind) {
  case EX_OBJ:
    buf_putc(&o->cur, '{');
    line_end(o, false);
    for (int i = 0; i < e->items.len; i++) {
      ObjEntry *en = e->items.items[i];
      put_entry(o, render_key(o->arena, en->key), en->value, depth + 1);
    }
    line_start(o, depth, NULL);
    buf_putc(&o->cur, '}');
    break;
  case EX_LIST:
    buf_putc(&o->cur, '[');
    line_end(o, false);
    for (int i = 0; i < e->items.len; i++) {
      line_start(o, depth + 1, NULL);
      put_value(o, e->items.items[i], depth + 1);
      buf_putc(&o->cur, ',');
      line_end(o, false);
    }
    line_start(o, depth, NULL);
    buf_putc(&o->cur, ']');
    break;
  case EX_CALL: {
    int n = e->items.len, multi = 0;
    for (int i = 0; i < n; i++)
      multi += !is_inline(e->items.items[i]);
    buf_printf(&o->cur, "%s(", e->text);
    if (multi == 1 && !is_inline(e->items.items[n - 1])) {
      /* f(a, {  ...  }) : the brackets on one line count as one level. */
      for (int i = 0; i < n - 1; i++) {
        put_inline(&o->cur, e->items.items[i]);
        buf_puts(&o->cur, ", ");
      }
      put_value(o, e->items.items[n - 1], depth);
    } else {
      line_end(o, false);
      for (int i = 0; i < n; i++) {
        line_start(o, depth + 1, NULL);
        put_value(o, e->items.items[i], depth + 1);
        buf_putc(&o->cur, ',');
        line_end(o, false);
      }
      line_start(o, depth, NULL);
    }
    buf_putc(&o->cur, ')');
    break;
  }
  default:
    break; /* scalars are always inline */
  }
}

static void put_comment(Out *o, const char *text, int depth) {
  const unsigned char *p = (const unsigned char *)text;
  size_t n = strlen(text);
  for (size_t i = 0;;) {
    line_start(o, depth, NULL);
    buf_putc(&o->cur, '#');
    size_t start = o->cur.len;
    buf_putc(&o->cur, ' ');
    for (; i < n && p[i] != '\n';) {
      unsigned cp;
      i += utf8_next(p + i, n - i, &cp);
      /* Control and line-separator characters would end or garble the
       * comment line; they become spaces. */
      if ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
          cp == 0x2028 || cp == 0x2029)
        cp = ' ';
      put_utf8(&o->cur, cp);
    }
    while (o->cur.len > start && (o->cur.data[o->cur.len - 1] == ' ' || o->cur.data[o->cur.len - 1] == '\t'))
      o->cur.data[--o->cur.len] = '\0';
    line_end(o, false);
    if (i >= n)
      break;
    i++; /* the '\n' */
  }
}

static bool body_empty(const HclBody *b) {
  for (int i = 0; i < b->items.len; i++)
    if (((Item *)b->items.items[i])->kind != IT_GAP)
      return false;
  return true;
}

static void put_body(Out *o, const HclBody *b, int depth);

static void put_block(Out *o, const Item *it, int depth) {
  line_start(o, depth, NULL);
  buf_puts(&o->cur, it->name);
  const char *labels[2] = {it->label1, it->label2};
  for (int i = 0; i < 2 && labels[i]; i++) {
    buf_puts(&o->cur, " \"");
    put_escaped(&o->cur, labels[i], strlen(labels[i]), ESC_VALUE);
    buf_putc(&o->cur, '"');
  }
  if (body_empty(it->body)) {
    buf_puts(&o->cur, " {}");
    line_end(o, false);
    return;
  }
  buf_puts(&o->cur, " {");
  line_end(o, false);
  put_body(o, it->body, depth + 1);
  line_start(o, depth, NULL);
  buf_putc(&o->cur, '}');
  line_end(o, false);
}

/* Items in order. A gap is written only between two items, once. In the
 * file body every item also gets a blank line before it, except a comment's
 * successor (the comment belongs to it) and an attribute after an
 * attribute. */
static void put_body(Out *o, const HclBody *b, int depth) {
  const Item *prev = NULL;
  bool gap = false;
  for (int i = 0; i < b->items.len; i++) {
    const Item *it = b->items.items[i];
    if (it->kind == IT_GAP) {
      gap = true;
      continue;
    }
    if (prev && b->is_file && prev->kind != IT_COMMENT &&
        !(prev->kind == IT_ATTR && it->kind == IT_ATTR))
      gap = true;
    if (prev && gap)
      blank_line(o);
    gap = false;
    switch (it->kind) {
    case IT_ATTR:
      put_entry(o, it->name, it->value, depth);
      break;
    case IT_BLOCK:
      put_block(o, it, depth);
      break;
    case IT_COMMENT:
      put_comment(o, it->name, depth);
      break;
    case IT_GAP:
      break;
    }
    prev = it;
  }
}

char *hcl_render(HclBody *file, size_t *len) {
  Out o = {.arena = file->arena};
  buf_init(&o.cur);
  put_body(&o, file, 0);
  buf_release(&o.cur);

  /* Align `=` over each run of consecutive assign lines, as terraform fmt
   * does: every key is padded to the widest lead (indent + key) in its
   * run, plus one space. */
  Buf out;
  buf_init(&out);
  for (int i = 0; i < o.lines.len;) {
    int j = i, width = 0;
    for (; j < o.lines.len && ((Line *)o.lines.items[j])->assign; j++) {
      Line *l = o.lines.items[j];
      int w = 2 * l->depth + key_columns(l->key);
      if (w > width)
        width = w;
    }
    if (j == i)
      j = i + 1;
    for (; i < j; i++) {
      Line *l = o.lines.items[i];
      if (l->key || l->rest[0])
        buf_indent(&out, 2 * l->depth);
      if (l->key) {
        buf_puts(&out, l->key);
        int pad = l->assign ? width - 2 * l->depth - key_columns(l->key) + 1 : 1;
        buf_indent(&out, pad);
        buf_puts(&out, "= ");
      }
      buf_puts(&out, l->rest);
      buf_putc(&out, '\n');
    }
  }
  if (len)
    *len = out.len;
  return buf_finish(&out, file->arena);
}
