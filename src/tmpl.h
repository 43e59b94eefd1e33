/*
 * tmpl: the data under templates/ that shapes output (IAM action sets,
 * trust-policy shapes, Kubernetes defaults, replacement rules, file
 * skeletons). Each file is embedded in the binary at build time and parsed
 * with the spec loader; --templates DIR overrides any file by the same
 * relative name.
 *
 * Inside a template, "${var}" in a string or a map key is replaced by a
 * variable (keys: an IAM condition key such as "${oidc_provider}:sub"); a map
 * entry whose whole value is an unset "${var}" is dropped, and a map or
 * list left empty by that is dropped too, so optional conditions vanish.
 */
#ifndef INFRAC_TMPL_H
#define INFRAC_TMPL_H

#include "diag.h"

typedef struct TmplFile {
  const char *name;
  const char *data;
  size_t len;
} TmplFile;

extern const TmplFile tmpl_embedded[];

/* Use DIR for overrides (NULL: embedded only). */
void tmpl_set_dir(const char *dir);
/* The parsed template 'name' (e.g. "iam/actions.yaml"), cached in 'a'
 * (in its parent, for a scratch arena: see Arena.parent).
 * Reports and returns NULL when it is missing or malformed. */
Value *tmpl_get(Arena *a, Diags *d, const char *name);
/* A named entry of a template that must be a map. */
Value *tmpl_entry(Arena *a, Diags *d, const char *name, const char *key);

typedef struct TmplVar {
  const char *name;
  const char *value;   /* NULL: unset */
} TmplVar;

/* Deep copy of 'v' with variables substituted (see above). */
Value *tmpl_expand(Arena *a, const Value *v, const TmplVar *vars, int nvars);

#endif
