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
  if (!line)
    return;
  fprintf(out, "%5d | %.*s\n      | ", g->pos.line, (int)len, line);
  /* Keep tabs so the caret lines up under tab-indented text. */
  for (int i = 0; i < g->pos.col - 1 && i < (int)len; i++)
    fputc(line[i] == '\t' ? '\t' : ' ', out);
  fputs("^\n", out);
}

void diag_print(Diags *d, FILE *out) {
  int n;
  Diag **v = diag_sorted(d, &n);
  for (int i = 0; i < n; i++)
    print_one(d, out, v[i]);
}
