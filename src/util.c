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
 * not a quarter megabyte zeroed each. */
#define FIRST_BLOCK (4 * 1024)
#define BLOCK_SIZE (256 * 1024)

struct ArenaBlock {
  ArenaBlock *next;
  size_t cap, off;
  max_align_t data[];
};

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

void *arena_alloc(Arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  ArenaBlock *b = a->head;
  if (!b || b->cap - b->off < n) {
    bool one_off = n > a->block / 4;
    size_t cap = one_off ? n : a->block;
    if (!one_off && a->block < BLOCK_SIZE)
      a->block *= 2;
    /* Zeroed once, by calloc (for fresh memory the kernel already did):
     * the arena never hands out the same bytes twice, so an allocation
     * needs no memset of its own, which cost a fifth of a large build. */
    b = calloc(1, sizeof *b + cap);
    if (!b) {
      fputs("infrac: out of memory\n", stderr);
      abort();
    }
    b->cap = cap;
    b->off = 0;
    /* A large one-off allocation goes behind the head, so the head's
     * free space stays usable. */
    if (one_off && a->head) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  void *p = (char *)b->data + b->off;
  b->off += n;
  a->used += n;
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(Arena *a, const char *s) {
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(Arena *a, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *p = arena_alloc(a, (size_t)n + 1);
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

void buf_add(Buf *b, const char *s, size_t n) {
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
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }
void buf_putc(Buf *b, char c) { buf_add(b, &c, 1); }

void buf_printf(Buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
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
  for (int i = 0; i < n; i++)
    buf_putc(b, ' ');
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
