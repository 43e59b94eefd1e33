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

/* cost: each one's share of a build's instructions, roughly (bench/stages
 * on CartFul and on bench/gen 1000): build starts the costly ones first,
 * so no thread is left with a long one at the end. */
const Target emit_targets[] = {
    {"plan", plan_emit, "", 1},
    {"terraform", tf_emit, "terraform", 2},
    {"cloudformation", cfn_emit, "cloudformation", 5},
    {"kubernetes", k8s_emit, "kubernetes", 4},
    {"policies", pol_emit, "policies", 2},
    {"graph", graph_emit, "", 1},
    {NULL, NULL, NULL, 0},
};
