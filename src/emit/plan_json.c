/*
 * plan_json: the "plan" target, plan.json beside the target folders. It
 * is the target-neutral plan that every emitter reads, committed with the
 * output so a pull request shows what changed before any target syntax.
 */
#include "emit.h"

bool plan_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  (void)d;
  Buf b;
  buf_init(&b);
  plan_write_json(p, &b);
  buf_putc(&b, '\n');
  size_t len = b.len;
  out_add(out, "plan.json", buf_finish(&b, a), len);
  return true;
}
