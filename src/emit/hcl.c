/*
 * hcl: builds an HCL tree in an arena and renders it the way terraform fmt
 * (hclwrite's formatter) lays text out, so the output passes
 * `terraform fmt -check` unchanged.
 *
 * Rendering is one walk over the tree, writing the text into one buffer.
 * A line whose value is complete on that line (`key = value`) is an
 * "assign" line. Keys are padded the way terraform fmt does: `=` is
 * aligned over every maximal run of consecutive assign lines, measuring
 * the key in columns from the start of the line. Anything else ends a run:
 * a blank line, a comment, a block header or closing brace, and a line
 * that opens a multi-line value (`tags = {`). Each assign line is written
 * with one space before its `=` and remembered; when its run ends, the
 * run's keys are padded in place (end_run). terraform fmt counts grapheme
 * clusters; keys here are ASCII plus code points that are always a
 * cluster of their own (everything else in a key is written as a \u
 * escape), so one code point is one column.
 *
 * Whether a value fits on one line is found by writing it there: a list
 * that grows past LIST_INLINE_MAX, or meets a value that cannot be inline,
 * is cut back and written over several lines instead, rather than being
 * rendered once to be measured and again to be written.
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
  size_t key_len;
  uint32_t key_hash; /* finds a key added again without comparing every key */
  HclExpr *value;
} ObjEntry;

typedef struct TmplPart {
  bool is_ref;
  const char *text;
  size_t len;
} TmplPart;

struct HclExpr {
  ExprKind kind;
  const char *text; /* EX_STR: the string; EX_RAW: literal HCL; EX_CALL: fn */
  size_t len;       /* of text */
};

/* A list, object, call or template: an expression with items. A scalar
 * is the HclExpr alone, its text right behind it, as most of a tree is
 * scalars (the arena zeroes every byte it hands out). */
typedef struct Composite {
  HclExpr e; /* first: a Composite * converts to an HclExpr * and back */
  Arena *arena;
  Vec items; /* EX_LIST, EX_CALL: HclExpr*; EX_OBJ: ObjEntry*; EX_TMPL: TmplPart* */
} Composite;

static const Vec *kids(const HclExpr *e) { return &((const Composite *)e)->items; }

typedef enum { IT_ATTR, IT_BLOCK, IT_COMMENT } ItemKind;

typedef struct Item {
  ItemKind kind;
  const char *name;  /* IT_ATTR: name; IT_BLOCK: type; IT_COMMENT: text */
  size_t name_len;   /* IT_ATTR, IT_BLOCK */
  HclExpr *value;    /* IT_ATTR */
} Item;

struct HclBody {
  Arena *arena;
  bool is_file;
  Vec items; /* Item*, NULL for a gap */
};

/* An IT_BLOCK item: the Item, then what only blocks have. Attributes,
 * the most of a body, stay small. */
typedef struct Block {
  Item it; /* first: a Block * converts to an Item * and back */
  const char *label1, *label2;
  HclBody body;
} Block;

/* Programmer errors: the tree was fed text that must come from C code. */
static void bug(const char *what, const char *text) {
  fprintf(stderr, "infrac: internal error: hcl: %s: \"%s\"\n", what, text ? text : "(null)");
  abort();
}

/* ---- Building the tree ---- */

/* An identifier is [A-Za-z_][A-Za-z0-9_-]*: IS (start) bytes may begin
 * one, IS and IP (part) bytes continue it. One lookup a byte, as every
 * attribute name, object key and traversal is checked. */
enum { IP = 1, IS = 3 };
static const unsigned char IDENT[256] = {
    [0x2D] = IP,                                                    /* - */
    [0x30] = IP, IP, IP, IP, IP, IP, IP, IP, IP, IP,                /* 0-9 */
    [0x41] = IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS,    /* A-M */
    IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS,             /* N-Z */
    [0x5F] = IS,                                                    /* _ */
    [0x61] = IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS,    /* a-m */
    IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS, IS,             /* n-z */
};

static inline bool ident_start(char c) { return IDENT[(unsigned char)c] == IS; }
static inline bool ident_char(char c) { return IDENT[(unsigned char)c] != 0; }

bool hcl_is_ident(const char *s) {
  if (!s || !ident_start(*s))
    return false;
  for (s++; *s; s++)
    if (!ident_char(*s))
      return false;
  return true;
}

