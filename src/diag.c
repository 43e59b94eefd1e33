/*
 * diag: collect diagnostics, then print them sorted by position with the
 * offending source line and a caret under the column, the way compilers do.
 */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

void diag_init(Diags *d, Arena *a) {
  memset(d, 0, sizeof *d);
  d->arena = a;
}

void diag_source(Diags *d, const char *file, const char *text, size_t len) {
  for (int i = 0; i < d->sources.len; i++)
    if (str_eq(((Source *)d->sources.items[i])->file, file))
      return;
  Source *s = arena_alloc(d->arena, sizeof *s);
  *s = (Source){file, text, len};
  vec_push(d->arena, &d->sources, s);
}

static void vadd(Diags *d, Severity sev, const char *rule, Pos pos, const char *path,
                 const char *fmt, va_list ap) {
  Diag *g = arena_alloc(d->arena, sizeof *g);
  g->sev = sev;
  g->pos = pos;
  g->path = path ? arena_strdup(d->arena, path) : NULL;
  g->rule = rule;
  g->msg = arena_vprintf(d->arena, fmt, ap);
  g->seq = d->list.len;
  vec_push(d->arena, &d->list, g);
  if (sev == SEV_ERROR)
    d->errors++;
}

void diag_error(Diags *d, Pos pos, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vadd(d, SEV_ERROR, NULL, pos, path, fmt, ap);
  va_end(ap);
}

void diag_add(Diags *d, Severity sev, const char *rule, Pos pos, const char *path,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vadd(d, sev, rule, pos, path, fmt, ap);
  va_end(ap);
}

const char *diag_severity_name(Severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

static Diags *sort_ctx;

static int file_rank(const char *file) {
  if (!file)
    return -1;
  for (int i = 0; i < sort_ctx->sources.len; i++)
    if (str_eq(((Source *)sort_ctx->sources.items[i])->file, file))
      return i;
  return sort_ctx->sources.len;
}

static int cmp_diag(const void *x, const void *y) {
  const Diag *a = *(const Diag *const *)x, *b = *(const Diag *const *)y;
  int fa = file_rank(a->pos.file), fb = file_rank(b->pos.file);
  if (fa != fb)
    return fa - fb;
  if (fa == sort_ctx->sources.len && !str_eq(a->pos.file, b->pos.file))
    return strcmp(a->pos.file, b->pos.file);
  if (a->pos.line != b->pos.line)
    return a->pos.line - b->pos.line;
  if (a->pos.col != b->pos.col)
    return a->pos.col - b->pos.col;
  return a->seq - b->seq;
}

static bool same_diag(const Diag *a, const Diag *b) {
  return a->sev == b->sev && str_eq(a->pos.file, b->pos.file) &&
         a->pos.line == b->pos.line && a->pos.col == b->pos.col &&
         str_eq(a->pos.path, b->pos.path) && str_eq(a->path, b->path) &&
         str_eq(a->rule, b->rule) && str_eq(a->msg, b->msg);
}

Diag **diag_sorted(Diags *d, int *n) {
  Diag **v = arena_alloc(d->arena, sizeof(Diag *) * (size_t)(d->list.len + 1));
  if (d->list.len)
    memcpy(v, d->list.items, sizeof(Diag *) * (size_t)d->list.len);
  sort_ctx = d;
  qsort(v, (size_t)d->list.len, sizeof *v, cmp_diag);
  int k = 0;
  for (int i = 0; i < d->list.len; i++) {
    bool dup = false;
    for (int j = k - 1; j >= 0 && v[j]->pos.line == v[i]->pos.line &&
                        str_eq(v[j]->pos.file, v[i]->pos.file); j--)
      if (same_diag(v[j], v[i]))
        dup = true;
    if (!dup)
      v[k++] = v[i];
  }
  *n = k;
  return v;
}

const char *diag_line(Diags *d, const char *file, int line, size_t *len) {
  for (int i = 0; i < d->sources.len; i++) {
    Source *s = d->sources.items[i];
    if (!str_eq(s->file, file))
      continue;
    const char *p = s->text, *end = s->text + s->len;
    for (int l = 1; l < line && p < end; l++) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      if (!nl)
        return NULL;
      p = nl + 1;
    }
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
      e++;
    *len = (size_t)(e - p);
    return p;
  }
  return NULL;
}

