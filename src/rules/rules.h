/*
 * rules: the checks `infrac check` runs on one compiled spec and
 * environment, one file per area (exposure.c, data.c, identity.c,
 * availability.c, images.c). A rule reads the Model and the Plan, so it
 * applies to every target at once, and reports each finding with
 * check_report: the rule ID, the spec position it is about and the values
 * its message template (templates/checks/rules.yaml) names. Whether the
 * rule is skipped, out of scope or overridden in severity is the engine's
 * business (check.c), never a rule's.
 */
#ifndef INFRAC_RULES_H
#define INFRAC_RULES_H

#include "plan.h"

typedef struct CheckRun CheckRun;   /* the engine's state, private to check.c */

typedef struct Check {
  Arena *a;
  Diags *d;
  const Model *m;
  const Plan *p;
  CheckRun *run;
} Check;

/* Report a finding of 'rule' at 'pos' ('path': the dotted key path, may be
 * NULL). The rest are name, value pairs for the message template, ended by
 * NULL. */
void check_report(Check *c, const char *rule, Pos pos, const char *path, ...)
    __attribute__((sentinel));
/* A rule's parameter from the registry ("params: {name: ...}"), or NULL. */
const Value *check_param(Check *c, const char *rule, const char *name);

/* Where a finding about the map or list 'x', found under 'key' of 'parent',
 * points: the key that names it (`orders:`), else the node itself. */
Pos check_key_pos(const Value *parent, const char *key, const Value *x);
/* Where a finding about a plan resource points: its origin, or when that
 * is a map or list of the spec, the key naming it (`network:`). */
Pos check_origin(Check *c, const Resource *r);
/* A value of a model map ('at'), or NULL when the spec left it out. */
const Value *check_at(const Value *at, const char *key);

/* One function per area; each reports through check_report. */
void check_exposure(Check *c);
void check_data(Check *c);
void check_identity(Check *c);
void check_availability(Check *c);
void check_images(Check *c);

/* "registry.dkr.ecr.REGION.amazonaws.com/REPO:TAG": the parts an image
 * reference is made of. Every field is "" when absent. */
typedef struct ImageRef {
  const char *host, *repo, *tag, *digest;
  const char *ecr_account, *ecr_region;   /* set for ECR private registries */
} ImageRef;

ImageRef check_image_ref(Arena *a, const char *image);

#endif
