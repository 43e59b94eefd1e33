/*
 * plan_out: the plan as text (one line per resource) and as JSON.
 *
 * JSON encodes the plan's own value kinds as small objects:
 *   {"ref": "vpc.main", "attr": "id"}        another resource's attribute
 *   {"join": [part, ...]}                     a string built from parts
 *   {"az": 0}                                 the AZ with that index
 * A reference whose value is known before deploy also carries "value".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* The JSON is written straight into a buffer, byte for byte what
 * jansson's json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS) gives for the
 * same tree: a plan has tens of thousands of resources on a large spec,
 * and building, dumping and freeing a jansson tree of it cost ten times
 * the writing and a hundred MB of heap. Strings are checked as UTF-8 and a
 * byte that is not (which jansson would refuse) becomes U+FFFD.
 *
 * Every piece is written in place: room() makes space in the buffer once
 * and the bytes are stored directly, since a call per byte (buf_putc,
 * buf_indent) cost more than the JSON itself. The buffer's NUL comes back
 * when the document is done. */

typedef struct JW {
  Buf *b;
  MapEntry **stack;   /* sorted entries of the maps being written, nested */
  size_t top, cap;
} JW;

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (!p) {
    fputs("infrac: out of memory\n", stderr);
    abort();
  }
  return p;
}

/* Space for n more bytes (and the final NUL) at the end of b. */
static char *room(Buf *b, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap)
      b->cap *= 2;
    b->data = xrealloc(b->data, b->cap);
  }
  return b->data + b->len;
}

static void put(JW *w, const char *s, size_t n) {
  memcpy(room(w->b, n), s, n);
  w->b->len += n;
}
#define PUT(w, lit) put((w), (lit), sizeof(lit) - 1)

static void jw_indent(JW *w, int depth) {
  size_t n = 2 * (size_t)depth;
  char *o = room(w->b, n + 1);
  o[0] = '\n';
  memset(o + 1, ' ', n);
  w->b->len += n + 1;
}

/* The separator before an item or entry: ",\n" when one came before, then
 * the indent. */
static void jw_next(JW *w, bool comma, int depth) {
  size_t n = 2 * (size_t)depth;
  char *o = room(w->b, n + 2);
  if (comma)
    *o++ = ',', w->b->len++;
  o[0] = '\n';
  memset(o + 1, ' ', n);
  w->b->len += n + 1;
}

static void jw_int(JW *w, long long i) {
  char s[24], *e = s + sizeof s, *q = e;
  unsigned long long u = i < 0 ? 0 - (unsigned long long)i : (unsigned long long)i;
  do
    *--q = (char)('0' + u % 10);
  while (u /= 10);
  if (i < 0)
    *--q = '-';
  put(w, q, (size_t)(e - q));
}

/* Length of the valid UTF-8 sequence at s, 0 when it is not one. */
static int utf8_len(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  int n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
          : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if ((n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))) ||
      (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))))
    return 0;
  return n;
}

/* 1 for the ASCII bytes a JSON string holds as they are. */
static const unsigned char plain_ascii[256] = {
    [0x20] = 1, [0x21] = 1, [0x23 ... 0x5B] = 1, [0x5D ... 0x7F] = 1,
};

static void jw_str(JW *w, const char *str) {
  const unsigned char *s = (const unsigned char *)str, *run = s;
  PUT(w, "\"");
  for (;;) {
    while (plain_ascii[*s])
      s++;
    unsigned char c = *s;
    int n = c >= 0x80 ? utf8_len(s) : 0;
    if (n) {
      s += n;
      continue;
    }
    put(w, (const char *)run, (size_t)(s - run));
    if (!c)
      break;
    switch (c) {
    case '"': PUT(w, "\\\""); break;
    case '\\': PUT(w, "\\\\"); break;
    case '\b': PUT(w, "\\b"); break;
    case '\f': PUT(w, "\\f"); break;
    case '\n': PUT(w, "\\n"); break;
    case '\r': PUT(w, "\\r"); break;
    case '\t': PUT(w, "\\t"); break;
    default:
      if (c < 0x20) {
        char u[7] = {'\\', 'u', '0', '0', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15], 0};
        put(w, u, 6);
      } else {
        PUT(w, "\xEF\xBF\xBD");   /* not UTF-8 */
      }
    }
    run = ++s;
  }
  PUT(w, "\"");
}

static void jw_real(JW *w, double f) {
  if (!isfinite(f)) {
    PUT(w, "null");
    return;
  }
  /* jansson's jsonp_dtostr: %.17g, a ".0" when it reads as an integer,
   * and the exponent without '+' or leading zeros */
  char s[64];
  snprintf(s, sizeof s, "%.17g", f);
  if (!strchr(s, '.') && !strchr(s, 'e'))
    memcpy(s + strlen(s), ".0", 3);   /* %.17g is at most 24 bytes */
  char *e = strchr(s, 'e');
  if (e) {
    char *from = e + 1, *to = e + 1;
    if (*from == '-')
      from++, to++;
    else if (*from == '+')
      from++;
    while (*from == '0' && from[1])
      from++;
    memmove(to, from, strlen(from) + 1);
  }
  put(w, s, strlen(s));
}

