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

const Source *diag_find_source(const Diags *d, const char *file) {
  for (int i = 0; i < d->sources.len; i++)
    if (str_eq(((Source *)d->sources.items[i])->file, file))
      return d->sources.items[i];
  return NULL;
}

void diag_source(Diags *d, const char *file, const char *text, size_t len) {
  if (diag_find_source(d, file))
    return;
  Source *s = arena_alloc(d->arena, sizeof *s);
  *s = (Source){.file = file, .text = text, .len = len};
  vec_push(d->arena, &d->sources, s);
}

void diag_merge(Diags *into, Diags *from) {
  for (int i = 0; i < from->sources.len; i++) {
    Source *s = from->sources.items[i];
    diag_source(into, s->file, s->text, s->len);
  }
  for (int i = 0; i < from->list.len; i++) {
    Diag *g = from->list.items[i];
    g->seq = into->list.len;
    vec_push(into->arena, &into->list, g);
  }
  into->errors += from->errors;
  for (int i = 0; i < from->redacted.len; i++)
    vec_push(into->arena, &into->redacted, from->redacted.items[i]);
  into->redacted_sorted &= from->redacted.len == 0;
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
  if (d->list.len > 1)
    qsort(v, (size_t)d->list.len, sizeof *v, cmp_diag);
  /* Repeats share file, line and column, so after sorting they sit in the
   * same run of equal positions: compare within the run only. */
  int k = 0, run = 0;
  for (int i = 0; i < d->list.len; i++) {
    if (k && !(v[k - 1]->pos.line == v[i]->pos.line && v[k - 1]->pos.col == v[i]->pos.col &&
               str_eq(v[k - 1]->pos.file, v[i]->pos.file)))
      run = k;
    bool dup = false;
    for (int j = run; j < k && !dup; j++)
      dup = same_diag(v[j], v[i]);
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
    if (!s->lines) {
      /* One pass over the text, so printing many diagnostics stays
       * linear. Lines end at \n, \r\n or a lone \r, as libyaml counts
       * them; lines[nlines] is the end of the text. */
      const char *t = s->text;
      int n = 2;
      for (size_t k = 0; k < s->len; k++)
        n += t[k] == '\n' || (t[k] == '\r' && (k + 1 == s->len || t[k + 1] != '\n'));
      s->lines = arena_alloc(d->arena, sizeof(size_t) * (size_t)n);
      s->nlines = 0;
      s->lines[0] = 0;
      for (size_t k = 0; k < s->len; k++)
        if (t[k] == '\n' || (t[k] == '\r' && (k + 1 == s->len || t[k + 1] != '\n')))
          s->lines[++s->nlines] = k + 1;
      s->lines[++s->nlines] = s->len + 1;
    }
    if (line < 1 || line > s->nlines || s->lines[line - 1] > s->len)
      return NULL;
    const char *p = s->text + s->lines[line - 1];
    size_t n = s->lines[line] - 1 - s->lines[line - 1];
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
      n--;
    *len = n;
    return p;
  }
  return NULL;
}

/* Byte offset of character column 'col' (1-based) in a line of 'len'
 * bytes: positions count characters, as libyaml does. Diagnostics print
 * in column order, so the walk resumes where the last one on the same
 * line stopped; a huge one-line file costs its length, not its length
 * times its errors. */
static size_t col_offset(const char *line, size_t len, int col) {
  static const char *memo_line;
  static int memo_col = 1;
  static size_t memo_off;
  size_t off = 0;
  int c = 1;
  if (line == memo_line && col >= memo_col)
    off = memo_off, c = memo_col;
  for (; c < col && off < len; c++) {
    off++;
    while (off < len && ((unsigned char)line[off] & 0xC0) == 0x80)
      off++;
  }
  memo_line = line, memo_col = c, memo_off = off;
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
  d->redacted_sorted = false;
}

