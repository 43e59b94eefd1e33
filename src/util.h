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

Arena *arena_new(void);
void arena_free(Arena *a);
/* Zeroed memory that lives until arena_free. Aborts on out-of-memory. */
void *arena_alloc(Arena *a, size_t n);
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
void buf_add(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_indent(Buf *b, int n);
char *buf_finish(Buf *b, Arena *a); /* copies into a, frees b, returns copy */
void buf_release(Buf *b);

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