static void jw_value(JW *w, const Value *v, int depth);

static void jw_list(JW *w, Value *const *items, int n, int depth) {
  if (!n) {
    PUT(w, "[]");
    return;
  }
  PUT(w, "[");
  for (int i = 0; i < n; i++) {
    jw_next(w, i, depth + 1);
    jw_value(w, items[i], depth + 1);
  }
  jw_indent(w, depth);
  PUT(w, "]");
}

/* Sorts by key, stably: most maps are small and many already in order,
 * where insertion beats qsort. */
static void sort_entries(MapEntry **e, size_t n) {
  for (size_t i = 1; i < n; i++) {
    MapEntry *x = e[i];
    size_t j = i;
    while (j && strcmp(e[j - 1]->key, x->key) > 0) {
      e[j] = e[j - 1];
      j--;
    }
    e[j] = x;
  }
}

static int cmp_entry_key(const void *x, const void *y) {
  return strcmp((*(MapEntry *const *)x)->key, (*(MapEntry *const *)y)->key);
}

/* A map's entries sorted by key on the writer's stack, then written. */
static void jw_map(JW *w, const Value *v, int depth) {
  int n = v->map.n;
  if (!n) {
    PUT(w, "{}");
    return;
  }
  if (!w->stack || w->top + (size_t)n > w->cap) {
    while (w->cap < 256 || w->top + (size_t)n > w->cap)
      w->cap = w->cap ? w->cap * 2 : 256;
    w->stack = xrealloc(w->stack, sizeof *w->stack * w->cap);
  }
  size_t base = w->top;
  for (int i = 0; i < n; i++)
    w->stack[base + (size_t)i] = &v->map.entries[i];
  if (n <= 32)
    sort_entries(w->stack + base, (size_t)n);
  else
    qsort(w->stack + base, (size_t)n, sizeof *w->stack, cmp_entry_key);
  w->top += (size_t)n;
  PUT(w, "{");
  for (int i = 0; i < n; i++) {
    const MapEntry *e = w->stack[base + (size_t)i];
    jw_next(w, i, depth + 1);
    jw_str(w, e->key);
    PUT(w, ": ");
    jw_value(w, e->val, depth + 1);
  }
  w->top = base;
  jw_indent(w, depth);
  PUT(w, "}");
}

/* A fixed object: its keys must already be in sorted order, and written
 * as JSON already (quoted, no escapes needed). */
static void jw_key(JW *w, bool *first, const char *key, int depth) {
  jw_next(w, !*first, depth + 1);
  *first = false;
  PUT(w, "\"");
  put(w, key, strlen(key));
  PUT(w, "\": ");
}

static void jw_value(JW *w, const Value *v, int depth) {
  bool first = true;
  switch (v->kind) {
  case V_NULL: PUT(w, "null"); return;
  case V_BOOL:
    if (v->b)
      PUT(w, "true");
    else
      PUT(w, "false");
    return;
  case V_INT: jw_int(w, v->i); return;
  case V_FLOAT: jw_real(w, v->f); return;
  case V_STR: jw_str(w, v->s); return;
  case V_AZ:
    PUT(w, "{");
    jw_key(w, &first, "az", depth);
    jw_int(w, v->az);
    break;
  case V_REF:
    PUT(w, "{");
    jw_key(w, &first, "attr", depth);
    jw_str(w, v->ref.attr);
    jw_key(w, &first, "ref", depth);
    jw_str(w, v->ref.res);
    if (v->ref.known) {
      jw_key(w, &first, "value", depth);
      jw_str(w, v->ref.known);
    }
    break;
  case V_CONCAT:
    PUT(w, "{");
    jw_key(w, &first, "join", depth);
    jw_list(w, v->concat.parts, v->concat.n, depth + 1);
    break;
  case V_LIST: jw_list(w, v->list.items, v->list.n, depth); return;
  case V_MAP: jw_map(w, v, depth); return;
  default: PUT(w, "null"); return;
  }
  jw_indent(w, depth);
  PUT(w, "}");
}

static void jw_ids(JW *w, const Vec *v, int depth) {
  if (!v->len) {
    PUT(w, "[]");
    return;
  }
  PUT(w, "[");
  for (int i = 0; i < v->len; i++) {
    jw_next(w, i, depth + 1);
    jw_str(w, v->items[i]);
  }
  jw_indent(w, depth);
  PUT(w, "]");
}

static int cmp_tag(const void *x, const void *y) {
  return strcmp((*(const KV *const *)x)->key, (*(const KV *const *)y)->key);
}