static int cmp_pos(const void *x, const void *y) {
  const Pos *a = *(const Pos *const *)x, *b = *(const Pos *const *)y;
  int f = strcmp(a->file, b->file);
  if (f)
    return f;
  return a->line != b->line ? (a->line > b->line) - (a->line < b->line)
                            : (a->col > b->col) - (a->col < b->col);
}

/* The redacted values on one line: a run of the sorted list. */
static int redactions_on(Diags *d, const char *file, int line, int *first) {
  if (!d->redacted_sorted && d->redacted.len > 1)
    qsort(d->redacted.items, (size_t)d->redacted.len, sizeof(void *), cmp_pos);
  d->redacted_sorted = true;
  int lo = 0, hi = d->redacted.len;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    const Pos *r = d->redacted.items[mid];
    int f = strcmp(r->file ? r->file : "", file ? file : "");
    if (f < 0 || (f == 0 && r->line < line))
      lo = mid + 1;
    else
      hi = mid;
  }
  *first = lo;
  int n = 0;
  while (lo + n < d->redacted.len && ((Pos *)d->redacted.items[lo + n])->line == line &&
         str_eq(((Pos *)d->redacted.items[lo + n])->file, file))
    n++;
  return n;
}

/* Print a source line with every redacted value on it masked, clipped to
 * a window around the caret when it is long, then the caret. */
static void print_source(Diags *d, FILE *out, const Diag *g, const char *line, size_t len) {
  enum { WIDTH = 120, BEFORE = 60 };
  size_t caret = col_offset(line, len, g->pos.col);
  size_t start = 0, end = len;
  if (len > WIDTH) {
    start = caret > BEFORE ? caret - BEFORE : 0;
    while (start > 0 && ((unsigned char)line[start] & 0xC0) == 0x80)
      start--;
    end = start + WIDTH < len ? start + WIDTH : len;
    while (end < len && ((unsigned char)line[end] & 0xC0) == 0x80)
      end++;
  }
  /* Copy only the window shown, then mask the redacted values in it. On
   * a pathologically long line the whole window is masked instead of
   * finding each value's extent. */
  char *text = arena_strndup(d->arena, line + start, end - start);
  int first, nred = redactions_on(d, g->pos.file, g->pos.line, &first);
  if (nred && len > 4096) {
    for (size_t k = 0; k < end - start; k++)
      if (text[k] != ' ' && text[k] != '\t')
        text[k] = '*';
    nred = 0;
  }
  for (int i = first; i < first + nred; i++) {
    const Pos *r = d->redacted.items[i];
    size_t from = col_offset(line, len, r->col), to = token_end(line, len, from);
    for (size_t k = from > start ? from : start; k < to && k < end; k++)
      if (!(k == from || k + 1 == to) || !strchr("\"'", line[k]))
        text[k - start] = '*';
  }
  caret = col_offset(line, len, g->pos.col);   /* resumes the walk for the next one */
  const char *pre = start ? "..." : "", *post = end < len ? "..." : "";
  fprintf(out, "%5d | %s%s%s\n      | %s", g->pos.line, pre, text, post, start ? "   " : "");
  /* Keep tabs so the caret lines up under tab-indented text. */
  for (size_t i = start; i < caret; i++) {
    if (((unsigned char)line[i] & 0xC0) == 0x80)
      continue;
    fputc(line[i] == '\t' ? '\t' : ' ', out);
  }
  fputs("^\n", out);
}

/* Messages quote values from the spec; a control character in one (a
 * "\e[2J" in a quoted scalar) is printed as an escape, never sent to the
 * terminal. */
static void put_text(FILE *out, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\n')
      fputs("\\n", out);
    else if (*p == '\t')
      fputs("\\t", out);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(out, "\\x%02x", *p);
    else
      fputc(*p, out);
  }
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
  if (path && *path) {
    put_text(out, path);
    fputs(": ", out);
  }
  put_text(out, g->msg);
  fputc('\n', out);
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