/* Length of the identifier at s (0 if none). */
static size_t ident_len(const char *s) {
  if (!ident_start(*s))
    return 0;
  size_t n = 1;
  while (ident_char(s[n]))
    n++;
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

/* size bytes for a node, followed by a copy of s[0..n) and its NUL, in
 * one allocation; *text gets the copy. */
static void *alloc_with_text(Arena *a, size_t size, const char *s, size_t n, const char **text) {
  char *p = arena_alloc(a, size + n + 1);
  memcpy(p + size, s, n); /* arena memory is zeroed: the NUL is there */
  *text = p + size;
  return p;
}

/* The length of label s, or -1 if it cannot be one: terraform fmt
 * rewrites labels with hclwrite, which escapes non-ASCII its own way (by
 * Go's unicode.IsPrint) and silently drops a label whose text scans as
 * more than one token, as any '$' or '%' inside makes it do. */
static ptrdiff_t label_len(const char *s) {
  const char *p = s;
  for (; *p; p++)
    if ((unsigned char)*p >= 0x80 || *p == '$' || *p == '%')
      return -1;
  return p - s;
}

HclBody *hcl_block(HclBody *parent, const char *type, const char *label1,
                   const char *label2) {
  size_t n = type ? ident_len(type) : 0;
  if (!n || type[n])
    bug("block type is not an identifier", type);
  if (label2 && !label1)
    bug("second label without a first", label2);
  ptrdiff_t n1 = label1 ? label_len(label1) : 0, n2 = label2 ? label_len(label2) : 0;
  if (n1 < 0 || n2 < 0)
    bug("block label must be ASCII without $ or %", n2 < 0 ? label2 : label1);
  /* the block, its body and its type in one allocation */
  const char *name;
  Block *bl = alloc_with_text(parent->arena, sizeof *bl, type, n, &name);
  bl->it.kind = IT_BLOCK;
  bl->it.name = name;
  bl->it.name_len = n;
  bl->label1 = label1 ? arena_strndup(parent->arena, label1, (size_t)n1) : NULL;
  bl->label2 = label2 ? arena_strndup(parent->arena, label2, (size_t)n2) : NULL;
  bl->body.arena = parent->arena;
  vec_push(parent->arena, &parent->items, &bl->it);
  return &bl->body;
}

void hcl_attr(HclBody *b, const char *name, HclExpr *value) {
  size_t n = name ? ident_len(name) : 0;
  if (!n || name[n])
    bug("attribute name is not an identifier", name);
  if (!value)
    bug("attribute without a value", name);
  for (int i = 0; i < b->items.len; i++) {
    Item *it = b->items.items[i];
    if (it && it->kind == IT_ATTR && it->name_len == n && memcmp(it->name, name, n) == 0) {
      it->value = value;
      return;
    }
  }
  const char *copy;
  Item *it = alloc_with_text(b->arena, sizeof(Item), name, n, &copy);
  it->kind = IT_ATTR;
  it->name = copy;
  it->name_len = n;
  it->value = value;
  vec_push(b->arena, &b->items, it);
}

void hcl_gap(HclBody *b) { vec_push(b->arena, &b->items, NULL); }

void hcl_comment(HclBody *b, const char *text) {
  text = text ? text : "";
  const char *copy;
  Item *it = alloc_with_text(b->arena, sizeof(Item), text, strlen(text), &copy);
  it->kind = IT_COMMENT;
  it->name = copy;
  vec_push(b->arena, &b->items, it);
}

static HclExpr *composite(Arena *a, ExprKind kind) {
  Composite *c = arena_alloc(a, sizeof *c);
  c->e.kind = kind;
  c->arena = a;
  return &c->e;
}

/* e as the composite its kind must be; anything else is a programmer
 * error, as writing items into a scalar would overrun it. */
static Composite *as(HclExpr *e, ExprKind kind, const char *what) {
  if (!e || e->kind != kind)
    bug(what, e && e->kind == EX_CALL ? e->text : "");
  return (Composite *)e;
}

/* An expression with a copy of s[0..n) as its text. */
static HclExpr *text_expr(Arena *a, ExprKind kind, const char *s, size_t n) {
  const char *copy;
  HclExpr *e = alloc_with_text(a, sizeof *e, s, n, &copy);
  e->kind = kind;
  e->text = copy;
  e->len = n;
  return e;
}

HclExpr *hcl_strn(Arena *a, const char *s, size_t n) { return text_expr(a, EX_STR, s ? s : "", s ? n : 0); }

HclExpr *hcl_str(Arena *a, const char *s) { return hcl_strn(a, s, s ? strlen(s) : 0); }

/* literal HCL, kept, not copied */
#define RAW_LIT(a, lit) raw_lit((a), (lit), sizeof(lit) - 1)
static HclExpr *raw_lit(Arena *a, const char *text, size_t len) {
  HclExpr *e = arena_alloc(a, sizeof *e);
  e->kind = EX_RAW;
  e->text = text;
  e->len = len;
  return e;
}

HclExpr *hcl_int(Arena *a, long long v) {
  char buf[24], *p = buf + sizeof buf;
  unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0)
    *--p = '-';
  return text_expr(a, EX_RAW, p, (size_t)(buf + sizeof buf - p));
}

