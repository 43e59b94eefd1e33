/*
 * targets: the emitters `infrac build` knows, in `--target all` order.
 * ORDER: keep docs/spec.md's target list in the same order.
 */
#include "emit.h"

bool plan_emit(Arena *a, Diags *d, const Plan *p, Output *out);
bool tf_emit(Arena *a, Diags *d, const Plan *p, Output *out);
bool k8s_emit(Arena *a, Diags *d, const Plan *p, Output *out);
bool pol_emit(Arena *a, Diags *d, const Plan *p, Output *out);
bool cfn_emit(Arena *a, Diags *d, const Plan *p, Output *out);
bool graph_emit(Arena *a, Diags *d, const Plan *p, Output *out);

const Target emit_targets[] = {
    {"plan", plan_emit, ""},
    {"terraform", tf_emit, "terraform"},
    {"cloudformation", cfn_emit, "cloudformation"},
    {"kubernetes", k8s_emit, "kubernetes"},
    {"policies", pol_emit, "policies"},
    {"graph", graph_emit, ""},
    {NULL, NULL, NULL},
};
