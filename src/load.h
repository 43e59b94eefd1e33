/*
 * load: read one spec or template file into a Value tree, keeping the
 * position of every node. YAML goes through libyaml's event parser, JSON
 * through jansson. Problems become diagnostics; the result is NULL when
 * the file cannot be read or parsed at all.
 */
#ifndef INFRAC_LOAD_H
#define INFRAC_LOAD_H

#include "diag.h"

/* Limits that keep hostile input from exhausting the stack or memory. */
#define LOAD_MAX_FILE_BYTES (8u << 20)
#define LOAD_MAX_DEPTH 64
#define LOAD_MAX_NODES 1000000
#define LOAD_MAX_KEY 1024        /* characters in a map key (libyaml's own cap on plain keys) */
#define LOAD_MAX_PATH 256        /* key paths kept longer are cut, ending in "..." */

/* "parent.key" (or "key" at the top), cut to about LOAD_MAX_PATH bytes:
 * a path already cut is returned as it is, so deep, wide documents cannot
 * make their paths' total size explode. */
const char *spec_path_join(Arena *a, const char *parent, const char *key);
/* "parent[i]", cut the same way. */
const char *spec_path_index(Arena *a, const char *parent, long i);

/* By extension: .json is JSON, .yaml and .yml are YAML. */
Value *spec_load_file(Arena *a, Diags *d, const char *path);
/* The same for a file another file names (an include): when it cannot be
 * read, the error points at 'ref', the value naming it, under 'refpath'.
 * Without a reader, a file parsed once stays for the rest of the run, in
 * the root arena of 'a' (a spec is merged once per environment). */
Value *spec_load_named(Arena *a, Diags *d, const char *path, const Value *ref,
                       const char *refpath);
Value *spec_load_text(Arena *a, Diags *d, const char *name, const char *text,
                      size_t len, bool json);
bool spec_is_json(const char *path);

/* Where spec files are read from: the file system, unless a reader is set
 * (diff --base serves each path from a git revision). A reader returns
 * the text in 'a', or NULL with errno set, and may name the file for
 * messages in *shown. NULL restores the file system. */
typedef char *(*SpecReader)(Arena *a, const char *path, size_t *len, const char **shown,
                            void *ctx);
void spec_set_reader(SpecReader r, void *ctx);

#endif