HclExpr *hcl_num(Arena *a, double v) {
  if (!isfinite(v))
    return RAW_LIT(a, "null");
  /* The shortest %g that reads back exactly; %g never yields "inf" here and
   * its exponent form (1e+06) is a valid HCL number literal. */
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  return text_expr(a, EX_RAW, buf, strlen(buf));
}

HclExpr *hcl_bool(Arena *a, bool v) { return v ? RAW_LIT(a, "true") : RAW_LIT(a, "false"); }

HclExpr *hcl_null(Arena *a) { return RAW_LIT(a, "null"); }

HclExpr *hcl_ref(Arena *a, const char *traversal) {
  if (!hcl_is_traversal(traversal))
    bug("not a traversal", traversal);
  return text_expr(a, EX_RAW, traversal, strlen(traversal));
}

HclExpr *hcl_list(Arena *a) { return composite(a, EX_LIST); }

void hcl_list_add(HclExpr *list, HclExpr *item) {
  Composite *c = as(list, EX_LIST, "not a list");
  if (!item)
    bug("list item is NULL", "");
  vec_push(c->arena, &c->items, item);
}

HclExpr *hcl_obj(Arena *a) { return composite(a, EX_OBJ); }

void hcl_obj_add(HclExpr *objx, const char *key, HclExpr *value) {
  Composite *obj = as(objx, EX_OBJ, "not an object");
  if (!key || !value)
    bug("object entry without key or value", key);
  size_t n = 0;
  uint32_t h = 2166136261u; /* FNV-1a, and the length on the way */
  for (; key[n]; n++)
    h = (h ^ (unsigned char)key[n]) * 16777619u;
  for (int i = 0; i < obj->items.len; i++) {
    ObjEntry *e = obj->items.items[i];
    if (e->key_hash == h && e->key_len == n && memcmp(e->key, key, n) == 0) {
      e->value = value;
      return;
    }
  }
  const char *copy;
  ObjEntry *e = alloc_with_text(obj->arena, sizeof *e, key, n, &copy);
  e->key = copy;
  e->key_len = n;
  e->key_hash = h;
  e->value = value;
  vec_push(obj->arena, &obj->items, e);
}

HclExpr *hcl_call(Arena *a, const char *fn, HclExpr *arg) {
  if (!hcl_is_ident(fn) || strchr(fn, '-'))
    bug("not a function name", fn);
  size_t n = strlen(fn);
  const char *copy;
  Composite *c = alloc_with_text(a, sizeof *c, fn, n, &copy);
  c->e.kind = EX_CALL;
  c->e.text = copy;
  c->e.len = n;
  c->arena = a;
  HclExpr *e = &c->e;
  if (arg)
    hcl_call_add(e, arg);
  return e;
}

void hcl_call_add(HclExpr *callx, HclExpr *arg) {
  Composite *call = as(callx, EX_CALL, "not a call");
  if (!arg)
    bug("call argument is NULL", call->e.text);
  vec_push(call->arena, &call->items, arg);
}

HclExpr *hcl_tmpl(Arena *a) { return composite(a, EX_TMPL); }

