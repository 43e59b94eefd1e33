/*
 * util: the arena that owns everything a run allocates, growable byte
 * buffers, and small string helpers.
 *
 * Ownership rule for the whole program: one Arena per run owns the spec
 * tree, the model, the plan and every emitted buffer. Nothing allocated
 * from it is freed piecemeal; arena_free releases it all at once. Library
 * objects (libyaml events, jansson trees) are copied into the arena and
 * released at the edge where they were made.
 */
#ifndef INFRAC_UTIL_H
#define INFRAC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *head;
  size_t used;   /* bytes handed out, for the benchmark's accounting */
  size_t block;  /* the size of its next block: small arenas stay small */
  void *tmpl;    /* templates parsed into this arena (see tmpl.c) */
  void *loaded;  /* spec files parsed into this arena (see load.c) */
  /* A scratch arena's parent: what must outlive the scratch (parsed
   * templates, which diagnostics point into) is allocated there. */
  struct Arena *parent;
} Arena;

/* A block the arena bumps allocations from (see util.c). Shown here only
 * for the inline fast paths below: nothing else touches it. */
struct ArenaBlock {
  ArenaBlock *next;
  size_t cap, off;
  max_align_t data[];
};

Arena *arena_new(void);
void arena_free(Arena *a);
/* arena_alloc_raw when the head block has no room: a new block. */
void *arena_alloc_block(Arena *a, size_t n);
/* n bytes that live until arena_free, not zeroed: for bytes the caller
 * writes in full (copied text). Aborts on out-of-memory. */
inline void *arena_alloc_raw(Arena *a, size_t n) {
  size_t r = (n + 15) & ~(size_t)15;
  ArenaBlock *b = a->head;
  if (!b || b->cap - b->off < r)
    return arena_alloc_block(a, r);
  void *p = (char *)b->data + b->off;
  b->off += r;
  a->used += r;
  return p;
}
/* Zeroed memory that lives until arena_free. Aborts on out-of-memory.
 * Inline, and zeroed here rather than a block at a time: a run makes
 * millions of small allocations, most of a constant size, and zeroing
 * whole blocks (with calloc) cost more than a fifth of a large build. */
inline void *arena_alloc(Arena *a, size_t n) { return memset(arena_alloc_raw(a, n), 0, n); }
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);

/* A growable byte buffer; its storage is malloc'd until buf_finish moves
 * it into an arena (or buf_release frees it). Always NUL-terminated. */
typedef struct Buf {
  char *data;
  size_t len, cap;
} Buf;

void buf_init(Buf *b);
/* buf_add, buf_puts and buf_putc are below, inline. */
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_indent(Buf *b, int n);
char *buf_finish(Buf *b, Arena *a); /* copies into a, frees b, returns copy */
void buf_release(Buf *b);
/* Makes room for n more bytes and the NUL; the slow path of buf_add. */
void buf_grow(Buf *b, size_t n);

/* The emitters write a byte or a word at a time, so the common case (it
 * fits) is inlined here; util.c holds the out-of-line definitions. No
 * declaration without 'inline' may precede these (it would make every
 * file that includes this one define them). */
inline void buf_add(Buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap)
    buf_grow(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

inline void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

inline void buf_putc(Buf *b, char c) {
  if (b->len + 2 > b->cap)
    buf_grow(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}

/* A growable array of pointers, allocated from an arena. */
typedef struct Vec {
  void **items;
  int len, cap;
} Vec;

void vec_push(Arena *a, Vec *v, void *item);

bool str_eq(const char *a, const char *b);           /* NULL-safe */
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
int str_cmp_ptr(const void *a, const void *b);       /* qsort over char ** */
uint32_t hash_fnv1a(const char *s);
/* Levenshtein distance, capped at 'cap' + 1 for speed. */
int str_distance(const char *a, const char *b, int cap);

/* Read a whole file; NULL with errno set on failure. *len gets its size. */
char *file_read(Arena *a, const char *path, size_t *len, size_t limit);
/* The directory part of a path ("." when there is none). */
char *path_dir(Arena *a, const char *path);
char *path_join(Arena *a, const char *dir, const char *rel);

#endif
