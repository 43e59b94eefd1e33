/*
 * compile: the front half of the pipeline for one spec and environment:
 * load, merge includes and the overlay, validate, plan.
 */
#ifndef INFRAC_COMPILE_H
#define INFRAC_COMPILE_H

#include "plan.h"

/* NULL when the spec is invalid; diagnostics say why. env NULL: base. */
Plan *compile_spec(Arena *a, Diags *d, const char *path, const char *env);

#endif