static void add_part(Composite *t, bool is_ref, const char *text) {
  size_t n = strlen(text);
  const char *copy;
  TmplPart *p = alloc_with_text(t->arena, sizeof *p, text, n, &copy);
  p->is_ref = is_ref;
  p->text = copy;
  p->len = n;
  vec_push(t->arena, &t->items, p);
}

void hcl_tmpl_lit(HclExpr *t, const char *text) {
  Composite *c = as(t, EX_TMPL, "not a template");
  if (text && *text)
    add_part(c, false, text);
}

void hcl_tmpl_ref(HclExpr *t, const char *traversal) {
  Composite *c = as(t, EX_TMPL, "not a template");
  if (!hcl_is_traversal(traversal))
    bug("not a traversal", traversal);
  add_part(c, true, traversal);
}

/* ---- Output ---- */

/* An assign line of the open run: where its key ends (its `=` padding
 * goes there) and the columns of its lead (indent + key). */
typedef struct Pending {
  size_t at;
  int lead;
} Pending;

/* The file's text as it is written, in one malloc'd buffer, and the run of
 * assign lines still open at its end. Each assign line is written with one
 * space before its `=`; when the run ends (any other line ends it),
 * end_run pads its keys in place. */
typedef struct Out {
  char *data;
  size_t len, cap;
  Pending *run;
  int nrun, run_cap;
  int width; /* the widest lead in the run */
} Out;

static void oom(void) {
  fputs("infrac: out of memory\n", stderr);
  abort();
}

static void grow(Out *o, size_t n) {
  size_t cap = o->cap ? o->cap : 4096;
  while (cap - o->len < n)
    cap *= 2;
  char *p = realloc(o->data, cap);
  if (!p)
    oom();
  o->data = p;
  o->cap = cap;
}

/* Room for n more bytes. */
static inline void reserve(Out *o, size_t n) {
  if (o->cap - o->len < n)
    grow(o, n);
}

static inline void w_add(Out *o, const char *s, size_t n) {
  reserve(o, n);
  memcpy(o->data + o->len, s, n);
  o->len += n;
}

static inline void w_char(Out *o, char c) {
  reserve(o, 1);
  o->data[o->len++] = c;
}

#define W_LIT(o, lit) w_add((o), (lit), sizeof(lit) - 1)

static inline void w_spaces(Out *o, size_t n) {
  reserve(o, n);
  memset(o->data + o->len, ' ', n);
  o->len += n;
}

/* Pads every key of the open run to its widest lead plus one space, as
 * terraform fmt aligns `=`. Working from the back, each byte after the
 * first padded key moves once. */
static void end_run(Out *o) {
  size_t extra = 0;
  for (int i = 0; i < o->nrun; i++)
    extra += (size_t)(o->width - o->run[i].lead);
  if (extra) {
    reserve(o, extra);
    size_t src = o->len, dst = o->len + extra;
    for (int i = o->nrun - 1; dst > src; i--) {
      size_t at = o->run[i].at, pad = (size_t)(o->width - o->run[i].lead);
      dst -= src - at;
      memmove(o->data + dst, o->data + at, src - at);
      dst -= pad;
      memset(o->data + dst, ' ', pad);
      src = at;
    }
    o->len += extra;
  }
  o->nrun = 0;
  o->width = 0;
}

/* Ends a line that is not an assign line, which ends the run before it. */
static void line_end(Out *o) {
  if (o->nrun)
    end_run(o);
  w_char(o, '\n');
}

/* Ends an assign line whose key ends at offset at. */
static void assign_end(Out *o, size_t at, int lead) {
  if (o->nrun == o->run_cap) {
    o->run_cap = o->run_cap ? 2 * o->run_cap : 16;
    Pending *p = realloc(o->run, sizeof *p * (size_t)o->run_cap);
    if (!p)
      oom();
    o->run = p;
  }
  o->run[o->nrun++] = (Pending){at, lead};
  if (lead > o->width)
    o->width = lead;
  w_char(o, '\n');
}

static inline void indent(Out *o, int depth) { w_spaces(o, 2 * (size_t)depth); }

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


static void put_utf8(Out *o, unsigned cp) {
  char u[4];
  if (cp < 0x80) {
    w_char(o, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F));
    w_add(o, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    w_add(o, u, 3);
  } else {
    u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F));
    w_add(o, u, 4);
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

