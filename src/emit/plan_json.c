/*
 * plan_json: the "plan" target, plan.json beside the target folders. It
 * is the target-neutral plan that every emitter reads, committed with the
 * output so a pull request shows what changed before any target syntax.
 */
#include "emit.h"

bool plan_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  (void)d;
  size_t len;
  char *s = plan_to_json(p, &len);
  char *withnl = arena_printf(a, "%s\n", s);
  out_add(out, "plan.json", withnl, len + 1);
  return true;
}
