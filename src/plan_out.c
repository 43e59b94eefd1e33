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
 * byte that is not (which jansson would refuse) becomes U+FFFD. */

typedef struct JW {
  Buf *b;
  MapEntry **stack;   /* sorted entries of the maps being written, nested */
  size_t top, cap;
} JW;

static void jw_indent(JW *w, int depth) {
  buf_putc(w->b, '\n');
  buf_indent(w->b, 2 * depth);
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

static void jw_str(JW *w, const char *str) {
  const unsigned char *s = (const unsigned char *)str, *run = s;
  buf_putc(w->b, '"');
  for (;;) {
    unsigned char c = *s;
    int n = c >= 0x20 && c != '"' && c != '\\' ? utf8_len(s) : 0;
    if (n) {
      s += n;
      continue;
    }
    buf_add(w->b, (const char *)run, (size_t)(s - run));
    if (!c)
      break;
    switch (c) {
    case '"': buf_puts(w->b, "\\\""); break;
    case '\\': buf_puts(w->b, "\\\\"); break;
    case '\b': buf_puts(w->b, "\\b"); break;
    case '\f': buf_puts(w->b, "\\f"); break;
    case '\n': buf_puts(w->b, "\\n"); break;
    case '\r': buf_puts(w->b, "\\r"); break;
    case '\t': buf_puts(w->b, "\\t"); break;
    default:
      if (c < 0x20)
        buf_printf(w->b, "\\u%04X", c);
      else
        buf_puts(w->b, "\xEF\xBF\xBD");   /* not UTF-8 */
    }
    run = ++s;
  }
  buf_putc(w->b, '"');
}

static void jw_real(JW *w, double f) {
  if (!isfinite(f)) {
    buf_puts(w->b, "null");
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
  buf_puts(w->b, s);
}

static int cmp_entry_key(const void *x, const void *y) {
  return strcmp((*(MapEntry *const *)x)->key, (*(MapEntry *const *)y)->key);
}

static void jw_value(JW *w, const Value *v, int depth);

static void jw_list(JW *w, Value *const *items, int n, int depth) {
  if (!n) {
    buf_puts(w->b, "[]");
    return;
  }
  buf_putc(w->b, '[');
  for (int i = 0; i < n; i++) {
    if (i)
      buf_putc(w->b, ',');
    jw_indent(w, depth + 1);
    jw_value(w, items[i], depth + 1);
  }
  jw_indent(w, depth);
  buf_putc(w->b, ']');
}

/* A map's entries sorted by key on the writer's stack, then written. */
static void jw_map(JW *w, const Value *v, int depth) {
  int n = v->map.n;
  if (!n) {
    buf_puts(w->b, "{}");
    return;
  }
  if (!w->stack || w->top + (size_t)n > w->cap) {
    while (w->cap < 256 || w->top + (size_t)n > w->cap)
      w->cap = w->cap ? w->cap * 2 : 256;
    MapEntry **s = realloc(w->stack, sizeof *s * w->cap);
    if (!s) {
      fputs("infrac: out of memory\n", stderr);
      abort();
    }
    w->stack = s;
  }
  size_t base = w->top;
  for (int i = 0; i < n; i++)
    w->stack[base + (size_t)i] = &v->map.entries[i];
  qsort(w->stack + base, (size_t)n, sizeof *w->stack, cmp_entry_key);
  w->top += (size_t)n;
  buf_putc(w->b, '{');
  for (int i = 0; i < n; i++) {
    const MapEntry *e = w->stack[base + (size_t)i];
    if (i)
      buf_putc(w->b, ',');
    jw_indent(w, depth + 1);
    jw_str(w, e->key);
    buf_puts(w->b, ": ");
    jw_value(w, e->val, depth + 1);
  }
  w->top = base;
  jw_indent(w, depth);
  buf_putc(w->b, '}');
}

/* A fixed object: its keys must already be in sorted order. */
static void jw_key(JW *w, bool *first, const char *key, int depth) {
  if (!*first)
    buf_putc(w->b, ',');
  *first = false;
  jw_indent(w, depth + 1);
  jw_str(w, key);
  buf_puts(w->b, ": ");
}

static void jw_value(JW *w, const Value *v, int depth) {
  bool first = true;
  switch (v->kind) {
  case V_NULL: buf_puts(w->b, "null"); return;
  case V_BOOL: buf_puts(w->b, v->b ? "true" : "false"); return;
  case V_INT: buf_printf(w->b, "%lld", v->i); return;
  case V_FLOAT: jw_real(w, v->f); return;
  case V_STR: jw_str(w, v->s); return;
  case V_AZ:
    buf_putc(w->b, '{');
    jw_key(w, &first, "az", depth);
    buf_printf(w->b, "%d", v->az);
    break;
  case V_REF:
    buf_putc(w->b, '{');
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
    buf_putc(w->b, '{');
    jw_key(w, &first, "join", depth);
    jw_list(w, v->concat.parts, v->concat.n, depth + 1);
    break;
  case V_LIST: jw_list(w, v->list.items, v->list.n, depth); return;
  case V_MAP: jw_map(w, v, depth); return;
  default: buf_puts(w->b, "null"); return;
  }
  jw_indent(w, depth);
  buf_putc(w->b, '}');
}

static void jw_ids(JW *w, const Vec *v, int depth) {
  if (!v->len) {
    buf_puts(w->b, "[]");
    return;
  }
  buf_putc(w->b, '[');
  for (int i = 0; i < v->len; i++) {
    if (i)
      buf_putc(w->b, ',');
    jw_indent(w, depth + 1);
    jw_str(w, v->items[i]);
  }
  jw_indent(w, depth);
  buf_putc(w->b, ']');
}

void plan_write_json(const Plan *p, Buf *out) {
  const Model *m = p->m;
  JW w = {out, NULL, 0, 0};
  bool first = true;
  buf_putc(out, '{');
  jw_key(&w, &first, "account", 0);
  if (m->account)
    jw_str(&w, m->account);
  else
    buf_puts(out, "null");
  jw_key(&w, &first, "env", 0);
  jw_str(&w, m->env);
  jw_key(&w, &first, "infrac", 0);
  buf_puts(out, "1");
  jw_key(&w, &first, "name", 0);
  jw_str(&w, m->name);
  jw_key(&w, &first, "partition", 0);
  jw_str(&w, p->partition);
  jw_key(&w, &first, "region", 0);
  jw_str(&w, m->region);
  jw_key(&w, &first, "resources", 0);
  if (!p->resources.len)
    buf_puts(out, "[]");
  else
    buf_putc(out, '[');
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    bool f = true;
    if (i)
      buf_putc(out, ',');
    jw_indent(&w, 2);
    buf_putc(out, '{');
    if (r->after.len) {
      jw_key(&w, &f, "after", 2);
      jw_ids(&w, &r->after, 3);
    }
    jw_key(&w, &f, "attributes", 2);
    jw_value(&w, r->attrs, 3);
    if (r->az >= 0) {
      jw_key(&w, &f, "az", 2);
      buf_printf(out, "%d", r->az);
    }
    jw_key(&w, &f, "depends_on", 2);
    jw_ids(&w, &r->deps, 3);
    if (r->external) {
      jw_key(&w, &f, "external", 2);
      buf_puts(out, "true");
    }
    jw_key(&w, &f, "id", 2);
    jw_str(&w, r->id);
    jw_key(&w, &f, "key", 2);
    jw_str(&w, r->key);
    jw_key(&w, &f, "kind", 2);
    jw_str(&w, r->kind);
    jw_key(&w, &f, "name", 2);
    if (r->name)
      jw_str(&w, r->name);
    else
      buf_puts(out, "null");
    jw_indent(&w, 2);
    buf_putc(out, '}');
  }
  if (p->resources.len) {
    jw_indent(&w, 1);
    buf_putc(out, ']');
  }
  jw_key(&w, &first, "tags", 0);
  /* tags in key order, as a map would be */
  Value *tags = val_map(p->arena);
  for (int i = 0; i < m->ntags; i++)
    val_set(p->arena, tags, m->tags[i].key, val_str(p->arena, m->tags[i].value));
  jw_value(&w, tags, 1);
  jw_indent(&w, 0);
  buf_putc(out, '}');
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