/* `\u` and 4 hex digits, or `\U` and 8 for code points past U+FFFF. */
static void put_code_escape(Out *o, unsigned cp) {
  static const char hex[] = "0123456789abcdef";
  int digits = cp < 0x10000 ? 4 : 8;
  char e[10];
  e[0] = '\\', e[1] = digits == 4 ? 'u' : 'U';
  for (int k = 0; k < digits; k++)
    e[2 + k] = hex[(cp >> (4 * (digits - 1 - k))) & 0xF];
  w_add(o, e, 2 + (size_t)digits);
}

/* Printable ASCII that is written as itself whatever follows it: all of
 * 0x20-0x7E but '"' (0x22), '$' (0x24), '%' (0x25) and '\\' (0x5C). */
static const unsigned char PLAIN[256] = {
    [0x20] = 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* 0x30-0x3F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* 0x40-0x4F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,          /* 0x50-0x5F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* 0x60-0x6F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,          /* 0x70-0x7F */
};

/* Writes s as the inside of an HCL quoted string. Nothing in it can start
 * an interpolation or directive: `${` becomes `$${` and `%{` `%%{`. In
 * ESC_KEY mode every code point that is not one column wide is escaped too.
 * Hex digits are lowercase, as hclwrite writes them. Runs of plain ASCII
 * are copied whole. */
static void put_escaped(Out *o, const char *s, size_t n, EscMode mode) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && PLAIN[p[j]])
      j++;
    if (j > i) {
      w_add(o, s + i, j - i);
      i = j;
      if (i >= n)
        break;
    }
    unsigned cp;
    size_t used = utf8_next(p + i, n - i, &cp);
    switch (cp) {
    case '\\': W_LIT(o, "\\\\"); break;
    case '"': W_LIT(o, "\\\""); break;
    case '\n': W_LIT(o, "\\n"); break;
    case '\r': W_LIT(o, "\\r"); break;
    case '\t': W_LIT(o, "\\t"); break;
    case '$':
    case '%':
      w_char(o, (char)cp);
      if (i + 1 < n && p[i + 1] == '{')
        w_char(o, (char)cp);
      break;
    default:
      if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || is_invisible(cp) ||
          (mode == ESC_KEY && cp >= 0x80 && !is_one_column(cp)))
        put_code_escape(o, cp);
      else
        put_utf8(o, cp);
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
    if (k[0] == keywords[i][0] && strcmp(k, keywords[i]) == 0)
      return false;
  return true;
}

/* Columns terraform fmt sees in n bytes of a rendered key: one per code
 * point, since keys hold only one-column code points (see is_one_column). */
static int key_columns(const char *s, size_t n) {
  int cols = 0;
  for (size_t i = 0; i < n; i++)
    cols += ((unsigned char)s[i] & 0xC0) != 0x80;
  return cols;
}

/* ---- Single-line expressions ---- */

static bool put_inline(Out *o, const HclExpr *e);

/* The literal parts v[i..j) as one escaped run; a literal '$' right before
 * an interpolation would turn `${` into the escape `$${`, and HCL has no
 * escape for a lone '$', so trailing dollars (when more follows) move into
 * an interpolated string of their own: ${"$"}. */
static void put_literals(Out *o, const Vec *v, int i, int j) {
  const char *text = ((TmplPart *)v->items[i])->text;
  size_t len = ((TmplPart *)v->items[i])->len;
  Buf lit = {0};
  if (j - i > 1) {
    /* Adjacent parts are escaped as one, so "$" then "{" still becomes
     * "$${". */
    buf_init(&lit);
    for (int k = i; k < j; k++)
      buf_add(&lit, ((TmplPart *)v->items[k])->text, ((TmplPart *)v->items[k])->len);
    text = lit.data, len = lit.len;
  }
  size_t keep = len, dollars = 0;
  if (j < v->len)
    while (keep > 0 && text[keep - 1] == '$')
      keep--, dollars++;
  put_escaped(o, text, keep, ESC_VALUE);
  if (dollars) {
    W_LIT(o, "${\"");
    for (size_t d = 0; d < dollars; d++)
      w_char(o, '$');
    W_LIT(o, "\"}");
  }
  if (lit.data)
    buf_release(&lit);
}