/* Byte offset of character column 'col' (1-based) in a line of 'len'
 * bytes: positions count characters, as libyaml does. */
static size_t col_offset(const char *line, size_t len, int col) {
  size_t off = 0;
  for (int c = 1; c < col && off < len; c++) {
    off++;
    while (off < len && ((unsigned char)line[off] & 0xC0) == 0x80)
      off++;
  }
  return off;
}

/* The extent of the scalar starting at byte 'off': a quoted string up to
 * its closing quote, else up to the next flow indicator or comment. */
static size_t token_end(const char *line, size_t len, size_t off) {
  size_t e = off;
  if (e < len && (line[e] == '"' || line[e] == '\'')) {
    char q = line[e++];
    while (e < len && line[e] != q)
      e += line[e] == '\\' && q == '"' ? 2 : 1;
    return e < len ? e + 1 : len;
  }
  while (e < len && !strchr(",]}", line[e]) && !(line[e] == ' ' && e + 1 < len && line[e + 1] == '#'))
    e++;
  while (e > off && line[e - 1] == ' ')
    e--;
  return e;
}

void diag_redact(Diags *d, Pos pos) {
  if (!pos.file || pos.line <= 0)
    return;
  Pos *p = arena_alloc(d->arena, sizeof *p);
  *p = pos;
  vec_push(d->arena, &d->redacted, p);
}

/* Print a source line with every redacted value on it masked, clipped to
 * a window around the caret when it is long, then the caret. */
static void print_source(Diags *d, FILE *out, const Diag *g, const char *line, size_t len) {
  enum { WIDTH = 120, BEFORE = 60 };
  char *text = arena_strndup(d->arena, line, len);
  for (int i = 0; i < d->redacted.len; i++) {
    const Pos *r = d->redacted.items[i];
    if (r->line != g->pos.line || !str_eq(r->file, g->pos.file))
      continue;
    size_t from = col_offset(text, len, r->col), to = token_end(text, len, from);
    for (size_t k = from; k < to; k++)
      if (!(k == from || k + 1 == to) || !strchr("\"'", text[k]))
        text[k] = '*';
  }
  size_t caret = col_offset(text, len, g->pos.col);
  size_t start = 0, end = len;
  if (len > WIDTH) {
    start = caret > BEFORE ? caret - BEFORE : 0;
    while (start > 0 && ((unsigned char)text[start] & 0xC0) == 0x80)
      start--;
    end = start + WIDTH < len ? start + WIDTH : len;
    while (end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
      end++;
  }
  const char *pre = start ? "..." : "", *post = end < len ? "..." : "";
  fprintf(out, "%5d | %s%.*s%s\n      | %s", g->pos.line, pre, (int)(end - start), text + start,
          post, start ? "   " : "");
  /* Keep tabs so the caret lines up under tab-indented text. */
  for (size_t i = start; i < caret; i++) {
    if (((unsigned char)text[i] & 0xC0) == 0x80)
      continue;
    fputc(text[i] == '\t' ? '\t' : ' ', out);
  }
  fputs("^\n", out);
}

static void print_one(Diags *d, FILE *out, const Diag *g) {
  const char *sev = diag_severity_name(g->sev);
  if (g->pos.file && g->pos.line > 0)
    fprintf(out, "%s:%d:%d: ", g->pos.file, g->pos.line, g->pos.col);
  else if (g->pos.file)
    fprintf(out, "%s: ", g->pos.file);
  else
    fputs("infrac: ", out);
  if (g->rule)
    fprintf(out, "%s[%s]: ", sev, g->rule);
  else
    fprintf(out, "%s: ", sev);
  const char *path = g->path ? g->path : g->pos.path;
  if (path && *path)
    fprintf(out, "%s: ", path);
  fprintf(out, "%s\n", g->msg);
  size_t len;
  const char *line = g->pos.line > 0 ? diag_line(d, g->pos.file, g->pos.line, &len) : NULL;
  if (line)
    print_source(d, out, g, line, len);
}

void diag_print(Diags *d, FILE *out) {
  int n;
  Diag **v = diag_sorted(d, &n);
  for (int i = 0; i < n; i++)
    print_one(d, out, v[i]);
}
