/*
 * merge: includes and environment overlays.
 *
 * spec_resolve loads a spec, merges its includes first (in order, each
 * relative to the file naming it, this file winning) and then, when an
 * environment is named, the overlay `environments.<env>`. Maps merge key by
 * key, recursively; scalars and lists replace; null removes the key. No
 * node is mutated, so every value keeps the file and line where it was
 * written and errors in merged data point there.
 */
#ifndef INFRAC_MERGE_H
#define INFRAC_MERGE_H

#include "diag.h"

#define MERGE_MAX_INCLUDE_DEPTH 16
#define MERGE_MAX_INCLUDE_READS 256   /* files read for one spec, repeats included */

/* A pure merge of 'over' onto 'base'; returns a new tree. */
Value *spec_merge(Arena *a, const Value *base, const Value *over);

/* The merged spec for 'env' (NULL: the base spec). NULL after errors.
 * Without an env the environments map stays in the tree, for listing. */
Value *spec_resolve(Arena *a, Diags *d, const char *path, const char *env);

/* The environment names a resolved spec declares, sorted. */
int spec_env_names(Arena *a, const Value *root, const char ***names);

/* Every file a spec reads (itself and its includes, recursively). */
int spec_files(Arena *a, Diags *d, const char *path, const char ***files);

#endif