static void put_template(Out *o, const HclExpr *e) {
  const Vec *v = kids(e);
  if (v->len == 1 && ((TmplPart *)v->items[0])->is_ref) {
    w_add(o, ((TmplPart *)v->items[0])->text, ((TmplPart *)v->items[0])->len);
    return;
  }
  w_char(o, '"');
  for (int i = 0; i < v->len;) {
    TmplPart *p = v->items[i];
    if (p->is_ref) {
      W_LIT(o, "${");
      w_add(o, p->text, p->len);
      w_char(o, '}');
      i++;
      continue;
    }
    int j = i + 1;
    while (j < v->len && !((TmplPart *)v->items[j])->is_ref)
      j++;
    put_literals(o, v, i, j);
    i = j;
  }
  w_char(o, '"');
}

/* Writes e on the open line if it fits on one line: a non-empty object
 * never does, nor a list (or a call) holding a value that does not, nor a
 * list longer than LIST_INLINE_MAX bytes. Returns false then, having
 * written part of it: the caller cuts the text back. */
static bool put_inline(Out *o, const HclExpr *e) {
  switch (e->kind) {
  case EX_STR:
    w_char(o, '"');
    put_escaped(o, e->text, e->len, ESC_VALUE);
    w_char(o, '"');
    return true;
  case EX_RAW:
    w_add(o, e->text, e->len);
    return true;
  case EX_TMPL:
    put_template(o, e);
    return true;
  case EX_LIST: {
    size_t start = o->len;
    w_char(o, '[');
    for (int i = 0; i < kids(e)->len; i++) {
      if (i)
        W_LIT(o, ", ");
      if (!put_inline(o, kids(e)->items[i]) || o->len - start > LIST_INLINE_MAX)
        return false;
    }
    w_char(o, ']');
    return o->len - start <= LIST_INLINE_MAX;
  }
  case EX_CALL:
    w_add(o, e->text, e->len);
    w_char(o, '(');
    for (int i = 0; i < kids(e)->len; i++) {
      if (i)
        W_LIT(o, ", ");
      if (!put_inline(o, kids(e)->items[i]))
        return false;
    }
    w_char(o, ')');
    return true;
  case EX_OBJ:
    if (kids(e)->len)
      return false;
    W_LIT(o, "{}");
    return true;
  }
  return false;
}

/* Whether e fits on one line; what the test wrote is cut back. */
static bool is_inline(Out *o, const HclExpr *e) {
  size_t mark = o->len;
  bool fits = put_inline(o, e);
  o->len = mark;
  return fits;
}

/* ---- Lines ---- */

static void put_value(Out *o, const HclExpr *e, int depth);
static void put_multi(Out *o, const HclExpr *e, int depth);

/* Writes `key = value` at depth: an assign line if the value fits on it,
 * else lines down to the value's closing bracket. An attribute name is
 * written as it is; an object key is quoted unless bare_key. */
static void put_entry(Out *o, const char *key, size_t key_len, bool quote_if_needed,
                      const HclExpr *value, int depth) {
  indent(o, depth);
  size_t k = o->len;
  int cols;
  if (quote_if_needed && !bare_key(key)) {
    w_char(o, '"');
    put_escaped(o, key, key_len, ESC_KEY);
    w_char(o, '"');
    cols = key_columns(o->data + k, o->len - k);
  } else {
    w_add(o, key, key_len); /* an identifier: ASCII */
    cols = (int)key_len;
  }
  size_t at = o->len;
  int lead = 2 * depth + cols;
  W_LIT(o, " = ");
  size_t mark = o->len;
  if (put_inline(o, value)) {
    assign_end(o, at, lead);
    return;
  }
  o->len = mark;
  put_multi(o, value, depth);
  line_end(o);
}

/* Writes e onto the open line, on one line if it fits. */
static void put_value(Out *o, const HclExpr *e, int depth) {
  size_t mark = o->len;
  if (put_inline(o, e))
    return;
  o->len = mark;
  put_multi(o, e, depth);
}

/* Writes e, which does not fit on one line, onto the open line: it ends
 * that line after its opening bracket, writes its inside one level deeper,
 * and leaves the line with its closing bracket open, so the caller can add
 * `,` or `)`. */
/* A list's or a call's items one per line, each followed by a comma,
 * then the indent of the closing bracket. */