/* The model's tags in key order, as a map of them would be: a key given
 * twice keeps its last value. Sorted on the heap, not in the plan's arena,
 * which other threads read. */
static void jw_tags(JW *w, const Model *m, int depth) {
  if (!m->ntags) {
    PUT(w, "{}");
    return;
  }
  const KV **t = xrealloc(NULL, sizeof *t * (size_t)m->ntags);
  for (int i = 0; i < m->ntags; i++)
    t[i] = &m->tags[i];
  /* stable, so the last of equal keys is the last of its run */
  for (int i = 1; i < m->ntags; i++)
    for (int j = i; j && cmp_tag(&t[j - 1], &t[j]) > 0; j--) {
      const KV *x = t[j];
      t[j] = t[j - 1];
      t[j - 1] = x;
    }
  PUT(w, "{");
  bool first = true;
  for (int i = 0; i < m->ntags; i++) {
    if (i + 1 < m->ntags && !strcmp(t[i]->key, t[i + 1]->key))
      continue;
    jw_next(w, !first, depth + 1);
    first = false;
    jw_str(w, t[i]->key);
    PUT(w, ": ");
    jw_str(w, t[i]->value);
  }
  jw_indent(w, depth);
  PUT(w, "}");
  free(t);
}

static void jw_str_or_null(JW *w, const char *s) {
  if (s)
    jw_str(w, s);
  else
    PUT(w, "null");
}

void plan_write_json(const Plan *p, Buf *out) {
  const Model *m = p->m;
  JW w = {out, NULL, 0, 0};
  bool first = true;
  PUT(&w, "{");
  jw_key(&w, &first, "account", 0);
  jw_str_or_null(&w, m->account);
  jw_key(&w, &first, "env", 0);
  jw_str(&w, m->env);
  jw_key(&w, &first, "infrac", 0);
  PUT(&w, "1");
  jw_key(&w, &first, "name", 0);
  jw_str(&w, m->name);
  jw_key(&w, &first, "partition", 0);
  jw_str(&w, p->partition);
  jw_key(&w, &first, "region", 0);
  jw_str(&w, m->region);
  jw_key(&w, &first, "resources", 0);
  if (!p->resources.len)
    PUT(&w, "[]");
  else
    PUT(&w, "[");
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    bool f = true;
    jw_next(&w, i, 2);
    PUT(&w, "{");
    if (r->after.len) {
      jw_key(&w, &f, "after", 2);
      jw_ids(&w, &r->after, 3);
    }
    jw_key(&w, &f, "attributes", 2);
    jw_value(&w, r->attrs, 3);
    if (r->az >= 0) {
      jw_key(&w, &f, "az", 2);
      jw_int(&w, r->az);
    }
    jw_key(&w, &f, "depends_on", 2);
    jw_ids(&w, &r->deps, 3);
    if (r->external) {
      jw_key(&w, &f, "external", 2);
      PUT(&w, "true");
    }
    jw_key(&w, &f, "id", 2);
    jw_str(&w, r->id);
    jw_key(&w, &f, "key", 2);
    jw_str(&w, r->key);
    jw_key(&w, &f, "kind", 2);
    jw_str(&w, r->kind);
    jw_key(&w, &f, "name", 2);
    jw_str_or_null(&w, r->name);
    jw_indent(&w, 2);
    PUT(&w, "}");
  }
  if (p->resources.len) {
    jw_indent(&w, 1);
    PUT(&w, "]");
  }
  jw_key(&w, &first, "tags", 0);
  jw_tags(&w, m, 1);
  jw_indent(&w, 0);
  PUT(&w, "}");
  out->data[out->len] = '\0';
  free(w.stack);
}

char *plan_to_json(const Plan *p, size_t *len) {
  Buf b;
  buf_init(&b);
  plan_write_json(p, &b);
  *len = b.len;
  return buf_finish(&b, p->arena);
}

void plan_print_text(const Plan *p, Buf *out) {
  int width = 0;
  for (int i = 0; i < p->resources.len; i++) {
    int n = (int)strlen(((Resource *)p->resources.items[i])->id);
    if (n > width)
      width = n;
  }
  if (width > 60)
    width = 60;
  buf_printf(out, "# %s (%s), %s: %d resources\n", p->m->name, p->m->env, p->m->region, p->resources.len);
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    buf_printf(out, "%-*s  %s", width, r->id, r->name ? r->name : "-");
    for (int k = 0; k < r->attrs->map.n; k++) {
      const MapEntry *e = &r->attrs->map.entries[k];
      if (e->val->kind == V_MAP || e->val->kind == V_LIST || e->val->kind == V_REF)
        continue;
      buf_printf(out, " %s=", e->key);
      val_write_text(out, e->val);
    }
    if (r->external)
      buf_puts(out, " (for the trusted account)");
    buf_putc(out, '\n');
  }
}
