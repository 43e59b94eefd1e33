/*
 * util: arena, buffers and string helpers shared by every stage.
 * The arena is a list of large blocks; allocations are bumped from the
 * head block and never freed individually.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Blocks start small and double up to BLOCK_SIZE, so the many short-lived
 * arenas (a map sorted for printing, one emitter's scratch) cost a page,
 * not a quarter megabyte each. */
#define FIRST_BLOCK (4 * 1024)
#define BLOCK_SIZE (256 * 1024)

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("infrac: out of memory\n", stderr);
    abort();
  }
  return p;
}

Arena *arena_new(void) {
  Arena *a = xmalloc(sizeof *a);
  a->head = NULL;
  a->used = 0;
  a->block = FIRST_BLOCK;
  a->tmpl = NULL;
  a->loaded = NULL;
  a->parent = NULL;
  return a;
}

void arena_free(Arena *a) {
  if (!a)
    return;
  for (ArenaBlock *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(a);
}

extern inline void *arena_alloc_raw(Arena *a, size_t n);
extern inline void *arena_alloc(Arena *a, size_t n);

/* n is rounded already, and does not fit in the head block. */
void *arena_alloc_block(Arena *a, size_t n) {
  bool one_off = n > a->block / 4;
  size_t cap = one_off ? n : a->block;
  if (!one_off && a->block < BLOCK_SIZE)
    a->block *= 2;
  ArenaBlock *b = xmalloc(sizeof *b + cap);   /* not zeroed: see arena_alloc */
  b->cap = cap;
  b->off = n;
  a->used += n;
  /* A large one-off allocation goes behind the head, so the head's free
   * space stays usable. */
  if (one_off && a->head) {
    b->next = a->head->next;
    a->head->next = b;
  } else {
    b->next = a->head;
    a->head = b;
  }
  return b->data;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc_raw(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(Arena *a, const char *s) {
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

/* Decimal digits of u (with a '-' when neg), ending at end; returns the
 * first character. */
static char *put_dec(char *end, unsigned long long u, bool neg) {
  char *p = end;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (neg)
    *--p = '-';
  return p;
}

/* printf for the conversions ids, names and messages use: %s %.*s %c %%
 * and %d %i %u with no, l, ll or z size, no flags or width. Writes into
 * dst (room bytes) with a NUL and returns the length, like snprintf; -1
 * when fmt needs more than this, or the text and its NUL do not fit
 * (dst may have been written to). vsnprintf
 * costs several times as much for the same text, and ids are built by
 * the hundred thousand. */
static long fmt_simple(char *dst, size_t room, const char *f, va_list *ap) {
  size_t n = 0;
  for (;;) {
    /* Literal text: most runs are a byte or two, copied in place; the
     * rest of a longer one (a message) is left to strchrnul and memcpy. */
    for (const char *lit = f; *f && *f != '%' && f - lit < 8; f++) {
      if (n + 1 >= room)
        goto fail;
      dst[n++] = *f;
    }
    if (*f && *f != '%') {
      const char *pct = strchrnul(f, '%');
      size_t run = (size_t)(pct - f);
      if (run >= room - n)
        goto fail;
      memcpy(dst + n, f, run);
      n += run;
      f = pct;
    }
    if (!*f)
      break;
    f++;
    bool prec = false;
    int max = 0;
    if (f[0] == '.' && f[1] == '*' && f[2] == 's') {
      max = va_arg(*ap, int);
      prec = max >= 0;   /* a negative precision counts as none */
      f += 2;
    }
    int size = 0;   /* 1: l, 2: ll, 3: z */
    if (*f == 'l') {
      size = f[1] == 'l' ? 2 : 1;
      f += size;
    } else if (*f == 'z') {
      size = 3;
      f++;
    }
    char conv = *f++, num[24], *end = num + sizeof num;
    const char *s;
    size_t len;
    if (size && conv != 'd' && conv != 'i' && conv != 'u') {
      goto fail;
    } else if (conv == 's') {
      s = va_arg(*ap, const char *);
      if (!s)
        goto fail;   /* "(null)": left to vsnprintf */
      len = prec ? strnlen(s, (size_t)max) : strlen(s);
    } else if (prec) {
      goto fail;
    } else if (conv == '%') {
      s = "%";
      len = 1;
    } else if (conv == 'c') {
      num[0] = (char)va_arg(*ap, int);
      s = num;
      len = 1;
    } else if ((conv == 'd' || conv == 'i') && size != 3) {   /* %zd (ssize_t): left to vsnprintf */
      long long x = size == 2 ? va_arg(*ap, long long) : size == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
      s = put_dec(end, x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x, x < 0);
      len = (size_t)(end - s);
    } else if (conv == 'u') {
      unsigned long long x = size == 2   ? va_arg(*ap, unsigned long long)
                             : size == 1 ? va_arg(*ap, unsigned long)
                             : size == 3 ? va_arg(*ap, size_t)
                                         : va_arg(*ap, unsigned);
      s = put_dec(end, x, false);
      len = (size_t)(end - s);
    } else {
      goto fail;
    }
    if (len >= room - n)
      goto fail;
    memcpy(dst + n, s, len);
    n += len;
  }
  dst[n] = '\0';
  return (long)n;
fail:
  return -1;
}

/* The text goes straight into the head block's free space, which becomes
 * the allocation when it fits; only a text that does not fit is formatted
 * a second time. */
char *arena_vprintf(Arena *a, const char *fmt, va_list ap) {
  ArenaBlock *b = a->head;
  char *dst = b ? (char *)b->data + b->off : NULL;
  size_t room = b ? b->cap - b->off : 0;
  va_list aq;
  if (room) {
    va_copy(aq, ap);
    long n = fmt_simple(dst, room, fmt, &aq);
    va_end(aq);
    if (n >= 0)
      return arena_alloc_raw(a, (size_t)n + 1);   /* dst: n + 1 fits */
  }
  va_copy(aq, ap);
  int n = vsnprintf(dst, room, fmt, aq);
  va_end(aq);
  if (n >= 0 && (size_t)n < room)
    return arena_alloc_raw(a, (size_t)n + 1);
  char *p = arena_alloc_raw(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void buf_init(Buf *b) {
  b->cap = 256;
  b->len = 0;
  b->data = xmalloc(b->cap);
  b->data[0] = '\0';
}

void buf_grow(Buf *b, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap)
      b->cap *= 2;
    char *p = realloc(b->data, b->cap);
    if (!p) {
      fputs("infrac: out of memory\n", stderr);
      abort();
    }
    b->data = p;
  }
}

/* The out-of-line copies of util.h's inline buffer writers. */
extern inline void buf_add(Buf *b, const char *s, size_t n);
extern inline void buf_puts(Buf *b, const char *s);
extern inline void buf_putc(Buf *b, char c);

void buf_printf(Buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  long fast = fmt_simple(b->data + b->len, b->cap - b->len, fmt, &ap);
  va_end(ap);
  if (fast >= 0) {
    b->len += (size_t)fast;
    return;
  }
  b->data[b->len] = '\0';
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < (int)sizeof small) {
    buf_add(b, small, (size_t)n);
    return;
  }
  char *big = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  buf_add(b, big, (size_t)n);
  free(big);
}

void buf_indent(Buf *b, int n) {
  if (n <= 0)
    return;
  if (b->len + (size_t)n + 1 > b->cap)
    buf_grow(b, (size_t)n);
  memset(b->data + b->len, ' ', (size_t)n);
  b->len += (size_t)n;
  b->data[b->len] = '\0';
}

char *buf_finish(Buf *b, Arena *a) {
  char *p = arena_strndup(a, b->data, b->len);
  buf_release(b);
  return p;
}

void buf_release(Buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void vec_push(Arena *a, Vec *v, void *item) {
  if (v->len == v->cap) {
    int cap = v->cap ? v->cap * 2 : 8;
    void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
    if (v->len)
      memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->len++] = item;
}

bool str_eq(const char *a, const char *b) {
  if (!a || !b)
    return a == b;
  return strcmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int str_cmp_ptr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

uint32_t hash_fnv1a(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 16777619u;
  }
  return h;
}

int str_distance(const char *a, const char *b, int cap) {
  int n = (int)strlen(a), m = (int)strlen(b);
  if (abs(n - m) > cap || n > 64 || m > 64)
    return cap + 1;
  int row[65];
  for (int j = 0; j <= m; j++)
    row[j] = j;
  for (int i = 1; i <= n; i++) {
    int prev = row[0], best = i;
    row[0] = i;
    for (int j = 1; j <= m; j++) {
      int cur = row[j];
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = prev + cost;
      if (row[j] + 1 < v)
        v = row[j] + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      row[j] = v;
      prev = cur;
      if (v < best)
        best = v;
    }
    if (best > cap)
      return cap + 1;
  }
  return row[m];
}

char *file_read(Arena *a, const char *path, size_t *len, size_t limit) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return NULL;
  }
  Buf b;
  buf_init(&b);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    buf_add(&b, chunk, n);
    if (b.len > limit) {
      buf_release(&b);
      fclose(f);
      errno = EFBIG;
      return NULL;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    buf_release(&b);
    errno = EIO;
    return NULL;
  }
  *len = b.len;
  return buf_finish(&b, a);
}

char *path_dir(Arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return arena_strdup(a, ".");
  if (slash == path)
    return arena_strdup(a, "/");
  return arena_strndup(a, path, (size_t)(slash - path));
}

char *path_join(Arena *a, const char *dir, const char *rel) {
  if (rel[0] == '/' || str_eq(dir, "."))
    return arena_strdup(a, rel);
  return arena_printf(a, "%s/%s", dir, rel);
}