static void put_items(Out *o, const Vec *items, int depth) {
  line_end(o);
  for (int i = 0; i < items->len; i++) {
    indent(o, depth + 1);
    put_value(o, items->items[i], depth + 1);
    w_char(o, ',');
    line_end(o);
  }
  indent(o, depth);
}

static void put_multi(Out *o, const HclExpr *e, int depth) {
  switch (e->kind) {
  case EX_OBJ:
    w_char(o, '{');
    line_end(o);
    for (int i = 0; i < kids(e)->len; i++) {
      ObjEntry *en = kids(e)->items[i];
      put_entry(o, en->key, en->key_len, true, en->value, depth + 1);
    }
    indent(o, depth);
    w_char(o, '}');
    break;
  case EX_LIST:
    w_char(o, '[');
    put_items(o, kids(e), depth);
    w_char(o, ']');
    break;
  case EX_CALL: {
    /* Not inline, so one argument at least is multi-line; with a single
     * argument, that one. */
    int n = kids(e)->len, multi = n == 1;
    for (int i = 0; n > 1 && i < n; i++)
      multi += !is_inline(o, kids(e)->items[i]);
    w_add(o, e->text, e->len);
    w_char(o, '(');
    if (multi == 1 && (n == 1 || !is_inline(o, kids(e)->items[n - 1]))) {
      /* f(a, {  ...  }) : the brackets on one line count as one level. */
      for (int i = 0; i < n - 1; i++) {
        put_inline(o, kids(e)->items[i]);
        W_LIT(o, ", ");
      }
      put_multi(o, kids(e)->items[n - 1], depth);
    } else {
      put_items(o, kids(e), depth);
    }
    w_char(o, ')');
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
    indent(o, depth);
    w_char(o, '#');
    size_t start = o->len;
    w_char(o, ' ');
    for (; i < n && p[i] != '\n';) {
      unsigned cp;
      i += utf8_next(p + i, n - i, &cp);
      /* Control and line-separator characters would end or garble the
       * comment line; they become spaces. */
      if ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
          cp == 0x2028 || cp == 0x2029)
        cp = ' ';
      put_utf8(o, cp);
    }
    while (o->len > start && (o->data[o->len - 1] == ' ' || o->data[o->len - 1] == '\t'))
      o->len--;
    line_end(o);
    if (i >= n)
      break;
    i++; /* the '\n' */
  }
}

static bool body_empty(const HclBody *b) {
  for (int i = 0; i < b->items.len; i++)
    if (b->items.items[i])
      return false;
  return true;
}

static void put_body(Out *o, const HclBody *b, int depth);

static void put_block(Out *o, const Item *it, int depth) {
  const Block *bl = (const Block *)it;
  indent(o, depth);
  w_add(o, it->name, it->name_len);
  const char *labels[2] = {bl->label1, bl->label2};
  for (int i = 0; i < 2 && labels[i]; i++) {
    W_LIT(o, " \"");
    put_escaped(o, labels[i], strlen(labels[i]), ESC_VALUE);
    w_char(o, '"');
  }
  if (body_empty(&bl->body)) {
    W_LIT(o, " {}");
    line_end(o);
    return;
  }
  W_LIT(o, " {");
  line_end(o);
  put_body(o, &bl->body, depth + 1);
  indent(o, depth);
  w_char(o, '}');
  line_end(o);
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
    if (!it) {
      gap = true;
      continue;
    }
    if (prev && b->is_file && prev->kind != IT_COMMENT &&
        !(prev->kind == IT_ATTR && it->kind == IT_ATTR))
      gap = true;
    if (prev && gap)
      line_end(o); /* a blank line */
    gap = false;
    switch (it->kind) {
    case IT_ATTR:
      put_entry(o, it->name, it->name_len, false, it->value, depth);
      break;
    case IT_BLOCK:
      put_block(o, it, depth);
      break;
    case IT_COMMENT:
      put_comment(o, it->name, depth);
      break;
    }
    prev = it;
  }
}

char *hcl_render(HclBody *file, size_t *len) {
  Out o = {0};
  grow(&o, 1); /* data is never NULL, not even for an empty file */
  put_body(&o, file, 0);
  if (o.nrun)
    end_run(&o);
  char *text = arena_strndup(file->arena, o.data, o.len);
  if (len)
    *len = o.len;
  free(o.data);
  free(o.run);
  return text;
}
