/*
 * compile: run load -> merge -> validate -> plan for one spec.
 */
#include "compile.h"

#include "merge.h"

Plan *compile_spec(Arena *a, Diags *d, const char *path, const char *env) {
  Value *root = spec_resolve(a, d, path, env);
  if (!root)
    return NULL;
  Model *m = spec_validate(a, d, root, path, env);
  if (!m)
    return NULL;
  return plan_build(a, d, m);
}
